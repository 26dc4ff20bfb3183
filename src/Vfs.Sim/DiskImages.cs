// Vfs.Sim: newfs once per disk shape -- the empty UFS2 images of a world's disks, made once per process and
// copied into each new world's memory device.
//
// What newfs writes depends only on the disk's size, its file system id and the time it is made (newfs draws its
// other choices from a Random seeded by the id), so the image of each (size, id, time) is made once, on a scratch
// memory device, and kept as the 64 KiB chunks that are not all zeros; a world's disk gets a copy of those chunks,
// written below its trace. A history's trace therefore holds no newfs writes, whether the image was made for it or
// copied, and building a world copies a few chunks instead of running newfs. The images are few (one per disk of
// each world text) and never freed.
using System.Collections.Concurrent;
using UnixVfs.Ufs;

namespace UnixVfs.Sim;

/// <summary>Empty UFS2 images by shape, made once and copied.</summary>
internal static class DiskImages
{
    private const int Chunk = 1 << 16;

    private sealed record Image(Errno Err, string Why, (long Offset, byte[] Data)[] Chunks);

    private static readonly ConcurrentDictionary<(long Bytes, int Id, Timespec Made), Lazy<Image>> s_images = new();

    /// <summary>
    /// Writes onto <paramref name="dev"/> (a zeroed device of <paramref name="bytes"/> bytes) what newfs makes of it with
    /// file system id <paramref name="id"/> at <paramref name="now"/>. Returns OK, or newfs's error with <paramref name="why"/>.
    /// </summary>
    public static Errno Newfs(IBlockDevice dev, long bytes, int id, Timespec now, out string why)
    {
        var image = s_images.GetOrAdd((bytes, id, now), k => new Lazy<Image>(() => Make(k.Bytes, k.Id, k.Made))).Value;
        why = image.Why;
        if (image.Err != Errno.OK)
            return image.Err;
        foreach (var (offset, data) in image.Chunks)
        {
            var err = dev.Write(offset, data);
            if (err != Errno.OK)
            {
                why = $"copying the image at {offset}: {err}";
                return err;
            }
        }
        return Errno.OK;
    }

    private static Image Make(long bytes, int id, Timespec now)
    {
        var scratch = new MemoryBlockDevice(bytes);
        var err = Ufs.Newfs.Make(scratch, new NewfsOptions { Size = bytes, Id = id }, now, out _, out var why);
        if (err != Errno.OK)
            return new Image(err, why ?? "", []);
        var chunks = new List<(long, byte[])>();
        var buf = new byte[Chunk];
        for (long off = 0; off < bytes; off += Chunk)
        {
            int n = (int)Math.Min(Chunk, bytes - off);
            err = scratch.Read(off, buf.AsSpan(0, n));
            if (err != Errno.OK)
                return new Image(err, $"reading the image at {off}", []);
            if (buf.AsSpan(0, n).ContainsAnyExcept((byte)0))
                chunks.Add((off, buf.AsSpan(0, n).ToArray()));
        }
        return new Image(Errno.OK, "", chunks.ToArray());
    }
}
