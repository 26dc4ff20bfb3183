// Vfs.Mirror: how one mirror operation becomes an operation on each copy, and how the copies'
// answers become one answer (the part of patent B.3 that mfs_open's "return (X_error | Y_error)"
// stands for, done properly).
//
// THE ERROR POLICY. OR-ing two errnos yields a number that means neither. Instead:
//   1. Every copy that takes updates gets the operation. A copy that answers with a failure of the
//      copy itself (EIO, a timeout, a lost connection, a full or read-only disk: IsCopyFailure) is
//      tried again, up to retries= times (patent B.7 case b).
//   2. If every copy gives the same answer, that is the answer -- OK, or the errno (ENOENT, EEXIST,
//      EACCES, ...) every copy agrees on. Nothing is hidden and nothing diverged.
//   3. If some copies succeed and others still fail, the copies disagree. The ones that failed are
//      taken out of use with the reason (MfsVfs.MarkUnavailable, which announces it: mfsadm status,
//      the event log and the counters show it), the operation is recorded in their dirty logs, and the
//      caller gets the answer of the copies that succeeded: its update is on every available copy, so
//      nothing it was told succeeded can be lost, and the failed copy is caught up when it returns.
//      Two disagreements leave the copies consistent and take nothing down: ENOENT from a remove or
//      rmdir (the name is gone either way), EEXIST from a mkdir (the directory is there either way).
//      With errors=return the caller also gets the failed copy's errno (the update is still on every
//      available copy and logged for the failed one), for applications that must hear of every failure.
//   4. If no copy succeeds, the primary copy's errno is returned.
//   5. A copy that is unavailable is not asked; the update goes to its dirty log instead.
namespace UnixVfs.Mirror;

internal static class MirrorSubr
{
    /// <summary>Errors that mean the copy itself is failing, rather than an answer about the file.</summary>
    public static bool IsCopyFailure(Errno e) => e is Errno.EIO or Errno.ETIMEDOUT or Errno.ENXIO or Errno.ENODEV
        or Errno.ECONNREFUSED or Errno.ECONNRESET or Errno.ECONNABORTED or Errno.EHOSTDOWN or Errno.EHOSTUNREACH
        or Errno.ENETUNREACH or Errno.ENETDOWN or Errno.ENOTCONN or Errno.ENOSPC or Errno.EDQUOT or Errno.EROFS
        or Errno.ESTALE or Errno.EFBIG;

    /// <summary>Errors worth retrying: the copy may answer next time.</summary>
    private static bool IsTransient(Errno e) => IsCopyFailure(e) && e is not (Errno.ENOSPC or Errno.EDQUOT or Errno.EROFS or Errno.EFBIG);

    public static MfsVfs Mi(Vnode vp) => ((Mnode)vp.Data!).Mfs;

    public static Mnode Mn(Vnode vp) => (Mnode)vp.Data!;

