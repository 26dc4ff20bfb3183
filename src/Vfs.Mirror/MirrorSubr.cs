// Vfs.Mirror: how one mirror operation becomes an operation on each copy, and how the copies'
// answers become one answer (the part of patent B.3 that mfs_open's "return (X_error | Y_error)"
// stands for, done properly).
//
// THE ERROR POLICY. OR-ing two errnos yields a number that means neither. Instead:
//   1. Every copy that takes updates gets the operation (a MirrorOp: MirrorOp.cs). A copy that answers
//      with a failure of the copy itself (EIO, a timeout, a lost connection, a full or read-only disk:
//      IsCopyFailure) is tried again, up to retries= times (patent B.7 case b), unless the failure is one
//      that asking again cannot cure (a full or read-only disk: IsPermanentCopyFailure).
//   2. If every copy gives the same answer, that is the answer -- OK, or the errno (ENOENT, EEXIST,
//      EACCES, ...) every copy agrees on. Nothing is hidden and nothing diverged.
//   3. If some copies succeed and others still fail, the copies disagree. The ones that failed are
//      taken out of use with the reason (MfsVfs.MarkUnavailable, which announces it: mfsadm status,
//      the event log and the counters show it), the operation is recorded in their dirty logs, and the
//      caller gets the answer of the copies that succeeded: its update is on every available copy, so
//      nothing it was told succeeded can be lost, and the failed copy is caught up when it returns.
//      Two disagreements leave the copies consistent and take nothing down (MirrorOp.Consistent): ENOENT
//      from a remove or rmdir (the name is gone either way), EEXIST from a mkdir (it is there either way).
//      With errors=return the caller also gets the failed copy's errno (the update is still on every
//      available copy and logged for the failed one), for applications that must hear of every failure.
//   4. If no copy succeeds, a copy that answered about the file (ENOENT, EEXIST, EACCES, ...: no copy failure)
//      speaks for it, the primary first among those; the copies that failed as copies meanwhile (a timeout, EIO:
//      IsTransientCopyFailure -- they may have done the update before the failure) are taken out of use and the
//      operation recorded in their logs, as in rule 3 (patent B.7: a copy that fails is taken out of use, the other
//      carries on). If every copy failed as a copy, the primary copy's errno is returned and nothing is taken down.
//   5. A copy that is unavailable is not asked; the update goes to its dirty log instead -- before the other
//      copies get it, so that the record is on disk first (MirrorIntentLog.cs). An update refused everywhere
//      leaves a record behind all the same, which costs its resync one comparison.
//   6. A read (ReadOp: one copy asked, the next on its failure) treats ESTALE as the file's answer until another copy
//      has the file: the copies that said it are taken out of use only once another copy answers, and when every copy
//      says it the caller gets ESTALE and nothing is taken down, as rule 2 has it for updates.
using System.Runtime.CompilerServices;

namespace UnixVfs.Mirror;

/// <summary>
/// One slot per copy, on the caller's stack (a span of it: <c>slots[..n]</c>), so that a call on a mirror of up to
/// four copies needs no array; a mirror of more copies takes one (MirrorSubr.Slots).
/// </summary>
[InlineArray(4)]
internal struct CopySlots<T>
{
    private T _first;
}

internal static class MirrorSubr
{
    /// <summary>Errors that mean the copy itself is failing, rather than an answer about the file.</summary>
    public static bool IsCopyFailure(Errno e) => e is Errno.EIO or Errno.ETIMEDOUT or Errno.ENXIO or Errno.ENODEV
        or Errno.ECONNREFUSED or Errno.ECONNRESET or Errno.ECONNABORTED or Errno.EHOSTDOWN or Errno.EHOSTUNREACH
        or Errno.ENETUNREACH or Errno.ENETDOWN or Errno.ENOTCONN or Errno.ENOSPC or Errno.EDQUOT or Errno.EROFS
        or Errno.ESTALE or Errno.EFBIG;

