// Tests of the docs: a scratch directory in which a document's shell examples run as a reader would type them.
//
// The directory holds bin/vfs (this build's command), docs (the repository's, so `--script docs/examples/...`
// resolves), mnt and tmp (the examples' /mnt/... and /tmp/... are put here, so nothing on the host is touched),
// and home (HOME; with a small git repository `src` when an example copies ~/src). A line runs under bash
// (`bash -e`) and must exit 0, except a line ending in `vfs mount-host ...`: that command is started on its own
// and waited for until it prints "mounted"; with `&` it is left to the block (whose `umount` ends it, and which
// must then have exited 0 at EndBlock, or at a line ending in `wait`, which waits for it as bash's `wait` does),
// without, it is stopped with SIGINT (^C) and must exit 0. Nothing here
// is timed: the bounds below only turn a hang into a failure, and Dispose stops and unmounts whatever is left.
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace UnixVfs.Docs.Tests;

internal sealed partial class HostShell : IDisposable
{
    /// <summary>How long a long-lived command may take to mount, or to exit once told to, before it counts as hung.</summary>
    private static readonly TimeSpan HangBound = TimeSpan.FromMinutes(2);

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vfs-sh-");
    /// <summary>A long-lived vfs command, started by the doc's line at <paramref name="Where"/>, with its output as it comes.</summary>
    private sealed record Started(string Where, Process Process, Task<string> Stdout, Task<string> Stderr);

    private readonly List<Started> _background = [];

    public string Dir => _dir.FullName;

    public HostShell(bool needsHome)
    {
        foreach (var d in new[] { "bin", "mnt", "tmp", "home" })
            Directory.CreateDirectory(Path.Combine(Dir, d));
        string vfs = Path.Combine(Dir, "bin", "vfs");
        File.WriteAllText(vfs, $"#!/bin/sh\nexec dotnet \"{Repo.VfsDll}\" \"$@\"\n");
        Repo.Ok(Repo.Run("chmod", $"755 \"{vfs}\"", Dir));
        Directory.CreateSymbolicLink(Path.Combine(Dir, "docs"), Path.Combine(Repo.Root, "docs"));
        if (needsHome)
        {
            string src = Directory.CreateDirectory(Path.Combine(Dir, "home", "src")).FullName;
            File.WriteAllText(Path.Combine(src, "hello.c"), "int main(void) { return 0; }\n");
            Repo.Ok(Bash("git init -q && git add . && git -c user.name=doc -c user.email=doc@localhost commit -q -m one", src));
        }
    }

    /// <summary>A doc's line as it runs here: the CLI by its command name, host paths in the scratch directory.</summary>
    private string Rewrite(string line) =>
        HostPath().Replace(line.Replace("dotnet run --project src/Vfs.Cli --", "vfs", StringComparison.Ordinal), $"{Dir}/$1/");

    [GeneratedRegex(@"(?<=^|[\s(])/(mnt|tmp)/")]
    private static partial Regex HostPath();

    private (int Exit, string Output) Bash(string line, string? cwd = null)
    {
        string script = Path.Combine(Dir, "line.sh");
        File.WriteAllText(script, line + "\n");
        return Repo.Run("bash", $"-e \"{script}\"", cwd ?? Dir, Environment());
    }

    private Dictionary<string, string> Environment() => new()
    {
        ["PATH"] = $"{Path.Combine(Dir, "bin")}:{System.Environment.GetEnvironmentVariable("PATH")}",
        ["HOME"] = Path.Combine(Dir, "home"),
    };

    public void Run(string where, string docLine)
    {
        string line = Rewrite(docLine);
        bool background = line.EndsWith('&');
        if (background)
            line = line[..^1].TrimEnd();
        int last = line.LastIndexOf("&&", StringComparison.Ordinal);
        string final = (last >= 0 ? line[(last + 2)..] : line).Trim();
        if (final == "wait")
        {
            // Each line runs in a shell of its own, so the background vfs is not that shell's child: wait for it here.
            if (last >= 0)
            {
                var r = Bash(line[..last]);
                Assert.True(r.Exit == 0, $"{where}\n{r.Output}");
            }
            EndBlock(where);
            return;
        }
        if (!final.StartsWith("vfs mount-host ", StringComparison.Ordinal))
        {
            Assert.False(background, $"{where}: only vfs mount-host is run in the background here");
            var r = Bash(line);
            Assert.True(r.Exit == 0, $"{where}\n{r.Output}");
            return;
        }
        if (last >= 0)
        {
            var r = Bash(line[..last]);
            Assert.True(r.Exit == 0, $"{where}\n{r.Output}");
        }
        var started = StartMounted(where, final["vfs ".Length..]);
        if (background)
        {
            _background.Add(started);
            return;
        }
        Interrupt(started.Process);
        ExitedCleanly(where, started);
    }

