// Vfs.Nfs / transports: the record marking standard of RPC over TCP (RFC 5531 section 11).
//
// A byte stream carries records as fragments, each preceded by a four-byte big-endian mark: the
// top bit says "last fragment of the record", the other 31 bits the fragment's length. A reader
// joins fragments until the last one. Because the length comes from the peer, the reader refuses a
// record whose fragments add up to more than its maximum before reading a byte of it: a hostile or
// broken peer cannot make us allocate 2 GiB with four bytes. We always send a record as one fragment.
//
// RecordReader keeps a small buffer for marks and short records and reads large fragment bodies
// straight into the record's buffer, so a 1 MiB WRITE is copied once, from the socket.
//
// Bounds, for a peer that means harm. On a server's connection a record's buffer is 64 KiB until
// that much has arrived, and only then the length the marks announce: 200 connections that each
// announce 2 MiB and send a few bytes hold 64 KiB each. A server's connections charge their record
// buffers to a BufferBudget, and wait for room when it is spent. A client's connection (no budget: one
// per server it chose to call) takes the announced length at once, so that a 64 KiB READ's reply is
// not received into 64 KiB and then copied into a buffer of its whole length. A zero-length fragment that is not the last one
// carries nothing and could go on for ever; it ends the connection (EPROTO). The small buffer is
// pooled and given back whenever it is empty between records, so an idle connection holds none. A server's
// record buffers come from its budget's RecordBuffers (a large record's rounded to 64 KiB, not to a power of
// two), a client's from the shared pool.
using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using UnixVfs.Core;

namespace UnixVfs.Nfs.Net;

/// <summary>Record marks.</summary>
public static class RecordMarking
{
    /// <summary>The last-fragment bit of a mark.</summary>
    public const uint LastFragment = 0x8000_0000;

    /// <summary>The largest record accepted unless configured otherwise: room for a 1 MiB READ or WRITE and its headers, twice over.</summary>
    public const int DefaultMaxRecord = 2 * 1024 * 1024 + 4096;

    /// <summary>The mark of a record sent as one fragment of <paramref name="length"/> bytes.</summary>
    public static void WriteMark(Span<byte> dst, int length, bool last = true) =>
        BinaryPrimitives.WriteUInt32BigEndian(dst, (uint)length | (last ? LastFragment : 0));
}

/// <summary>Reads marked records from a socket.</summary>
public sealed class RecordReader
{
    private const int SmallBuffer = 64 * 1024;
    private const int FirstGrowth = 64 * 1024;

    private readonly Socket _sock;
    private readonly int _max;
    private readonly BufferBudget? _budget;
    private readonly Func<bool> _closed;
    private byte[]? _buf;   // rented while it holds bytes not yet handed out
    private int _start, _end;

    /// <param name="sock">The connected socket.</param>
    /// <param name="maxRecord">The largest record accepted.</param>
    /// <param name="budget">Where record buffers are charged (a server's connections), or null.</param>
    /// <param name="closed">True once the connection is closed (a wait for budget gives up).</param>
    public RecordReader(Socket sock, int maxRecord, BufferBudget? budget = null, Func<bool>? closed = null)
    {
        _sock = sock;
        _max = maxRecord;
        _budget = budget;
        _closed = closed ?? (() => false);
    }

    /// <summary>Bytes read from the socket and not yet handed out.</summary>
    public int Buffered => _end - _start;

