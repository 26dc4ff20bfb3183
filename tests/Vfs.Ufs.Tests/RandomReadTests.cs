// Tests of Vfs.Ufs random reads (issue 15): a read that does not continue the last one and misses the
// cache reads just the sectors it wants straight into the caller's buffer (BufCache.ReadPart), so a
// cold 4 KiB read neither reads a whole block nor takes a buffer. The bytes must be right wherever the
// read falls -- across block and fragment boundaries, in holes, at the tail -- and never stale: a block
// the cache holds dirty is read from the cache, a block written straight to the device from the device.
using UnixVfs.Core;
using static UnixVfs.Ufs.Tests.Kit;

namespace UnixVfs.Ufs.Tests;

public class RandomReadTests
{
    private const int B = 32768, F = 4096;     // NewImage's block and fragment sizes

    private static BufCache Cache(Host h, string path)
    {
        Ok(h.P.Lookupname(path, true, out var vp));
        var bc = UfsVnops.VTOI(vp!).Ump.Bc;
        vp!.Rele();
        return bc;
    }

    private static byte[] Pread(Host h, int fd, long off, int len)
    {
        var buf = new byte[len];
        buf.AsSpan().Fill(0xAA);
        Ok(h.P.Pread(fd, buf, off, out int n));
        return buf[..n];
    }

    private static byte[] Expect(byte[] file, long off, int len) =>
        off >= file.Length ? [] : file.AsSpan((int)off, (int)Math.Min(len, file.Length - off)).ToArray();

    [Fact]
    public void A_cold_random_4k_read_reads_only_its_sectors_and_takes_no_buffer()
    {
        using var s = new Scratch();
        var image = NewImage(s, 64L << 20);
        using var h = new Host();
        Ok(h.Mount(image));
        var data = Bytes(8 * B, 1);
        WriteFile(h.P, "/mnt/f", data);
        Ok(h.Umount());
        Ok(h.Mount(image));
        var bc = Cache(h, "/mnt/f");
        Ok(h.P.Open("/mnt/f", OFlags.O_RDONLY, 0, out int fd));
        long bytes = bc.BytesRead, allocated = bc.Allocated;
        Assert.Equal(Expect(data, 5 * B + F, F), Pread(h, fd, 5 * B + F, F));
        Assert.Equal(F, bc.BytesRead - bytes);            // not the whole 32 KiB block
        Assert.Equal(allocated, bc.Allocated);            // and no buffer taken for it
        Assert.Equal(Expect(data, 2 * B + 600, 100), Pread(h, fd, 2 * B + 600, 100));
        Assert.Equal(F + 512, bc.BytesRead - bytes);      // an unaligned read: the one sector it lies in
        Ok(h.P.Close(fd));
        Ok(h.Umount());
    }

    /// <summary>Seeded random reads of a file whose tail lies in fragments, next to another small file's fragments,
    /// at offsets and lengths that cross sector, fragment and block boundaries and the end of file.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Random_reads_return_the_files_bytes_at_every_boundary(int seed)
    {
        using var s = new Scratch();
        var image = NewImage(s, 64L << 20);
        using var h = new Host();
        Ok(h.Mount(image));
        var small = Bytes(2 * F + 300, 7);
        var data = Bytes(5 * B + 2 * F + 77, seed);       // a tail of three fragments
        WriteFile(h.P, "/mnt/small", small);
        WriteFile(h.P, "/mnt/f", data);
        WriteFile(h.P, "/mnt/after", Bytes(F + 10, 8));
        Ok(h.Umount());
        Ok(h.Mount(image));
        Ok(h.P.Open("/mnt/f", OFlags.O_RDONLY, 0, out int fd));
        Ok(h.P.Open("/mnt/small", OFlags.O_RDONLY, 0, out int sfd));
        var rng = new Random(seed);
        long[] edges = [0, 512, F, B, 2 * B, 5 * B, 5 * B + F, 5 * B + 2 * F, data.Length];
        for (int i = 0; i < 400; i++)
        {
            long at = rng.Next(3) == 0 ? edges[rng.Next(edges.Length)] + rng.Next(-600, 600) : rng.Next(data.Length + 100);
            at = Math.Max(0, at);
            int len = rng.Next(4) switch { 0 => F, 1 => rng.Next(1, 700), 2 => rng.Next(1, B + 1), _ => 512 };
            Assert.True(Expect(data, at, len).AsSpan().SequenceEqual(Pread(h, fd, at, len)), $"read of {len} at {at}");
            long sat = rng.Next(small.Length);
            Assert.True(Expect(small, sat, len).AsSpan().SequenceEqual(Pread(h, sfd, sat, len)), $"small: {len} at {sat}");
        }
        Ok(h.P.Close(fd));
        Ok(h.P.Close(sfd));
        Ok(h.Umount());
    }

