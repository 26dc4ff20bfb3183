// Tests of Vfs.Mirror: the bugs the simulator found in mirrors with a copy over NFS (docs/verification.md, Fixed), each
// the smallest reproducer of one (tests/Vfs.Sim.Tests/NfsFindingsTests.cs replays them from their seeds). Each failed
// before its fix. /X is an NFS import of a tmpfs on host srv; the host's and srv's clocks are virtual, one world's time
// seen with a skew of each host's own.
namespace UnixVfs.Mirror.Tests;

public class NfsCopyFindingsTests
{
    private readonly VirtualClock _world = new();
    private readonly Skewed _host, _srv;

    public NfsCopyFindingsTests()
    {
        _host = new Skewed(_world);
        _srv = new Skewed(_world);
    }

    private MirrorFixture Fixture() => new(fstype: "nfs", clock: _host, serverClock: _srv);

    /// <summary>
    /// Finding 4, first cause (`vfs sim --world fig7 --seed 20264203 --steps 141 --faults host,clock --keep 37,50`):
    /// Y's server's clock ahead, c made on Y, then Y lost by the symlink that made b on X (stamped no later than the
    /// time Y left). Y's leaving time was the mirror host's: c looked changed behind the mirror's back, online compared
    /// the copies by their times, and Y's top directory, stamped ahead, counted as a removal of b. Y's leaving time is
    /// now on Y's own clock, no earlier than the times the mirror saw Y stamp.
    /// </summary>
    [Fact]
    public void A_name_made_as_an_NFS_copy_whose_clock_is_ahead_fails_is_not_lost_when_it_returns()
    {
        using var f = Fixture();
        var mi = f.Mount();
        _world.Advance(TimeSpan.FromMilliseconds(1));
        _srv.Skew = TimeSpan.FromSeconds(1582);
        f.WriteFile("/A/b/c", "");
        f.Faults(1).Fail(VopName.Symlink, Errno.EIO);
        MirrorFixture.Ok(f.P.Symlink("a", "/A/b/b"));
        Assert.Equal(CopyState.Unavailable, mi.Copies[1].State);
        f.Mfs.Copies[1].Vfs.Faults = null;
        _srv.Skew = TimeSpan.Zero;
        _world.Advance(TimeSpan.FromMilliseconds(1));

        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out _), error);
        Assert.Equal(CopyState.Available, mi.Copies[1].State);
        Assert.Equal(["b", "c"], f.LowerNames(0, "/"));
        Assert.Equal(["b", "c"], f.LowerNames(1, "/"));
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    /// <summary>
    /// Fixed 95 (Finding 40, `vfs sim --world fig10 --seed 621072 --steps 162 --plan '29 restart x 0; 34 restart y 1'`):
    /// another master of the same two disks renamed /c to /b and made /c and /c/a again. This mirror's NFS client of
    /// Y still cached /c as the old directory, so a lookup of /c paired X's new /c with Y's old one, found /c/a in X
    /// alone, and its repair made /c/a in Y's old directory, now /b. A repair now first finds each copy's directory
    /// afresh under the mnode's path; one that is not there is let go of, and the lookup looks again.
    /// </summary>
    [Fact]
    public void A_lookup_repairs_nothing_into_a_directory_an_NFS_copy_caches_under_a_name_another_master_renamed()
    {
        using var f = Fixture();
        var mi = f.Mount("role=master");
        MirrorFixture.Ok(f.P.Mkdir("/X/y/c", 0x1ED));
        MirrorFixture.Ok(f.P.Stat("/X/y/c", out _));
        _world.Advance(TimeSpan.FromSeconds(1)); // within the client's attribute cache; the changes get later times
        var sp = f.Server!.CreateProcess();
        MirrorFixture.Ok(sp.Rename("/export/y/c", "/export/y/b"));
        MirrorFixture.Ok(sp.Mkdir("/export/y/c", 0x1ED));
        MirrorFixture.Ok(sp.Mkdir("/export/y/c/a", 0x1ED));
        var root = f.LowerVnode(0, "")!;
        MirrorFixture.Ok(Vop.Rename(root, "c", root, "b", Cred.Kcred));
        var dir = new Vattr(AttrMask.AT_TYPE | AttrMask.AT_MODE) { Type = VType.VDIR, Mode = 0x1ED };
        MirrorFixture.Ok(Vop.Mkdir(root, "c", dir, out var c, Cred.Kcred));
        MirrorFixture.Ok(Vop.Mkdir(c!, "a", dir, out var a, Cred.Kcred));
        a!.Rele();
        c!.Rele();
        root.Rele();
        f.K.Dnlc.PurgeVp(mi.Root.Vnode); // the mirror's own names; its NFS client's stay cached

        MirrorFixture.Ok(f.P.Stat("/X/y/c/a", out _));
        Assert.False(sp.Stat("/export/y/b/a", out _) == Errno.OK, "the lookup made /c/a in Y's old /c, now /b");
        Assert.DoesNotContain(mi.Events, e => e.What.StartsWith("repaired ", StringComparison.Ordinal));
        _world.Advance(TimeSpan.FromMinutes(2));
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    /// <summary>
    /// Fixed 84 (`vfs sim --world fig10 --seed 351288 --steps 171 --plan '53 loss y 25; 107 net-heal y 0'` with 59
    /// calls): the SETATTR that gives Y the primary's times after a flush timed out over a lossy link, and the mirror
    /// went on with Y in use: Y kept the time its server stamped as the writes landed, later than X's, and nothing
    /// brought it back (`mfsadm verify`: an mtime difference). A copy that fails to take the times is now taken out of
    /// use with the file's attributes in its log, as for any update it fails, and its resync gives them.
    /// </summary>
    [Fact]
    public void A_copy_that_cannot_take_the_primarys_times_after_a_flush_is_taken_out_of_use_and_given_them_by_its_resync()
    {
        using var f = Fixture();
        var mi = f.Mount("retries=0");
        _srv.Skew = TimeSpan.FromSeconds(7); // Y's server stamps its writes 7 s after X
        MirrorFixture.Ok(f.P.Open("/A/b/a", OFlags.O_WRONLY | OFlags.O_CREAT, 0x1A4, out int fd));
        MirrorFixture.Ok(f.P.Write(fd, "written"u8.ToArray(), out _));
        f.Faults(1).Fail(VopName.Setattr, Errno.ETIMEDOUT);
        MirrorFixture.Ok(f.P.Close(fd));
        Assert.Equal(CopyState.Unavailable, mi.Copies[1].State);
        f.Mfs.Copies[1].Vfs.Faults = null;
        _srv.Skew = TimeSpan.Zero;
        _world.Advance(TimeSpan.FromMilliseconds(1));

        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out _), error);
        Assert.Equal(CopyState.Available, mi.Copies[1].State);
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    /// <summary>
    /// Fixed 82 (`vfs sim --world fig8 --seed 314206 --steps 130 --plan '44 offline y 0; 47 offline y 0; 56 online y 1;
    /// 93 online y 0' --keep 18,19,24,25,26,27,28,29,33,39,54,55,56`): Y's NFS client held a write when Y was taken
    /// offline, and the file was written again while Y was away, keeping its size. Online sent the held write first,
    /// which stamped Y's file with the server's time then, the same as X's; the full resync found the two alike in
    /// every attribute and left Y without the later write. A file whose held writes online sent has its bytes compared.
    /// </summary>
    [Fact]
    public void A_file_whose_held_write_online_sent_has_its_bytes_compared_by_a_full_resync()
    {
        using var f = Fixture();
        var mi = f.Mount();
        MirrorFixture.Ok(f.P.Open("/A/b/a", OFlags.O_RDWR | OFlags.O_CREAT, 0x1A4, out int fd));
        MirrorFixture.Ok(f.P.Ftruncate(fd, 100));
        MirrorFixture.Ok(f.P.Pwrite(fd, "held!"u8.ToArray(), 25, out _));
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        MirrorFixture.Ok(f.P.Pwrite(fd, "while away"u8.ToArray(), 30, out _));

        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out var report, full: true), error);
        Assert.True(report!.Full);
        MirrorFixture.Ok(f.P.Close(fd));
        Assert.Equal(CopyState.Available, mi.Copies[1].State);
        Assert.Equal(f.Lower(0, "a"), f.Lower(1, "a"));
        Assert.Contains("held!while away", f.Lower(1, "a"));
    }

    /// <summary>
    /// Fixed 91 (`vfs sim --world fig7 --seed 503238 --steps 191 --plan '8 offline y 0; 16 skew y 2731000; 104 online
    /// y 1; 174 skew y 0'` with 10 calls): a file open through Y's going offline, then written, closed and removed, its
    /// mnode held by Y's log. Y's full resync removed Y's file, and the mnode kept it, as a removed file still open keeps
    /// its copy (since Fixed 86 made a full resync's mnodes forget as the log's replay does); the match
    /// of removed files then set its attributes over NFS, got ESTALE (an NFS copy cannot keep an unlinked file), and
    /// took Y out of use again. A copy's removed file that is gone is now forgotten, not matched.
    /// </summary>
    [Fact]
    public void A_file_removed_while_an_NFS_copy_was_offline_does_not_fail_its_full_resync()
    {
        using var f = Fixture();
        var mi = f.Mount();
        MirrorFixture.Ok(f.P.Open("/A/b/a", OFlags.O_WRONLY | OFlags.O_CREAT, 0x1A4, out int fd));
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        MirrorFixture.Ok(f.P.Write(fd, "while y was away"u8.ToArray(), out _));
        MirrorFixture.Ok(f.P.Close(fd));
        MirrorFixture.Ok(f.P.Unlink("/A/b/a"));
        _world.Advance(TimeSpan.FromMilliseconds(1));

        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out var report, full: true), error);
        Assert.True(report!.Full);
        Assert.Equal(CopyState.Available, mi.Copies[1].State);
        Assert.DoesNotContain("a", f.LowerNames(1, "/"));
        f.WriteFile("/A/b/b", "after");
        Assert.Equal(CopyState.Available, mi.Copies[1].State);
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    /// <summary>
    /// Finding 4, second cause (`vfs sim --world fig9 --seed 20265214 --steps 118 --faults copy,net,host,clock --keep
    /// 2,27,57`): the NFS client of Y held the write until close, whose WRITE failed; the client dropped the bytes and
    /// reported the error, and the mirror's retry of the close found nothing left to send and succeeded. Y stayed in
    /// use without the bytes. A write to a copy is now done when the copy closes or fsyncs the file: an op on a file
    /// with writes the copy may lack is not tried again, and the copy taken out of use gets their ranges in its log.
    /// </summary>
    [Fact]
    public void A_write_whose_flush_to_an_NFS_copy_fails_at_close_reaches_that_copy_by_its_resync()
    {
        using var f = Fixture();
        var mi = f.Mount();
        var export = f.Server!.Mounts.Single(v => v.MntPt == "/export");
        var faults = new VopFaults();
        export.Faults = faults;
        faults.Fail(VopName.Write, Errno.EIO);
        f.WriteFile("/A/b/c", "written while the server fails its writes");
        Assert.Equal(CopyState.Unavailable, mi.Copies[1].State);
        export.Faults = null;
        _world.Advance(TimeSpan.FromMilliseconds(1));

        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out _), error);
        Assert.Equal(CopyState.Available, mi.Copies[1].State);
        Assert.Equal("written while the server fails its writes", f.Lower(1, "c"));
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    /// <summary>
    /// Finding 4, second cause (`vfs sim --world fig9 --seed 20262210 --steps 123 --faults net,host,clock --keep
    /// 9,16,19`): a write the NFS client of Y held when a link took Y out of use was sent when Y came back, by the
    /// GETATTR of online's search for changes made behind the mirror's back; stamped after Y left, it counted as one,
    /// the copies were brought together by their times, and Y's file (one link) replaced X's (two): the link was lost.
    /// The held writes are now in Y's log, and online sends them before it searches, excusing what they stamp.
    /// With <paramref name="readerClosed"/>, Finding 14 (Fixed 52: `vfs sim --world fig6 --seed 9445 --steps 122 --faults
    /// net,clock --keep 20,...,76`): the file was also open read-only, and that descriptor was closed before Y left. A
    /// close without FWRITE flushes nothing (an NFS client flushes at the close of a file opened for writing), yet the
    /// mirror counted it as Y's flush and forgot the held write: online's search sent it, stamped after Y left, and
    /// merged by times. Only a writer's close counts now.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_write_an_NFS_copy_still_held_when_it_left_is_not_taken_for_a_change_behind_the_mirrors_back(bool readerClosed)
    {
        using var f = Fixture();
        var mi = f.Mount();
        MirrorFixture.Ok(f.P.Open("/A/b/a", OFlags.O_WRONLY | OFlags.O_CREAT, 0x1A4, out int fd));
        MirrorFixture.Ok(f.P.Open("/A/b/a", OFlags.O_RDONLY, 0, out int reader));
        MirrorFixture.Ok(f.P.Write(fd, new byte[7111], out _));
        if (readerClosed)
            MirrorFixture.Ok(f.P.Close(reader));
        f.Faults(1).Fail(VopName.Link, Errno.EIO);
        MirrorFixture.Ok(f.P.Link("/A/b/a", "/A/b/b"));
        Assert.Equal(CopyState.Unavailable, mi.Copies[1].State);
        f.Mfs.Copies[1].Vfs.Faults = null;
        _world.Advance(TimeSpan.FromMilliseconds(1));

        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out _), error);
        MirrorFixture.Ok(f.P.Close(fd));
        if (!readerClosed)
            MirrorFixture.Ok(f.P.Close(reader));
        Assert.Equal(CopyState.Available, mi.Copies[1].State);
        MirrorFixture.Ok(f.P.Stat("/A/b/a", out var st));
        Assert.Equal(2u, st!.Nlink);
        Assert.Equal(["a", "b"], f.LowerNames(0, "/"));
        Assert.Equal(["a", "b"], f.LowerNames(1, "/"));
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    /// <summary>
    /// Finding 2 on Figs. 9 and 10 (Fixed 46: `vfs sim --world fig9 --seed 20262390 --steps 98 --faults copy,net,clock
    /// --keep 20,...,97`): the exported mirror let go of a file after an NFS client's WRITE to it, and its fsync of Y
    /// sent the write Y's NFS client held; over a lossy link it landed 3 s later, stamped with the server's time then.
    /// No close or fsync through the mirror followed before Y left, so Y kept that mtime. A flush as the mirror lets go
    /// of a file now gives the copies the primary's times, as a close or fsync does.
    /// </summary>
    [Fact]
    public void A_write_an_NFS_copy_sends_as_the_mirror_lets_go_of_the_file_gets_the_primarys_mtime()
    {
        using var f = Fixture();
        f.Mount();
        f.WriteFile("/A/b/c", "");
        _world.Advance(TimeSpan.FromSeconds(1));
        MirrorFixture.Ok(f.P.Lookupname("/A/b/c", true, out var vp));
        MirrorFixture.Ok(Vop.Write(vp!, new Uio("6"u8.ToArray(), 0, UioRw.UIO_WRITE), FileFlags.None, Cred.Kcred));
        _world.Advance(TimeSpan.FromSeconds(3)); // Y's NFS client still holds the write
        vp!.Rele();                              // the mirror lets go of the file: Y's copy is fsynced, the WRITE lands now

        Assert.Equal("6", f.Lower(1, "c"));
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    /// <summary>One world's virtual time as a host with its own clock sees it (a clock fault moves Skew).</summary>
    /// <summary>
    /// Finding 4, a resync failing with ESTALE (`vfs sim --world fig6 --seed 4 --steps 180 --faults host,clock --keep
    /// 4,5,14,96,97`): b/c linked to b/a/a while the NFS copy was away, and a failed rmdir of b logged b's name, so the
    /// resync compared b's tree whole. It kept the copy's c as the twin of the source's (two links now), then found c
    /// differing (one link) and replaced it: removed it, and linked the name back to the twin, the removed file --
    /// ESTALE from the server. The twin now stays under its name.
    /// </summary>
    [Fact]
    public void A_file_linked_into_a_subdirectory_while_an_NFS_copy_was_away_stays_one_file_there()
    {
        using var f = Fixture();
        var mi = f.Mount();
        MirrorFixture.Ok(f.P.Mkdir("/A/b/b", 0x1ED));
        MirrorFixture.Ok(f.P.Mkdir("/A/b/b/a", 0x1ED));
        f.WriteFile("/A/b/b/c", "c");
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        MirrorFixture.Ok(f.P.Link("/A/b/b/c", "/A/b/b/a/a"));
        Assert.Equal(Errno.ENOTEMPTY, f.P.Rmdir("/A/b/b")); // logs b: its tree is compared whole at the resync
        _world.Advance(TimeSpan.FromMilliseconds(1));

        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out _), error);
        Assert.Equal(CopyState.Available, mi.Copies[1].State);
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    /// <summary>
    /// Finding 8, ESTALE on Figs. 6 and 7 (`vfs sim --world fig7 --seed 20264349 --steps 170 --faults net,clock --keep
    /// 9,52,59,61,76,81,94`): a file open before the NFS copy left, renamed into a directory, written and closed, then
    /// removed while the copy was away. The replay of the root's names removed the copy's file under its old name; an
    /// NFS copy keeps no unlinked file (no silly rename), so the handle the mnode still held was stale, and copying the
    /// file's logged ranges and times to it failed the resync with ESTALE. A removed file gone from the copy so is now
    /// left alone there (MirrorResync.SyncFile).
    /// </summary>
    [Fact]
    public void A_file_renamed_and_removed_while_an_NFS_copy_was_away_is_resynced_without_ESTALE()
    {
        using var f = Fixture();
        var mi = f.Mount();
        MirrorFixture.Ok(f.P.Mkdir("/A/b/c", 0x1ED));
        MirrorFixture.Ok(f.P.Open("/A/b/a", OFlags.O_RDWR | OFlags.O_CREAT, 0x1A4, out int fd));
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        MirrorFixture.Ok(f.P.Rename("/A/b/a", "/A/b/c/a"));
        MirrorFixture.Ok(f.P.Write(fd, new byte[7], out _));
        MirrorFixture.Ok(f.P.Close(fd));
        MirrorFixture.Ok(f.P.Unlink("/A/b/c/a"));
        _world.Advance(TimeSpan.FromMilliseconds(1));

        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out _), error);
        Assert.Equal(CopyState.Available, mi.Copies[1].State);
        Assert.Equal(["c"], f.LowerNames(1, "/"));
        Assert.Empty(f.LowerNames(1, "/c"));
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    /// <summary>
    /// Finding 8, Fig. 9 with network faults (`vfs sim --world fig9 --seed 20264336 --steps 168 --faults net,clock --keep
    /// 0,1,2,3,8,80,87,88`): a file with two names in b, one of them renamed into a while the NFS copy was away. The
    /// resync looked for the file's other name in the copy only in the directory it copies into, or by the file's own
    /// log entry and mnode; a rename logs its directories' names alone (and an NFS client of an exported mirror holds no
    /// mnode between calls), so a/c was copied as a second file with one link. Another name of the file in a logged
    /// directory, unchanged itself, now names it in the copy (MirrorResync.PrimeMovedLinks).
    /// </summary>
    [Fact]
    public void A_link_renamed_into_another_directory_while_an_NFS_copy_was_away_stays_a_link()
    {
        using var f = Fixture();
        var mi = f.Mount();
        MirrorFixture.Ok(f.P.Mkdir("/A/b/b", 0x1ED));
        MirrorFixture.Ok(f.P.Mkdir("/A/b/a", 0x1ED));
        f.WriteFile("/A/b/b/a", "");
        MirrorFixture.Ok(f.P.Link("/A/b/b/a", "/A/b/b/c"));
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        MirrorFixture.Ok(f.P.Rename("/A/b/b/c", "/A/b/a/c"));
        _world.Advance(TimeSpan.FromMilliseconds(1));

        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out _), error);
        Assert.Equal(CopyState.Available, mi.Copies[1].State);
        var vp = f.LowerVnode(1, "/a/c");
        Assert.NotNull(vp);
        var va = new Vattr(AttrMask.AT_NLINK);
        MirrorFixture.Ok(Vop.Getattr(vp!, va, AttrFlags.None, Cred.Kcred));
        vp!.Rele();
        Assert.Equal(2u, va.Nlink);
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    private sealed class Skewed(VirtualClock world) : TimeProvider
    {
        public TimeSpan Skew { get; set; }

        public override DateTimeOffset GetUtcNow() => world.GetUtcNow() + Skew;

        public override long GetTimestamp() => world.GetTimestamp();

        public override long TimestampFrequency => world.TimestampFrequency;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            world.CreateTimer(callback, state, dueTime, period);
    }
}
