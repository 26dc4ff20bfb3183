// Vfs.Mirror: one copy of a mirror -- the X_vfs/X_vfs_state pair of struct mfs_vfs, generalised to N copies.
//
// A copy is a directory tree of some other vfs (the root of a UFS, a subtree of an imported NFS,
// ...), reached through the directory the mirror covers. Its state says whether the mirror uses it:
//   Available    reads may come from it, every update goes to it;
//   Unavailable  it failed (after retries) or was taken offline (ioctl); updates are logged instead;
//   Resyncing    it is back and being caught up from the log: updates go to it, reads do not.
using System.Runtime.CompilerServices;

namespace UnixVfs.Mirror;

/// <summary>The state of a copy (<c>X_vfs_state</c>).</summary>
public enum CopyState
{
    Available,
    Unavailable,
    Resyncing,
}

/// <summary>One copy of a mirror.</summary>
public sealed class MirrorMember
{
    private long _inflightReads;
    private long _reads, _bytesRead, _failures;
    private long _writesOff, _bytesWrittenOff;   // how this copy's writes differ from the mirror's (Writes below)

    internal MirrorMember(int index, string path, Vnode root, DirtyLog log)
    {
        Index = index;
        Name = MfsOptions.CopyName(index);
        Path = path;
        Root = root;
        Log = log;
        Clock = new CopyClock(root.Vfs.Kernel.Clock);
    }

    /// <summary>The mirror this copy belongs to (set when the mirror's data is made).</summary>
    internal MfsVfs Mirror { get; set; } = null!;

    /// <summary>0 for X, 1 for Y, ...</summary>
    public int Index { get; }

    /// <summary>"X", "Y", "Z", ...</summary>
    public string Name { get; }

    /// <summary>The directory this copy was given by at mount.</summary>
    public string Path { get; }

    /// <summary>The copy's top directory (held by the mirror from mount to unmount).</summary>
    public Vnode Root { get; }

    /// <summary><c>X_vfs</c>: the file system the copy lives in.</summary>
    public Vfs Vfs => Root.Vfs;

    /// <summary><c>X_vfs_state</c>.</summary>
    public CopyState State { get; internal set; }

    /// <summary>Why the copy is unavailable ("EIO on write /a/b after 3 retries", "offline by ioctl"), or "".</summary>
    public string Reason { get; internal set; } = "";

    /// <summary>
    /// When the copy last changed state: the host's newest time (Kernel.Newest), not its clock, so that for a copy away
    /// no time it holds from before it left is after Since, even when the clock was set back (docs/mirror.md).
    /// </summary>
    public Timespec Since { get; internal set; }

    /// <summary>What the mirror knows of the copy's clock, which stamps its file times (CopyClock.cs).</summary>
    internal CopyClock Clock { get; }

    /// <summary>How many files a log replay has kept aside in the copy's .mfs so far (MirrorResync.KeepAside): their names there.</summary>
    internal int KeptAside;

    /// <summary>What the mirror wrote to the copy that it may not hold yet (CopyUnflushed.cs).</summary>
    internal CopyUnflushed Unflushed { get; } = new();

    /// <summary>Files made again in this copy: their first fids and their fids now (CopyFids.cs).</summary>
    internal CopyFids Fids { get; } = new();

    private ResyncProgress? _progress;

    /// <summary>How far the copy's resync has got while one runs (MirrorProgress.cs), or null.</summary>
    public ResyncProgress? Progress
    {
        get => Volatile.Read(ref _progress);
        internal set => Volatile.Write(ref _progress, value);
    }

    /// <summary>What the copy missed while unavailable.</summary>
    public DirtyLog Log { get; }

    /// <summary>True when updates must reach this copy (available, or being resynced).</summary>
    public bool TakesUpdates => State != CopyState.Unavailable;

    /// <summary>True when reads may be served by this copy.</summary>
    public bool ServesReads => State == CopyState.Available;

    // THE WRITE COUNTERS are counted once per mirror write, not once per copy: each write goes to every copy that takes
    // updates, so the mirror counts it, with its bytes, for all of them (MfsVfs.CountWrite), and a copy keeps only how
    // its own calls differ from that -- a write it was not sent (away, or its file not found in it: NotSent), a call
    // beyond the first (a retry), bytes other than asked (a short or failed write). The mirror's count is kept per
    // writing thread, in the quiesce slot its write holds (MfsVfs.CountWrite), and summed when read: no interlocked
    // instruction per mirror write. A reader may see the mirror's count and a copy's difference at slightly different
    // moments (as with VopStats); once the calls are over, they add up exactly.
    public long Reads => Interlocked.Read(ref _reads);
    public long Writes => Mirror.WritesSent + Interlocked.Read(ref _writesOff);
    public long BytesRead => Interlocked.Read(ref _bytesRead);
    public long BytesWritten => Mirror.BytesSent + Interlocked.Read(ref _bytesWrittenOff);
    public long Failures => Interlocked.Read(ref _failures);
    internal long InflightReads => Interlocked.Read(ref _inflightReads);

