// Tests of Vfs.Ufs mount: options, refusals with a reason in the kernel's log, the clean flag, one
// mount per image.
using UnixVfs.Core;
using static UnixVfs.Ufs.Tests.Kit;

namespace UnixVfs.Ufs.Tests;

public class MountTests
{
    [Theory]
    [InlineData("bogus", "unknown mount option")]
    [InlineData("cachesize=lots", "bad cachesize")]
    [InlineData("cachesize", "bad cachesize")]
    public void Bad_options_are_EINVAL_with_a_reason(string options, string reason)
    {
        using var s = new Scratch();
        var image = NewImage(s, 16L << 20);
        using var h = new Host();
        Assert.Equal(Errno.EINVAL, h.Mount(image, options));
        Assert.Contains(h.Kernel.Messages, m => m.Contains(reason));
        Assert.Single(h.Kernel.Mounts); // nothing was mounted
    }

    [Fact]
    public void Cachesize_sets_the_buffer_cache_budget()
    {
        using var s = new Scratch();
        var image = NewImage(s, 32L << 20);
        using var h = new Host();
        Ok(h.Mount(image, "cachesize=1m,rw"));
        WriteFile(h.P, "/mnt/f", Bytes(6 << 20, 1));
        var ump = (UfsMount)h.Kernel.Mounts[^1].Data!;
        Assert.Equal(1L << 20, ump.Bc.Budget);
        Assert.True(ump.Bc.Allocated <= ump.Bc.Budget, $"{ump.Bc.Allocated} bytes of buffers");
        Ok(h.Umount());
        Assert.Equal(Bytes(6 << 20, 1), ReadBack(h, image));
    }

    private static byte[] ReadBack(Host h, string image)
    {
        Ok(h.Mount(image, "ro"));
        var data = ReadFile(h.P, "/mnt/f");
        Ok(h.Umount());
        return data;
    }

    [Fact]
    public void An_image_is_mounted_at_most_once_per_kernel()
    {
        using var s = new Scratch();
        var image = NewImage(s, 16L << 20);
        using var h = new Host();
        Ok(h.Mount(image));
        Ok(h.P.Mkdir("/other", 0x1ED));
        Assert.Equal(Errno.EBUSY, h.P.Mount(image, "/other", "ufs"));
        Assert.Equal(Errno.EBUSY, h.P.Mount(Path.Combine(s.Dir, ".", "ufs.img"), "/other", "ufs", MountFlags.MS_RDONLY));
        Assert.Contains(h.Kernel.Messages, m => m.Contains("already mounted"));
        Ok(h.Umount());
        Ok(h.P.Mount(image, "/other", "ufs"));
        Ok(h.P.Umount("/other"));
    }

    [Fact]
    public void A_device_handed_in_is_also_mounted_at_most_once()
    {
        var dev = NewMemoryImage(16L << 20);
        using var h = new Host();
        Ok(h.Mount("mem", dev: dev));
        Ok(h.P.Mkdir("/other", 0x1ED));
        Assert.Equal(Errno.EBUSY, h.P.Mount("mem2", "/other", "ufs", MountFlags.None, "", dev));
        Ok(h.Umount());
    }

    [Fact]
    public void A_missing_image_is_ENOENT()
    {
        using var h = new Host();
        Assert.Equal(Errno.ENOENT, h.Mount("/no/such/image.img"));
        Assert.Contains(h.Kernel.Messages, m => m.Contains("cannot open"));
    }

    [Fact]
    public void Zeros_are_not_a_file_system()
    {
        using var h = new Host();
        Assert.Equal(Errno.EINVAL, h.Mount("zeros", dev: new MemoryBlockDevice(16L << 20)));
        Assert.Contains(h.Kernel.Messages, m => m.Contains("bad magic"));
    }

    [Fact]
    public void A_truncated_image_is_EINVAL()
    {
        using var s = new Scratch();
        var image = NewImage(s, 16L << 20);
        using (var f = File.OpenWrite(image))
            f.SetLength(4L << 20);
        using var h = new Host();
        Assert.Equal(Errno.EINVAL, h.Mount(image));
        Assert.Contains(h.Kernel.Messages, m => m.Contains("larger than the device"));
    }

    [Fact]
    public void A_read_write_mount_of_a_read_only_device_is_EROFS()
    {
        using var s = new Scratch();
        var image = NewImage(s, 16L << 20);
        Ok(FileBlockDevice.Open(image, readOnly: true, out var dev));
        using var h = new Host();
        Assert.Equal(Errno.EROFS, h.Mount(image, dev: dev));
        Ok(h.Mount(image, "ro", dev: dev));
        Ok(h.Umount());
        dev!.Dispose();
    }

    [Fact]
    public void A_file_system_not_unmounted_must_be_checked_before_a_read_write_mount()
    {
        var dev = NewMemoryImage(16L << 20);
        var crashed = new Host("crashed");
        Ok(crashed.Mount("mem", dev: dev));
        WriteFile(crashed.P, "/mnt/f", Bytes(50_000, 9));
        Ok(crashed.P.Sync());
        // The host is gone without unmounting; another host finds the image.
        using var h = new Host("next");
        Assert.Equal(Errno.EPERM, h.Mount("mem", dev: dev));
        Assert.Contains(h.Kernel.Messages, m => m.Contains("not clean"));
        Ok(h.Mount("mem", "ro", dev: dev));
        Assert.Equal(Bytes(50_000, 9), ReadFile(h.P, "/mnt/f"));
        Ok(h.Umount());
        var report = Kit.Fsck(dev, repair: true);
        Assert.Equal(0, report.Unfixed);
        AssertClean(Kit.Fsck(dev));
        Ok(h.Mount("mem", dev: dev));
        Ok(h.Umount());
        Ok(h.Mount("mem", "force", dev: dev));
        Ok(h.Umount());
    }

    [Fact]
    public void Mounting_writes_the_mount_point_and_clears_the_clean_flag_until_unmount()
    {
        using var s = new Scratch();
        var image = NewImage(s, 16L << 20);
        using var h = new Host();
        Ok(h.Mount(image));
        var sb = new byte[Fs.SblockSize];
        using (var f = File.OpenRead(image))
        {
            f.Position = Fs.SblockUfs2;
            f.ReadExactly(sb);
        }
        var fs = Fs.Read(sb);
        Assert.Equal(0, fs.Clean);
        Assert.Equal("/mnt", fs.Fsmnt);
        Ok(h.Umount());
        Assert.Equal(1, Fs.Read(File.ReadAllBytes(image).AsSpan(Fs.SblockUfs2, Fs.SblockSize)).Clean);
    }
}
