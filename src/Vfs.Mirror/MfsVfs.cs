// Vfs.Mirror: the mirror's per-mount data (patent B.1, struct mfs_vfs).
//
//     Struct mfs_vfs {
//         Struct vfs *mfs;           the mirror file system's own vfs   -> Vfs
//         Struct vfs *X_vfs;         first file system's vfs            -> Copies[0].Vfs
//         Int         X_vfs_state;   state of X_vfs                     -> Copies[0].State
//         Struct vfs *Y_vfs;         second file system's vfs           -> Copies[1].Vfs
//         Int         Y_vfs_state;   state of Y_vfs                     -> Copies[1].State
//         Other fields                                                  -> options, the mnode hash, ...
//     };
//
// Copy state changes are made here and nowhere else, and announced through CopyStateChanged, so
// that no failure of a copy is ever silent. The quiesce lock is taken shared by every operation
// and exclusively only for the instant a copy rejoins after a resync, so that no update can fall
// between "the log is empty" and "the copy is available".
using System.Runtime.CompilerServices;

namespace UnixVfs.Mirror;

/// <summary>Something that happened to a mirror: a copy changed state, a merge conflict, a resync.</summary>
public sealed record MfsEvent(Timespec Time, string Copy, string What);

/// <summary>The mirror's private data (<c>struct mfs_vfs</c>).</summary>
public sealed class MfsVfs
{
    private readonly object _stateLock = new();
    private readonly List<MfsEvent> _events = new();
    private int _active;
    private MirrorMember[] _updateCopies;
    private long _backoffs;

    internal MfsVfs(Vfs vfsp, MfsOptions options, MirrorMember[] copies)
    {
        Vfs = vfsp;
        Options = options;
        Copies = copies;
        _copies = copies;
        CopyCount = copies.Length;
        foreach (var c in copies)
            c.Mirror = this;
        Mnodes = new MnodeHash(copies.Length);
        Numbers = new MirrorNumbers(copies.Length);
        _updateCopies = copies;
        RecomputeUpdateCopies();
        IntentLog = new MirrorIntentLog(this);
        Checksum = options.Checksum ? new MirrorChecksum(this) : null;
        Workers = new CopyWorkers(vfsp.Kernel.Simulated ? 0 : Math.Max(2, 2 * (copies.Length - 1)), $"mfs {vfsp.Fsid:x}");
    }

    /// <summary>The threads that write the other copies while the caller writes the first (CopyWorkers.cs).</summary>
    internal CopyWorkers Workers { get; }

    /// <summary><c>mfs</c>: the mirror's own vfs.</summary>
    public Vfs Vfs { get; }

    /// <summary>The host's clock (the kernel's TimeProvider): times per copy operation are measured with it.</summary>
    internal TimeProvider Clock => Vfs.Kernel.Clock;

    /// <summary>The mount options.</summary>
    public MfsOptions Options { get; }

    /// <summary>The copies, X first.</summary>
    public IReadOnlyList<MirrorMember> Copies { get; }

    /// <summary>Copies.Count, without the interface call (every write and read asks it).</summary>
    internal int CopyCount { get; }

    /// <summary>Copies as the array it is, for the read's choice of copy (no interface call per read).</summary>
    private readonly MirrorMember[] _copies;

    /// <summary>The mnode table.</summary>
    public MnodeHash Mnodes { get; }

    /// <summary>The numbers given to files, by their fids in the other copies, so a file keeps its number when another copy answers (MirrorNumbers.cs).</summary>
    internal MirrorNumbers Numbers { get; }

    /// <summary>The root mnode (held by the mount).</summary>
    public Mnode Root { get; internal set; } = null!;

    /// <summary>What the mount-time merge did.</summary>
    public MergeReport? MountMerge { get; internal set; }

    /// <summary>The mirror's identity and its copies' generations, kept in each copy's .mfs/meta (MirrorGenerations.cs).</summary>
    internal MirrorGenerations Generations { get; init; } = null!;

    /// <summary>The dirty logs of the copies away, kept on the copies in use (MirrorIntentLog.cs).</summary>
    internal MirrorIntentLog IntentLog { get; }

    /// <summary>
    /// Records in copy <paramref name="c"/>'s dirty log that it missed a change of <paramref name="m"/>: in memory
    /// (DirtyLog) and, first, in the log file on every copy in use, so that the record survives a crash of this host.
    /// </summary>
    internal void LogMissed(MirrorMember c, Mnode m, DirtyKind kind, long offset = 0, long length = 0, string? name = null)
    {
        IntentLog.Append(c, m, kind, offset, length, name);
        c.Log.Record(m, kind, offset, length, name);
    }

    /// <summary>
    /// Records in copy <paramref name="c"/>'s log that <paramref name="m"/> was renamed from <paramref name="name"/> in
    /// <paramref name="parent"/>, a name the log had not changed before when <paramref name="kept"/>.
    /// </summary>
    internal void LogMoved(MirrorMember c, Mnode m, Mnode parent, string name, bool kept)
    {
        IntentLog.Append(c, m, DirtyKind.Attr, 0, 0, null);
        c.Log.RecordMove(m, parent, name, kept);
    }

