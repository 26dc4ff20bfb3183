// Tests of Vfs.Ufs holes (issue 14, item 3): the next data and the next hole from any offset (what
// SEEK_DATA and SEEK_HOLE answer), found through every level of the block map, and a large hole read
// with one walk of the map rather than a lookup per block.
using UnixVfs.Core;
using static UnixVfs.Ufs.Tests.Kit;

namespace UnixVfs.Ufs.Tests;

public class HoleTests
{
    private const long B = 32768;              // the block size of NewImage's file systems

    /// <summary>A file with data in block 0, block 20 (single indirect) and blocks 5000-5001 (double indirect), then a
    /// hole to its last block (9000, allocated by the truncate that set the size).</summary>
    private static (Host H, long Size) SparseFile(Scratch s)
    {
        var image = NewImage(s, 64L << 20);
        var h = new Host(); // the caller's to dispose
        Ok(h.Mount(image));
        Ok(h.P.Open("/mnt/f", OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int fd));
        Ok(h.P.Pwrite(fd, Bytes(100, 1), 0, out _));
        Ok(h.P.Pwrite(fd, Bytes(10, 2), 20 * B + 5, out _));
        Ok(h.P.Pwrite(fd, Bytes((int)B + 10, 3), 5000 * B, out _));
        long size = 9000 * B + 7;
        Ok(h.P.Ftruncate(fd, size));
        Ok(h.P.Close(fd));
        return (h, size);
    }

    private static T WithInode<T>(Host h, string path, Func<Inode, T> f)
    {
        Ok(h.P.Lookupname(path, true, out var vp));
        try
        {
            var ip = UfsVnops.VTOI(vp!);
            lock (ip.Lock)
                return f(ip);
        }
        finally
        {
            vp!.Rele();
        }
    }

    private static long Data(Host h, long off) =>
        WithInode(h, "/mnt/f", ip => UfsBmap.SeekData(ip, off, out long r) is var e && e == Errno.OK ? r : -(long)e);

    private static long Hole(Host h, long off) =>
        WithInode(h, "/mnt/f", ip => UfsBmap.SeekHole(ip, off, out long r) is var e && e == Errno.OK ? r : -(long)e);

    [Fact]
    public void Seek_data_finds_the_next_allocated_block_through_every_level()
    {
        using var s = new Scratch();
        var (h, size) = SparseFile(s);
        using var _ = h;
        Assert.Equal(0, Data(h, 0));
        Assert.Equal(99, Data(h, 99));
        Assert.Equal(20 * B, Data(h, 100 + B));             // past block 0: the single indirect block's first data
        Assert.Equal(20 * B + 7, Data(h, 20 * B + 7));
        Assert.Equal(5000 * B, Data(h, 21 * B));            // across the rest of the single and into the double indirect
        Assert.Equal(5001 * B + 3, Data(h, 5001 * B + 3));
        Assert.Equal(9000 * B, Data(h, 5002 * B));          // the last block: a growing truncate allocates it, as FreeBSD's does
        Assert.Equal(size - 1, Data(h, size - 1));
        Assert.Equal(-(long)Errno.ENXIO, Data(h, size));
        Ok(h.Umount());
    }

    [Fact]
    public void Seek_hole_finds_the_next_hole_or_the_end_of_the_file()
    {
        using var s = new Scratch();
        var (h, size) = SparseFile(s);
        using var _ = h;
        Assert.Equal(B, Hole(h, 0));
        Assert.Equal(B + 9, Hole(h, B + 9));                // already in a hole
        Assert.Equal(21 * B, Hole(h, 20 * B));
        Assert.Equal(5002 * B, Hole(h, 5000 * B));          // two contiguous blocks
        Assert.Equal(5002 * B + 1, Hole(h, 5002 * B + 1));
        Assert.Equal(size, Hole(h, 9000 * B));                // the end of the file is a hole
        Assert.Equal(-(long)Errno.ENXIO, Hole(h, size));
        WriteFile(h.P, "/mnt/dense", Bytes(3 * (int)B + 5, 4));
        Ok(h.P.Lookupname("/mnt/dense", true, out var vp));
        var ip = UfsVnops.VTOI(vp!);
        lock (ip.Lock)
        {
            Ok(UfsBmap.SeekHole(ip, 0, out long end));
            Assert.Equal(3 * B + 5, end);                     // no hole: the end of the file is the hole
        }
        vp!.Rele();
        Ok(h.Umount());
    }

