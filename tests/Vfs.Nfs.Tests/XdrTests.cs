// Tests of XDR: what is written reads back, sizes are multiples of four, and bad input fails
// the reader instead of throwing.
using FsCheck;
using FsCheck.Xunit;
using UnixVfs.Nfs.Xdr;

namespace UnixVfs.Nfs.Tests;

public class XdrTests
{
    [Property]
    public bool Every_item_reads_back_as_written(uint u, int i, ulong h, long sh, bool b, byte[] opaque, NonNull<string> str)
    {
        var s = str.Get.Replace('\uFFFD', 'x');
        if (!System.Text.Unicode.Utf8.IsValid(System.Text.Encoding.UTF8.GetBytes(s)))
            return true;
        var w = new XdrWriter(8);
        w.WriteUInt32(u); w.WriteInt32(i); w.WriteUInt64(h); w.WriteInt64(sh); w.WriteBool(b);
        w.WriteOpaque(opaque); w.WriteString(s); w.WriteFixedOpaque(opaque);
        if (w.Length % 4 != 0)
            return false;
        var r = new XdrReader(w.WrittenSpan);
        return r.ReadUInt32() == u && r.ReadInt32() == i && r.ReadUInt64() == h && r.ReadInt64() == sh
            && r.ReadBool() == b && r.ReadOpaque().SequenceEqual(opaque) && r.ReadString() == s
            && r.ReadFixedOpaque(opaque.Length).SequenceEqual(opaque) && r.AtEnd;
    }

    /// <summary>Names and paths are opaque bytes (filename3, nfspath3): whatever bytes arrive go out again unchanged.</summary>
    [Property]
    public bool A_string_of_any_bytes_is_read_and_written_back_as_those_bytes(byte[] bytes)
    {
        var w = new XdrWriter();
        w.WriteOpaque(bytes);
        var r = new XdrReader(w.WrittenSpan);
        var s = r.ReadString();
        var back = new XdrWriter();
        back.WriteString(s);
        return !r.Failed && back.WrittenSpan.SequenceEqual(w.WrittenSpan);
    }

    [Property]
    public bool A_truncated_buffer_fails_the_reader_and_never_throws(byte[] opaque, PositiveInt cut)
    {
        var w = new XdrWriter();
        w.WriteOpaque(opaque);
        w.WriteUInt64(42);
        int n = Math.Max(0, w.Length - 1 - cut.Get % w.Length);
        var r = new XdrReader(w.WrittenSpan[..n]);
        r.ReadOpaque();
        r.ReadUInt64();
        return r.Failed && r.ReadUInt32() == 0;
    }

    [Fact]
    public void A_length_over_the_bound_fails()
    {
        var w = new XdrWriter();
        w.WriteOpaque(new byte[10]);
        var r = new XdrReader(w.WrittenSpan);
        Assert.True(r.ReadOpaque(maxLength: 9).IsEmpty);
        Assert.True(r.Failed);
    }

    [Fact]
    public void A_boolean_other_than_0_or_1_fails()
    {
        var w = new XdrWriter();
        w.WriteUInt32(2);
        var r = new XdrReader(w.WrittenSpan);
        r.ReadBool();
        Assert.True(r.Failed);
    }

    [Fact]
    public void Bytes_that_are_not_UTF8_in_a_string_are_read_as_their_escapes()
    {
        var w = new XdrWriter();
        w.WriteOpaque([0xff, 0xfe]);
        var r = new XdrReader(w.WrittenSpan);
        Assert.Equal("\uDCFF\uDCFE", r.ReadString());
        Assert.False(r.Failed);
    }

    [Fact]
    public void An_opaque_filled_in_place_gets_its_length_and_padding()
    {
        var w = new XdrWriter(4);
        w.WriteUInt32(7);
        var room = w.BeginOpaque(1000);
        room.Span[..5].Fill(0xAB);
        w.EndOpaque(5);
        w.WriteUInt32(9);
        Assert.Equal(4 + 4 + 8 + 4, w.Length);
        var r = new XdrReader(w.WrittenSpan);
        Assert.Equal(7u, r.ReadUInt32());
        Assert.Equal(new byte[] { 0xAB, 0xAB, 0xAB, 0xAB, 0xAB }, r.ReadOpaque().ToArray());
        Assert.Equal(9u, r.ReadUInt32());
        Assert.True(r.AtEnd);
    }
}