    /// <summary>The witness of witness= (MirrorWitness.cs), or null.</summary>
    internal MirrorWitness? Witness { get; init; }

    /// <summary>-o checksum: the extent checksums of the mirror's files (MirrorChecksum.cs), or null.</summary>
    internal MirrorChecksum? Checksum { get; }

    /// <summary>The probes of autoresync= (MirrorAutoResync.cs), or null when it is off.</summary>
    internal MirrorAutoResync? AutoResync { get; set; }

    /// <summary>A split brain waiting for `mfsadm resolve` (MirrorSplitBrain.cs), or null. Changed with Quiesce held as writer.</summary>
    internal MirrorSplitBrain? SplitBrain { get; set; }

    /// <summary>The last resync's report, or null.</summary>
    public ResyncReport? LastResync { get; internal set; }

    /// <summary>
    /// Serialises bringing a copy back (MirrorIoctl.Online: `mfsadm online` and autoresync's rejoin), whose search for
    /// changes and late writes (CopyUnflushed.FlushLate) one copy may not run twice at once. Taken by
    /// VirtualClock.EnterMonitor: its holder waits for time (the copy's RPCs).
    /// </summary>
    internal readonly object OnlineLock = new();

    /// <summary>Serialises renames within the mirror (so two renames cannot take two directories' locks in opposite orders).</summary>
    internal KMutex RenameLock { get; } = new(MirrorLock.RenameClass);

    /// <summary>A resync started without waiting (mfsadm online without wait), or null.</summary>
    internal Task<Errno>? ResyncTask { get; set; }

    /// <summary>Taken shared by every operation, exclusively while a copy rejoins (readers take no interlocked instruction: QuiesceLock.cs).</summary>
    internal QuiesceLock Quiesce { get; } = new(MirrorLock.QuiesceClass);

    /// <summary>Enters an updating operation (Quiesce shared); dispose to leave it.</summary>
    internal OpScope EnterOp() => new(Quiesce.EnterShared());

    internal readonly struct OpScope(QuiesceLock.Hold hold) : IDisposable
    {
        public void Dispose() => hold.Exit();

        /// <summary>Counts a write sent to the copies in this thread's quiesce slot (CountWrite).</summary>
        public void CountWrite(long length) => hold.CountWrite(length);

        /// <summary>This thread's place, in its quiesce slot, for a write's scratch kept between writes (MirrorRdwr).</summary>
        public ref object? Scratch => ref hold.Scratch;
    }

    /// <summary>Raised after every event (copy state change, conflict, resync), on the thread that caused it.</summary>
    public event Action<MfsEvent>? CopyStateChanged;

    /// <summary>Every event so far, oldest first.</summary>
    public IReadOnlyList<MfsEvent> Events
    {
        get { lock (_events) return _events.ToArray(); }
    }

    /// <summary>How many times a writer found a copy's lock taken and backed off (patent B.6).</summary>
    public long Backoffs => Interlocked.Read(ref _backoffs);

    internal void CountBackoff() => Interlocked.Increment(ref _backoffs);

    /// <summary>Writes sent to the copies, each mirror write counted once for every copy (MirrorMember.Writes).</summary>
    internal long WritesSent => Quiesce.Sent().Writes;

    /// <summary>Their bytes, as asked (MirrorMember.BytesWritten).</summary>
    internal long BytesSent => Quiesce.Sent().Bytes;

