// Tests of Vfs.Mirror: one read and two writes (patent B.4) and every mirrored vnode op reaching both copies.
namespace UnixVfs.Mirror.Tests;

public class MirroredOpsTests
{
    private static long LowerReads(MirrorFixture f, int copy) => f.Mfs.Copies[copy].Vfs.Stats.Calls(VopName.Read);

    [Theory]
    [InlineData("", 0)]
    [InlineData("read=x", 0)]
    [InlineData("read=y", 1)]
    public void A_read_goes_to_the_one_copy_chosen_at_mount(string options, int reader)
    {
        using var f = new MirrorFixture();
        f.Mount(options);
        f.WriteFile("/A/b/f", "data");
        long r0 = LowerReads(f, 0), r1 = LowerReads(f, 1);
        for (int i = 0; i < 10; i++)
            Assert.Equal("data", f.ReadFile("/A/b/f"));
        Assert.Equal(10, reader == 0 ? LowerReads(f, 0) - r0 : LowerReads(f, 1) - r1);
        Assert.Equal(0, reader == 0 ? LowerReads(f, 1) - r1 : LowerReads(f, 0) - r0);
    }

    [Fact]
    public void Rename_and_link_between_the_mirror_and_another_vfs_are_exdev_and_change_nothing()
    {
        using var f = new MirrorFixture();
        f.Mount();
        f.WriteFile("/X/y/f", "data");
        Assert.Equal(Errno.EXDEV, f.P.Rename("/X/y/f", "/A/g"));
        Assert.Equal(Errno.EXDEV, f.P.Link("/X/y/f", "/A/g"));
        f.WriteFile("/A/h", "other"); // on /A's tmpfs, beside the copy (the mirror covers /A/b and /X/y)
        Assert.Equal(Errno.EXDEV, f.P.Rename("/A/h", "/X/y/g"));
        Assert.Equal(Errno.EXDEV, f.P.Link("/A/h", "/A/b/g"));
        Assert.Equal(Errno.ENOENT, f.P.Lstat("/A/g", out _));
        Assert.Equal(Errno.ENOENT, f.P.Lstat("/X/y/g", out _));
        Assert.Equal("data", f.Lower(0, "f"));
        Assert.Equal("data", f.Lower(1, "f"));
    }

    [Fact]
    public void Read_balance_spreads_reads_over_both_copies()
    {
        using var f = new MirrorFixture();
        f.Mount("read=balance");
        f.WriteFile("/A/b/f", "data");
        long r0 = LowerReads(f, 0), r1 = LowerReads(f, 1);
        for (int i = 0; i < 100; i++)
            Assert.Equal("data", f.ReadFile("/A/b/f"));
        long a = LowerReads(f, 0) - r0, b = LowerReads(f, 1) - r1;
        Assert.Equal(100, a + b);
        Assert.InRange(a, 30, 70);
    }

    [Fact]
    public void Two_slow_copies_are_written_at_once_and_fast_ones_one_after_the_other()
    {
        // The mirror times a copy's writes on its host's clock, here a virtual one: a slow copy is one whose write moves
        // that clock on by milliseconds (a disk, a network), so the verdict does not hang on how busy the machine is.
        var clock = new VirtualClock();
        using var f = new MirrorFixture(clock: clock);
        f.Mount();
        f.WriteFile("/A/b/f", "0123456789");
        // A rule on each copy that never fails a write but watches it: which thread runs it, and -- once asked --
        // whether the other copy's write is under way at the same time (each says it has arrived and waits for the
        // other: written at once, both arrive; one after the other, the first waits in vain, for 30 s).
        var thread = new int[2];
        var arrived = new[] { new ManualResetEventSlim(), new ManualResetEventSlim() };
        var metOther = new bool[2];
        int slowMicros = 0;
        bool meet = false;
        for (int i = 0; i < 2; i++)
        {
            int me = i, other = 1 - i;
            f.Faults(i).Fail(VopName.Write, Errno.EIO, match: _ =>
            {
                thread[me] = Environment.CurrentManagedThreadId;
                if (slowMicros > 0)
                    clock.Advance(TimeSpan.FromMicroseconds(slowMicros));
                if (meet)
                {
                    arrived[me].Set();
                    metOther[me] = arrived[other].Wait(TimeSpan.FromSeconds(30));
                }
                return false;
            });
        }
        void Write(string text)
        {
            MirrorFixture.Ok(f.P.Open("/A/b/f", OFlags.O_WRONLY, 0, out int fd));
            MirrorFixture.Ok(f.P.Pwrite(fd, System.Text.Encoding.ASCII.GetBytes(text), 0, out _));
            MirrorFixture.Ok(f.P.Close(fd));
        }

        // Copies that answer at once: handing one to another thread would cost more than it saves.
        for (int i = 0; i < MirrorMember.SampleEvery * MirrorMember.RecentWrites; i++)
        {
            Write("fast");
            Assert.All(thread, t => Assert.Equal(Environment.CurrentManagedThreadId, t));
        }

        // Copies that take milliseconds are written at once, each on its own thread.
        slowMicros = 3000;
        for (int i = 0; i < MirrorMember.SampleEvery * MirrorMember.RecentWrites; i++)
            Write("slow");   // one write in SampleEvery is timed; the copies are slow once their last RecentWrites timed ones were
        meet = true;
        Write("both");
        Assert.Equal([true, true], metOther);
        Assert.NotEqual(thread[0], thread[1]);
        Assert.Equal("both456789", f.Lower(0, "f"));
        Assert.Equal("both456789", f.Lower(1, "f"));
    }

