// Tests of Vfs.Ufs newfs: the layout facts other readers depend on, read back from the bytes.
using System.Buffers.Binary;
using UnixVfs.Core;
using static UnixVfs.Ufs.Tests.Kit;

namespace UnixVfs.Ufs.Tests;

public class NewfsTests
{
    private static int I32(byte[] b, long off) => BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan((int)off));
    private static long I64(byte[] b, long off) => BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan((int)off));

    [Theory]
    [InlineData(32768, 4096)]
    [InlineData(16384, 2048)]
    [InlineData(8192, 1024)]
    [InlineData(4096, 512)]
    [InlineData(65536, 65536)]
    public void The_superblock_and_every_group_are_where_FreeBSD_puts_them(int bsize, int fsize)
    {
        using var s = new Scratch();
        var image = NewImage(s, 64L << 20, bsize: bsize, fsize: fsize);
        var b = File.ReadAllBytes(image);
        const int sb = 65536;
        Assert.Equal(0x19540119, I32(b, sb + 1372));
        Assert.Equal(bsize, I32(b, sb + 48));
        Assert.Equal(fsize, I32(b, sb + 52));
        int frag = I32(b, sb + 56);
        Assert.Equal(bsize / fsize, frag);
        Assert.Equal(System.Numerics.BitOperations.Log2((uint)(fsize / 512)), I32(b, sb + 100)); // fs_fsbtodb
        Assert.Equal(bsize / 256, I32(b, sb + 120));                                               // fs_inopb
        Assert.Equal(0, I32(b, sb + 1308));                                                        // fs_metackhash
        Assert.Equal(65536L, I64(b, sb + 1000));                                                   // fs_sblockloc
        int ncg = I32(b, sb + 44), fpg = I32(b, sb + 188), ipg = I32(b, sb + 184);
        int sblkno = I32(b, sb + 8), cblkno = I32(b, sb + 12);
        Assert.True(ncg >= 4, $"{ncg} groups");
        Assert.True(ipg > 0 && ipg % (bsize / 256) == 0);
        long size = I64(b, sb + 1080);
        Assert.True(size <= (long)ncg * fpg && size > (long)(ncg - 1) * fpg);
        for (int c = 0; c < ncg; c++)
        {
            long cgbase = (long)c * fpg * fsize;
            // A superblock copy, knowing where it is and where the primary is.
            Assert.Equal(0x19540119, I32(b, cgbase + (long)sblkno * fsize + 1372));
            Assert.Equal(cgbase + (long)sblkno * fsize, I64(b, cgbase + (long)sblkno * fsize + 992));
            // The group header: CG_MAGIC and its index.
            long cg = cgbase + (long)cblkno * fsize;
            Assert.Equal(0x090255, I32(b, cg + 4));
            Assert.Equal(c, I32(b, cg + 12));
        }
        // The recovery record at the end of the boot area.
        Assert.Equal(0x19540119, I32(b, sb - 20));
        Assert.Equal(sblkno, I32(b, sb - 12));
        Assert.Equal(fpg, I32(b, sb - 8));
        Assert.Equal(ncg, I32(b, sb - 4));
        AssertClean(Kit.Fsck(image));
    }

    [Fact]
    public void The_root_holds_dot_dotdot_and_lost_found()
    {
        using var s = new Scratch();
        var image = NewImage(s, 32L << 20);
        var h = new Host();
        Ok(h.Mount(image));
        var names = List(h.P, "/mnt").Select(d => (d.Name, d.Ino, d.Type)).ToList();
        Assert.Equal([("lost+found", 3UL, VType.VDIR)], names);
        Ok(h.P.Stat("/mnt", out var root));
        Assert.Equal(2UL, root!.Ino);
        Assert.Equal(3u, root.Nlink);
        Assert.Equal(0x1EDu, root.Perm);
        Ok(h.P.Stat("/mnt/lost+found", out var lf));
        Assert.Equal(2u, lf!.Nlink);
        Assert.Equal(0x1C0u, lf.Perm);
        Assert.Equal(new Timespec(1_700_000_000, 123_456_789), lf.Mtime);
        Ok(h.Umount());
    }

    [Fact]
    public void Statvfs_counts_what_newfs_left_free()
    {
        using var s = new Scratch();
        var image = NewImage(s, 64L << 20);
        var h = new Host();
        Ok(h.Mount(image));
        Ok(h.P.Statvfs("/mnt", out var sv));
        Assert.Equal(32768UL, sv!.Bsize);
        Assert.Equal(4096UL, sv.Frsize);
        Ok(h.Umount());
        var r = Kit.Fsck(image);
        Assert.Equal((ulong)r.FreeFragments, sv.Bfree);
        Assert.True(sv.Bavail < sv.Bfree, "the minfree reserve is not available to everyone");
        Assert.Equal(sv.Files - 2, sv.Ffree); // inodes 2 and 3 are used
    }

    [Theory]
    [InlineData(3000, 4096)]     // block size not a power of two
    [InlineData(32768, 1024)]    // more than 8 fragments per block
    [InlineData(131072, 16384)]  // block too large
    [InlineData(32768, 256)]     // fragment smaller than a sector
    public void Bad_geometry_is_EINVAL_with_a_reason(int bsize, int fsize)
    {
        var dev = new MemoryBlockDevice(64L << 20);
        var err = Newfs.Make(dev, new NewfsOptions { Bsize = bsize, Fsize = fsize }, new Timespec(0, 0), out _, out var why);
        Assert.Equal(Errno.EINVAL, err);
        Assert.False(string.IsNullOrEmpty(why));
    }

    [Fact]
    public void A_device_too_small_is_EINVAL()
    {
        var err = Newfs.Make(new MemoryBlockDevice(128 * 1024), new NewfsOptions(), new Timespec(0, 0), out _, out var why);
        Assert.Equal(Errno.EINVAL, err);
        Assert.Contains("too small", why);
    }

    [Theory]
    [InlineData("256M", 256L << 20)]
    [InlineData("64k", 64L << 10)]
    [InlineData("2g", 2L << 30)]
    [InlineData("4096", 4096)]
    public void Sizes_parse_with_binary_units(string text, long bytes)
    {
        Assert.True(Newfs.TryParseSize(text, out long got));
        Assert.Equal(bytes, got);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-5m")]
    [InlineData("12q")]
    [InlineData("m")]
    [InlineData("99999999999999999999")]
    public void Bad_sizes_do_not_parse(string text) => Assert.False(Newfs.TryParseSize(text, out _));
}