    [Fact]
    public void A_one_GiB_hole_reads_as_zeros_with_a_handful_of_block_map_lookups()
    {
        using var s = new Scratch();
        var image = NewImage(s, 64L << 20);
        using var h = new Host();
        Ok(h.Mount(image));
        Ok(h.P.Open("/mnt/f", OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int fd));
        var tail = Bytes(5000, 9);
        Ok(h.P.Pwrite(fd, tail, 1L << 30, out _));
        Ok(h.P.Close(fd));
        Ok(h.Umount());
        Ok(h.Mount(image));
        var bc = WithInode(h, "/mnt/f", ip => ip.Ump.Bc);
        long before = bc.Hits + bc.Misses;
        Ok(h.P.Open("/mnt/f", OFlags.O_RDONLY, 0, out fd));
        var buf = new byte[64 << 20];
        for (long off = 0; off < 1L << 30; off += buf.Length)
        {
            buf.AsSpan().Fill(0xAA);
            Ok(h.P.Pread(fd, buf, off, out int n));
            Assert.Equal(buf.Length, n);
            Assert.True(buf.AsSpan().IndexOfAnyExcept((byte)0) < 0, $"non-zero byte in the hole at {off}");
        }
        var end = new byte[6000];
        Ok(h.P.Pread(fd, end, 1L << 30, out int m));
        Assert.Equal(tail.Length, m);
        Assert.Equal(tail, end[..m]);
        Ok(h.P.Close(fd));
        long lookups = bc.Hits + bc.Misses - before;      // a walk per block made one per block (32,768)
        Assert.True(lookups < 100, $"{lookups} buffer lookups for a 1 GiB hole");
        Ok(h.Umount());
    }

    /// <summary>lseek(SEEK_DATA|SEEK_HOLE) through the system-call layer and VOP_SEEKDATA, on UFS and on tmpfs.</summary>
    [Theory]
    [InlineData("ufs")]
    [InlineData("tmpfs")]
    public void Lseek_seek_data_and_seek_hole_answer_through_the_vop(string fstype)
    {
        using var s = new Scratch();
        using var h = new Host();
        if (fstype == "ufs")
            Ok(h.Mount(NewImage(s, 64L << 20)));
        else
            Ok(h.P.Mount("swap", "/mnt", "tmpfs"));
        Ok(h.P.Open("/mnt/f", OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int fd));
        Ok(h.P.Pwrite(fd, Bytes(100, 1), 0, out _));
        Ok(h.P.Pwrite(fd, Bytes(100, 2), 300 * B, out _));      // 32 KiB holes: holes in both file systems
        long size = 300 * B + 100;
        Ok(h.P.Lseek(fd, 0, Whence.SEEK_HOLE, out long hole));
        Assert.Equal(fstype == "ufs" ? B : 4096, hole);            // UFS's block, tmpfs's page
        Ok(h.P.Lseek(fd, 40_000, Whence.SEEK_DATA, out long data));     // in a hole in both
        Assert.Equal(300 * B, data);
        Ok(h.P.Lseek(fd, 0, Whence.SEEK_CUR, out long cur));
        Assert.Equal(300 * B, cur);                                 // the offset moved there
        Ok(h.P.Lseek(fd, 300 * B, Whence.SEEK_HOLE, out hole));
        Assert.Equal(size, hole);                                   // the end of the file is a hole
        Assert.Equal(Errno.ENXIO, h.P.Lseek(fd, size, Whence.SEEK_DATA, out _));
        Assert.Equal(Errno.ENXIO, h.P.Lseek(fd, size + 5, Whence.SEEK_HOLE, out _));
        Ok(h.P.Close(fd));
        Ok(h.P.Open("/mnt", OFlags.O_RDONLY | OFlags.O_DIRECTORY, 0, out int dfd));
        Assert.Equal(Errno.EINVAL, h.P.Lseek(dfd, 0, Whence.SEEK_DATA, out _));
        Ok(h.P.Close(dfd));
        Ok(h.P.Umount("/mnt"));
    }
}
