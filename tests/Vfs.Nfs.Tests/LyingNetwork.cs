// Test helper: a client's attachment to the simulated network through which the server's replies may lie. It passes
// every call on unchanged, noting each NFS call's procedure (by xid) and the file handles the client sends; on the way
// back, while Lying is on, it changes a share of the replies, each in one way drawn from a seeded Random:
//
//   cut        the reply cut short at any byte
//   longer     bytes added after the results
//   length     a 32-bit word of the results (a length, a count, a status, a bool) made 0xFFFFFFFF, 0x7FFFFFFF or 4096
//   type       the file type in the reply's attributes made one that is not a type, or another type
//   handle     the handle a LOOKUP, CREATE, MKDIR or SYMLINK answers with made another file's (one the client sent)
//   backwards  the reply's attributes sent backwards: a smaller size, older times, another file id, no links
//   bits       bits flipped anywhere after the xid
//
// The changes are drawn in the order the replies arrive; with one client thread on the simulated network that order,
// and so every lie, replays from the seed.
using System.Buffers.Binary;
using UnixVfs.Core;
using UnixVfs.Nfs.Net;
using UnixVfs.Nfs.Protocol;
using UnixVfs.Nfs.Rpc;
using UnixVfs.Nfs.Xdr;

namespace UnixVfs.Nfs.Tests;

internal sealed class LyingNetwork(IRpcNetwork inner, int seed) : IRpcNetwork
{
    public static readonly string[] Kinds = ["cut", "longer", "length", "type", "handle", "backwards", "bits"];

    private readonly Random _rng = new(seed);
    private readonly object _lock = new();
    private readonly Dictionary<uint, uint> _procs = new(); // guarded by _lock: the NFS procedure of each call by xid
    private readonly List<byte[]> _handles = new();         // guarded by _lock: the handles the client sent, at most 64

    /// <summary>While true, a share (Rate) of the replies is changed.</summary>
    public volatile bool Lying;

    public double Rate { get; init; } = 0.25;

    /// <summary>Replies received, and replies changed by kind (read after the client is idle).</summary>
    public int Replies;
    public readonly Dictionary<string, int> Lies = Kinds.ToDictionary(k => k, _ => 0);

    public TimeProvider Clock => inner.Clock;

    public Errno Listen(string address, int port, out IRpcListener? listener) => inner.Listen(address, port, out listener);

    public bool IsLocal(string address) => inner.IsLocal(address);

    public Errno Connect(string address, int port, TimeSpan timeout, out IRpcConnection? connection)
    {
        var err = inner.Connect(address, port, timeout, out var c);
        connection = c is null ? null : new Connection(this, c);
        return err;
    }

    private sealed class Connection(LyingNetwork net, IRpcConnection inner) : IRpcConnection
    {
        public string RemoteAddress => inner.RemoteAddress;
        public int RemotePort => inner.RemotePort;
        public bool HasPending => inner.HasPending;

        public Errno Send(ReadOnlyMemory<byte> record)
        {
            net.Saw(record);
            return inner.Send(record);
        }

        public Errno Receive(out RpcRecord record)
        {
            var err = inner.Receive(out record);
            if (err == Errno.OK)
                record = net.Received(record);
            return err;
        }

        public void Close() => inner.Close();
        public void Abort() => inner.Abort();
    }

    /// <summary>Notes an NFS call's procedure and the handle it carries first (every procedure but NULL has one).</summary>
    private void Saw(ReadOnlyMemory<byte> record)
    {
        var r = new XdrReader(record.Span);
        if (!RpcCallHeader.TryDecode(ref r, record, out var h) || h.Prog != Nfs3.Program || h.Proc == Nfs3.NULL)
            return;
        uint len = r.ReadUInt32();
        lock (_lock)
        {
            _procs[h.Xid] = h.Proc;
            if (!r.Failed && len is > 0 and <= 64 && r.Remaining >= len && _handles.Count < 64)
            {
                var fh = record.Span.Slice(r.Position, (int)len).ToArray();
                if (!_handles.Any(x => x.AsSpan().SequenceEqual(fh)))
                    _handles.Add(fh);
            }
        }
    }

    private RpcRecord Received(RpcRecord record)
    {
        lock (_lock)
        {
            Replies++;
            if (!Lying || _rng.NextDouble() >= Rate || record.Length < 8)
                return record;
            var b = record.Span.ToArray();
            uint proc = RpcReplyHeader.TryDecode(b, out var h) && _procs.TryGetValue(h.Xid, out var p) ? p : uint.MaxValue;
            int results = h.Success ? h.ResultsOffset : b.Length;
            var kind = Kinds[_rng.Next(Kinds.Length)];
            if (!Lie(kind, ref b, proc, results))
                return record;
            Lies[kind]++;
            record.Release();
            return RpcRecord.CopyOf(b);
        }
    }

