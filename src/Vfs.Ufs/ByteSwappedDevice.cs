// Vfs.Ufs: a big-endian UFS2 image seen as a little-endian one, read-only (ByteOrder.cs says what is swapped).
//
// Opening it walks the image once, as fsck would, to learn where its metadata lies (ByteOrder.Regions); every
// read then returns the device's bytes with each metadata region it touches swapped whole, so the rest of
// Vfs.Ufs -- mount, lookup, read, fsck -n -- works on it unchanged. Writes are refused (EROFS): a read-write
// mount of a big-endian image would need every writer to know the byte order, and the mount says so in one
// line (ByteOrder.MountedReadOnly). The regions are sorted by offset, so a read finds its own by binary search.
using UnixVfs.Core;

namespace UnixVfs.Ufs;

internal sealed class ByteSwappedDevice : IBlockDevice
{
    private readonly IBlockDevice _dev;
    private readonly bool _owns;
    private readonly SwapRegion[] _regions;
    private readonly int _maxsymlinklen;

    private ByteSwappedDevice(IBlockDevice dev, bool owns, SwapRegion[] regions, int maxsymlinklen)
    {
        _dev = dev;
        _owns = owns;
        _regions = regions;
        _maxsymlinklen = maxsymlinklen;
    }

    /// <summary>Wraps the big-endian image on <paramref name="dev"/> (disposed with the wrapper when <paramref name="owns"/>).
    /// Returns OK, EINVAL (no sound superblock: <paramref name="why"/>), EIO.</summary>
    public static Errno Open(IBlockDevice dev, bool owns, out ByteSwappedDevice? swapped, out string? why)
    {
        swapped = null;
        var err = ByteOrder.Regions(dev, big: true, out var fs, out var regions, out why);
        if (err == Errno.OK)
            swapped = new ByteSwappedDevice(dev, owns, regions.ToArray(), fs!.Maxsymlinklen);
        return err;
    }

    public int SectorSize => _dev.SectorSize;
    public long Size => _dev.Size;
    public bool IsReadOnly => true;

    public Errno Read(long offset, Span<byte> buffer)
    {
        var err = _dev.Read(offset, buffer);
        if (err != Errno.OK)
            return err;
        long end = offset + buffer.Length;
        // The first region that could reach into the read: regions never overlap, so the one before the first
        // starting at or after the offset is the only earlier one to look at.
        int i = Array.BinarySearch(_regions, new SwapRegion(offset, 0, SwapKind.Int32s), ByOffset.Instance);
        i = i < 0 ? Math.Max(0, ~i - 1) : i;
        for (; i < _regions.Length && _regions[i].Offset < end; i++)
        {
            var r = _regions[i];
            if (r.Offset + r.Length <= offset)
                continue;
            var b = new byte[r.Length];
            if ((err = _dev.Read(r.Offset, b)) != Errno.OK)
                return err;
            ByteOrder.Swap(r, b, big: true, _maxsymlinklen);
            long from = Math.Max(offset, r.Offset), to = Math.Min(end, r.Offset + r.Length);
            b.AsSpan((int)(from - r.Offset), (int)(to - from)).CopyTo(buffer[(int)(from - offset)..]);
        }
        return Errno.OK;
    }

    public Errno Write(long offset, ReadOnlySpan<byte> buffer) => Errno.EROFS;

    public Errno Flush() => Errno.OK;

    public void Dispose()
    {
        if (_owns)
            _dev.Dispose();
    }

    public override string ToString() => $"{_dev} (byte-swapped)";

    private sealed class ByOffset : IComparer<SwapRegion>
    {
        public static readonly ByOffset Instance = new();
        public int Compare(SwapRegion? x, SwapRegion? y) => x!.Offset.CompareTo(y!.Offset);
    }
}
