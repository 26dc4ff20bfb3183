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
    private readonly Socket _sock;
    private readonly int _max;
    private readonly byte[] _buf = new byte[64 * 1024];
    private int _start, _end;

    public RecordReader(Socket sock, int maxRecord)
    {
        _sock = sock;
        _max = maxRecord;
    }

    /// <summary>
    /// Reads the next whole record. Returns OK; ECONNRESET at end of stream between records; EPROTO when the
    /// stream ends inside a record; ENOBUFS when the record would exceed the maximum; ECONNABORTED when the
    /// socket was closed under us.
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
                if ((long)len + flen > _max)
                    return Errno.ENOBUFS;
                if (rec is null || rec.Length < len + flen)
                {
                    var nrec = ArrayPool<byte>.Shared.Rent(Math.Max(len + flen, 256));
                    if (rec is not null)
                    {
                        rec.AsSpan(0, len).CopyTo(nrec);
                        ArrayPool<byte>.Shared.Return(rec);
                    }
                    rec = nrec;
                }
                if (Fill(rec.AsSpan(len, flen)) != Errno.OK)
                    return Errno.EPROTO;
                len += flen;
                if ((m & RecordMarking.LastFragment) != 0)
                {
                    record = new RpcRecord(rec, len);
                    rec = null;
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
                ArrayPool<byte>.Shared.Return(rec);
        }
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
            if (dst.Length >= _buf.Length)
            {
                n = _sock.Receive(dst);
                dst = dst[n..];
            }
            else
            {
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
