// Vfs.Mirror: what the mirror wrote to a copy that the copy may not hold yet (beyond the patent).
//
// WHY. A write to a copy over NFS returns when the NFS client has the data: its write-behind sends it later, at the
// latest when the file is closed or fsynced (close-to-open). So a write to such a copy is done when the copy's close or
// fsync of the file succeeds, not when its write returns. Two losses came of counting it done at once (finding 4 of
// docs/verification.md, Figs. 9): a close whose flush failed took the copy out of use with only the file's attributes
// in its log (its bytes, dropped by the client, never reached it: `c` came back size 0); and a write the client still
// held when another operation took the copy out of use was sent when the copy came back -- by the scan of
// `mfsadm online`, whose GETATTR flushed it -- stamping the file after the copy's leaving time, so that the scan took
// the mirror's own late write for a change made behind its back and brought the copies together by their times
// (MirrorSplitBrain.Online), which replaced X's file, two links, by Y's with one.
//
// WHAT IS KEPT, per copy: the byte ranges of every file written through the mirror since the copy last fsynced it or
// closed it for a writer (Written, Flushed; a reader's close flushes nothing, finding 14; a file the mirror lets go of
// is fsynced on such copies first: Inactive). When the copy is taken out of use (MfsVfs.MarkUnavailable), the ranges go
// to its dirty log, so that its resync rewrites them whatever the client did with them, and the files are remembered as
// late (by the copy's vnode, held: the mnode may let go of it before the copy is back, Fixed 113): at online their
// pending writes are sent first (FlushLate) and each file's ctime after that is excused from the
// scan (MirrorHistory.ChangedSince); a file whose copy does not answer then stays late for the next online (the NFS
// client keeps a WRITE that heard nothing).
//
// COST: a dictionary entry per file being written, merged ranges (a sequential writer keeps one), and a lock per
// write -- except for a write into a range already kept, the common rewrite of a page or a block: the range kept last
// is published as a hint (node, start, end), which Written reads without the lock. The hint is a seqlock: _hintSeq is
// odd while the hint changes, and changes only under _lock; a reader that sees the same even count before and after
// reading the fields has read one hint whole. A hint is true of the ranges while it stands: it is published after its
// range is added, and withdrawn under _lock before ranges are removed (Flushed, Left: the only ways ranges go), so a
// write that finds itself covered is one whose range is kept at that moment, as it would be after taking the lock.
//
// A RESYNC'S WRITES land late the same way: the resync copies data into the copy's files through their vnodes, and
// an NFS client holds those WRITEs too. A resync that fails leaves them held; the next online's scan, whose GETATTR
// makes the client send them, then found the copy's files stamped after it left, and took the resync's own writes for
// changes behind the mirror's back (docs/verification.md, Fixed 69). So the files a resync writes are kept, held, while
// it runs (ResyncWrote) and, when it fails, join the late files (by vnode: the log that held their mnodes has overflowed)
// for FlushLate; at most MaxResyncFiles of them.
//
// LOCK ORDER: _lock is a leaf; no VOP is called and no log written while it is held.
using System.Runtime.CompilerServices;

namespace UnixVfs.Mirror;

/// <summary>The writes a copy may not hold yet (MirrorMember.Unflushed).</summary>
internal sealed class CopyUnflushed
{
    private const int MaxRanges = 64;
    private const int MaxResyncFiles = 65_536;
    private readonly object _lock = new();
    private readonly Dictionary<Mnode, RangeSet> _files = new();
    private readonly HashSet<Mnode> _late = new();
    private readonly HashSet<Vnode> _resyncWrote = new(ReferenceEqualityComparer.Instance); // held
    private readonly HashSet<Vnode> _lateFiles = new(ReferenceEqualityComparer.Instance);   // held
    // What FlushLate stamped, kept until a resync of the copy succeeds: an online that fails after its scan (a resync
    // that timed out) sent the late writes already, and the next online must excuse them too. Used by one online at a
    // time (MfsVfs.OnlineLock serializes the mirror's onlines).
    private readonly Dictionary<ulong, Timespec> _stamped = new();

    private int _hintSeq;          // the hint's sequence count: odd while it changes; changed only under _lock
    private Mnode? _hintNode;      // the hint: _hintNode's ranges hold [_hintStart, _hintEnd); null: no hint
    private long _hintStart, _hintEnd;

    /// <summary>The mirror wrote [<paramref name="offset"/>, +<paramref name="length"/>) of <paramref name="m"/> to the copy.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Written(Mnode m, long offset, long length)
    {
        if (!HintCovers(m, offset, offset + length))
            Add(m, offset, length);
    }

    /// <summary>Written for a range the hint does not cover: kept under the lock, and published as the hint.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Add(Mnode m, long offset, long length)
    {
        lock (_lock)
        {
            if (!_files.TryGetValue(m, out var ranges))
                _files.Add(m, ranges = new RangeSet(MaxRanges));
            var (start, end) = ranges.Add(offset, length);
            SetHint(m, start, end);
        }
    }

