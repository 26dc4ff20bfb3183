// Vfs.Sim: newfs once per disk shape -- the empty UFS2 images of a world's disks, made once per process and shared,
// copy-on-write, by every world's memory device.
//
// What newfs writes depends only on the disk's size, its file system id and the time it is made (newfs draws its
// other choices from a Random seeded by the id), so the image of each (size, id, time) is made once, on a scratch
// memory device, and kept as its 4 KiB pages (the all-zero ones as null). A world's disk is an ImageBlockDevice over
// those pages: it reads them until it writes its own, below its trace. A history's trace therefore holds no newfs
// writes, whether the image was made for it or shared, and building a world copies nothing. The images are few (one
// per disk of each world text) and never freed.
using System.Collections.Concurrent;
using UnixVfs.Ufs;

namespace UnixVfs.Sim;

/// <summary>Empty UFS2 images by shape, made once and shared.</summary>
internal static class DiskImages
{
    private sealed record Image(Errno Err, string Why, byte[]?[] Pages);

    private static readonly ConcurrentDictionary<(long Bytes, int Id, Timespec Made), Lazy<Image>> s_images = new();

    /// <summary>
    /// A new memory device of <paramref name="bytes"/> bytes holding what newfs makes of it with file system id
    /// <paramref name="id"/> at <paramref name="now"/>. Returns OK, or newfs's error with <paramref name="why"/>.
    /// </summary>
    public static Errno Newfs(long bytes, int id, Timespec now, out IBlockDevice? dev, out string why)
    {
        var image = s_images.GetOrAdd((bytes, id, now), k => new Lazy<Image>(() => Make(k.Bytes, k.Id, k.Made))).Value;
        why = image.Why;
        dev = image.Err == Errno.OK ? new ImageBlockDevice(image.Pages) : null;
        return image.Err;
    }

    private static Image Make(long bytes, int id, Timespec now)
    {
        var scratch = new MemoryBlockDevice(bytes);
        var err = Ufs.Newfs.Make(scratch, new NewfsOptions { Size = bytes, Id = id }, now, out _, out var why);
        if (err != Errno.OK)
            return new Image(err, why ?? "", []);
        var pages = new byte[]?[bytes >> ImageBlockDevice.PageShift];
        var buf = new byte[ImageBlockDevice.PageSize];
        for (int i = 0; i < pages.Length; i++)
        {
            err = scratch.Read((long)i << ImageBlockDevice.PageShift, buf);
            if (err != Errno.OK)
                return new Image(err, $"reading the image's page {i}", []);
            if (buf.AsSpan().ContainsAnyExcept((byte)0))
                pages[i] = buf.ToArray();
        }
        return new Image(Errno.OK, "", pages);
    }
}
