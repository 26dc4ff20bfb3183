// Tests of Vfs.Mirror: the write path's shortcuts stay exact -- a rewrite of a range a copy may not hold yet skips the
// lock (CopyUnflushed's hint) only while the range is kept, and a copy's write counters, counted once by the mirror and
// derived per copy (MirrorMember.Writes), add up to the calls each copy got; the copy that writes straight from the
// caller's Uio leaves it where the write ends for the caller, whatever that copy took.
namespace UnixVfs.Mirror.Tests;

public class WriteFastPathTests
{
    private static readonly byte[] Page = new byte[4096];

    private static Mnode OpenMnode(MirrorFixture f, string path)
    {
        MirrorFixture.Ok(f.P.Lookupname(path, true, out var vp));
        var m = (Mnode)vp!.Data!;
        vp.Rele(); // the test's open descriptor keeps it
        return m;
    }

    /// <summary>
    /// X writes straight from the caller's Uio, and its file system fills up part way through the write. Y takes all of
    /// it, so the write succeeds (X is taken out of use): it returns the whole count, and the file offset is past the
    /// whole write, not where X stopped.
    /// </summary>
    [Fact]
    public void A_write_the_first_copy_takes_only_part_of_still_moves_the_callers_offset_past_all_of_it()
    {
        using var f = new MirrorFixture();
        MirrorFixture.Ok(f.P.Umount("/A"));
        MirrorFixture.Ok(f.P.Mount("swap", "/A", "tmpfs", MountFlags.None, "size=16k"));
        MirrorFixture.Ok(f.P.Mkdir("/A/b", 0x1ED));
        var mi = f.Mount();
        var data = new byte[12 * 1024];
        Array.Fill(data, (byte)'a');
        MirrorFixture.Ok(f.P.Open("/A/b/f", OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int fd));
        MirrorFixture.Ok(f.P.Write(fd, data, out int n));
        Assert.Equal(data.Length, n);
        Array.Fill(data, (byte)'b');
        MirrorFixture.Ok(f.P.Write(fd, data, out n)); // X has room for one more page of the three
        Assert.Equal(data.Length, n);
        Assert.Equal(CopyState.Unavailable, mi.Copies[0].State);
        MirrorFixture.Ok(f.P.Write(fd, "c"u8.ToArray(), out _));
        MirrorFixture.Ok(f.P.Close(fd));
        Assert.Equal(new string('a', 12 * 1024) + new string('b', 12 * 1024) + "c", f.ReadFile("/X/y/f"));
    }

    /// <summary>
    /// A page rewritten while the copy's file system may still hold it unsent is kept once (the second write finds its
    /// range kept, without the lock). When Y leaves, the range goes to its log; after Y rejoins, the same page written
    /// again must be kept again -- a hint left over from before Y left would skip it, and Y's next leaving would not log it.
    /// </summary>
    [Fact]
    public void A_rewrite_of_a_kept_range_is_kept_again_after_the_copy_left_and_rejoined()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        MirrorFixture.Ok(f.P.Open("/A/b/db", OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int fd));
        var m = OpenMnode(f, "/A/b/db");
        var y = mi.Copies[1];
        MirrorFixture.Ok(f.P.Pwrite(fd, Page, 0, out _));
        MirrorFixture.Ok(f.P.Pwrite(fd, Page, 0, out _));
        Assert.True(y.Unflushed.Holds(m));

        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        Assert.True(y.Log.Contains(m), "the unflushed page went to Y's log when Y left");
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out _), error);
        Assert.Equal(CopyState.Available, y.State);
        Assert.False(y.Unflushed.Holds(m));
        Assert.False(y.Log.Contains(m));

        MirrorFixture.Ok(f.P.Pwrite(fd, Page, 0, out _));
        Assert.True(y.Unflushed.Holds(m), "the page written after Y rejoined is kept for Y");
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        Assert.True(y.Log.Contains(m), "and goes to Y's log when Y leaves again");
        MirrorFixture.Ok(f.P.Close(fd));
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out error, out _), error);
    }

    /// <summary>An fsync lets the copy's ranges go; the same page written after it is kept again.</summary>
    [Fact]
    public void A_rewrite_after_an_fsync_is_kept_again()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        MirrorFixture.Ok(f.P.Open("/A/b/db", OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int fd));
        var m = OpenMnode(f, "/A/b/db");
        MirrorFixture.Ok(f.P.Pwrite(fd, Page, 4096, out _));
        MirrorFixture.Ok(f.P.Fsync(fd));
        Assert.All(mi.Copies, c => Assert.False(c.Unflushed.Holds(m)));
        MirrorFixture.Ok(f.P.Pwrite(fd, Page, 4096, out _));
        Assert.All(mi.Copies, c => Assert.True(c.Unflushed.Holds(m)));
        MirrorFixture.Ok(f.P.Close(fd));
    }

    /// <summary>
    /// Writes while both copies take them, while Y is away, with one failed call on Y that is tried again, and after Y
    /// rejoined: each copy's counters are the calls it got and the bytes they moved.
    /// </summary>
    [Fact]
    public void Copy_write_counters_add_up_to_the_calls_each_copy_got()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        var (x, y) = (mi.Copies[0], mi.Copies[1]);
        MirrorFixture.Ok(f.P.Open("/A/b/f", OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int fd));
        for (int i = 0; i < 3; i++)
            MirrorFixture.Ok(f.P.Pwrite(fd, Page, i * 4096L, out _));
        MirrorFixture.Ok(f.P.Close(fd));
        Assert.Equal((3, 3 * 4096), (x.Writes, x.BytesWritten));
        Assert.Equal((3, 3 * 4096), (y.Writes, y.BytesWritten));

        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        f.WriteFile("/A/b/f", "12345", default);   // 5 bytes, to X alone
        Assert.Equal((4, 3 * 4096 + 5), (x.Writes, x.BytesWritten));
        Assert.Equal((3, 3 * 4096), (y.Writes, y.BytesWritten));
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out _), error);

        // A fresh file (nothing unflushed, so a failed call is tried again): Y's first call fails, its retry succeeds.
        f.Faults(1).Fail("write", Errno.EIO, times: 1);
        f.WriteFile("/A/b/g", "abc");
        Assert.Equal((5, 3 * 4096 + 5 + 3), (x.Writes, x.BytesWritten));
        Assert.Equal((5, 3 * 4096 + 3), (y.Writes, y.BytesWritten));
        Assert.Equal(1, y.Failures);
    }

    /// <summary>
    /// The mirror's write count is kept in each writing thread's quiesce slot (MfsVfs.CountWrite). Writes made on threads
    /// that have ended, whose slots the next threads take over, stay counted: a slot that changes hands keeps its count.
    /// </summary>
    [Fact]
    public void Writes_from_threads_that_ended_stay_counted_when_their_slots_are_taken_over()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        var (x, y) = (mi.Copies[0], mi.Copies[1]);
        MirrorFixture.Ok(f.P.Open("/A/b/f", OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int fd));
        for (int i = 0; i < 4; i++)
        {
            long off = i * 4096L;
            var t = new Thread(() => MirrorFixture.Ok(f.P.Pwrite(fd, Page, off, out _)));
            t.Start();
            t.Join();
        }
        MirrorFixture.Ok(f.P.Pwrite(fd, Page, 0, out _));
        MirrorFixture.Ok(f.P.Close(fd));
        Assert.Equal((5, 5 * 4096), (x.Writes, x.BytesWritten));
        Assert.Equal((5, 5 * 4096), (y.Writes, y.BytesWritten));
    }
}
