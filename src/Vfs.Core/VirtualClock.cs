// Vfs.Core: virtual time -- a TimeProvider whose time moves only when it is told to, or when nothing can move without it.
//
// A simulated run hands one VirtualClock to every Kernel and network of its world, so file times, RPC timeouts,
// network latencies and backoff waits all run on it and replay from the run's seed, however busy the machine is.
// Time moves in two ways:
//
//   Advance(span)   the simulator moves it (a world advances it a little at every system call).
//   auto-advance    with AutoAdvance on, a timekeeper thread moves it to the next timer's due time, but only at a
//                   quiescent moment: no work is outstanding (Busy: records due and not yet handled, requests in
//                   service -- the simulated network counts them) and at least Participants threads wait on this
//                   clock with nothing to do (WaitIdle: an RPC call waiting for its reply or its timeout, a backoff).
//                   So a 30 ms RPC timeout fires only when the reply cannot come any more (it was lost), never
//                   because a thread was slow: virtual time passes only while everything waits for it.
//
// A thread that serves a request (an RPC server's call: busy work until it is answered) and then waits idle on the
// clock -- for the reply of a call of its own to another host, or a backoff -- lends its request's busy unit for the
// wait (Serving, IBusyWork): the request cannot progress until time passes either, so the clock may move. On a
// Driven clock such a thread waits for a KMutex, an RwLock, the mirror's QuiesceLock or a monitor taken by
// EnterMonitor that another holds the same way, trying it again every LockRetry (EnterContended, DrivenHere, WaitState,
// WaitMonitor), since the holder may itself be waiting for time.
//
// Timers due at the same time fire in the order they were made, one after another on the thread that moves time,
// outside the clock's lock.
//
// ONE THREAD AT A TIME (Driven, a simulated world). Quiescence alone orders a run's events only when every thread
// of the world that can run is counted: the world's driving thread counts as busy work while it runs (Drive: it
// lends its unit whenever it waits idle, as a serving thread does), the simulated network hands a record to its
// receiver only when the record's delivery timer fires (SimHost.cs), and the timekeeper fires one timer per
// quiescent moment, then waits for quiescence again. So a timer's firing wakes one thread (or none), which runs
// until it waits idle or ends its work, and only then does the next timer fire: the world's threads take turns in
// the order of their timers -- due time, then creation -- which the seed and virtual time decide, not the machine.
// Sleep on a Driven clock is a wait for the timekeeper, except when the sleeper is the only work counted and no
// timer is due on the way: then time simply moves (the common case of a world's 1 ms between calls).
//
// INVARIANT: _busy counts work that will make progress without time passing; every increment is matched by one
// decrement, or auto-advance stops for good (a leak shows as a hang, never as a wrong history).
namespace UnixVfs.Core;

/// <summary>A clock that moves only when advanced, or (AutoAdvance) when every participant waits for time.</summary>
public sealed class VirtualClock : TimeProvider
{
    private readonly object _lock = new();
    private readonly SortedSet<VirtualTimer> _timers = new(VirtualTimer.Order);
    private readonly List<IdleWaiter> _idle = new();
    private readonly DateTimeOffset _epoch;
    private long _now;
    private long _nextTimerId;
    private int _busy;
    private bool _autoAdvance;
    private Thread? _timekeeper;

    /// <param name="epoch">The wall-clock time at timestamp 0 (2001-09-09 by default: a fixed, ordinary date).</param>
    public VirtualClock(DateTimeOffset? epoch = null) => _epoch = epoch ?? DateTimeOffset.FromUnixTimeSeconds(1_000_000_000);

    /// <summary>Timestamps count 100 ns ticks.</summary>
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp()
    {
        lock (_lock)
            return _now;
    }

    public override DateTimeOffset GetUtcNow() => _epoch.AddTicks(GetTimestamp());

    /// <summary>The time passed since the clock was made.</summary>
    public TimeSpan Elapsed => TimeSpan.FromTicks(GetTimestamp());

    /// <summary>How many threads must wait idle on this clock (WaitIdle) before auto-advance moves time. Default 1.</summary>
    public int Participants { get; set; } = 1;

    /// <summary>How many threads wait for time now (WaitIdle): a simulator's watchdog checks that they do not pile up.</summary>
    public int Waiting
    {
        get { lock (_lock) return _idle.Count; }
    }

    /// <summary>
    /// The world's threads run one at a time (file comment): the timekeeper fires one timer per quiescent moment, and
    /// the simulated network delivers by timer. Set before anything uses the clock.
    /// </summary>
    public bool Driven { get; init; }

