// Vfs.Core: a block device backed by a file on the host (a disk image), with positional I/O.
//
// Reads and writes go straight to the file with RandomAccess (pread/pwrite); Flush is fsync.
// No caching happens here: that is the buffer cache's job, one layer up.
//
// Writeback hint: after every WritebackInterval bytes written (4 MiB unless set; 0 turns it off), the device
// asks the host to start writing the file's dirty pages back (HostWriteback: sync_file_range with
// SYNC_FILE_RANGE_WRITE), so that the host's disk works while the writes go on and the fsync at the end finds
// little left (docs/benchmarks.md, "Stop 23": what it changed, and what it did not). The hint reorders and drops
// nothing: it runs after the write it follows has returned, durability is still Flush's alone, and a file
// that refuses it (ENOSYS, EINVAL) is never asked again.
using Microsoft.Win32.SafeHandles;

namespace UnixVfs.Core;

/// <summary>A block file on the host.</summary>
public sealed class FileBlockDevice : IBlockDevice
{
    private readonly SafeFileHandle _handle;
    private long _written;      // bytes written since open, Interlocked: writers run in parallel
    private long _hints;        // hints the host took
    private volatile bool _hintRefused;

    private FileBlockDevice(SafeFileHandle handle, long size, bool readOnly, string path)
    {
        _handle = handle;
        Size = size;
        IsReadOnly = readOnly;
        Path = path;
    }

    /// <summary>The host path of the image.</summary>
    public string Path { get; }

    public int SectorSize => 512;
    public long Size { get; }
    public bool IsReadOnly { get; }

    /// <summary>
    /// Bytes written between two writeback hints (see the top of this file); 0 or less turns the hint off.
    /// 4 MiB on Linux, 0 elsewhere.
    /// </summary>
    public long WritebackInterval { get; set; } = HostWriteback.Supported ? 4L << 20 : 0;

    /// <summary>How many writeback hints have been given so far (a file that refuses them counts none).</summary>
    public long WritebackHints => Interlocked.Read(ref _hints);

    /// <summary>Opens an existing image. Returns OK, ENOENT, EACCES, EINVAL (size not a multiple of 512), EIO.</summary>
    public static Errno Open(string path, bool readOnly, out FileBlockDevice? dev)
    {
        dev = null;
        try
        {
            var h = File.OpenHandle(path, FileMode.Open, readOnly ? FileAccess.Read : FileAccess.ReadWrite,
                readOnly ? FileShare.Read : FileShare.Read);
            long size = RandomAccess.GetLength(h);
            if (size % 512 != 0)
            {
                h.Dispose();
                return Errno.EINVAL;
            }
            dev = new FileBlockDevice(h, size, readOnly, path);
            return Errno.OK;
        }
        catch (Exception e)
        {
            return HostErrno.From(e);
        }
    }

    /// <summary>Creates (or replaces) an image of <paramref name="size"/> bytes, sparse on the host. Returns OK, EINVAL, EACCES, ENOSPC, EIO.</summary>
    public static Errno Create(string path, long size, out FileBlockDevice? dev)
    {
        dev = null;
        if (size <= 0 || size % 512 != 0)
            return Errno.EINVAL;
        try
        {
            var h = File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read);
            RandomAccess.SetLength(h, size);
            dev = new FileBlockDevice(h, size, false, path);
            return Errno.OK;
        }
        catch (Exception e)
        {
            return HostErrno.From(e);
        }
    }

    public Errno Read(long offset, Span<byte> buffer)
    {
        var err = BlockDeviceChecks.CheckRange(this, offset, buffer.Length);
        if (err != Errno.OK)
            return err;
        try
        {
            int done = 0;
            while (done < buffer.Length)
            {
                int n = RandomAccess.Read(_handle, buffer[done..], offset + done);
                if (n == 0)
                    return Errno.EIO;
                done += n;
            }
            return Errno.OK;
        }
        catch (Exception e)
        {
            return HostErrno.From(e);
        }
    }

    public Errno Write(long offset, ReadOnlySpan<byte> buffer)
    {
        if (IsReadOnly)
            return Errno.EROFS;
        var err = BlockDeviceChecks.CheckRange(this, offset, buffer.Length);
        if (err != Errno.OK)
            return err;
        try
        {
            RandomAccess.Write(_handle, buffer, offset);
            Written(buffer.Length);
            return Errno.OK;
        }
        catch (Exception e)
        {
            return HostErrno.From(e);
        }
    }

    /// <summary>One pwritev for the whole run of buffers.</summary>
    public Errno WriteGather(long offset, IReadOnlyList<ReadOnlyMemory<byte>> buffers)
    {
        if (IsReadOnly)
            return Errno.EROFS;
        long total = 0;
        foreach (var b in buffers)
        {
            if (b.Length % SectorSize != 0)
                return Errno.EINVAL;
            total += b.Length;
        }
        if (total > int.MaxValue)
            return Errno.EINVAL;
        var err = BlockDeviceChecks.CheckRange(this, offset, (int)total);
        if (err != Errno.OK)
            return err;
        try
        {
            RandomAccess.Write(_handle, buffers, offset);
            Written(total);
            return Errno.OK;
        }
        catch (Exception e)
        {
            return HostErrno.From(e);
        }
    }

    // Counts a write that has returned, and gives the hint each time the count passes a multiple of the interval.
    // Two writers that pass the same multiple cannot both give it: each sees its own total from Interlocked.Add.
    private void Written(long bytes)
    {
        long every = WritebackInterval;
        if (every <= 0 || _hintRefused)
            return;
        long total = Interlocked.Add(ref _written, bytes);
        if (total / every == (total - bytes) / every)
            return;
        if (HostWriteback.Start(_handle))
            Interlocked.Increment(ref _hints);
        else
            _hintRefused = true;
    }

    public Errno Flush()
    {
        if (IsReadOnly)
            return Errno.OK;
        try
        {
            RandomAccess.FlushToDisk(_handle);
            return Errno.OK;
        }
        catch (Exception e)
        {
            return HostErrno.From(e);
        }
    }

    public void Dispose() => _handle.Dispose();

    public override string ToString() => Path;
}
