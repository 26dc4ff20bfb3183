// Tests of Vfs.Core: a KMutex (VirtualClock.EnterContended; docs/verification.md, Fixed 44), an RwLock (Fixed 46) and a
// plain monitor taken by VirtualClock.EnterMonitor or waited on by VirtualClock.WaitMonitor, waited for in a simulated
// (Driven) world whose holder waits for virtual time (docs/verification.md, where determinism is discussed).

namespace UnixVfs.Core.Tests.KernelTests;

public class VirtualClockLockTests
{
    private static readonly LockClass Held = new("test held across a wait for time", LockRank.Rnode);

    [Fact]
    public void A_thread_waiting_for_a_mutex_whose_holder_waits_for_time_lets_time_move()
    {
        // Two threads counted as the world's busy work, as two NFS service threads serving two calls at once; the
        // holder keeps the mutex as an rnode's WriteLock is held across a WRITE's timeout.
        var m = new KMutex(Held);
        AssertTimeMovesWhileWaiting(hold: () => m.Enter(), letGo: m.Exit, take: () => m.Enter(), leave: m.Exit);
    }

    [Theory]
    [InlineData(RwLockType.Reader)]
    [InlineData(RwLockType.Writer)]
    public void A_thread_waiting_for_an_rwlock_whose_writer_waits_for_time_lets_time_move(RwLockType want)
    {
        // As an NFS server's SETATTR holds a vnode's rwlock across an RPC retransmitted over a lossy link, while a READ
        // of the same file, served beside it, waits for the lock.
        var rw = new RwLock();
        AssertTimeMovesWhileWaiting(
            hold: () => rw.Enter(RwLockType.Writer), letGo: () => rw.Exit(RwLockType.Writer),
            take: () => rw.Enter(want), leave: () => rw.Exit(want));
    }

    [Fact]
    public void A_thread_entering_a_monitor_whose_holder_waits_for_time_lets_time_move()
    {
        // As the mirror's intent log is held across a copy's NFS WRITE and fsync while another update wants it.
        var monitor = new object();
        AssertTimeMovesWhileWaiting(
            hold: () => Monitor.Enter(monitor), letGo: () => Monitor.Exit(monitor),
            take: () => { using (VirtualClock.EnterMonitor(monitor)) { } }, leave: () => { });
    }

    [Fact]
    public void A_thread_waiting_on_a_monitor_for_a_change_made_after_a_wait_for_time_lets_time_move()
    {
        // As an update waits (MirrorWitness.Settle) for a claim that writes the witness's record over NFS.
        var monitor = new object();
        bool decided = false;
        AssertTimeMovesWhileWaiting(
            hold: () => { },
            letGo: () =>
            {
                lock (monitor)
                {
                    decided = true;
                    Monitor.PulseAll(monitor);
                }
            },
            take: () =>
            {
                using (VirtualClock.EnterMonitor(monitor))
                    while (!decided)
                        VirtualClock.WaitMonitor(monitor);
            },
            leave: () => { });
    }

    /// <summary>
    /// On a Driven clock, a holder takes a lock and waits 5 s of virtual time before it lets go, while a taker, counted
    /// as busy work too, waits for the lock: the wait must let virtual time move, so both end, the taker after the holder.
    /// </summary>
    private static void AssertTimeMovesWhileWaiting(Action hold, Action letGo, Action take, Action leave)
    {
        var clock = new VirtualClock { Driven = true, AutoAdvance = true };
        using var held = new ManualResetEventSlim();
        using var counted = new ManualResetEventSlim();
        long released = -1, acquired = -1;
        var holder = new Thread(() =>
        {
            using var _ = clock.Drive();
            hold();
            held.Set();
            counted.Wait();                       // the taker is counted: the sleep below must wait for the clock
            clock.Sleep(TimeSpan.FromSeconds(5));
            released = clock.GetTimestamp();
            letGo();
        }) { IsBackground = true };
        var taker = new Thread(() =>
        {
            using var _ = clock.Drive();
            counted.Set();
            take();
            acquired = clock.GetTimestamp();
            leave();
        }) { IsBackground = true };
        holder.Start();
        held.Wait();
        taker.Start();
        Assert.True(taker.Join(TimeSpan.FromSeconds(60)), "the world stopped: the waiting thread kept time from moving");
        Assert.True(holder.Join(TimeSpan.FromSeconds(60)));
        Assert.Equal(TimeSpan.FromSeconds(5).Ticks, released);
        Assert.True(acquired >= released, $"acquired at {acquired}, released at {released}");
        clock.AutoAdvance = false;
    }
}
