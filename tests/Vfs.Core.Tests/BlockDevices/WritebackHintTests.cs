// Tests of Vfs.Core: the host file device's writeback hint (FileBlockDevice.WritebackInterval, HostWriteback).
// The hint must be given as often as its interval says, also with writers in parallel, and must change
// nothing a reader sees: overlapping writes in any order, plain and gathered, read back after Flush and
// reopen exactly as a byte array written in the same order holds them. No timing is measured here.
namespace UnixVfs.Core.Tests.BlockDevices;

public sealed class WritebackHintTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vfs-writeback-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private FileBlockDevice Create(long size, long interval)
    {
        Assert.Equal(Errno.OK, FileBlockDevice.Create(Path.Combine(_dir, "img"), size, out var dev));
        dev!.WritebackInterval = interval;
        return dev;
    }

    private byte[] Reopened(long size)
    {
        Assert.Equal(Errno.OK, FileBlockDevice.Open(Path.Combine(_dir, "img"), readOnly: true, out var dev));
        using (dev)
        {
            var all = new byte[size];
            Assert.Equal(Errno.OK, dev!.Read(0, all));
            return all;
        }
    }

    [Fact]
    public void It_is_on_by_default_on_Linux_every_4_MiB()
    {
        Assert.Equal(Errno.OK, FileBlockDevice.Create(Path.Combine(_dir, "img"), 1 << 20, out var dev));
        using (dev)
            Assert.Equal(OperatingSystem.IsLinux() ? 4L << 20 : 0, dev!.WritebackInterval);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Overlapping_writes_with_hints_between_them_read_back_in_the_order_written(int seed)
    {
        const long size = 4 << 20, interval = 64 << 10;
        var rng = new Random(seed);
        var model = new byte[size];
        long total = 0;
        using (var dev = Create(size, interval))
        {
            for (int i = 0; i < 1500; i++)
            {
                long off = rng.Next(0, (int)(size / 512) - 64) * 512L;
                if (rng.Next(4) == 0)
                {
                    // A gathered write of two to four runs of sectors, laid end to end.
                    var parts = new ReadOnlyMemory<byte>[rng.Next(2, 5)];
                    long at = off;
                    for (int p = 0; p < parts.Length; p++)
                    {
                        var b = new byte[rng.Next(1, 16) * 512];
                        rng.NextBytes(b);
                        b.CopyTo(model, at);
                        at += b.Length;
                        parts[p] = b;
                    }
                    Assert.Equal(Errno.OK, dev.WriteGather(off, parts));
                    total += at - off;
                }
                else
                {
                    var b = new byte[rng.Next(1, 64) * 512];
                    rng.NextBytes(b);
                    b.CopyTo(model, off);
                    Assert.Equal(Errno.OK, dev.Write(off, b));
                    total += b.Length;
                }
                if (i % 300 == 299)
                {
                    // What a read returns between hints is the newest write, before any Flush.
                    var now = new byte[64 * 512];
                    Assert.Equal(Errno.OK, dev.Read(off, now));
                    Assert.Equal(model.AsSpan((int)off, now.Length).ToArray(), now);
                }
            }
            if (OperatingSystem.IsLinux())
                Assert.Equal(total / interval, dev.WritebackHints);
            Assert.Equal(Errno.OK, dev.Flush());
        }
        Assert.Equal(model, Reopened(size));
    }

    [Fact]
    public void Parallel_writers_lose_no_hint_give_none_twice_and_lose_no_byte()
    {
        const long size = 8 << 20, interval = 32 << 10;
        const int writers = 4, chunk = 8192;
        long region = size / writers;
        using (var dev = Create(size, interval))
        {
            Parallel.For(0, writers, new ParallelOptions { MaxDegreeOfParallelism = writers }, w =>
            {
                for (long off = w * region; off < (w + 1) * region; off += chunk)
                    Assert.Equal(Errno.OK, dev.Write(off, Fill(off, chunk)));
            });
            if (OperatingSystem.IsLinux())
                Assert.Equal(size / interval, dev.WritebackHints);
            Assert.Equal(Errno.OK, dev.Flush());
        }
        var all = Reopened(size);
        for (long off = 0; off < size; off += chunk)
            Assert.Equal(Fill(off, chunk), all.AsSpan((int)off, chunk).ToArray());
    }

    [Fact]
    public void Interval_zero_gives_no_hint()
    {
        using var dev = Create(1 << 20, 0);
        for (long off = 0; off < 1 << 20; off += 64 << 10)
            Assert.Equal(Errno.OK, dev.Write(off, new byte[64 << 10]));
        Assert.Equal(0, dev.WritebackHints);
    }

    // Bytes that say where they belong: a misplaced or dropped chunk shows.
    private static byte[] Fill(long off, int length)
    {
        var b = new byte[length];
        for (int i = 0; i < length; i++)
            b[i] = (byte)((off + i) * 31 / 7 ^ (off >> 13));
        return b;
    }
}
