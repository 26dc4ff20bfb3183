// benchmarks/Vfs.NfsBench: `vfs serve` in a process of its own, as a user runs it (the CLI built next to the
// harness), with the ports it printed; and `vfs newfs` for the image it serves. The server's memory is read
// from /proc by its Pid (ProcStatus.cs).
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace UnixVfs.NfsBench;

internal sealed partial class VfsServe : IDisposable
{
    private readonly Process _proc;

    private VfsServe(Process proc, int nfsPort, int mountPort)
    {
        _proc = proc;
        NfsPort = nfsPort;
        MountPort = mountPort;
    }

    public int Pid => _proc.Id;
    public int NfsPort { get; }
    public int MountPort { get; }

    [GeneratedRegex(@"nfs port (\d+), mount port (\d+)")]
    private static partial Regex PortsLine();

    private static ProcessStartInfo Vfs(string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "vfs.dll"));
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        return psi;
    }

    /// <summary>Runs `vfs ARGS` to its end; throws with what it said when it fails.</summary>
    public static void Run(params string[] args)
    {
        using var p = Process.Start(Vfs(args))!;
        var err = p.StandardError.ReadToEndAsync();
        var said = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"vfs {string.Join(' ', args)}: exit {p.ExitCode}: {said} {err.Result}");
    }

    /// <summary>Starts `vfs serve WHAT` on free ports of 127.0.0.1, root not squashed, no portmapper; returns once it serves.</summary>
    public static VfsServe Start(params string[] what)
    {
        var p = Process.Start(Vfs(["serve", .. what, "--nfs-port", "0", "--mount-port", "0", "--portmap-port", "-1", "--no-root-squash"]))!;
        p.StandardError.ReadToEndAsync();
        var said = new List<string>();
        string? line;
        while ((line = p.StandardOutput.ReadLine()) is not null && !line.StartsWith("nfs://", StringComparison.Ordinal))
            said.Add(line);
        var ports = PortsLine().Match(string.Join('\n', said));
        if (line is null || !ports.Success)
        {
            p.Kill();
            throw new InvalidOperationException($"vfs serve {string.Join(' ', what)} did not start: {string.Join('\n', said)}");
        }
        p.StandardOutput.ReadToEndAsync();
        return new VfsServe(p, int.Parse(ports.Groups[1].Value), int.Parse(ports.Groups[2].Value));
    }

    /// <summary>SIGTERM, as an init system stops a server (it syncs and unmounts), and a kill if it does not stop.</summary>
    public void Dispose()
    {
        if (!_proc.HasExited)
        {
            using (var kill = Process.Start("kill", ["-TERM", Pid.ToString()]))
                kill.WaitForExit();
            if (!_proc.WaitForExit(60_000))
                _proc.Kill();
        }
        _proc.Dispose();
    }
}
