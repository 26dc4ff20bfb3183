// Vfs.Mirror: the quiesce lock (MfsVfs.Quiesce) -- shared by every updating operation, taken exclusively while a copy
// rejoins, a split brain is decided or a scrub repairs. Readers come on every write; a writer comes a few times an hour.
//
// So the reader pays almost nothing and the writer pays for both (an asymmetric lock, as RCU or the JIT's own
// suspension do it). Each thread that enters has its own Slot per lock, which only it writes: entering is storing 1 in
// it and then reading Writer; leaving is storing 0. No interlocked instruction, and no cache line shared with the other
// readers. The writer sets Writer, then makes every thread's earlier stores visible
// (Interlocked.MemoryBarrierProcessWide: each processor drains its store buffer) and waits until no slot is in use.
// That barrier is what makes the plain stores enough: a reader that read Writer unset read it before the barrier, so
// its slot's 1 (stored before that read) is visible to the writer's scan; a reader that reads it after the barrier sees
// it set, gives its slot back and waits for the writer to leave. A reader leaving while Writer is set wakes the writer.
//
// Slots: a thread remembers its slots for the last few locks it entered (ThreadSlots), and gives the oldest unused one
// back when it needs room (it holds one quiesce lock at most: the witness refuses a second, as it refuses a reader
// entering again); a lock reuses a slot given back or one whose thread ended, so its list is about as long as the
// threads that entered it at once, and a thread keeps only a few locks (and their mirrors) alive.
// A reader that enters by EnterShared keeps its slot in the Hold it is given and leaves through it, without looking the
// slot up again: a slot in use is never given back, so it is still the thread's when the reader leaves.
// The slot is also where a mirror write is counted (Hold.CountWrite: MfsVfs.WritesSent), being the one place of its
// own that each writing thread already holds: plain stores by the holder, summed over the slots when read (Sent); and
// where a write keeps its scratch between writes (Hold.Scratch), for the same reason.
// Slots are never dropped from the list, so a count outlives its thread, and a slot that changes hands keeps its count.
//
// Waiting (only off the fast path: a reader that finds Writer set, a writer): a thread counted as busy work on a Driven
// clock waits for time instead of in Monitor.Wait, trying again every VirtualClock.LockRetry, as RwLock's slow path
// does -- the holder may itself be waiting for time (a mirror write holds the lock shared across its copies' NFS calls;
// a rejoin holds it exclusively across its copy's), and a blocked busy thread would keep time from moving.
//
// LOCK ORDER: ranked as MirrorLock.QuiesceClass (the witness checks it, as for an RwLock); the monitor inside (lock
// (_slots)) is a leaf, held only within each method, never on return.
using System.Runtime.CompilerServices;

namespace UnixVfs.Mirror;

/// <summary>A reader/writer lock whose readers take no interlocked instruction (MfsVfs.Quiesce).</summary>
internal sealed class QuiesceLock(LockClass cls)
{
    /// <summary>One thread's use of one lock: written only by that thread (In), or under the lock's monitor (Owner).</summary>
    internal sealed class Slot
    {
        public int In;              // 1 while the owning thread is in as a reader
        public Thread? Owner;       // the thread whose slot it is; null: given back, free for another thread
        public long Writes, Bytes;  // the mirror writes its readers sent (Hold.CountWrite); written only while In, read by Sent
        public object? Scratch;     // what its readers keep between their writes (Hold.Scratch); used only while In
    }

    private const int ThreadSlots = 4;

    [ThreadStatic] private static (QuiesceLock? Lock, Slot? Slot)[]? t_slots;

    private readonly List<Slot> _slots = new();   // every slot of this lock; under lock (_slots)
    private int _writer;                          // 1 while a writer holds the lock or waits for its readers; under lock (_slots) for writers
    private bool _writerHeld;                     // a writer is in or on its way (serialises writers); under lock (_slots)

    /// <summary>True while a writer holds the lock or waits for its readers to leave.</summary>
    public bool Writing => Volatile.Read(ref _writer) != 0;

    /// <summary>rw_enter.</summary>
    public void Enter(RwLockType type)
    {
        Witness.Check(this, cls);
        if (type == RwLockType.Reader)
            EnterReader(MySlot());
        else
            EnterWriter();
        Witness.Acquired(this, cls);
    }

    /// <summary>rw_exit.</summary>
    public void Exit(RwLockType type)
    {
        if (type == RwLockType.Reader)
            ExitReader(MySlot());
        else
            ExitWriter();
        Witness.Released(this);
    }

    /// <summary>A reader's hold on the lock: the slot it entered by, so that leaving does not look the slot up again.</summary>
    internal readonly struct Hold
    {
        private readonly QuiesceLock _lock;
        private readonly Slot _slot;

        internal Hold(QuiesceLock l, Slot s)
        {
            _lock = l;
            _slot = s;
        }

        /// <summary>rw_exit of the reader that took this hold.</summary>
        public void Exit()
        {
            _lock.ExitReader(_slot);
            Witness.Released(_lock);
        }

        /// <summary>
        /// The slot's place for what its readers keep from one operation to the next (a mirror write's scratch): only the
        /// thread in by the slot uses it, so it needs no lock and no look-up of a thread static of its own.
        /// </summary>
        public ref object? Scratch => ref _slot.Scratch;

        /// <summary>
        /// Counts a mirror write of <paramref name="length"/> bytes in this reader's slot (MfsVfs.CountWrite). Plain stores:
        /// only the thread that holds the slot writes it, and a slot changes hands only under the lock's monitor.
        /// </summary>
        public void CountWrite(long length)
        {
            Volatile.Write(ref _slot.Writes, _slot.Writes + 1);
            Volatile.Write(ref _slot.Bytes, _slot.Bytes + length);
        }
    }

