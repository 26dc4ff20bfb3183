// Vfs.Nfs / transports: the bytes a server may hold for its clients, in total.
//
// Every buffer a server's connections hold for the records their clients send -- being received, or
// received and waiting for a service thread -- is charged here. A receiver that would go over the
// limit waits (it stops reading, and TCP pushes back on its client) until other connections' buffers
// come back. So the server's receive buffers stay within the limit however many clients send however
// much, and a client that announces a large record and stalls holds 64 KiB, not the record's length
// (RecordReader takes a record's whole length only after its first 64 KiB). Replies are bounded per connection
// instead (RpcServer.MaxUnsent and MaxInFlight): charging them here would let a client that never
// reads its replies spend the budget of everyone else. One take larger than the whole limit is let through
// when nothing else is held, so a limit below the largest record cannot wedge the server.
namespace UnixVfs.Nfs.Net;

/// <summary>A limit on the buffer bytes held at once, shared by a server's connections.</summary>
public sealed class BufferBudget
{
    /// <summary>The default limit: 64 MiB.</summary>
    public const long DefaultLimit = 64L << 20;

    private static readonly TimeSpan Recheck = TimeSpan.FromMilliseconds(100);

    private readonly object _lock = new();
    private readonly TimeProvider _clock;
    private long _used, _peak;

    public BufferBudget(long limit = DefaultLimit, TimeProvider? clock = null)
    {
        Limit = limit;
        _clock = clock ?? TimeProvider.System;
        Buffers = new RecordBuffers(Math.Min(RecordBuffers.DefaultMaxIdle, limit / 8));
    }

    /// <summary>Where the buffers charged here come from, and go back to (an eighth of the limit, at most 8 MiB, kept idle).</summary>
    public RecordBuffers Buffers { get; }

    /// <summary>The most bytes held at once before receivers wait.</summary>
    public long Limit { get; }

    /// <summary>Bytes held now.</summary>
    public long Used
    {
        get { lock (_lock) return _used; }
    }

    /// <summary>The most bytes ever held at once.</summary>
    public long Peak
    {
        get { lock (_lock) return _peak; }
    }

    /// <summary>
    /// Takes <paramref name="bytes"/> for a receive, waiting while the budget is spent. Returns false, taking
    /// nothing, once <paramref name="abandoned"/> says the receiver has gone (its connection was closed).
    /// </summary>
    public bool Take(long bytes, Func<bool> abandoned)
    {
        lock (_lock)
        {
            while (_used > 0 && _used + bytes > Limit)
            {
                if (abandoned())
                    return false;
                ClockWait.Wait(_lock, _clock, Recheck);
            }
            _used += bytes;
            _peak = Math.Max(_peak, _used);
            return true;
        }
    }

    /// <summary>Gives back bytes taken.</summary>
    public void Give(long bytes)
    {
        lock (_lock)
        {
            _used -= bytes;
            Monitor.PulseAll(_lock);
        }
    }
}
