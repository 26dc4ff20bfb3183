// Vfs.Sim: a world's memory disk -- copy-on-write over an empty UFS2 image that every world of the same disk shape
// shares (DiskImages).
//
// The device is 4 KiB pages. A page this device has written is its own; any other page reads from the shared
// image, whose all-zero pages are not stored at all. A write to a page the device does not own yet copies the
// image's page first (unless the write covers the whole page), so the shared image is never written. Building a
// world therefore costs no copy of the image and no memory for it, and a history's writes cost a page each: the
// simulator makes a fresh world for every history, and this is most of what made that cheap (docs/benchmarks.md).
//
// Own pages are written under the device's lock; the image's pages are read-only once made, so they need none.
namespace UnixVfs.Sim;

/// <summary>A memory block device whose unwritten pages read from a shared, read-only image.</summary>
internal sealed class ImageBlockDevice : IBlockDevice
{
    /// <summary>The unit of sharing and of copy-on-write.</summary>
    public const int PageShift = 12;
    public const int PageSize = 1 << PageShift;

    private readonly byte[]?[] _image;
    private readonly byte[]?[] _own;
    private readonly object _lock = new();

    /// <param name="image">The image's pages (null: all zeros), never written by this device; one per page of the device.</param>
    public ImageBlockDevice(byte[]?[] image)
    {
        _image = image;
        _own = new byte[]?[image.Length];
        Size = (long)image.Length << PageShift;
    }

    public int SectorSize => 512;
    public long Size { get; }
    public bool IsReadOnly => false;

    public Errno Read(long offset, Span<byte> buffer)
    {
        var err = BlockDeviceChecks.CheckRange(this, offset, buffer.Length);
        if (err != Errno.OK)
            return err;
        lock (_lock)
        {
            while (!buffer.IsEmpty)
            {
                int pi = (int)(offset >> PageShift), po = (int)(offset & (PageSize - 1));
                int n = Math.Min(buffer.Length, PageSize - po);
                var page = _own[pi] ?? _image[pi];
                if (page is null)
                    buffer[..n].Clear();
                else
                    page.AsSpan(po, n).CopyTo(buffer);
                buffer = buffer[n..];
                offset += n;
            }
        }
        return Errno.OK;
    }

    public Errno Write(long offset, ReadOnlySpan<byte> buffer)
    {
        var err = BlockDeviceChecks.CheckRange(this, offset, buffer.Length);
        if (err != Errno.OK)
            return err;
        lock (_lock)
        {
            while (!buffer.IsEmpty)
            {
                int pi = (int)(offset >> PageShift), po = (int)(offset & (PageSize - 1));
                int n = Math.Min(buffer.Length, PageSize - po);
                buffer[..n].CopyTo(OwnPage(pi, whole: n == PageSize).AsSpan(po));
                buffer = buffer[n..];
                offset += n;
            }
        }
        return Errno.OK;
    }

    /// <summary>This device's page <paramref name="pi"/>, made on first write from the image's (not copied when <paramref name="whole"/>: the write covers it).</summary>
    private byte[] OwnPage(int pi, bool whole)
    {
        if (_own[pi] is { } page)
            return page;
        if (whole)
            page = GC.AllocateUninitializedArray<byte>(PageSize);
        else if (_image[pi] is { } shared)
            page = (byte[])shared.Clone();
        else
            page = new byte[PageSize];
        return _own[pi] = page;
    }

    public Errno Flush() => Errno.OK;

    public void Dispose() { }
}