    /// <summary>True when the hint says that <paramref name="m"/>'s ranges hold [<paramref name="start"/>, <paramref name="end"/>). No lock.</summary>
    private bool HintCovers(Mnode m, long start, long end)
    {
        int seq = Volatile.Read(ref _hintSeq);
        if ((seq & 1) != 0)
            return false;
        bool covers = ReferenceEquals(Volatile.Read(ref _hintNode), m) && Volatile.Read(ref _hintStart) <= start && end <= Volatile.Read(ref _hintEnd);
        return covers && Volatile.Read(ref _hintSeq) == seq;
    }

    /// <summary>Publishes a hint (<paramref name="m"/> null: withdraws it). Called under _lock.</summary>
    private void SetHint(Mnode? m, long start, long end)
    {
        Interlocked.Increment(ref _hintSeq); // odd, and a full fence: no field below is seen changed before it
        Volatile.Write(ref _hintNode, m);
        Volatile.Write(ref _hintStart, start);
        Volatile.Write(ref _hintEnd, end);
        Interlocked.Increment(ref _hintSeq);
    }

    /// <summary>
    /// True while the copy may not hold all the mirror wrote to <paramref name="m"/>: an op on it that fails is not
    /// tried again, since the failure may have cost the copy those writes (an NFS client drops a WRITE the server
    /// refused, and a close tried again finds nothing left to send and succeeds; one that heard nothing it keeps).
    /// </summary>
    public bool Holds(Mnode m)
    {
        lock (_lock)
            return _files.ContainsKey(m);
    }

    /// <summary>The copy closed or fsynced <paramref name="m"/>: what was written is there.</summary>
    public void Flushed(Mnode m)
    {
        lock (_lock)
        {
            if (ReferenceEquals(_hintNode, m))
                SetHint(null, 0, 0);
            _files.Remove(m);
        }
    }

    /// <summary>
    /// The mirror lets go of <paramref name="m"/> (VOP_INACTIVE): each copy that may not hold all that was written to
    /// it is asked to fsync it now; one that fails is taken out of use, with the ranges in its log (which holds
    /// <paramref name="m"/> on, so that the resync finds it). True when a copy still in use flushed something: the
    /// writes it sent now were stamped with its server's time as they landed, later than the primary's over a lossy
    /// link, so the caller gives the copies the primary's times again, as a close or fsync does (MirrorVnops.SyncTimes).
    /// </summary>
    public static bool Inactive(Mnode m)
    {
        var mi = m.Mfs;
        bool flushed = false;
        foreach (var c in mi.UpdateCopies())
        {
            if (!c.Unflushed.Holds(m) || MirrorSubr.Resolve(m, c, out var lv) != Errno.OK)
                continue;
            var err = Vop.Fsync(lv!, FileFlags.FSYNC, Cred.Kcred);
            if (err != Errno.OK)
            {
                c.CountFailure();
                if (mi.MarkUnavailable(c, $"{err} on fsync {m.PathFromRoot} as the mirror let go of it"))
                    continue;
            }
            c.Unflushed.Flushed(m); // flushed; or lost on the mirror's last copy, which it cannot take out of use
            flushed = true;
        }
        return flushed;
    }

    /// <summary>
    /// The copy was taken out of use: every range it may not hold goes to its dirty log (the log holds the files), and
    /// the files are remembered for FlushLate: by the copy's vnode, held, so that FlushLate finds it even when the mnode
    /// has let go of it by then (a log that overflows lets go of its mnodes; the copy's NFS client still holds the write:
    /// Fixed 113); by the mnode when it had none.
    /// </summary>
    public void Left(MfsVfs mi, MirrorMember c)
    {
        KeyValuePair<Mnode, RangeSet>[] files;
        lock (_lock)
        {
            SetHint(null, 0, 0);
            files = _files.ToArray();
            _files.Clear();
        }
        foreach (var (m, ranges) in files)
        {
            if (ranges.Whole)
                mi.LogMissed(c, m, DirtyKind.Data, 0, long.MaxValue);
            foreach (var (start, end) in ranges.Ranges)
                mi.LogMissed(c, m, DirtyKind.Data, start, end - start);
            var lv = HeldFile(m, c);
            lock (_lock)
            {
                if (lv is not null && _resyncWrote.Count + _lateFiles.Count < MaxResyncFiles && _lateFiles.Add(lv))
                    continue;
                _late.Add(m);
            }
            lv?.Rele(); // kept by the mnode, or kept already
        }
    }

