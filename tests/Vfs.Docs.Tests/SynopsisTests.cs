// Tests of the docs: a ```synopsis block shows a command's forms with placeholders, so it cannot run; but what it
// names must exist. Each line (an indented line continues the one above; "# ..." is a note) is `vfs SUB ...`,
// checked against `vfs SUB --help`, or a `vfs shell` command, checked against its line of the shell's `help`: the
// command, its subcommand (a second word in lower case) and every option (-x, --xyz) shown must be there.
using System.Text.RegularExpressions;

namespace UnixVfs.Docs.Tests;

public sealed partial class SynopsisTests
{
    private static readonly Lazy<string> ShellHelp = new(() =>
    {
        var dir = Directory.CreateTempSubdirectory("vfs-synopsis-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "help.vfs"), "help\n");
            return Repo.Ok(Repo.Run("dotnet", $"\"{Repo.VfsDll}\" shell --images \"{dir.FullName}\" --script help.vfs", dir.FullName));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    });

    public static TheoryData<string> Documents() => DocBlocks.DocumentsWith(b => b.Kind == BlockKinds.Synopsis);

    [GeneratedRegex(@"(?<![\w-])--?[a-zA-Z][\w-]*")]
    private static partial Regex Option();

    /// <summary>The synopsis's command lines: notes dropped, indented lines joined to the line above.</summary>
    private static List<string> Lines(string block)
    {
        var lines = new List<string>();
        foreach (var raw in block.Split('\n'))
        {
            int hash = raw.IndexOf(" #", StringComparison.Ordinal);
            string line = hash >= 0 ? raw[..hash] : raw;
            if (line.Trim().Length == 0)
                continue;
            if (char.IsWhiteSpace(line[0]) && lines.Count > 0)
                lines[^1] += " " + line.Trim();
            else
                lines.Add(line.Trim());
        }
        return lines;
    }

    /// <summary>The help that the command of <paramref name="line"/> gives, or null if there is no such command.</summary>
    private static string? Help(string line)
    {
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words[0] == "vfs")
        {
            var r = Repo.Run("dotnet", $"\"{Repo.VfsDll}\" {words[1]} --help", Repo.Root);
            return r.Exit == 0 ? r.Output : null;
        }
        return ShellHelp.Value.Split('\n').FirstOrDefault(l => l.TrimStart().StartsWith(words[0] + " ", StringComparison.Ordinal));
    }

    private static bool Names(string help, string word) => Regex.IsMatch(help, $@"(?<![\w-]){Regex.Escape(word)}(?![\w-])");

    [Theory]
    [MemberData(nameof(Documents))]
    public void Each_synopsis_names_commands_and_options_that_exist(string document)
    {
        foreach (var b in DocBlocks.Read(Path.Combine(Repo.Root, document)).Where(b => b.Kind == BlockKinds.Synopsis))
            foreach (var line in Lines(b.Text))
            {
                string where = $"{b.Where(document)}: {line}";
                string? help = Help(line);
                Assert.True(help is not null, $"{where}: no such command");
                var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (words.Length > 1 && Regex.IsMatch(words[1], "^[a-z][a-z-]+$"))
                    Assert.True(Names(help, words[1]), $"{where}: `{words[0]}` has no `{words[1]}`:\n{help}");
                foreach (Match o in Option().Matches(line))
                    Assert.True(Names(help, o.Value), $"{where}: `{words[0]}` takes no {o.Value}:\n{help}");
            }
    }

    [Fact]
    public void An_option_the_command_does_not_take_is_found()
    {
        Assert.True(Names(Help("vfs sim --seed S")!, "--seed"));
        Assert.False(Names(Help("vfs sim --seed S")!, "--seeds"));
        Assert.False(Names(Help("mfsadm scrub PATH")!, "--fast"));
        Assert.Null(Help("mfsadmin status PATH"));
    }
}
