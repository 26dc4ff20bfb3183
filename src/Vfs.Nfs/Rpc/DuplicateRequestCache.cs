// Vfs.Nfs / ONC RPC: the server's duplicate request cache.
//
// A client that hears no reply retransmits the same call with the same xid. Running a
// non-idempotent procedure twice is wrong (the second REMOVE of a file answers NOENT, the second
// exclusive CREATE answers EXIST), so the server remembers, per client address and xid, the calls
// of such procedures: a retransmission of one still running is dropped (its reply is coming), one
// already answered gets the saved reply again. The cache is bounded (least recently added entries
// go first) and lives only as long as the server does; a restarted server forgets, as real ones do.
namespace UnixVfs.Nfs.Rpc;

/// <summary>A duplicate request cache for non-idempotent calls.</summary>
public sealed class DuplicateRequestCache
{
    private readonly record struct Key(string Client, uint Xid, uint Prog, uint Vers, uint Proc);

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
    public Verdict Begin(string client, RpcCallHeader h, out byte[]? reply)
    {
        reply = null;
        var key = new Key(client, h.Xid, h.Prog, h.Vers, h.Proc);
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
    public void Finish(string client, RpcCallHeader h, ReadOnlySpan<byte> reply)
    {
        var key = new Key(client, h.Xid, h.Prog, h.Vers, h.Proc);
        lock (_lock)
            if (_map.TryGetValue(key, out var e))
                e.Reply = reply.ToArray();
    }

    /// <summary>Forgets a call begun with <see cref="Begin"/> whose reply was never made.</summary>
    public void Abandon(string client, RpcCallHeader h)
    {
        var key = new Key(client, h.Xid, h.Prog, h.Vers, h.Proc);
        lock (_lock)
            if (_map.Remove(key, out var e) && e.Node is not null)
                _order.Remove(e.Node);
    }
}