    [Fact]
    public void Every_update_reaches_both_copies()
    {
        using var f = new MirrorFixture();
        f.Mount();
        MirrorFixture.Ok(f.P.Mkdir("/A/b/dir", 0x1C0));
        f.WriteFile("/A/b/dir/file", "0123456789");
        MirrorFixture.Ok(f.P.Open("/X/y/dir/file", OFlags.O_WRONLY, 0, out int fd));
        MirrorFixture.Ok(f.P.Pwrite(fd, "AB"u8.ToArray(), 4, out _));
        MirrorFixture.Ok(f.P.Fsync(fd));
        MirrorFixture.Ok(f.P.Ftruncate(fd, 8));
        MirrorFixture.Ok(f.P.Close(fd));
        MirrorFixture.Ok(f.P.Open("/A/b/dir/file", OFlags.O_WRONLY | OFlags.O_APPEND, 0, out fd));
        MirrorFixture.Ok(f.P.Write(fd, "!"u8.ToArray(), out _));
        MirrorFixture.Ok(f.P.Close(fd));
        MirrorFixture.Ok(f.P.Link("/A/b/dir/file", "/A/b/hard"));
        MirrorFixture.Ok(f.P.Symlink("dir/file", "/A/b/soft"));
        MirrorFixture.Ok(f.P.Rename("/A/b/hard", "/X/y/dir/moved"));
        MirrorFixture.Ok(f.P.Chmod("/A/b/dir/file", 0x180));
        MirrorFixture.Ok(f.P.Chown("/A/b/dir/file", 42, 43));
        MirrorFixture.Ok(f.P.Mkdir("/A/b/gone", 0x1ED));
        MirrorFixture.Ok(f.P.Rmdir("/X/y/gone"));
        f.WriteFile("/A/b/tmp", "t");
        MirrorFixture.Ok(f.P.Unlink("/A/b/tmp"));
        foreach (int c in new[] { 0, 1 })
        {
            Assert.Equal("0123AB67!", f.Lower(c, "dir/file"));
            Assert.Equal("0123AB67!", f.Lower(c, "dir/moved"));
            Assert.Equal(["dir", "soft"], f.LowerNames(c, "/"));
            Assert.Equal(["file", "moved"], f.LowerNames(c, "dir"));
        }
        var report = f.Verify();
        Assert.True(report.Identical, string.Join("\n", report.Differences));
        MirrorFixture.Ok(f.P.Stat("/X/y/dir/file", out var st));
        Assert.Equal(42u, st!.Uid);
        Assert.Equal(2u, st.Nlink);
    }

    [Fact]
    public void An_error_every_copy_agrees_on_is_returned_as_it_is()
    {
        using var f = new MirrorFixture();
        f.Mount();
        f.WriteFile("/A/b/f", "x");
        Assert.Equal(Errno.EEXIST, f.P.Mkdir("/A/b/f", 0x1ED));
        Assert.Equal(Errno.ENOENT, f.P.Unlink("/A/b/nothing"));
        MirrorFixture.Ok(f.P.Mkdir("/A/b/d", 0x1ED));
        f.WriteFile("/A/b/d/x", "x");
        Assert.Equal(Errno.ENOTEMPTY, f.P.Rmdir("/A/b/d"));
        Assert.Equal(Errno.ENOTDIR, f.P.Open("/A/b/f/x", OFlags.O_RDONLY, 0, out _));
        Assert.All(f.Mfs.Copies, c => Assert.Equal(CopyState.Available, c.State));
    }

    [Fact]
    public void Permissions_of_the_lower_file_systems_apply()
    {
        using var f = new MirrorFixture();
        f.Mount();
        f.WriteFile("/A/b/secret", "s");
        MirrorFixture.Ok(f.P.Chmod("/A/b/secret", 0x180));
        var user = f.K.CreateProcess(new Cred(1000, 1000));
        Assert.Equal(Errno.EACCES, user.Open("/X/y/secret", OFlags.O_RDONLY, 0, out _));
        Assert.Equal(Errno.EACCES, user.Open("/X/y/new", OFlags.O_CREAT | OFlags.O_WRONLY, 0x1A4, out _));
        Assert.All(f.Mfs.Copies, c => Assert.Equal(CopyState.Available, c.State));
    }

