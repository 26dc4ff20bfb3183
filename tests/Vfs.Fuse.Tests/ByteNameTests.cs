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

/// <summary>A mirror of two UFS images on the host, with a directory d to work in.</summary>
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
        Directory.CreateDirectory(Path.Combine(Mnt, "d"));
    }

    public string Dir { get; }
    public string Mnt { get; }
    public MountHost Host { get; }

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

    [Property(MaxTest = 20)]
    public Property Host_tools_make_list_read_and_remove_any_byte_name_through_the_bridge() =>
        Prop.ForAll(ByteNames.Arbitrary, name =>
        {
            string listed = Path.Combine(m.Dir, "listed"), read = Path.Combine(m.Dir, "read"), after = Path.Combine(m.Dir, "after");
            // ls --zero: each name as its bytes and a NUL; the name rm and cat use is the one ls printed.
            HostTools.Bash(Path.Combine(m.Mnt, "d"),
                $"printf -v n '{Printf(name)}'; printf '%s' \"$n\" > \"$n\"; ls -A --zero > {listed}; " +
                $"IFS= read -r -d '' got < {listed}; test \"$(stat -c %s -- \"$got\")\" = {name.Length}; " +
                $"cat -- \"$got\" > {read}; rm -- \"$got\"; ls -A --zero > {after}");
            Assert.True(File.ReadAllBytes(listed).AsSpan().SequenceEqual([.. name, 0]), $"ls listed {Encoding.Latin1.GetString(File.ReadAllBytes(listed))} for {ByteNames.Hex(name)}");
            Assert.Equal(name, File.ReadAllBytes(read));
            Assert.Empty(File.ReadAllBytes(after));
        });
}
