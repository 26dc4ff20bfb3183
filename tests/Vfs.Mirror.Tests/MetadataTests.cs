// Tests of Vfs.Mirror: the metadata every copy keeps in .mfs/meta (MirrorMeta.cs, MirrorGenerations.cs; beyond the
// patent) -- written at mount, hidden by the mirror, advanced when a copy leaves and rejoins, clean after umount,
// and the refusal to mount copies of different mirrors.
using System.Text;

namespace UnixVfs.Mirror.Tests;

public class MetadataTests
{
    private static MirrorMeta Meta(MirrorFixture f, string copyDir)
    {
        MirrorFixture.Ok(f.P.Lookupname(copyDir, true, out var dir), "lookup " + copyDir);
        try
        {
            // Under the mirror the copy's own directory is covered: ask the copy's vnode below it.
            var root = dir!.Vfs.FstypeName == "mfs"
                ? f.Mfs.Copies.Single(c => c.Path == copyDir).Root
                : dir;
            MirrorFixture.Ok(MirrorMeta.Read(root, out var meta, out var why), why);
            Assert.NotNull(meta);
            return meta!;
        }
        finally
        {
            dir!.Rele();
        }
    }

    [Fact]
    public void Mount_writes_one_mirror_identity_and_one_generation_to_every_copy_and_hides_it()
    {
        using var f = new MirrorFixture();
        f.Mount();
        var x = Meta(f, "/A/b");
        var y = Meta(f, "/X/y");
        Assert.Equal(x.Mirror, y.Mirror);
        Assert.NotEqual(x.Copy, y.Copy);
        Assert.Equal([x.Copy, y.Copy], x.Members);
        Assert.Equal(x.Current, y.Current);
        Assert.NotEqual(0UL, x.Current);
        Assert.Equal(0UL, x.Bitmap);
        Assert.False(x.Clean);

        Assert.Equal(Errno.ENOENT, f.P.Stat("/X/y/.mfs", out _));
        Assert.Equal(Errno.ENOENT, f.P.Stat("/A/b/.mfs/meta", out _));
        Assert.Equal(Errno.EPERM, f.P.Mkdir("/X/y/.mfs", 0x1ED));
        Assert.Equal(Errno.EPERM, f.P.Open("/X/y/.mfs", OFlags.O_CREAT | OFlags.O_WRONLY, 0x1A4, out _));
        Assert.Equal(Errno.ENOENT, f.P.Rmdir("/X/y/.mfs"));
        f.WriteFile("/X/y/f", "data");
        Assert.DoesNotContain(".mfs", new FileSystemFacade(f.P).EnumerateEntries("/X/y").Select(d => d.Name));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/sub", 0x1ED));
        MirrorFixture.Ok(f.P.Mkdir("/X/y/sub/.mfs", 0x1ED)); // only the top's .mfs is the mirror's
        Assert.True(f.Verify().Identical);
    }

