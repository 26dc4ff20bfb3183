// Tests of Vfs.Ufs: a write of whole blocks the cache does not hold goes to the device as runs (UfsRdwr.WriteRun),
// one device write per run of blocks adjacent on the device, not one per block; the bytes, the holes and the maps
// come out as the block-at-a-time write left them, when a block of the range is cached, when the run is cut by an
// indirect block, and when the device fails the run.
using UnixVfs.Core;
using static UnixVfs.Ufs.Tests.Kit;

namespace UnixVfs.Ufs.Tests;

public class WriteRunTests
{
    private const int Bsize = 32768;

    /// <summary>
    /// 1 MiB of whole 32 KiB blocks into a new file: blocks 0-11 in one run, the indirect block cuts it, blocks 12-31 in
    /// a second. Block at a time (before WriteRun) it took 32 device writes.
    /// </summary>
    [Fact]
    public void A_1_MiB_write_of_whole_blocks_reaches_the_device_in_runs_not_block_by_block()
    {
        var mem = NewMemoryImage(64L << 20);
        var dev = new FaultyBlockDevice(mem);
        var data = Bytes(1 << 20, 1);
        using (var h = new Host())
        {
            Ok(h.Mount("mem", "", dev: dev));
            Ok(h.P.Open("/mnt/f", OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int fd));
            long before = dev.Operations;
            Ok(h.P.Pwrite(fd, data, 0, out int n));
            long writes = dev.Operations - before;
            Assert.Equal(data.Length, n);
            Assert.True(writes <= 4, $"{writes} device operations for 32 whole blocks");
            Ok(h.P.Close(fd));
            Ok(h.Umount(), h.Log);
        }
        AssertSameAfterRemount(mem, "/mnt/f", data);
    }

    /// <summary>A cached block in the middle of the range is written through the cache; the blocks on each side in runs.</summary>
    [Fact]
    public void A_cached_block_inside_the_range_goes_through_the_cache_and_the_rest_in_runs()
    {
        var mem = NewMemoryImage(64L << 20);
        var expect = new byte[1 << 20];
        using (var h = new Host())
        {
            Ok(h.Mount("mem", "", dev: mem));
            Ok(h.P.Open("/mnt/f", OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int fd));
            var piece = Bytes(1000, 2);
            Ok(h.P.Pwrite(fd, piece, 7 * Bsize + 100, out _));     // block 7 now cached (a delayed write)
            Ok(h.P.Ftruncate(fd, expect.Length));
            var data = Bytes(expect.Length - 3 * Bsize, 3);        // blocks 2-28 whole: a run, block 7, a run
            Ok(h.P.Pwrite(fd, data, 2 * Bsize, out int n));
            Assert.Equal(data.Length, n);
            piece.CopyTo(expect, 7 * Bsize + 100);
            data.CopyTo(expect, 2 * Bsize);
            Assert.Equal(expect, ReadFile(h.P, "/mnt/f"));
            Ok(h.P.Close(fd));
            Ok(h.Umount(), h.Log);
        }
        AssertSameAfterRemount(mem, "/mnt/f", expect);
    }

    /// <summary>
    /// The device fails the run: EIO, nothing written, the holes the run was filling are holes again (zeros, not what
    /// the fresh blocks held), the file's own data and size untouched, fsck clean; after the heal the same write works.
    /// </summary>
    [Fact]
    public void A_run_the_device_fails_leaves_the_file_and_the_maps_as_they_were()
    {
        var mem = NewMemoryImage(64L << 20);
        var dev = new FaultyBlockDevice(mem);
        var expect = new byte[1 << 20];
        var data = Bytes(expect.Length, 4);
        using (var h = new Host())
        {
            Ok(h.Mount("mem", "", dev: dev));
            WriteFile(h.P, "/mnt/junk", Bytes(4 << 20, 9));          // freed blocks hold its bytes, should a map show them
            Ok(h.P.Sync());
            Ok(h.P.Unlink("/mnt/junk"));
            Ok(h.P.Open("/mnt/f", OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int fd));
            var piece = Bytes(5000, 5);
            Ok(h.P.Pwrite(fd, piece, 5 * Bsize, out _));
            Ok(h.P.Ftruncate(fd, expect.Length));
            piece.CopyTo(expect, 5 * Bsize);
            Ok(h.P.Fsync(fd));                                     // block 5 on the device, out of the cache's dirty list
            dev.FailAfter(0);
            Assert.Equal(Errno.EIO, h.P.Pwrite(fd, data, 0, out _));
            dev.Heal();
            Assert.Equal(expect, ReadFile(h.P, "/mnt/f"));
            Ok(h.P.Pwrite(fd, data, 0, out int n), "pwrite after the heal");
            Assert.Equal(data.Length, n);
            Assert.Equal(data, ReadFile(h.P, "/mnt/f"));
            Ok(h.P.Close(fd));
            Ok(h.Umount(), h.Log);
        }
        AssertClean(Fsck(mem));
        AssertSameAfterRemount(mem, "/mnt/f", data);
    }

