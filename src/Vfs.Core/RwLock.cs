// Vfs.Core: a kernel-style reader/writer lock (krwlock_t), the lock behind VOP_RWLOCK.
//
// Unlike ReaderWriterLockSlim it has no thread affinity (a lock taken by one thread may be
// released by another, as a kernel lock handed across a context switch would be) and it is
// small, because every vnode may own one. Waiting writers block new readers, so a stream of
// readers cannot starve a writer. TryEnter never waits: the mirror's write path uses it to take
// the second copy's lock and back off when it is held (patent section B.6).
//
// A lock made with a LockClass is ranked: Enter checks the order with the Witness before it waits, and
// Enter, TryEnter and Exit keep the thread's list of held locks (Debug builds; see Witness/Witness.cs).
// LOCK ORDER: the monitor inside (lock (this)) is a leaf, held only within each method, never on return;
// the rwlock itself takes the rank of its class (a vnode's: Vnode.RwlockClass or UpperRwlockClass).
namespace UnixVfs.Core;

/// <summary>A reader/writer lock without thread affinity (<c>krwlock_t</c>).</summary>
public sealed class RwLock
{
    private int _readers;
    private bool _writer;
    private int _writersWaiting;
    private int _waiters;
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
        EnterUnchecked(type);
        if (_class is not null)
            Witness.Acquired(this, _class, _owner);
    }

    private void EnterUnchecked(RwLockType type)
    {
        lock (this)
        {
            if (type == RwLockType.Writer)
                _writersWaiting++;
            while (!CanEnter(type))
            {
                _waiters++;
                Monitor.Wait(this);
                _waiters--;
            }
            if (type == RwLockType.Writer)
                _writersWaiting--;
            Take(type);
        }
    }

    /// <summary>rw_tryenter: takes the lock only if that needs no wait.</summary>
    public bool TryEnter(RwLockType type)
    {
        lock (this)
        {
            if (!CanEnter(type))
                return false;
            Take(type);
        }
        if (_class is not null)
            Witness.Acquired(this, _class, _owner, tried: true);
        return true;
    }

    /// <summary>rw_exit.</summary>
    public void Exit(RwLockType type)
    {
        lock (this)
        {
            if (type == RwLockType.Writer)
            {
                if (!_writer)
                    throw new VfsPanicException("rw_exit: writer lock not held");
                _writer = false;
            }
            else
            {
                if (_readers <= 0)
                    throw new VfsPanicException("rw_exit: reader lock not held");
                _readers--;
            }
            if (_waiters > 0)
                Monitor.PulseAll(this);
        }
        if (_class is not null)
            Witness.Released(this);
    }

    /// <summary>True while some thread holds the lock as a writer (RW_WRITE_HELD).</summary>
    public bool WriteHeld { get { lock (this) return _writer; } }

    /// <summary>The number of readers holding the lock (RW_READ_HELD when non-zero).</summary>
    public int Readers { get { lock (this) return _readers; } }

    public override string ToString() => _owner is null ? _class?.Name ?? "rwlock" : $"{_class?.Name} of {_owner}";

    private bool CanEnter(RwLockType type) =>
        type == RwLockType.Writer ? !_writer && _readers == 0 : !_writer && _writersWaiting == 0;

    private void Take(RwLockType type)
    {
        if (type == RwLockType.Writer)
            _writer = true;
        else
            _readers++;
    }
}