    /// <summary>
    /// The vnode of <paramref name="m"/> in copy <paramref name="c"/> (not held; valid while m is), looking its names
    /// up again if the mnode does not know it yet. Returns OK, ENOENT (the file is not in that copy), or a lookup error.
    /// </summary>
    public static Errno Resolve(Mnode m, MfsCopy c, out Vnode? vp)
    {
        lock (m.Lock)
            vp = m.Copies[c.Index];
        if (vp is not null)
            return Errno.OK;
        if ((m.State & MnodeState.Removed) != 0)
            return Errno.ENOENT; // a removed file cannot be found again by its old name: that name may be another file now
        var parent = m.Parent;
        if (parent is null && !ReferenceEquals(m, m.Mfs.Root))
        {
            // Made by VFS_VGET from a fid that did not carry this copy: find where the file lives first.
            var lerr = MirrorLocate.Locate(m);
            lock (m.Lock)
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
        m.Mfs.Mnodes.SetCopy(m, c.Index, found);
        lock (m.Lock)
            vp = m.Copies[c.Index];
        return vp is null ? Errno.ENOENT : Errno.OK;
    }

    /// <summary>
    /// Runs a read-only <paramref name="op"/> on one copy: the read copy for data (<paramref name="data"/>), the
    /// primary copy otherwise. A copy that keeps failing (after the retries) is taken out of use and the next
    /// available copy is asked, so a read fails only when no copy can answer it (patent B.7: "the mirror file
    /// system switches the file operations to the Y copy").
    /// </summary>
    public static Errno ReadOp(Mnode m, string what, Func<MfsCopy, Vnode, Errno> op, bool data = false)
    {
        var mi = m.Mfs;
        var tried = new List<MfsCopy>(2);
        Errno err = Errno.EIO;
        while (true)
        {
            var c = data ? mi.ReadCopy() : mi.PrimaryCopy();
            if (tried.Contains(c) || !c.ServesReads)
                c = mi.Copies.FirstOrDefault(x => x.ServesReads && !tried.Contains(x))!;
            if (c is null)
                return err;
            tried.Add(c);
            var r = RunOnCopy(m, c, op, what);
            err = r.Err;
            if (!IsCopyFailure(err) || err is Errno.EROFS or Errno.ENOSPC or Errno.EDQUOT or Errno.EFBIG)
                return err;
            c.CountFailure();
            if (!mi.MarkUnavailable(c, $"{err} on {what} {m.PathFromRoot}"))
                return err;
        }
    }

    /// <summary>
    /// Below this many microseconds per update on the other copies, handing their share to a worker thread costs more
    /// than it saves (a wake-up is several microseconds), and the copies are updated one after the other instead.
    /// </summary>
    private const double ParallelMicros = 40;

    /// <summary>The outcome of an operation on each copy.</summary>
    public readonly record struct CopyResult(MfsCopy Copy, Errno Err);

    /// <summary>
    /// Runs <paramref name="op"/> on the vnode of <paramref name="m"/> in every copy that takes updates, with the
    /// retries, logging and failover of the error policy (file comment), and returns the combined answer.
    /// <paramref name="dirty"/> is what a copy that misses the update must catch up on, for <paramref name="logged"/>.
    /// With <paramref name="parallel"/>, the copies are asked at the same time.
    /// </summary>
    public static Errno Apply(Mnode m, string what, Func<MfsCopy, Vnode, Errno> op, Mnode logged, DirtyKind dirty,
        long offset = 0, long length = 0, bool parallel = false, Func<Errno, bool>? consistent = null, Mnode? logged2 = null,
        string? name = null, string? name2 = null)
    {
        var mi = m.Mfs;
        var targets = mi.UpdateCopies();
        var results = new CopyResult[targets.Length];
        if (parallel && targets.Length > 1 && targets.Skip(1).Any(c => c.UpdateMicros >= ParallelMicros))
        {
            var others = new Action[targets.Length - 1];
            for (int i = 1; i < targets.Length; i++)
            {
                int j = i;
                others[i - 1] = () => results[j] = RunOnCopy(m, targets[j], op, what);
            }
            mi.Workers.RunAll(() => results[0] = RunOnCopy(m, targets[0], op, what), others);
        }
        else
        {
            for (int i = 0; i < targets.Length; i++)
                results[i] = RunOnCopy(m, targets[i], op, what);
        }
        var log = new LogTarget(logged, logged2, dirty, offset, length, name, name2);
        if (results.Any(r => r.Err == Errno.OK) || (dirty & DirtyKind.Data) != 0)
            LogMissed(mi, targets, log); // an update refused everywhere changed nothing, and there is nothing to catch up on
        var err = Combine(mi, what, m, results, log, consistent);
        if (mi.Options.Mode == MirrorMode.ActivePassive && IsCopyFailure(err) && err is not (Errno.ENOSPC or Errno.EDQUOT or Errno.EROFS or Errno.EFBIG))
        {
            // Fig. 10: the active copy stopped answering; carry on against the passive one.
            var active = targets[0];
            active.CountFailure();
            if (mi.MarkUnavailable(active, $"{err} on {what} {m.PathFromRoot}"))
                return Apply(m, what, op, logged, dirty, offset, length, parallel, consistent, logged2, name, name2);
        }
        return err;
    }

    private static CopyResult RunOnCopy(Mnode m, MfsCopy c, Func<MfsCopy, Vnode, Errno> op, string what)
    {
        var err = Resolve(m, c, out var vp);
        if (err == Errno.OK)
        {
            err = Timed(m, c, op, vp!, what);
            for (int attempt = 0; attempt < m.Mfs.Options.Retries && IsTransient(err); attempt++)
            {
                c.CountFailure();
                err = Timed(m, c, op, vp!, what);
            }
        }
        return new CopyResult(c, err);
    }

    private static Errno Timed(Mnode m, MfsCopy c, Func<MfsCopy, Vnode, Errno> op, Vnode vp, string what)
    {
        var clock = m.Mfs.Vfs.Kernel.Clock;
        long t0 = clock.GetTimestamp();
        var err = op(c, vp);
        if (what is "write" or "fsync")
            c.SampleUpdate(clock.GetElapsedTime(t0).TotalMicroseconds);
        MirrorMetrics.Record(m.Mfs, c, what, err, t0);
        return err;
    }

    /// <summary>What a copy that misses an update must log: which mnodes, what kind of change, which bytes or names.</summary>
    public readonly record struct LogTarget(Mnode Logged, Mnode? Logged2, DirtyKind Kind, long Offset, long Length, string? Name, string? Name2)
    {
        public void Record(MfsCopy c, DirtyKind kind)
        {
            c.Log.Record(Logged, kind, Offset, Length, Name);
            if (Logged2 is not null)
                c.Log.Record(Logged2, kind, Offset, Length, Name2);
        }
    }

    /// <summary>Records the update in the log of every copy that was not asked (unavailable, or passive).</summary>
    private static void LogMissed(MfsVfs mi, MfsCopy[] asked, LogTarget log)
    {
        if (log.Kind == DirtyKind.None || mi.Options.Mode == MirrorMode.ActivePassive)
            return;
        foreach (var c in mi.Copies)
            if (Array.IndexOf(asked, c) < 0)
                log.Record(c, log.Kind);
    }

    /// <summary>Rules 2-4 of the error policy.</summary>
    public static Errno Combine(MfsVfs mi, string what, Mnode m, CopyResult[] results, LogTarget log, Func<Errno, bool>? consistent)
    {
        if (results.Length == 0)
            return Errno.EIO;
        var first = results[0].Err;
        if (results.All(r => r.Err == first))
            return first;
        if (!results.Any(r => r.Err == Errno.OK))
        {
            var primary = mi.PrimaryCopy();
            foreach (var r in results)
                if (ReferenceEquals(r.Copy, primary))
                    return r.Err;
            return first;
        }
        var failed = Errno.OK;
        foreach (var r in results)
        {
            if (r.Err == Errno.OK || (consistent?.Invoke(r.Err) ?? false))
                continue;
            if (r.Err == Errno.ENOENT && (m.State & MnodeState.Removed) != 0)
                continue; // an open file unlinked through the mirror, never known in this copy: it is gone there anyway
            if (r.Copy.State == CopyState.Resyncing && r.Err == Errno.ENOENT)
            {
                // The copy is still catching up and does not have this file yet: the resync will bring it.
                log.Record(r.Copy, log.Kind | DirtyKind.Names);
                continue;
            }
            r.Copy.CountFailure();
            if (mi.MarkUnavailable(r.Copy, $"{r.Err} on {what} {m.PathFromRoot}"))
                log.Record(r.Copy, log.Kind == DirtyKind.None ? DirtyKind.Attr : log.Kind);
            if (mi.Options.ReturnCopyErrors)
                failed = r.Err;
        }
        return failed;
    }
}
