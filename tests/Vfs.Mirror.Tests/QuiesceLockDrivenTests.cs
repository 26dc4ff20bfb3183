// Tests of Vfs.Mirror: the quiesce lock (QuiesceLock.cs) waited for in a simulated (Driven) world whose holder waits
// for virtual time -- as a mirror write holds it shared across its copies' NFS calls while `mfsadm online` wants it
// exclusively, or a rejoin holds it exclusively across its copy's calls while a write wants in. The waiting thread is
// counted as busy work too, so it must wait for time rather than block, or time stops (docs/verification.md; as
// VirtualClockLockTests does for KMutex and RwLock in Vfs.Core.Tests).
namespace UnixVfs.Mirror.Tests;

public class QuiesceLockDrivenTests
{
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(RwLockType.Reader, RwLockType.Writer)]
    [InlineData(RwLockType.Writer, RwLockType.Reader)]
    [InlineData(RwLockType.Writer, RwLockType.Writer)]
    public void A_thread_waiting_for_the_quiesce_lock_whose_holder_waits_for_time_lets_time_move(RwLockType held, RwLockType want)
    {
        var q = new QuiesceLock(MirrorLock.QuiesceClass);
        var clock = new VirtualClock { Driven = true, AutoAdvance = true };
        using var holding = new ManualResetEventSlim();
        using var counted = new ManualResetEventSlim();
        long released = -1, acquired = -1;
        var holder = new Thread(() =>
        {
            using var _ = clock.Drive();
            q.Enter(held);
            holding.Set();
            counted.Wait();                       // the taker is counted: the sleep below must wait for the clock
            clock.Sleep(TimeSpan.FromSeconds(5));
            released = clock.GetTimestamp();
            q.Exit(held);
        }) { IsBackground = true };
        var taker = new Thread(() =>
        {
            using var _ = clock.Drive();
            counted.Set();
            q.Enter(want);
            acquired = clock.GetTimestamp();
            q.Exit(want);
        }) { IsBackground = true };
        holder.Start();
        Assert.True(holding.Wait(Hang));
        taker.Start();
        Assert.True(taker.Join(Hang), "the world stopped: the thread waiting for the quiesce lock kept time from moving");
        Assert.True(holder.Join(Hang));
        Assert.Equal(TimeSpan.FromSeconds(5).Ticks, released);
        Assert.True(acquired >= released, $"acquired at {acquired}, released at {released}");
        Assert.False(q.Writing);
        clock.AutoAdvance = false;
    }
}
