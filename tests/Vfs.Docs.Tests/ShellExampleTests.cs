// Tests of the docs: the shell examples. The `vfs shell` scripts of the walkthroughs are docs/examples/*.vfs and
// run in tests/Vfs.Cli.Tests (ExampleScriptTests). Here, every ```sh block of README.md and docs/*.md: each `vfs`
// command that makes or checks an image (newfs, fsck) is run, in a scratch directory, and must exit 0; every
// other `vfs` command must name a real subcommand (`vfs SUB --help` exits 0: demo takes a minute, mount-host
// needs /dev/fuse, serve runs until stopped -- their own tests run them); every `dotnet run --project P` must
// name a project of the solution; and nothing else may appear but the few host commands listed below.
namespace UnixVfs.Docs.Tests;

public sealed class ShellExampleTests
{
    /// <summary>Commands a shell example may use besides vfs and dotnet: the host side of the FUSE and test examples.</summary>
    private static readonly string[] HostCommands = ["./test.sh", "mkdir", "cp", "umount", "cd", "git"];

    private static string Vfs => Path.Combine(AppContext.BaseDirectory, "vfs.dll");

    public static TheoryData<string> Documents()
    {
        var data = new TheoryData<string>();
        foreach (var doc in DocBlocks.Documents().Where(d => !d.Contains("/src/", StringComparison.Ordinal)))
            if (DocBlocks.Read(doc).Any(b => b.Lang == "sh"))
                data.Add(Path.GetRelativePath(Repo.Root, doc));
        return data;
    }

    // The commands of a shell block: comments dropped; "a && b", "a ; b", "(cd x && b)" and "a &" split apart.
    private static IEnumerable<string> Commands(string block)
    {
        foreach (var raw in block.Split('\n'))
        {
            int hash = raw.IndexOf(" #", StringComparison.Ordinal);
            string line = (hash >= 0 ? raw[..hash] : raw).Trim();
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            foreach (var part in line.Split(["&&", ";", "(", ")"], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                yield return part.TrimEnd('&').Trim();
        }
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void Each_shell_example_runs_or_names_what_exists(string document)
    {
        var scratch = Directory.CreateTempSubdirectory("vfs-sh-");
        try
        {
            foreach (var block in DocBlocks.Read(Path.Combine(Repo.Root, document)).Where(b => b.Lang == "sh"))
                foreach (var command in Commands(block.Text))
                    Check(document, block.Line, command, scratch.FullName);
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    private static void Check(string document, int line, string command, string scratch)
    {
        string where = $"{document}:{line}: {command}";
        var words = command.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words[0] == "vfs")
        {
            string args = string.Join(' ', words.Skip(1));
            var r = words[1] is "newfs" or "fsck"
                ? Repo.Run("dotnet", $"\"{Vfs}\" {args}", scratch)
                : Repo.Run("dotnet", $"\"{Vfs}\" {words[1]} --help", scratch);
            Assert.True(r.Exit == 0, $"{where}\n{r.Output}");
        }
        else if (words[0] == "dotnet" && words[1] == "run")
        {
            int i = Array.IndexOf(words, "--project");
            Assert.True(i > 0, $"{where}: dotnet run without --project");
            string project = Path.Combine(Repo.Root, words[i + 1]);
            Assert.True(Directory.Exists(project) && Directory.GetFiles(project, "*.csproj").Length == 1, $"{where}: no such project");
        }
        else if (words[0] == "dotnet")
            Assert.True(words[1] is "pack" or "tool" or "add", $"{where}: an unexpected dotnet command");
        else
            Assert.True(HostCommands.Contains(words[0]), $"{where}: a command the docs test does not know");
    }
}
