// Tests of Vfs.Mirror: a copy that was away rejoins with everything the other copies did while it was away -- the
// smallest reproducers of the rejoin bugs the simulator found (tests/Vfs.Sim.Tests/RejoinRegressionTests.cs replays
// them from their seeds; docs/verification.md lists them), and the two leftovers of issues 11 and 14: a change of
// extended attributes alone (it moves only the file's ctime) is found by the comparisons, and a copy's file that
// cannot be rewritten in place is made again. Each failed before its fix. The host's clock is virtual.
using System.Text;

namespace UnixVfs.Mirror.Tests;

public class RejoinTests
{
    private const ExtattrNamespace User = ExtattrNamespace.User;

    private readonly SteppedClock _clock = new();

    private MirrorFixture Fixture(string fstype = "tmpfs") => new(fstype: fstype, clock: _clock);

    private void Tick() => _clock.World.Advance(TimeSpan.FromMilliseconds(1));

    /// <summary>
    /// The clock set back 3 s before Y leaves: Y's files, stamped before, were later than the time it left, so online took
    /// them for changes made behind the mirror's back, compared the copies by their times, and a file made while Y was
    /// away (stamped on the clock set back further) lost to Y's "removal". Y's leaving time is now the host's newest time.
    /// </summary>
    [Fact]
    public void A_clock_set_back_before_a_copy_leaves_does_not_lose_a_file_made_while_it_was_away()
    {
        using var f = Fixture();
        var mi = f.Mount();
        Tick();
        f.WriteFile("/A/b/old", "before");
        Tick();
        _clock.Step = TimeSpan.FromSeconds(-3);
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        _clock.Step = TimeSpan.FromSeconds(-4);
        f.WriteFile("/A/b/new", "made while Y was away");
        _clock.Step = TimeSpan.Zero;
        Tick();

        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out _), error);
        Assert.Equal(CopyState.Available, mi.Copies[1].State);
        Assert.Equal("made while Y was away", f.ReadFile("/A/b/new"));
        Assert.Equal("made while Y was away", f.Lower(1, "new"));
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    /// <summary>
    /// An open file removed and its name made again while Y was away: the truncate of the old file reached the new one
    /// in Y (the name's replay kept Y's old file under the name, and the old file's logged size then went into it).
    /// </summary>
    [Fact]
    public void A_truncate_of_a_file_removed_and_made_again_while_a_copy_was_away_does_not_reach_the_new_file()
    {
        using var f = Fixture();
        var mi = f.Mount();
        MirrorFixture.Ok(f.P.Open("/A/b/f", OFlags.O_RDWR | OFlags.O_CREAT, 0x1A4, out int fd));
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        MirrorFixture.Ok(f.P.Ftruncate(fd, 6354));
        MirrorFixture.Ok(f.P.Unlink("/A/b/f"));
        f.WriteFile("/A/b/f", "new");
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out _), error);
        Assert.Equal(CopyState.Available, mi.Copies[1].State);
        Assert.Equal("new", f.Lower(1, "f"));
        MirrorFixture.Ok(f.P.Fstat(fd, out var st));
        Assert.Equal(6354, st!.Size);
        MirrorFixture.Ok(f.P.Close(fd));
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    /// <summary>An attribute set on Y directly while it was offline moves only the file's ctime: it reaches X at online.</summary>
    [Fact]
    public void An_extended_attribute_set_on_a_copy_while_it_was_away_reaches_the_other_at_online()
    {
        using var f = Fixture();
        var mi = f.Mount();
        Tick();
        f.WriteFile("/A/b/f", "data");
        Tick();
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        Tick();
        SetLower(f, 1, "f", "color", "red");
        Tick();

        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out _), error);
        Assert.Equal(CopyState.Available, mi.Copies[1].State);
        Assert.Equal("red", LowerAttr(f, 0, "f", "color"));
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    /// <summary>The same attribute set to other values on both sides while apart is a split brain, not a silent pick.</summary>
    [Fact]
    public void An_extended_attribute_changed_on_both_sides_while_apart_is_a_split_brain()
    {
        using var f = Fixture();
        var mi = f.Mount();
        Tick();
        f.WriteFile("/A/b/f", "data");
        Tick();
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        Tick();
        MirrorFixture.Ok(f.P.ExtattrSetFile("/A/b/f", User, "color", "blue"u8.ToArray()));
        Tick();
        SetLower(f, 1, "f", "color", "red");
        Tick();

        Assert.Equal(Errno.EBUSY, MfsAdm.Online(f.P, "/A/b", "y", out var error, out _));
        Assert.Contains("split brain: 1 names changed in more than one copy: /f", error);
        Assert.Equal(CopyState.Unavailable, mi.Copies[1].State);
        Assert.Equal("red", LowerAttr(f, 1, "f", "color"));
        MirrorFixture.Ok(MfsAdm.Resolve(f.P, "/A/b/f", "x", out error, out var lines), error);
        Assert.Contains(lines, l => l.Contains("Y's version is discarded (extended attributes differ)"));
        Assert.Equal("blue", LowerAttr(f, 1, "f", "color"));
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    /// <summary>
    /// Finding 19 (`vfs sim --world fig10 --seed 50265 --steps 184 --plan '91 offline x 0; 160 online x 0' --keep
    /// 1,2,9,19,88,118,122,123,160`: the other master's mirror gave X a directory while x's had it offline): a chown of
    /// a directory through the mirror while Y was away, and Y changed behind the mirror's back meanwhile. Online then
    /// compared the copies instead of replaying Y's log, and the comparison saw only the directory's entries: Y's
    /// directory kept its old owner. A directory's own mode, owner and extended attributes are compared too.
    /// </summary>
    [Fact]
    public void A_directory_chowned_while_a_copy_was_away_and_changed_behind_the_mirrors_back_gets_its_owner_at_online()
    {
        using var f = Fixture();
        var mi = f.Mount();
        Tick();
        MirrorFixture.Ok(f.P.Mkdir("/A/b/c", 0x1ED));
        Tick();
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        Tick();
        MirrorFixture.Ok(f.P.Chown("/A/b/c", 1000, 0));
        Tick();
        ChangeYBehindTheMirrorsBack(f);
        Tick();

        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out _), error);
        Assert.Equal(CopyState.Available, mi.Copies[1].State);
        Assert.Equal(1000u, LowerAttrs(f, 1, "c").Uid);
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    /// <summary>
    /// Finding 20 (`vfs sim --world fig10 --seed 50265 --steps 184 --plan '91 offline x 0; 160 online x 0' --keep
    /// 1,8,9,19,20,28,29,88,89,90,91,121,122,123`): a symlink made through the mirror in the very instant Y was taken
    /// offline, the clock not moved in between, and Y's top changed behind the mirror's back later. Online compared the
    /// copies; X's symlink, stamped at Y's leaving time, did not count as changed since, and Y's top, changed later, took
    /// it for a removal: the symlink went from X too. The copies in use count what they stamped in that instant.
    /// </summary>
    [Fact]
    public void A_name_made_in_the_instant_a_copy_left_is_kept_when_that_copy_was_changed_behind_the_mirrors_back()
    {
        using var f = Fixture();
        var mi = f.Mount();
        Tick();
        MirrorFixture.Ok(f.P.Mkdir("/A/b/c", 0x1ED));
        Tick();
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        MirrorFixture.Ok(f.P.Symlink("/A/b/c", "/A/b/a")); // no tick: the same instant
        Tick();
        ChangeYBehindTheMirrorsBack(f);
        Tick();

        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out _), error);
        Assert.Equal(CopyState.Available, mi.Copies[1].State);
        Assert.Equal(["a", "c", "made-on-y"], f.LowerNames(0, ""));
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    /// <summary>
    /// Finding 21: a link made through the mirror while Y was away, and Y changed behind the mirror's back meanwhile, so
    /// that online compared the copies: the new name was copied to Y whole, a second file, and the old name's file kept
    /// one link there. A name of a file with other links is now linked to the file the copy holds at another path that
    /// differs (MirrorHistory.Twins).
    /// </summary>
    [Fact]
    public void A_link_made_while_a_copy_was_away_and_changed_behind_the_mirrors_back_is_a_link_there_after_online()
    {
        using var f = Fixture();
        var mi = f.Mount();
        Tick();
        f.WriteFile("/A/b/c", "linked");
        Tick();
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        Tick();
        MirrorFixture.Ok(f.P.Link("/A/b/c", "/A/b/a"));
        Tick();
        ChangeYBehindTheMirrorsBack(f);
        Tick();

        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out _), error);
        Assert.Equal(CopyState.Available, mi.Copies[1].State);
        Assert.True(OneFileInY(f, "a", "c"), "Y's a and c are one file");
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    /// <summary>
    /// Finding 24: a symbolic link with two names; while Y was away it got a third name in a directory made meanwhile, one
    /// old name was renamed and the other removed. The resync renamed the file in Y but its mnode, looked up while Y was
    /// away, was not given Y's file; and the new directory was copied whole, its entries never asked for a twin. The link
    /// came back to Y as a second file. The rename replay now gives the mnode its file, and a directory copied whole
    /// links a file the copy already holds.
    /// </summary>
    [Fact]
    public void A_link_made_in_a_new_directory_while_a_copy_was_away_to_a_file_renamed_meanwhile_is_a_link_there_after_online()
    {
        using var f = Fixture();
        var mi = f.Mount();
        Tick();
        MirrorFixture.Ok(f.P.Mkdir("/A/b/c", 0x1ED));
        MirrorFixture.Ok(f.P.Mkdir("/A/b/c/b", 0x1ED));
        MirrorFixture.Ok(f.P.Mkdir("/A/b/c/c", 0x1ED));
        MirrorFixture.Ok(f.P.Symlink("/A/b/c", "/A/b/c/b/a"));
        MirrorFixture.Ok(f.P.Link("/A/b/c/b/a", "/A/b/c/c/a"));
        f.WriteFile("/A/b/d", "d1");
        Tick();
        f.K.Dnlc.Purge(); // the mnodes go while Y is there, and are made again while it is away, without Y's files
        f.Faults(1).FailAll(Errno.EIO);
        f.WriteFile("/A/b/d", "d2"); // Y fails: it is out of use, not offline, and its files are asked for nothing
        Assert.Equal(CopyState.Unavailable, mi.Copies[1].State);
        f.Faults(1).Clear();
        MirrorFixture.Ok(f.P.Mkdir("/A/b/c/b/b", 0x1ED));
        MirrorFixture.Ok(f.P.Rename("/A/b/c/c/a", "/A/b/c/b/c"));
        f.K.Dnlc.Purge();
        MirrorFixture.Ok(f.P.Lstat("/A/b/c/b/a", out _)); // c/b/c becomes the first name the mnode remembers...
        MirrorFixture.Ok(f.P.Link("/A/b/c/b/c", "/A/b/c/b/b/a"));
        MirrorFixture.Ok(f.P.Unlink("/A/b/c/b/a")); // ...and the one it goes by now, where the resync renames Y's file
        Tick();

        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out _), error);
        Assert.Equal(CopyState.Available, mi.Copies[1].State);
        Assert.True(OneFileInY(f, "c/b/b/a", "c/b/c"), "Y's c/b/b/a and c/b/c are one file");
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    /// <summary>
    /// Found by a probe of Fixed 65's first form, which gave a file renamed by the resync to its mnode whatever the name
    /// it had: /a/c, a link of /a/a, was removed while Y was offline, made again as a new file and renamed to /c/b. The
    /// resync renamed Y's /a/c -- the old file, a/a's -- to /c/b and gave it to the new file's mnode, so /c/b became a
    /// link of a/a's file on Y (`vfs sim --world fig10 --seed 91160 --steps 77 --plan '24 loss y 15; 32 offline y 0;
    /// 57 net-heal y 0; 57 online y 0' --keep 0,8,15,19,33,36,48,57`). Only a name the log had not changed before the
    /// rename leads to the file renamed (DirtyEntry.MovedFromKept).
    /// </summary>
    [Fact]
    public void A_name_removed_made_again_and_renamed_while_a_copy_was_away_is_a_file_of_its_own_there_after_online()
    {
        using var f = Fixture();
        var mi = f.Mount();
        Tick();
        MirrorFixture.Ok(f.P.Mkdir("/A/b/a", 0x1ED));
        MirrorFixture.Ok(f.P.Mkdir("/A/b/c", 0x1ED));
        f.WriteFile("/A/b/a/c", "");
        MirrorFixture.Ok(f.P.Link("/A/b/a/c", "/A/b/a/a"));
        Tick();
        f.K.Dnlc.Purge();
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        Tick();
        MirrorFixture.Ok(f.P.Unlink("/A/b/a/c"));
        f.WriteFile("/A/b/a/c", "");
        MirrorFixture.Ok(f.P.Rename("/A/b/a/c", "/A/b/c/b"));
        Tick();

        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out _), error);
        Assert.Equal(CopyState.Available, mi.Copies[1].State);
        Assert.False(OneFileInY(f, "a/a", "c/b"), "Y's c/b is a file of its own, not a link of a/a");
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    /// <summary>
    /// Finding 26 (`vfs sim --world mirror3 --seed 99849 --steps 111 --plan '40 disk-fail h:/b 15; 93 disk-heal h:/b 0'
    /// --keep 6,13,23,24,29,30,42,43,52,53,54,55,56,60,61,62,63,64,65,72,73,74,75,76,77,83,84,92,105,106,107,110`): a
    /// symbolic link with two names, one renamed over a directory removed while Y was away. Y still had the directory,
    /// so the resync could not rename its file there (a link over a directory), and the new name was copied whole: the
    /// link came back to Y as a second file. The file under the old name is the mnode's in Y whether it can be renamed
    /// or not, and the new name is made a link to it.
    /// </summary>
    [Fact]
    public void A_link_renamed_over_a_directory_removed_while_a_copy_was_away_stays_a_link_there_after_online()
    {
        using var f = Fixture();
        var mi = f.Mount();
        Tick();
        MirrorFixture.Ok(f.P.Mkdir("/A/b/a", 0x1ED));
        MirrorFixture.Ok(f.P.Mkdir("/A/b/a/b", 0x1ED));
        MirrorFixture.Ok(f.P.Mkdir("/A/b/a/b/c", 0x1ED));
        MirrorFixture.Ok(f.P.Symlink("/A/b/a/b", "/A/b/a/a"));
        MirrorFixture.Ok(f.P.Link("/A/b/a/a", "/A/b/a/b/b"));
        f.WriteFile("/A/b/d", "d1");
        Tick();
        f.K.Dnlc.Purge(); // the mnodes go while Y is there, and are made again while it is away, without Y's files
        f.Faults(1).FailAll(Errno.EIO);
        f.WriteFile("/A/b/d", "d2"); // Y fails
        Assert.Equal(CopyState.Unavailable, mi.Copies[1].State);
        f.Faults(1).Clear();
        MirrorFixture.Ok(f.P.Rmdir("/A/b/a/b/c"));
        MirrorFixture.Ok(f.P.Rename("/A/b/a/b/b", "/A/b/a/b/c"));
        Tick();

        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out _), error);
        Assert.Equal(CopyState.Available, mi.Copies[1].State);
        Assert.True(OneFileInY(f, "a/a", "a/b/c"), "Y's a/a and a/b/c are one file");
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    /// <summary>
    /// Fixed 83 (`vfs sim --world fig9 --seed 320009 --steps 84 --plan '21 offline x 0; 79 online x 0' --keep
    /// 3,4,14,29,45,53,77`): while Y was offline /a/b went to /c, /c/c up to /d, /c was removed, and /d renamed over
    /// the emptied /a. Y's replay moved its d from under Y's old /a/b, emptying the /a it replaced first; that let the
    /// mnode of the removed /c go of Y's /a/b, whose last hold it was, and the rename then used the directory with no
    /// holds: `panic: VOP_RENAME on vnode ... with no holds`. The replay now holds both directories while it moves.
    /// </summary>
    [Fact]
    public void A_directory_moved_up_and_renamed_over_its_old_grandparent_while_a_copy_was_away_rejoins()
    {
        using var f = Fixture();
        var mi = f.Mount();
        MirrorFixture.Ok(f.P.Mkdir("/A/b/a", 0x1ED));
        MirrorFixture.Ok(f.P.Mkdir("/A/b/a/b", 0x1ED));
        MirrorFixture.Ok(f.P.Mkdir("/A/b/a/b/c", 0x1ED));
        Tick();
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        MirrorFixture.Ok(f.P.Rename("/A/b/a/b", "/A/b/c"));
        MirrorFixture.Ok(f.P.Rename("/A/b/c/c", "/A/b/d"));
        MirrorFixture.Ok(f.P.Rmdir("/A/b/c"));
        MirrorFixture.Ok(f.P.Rename("/A/b/d", "/A/b/a"));
        Tick();

        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out _), error);
        Assert.Equal(CopyState.Available, mi.Copies[1].State);
        Assert.Equal(["a"], f.LowerNames(1, "/").Where(n => n != ".mfs"));
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    /// <summary>
    /// A directory given other modes on both sides while apart is not a split brain: a directory's ctime moves with its
    /// entries and its name too, so its times cannot say who changed its attributes (Finding 22: a directory chowned
    /// through the mirror and renamed by the other master was refused as one). The mode the mirror set while the copy
    /// was away is kept, the other reported as discarded, and the directory's entries stay as they are.
    /// </summary>
    [Fact]
    public void A_directory_chmodded_on_both_sides_while_apart_keeps_the_mirrors_mode_and_its_entries()
    {
        using var f = Fixture();
        var mi = f.Mount();
        Tick();
        MirrorFixture.Ok(f.P.Mkdir("/A/b/c", 0x1ED));
        f.WriteFile("/A/b/c/f", "f");
        Tick();
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        Tick();
        MirrorFixture.Ok(f.P.Chmod("/A/b/c", 0x1C0));
        Tick();
        var c = f.LowerVnode(1, "c")!;
        MirrorFixture.Ok(Vop.Setattr(c, new Vattr(AttrMask.AT_MODE) { Mode = 0x1E8 }, AttrFlags.None, Cred.Kcred));
        c.Rele();
        Tick();

        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out _), error);
        Assert.Contains(f.Mfs.Events, e => e.What.Contains("/c: a directory's own attributes differ") && e.What.Contains("Y's version is discarded"));
        Assert.Equal(CopyState.Available, mi.Copies[1].State);
        Assert.Equal(0x1C0u, LowerAttrs(f, 1, "c").Mode & 0xFFFu);
        Assert.Equal(["f"], f.LowerNames(1, "c"));
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    /// <summary>A full resync (and the mount's merge) compares attributes too: a file alike in everything else is replaced.</summary>
    [Fact]
    public void A_full_resync_brings_an_attribute_change_that_left_the_file_alike_otherwise()
    {
        using var f = Fixture();
        var mi = f.Mount();
        f.WriteFile("/A/b/f", "data");
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        MirrorFixture.Ok(f.P.ExtattrSetFile("/A/b/f", User, "color", "blue"u8.ToArray()));
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out var report, full: true), error);
        Assert.True(report!.Full);
        Assert.Equal(CopyState.Available, mi.Copies[1].State);
        Assert.Equal("blue", LowerAttr(f, 1, "f", "color"));
    }

    /// <summary>
    /// A file open through the mirror, renamed while Y was away, its old name made again: a full resync took Y's file
    /// under the old name for the new file's and rewrote it in place, while the open file's mnode still had it as its
    /// own. Its later writes and times then went to Y's new file (Fig. 8, seed 111119: verify found /b's mtime
    /// differ). A file of Y that an mnode has as another file's is now replaced, never rewritten in place.
    /// </summary>
    [Fact]
    public void A_full_resync_does_not_give_a_renamed_open_files_copy_to_the_file_made_under_its_old_name()
    {
        using var f = Fixture();
        var mi = f.Mount();
        MirrorFixture.Ok(f.P.Open("/A/b/f", OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int fd));
        MirrorFixture.Ok(f.P.Write(fd, "old"u8.ToArray(), out _));
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        MirrorFixture.Ok(f.P.Rename("/A/b/f", "/A/b/g"));
        f.WriteFile("/A/b/f", "new");
        Tick();

        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out var report, full: true), error);
        Assert.True(report!.Full);
        MirrorFixture.Ok(f.P.Pwrite(fd, "OLD"u8.ToArray(), 0, out _));
        MirrorFixture.Ok(f.P.Close(fd));
        Assert.Equal("new", f.Lower(1, "f"));
        Assert.Equal("OLD", f.Lower(1, "g"));
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    /// <summary>
    /// A full resync links a name the copy lacks to the copy's own twin of the file (Fixed 71), but a merge of names has
    /// no log to bring what the file got meanwhile: a file renamed and chowned (Fig. 6, seed 125112), renamed and written
    /// through an open descriptor (Fig. 8, seed 124010), or linked, renamed and truncated (Fig. 7, seed 123176) while Y
    /// was away kept Y's old owner, or Y's old bytes. The twin is now made alike once linked.
    /// </summary>
    [Theory]
    [InlineData("chown")]
    [InlineData("write")]
    [InlineData("truncate")]
    public void A_full_resync_that_links_a_new_name_to_the_copys_own_file_brings_what_it_got_meanwhile(string change)
    {
        using var f = Fixture();
        var mi = f.Mount();
        MirrorFixture.Ok(f.P.Open("/A/b/c", OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int fd));
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        if (change == "truncate")
        {
            MirrorFixture.Ok(f.P.Link("/A/b/c", "/A/b/a"));
            MirrorFixture.Ok(f.P.Rename("/A/b/c", "/A/b/b"));
            MirrorFixture.Ok(f.P.Truncate("/A/b/a", 9850));
        }
        else
        {
            MirrorFixture.Ok(f.P.Rename("/A/b/c", "/A/b/a"));
            MirrorFixture.Ok(change == "chown" ? f.P.Chown("/A/b/a", 1000, 100) : f.P.Write(fd, "while Y was away"u8.ToArray(), out _));
        }
        Tick();

        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out var report, full: true), error);
        Assert.True(report!.Full);
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
        Vattr x = LowerAttrs(f, 0, "a"), y = LowerAttrs(f, 1, "a");
        Assert.Equal((x.Size, x.Uid, x.Gid), (y.Size, y.Uid, y.Gid));
        MirrorFixture.Ok(f.P.Close(fd));
    }

    /// <summary>
    /// The same, for a file renamed into a directory that Y had as a symbolic link (Fig. 7, seed 133195): the full resync
    /// replaced Y's link by the directory, copied whole, and the copy of a tree linked the file to its twin deep inside,
    /// where the twin was never made alike. Now the twin is made alike wherever it is found (HardLinks.MakeAlike).
    /// </summary>
    [Fact]
    public void A_full_resync_brings_what_a_file_got_meanwhile_when_it_links_it_deep_in_a_tree_it_copies_whole()
    {
        using var f = Fixture();
        var mi = f.Mount();
        MirrorFixture.Ok(f.P.Open("/A/b/b", OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int fd));
        MirrorFixture.Ok(f.P.Symlink("b/b", "/A/b/c"));
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        MirrorFixture.Ok(f.P.Unlink("/A/b/c"));
        MirrorFixture.Ok(f.P.Mkdir("/A/b/c", 0x1ED));
        MirrorFixture.Ok(f.P.Rename("/A/b/b", "/A/b/c/b"));
        MirrorFixture.Ok(f.P.Truncate("/A/b/c/b", 4096));
        Tick();

        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out var report, full: true), error);
        Assert.True(report!.Full);
        Assert.Equal(4096, LowerAttrs(f, 1, "c/b").Size);
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
        MirrorFixture.Ok(f.P.Close(fd));
    }

    /// <summary>
    /// A file removed through the mirror and still open, written while Y was away: the log held the write, but a full
    /// resync replaces the log by a merge of names, and the file has none. Y kept its old bytes, and when X left, a read
    /// through the open descriptor found none of them (mirror3, seed 122050). A full resync now compares such files.
    /// </summary>
    [Fact]
    public void A_full_resync_brings_the_writes_a_removed_open_file_got_while_the_copy_was_away()
    {
        using var f = Fixture();
        var mi = f.Mount();
        MirrorFixture.Ok(f.P.Open("/A/b/f", OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int fd));
        MirrorFixture.Ok(f.P.Unlink("/A/b/f"));
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        MirrorFixture.Ok(f.P.Write(fd, "while Y was away"u8.ToArray(), out _));
        Tick();

        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out var report, full: true), error);
        Assert.True(report!.Full);
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        var buf = new byte[64];
        MirrorFixture.Ok(f.P.Pread(fd, buf, 0, out int n));
        Assert.Equal("while Y was away", Encoding.ASCII.GetString(buf, 0, n));
        MirrorFixture.Ok(f.P.Close(fd));
    }

    /// <summary>
    /// Issue 11 item 5: a copy's file that cannot be rewritten in place (every write to it fails, as after a bad block)
    /// is made again from the source -- by the log's replay and by a full resync -- so the copy rejoins.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_copy_whose_file_cannot_be_rewritten_in_place_gets_it_made_again_and_rejoins(bool full)
    {
        using var f = Fixture();
        var mi = f.Mount();
        f.WriteFile("/A/b/f", "v1");
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        f.WriteFile("/A/b/f", "v2, written while Y was away");
        var faults = f.FailWritesTo(1, "f");

        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out var report, full: full), error);
        Assert.Equal(CopyState.Available, mi.Copies[1].State);
        Assert.True(faults.Injected > 0);
        Assert.Equal(1, report!.Stats.Recreated);
        Assert.Equal("v2, written while Y was away", f.Lower(1, "f"));
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    /// <summary>Changes Y behind the mirror's back (a directory made in its top), so that online compares the copies.</summary>
    private static void ChangeYBehindTheMirrorsBack(MirrorFixture f)
    {
        var top = f.LowerVnode(1, "")!;
        MirrorFixture.Ok(Vop.Mkdir(top, "made-on-y", new Vattr(AttrMask.AT_TYPE | AttrMask.AT_MODE) { Type = VType.VDIR, Mode = 0x1ED }, out var made, Cred.Kcred));
        made!.Rele();
        top.Rele();
    }

    /// <summary>True when Y's names <paramref name="a"/> and <paramref name="b"/> are links of one file.</summary>
    private static bool OneFileInY(MirrorFixture f, string a, string b)
    {
        var va = f.LowerVnode(1, a)!;
        var vb = f.LowerVnode(1, b)!;
        bool same = Vop.Cmp(va, vb);
        va.Rele();
        vb.Rele();
        return same;
    }

    private static Vattr LowerAttrs(MirrorFixture f, int copy, string path)
    {
        var vp = f.LowerVnode(copy, path)!;
        var va = new Vattr(AttrMask.AT_ALL);
        MirrorFixture.Ok(Vop.Getattr(vp, va, AttrFlags.None, Cred.Kcred));
        vp.Rele();
        return va;
    }

    private static void SetLower(MirrorFixture f, int copy, string path, string name, string value)
    {
        var vp = f.LowerVnode(copy, path)!;
        MirrorFixture.Ok(Vop.Setextattr(vp, User, name, new Uio(Encoding.UTF8.GetBytes(value), 0, UioRw.UIO_WRITE), Cred.Kcred));
        vp.Rele();
    }

    private static string LowerAttr(MirrorFixture f, int copy, string path, string name)
    {
        var vp = f.LowerVnode(copy, path)!;
        try
        {
            var buf = new byte[256];
            var err = Vop.Getextattr(vp, User, name, new Uio(buf, 0, UioRw.UIO_READ), out long size, Cred.Kcred);
            return err == Errno.OK ? Encoding.UTF8.GetString(buf, 0, (int)size) : err.ToString();
        }
        finally
        {
            vp.Rele();
        }
    }

    /// <summary>A virtual clock that can be set back and forth by Step, as an administrator or NTP steps a host's clock.</summary>
    private sealed class SteppedClock : TimeProvider
    {
        public VirtualClock World { get; } = new();

        public TimeSpan Step { get; set; }

        public override DateTimeOffset GetUtcNow() => World.GetUtcNow() + Step;

        public override long GetTimestamp() => World.GetTimestamp();

        public override long TimestampFrequency => World.TimestampFrequency;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            World.CreateTimer(callback, state, dueTime, period);
    }
}
