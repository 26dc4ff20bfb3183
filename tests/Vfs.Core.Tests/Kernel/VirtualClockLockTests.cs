// Tests of Vfs.Core: a KMutex (VirtualClock.EnterContended; docs/verification.md, Fixed 44) and an RwLock (Fixed 46)
// waited for in a simulated (Driven) world, whose holder waits for virtual time.

namespace UnixVfs.Core.Tests.KernelTests;

public class VirtualClockLockTests
{
    private static readonly LockClass Held = new("test held across a wait for time", LockRank.Rnode);

    [Fact]
    public void A_thread_waiting_for_a_mutex_whose_holder_waits_for_time_lets_time_move()
    {
        var clock = new VirtualClock { Driven = true, AutoAdvance = true };
        var m = new KMutex(Held);
        using var held = new ManualResetEventSlim();
        using var counted = new ManualResetEventSlim();
        long released = -1, acquired = -1;
        // Two threads counted as the world's busy work, as two NFS service threads serving two calls at once.
        var holder = new Thread(() =>
        {
            using var _ = clock.Drive();
            using (m.Enter())
            {
                held.Set();
                counted.Wait();                       // the taker is counted: the sleep below must wait for the clock
                clock.Sleep(TimeSpan.FromSeconds(5)); // as an rnode's WriteLock is held across a WRITE's timeout
                released = clock.GetTimestamp();
            }
        }) { IsBackground = true };
        var taker = new Thread(() =>
        {
            using var _ = clock.Drive();
            counted.Set();
            using (m.Enter())
                acquired = clock.GetTimestamp();
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

    [Theory]
    [InlineData(RwLockType.Reader)]
    [InlineData(RwLockType.Writer)]
    public void A_thread_waiting_for_an_rwlock_whose_writer_waits_for_time_lets_time_move(RwLockType want)
    {
        var clock = new VirtualClock { Driven = true, AutoAdvance = true };
        var rw = new RwLock();
        using var held = new ManualResetEventSlim();
        using var counted = new ManualResetEventSlim();
        long released = -1, acquired = -1;
        // As an NFS server's SETATTR holds a vnode's rwlock across an RPC retransmitted over a lossy link, while a READ
        // of the same file, served beside it, waits for the lock.
        var holder = new Thread(() =>
        {
            using var _ = clock.Drive();
            rw.Enter(RwLockType.Writer);
            held.Set();
            counted.Wait();
            clock.Sleep(TimeSpan.FromSeconds(5));
            released = clock.GetTimestamp();
            rw.Exit(RwLockType.Writer);
        }) { IsBackground = true };
        var taker = new Thread(() =>
        {
            using var _ = clock.Drive();
            counted.Set();
            rw.Enter(want);
            acquired = clock.GetTimestamp();
            rw.Exit(want);
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