    /// <summary>
    /// Copy failures that asking again, or asking another copy, cannot cure: the copy is full, over quota or read-only,
    /// or the file would be too big. The same request would fail the same way, so it is not retried and does not fail over.
    /// </summary>
    public static bool IsPermanentCopyFailure(Errno e) => e is Errno.ENOSPC or Errno.EDQUOT or Errno.EROFS or Errno.EFBIG;

    /// <summary>Copy failures worth retrying, and failing over from: the copy (or another one) may answer next time.</summary>
    public static bool IsTransientCopyFailure(Errno e) => IsCopyFailure(e) && !IsPermanentCopyFailure(e);

    public static MfsVfs Mi(Vnode vp) => ((Mnode)vp.Data!).Mfs;

    public static Mnode Mn(Vnode vp) => (Mnode)vp.Data!;

    /// <summary>True for the mirror's own metadata directory (.mfs at the top: MirrorMeta.cs), which the mirror hides.</summary>
    public static bool IsMetadata(Mnode dir, string nm) => nm == MirrorMeta.DirName && ReferenceEquals(dir, dir.Mfs.Root);

    /// <summary>
    /// The vnode of <paramref name="m"/> in copy <paramref name="c"/> (not held; valid while m is), looking its names
    /// up again if the mnode does not know it yet. Returns OK, ENOENT (the file is not in that copy), or a lookup error.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Errno Resolve(Mnode m, MirrorMember c, out Vnode? vp)
    {
        // Read without the mnode's Lock, which SetCopy holds while it changes the slot: a reference is read whole, and
        // the lock would promise no more than this read does (the vnode stays valid while m does, not while the lock is held).
        vp = Volatile.Read(ref m.Copies[c.Index]);
        return vp is not null ? Errno.OK : Find(m, c, out vp);
    }

    /// <summary>
    /// <paramref name="m"/>'s vnodes in those of <paramref name="copies"/> where it resolves, in copy order, put in
    /// <paramref name="found"/> (room for every copy): the part of it filled.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Span<Vnode> ResolveAll(Mnode m, MirrorMember[] copies, Span<Vnode> found)
    {
        int n = 0;
        foreach (var c in copies)
            if (Resolve(m, c, out var lv) == Errno.OK)
                found[n++] = lv!;
        return found[..n];
    }

    /// <summary>
    /// Resolve for a copy the mnode does not know yet: the look-ups. A method of its own, so that the callers that inline
    /// Resolve (every write and read) do not take its locals into their frames.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Errno Find(Mnode m, MirrorMember c, out Vnode? vp)
    {
        vp = null;
        if ((m.State & MnodeState.Removed) != 0)
            return Errno.ENOENT; // a removed file cannot be found again by its old name: that name may be another file now
        var parent = m.Parent;
        if (parent is null && !ReferenceEquals(m, m.Mfs.Root))
        {
            // Made by VFS_VGET from a fid that did not carry this copy: find where the file lives first.
            var lerr = MirrorLocate.Locate(m);
            using (m.Lock.Enter())
                vp = m.Copies[c.Index];
            if (vp is not null)
                return Errno.OK;
            if (lerr != Errno.OK)
                return lerr;
            parent = m.Parent;
        }
        if (parent is null)
            return Errno.ENOENT;
        var err = Resolve(parent, c, out var pvp);
        if (err != Errno.OK)
            return err;
        err = Vop.Lookup(pvp!, m.Name, out var found, LookupFlags.None, null, Cred.Kcred);
        if (err != Errno.OK)
            return err;
        if (c.State == CopyState.Resyncing && m.Mfs.Mnodes.FindByLower(c.Index, found!) is { } owner && !ReferenceEquals(owner, m))
        {
            // A copy being resynced may still hold another file under this name (moved away while the copy was out, the
            // name made again in the others): that file is another mnode's, and the resync brings this one (Fixed 128).
            found!.Rele();
            return Errno.ENOENT;
        }
        m.Mfs.Mnodes.SetCopy(m, c.Index, found);
        using (m.Lock.Enter())
            vp = m.Copies[c.Index];
        return vp is null ? Errno.ENOENT : Errno.OK;
    }

