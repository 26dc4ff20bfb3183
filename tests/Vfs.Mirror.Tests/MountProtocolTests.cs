// Tests of Vfs.Mirror: the MFS mount protocol (patent B.1, B.2) -- both directories lead into the mirror,
// neither is hidden, bad mounts change nothing, and unmount reverts both directories.
namespace UnixVfs.Mirror.Tests;

public class MountProtocolTests
{
    [Fact]
    public void Both_old_path_names_reach_the_same_mirror()
    {
        using var f = new MirrorFixture();
        f.WriteFile("/A/b/from-a", "a");
        f.WriteFile("/X/y/from-x", "x");
        var mi = f.Mount();
        MirrorFixture.Ok(f.P.Stat("/A/b", out var sa));
        MirrorFixture.Ok(f.P.Stat("/X/y", out var sx));
        Assert.Equal(mi.Vfs.Fsid, sa!.Dev);
        Assert.Equal(sa.Dev, sx!.Dev);
        Assert.Equal(sa.Ino, sx.Ino);
        // What is written through one name is read through the other: it is one mirror.
        f.WriteFile("/A/b/new", "hello");
        Assert.Equal("hello", f.ReadFile("/X/y/new"));
    }

    [Fact]
    public void Neither_directorys_contents_is_hidden()
    {
        using var f = new MirrorFixture();
        f.WriteFile("/A/b/e", "file e of A");
        MirrorFixture.Ok(f.P.Mkdir("/X/y/z", 0x1ED));
        f.WriteFile("/X/y/z/h", "file h of X");
        f.Mount();
        Assert.Equal("file e of A", f.ReadFile("/X/y/e"));
        Assert.Equal("file h of X", f.ReadFile("/A/b/z/h"));
    }

    [Fact]
    public void The_same_file_through_either_name_is_the_same_vnode()
    {
        using var f = new MirrorFixture();
        f.WriteFile("/A/b/g", "g");
        f.Mount();
        MirrorFixture.Ok(f.P.Lookupname("/A/b/g", true, out var v1));
        MirrorFixture.Ok(f.P.Lookupname("/X/y/g", true, out var v2));
        Assert.Same(v1, v2);
        v1!.Rele();
        v2!.Rele();
    }

