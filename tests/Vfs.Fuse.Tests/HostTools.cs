// Test support: running `vfs mount-host` and the host's own programs, with generous timeouts that only
// guard against a hang (no verdict depends on how long anything took).
using System.Diagnostics;
using Process = System.Diagnostics.Process;
using UnixVfs.Core;
using UnixVfs.Ufs;

namespace UnixVfs.Fuse.Tests;

/// <summary>A finished program: its exit status and what it printed.</summary>
public sealed record Ran(int Exit, string Out, string Err)
{
    public override string ToString() => $"exit {Exit}\n{Out}\n{Err}";
}

public static class HostTools
{
    /// <summary>How long any one program may take before the test calls it hung.</summary>
    public static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(2);

    public static string VfsDll => Path.Combine(AppContext.BaseDirectory, "vfs.dll");

    /// <summary>Runs a program to its end (killed, and the test failed, if it hangs).</summary>
    public static Ran Run(string program, params string[] args) => RunIn(null, program, args);

    public static Ran RunIn(string? cwd, string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (cwd is not null)
            psi.WorkingDirectory = cwd;
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(HangGuard))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"{program} {string.Join(' ', args)}: still running after {HangGuard}");
        }
        p.WaitForExit();
        return new Ran(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs a bash script; fails the test with its output unless it exits 0.</summary>
    public static string Bash(string cwd, string script)
    {
        var r = RunIn(cwd, "bash", "-euo", "pipefail", "-c", script);
        Assert.True(r.Exit == 0, $"script failed: {script}\n{r}");
        return r.Out;
    }

    /// <summary>`vfs ARGS` run to its end.</summary>
    public static Ran Vfs(params string[] args) => Run("dotnet", [VfsDll, .. args]);

    /// <summary>A fresh directory for one test, under the system's temp directory (ext4 here).</summary>
    public static string TempDir(string name)
    {
        var d = Path.Combine(Path.GetTempPath(), "vfs-fuse-tests", $"{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(d);
        return d;
    }

    /// <summary>A new UFS2 image of <paramref name="mib"/> MiB.</summary>
    public static string NewImage(string dir, string name, int mib = 128)
    {
        var path = Path.Combine(dir, name);
        var r = Vfs("newfs", path, "-s", $"{mib}M");
        Assert.True(r.Exit == 0, r.ToString());
        return path;
    }

    /// <summary>fsck -n of an image through the library: the report's lines, and whether it was clean.</summary>
    public static (bool Clean, string Report) Fsck(string image)
    {
        Assert.Equal(Errno.OK, FileBlockDevice.Open(image, readOnly: true, out var dev));
        using (dev)
        {
            var err = Ufs.Fsck.Run(dev!, false, out var report);
            return (err == Errno.OK, report.ToString());
        }
    }

    /// <summary>True when the host has a mount on <paramref name="dir"/>.</summary>
    public static bool IsMounted(string dir) =>
        File.ReadAllLines("/proc/self/mountinfo").Any(l => l.Split(' ')[4] == dir);
}

/// <summary>A running `vfs mount-host`: started, told to stop (SIGTERM), or killed.</summary>
public sealed class MountHost : IDisposable
{
    private readonly Process _proc;
    private readonly Task<string> _rest;

    private MountHost(Process p, string firstLine, string dir)
    {
        _proc = p;
        FirstLine = firstLine;
        Dir = dir;
        _rest = p.StandardOutput.ReadToEndAsync();
    }

    public string Dir { get; }
    public string FirstLine { get; }
    public int Pid => _proc.Id;

    /// <summary>Starts `vfs mount-host ARGS DIR` and waits for its "mounted" line.</summary>
    public static MountHost Start(string dir, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(HostTools.VfsDll);
        psi.ArgumentList.Add("mount-host");
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        psi.ArgumentList.Add(dir);
        var p = Process.Start(psi)!;
        var first = p.StandardOutput.ReadLineAsync();
        if (!first.Wait(HostTools.HangGuard) || first.Result is null || !first.Result.StartsWith("mounted", StringComparison.Ordinal))
        {
            if (!p.HasExited)
                p.Kill();
            Assert.Fail($"vfs mount-host did not mount: {(first.IsCompleted ? first.Result : "(nothing)")} {p.StandardError.ReadToEnd()}");
        }
        return new MountHost(p, first.Result!, dir);
    }

    /// <summary>SIGTERM, then the exit status and what it printed after "mounted".</summary>
    public Ran Stop()
    {
        HostTools.Run("kill", "-TERM", Pid.ToString());
        return WaitExit();
    }

    /// <summary>Waits for the process to end by itself (after `umount DIR`, say).</summary>
    public Ran WaitExit()
    {
        if (!_proc.WaitForExit(HostTools.HangGuard))
        {
            _proc.Kill();
            Assert.Fail("vfs mount-host did not stop");
        }
        _proc.WaitForExit();
        return new Ran(_proc.ExitCode, _rest.Result, _proc.StandardError.ReadToEnd());
    }

    /// <summary>kill -9: the bridge dies without unmounting.</summary>
    public void Kill9()
    {
        HostTools.Run("kill", "-KILL", Pid.ToString());
        Assert.True(_proc.WaitForExit(HostTools.HangGuard), "kill -9 did not end vfs mount-host");
    }

    public void Dispose()
    {
        if (!_proc.HasExited)
            Stop();
        if (HostTools.IsMounted(Dir))
            HostTools.Run("umount", "-l", Dir);
        _proc.Dispose();
    }
}
