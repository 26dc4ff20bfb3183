// Vfs.Core / witness: a ranked mutex (kmutex_t), used where `lock (x)` would be, so that Witness checks it.
//
//     using (ump.AllocLock.Enter()) { ... }      instead of      lock (ump.AllocLock) { ... }
//
// It is a .NET monitor on the KMutex object itself, so it recurses as `lock` does, Monitor.Wait works on
// it, and a `lock (m)` on the same object excludes the same way (unchecked). In a Release build Enter and
// Exit are Monitor.TryEnter (Monitor.Enter when it is held) and Monitor.Exit and nothing else (the Witness calls
// are compiled out). A held mutex is waited for through VirtualClock.EnterContended, which in a simulated world
// waits for time rather than block a thread the clock counts as busy.
namespace UnixVfs.Core;

/// <summary>A mutex with a lock class (<c>kmutex_t</c> with a witness).</summary>
public sealed class KMutex(LockClass cls, object? owner = null)
{
    /// <summary>The class the checker ranks this lock by.</summary>
    public LockClass Class { get; } = cls;

    /// <summary>The object this lock protects (an inode, a node), for the class's key; null if none.</summary>
    public object? Owner { get; } = owner;

    /// <summary>mutex_enter: waits for the lock; dispose the scope to let go.</summary>
    public Scope Enter()
    {
        Witness.Check(this, Class, Owner);
        if (!Monitor.TryEnter(this))
            VirtualClock.EnterContended(this);
        Witness.Acquired(this, Class, Owner);
        return new Scope(this);
    }

    /// <summary>
    /// Takes the lock of an object no other thread can reach yet (an inode just allocated, not yet named in any
    /// directory), so that it cannot be part of a deadlock, whatever else is held: FreeBSD locks a vnode it has
    /// just made with LK_NOWITNESS for the same reason. It is recorded as held, so what is taken under it is
    /// checked, but it is not checked itself (as a try).
    /// </summary>
    public Scope EnterNew()
    {
        Monitor.Enter(this);
        Witness.Acquired(this, Class, Owner, tried: true);
        return new Scope(this);
    }

    /// <summary>mutex_exit.</summary>
    public void Exit()
    {
        Witness.Released(this);
        Monitor.Exit(this);
    }

    /// <summary>MUTEX_HELD: true when the calling thread holds the lock.</summary>
    public bool IsHeld => Monitor.IsEntered(this);

    public override string ToString() => Owner is null ? Class.Name : $"{Class.Name} of {Owner}";

    /// <summary>Holds the mutex until disposed.</summary>
    public readonly ref struct Scope(KMutex m)
    {
        public void Dispose() => m.Exit();
    }
}
