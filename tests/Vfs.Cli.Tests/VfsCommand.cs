// Test helper: the built `vfs` run as a process, as a user runs it, to its exit.
using System.Diagnostics;

namespace UnixVfs.Cli.Tests;

internal static class VfsCommand
{
    /// <summary>Runs `vfs ARGS` and returns its exit status and what it printed; a run past 5 minutes fails the test.</summary>
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "vfs.dll"));
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(300_000), $"vfs {string.Join(' ', args)} did not finish");
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
