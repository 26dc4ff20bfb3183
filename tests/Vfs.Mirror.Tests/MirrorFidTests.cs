// Tests of Vfs.Mirror: a mirror file's fid (VOP_FID) names the file whichever copy is primary, and VFS_VGET finds the
// file by a fid that lists only a copy now out of use (docs/verification.md, Fixed: the NFS clients' handle of an
// exported mirror's root went stale when its primary copy went offline); the fid stays the same while a copy is away
// and when it returns (Fixed 37).
namespace UnixVfs.Mirror.Tests;

public class MirrorFidTests
{
    [Theory]
    [InlineData("/X/y")]
    [InlineData("/X/y/d")]
    [InlineData("/X/y/d/f")]
    public void A_handle_of_the_primary_copy_alone_still_names_the_file_when_that_copy_goes_offline(string path)
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        MirrorFixture.Ok(f.P.Mkdir("/X/y/d", 0x1ED));
        f.WriteFile("/X/y/d/f", "f");
        var whole = FidOf(f, path, Fid.MaxFidSize);
        var one = FidOf(f, path, 2 + (whole.Length - 2) / mi.Copies.Count); // room for the first copy's fid only
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        f.K.Dnlc.Purge();
        foreach (var fid in new[] { whole, one })
            VgetNames(f, mi, fid, path);
    }

    /// <summary>
    /// Finding 1 (`vfs sim --world fig10 --seed 20261309 --steps 80 --faults copy --keep 16,38,60,70`): a handle with
    /// room for copy X's fid alone (an NFS server's handle of a mirror whose other copy is over NFS) is resolved while
    /// x is offline, the file is linked to c and unlinked from a, and x's resync made it again as c in X. The handle
    /// went stale and c got another one: an NFS client held two vnodes for one file. The copy then recorded the file made
    /// again (CopyFids.cs), so that the handle named c. Since Fixed 57 the resync does not make it again: X remembered its
    /// file by Y's when the handle named X alone, and the resync links c to it before it removes a.
    /// </summary>
    [Fact]
    public void A_handle_naming_one_copy_keeps_its_file_there_through_a_link_and_unlink_while_it_was_away_and_a_remount()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        f.WriteFile("/X/y/a", "a");
        var fid = FidOf(f, "/X/y/a", XAlone);
        var before = LowerFid(f, "a");
        f.K.Dnlc.Purge();
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        MirrorFixture.Ok(VfsOp.Vget(mi.Vfs, out var vp, fid)); // as the NFS server does for the client's LINK
        MirrorFixture.Ok(f.P.Link("/X/y/a", "/X/y/c"));
        vp!.Rele();
        MirrorFixture.Ok(f.P.Unlink("/X/y/a"));
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "x", out var error, out _), error);
        Assert.Equal(before, LowerFid(f, "c")); // the same file in X, under its new name
        NamesTheFile(f, mi, fid, "/X/y/c");

        f.K.Dnlc.Purge();
        MirrorFixture.Ok(f.P.Umount("/X/y"));
        mi = f.Mount();
        NamesTheFile(f, mi, fid, "/X/y/c");
    }

    /// <summary>
    /// Finding 8 (`vfs sim --world fig9 --seed 20264206 --faults copy,clock`): a file made while copy X was offline has a
    /// handle naming Y alone; x's resync made it in X, and the next lookup gave a handle naming X too. The NFS client took
    /// it for another file, and a write it held under the old handle was missing from the new one. The copy now records
    /// the file made late (CopyFids.MadeLate), and the fid leaves X out, also after a remount.
    /// </summary>
    [Fact]
    public void A_file_made_while_a_copy_was_away_keeps_its_handle_when_the_copy_returns_and_after_a_remount()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/d", 0x1ED));
        f.WriteFile("/X/y/d/n", "n");
        var dir = FidOf(f, "/X/y/d", Fid.MaxFidSize);
        var file = FidOf(f, "/X/y/d/n", Fid.MaxFidSize);
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "x", out var error, out _), error);
        var inX = f.LowerVnode(0, "d/n"); // the resync made both in X
        Assert.NotNull(inX);
        inX!.Rele();
        f.K.Dnlc.Purge();
        Assert.Equal(dir, FidOf(f, "/X/y/d", Fid.MaxFidSize));
        Assert.Equal(file, FidOf(f, "/X/y/d/n", Fid.MaxFidSize));

        f.K.Dnlc.Purge();
        MirrorFixture.Ok(f.P.Umount("/X/y"));
        mi = f.Mount();
        Assert.Equal(file, FidOf(f, "/X/y/d/n", Fid.MaxFidSize));
        NamesTheFile(f, mi, file, "/X/y/d/n", Fid.MaxFidSize);
    }

    /// <summary>
    /// A copy written before the late records kept their sources has `.mfs/fids/late`, each file's fid alone
    /// (CopyFids.cs). It is still read: after a remount the file made late keeps the handle that leaves X out.
    /// </summary>
    [Fact]
    public void A_late_file_of_the_first_format_is_still_read_at_the_next_mount()
    {
        using var f = new MirrorFixture();
        f.Mount();
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        f.WriteFile("/X/y/n", "n");
        var file = FidOf(f, "/X/y/n", Fid.MaxFidSize);
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "x", out var error, out _), error);
        f.K.Dnlc.Purge();
        MirrorFixture.Ok(f.P.Umount("/X/y"));

        // Rewrite X's records in the first format: per file a length byte and its fid, nothing after it.
        const string dir = "/A/b/.mfs/fids/";
        var records = new byte[4096];
        MirrorFixture.Ok(f.P.Open(dir + "made-late", OFlags.O_RDONLY, 0, out int fd));
        MirrorFixture.Ok(f.P.Read(fd, records, out int n));
        MirrorFixture.Ok(f.P.Close(fd));
        records = records[..n];
        var first = new List<byte>();
        for (int pos = 0; pos < records.Length; pos += records[pos] + 3 + records[pos + records[pos] + 2])
            first.AddRange(records.AsSpan(pos, 1 + records[pos]).ToArray());
        Assert.NotEmpty(first);
        MirrorFixture.Ok(f.P.Unlink(dir + "made-late"));
        MirrorFixture.Ok(f.P.Open(dir + "late", OFlags.O_CREAT | OFlags.O_WRONLY, 0x180, out fd));
        MirrorFixture.Ok(f.P.Write(fd, first.ToArray(), out _));
        MirrorFixture.Ok(f.P.Close(fd));

        var mi = f.Mount();
        Assert.Equal(file, FidOf(f, "/X/y/n", Fid.MaxFidSize));
        NamesTheFile(f, mi, file, "/X/y/n", Fid.MaxFidSize);
    }

    /// <summary>
    /// Finding 8 (`vfs sim --world fig10 --seed 20264228 --faults copy,clock --keep 41,47`): a file's mnode let go of it,
    /// copy X was taken offline, and the next lookup's handle named Y alone: the client's write under the old handle was
    /// not seen through the new one. While X is away the fid still names X: the file at the same path in X when no name on
    /// the way changed, else the fid X gave when an mnode of the file let go of it after X left (a file renamed since).
    /// </summary>
    [Fact]
    public void A_files_handle_stays_the_same_while_a_copy_is_away()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        f.WriteFile("/X/y/a", "a");
        f.WriteFile("/X/y/b", "b");
        var a = FidOf(f, "/X/y/a", Fid.MaxFidSize);
        var b = FidOf(f, "/X/y/b", Fid.MaxFidSize);
        MirrorFixture.Ok(f.P.Lookupname("/X/y/b", true, out var held)); // b's mnode knows its file in X when X leaves
        f.K.Dnlc.Purge();
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        MirrorFixture.Ok(f.P.Rename("/X/y/b", "/X/y/c"));
        held!.Rele();
        f.K.Dnlc.Purge();
        Assert.Equal(a, FidOf(f, "/X/y/a", Fid.MaxFidSize)); // by its unchanged path in X
        Assert.Equal(b, FidOf(f, "/X/y/c", Fid.MaxFidSize)); // as remembered when the mnode let go of it
        NamesTheFile(f, mi, a, "/X/y/a", Fid.MaxFidSize);
    }

    /// <summary>
    /// Finding 8 (`vfs sim --world fig10 --seed 20264329 --faults copy,clock`): a file renamed while copy X was offline
    /// was made again in X by the resync (its old name removed, its new one copied whole), so a handle naming X alone
    /// (Fig. 10's) no longer named it, and its next lookup gave a second handle. The resync now renames X's file too
    /// (a file's rename is logged with its old place, as a directory's), and rewrites it in place.
    /// </summary>
    [Fact]
    public void A_file_renamed_while_a_copy_was_away_keeps_its_file_in_that_copy_and_its_handle()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        f.WriteFile("/X/y/a", "before");
        var fid = FidOf(f, "/X/y/a", XAlone);
        var inX = LowerFid(f, "a");
        f.K.Dnlc.Purge();
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        MirrorFixture.Ok(f.P.Rename("/X/y/a", "/X/y/b"));
        f.WriteFile("/X/y/b", "after, longer");
        f.K.Dnlc.Purge();
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "x", out var error, out _), error);
        Assert.Equal(inX, LowerFid(f, "b"));
        Assert.Equal("after, longer", f.ReadFile("/A/b/b"));
        NamesTheFile(f, mi, fid, "/X/y/b");
    }

    /// <summary>
    /// Finding 8 (`vfs sim --world fig9 --seed 20264374 --faults copy,clock`): while copy X was offline a file was linked
    /// to b and another file renamed over its name c, leaving it one link, b. The resync copied b whole and removed X's
    /// c, the file itself, so a handle naming X alone (Figs. 9 and 10) went stale. The name is now a link to X's file,
    /// which the file's mnode knows there: from the handle resolved while X was away, as an NFS server does, or from
    /// what X gave for the file when an mnode of it let go of it (<paramref name="letGo"/>).
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_file_linked_and_renamed_over_while_a_copy_was_away_keeps_its_file_in_that_copy_and_its_handle(bool letGo)
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        f.WriteFile("/X/y/c", "c");
        f.WriteFile("/X/y/a", "a");
        var fid = FidOf(f, "/X/y/c", XAlone);
        var inX = LowerFid(f, "c");
        Vnode? held = null;
        if (letGo)
            MirrorFixture.Ok(f.P.Lookupname("/X/y/c", true, out held)); // its mnode knows X's file when X leaves
        f.K.Dnlc.Purge();
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        if (letGo)
            held!.Rele();
        else
            MirrorFixture.Ok(VfsOp.Vget(mi.Vfs, out held, fid)); // an NFS server's LINK: the handle, then the link
        f.K.Dnlc.Purge();
        MirrorFixture.Ok(f.P.Link("/X/y/c", "/X/y/b"));
        if (!letGo)
            held!.Rele();
        MirrorFixture.Ok(f.P.Rename("/X/y/a", "/X/y/c"));
        f.WriteFile("/X/y/b", "c, longer");
        f.K.Dnlc.Purge();
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "x", out var error, out _), error);
        Assert.Equal(inX, LowerFid(f, "b"));
        Assert.Equal("c, longer", f.ReadFile("/A/b/b"));
        Assert.Equal("a", f.ReadFile("/A/b/c"));
        NamesTheFile(f, mi, fid, "/X/y/b");
    }

    /// <summary>
    /// Finding 8 (`vfs sim --world fig9 --seed 20262278 --faults copy,clock`): while copy X was offline the directory c
    /// was renamed over the empty directory b. The resync kept X's b as the source's b and copied c's file a into it
    /// whole, then removed X's c: a handle naming a in X alone went stale. The rename now replaces X's b too.
    /// </summary>
    [Fact]
    public void A_directory_renamed_over_an_empty_one_while_a_copy_was_away_keeps_its_files_in_that_copy_and_their_handles()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        MirrorFixture.Ok(f.P.Mkdir("/X/y/c", 0x1ED));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/b", 0x1ED));
        f.WriteFile("/X/y/c/a", "a");
        var fid = FidOf(f, "/X/y/c/a", XAlone);
        var inX = LowerFid(f, "c/a");
        f.K.Dnlc.Purge();
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        MirrorFixture.Ok(f.P.Rename("/X/y/c", "/X/y/b"));
        f.WriteFile("/X/y/b/a", "a, longer");
        f.K.Dnlc.Purge();
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "x", out var error, out _), error);
        Assert.Equal(inX, LowerFid(f, "b/a"));
        Assert.Equal("a, longer", f.ReadFile("/A/b/b/a"));
        NamesTheFile(f, mi, fid, "/X/y/b/a");
    }

    /// <summary>
    /// Finding 8 (`vfs sim --world fig9 --seed 20262208 --faults copy,clock`): while copy X was offline a/a was made and
    /// the directory b renamed to a/a/b, and a new b made. The resync copied a whole, a/a/b a new directory, and kept
    /// X's old b as the new b: the old b's handle named the new one. The resync now makes a and a/a in X first (made
    /// late) and renames X's b into them.
    /// </summary>
    [Fact]
    public void A_directory_renamed_into_directories_made_while_a_copy_was_away_keeps_its_directory_in_that_copy()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        MirrorFixture.Ok(f.P.Mkdir("/X/y/b", 0x1ED));
        var fid = FidOf(f, "/X/y/b", XAlone);
        var inX = LowerFid(f, "b");
        f.K.Dnlc.Purge();
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/a", 0x1ED));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/a/a", 0x1ED));
        MirrorFixture.Ok(f.P.Rename("/X/y/b", "/X/y/a/a/b"));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/b", 0x1ED));
        f.K.Dnlc.Purge();
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "x", out var error, out _), error);
        Assert.Equal(inX, LowerFid(f, "a/a/b"));
        Assert.NotEqual(inX, LowerFid(f, "b"));
        NamesTheFile(f, mi, fid, "/X/y/a/a/b");
        Assert.NotEqual(fid, FidOf(f, "/X/y/b", XAlone));
    }

    /// <summary>
    /// Finding 32 (`vfs sim --world fig9 --seed 150193 --steps 165 --plan '37 offline x 0; 112 online x 0' --keep
    /// 34,40,41,77,81,123,127`): while X was away, /b was renamed to /a, /b made again, and /a moved into it. X's replay
    /// could not make the new /b where X still had the old one, kept the old one as the new /b and made /b/a afresh,
    /// and a handle naming X's old directory alone then gave the new /b. The old one is now moved aside first.
    /// </summary>
    [Fact]
    public void A_directory_moved_into_a_directory_made_again_under_its_old_name_keeps_its_directory_in_that_copy()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        MirrorFixture.Ok(f.P.Mkdir("/X/y/b", 0x1ED));
        f.WriteFile("/X/y/b/c", "kept");
        var fid = FidOf(f, "/X/y/b", XAlone);
        var inX = LowerFid(f, "b");
        f.K.Dnlc.Purge();
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        MirrorFixture.Ok(f.P.Rename("/X/y/b", "/X/y/a"));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/b", 0x1ED));
        MirrorFixture.Ok(f.P.Rename("/X/y/a", "/X/y/b/a"));
        f.K.Dnlc.Purge();
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "x", out var error, out var report), error);
        Assert.False(report!.Full);
        Assert.Equal(inX, LowerFid(f, "b/a"));
        Assert.NotEqual(inX, LowerFid(f, "b"));
        f.K.Dnlc.Purge();
        NamesTheFile(f, mi, fid, "/X/y/b/a");
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
        Assert.DoesNotContain(f.LowerNames(0, ".mfs"), n => n.StartsWith(MirrorMerge.ParkedPrefix, StringComparison.Ordinal));
    }

    /// <summary>
    /// Finding 34 (`vfs sim --world fig10 --seed 251212 --steps 241 --plan '103 offline x 0; 149 online x 0' --keep
    /// 6,36,60,70,75,87,125,128,140,149`): while X was away, an open file /c/b was linked as /b/a/c and /c/b unlinked.
    /// X's log replay took /c first and removed the file's only name there, so /b/a/c was copied whole: another file,
    /// and a handle naming X's file alone went stale. The names a source lacks are now removed after every directory's
    /// other names, and /b/a/c is made a link to X's file.
    /// </summary>
    [Fact]
    public void A_file_linked_deeper_and_unlinked_while_a_copy_is_away_keeps_its_file_in_that_copy()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        MirrorFixture.Ok(f.P.Mkdir("/X/y/c", 0x1ED));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/b", 0x1ED));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/b/a", 0x1ED));
        f.WriteFile("/X/y/c/b", "kept");
        MirrorFixture.Ok(f.P.Open("/X/y/c/b", OFlags.O_RDONLY, 0, out int fd));
        var fid = FidOf(f, "/X/y/c/b", XAlone);
        var inX = LowerFid(f, "c/b");
        f.K.Dnlc.Purge();
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        MirrorFixture.Ok(f.P.Link("/X/y/c/b", "/X/y/b/a/c"));
        MirrorFixture.Ok(f.P.Unlink("/X/y/c/b"));
        f.K.Dnlc.Purge();
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "x", out var error, out var report), error);
        Assert.False(report!.Full);
        Assert.Equal(inX, LowerFid(f, "b/a/c"));
        f.K.Dnlc.Purge();
        NamesTheFile(f, mi, fid, "/X/y/b/a/c");
        MirrorFixture.Ok(f.P.Close(fd));
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    /// <summary>
    /// Fixed 87 (Finding 35: `vfs sim --world fig5 --seed 346242 --steps 185` with a disk fault): while X was away a
    /// symlink /a/b was unlinked, /a/b made again as a directory, and /b/a, holding a link of /b/c, moved into it. X's
    /// symlink stopped the move of /b/a there, so the names' replay made /a/b afresh and copied the link whole, a
    /// second file. The symlink, which the mirror no longer has, now goes first, and the directory is moved.
    /// </summary>
    [Fact]
    public void A_directory_moved_under_a_name_that_was_a_symlink_while_a_copy_is_away_keeps_its_links_in_that_copy()
    {
        using var f = new MirrorFixture();
        f.Mount();
        MirrorFixture.Ok(f.P.Mkdir("/X/y/a", 0x1ED));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/b", 0x1ED));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/b/a", 0x1ED));
        f.WriteFile("/X/y/b/c", "linked");
        MirrorFixture.Ok(f.P.Link("/X/y/b/c", "/X/y/b/a/a"));
        MirrorFixture.Ok(f.P.Symlink("a/b", "/X/y/a/b"));
        var inX = LowerFid(f, "b/c");
        var dirInX = LowerFid(f, "b/a");
        f.K.Dnlc.Purge();
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        MirrorFixture.Ok(f.P.Unlink("/X/y/a/b"));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/a/b", 0x1ED));
        MirrorFixture.Ok(f.P.Rename("/X/y/b/a", "/X/y/a/b/b"));
        f.K.Dnlc.Purge();
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "x", out var error, out var report), error);
        Assert.False(report!.Full);
        Assert.Equal(dirInX, LowerFid(f, "a/b/b"));
        Assert.Equal(inX, LowerFid(f, "a/b/b/a"));
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    /// <summary>
    /// Fixed 96 (Finding 38, `vfs sim --world fig9 --seed 570055 --histories 1 --steps 600 --faults all`): a symlink
    /// named /a/a and /b/a. While X was away /b/a went and came back a directory, the symlink got the name /a/b, lost /a/a and got
    /// it again, and /a/a was renamed into the new directory (/b renamed /c first, so that X, away by a failure, kept no
    /// record of the symlink by its path). X's replay moved its symlink from /a/a to /a/b (the
    /// mnode's name) without giving it to the mnode, since /a/a had changed before; then found it alike there, and
    /// went on. The directory made at /c/a then copied the symlink's name in it whole: a second symlink, and the first
    /// one link short. A file so moved is now the source file's twin before the names are replayed, when it is alike
    /// the source's file under that name, links and all (MirrorResync.PrimeLinks).
    /// </summary>
    [Fact]
    public void A_linked_symlink_moved_by_its_mnodes_name_while_a_copy_is_away_is_linked_where_its_other_name_is_made()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        MirrorFixture.Ok(f.P.Mkdir("/X/y/a", 0x1ED));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/b", 0x1ED));
        MirrorFixture.Ok(f.P.Symlink("t", "/X/y/a/a"));
        MirrorFixture.Ok(f.P.Link("/X/y/a/a", "/X/y/b/a"));
        var inX = LowerFid(f, "a/a");
        f.K.Dnlc.Purge();
        f.Faults(0).Fail(VopName.Rename, Errno.EIO); // X fails: no path in it is asked while it is away
        MirrorFixture.Ok(f.P.Rename("/X/y/b", "/X/y/c"));
        Assert.Equal(CopyState.Unavailable, mi.Copies[0].State);
        mi.Copies[0].Vfs.Faults = null;
        MirrorFixture.Ok(f.P.Unlink("/X/y/c/a"));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/c/a", 0x1ED));
        MirrorFixture.Ok(f.P.Link("/X/y/a/a", "/X/y/a/b"));
        MirrorFixture.Ok(f.P.Unlink("/X/y/a/a"));
        MirrorFixture.Ok(f.P.Link("/X/y/a/b", "/X/y/a/a"));
        MirrorFixture.Ok(f.P.Rename("/X/y/a/a", "/X/y/c/a/a"));
        MirrorFixture.Ok(f.P.Lstat("/X/y/a/b", out _));
        f.K.Dnlc.Purge();
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "x", out var error, out var report), error);
        Assert.False(report!.Full);
        Assert.Equal(inX, LowerFid(f, "a/b"));
        Assert.Equal(inX, LowerFid(f, "c/a/a"));
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    /// <summary>
    /// Fixed 93 (Finding 39, `vfs sim --world fig10 --seed 551191 --steps 128` with copies offline): while X was away
    /// /a/b was renamed /b, /a renamed /b/b, and /b renamed /a, so the two directories swapped places. X's replay could
    /// make neither move (each directory's new parent was under it), and found the trees alike by their names: each
    /// directory stayed at the other's place in X, and the mnodes paired each with the other one. A later lookup took
    /// the difference for damage and made a directory in the source. The first move now parks its directory in .mfs
    /// until the second is made.
    /// </summary>
    [Fact]
    public void Two_directories_that_swapped_places_while_a_copy_is_away_swap_in_that_copy()
    {
        using var f = new MirrorFixture();
        f.Mount();
        MirrorFixture.Ok(f.P.Mkdir("/X/y/a", 0x1ED));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/a/b", 0x1ED));
        var outer = LowerFid(f, "a");
        var inner = LowerFid(f, "a/b");
        f.K.Dnlc.Purge();
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        MirrorFixture.Ok(f.P.Rename("/X/y/a/b", "/X/y/b"));
        MirrorFixture.Ok(f.P.Rename("/X/y/a", "/X/y/b/b"));
        MirrorFixture.Ok(f.P.Rename("/X/y/b", "/X/y/a"));
        f.K.Dnlc.Purge();
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "x", out var error, out var report), error);
        Assert.False(report!.Full);
        Assert.Equal(inner, LowerFid(f, "a"));
        Assert.Equal(outer, LowerFid(f, "a/b"));
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
        f.K.Dnlc.Purge();
        MirrorFixture.Ok(f.P.Mkdir("/X/y/a/b/c", 0x1ED));
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    /// <summary>
    /// Fixed 88 (`vfs sim --world fig10 --seed 411268 --steps 248` with a partition): a file named /b, /c/b and
    /// /c/a/b/c; while X was away /c/b was unlinked and /c/a moved into directories made meanwhile. The replay moved X's
    /// /c/a there and compared it whole, and met the file with one link more in X than in the source: /c/b, whose
    /// removal waits until every logged directory's other names are replayed (Fixed 78). It took that for another file
    /// and copied the source's whole, a second file. A file alike but for links the target has more of is kept.
    /// </summary>
    [Fact]
    public void A_file_compared_in_a_moved_directory_before_its_unlinked_name_goes_stays_one_file_in_that_copy()
    {
        using var f = new MirrorFixture();
        f.Mount();
        MirrorFixture.Ok(f.P.Mkdir("/X/y/c", 0x1ED));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/c/a", 0x1ED));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/c/a/b", 0x1ED));
        f.WriteFile("/X/y/b", "three names");
        MirrorFixture.Ok(f.P.Link("/X/y/b", "/X/y/c/b"));
        MirrorFixture.Ok(f.P.Link("/X/y/b", "/X/y/c/a/b/c"));
        var inX = LowerFid(f, "b");
        f.K.Dnlc.Purge();
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/c/c", 0x1ED));
        MirrorFixture.Ok(f.P.Unlink("/X/y/c/b"));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/c/c/a", 0x1ED));
        MirrorFixture.Ok(f.P.Rename("/X/y/c/a", "/X/y/c/c/a/c"));
        f.K.Dnlc.Purge();
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "x", out var error, out var report), error);
        Assert.False(report!.Full);
        Assert.Equal(inX, LowerFid(f, "b"));
        Assert.Equal(inX, LowerFid(f, "c/c/a/c/b/c"));
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    /// <summary>
    /// Fixed 89 (`vfs sim --world mirror3 --seed 422195 --steps 249` with a disk fault): a 3-way mirror; while X was
    /// away an open /b was linked as /a/c and unlinked, closed, and /b made again. Letting go of the old file, its mnode
    /// had X remember X's file by its fids in Y and Z; asked by the source, Y, the full resync found Z's record alone,
    /// took X's old /b for the new file, rewrote it in place, and then linked /a/c to it: one file under both names.
    /// The record is now found by the source's fid. (The log overflows, so the resync is a full one and lets go of
    /// the mnodes it held.)
    /// </summary>
    [Fact]
    public void A_name_made_again_while_a_copy_of_three_is_away_is_not_the_old_file_after_a_full_resync()
    {
        using var f = new MirrorFixture(copies: 3);
        f.Mount("logsize=1", copies: 3);
        MirrorFixture.Ok(f.P.Mkdir("/X/y/a", 0x1ED));
        f.WriteFile("/X/y/b", "old");
        MirrorFixture.Ok(f.P.Open("/X/y/b", OFlags.O_RDWR, 0, out int fd));
        var old = LowerFid(f, "b");
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        MirrorFixture.Ok(f.P.Link("/X/y/b", "/X/y/a/c"));
        MirrorFixture.Ok(f.P.Unlink("/X/y/b"));
        MirrorFixture.Ok(f.P.Close(fd));
        f.K.Dnlc.Purge();
        f.WriteFile("/X/y/b", "new");
        f.K.Dnlc.Purge();
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "x", out var error, out var report), error);
        Assert.True(report!.Full);
        Assert.Equal(old, LowerFid(f, "a/c"));
        Assert.NotEqual(old, LowerFid(f, "b"));
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    /// <summary>
    /// Fixed 90: as Fixed 89 on a 2-way mirror, a full resync asked for. Open through X's leaving, the old file's mnode
    /// knew X's /b: the resync took it for another file's and parked it, but the mnode forgot it there at once, and
    /// /a/c, met later, found no twin and was copied whole, a second file for a handle naming X's. A parked file now
    /// stays its mnode's until the merge is done. Closed, the file got an mnode while X was away that never knew X's
    /// /b, nor had X remember it: the resync rewrote X's old /b in place as the new file. Removing a name now has a copy
    /// away remember the file by it, as a rename does.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_name_made_again_while_a_copy_is_away_leaves_the_old_file_its_other_name_in_a_forced_full_resync(bool open)
    {
        using var f = new MirrorFixture();
        f.Mount();
        MirrorFixture.Ok(f.P.Mkdir("/X/y/a", 0x1ED));
        f.WriteFile("/X/y/b", "old");
        int fd = -1;
        if (open)
            MirrorFixture.Ok(f.P.Open("/X/y/b", OFlags.O_RDONLY, 0, out fd));
        var old = LowerFid(f, "b");
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        MirrorFixture.Ok(f.P.Link("/X/y/b", "/X/y/a/c"));
        MirrorFixture.Ok(f.P.Unlink("/X/y/b"));
        f.WriteFile("/X/y/b", "new");
        f.K.Dnlc.Purge();
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "x", out var error, out var report, full: true), error);
        Assert.True(report!.Full);
        Assert.Equal(old, LowerFid(f, "a/c"));
        Assert.NotEqual(old, LowerFid(f, "b"));
        if (open)
            MirrorFixture.Ok(f.P.Close(fd));
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    /// <summary>
    /// Fixed 97 (`vfs sim --world fig9 --seed 700058 --steps 260 --plan '67 offline x 0; 210 online x 1'` with 10
    /// calls): while X was offline an open file /c was renamed into /a/a, and /a/a renamed to /c. X's full resync met
    /// /c as a directory in the source and a file in X, replaced the file, and copied the directory whole: a second
    /// directory, and a client's handle naming X's old one alone went stale. The file now goes first (parked, for its
    /// new name to be linked to), and X's directory moves to /c.
    /// </summary>
    [Fact]
    public void A_directory_renamed_to_the_name_of_a_file_renamed_into_it_keeps_its_fid_in_a_forced_full_resync()
    {
        using var f = new MirrorFixture();
        f.Mount();
        MirrorFixture.Ok(f.P.Mkdir("/X/y/a", 0x1ED));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/a/a", 0x1ED));
        f.WriteFile("/X/y/c", "open");
        MirrorFixture.Ok(f.P.Open("/X/y/c", OFlags.O_RDONLY, 0, out int fd));
        var dir = LowerFid(f, "a/a");
        var file = LowerFid(f, "c");
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        MirrorFixture.Ok(f.P.Rename("/X/y/c", "/X/y/a/a/b"));
        MirrorFixture.Ok(f.P.Rename("/X/y/a/a", "/X/y/c"));
        f.K.Dnlc.Purge();
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "x", out var error, out var report, full: true), error);
        Assert.True(report!.Full);
        Assert.Equal(dir, LowerFid(f, "c"));
        Assert.Equal(file, LowerFid(f, "c/b"));
        MirrorFixture.Ok(f.P.Close(fd));
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    /// <summary>
    /// Fixed 80 (`vfs sim --world fig10 --seed 281283 --steps 158 --plan '28 loss y 29; 58 offline y 0; 97 online y 0;
    /// 123 net-heal y 0'` with 47 calls): a file the mirror made late in a copy, found by its handles through the copy's
    /// record (CopyFids.MadeLate), was renamed while that copy was away, and its old name made again. No mnode knew it,
    /// so the full resync rewrote it in place as the new file and copied the renamed one whole: the handle then paired
    /// the renamed file with the new file's copy, and a close wrote the one's times over the other's. The record now says
    /// the copy's file is another one, and the renamed name is made a link to it.
    /// </summary>
    [Fact]
    public void A_file_made_late_in_a_copy_and_renamed_while_it_is_away_keeps_its_file_there_through_a_full_resync()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount("retries=0");
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        f.WriteFile("/X/y/b", "made while x was away");
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "x", out var error, out _), error);
        var late = LowerFid(f, "b");
        var fid = FidOf(f, "/X/y/b", XAlone);
        f.K.Dnlc.Purge(); // b's mnode lets go of its files
        f.Faults(0).Fail(VopName.Write, Errno.EIO);
        f.WriteFile("/X/y/other", "X fails this write and is taken out of use, not asked again");
        Assert.Equal(CopyState.Unavailable, mi.Copies[0].State);
        mi.Copies[0].Vfs.Faults = null;
        MirrorFixture.Ok(f.P.Rename("/X/y/b", "/X/y/c"));
        f.WriteFile("/X/y/b", "new");
        f.K.Dnlc.Purge();
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "x", out error, out _, full: true), error);
        Assert.Equal(late, LowerFid(f, "c"));
        Assert.NotEqual(late, LowerFid(f, "b"));
        f.K.Dnlc.Purge();
        MirrorFixture.Ok(VfsOp.Vget(mi.Vfs, out var vp, fid));
        var inX = f.LowerVnode(0, "c");
        try
        {
            Assert.Same(inX, MirrorSubr.Mn(vp!).Copies[0]);
        }
        finally
        {
            vp!.Rele();
            inX!.Rele();
        }
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    /// <summary>
    /// Fixed 81 (`vfs sim --world fig10 --seed 311248 --steps 259 --plan '98 disk-fail x:/export/disk 7; 120 offline x
    /// 0; 149 online x 0; 191 disk-heal x:/export/disk 0'` with 68 calls): X's replay could not rewrite a file in place
    /// (its disk failed the write) and made it again, recording the new file as made late. Once the mnode let go, a
    /// handle naming X's old file alone was stale, and a client's cached write sent with it was lost. The new file is
    /// now the mnode's at once, which records it as the old one made again.
    /// </summary>
    [Fact]
    public void A_file_the_replay_makes_again_keeps_a_handle_naming_that_copy_alone()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        f.WriteFile("/X/y/f", "v1");
        var fid = FidOf(f, "/X/y/f", XAlone);
        f.K.Dnlc.Purge();
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        f.WriteFile("/X/y/f", "v2, written while X was away");
        var faults = f.FailWritesTo(0, "f");

        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "x", out var error, out var report), error);
        Assert.True(faults.Injected > 0);
        Assert.Equal(1, report!.Stats.Recreated);
        f.K.Dnlc.Purge(); // the mnode lets go of its files: VFS_VGET finds them by the handle alone, as for an NFS client
        NamesTheFile(f, mi, fid, "/X/y/f");
        Assert.Equal("v2, written while X was away", f.Lower(0, "f"));
    }

    /// <summary>
    /// Finding 46 (`vfs sim --world fig10 --seed 1131131 --steps 591 --plan '60 disk-fail x:/export/disk 0; 67 offline x
    /// 0; 302 online x 0; 302 disk-heal x:/export/disk 0'` with 105 calls): a client held a handle naming X alone, Y left
    /// out for room. A resync that x's failing disk cut short had removed X's file under its name, and no mnode held the
    /// file, so nothing recorded that. The last resync made the file anew in X from Y's, and the handle was stale: the
    /// client's cached write sent with it was lost. The twin X remembered in Y when the handle left Y out is the file.
    /// </summary>
    [Fact]
    public void A_handle_naming_one_copy_alone_finds_its_file_after_that_copy_lost_it_and_a_resync_made_it_anew()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        f.WriteFile("/X/y/b", "b");
        var fid = FidOf(f, "/X/y/b", XAlone);
        var old = LowerFid(f, "b");
        f.K.Dnlc.Purge(); // b's mnode lets go: nothing holds X's file
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        MirrorFixture.Ok(Vop.Remove(mi.Copies[0].Root, "b", Cred.Kcred)); // as the resync cut short by x's disk did
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "x", out var error, out _, full: true), error);
        Assert.NotEqual(old, LowerFid(f, "b"));
        f.K.Dnlc.Purge();

        VgetNames(f, mi, fid, "/X/y/b");
        MirrorFixture.Ok(VfsOp.Vget(mi.Vfs, out var vp, fid));
        var err = Vop.Setattr(vp!, new Vattr(AttrMask.AT_SIZE) { Size = 0 }, AttrFlags.None, Cred.Kcred);
        vp!.Rele();
        MirrorFixture.Ok(err);
        Assert.Equal("", f.Lower(0, "b"));
        Assert.Equal("", f.Lower(1, "b"));
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    /// <summary>
    /// Fixed 85 (`vfs sim --world fig10 --seed 361103 --steps 228 --plan '105 loss y 24; 142 net-heal y 0'` with 125
    /// calls): an update through a handle naming X alone had to find the file in Y by its path; a look-up there timed
    /// out and took Y out of use, the next one answered, and the update went to Y anyway. Landing after Y's leaving
    /// time, it was a change behind the mirror's back at online: a split brain over the mirror's own update. A copy
    /// taken out of use while it was being found now gets the update from its log.
    /// </summary>
    [Fact]
    public void An_update_does_not_reach_a_copy_taken_out_of_use_while_the_file_was_found_in_it()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount("retries=0");
        f.WriteFile("/X/y/b", "0123456789");
        var fid = FidOf(f, "/X/y/b", XAlone);
        f.K.Dnlc.Purge(); // b's mnode lets go: VFS_VGET makes it again from X's fid alone
        var faults = f.Faults(1);
        faults.Fail(VopName.Lookup, Errno.ETIMEDOUT, times: 1);
        MirrorFixture.Ok(VfsOp.Vget(mi.Vfs, out var vp, fid));
        var err = Vop.Setattr(vp!, new Vattr(AttrMask.AT_SIZE) { Size = 4 }, AttrFlags.None, Cred.Kcred);
        vp!.Rele();
        MirrorFixture.Ok(err);
        Assert.Equal(1, faults.Injected);
        Assert.Equal(CopyState.Unavailable, mi.Copies[1].State);
        Assert.Equal("0123456789", f.Lower(1, "b")); // out of use: not written behind its leaving time
        mi.Copies[1].Vfs.Faults = null;

        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out _), error);
        Assert.Equal("0123", f.Lower(1, "b"));
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    /// <summary>
    /// Finding 8 (`vfs sim --world fig10 --seed 20262278 --faults copy,clock --keep 34,71,73,75,81,91`): a file whose
    /// mnode had let go of it before copy X left was renamed into a directory made while X was away. Its handle, naming
    /// X alone, was resolved by its path in X, which no longer led to it in the mirror: ESTALE. The rename now remembers
    /// the fid X gives for the file first, as when an mnode lets go of it while the copy is away.
    /// </summary>
    [Fact]
    public void A_file_renamed_while_a_copy_is_away_keeps_a_handle_naming_that_copy_alone()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        f.WriteFile("/X/y/b", "b");
        var fid = FidOf(f, "/X/y/b", XAlone);
        f.K.Dnlc.Purge();
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/c", 0x1ED));
        MirrorFixture.Ok(f.P.Rename("/X/y/b", "/X/y/c/c"));
        f.K.Dnlc.Purge();
        NamesTheFile(f, mi, fid, "/X/y/c/c");
    }

    /// <summary>
    /// Finding 10 (`vfs sim --world fig9 --seed 20262350 --faults copy,net,host,clock --keep 46,50`): a file made while
    /// copy X was offline has a handle naming Y alone, and X's resync made it in X, late. Then Y stopped answering (its
    /// host went down). VFS_VGET's mnode knew Y's file alone, X's was found only by the file's path in Y, and the call
    /// failed although X had the file. X's record of the file made late now keeps the fid Y gave for it: the handle
    /// finds X's file without Y, and a lookup once Y is out of use gives the same handle (the record names Y's file).
    /// </summary>
    [Fact]
    public void A_file_made_while_a_copy_was_away_is_reached_by_its_handle_when_the_other_copy_stops_answering()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount("retries=0");
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        f.WriteFile("/X/y/n", "n");
        var fid = FidOf(f, "/X/y/n", Fid.MaxFidSize); // Y's fid alone: X has no file yet
        f.K.Dnlc.Purge();
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "x", out var error, out _), error);
        f.K.Dnlc.Purge();
        var faults = f.Faults(1); // every call to Y times out, but VOP_FID: an NFS copy's fid is the handle it holds
        foreach (var op in new[] { VopName.Lookup, VopName.Readdir, VopName.Getattr, VopName.Access, VopName.Open, VopName.Read })
            faults.Fail(op, Errno.ETIMEDOUT);

        MirrorFixture.Ok(VfsOp.Vget(mi.Vfs, out var vp, fid)); // Y still in use: the mirror has not heard it fail yet
        try
        {
            var va = new Vattr(AttrMask.AT_SIZE);
            MirrorFixture.Ok(Vop.Getattr(vp!, va, AttrFlags.None, Cred.Kcred));
            Assert.Equal(1, va.Size);
            MirrorFixture.Ok(Vop.Fid(vp!, Fid.MaxFidSize, out var same));
            Assert.Equal(fid, same);
        }
        finally
        {
            vp!.Rele();
        }
        f.K.Dnlc.Purge();
        Assert.Equal(fid, FidOf(f, "/A/b/n", Fid.MaxFidSize)); // through X's side: Y's covered directory is in Y's file system
        Assert.Equal(CopyState.Unavailable, mi.Copies[1].State);
        f.K.Dnlc.Purge();
        Assert.Equal("n", f.ReadFile("/A/b/n"));
        MirrorFixture.Ok(VfsOp.Vget(mi.Vfs, out vp, fid)); // Y out of use: only X's record says which file it is
        MirrorFixture.Ok(f.P.Lookupname("/A/b/n", true, out var named));
        Assert.Same(named, vp);
        vp!.Rele();
        named!.Rele();
        faults.Clear();
    }

    /// <summary>
    /// Finding 16 (`vfs sim --world fig9 --seed 20264205 --steps 103 --plan '21 offline y 0;43 online y 0;49 disk-fail
    /// x:/export/disk 7;92 disk-heal x:/export/disk 0' --keep 0-96,98,102`): b's handle named X alone; X failed (not
    /// offline: it is not asked any more), and b's mnode, let go before, was made again by a LOOKUP, whose fid named Y.
    /// The NFS client held two vnodes of b, with their own attribute caches, and a stat read the older size. X now
    /// remembers its fid for a file by Y's whenever a handle names X alone (CopyFids.RememberNamedAlone): the next mnode
    /// gives the same handle while X is out, and VFS_VGET finds it in Y without asking X.
    /// </summary>
    [Fact]
    public void A_handle_naming_one_copy_is_given_again_and_found_while_that_copy_has_failed()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount("retries=0");
        f.WriteFile("/X/y/b", "b");
        var fid = FidOf(f, "/X/y/b", XAlone);
        f.K.Dnlc.Purge(); // b's mnode lets go of its files
        f.Faults(0).Fail(VopName.Write, Errno.EIO);
        f.WriteFile("/X/y/other", "X fails this write and is taken out of use");
        Assert.Equal(CopyState.Unavailable, mi.Copies[0].State);
        Assert.NotEqual(MirrorIoctl.Maintenance, mi.Copies[0].Reason);
        NamesTheFile(f, mi, fid, "/X/y/b");
    }

    /// <summary>
    /// Finding 17 (`vfs sim --world fig10 --seed 20264392 --steps 42 --plan '14 disk-fail x:/export/disk 5; 28 disk-heal
    /// x:/export/disk 0' --keep 11,12,14,15,31,36`): X renamed c over the empty a, then failed the fsync after it and left.
    /// c then went to b, a new a was made and b went to a/a. X's resync kept X's old c, at a, as the new a and made a/a in
    /// it; c's mnode, which had known X's old c, recorded the new a/a as its file made again, so every handle naming X's
    /// old c -- the new a's too -- was sent on to a/a. A file made again is recorded only when the old one is gone.
    /// </summary>
    [Fact]
    public void A_directory_kept_as_another_by_the_resync_is_not_taken_for_a_file_made_again()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount("retries=0");
        MirrorFixture.Ok(f.P.Mkdir("/X/y/c", 0x1ED));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/a", 0x1ED));
        FidOf(f, "/X/y/c", XAlone); // a handle naming X alone: X remembers its c by Y's (RememberNamedAlone)
        f.Faults(0).Fail(VopName.Fsync, Errno.EIO);
        MirrorFixture.Ok(f.P.Rename("/X/y/c", "/X/y/a"));
        MirrorFixture.Ok(f.P.Open("/X/y", OFlags.O_RDONLY, 0, out int fd));
        MirrorFixture.Ok(f.P.Fsync(fd));
        MirrorFixture.Ok(f.P.Close(fd));
        Assert.Equal(CopyState.Unavailable, mi.Copies[0].State);
        mi.Copies[0].Vfs.Faults = null;
        MirrorFixture.Ok(f.P.Rename("/X/y/a", "/X/y/b"));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/a", 0x1ED));
        MirrorFixture.Ok(f.P.Rename("/X/y/b", "/X/y/a/a"));
        f.K.Dnlc.Purge();
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "x", out var error, out _), error);
        Assert.True(f.Verify().Identical);
        foreach (var path in new[] { "a", "a/a" })
        {
            var fid = FidOf(f, "/X/y/" + path, Fid.MaxFidSize);
            f.K.Dnlc.Purge(); // the mnode lets go of its files: VFS_VGET finds them by the handle alone, as for an NFS client
            MirrorFixture.Ok(VfsOp.Vget(mi.Vfs, out var vp, fid));
            var inX = f.LowerVnode(0, path);
            try
            {
                MirrorFixture.Ok(MirrorSubr.Resolve(MirrorSubr.Mn(vp!), mi.Copies[0], out var lv));
                Assert.Same(inX, lv);
            }
            finally
            {
                vp!.Rele();
                inX!.Rele();
            }
        }
    }

    private static Fid LowerFid(MirrorFixture f, string name)
    {
        var lv = f.LowerVnode(0, name);
        Assert.NotNull(lv);
        MirrorFixture.Ok(Vop.Fid(lv!, Fid.MaxFidSize, out var fid));
        lv!.Rele();
        return fid!;
    }

    /// <summary>Room for copy X's fid alone: the mirror's 2 bytes, and X's index, length and fid.</summary>
    private const int XAlone = 2 + 2 + 12;

    /// <summary>
    /// Fixed 66, first replay (`vfs sim --world fig9 --seed 99120 --steps 293 --plan '82 offline x 0; 162 online x 0'
    /// --keep 15,19,21,29,84,85`): a handle naming X alone, of a file named /b and /c/b; X went offline, /b was removed,
    /// and VFS_VGET looked the file up through the mirror by the path it found in X, /b, and answered ESTALE. When the
    /// path fails, the twin in Y that X remembered when the handle left Y out for room is asked.
    /// </summary>
    [Fact]
    public void A_handle_naming_an_offline_copy_alone_finds_a_file_by_another_link_when_one_name_was_removed()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        MirrorFixture.Ok(f.P.Mkdir("/X/y/c", 0x1ED));
        f.WriteFile("/X/y/c/b", "b");
        MirrorFixture.Ok(f.P.Link("/X/y/c/b", "/X/y/b"));
        var fid = FidOf(f, "/X/y/c/b", XAlone);
        f.K.Dnlc.Purge(); // the mnode goes while X is there
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        MirrorFixture.Ok(f.P.Unlink("/X/y/b"));
        f.K.Dnlc.Purge();
        NamesTheFile(f, mi, fid, "/X/y/c/b");
    }

    /// <summary>
    /// Fixed 66, second replay (`vfs sim --world fig9 --seed 99153 --steps 189 --plan '82 offline x 0; 116 online x 0'
    /// --keep 44,46,63,65,86,87,91`): a handle naming X alone, of /a/a/b; X went offline and /a was renamed to /c, so
    /// the file's path in X led nowhere in the mirror, and VFS_VGET answered ESTALE. X remembered the file by its twin in
    /// Y when the handle left Y out for room (RememberNamedAlone); that twin is asked when the path fails.
    /// </summary>
    [Fact]
    public void A_handle_naming_an_offline_copy_alone_finds_a_file_whose_directory_was_renamed_since()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        MirrorFixture.Ok(f.P.Mkdir("/X/y/a", 0x1ED));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/a/a", 0x1ED));
        f.WriteFile("/X/y/a/a/b", "b");
        var fid = FidOf(f, "/X/y/a/a/b", XAlone);
        f.K.Dnlc.Purge();
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        MirrorFixture.Ok(f.P.Rename("/X/y/a", "/X/y/c"));
        f.K.Dnlc.Purge();
        VgetNames(f, mi, fid, "/X/y/c/a/b");
    }

    /// <summary>
    /// Finding 27 (Fixed 68; `vfs sim --world fig10 --seed 102098 --steps 192 --plan '47 offline x 0; 178 online x 0'
    /// --keep 0-52`): a handle naming X alone, of a file named /a and /b; X went offline and /c was renamed over /a.
    /// VFS_VGET looked the file up by the first path it found in X, /a, and took the file renamed there for it (a name
    /// the log changed, but of the same type): a client's reads of /b returned /c's bytes. The twin X remembered in Y
    /// when the handle left Y out for room is now asked before a path the log changed is taken.
    /// </summary>
    [Fact]
    public void A_handle_naming_an_offline_copy_alone_is_not_taken_for_a_file_renamed_over_one_of_its_names()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        f.WriteFile("/X/y/a", "linked");
        MirrorFixture.Ok(f.P.Link("/X/y/a", "/X/y/b"));
        var fid = FidOf(f, "/X/y/b", XAlone);
        f.K.Dnlc.Purge(); // the mnode goes while X is there
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        f.WriteFile("/X/y/c", "renamed over");
        MirrorFixture.Ok(f.P.Rename("/X/y/c", "/X/y/a"));
        f.K.Dnlc.Purge();
        VgetNames(f, mi, fid, "/X/y/b");
    }

    /// <summary>
    /// Fixed 68, where the file has one name: its directory renamed while X was offline and a file made under the old
    /// path. The path in X leads to that file, of the same type; the twin X remembered in Y is the file.
    /// </summary>
    [Fact]
    public void A_handle_naming_an_offline_copy_alone_is_not_taken_for_a_file_made_at_its_old_path()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        MirrorFixture.Ok(f.P.Mkdir("/X/y/d", 0x1ED));
        f.WriteFile("/X/y/d/a", "moved");
        var fid = FidOf(f, "/X/y/d/a", XAlone);
        f.K.Dnlc.Purge();
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        MirrorFixture.Ok(f.P.Rename("/X/y/d", "/X/y/e"));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/d", 0x1ED));
        f.WriteFile("/X/y/d/a", "made at the old path");
        f.K.Dnlc.Purge();
        VgetNames(f, mi, fid, "/X/y/e/a");
    }

    /// <summary>
    /// Fixed 68, where X remembered no twin (a handle made while Y had failed names X alone whatever its room): the file
    /// is looked for under each of its names in X, and one whose path the log left alone is taken before one it changed.
    /// </summary>
    [Fact]
    public void The_copy_away_s_file_is_found_by_its_unchanged_name_before_a_name_another_file_was_renamed_over()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        f.WriteFile("/X/y/a", "linked");
        MirrorFixture.Ok(f.P.Link("/X/y/a", "/X/y/b"));
        f.K.Dnlc.Purge();
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        f.WriteFile("/X/y/c", "renamed over");
        MirrorFixture.Ok(f.P.Rename("/X/y/c", "/X/y/a"));
        f.K.Dnlc.Purge();
        var lv = f.LowerVnode(0, "b")!;
        MirrorFixture.Ok(MirrorLocate.Lookup(mi, mi.Copies[0], lv, out var vp, out bool sure));
        MirrorFixture.Ok(f.P.Lookupname("/X/y/b", true, out var named));
        try
        {
            Assert.Same(named, vp);
            Assert.True(sure);
        }
        finally
        {
            lv.Rele();
            vp!.Rele();
            named!.Rele();
        }
    }

    /// <summary>
    /// Fig. 9, seed 120076 (`vfs sim --world fig9 --seed 120076 --steps 164 --plan '55 offline x 0; 70 skew x -1079000;
    /// 89 online x 1; 161 skew x 0' --keep 32,55,56,64,92`): a handle naming X alone, of /b; while X was offline /b got
    /// a second name, /a, and was written. A full resync met /a first, found X lacked it, and copied Y's file whole; then
    /// X's /b, no longer alike, was replaced by a link to that copy. The handle went stale (fsync: ESTALE). A full resync
    /// now asks, as the log's replay does, for the copy's twin of a file it lacks a name of (MirrorResync.KnownTwin).
    /// </summary>
    [Fact]
    public void A_handle_naming_a_copy_alone_finds_its_file_after_a_full_resync_that_brought_a_link_made_meanwhile() =>
        HandleOutlivesFullResync("/X/y/b", f =>
        {
            MirrorFixture.Ok(f.P.Link("/X/y/b", "/X/y/a"));
            f.WriteFile("/X/y/b", "written while X was away");
        }, "/X/y/b", f => Assert.Equal("written while X was away", f.Lower(0, "a")));

    /// <summary>
    /// The same for a rename: /a renamed to /b while X was away. A full resync took the names in order and removed X's
    /// /a, gone from Y, before it came to /b: the twin had lost its last name, and /b was copied whole. A full resync now
    /// removes the names the source lacks last, as the log's replay does (MirrorMerge.OneWayEntries).
    /// </summary>
    [Fact]
    public void A_handle_naming_a_copy_alone_finds_its_file_after_a_full_resync_that_brought_a_rename_made_meanwhile() =>
        HandleOutlivesFullResync("/X/y/a", f => MirrorFixture.Ok(f.P.Rename("/X/y/a", "/X/y/b")), "/X/y/b");

    /// <summary>
    /// Fig. 9, seed 130067: a handle naming X alone, of /c; while X was offline /c got the link /a/b, in a directory made
    /// meanwhile. The full resync came to /c before /a/b: it found X's /c with one link, the source's with two, and
    /// replaced it, never asking whether it was the file's twin. The handle went stale (c's close: ESTALE).
    /// </summary>
    [Fact]
    public void A_handle_naming_a_copy_alone_finds_its_file_after_a_full_resync_that_brought_a_link_in_a_new_directory() =>
        HandleOutlivesFullResync("/X/y/c", f =>
        {
            MirrorFixture.Ok(f.P.Mkdir("/X/y/a", 0x1ED));
            MirrorFixture.Ok(f.P.Link("/X/y/c", "/X/y/a/b"));
        }, "/X/y/c");

    /// <summary>
    /// Fig. 10, seed 121053: the same for /c renamed to /a/c/a while X was offline. The merge removed X's /c, a name the
    /// source lacks, before it came to /a/c/a, so the twin had no name left to be linked from. The files a full resync
    /// removes now wait in .mfs until the whole tree is merged (MirrorMerge.Park).
    /// </summary>
    [Fact]
    public void A_handle_naming_a_copy_alone_finds_its_file_after_a_full_resync_that_brought_a_rename_into_a_new_directory() =>
        HandleOutlivesFullResync("/X/y/c", f =>
        {
            MirrorFixture.Ok(f.P.Mkdir("/X/y/a", 0x1ED));
            MirrorFixture.Ok(f.P.Mkdir("/X/y/a/c", 0x1ED));
            MirrorFixture.Ok(f.P.Rename("/X/y/c", "/X/y/a/c/a"));
        }, "/X/y/a/c/a",
            f => Assert.DoesNotContain(f.LowerNames(0, ".mfs"), n => n.StartsWith(MirrorMerge.ParkedPrefix, StringComparison.Ordinal)));

    /// <summary>
    /// A probe of Fig. 9 (seed 170136, `--plan '19 skew x -1185000; 52 offline x 0; 131 online x 1; 201 skew x 0' --keep
    /// 20,32,53,132,133,198`): an open directory renamed while X was away; X's full resync made the new name afresh and
    /// removed the old one, and the handle naming X's directory alone answered fstat for the removed one. The copy's
    /// directory is moved to the new name, wherever the merge meets the two names first, and whether or not the old
    /// name was made again meanwhile, as a directory or a file.
    /// </summary>
    [Theory]
    [InlineData("/X/y/c", "/X/y/d", null)]        // the new name is met first
    [InlineData("/X/y/a/c", "/X/y/b/c", null)]    // the old one is (its directory comes first)
    [InlineData("/X/y/c", "/X/y/b/c", null)]      // into a directory the copy lacks
    [InlineData("/X/y/c", "/X/y/b", "dir")]       // its old name made again, met after (Fig. 9, seed 180161)
    [InlineData("/X/y/c", "/X/y/d", "dir")]       // its old name made again, met first: it waits in .mfs
    [InlineData("/X/y/c", "/X/y/d", "file")]      // its old name made a file, met first (Fig. 9, seed 260118)
    public void A_directory_renamed_while_a_copy_was_away_keeps_its_directory_in_that_copy_through_a_full_resync(string from, string to, string? again)
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        MirrorFixture.Ok(f.P.Mkdir("/X/y/a", 0x1ED));
        MirrorFixture.Ok(f.P.Mkdir(from, 0x1ED));
        f.WriteFile(from + "/f", "kept");
        var fid = FidOf(f, from, XAlone);
        var inX = LowerFid(f, from["/X/y/".Length..]);
        MirrorFixture.Ok(f.P.Lookupname(from, true, out var held)); // open through the mirror: its mnode lives on
        try
        {
            f.K.Dnlc.Purge();
            MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
            if (to.StartsWith("/X/y/b/", StringComparison.Ordinal))
                MirrorFixture.Ok(f.P.Mkdir("/X/y/b", 0x1ED));
            MirrorFixture.Ok(f.P.Rename(from, to));
            f.WriteFile(to + "/g", "made meanwhile");
            if (again == "dir")
                MirrorFixture.Ok(f.P.Mkdir(from, 0x1ED));
            else if (again == "file")
                f.WriteFile(from, "a file under the old name");
            f.K.Dnlc.Purge();
            MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "x", out var error, out var report, full: true), error);
            Assert.True(report!.Full);
            Assert.Equal(inX, LowerFid(f, to["/X/y/".Length..]));
            if (again is not null)
                Assert.NotEqual(inX, LowerFid(f, from["/X/y/".Length..]));
            f.K.Dnlc.Purge();
            NamesTheFile(f, mi, fid, to);
            Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
            Assert.DoesNotContain(f.LowerNames(0, ".mfs"), n => n.StartsWith(MirrorMerge.ParkedPrefix, StringComparison.Ordinal));
        }
        finally
        {
            held!.Rele();
        }
    }

    /// <summary>
    /// The first form of the fix above failed a probe (Fig. 9, seed 170221, the same plan, `--keep
    /// 8,9,31,33,39,85,88,118,131`: `/m: / holds [a c], the model [a b c]`): /b renamed to /a/c/a while X was away, and
    /// another directory renamed to /b. The merge kept X's old /b as the new one, and then moved it to /a/c/a, its
    /// twin's name, leaving / without b. A directory under a path the source has is not moved.
    /// </summary>
    [Fact]
    public void A_full_resync_does_not_move_a_directory_it_kept_under_its_old_name_for_another()
    {
        using var f = new MirrorFixture();
        f.Mount();
        foreach (var d in new[] { "/X/y/a", "/X/y/a/c", "/X/y/b", "/X/y/c" })
            MirrorFixture.Ok(f.P.Mkdir(d, 0x1ED));
        f.K.Dnlc.Purge();
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        MirrorFixture.Ok(f.P.Rename("/X/y/b", "/X/y/a/c/a"));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/c/c", 0x1ED));
        MirrorFixture.Ok(f.P.Rename("/X/y/c/c", "/X/y/b"));
        f.K.Dnlc.Purge();
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "x", out var error, out _, full: true), error);
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    /// <summary>
    /// A handle naming X alone, of <paramref name="path"/>; <paramref name="meanwhile"/> while X is offline; X's full
    /// resync. VFS_VGET of the handle then gives the file at <paramref name="after"/>, the copies agree, and
    /// <paramref name="then"/> holds.
    /// </summary>
    private static void HandleOutlivesFullResync(string path, Action<MirrorFixture> meanwhile, string after, Action<MirrorFixture>? then = null)
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        f.WriteFile(path, "before");
        var fid = FidOf(f, path, XAlone);
        f.K.Dnlc.Purge();
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        meanwhile(f);
        f.K.Dnlc.Purge();
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "x", out var error, out var report, full: true), error);
        Assert.True(report!.Full);
        f.K.Dnlc.Purge();
        NamesTheFile(f, mi, fid, after);
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
        then?.Invoke(f);
    }

    private static void NamesTheFile(MirrorFixture f, MfsVfs mi, Fid fid, string path, int room = XAlone)
    {
        Assert.Equal(fid, FidOf(f, path, room));
        VgetNames(f, mi, fid, path);
    }

    /// <summary>VFS_VGET of <paramref name="fid"/> gives the mirror's vnode of the file at <paramref name="path"/>.</summary>
    private static void VgetNames(MirrorFixture f, MfsVfs mi, Fid fid, string path)
    {
        MirrorFixture.Ok(VfsOp.Vget(mi.Vfs, out var vp, fid));
        MirrorFixture.Ok(f.P.Lookupname(path, true, out var named));
        try
        {
            Assert.Same(named, vp);
        }
        finally
        {
            vp!.Rele();
            named!.Rele();
        }
    }

    /// <summary>
    /// Finding 42 (Fig. 9, seed 900129): a file's handle names X alone; while X is offline its directory is renamed and a
    /// new file takes the directory's old name. The handle is found by the file's path in X, which walked the mirror
    /// by name into the new file (ENOTDIR, so ESTALE). The walk follows a directory the mirror knows -- one the rename
    /// moved while X was away -- to where the mirror has it now.
    /// </summary>
    [Fact]
    public void A_handle_of_the_offline_copy_alone_finds_its_file_in_a_directory_renamed_meanwhile_whose_old_name_another_file_took()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        MirrorFixture.Ok(f.P.Mkdir("/A/b/d", 0x1ED));
        MirrorFixture.Ok(f.P.Mkdir("/A/b/e", 0x1ED));
        f.WriteFile("/A/b/d/f", "f");
        var whole = FidOf(f, "/A/b/d/f", Fid.MaxFidSize);
        var xAlone = FidOf(f, "/A/b/d/f", 2 + (whole.Length - 2) / mi.Copies.Count); // room for X's fid only
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        f.K.Dnlc.Purge();
        MirrorFixture.Ok(f.P.Rename("/A/b/d", "/A/b/e/d"));
        f.WriteFile("/A/b/d", "a new file under the old name");
        f.K.Dnlc.Purge();

        VgetNames(f, mi, xAlone, "/A/b/e/d/f");
    }

    /// <summary>
    /// Finding 44 (Fig. 10, seed 1011140): Y got /c/b late from X, so Y's records pair X's /c/b with it. While X was away
    /// /c/b was renamed /a, over the name of a symbolic link X still had, and a new /c/b was made. X's resync could not
    /// move its /c/b there and made a new /a, and a handle naming X's /c/b alone had to be the directory at /c/b in both
    /// copies, not X's /c/b with Y's /a, which would put what is made in it in two places. Since Fixed 112 the resync
    /// removes the link the mirror no longer has and moves X's /c/b to /a: the handle names its own directory, at /a in
    /// both copies.
    /// </summary>
    [Fact]
    public void A_handle_of_one_copy_alone_is_not_paired_with_a_twin_that_copy_has_since_got_again_elsewhere()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        MirrorFixture.Ok(f.P.Mkdir("/A/b/c", 0x1ED));
        MirrorFixture.Ok(f.P.Mkdir("/A/b/c/b", 0x1ED));
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out _, out _)); // Y gets /c and /c/b late from X
        var xAlone = FidOf(f, "/A/b/c/b", Fid.MaxFidSize); // a file made late in Y is named by X alone (MfsFid)
        Assert.Equal(1, xAlone.Data[1]);
        MirrorFixture.Ok(f.P.Symlink("b", "/A/b/a"));
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        MirrorFixture.Ok(f.P.Unlink("/A/b/a"));
        MirrorFixture.Ok(f.P.Rename("/A/b/c/b", "/A/b/a"));
        MirrorFixture.Ok(f.P.Mkdir("/A/b/c/b", 0x1ED));
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "x", out _, out _));
        f.K.Dnlc.Purge();

        MirrorFixture.Ok(VfsOp.Vget(mi.Vfs, out var vp, xAlone));
        try
        {
            MirrorFixture.Ok(Vop.Mkdir(vp!, "g", new Vattr(AttrMask.AT_TYPE | AttrMask.AT_MODE) { Type = VType.VDIR, Mode = 0x1ED }, out var g, f.P.Cred));
            g!.Rele();
        }
        finally
        {
            vp!.Rele();
        }
        foreach (int copy in new[] { 0, 1 })
        {
            var made = f.LowerVnode(copy, "a/g");
            Assert.True(made is not null, $"copy {copy} has no /a/g");
            made!.Rele();
            Assert.Null(f.LowerVnode(copy, "c/b/g"));
        }
    }

    private static Fid FidOf(MirrorFixture f, string path, int room)
    {
        MirrorFixture.Ok(f.P.Lookupname(path, true, out var vp));
        MirrorFixture.Ok(Vop.Fid(vp!, room, out var fid));
        vp!.Rele();
        return fid!;
    }
}
