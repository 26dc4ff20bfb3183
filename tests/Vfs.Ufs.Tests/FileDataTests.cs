// Tests of Vfs.Ufs file data: every level of the block map, fragments, holes, truncation -- each
// checked through the system calls, again after a remount, and with fsck.
using UnixVfs.Core;
using static UnixVfs.Ufs.Tests.Kit;

namespace UnixVfs.Ufs.Tests;

public class FileDataTests
{
    /// <summary>Remounts and returns the host, so that what is read next comes from the device.</summary>
    private static void Remount(Host h, string image)
    {
        Ok(h.Umount(), "umount");
        AssertClean(Kit.Fsck(image));
        Ok(h.Mount(image), "mount");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(4096)]                      // exactly one fragment
    [InlineData(5000)]                      // two fragments
    [InlineData(32768)]                     // exactly one block
    [InlineData(12 * 32768)]                // every direct block
    [InlineData(12 * 32768 + 1)]            // the first byte through the single indirect block
    [InlineData(3 * 1024 * 1024 + 17)]      // a few MiB
    public void What_is_written_reads_back_after_a_remount(int size)
    {
        using var s = new Scratch();
        var image = NewImage(s, 64L << 20);
        using var h = new Host();
        Ok(h.Mount(image));
        var data = Bytes(size, size);
        WriteFile(h.P, "/mnt/f", data);
        Assert.Equal(data, ReadFile(h.P, "/mnt/f"));
        Remount(h, image);
        Assert.Equal(data, ReadFile(h.P, "/mnt/f"));
        Ok(h.P.Stat("/mnt/f", out var st));
        Assert.Equal(size, st!.Size);
        long frags = (size + 4095) / 4096;
        long expectBlocks = size <= 12 * 32768 ? frags * 8 : -1;
        if (expectBlocks >= 0)
            Assert.Equal(expectBlocks, st.Blocks); // small files end in fragments, not whole blocks
        Ok(h.Umount());
    }

    [Fact]
    public void Double_indirect_blocks_are_used_past_the_single_indirect_range()
    {
        // With 4 KiB blocks one indirect block maps 512 blocks (2 MiB); a 4 MiB file needs the double indirect.
        using var s = new Scratch();
        var image = NewImage(s, 64L << 20, bsize: 4096, fsize: 512);
        using var h = new Host();
        Ok(h.Mount(image));
        var data = Bytes(4 << 20, 7);
        WriteFile(h.P, "/mnt/big", data);
        Remount(h, image);
        Assert.Equal(data, ReadFile(h.P, "/mnt/big"));
        Ok(h.Umount());
    }

    [Fact]
    public void A_64_GiB_sparse_file_reaches_through_triple_indirect_blocks()
    {
        // 4 KiB blocks: direct 48 KiB, single 2 MiB, double 1 GiB; beyond that, triple indirection.
        using var s = new Scratch();
        var image = NewImage(s, 64L << 20, bsize: 4096, fsize: 512);
        using var h = new Host();
        Ok(h.Mount(image));
        long[] offsets = [0, 100_000, 3L << 20, 2L << 30, (64L << 30) - 4096];
        Ok(h.P.Open("/mnt/sparse", OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int fd));
        foreach (var off in offsets)
        {
            var chunk = Bytes(4096, (int)(off % 1000));
            Ok(h.P.Pwrite(fd, chunk, off, out int n));
            Assert.Equal(4096, n);
        }
        Ok(h.P.Close(fd));
        Remount(h, image);
        Ok(h.P.Stat("/mnt/sparse", out var st));
        Assert.Equal(64L << 30, st!.Size);
        Assert.True(st.Blocks < 200, $"a sparse file holds only what was written ({st.Blocks} sectors)");
        Ok(h.P.Open("/mnt/sparse", OFlags.O_RDONLY, 0, out fd));
        var buf = new byte[4096];
        foreach (var off in offsets)
        {
            Ok(h.P.Pread(fd, buf, off, out int n));
            Assert.Equal(4096, n);
            Assert.Equal(Bytes(4096, (int)(off % 1000)), buf);
        }
        foreach (var hole in new[] { 50_000L, 1L << 30, 10L << 30, 40L << 30 })
        {
            Ok(h.P.Pread(fd, buf, hole, out int n));
            Assert.Equal(4096, n);
            Assert.All(buf, b => Assert.Equal(0, b));
        }
        Ok(h.P.Close(fd));
        // Truncating frees the whole tree again.
        Ok(h.P.Truncate("/mnt/sparse", 0));
        Ok(h.P.Stat("/mnt/sparse", out st));
        Assert.Equal(0, st!.Blocks);
        Remount(h, image);
        Ok(h.Umount());
    }