    /// <summary>The mirror writes counted in every slot of this lock, and their bytes (Hold.CountWrite). Slots are never dropped, so no count is lost.</summary>
    public (long Writes, long Bytes) Sent()
    {
        long writes = 0, bytes = 0;
        lock (_slots)
        {
            foreach (var s in _slots)
            {
                writes += Volatile.Read(ref s.Writes);
                bytes += Volatile.Read(ref s.Bytes);
            }
        }
        return (writes, bytes);
    }

    /// <summary>rw_enter as a reader, for a caller that leaves by the Hold (every updating operation: MfsVfs.EnterOp).</summary>
    public Hold EnterShared()
    {
        Witness.Check(this, cls);
        var s = MySlot();
        EnterReader(s);
        Witness.Acquired(this, cls);
        return new Hold(this, s);
    }

    // EnterReader and ExitReader are inlined into every update; what they do while a writer is about is a method of
    // its own (WaitForWriter, WakeWriter), so that its monitor does not widen each caller's frame.

    private void EnterReader(Slot s)
    {
        Volatile.Write(ref s.In, 1);
        if (Volatile.Read(ref _writer) != 0)
            WaitForWriter(s);
    }

    /// <summary>A writer is in or on its way: gives the slot back, waits until it leaves, and enters again.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void WaitForWriter(Slot s)
    {
        do
        {
            Volatile.Write(ref s.In, 0);
            var vc = VirtualClock.DrivenHere();
            lock (_slots)
            {
                Monitor.PulseAll(_slots); // the writer may be waiting for this slot
                while (_writerHeld)
                    VirtualClock.WaitState(_slots, vc);
            }
            Volatile.Write(ref s.In, 1);
        }
        while (Volatile.Read(ref _writer) != 0);
    }

    private void ExitReader(Slot s)
    {
        if (s.In == 0)
            NotHeld();
        Volatile.Write(ref s.In, 0);
        if (Volatile.Read(ref _writer) != 0)
            WakeWriter();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void NotHeld() => throw new VfsPanicException("quiesce: reader lock not held");

    /// <summary>A reader left while a writer waits for the readers: wakes it.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void WakeWriter()
    {
        lock (_slots)
            Monitor.PulseAll(_slots);
    }

    private void EnterWriter()
    {
        var vc = VirtualClock.DrivenHere();
        lock (_slots)
        {
            while (_writerHeld)
                VirtualClock.WaitState(_slots, vc);
            _writerHeld = true;
            Volatile.Write(ref _writer, 1);
        }
        Interlocked.MemoryBarrierProcessWide(); // every reader's slot stored before it read _writer unset is visible now
        lock (_slots)
        {
            while (AnyReader())
                VirtualClock.WaitState(_slots, vc);
        }
    }

    private void ExitWriter()
    {
        lock (_slots)
        {
            if (!_writerHeld)
                throw new VfsPanicException("quiesce: writer lock not held");
            _writerHeld = false;
            Volatile.Write(ref _writer, 0);
            Monitor.PulseAll(_slots);
        }
    }

    /// <summary>True while some thread is in as a reader. Called under lock (_slots).</summary>
    private bool AnyReader()
    {
        foreach (var s in _slots)
            if (Volatile.Read(ref s.In) != 0)
                return true;
        return false;
    }

    /// <summary>This thread's slot of this lock, found among the thread's last few, or taken (given back, or new).</summary>
    private Slot MySlot()
    {
        var mine = t_slots ??= new (QuiesceLock?, Slot?)[ThreadSlots];
        for (int i = 0; i < mine.Length; i++)
            if (ReferenceEquals(mine[i].Lock, this))
                return mine[i].Slot!;
        return TakeSlot(mine);
    }

    private Slot TakeSlot((QuiesceLock? Lock, Slot? Slot)[] mine)
    {
        // Room: an empty entry, or the last one not in use (entries move down, so the first is the newest).
        int room = Array.FindIndex(mine, e => e.Lock is null);
        if (room < 0)
            room = Array.FindLastIndex(mine, e => e.Slot!.In == 0);
        if (room < 0)
            throw new VfsPanicException($"quiesce: a thread in {ThreadSlots} quiesce locks at once");
        if (mine[room].Lock is { } old)
        {
            lock (old._slots)
                mine[room].Slot!.Owner = null;
        }
        Array.Copy(mine, 0, mine, 1, room);
        Slot? s;
        lock (_slots)
        {
            s = _slots.Find(x => x.Owner is null || (!x.Owner.IsAlive && x.In == 0)); // given back, or its thread ended
            if (s is null)
                _slots.Add(s = new Slot());
            s.Owner = Thread.CurrentThread;
        }
        mine[0] = (this, s);
        return s;
    }

    public override string ToString() => cls.Name;
}