    /// <summary>Moves time to the next timer whenever the clock is quiescent (see the file comment).</summary>
    public bool AutoAdvance
    {
        get { lock (_lock) return _autoAdvance; }
        set
        {
            lock (_lock)
            {
                _autoAdvance = value;
                if (value && _timekeeper is null)
                {
                    _timekeeper = new Thread(Timekeeper) { IsBackground = true, Name = "virtual clock timekeeper" };
                    _timekeeper.Start();
                }
                Monitor.PulseAll(_lock);
            }
        }
    }

    /// <summary>Moves time forward by <paramref name="span"/>, firing every timer due on the way, in due order.</summary>
    public void Advance(TimeSpan span)
    {
        long target;
        lock (_lock)
            target = _now + Math.Max(0, span.Ticks);
        AdvanceTo(target);
    }

    private void AdvanceTo(long target)
    {
        while (true)
        {
            VirtualTimer? t;
            lock (_lock)
            {
                t = _timers.Count > 0 && _timers.Min!.Due <= target ? _timers.Min : null;
                if (t is null)
                {
                    _now = Math.Max(_now, target);
                    Monitor.PulseAll(_lock);
                    return;
                }
                _timers.Remove(t);
                _now = Math.Max(_now, t.Due);
                t.Rearm();
            }
            t.Fire();
        }
    }

    /// <summary>Fires the first timer, moving time to it (a Driven clock's timekeeper: one timer per quiescent moment).</summary>
    private void FireNext()
    {
        VirtualTimer t;
        lock (_lock)
        {
            if (_timers.Count == 0)
                return;
            t = _timers.Min!;
            _timers.Remove(t);
            _now = Math.Max(_now, t.Due);
            t.Rearm();
            Monitor.PulseAll(_lock);
        }
        t_firing = this;
        try
        {
            t.Fire();
        }
        finally
        {
            t_firing = null;
        }
    }

    // The Driven clock whose timekeeper is firing a timer on this thread (FireNext), or null.
    [ThreadStatic] private static VirtualClock? t_firing;

    /// <summary>
    /// Runs <paramref name="work"/> now -- or, called from a timer that a Driven clock's timekeeper fires, on a thread of
    /// its own, named <paramref name="name"/>: a callback that waits for time itself (an RPC, a backoff) would stop time
    /// on the one thread that moves it (Fixed 115: the mirror's autoresync probing a partitioned copy). That thread
    /// counts as busy work from here until the work ends and lends its unit while it waits idle, as a driving thread
    /// does, so the world's threads still take turns: it runs alone until it waits.
    /// </summary>
    public static void RunOffClock(Action work, string name)
    {
        if (t_firing is not { } vc)
        {
            work();
            return;
        }
        var unit = new ThreadWork(vc);
        vc.Busy(+1);
        new Thread(() =>
        {
            using (Serving(unit))
            {
                try
                {
                    work();
                }
                finally
                {
                    unit.End();
                }
            }
        }) { IsBackground = true, Name = name }.Start();
    }

    /// <summary>Work that proceeds without time passing began (+1) or ended (-1); auto-advance waits while any is outstanding.</summary>
    public void Busy(int delta)
    {
        lock (_lock)
        {
            _busy += delta;
            if (_busy < 0)
                throw new VfsPanicException("VirtualClock: busy count went negative");
            if (_busy == 0)
                Monitor.PulseAll(_lock);
        }
    }

    /// <summary>Busy work a thread does for someone else (a request in service), which it lends while it waits idle.</summary>
    public interface IBusyWork
    {
        /// <summary>The clock whose busy count the work is counted in.</summary>
        VirtualClock Clock { get; }

        /// <summary>Stops counting one unit of this work as busy (if one is counted); returns whether it did.</summary>
        bool Lend();

        /// <summary>Counts the unit Lend stopped counting again (unless the work ended meanwhile).</summary>
        void Reclaim();
    }

    [ThreadStatic] private static IBusyWork? t_serving;

    /// <summary>
    /// Marks the calling thread as serving <paramref name="work"/> until the scope is disposed: its idle waits on any
    /// VirtualClock lend the work's busy unit (file comment). A null work marks nothing.
    /// </summary>
    public static ServingScope Serving(IBusyWork? work)
    {
        var prev = t_serving;
        t_serving = work;
        return new ServingScope(prev);
    }

    /// <summary>Ends a Serving mark, restoring the one before it.</summary>
    public readonly struct ServingScope(IBusyWork? prev) : IDisposable
    {
        public void Dispose() => t_serving = prev;
    }

