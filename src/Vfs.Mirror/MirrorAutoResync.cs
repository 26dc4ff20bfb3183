// Vfs.Mirror: self-heal -- with autoresync=SECONDS the mirror probes every copy that failed, on the host's clock, and
// rejoins the one that answers again (beyond the patent, where a copy comes back only by the administrator's ioctl;
// after Gluster's self-heal daemon and DRBD's reconnect). Off by default, as in the patent.
//
// PROBE. Every period, each copy that is unavailable because it failed -- not one taken offline for maintenance, and
// not while a split brain waits -- is asked for its top directory's attributes. A copy that still fails keeps its state,
// and its reason says how often it was probed and what it answered (mfsadm status). A copy that answers is brought back
// exactly as `mfsadm online` brings it: its log replayed (or a full resync after an overflow), or, if it was changed
// behind the mirror's back, compared by history (MirrorSplitBrain.Online) -- each step in the mirror's events and the
// kernel's message buffer ("autoresync: ...").
// TIME is the kernel's TimeProvider: a simulator's virtual clock runs the probes as it advances -- on a thread of their
// own when its timekeeper fires them (VirtualClock.RunOffClock), since a probe waits for time. One round at a time: a
// period that ends while a round still runs (its probe waits for a copy's timeout, its resync copies) starts none, so
// rounds cannot pile up behind it, each a thread waiting for the gate (Fixed 122: hundreds did, in a simulated world).
//
// LOCK ORDER: _gate is outermost -- held for a whole round, so that Dispose (at unmount) waits for a round in progress
// and no round starts after it; a round takes the mirror's own locks (Quiesce, ...) inside it, as `mfsadm online` does.
// A round probes and copies over NFS, so _gate's holder may wait for time: it is taken by VirtualClock.EnterMonitor.
namespace UnixVfs.Mirror;

internal sealed class MirrorAutoResync : IDisposable
{
    private readonly object _gate = new();
    private readonly MfsVfs _mi;
    private readonly ITimer _timer;
    private readonly Dictionary<int, (string Reason, int Probes)> _failing = new();
    private bool _disposed;
    private int _running; // 1 from the period's end that starts a round until that round ends

    public MirrorAutoResync(MfsVfs mi, TimeSpan period)
    {
        _mi = mi;
        _timer = mi.Clock.CreateTimer(_ => Tick(), null, period, period);
    }

    /// <summary>A period ended: a round starts, unless the last one still runs.</summary>
    private void Tick()
    {
        if (Interlocked.CompareExchange(ref _running, 1, 0) == 0)
            VirtualClock.RunOffClock(Round, "mfs autoresync");
    }

    private void Round()
    {
        try
        {
            using (VirtualClock.EnterMonitor(_gate))
            {
                if (_disposed || _mi.SplitBrain is not null)
                    return;
                foreach (var c in _mi.Copies.Where(c => c.State == CopyState.Unavailable && !c.Reason.StartsWith(MirrorIoctl.Maintenance, StringComparison.Ordinal)))
                    Probe(c);
            }
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    private void Probe(MirrorMember c)
    {
        var err = Vop.Getattr(c.Root, new Vattr(AttrMask.AT_TYPE), AttrFlags.None, Cred.Kcred);
        if (err != Errno.OK)
        {
            var (reason, probes) = _failing.TryGetValue(c.Index, out var f) && c.Reason.StartsWith(f.Reason, StringComparison.Ordinal) ? f : (c.Reason, 0);
            _failing[c.Index] = (reason, probes + 1);
            c.Reason = $"{reason} (autoresync: probed {probes + 1} times, last {err})";
            return;
        }
        _failing.Remove(c.Index);
        _mi.Announce(c, "autoresync: the copy answers again; rejoining it");
        var req = new MfsCopyRequest { Copy = c.Name };
        err = MirrorIoctl.Online(_mi, c, req, full: false);
        _mi.Announce(c, err == Errno.OK ? "autoresync: rejoined" : $"autoresync: not rejoined: {req.Error}");
    }

    public void Dispose()
    {
        using (VirtualClock.EnterMonitor(_gate))
            _disposed = true;
        _timer.Dispose();
    }
}