    [Fact]
    public void Getattr_reports_the_mirrors_fsid_and_readdir_lists_each_name_once()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        f.WriteFile("/A/b/a", "1");
        f.WriteFile("/A/b/b", "2");
        MirrorFixture.Ok(f.P.Stat("/A/b/a", out var st));
        Assert.Equal(mi.Vfs.Fsid, st!.Dev);
        MirrorFixture.Ok(f.P.Open("/A/b", OFlags.O_RDONLY | OFlags.O_DIRECTORY, 0, out int fd));
        var buf = new byte[4096];
        MirrorFixture.Ok(f.P.Getdents(fd, buf, out int n));
        MirrorFixture.Ok(f.P.Close(fd));
        var names = Dirent64.Parse(buf.AsSpan(0, n)).Select(d => d.Name).OrderBy(x => x).ToArray();
        Assert.Equal([".", "..", "a", "b"], names);
    }

    [Fact]
    public void Getcwd_inside_the_mirror_returns_the_path_it_was_entered_by()
    {
        using var f = new MirrorFixture();
        f.Mount();
        MirrorFixture.Ok(f.P.Mkdir("/A/b/sub", 0x1ED));
        MirrorFixture.Ok(f.P.Chdir("/A/b/sub"));
        MirrorFixture.Ok(f.P.Getcwd(out var cwd));
        Assert.Equal("/A/b/sub", cwd);
        MirrorFixture.Ok(f.P.Chdir(".."));
        MirrorFixture.Ok(f.P.Chdir(".."));
        MirrorFixture.Ok(f.P.Getcwd(out cwd));
        Assert.Equal("/A", cwd);
        MirrorFixture.Ok(f.P.Chdir("/X/y/sub/../.."));
        MirrorFixture.Ok(f.P.Getcwd(out cwd));
        Assert.Equal("/X", cwd);
    }

    [Fact]
    public void Statvfs_reports_the_smaller_copy()
    {
        using var f = new MirrorFixture();
        MirrorFixture.Ok(f.P.Umount("/X"));
        MirrorFixture.Ok(f.P.Mount("swap", "/X", "tmpfs", MountFlags.None, "size=4m"));
        MirrorFixture.Ok(f.P.Mkdir("/X/y", 0x1ED));
        f.Mount();
        MirrorFixture.Ok(f.P.Statvfs("/A/b", out var sv));
        Assert.Equal("mfs", sv!.Basetype);
        Assert.Equal(4UL << 20, sv.Blocks * sv.Frsize);
    }

    /// <summary>A clock that moves one microsecond forward at every reading: two readings never agree.</summary>
    private sealed class MovingClock : TimeProvider
    {
        private long _reads;

        public override DateTimeOffset GetUtcNow() => new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(10 * Interlocked.Increment(ref _reads));
    }

    /// <summary>
    /// A mirrored update stamps every copy with one time (Kernel.PinTime), as one file system stamps one file: the
    /// copies' times agree at once, not only after the close makes them agree, and the clock is read once.
    /// </summary>
    [Fact]
    public void A_mirrored_write_stamps_every_copy_with_one_time()
    {
        using var f = new MirrorFixture(copies: 3, clock: new MovingClock());
        f.Mount(copies: 3);
        MirrorFixture.Ok(f.P.Open("/A/b/f", OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int fd));
        MirrorFixture.Ok(f.P.Pwrite(fd, "data"u8.ToArray(), 100, out _));
        var times = Enumerable.Range(0, 3).Select(c =>
        {
            var lv = f.LowerVnode(c, "f")!;
            var va = new Vattr(AttrMask.AT_MTIME | AttrMask.AT_CTIME);
            MirrorFixture.Ok(Vop.Getattr(lv, va, AttrFlags.None, Cred.Kcred));
            lv.Rele();
            return (va.Mtime, va.Ctime);
        }).ToList();
        MirrorFixture.Ok(f.P.Close(fd));
        Assert.Single(times.Distinct());
    }
    /// <summary>
    /// A symbolic link made through the mirror has one time on every copy. Its times are not set again after it is
    /// made, as a file's are (SyncTimes), and each copy read the clock itself: the FUSE tools test found two UFS
    /// copies' links a second apart.
    /// </summary>
    [Fact]
    public void A_symbolic_link_made_through_the_mirror_has_one_time_on_every_copy()
    {
        using var f = new MirrorFixture(copies: 3, clock: new MovingClock());
        f.Mount(copies: 3);
        MirrorFixture.Ok(f.P.Symlink("target", "/A/b/l"));
        var times = Enumerable.Range(0, 3).Select(c =>
        {
            var lv = f.LowerVnode(c, "l")!;
            var va = new Vattr(AttrMask.AT_MTIME | AttrMask.AT_CTIME | AttrMask.AT_ATIME);
            MirrorFixture.Ok(Vop.Getattr(lv, va, AttrFlags.None, Cred.Kcred));
            lv.Rele();
            return (va.Mtime, va.Ctime, va.Atime);
        }).ToList();
        Assert.Single(times.Distinct());
    }
}