    /// <summary>
    /// Gives each mnode that VFS_VGET made without a place (no parent, and a copy missing: the handle did not carry
    /// it) its place now, as Resolve would later. Called before a DirLock is taken: finding the place looks the file's
    /// path up through the mirror, which takes the DirLocks on that path.
    /// </summary>
    public static void Place(Mnode? a, Mnode? b = null)
    {
        foreach (var m in new[] { a, b })
        {
            if (m is null || m.Parent is not null || ReferenceEquals(m, m.Mfs.Root) || (m.State & MnodeState.Removed) != 0)
                continue;
            bool missing;
            lock (m.Lock)
                missing = Array.IndexOf(m.Copies, null) >= 0;
            if (missing)
                MirrorLocate.Locate(m);
        }
    }

    /// <summary>
    /// Runs the read-only <paramref name="op"/> (To: Primary or ReadCopy) on one copy. A copy that keeps failing
    /// (after the retries) is taken out of use and the next available copy is asked, so a read fails only when no
    /// copy can answer it (patent B.7: "the mirror file system switches the file operations to the Y copy").
    /// ESTALE is the exception: it says the file is gone, which is a copy's failure only if another copy still has the
    /// file. A copy that answers it is passed over, and taken out of use once another copy answers; when every copy
    /// answers it (a client's handle of a file removed through the mirror) the caller gets ESTALE and every copy stays
    /// in use, as a write's copies that all fail one way do (Combine).
    /// </summary>
    public static Errno ReadOp(in MirrorOp op, CopyFn fn) => ReadOp(op, ref fn, Call);

    /// <summary>As ReadOp, with the op's arguments in <paramref name="args"/> for a static <paramref name="fn"/> (no closure per call).</summary>
    public static Errno ReadOp<TArgs>(in MirrorOp op, ref TArgs args, CopyFn<TArgs> fn)
    {
        var mi = op.Node.Mfs;
        uint tried = 0; // a bit per copy index (MfsOptions.MaxCopies); a mask rather than a stackalloc, which would keep this method from being tiered and profiled
        uint stale = 0; // the copies that answered ESTALE, each taken out of use only if another copy answers
        Errno err = Errno.EIO;
        while (true)
        {
            var c = op.To == OpTarget.ReadCopy ? mi.ReadCopy() : mi.PrimaryCopy();
            if ((tried & (1u << c.Index)) != 0 || !c.ServesReads)
                c = NextUntried(mi, tried);
            if (c is null)
                return stale != 0 ? Errno.ESTALE : err;
            tried |= 1u << c.Index;
            err = RunOnCopy(op, c, ref args, fn).Err;
            if (err == Errno.ENOENT && (op.Node.State & MnodeState.Removed) != 0)
                continue; // an open file removed while this copy was away never reached it: another copy holds it
            if (err == Errno.ESTALE)
            {
                stale |= 1u << c.Index;
                continue;
            }
            if (err == Errno.OK || !IsTransientCopyFailure(err))
            {
                if (stale != 0 && err != Errno.ENOENT)
                    TakeDownStale(mi, op, stale); // this copy has the file (ENOENT would agree it is gone)
                return err;
            }
            c.CountFailure();
            if (!mi.MarkUnavailable(c, $"{err} on {op.Name} {op.Node.PathFromRoot}"))
                return err;
        }
    }

    /// <summary>Takes the copies in <paramref name="stale"/> out of use: they lost a file another copy still has.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void TakeDownStale(MfsVfs mi, in MirrorOp op, uint stale)
    {
        foreach (var c in mi.Copies)
            if ((stale & (1u << c.Index)) != 0)
            {
                c.CountFailure();
                mi.MarkUnavailable(c, $"{Errno.ESTALE} on {op.Name} {op.Node.PathFromRoot}");
            }
    }

    /// <summary>The first copy that serves reads and has not been tried, or null.</summary>
    private static MirrorMember? NextUntried(MfsVfs mi, uint tried)
    {
        foreach (var x in mi.Copies)
            if (x.ServesReads && (tried & (1u << x.Index)) == 0)
                return x;
        return null;
    }