    /// <summary>Changes reply <paramref name="b"/> in the way <paramref name="kind"/> says; false when it has nothing of that kind.</summary>
    private bool Lie(string kind, ref byte[] b, uint proc, int results)
    {
        switch (kind)
        {
            case "cut":
                Array.Resize(ref b, _rng.Next(b.Length));
                return true;
            case "longer":
            {
                int n = b.Length;
                Array.Resize(ref b, n + _rng.Next(1, 65));
                _rng.NextBytes(b.AsSpan(n));
                return true;
            }
            case "length":
            {
                if (b.Length - results < 4)
                    return false;
                int at = results + 4 * _rng.Next((b.Length - results) / 4);
                BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(at), _rng.Next(3) switch { 0 => 0xFFFFFFFF, 1 => 0x7FFFFFFF, _ => 4096 });
                return true;
            }
            case "type":
            {
                int at = AttrAt(b, proc, results);
                if (at < 0)
                    return false;
                uint[] types = [0, 1, 2, 3, 4, 5, 6, 7, 8, 77, 0xFFFFFFFF];
                BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(at), types[_rng.Next(types.Length)]);
                return true;
            }
            case "handle":
            {
                int at = HandleAt(b, proc, results);
                if (at < 0 || _handles.Count == 0)
                    return false;
                var other = _handles[_rng.Next(_handles.Count)];
                int len = (int)BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(at));
                int old = 4 + Pad(len), now = 4 + Pad(other.Length);
                var c = new byte[b.Length - old + now];
                b.AsSpan(0, at).CopyTo(c);
                BinaryPrimitives.WriteUInt32BigEndian(c.AsSpan(at), (uint)other.Length);
                other.CopyTo(c.AsSpan(at + 4));
                b.AsSpan(at + old).CopyTo(c.AsSpan(at + now));
                b = c;
                return true;
            }
            case "backwards":
            {
                int at = AttrAt(b, proc, results);
                if (at < 0)
                    return false;
                var a = b.AsSpan(at);
                BinaryPrimitives.WriteUInt64BigEndian(a[20..], BinaryPrimitives.ReadUInt64BigEndian(a[20..]) / 2); // size
                BinaryPrimitives.WriteUInt32BigEndian(a[8..], 0);                                                  // nlink
                for (int t = 60; t <= 76; t += 8)                                                                  // times
                    BinaryPrimitives.WriteUInt32BigEndian(a[t..], BinaryPrimitives.ReadUInt32BigEndian(a[t..]) - (uint)_rng.Next(1, 100_000));
                if (_rng.Next(2) == 0)
                    BinaryPrimitives.WriteUInt64BigEndian(a[52..], (ulong)_rng.NextInt64());                        // fileid
                return true;
            }
            default:
            {
                if (b.Length <= 4)
                    return false;
                for (int i = _rng.Next(1, 9); i > 0; i--)
                    b[_rng.Next(4, b.Length)] ^= (byte)(1 << _rng.Next(8));
                return true;
            }
        }
    }

    private static int Pad(int n) => (n + 3) & ~3;

    private static uint U32(byte[] b, int at) => at >= 0 && at + 4 <= b.Length ? BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(at)) : uint.MaxValue;

    /// <summary>Where the fattr3 of a successful reply to <paramref name="proc"/> starts (the object's), or -1.</summary>
    private static int AttrAt(byte[] b, uint proc, int results)
    {
        if (U32(b, results) != 0)
            return -1; // not NFS3_OK, or no results
        int p = results + 4;
        if (proc == Nfs3.LOOKUP)
            p += 4 + Pad((int)Math.Min(U32(b, p), 64)); // the handle; then the object's post_op_attr
        else if (proc is Nfs3.CREATE or Nfs3.MKDIR or Nfs3.SYMLINK)
        {
            if (U32(b, p) != 1)
                return -1; // no handle, and then no attributes either
            p += 8 + Pad((int)Math.Min(U32(b, p + 4), 64));
        }
        else if (proc is not (Nfs3.GETATTR or Nfs3.ACCESS or Nfs3.READLINK or Nfs3.READ or Nfs3.READDIRPLUS))
            return -1;
        if (proc != Nfs3.GETATTR)
        {
            if (U32(b, p) != 1)
                return -1; // post_op_attr without attributes
            p += 4;
        }
        return p + 84 <= b.Length ? p : -1;
    }

    /// <summary>Where the handle a successful LOOKUP, CREATE, MKDIR or SYMLINK answers with starts (its length), or -1.</summary>
    private static int HandleAt(byte[] b, uint proc, int results)
    {
        if (U32(b, results) != 0)
            return -1;
        int p = results + 4;
        if (proc is Nfs3.CREATE or Nfs3.MKDIR or Nfs3.SYMLINK)
        {
            if (U32(b, p) != 1)
                return -1;
            p += 4;
        }
        else if (proc != Nfs3.LOOKUP)
            return -1;
        uint len = U32(b, p);
        return len is > 0 and <= 64 && p + 4 + Pad((int)len) <= b.Length ? p : -1;
    }
}
