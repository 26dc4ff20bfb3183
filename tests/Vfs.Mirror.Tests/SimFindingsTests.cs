// Tests of Vfs.Mirror: bugs the deterministic simulator (Vfs.Sim) found, each as the smallest reproducer at this layer.
// The simulator's own replay of each is in tests/Vfs.Sim.Tests/FindingsTests.cs; docs/verification.md lists them.
using System.Text;

namespace UnixVfs.Mirror.Tests;

public class SimFindingsTests
{
    /// <summary>
    /// A write to an open, unlinked file while the copy that serves reads was away was lost on that copy at resync (no
    /// name led to it), so fstat and read through the mirror saw the old file: size 0.
    /// </summary>
    [Fact]
    public void A_write_to_an_open_unlinked_file_while_a_copy_was_away_reaches_that_copy_at_resync()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        MirrorFixture.Ok(f.P.Open("/X/y/f", OFlags.O_RDWR | OFlags.O_CREAT, 0x1A4, out int fd));
        MirrorFixture.Ok(f.P.Unlink("/X/y/f"));
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        MirrorFixture.Ok(f.P.Pwrite(fd, Encoding.ASCII.GetBytes("hello!"), 0, out _));
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "x", out var error, out _), error);
        Assert.Equal(CopyState.Available, mi.Copies[0].State);

        var serr = f.P.Fstat(fd, out var st);
        var buf = new byte[16];
        var rerr = f.P.Pread(fd, buf, 0, out int n);
        MirrorFixture.Ok(f.P.Close(fd));
        MirrorFixture.Ok(serr);
        Assert.Equal(6, st!.Size);
        MirrorFixture.Ok(rerr);
        Assert.Equal("hello!", Encoding.ASCII.GetString(buf, 0, n));
    }

    /// <summary>
    /// A rename refused everywhere (ENOTEMPTY) while a copy was away still logs its names for that copy; the resync then
    /// replaced the directory under the logged name whole, and a file in it came back as a new file, no longer a
    /// hard link of its other name outside the directory.
    /// </summary>
    [Fact]
    public void A_hard_link_into_a_directory_named_by_a_refused_rename_survives_the_resync()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        MirrorFixture.Ok(f.P.Mkdir("/X/y/a", 0x1ED));
        MirrorFixture.Ok(f.P.Open("/X/y/a/b", OFlags.O_RDWR | OFlags.O_CREAT, 0x1A4, out int fd));
        MirrorFixture.Ok(f.P.Link("/X/y/a/b", "/X/y/c"));
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/d", 0x1ED));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/d/a", 0x1ED));
        Assert.Equal(Errno.ENOTEMPTY, f.P.Rename("/X/y/d/a", "/X/y/a"));
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out _), error);
        Assert.Equal(CopyState.Available, mi.Copies[1].State);

        MirrorFixture.Ok(f.P.Close(fd));
        var b = f.LowerVnode(1, "a/b")!;
        var c = f.LowerVnode(1, "c")!;
        var va = new Vattr(AttrMask.AT_NLINK);
        var gerr = Vop.Getattr(b, va, AttrFlags.None, Cred.Kcred);
        bool same = Vop.Cmp(b, c);
        b.Rele(); // before asserting: a hold left behind would fail the fixture's Dispose and hide the assertion
        c.Rele();
        MirrorFixture.Ok(gerr);
        Assert.Equal(2u, va.Nlink);
        Assert.True(same, "a/b and c are one file on Y");
        Assert.True(f.Verify().Identical);
    }

    /// <summary>
    /// Each copy stamps a new file with its own clock; only a write's close gave them one time, so a file created by
    /// open(O_RDONLY|O_CREAT) over an NFS copy kept two mtimes and verify reported it.
    /// </summary>
    [Fact]
    public void A_file_created_and_never_written_has_one_mtime_on_every_copy()
    {
        using var f = new MirrorFixture(fstype: "nfs");
        f.Mount();
        MirrorFixture.Ok(f.P.Open("/X/y/a", OFlags.O_RDONLY | OFlags.O_CREAT, 0x1A4, out int fd));
        MirrorFixture.Ok(f.P.Close(fd));
        var report = f.Verify();
        Assert.True(report.Identical, string.Join("; ", report.Differences.Select(d => $"{d.Path}: {d.What}")));
    }

    /// <summary>
    /// A mnode made by VFS_VGET from a handle that carries one copy (an NFS client's, Figs. 9 and 10) finds its other
    /// copies by looking its path up through the mirror. Lookup and link did that while holding a directory's DirLock,
    /// taking other DirLocks inside it: the lock-order checker stopped the NFS server's thread.
    /// </summary>
    [Theory]
    [InlineData("lookup")]
    [InlineData("link")]
    public void An_op_on_a_file_found_by_a_handle_of_one_copy_finds_the_other_copies_before_locking(string op)
    {
        var f = new MirrorFixture(); // disposed only when the test passes: Dispose checks holds, and a failure here leaves some
        var mi = f.Mount();
        MirrorFixture.Ok(f.P.Mkdir("/X/y/d", 0x1ED));
        f.WriteFile("/X/y/d/x", "x");
        var fid = OneCopyHandle(f, mi, op == "lookup" ? "/X/y/d" : "/X/y/d/x");
        f.K.Dnlc.Purge(); // the mnode goes: VFS_VGET must make it again from the handle
        MirrorFixture.Ok(VfsOp.Vget(mi.Vfs, out var vp, fid));
        MirrorFixture.Ok(f.P.Lookupname("/X/y", true, out var top));
        Vnode? x = null;
        Errno err;
        try
        {
            err = op == "lookup"
                ? Vop.Lookup(vp!, "x", out x, LookupFlags.None, null, Cred.Kcred)
                : Vop.Link(top!, vp!, "x2", Cred.Kcred);
        }
        finally
        {
            x?.Rele();
            vp!.Rele();
            top!.Rele();
        }
        MirrorFixture.Ok(err, op + " on what VFS_VGET made");
        Assert.True(f.Verify().Identical);
        f.Dispose();
    }

    /// <summary>
    /// Directories renamed in a cycle while a copy was away (d into a new a, then a to d): the resync kept the copy's old
    /// d as the new d and made its entries the source's, but the mnode of the old directory still held it, so the old
    /// directory's logged chmod went to the copy's new d.
    /// </summary>
    [Fact]
    public void Directories_renamed_in_a_cycle_while_a_copy_was_away_keep_their_own_modes()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        MirrorFixture.Ok(f.P.Mkdir("/X/y/d", 0x1FF));
        MirrorFixture.Ok(f.P.Open("/X/y/d/f", OFlags.O_RDWR | OFlags.O_CREAT, 0x1A4, out int fd)); // keeps d's mnode
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/a", 0x1FF));
        MirrorFixture.Ok(f.P.Rename("/X/y/d", "/X/y/a/d"));
        MirrorFixture.Ok(f.P.Chmod("/X/y/a/d", 0x1C0));
        MirrorFixture.Ok(f.P.Rename("/X/y/a", "/X/y/d"));
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out _), error);
        Assert.Equal(CopyState.Available, mi.Copies[1].State);
        MirrorFixture.Ok(f.P.Close(fd));

        Assert.Equal(LowerMode(f, 0, "d"), LowerMode(f, 1, "d"));
        Assert.Equal(0x1C0u, LowerMode(f, 1, "d/d"));
        Assert.True(f.Verify().Identical);
    }

    /// <summary>
    /// An open file linked to a second name and unlinked from its first while a copy was away: the resync copied it
    /// whole under the new name and removed the old one, and the mnode, which forgot the removed file, looked its own
    /// gone name up again. Its later writes missed the copy (Fig. 10: /m/c read back size 0).
    /// </summary>
    [Fact]
    public void A_write_to_an_open_file_that_lives_on_under_a_link_made_while_a_copy_was_away_reaches_that_copy()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        MirrorFixture.Ok(f.P.Open("/X/y/a", OFlags.O_RDWR | OFlags.O_CREAT, 0x1A4, out int fd));
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        MirrorFixture.Ok(f.P.Link("/X/y/a", "/X/y/c"));
        MirrorFixture.Ok(f.P.Unlink("/X/y/a"));
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "x", out var error, out _), error);
        Assert.Equal(CopyState.Available, mi.Copies[0].State);

        MirrorFixture.Ok(f.P.Pwrite(fd, Encoding.ASCII.GetBytes("hi"), 0, out _));
        MirrorFixture.Ok(f.P.Close(fd));
        Assert.Equal("hi", f.Lower(0, "c"));
        Assert.True(f.Verify().Identical);
    }

    /// <summary>
    /// A directory renamed out of its parent and back over it (its old place) while a copy was away: the resync kept the
    /// copy's old directory under that name and gave it the new one's entries, but the mnode of the removed old
    /// directory (held open here, as the simulator's DNLC held it) still had it, and the name logged for the old one,
    /// replayed from its empty source, removed the new one's entry of that name: the copy's /b/c held [c], not [b c].
    /// </summary>
    [Fact]
    public void A_directory_renamed_over_its_old_parent_while_a_copy_was_away_keeps_its_entries_there()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        MirrorFixture.Ok(f.P.Mkdir("/X/y/b", 0x1ED));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/b/c", 0x1ED));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/b/c/b", 0x1ED));
        f.WriteFile("/X/y/b/c/b/c", "c");
        MirrorFixture.Ok(f.P.Open("/X/y/b/c", OFlags.O_RDONLY | OFlags.O_DIRECTORY, 0, out int fd)); // its mnode keeps X's /b/c
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        MirrorFixture.Ok(f.P.Symlink("b", "/X/y/b/c/b/b"));
        MirrorFixture.Ok(f.P.Rename("/X/y/b/c/b", "/X/y/c"));
        MirrorFixture.Ok(f.P.Rename("/X/y/c", "/X/y/b/c")); // over the old, now empty, /b/c
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "x", out var error, out _), error);
        Assert.Equal(CopyState.Available, mi.Copies[0].State);
        MirrorFixture.Ok(f.P.Close(fd));

        Assert.Equal(["b", "c"], f.LowerNames(0, "b/c"));
        Assert.True(f.Verify().Identical);
    }

    /// <summary>
    /// Finding 18 (`vfs sim --world fig9 --seed 20262336 --steps 198 --plan '39 partition y 0; 98 net-heal y 0'`, 36
    /// calls kept): while a copy was away the entries of /a were removed and /d, holding a link of a file that was then
    /// written, was renamed over it. The copy's /a still had its entries, so the rename could not be replayed there and
    /// the copy's /a was kept as the new one; but the links' priming had looked /a up by name in the copy for /d's mnode,
    /// so the old /a's mnode was not told to let go of it, and its names, replayed from its empty source, removed b.
    /// A removed directory's names are no longer replayed.
    /// </summary>
    [Fact]
    public void A_directory_renamed_over_one_emptied_while_a_copy_was_away_keeps_its_linked_file_there()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        MirrorFixture.Ok(f.P.Mkdir("/X/y/a", 0x1ED));
        f.WriteFile("/X/y/a/x", "x");
        MirrorFixture.Ok(f.P.Mkdir("/X/y/d", 0x1ED));
        f.WriteFile("/X/y/d/b", "b");
        MirrorFixture.Ok(f.P.Link("/X/y/d/b", "/X/y/f"));
        MirrorFixture.Ok(f.P.Open("/X/y/a", OFlags.O_RDONLY | OFlags.O_DIRECTORY, 0, out int fd)); // its mnode keeps X's /a
        f.K.Dnlc.Purge(); // /d's mnode lets go of its files: the replay finds /d's by name
        f.Faults(0).Fail(VopName.Write, Errno.EIO);
        f.WriteFile("/X/y/other", "X fails this write and is taken out of use, not asked again");
        Assert.Equal(CopyState.Unavailable, mi.Copies[0].State);
        mi.Copies[0].Vfs.Faults = null;
        MirrorFixture.Ok(f.P.Unlink("/X/y/a/x"));
        MirrorFixture.Ok(f.P.Rename("/X/y/d", "/X/y/a")); // over the emptied /a
        f.WriteFile("/X/y/a/b", "b, written while X was away", OFlags.O_APPEND);
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "x", out var error, out _), error);
        Assert.Equal(CopyState.Available, mi.Copies[0].State);
        MirrorFixture.Ok(f.P.Close(fd));

        Assert.Equal(["b"], f.LowerNames(0, "a"));
        Assert.Empty(f.Verify().Differences);
    }

    /// <summary>
    /// A directory renamed while a copy was away, with a file in it open: the resync removed the copy's directory under
    /// the old name and copied the source's whole under the new, but the open file's mnode still held the removed file
    /// in that copy, so a write after the resync went there and the copy's new file stayed empty.
    /// </summary>
    [Fact]
    public void A_write_to_an_open_file_in_a_directory_renamed_while_a_copy_was_away_reaches_that_copy()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        MirrorFixture.Ok(f.P.Mkdir("/X/y/d", 0x1ED));
        MirrorFixture.Ok(f.P.Open("/X/y/d/f", OFlags.O_RDWR | OFlags.O_CREAT, 0x1A4, out int fd));
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        MirrorFixture.Ok(f.P.Rename("/X/y/d", "/X/y/e"));
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "x", out var error, out _), error);
        Assert.Equal(CopyState.Available, mi.Copies[0].State);

        MirrorFixture.Ok(f.P.Pwrite(fd, Encoding.ASCII.GetBytes("hi"), 0, out _));
        MirrorFixture.Ok(f.P.Close(fd));
        Assert.Equal("hi", f.Lower(0, "e/f"));
        Assert.True(f.Verify().Identical);
    }

    /// <summary>
    /// A hard link renamed while a copy was away, after a rename of its other name was refused (EISDIR, which still logs
    /// the name): the resync copied the renamed link as a new file, since the file's other name counted as changed, and
    /// removed the old link, so the copy was left two files where the source has one with two names.
    /// </summary>
    [Fact]
    public void A_link_renamed_after_a_refused_rename_of_its_other_name_stays_a_link_on_the_copy_that_was_away()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        MirrorFixture.Ok(f.P.Mkdir("/X/y/b", 0x1ED));
        f.WriteFile("/X/y/a", "a");
        MirrorFixture.Ok(f.P.Link("/X/y/a", "/X/y/b/a"));
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        Assert.Equal(Errno.EISDIR, f.P.Rename("/X/y/a", "/X/y/b"));
        MirrorFixture.Ok(f.P.Rename("/X/y/b/a", "/X/y/c"));
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "x", out var error, out _), error);
        Assert.Equal(CopyState.Available, mi.Copies[0].State);

        AssertOneFile(f, 0, "a", "c");
        Assert.True(f.Verify().Identical);
    }

    /// <summary>
    /// A hard link made into another directory while a copy was away (Fig. 7, seed 20264435): the file's mnode, found
    /// under the new name, kept its old one as an alias, but not its old directory, which went inactive (its parent and
    /// copies let go), so the resync could no longer look the old name up in the copy and copied the new one whole as a
    /// second file: the copy's /a/b had one link, the source's two.
    /// </summary>
    [Fact]
    public void A_link_made_into_another_directory_while_a_copy_was_away_stays_a_link_after_the_old_directory_is_let_go()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        MirrorFixture.Ok(f.P.Mkdir("/X/y/a", 0x1ED));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/c", 0x1ED));
        MirrorFixture.Ok(f.P.Open("/X/y/a/b", OFlags.O_RDWR | OFlags.O_CREAT, 0x1A4, out int fd)); // keeps b's mnode
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        MirrorFixture.Ok(f.P.Link("/X/y/a/b", "/X/y/c/b"));
        MirrorFixture.Ok(f.P.Stat("/X/y/c/b", out _)); // b's mnode now lives in c, with a/b an alias
        f.K.Dnlc.Purge(); // and nothing else holds a's mnode
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "x", out var error, out _), error);
        Assert.Equal(CopyState.Available, mi.Copies[0].State);
        MirrorFixture.Ok(f.P.Close(fd));

        AssertOneFile(f, 0, "a/b", "c/b");
        Assert.True(f.Verify().Identical);
    }

    /// <summary>
    /// A directory renamed while a copy was away, holding a hard link of a file outside it (Fig. 5, seed 20261484): the
    /// resync removed the copy's directory under the old name and copied the source's whole under the new one, so the
    /// link came back as a second file: the copy's b/a had one link, the source's two. The copy's directory is now
    /// renamed too.
    /// </summary>
    [Fact]
    public void A_hard_link_in_a_directory_renamed_while_a_copy_was_away_stays_a_link()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        MirrorFixture.Ok(f.P.Mkdir("/X/y/a", 0x1ED));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/b", 0x1ED));
        MirrorFixture.Ok(f.P.Symlink("a", "/X/y/b/a"));
        MirrorFixture.Ok(f.P.Link("/X/y/b/a", "/X/y/a/c"));
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        f.K.Dnlc.Purge(); // a's mnode goes, and with it what it knew of y's a
        MirrorFixture.Ok(f.P.Rename("/X/y/a", "/X/y/b/c"));
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out _), error);
        Assert.Equal(CopyState.Available, mi.Copies[1].State);

        AssertOneFile(f, 1, "b/a", "b/c/c");
        Assert.Null(f.LowerVnode(1, "a"));
        Assert.True(f.Verify().Identical);
    }

    /// <summary>
    /// A file linked into another directory while a copy was away, its first directory then renamed into a directory the
    /// copy also lacks (3-way mirror, seed 20261809: a disk fault kept the copy from making b). The resync primed its
    /// link table with the copy's a/c, then removed the copy's a (gone from the root) and copied b whole: b/c/c, the same
    /// file, was to be linked to the table's a/c, a file no name held any more, and the link failed with ENOENT, so the
    /// copy stayed Unavailable. A twin the copy no longer names is now forgotten, and the file copied again.
    /// </summary>
    [Fact]
    public void A_link_whose_first_directory_was_renamed_into_a_new_one_while_a_copy_was_away_survives_the_resync()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        MirrorFixture.Ok(f.P.Mkdir("/X/y/a", 0x1ED));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/c", 0x1ED));
        MirrorFixture.Ok(f.P.Open("/X/y/a/c", OFlags.O_RDWR | OFlags.O_CREAT, 0x1A4, out int fd)); // keeps c's mnode
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/b", 0x1ED));
        MirrorFixture.Ok(f.P.Link("/X/y/a/c", "/X/y/c/b"));
        MirrorFixture.Ok(f.P.Rename("/X/y/a", "/X/y/b/c"));
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out _), error);
        Assert.Equal(CopyState.Available, mi.Copies[1].State);
        MirrorFixture.Ok(f.P.Pwrite(fd, Encoding.ASCII.GetBytes("both"), 0, out _));
        MirrorFixture.Ok(f.P.Close(fd));

        AssertOneFile(f, 1, "b/c/c", "c/b");
        Assert.Null(f.LowerVnode(1, "a"));
        Assert.Equal("both", f.Lower(1, "c/b"));
        Assert.True(f.Verify().Identical);
    }

    /// <summary>
    /// Finding 4's Fig. 8 case (seed 20263205): a file made while a copy was away, linked into a directory the copy
    /// lacked too and unlinked from its own name while open. The resync copied the new directory whole, with the file in
    /// it; the mnode, which never had a file in that copy, looked its gone name up at close (ENOENT), and the copy was
    /// taken out of use again. The mnode now learns the names a link gives it, and takes one when its own is removed.
    /// </summary>
    [Fact]
    public void An_open_file_made_and_linked_into_a_new_directory_while_a_copy_was_away_keeps_that_copy_after_its_own_name_goes()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/d", 0x1ED));
        MirrorFixture.Ok(f.P.Open("/X/y/c", OFlags.O_RDWR | OFlags.O_CREAT, 0x1A4, out int fd));
        MirrorFixture.Ok(f.P.Link("/X/y/c", "/X/y/d/c"));
        MirrorFixture.Ok(f.P.Unlink("/X/y/c"));
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "x", out var error, out _), error);
        Assert.Equal(CopyState.Available, mi.Copies[0].State);

        var werr = f.P.Pwrite(fd, Encoding.ASCII.GetBytes("hi"), 0, out _);
        var cerr = f.P.Close(fd);
        MirrorFixture.Ok(werr);
        MirrorFixture.Ok(cerr);
        Assert.Equal(CopyState.Available, mi.Copies[0].State);
        Assert.Equal("hi", f.Lower(0, "d/c"));
        Assert.True(f.Verify().Identical);
    }

    /// <summary>
    /// Finding 5 (the conformance suite, shrunk): an open file made while copy y was away lost its last name to a rename
    /// before y came back, so y never had it; once x went offline nothing held the file and close returned ENOENT, its
    /// bytes gone with x. The resync now gives the copy such a file too, unlinked as in the copy it comes from.
    /// </summary>
    [Theory]
    [InlineData("tmpfs")]
    [InlineData("ufs")]
    public void An_open_file_whose_last_name_a_rename_removed_while_a_copy_was_away_lives_on_that_copy(string fstype)
    {
        using var f = new MirrorFixture(fstype: fstype);
        var mi = f.Mount();
        MirrorFixture.Ok(f.P.Symlink("a/c", "/X/y/b"));
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        MirrorFixture.Ok(f.P.Open("/X/y/a", OFlags.O_RDWR | OFlags.O_CREAT, 0x1A4, out int fd));
        MirrorFixture.Ok(f.P.Pwrite(fd, Encoding.ASCII.GetBytes("kept"), 0, out _));
        MirrorFixture.Ok(f.P.Rename("/X/y/b", "/X/y/a"));
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out _), error);
        Assert.Equal(CopyState.Available, mi.Copies[1].State);
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));

        var werr = f.P.Pwrite(fd, Encoding.ASCII.GetBytes("!"), 4, out _);
        var buf = new byte[16];
        var rerr = f.P.Pread(fd, buf, 0, out int n);
        var cerr = f.P.Close(fd);
        MirrorFixture.Ok(werr);
        MirrorFixture.Ok(rerr);
        MirrorFixture.Ok(cerr);
        Assert.Equal("kept!", Encoding.ASCII.GetString(buf, 0, n));
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "x", out error, out _), error);
        Assert.True(f.Verify().Identical);
    }

    /// <summary>
    /// Fixed 109 (Finding 51, Fig. 5, seed 1436199): a directory made and held open while copy y was away, then replaced
    /// by a rename of another directory over it, was never in y; once x's disk failed, the directory's fsync answered
    /// ENOENT. The resync gives the copy an open directory removed while it was away too, as it does an open file.
    /// </summary>
    [Theory]
    [InlineData("tmpfs")]
    [InlineData("ufs")]
    public void An_open_directory_removed_while_a_copy_was_away_lives_on_that_copy(string fstype)
    {
        using var f = new MirrorFixture(fstype: fstype);
        var mi = f.Mount();
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/c", 0x1C0));
        MirrorFixture.Ok(f.P.Open("/X/y/c", OFlags.O_RDONLY | OFlags.O_DIRECTORY, 0, out int fd));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/d", 0x1ED));
        MirrorFixture.Ok(f.P.Rename("/X/y/d", "/X/y/c"));
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out _), error);
        Assert.Equal(CopyState.Available, mi.Copies[1].State);
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));

        var serr = f.P.Fsync(fd);
        var ferr = f.P.Fstat(fd, out var st);
        var cerr = f.P.Close(fd);
        MirrorFixture.Ok(serr);
        MirrorFixture.Ok(ferr);
        MirrorFixture.Ok(cerr);
        Assert.Equal(VType.VDIR, st!.Type);
        Assert.Equal(0x1C0u, st.Mode & 0xFFF);
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "x", out error, out _), error);
        Assert.True(f.Verify().Identical);
    }

    /// <summary>
    /// Found at stop 24 trying Fig. 7 with copy faults (seed 20264629; Fig. 5 and the 3-way mirror too): a symlink with
    /// three names a, b, c; while x was away a renamed onto b (the same file: nothing changes) and b removed. After
    /// the resync X's a was a new symlink with one link, the model's two (a, c): X's a was found to be the source's
    /// twin (through c), yet removed and copied, as only a regular twin was kept.
    /// </summary>
    [Fact]
    public void A_link_renamed_onto_another_link_of_its_file_while_a_copy_was_away_stays_a_link()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        MirrorFixture.Ok(f.P.Symlink("c", "/X/y/c"));
        MirrorFixture.Ok(f.P.Link("/X/y/c", "/X/y/a"));
        MirrorFixture.Ok(f.P.Link("/X/y/c", "/X/y/b"));
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        MirrorFixture.Ok(f.P.Rename("/X/y/a", "/X/y/b"));
        MirrorFixture.Ok(f.P.Unlink("/X/y/b"));
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "x", out var error, out _), error);
        Assert.Equal(CopyState.Available, mi.Copies[0].State);

        AssertOneFile(f, 0, "a", "c");
        Assert.Null(f.LowerVnode(0, "b"));
        Assert.True(f.Verify().Identical);
    }

    /// <summary>
    /// Fixed 105 (Finding 47, Fig. 10, seed 1221043): F1 is /b and /c/a, F2 is /c/c/b. While Y was away /c/a was removed,
    /// made again as a link of F2, and renamed /a. Y's log entry for F2 said it was renamed from /c/a, where Y still had
    /// F1. The resync renamed Y's /c/a to F2's name in the mnode, /c/c/b, over F2's own file there, and linked /a to
    /// F1: F1 had three names in Y. A rename over another file is now made only when the log had not changed the old
    /// name before (MovedFromKept): the file under it is then this one.
    /// </summary>
    [Fact]
    public void A_name_linked_again_to_another_file_and_renamed_while_a_copy_was_away_moves_nothing_over_that_file()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        f.WriteFile("/X/y/b", "F1");
        MirrorFixture.Ok(f.P.Mkdir("/X/y/c", 0x1ED));
        MirrorFixture.Ok(f.P.Link("/X/y/b", "/X/y/c/a"));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/c/c", 0x1ED));
        f.WriteFile("/X/y/c/c/b", "F2");
        f.K.Dnlc.Purge(); // F2's mnode lets go: the one made while Y is away does not know Y's file
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        MirrorFixture.Ok(f.P.Unlink("/X/y/c/a"));
        MirrorFixture.Ok(f.P.Link("/X/y/c/c/b", "/X/y/c/a"));
        MirrorFixture.Ok(f.P.Rename("/X/y/c/a", "/X/y/a"));
        MirrorFixture.Ok(f.P.Stat("/X/y/c/c/b", out _)); // the mnode's name is this one again, as after any look-up
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out _), error);
        Assert.Equal(CopyState.Available, mi.Copies[1].State);

        AssertOneFile(f, 1, "a", "c/c/b");
        Assert.Equal("F1", f.Lower(1, "b"));
        Assert.Equal("F2", f.Lower(1, "a"));
        Assert.Null(f.LowerVnode(1, "c/a"));
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    /// <summary>
    /// Fixed 106 (Finding 48, Fig. 7, seed 1223048): an open file F, /c/b/b and /c/b/c. While Y was away /c/b/b was
    /// removed, /c/b/c renamed over the symbolic link /b/b, /c/b removed and /c renamed /b/a. Y's resync renamed its /c to
    /// /b/a and removed the tree under /b/a/b with F's last two names there, then copied F whole to /b/b: a new file,
    /// while F's mnode kept the old one, gone from Y (over NFS its handle went stale, and the resync failed). A file the
    /// mirror still has now waits in the copy's .mfs when the replay removes its last name there, and the later name is
    /// linked to it.
    /// </summary>
    [Fact]
    public void An_open_files_names_removed_with_their_directory_while_a_copy_was_away_leave_it_that_copys_file()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        MirrorFixture.Ok(f.P.Mkdir("/X/y/c", 0x1ED));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/c/b", 0x1ED));
        MirrorFixture.Ok(f.P.Open("/X/y/c/b/b", OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int fd));
        MirrorFixture.Ok(f.P.Link("/X/y/c/b/b", "/X/y/c/b/c"));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/b", 0x1ED));
        MirrorFixture.Ok(f.P.Symlink("/m/c/a", "/X/y/b/b"));
        var inY = f.LowerVnode(1, "c/b/b")!;
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        MirrorFixture.Ok(f.P.Unlink("/X/y/c/b/b"));
        MirrorFixture.Ok(f.P.Rename("/X/y/c/b/c", "/X/y/b/b"));
        MirrorFixture.Ok(f.P.Rmdir("/X/y/c/b"));
        MirrorFixture.Ok(f.P.Rename("/X/y/c", "/X/y/b/a"));
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out _), error);
        Assert.Equal(CopyState.Available, mi.Copies[1].State);

        var now = f.LowerVnode(1, "b/b")!;
        bool same = Vop.Cmp(now, inY);
        now.Rele();
        inY.Rele();
        Assert.True(same, "Y's /b/b is the file Y had");
        MirrorFixture.Ok(f.P.Write(fd, "written after"u8.ToArray(), out _));
        MirrorFixture.Ok(f.P.Close(fd));
        Assert.Equal("written after", f.Lower(1, "b/b"));
        Assert.DoesNotContain(f.LowerNames(1, ".mfs"), n => n.StartsWith(MirrorMerge.ParkedPrefix, StringComparison.Ordinal));
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    /// <summary>
    /// Fixed 107 (Finding 49, Fig. 10, seed 1261159): a file F at /c/b/c, a symbolic link S at /a with a second link
    /// /c/c, and a directory D at /c/a/b. While Y was away F was renamed over /a, and D renamed to /c/b/c, where F had
    /// been. Y's resync did not rename F over S (not the same type) and so could not move D to /c/b/c (F still there):
    /// the replay made /c/b/c anew in Y, and D in Y was lost to the mirror's handles. A file goes over a symbolic link in
    /// the copy too, and over a file the mirror still has when that file keeps another name there.
    /// </summary>
    [Fact]
    public void A_file_renamed_over_a_linked_symlink_while_a_copy_was_away_frees_its_place_for_a_directory_moved_there()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        MirrorFixture.Ok(f.P.Mkdir("/X/y/c", 0x1ED));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/c/a", 0x1ED));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/c/a/b", 0x1ED));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/c/b", 0x1ED));
        f.WriteFile("/X/y/c/b/c", "F");
        MirrorFixture.Ok(f.P.Symlink("/m/c/a/c", "/X/y/a"));
        MirrorFixture.Ok(f.P.Link("/X/y/a", "/X/y/c/c"));
        var dirInY = f.LowerVnode(1, "c/a/b")!;
        var fileInY = f.LowerVnode(1, "c/b/c")!;
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        MirrorFixture.Ok(f.P.Rename("/X/y/c/b/c", "/X/y/a"));
        MirrorFixture.Ok(f.P.Rename("/X/y/c/a/b", "/X/y/c/b/c"));
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out _), error);
        Assert.Equal(CopyState.Available, mi.Copies[1].State);

        var dirNow = f.LowerVnode(1, "c/b/c")!;
        var fileNow = f.LowerVnode(1, "a")!;
        bool sameDir = Vop.Cmp(dirNow, dirInY), sameFile = Vop.Cmp(fileNow, fileInY);
        foreach (var vp in new[] { dirNow, fileNow, dirInY, fileInY })
            vp.Rele();
        Assert.True(sameDir, "Y's /c/b/c is the directory Y had at /c/a/b");
        Assert.True(sameFile, "Y's /a is the file Y had at /c/b/c");
        Assert.Equal(VType.VLNK, f.LowerVnode(1, "c/c") is { } s ? Release(s) : VType.VNON);
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    private static VType Release(Vnode vp)
    {
        var t = vp.Type;
        vp.Rele();
        return t;
    }

    /// <summary>Asserts that <paramref name="a"/> and <paramref name="b"/> name one file in copy <paramref name="copy"/> (0: X, 1: Y).</summary>
    private static void AssertOneFile(MirrorFixture f, int copy, string a, string b)
    {
        var av = f.LowerVnode(copy, a)!;
        var bv = f.LowerVnode(copy, b)!;
        bool same = Vop.Cmp(av, bv);
        av.Rele(); // before asserting: a hold left behind would fail the fixture's Dispose and hide the assertion
        bv.Rele();
        Assert.True(same, $"{a} and {b} are one file on {(copy == 0 ? "X" : "Y")}");
    }

    /// <summary>The permission bits of <paramref name="path"/> in copy <paramref name="copy"/>.</summary>
    private static uint LowerMode(MirrorFixture f, int copy, string path)
    {
        var vp = f.LowerVnode(copy, path);
        Assert.NotNull(vp);
        var va = new Vattr(AttrMask.AT_MODE);
        var err = Vop.Getattr(vp, va, AttrFlags.None, Cred.Kcred);
        vp.Rele();
        MirrorFixture.Ok(err);
        return va.Mode & 0xFFF;
    }

    /// <summary>The handle of <paramref name="path"/> with room for its primary copy's fid only.</summary>
    private static Fid OneCopyHandle(MirrorFixture f, MfsVfs mi, string path)
    {
        MirrorFixture.Ok(f.P.Lookupname(path, true, out var vp));
        MirrorFixture.Ok(Vop.Fid(vp!, Fid.MaxFidSize, out var whole));
        MirrorFixture.Ok(Vop.Fid(vp!, 2 + (whole!.Length - 2) / mi.Copies.Count, out var fid));
        vp!.Rele();
        return fid!;
    }

    /// <summary>
    /// Fixed 20 (mirror3, seed 20261263): a directory whose mtime utimes set ahead of the host's clock, before a copy
    /// left, looked like a directory that copy changed while away -- its mtime after the leaving time -- so the name
    /// made on the copy that stayed counted as removed by the one that came back, at that "newer" time, and the
    /// bring-together removed it. A copy's changes are told by ctimes, which utimes cannot set.
    /// </summary>
    [Fact]
    public void A_name_made_while_copies_were_away_survives_a_directory_mtime_set_ahead_before_they_left()
    {
        using var f = new MirrorFixture(copies: 3);
        var mi = f.Mount(copies: 3);
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "z", out _));
        MirrorFixture.Ok(f.P.Mkdir("/A/b/b", 0x1ED));
        MirrorFixture.Ok(f.P.Mkdir("/A/b/b/b", 0x1ED));
        var ahead = new Timespec(f.K.Now().Sec + 10L * 365 * 86400, 0);
        MirrorFixture.Ok(f.P.Utimens("/A/b/b/b", [ahead, ahead]));
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        f.WriteFile("/A/b/b/b/c", "");
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "z", out var error, out _), error);
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out error, out _), error);
        Assert.All(mi.Copies, c => Assert.Equal(CopyState.Available, c.State));
        for (int c = 0; c < 3; c++)
            Assert.Equal(["c"], f.LowerNames(c, "b/b"));
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    /// <summary>
    /// Finding 54 (`vfs sim --world fig9 --seed 1710097`, 17 calls kept): while a copy was away a directory /b/a, open
    /// and so known in that copy, was renamed over the empty /b/c/b, and a new /b/a was made and renamed into a
    /// directory moved meanwhile.
    /// The resync replays a rename over another file after the others, and the new directory's move, whose old name
    /// the log had changed before, took the copy's /b/a -- the open directory's -- as its own. After the resync the
    /// client's handle of the first led in X to that directory, now empty at the other's place: fstat gave nlink 2, not
    /// 3. A move whose old name was changed before it leaves a file the mirror still has to that file's own move.
    /// </summary>
    [Fact]
    public void A_directory_made_under_the_name_another_was_moved_from_while_a_copy_was_away_leaves_that_ones_directory_to_it()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        foreach (var d in new[] { "b", "b/a", "a", "b/c", "b/a/c", "b/c/b" })
            MirrorFixture.Ok(f.P.Mkdir("/X/y/" + d, 0x1ED));
        MirrorFixture.Ok(f.P.Lookupname("/X/y/b/a", true, out var dir));
        MirrorFixture.Ok(Vop.Fid(dir!, Fid.MaxFidSize, out var handle)); // as an NFS client holds it: every copy's fid
        dir!.Rele();
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/b/b", 0x1ED));
        MirrorFixture.Ok(f.P.Rename("/X/y/b/a", "/X/y/b/c/b")); // over the empty /b/c/b
        MirrorFixture.Ok(f.P.Mkdir("/X/y/b/b/a", 0x1ED));
        MirrorFixture.Ok(f.P.Rename("/X/y/b/b", "/X/y/a/c"));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/b/a", 0x1ED));
        MirrorFixture.Ok(f.P.Rename("/X/y/b/a", "/X/y/a/c/a/c"));
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "x", out var error, out _), error);
        Assert.Equal(CopyState.Available, mi.Copies[0].State);

        f.K.Dnlc.Purge(); // the mnodes go: VFS_VGET makes the directory's again from the handle, X's fid first
        MirrorFixture.Ok(VfsOp.Vget(mi.Vfs, out var vp, handle!));
        var va = new Vattr(AttrMask.AT_ALL);
        MirrorFixture.Ok(Vop.Getattr(vp!, va, AttrFlags.None, Cred.Kcred));
        vp!.Rele();
        Assert.Equal(3u, va.Nlink);
        Assert.Equal(["c"], f.LowerNames(0, "b/c/b"));
        Assert.Empty(f.LowerNames(0, "a/c/a/c"));
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    /// <summary>
    /// Fixed 114 (Finding 57): while y was away /a/c/a moved to /a/b/c and a new /a/b/a was renamed over the emptied
    /// /a/c. More names of /a changed than logranges=2 keeps, so the replay compared every name of /a, and left /a/c,
    /// a directory in both, to log entries of its own: y kept its old /a/c, still holding the old /a/c/a.
    /// </summary>
    [Fact]
    public void A_directory_renamed_over_another_while_a_copy_was_away_replaces_it_where_the_log_kept_no_names()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount("logranges=2");
        foreach (var d in new[] { "a", "a/b", "a/c", "a/c/a" })
            MirrorFixture.Ok(f.P.Mkdir("/X/y/" + d, 0x1ED));
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        MirrorFixture.Ok(f.P.Rename("/X/y/a/c/a", "/X/y/a/b/c"));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/a/a", 0x1ED));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/a/b/a", 0x1ED));
        MirrorFixture.Ok(f.P.Rename("/X/y/a/b/a", "/X/y/a/c"));
        MirrorFixture.Ok(f.P.Rmdir("/X/y/a/a"));
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out _), error);

        Assert.Equal(CopyState.Available, mi.Copies[1].State);
        Assert.Empty(f.LowerNames(1, "a/c"));
        Assert.Equal(["c"], f.LowerNames(1, "a/b"));
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }
}
