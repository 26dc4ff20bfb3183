// Tests of Vfs.Core: the reader/writer lock behind VOP_RWLOCK, its try-acquire, and the
// CC_DONTBLOCK path the mirror's write locking relies on.
using static UnixVfs.Core.Tests.TestHost;

namespace UnixVfs.Core.Tests.KernelTests;

public class RwLockTests
{
    [Fact]
    public void Readers_share_and_a_writer_excludes_everyone()
    {
        var l = new RwLock();
        Assert.True(l.TryEnter(RwLockType.Reader));
        Assert.True(l.TryEnter(RwLockType.Reader));
        Assert.Equal(2, l.Readers);
        Assert.False(l.TryEnter(RwLockType.Writer));
        l.Exit(RwLockType.Reader);
        l.Exit(RwLockType.Reader);
        Assert.True(l.TryEnter(RwLockType.Writer));
        Assert.True(l.WriteHeld);
        Assert.False(l.TryEnter(RwLockType.Writer));
        Assert.False(l.TryEnter(RwLockType.Reader));
        l.Exit(RwLockType.Writer);
        Assert.False(l.WriteHeld);
        Assert.True(l.TryEnter(RwLockType.Reader));
        l.Exit(RwLockType.Reader);
    }

    [Fact]
    public void Four_threads_of_random_readers_and_writers_never_meet_a_writer_and_all_finish()
    {
        // The fast path (one compare-and-swap) and the monitor's slow path meet here: readers, writers, TryEnters and
        // releases race, and every critical section checks who else is inside. A lost wake-up would leave a thread
        // waiting for ever; the join's bound only turns that hang into a failure.
        var l = new RwLock();
        int writers = 0, readers = 0, violations = 0;
        var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            var rng = new Random(1000 + t);
            for (int i = 0; i < 20_000; i++)
            {
                var type = rng.Next(4) == 0 ? RwLockType.Writer : RwLockType.Reader;
                if (rng.Next(8) == 0) { if (!l.TryEnter(type)) continue; }
                else l.Enter(type);
                if (type == RwLockType.Writer)
                {
                    if (Interlocked.Increment(ref writers) != 1 || Volatile.Read(ref readers) != 0)
                        Interlocked.Increment(ref violations);
                    Thread.SpinWait(rng.Next(50));
                    Interlocked.Decrement(ref writers);
                }
                else
                {
                    Interlocked.Increment(ref readers);
                    if (Volatile.Read(ref writers) != 0)
                        Interlocked.Increment(ref violations);
                    Thread.SpinWait(rng.Next(50));
                    Interlocked.Decrement(ref readers);
                }
                l.Exit(type);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        foreach (var t in threads)
            Assert.True(t.Join(TimeSpan.FromMinutes(5)), "a thread never got the lock: a lost wake-up");
        Assert.Equal(0, violations);
        Assert.False(l.WriteHeld);
        Assert.Equal(0, l.Readers);
        Assert.True(l.TryEnter(RwLockType.Writer));
    }

    [Fact]
    public void Releasing_what_is_not_held_is_a_panic()
    {
        var l = new RwLock();
        Assert.Throws<VfsPanicException>(() => l.Exit(RwLockType.Writer));
        Assert.Throws<VfsPanicException>(() => l.Exit(RwLockType.Reader));
    }

    [Fact]
    public async Task A_lock_taken_on_one_thread_may_be_released_on_another()
    {
        var l = new RwLock();
        l.Enter(RwLockType.Writer);
        await Task.Run(() => l.Exit(RwLockType.Writer));
        Assert.False(l.WriteHeld);
    }

    [Fact]
    public async Task A_waiting_writer_gets_the_lock_when_the_readers_leave_and_blocks_new_readers_meanwhile()
    {
        var l = new RwLock();
        l.Enter(RwLockType.Reader);
        var writerIn = new ManualResetEventSlim();
        var writer = Task.Run(() =>
        {
            l.Enter(RwLockType.Writer);
            writerIn.Set();
            l.Exit(RwLockType.Writer);
        });
        SpinWait.SpinUntil(() => writer.Status == TaskStatus.Running && !l.TryEnterReaderProbe(), TimeSpan.FromSeconds(5));
        Assert.False(writerIn.IsSet);
        Assert.False(l.TryEnter(RwLockType.Reader)); // a writer is waiting: no new readers
        l.Exit(RwLockType.Reader);
        Assert.True(writerIn.Wait(TimeSpan.FromSeconds(10)));
        await writer;
        Assert.True(l.TryEnter(RwLockType.Reader));
        l.Exit(RwLockType.Reader);
    }

    [Fact]
    public void VOP_RWLOCK_with_CC_DONTBLOCK_is_EAGAIN_while_another_holds_the_lock()
    {
        var h = new TestHost();
        WriteFile(h.Root, "/m/f", "x");
        Ok(h.Root.Lookupname("/m/f", false, out var vp));
        Ok(Vop.Rwlock(vp!, RwLockType.Writer));
        Assert.Equal(Errno.EAGAIN, Vop.Rwlock(vp!, RwLockType.Writer, CallerContext.DontBlock));
        Assert.Equal(Errno.EAGAIN, Vop.Rwlock(vp!, RwLockType.Reader, CallerContext.DontBlock));
        Vop.Rwunlock(vp!, RwLockType.Writer);
        Ok(Vop.Rwlock(vp!, RwLockType.Reader, CallerContext.DontBlock));
        Ok(Vop.Rwlock(vp!, RwLockType.Reader, CallerContext.DontBlock));
        Assert.Equal(Errno.EAGAIN, Vop.Rwlock(vp!, RwLockType.Writer, CallerContext.DontBlock));
        Vop.Rwunlock(vp!, RwLockType.Reader);
        Vop.Rwunlock(vp!, RwLockType.Reader);
        vp!.Rele();
    }

    [Fact]
    public void A_write_waits_for_a_held_VOP_RWLOCK_and_then_proceeds()
    {
        var h = new TestHost();
        WriteFile(h.Root, "/m/f", "");
        Ok(h.Root.Lookupname("/m/f", false, out var vp));
        Ok(h.Root.Open("/m/f", OFlags.O_WRONLY, 0, out int fd));
        // This thread holds the lock until it lets go: it waits synchronously, so that no other test runs on it
        // meanwhile as if it held the lock too (the lock-order checker keeps held locks per thread).
        Ok(Vop.Rwlock(vp!, RwLockType.Reader));
        var result = Errno.EALREADY; // until the write returns
        var write = new Thread(() => result = h.Root.Write(fd, "w"u8.ToArray(), out _));
        write.Start();
        Assert.False(write.Join(TimeSpan.FromMilliseconds(100)));
        Assert.Equal(0L, h.StatOf("/m/f").Size);
        Vop.Rwunlock(vp!, RwLockType.Reader);
        Assert.True(write.Join(TimeSpan.FromSeconds(60)));
        Ok(result);
        Assert.Equal(1L, h.StatOf("/m/f").Size);
        Ok(h.Root.Close(fd));
        vp!.Rele();
    }
}

internal static class RwLockProbe
{
    /// <summary>True when a reader could enter now (taking and giving back the lock to find out).</summary>
    public static bool TryEnterReaderProbe(this RwLock l)
    {
        if (!l.TryEnter(RwLockType.Reader))
            return false;
        l.Exit(RwLockType.Reader);
        return true;
    }
}
