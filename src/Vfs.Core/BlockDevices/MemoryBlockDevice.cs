// Vfs.Core: a block device in memory, for tests and for images that need not outlive the process.
//
// Memory is allocated in 64 KiB chunks on first write, so a large, mostly empty device costs
// only what has been written; unwritten chunks read as zeros.
namespace UnixVfs.Core;

/// <summary>A sparse in-memory block device.</summary>
public sealed class MemoryBlockDevice : IBlockDevice
{
    private const int ChunkShift = 16;
    private const int ChunkSize = 1 << ChunkShift;
    private readonly byte[]?[] _chunks;

    public MemoryBlockDevice(long size)
    {
        if (size <= 0 || size % 512 != 0)
            throw new ArgumentOutOfRangeException(nameof(size), "size must be a positive multiple of 512");
        Size = size;
        _chunks = new byte[]?[(size + ChunkSize - 1) >> ChunkShift];
    }

    public int SectorSize => 512;
    public long Size { get; }
    public bool IsReadOnly { get; set; }

    /// <summary>Bytes of memory actually allocated.</summary>
    public long AllocatedBytes
    {
        get { lock (_chunks) return _chunks.Count(c => c is not null) * (long)ChunkSize; }
    }

    public Errno Read(long offset, Span<byte> buffer)
    {
        var err = BlockDeviceChecks.CheckRange(this, offset, buffer.Length);
        if (err != Errno.OK)
            return err;
        lock (_chunks)
        {
            while (!buffer.IsEmpty)
            {
                int ci = (int)(offset >> ChunkShift), co = (int)(offset & (ChunkSize - 1));
                int n = Math.Min(buffer.Length, ChunkSize - co);
                var c = _chunks[ci];
                if (c is null)
                    buffer[..n].Clear();
                else
                    c.AsSpan(co, n).CopyTo(buffer);
                buffer = buffer[n..];
                offset += n;
            }
        }
        return Errno.OK;
    }

    public Errno Write(long offset, ReadOnlySpan<byte> buffer)
    {
        if (IsReadOnly)
            return Errno.EROFS;
        var err = BlockDeviceChecks.CheckRange(this, offset, buffer.Length);
        if (err != Errno.OK)
            return err;
        lock (_chunks)
        {
            while (!buffer.IsEmpty)
            {
                int ci = (int)(offset >> ChunkShift), co = (int)(offset & (ChunkSize - 1));
                int n = Math.Min(buffer.Length, ChunkSize - co);
                var c = _chunks[ci] ??= new byte[ChunkSize];
                buffer[..n].CopyTo(c.AsSpan(co));
                buffer = buffer[n..];
                offset += n;
            }
        }
        return Errno.OK;
    }

    public Errno Flush() => Errno.OK;

    public void Dispose() { }
}
