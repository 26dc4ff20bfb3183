// What if a host program makes a file whose name is not UTF-8 on a FUSE mount? Names reach the bridge as bytes from
// /dev/fuse and leave it as bytes (docs/architecture.md, "Names are bytes"): on a mirror of two UFS images mounted on
// the host, bash makes a file of any byte name, the real `ls` lists it, and `stat`, `cat` and `rm` reach it by the
// bytes `ls` printed. Before names were bytes, ls printed U+FFFD's bytes instead, and nothing could reach the file.
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using UnixVfs.Testing;

namespace UnixVfs.Fuse.Tests;

/// <summary>A mirror of two UFS images on the host.</summary>
public sealed class ByteNameMount : IDisposable
{
    public ByteNameMount()
    {
        Dir = HostTools.TempDir("names");
        var a = HostTools.NewImage(Dir, "a.img", 32);
        var b = HostTools.NewImage(Dir, "b.img", 32);
        Mnt = Path.Combine(Dir, "mnt");
        Directory.CreateDirectory(Mnt);
        Host = MountHost.Start(Mnt, "--mirror", $"{a},{b}");
    }

    public string Dir { get; }
    public string Mnt { get; }
    public MountHost Host { get; }

    /// <summary>A new directory on the mount for one case, so that a failed case leaves nothing in the next one's way.</summary>
    public string NewDir() => Directory.CreateDirectory(Path.Combine(Mnt, $"d{Interlocked.Increment(ref _cases)}")).FullName;

    private int _cases;

    public void Dispose()
    {
        Host.Dispose();
        Directory.Delete(Dir, recursive: true);
    }
}

public class ByteNameTests(ByteNameMount m) : IClassFixture<ByteNameMount>
{
    /// <summary>The bytes as a printf format: every byte an octal escape.</summary>
    private static string Printf(byte[] name) => string.Concat(name.Select(b => $"\\{Convert.ToString(b, 8).PadLeft(3, '0')}"));

    [Property(MaxTest = 15, Replay = "(20261202,3)")]
    public Property Host_tools_make_list_read_and_remove_any_byte_name_through_the_bridge() =>
        Prop.ForAll(ByteNames.Arbitrary, name =>
        {
            string listed = Path.Combine(m.Dir, "listed"), read = Path.Combine(m.Dir, "read"), after = Path.Combine(m.Dir, "after");
            // ls --zero: each name as its bytes and a NUL; the name rm and cat use is the one ls printed. LC_ALL=C: bash's
            // read, in a UTF-8 locale, takes a cut-short sequence and the NUL after it for one character.
            HostTools.Bash(m.NewDir(),
                $"export LC_ALL=C; printf -v n '{Printf(name)}'; printf '%s' \"$n\" > \"$n\"; ls -A --zero > {listed}; " +
                $"IFS= read -r -d '' got < {listed}; test \"$(stat -c %s -- \"$got\")\" = {name.Length}; " +
                $"cat -- \"$got\" > {read}; rm -- \"$got\"; ls -A --zero > {after}");
            byte[] entry = [.. name, 0];
            Assert.True(File.ReadAllBytes(listed).AsSpan().SequenceEqual(entry), $"ls listed {Encoding.Latin1.GetString(File.ReadAllBytes(listed))} for {ByteNames.Hex(name)}");
            Assert.Equal(name, File.ReadAllBytes(read));
            Assert.Empty(File.ReadAllBytes(after));
        });
}
