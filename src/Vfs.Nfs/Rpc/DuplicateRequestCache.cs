// Vfs.Nfs / ONC RPC: the server's duplicate request cache.
//
// A client that hears no reply retransmits the same call with the same xid. Running a
// non-idempotent procedure twice is wrong (the second REMOVE of a file answers NOENT, the second
// exclusive CREATE answers EXIST), so the server remembers the calls of such procedures: a
// retransmission of one still running is dropped (its reply is coming), one already answered gets
// the saved reply again. The cache is bounded (least recently added entries go first) and lives only
// as long as the server does; a restarted server forgets, as real ones do.
//
// Threat: a reply answers one caller's call, and must never answer another's. An xid is a 32-bit
// number any client picks, so the key is what Linux's nfsd keys on and more: the client's address
// and port (a connection of its own, on TCP), the xid, and a SHA-256 digest of the whole call after
// the xid -- program, version, procedure, the credential and every argument byte. A second
// connection that reuses an xid, or a call with the same xid and other arguments or another
// credential, is a new call and runs.
using System.Security.Cryptography;

namespace UnixVfs.Nfs.Rpc;

/// <summary>A duplicate request cache for non-idempotent calls.</summary>
public sealed class DuplicateRequestCache
{
    /// <summary>What identifies a call: who sent it from where, its xid, and the digest of everything after the xid.</summary>
    public readonly record struct Key(string Client, int Port, uint Xid, UInt128 Digest)
    {
        /// <summary>The key of <paramref name="call"/> (the whole record, xid first) from <paramref name="client"/>:<paramref name="port"/>.</summary>
        public static Key Of(string client, int port, uint xid, ReadOnlySpan<byte> call)
        {
            Span<byte> h = stackalloc byte[32];
            SHA256.HashData(call.Length > 4 ? call[4..] : default, h);
            return new Key(client, port, xid, System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(h));
        }
    }

    private sealed class Entry
    {
        public byte[]? Reply;   // null while the call is in progress
        public LinkedListNode<Key>? Node;
    }

    private readonly object _lock = new();
    private readonly Dictionary<Key, Entry> _map = new();
    private readonly LinkedList<Key> _order = new();
    private readonly int _capacity;

    public DuplicateRequestCache(int capacity = 4096) => _capacity = capacity;

    /// <summary>What to do with a call.</summary>
    public enum Verdict { New, InProgress, Replay }

    /// <summary>Looks the call up, entering it as in progress when new. On Replay, <paramref name="reply"/> is the saved record.</summary>
    public Verdict Begin(Key key, out byte[]? reply)
    {
        reply = null;
        lock (_lock)
        {
            if (_map.TryGetValue(key, out var e))
            {
                reply = e.Reply;
                return reply is null ? Verdict.InProgress : Verdict.Replay;
            }
            while (_map.Count >= _capacity && _order.First is { } oldest)
            {
                _map.Remove(oldest.Value);
                _order.RemoveFirst();
            }
            _map.Add(key, new Entry { Node = _order.AddLast(key) });
            return Verdict.New;
        }
    }

    /// <summary>Saves the reply of a call begun with <see cref="Begin"/>.</summary>
    public void Finish(Key key, ReadOnlySpan<byte> reply)
    {
        lock (_lock)
            if (_map.TryGetValue(key, out var e))
                e.Reply = reply.ToArray();
    }

    /// <summary>Forgets a call begun with <see cref="Begin"/> whose reply was never made.</summary>
    public void Abandon(Key key)
    {
        lock (_lock)
            if (_map.Remove(key, out var e) && e.Node is not null)
                _order.Remove(e.Node);
    }
}
