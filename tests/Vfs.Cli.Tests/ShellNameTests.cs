// Tests of Vfs.Cli: names that are not UTF-8 in the shell (docs/architecture.md, "Names are bytes"). The shell prints a
// byte that is not UTF-8 as \xHH and a backslash as \\, so every name is one visible, unambiguous line, and it reads
// the same escapes back, so what ls printed can be typed again. What if a UFS holds "g\x81"? Before, ls printed
// "g\uFFFD" and no command could name the file.
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using UnixVfs.Cli.Shell;
using UnixVfs.Core;
using UnixVfs.Testing;

namespace UnixVfs.Cli.Tests;

public class ShellNameTests
{
    private static string[] Lines(StringWriter output) =>
        output.ToString().Split('\n').Where(l => l.Length > 0 && !l.StartsWith("localhost#")).ToArray();

    /// <summary>True when every character of <paramref name="s"/> is a whole one (no lone surrogate) and none is a control character.</summary>
    private static bool Printable(string s)
    {
        for (var rest = s.AsSpan(); !rest.IsEmpty;)
        {
            if (System.Text.Rune.DecodeFromUtf16(rest, out var r, out int used) != System.Buffers.OperationStatus.Done || r.Value < ' ' || r.Value == 0x7F)
                return false;
            rest = rest[used..];
        }
        return true;
    }

    [Fact]
    public void Bytes_that_are_not_UTF8_are_printed_as_escapes_and_typed_back_the_same_way()
    {
        var images = Path.Combine(Path.GetTempPath(), $"vfs-shell-names-{Guid.NewGuid():N}");
        Directory.CreateDirectory(images);
        var output = new StringWriter();
        var shell = new UnixVfs.Cli.Shell.Shell(new ShellWorld(output, images));
        shell.Run(new StringReader(string.Join('\n',
            "newfs u.img 16m", "mkdir /u", "mount -F ufs u.img /u", "echo hi > /u/g\\x81", "echo y > '/u/lit\\x81'",
            "echo e > \"/u/caf\\xc3\\xa9\"", "ln -s g\\x81 /u/l\\xff", "ls /u", "ls -l /u/l\\xff", "cat /u/l\\xff", "rm /u/g\\x81",
            "cat /u/g\\x81", "ls /u", "umount /u")), interactive: false);
        Directory.Delete(images, recursive: true);

        var lines = Lines(output);
        int ls = Array.IndexOf(lines, "café");
        Assert.True(ls >= 0, string.Join('\n', lines));
        // "lit\x81" typed in single quotes is those six characters: its backslash is printed doubled.
        Assert.Equal(["café", "g\\x81", "l\\xff", "lit\\\\x81", "lost+found"], lines[ls..(ls + 5)].Order(StringComparer.Ordinal));
        Assert.EndsWith(" /u/l\\xff -> g\\x81", lines[ls + 5]);
        Assert.Equal("hi", lines[ls + 6]);
        Assert.Equal("cat: /u/g\\x81: No such file or directory (ENOENT)", lines[ls + 7]);
        Assert.DoesNotContain("g\\x81", lines[(ls + 8)..]);
        Assert.Equal(1, shell.Failures);
    }

    [Property(MaxTest = 30, Replay = "(20261202,11)")]
    public Property What_ls_prints_names_the_file_when_typed_back() =>
        Prop.ForAll(ByteNames.Arbitrary, name =>
        {
            var output = new StringWriter();
            var world = new ShellWorld(output, Path.GetTempPath());
            var shell = new UnixVfs.Cli.Shell.Shell(world);
            shell.Run(new StringReader("mkdir /m\nmount -F tmpfs swap /m"), interactive: false);
            var p = world.Current.Process;
            Assert.Equal(Errno.OK, p.Open("/m/" + FsName.Decode(name), OFlags.O_CREAT | OFlags.O_WRONLY, 0x1A4, out int fd));
            Assert.Equal(Errno.OK, p.Close(fd));

            output.GetStringBuilder().Clear();
            shell.Run(new StringReader("ls /m"), interactive: false);
            var printed = Assert.Single(Lines(output));
            Assert.True(Printable(printed), $"ls printed a control character or an escape's surrogate for {ByteNames.Hex(name)}: {printed}");

            // Typed back in double quotes, as a name with spaces or quotes needs to be in any shell.
            shell.Run(new StringReader($"rm \"/m/{printed.Replace("\"", "\\\"")}\""), interactive: false);
            Assert.Equal(0, shell.Failures);
            Assert.Equal(Errno.ENOENT, p.Lstat("/m/" + FsName.Decode(name), out _));
        });
}