    [Fact]
    public void A_file_too_large_for_triple_indirection_is_EFBIG()
    {
        using var s = new Scratch();
        var image = NewImage(s, 64L << 20, bsize: 4096, fsize: 512);
        using var h = new Host();
        Ok(h.Mount(image));
        Ok(h.P.Open("/mnt/f", OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int fd));
        Assert.Equal(Errno.EFBIG, h.P.Pwrite(fd, new byte[10], 1L << 50, out _));
        Assert.Equal(Errno.EFBIG, h.P.Ftruncate(fd, 1L << 50));
        Ok(h.P.Close(fd));
        Ok(h.Umount());
        AssertClean(Kit.Fsck(image));
    }

    [Fact]
    public void Appending_in_small_pieces_grows_fragments_in_place_or_moves_them()
    {
        // Two files appended in turn compete for the fragments after each other's tails, so some tails must move.
        using var s = new Scratch();
        var image = NewImage(s, 32L << 20, bsize: 8192, fsize: 1024);
        using var h = new Host();
        Ok(h.Mount(image));
        var a = new MemoryStream();
        var b = new MemoryStream();
        Ok(h.P.Open("/mnt/a", OFlags.O_CREAT | OFlags.O_WRONLY | OFlags.O_APPEND, 0x1A4, out int fa));
        Ok(h.P.Open("/mnt/b", OFlags.O_CREAT | OFlags.O_WRONLY | OFlags.O_APPEND, 0x1A4, out int fb));
        var rng = new Random(3);
        for (int i = 0; i < 200; i++)
        {
            var pa = Bytes(rng.Next(1, 900), i);
            var pb = Bytes(rng.Next(1, 1500), i + 1000);
            Ok(h.P.Write(fa, pa, out _));
            Ok(h.P.Write(fb, pb, out _));
            a.Write(pa);
            b.Write(pb);
        }
        Ok(h.P.Close(fa));
        Ok(h.P.Close(fb));
        Assert.Equal(a.ToArray(), ReadFile(h.P, "/mnt/a"));
        Remount(h, image);
        Assert.Equal(a.ToArray(), ReadFile(h.P, "/mnt/a"));
        Assert.Equal(b.ToArray(), ReadFile(h.P, "/mnt/b"));
        Ok(h.Umount());
    }

    [Theory]
    [InlineData(5_000_000, 4_000_000)]   // stays past the direct blocks
    [InlineData(5_000_000, 300_000)]     // back into the direct blocks, ending in fragments
    [InlineData(5_000_000, 1)]
    [InlineData(5_000_000, 0)]
    [InlineData(100, 9_000_000)]         // growing by truncate
    [InlineData(30_000, 70_000)]         // a fragment tail grows to whole blocks
    public void Truncate_keeps_the_prefix_frees_the_rest_and_reads_zeros_past_the_old_end(int size, int to)
    {
        using var s = new Scratch();
        var image = NewImage(s, 64L << 20);
        using var h = new Host();
        Ok(h.Mount(image));
        var data = Bytes(size, 11);
        WriteFile(h.P, "/mnt/f", data);
        Ok(h.P.Statvfs("/mnt", out var before));
        Ok(h.P.Truncate("/mnt/f", to));
        var expect = new byte[to];
        data.AsSpan(0, Math.Min(size, to)).CopyTo(expect);
        Assert.Equal(expect, ReadFile(h.P, "/mnt/f"));
        Ok(h.P.Statvfs("/mnt", out var after));
        if (to < size)
            Assert.True(after!.Bfree > before!.Bfree, "shrinking frees space");
        // Growing again after a shrink shows zeros, not the old bytes.
        Ok(h.P.Truncate("/mnt/f", to + 5000));
        var grown = ReadFile(h.P, "/mnt/f");
        Assert.All(grown.AsSpan(to).ToArray(), b => Assert.Equal(0, b));
        Remount(h, image);
        Assert.Equal(grown, ReadFile(h.P, "/mnt/f"));
        Ok(h.Umount());
    }