    /// <summary>
    /// A read is in progress on this copy (read=balance picks the copy with the fewest). Counted only with read=balance,
    /// the one policy that asks (a mirror's options do not change while it is mounted).
    /// </summary>
    internal void BeginRead()
    {
        if (Mirror.Options.Read == ReadPolicy.Balance)
            Interlocked.Increment(ref _inflightReads);
    }

    internal void EndRead()
    {
        if (Mirror.Options.Read == ReadPolicy.Balance)
            Interlocked.Decrement(ref _inflightReads);
    }

    internal void CountFailure() => Interlocked.Increment(ref _failures);

    private long _checksumErrors, _checksumRepairs;

    /// <summary>-o checksum: extents this copy returned that failed their checksums (MirrorChecksum.cs).</summary>
    public long ChecksumErrors => Interlocked.Read(ref _checksumErrors);

    /// <summary>-o checksum: those rewritten from another copy.</summary>
    public long ChecksumRepairs => Interlocked.Read(ref _checksumRepairs);

    internal void CountChecksumError() => Interlocked.Increment(ref _checksumErrors);
    internal void CountChecksumRepair() => Interlocked.Increment(ref _checksumRepairs);

    /// <summary>
    /// Counts one call of <paramref name="op"/> on this copy, the one place it is counted: the copy's read and write
    /// counters (mfsadm status; a write's first call as how it differs from the mirror's count, above), the small
    /// writes' times (MirrorSubr's parallel decision) and the metrics (mfsadm stats) all come from here.
    /// <paramref name="moved"/> is the bytes of file data it moved, <paramref name="micros"/> the time it took, or -1
    /// when it was not measured; <paramref name="retry"/> says that the call is not the op's first on this copy.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Count(in MirrorOp op, Errno err, long moved, double micros, bool retry)
    {
        switch (op.Io)
        {
            case OpIo.Read:
                Interlocked.Increment(ref _reads);
                Interlocked.Add(ref _bytesRead, moved);
                break;
            case OpIo.Write:
                if (retry)
                {
                    Interlocked.Increment(ref _writesOff);
                    Interlocked.Add(ref _bytesWrittenOff, moved);
                }
                else if (moved != op.Length)
                    Interlocked.Add(ref _bytesWrittenOff, moved - op.Length);
                if (micros >= 0 && op.Length < MirrorSubr.LargeWrite)
                    SampleSmallWrite(micros);
                break;
        }
        MirrorMetrics.Record(this, op.Name, err, moved, micros);
    }

    /// <summary>A write the mirror counted for this copy (MfsVfs.CountWrite) was not sent to it.</summary>
    internal void NotSent(long length)
    {
        Interlocked.Decrement(ref _writesOff);
        Interlocked.Add(ref _bytesWrittenOff, -length);
    }

    /// <summary>How many sampled small writes UpdateMicros looks back over.</summary>
    internal const int RecentWrites = 8;

    // The times of the last RecentWrites sampled small writes (a ring; _recentNext is the slot the next one takes) and
    // the least of them. Written by whichever thread sampled, without a lock: two samplers at once may both take one
    // slot, so that one sample is lost, which the least does not notice; each double is stored whole.
    private readonly double[] _recentWrites = new double[RecentWrites];
    private int _recentNext;
    private double _updateMicros;
    private int _updates;

    /// <summary>
    /// True for the small writes whose time is measured: one in SampleEvery, the first included. Reading the clock twice costs
    /// more than a 4 KiB write to memory (about 45 ns on this VM), and the time below only decides whether workers pay:
    /// a copy that turns slow gets them after RecentWrites samples, 256 small writes at most. The count is not atomic:
    /// two writers at once may sample one write more or less, which the least below does not notice.
    /// The first copy (X) is never sampled: the copies are written in copy order, so X, when it takes the write, is
    /// always the first, the one the caller's thread writes, and MirrorSubr.PaysAtOnce asks only the copies after it.
    /// </summary>
    internal bool SampleThisUpdate() => Index > 0 && (++_updates & (SampleEvery - 1)) == 1;

    /// <summary>One small write in this many is timed (SampleThisUpdate); a power of two.</summary>
    internal const int SampleEvery = 32;

    /// <summary>
    /// How long a small write (under MirrorSubr.LargeWrite) to this copy takes when nothing gets in its way, in
    /// microseconds: the least of the last RecentWrites sampled (0 until there are that many). A copy that is slow on
    /// every write (over a network, or synchronous) shows it here; a copy in memory does not for the few writes that miss
    /// its buffer cache or that the scheduler interrupts, which a worker thread would not have made faster. The first copy's
    /// stays 0: no one asks for it (SampleThisUpdate).
    /// </summary>
    public double UpdateMicros => Volatile.Read(ref _updateMicros);

    private void SampleSmallWrite(double micros)
    {
        int slot = _recentNext;
        _recentWrites[slot] = micros;
        _recentNext = (slot + 1) % RecentWrites;
        double least = micros;
        foreach (var t in _recentWrites)
            least = Math.Min(least, t);
        Volatile.Write(ref _updateMicros, least);
    }

    public override string ToString() => $"{Name} ({Path}): {State}{(Reason.Length > 0 ? " - " + Reason : "")}";
}
