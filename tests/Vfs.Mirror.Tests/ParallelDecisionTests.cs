// Tests of Vfs.Mirror: when the mirror hands the copies after the first to its copy workers (MirrorSubr.PaysAtOnce) --
// always for an fsync and a large write; for a small write only when a copy is slow on the writes nothing got in the
// way of (MirrorMember.UpdateMicros), not because a few of them missed a cache or were interrupted. The times are fed
// to the copy's counters here as the timed calls would give them, so no clock is read.
namespace UnixVfs.Mirror.Tests;

public class ParallelDecisionTests
{
    private static Mnode NewFile(MirrorFixture f, string path)
    {
        MirrorFixture.Ok(f.P.Open(path, OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int fd));
        MirrorFixture.Ok(f.P.Lookupname(path, true, out var vp));
        var m = (Mnode)vp!.Data!;
        vp.Rele(); // the open descriptor keeps it
        return m;
    }

    /// <summary>Feeds <paramref name="copy"/> one timed 4 KiB write per time in <paramref name="micros"/>.</summary>
    private static void SmallWrites(MirrorMember copy, Mnode m, params double[] micros)
    {
        foreach (var t in micros)
            copy.Count(MirrorOp.Write(m, 0, 4096), Errno.OK, 4096, t, retry: false);
    }

    /// <summary>
    /// A local copy's 4 KiB writes take a few microseconds; one in eight may take a thousand (it missed the buffer cache,
    /// or the scheduler took the CPU). A moving average turned that one into hundreds of microseconds and sent the next
    /// writes to a worker, whose wake-up costs more than the write. A copy slow on every write is still given one.
    /// </summary>
    [Fact]
    public void A_small_write_goes_to_a_worker_only_for_a_copy_slow_on_every_write()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        var m = NewFile(f, "/A/b/f");
        var targets = mi.UpdateCopies();
        var small = MirrorOp.Write(m, 0, 4096);

        SmallWrites(targets[1], m, 3, 3, 3, 3, 3, 3, 3, 1000);
        Assert.Equal(3, targets[1].UpdateMicros);
        Assert.False(MirrorSubr.PaysAtOnce(small, targets), "one slow write in eight does not make the copy slow");

        SmallWrites(targets[1], m, 100, 100, 100, 100, 100, 100);
        Assert.True(targets[1].UpdateMicros < 40, "a fast write is still among the last eight");
        SmallWrites(targets[1], m, 100);
        Assert.Equal(100, targets[1].UpdateMicros);
        Assert.True(MirrorSubr.PaysAtOnce(small, targets), "a copy slow on each of its last eight writes gets a worker");

        SmallWrites(targets[1], m, 3);
        Assert.False(MirrorSubr.PaysAtOnce(small, targets), "one fast write shows the copy is fast again");
    }

    /// <summary>
    /// An fsync and a write of LargeWrite bytes or more go to the copies at once however fast their small writes are,
    /// and a large write's time does not count among the small writes' (a 1 MiB write does not make a copy slow).
    /// </summary>
    [Fact]
    public void An_fsync_and_a_large_write_go_to_the_copies_at_once()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        var m = NewFile(f, "/A/b/f");
        var targets = mi.UpdateCopies();
        SmallWrites(targets[1], m, 3, 3, 3, 3, 3, 3, 3, 3);

        Assert.True(MirrorSubr.PaysAtOnce(MirrorOp.Fsync(m), targets));
        Assert.True(MirrorSubr.PaysAtOnce(MirrorOp.Write(m, 0, MirrorSubr.LargeWrite), targets));
        Assert.False(MirrorSubr.PaysAtOnce(MirrorOp.Write(m, 0, MirrorSubr.LargeWrite - 1), targets));

        for (int i = 0; i < MirrorMember.RecentWrites; i++)
            targets[1].Count(MirrorOp.Write(m, 0, 1 << 20), Errno.OK, 1 << 20, 2000, retry: false);
        targets[1].Count(MirrorOp.Fsync(m), Errno.OK, 0, 5000, retry: false);
        Assert.Equal(3, targets[1].UpdateMicros);
    }
}
