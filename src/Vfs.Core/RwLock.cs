// Vfs.Core: a kernel-style reader/writer lock (krwlock_t), the lock behind VOP_RWLOCK.
//
// Unlike ReaderWriterLockSlim it has no thread affinity (a lock taken by one thread may be
// released by another, as a kernel lock handed across a context switch would be) and it is
// small, because every vnode may own one. Waiting writers block new readers, so a stream of
// readers cannot starve a writer. TryEnter never waits: the mirror's write path uses it to take
// the second copy's lock and back off when it is held (patent section B.6).
//
// One word says who holds it, as illumos's rw_wwwh does: bit 0 is the writer, bit 1 says that
// threads wait (or a writer waits to enter), and the rest count the readers. Taking and releasing a
// lock no one waits for is one compare-and-swap on that word; everything else -- waiting, waking,
// the counts of waiters -- happens under the monitor (lock (this)). The waiters bit is what keeps the
// two apart: it is set under the monitor before a waiter looks at the word for the last time, and
// while it is set no release takes the fast path, so every release that could let a waiter in goes
// through the monitor and wakes it.
//
// A lock made with a LockClass is ranked: Enter checks the order with the Witness before it waits, and
// Enter, TryEnter and Exit keep the thread's list of held locks (Debug builds; see Witness/Witness.cs).
// LOCK ORDER: the monitor inside (lock (this)) is a leaf, held only within each method, never on return;
// the rwlock itself takes the rank of its class (a vnode's: Vnode.RwlockClass or UpperRwlockClass).
namespace UnixVfs.Core;

/// <summary>A reader/writer lock without thread affinity (<c>krwlock_t</c>).</summary>
public sealed class RwLock
{
    private const int WriteLocked = 1, HasWaiters = 2, OneReader = 4;

    private int _state;            // WriteLocked | HasWaiters | readers * OneReader; changed only by compare-and-swap
    private int _waiters;          // under the monitor: threads in Monitor.Wait (HasWaiters is set while non-zero)
    private int _writersWaiting;   // under the monitor: writers waiting to enter (new readers wait behind them)
    private readonly LockClass? _class;
    private readonly object? _owner;

    /// <summary>A lock, ranked by <paramref name="cls"/> when given (<paramref name="owner"/>: what it protects, for reports and keys).</summary>
    public RwLock(LockClass? cls = null, object? owner = null)
    {
        _class = cls;
        _owner = owner;
    }

    /// <summary>rw_enter: waits until the lock can be taken as <paramref name="type"/>.</summary>
    public void Enter(RwLockType type)
    {
        if (_class is not null)
            Witness.Check(this, _class, _owner);
        if (!TryFast(type))
            EnterSlow(type);
        if (_class is not null)
            Witness.Acquired(this, _class, _owner);
    }

    /// <summary>Takes a lock that no one holds against <paramref name="type"/> and no one waits for: one compare-and-swap.</summary>
    private bool TryFast(RwLockType type)
    {
        int s = Volatile.Read(ref _state);
        if (type == RwLockType.Writer)
            return s == 0 && Interlocked.CompareExchange(ref _state, WriteLocked, 0) == 0;
        return (s & (WriteLocked | HasWaiters)) == 0 && Interlocked.CompareExchange(ref _state, s + OneReader, s) == s;
    }

    /// <summary>
    /// Waits for the lock, counted as a waiter (a waiting writer holds new readers back). A thread counted as busy work
    /// on a Driven clock waits for time instead, trying again every VirtualClock.LockRetry, as KMutex does
    /// (VirtualClock.EnterContended): the holder may be waiting for time itself (an NFS server's SETATTR holding a
    /// vnode's rwlock across an RPC that a lossy link makes retransmit; docs/verification.md, Fixed 46), and a blocked
    /// busy thread would keep time from moving.
    /// </summary>
    private void EnterSlow(RwLockType type)
    {
        var vc = VirtualClock.DrivenHere();
        lock (this)
        {
            if (type == RwLockType.Writer)
                _writersWaiting++;
            _waiters++;
            Interlocked.Or(ref _state, HasWaiters);
            while (!TryTake(type))
                VirtualClock.WaitState(this, vc);
            _waiters--;
            if (type == RwLockType.Writer)
                _writersWaiting--;
            if (_waiters == 0)
                Interlocked.And(ref _state, ~HasWaiters);
        }
    }

    /// <summary>Takes the lock if it can be taken as <paramref name="type"/> now. Called under the monitor.</summary>
    private bool TryTake(RwLockType type)
    {
        while (true)
        {
            int s = Volatile.Read(ref _state);
            bool can = type == RwLockType.Writer
                ? (s & WriteLocked) == 0 && s >> 2 == 0
                : (s & WriteLocked) == 0 && _writersWaiting == 0;
            if (!can)
                return false;
            int next = type == RwLockType.Writer ? s | WriteLocked : s + OneReader;
            if (Interlocked.CompareExchange(ref _state, next, s) == s)
                return true;
        }
    }

    /// <summary>rw_tryenter: takes the lock only if that needs no wait.</summary>
    public bool TryEnter(RwLockType type)
    {
        if (!TryFast(type))
        {
            lock (this)
                if (!TryTake(type))
                    return false;
        }
        if (_class is not null)
            Witness.Acquired(this, _class, _owner, tried: true);
        return true;
    }

    /// <summary>rw_exit.</summary>
    public void Exit(RwLockType type)
    {
        int s = Volatile.Read(ref _state);
        bool fast = type == RwLockType.Writer
            ? s == WriteLocked && Interlocked.CompareExchange(ref _state, 0, WriteLocked) == WriteLocked
            : (s & (WriteLocked | HasWaiters)) == 0 && s >= OneReader && Interlocked.CompareExchange(ref _state, s - OneReader, s) == s;
        if (!fast)
            ExitSlow(type);
        if (_class is not null)
            Witness.Released(this);
    }

    private void ExitSlow(RwLockType type)
    {
        lock (this)
        {
            while (true)
            {
                int s = Volatile.Read(ref _state);
                if (type == RwLockType.Writer && (s & WriteLocked) == 0)
                    throw new VfsPanicException("rw_exit: writer lock not held");
                if (type == RwLockType.Reader && ((s & WriteLocked) != 0 || s >> 2 == 0))
                    throw new VfsPanicException("rw_exit: reader lock not held");
                int next = type == RwLockType.Writer ? s & ~WriteLocked : s - OneReader;
                if (Interlocked.CompareExchange(ref _state, next, s) == s)
                    break;
            }
            if (_waiters > 0)
                Monitor.PulseAll(this);
        }
    }

    /// <summary>True while some thread holds the lock as a writer (RW_WRITE_HELD).</summary>
    public bool WriteHeld => (Volatile.Read(ref _state) & WriteLocked) != 0;

    /// <summary>The number of readers holding the lock (RW_READ_HELD when non-zero).</summary>
    public int Readers => Volatile.Read(ref _state) >> 2;

    public override string ToString() => _owner is null ? _class?.Name ?? "rwlock" : $"{_class?.Name} of {_owner}";
}
