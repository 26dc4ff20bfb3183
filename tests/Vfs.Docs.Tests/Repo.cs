// Tests of the docs and packages: where the repository is, which configuration this test was built in, and how
// a child process (dotnet, bash) is run with its output kept for the failure message.
using System.Diagnostics;

namespace UnixVfs.Docs.Tests;

internal static class Repo
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "Vfs.sln")))
            dir = Path.GetDirectoryName(dir);
        return dir ?? throw new InvalidOperationException("Vfs.sln not found above the test assembly");
    }

    /// <summary>Debug or Release: the configuration of this build (bin/CONFIG/net10.0/).</summary>
    public static string Configuration { get; } =
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Parent!.Name;

    /// <summary>The `vfs` command of this build (Vfs.Cli), run as `dotnet vfs.dll ...`.</summary>
    public static string VfsDll { get; } = Path.Combine(AppContext.BaseDirectory, "vfs.dll");

    /// <summary>Runs <paramref name="file"/> to its end (no timeout: a verdict never depends on the clock) and returns its exit code and output.</summary>
    public static (int Exit, string Output) Run(string file, string args, string workdir, IDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(file, args)
        {
            WorkingDirectory = workdir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        foreach (var (k, v) in env ?? new Dictionary<string, string>())
            psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, $"$ {file} {args}\n{output}{err.GetAwaiter().GetResult()}");
    }

    public static string Ok((int Exit, string Output) r)
    {
        Assert.True(r.Exit == 0, r.Output);
        return r.Output;
    }
}