    [Fact]
    public void Random_reads_of_holes_return_zeros()
    {
        using var s = new Scratch();
        var image = NewImage(s, 64L << 20);
        using var h = new Host();
        Ok(h.Mount(image));
        Ok(h.P.Open("/mnt/f", OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int fd));
        var a = Bytes(100, 1);
        var b = Bytes(B, 2);
        Ok(h.P.Pwrite(fd, a, 0, out _));
        Ok(h.P.Pwrite(fd, b, 3 * B, out _));
        Ok(h.P.Ftruncate(fd, 20 * B));                     // a hole to the end, past the direct blocks
        Ok(h.P.Close(fd));
        Ok(h.Umount());
        Ok(h.Mount(image));
        Ok(h.P.Open("/mnt/f", OFlags.O_RDONLY, 0, out fd));
        Assert.Equal(new byte[F], Pread(h, fd, B + F, F));
        Assert.Equal(new byte[F], Pread(h, fd, 15 * B + 7, F));
        Assert.Equal(b.AsSpan(F, F).ToArray(), Pread(h, fd, 3 * B + F, F));
        var across = Pread(h, fd, 3 * B - 1000, 2000);     // the hole's end and the block's start
        Assert.Equal(new byte[1000], across[..1000]);
        Assert.Equal(b[..1000], across[1000..]);
        var first = Pread(h, fd, 50, 200);                  // the first block's data, then zeros
        Assert.Equal(a[50..], first[..50]);
        Assert.Equal(new byte[150], first[50..]);
        Ok(h.P.Close(fd));
        Ok(h.Umount());
    }

    /// <summary>A whole block written straight to the device, a part of one written into the cache (dirty, not yet on
    /// the device), and a truncate that cut a block: a random read sees each as written.</summary>
    [Fact]
    public void A_random_read_after_a_direct_write_a_cached_write_and_a_truncate_is_not_stale()
    {
        using var s = new Scratch();
        var image = NewImage(s, 64L << 20);
        using var h = new Host();
        Ok(h.Mount(image));
        var data = Bytes(6 * B, 1);
        WriteFile(h.P, "/mnt/f", data);
        Ok(h.Umount());
        Ok(h.Mount(image));
        Ok(h.P.Open("/mnt/f", OFlags.O_RDWR, 0, out int fd));

        var whole = Bytes(B, 2);
        Ok(h.P.Pwrite(fd, whole, 4 * B, out _));           // uncached: straight to the device
        Assert.Equal(whole.AsSpan(F + 3, F).ToArray(), Pread(h, fd, 4 * B + F + 3, F));

        var part = Bytes(100, 3);
        Ok(h.P.Pwrite(fd, part, 2 * B + 5000, out _));     // into a cached buffer, dirty
        var got = Pread(h, fd, 2 * B + 4096, F);
        Assert.Equal(data.AsSpan(2 * B + 4096, 904).ToArray(), got[..904]);
        Assert.Equal(part, got[904..1004]);
        Assert.Equal(data.AsSpan(2 * B + 5100, F - 1004).ToArray(), got[1004..]);

        Ok(h.P.Ftruncate(fd, B + 1000));
        Ok(h.P.Ftruncate(fd, 3 * B));
        var cut = Pread(h, fd, B + 900, F);
        Assert.Equal(data.AsSpan(B + 900, 100).ToArray(), cut[..100]);
        Assert.Equal(new byte[F - 100], cut[100..]);
        Assert.Equal(new byte[F], Pread(h, fd, 2 * B + F, F));
        Ok(h.P.Close(fd));
        Ok(h.Umount());
        Ok(h.Mount(image));                                 // and cold, from the device
        Ok(h.P.Open("/mnt/f", OFlags.O_RDONLY, 0, out fd));
        Assert.Equal(cut, Pread(h, fd, B + 900, F));
        Assert.Equal(new byte[F], Pread(h, fd, 2 * B + 5000, F));
        Ok(h.P.Close(fd));
        Ok(h.Umount());
        AssertClean(Fsck(image));
    }
}