    /// <summary>
    /// A write of <paramref name="length"/> bytes, in the operation <paramref name="scope"/>, goes to the copies
    /// <paramref name="asked"/>: counted once for every copy, and as not sent for each copy not asked (rare: a copy away),
    /// so that every copy's count stays its own. The count goes in the writing thread's quiesce slot, which the write
    /// already holds and only that thread writes (QuiesceLock.Hold.CountWrite): no interlocked instruction per write;
    /// WritesSent sums the slots.
    /// </summary>
    internal void CountWrite(in OpScope scope, MirrorMember[] asked, long length)
    {
        scope.CountWrite(length);
        if (asked.Length != CopyCount)
            CountNotSent(asked, length);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void CountNotSent(MirrorMember[] asked, long length)
    {
        foreach (var c in Copies)
            if (Array.IndexOf(asked, c) < 0)
                c.NotSent(length);
    }

    /// <summary>Active/passive mode: the copy in use.</summary>
    public MirrorMember Active => Copies[Volatile.Read(ref _active)];

    /// <summary>Records an event and tells the subscribers.</summary>
    internal void Announce(MirrorMember? copy, string what)
    {
        var ev = new MfsEvent(Vfs.Kernel.Now(), copy?.Name ?? "-", what);
        lock (_events)
            _events.Add(ev);
        Vfs.Kernel.Log($"mfs {Vfs.MntPt}: {(copy is null ? "" : $"copy {copy.Name}: ")}{what}");
        CopyStateChanged?.Invoke(ev);
    }

    /// <summary>
    /// Takes a copy out of use (patent B.7: after the retries, or by ioctl). From now on updates are logged
    /// for it. Returns false when it is the last copy that takes updates (the mirror will not lose its last copy).
    /// </summary>
    internal bool MarkUnavailable(MirrorMember c, string reason)
    {
        lock (_stateLock)
        {
            if (c.State == CopyState.Unavailable)
                return true;
            if (Copies.Count(x => x.TakesUpdates) <= 1 && c.TakesUpdates)
                return false;
            c.State = CopyState.Unavailable;
            c.Reason = reason;
            c.Since = Vfs.Kernel.Newest();
            c.Clock.Left();
            c.Fids.Left();
            Witness?.Begin(); // updates sent to the copy kept alone from now on wait for the claim (MirrorWitness.Settle)
            if (Options.Mode == MirrorMode.ActivePassive && ReferenceEquals(Active, c))
            {
                var next = Copies.First(x => x.State == CopyState.Available && !ReferenceEquals(x, c));
                Volatile.Write(ref _active, next.Index);
            }
            RecomputeUpdateCopies();
        }
        Announce(c, "unavailable: " + reason);
        IntentLog.Start(c);
        if (c.Vfs.Dev != 0 && VfsOp.Sync(c.Vfs, SyncFlags.None, Cred.Kcred) is var serr && serr != Errno.OK)
        {
            // Updates its file system took into its cache may never reach its disk: after a crash only a full resync
            // is sure to bring them back (the log in memory is enough while the cache lives).
            Announce(c, $"its file system's cache could not be written out ({serr}): after a crash it needs a full resync");
            IntentLog.Overflow(c);
        }
        c.Unflushed.Left(this, c); // what the copy's file system may still hold unsent goes to its log
        if (Witness is null || Witness.Claim(this, c))
            Generations.Left(this, c); // a side the witness refused does not go on: it keeps its generation, read-only
        return true;
    }

    /// <summary>
    /// A copy out of use that the mirror went on writing to -- its resync, after an update it was sent failed and took it
    /// out -- leaves again now, after the mirror's last write to it: none of the mirror's own writes may read, at its next
    /// online, as a change made behind the mirror's back (Fixed 127).
    /// </summary>
    internal void LeftAgain(MirrorMember c)
    {
        lock (_stateLock)
        {
            if (c.State != CopyState.Unavailable)
                return;
            c.Since = Vfs.Kernel.Newest();
            c.Clock.Left();
        }
    }

    /// <summary>A copy comes back: it takes updates again but serves no reads until the resync finishes.</summary>
    internal void MarkResyncing(MirrorMember c)
    {
        lock (_stateLock)
        {
            c.State = CopyState.Resyncing;
            c.Reason = "resyncing";
            c.Since = Vfs.Kernel.Newest();
            RecomputeUpdateCopies();
        }
        Announce(c, "resyncing");
    }

    /// <summary>The copy is in sync again and serves reads (called with Quiesce held exclusively).</summary>
    internal void MarkAvailable(MirrorMember c)
    {
        lock (_stateLock)
        {
            c.State = CopyState.Available;
            c.Reason = "";
            c.Since = Vfs.Kernel.Newest();
            RecomputeUpdateCopies();
        }
        Announce(c, "available");
        Generations.Joined(this, c);
        IntentLog.Finish(c);
        if (Witness is not null && Copies.All(x => x.State == CopyState.Available))
            Witness.Synced(this);
    }

    /// <summary>The copies that take updates now, in copy order (active/passive: just the active one). Do not modify.</summary>
    internal MirrorMember[] UpdateCopies() => Volatile.Read(ref _updateCopies);

    /// <summary>Rebuilds the UpdateCopies array after a state change (under the state lock).</summary>
    private void RecomputeUpdateCopies() => Volatile.Write(ref _updateCopies,
        Options.Mode == MirrorMode.ActivePassive ? [Active] : Copies.Where(c => c.TakesUpdates).ToArray());

    /// <summary>
    /// The copy attributes and names come from: the first available copy (the active one in active/passive),
    /// so that inode numbers and readdir cookies do not change from call to call.
    /// </summary>
    internal MirrorMember PrimaryCopy()
    {
        if (Options.Mode == MirrorMode.ActivePassive)
            return Active;
        if (Options.Read == ReadPolicy.Fixed && _copies[Options.ReadCopy] is { ServesReads: true } fixedCopy)
            return fixedCopy;
        return Copies.FirstOrDefault(c => c.ServesReads) ?? _copies[0];
    }

    /// <summary>The copy to read data from (patent B.4b): the configured one, or with read=balance the least busy.</summary>
    internal MirrorMember ReadCopy()
    {
        if (Options.Read == ReadPolicy.Fixed || Options.Mode == MirrorMode.ActivePassive)
            return PrimaryCopy();
        MirrorMember? best = null;
        foreach (var c in _copies)
            if (c.ServesReads && (best is null || c.InflightReads < best.InflightReads || (c.InflightReads == best.InflightReads && c.Reads < best.Reads)))
                best = c;
        return best ?? _copies[0];
    }
}