    [Fact]
    public void Unmount_reverts_both_directories_to_their_own_file_systems()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        f.WriteFile("/A/b/kept", "on both copies");
        MirrorFixture.Ok(f.P.Umount("/X/y"));
        Assert.DoesNotContain(f.K.Mounts, v => v.FstypeName == "mfs");
        MirrorFixture.Ok(f.P.Stat("/A/b", out var sa));
        MirrorFixture.Ok(f.P.Stat("/X/y", out var sx));
        Assert.NotEqual(sa!.Dev, sx!.Dev);
        // Each copy is an ordinary directory again, holding what the mirror wrote.
        Assert.Equal("on both copies", f.ReadFile("/A/b/kept"));
        Assert.Equal("on both copies", f.ReadFile("/X/y/kept"));
        f.WriteFile("/A/b/after", "only A");
        Assert.Equal(Errno.ENOENT, f.P.Stat("/X/y/after", out _));
        _ = mi;
    }

    [Fact]
    public void Unmount_through_either_path_works_and_the_lower_file_systems_unmount_after()
    {
        using var f = new MirrorFixture();
        f.Mount();
        Assert.Equal(Errno.EBUSY, f.P.Umount("/A"));
        MirrorFixture.Ok(f.P.Umount("/A/b"));
        MirrorFixture.Ok(f.P.Umount("/A"));
        MirrorFixture.Ok(f.P.Umount("/X"));
    }

    [Fact]
    public void Unmount_is_refused_while_a_mirror_file_is_open()
    {
        using var f = new MirrorFixture();
        f.Mount();
        MirrorFixture.Ok(f.P.Open("/A/b/open", OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int fd));
        Assert.Equal(Errno.EBUSY, f.P.Umount("/X/y"));
        MirrorFixture.Ok(f.P.Close(fd));
        MirrorFixture.Ok(f.P.Umount("/X/y"));
    }

    [Theory]
    [InlineData("/X/y", "/X/y", "same directory")]
    [InlineData("/X/y/sub", "/X/y", "inside")]
    [InlineData("/X", "/X/y", "inside")]
    public void A_directory_cannot_mirror_itself_or_its_own_subtree(string spec, string dir, string reason)
    {
        using var f = new MirrorFixture();
        f.P.Mkdir("/X/y/sub", 0x1ED);
        var data = new MfsMountData();
        Assert.Equal(Errno.EINVAL, f.P.Mount(spec, dir, "mfs", MountFlags.None, "", data));
        Assert.Contains(reason, data.Error);
        Assert.DoesNotContain(f.K.Mounts, v => v.FstypeName == "mfs");
        Assert.Null(MirrorFixture_LookupCovered(f, "/X/y"));
    }

    private static Vfs? MirrorFixture_LookupCovered(MirrorFixture f, string path)
    {
        MirrorFixture.Ok(f.P.Lookupname(path, true, out var vp));
        var v = vp!.Vfs.FstypeName == "mfs" ? vp.Vfs : null;
        vp.Rele();
        return v;
    }

    [Fact]
    public void A_mirror_of_26_copies_serves_reads_from_its_last_and_a_27th_copy_is_refused()
    {
        using var f = new MirrorFixture();
        var dirs = Enumerable.Range(0, MfsOptions.MaxCopies + 1).Select(i => $"/X/c{i}").ToArray();
        foreach (var d in dirs)
            MirrorFixture.Ok(f.P.Mkdir(d, 0x1ED));
        MirrorFixture.Ok(f.P.Mkdir("/m", 0x1ED));
        var data = new MfsMountData();
        Assert.Equal(Errno.EINVAL, f.P.Mount(string.Join(',', dirs), "/m", "mfs", MountFlags.None, "hide", data));
        Assert.Contains("at most 26 copies", data.Error);
        Assert.DoesNotContain(f.K.Mounts, v => v.FstypeName == "mfs");

        // Every copy's index has its bit in a read's set of copies tried (MirrorSubr.ReadOp): the last, index 25, too.
        data = new MfsMountData();
        MirrorFixture.Ok(f.P.Mount(string.Join(',', dirs[..^1]), "/m", "mfs", MountFlags.None, "hide,read=a", data), data.Error);
        var mi = f.Mfs;
        Assert.Equal("A", mi.Copies[^1].Name);
        MirrorFixture.Ok(f.P.Open("/m/f", OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int fd));
        MirrorFixture.Ok(f.P.Write(fd, "26 copies"u8.ToArray(), out _));
        var buf = new byte[16];
        MirrorFixture.Ok(f.P.Pread(fd, buf, 0, out int n));
        Assert.Equal("26 copies", System.Text.Encoding.ASCII.GetString(buf, 0, n));
        Assert.Equal(1, mi.Copies[^1].Reads);
        Assert.All(mi.Copies.SkipLast(1), c => Assert.Equal(0, c.Reads));
        MirrorFixture.Ok(f.P.Close(fd));
        MirrorFixture.Ok(f.P.Umount("/m"));
    }

    [Theory]
    [InlineData("read=q")]
    [InlineData("role=boss")]
    [InlineData("mode=weird")]
    [InlineData("retries=-1")]
    [InlineData("colour=blue")]
    [InlineData("mode=active-passive,role=master")]
    public void Bad_options_are_refused_with_a_reason(string options)
    {
        using var f = new MirrorFixture();
        var data = new MfsMountData();
        Assert.Equal(Errno.EINVAL, f.P.Mount("/A/b", "/X/y", "mfs", MountFlags.None, options, data));
        Assert.NotEqual("", data.Error);
        Assert.DoesNotContain(f.K.Mounts, v => v.FstypeName == "mfs");
    }

    [Fact]
    public void A_missing_or_non_directory_copy_is_refused_and_nothing_is_covered()
    {
        using var f = new MirrorFixture();
        f.WriteFile("/A/file", "x");
        var data = new MfsMountData();
        Assert.Equal(Errno.ENOENT, f.P.Mount("/A/nothere", "/X/y", "mfs", MountFlags.None, "", data));
        Assert.Equal(Errno.ENOTDIR, f.P.Mount("/A/file", "/X/y", "mfs", MountFlags.None, "", data));
        Assert.Contains("not a directory", data.Error);
        MirrorFixture.Ok(f.P.Stat("/X/y", out var st));
        Assert.NotEqual("mfs", f.K.Mounts.Single(v => v.Fsid == st!.Dev).FstypeName);
    }

    [Fact]
    public void Mounting_the_same_pair_twice_is_refused()
    {
        using var f = new MirrorFixture();
        f.Mount();
        var data = new MfsMountData();
        Assert.NotEqual(Errno.OK, f.P.Mount("/A/b", "/X/y", "mfs", MountFlags.None, "", data));
        Assert.Single(f.K.Mounts, v => v.FstypeName == "mfs");
    }

    [Fact]
    public void Hide_mounts_two_copies_on_a_third_directory_and_hides_its_previous_contents()
    {
        using var f = new MirrorFixture();
        MirrorFixture.Ok(f.P.Mkdir("/data", 0x1ED));
        f.WriteFile("/data/old", "hidden while mounted");
        f.WriteFile("/A/b/one", "1");
        f.WriteFile("/X/y/two", "2");
        var data = new MfsMountData();
        MirrorFixture.Ok(f.P.Mount("/A/b,/X/y", "/data", "mfs", MountFlags.None, "hide", data), data.Error);
        Assert.Equal(Errno.ENOENT, f.P.Stat("/data/old", out _));
        Assert.Equal("1", f.ReadFile("/data/one"));
        Assert.Equal("2", f.ReadFile("/data/two"));
        f.WriteFile("/data/three", "3");
        Assert.Equal("3", f.Lower(0, "three"));
        Assert.Equal("3", f.Lower(1, "three"));
        MirrorFixture.Ok(f.P.Umount("/data"));
        Assert.Equal("hidden while mounted", f.ReadFile("/data/old"));
    }
}