    /// <summary>
    /// Reads the next whole record. Returns OK; ECONNRESET at end of stream between records; EPROTO when the
    /// stream ends inside a record, or on a zero-length fragment that is not the last; ENOBUFS when the record
    /// would exceed the maximum; ECONNABORTED when the socket was closed under us.
    /// </summary>
    public Errno Read(out RpcRecord record)
    {
        record = default;
        byte[]? rec = null;
        int len = 0;
        bool first = true;
        Span<byte> mark = stackalloc byte[4];
        try
        {
            while (true)
            {
                var err = Fill(mark);
                if (err != Errno.OK)
                    return first && err == Errno.ECONNRESET ? Errno.ECONNRESET : Errno.EPROTO;
                first = false;
                uint m = BinaryPrimitives.ReadUInt32BigEndian(mark);
                int flen = (int)(m & ~RecordMarking.LastFragment);
                bool last = (m & RecordMarking.LastFragment) != 0;
                if (flen == 0 && !last)
                    return Errno.EPROTO;
                if ((long)len + flen > _max)
                    return Errno.ENOBUFS;
                int end = len + flen;
                while (len < end)
                {
                    if (rec is null || rec.Length == len)
                    {
                        // On a server's connection 64 KiB first; once those bytes have come, the whole record (one
                        // copy, not a doubling series). On a client's, the whole record.
                        int want = rec is null && _budget is not null ? Math.Min(end, FirstGrowth) : end;
                        if ((err = Grow(ref rec, len, want)) != Errno.OK)
                            return err;
                    }
                    int chunk = Math.Min(end, rec!.Length) - len;
                    if (Fill(rec.AsSpan(len, chunk)) != Errno.OK)
                        return Errno.EPROTO;
                    len += chunk;
                }
                if (last)
                {
                    if (rec is null && (err = Grow(ref rec, 0, 4)) != Errno.OK)
                        return err;
                    record = new RpcRecord(rec!, len, _budget);
                    rec = null;
                    ReturnSmallBufferIfEmpty();
                    return Errno.OK;
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return Errno.ECONNABORTED;
        }
        finally
        {
            if (rec is not null)
                GiveBack(rec);
        }
    }

    /// <summary>Gives the small buffer back (the connection is closing).</summary>
    public void Dispose()
    {
        if (_buf is null)
            return;
        ArrayPool<byte>.Shared.Return(_buf);
        _buf = null;
        _start = _end = 0;
    }

    /// <summary>Replaces <paramref name="rec"/> (holding <paramref name="len"/> bytes) with a buffer of at least <paramref name="want"/>, charged to the budget.</summary>
    private Errno Grow(ref byte[]? rec, int len, int want)
    {
        var nrec = _budget?.Buffers.Rent(want) ?? ArrayPool<byte>.Shared.Rent(want);
        if (_budget is not null && !_budget.Take(nrec.Length, _closed))
        {
            _budget.Buffers.Return(nrec);
            return Errno.ECONNABORTED;
        }
        if (rec is not null)
        {
            rec.AsSpan(0, len).CopyTo(nrec);
            GiveBack(rec);
        }
        rec = nrec;
        return Errno.OK;
    }

    /// <summary>Uncharges and returns a record buffer this reader took (Grow).</summary>
    private void GiveBack(byte[] rec)
    {
        if (_budget is null)
        {
            ArrayPool<byte>.Shared.Return(rec);
            return;
        }
        _budget.Give(rec.Length);
        _budget.Buffers.Return(rec);
    }

    private void ReturnSmallBufferIfEmpty()
    {
        if (_start == _end)
            Dispose();
    }

    /// <summary>
    /// Fills <paramref name="dst"/> completely, from the buffer and then the socket. Returns OK, ECONNRESET when the
    /// stream ended before the first byte, EPROTO when it ended part way.
    /// </summary>
    private Errno Fill(Span<byte> dst)
    {
        bool any = false;
        int have = _end - _start;
        if (have > 0 && !dst.IsEmpty)
        {
            int n = Math.Min(have, dst.Length);
            _buf.AsSpan(_start, n).CopyTo(dst);
            _start += n;
            dst = dst[n..];
            any = true;
        }
        while (!dst.IsEmpty)
        {
            int n;
            if (dst.Length >= SmallBuffer)
            {
                n = _sock.Receive(dst);
                dst = dst[n..];
            }
            else
            {
                _buf ??= ArrayPool<byte>.Shared.Rent(SmallBuffer);
                n = _sock.Receive(_buf);
                int k = Math.Min(n, dst.Length);
                _buf.AsSpan(0, k).CopyTo(dst);
                _start = k;
                _end = n;
                dst = dst[k..];
            }
            if (n == 0)
                return any ? Errno.EPROTO : Errno.ECONNRESET;
            any = true;
        }
        return Errno.OK;
    }
}
