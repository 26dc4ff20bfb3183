// Vfs.Nfs / XDR: decoding (RFC 4506) over a span.
//
// A reader walks a received record from front to back. It never throws on bad input: a read past
// the end, a length that exceeds its bound, or non-zero padding where strictness asks for zeros
// sets Failed and yields zeros/empty values from then on, so a decoder reads a whole structure and
// checks Failed once at the end (the RPC layer turns that into GARBAGE_ARGS). Opaque data comes
// back as a slice of the record, not a copy; Position tells where it started, for a caller that
// needs the same bytes as Memory (WRITE hands them to VOP_WRITE without copying).
using System.Buffers.Binary;
using UnixVfs.Core;

namespace UnixVfs.Nfs.Xdr;

/// <summary>An XDR decoder over a span.</summary>
public ref struct XdrReader
{
    private readonly ReadOnlySpan<byte> _buf;
    private int _pos;

    public XdrReader(ReadOnlySpan<byte> buffer)
    {
        _buf = buffer;
        _pos = 0;
        Failed = false;
    }

    /// <summary>True once any read ran past the end or broke a bound; every later read yields a default.</summary>
    public bool Failed { get; private set; }

    /// <summary>Bytes consumed so far.</summary>
    public readonly int Position => _pos;

    /// <summary>Bytes left.</summary>
    public readonly int Remaining => _buf.Length - _pos;

    /// <summary>True when every byte was consumed and nothing failed (a structure with trailing garbage is not well-formed).</summary>
    public readonly bool AtEnd => !Failed && _pos == _buf.Length;

    /// <summary>Marks the input as malformed (for a decoder that finds a value out of its range).</summary>
    public void Fail() => Failed = true;

    private ReadOnlySpan<byte> Take(int n)
    {
        if (Failed || n < 0 || n > _buf.Length - _pos)
        {
            Failed = true;
            return default;
        }
        var s = _buf.Slice(_pos, n);
        _pos += n;
        return s;
    }

    public uint ReadUInt32()
    {
        var s = Take(4);
        return s.Length == 4 ? BinaryPrimitives.ReadUInt32BigEndian(s) : 0;
    }

    public int ReadInt32() => (int)ReadUInt32();

    public ulong ReadUInt64()
    {
        var s = Take(8);
        return s.Length == 8 ? BinaryPrimitives.ReadUInt64BigEndian(s) : 0;
    }

    public long ReadInt64() => (long)ReadUInt64();

    /// <summary>A boolean; any value but 0 or 1 fails.</summary>
    public bool ReadBool()
    {
        uint v = ReadUInt32();
        if (v > 1)
            Failed = true;
        return v == 1;
    }

    /// <summary>Fixed-length opaque data of <paramref name="length"/> bytes (padding skipped).</summary>
    public ReadOnlySpan<byte> ReadFixedOpaque(int length)
    {
        var s = Take(XdrWriter.Pad(length));
        return s.IsEmpty ? default : s[..length];
    }

    /// <summary>Variable-length opaque data of at most <paramref name="maxLength"/> bytes; a longer length fails.</summary>
    public ReadOnlySpan<byte> ReadOpaque(int maxLength = int.MaxValue)
    {
        uint n = ReadUInt32();
        if (n > (uint)maxLength)
        {
            Failed = true;
            return default;
        }
        return ReadFixedOpaque((int)n);
    }

    /// <summary>
    /// A string of at most <paramref name="maxBytes"/> bytes as FsName decodes it: every string NFS carries is a
    /// name or a path (filename3, nfspath3, dirpath, a machine name), opaque bytes that need not be UTF-8.
    /// </summary>
    public string ReadString(int maxBytes = int.MaxValue)
    {
        var b = ReadOpaque(maxBytes);
        return Failed ? "" : FsName.Decode(b);
    }
}
