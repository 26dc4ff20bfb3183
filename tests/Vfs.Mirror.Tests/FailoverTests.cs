// Tests of Vfs.Mirror: failover (patent B.7) -- a copy that keeps failing is taken out of use after the
// retries and the mirror carries on with the other; an ioctl takes a copy down and brings it back; the
// dirty log brings it back in sync; a write that returned success is on every available copy.
namespace UnixVfs.Mirror.Tests;

public class FailoverTests
{
    [Fact]
    public void A_copy_that_keeps_failing_is_marked_unavailable_after_the_retries_and_the_write_succeeds()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount("retries=3");
        f.WriteFile("/A/b/f", "before");
        var faults = f.Faults(1);
        faults.Fail(VopName.Write, Errno.EIO);
        f.WriteFile("/A/b/f", "after", OFlags.O_TRUNC);
        Assert.Equal(4, faults.Injected); // the first try and three retries
        Assert.Equal(CopyState.Unavailable, mi.Copies[1].State);
        Assert.Contains("EIO on write /f", mi.Copies[1].Reason);
        Assert.Equal("after", f.ReadFile("/X/y/f"));
        Assert.Equal("after", f.Lower(0, "f"));
        Assert.Contains(mi.Events, e => e.Copy == "Y" && e.What.StartsWith("unavailable"));
    }

    [Fact]
    public void With_errors_return_the_caller_also_hears_of_the_failed_copy()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount("retries=0,errors=return");
        f.WriteFile("/A/b/f", "x");
        f.Faults(1).Fail(VopName.Write, Errno.EIO);
        MirrorFixture.Ok(f.P.Open("/A/b/f", OFlags.O_WRONLY, 0, out int fd));
        Assert.Equal(Errno.EIO, f.P.Write(fd, "y"u8.ToArray(), out _));
        MirrorFixture.Ok(f.P.Close(fd));
        Assert.Equal(CopyState.Unavailable, mi.Copies[1].State);
        Assert.Equal("y", f.Lower(0, "f"));
        Assert.Equal(1, mi.Copies[1].Log.Count);
    }

    [Fact]
    public void A_failure_that_clears_up_within_the_retries_takes_nothing_down()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount("retries=3");
        f.Faults(1).Fail(VopName.Write, Errno.EIO, times: 2);
        f.WriteFile("/A/b/f", "data");
        Assert.All(mi.Copies, c => Assert.Equal(CopyState.Available, c.State));
        Assert.Equal("data", f.Lower(1, "f"));
    }

    [Fact]
    public void Reads_fail_over_to_the_other_copy()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount("retries=1");
        f.WriteFile("/A/b/f", "still readable");
        f.Faults(0).Fail(VopName.Read, Errno.EIO);
        Assert.Equal("still readable", f.ReadFile("/A/b/f"));
        Assert.Equal(CopyState.Unavailable, mi.Copies[0].State);
        Assert.Equal("still readable", f.ReadFile("/A/b/f"));
    }

    /// <summary>
    /// A copy that fails part way through a read gives the reader none of its bytes: the next copy reads the whole range
    /// again, into the caller's one buffer or several (a readv). X's first block is made to differ from Y's behind the
    /// mirror's back, so that a byte of X's reaching the reader would show, and X's disk fails the read of the second
    /// block once the first has moved.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void A_copy_that_fails_part_way_through_a_read_gives_the_reader_none_of_its_bytes(int buffers)
    {
        const int B = 32 * 1024; // newfs's block size
        using var f = new MirrorFixture(fstype: "ufs");
        var mi = f.Mount("retries=0");
        var data = new byte[6 * B];
        for (int i = 0; i < data.Length; i++)
            data[i] = (byte)(0xB0 + i / B); // block k is all 0xB0 + k
        MirrorFixture.Ok(f.P.Open("/A/b/f", OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int fd));
        MirrorFixture.Ok(f.P.Write(fd, data, out _));
        MirrorFixture.Ok(f.P.Fsync(fd));
        MirrorFixture.Ok(f.P.Close(fd));
        var inX = f.LowerVnode(0, "f")!;
        MirrorFixture.Ok(Vop.Write(inX, new Uio(Enumerable.Repeat((byte)0xEE, B).ToArray(), 0, UioRw.UIO_WRITE), FileFlags.None, Cred.Kcred));
        MirrorFixture.Ok(Vop.Fsync(inX, FileFlags.FSYNC, Cred.Kcred));
        inX.Rele();
        f.DiskFaults["A"].FailReadsAt(BlockHolding(f.Devices["A"], 0xB1, B), B); // copy X is on disk A

        MirrorFixture.Ok(f.P.Lookupname("/A/b/f", true, out var vp));
        try
        {
            Assert.Equal(data.AsSpan(5 * B, B).ToArray(), ReadThrough(vp!, [B], 5 * B)); // so X's next read of block 0 is not sequential
            int first = B / 3;
            int[] sizes = buffers == 1 ? [2 * B] : [first, B, B - first];
            Assert.Equal(data.AsSpan(0, 2 * B).ToArray(), ReadThrough(vp!, sizes, 0));
        }
        finally
        {
            vp!.Rele();
        }
        Assert.Equal(CopyState.Unavailable, mi.Copies[0].State);
    }

    /// <summary>VOP_READ of the mirror vnode at <paramref name="offset"/> into buffers of <paramref name="sizes"/>, joined.</summary>
    private static byte[] ReadThrough(Vnode vp, int[] sizes, long offset)
    {
        var bufs = sizes.Select(n => (Memory<byte>)new byte[n]).ToList();
        MirrorFixture.Ok(Vop.Rwlock(vp, RwLockType.Reader));
        var err = Vop.Read(vp, new Uio(bufs, offset, UioRw.UIO_READ), FileFlags.None, Cred.Kcred);
        Vop.Rwunlock(vp, RwLockType.Reader);
        MirrorFixture.Ok(err);
        return [.. bufs.SelectMany(b => b.ToArray())];
    }

    /// <summary>The offset on <paramref name="dev"/> of the block-aligned run of <paramref name="length"/> bytes all <paramref name="fill"/>.</summary>
    private static long BlockHolding(MemoryBlockDevice dev, byte fill, int length)
    {
        var buf = new byte[length];
        for (long off = 0; off + length <= dev.Size; off += length)
        {
            MirrorFixture.Ok(dev.Read(off, buf));
            if (Array.TrueForAll(buf, b => b == fill))
                return off;
        }
        throw new InvalidOperationException("no such block");
    }

    /// <summary>
    /// ESTALE says the file is gone. From every copy it is the file's answer, not a copy's failure: found by the simulator
    /// (Fig. 10, seed 1011140), where a client's GETATTR of a file it had just removed through x's exported mirror took x's
    /// own disk out of use.
    /// </summary>
    [Fact]
    public void A_file_every_copy_says_is_gone_is_stale_to_its_reader_and_takes_no_copy_down()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount("retries=1");
        f.WriteFile("/A/b/f", "x");
        MirrorFixture.Ok(f.P.Open("/A/b/f", OFlags.O_RDONLY, 0, out int fd));
        f.Faults(0).Fail(VopName.Read, Errno.ESTALE);
        f.Faults(1).Fail(VopName.Read, Errno.ESTALE);
        Assert.Equal(Errno.ESTALE, f.P.Read(fd, new byte[8], out _));
        MirrorFixture.Ok(f.P.Close(fd));
        Assert.All(mi.Copies, c => Assert.Equal(CopyState.Available, c.State));
    }

    [Fact]
    public void A_copy_that_says_a_file_is_gone_is_kept_when_the_other_agrees_it_is_not_there()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount("retries=0");
        f.WriteFile("/A/b/f", "x");
        MirrorFixture.Ok(f.P.Open("/A/b/f", OFlags.O_RDONLY, 0, out int fd));
        f.Faults(0).Fail(VopName.Getattr, Errno.ESTALE);
        f.Faults(1).Fail(VopName.Getattr, Errno.ENOENT);
        Assert.Equal(Errno.ENOENT, f.P.Fstat(fd, out _));
        MirrorFixture.Ok(f.P.Close(fd));
        Assert.All(mi.Copies, c => Assert.Equal(CopyState.Available, c.State));
    }

    [Fact]
    public void A_copy_that_says_a_file_is_gone_while_another_has_it_is_taken_down()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount("retries=1");
        f.WriteFile("/A/b/f", "still here");
        f.Faults(0).Fail(VopName.Read, Errno.ESTALE);
        Assert.Equal("still here", f.ReadFile("/A/b/f"));
        Assert.Equal(CopyState.Unavailable, mi.Copies[0].State);
        Assert.Contains("ESTALE on read /f", mi.Copies[0].Reason);
        Assert.Equal(CopyState.Available, mi.Copies[1].State);
    }

    [Fact]
    public void The_last_copy_is_never_taken_down_its_error_is_returned()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount("retries=0");
        f.WriteFile("/A/b/f", "x");
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        f.Faults(0).Fail(VopName.Write, Errno.EIO);
        MirrorFixture.Ok(f.P.Open("/A/b/f", OFlags.O_WRONLY, 0, out int fd));
        Assert.Equal(Errno.EIO, f.P.Write(fd, "y"u8.ToArray(), out _));
        MirrorFixture.Ok(f.P.Close(fd));
        Assert.Equal(CopyState.Available, mi.Copies[0].State);
        Assert.Equal(Errno.EBUSY, MfsAdm.Offline(f.P, "/A/b", "x", out var why));
        Assert.Contains("last copy", why);
    }

    [Fact]
    public void Offline_and_online_by_ioctl_with_a_log_replay_that_copies_only_what_changed()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        var big = new string('a', 1 << 20);
        f.WriteFile("/A/b/big", big);
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/X/y", "y", out _));
        Assert.Equal(CopyState.Unavailable, mi.Copies[1].State);
        Assert.Equal("offline for maintenance", mi.Copies[1].Reason);

        MirrorFixture.Ok(f.P.Open("/A/b/big", OFlags.O_WRONLY, 0, out int fd));
        MirrorFixture.Ok(f.P.Pwrite(fd, new byte[4096].Select(_ => (byte)'b').ToArray(), 65536, out _));
        MirrorFixture.Ok(f.P.Close(fd));
        f.WriteFile("/A/b/new", "created while Y was away");
        MirrorFixture.Ok(f.P.Unlink("/A/b/new"));
        f.WriteFile("/A/b/kept", "kept");
        Assert.Equal(big, f.Lower(1, "big"));
        Assert.Null(f.Lower(1, "kept"));

        MirrorFixture.Ok(MfsAdm.Status(f.P, "/A/b", out var status));
        Assert.True(status!.Copies[1].LogEntries >= 2);

        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out var report), error);
        Assert.Equal(CopyState.Available, mi.Copies[1].State);
        Assert.False(report!.Full);
        Assert.Equal(4096 + 4, report.Stats.BytesCopied);
        Assert.InRange(report.Amplification, 0.5, 1.5);
        var expected = big[..65536] + new string('b', 4096) + big[(65536 + 4096)..];
        Assert.Equal(expected, f.Lower(1, "big"));
        Assert.Equal("kept", f.Lower(1, "kept"));
        Assert.Null(f.Lower(1, "new"));
        var v = f.Verify();
        Assert.True(v.Identical, string.Join("\n", v.Differences));
    }

    [Fact]
    public void A_log_that_overflows_leads_to_a_full_resync()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount("logsize=3");
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        for (int i = 0; i < 10; i++)
            MirrorFixture.Ok(f.P.Mkdir($"/A/b/d{i}", 0x1ED));
        for (int i = 0; i < 10; i++)
            f.WriteFile($"/A/b/d{i}/f", $"file {i}");
        Assert.True(mi.Copies[0].Log.Overflowed);
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "x", out var error, out var report), error);
        Assert.True(report!.Full);
        var v = f.Verify();
        Assert.True(v.Identical, string.Join("\n", v.Differences));
        Assert.Equal("file 7", f.Lower(0, "d7/f"));
    }

    [Fact]
    public void Too_many_ranges_in_one_file_degrade_to_the_whole_file()
    {
        using var f = new MirrorFixture();
        f.Mount("logranges=4");
        f.WriteFile("/A/b/f", new string('.', 100_000));
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        MirrorFixture.Ok(f.P.Open("/A/b/f", OFlags.O_WRONLY, 0, out int fd));
        for (int i = 0; i < 10; i++)
            MirrorFixture.Ok(f.P.Pwrite(fd, "X"u8.ToArray(), i * 10_000, out _));
        MirrorFixture.Ok(f.P.Close(fd));
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out var report), error);
        Assert.Equal(100_000, report!.Stats.BytesCopied);
        Assert.True(f.Verify().Identical);
    }

    [Fact]
    public void A_copy_that_failed_is_caught_up_when_it_comes_back()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount("retries=0");
        var faults = f.Faults(1);
        faults.FailAll(Errno.EIO);
        f.WriteFile("/A/b/during", "written while Y failed");
        MirrorFixture.Ok(f.P.Mkdir("/A/b/dir", 0x1ED));
        Assert.Equal(CopyState.Unavailable, mi.Copies[1].State);
        faults.Clear();
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out _), error);
        Assert.Equal("written while Y failed", f.Lower(1, "during"));
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    [Fact]
    public void Unmount_is_refused_while_a_copy_has_a_log_to_deliver()
    {
        using var f = new MirrorFixture();
        f.Mount();
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        f.WriteFile("/A/b/f", "pending for Y");
        Assert.Equal(Errno.EBUSY, f.P.Umount("/A/b"));
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out _, out _));
        MirrorFixture.Ok(f.P.Umount("/A/b"));
    }

    [Fact]
    public void Bad_admin_requests_get_a_reason()
    {
        using var f = new MirrorFixture();
        f.Mount();
        Assert.Equal(Errno.EINVAL, MfsAdm.Offline(f.P, "/A/b", "q", out var why));
        Assert.Contains("no copy", why);
        Assert.Equal(Errno.EALREADY, MfsAdm.Online(f.P, "/A/b", "x", out why, out _));
        Assert.Equal(Errno.ENOTTY, MfsAdm.Status(f.P, "/A", out _));
        var user = f.K.CreateProcess(new Cred(1000, 1000));
        Assert.Equal(Errno.EPERM, MfsAdm.Offline(user, "/A/b", "y", out _));
    }

    [Fact]
    public async Task Resync_runs_online_while_applications_keep_writing()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        for (int i = 0; i < 50; i++)
            f.WriteFile($"/A/b/f{i}", new string('0', 20_000));
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        for (int i = 0; i < 50; i++)
            f.WriteFile($"/A/b/f{i}", new string('1', 20_000));
        var writer = Task.Run(() =>
        {
            var p = f.K.CreateProcess();
            for (int round = 0; round < 200; round++)
            {
                int i = round % 50;
                MirrorFixture.Ok(p.Open($"/A/b/f{i}", OFlags.O_WRONLY, 0, out int fd));
                MirrorFixture.Ok(p.Pwrite(fd, "2"u8.ToArray(), round, out _));
                MirrorFixture.Ok(p.Close(fd));
            }
        });
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out _, wait: true, full: false), error);
        await writer;
        Assert.Equal(CopyState.Available, mi.Copies[1].State);
        var v = f.Verify();
        Assert.True(v.Identical, string.Join("\n", v.Differences));
    }

    /// <summary>
    /// When reads move to Y (X left), the numbers the mirror gives its files move with them; a number Y gives one file
    /// must not be one X gave another. Here Y numbers /a as X numbered /b (a file made in Y behind the mirror's back put
    /// its numbering one ahead), and a client holding /b's number would take /a for /b (Fig. 9, seed 140053: an NFS
    /// client's cached attributes and fresh ones named one number for a directory and another file). Another copy's
    /// numbers carry its index in the top byte; readdir gives the same number as stat.
    /// </summary>
    [Fact]
    public void The_numbers_a_copy_gives_after_failover_never_meet_those_the_first_copy_gave_other_files()
    {
        using var f = YNumberingAhead();
        f.WriteFile("/A/b/a", "a");
        f.WriteFile("/A/b/b", "b");
        MirrorFixture.Ok(f.P.Stat("/A/b/b", out var b));

        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        MirrorFixture.Ok(f.P.Stat("/A/b/a", out var a));
        Assert.Equal(LowerIno(f, 1, "a"), LowerIno(f, 0, "b")); // the numbers the copies gave meet
        Assert.NotEqual(b!.Ino, a!.Ino);                          // the mirror's do not
        MirrorFixture.Ok(f.P.Open("/A/b", OFlags.O_RDONLY, 0, out int dfd));
        var buf = new byte[4096];
        MirrorFixture.Ok(f.P.Getdents(dfd, buf, out int n));
        MirrorFixture.Ok(f.P.Close(dfd));
        Assert.Equal(a.Ino, Dirent64.Parse(buf.AsSpan(0, n)).Single(d => d.Name == "a").Ino);
    }

    /// <summary>
    /// The first form of the fix above gave each answer the number of the copy that gave it, so a file's two names,
    /// one answered by X and one by Y after X left, showed two numbers (Fig. 6, seed 20264658, with Y's records lost
    /// and X the NFS copy). A mirror file keeps the number it was first given (Mnode.FileId).
    /// </summary>
    [Fact]
    public void Two_names_of_one_file_show_one_number_when_the_copy_that_answers_changes()
    {
        using var f = YNumberingAhead();
        f.WriteFile("/A/b/a", "a");
        MirrorFixture.Ok(f.P.Link("/A/b/a", "/A/b/b"));
        MirrorFixture.Ok(f.P.Open("/A/b/a", OFlags.O_RDONLY, 0, out int fd)); // the file's mnode stays
        MirrorFixture.Ok(f.P.Stat("/A/b/a", out var a));

        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        MirrorFixture.Ok(f.P.Stat("/A/b/b", out var b));
        Assert.Equal(a!.Ino, b!.Ino);
        MirrorFixture.Ok(f.P.Close(fd));
    }

    /// <summary>
    /// Fixed 76 (Fig. 6, seed 195019, a full resync of the NFS copy X): a look-up gave a living mnode another file in
    /// the copy that had numbered it (MnodeHash.Get, where a copy's vnode differs from the mnode's), and the mnode kept
    /// the old file's number, which X then gave a directory made later: two files showed one number. The file is
    /// numbered again then, as when SetCopy replaces it.
    /// </summary>
    [Fact]
    public void A_file_a_look_up_finds_anew_in_the_copy_that_numbered_it_takes_its_number_there()
    {
        using var f = new MirrorFixture();
        f.Mount();
        f.WriteFile("/A/b/a", "a");
        MirrorFixture.Ok(f.P.Open("/A/b/a", OFlags.O_RDONLY, 0, out int fd)); // the file's mnode stays
        MirrorFixture.Ok(f.P.Stat("/A/b/a", out var before));
        var x = f.Mfs.Copies[0].Root; // X's file under the name made again behind the mirror's back
        MirrorFixture.Ok(Vop.Remove(x, "a", Cred.Kcred));
        MirrorFixture.Ok(Vop.Create(x, "a", new Vattr(AttrMask.AT_TYPE | AttrMask.AT_MODE) { Type = VType.VREG, Mode = 0x1A4 },
            VcExcl.EXCL, AccessMode.VWRITE, out var made, Cred.Kcred, FileFlags.FWRITE));
        made!.Rele();
        f.K.Dnlc.Purge();
        MirrorFixture.Ok(f.P.Stat("/A/b/a", out var after));
        Assert.Equal(MirrorSubr.FileId(0, LowerIno(f, 0, "a")), after!.Ino);
        Assert.NotEqual(before!.Ino, after.Ino);
        MirrorFixture.Ok(f.P.Close(fd));
    }

    /// <summary>
    /// Finding 41 (Fig. 10, seed 691184): after X's disk failed, an NFS client held a file's number from before, when X
    /// answered, and a look-up of its other name after the failure showed Y's, the mnode of before having let go of the
    /// file. The mirror keeps the number a copy gave a file by the file's fids in the other copies (MirrorNumbers), so an
    /// mnode made after the copy failed takes the number of before.
    /// </summary>
    [Fact]
    public void A_file_whose_mnode_let_go_before_the_first_copy_failed_keeps_its_number_after()
    {
        using var f = YNumberingAhead();
        var mi = f.Mfs;
        f.WriteFile("/A/b/a", "a");
        MirrorFixture.Ok(f.P.Link("/A/b/a", "/A/b/b"));
        MirrorFixture.Ok(f.P.Stat("/A/b/a", out var a));
        f.K.Dnlc.Purge(); // the file's mnode lets go of it
        f.Faults(0).Fail(VopName.Mkdir, Errno.EIO);
        Assert.Equal(Errno.OK, f.P.Mkdir("/A/b/d", 0x1ED)); // X fails
        Assert.Equal(CopyState.Unavailable, mi.Copies[0].State);
        mi.Copies[0].Vfs.Faults = null;

        MirrorFixture.Ok(f.P.Stat("/A/b/b", out var b));
        Assert.Equal(a!.Ino, b!.Ino);
        Assert.Equal(MirrorSubr.FileId(0, LowerIno(f, 0, "a")), b.Ino);
        MirrorFixture.Ok(f.P.Stat("/A/b/d", out var d)); // made after: Y numbers it, tagged
        Assert.Equal(MirrorSubr.FileId(1, LowerIno(f, 1, "d")), d!.Ino);
    }

    /// <summary>
    /// Fig. 10, seed 861111: an mnode made from a handle naming X alone knows the file in X only, and its getattr, X
    /// answering, numbered the file again with no fid of Y's to record it by. The first form of Fixed 98 took that for
    /// another file and dropped the file's record, and after X's disk failed a look-up showed Y's number. The record
    /// keeps the file's fid in the copy that numbered it, and a numbering with the same fid there is the same file.
    /// </summary>
    [Fact]
    public void A_file_numbered_again_through_a_handle_of_the_first_copy_alone_keeps_its_number_after_that_copy_fails()
    {
        using var f = YNumberingAhead();
        var mi = f.Mfs;
        f.WriteFile("/A/b/a", "a");
        MirrorFixture.Ok(f.P.Stat("/A/b/a", out var a));
        MirrorFixture.Ok(f.P.Lookupname("/A/b/a", true, out var vp));
        MirrorFixture.Ok(Vop.Fid(vp!, Fid.MaxFidSize, out var whole));
        MirrorFixture.Ok(Vop.Fid(vp!, 2 + (whole!.Length - 2) / 2, out var xAlone)); // room for X's fid only
        vp!.Rele();
        f.K.Dnlc.Purge(); // the mnode lets go of the file
        MirrorFixture.Ok(VfsOp.Vget(mi.Vfs, out var byHandle, xAlone!)); // as an NFS server does for a client's handle
        var va = new Vattr(AttrMask.AT_NODEID);
        MirrorFixture.Ok(Vop.Getattr(byHandle!, va, AttrFlags.None, Cred.Kcred));
        Assert.Null(((Mnode)byHandle!.Data!).Copies[1]); // it knows the file in X alone
        byHandle.Rele();
        f.K.Dnlc.Purge();
        f.Faults(0).Fail(VopName.Mkdir, Errno.EIO);
        Assert.Equal(Errno.OK, f.P.Mkdir("/A/b/d", 0x1ED)); // X fails
        Assert.Equal(CopyState.Unavailable, mi.Copies[0].State);
        mi.Copies[0].Vfs.Faults = null;

        MirrorFixture.Ok(f.P.Stat("/A/b/a", out var after));
        Assert.Equal(a!.Ino, va.NodeId);
        Assert.Equal(a.Ino, after!.Ino);
    }

    /// <summary>
    /// A number the mirror keeps for a file goes when the copy that gave it may give it to another file: here X's file
    /// is made again behind the mirror's back while the mnode knows it (Mnode.CopyReplaced), and after X fails the file
    /// is numbered by Y, not by X's old number, which X's new file may have.
    /// </summary>
    [Fact]
    public void A_kept_number_goes_when_its_file_is_replaced_in_the_copy_that_gave_it()
    {
        using var f = YNumberingAhead();
        var mi = f.Mfs;
        f.WriteFile("/A/b/a", "a");
        MirrorFixture.Ok(f.P.Open("/A/b/a", OFlags.O_RDONLY, 0, out int fd)); // the file's mnode stays
        MirrorFixture.Ok(f.P.Stat("/A/b/a", out var before));
        var x = mi.Copies[0].Root;
        MirrorFixture.Ok(Vop.Remove(x, "a", Cred.Kcred));
        MirrorFixture.Ok(Vop.Create(x, "a", new Vattr(AttrMask.AT_TYPE | AttrMask.AT_MODE) { Type = VType.VREG, Mode = 0x1A4 },
            VcExcl.EXCL, AccessMode.VWRITE, out var made, Cred.Kcred, FileFlags.FWRITE));
        made!.Rele();
        f.K.Dnlc.Purge();
        MirrorFixture.Ok(f.P.Access("/A/b/a", AccessOk.R_OK)); // the look-up finds X's new file: the old number goes
        f.Faults(0).Fail(VopName.Mkdir, Errno.EIO);
        Assert.Equal(Errno.OK, f.P.Mkdir("/A/b/d", 0x1ED)); // X fails before it numbers the file again
        Assert.Equal(CopyState.Unavailable, mi.Copies[0].State);
        mi.Copies[0].Vfs.Faults = null;

        MirrorFixture.Ok(f.P.Stat("/A/b/a", out var after));
        Assert.Equal(MirrorSubr.FileId(1, LowerIno(f, 1, "a")), after!.Ino);
        Assert.NotEqual(before!.Ino, after.Ino);
        MirrorFixture.Ok(f.P.Close(fd));
    }

    /// <summary>
    /// A mounted mirror whose Y numbers one file more than X, as two disks number differently: a file made in Y behind
    /// the mirror's back, so Y's next file gets X's next but one.
    /// </summary>
    private static MirrorFixture YNumberingAhead()
    {
        var f = new MirrorFixture();
        f.Mount();
        MirrorFixture.Ok(Vop.Create(f.Mfs.Copies[1].Root, "extra", new Vattr(AttrMask.AT_TYPE | AttrMask.AT_MODE) { Type = VType.VREG, Mode = 0x180 },
            VcExcl.EXCL, AccessMode.VWRITE, out var extra, Cred.Kcred, FileFlags.FWRITE));
        extra!.Rele();
        return f;
    }

    private static ulong LowerIno(MirrorFixture f, int copy, string name)
    {
        var lv = f.LowerVnode(copy, name)!;
        var va = new Vattr(AttrMask.AT_NODEID);
        MirrorFixture.Ok(Vop.Getattr(lv, va, AttrFlags.None, Cred.Kcred));
        lv.Rele();
        return va.NodeId;
    }
}
