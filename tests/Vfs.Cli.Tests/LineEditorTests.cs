// Tests of Vfs.Cli: the interactive shell's line editor -- Tab completes commands and the current host's paths,
// the arrows recall the history, the cursor keys edit, Ctrl-D ends the input.
using UnixVfs.Cli.Shell;

namespace UnixVfs.Cli.Tests;

public class LineEditorTests
{
    private static ConsoleKeyInfo Key(ConsoleKey k, char ch = '\0', bool control = false) => new(ch, k, false, false, control);

    private static IEnumerable<ConsoleKeyInfo> Type(string text) =>
        text.Select(ch => ch == '\t' ? Key(ConsoleKey.Tab, '\t') : ch == '\n' ? Key(ConsoleKey.Enter, '\r') : Key(ConsoleKey.A, ch));

    /// <summary>A shell whose editor reads <paramref name="keys"/>; returns the lines it read.</summary>
    private static List<string?> Read(UnixVfs.Cli.Shell.Shell shell, IEnumerable<ConsoleKeyInfo> keys, int lines)
    {
        var queue = new Queue<ConsoleKeyInfo>(keys);
        var editor = new LineEditor(queue.Dequeue, TextWriter.Null, () => shell.Prompt, shell.Complete);
        return Enumerable.Range(0, lines).Select(_ => editor.ReadLine()).ToList();
    }

    private static UnixVfs.Cli.Shell.Shell NewShell(params string[] setup)
    {
        var shell = new UnixVfs.Cli.Shell.Shell(new ShellWorld(TextWriter.Null, Path.GetTempPath()));
        foreach (var line in setup)
            Assert.True(shell.Execute(line), line);
        return shell;
    }

    [Fact]
    public void Tab_completes_a_command_then_a_directory_then_a_file_of_the_current_host()
    {
        var shell = NewShell("mkdir -p /export/disk", "echo x > /export/disk/journal");
        var lines = Read(shell, Type("mfsa\tstatus /exp\td\tj\t\n"), 1);
        Assert.Equal("mfsadm status /export/disk/journal ", lines[0]);
    }

    [Fact]
    public void Tab_completes_as_far_as_the_candidates_agree()
    {
        var shell = NewShell("mkdir -p /d/alpha1 /d/alpha2");
        Assert.Equal("ls /d/alpha", Read(shell, Type("ls /d/a\t\t\n"), 1)[0]);
        var c = shell.Complete("ls /d/alpha");
        Assert.Equal(["alpha1", "alpha2"], c.Candidates);
        Assert.Equal("", c.Insert);
    }

    [Fact]
    public void The_arrows_recall_earlier_lines_and_edit_them()
    {
        var shell = NewShell();
        var keys = Type("echo one\necho two\n")
            .Append(Key(ConsoleKey.UpArrow)).Append(Key(ConsoleKey.UpArrow)).Concat(Type("\n"))
            .Append(Key(ConsoleKey.UpArrow)).Append(Key(ConsoleKey.Backspace)).Append(Key(ConsoleKey.Backspace)).Append(Key(ConsoleKey.Backspace))
            .Concat(Type("three")).Append(Key(ConsoleKey.Home)).Append(Key(ConsoleKey.Delete)).Concat(Type("E\n"))
            .Append(Key(ConsoleKey.D, '\x04', control: true));
        var lines = Read(shell, keys, 5);
        Assert.Equal(["echo one", "echo two", "echo one", "Echo three", null], lines);
    }
}
