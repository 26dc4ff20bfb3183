// Tests of Vfs.Core: block devices -- the host block file, memory, and the fault injector (EIO at chosen
// blocks or after N operations, a crash that loses what was not flushed, torn and reordered writes).
namespace UnixVfs.Core.Tests.BlockDevices;

public sealed class BlockDeviceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vfs-blockdev-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static byte[] Sectors(int count, byte fill) => Enumerable.Repeat(fill, count * 512).ToArray();

    public static TheoryData<string> Kinds => new() { "file", "memory", "faulty" };

    private IBlockDevice Make(string kind, long size)
    {
        switch (kind)
        {
            case "file":
                Assert.Equal(Errno.OK, FileBlockDevice.Create(Path.Combine(_dir, "img"), size, out var f));
                return f!;
            case "memory":
                return new MemoryBlockDevice(size);
            default:
                return new FaultyBlockDevice(new MemoryBlockDevice(size));
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void What_is_written_reads_back_and_what_was_never_written_reads_as_zeros(string kind)
    {
        using var dev = Make(kind, 1 << 20);
        Assert.Equal(512, dev.SectorSize);
        Assert.Equal(1L << 20, dev.Size);
        Assert.Equal(Errno.OK, dev.Write(4096, Sectors(3, 0x5A)));
        Assert.Equal(Errno.OK, dev.Flush());
        var buf = new byte[5 * 512];
        Assert.Equal(Errno.OK, dev.Read(3584, buf));
        Assert.All(buf[..512], b => Assert.Equal(0, b));
        Assert.All(buf[512..(4 * 512)], b => Assert.Equal(0x5A, b));
        Assert.All(buf[(4 * 512)..], b => Assert.Equal(0, b));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_gathered_write_lays_its_buffers_end_to_end(string kind)
    {
        using var dev = Make(kind, 1 << 20);
        ReadOnlyMemory<byte>[] parts = [Sectors(2, 1), Sectors(1, 2), Sectors(3, 3)];
        Assert.Equal(Errno.OK, dev.WriteGather(8192, parts));
        Assert.Equal(Errno.OK, dev.Flush());
        var buf = new byte[6 * 512];
        Assert.Equal(Errno.OK, dev.Read(8192, buf));
        Assert.Equal(parts.SelectMany(p => p.ToArray()).ToArray(), buf);
        Assert.Equal(Errno.EINVAL, dev.WriteGather(0, [new byte[100]]));
        Assert.Equal(Errno.EINVAL, dev.WriteGather((1 << 20) - 512, [Sectors(1, 9), Sectors(1, 9)]));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Unaligned_or_out_of_range_requests_are_EINVAL_and_change_nothing(string kind)
    {
        using var dev = Make(kind, 64 * 512);
        Assert.Equal(Errno.EINVAL, dev.Write(1, Sectors(1, 1)));
        Assert.Equal(Errno.EINVAL, dev.Write(0, new byte[100]));
        Assert.Equal(Errno.EINVAL, dev.Write(-512, Sectors(1, 1)));
        Assert.Equal(Errno.EINVAL, dev.Write(63 * 512, Sectors(2, 1)));
        Assert.Equal(Errno.EINVAL, dev.Write(long.MaxValue - 511, Sectors(1, 1)));
        Assert.Equal(Errno.EINVAL, dev.Read(64 * 512, new byte[512]));
        Assert.Equal(Errno.EINVAL, dev.Read(0, new byte[513]));
        Assert.Equal(Errno.OK, dev.Read(64 * 512, Span<byte>.Empty));
        var all = new byte[64 * 512];
        Assert.Equal(Errno.OK, dev.Read(0, all));
        Assert.All(all, b => Assert.Equal(0, b));
    }

    [Fact]
    public void A_file_device_persists_across_reopen_and_a_read_only_one_refuses_writes()
    {
        string path = Path.Combine(_dir, "disk.img");
        Assert.Equal(Errno.OK, FileBlockDevice.Create(path, 8192, out var dev));
        Assert.Equal(Errno.OK, dev!.Write(512, Sectors(1, 7)));
        Assert.Equal(Errno.OK, dev.Flush());
        dev.Dispose();
        Assert.Equal(8192, new FileInfo(path).Length);
        Assert.Equal(Errno.OK, FileBlockDevice.Open(path, readOnly: true, out var ro));
        Assert.True(ro!.IsReadOnly);
        var buf = new byte[512];
        Assert.Equal(Errno.OK, ro.Read(512, buf));
        Assert.All(buf, b => Assert.Equal(7, b));
        Assert.Equal(Errno.EROFS, ro.Write(0, Sectors(1, 1)));
        Assert.Equal(Errno.OK, ro.Flush());
        ro.Dispose();
    }

    [Fact]
    public void Opening_a_missing_or_odd_sized_image_is_an_errno_not_an_exception()
    {
        Assert.Equal(Errno.ENOENT, FileBlockDevice.Open(Path.Combine(_dir, "missing.img"), false, out var d));
        Assert.Null(d);
        string odd = Path.Combine(_dir, "odd.img");
        File.WriteAllBytes(odd, new byte[1000]);
        Assert.Equal(Errno.EINVAL, FileBlockDevice.Open(odd, false, out _));
        Assert.Equal(Errno.EINVAL, FileBlockDevice.Create(Path.Combine(_dir, "x.img"), 1000, out _));
        Assert.Equal(Errno.EINVAL, FileBlockDevice.Create(Path.Combine(_dir, "y.img"), 0, out _));
        Assert.Equal(Errno.ENOENT, FileBlockDevice.Create(Path.Combine(_dir, "no", "dir.img"), 512, out _));
    }

    [Fact]
    public void A_memory_device_allocates_only_what_is_written()
    {
        var dev = new MemoryBlockDevice(1L << 30);
        Assert.Equal(0L, dev.AllocatedBytes);
        Assert.Equal(Errno.OK, dev.Write(1L << 29, Sectors(1, 1)));
        Assert.Equal(64L * 1024, dev.AllocatedBytes);
        dev.IsReadOnly = true;
        Assert.Equal(Errno.EROFS, dev.Write(0, Sectors(1, 1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MemoryBlockDevice(1000));
    }

    [Fact]
    public void EIO_at_chosen_blocks_for_reads_and_writes_separately()
    {
        var dev = new FaultyBlockDevice(new MemoryBlockDevice(64 * 512));
        dev.FailReadsAt(10 * 512, 512);
        dev.FailWritesAt(20 * 512, 1024);
        Assert.Equal(Errno.EIO, dev.Read(10 * 512, new byte[512]));
        Assert.Equal(Errno.EIO, dev.Read(8 * 512, new byte[4 * 512])); // touches block 10
        Assert.Equal(Errno.OK, dev.Read(11 * 512, new byte[512]));
        Assert.Equal(Errno.OK, dev.Write(10 * 512, Sectors(1, 1)));   // writes there are fine
        Assert.Equal(Errno.EIO, dev.Write(21 * 512, Sectors(1, 1)));
        Assert.Equal(Errno.OK, dev.Read(21 * 512, new byte[512]));
        dev.Heal();
        Assert.Equal(Errno.OK, dev.Read(10 * 512, new byte[512]));
        Assert.Equal(Errno.OK, dev.Write(21 * 512, Sectors(1, 1)));
    }

    [Fact]
    public void EIO_for_every_operation_after_N()
    {
        var dev = new FaultyBlockDevice(new MemoryBlockDevice(64 * 512));
        dev.FailAfter(3);
        Assert.Equal(Errno.OK, dev.Write(0, Sectors(1, 1)));
        Assert.Equal(Errno.OK, dev.Read(0, new byte[512]));
        Assert.Equal(Errno.OK, dev.Flush());
        Assert.Equal(Errno.EIO, dev.Read(0, new byte[512]));
        Assert.Equal(Errno.EIO, dev.Write(0, Sectors(1, 1)));
        Assert.Equal(Errno.EIO, dev.Flush());
        Assert.Equal(6, dev.Operations);
        dev.Heal();
        Assert.Equal(Errno.OK, dev.Read(0, new byte[512]));
    }

    [Fact]
    public void Unflushed_writes_are_visible_before_a_crash_and_lost_by_it()
    {
        var inner = new MemoryBlockDevice(64 * 512);
        var dev = new FaultyBlockDevice(inner);
        Assert.Equal(Errno.OK, dev.Write(0, Sectors(1, 1)));
        Assert.Equal(Errno.OK, dev.Flush());
        Assert.Equal(Errno.OK, dev.Write(0, Sectors(1, 2)));
        Assert.Equal(Errno.OK, dev.Write(512, Sectors(1, 3)));
        Assert.Equal(2, dev.PendingWrites);
        var buf = new byte[1024];
        Assert.Equal(Errno.OK, dev.Read(0, buf));
        Assert.Equal(2, buf[0]);
        Assert.Equal(3, buf[512]);
        Assert.Equal(Errno.OK, inner.Read(0, buf));
        Assert.Equal(1, buf[0]); // the write cache has not reached the disk
        dev.Crash(CrashMode.LoseAll, new Random(1));
        Assert.True(dev.Crashed);
        Assert.Equal(Errno.EIO, dev.Read(0, buf));
        Assert.Equal(Errno.EIO, dev.Write(0, Sectors(1, 9)));
        Assert.Equal(Errno.EIO, dev.Flush());
        Assert.Equal(Errno.OK, inner.Read(0, buf));
        Assert.Equal(1, buf[0]);
        Assert.Equal(0, buf[512]);
    }

    [Fact]
    public void What_survives_a_reordering_crash_is_old_or_new_sector_by_sector_and_some_write_is_torn()
    {
        bool sawTorn = false, sawLost = false, sawKept = false;
        for (int seed = 0; seed < 200; seed++)
        {
            var inner = new MemoryBlockDevice(64 * 512);
            var dev = new FaultyBlockDevice(inner);
            Assert.Equal(Errno.OK, dev.Write(0, Sectors(16, 0xAA)));
            Assert.Equal(Errno.OK, dev.Flush());
            Assert.Equal(Errno.OK, dev.Write(0, Sectors(8, 0x01)));
            Assert.Equal(Errno.OK, dev.Write(8 * 512, Sectors(8, 0x02)));
            dev.Crash(CrashMode.Reorder, new Random(seed));
            var disk = new byte[16 * 512];
            Assert.Equal(Errno.OK, inner.Read(0, disk));
            for (int w = 0; w < 2; w++)
            {
                var sectors = Enumerable.Range(w * 8, 8).Select(s => disk[s * 512]).ToArray();
                for (int s = 0; s < 16; s++)
                    Assert.True(disk.AsSpan(s * 512, 512).IndexOfAnyExcept(disk[s * 512]) < 0, $"seed {seed}: sector {s} is mixed");
                byte fresh = (byte)(w + 1);
                Assert.All(sectors, b => Assert.True(b == fresh || b == 0xAA));
                int newCount = sectors.Count(b => b == fresh);
                // A torn write keeps a prefix of its sectors.
                Assert.True(sectors.Take(newCount).All(b => b == fresh), $"seed {seed}: write {w} is not a prefix");
                sawTorn |= newCount is > 0 and < 8;
                sawLost |= newCount == 0;
                sawKept |= newCount == 8;
            }
        }
        Assert.True(sawTorn && sawLost && sawKept);
    }

    [Fact]
    public void An_unflushed_write_reaches_the_disk_at_its_own_length_whether_flushed_or_torn_by_a_crash()
    {
        // Three sectors: the write cache's copy is a pooled array of four, whose fourth must never reach the disk.
        for (int seed = -1; seed < 50; seed++)
        {
            var inner = new MemoryBlockDevice(64 * 512);
            var dev = new FaultyBlockDevice(inner);
            Assert.Equal(Errno.OK, dev.Write(0, Sectors(8, 0xAA)));
            Assert.Equal(Errno.OK, dev.Flush());
            Assert.Equal(Errno.OK, dev.Write(0, Sectors(3, 0x01)));
            if (seed < 0)
                Assert.Equal(Errno.OK, dev.Flush());
            else
                dev.Crash(CrashMode.Reorder, new Random(seed));
            var disk = new byte[8 * 512];
            Assert.Equal(Errno.OK, inner.Read(0, disk));
            Assert.True(disk.AsSpan(3 * 512).IndexOfAnyExcept((byte)0xAA) < 0, $"seed {seed}: a sector past the write changed");
            if (seed < 0)
                Assert.True(disk.AsSpan(0, 3 * 512).IndexOfAnyExcept((byte)0x01) < 0);
        }
    }

    [Fact]
    public void CrashAfterWrites_crashes_as_the_nth_write_is_issued()
    {
        var inner = new MemoryBlockDevice(64 * 512);
        var dev = new FaultyBlockDevice(inner);
        dev.CrashAfterWrites(3, CrashMode.LoseAll, new Random(0));
        Assert.Equal(Errno.OK, dev.Write(0, Sectors(1, 1)));
        Assert.Equal(Errno.OK, dev.Flush());
        Assert.Equal(Errno.OK, dev.Write(512, Sectors(1, 2)));
        Assert.Equal(Errno.EIO, dev.Write(1024, Sectors(1, 3)));
        Assert.True(dev.Crashed);
        var buf = new byte[3 * 512];
        Assert.Equal(Errno.OK, inner.Read(0, buf));
        Assert.Equal(new byte[] { 1, 0, 0 }, new[] { buf[0], buf[512], buf[1024] });
    }

    [Fact]
    public void A_faulty_device_over_a_read_only_one_refuses_writes_with_EROFS()
    {
        var inner = new MemoryBlockDevice(4096) { IsReadOnly = true };
        var dev = new FaultyBlockDevice(inner);
        Assert.True(dev.IsReadOnly);
        Assert.Equal(Errno.EROFS, dev.Write(0, Sectors(1, 1)));
        Assert.Equal(0, dev.PendingWrites);
    }

    [Fact]
    public void Host_exceptions_map_to_errnos_in_one_place()
    {
        Assert.Equal(Errno.ENOENT, HostErrno.From(new FileNotFoundException()));
        Assert.Equal(Errno.ENOENT, HostErrno.From(new DirectoryNotFoundException()));
        Assert.Equal(Errno.EACCES, HostErrno.From(new UnauthorizedAccessException()));
        Assert.Equal(Errno.ENAMETOOLONG, HostErrno.From(new PathTooLongException()));
        Assert.Equal(Errno.ENOSPC, HostErrno.From(new IOException("full", 28)));
        Assert.Equal(Errno.EBADF, HostErrno.From(new ObjectDisposedException("x")));
        Assert.Equal(Errno.ECONNREFUSED, HostErrno.From(new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused)));
        Assert.Equal(Errno.EIO, HostErrno.From(new InvalidOperationException()));
    }
}
