// Vfs.Core/Observability: per-vfs operation statistics (vopstats_t), kept by the Vop/VfsOp dispatchers.
//
// Layer: observability. Fed by the VOP_*/VFS_* dispatchers (Vop.cs, VfsOp.cs) after each call; read by
// tests and tools through Vfs.Stats, and passed on to VopMetrics. It counts calls and never changes one.
//
// Each vfs counts, per op, its calls and its failed calls, and the bytes its reads and writes
// moved. The counters are updated with interlocked adds on the dispatch path, so they cost a few
// nanoseconds and need no lock; a reader sees each counter exact but may see two counters at
// slightly different moments. A counter's slot is VopSlot.X for a vnode op and VfsopSlot.StatsBase +
// VfsopSlot.X for a vfs op; their names (Names, in VopStats.g.cs) are generated from VnodeIf.cs and VfsIf.cs.
namespace UnixVfs.Core;

/// <summary>Operation counters of one vfs.</summary>
public sealed partial class VopStats
{
    private readonly long[] _calls = new long[Names.Length];
    private readonly long[] _errors = new long[Names.Length];
    private long _readBytes;
    private long _writeBytes;

    internal void Count(Vfs vfsp, int slot, Errno err, long start, long bytes = 0)
    {
        Interlocked.Increment(ref _calls[slot]);
        if (err != Errno.OK)
            Interlocked.Increment(ref _errors[slot]);
        VopMetrics.Record(vfsp, Names[slot], err, start, bytes);
    }

    internal void CountRead(long bytes) => Interlocked.Add(ref _readBytes, bytes);
    internal void CountWrite(long bytes) => Interlocked.Add(ref _writeBytes, bytes);

    /// <summary>Calls of op <paramref name="name"/> ("read", "lookup", "vfs_sync", ...).</summary>
    public long Calls(string name) => Volatile.Read(ref _calls[Index(name)]);

    /// <summary>Calls of op <paramref name="name"/> that returned an errno.</summary>
    public long Errors(string name) => Volatile.Read(ref _errors[Index(name)]);

    /// <summary>Bytes moved by VOP_READ.</summary>
    public long ReadBytes => Volatile.Read(ref _readBytes);

    /// <summary>Bytes moved by VOP_WRITE.</summary>
    public long WriteBytes => Volatile.Read(ref _writeBytes);

    /// <summary>Every op with at least one call: (name, calls, errors).</summary>
    public IEnumerable<(string Op, long Calls, long Errors)> NonZero =>
        Names.Select((n, i) => (n, Volatile.Read(ref _calls[i]), Volatile.Read(ref _errors[i]))).Where(t => t.Item2 > 0);

    /// <summary>The sum of all calls (a cheap "how much work" measure for tests that count operations).</summary>
    public long TotalCalls => _calls.Sum();

    private static int Index(string name)
    {
        int i = Array.IndexOf(Names, name);
        if (i < 0)
            throw new ArgumentException($"no such op \"{name}\"", nameof(name));
        return i;
    }
}