    /// <summary>
    /// Below this many microseconds per small write on the other copies (MirrorMember.UpdateMicros), handing their share
    /// to a worker thread costs more than it saves (a wake-up is several microseconds, more on a busy host),
    /// and the copies are written one after the other instead.
    /// </summary>
    private const double ParallelMicros = 40;

    /// <summary>
    /// A write of this many bytes or more goes to the copies at once, as an fsync does, whatever their small writes
    /// take: copying 256 KiB alone takes a copy tens of microseconds, and into a cold cache or a host file far more.
    /// </summary>
    internal const long LargeWrite = 256 << 10;

    /// <summary>The outcome of an operation on each copy.</summary>
    public readonly record struct CopyResult(MirrorMember Copy, Errno Err);

    /// <summary>
    /// An operation on one copy: <paramref name="lv"/> is the op's mnode in copy <paramref name="c"/>. It sets
    /// <paramref name="moved"/> to the bytes of file data it read or wrote (0 for any other op), for the copy's counters.
    /// </summary>
    public delegate Errno CopyFn(MirrorMember c, Vnode lv, out long moved);

    /// <summary>A CopyFn whose arguments come in <paramref name="args"/>, so that it can be a static lambda.</summary>
    public delegate Errno CopyFn<TArgs>(ref TArgs args, MirrorMember c, Vnode lv, out long moved);

    /// <summary>A CopyFn run as a CopyFn&lt;CopyFn&gt;: the one body serves both forms.</summary>
    private static readonly CopyFn<CopyFn> Call = static (ref CopyFn f, MirrorMember c, Vnode lv, out long moved) => f(c, lv, out moved);

    /// <summary>An op that moves no file data: <c>(c, lv) => Vop.Open(...)</c>.</summary>
    public static CopyFn NoData(Func<MirrorMember, Vnode, Errno> fn) => (MirrorMember c, Vnode lv, out long moved) =>
    {
        moved = 0;
        return fn(c, lv);
    };

    /// <summary>
    /// Runs <paramref name="op"/> (To: Updates) on its mnode in every copy that takes updates, with the retries,
    /// logging and failover of the error policy (file comment), and returns the combined answer. Copies that miss
    /// the update get op.Dirties in their dirty logs; op.Parallel ones ask the copies at the same time.
    /// </summary>
    public static Errno Apply(in MirrorOp op, CopyFn fn) => Apply(op, ref fn, Call);

    /// <summary>
    /// As Apply, with the op's arguments in <paramref name="args"/> for a static <paramref name="fn"/> (no closure per call).
    /// A write (op.Io Write) passes its <paramref name="scope"/> (MfsVfs.EnterOp), in whose quiesce slot it is counted.
    /// </summary>
    public static Errno Apply<TArgs>(in MirrorOp op, ref TArgs args, CopyFn<TArgs> fn, in MfsVfs.OpScope scope = default)
    {
        var mi = op.Node.Mfs;
        if (op.Dirties != DirtyKind.None && mi.Vfs.IsReadOnly)
            return Errno.EROFS; // a split brain waits for mfsadm resolve (MirrorSplitBrain.cs)
        var targets = mi.UpdateCopies();
        var slots = new CopySlots<CopyResult>();
        var results = Slots(ref slots, targets.Length);
        LogMissed(mi, targets, op, ahead: true); // the copies away have the record before any copy has the update
        if (op.Io == OpIo.Write)
            mi.CountWrite(scope, targets, op.Length); // once for all the copies (MirrorMember.Writes)
        if (op.Parallel && targets.Length > 1 && PaysAtOnce(op, targets))
            RunAtOnce(op, ref args, fn, targets, results);
        else
        {
            for (int i = 0; i < targets.Length; i++)
                results[i] = RunOnCopy(op, targets[i], ref args, fn);
        }
        var err = Combine(mi, op, results);
        if ((op.Dirties & DirtyKind.Names) != 0 && !Refused(results))
            LogMissed(mi, targets, op, ahead: false);
        if (op.Dirties != DirtyKind.None && mi.Witness is { } witness)
            witness.Settle();
        if (op.Dirties != DirtyKind.None && err == Errno.OK && mi.Vfs.IsReadOnly)
            return Errno.EROFS; // a copy was lost and the witness refused this side (MirrorWitness.cs): not acknowledged
        if (mi.Options.Mode == MirrorMode.ActivePassive && IsTransientCopyFailure(err) && ActiveFailed(mi, op, targets[0], err))
            return Apply(op, ref args, fn, scope); // Fig. 10: the active copy stopped answering; carry on against the passive one
        return err;
    }