    /// <summary>
    /// Waits on <paramref name="gate"/> (held by the caller) until it is pulsed or <paramref name="timeout"/> passes on
    /// this clock, counting as an idle participant while <paramref name="ready"/> is false. A serving thread lends its
    /// work's busy unit for the wait, after it counts as idle and back before it stops, so the clock never sees a
    /// moment with neither.
    /// </summary>
    public void WaitIdle(object gate, TimeSpan timeout, Func<bool> ready)
    {
        var w = new IdleWaiter(ready);
        using var timer = timeout == Timeout.InfiniteTimeSpan
            ? null
            : CreateTimer(static s =>
            {
                var (waiter, g) = ((IdleWaiter, object))s!;
                waiter.Fired = true;
                lock (g) Monitor.PulseAll(g);
            }, (w, gate), timeout, Timeout.InfiniteTimeSpan);
        lock (_lock)
        {
            _idle.Add(w);
            Monitor.PulseAll(_lock);
        }
        var lent = t_serving is { } work && work.Lend() ? work : null;
        try
        {
            Monitor.Wait(gate);
        }
        finally
        {
            lent?.Reclaim();
            lock (_lock)
                _idle.Remove(w);
        }
    }

    /// <summary>
    /// Counts the calling thread as busy work until the scope is disposed: the thread that drives a Driven world (its
    /// system calls), so that nothing else runs while it does. It lends its unit while it waits idle (Serving).
    /// </summary>
    public DrivingScope Drive()
    {
        var work = new ThreadWork(this);
        Busy(+1);
        return new DrivingScope(work, Serving(work));
    }

    /// <summary>Ends a Drive: the thread's unit of busy work is given up.</summary>
    public readonly struct DrivingScope : IDisposable
    {
        private readonly ThreadWork _work;
        private readonly ServingScope _serving;

        internal DrivingScope(ThreadWork work, ServingScope serving)
        {
            _work = work;
            _serving = serving;
        }

        public void Dispose()
        {
            _serving.Dispose();
            _work.End();
        }
    }

    /// <summary>A driving thread's one unit of busy work: counted while the thread runs, lent while it waits idle.</summary>
    internal sealed class ThreadWork(VirtualClock clock) : IBusyWork
    {
        public VirtualClock Clock { get; } = clock;
        public bool Counted = true; // guarded by Clock._lock

        public bool Lend()
        {
            lock (Clock._lock)
            {
                if (!Counted)
                    return false;
                Counted = false;
                Clock.Busy(-1);
                return true;
            }
        }

        public void Reclaim()
        {
            lock (Clock._lock)
            {
                Counted = true;
                Clock.Busy(+1);
            }
        }

        /// <summary>The thread stops driving: its unit, if counted, is given up for good.</summary>
        public void End() => Lend();
    }

    /// <summary>How often a thread waiting for a lock in a Driven world tries it again (EnterContended).</summary>
    public static readonly TimeSpan LockRetry = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// Takes <paramref name="monitor"/>, which another thread holds (KMutex.Enter's slow path). A thread counted as busy
    /// work on a Driven clock that blocked here would keep time from moving while the holder may be waiting for it (an
    /// NFS rnode's WriteLock is held across the WRITE its holder waits for: two requests of one client served at once,
    /// docs/verification.md, Fixed 44), and the world would stop. So it waits for time instead, as an idle participant,
    /// and tries again every LockRetry: its tries are timers, taken in turn at quiescent moments like every other
    /// thread's, so the run stays the same on every replay. Any other thread blocks in Monitor.Enter.
    /// </summary>
    public static void EnterContended(object monitor)
    {
        if (DrivenHere() is not { } vc)
        {
            Monitor.Enter(monitor);
            return;
        }
        while (!Monitor.TryEnter(monitor))
            vc.Sleep(LockRetry);
    }

    /// <summary>
    /// The Driven clock the calling thread counts as busy work on, or null: a thread that finds a lock held waits for
    /// time on it rather than blocking (EnterContended; RwLock.Enter's slow path).
    /// </summary>
    public static VirtualClock? DrivenHere() => t_serving?.Clock is { Driven: true } vc ? vc : null;

    /// <summary>
    /// lock (<paramref name="monitor"/>) for a monitor whose holder may wait for time while it holds it (an RPC, a
    /// copy's or a witness's VOPs that go over NFS): a held monitor is waited for through EnterContended. Dispose the
    /// scope to let go.
    /// </summary>
    public static MonitorScope EnterMonitor(object monitor)
    {
        if (!Monitor.TryEnter(monitor))
            EnterContended(monitor);
        return new MonitorScope(monitor);
    }

    /// <summary>
    /// Monitor.Wait on a monitor taken by EnterMonitor, for a change another thread makes while it may be waiting for
    /// time: a thread counted as busy work on a Driven clock lets the monitor go for LockRetry of virtual time instead
    /// and takes it again through EnterContended; the caller looks at its condition again either way.
    /// </summary>
    public static void WaitMonitor(object monitor)
    {
        if (DrivenHere() is not { } vc)
        {
            Monitor.Wait(monitor);
            return;
        }
        Monitor.Exit(monitor);
        try
        {
            vc.Sleep(LockRetry);
        }
        finally
        {
            EnterContended(monitor);
        }
    }

