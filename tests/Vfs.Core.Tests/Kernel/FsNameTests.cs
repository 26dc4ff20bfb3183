// Tests of Vfs.Core: names are bytes (FsName, docs/architecture.md "Names are bytes") -- any byte string decodes
// to a name string that encodes back to it, one file has one spelling, NAME_MAX counts bytes, and the CLI's
// visible form is unambiguous; and through the system calls on a tmpfs, a name of any bytes is made, listed,
// found by what readdir gave, and removed.
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using UnixVfs.Testing;
using static UnixVfs.Core.Tests.TestHost;

namespace UnixVfs.Core.Tests.KernelTests;

public class FsNameTests
{
    private readonly TestHost _h = new();
    private Process P => _h.Root;

    [Property]
    public bool Any_bytes_decode_to_a_name_string_that_encodes_back_to_them(byte[] bytes)
    {
        var s = FsName.Decode(bytes);
        return FsName.Encode(s) is { } back && back.AsSpan().SequenceEqual(bytes)
            && FsName.ByteCount(s) == bytes.Length && FsName.IsNameString(s);
    }

    [Property]
    public bool UTF8_decodes_as_it_always_did(NonNull<string> text)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text.Get);
        return FsName.Decode(bytes) == System.Text.Encoding.UTF8.GetString(bytes);
    }

    [Fact]
    public void Each_byte_that_is_not_UTF8_is_one_escape()
    {
        Assert.Equal("g\uDC81", FsName.Decode([(byte)'g', 0x81]));
        Assert.Equal("\uDCC3", FsName.Decode([0xC3]));                         // a sequence cut short
        Assert.Equal("\uDCED\uDCA0\uDC80", FsName.Decode([0xED, 0xA0, 0x80])); // an encoded surrogate
        Assert.Equal("\uDCC0\uDC80", FsName.Decode([0xC0, 0x80]));             // an overlong NUL
        Assert.Equal("é\uDCA9", FsName.Decode([0xC3, 0xA9, 0xA9]));
    }

    [Fact]
    public void A_string_no_bytes_decode_to_is_no_name()
    {
        // a lone surrogate that is no escape has no bytes; escapes that spell UTF-8 would be a second spelling of "é"
        foreach (var bad in new[] { "\uD800", "a\uDC00", "\uDBFF", "\uDCC3\uDCA9" })
        {
            Assert.False(FsName.IsNameString(bad), bad);
            Assert.Equal(Errno.EINVAL, FsSubr.CheckName(bad));
            Assert.Equal(Errno.EINVAL, P.Mkdir("/m/" + bad, Dir755));
        }
        Assert.Null(FsName.Encode("\uD800"));
        Assert.Equal(-1, FsName.ByteCount("x\uDC7F"));
        Assert.Equal(Errno.OK, FsSubr.CheckName("\uDCC3(")); // C3 28 is not UTF-8: its only spelling
    }

    [Fact]
    public void NAME_MAX_counts_encoded_bytes()
    {
        string escapes255 = new('\uDCFF', 255), escapes256 = new('\uDCFF', 256);
        Ok(P.Mkdir("/m/" + escapes255, Dir755));
        Assert.Equal(Errno.ENAMETOOLONG, P.Mkdir("/m/" + escapes256, Dir755));
        Assert.Equal(Errno.ENAMETOOLONG, FsSubr.CheckName(escapes256));
        Assert.Equal([escapes255], _h.Names("/m"));
    }

    [Fact]
    public void The_visible_form_shows_every_byte_and_tells_a_backslash_from_an_escape()
    {
        Assert.Equal(@"g\x81", FsName.Visible("g\uDC81"));
        Assert.Equal(@"g\\x81", FsName.Visible(@"g\x81"));
        Assert.Equal(@"a\x0ab\x7f", FsName.Visible("a\nb\u007F"));
        Assert.Equal("é \U0001F600", FsName.Visible("é \U0001F600"));
        Assert.Equal("\U00010081", FsName.Visible("\U00010081")); // a pair whose low half looks like an escape
    }

    [Property(MaxTest = 200, Replay = "(20261202,9)")]
    public Property A_tmpfs_file_of_any_byte_name_is_reached_by_the_name_readdir_gives() =>
        Prop.ForAll(ByteNames.Arbitrary, name =>
        {
            WriteFile(P, "/m/" + FsName.Decode(name), "x");
            var listed = _h.Names("/m");
            Assert.Single(listed);
            Assert.Equal(name, FsName.Encode(listed[0]));
            Ok(P.Lstat("/m/" + listed[0], out var st));
            Assert.Equal(1, st!.Size);
            Ok(P.Symlink(listed[0], "/m/" + (listed[0] == "l" ? "m" : "l")));
            Ok(P.Readlink("/m/" + (listed[0] == "l" ? "m" : "l"), out var target));
            Assert.Equal(listed[0], target);
            Ok(P.Unlink("/m/" + (listed[0] == "l" ? "m" : "l")));
            Ok(P.Unlink("/m/" + listed[0]));
            Assert.Empty(_h.Names("/m"));
        });
}