    /// <summary>Takes the active copy, which failed <paramref name="op"/>, out of use; true when the passive one took over.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool ActiveFailed(MfsVfs mi, in MirrorOp op, MirrorMember active, Errno err)
    {
        active.CountFailure();
        return mi.MarkUnavailable(active, $"{err} on {op.Name} {op.Node.PathFromRoot}");
    }

    /// <summary>
    /// The mirror's number for a file (va_nodeid, d_ino) that copy <paramref name="copy"/> numbers <paramref name="nodeId"/>:
    /// the first copy's own number, another copy's with its index in the top byte. Each copy numbers its files its own
    /// way, so when reads move to another copy (the first one failed or left) the numbers move with them; tagged, they
    /// never meet a number the first copy gave another file, which a client may still hold (an NFS client's attribute
    /// cache: two files with one number are one file to find, du and tar). Bijective per copy. An mnode keeps the number
    /// it was first given (Mnode.FileId), so the names of one file agree whichever copy answers.
    /// </summary>
    public static ulong FileId(int copy, ulong nodeId) => nodeId ^ ((ulong)copy << 56);

    /// <summary>The first <paramref name="n"/> of <paramref name="slots"/>, or an array when a mirror has more copies than it holds.</summary>
    public static Span<T> Slots<T>(ref CopySlots<T> slots, int n) => n <= 4 ? ((Span<T>)slots)[..n] : new T[n];

    /// <summary>
    /// True when giving the copies after the first to worker threads pays: for an fsync, a synchronous write (each copy
    /// waits for its device's flush) and a large write (LargeWrite), and for a small write when a copy after the first
    /// takes ParallelMicros or more even when nothing gets in its way.
    /// </summary>
    internal static bool PaysAtOnce(in MirrorOp op, MirrorMember[] targets)
    {
        if (op.Io == OpIo.Flush || op.Sync || op.Length >= LargeWrite)
            return true;
        for (int i = 1; i < targets.Length; i++)
            if (targets[i].UpdateMicros >= ParallelMicros)
                return true;
        return false;
    }

    /// <summary>
    /// Runs the op on the first copy here and on the others on the mirror's copy workers, all at once. The workers cannot
    /// share the caller's ref, so the arguments travel in a box and come back from it (a copy function that records
    /// something per copy keeps it in an array the arguments point to).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RunAtOnce<TArgs>(in MirrorOp what, ref TArgs args, CopyFn<TArgs> fn, MirrorMember[] targets, Span<CopyResult> answers)
    {
        var op = what; // the op by value, for the closures (taken here rather than in the caller's frame, which every write zeroes)
        var box = new ArgsBox<TArgs> { Value = args };
        var results = new CopyResult[targets.Length];
        var others = new Action[targets.Length - 1];
        for (int i = 1; i < targets.Length; i++)
        {
            int j = i;
            others[i - 1] = () => results[j] = RunOnCopy(op, targets[j], ref box.Value, fn);
        }
        op.Node.Mfs.Workers.RunAll(() => results[0] = RunOnCopy(op, targets[0], ref box.Value, fn), others);
        args = box.Value;
        results.CopyTo(answers);
    }

    private sealed class ArgsBox<TArgs>
    {
        public TArgs Value = default!;
    }