    /// <summary>
    /// Monitor.Wait on a lock's own monitor, held only while the lock's state is looked at (never across a wait for
    /// time), by a thread whose DrivenHere() was <paramref name="vc"/>: with a Driven clock it lets the monitor go for
    /// LockRetry of virtual time instead and takes it again at once (RwLock's slow path, the mirror's QuiesceLock).
    /// </summary>
    public static void WaitState(object monitor, VirtualClock? vc)
    {
        if (vc is null)
        {
            Monitor.Wait(monitor);
            return;
        }
        Monitor.Exit(monitor);
        try
        {
            vc.Sleep(LockRetry);
        }
        finally
        {
            Monitor.Enter(monitor);
        }
    }

    /// <summary>Holds a monitor taken by EnterMonitor until disposed.</summary>
    public readonly ref struct MonitorScope(object monitor)
    {
        public void Dispose() => Monitor.Exit(monitor);
    }

    /// <summary>Sleeps <paramref name="span"/> of this clock's time as an idle participant.</summary>
    public void Sleep(TimeSpan span)
    {
        if (Driven && TryPass(span))
            return;
        var gate = new object();
        lock (gate)
        {
            long until = GetTimestamp() + span.Ticks;
            while (GetTimestamp() < until)
                WaitIdle(gate, TimeSpan.FromTicks(until - GetTimestamp()), static () => false);
        }
    }

    /// <summary>
    /// Sleep's fast path on a Driven clock: when the caller's own unit is the only busy work, no waiter is about to wake
    /// and no timer is due by the end of the sleep, nothing can happen meanwhile, so time just moves. False otherwise.
    /// </summary>
    private bool TryPass(TimeSpan span)
    {
        if (t_serving is not ThreadWork own || !ReferenceEquals(own.Clock, this))
            return false;
        lock (_lock)
        {
            long target = _now + Math.Max(0, span.Ticks);
            if (!own.Counted || _busy != 1 || (_timers.Count > 0 && _timers.Min!.Due <= target))
                return false;
            foreach (var w in _idle)
                if (w.Fired || w.Ready())
                    return false;
            // No pulse: only the timekeeper waits on _lock, for quiescence, and the caller's unit stays counted.
            _now = target;
            return true;
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var t = new VirtualTimer(this, callback, state);
        t.Change(dueTime, period);
        return t;
    }

    private void Timekeeper()
    {
        while (true)
        {
            long target;
            lock (_lock)
            {
                while (!Quiescent())
                {
                    if (!_autoAdvance)
                    {
                        _timekeeper = null;
                        return;
                    }
                    Monitor.Wait(_lock);
                }
                target = _timers.Min!.Due;
            }
            if (Driven)
                FireNext();
            else
                AdvanceTo(target);
        }
    }

    /// <summary>Auto-advance is on, no work is outstanding, enough participants wait with nothing to do, and a timer is set. Caller holds the lock.</summary>
    private bool Quiescent()
    {
        if (!_autoAdvance || _busy > 0 || _timers.Count == 0)
            return false;
        int idle = 0;
        foreach (var w in _idle)
        {
            if (w.Fired || w.Ready())
                return false;
            idle++;
        }
        return idle >= Participants;
    }

    private sealed class IdleWaiter(Func<bool> ready)
    {
        public readonly Func<bool> Ready = ready;
        public volatile bool Fired;
    }

    private sealed class VirtualTimer(VirtualClock clock, TimerCallback callback, object? state) : ITimer
    {
        public static readonly IComparer<VirtualTimer> Order = Comparer<VirtualTimer>.Create((a, b) =>
            a.Due != b.Due ? a.Due.CompareTo(b.Due) : a.Id.CompareTo(b.Id));

        public long Due;
        public long Id;
        private long _period;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (clock._lock)
            {
                clock._timers.Remove(this);
                _period = period == Timeout.InfiniteTimeSpan || period <= TimeSpan.Zero ? 0 : period.Ticks;
                if (dueTime == Timeout.InfiniteTimeSpan)
                    return true;
                Due = clock._now + Math.Max(0, dueTime.Ticks);
                Id = clock._nextTimerId++;
                clock._timers.Add(this);
                Monitor.PulseAll(clock._lock);
                return true;
            }
        }

        /// <summary>Puts a periodic timer back for its next period. Caller holds the clock's lock and has removed it.</summary>
        public void Rearm()
        {
            if (_period == 0)
                return;
            Due += _period;
            Id = clock._nextTimerId++;
            clock._timers.Add(this);
        }

        public void Fire() => callback(state);

        public void Dispose()
        {
            lock (clock._lock)
            {
                clock._timers.Remove(this);
                _period = 0;
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