    /// <summary>
    /// Whole blocks over a small file's end, which is a fragment run inside a block: the blocks before it, the block that
    /// holds it and the blocks past it (Balloc grows that block without the size moving, so it must be asked once).
    /// The first version of WriteRun asked twice and left the block counts and the fragment maps wrong.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void A_run_over_a_fragment_end_grows_it_once(int firstBlock)
    {
        var mem = NewMemoryImage(64L << 20);
        var head = Bytes(2 * Bsize + 7000, 6);                     // blocks 0 and 1 whole, block 2 a run of 2 fragments
        var data = Bytes(6 * Bsize, 7);
        var expect = new byte[(firstBlock + 6) * Bsize];
        head.CopyTo(expect, 0);
        data.CopyTo(expect, firstBlock * Bsize);
        using (var h = new Host())
        {
            Ok(h.Mount("mem", "", dev: mem));
            WriteFile(h.P, "/mnt/f", head);
            Ok(h.P.Sync());
            Ok(h.P.Open("/mnt/f", OFlags.O_RDWR, 0, out int fd));
            Ok(h.P.Pwrite(fd, data, firstBlock * Bsize, out int n));
            Assert.Equal(data.Length, n);
            Ok(h.P.Close(fd));
            Ok(h.Umount(), h.Log);
        }
        AssertClean(Fsck(mem));
        AssertSameAfterRemount(mem, "/mnt/f", expect);
    }

    /// <summary>
    /// Seeded random pwrites, whole-block runs among them (aligned, a few blocks to 3 MiB, over holes, past the end, over
    /// cached blocks), against a model of the file: equal after each write, after a remount, and fsck clean.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Random_writes_with_runs_read_back_as_the_model_says(int seed)
    {
        var rng = new Random(seed);
        var mem = NewMemoryImage(96L << 20);
        var model = new byte[6 << 20];
        long size = 0;
        using (var h = new Host())
        {
            Ok(h.Mount("mem", "cachesize=2m", dev: mem));
            Ok(h.P.Open("/mnt/f", OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int fd));
            for (int i = 0; i < 40; i++)
            {
                bool aligned = rng.Next(3) != 0;
                int off = aligned ? rng.Next(model.Length / Bsize - 1) * Bsize : rng.Next(model.Length - 1);
                int max = model.Length - off;
                int len = aligned ? Math.Min(max, rng.Next(1, 96) * Bsize) : Math.Min(max, rng.Next(1, 3 * Bsize));
                var data = Bytes(len, seed * 1000 + i);
                Ok(h.P.Pwrite(fd, data, off, out int n), $"pwrite {len} at {off}");
                Assert.Equal(len, n);
                data.CopyTo(model, off);
                size = Math.Max(size, off + len);
                if (rng.Next(4) == 0)
                    Ok(h.P.Pread(fd, new byte[Bsize], rng.Next((int)size), out _));   // caches a block or two
            }
            Ok(h.P.Close(fd));
            Assert.Equal(model.AsSpan(0, (int)size).ToArray(), ReadFile(h.P, "/mnt/f"));
            Ok(h.Umount(), h.Log);
        }
        AssertClean(Fsck(mem));
        AssertSameAfterRemount(mem, "/mnt/f", model.AsSpan(0, (int)size).ToArray());
    }

    private static void AssertSameAfterRemount(IBlockDevice dev, string path, byte[] expect)
    {
        using var h = new Host();
        Ok(h.Mount("mem", "", dev: dev));
        Assert.Equal(expect, ReadFile(h.P, path));
    }
}