    private static CopyResult RunOnCopy<TArgs>(in MirrorOp op, MirrorMember c, ref TArgs args, CopyFn<TArgs> fn)
    {
        var err = Resolve(op.Node, c, out var vp);
        if (err == Errno.OK && op.To == OpTarget.Updates && !c.TakesUpdates)
            err = Errno.EIO; // taken out of use while it was found (a look-up of the file's path in it timed out): its log
                             // gets the update (TakeDown), which landing now would stamp as a change behind the mirror's
                             // back, after the copy's leaving time (Fixed 85)
        if (err != Errno.OK && op.Io == OpIo.Write)
            c.NotSent(op.Length);
        if (err == Errno.OK)
        {
            err = Counted(op, c, ref args, fn, vp!, retry: false);
            for (int attempt = 0; err != Errno.OK && attempt < op.Node.Mfs.Options.Retries && IsTransientCopyFailure(err) && !c.Unflushed.Holds(op.Node); attempt++)
            {
                c.CountFailure();
                err = Counted(op, c, ref args, fn, vp!, retry: true);
            }
            if (err == Errno.OK && op.Dirties is DirtyKind.Names or DirtyKind.Attr)
                c.Clock.Saw(vp!); // the directory's or the file's new ctime: a time on the copy's clock (CopyClock.cs)
            else if (err == Errno.OK && op.Io == OpIo.Write)
                c.Unflushed.Written(op.Node, op.Offset, op.Length); // done when the copy closes or fsyncs the file
        }
        return new CopyResult(c, err);
    }

    /// <summary>
    /// One call of the op on one copy, counted once (MirrorMember.Count: the copy's counters and the metrics). It is timed
    /// only when the time is used: while the metrics are listened to, and for a sample of the small writes (the copy's
    /// UpdateMicros: MirrorMember.SampleThisUpdate); otherwise its time is given as -1.
    /// </summary>
    private static Errno Counted<TArgs>(in MirrorOp op, MirrorMember c, ref TArgs args, CopyFn<TArgs> fn, Vnode vp, bool retry)
    {
        bool timed = MirrorMetrics.Listened || (op.Io == OpIo.Write && op.Length < LargeWrite && c.SampleThisUpdate());
        long t0 = timed ? op.Node.Mfs.Clock.GetTimestamp() : 0; // the clock looked up only when read (four loads)
        var err = fn(ref args, c, vp, out long moved);
        c.Count(op, err, moved, timed ? op.Node.Mfs.Clock.GetElapsedTime(t0).TotalMicroseconds : -1, retry);
        return err;
    }

    /// <summary>
    /// Records the update in the log of every copy that was not asked (unavailable, or passive). Ahead of the update,
    /// in the intent log on the copies, so that a crash cannot lose it; in the dirty log in memory, ahead too, except
    /// for an op on names, which is recorded there after it (<paramref name="ahead"/> false) unless every copy refused
    /// it: a name the log holds is one the copy may lack, and a copy away is named by its unchanged paths (MirrorFid).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LogMissed(MfsVfs mi, MirrorMember[] asked, in MirrorOp op, bool ahead)
    {
        if (op.Dirties == DirtyKind.None || asked.Length == mi.CopyCount || mi.Options.Mode == MirrorMode.ActivePassive)
            return; // nothing to record, or every copy is asked
        LogMissedAway(mi, asked, op, ahead);
    }

    /// <summary>LogMissed's records, for a mirror with copies away (a method of its own: the common case inlines the test alone).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void LogMissedAway(MfsVfs mi, MirrorMember[] asked, in MirrorOp op, bool ahead)
    {
        var copies = mi.Copies;
        bool names = (op.Dirties & DirtyKind.Names) != 0;
        for (int i = 0; i < copies.Count; i++)
            if (Array.IndexOf(asked, copies[i]) < 0)
            {
                if (!ahead)
                    op.RecordInMemory(copies[i], op.Dirties);
                else if (names)
                    op.LogAhead(copies[i], op.Dirties);
                else
                    op.RecordMissed(copies[i], op.Dirties);
            }
    }

    /// <summary>
    /// True when every copy refused the op with one errno that says nothing was changed (the checks a file system makes
    /// before it touches a name): no copy took it, so no copy away missed it.
    /// </summary>
    private static bool Refused(ReadOnlySpan<CopyResult> results)
    {
        if (results.Length == 0)
            return false;
        var e = results[0].Err;
        if (e is not (Errno.EINVAL or Errno.EEXIST or Errno.ENOENT or Errno.ENOTDIR or Errno.EISDIR or Errno.ENOTEMPTY
            or Errno.EACCES or Errno.EPERM or Errno.EXDEV or Errno.ENAMETOOLONG or Errno.ELOOP or Errno.EROFS))
            return false;
        foreach (var r in results)
            if (r.Err != e)
                return false;
        return true;
    }