    /// <summary>
    /// Before a resync reads this copy as its source: has the copy's file system send what it holds of the mirror's
    /// writes, which a read of the file's attributes through another path may not show yet (Finding 28: an NFS client
    /// still held a write, the source's file looked alike and was not copied).
    /// </summary>
    public void SendHeld(MirrorMember c)
    {
        Mnode[] held;
        lock (_lock)
            held = _files.Keys.ToArray();
        foreach (var m in held)
        {
            if (HeldFile(m, c) is not { } lv)
                continue;
            Vop.Fsync(lv, FileFlags.FSYNC, Cred.Kcred); // its ranges stay kept: a write may have come in since
            lv.Rele();
        }
    }

    /// <summary>Mnode <paramref name="m"/>'s file in copy <paramref name="c"/>, held, or null.</summary>
    private static Vnode? HeldFile(Mnode m, MirrorMember c)
    {
        using (m.Lock.Enter())
        {
            var lv = m.Copies[c.Index];
            lv?.Hold();
            return lv;
        }
    }

    /// <summary>A resync of the copy is about to write data into its file <paramref name="tv"/> (CopyStats.Writing).</summary>
    public void ResyncWrote(Vnode tv)
    {
        lock (_lock)
            if (_resyncWrote.Count + _lateFiles.Count < MaxResyncFiles && _resyncWrote.Add(tv))
                tv.Hold();
    }

    /// <summary>
    /// True after a resync of the copy failed, until one succeeds: its late writes may stamp the copy's files with the
    /// same times as the source's, so the next resync compares their data, not their times (MirrorResync.FullResync).
    /// </summary>
    public bool ResyncFailed { get; private set; }

    /// <summary>The resync ended: what it wrote is there (let go of), or, when it <paramref name="failed"/>, late.</summary>
    public void ResyncEnded(bool failed)
    {
        ResyncFailed = failed;
        if (!failed)
            _stamped.Clear(); // in use again: the next time it leaves starts afresh
        var letGo = new List<Vnode>();
        lock (_lock)
        {
            foreach (var v in _resyncWrote)
                if (!failed || !_lateFiles.Add(v))
                    letGo.Add(v); // done, or late already (one hold for it)
            _resyncWrote.Clear();
        }
        foreach (var v in letGo)
            v.Rele();
    }

    /// <summary>The mirror is unmounted: lets go of the files kept for a resync and for FlushLate.</summary>
    public void Release()
    {
        Vnode[] held;
        lock (_lock)
        {
            held = [.. _resyncWrote, .. _lateFiles];
            _resyncWrote.Clear();
            _lateFiles.Clear();
        }
        foreach (var v in held)
            v.Rele();
    }

    /// <summary>
    /// True when FlushLate sent held writes of the copy's file <paramref name="nodeId"/> at this online or an earlier one
    /// that failed: its times are those of the sending, not of the writes, so they say nothing of its bytes (a full
    /// resync compares them: Fixed 82). Asked by the online's resync, which runs after FlushLate.
    /// </summary>
    public bool Stamped(ulong nodeId) => _stamped.ContainsKey(nodeId);

    /// <summary>
    /// At online, before the copy is searched for changes: sends what the copy's file system still holds of the files
    /// written before it left (by the mirror, or by a resync that failed), and returns each one's ctime after that by
    /// file (node id), to be excused from the search -- also those of an earlier online that failed after its search.
    /// </summary>
    public Dictionary<ulong, Timespec> FlushLate(MirrorMember c)
    {
        Mnode[] late;
        Vnode[] files;
        lock (_lock)
        {
            late = _late.ToArray();
            _late.Clear();
            files = _lateFiles.ToArray();
            _lateFiles.Clear();
        }
        var stamped = _stamped; // with those of an earlier online that failed after its scan
        foreach (var lv in files)
        {
            Vop.Fsync(lv, FileFlags.FSYNC, Cred.Kcred);
            var va = new Vattr(AttrMask.AT_CTIME | AttrMask.AT_NODEID);
            var err = Vop.Getattr(lv, va, AttrFlags.None, Cred.Kcred);
            if (err == Errno.OK)
                stamped[va.NodeId] = va.Ctime;
            else if (err is not (Errno.ESTALE or Errno.ENOENT))
            {
                lock (_lock)
                    if (_lateFiles.Add(lv))
                        continue; // no answer: sent and stamped at the next online
            }
            lv.Rele();
        }
        foreach (var m in late)
        {
            if (HeldFile(m, c) is not { } lv)
                continue;
            Vop.Fsync(lv, FileFlags.FSYNC, Cred.Kcred); // its outcome does not matter: the log rewrites the ranges
            var va = new Vattr(AttrMask.AT_CTIME | AttrMask.AT_NODEID);
            if (Vop.Getattr(lv, va, AttrFlags.None, Cred.Kcred) == Errno.OK)
                stamped[va.NodeId] = va.Ctime;
            else
            {
                // The copy did not answer (this online will fail): an NFS client keeps a WRITE that heard nothing and
                // sends it at its next flush, so the next online sends and stamps it first again.
                lock (_lock)
                    _late.Add(m);
            }
            lv.Rele();
        }
        return new Dictionary<ulong, Timespec>(stamped);
    }
}
