// Tests of Vfs.Ufs large directories: the dirhash index keeps lookups, creates and removes right in a
// directory of thousands of names, and the directory on disk stays what other readers expect.
using UnixVfs.Core;
using static UnixVfs.Ufs.Tests.Kit;

namespace UnixVfs.Ufs.Tests;

public class LargeDirectoryTests
{
    [Fact]
    public void Thousands_of_names_are_found_listed_and_removed_correctly()
    {
        using var s = new Scratch();
        var image = NewImage(s, 64L << 20);
        using var h = new Host();
        Ok(h.Mount(image));
        Ok(h.P.Mkdir("/mnt/big", 0x1ED));
        const int n = 6000;
        string Name(int i) => $"entry-{i:D5}-{new string('x', i % 37)}";
        for (int i = 0; i < n; i++)
        {
            Ok(h.P.Open("/mnt/big/" + Name(i), OFlags.O_CREAT | OFlags.O_EXCL | OFlags.O_WRONLY, 0x1A4, out int fd), Name(i));
            Ok(h.P.Close(fd));
        }
        var ip = (Inode)Lookup(h, "/mnt/big").Data!;
        Assert.NotNull(ip.Dirhash);
        Assert.Equal(n + 2, ip.Dirhash!.Count);
        Assert.Equal(Errno.EEXIST, h.P.Open("/mnt/big/" + Name(1234), OFlags.O_CREAT | OFlags.O_EXCL | OFlags.O_WRONLY, 0x1A4, out _));
        for (int i = 0; i < n; i += 2)
            Ok(h.P.Unlink("/mnt/big/" + Name(i)));
        for (int i = 0; i < n; i++)
            Assert.Equal(i % 2 == 0 ? Errno.ENOENT : Errno.OK, h.P.Stat("/mnt/big/" + Name(i), out _));
        // Refill: new names go into the gaps the removals left, not at the end.
        Ok(h.P.Stat("/mnt/big", out var before));
        for (int i = 0; i < n / 2; i++)
            WriteFile(h.P, $"/mnt/big/new-{i}", ""u8);
        Ok(h.P.Stat("/mnt/big", out var after));
        Assert.True(after!.Size <= before!.Size + 4096, $"directory grew from {before.Size} to {after.Size}");
        Ok(h.Umount());
        AssertClean(Kit.Fsck(image));
        Ok(h.Mount(image));
        var names = List(h.P, "/mnt/big").Select(d => d.Name).ToList();
        var expect = Enumerable.Range(0, n).Where(i => i % 2 == 1).Select(Name).Concat(Enumerable.Range(0, n / 2).Select(i => $"new-{i}"));
        Assert.Equal(expect.Order(StringComparer.Ordinal), names.Order(StringComparer.Ordinal));
        Ok(h.Umount());
    }

    private static Vnode Lookup(Host h, string path)
    {
        Ok(h.P.Lookupname(path, true, out var vp));
        vp!.Rele();
        return vp;
    }

    [Fact]
    public void The_index_and_a_linear_scan_agree()
    {
        // Small directories are scanned, large ones indexed: the same operations give the same answers.
        foreach (int minSize in new[] { int.MaxValue, 512 })
        {
            var dev = NewMemoryImage(16L << 20);
            using var h = new Host();
            Ok(h.Mount("mem", dev: dev));
            ((UfsMount)h.Kernel.Mounts[^1].Data!).DirhashMinSize = minSize;
            Ok(h.P.Mkdir("/mnt/d", 0x1ED));
            var rng = new Random(8);
            var live = new HashSet<string>();
            for (int i = 0; i < 3000; i++)
            {
                var name = "n" + rng.Next(500);
                if (live.Contains(name))
                {
                    Ok(h.P.Unlink("/mnt/d/" + name));
                    live.Remove(name);
                }
                else
                {
                    WriteFile(h.P, "/mnt/d/" + name, ""u8);
                    live.Add(name);
                }
            }
            Assert.Equal(live.Order(), List(h.P, "/mnt/d").Select(d => d.Name).Order());
            Ok(h.Umount());
            AssertClean(Kit.Fsck(dev));
        }
    }
}
