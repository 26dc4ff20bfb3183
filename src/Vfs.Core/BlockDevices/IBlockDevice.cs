// Vfs.Core: the storage under a disk file system: a numbered array of bytes with honest flushes.
//
// UFS reaches its image only through this interface (via its buffer cache). Offsets and lengths
// are in bytes and must be multiples of SectorSize; a write is durable only after Flush returns
// OK. Implementations: FileBlockDevice (a block file on the host), MemoryBlockDevice, and
// FaultyBlockDevice, a decorator that injects I/O errors, crashes and torn writes.
namespace UnixVfs.Core;

/// <summary>A block device.</summary>
public interface IBlockDevice : IDisposable
{
    /// <summary>The unit of atomic I/O, in bytes (512).</summary>
    int SectorSize { get; }

    /// <summary>The device size in bytes.</summary>
    long Size { get; }

    /// <summary>True when writes are refused with EROFS.</summary>
    bool IsReadOnly { get; }

    /// <summary>Reads buffer.Length bytes at <paramref name="offset"/>. Returns OK, EINVAL (unaligned or beyond the end), EIO.</summary>
    Errno Read(long offset, Span<byte> buffer);

    /// <summary>Writes the buffer at <paramref name="offset"/>; durable only after Flush. Returns OK, EINVAL, EIO, EROFS.</summary>
    Errno Write(long offset, ReadOnlySpan<byte> buffer);

    /// <summary>Makes every completed write durable (fsync on a host file). Returns OK, EIO.</summary>
    Errno Flush();

    /// <summary>
    /// A gathered write (pwritev): <paramref name="buffers"/>, one after another, at <paramref name="offset"/>, so that a
    /// buffer cache can write a run of adjacent blocks from wherever they are in memory in one request. The default
    /// writes them one by one. Returns OK, EINVAL, EIO, EROFS (after a failure, some of the buffers may have been written).
    /// </summary>
    Errno WriteGather(long offset, IReadOnlyList<ReadOnlyMemory<byte>> buffers)
    {
        foreach (var b in buffers)
        {
            var err = Write(offset, b.Span);
            if (err != Errno.OK)
                return err;
            offset += b.Length;
        }
        return Errno.OK;
    }
}

/// <summary>Argument checks shared by the block devices.</summary>
public static class BlockDeviceChecks
{
    /// <summary>EINVAL unless [offset, offset+length) is sector-aligned and inside the device.</summary>
    public static Errno CheckRange(IBlockDevice dev, long offset, int length)
    {
        if (offset < 0 || length < 0 || offset % dev.SectorSize != 0 || length % dev.SectorSize != 0)
            return Errno.EINVAL;
        if (offset > dev.Size || length > dev.Size - offset)
            return Errno.EINVAL;
        return Errno.OK;
    }
}
