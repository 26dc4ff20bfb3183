// Vfs.Nfs / XDR: encoding (RFC 4506) into a growable buffer.
//
// Every XDR item is a multiple of four bytes, big-endian: unsigned and signed 32-bit integers,
// hypers (64-bit), booleans (an int of 0 or 1), fixed and variable-length opaque data (a length
// word, the bytes, zero padding to four) and strings (opaque bytes: FsName). Optional data ("*x") is a
// boolean followed by the item. A writer is reused for record after record: Reset keeps its
// buffer, so the steady state allocates nothing.
//
// Two things serve the NFS data path without copies: BeginOpaque hands out the bytes of a
// variable-length opaque item before its length is known (READ fills it from VOP_READ straight
// into the reply) and EndOpaque writes the length and padding; Reserve/Patch leave a word to fill
// later (a count that is only known at the end). Ahead lets the bytes of a reply not begun yet be filled in
// the buffer at the place its opaque item will start (READ reads the next range ahead: Server/ReadAhead.cs);
// Resets tells whether another reply was built there in the meantime.
using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using UnixVfs.Core;

namespace UnixVfs.Nfs.Xdr;

/// <summary>An XDR encoder over a growable, reusable buffer.</summary>
public sealed class XdrWriter
{
    private byte[] _buf;
    private int _len;
    private int _opaqueStart = -1;

    /// <param name="capacity">The initial buffer size; the buffer grows as needed.</param>
    public XdrWriter(int capacity = 512) => _buf = new byte[Math.Max(16, capacity)];

    /// <summary>The bytes written so far.</summary>
    public int Length => _len;

    /// <summary>The encoded bytes (valid until the next write or Reset).</summary>
    public ReadOnlyMemory<byte> Written => _buf.AsMemory(0, _len);

    /// <summary>The encoded bytes as a span.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buf.AsSpan(0, _len);

    /// <summary>Forgets everything written, keeping the buffer.</summary>
    public void Reset()
    {
        _len = 0;
        _opaqueStart = -1;
        Resets++;
    }

    /// <summary>How many times the writer was Reset: one more for each record begun in it.</summary>
    public int Resets { get; private set; }

    /// <summary>
    /// Room for <paramref name="length"/> bytes at <paramref name="at"/> of the buffer, to be filled before the record
    /// that will hold them there is begun: what is written from then on before <paramref name="at"/> leaves them
    /// as they are, and a BeginOpaque that starts at <paramref name="at"/> finds them. The buffer grows if it must,
    /// keeping its bytes.
    /// </summary>
    public Memory<byte> Ahead(int at, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(at);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if ((long)at + Pad(length) > _buf.Length)
            Array.Resize(ref _buf, at + Pad(length));
        return _buf.AsMemory(at, length);
    }

    /// <summary>Drops everything after the first <paramref name="length"/> bytes (to rewind over a part that did not fit).</summary>
    public void Truncate(int length)
    {
        if ((uint)length > (uint)_len || (length & 3) != 0)
            throw new ArgumentOutOfRangeException(nameof(length));
        _len = length;
    }

    private Span<byte> Grow(int n)
    {
        if (_len + n > _buf.Length)
        {
            long want = Math.Max((long)_buf.Length * 2, (long)_len + n);
            Array.Resize(ref _buf, (int)Math.Min(want, Array.MaxLength));
        }
        var s = _buf.AsSpan(_len, n);
        _len += n;
        return s;
    }

    public void WriteUInt32(uint v) => BinaryPrimitives.WriteUInt32BigEndian(Grow(4), v);

    public void WriteInt32(int v) => BinaryPrimitives.WriteInt32BigEndian(Grow(4), v);

    public void WriteUInt64(ulong v) => BinaryPrimitives.WriteUInt64BigEndian(Grow(8), v);

    public void WriteInt64(long v) => BinaryPrimitives.WriteInt64BigEndian(Grow(8), v);

    public void WriteBool(bool v) => WriteUInt32(v ? 1u : 0u);

    /// <summary>Fixed-length opaque data: the bytes and their padding, no length word.</summary>
    public void WriteFixedOpaque(ReadOnlySpan<byte> data)
    {
        int padded = Pad(data.Length);
        var s = Grow(padded);
        data.CopyTo(s);
        s[data.Length..].Clear();
    }

    /// <summary>Variable-length opaque data: the length word, the bytes, the padding.</summary>
    public void WriteOpaque(ReadOnlySpan<byte> data)
    {
        WriteUInt32((uint)data.Length);
        WriteFixedOpaque(data);
    }

    /// <summary>
    /// A string: its bytes (FsName) as variable-length opaque data. A string that is no name (a lone surrogate
    /// other than an escape) goes with U+FFFD in its place; nothing can have such a name, since every create
    /// checks it first (FsSubr.CheckName), so a lookup of it finds nothing.
    /// </summary>
    public void WriteString(string s)
    {
        int n = FsName.ByteCount(s);
        if (n < 0)
        {
            WriteOpaque(Encoding.UTF8.GetBytes(s));
            return;
        }
        WriteUInt32((uint)n);
        var span = Grow(Pad(n));
        FsName.TryEncode(s, span, out int w);
        span[w..].Clear();
    }

    /// <summary>
    /// Starts a variable-length opaque item whose bytes the caller fills in place: returns room for up
    /// to <paramref name="maxLength"/> bytes. Finish with <see cref="EndOpaque"/>; nothing else may be written in between.
    /// </summary>
    public Memory<byte> BeginOpaque(int maxLength) => BeginOpaque(maxLength, out _);

    /// <summary>BeginOpaque, also giving where in the buffer the item's bytes start (<paramref name="at"/>: for Ahead).</summary>
    public Memory<byte> BeginOpaque(int maxLength, out int at)
    {
        if (_opaqueStart >= 0)
            throw new InvalidOperationException("an opaque item is already open");
        WriteUInt32(0);
        _opaqueStart = at = _len;
        Grow(Pad(maxLength));
        _len = _opaqueStart;
        return _buf.AsMemory(_opaqueStart, maxLength);
    }

    /// <summary>Ends the opaque item begun by BeginOpaque with its actual <paramref name="length"/>.</summary>
    public void EndOpaque(int length)
    {
        if (_opaqueStart < 0)
            throw new InvalidOperationException("no opaque item is open");
        int start = _opaqueStart;
        _opaqueStart = -1;
        BinaryPrimitives.WriteUInt32BigEndian(_buf.AsSpan(start - 4), (uint)length);
        int padded = Pad(length);
        if (start + padded > _buf.Length)
            throw new ArgumentOutOfRangeException(nameof(length));
        _buf.AsSpan(start + length, padded - length).Clear();
        _len = start + padded;
    }

    /// <summary>Leaves a word to be filled in later by <see cref="Patch"/>; returns its position.</summary>
    public int Reserve()
    {
        int at = _len;
        WriteUInt32(0);
        return at;
    }

    /// <summary>Fills the word left by <see cref="Reserve"/>.</summary>
    public void Patch(int position, uint value) => BinaryPrimitives.WriteUInt32BigEndian(_buf.AsSpan(position, 4), value);

    /// <summary>The length <paramref name="n"/> rounded up to a multiple of four (XDR's unit).</summary>
    public static int Pad(int n) => (n + 3) & ~3;
}