    [Fact]
    public void Overwrites_in_the_middle_and_writes_past_the_end_leave_a_hole_of_zeros()
    {
        using var s = new Scratch();
        var image = NewImage(s, 32L << 20);
        using var h = new Host();
        Ok(h.Mount(image));
        var model = new byte[200_000];
        Ok(h.P.Open("/mnt/f", OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int fd));
        var rng = new Random(5);
        for (int i = 0; i < 60; i++)
        {
            int off = rng.Next(0, 190_000), len = rng.Next(1, 10_000);
            var piece = Bytes(len, i);
            Ok(h.P.Pwrite(fd, piece, off, out int n));
            Assert.Equal(len, n);
            if (off + len > model.Length)
                Array.Resize(ref model, off + len);
            piece.CopyTo(model, off);
        }
        Ok(h.P.Fstat(fd, out var st));
        Ok(h.P.Close(fd));
        var expect = model.AsSpan(0, (int)st!.Size).ToArray();
        Assert.Equal(expect, ReadFile(h.P, "/mnt/f"));
        Remount(h, image);
        Assert.Equal(expect, ReadFile(h.P, "/mnt/f"));
        Ok(h.Umount());
    }

    [Fact]
    public void A_full_file_system_is_ENOSPC_and_stays_consistent()
    {
        using var s = new Scratch();
        var image = NewImage(s, 8L << 20);
        using var h = new Host();
        Ok(h.Mount(image));
        Ok(h.P.Open("/mnt/fill", OFlags.O_CREAT | OFlags.O_WRONLY, 0x1A4, out int fd));
        var chunk = Bytes(1 << 20, 1);
        Errno err = Errno.OK;
        long total = 0;
        for (int i = 0; i < 20 && err == Errno.OK; i++)
        {
            err = h.P.Write(fd, chunk, out int n);
            total += n;
            if (n < chunk.Length && err == Errno.OK)
                err = h.P.Write(fd, chunk, out _);
        }
        Assert.Equal(Errno.ENOSPC, err);
        Ok(h.P.Close(fd));
        Assert.Contains(h.Kernel.Messages, m => m.Contains("file system full"));
        Ok(h.P.Unlink("/mnt/fill"));
        WriteFile(h.P, "/mnt/after", Bytes(100_000, 2));
        Ok(h.Umount());
        AssertClean(Kit.Fsck(image));
        Assert.True(total > 6 << 20, $"wrote {total} bytes before ENOSPC");
    }

    [Fact]
    public void A_read_only_mount_refuses_writes_and_changes_nothing()
    {
        using var s = new Scratch();
        var image = NewImage(s, 16L << 20);
        using var h = new Host();
        Ok(h.Mount(image));
        WriteFile(h.P, "/mnt/f", Bytes(1000, 1));
        Ok(h.Umount());
        var before = File.ReadAllBytes(image);
        Ok(h.Mount(image, "ro"));
        Assert.Equal(Errno.EROFS, h.P.Open("/mnt/f", OFlags.O_WRONLY, 0, out _));
        Assert.Equal(Errno.EROFS, h.P.Mkdir("/mnt/d", 0x1ED));
        Assert.Equal(Errno.EROFS, h.P.Unlink("/mnt/f"));
        Assert.Equal(Bytes(1000, 1), ReadFile(h.P, "/mnt/f"));
        Ok(h.P.Statvfs("/mnt", out var sv));
        Assert.Equal(Statvfs.ST_RDONLY, sv!.Flag & Statvfs.ST_RDONLY);
        Ok(h.Umount());
        Assert.Equal(before, File.ReadAllBytes(image));
    }

    /// <summary>Found by DiskFaultTests' property: a truncate left a hole as the file's last block, and a short write
    /// into it allocated a fragment run shorter than the size needs (fsck: BAD BLOCK POINTER, INCORRECT BLOCK COUNT).</summary>
    [Fact]
    public void A_write_into_a_hole_at_the_last_block_allocates_what_the_size_needs()
    {
        using var s = new Scratch();
        var image = NewImage(s, 16L << 20, bsize: 8192, fsize: 1024);
        using var h = new Host();
        Ok(h.Mount(image));
        var data = Bytes(34855, 1);
        Ok(h.P.Open("/mnt/f", OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int fd));
        Ok(h.P.Pwrite(fd, data, 212215, out _));
        Ok(h.P.Ftruncate(fd, 15401));                  // the last block (8192..15401) is a hole
        Ok(h.P.Pwrite(fd, data.AsMemory(0, 8387), 3005, out _));
        Ok(h.P.Close(fd));
        var expect = new byte[15401];
        data.AsSpan(0, 8387).CopyTo(expect.AsSpan(3005));
        Assert.Equal(expect, ReadFile(h.P, "/mnt/f"));
        Remount(h, image);
        Assert.Equal(expect, ReadFile(h.P, "/mnt/f"));
        Ok(h.Umount());
        AssertClean(Kit.Fsck(image));
    }
}
