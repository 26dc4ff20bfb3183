// Tests of Vfs.Mirror: the mount-time merge (patent Fig. 4 items 4 and 5) -- every name ends up in both
// copies, the newer timestamp wins, a file against a directory is resolved by the documented rule.
namespace UnixVfs.Mirror.Tests;

public class MergeTests
{
    private static readonly Timespec Old = new(1_000_000_000, 0);
    private static readonly Timespec New = new(1_500_000_000, 0);

    [Fact]
    public void Every_name_in_either_tree_ends_up_in_both()
    {
        using var f = new MirrorFixture();
        MirrorFixture.Ok(f.P.Mkdir("/A/b/c", 0x1ED));
        MirrorFixture.Ok(f.P.Mkdir("/A/b/c/d", 0x1ED));
        f.WriteFile("/A/b/c/e", "e");
        MirrorFixture.Ok(f.P.Mkdir("/X/y/z", 0x1ED));
        f.WriteFile("/X/y/z/g", "g");
        MirrorFixture.Ok(f.P.Symlink("z/g", "/X/y/link"));
        var data = new MfsMountData();
        f.Mount(data: data);
        foreach (int copy in new[] { 0, 1 })
        {
            Assert.Equal(["c", "link", "z"], f.LowerNames(copy, "/"));
            Assert.Equal(["d", "e"], f.LowerNames(copy, "c"));
            Assert.Equal("e", f.Lower(copy, "c/e"));
            Assert.Equal("g", f.Lower(copy, "z/g"));
        }
        MirrorFixture.Ok(f.P.Readlink("/A/b/link", out var target));
        Assert.Equal("z/g", target);
        Assert.True(data.Merge!.Scanned >= 6);
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Where_both_hold_a_name_the_newer_one_wins_with_its_data_and_attributes(bool xNewer)
    {
        using var f = new MirrorFixture();
        f.WriteFile("/A/b/f", "version of A, longer");
        f.WriteFile("/X/y/f", "version of X");
        MirrorFixture.Ok(f.P.Chmod("/A/b/f", 0x180));
        MirrorFixture.Ok(f.P.Utimens("/A/b/f", [Old, xNewer ? New : Old]));
        MirrorFixture.Ok(f.P.Utimens("/X/y/f", [Old, xNewer ? Old : New]));
        f.Mount();
        string winner = xNewer ? "version of A, longer" : "version of X";
        Assert.Equal(winner, f.Lower(0, "f"));
        Assert.Equal(winner, f.Lower(1, "f"));
        MirrorFixture.Ok(f.P.Stat("/X/y/f", out var st));
        Assert.Equal(New, st!.Mtime);
        Assert.Equal(xNewer ? 0x180u : 0x1A4u, st.Perm);
        Assert.True(f.Verify().Identical);
    }

    [Fact]
    public void A_file_against_a_directory_keeps_the_directory_and_renames_the_file_aside()
    {
        using var f = new MirrorFixture();
        f.WriteFile("/A/b/thing", "I am a file in A");
        MirrorFixture.Ok(f.P.Mkdir("/X/y/thing", 0x1ED));
        f.WriteFile("/X/y/thing/inside", "in X's directory");
        var data = new MfsMountData();
        f.Mount(data: data);
        var conflict = Assert.Single(data.Merge!.Conflicts);
        Assert.Contains("/thing", conflict);
        Assert.Contains("thing.mfs-conflict-X", conflict);
        foreach (int copy in new[] { 0, 1 })
        {
            Assert.Equal("in X's directory", f.Lower(copy, "thing/inside"));
            Assert.Equal("I am a file in A", f.Lower(copy, "thing.mfs-conflict-X"));
        }
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    [Fact]
    public void Role_master_makes_the_slave_like_the_master()
    {
        using var f = new MirrorFixture();
        f.WriteFile("/A/b/master-only", "m");
        f.WriteFile("/A/b/both", "master's");
        f.WriteFile("/X/y/both", "slave's, and newer");
        f.WriteFile("/X/y/slave-only", "s");
        MirrorFixture.Ok(f.P.Utimens("/A/b/both", [Old, Old]));
        MirrorFixture.Ok(f.P.Utimens("/X/y/both", [New, New]));
        f.Mount("role=master");
        Assert.Equal(["both", "master-only"], f.LowerNames(1, "/"));
        Assert.Equal("master's", f.Lower(1, "both"));
        Assert.Equal("master's", f.Lower(0, "both"));
    }

    [Fact]
    public void Hard_links_stay_hard_links_in_the_other_copy()
    {
        using var f = new MirrorFixture();
        f.WriteFile("/A/b/one", "shared");
        MirrorFixture.Ok(f.P.Link("/A/b/one", "/A/b/two"));
        f.Mount();
        var v1 = f.LowerVnode(1, "one")!;
        var v2 = f.LowerVnode(1, "two")!;
        Assert.Same(v1, v2);
        v1.Rele();
        v2.Rele();
    }

    /// <summary>
    /// Fixed 55 (`vfs sim --world fig7 --seed 89 --steps 195 --faults clock,power,crash --keep 1,21,30,44,76,77`): the
    /// master holds a and c, one file; the slave holds the same file as a and b/a (a rename the master's crash lost).
    /// The one-way merge found a alike in both and went on; c, missing on the slave, was copied whole, and once b/a
    /// was removed the slave's a had one link. A file alike under one name is now the twin its other names link to.
    /// </summary>
    [Fact]
    public void A_one_way_merge_links_a_name_the_target_lacks_to_the_file_it_holds_under_another()
    {
        using var f = new MirrorFixture();
        f.WriteFile("/A/b/a", "shared");
        MirrorFixture.Ok(f.P.Link("/A/b/a", "/A/b/c"));
        f.WriteFile("/X/y/a", "shared");
        MirrorFixture.Ok(f.P.Mkdir("/X/y/b", 0x1ED));
        MirrorFixture.Ok(f.P.Link("/X/y/a", "/X/y/b/a"));
        MirrorFixture.Ok(f.P.Utimens("/A/b/a", [Old, Old]));
        MirrorFixture.Ok(f.P.Utimens("/X/y/a", [Old, Old]));

        f.Mount("role=master");
        Assert.Equal(["a", "c"], f.LowerNames(1, "/"));
        var a = f.LowerVnode(1, "a")!;
        var c = f.LowerVnode(1, "c")!;
        bool oneFile = ReferenceEquals(a, c);
        var va = new Vattr(AttrMask.AT_NLINK);
        MirrorFixture.Ok(Vop.Getattr(a, va, AttrFlags.None, Cred.Kcred));
        a.Rele();
        c.Rele();
        Assert.True(oneFile, "the slave's a and c are two files");
        Assert.Equal(2u, va.Nlink);
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    /// <summary>
    /// Fixed 56 (`vfs sim --world fig7 --seed 20264531 --steps 145 --faults disk,copy,net,host,clock,power,crash --keep
    /// 1,7,13,14,16`): x's mirror wrote 19 bytes to /b, on x's disk and held by x's NFS client for y's; y restarted, and
    /// its role=master mount made x's disk like its own, /b empty. A master's mount that finds another host's mirror
    /// holding the copies merges from that mirror's truth, and leaves the copies that mirror writes alone.
    /// </summary>
    [Fact]
    public void A_master_mount_merges_from_the_truth_of_another_hosts_mirror_that_holds_the_copies()
    {
        using var f = new MirrorFixture();
        f.Mount("role=master");
        MirrorFixture.Ok(f.P.Umount("/X/y"));
        // y's mirror, whose truth is the copy at /X/y, mounts the copies and writes a file this host's disk lacks;
        // this host's disk has a file y's mirror never made.
        var roots = MirrorFixture.CopyDirs.Take(2).Select(d => { MirrorFixture.Ok(f.P.Lookupname(d, true, out var vp)); return vp!; }).ToArray();
        MirrorFixture.Ok(MirrorMeta.Read(roots[1], out var yTruth, out _));
        foreach (var root in roots)
        {
            MirrorFixture.Ok(MirrorMeta.Read(root, out var m, out _));
            MirrorFixture.Ok((m! with { Clean = false }).WithHolder("y", new MirrorHolder("y", yTruth!.Copy)).Write(root, out _));
            root.Rele();
        }
        f.WriteFile("/X/y/from-y", "y's");
        f.WriteFile("/A/b/only-here", "never y's");

        f.Mount("role=master");
        Assert.Equal(["from-y"], f.LowerNames(0, "/"));
        Assert.Equal(["from-y"], f.LowerNames(1, "/"));
        Assert.Equal("y's", f.Lower(0, "from-y"));
    }

    [Fact]
    public void Progress_is_reported_for_each_name()
    {
        using var f = new MirrorFixture();
        for (int i = 0; i < 20; i++)
            f.WriteFile($"/A/b/f{i}", "x");
        var seen = new List<MergeProgress>();
        f.Mount(data: new MfsMountData { Progress = seen.Add });
        Assert.Equal(20, seen.Count);
        Assert.Equal(20, seen[^1].Scanned);
        Assert.Equal(20, seen[^1].Copied);
    }

    /// <summary>
    /// Fixed 94 (Finding 37, `vfs sim --world fig7 --seed 503041` with a restart and a disk fault): a linked file whose
    /// write one copy lost is, under all its names, the same file in both. The merge rewrites it in place, as it does a
    /// file of one link, so it keeps its inode there: made afresh, the other master's handle of it went stale there.
    /// </summary>
    [Fact]
    public void A_linked_file_older_in_one_copy_under_all_its_names_is_rewritten_in_place_there()
    {
        using var f = new MirrorFixture();
        foreach (var (dir, data, time) in new[] { ("/A/b", "the lost write", New), ("/X/y", "", Old) })
        {
            f.WriteFile(dir + "/c", data);
            MirrorFixture.Ok(f.P.Mkdir(dir + "/d", 0x1ED));
            MirrorFixture.Ok(f.P.Link(dir + "/c", dir + "/d/a"));
            MirrorFixture.Ok(f.P.Utimens(dir + "/c", [time, time]));
        }
        MirrorFixture.Ok(f.P.Stat("/X/y/c", out var st));
        ulong before = st!.Ino;
        var merged = new MfsMountData();
        f.Mount(data: merged);
        Assert.Equal(before, NodeId(f, 1, "c"));
        Assert.Equal(before, NodeId(f, 1, "d/a"));
        Assert.Equal("the lost write", f.Lower(1, "d/a"));
        Assert.Equal(0, merged.Merge!.Stats.Recreated);
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    /// <summary>
    /// The other side of Fixed 94 (seed 563026 at the mirror's layer): the older copy's file has the newer file's first
    /// name and as many links, but its other name is another file's in the newer copy. It is not the newer file: the
    /// name is made a new file, linked at the newer file's other name, and the old file keeps its own.
    /// </summary>
    [Fact]
    public void A_linked_file_that_shares_only_one_name_with_the_newer_copys_file_is_another_file()
    {
        using var f = new MirrorFixture();
        f.WriteFile("/A/b/c", "new file");
        MirrorFixture.Ok(f.P.Link("/A/b/c", "/A/b/e"));
        f.WriteFile("/A/b/old", "old file");
        MirrorFixture.Ok(f.P.Utimens("/A/b/c", [New, New]));
        MirrorFixture.Ok(f.P.Utimens("/A/b/old", [Old, Old]));
        f.WriteFile("/X/y/c", "old file");
        MirrorFixture.Ok(f.P.Link("/X/y/c", "/X/y/old"));
        MirrorFixture.Ok(f.P.Utimens("/X/y/c", [Old, Old]));
        MirrorFixture.Ok(f.P.Stat("/X/y/old", out var st));
        f.Mount();
        Assert.Equal("new file", f.Lower(1, "c"));
        Assert.Equal(NodeId(f, 1, "c"), NodeId(f, 1, "e"));
        Assert.NotEqual(NodeId(f, 1, "c"), NodeId(f, 1, "old"));
        Assert.Equal(st!.Ino, NodeId(f, 1, "old"));
        Assert.Equal("old file", f.Lower(1, "old"));
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    private static ulong NodeId(MirrorFixture f, int copy, string path)
    {
        var vp = f.LowerVnode(copy, path)!;
        var va = new Vattr(AttrMask.AT_NODEID);
        MirrorFixture.Ok(Vop.Getattr(vp, va, AttrFlags.None, Cred.Kcred));
        vp.Rele();
        return va.NodeId;
    }

    [Fact]
    public void Holes_stay_holes_when_a_sparse_file_is_copied()
    {
        using var f = new MirrorFixture();
        MirrorFixture.Ok(f.P.Open("/A/b/sparse", OFlags.O_CREAT | OFlags.O_WRONLY, 0x1A4, out int fd));
        MirrorFixture.Ok(f.P.Pwrite(fd, new byte[] { 1 }, 10 << 20, out _));
        MirrorFixture.Ok(f.P.Close(fd));
        var data = new MfsMountData();
        f.Mount(data: data);
        MirrorFixture.Ok(f.P.Stat("/X/y/sparse", out var st));
        Assert.Equal((10 << 20) + 1, st!.Size);
        var vp = f.LowerVnode(1, "sparse")!;
        var va = new Vattr(AttrMask.AT_ALL);
        MirrorFixture.Ok(Vop.Getattr(vp, va, AttrFlags.None, Cred.Kcred));
        vp.Rele();
        Assert.Equal(10L << 20 | 1, va.Size);
        Assert.True(va.Nblocks <= 16, $"the copy allocated {va.Nblocks} blocks for a 1-byte file");
        Assert.True(data.Merge!.Stats.BytesCopied < 1 << 20);
    }
}
