// Tests of Vfs.Ufs allocation: the Fast File System's placement ideas, checked on the block maps of
// files made through the system calls.
using UnixVfs.Core;
using static UnixVfs.Ufs.Tests.Kit;

namespace UnixVfs.Ufs.Tests;

public class AllocationTests
{
    private static Inode InodeOf(Host h, string path)
    {
        Ok(h.P.Lookupname(path, false, out var vp));
        vp!.Rele();
        return (Inode)vp.Data!;
    }

    [Fact]
    public void A_file_is_laid_out_contiguously_in_its_inodes_cylinder_group()
    {
        using var s = new Scratch();
        var image = NewImage(s, 128L << 20);
        using var h = new Host();
        Ok(h.Mount(image));
        WriteFile(h.P, "/mnt/f", Bytes(2 << 20, 1)); // 64 blocks of 32 KiB
        var ip = InodeOf(h, "/mnt/f");
        var fs = ip.Fs;
        int inodeCg = fs.InoToCg(ip.Number);
        long prev = 0;
        int breaks = 0;
        for (long lbn = 0; lbn < 64; lbn++)
        {
            Ok(UfsBmap.Bmap(ip, lbn, out long bno, out _));
            Assert.Equal(inodeCg, fs.Dtog(bno));
            if (prev != 0 && bno != prev + fs.Frag)
                breaks++;
            prev = bno;
        }
        // Only the single indirect block sits between the twelfth and thirteenth data blocks.
        Assert.True(breaks <= 1, $"{breaks} discontinuities");
        Ok(UfsBmap.Bmap(ip, 12, out _, out int run, 100));
        Assert.True(run >= 40, $"a run of {run} contiguous blocks after the indirect block");
        Ok(h.Umount());
    }

    [Fact]
    public void Top_level_directories_spread_over_groups_and_files_stay_with_their_directory()
    {
        using var s = new Scratch();
        var image = NewImage(s, 256L << 20);
        using var h = new Host();
        Ok(h.Mount(image));
        var groups = new HashSet<int>();
        for (int i = 0; i < 8; i++)
        {
            Ok(h.P.Mkdir($"/mnt/top{i}", 0x1ED));
            WriteFile(h.P, $"/mnt/top{i}/file", Bytes(100_000, i));
            var dir = InodeOf(h, $"/mnt/top{i}");
            var file = InodeOf(h, $"/mnt/top{i}/file");
            var fs = dir.Fs;
            groups.Add(fs.InoToCg(dir.Number));
            Assert.Equal(fs.InoToCg(dir.Number), fs.InoToCg(file.Number));
            Ok(UfsBmap.Bmap(file, 0, out long bno, out _));
            Assert.Equal(fs.InoToCg(file.Number), fs.Dtog(bno));
        }
        Assert.True(groups.Count > 1, "top-level directories all landed in one cylinder group");
        Ok(h.Umount());
        AssertClean(Kit.Fsck(image));
    }

    [Fact]
    public void A_small_file_ends_in_fragments_that_share_a_block_with_others()
    {
        using var s = new Scratch();
        var image = NewImage(s, 32L << 20);
        using var h = new Host();
        Ok(h.Mount(image));
        WriteFile(h.P, "/mnt/a", Bytes(5000, 1));   // two fragments
        WriteFile(h.P, "/mnt/b", Bytes(3000, 2));   // one fragment
        var a = InodeOf(h, "/mnt/a");
        var b = InodeOf(h, "/mnt/b");
        var fs = a.Fs;
        Assert.Equal(2L * fs.Fsize / 512, a.Din.Blocks);
        Assert.Equal(1L * fs.Fsize / 512, b.Din.Blocks);
        Assert.Equal(fs.Blknum(a.Din.Db[0]), fs.Blknum(b.Din.Db[0])); // best fit: the same partly used block
        Ok(h.Umount());
        AssertClean(Kit.Fsck(image));
    }
}
