// Tests of the docs: the shell examples. Every ```sh block of README.md and docs/**/*.md is run, line by line, in a
// scratch directory of its document (HostShell), as a reader would type it: `vfs` is this build's command, and
// `dotnet run --project src/Vfs.Cli --` is too; each line must exit 0. `vfs mount-host` runs until it says it has
// mounted; a line that puts it in the background (`&`) leaves it to the block's own `umount`, and a foreground one
// is stopped as the doc says, with ^C (SIGINT); either way it must then exit 0. Each ```vfs block is run by
// `vfs shell --script`, or, if it is named (```vfs FILE), written as FILE for the document's sh blocks to use.
// The `vfs shell` scripts of the walkthroughs are docs/examples/*.vfs, run in tests/Vfs.Cli.Tests
// (ExampleScriptTests), and their output as the walkthroughs show it in SessionExampleTests.
//
// A few commands are not run here, each for the reason in NotRunHere; everything else unknown fails.
namespace UnixVfs.Docs.Tests;

public sealed class ShellExampleTests
{
    /// <summary>Commands a shell example may show that this test does not run, and why.</summary>
    private static readonly (string Prefix, string Why)[] NotRunHere =
    [
        ("./test.sh", "it runs every test, this one included"),
        ("dotnet run --project src/Vfs.Cli -- demo", "tests/Vfs.Cli.Tests/DemoTests runs the whole demo, a minute; PackageTests runs its Fig. 5 from the installed tool"),
        ("dotnet pack ", "PackageTests packs the solution into a feed of its own"),
        ("dotnet tool install ", "PackageTests installs vfs from its feed into a tool path of its own, not -g"),
        ("dotnet add package ", "PackageTests builds a project that references the packages from its feed"),
        ("dotnet run -c Release --project benchmarks/", "a benchmark: a measurement of minutes, run on its own (docs/benchmarks.md)"),
    ];

    public static TheoryData<string> Documents() => DocBlocks.DocumentsWith(b => b.Kind is BlockKinds.Sh or BlockKinds.Vfs);

    [Theory]
    [MemberData(nameof(Documents))]
    public void Each_shell_example_runs_as_shown(string document)
    {
        var blocks = DocBlocks.Read(Path.Combine(Repo.Root, document));
        using var host = new HostShell(needsHome: blocks.Any(b => b.Kind == BlockKinds.Sh && b.Text.Contains("~/", StringComparison.Ordinal)));
        foreach (var b in blocks.Where(b => b.Kind == BlockKinds.Vfs))
            if (b.Args.Length > 0)
                File.WriteAllText(Path.Combine(host.Dir, b.Args), b.Text);
            else
                host.RunScript(b.Where(document), b.Text);
        foreach (var b in blocks.Where(b => b.Kind == BlockKinds.Sh))
        {
            foreach (var line in Lines(b.Text))
            {
                string where = $"{b.Where(document)}: {line}";
                var skip = NotRunHere.FirstOrDefault(n => line.StartsWith(n.Prefix, StringComparison.Ordinal));
                if (skip.Prefix is not null)
                    CheckNotRun(where, line, skip.Prefix);
                else
                    host.Run(where, line);
            }
            host.EndBlock(b.Where(document));
        }
    }

    /// <summary>The command lines of a block, comments dropped.</summary>
    private static IEnumerable<string> Lines(string block)
    {
        foreach (var raw in block.Split('\n'))
        {
            int hash = raw.IndexOf(" #", StringComparison.Ordinal);
            string line = (hash >= 0 ? raw[..hash] : raw).Trim();
            if (line.Length > 0 && !line.StartsWith('#'))
                yield return line;
        }
    }

    /// <summary>What a command that is not run can still be checked for: that the project it names exists.</summary>
    private static void CheckNotRun(string where, string line, string prefix)
    {
        if (!prefix.StartsWith("dotnet run", StringComparison.Ordinal))
            return;
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string project = Path.Combine(Repo.Root, words[Array.IndexOf(words, "--project") + 1]);
        Assert.True(Directory.Exists(project) && Directory.GetFiles(project, "*.csproj").Length == 1, $"{where}: no such project");
    }
}
