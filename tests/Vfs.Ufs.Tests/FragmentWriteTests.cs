// Tests of Vfs.Ufs: a buffer written alone reaches the device as the fragments its holders changed (Buf.DirtyFrom),
// not as its whole block -- a small synchronous write sends a fragment of data and a fragment of dinodes, as a
// fragment's buffer and ffs_update would -- and what a write made fresh (a hole before the bytes, in fragments just
// allocated over another file's old bytes) reaches the device too, so it reads as zeros after a remount.
using UnixVfs.Core;
using static UnixVfs.Ufs.Tests.Kit;

namespace UnixVfs.Ufs.Tests;

public class FragmentWriteTests
{
    private const int Fsize = 4096;

    /// <summary>Every device write, as (offset, length), in order.</summary>
    private sealed class RecordingDevice(IBlockDevice inner) : IBlockDevice
    {
        public readonly List<(long Offset, int Length)> Writes = new();
        public int SectorSize => inner.SectorSize;
        public long Size => inner.Size;
        public bool IsReadOnly => inner.IsReadOnly;
        public Errno Read(long offset, Span<byte> buffer) => inner.Read(offset, buffer);

        public Errno Write(long offset, ReadOnlySpan<byte> buffer)
        {
            lock (Writes)
                Writes.Add((offset, buffer.Length));
            return inner.Write(offset, buffer);
        }

        public int Flushes;

        public Errno Flush()
        {
            Interlocked.Increment(ref Flushes);
            return inner.Flush();
        }

        public void Dispose() => inner.Dispose();
    }

    /// <summary>
    /// A 100-byte O_SYNC write to a new file: the data, the dinode and the group each go out as one fragment, 12 KiB,
    /// where whole blocks made it 136 KiB (the NFS small-file loop paid that for every file). The summary area and the
    /// superblock wait for sync (fsck recomputes their totals after a crash), and the device is flushed twice (after
    /// the data, after the metadata); an fsync with nothing left to write flushes nothing.
    /// </summary>
    [Fact]
    public void A_small_synchronous_write_sends_the_device_fragments_not_whole_blocks()
    {
        var mem = NewMemoryImage(64L << 20);
        var dev = new RecordingDevice(mem);
        var payload = Bytes(100, 7);
        using (var h = new Host())
        {
            Ok(h.Mount("mem", "", dev: dev));
            Ok(h.P.Open("/mnt/small", OFlags.O_CREAT | OFlags.O_RDWR | OFlags.O_SYNC, 0x1A4, out int fd));
            Ok(h.P.Fsync(fd));
            Ok(h.P.Sync());
            dev.Writes.Clear();
            dev.Flushes = 0;
            Ok(h.P.Pwrite(fd, payload, 0, out int n));
            Assert.Equal(100, n);
            var writes = dev.Writes.ToList();
            Assert.NotEmpty(writes);
            Assert.All(writes, w => Assert.True(w.Length <= 32768, $"a write of {w.Length} bytes at {w.Offset}"));
            int fragments = writes.Count(w => w.Length == Fsize);
            Assert.True(fragments >= 2,  $"the data and the dinode as fragments: {string.Join(", ", writes)}");
            long total = writes.Sum(w => (long)w.Length);
            Assert.True(total == 3 * Fsize, $"{total} bytes written for 100 (whole blocks: 136 KiB): {string.Join(", ", writes)}");
            Assert.DoesNotContain(writes, w => w.Offset == Fs.SblockUfs2);
            Assert.Equal(2, dev.Flushes);
            dev.Writes.Clear();
            Ok(h.P.Fsync(fd));
            Assert.Empty(dev.Writes);
            Assert.Equal(2, dev.Flushes);
            Ok(h.P.Close(fd));
            Ok(h.Umount(), h.Log);
        }
        AssertClean(Fsck(mem));
        using var again = new Host();
        Ok(again.Mount("mem", "", dev: mem));
        Assert.Equal(payload, ReadFile(again.P, "/mnt/small"));
        Ok(again.Umount(), again.Log);
    }

    /// <summary>
    /// A file's old blocks, full of 0xAA, are freed; new files then get fresh fragments, or a fresh whole block, over
    /// them and write 100 bytes after a gap. Everything but those bytes must read as zeros after a remount: the bytes
    /// the write cleared are part of what the buffer sends (a dirty range of just the bytes written, rounded to
    /// fragments, would leave the old 0xAA in the fragments before them).
    /// </summary>
    [Theory]
    [InlineData(0L, 9000L)]                  // a new file: three fresh fragments, the bytes in the third
    [InlineData(256L << 10, 98304L + 5000)]  // a file grown by ftruncate: a fresh whole block in its middle, the bytes in its second fragment
    public void Bytes_made_fresh_by_a_write_read_as_zeros_after_a_remount(long truncatedTo, long at)
    {
        var mem = NewMemoryImage(64L << 20);
        var old = new byte[4 << 20];
        Array.Fill(old, (byte)0xAA);
        var payload = Bytes(100, 9);
        using (var h = new Host())
        {
            Ok(h.Mount("mem", "", dev: mem));
            WriteFile(h.P, "/mnt/old", old);
            Ok(h.P.Sync());
            Ok(h.P.Unlink("/mnt/old"));
            Ok(h.P.Sync());
            for (int i = 0; i < 8; i++)
            {
                Ok(h.P.Open($"/mnt/new{i}", OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int fd));
                if (truncatedTo > 0)
                    Ok(h.P.Ftruncate(fd, truncatedTo));
                Ok(h.P.Pwrite(fd, payload, at, out _));
                Ok(h.P.Fsync(fd));
                Ok(h.P.Close(fd));
            }
            Ok(h.Umount(), h.Log);
        }
        AssertClean(Fsck(mem));
        using var again = new Host();
        Ok(again.Mount("mem", "", dev: mem));
        for (int i = 0; i < 8; i++)
        {
            var got = ReadFile(again.P, $"/mnt/new{i}");
            Assert.Equal(Math.Max(truncatedTo, at + payload.Length), got.Length);
            Assert.Equal(payload, got.AsSpan((int)at, payload.Length).ToArray());
            got.AsSpan((int)at, payload.Length).Clear();
            Assert.True(got.AsSpan().IndexOfAnyExcept((byte)0) < 0, $"new{i}: a byte other than the 100 written is not zero, at {got.AsSpan().IndexOfAnyExcept((byte)0)}");
        }
        Ok(again.Umount(), again.Log);
    }
}
