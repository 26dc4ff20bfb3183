// Tests of Vfs.Mirror: synchronous writes in virtual time (issue 11). Each copy's UFS sits on a device whose flush
// takes a fixed 300 us of the host's virtual clock; a mirrored 4 KiB O_DSYNC write must take no more than 1.05 times
// what the same write takes on one such UFS alone, so the copies' flushes overlap rather than add up. The clock moves
// only when as many threads as the test says wait for it (VirtualClock.Participants): the mirrored write's clock
// waits for both copies' flushes, so the verdict depends on the order of the mirror's work, never on the machine.
using UnixVfs.Ufs;

namespace UnixVfs.Mirror.Tests;

public class SyncWriteTests
{
    private static readonly TimeSpan FlushTime = TimeSpan.FromMicroseconds(300);

    /// <summary>A memory device whose flush takes <see cref="FlushTime"/> of <paramref name="clock"/> once Slow is set.</summary>
    private sealed class SlowFlushDevice(MemoryBlockDevice inner, VirtualClock clock) : IBlockDevice
    {
        public volatile bool Slow;

        public int SectorSize => inner.SectorSize;
        public long Size => inner.Size;
        public bool IsReadOnly => inner.IsReadOnly;
        public Errno Read(long offset, Span<byte> buffer) => inner.Read(offset, buffer);
        public Errno Write(long offset, ReadOnlySpan<byte> buffer) => inner.Write(offset, buffer);

        public Errno Flush()
        {
            if (Slow)
                clock.Sleep(FlushTime);
            return inner.Flush();
        }

        public void Dispose() => inner.Dispose();
    }

    /// <summary>
    /// The virtual time of one 4 KiB O_DSYNC overwrite: on a UFS alone (<paramref name="copies"/> 1) or through a mirror
    /// of that many UFS copies, each on its own slow device.
    /// </summary>
    private static TimeSpan DsyncWriteTime(int copies)
    {
        var clock = new VirtualClock();
        var k = new Kernel("sync-writer", clock);
        k.Vfssw.Install(MirrorVfsops.Def);
        k.Vfssw.Install(UfsVfsops.Def);
        var p = k.CreateProcess();
        var disks = new List<SlowFlushDevice>();
        for (int i = 0; i < copies; i++)
        {
            var mem = new MemoryBlockDevice(8L << 20);
            MirrorFixture.Ok(Newfs.Make(mem, new NewfsOptions { Size = mem.Size }, k.Now(), out _, out _), "newfs");
            disks.Add(new SlowFlushDevice(mem, clock));
            MirrorFixture.Ok(p.Mkdir($"/d{i}", 0x1ED));
            MirrorFixture.Ok(p.Mount($"disk{i}", $"/d{i}", "ufs", MountFlags.None, "", disks[i]));
            MirrorFixture.Ok(p.Mkdir($"/d{i}/c", 0x1ED));
        }
        if (copies > 1)
            MirrorFixture.Ok(p.Mount(string.Join(',', Enumerable.Range(0, copies - 1).Select(i => $"/d{i}/c")), $"/d{copies - 1}/c", "mfs", MountFlags.None, ""));
        var block = new byte[4096];
        MirrorFixture.Ok(p.Open("/d0/c/f", OFlags.O_CREAT | OFlags.O_WRONLY | OFlags.O_DSYNC, 0x1A4, out int fd));
        MirrorFixture.Ok(p.Pwrite(fd, block, 0, out _));   // the block is allocated: the write measured only overwrites it
        foreach (var d in disks)
            d.Slow = true;
        clock.Participants = copies;   // time moves only while every copy's flush waits for it
        clock.AutoAdvance = true;
        TimeSpan took = default;
        Errno written = Errno.EINVAL;
        var writer = new Thread(() =>
        {
            long t0 = clock.GetTimestamp();
            written = p.Pwrite(fd, block, 0, out _);
            took = TimeSpan.FromTicks(clock.GetTimestamp() - t0);
        });
        writer.Start();
        // A limit only against a hang: copies flushed one after the other never have every one waiting for time.
        Assert.True(writer.Join(TimeSpan.FromSeconds(60)), $"{copies} copies: the write never finished: the copies' flushes did not overlap");
        MirrorFixture.Ok(written);
        clock.AutoAdvance = false;
        foreach (var d in disks)
            d.Slow = false;
        MirrorFixture.Ok(p.Close(fd));
        k.UnmountAll(UnmountFlags.MS_FORCE);
        return took;
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void A_mirrored_O_DSYNC_write_takes_the_time_of_one_copy_not_the_sum(int copies)
    {
        var alone = DsyncWriteTime(1);
        var mirrored = DsyncWriteTime(copies);
        Assert.True(alone >= FlushTime, $"one UFS alone took {alone.TotalMicroseconds} us: its write did not flush");
        Assert.True(mirrored.Ticks <= alone.Ticks * 105 / 100,
            $"{copies} copies took {mirrored.TotalMicroseconds} us against {alone.TotalMicroseconds} us for one UFS alone");
    }
}
