// Vfs.Nfs / transports: the arrays a server's connections receive records into.
//
// A record, or the part of one received so far, of at most 64 KiB (every call but a large WRITE) lies in an
// array of the shared pool (ArrayPool<byte>.Shared), as every small buffer of the process does. A larger one
// -- a WRITE of up to 1 MiB and its header -- takes an array of its length rounded up to 64 KiB from here.
// The shared pool would round it up to a power of two, a 1 MiB WRITE's record into 2 MiB (twice the bytes
// charged to the BufferBudget), and keeps such arrays on every thread and core that ever gave one back until
// the collector finds memory short: after a 256 MiB copy into `vfs serve --image`, 17 of them (34 MiB) were
// still resident while 8 clients read 64 KiB at a time (docs/benchmarks.md, "Stop 25"). Here at most MaxIdle
// bytes of large arrays wait for the next large record, which is enough for a client keeping 8 WRITEs in
// flight to find one each time; an array given back past that is left to the collector.
//
// Idle arrays are not charged to the budget: the budget counts what clients make the server hold, and
// MaxIdle bounds the rest.
using System.Buffers;

namespace UnixVfs.Nfs.Net;

/// <summary>Record buffers: small ones from the shared pool, large ones rounded to 64 KiB with a bounded idle list.</summary>
public sealed class RecordBuffers
{
    /// <summary>The largest array taken from the shared pool; every larger one is this class's.</summary>
    public const int Small = 64 * 1024;

    /// <summary>The idle large arrays kept by default: 8 MiB (seven 1 MiB WRITE records).</summary>
    public const long DefaultMaxIdle = 8L << 20;

    // _lock covers _idle and _idleBytes. Invariant: _idleBytes is the sum of the lengths in _idle, at most MaxIdle.
    private readonly object _lock = new();
    private readonly List<byte[]> _idle = new();
    private long _idleBytes;

    public RecordBuffers(long maxIdle = DefaultMaxIdle) => MaxIdle = maxIdle;

    /// <summary>The most bytes of large arrays kept while no record uses them.</summary>
    public long MaxIdle { get; }

    /// <summary>Bytes of large arrays kept now for the next large record.</summary>
    public long IdleBytes
    {
        get { lock (_lock) return _idleBytes; }
    }

    /// <summary>
    /// An array of at least <paramref name="length"/> bytes, contents undefined: from the shared pool up to Small, else
    /// an idle one that is long enough, or a new one of the length rounded up to 64 KiB.
    /// </summary>
    public byte[] Rent(int length)
    {
        if (length <= Small)
            return ArrayPool<byte>.Shared.Rent(length);
        lock (_lock)
        {
            for (int i = _idle.Count - 1; i >= 0; i--)
            {
                var a = _idle[i];
                if (a.Length >= length)
                {
                    _idle.RemoveAt(i);
                    _idleBytes -= a.Length;
                    return a;
                }
            }
        }
        long rounded = ((long)length + Small - 1) / Small * Small;
        return GC.AllocateUninitializedArray<byte>((int)Math.Min(rounded, Array.MaxLength));
    }

    /// <summary>Gives back an array Rent returned: to the shared pool, to the idle list, or (past MaxIdle) to the collector.</summary>
    public void Return(byte[] array)
    {
        if (array.Length <= Small)
        {
            ArrayPool<byte>.Shared.Return(array);
            return;
        }
        lock (_lock)
        {
            if (_idleBytes + array.Length > MaxIdle)
                return;
            _idle.Add(array);
            _idleBytes += array.Length;
        }
    }
}