    [Fact]
    public void A_copy_that_leaves_keeps_its_generation_and_takes_the_others_when_its_resync_completes()
    {
        using var f = new MirrorFixture();
        f.Mount();
        var before = Meta(f, "/A/b");
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        f.WriteFile("/X/y/f", "while y was away");

        var x = Meta(f, "/A/b");
        var y = Meta(f, "/X/y");
        Assert.Equal(before.Current, y.Current);     // y's data goes as far as when it left
        Assert.NotEqual(before.Current, x.Current);  // x went on
        Assert.Equal(before.Current, x.Bitmap);      // and knows from where y misses updates
        Assert.Equal(before.Current, x.History[0]);

        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out _), error);
        var x2 = Meta(f, "/A/b");
        var y2 = Meta(f, "/X/y");
        Assert.Equal(x2.Current, y2.Current);
        Assert.Equal(0UL, x2.Bitmap);
        Assert.Equal(0UL, y2.Bitmap);
    }

    [Fact]
    public void A_clean_unmount_marks_every_copy_clean_and_the_next_mount_keeps_the_identity()
    {
        using var f = new MirrorFixture();
        f.Mount();
        var first = Meta(f, "/A/b");
        MirrorFixture.Ok(f.P.Umount("/X/y"));
        Assert.True(Meta(f, "/A/b").Clean);
        Assert.True(Meta(f, "/X/y").Clean);

        f.Mount();
        var again = Meta(f, "/X/y");
        Assert.Equal(first.Mirror, again.Mirror);
        Assert.False(again.Clean);
    }

    [Fact]
    public void Each_copy_lists_the_hosts_whose_mirror_holds_it_until_their_clean_unmount()
    {
        using var f = new MirrorFixture();
        f.Mount();
        var x = Meta(f, "/A/b");
        Assert.Equal([new MirrorHolder("mirror-host", x.Copy)], x.Holders);
        Assert.Equal([new MirrorHolder("mirror-host", x.Copy)], Meta(f, "/X/y").Holders);

        // Another host's mirror of the same copies mounts them meanwhile (Fig. 7's y), its truth the copy at /X/y.
        var y = new MirrorHolder("y", Meta(f, "/X/y").Copy);
        foreach (var c in f.Mfs.Copies)
        {
            MirrorFixture.Ok(MirrorMeta.Read(c.Root, out var m, out _));
            MirrorFixture.Ok(m!.WithHolder(y.Host, y).Write(c.Root, out _));
        }
        MirrorFixture.Ok(f.P.Umount("/X/y"));
        Assert.Equal([y], Meta(f, "/A/b").Holders);   // this host left the list; y's entry, written since, is kept
        Assert.Equal([y], Meta(f, "/X/y").Holders);
    }

    [Fact]
    public void A_holders_name_of_any_bytes_reads_back_as_written()
    {
        var holder = new MirrorHolder("a=b, c%d\u00e9", Guid.Parse("7c9e6679-7425-40de-944b-e07fc1f90ae7"));
        var m = new MirrorMeta { Mirror = Guid.Empty, Copy = Guid.Empty, Current = 1 }.WithHolder(holder.Host, holder);
        Assert.Equal([holder], MirrorMeta.Parse(m.Format(), out var why)!.Holders);
        Assert.Equal("", why);
    }

    [Fact]
    public void Copies_of_two_different_mirrors_are_refused_with_a_reason_unless_forced()
    {
        using var f = new MirrorFixture();
        foreach (var d in new[] { "/A/c", "/X/c" })
            MirrorFixture.Ok(f.P.Mkdir(d, 0x1ED));
        MirrorFixture.Ok(f.P.Mount("/A/b", "/X/y", "mfs"));
        MirrorFixture.Ok(f.P.Umount("/X/y"));
        MirrorFixture.Ok(f.P.Mount("/A/c", "/X/c", "mfs"));
        MirrorFixture.Ok(f.P.Umount("/X/c"));

        var data = new MfsMountData();
        Assert.Equal(Errno.EINVAL, f.P.Mount("/A/b", "/X/c", "mfs", MountFlags.None, "", data));
        Assert.Contains("copies of different mirrors", data.Error);
        Assert.Contains("-o force", data.Error);
        Assert.DoesNotContain(f.K.Mounts, v => v.FstypeName == "mfs");

        MirrorFixture.Ok(f.P.Mount("/A/b", "/X/c", "mfs", MountFlags.None, "force"), "forced mount");
        var mi = (MfsVfs)f.K.Mounts.Single(v => v.FstypeName == "mfs").Data!;
        MirrorFixture.Ok(MirrorMeta.Read(mi.Copies[0].Root, out var x, out _));
        MirrorFixture.Ok(MirrorMeta.Read(mi.Copies[1].Root, out var y, out _));
        Assert.Equal(x!.Mirror, y!.Mirror); // forced: the second copy is taken into the first one's mirror
    }

    [Fact]
    public void A_record_of_an_unknown_version_is_refused_with_its_reason()
    {
        using var f = new MirrorFixture();
        f.Mount();
        MirrorFixture.Ok(f.P.Umount("/X/y"));
        // Rewrite X's record as a future version would (the copy is not under a mirror now).
        MirrorFixture.Ok(f.P.Open("/A/b/.mfs/meta", OFlags.O_WRONLY | OFlags.O_TRUNC, 0, out int fd));
        MirrorFixture.Ok(f.P.Write(fd, Encoding.UTF8.GetBytes("mfs-meta 9\n"), out _));
        MirrorFixture.Ok(f.P.Close(fd));

        var data = new MfsMountData();
        Assert.Equal(Errno.EINVAL, f.P.Mount("/A/b", "/X/y", "mfs", MountFlags.None, "", data));
        Assert.Contains("version 9", data.Error);
        MirrorFixture.Ok(f.P.Mount("/A/b", "/X/y", "mfs", MountFlags.None, "force"));
    }
}