    /// <summary>Takes a copy that failed the op out of use, with the op in its log for its resync.</summary>
    internal static void TakeDown(MfsVfs mi, in MirrorOp op, CopyResult r)
    {
        r.Copy.CountFailure();
        if (mi.MarkUnavailable(r.Copy, $"{r.Err} on {op.Name} {op.Node.PathFromRoot}"))
            op.RecordMissed(r.Copy, op.Dirties == DirtyKind.None ? DirtyKind.Attr : op.Dirties);
    }

    /// <summary>Rules 2-4 of the error policy: rule 2 here (every update's case, so it is inlined), 3 and 4 in Disagree.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Errno Combine(MfsVfs mi, in MirrorOp op, ReadOnlySpan<CopyResult> results)
    {
        if (results.Length == 0)
            return Errno.EIO;
        var first = results[0].Err;
        foreach (var r in results)
            if (r.Err != first)
                return Disagree(mi, op, results);
        return first;
    }

    /// <summary>
    /// The errno every copy in use (not resyncing) refused the op with, when they all did alike with one that is no copy
    /// failure and every copy that took it is being resynced; otherwise null.
    /// </summary>
    private static Errno? RefusedInUse(ReadOnlySpan<CopyResult> results)
    {
        Errno? refused = null;
        foreach (var r in results)
        {
            if (r.Copy.State == CopyState.Resyncing)
            {
                if (r.Err != Errno.OK)
                    return null;
                continue;
            }
            if (r.Err == Errno.OK || IsCopyFailure(r.Err) || (refused is { } e && e != r.Err))
                return null;
            refused = r.Err;
        }
        return refused;
    }

    /// <summary>Rules 3 and 4: the copies answered differently.</summary>
    private static Errno Disagree(MfsVfs mi, in MirrorOp op, ReadOnlySpan<CopyResult> results)
    {
        bool anyOk = false;
        foreach (var r in results)
            anyOk |= r.Err == Errno.OK;
        if (!anyOk)
        {
            var primary = mi.PrimaryCopy();
            var answers = results.ToArray().OrderBy(r => ReferenceEquals(r.Copy, primary) ? 0 : 1).ToList();
            if (answers.All(r => IsCopyFailure(r.Err)))
                return answers[0].Err;
            foreach (var r in results)
                if (IsTransientCopyFailure(r.Err))
                    TakeDown(mi, op, r);
            return answers.First(r => !IsCopyFailure(r.Err)).Err;
        }
        if (RefusedInUse(results) is { } refused)
        {
            // Only copies being resynced took it, and every copy in use refused it alike: a resyncing copy may lack what
            // the others hold (a directory's entries not copied yet, so its rmdir found it empty). The refusal is the
            // answer; the resyncing copies get the op in their logs, for the resync to settle the name again (Fixed 125).
            foreach (var r in results)
                if (r.Err != refused)
                    op.RecordMissed(r.Copy, op.Dirties | DirtyKind.Names);
            return refused;
        }
        var m = op.Node;
        var failed = Errno.OK;
        foreach (var r in results)
        {
            if (r.Err == Errno.OK || (op.Consistent != Errno.OK && r.Err == op.Consistent))
                continue;
            if (r.Err == Errno.ENOENT && (m.State & MnodeState.Removed) != 0)
                continue; // an open file unlinked through the mirror, never known in this copy: it is gone there anyway
            if (r.Copy.State == CopyState.Resyncing && r.Err == Errno.ENOENT)
            {
                // The copy is still catching up and does not have this file yet: the resync will bring it.
                op.RecordMissed(r.Copy, op.Dirties | DirtyKind.Names);
                continue;
            }
            TakeDown(mi, op, r);
            if (mi.Options.ReturnCopyErrors)
                failed = r.Err;
        }
        return failed;
    }
}
