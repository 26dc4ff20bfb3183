// Vfs.Cli / shell: host add, host use, host list, host stop, host start -- the simulated hosts of a session.
namespace UnixVfs.Cli.Shell;

internal static class HostCommands
{
    public static void Register(Shell sh) =>
        sh.Register("host", "host add|use|stop|start NAME | host list", "make, switch to, crash and reboot simulated hosts", Host);

    private static void Host(ShellContext ctx, string[] a)
    {
        var w = ctx.World;
        if (a.Length == 1 && a[0] == "list")
        {
            foreach (var h in w.Hosts)
                ctx.Out.WriteLine($"{(ReferenceEquals(h, w.Current) ? "*" : " ")} {h.Name,-16} {(h.Up ? "up" : "down"),-5} " +
                    $"{h.Kernel.Mounts.Count} mounts, {h.Server.Exports.Count} shares");
            return;
        }
        if (a.Length != 2)
            throw new ShellError("usage: host add|use|stop|start NAME | host list");
        string name = a[1];
        var host = w.Host(name);
        switch (a[0])
        {
            case "add":
                if (host is not null)
                    throw new ShellError($"{name}: there is already a host of that name");
                if (name.Length == 0 || name.Any(c => !(char.IsLetterOrDigit(c) || c is '-' or '_' or '.')))
                    throw new ShellError($"{name}: a host name is letters, digits, '-', '_' and '.'");
                w.AddHost(name);
                return;
            case "use":
                w.Current = host ?? throw new ShellError($"{name}: no such host (host list)");
                return;
            case "stop":
                if (host is null)
                    throw new ShellError($"{name}: no such host");
                if (!host.Up)
                    throw new ShellError($"{name}: the host is not running");
                host.Stop();
                return;
            case "start":
                if (host is null)
                    throw new ShellError($"{name}: no such host");
                if (host.Up)
                    throw new ShellError($"{name}: the host is already running");
                ShellContext.Check(host.Start(), $"{name}: starting its NFS server");
                return;
            default:
                throw new ShellError($"{a[0]}: expected add, use, stop, start or list");
        }
    }
}
