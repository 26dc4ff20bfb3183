// Vfs.Core/Observability: per-vfs operation statistics (vopstats_t), kept by the Vop/VfsOp dispatchers.
//
// Layer: observability. Fed by the VOP_*/VFS_* dispatchers (Vop.cs, VfsOp.cs) after each call; read by
// tests and tools through Vfs.Stats, and passed on to VopMetrics. It counts calls and never changes one.
//
// Each vfs counts, per op, its calls and its failed calls, and the bytes its reads and writes moved. The
// counters live in one row per thread that counted here, as a kernel keeps per-CPU counters: the dispatch
// path adds to its own thread's row with plain stores, since an interlocked add on a shared counter cost more
// than everything else the count does (docs/benchmarks.md, "Stop 46"), and a reader sums the rows. A reader
// sees what each thread had counted by some recent moment, exact once the counting threads are joined or
// otherwise synchronised with it; two counters may be summed at slightly different moments. Rows are never
// dropped, so a count outlives its thread; a thread finds its row through a small cache of its own (t_rows).
// A counter's slot is VopSlot.X for a vnode op and VfsopSlot.StatsBase + VfsopSlot.X for a vfs op; their
// names (Names, in VopStats.g.cs) are generated from VnodeIf.cs and VfsIf.cs.
//
// INVARIANT: a row is written only by the thread whose id keys it in _byThread (a thread id is reused only
// after its thread has ended).
// LOCK ORDER: _lock is a leaf, taken only when a thread first counts here and when a reader sums.
using System.Runtime.CompilerServices;

namespace UnixVfs.Core;

/// <summary>Operation counters of one vfs.</summary>
public sealed partial class VopStats
{
    /// <summary>One thread's counters: written only by that thread.</summary>
    private sealed class Row
    {
        public readonly long[] Calls = new long[Names.Length];
        public readonly long[] Errors = new long[Names.Length];
        public long ReadBytes, WriteBytes;
    }

    /// <summary>How many vfs a thread keeps its rows of at hand (a mirror write counts in three: the mirror's and two copies').</summary>
    private const int CachedRows = 8;

    [ThreadStatic] private static (VopStats? Stats, Row? Row)[]? t_rows;
    [ThreadStatic] private static int t_nextRow;

    private readonly object _lock = new();
    private readonly Dictionary<int, Row> _byThread = new();   // by managed thread id; under _lock
    private Row[] _rows = [];                                  // every row, for readers; replaced whole under _lock

    internal void Count(Vfs vfsp, int slot, Errno err, long start, long bytes = 0)
    {
        var row = Mine();
        row.Calls[slot]++;
        if (err != Errno.OK)
            row.Errors[slot]++;
        VopMetrics.Record(vfsp, Names[slot], err, start, bytes);
    }

    internal void CountRead(long bytes) => Mine().ReadBytes += bytes;
    internal void CountWrite(long bytes) => Mine().WriteBytes += bytes;

    /// <summary>This thread's row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Row Mine()
    {
        var rows = t_rows;
        if (rows is not null)
            foreach (var (stats, row) in rows)
                if (ReferenceEquals(stats, this))
                    return row!;
        return Join();
    }

    /// <summary>This thread's row, found or made under the lock, and kept in the thread's cache.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private Row Join()
    {
        int id = Environment.CurrentManagedThreadId;
        Row? row;
        lock (_lock)
        {
            if (!_byThread.TryGetValue(id, out row))
            {
                _byThread.Add(id, row = new Row());
                Volatile.Write(ref _rows, [.. _rows, row]);
            }
        }
        var rows = t_rows ??= new (VopStats?, Row?)[CachedRows];
        rows[t_nextRow] = (this, row);
        t_nextRow = (t_nextRow + 1) % CachedRows;
        return row;
    }

    private long Sum(Func<Row, long> counter)
    {
        long sum = 0;
        foreach (var row in Volatile.Read(ref _rows))
            sum += counter(row);
        return sum;
    }

    /// <summary>Calls of op <paramref name="name"/> ("read", "lookup", "vfs_sync", ...).</summary>
    public long Calls(string name)
    {
        int i = Index(name);
        return Sum(r => Volatile.Read(ref r.Calls[i]));
    }

    /// <summary>Calls of op <paramref name="name"/> that returned an errno.</summary>
    public long Errors(string name)
    {
        int i = Index(name);
        return Sum(r => Volatile.Read(ref r.Errors[i]));
    }

    /// <summary>Bytes moved by VOP_READ.</summary>
    public long ReadBytes => Sum(r => Volatile.Read(ref r.ReadBytes));

    /// <summary>Bytes moved by VOP_WRITE.</summary>
    public long WriteBytes => Sum(r => Volatile.Read(ref r.WriteBytes));

    /// <summary>Every op with at least one call: (name, calls, errors).</summary>
    public IEnumerable<(string Op, long Calls, long Errors)> NonZero =>
        Names.Select((n, i) => (n, Sum(r => Volatile.Read(ref r.Calls[i])), Sum(r => Volatile.Read(ref r.Errors[i])))).Where(t => t.Item2 > 0);

    /// <summary>The sum of all calls (a cheap "how much work" measure for tests that count operations).</summary>
    public long TotalCalls => Sum(r =>
    {
        long n = 0;
        for (int i = 0; i < r.Calls.Length; i++)
            n += Volatile.Read(ref r.Calls[i]);
        return n;
    });

    private static int Index(string name)
    {
        int i = Array.IndexOf(Names, name);
        if (i < 0)
            throw new ArgumentException($"no such op \"{name}\"", nameof(name));
        return i;
    }
}
