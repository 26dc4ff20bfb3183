// What if `vfs mount-host` is given bad input, is unmounted from outside, or is killed with -9? Each bad
// input is one line on stderr and a non-zero exit, with nothing mounted; an outside `umount` ends it
// cleanly; a kill -9 leaves a mount that answers ENOTCONN at once (no hang) and goes with `umount -l`.
namespace UnixVfs.Fuse.Tests;

public class MountHostCommandTests
{
    private static void FailsWithOneLine(Ran r, string expected)
    {
        Assert.NotEqual(0, r.Exit);
        var lines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"one line expected on stderr:\n{r}");
        Assert.StartsWith("vfs mount-host: ", lines[0]);
        Assert.Contains(expected, lines[0]);
    }

    private static (string Dir, string Image, string Mnt) Bed(string name)
    {
        var dir = HostTools.TempDir(name);
        var img = HostTools.NewImage(dir, "a.img", 32);
        var mnt = Path.Combine(dir, "mnt");
        Directory.CreateDirectory(mnt);
        return (dir, img, mnt);
    }

    [Fact]
    public void Bad_input_is_one_line_and_a_nonzero_exit_with_nothing_mounted()
    {
        var (dir, img, mnt) = Bed("bad");
        FailsWithOneLine(HostTools.Vfs("mount-host", "--image", img, Path.Combine(dir, "missing")), "no such directory");
        File.WriteAllText(Path.Combine(dir, "plain"), "x");
        FailsWithOneLine(HostTools.Vfs("mount-host", "--image", img, Path.Combine(dir, "plain")), "not a directory");

        var full = Path.Combine(dir, "full");
        Directory.CreateDirectory(full);
        File.WriteAllText(Path.Combine(full, "x"), "x");
        FailsWithOneLine(HostTools.Vfs("mount-host", "--image", img, full), "directory not empty");

        var world = Path.Combine(dir, "bad.vfs");
        File.WriteAllLines(world, ["# a world whose third line fails", "mkdir -p /A", $"mount -F ufs {dir}/no-such.img /A", "ls /A"]);
        FailsWithOneLine(HostTools.Vfs("mount-host", "--world", world, "--path", "/A", mnt), "bad.vfs:3: mount: ");

        var fileWorld = Path.Combine(dir, "file.vfs");
        File.WriteAllLines(fileWorld, ["mkdir -p /d", "echo hello > /d/file"]);
        FailsWithOneLine(HostTools.Vfs("mount-host", "--world", fileWorld, "--path", "/d/file", mnt), "--path /d/file: Not a directory");
        FailsWithOneLine(HostTools.Vfs("mount-host", "--world", fileWorld, "--path", "/nowhere", mnt), "--path /nowhere: No such file or directory");
        FailsWithOneLine(HostTools.Vfs("mount-host", "--image", img, "--mirror", $"{img},{img}", mnt), "exactly one of");
        FailsWithOneLine(HostTools.Vfs("mount-host", "--mirror", img, mnt), "two or three images");
        Assert.False(HostTools.IsMounted(mnt));
        Assert.Empty(Directory.EnumerateFileSystemEntries(mnt));
        Assert.True(HostTools.Fsck(img).Clean);
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void A_host_without_dev_fuse_is_one_line_and_a_nonzero_exit()
    {
        var (dir, img, mnt) = Bed("nofuse");
        // A private mount namespace whose /dev is a tmpfs with null, zero and the random devices, but no fuse.
        var r = HostTools.Run("unshare", "-m", "bash", "-c",
            "mount -t tmpfs none /dev && mknod -m 666 /dev/null c 1 3 && mknod -m 666 /dev/zero c 1 5 && "
            + "mknod -m 666 /dev/urandom c 1 9 && mknod -m 666 /dev/random c 1 8 && "
            + $"exec dotnet {HostTools.VfsDll} mount-host --image {img} {mnt}");
        FailsWithOneLine(r, "/dev/fuse: no such device");
        Assert.False(HostTools.IsMounted(mnt));
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void A_world_file_path_is_served_and_umount_from_outside_ends_it_cleanly()
    {
        var (dir, img, mnt) = Bed("world");
        var b = HostTools.NewImage(dir, "b.img", 32);
        var world = Path.Combine(dir, "setup.vfs");
        File.WriteAllLines(world, [
            "# Fig. 5: two UFS disks mirrored",
            "mkdir -p /A /B",
            $"mount -F ufs {img} /A",
            $"mount -F ufs {b} /B",
            "echo before the mirror > /A/old",
            "mount -F mfs /A /B",
        ]);
        using var m = MountHost.Start(mnt, "--world", world, "--path", "/B");
        Assert.Equal("before the mirror\n", File.ReadAllText(Path.Combine(mnt, "old")));
        File.WriteAllText(Path.Combine(mnt, "new"), "written through the host");
        // EBUSY passes: another test's command that walks the mounts (a statfs of every mount point) may hold a
        // reference to this one for a moment. A reference of ours would stay, and the umount still fail after the tries.
        var u = HostTools.Run("umount", mnt);
        for (int tries = 1; u.Exit != 0 && u.ToString().Contains("target is busy") && tries < 50; tries++)
        {
            Thread.Sleep(100);
            u = HostTools.Run("umount", mnt);
        }
        Assert.True(u.Exit == 0, u.ToString());
        var r = m.WaitExit();
        Assert.True(r.Exit == 0, r.ToString());
        Assert.Contains("unmounted", r.Out);
        Assert.True(HostTools.Fsck(img).Clean && HostTools.Fsck(b).Clean);
        var ta = ImageTree.Read(img);
        Assert.Equal(ta, ImageTree.Read(b));
        Assert.Contains(ta, l => l.StartsWith("/new VREG", StringComparison.Ordinal));
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void Kill_9_leaves_no_hung_mount_and_umount_l_clears_it()
    {
        var (dir, img, mnt) = Bed("kill9");
        var m = MountHost.Start(mnt, "--image", img);
        File.WriteAllText(Path.Combine(mnt, "f"), "x");
        m.Kill9();
        // The mount is still there, but with no one behind it every call fails at once with ENOTCONN.
        Assert.True(HostTools.IsMounted(mnt));
        var st = HostTools.Run("stat", mnt);
        Assert.NotEqual(0, st.Exit);
        Assert.Contains("Transport endpoint is not connected", st.Err);
        var u = HostTools.Run("umount", "-l", mnt);
        Assert.True(u.Exit == 0, u.ToString());
        Assert.False(HostTools.IsMounted(mnt));
        Assert.Empty(Directory.EnumerateFileSystemEntries(mnt));
        m.Dispose();
        // What the killed bridge never flushed is for fsck -y to mend; the image still mounts and checks.
        Assert.Equal(0, HostTools.Vfs("fsck", "-y", img).Exit);
        Assert.True(HostTools.Fsck(img).Clean);
        Directory.Delete(dir, recursive: true);
    }
}
