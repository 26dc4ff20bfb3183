// Tests of Vfs.Mirror: the dirty log of a copy away kept on the copies in use (MirrorIntentLog.cs), and a mount after
// the mirroring host went down (MirrorRecovery.cs): the copies are brought together from that log, not by timestamps.
// The host's crash is modelled as a forced unmount, which drops everything the mirror held in memory; the copies
// (tmpfs here, as NFS servers would) keep what reached them.
namespace UnixVfs.Mirror.Tests;

public class RecoveryTests
{
    [Fact]
    public void After_a_crash_while_a_copy_was_away_the_remount_replays_its_log_and_nothing_removed_comes_back()
    {
        using var f = new MirrorFixture();
        f.Mount();
        f.WriteFile("/X/y/keep", "v1");
        f.WriteFile("/X/y/gone", "bye");
        MirrorFixture.Ok(f.P.Mkdir("/X/y/dir", 0x1ED));
        f.WriteFile("/X/y/dir/old", "old");
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        f.WriteFile("/X/y/keep", "v2, written while y was away");
        MirrorFixture.Ok(f.P.Unlink("/X/y/gone"));
        MirrorFixture.Ok(f.P.Unlink("/X/y/dir/old"));
        f.WriteFile("/X/y/new", "new");

        MirrorFixture.Ok(f.P.Umount("/X/y", UnmountFlags.MS_FORCE), "crash");
        Assert.Equal("bye", f.ReadFile("/X/y/gone")); // Y's own directory, as the crash left it

        var mi = f.Mount();
        Assert.Equal(CopyState.Unavailable, mi.Copies[1].State);
        Assert.Null(mi.MountMerge); // no timestamp merge: it would have brought "gone" back
        Assert.Equal(Errno.ENOENT, f.P.Stat("/X/y/gone", out _));
        Assert.Contains(mi.Events, e => e.What.StartsWith("behind X:"));

        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out _), error);
        Assert.Equal(CopyState.Available, mi.Copies[1].State);
        Assert.Null(f.Lower(1, "gone"));
        Assert.Null(f.Lower(1, "dir/old"));
        Assert.Equal("v2, written while y was away", f.Lower(1, "keep"));
        Assert.Equal("new", f.Lower(1, "new"));
        Assert.True(f.Verify().Identical);
        MirrorFixture.Ok(MirrorMeta.Read(mi.Copies[0].Root, out var x, out _));
        MirrorFixture.Ok(MirrorMeta.Read(mi.Copies[1].Root, out var y, out _));
        Assert.Equal(x!.Current, y!.Current);
        Assert.Equal(0UL, x.Bitmap);
    }

    /// <summary>
    /// Finding 50 (a 3-way mirror of UFS disks, a power cut and a restart): each copy's fsck salvaged what it found
    /// without a name into its own lost+found, and the mount, with a copy behind, merged nothing: `mfsadm verify` found
    /// a file in one copy's lost+found only. The copies' lost+found directories are now merged both ways at such a mount.
    /// </summary>
    [Fact]
    public void What_fsck_salvaged_into_one_copys_lost_found_after_a_crash_reaches_every_copy_at_the_remount()
    {
        using var f = new MirrorFixture(copies: 3);
        f.Mount(copies: 3);
        MirrorFixture.Ok(f.P.Mkdir("/X/y/lost+found", 0x1C0));
        f.WriteFile("/X/y/keep", "v1");
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "z", out _));
        f.WriteFile("/X/y/keep", "v2, written while z was away");
        MirrorFixture.Ok(f.P.Umount("/X/y", UnmountFlags.MS_FORCE), "crash");
        f.WriteFile("/A/b/lost+found/#77", "salvaged by X's fsck"); // behind the mirror's back, X alone

        var mi = f.Mount(copies: 3);
        Assert.Equal(CopyState.Unavailable, mi.Copies[2].State); // Z is behind: its log is replayed, its tree not merged
        // X and Y, in use at the crash, are compared among themselves (Fixed 121): X's salvaged file reaches Y that way
        Assert.Equal(1, mi.MountMerge!.Stats.Files);
        Assert.Equal("salvaged by X's fsck", f.Lower(1, "lost+found/#77"));
        Assert.Equal("salvaged by X's fsck", f.Lower(2, "lost+found/#77"));
        Assert.Contains(f.K.Messages, m => m.Contains("lost+found after the crash"));
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "z", out var error, out _), error);
        Assert.Equal("v2, written while z was away", f.Lower(2, "keep"));
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    [Fact]
    public void The_log_is_written_ahead_on_every_copy_in_use_and_removed_when_the_copy_is_back()
    {
        using var f = new MirrorFixture(copies: 3);
        var mi = f.Mount(copies: 3);
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        f.WriteFile("/X/y/a file", "data");
        var yid = mi.Generations.Metas[1].Copy;
        foreach (var c in new[] { mi.Copies[0], mi.Copies[2] })
        {
            MirrorFixture.Ok(MirrorIntentLog.Read(c.Root, yid, out var records));
            Assert.Contains(records!, r => r.Path == "/" && r.Name == "a file" && (r.Kind & DirtyKind.Names) != 0);
            Assert.Contains(records!, r => r.Path == "/a file" && r.Offset == 0 && r.Length == MirrorIntentLog.Extent && (r.Kind & DirtyKind.Data) != 0);
        }
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out _), error);
        foreach (var c in mi.Copies)
        {
            MirrorFixture.Ok(MirrorIntentLog.Read(c.Root, yid, out var records));
            Assert.Null(records);
        }
    }

    [Fact]
    public void Writes_into_an_extent_already_logged_add_no_record_and_a_crash_still_resyncs_them_all()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        var yid = mi.Generations.Metas[1].Copy;
        MirrorFixture.Ok(f.P.Open("/X/y/f", OFlags.O_CREAT | OFlags.O_WRONLY, 0x1A4, out int fd));
        var block = new byte[4096];
        for (int i = 0; i < 64; i++)   // 64 writes at scattered offsets of the first 4 MiB extent
        {
            block[0] = (byte)i;
            MirrorFixture.Ok(f.P.Pwrite(fd, block, (i * 37 % 1024) * 4096L, out _));
        }
        MirrorFixture.Ok(MirrorIntentLog.Read(mi.Copies[0].Root, yid, out var records));
        int before = records!.Count;
        Assert.Single(records, r => r.Path == "/f" && (r.Kind & DirtyKind.Data) != 0);
        MirrorFixture.Ok(f.P.Pwrite(fd, block, MirrorIntentLog.Extent + 10, out _));   // the next extent: one record more
        MirrorFixture.Ok(f.P.Close(fd));
        MirrorFixture.Ok(MirrorIntentLog.Read(mi.Copies[0].Root, yid, out records));
        Assert.Equal(before + 1, records!.Count);
        Assert.Contains(records, r => r.Path == "/f" && r.Offset == MirrorIntentLog.Extent && r.Length == MirrorIntentLog.Extent);

        MirrorFixture.Ok(f.P.Umount("/X/y", UnmountFlags.MS_FORCE), "crash");
        mi = f.Mount();
        Assert.Equal(CopyState.Unavailable, mi.Copies[1].State);
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out _), error);
        Assert.True(f.Verify().Identical);
    }

    [Fact]
    public void A_record_cut_short_by_a_crash_is_ignored_with_everything_after_it()
    {
        var text = MirrorIntentLog.Format("/a", DirtyKind.Data, 0, 4, null) + MirrorIntentLog.Format("/", DirtyKind.Names, 0, 0, "x y\nz")
            + MirrorIntentLog.Format("/b", DirtyKind.Data, 8, 4, null);
        var last = MirrorIntentLog.Format("/c", DirtyKind.Data, 0, 9, "a name");
        for (int cut = 0; cut < last.Length; cut++)
        {
            var records = MirrorIntentLog.Parse(text + last[..cut], out bool damaged);
            Assert.False(damaged, $"cut at {cut}: taken for damage");
            Assert.Equal(3, records.Count);
            Assert.Equal("x y\nz", records[1].Name);
            Assert.Equal("/b", records[2].Path);
        }
    }

    [Fact]
    public void A_record_whose_counted_name_is_as_long_as_an_int_goes_reads_as_cut_short_and_throws_nothing()
    {
        var good = MirrorIntentLog.Format("/a", DirtyKind.Data, 0, 4, null);
        foreach (var huge in new[] { "2147483647", "2147483646", "99999999999" })
        {
            var records = MirrorIntentLog.Parse(good + $"1 0 4 {huge}:/b 0: 00000000\n", out bool damaged);
            Assert.Single(records);
            records = MirrorIntentLog.Parse(good + $"1 0 4 2:/b {huge}:c 00000000\n", out damaged);
            Assert.Single(records);
        }
    }

    /// <summary>
    /// Found by RecordFuzzTests: a log whose records were damaged (zeroed, bits flipped, replaced) read as one cut short
    /// by a crash, so the copy's resync replayed fewer updates than were logged and the copies differed after it. Each
    /// record now carries a check; a log that does not read up to a record cut short at its end is damaged, and the copy
    /// is given a full resync.
    /// </summary>
    [Fact]
    public void A_damaged_log_is_told_from_one_a_crash_cut_short_and_its_copy_gets_a_full_resync()
    {
        var good = MirrorIntentLog.Format("/a", DirtyKind.Data, 0, 4, null) + MirrorIntentLog.Format("/b", DirtyKind.Data, 8, 4, null);
        var flipped = good.ToCharArray();
        flipped[2] = '7'; // the first record's offset
        foreach (var text in new[] { new string(flipped), new string('\0', good.Length), "\u0001garbage\n" + good, good.Replace(' ', '_') })
        {
            MirrorIntentLog.Parse(text, out bool damaged);
            Assert.True(damaged, $"not taken for damage: {text}");
        }

        using var f = new MirrorFixture();
        var mi = f.Mount();
        f.WriteFile("/X/y/a", "before");
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        f.WriteFile("/X/y/a", "written while y was away");
        f.WriteFile("/X/y/b", "new");
        var log = $"/A/b/.mfs/{MirrorIntentLog.FileName(mi.Generations.Metas[1].Copy)}";
        MirrorFixture.Ok(f.P.Umount("/X/y", UnmountFlags.MS_FORCE), "crash");
        MirrorFixture.Ok(f.P.Truncate(log, 0));
        f.WriteFile(log, new string('\0', 64));

        mi = f.Mount();
        Assert.Contains(mi.Events, e => e.What.Contains("no readable log (damaged)"));
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out _), error);
        Assert.Equal("written while y was away", f.Lower(1, "a"));
        Assert.Equal("new", f.Lower(1, "b"));
        Assert.True(f.Verify().Identical);
    }

    [Fact]
    public void Umount_with_a_pending_log_says_why_it_refuses_and_a_forced_one_keeps_the_log()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        f.WriteFile("/X/y/f", "data");
        Assert.Equal(Errno.EBUSY, f.P.Umount("/X/y"));
        Assert.Contains(f.K.Messages, m => m.Contains("not unmounted: copy Y has") && m.Contains("mfsadm online"));

        var yid = mi.Generations.Metas[1].Copy;
        MirrorFixture.Ok(f.P.Umount("/X/y", UnmountFlags.MS_FORCE));
        Assert.Contains(f.K.Messages, m => m.Contains("forced unmount: copy Y has") && m.Contains("the log stays"));
        MirrorFixture.Ok(MirrorIntentLog.Read(mi.Copies[0].Root, yid, out var records));
        Assert.NotEmpty(records!);
    }
}