    /// <summary>Starts vfs with <paramref name="args"/> (plain words) and returns once it has printed "mounted ...".</summary>
    private Started StartMounted(string where, string args)
    {
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = Dir, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Repo.VfsDll);
        foreach (var w in args.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            psi.ArgumentList.Add(w);
        foreach (var (k, v) in Environment())
            psi.Environment[k] = v;
        var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var seen = new System.Text.StringBuilder();
        var ready = Task.Run(() =>
        {
            while (p.StandardOutput.ReadLine() is { } l)
            {
                seen.AppendLine(l);
                if (l.StartsWith("mounted ", StringComparison.Ordinal))
                    return true;
            }
            return false;
        });
        if (!ready.Wait(HangBound) || !ready.Result)
        {
            Stop(p);
            Assert.Fail($"{where}: vfs did not mount:\n{seen}{stderr.GetAwaiter().GetResult()}");
        }
        var stdout = Task.Run(() => seen + p.StandardOutput.ReadToEnd());
        return new Started(where, p, stdout, stderr);
    }

    /// <summary>
    /// ^C, as the doc says. A process started in the background of a non-interactive shell (as a CI job may be) inherits
    /// SIGINT ignored, and exec keeps it ignored in vfs too; there SIGTERM, which the same handler takes, stands in.
    /// </summary>
    private static void Interrupt(Process p) => Repo.Run("kill", $"-{(SigintIgnored() ? "TERM" : "INT")} {p.Id}", "/");

    private static bool SigintIgnored()
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is not null && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & (1UL << (2 - 1))) != 0;   // SIGINT is 2
    }

    private static void ExitedCleanly(string where, Started started)
    {
        bool exited = started.Process.WaitForExit(HangBound);
        if (!exited)
            Stop(started.Process);
        string output = $"{started.Stdout.GetAwaiter().GetResult()}{started.Stderr.GetAwaiter().GetResult()}";
        Assert.True(exited, $"{where}: vfs did not exit when the doc says it does:\n{output}");
        Assert.True(started.Process.ExitCode == 0, $"{where}: vfs exited {started.Process.ExitCode}:\n{output}");
        started.Process.Dispose();
    }

    /// <summary>At the end of a block, whatever it started in the background must have ended, cleanly.</summary>
    public void EndBlock(string where)
    {
        foreach (var started in _background.ToList())
        {
            _background.Remove(started);
            ExitedCleanly($"{where}: {started.Where}", started);
        }
    }

    /// <summary>Runs a `vfs shell` script; every command in it must succeed.</summary>
    public void RunScript(string where, string script)
    {
        string file = Path.Combine(Dir, "block.vfs");
        File.WriteAllText(file, script);
        var r = Repo.Run("dotnet", $"\"{Repo.VfsDll}\" shell --images \"{Dir}\" --script \"{file}\"", Dir);
        Assert.True(r.Exit == 0, $"{where}: the script has a failing command:\n{r.Output}");
    }

    private static void Stop(Process p)
    {
        if (p.HasExited)
            return;
        Interrupt(p);
        if (!p.WaitForExit(TimeSpan.FromSeconds(30)))
            p.Kill(entireProcessTree: true);
    }

    public void Dispose()
    {
        foreach (var started in _background)
            Stop(started.Process);
        foreach (var mount in File.ReadAllLines("/proc/mounts").Select(l => l.Split(' ')[1]).Where(m => m.StartsWith(Dir + "/", StringComparison.Ordinal)))
            Repo.Run("umount", $"-l \"{mount}\"", "/");
        _dir.Delete(recursive: true);
    }
}
