// Vfs.Core/Observability: fault injection at the vnode interface -- an interposer (VopInterposer.cs) that makes chosen
// operations of a vfs fail, so that the layers above it (the mirror's failover, the NFS server's error
// replies) can be tested against a disk going bad or a server going away without touching the file system.
//
// Layer: observability's test half. An interposer (VopInterposer.cs) between the dispatchers (Vop.cs) and a
// file system's table; attached through Vfs.Faults. The one file here that changes what a call returns, on purpose.
//
//     var faults = new VopFaults();
//     vfsp.Faults = faults;                      // attach to a vfs
//     faults.Fail("write", Errno.EIO, times: 3); // the next three writes fail
//     faults.FailAll(Errno.ETIMEDOUT);           // everything fails: the copy is "down"
//     faults.Clear();                            // healthy again
namespace UnixVfs.Core;

/// <summary>Makes chosen vnode operations fail.</summary>
public sealed class VopFaults : VopInterposer
{
    private sealed class Rule
    {
        public required string? Op;
        public required Errno Err;
        public int Remaining;
        public Func<Vnode, bool>? Match;
    }

    private readonly List<Rule> _rules = new();
    private long _injected;

    /// <summary>How many calls were failed so far.</summary>
    public long Injected => Interlocked.Read(ref _injected);

    /// <summary>
    /// The next <paramref name="times"/> calls of <paramref name="op"/> (a VopName; null for any op except
    /// inactive, rwlock and rwunlock) on vnodes matching <paramref name="match"/> fail with <paramref name="err"/>.
    /// </summary>
    public void Fail(string? op, Errno err, int times = int.MaxValue, Func<Vnode, bool>? match = null)
    {
        lock (_rules)
            _rules.Add(new Rule { Op = op, Err = err, Remaining = times, Match = match });
    }

    /// <summary>Every op (but inactive and the rwlocks) fails with <paramref name="err"/> until Clear.</summary>
    public void FailAll(Errno err) => Fail(null, err);

    /// <summary>Removes every rule.</summary>
    public void Clear()
    {
        lock (_rules)
            _rules.Clear();
    }

    protected override object? Enter(string layer, string op, Vnode vp, object? arg, out Errno refuse)
    {
        refuse = Errno.OK;
        if (op is VopName.Inactive or VopName.Rwlock or VopName.Rwunlock)
            return null;
        lock (_rules)
        {
            foreach (var r in _rules)
            {
                if (r.Remaining <= 0 || (r.Op is not null && r.Op != op) || (r.Match is not null && !r.Match(vp)))
                    continue;
                r.Remaining--;
                refuse = r.Err;
                Interlocked.Increment(ref _injected);
                return null;
            }
        }
        return null;
    }

    protected override void Exit(object? state, Errno result) { }
}
