// Test helper: `vfs serve` in a process of its own, with the ports it printed, its memory as the
// kernel counts it (/proc/PID/status), and a clean stop.
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace UnixVfs.Cli.Tests;

internal sealed partial class ServeProcess : IDisposable
{
    private ServeProcess(Process proc, string url, List<string> said)
    {
        Proc = proc;
        Url = url;
        var ports = PortsLine().Match(string.Join('\n', said));
        Assert.True(ports.Success, "vfs serve did not print its ports: " + string.Join('\n', said));
        NfsPort = int.Parse(ports.Groups[1].Value);
        MountPort = int.Parse(ports.Groups[2].Value);
        PortmapPort = ports.Groups[3].Success ? int.Parse(ports.Groups[3].Value) : -1;
    }

    public Process Proc { get; }
    public string Url { get; }
    public int NfsPort { get; }
    public int MountPort { get; }
    public int PortmapPort { get; }

    [GeneratedRegex(@"nfs port (\d+), mount port (\d+)(?:, portmap port (\d+))?")]
    private static partial Regex PortsLine();

    /// <summary>Starts `vfs serve ARGS` (under `bash -c` with <paramref name="shellPrefix"/> when given, e.g. a ulimit).</summary>
    public static ServeProcess Start(string[] args, string? shellPrefix = null)
    {
        var vfs = Path.Combine(AppContext.BaseDirectory, "vfs.dll");
        ProcessStartInfo psi;
        if (shellPrefix is null)
        {
            psi = new ProcessStartInfo("dotnet");
            psi.ArgumentList.Add(vfs);
            psi.ArgumentList.Add("serve");
            foreach (var a in args)
                psi.ArgumentList.Add(a);
        }
        else
        {
            psi = new ProcessStartInfo("bash");
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add($"{shellPrefix}; exec dotnet {vfs} serve " + string.Join(' ', args.Select(a => $"'{a}'")));
        }
        psi.RedirectStandardOutput = psi.RedirectStandardError = true;
        psi.UseShellExecute = false;
        var p = Process.Start(psi)!;
        string? line;
        var seen = new List<string>();
        while ((line = p.StandardOutput.ReadLine()) is not null && !line.StartsWith("nfs://", StringComparison.Ordinal))
            seen.Add(line);
        if (line is null)
            Assert.Fail("vfs serve printed no URL: " + string.Join('\n', seen) + p.StandardError.ReadToEnd());
        return new ServeProcess(p, line!, seen);
    }

    /// <summary>A field of /proc/PID/status in KiB (VmRSS: resident now; VmHWM: the peak).</summary>
    public long StatusKib(string field)
    {
        foreach (var l in File.ReadAllLines($"/proc/{Proc.Id}/status"))
            if (l.StartsWith(field + ":", StringComparison.Ordinal))
                return long.Parse(l[(field.Length + 1)..].Trim().Split(' ')[0]);
        throw new InvalidOperationException($"no {field} in /proc/{Proc.Id}/status");
    }

    /// <summary>The number of threads of the server process.</summary>
    public long Threads => StatusKib("Threads");

    /// <summary>SIGTERM, as an init system stops a server; returns the exit code and the rest of stdout.</summary>
    public (int Exit, string Out) Stop()
    {
        using (var kill = Process.Start("kill", ["-TERM", Proc.Id.ToString()]))
            kill.WaitForExit();
        var rest = Proc.StandardOutput.ReadToEnd();
        Assert.True(Proc.WaitForExit(30_000), "vfs serve did not stop on SIGTERM");
        return (Proc.ExitCode, rest);
    }

    /// <summary>
    /// Stops a server that is still running as SIGTERM does, and requires the clean exit: every export unshared and
    /// everything unmounted without force, which fails while any vnode is still held (a leaked hold).
    /// </summary>
    public void Dispose()
    {
        try
        {
            if (!Proc.HasExited)
            {
                var (exit, rest) = Stop();
                Assert.True(exit == 0, $"vfs serve stopped with {exit}: {rest} {Proc.StandardError.ReadToEnd()}");
            }
        }
        finally
        {
            Proc.Dispose();
        }
    }
}
