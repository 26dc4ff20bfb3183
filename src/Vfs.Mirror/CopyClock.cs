// Vfs.Mirror: a copy's clock as the mirror knows it (beyond the patent) -- so that the time a copy left is a time on
// the copy's own clock, the clock its file times are stamped with.
//
// WHY. At `mfsadm online` the mirror asks whether a copy was changed behind its back while away: does it hold a
// ctime after the time it left (MirrorHistory.ChangedSince)? A copy over NFS stamps its files with its server's clock.
// Taken on the mirroring host's clock, the leaving time made every file a copy made before it left look changed after
// it when the server's clock ran ahead (finding 4 of docs/verification.md: y 1,582 s ahead, so online brought the
// copies together by their times and removed a name made on X while Y was away), and hid changes made behind the
// mirror's back when it ran behind.
//
// WHAT IS KNOWN of a copy's clock:
//   Skew     its time minus the host's, measured when the mirror writes the copy's record (.mfs/meta, at mount and
//            whenever a copy leaves or joins): the host's time is read before the write and the record directory's
//            ctime after it, so the skew is never less than the true one (a change that follows is never taken for
//            one that preceded).
//   Newest   the newest ctime the copy is known to have stamped: after every name operation the mirror reads the
//            directory's attributes in the copy, after every attribute change (chmod, chown, utimes) the file's (an
//            NFS client has them cached from the reply), and after it gives the copies one time (close, fsync,
//            create) the file's. A clock set forward between two records shows here, and so does a change stamped
//            while the mirroring host's clock was behind (Fixed 30 of docs/verification.md).
//   NewestAt the host's monotonic timestamp (TimeProvider.GetTimestamp) when Newest was learnt, and LeftAt the one
//            when the copy left: from them, Newest moved on by the time that passed between, is where the copy's clock
//            stood when it left, whatever the host's wall clock did meanwhile.
// The copy's leaving time on its own clock is the latest of the host's leaving time moved by Skew, Newest, and Newest
// moved on to LeftAt. The last matters when the host's clock is set back after the last measure (Finding 11 of
// docs/verification.md, Fig. 6 with a lossy link and the master's clock 2,081 s behind): an update that timed out on
// the copy, and that its server did all the same, stamped the copy after Newest; with the leaving time at Newest, or
// at the host's time moved by a skew the host's clock no longer had, the copy looked changed behind the mirror's back
// and its older directory won the merge at online, over a name made on the other copy while it was away.
//
// LIMIT: a copy's clock set back after the mirror last heard from it (before it left) hides changes made behind the
// mirror's back until its clock has passed the times it stamped before.
//
// LOCK ORDER: _lock is a leaf; no VOP is called while it is held.
namespace UnixVfs.Mirror;

/// <summary>What the mirror knows of one copy's clock (MirrorMember.Clock).</summary>
internal sealed class CopyClock(TimeProvider host)
{
    private readonly object _lock = new();
    private long _skewNs;
    private Timespec _newest;
    private long _newestAt = long.MinValue, _leftAt = long.MinValue; // monotonic timestamps; MinValue: not yet

    /// <summary>The copy's clock minus the host's, in nanoseconds, as last measured (0 before the first measure).</summary>
    public long SkewNs
    {
        get { lock (_lock) return _skewNs; }
    }

    /// <summary>The newest time the copy is known to have stamped.</summary>
    public Timespec Newest
    {
        get { lock (_lock) return _newest; }
    }

    /// <summary>The copy stamped <paramref name="stamped"/> after the host read <paramref name="before"/>: its skew is measured.</summary>
    public void Measured(Timespec stamped, Timespec before)
    {
        lock (_lock)
        {
            _skewNs = Ns(stamped) - Ns(before);
            Learnt(stamped);
        }
    }

    /// <summary>Reads <paramref name="lv"/>'s ctime in the copy, a time the copy stamped (nothing when it cannot be read).</summary>
    public void Saw(Vnode lv)
    {
        var va = new Vattr(AttrMask.AT_CTIME);
        if (Vop.Getattr(lv, va, AttrFlags.None, Cred.Kcred) == Errno.OK)
            Stamped(va.Ctime);
    }

    /// <summary>The copy holds a file stamped <paramref name="ctime"/>.</summary>
    public void Stamped(Timespec ctime)
    {
        lock (_lock)
            Learnt(ctime);
    }

    /// <summary>Newest, and when it was learnt. Caller holds _lock.</summary>
    private void Learnt(Timespec ctime)
    {
        if (ctime > _newest)
            (_newest, _newestAt) = (ctime, host.GetTimestamp());
    }

    /// <summary>The copy leaves now (MfsVfs.MarkUnavailable).</summary>
    public void Left()
    {
        lock (_lock)
            _leftAt = host.GetTimestamp();
    }

    /// <summary>Host time <paramref name="host"/> on the copy's clock, as the skew last measured says.</summary>
    public Timespec At(Timespec host)
    {
        lock (_lock)
            return FromNs(Ns(host) + _skewNs);
    }

    /// <summary>
    /// The instant before host time <paramref name="host"/> on the copy's clock. A copy still in use stamps what the mirror
    /// did after another copy left at that time no earlier than At(host) -- the same instant when the clock did not move
    /// in between (Finding 20: a symlink made through the mirror in the instant X was taken offline was not counted as
    /// Y's change, and X's directory, changed later behind the mirror's back, took it away).
    /// </summary>
    public Timespec Before(Timespec host) => FromNs(Ns(At(host)) - 1);

    /// <summary>When a copy that left at host time <paramref name="left"/> left, on its own clock: no time it held then is later.</summary>
    public Timespec Leaving(Timespec left)
    {
        var at = At(left);
        lock (_lock)
        {
            var onward = _newestAt != long.MinValue && _leftAt > _newestAt
                ? FromNs(Ns(_newest) + (long)host.GetElapsedTime(_newestAt, _leftAt).TotalNanoseconds)
                : _newest;
            return onward > at ? onward : at;
        }
    }

    private static long Ns(Timespec t) => t.Sec * 1_000_000_000 + t.Nsec;

    private static Timespec FromNs(long ns) => new(Math.DivRem(ns, 1_000_000_000, out long rem) - (rem < 0 ? 1 : 0), rem < 0 ? rem + 1_000_000_000 : rem);
}
