// Tests of Vfs.Ufs with an image FreeBSD made (../shared/data/ufs/ufs-little.img.gz, contents listed in
// its README): it mounts read-only and every file, directory, symlink (short and long) and sparse file
// reads back exactly; our fsck finds it consistent; and it survives a read-write mount here.
using System.Text;
using UnixVfs.Core;
using Xunit.Abstractions;
using static UnixVfs.Ufs.Tests.Kit;

namespace UnixVfs.Ufs.Tests;

public class FreeBsdImageTests
{
    private readonly ITestOutputHelper _out;

    public FreeBsdImageTests(ITestOutputHelper output) => _out = output;

    private const string File1 = "This is a simple file.\n";
    /// <summary>"long-link": 508 "./" and "/file1" says the README; the image (and TSK's istat) hold one more "/": 1023 bytes.</summary>
    private static readonly string LongLink = string.Concat(Enumerable.Repeat("./", 508)) + "//file1";
    /// <summary>"sparse": 8 blocks of 4096 'x' at 4096-byte block (12 + 4096) * 8.</summary>
    private const long SparseAt = (12 + 4096) * 8L * 4096;
    /// <summary>"sparse3": 8 such blocks at (12 + 4096 + 4096 * 4096) * 8, past the double indirect range.</summary>
    private const long Sparse3At = (12 + 4096 + 4096L * 4096) * 8 * 4096;

    private static byte[] File3()
    {
        var sb = new StringBuilder(1 << 20);
        for (int i = 0; i < 65536; i++)
            sb.Append(i.ToString("x15")).Append('\n');
        return Encoding.ASCII.GetBytes(sb.ToString());
    }

    private static void CheckSparse(Process p, string path, long at, int blocks)
    {
        Ok(p.Stat(path, out var st));
        Assert.Equal(at + blocks * 4096L, st!.Size);
        Assert.True(st.Blocks < 1024, $"{path} holds {st.Blocks} sectors: its hole must not be allocated");
        Ok(p.Open(path, OFlags.O_RDONLY, 0, out int fd));
        var buf = new byte[blocks * 4096 + 8192];
        Ok(p.Pread(fd, buf, at - 4096, out int n));
        Assert.Equal(blocks * 4096 + 4096, n);
        Assert.All(buf.AsSpan(0, 4096).ToArray(), b => Assert.Equal(0, b));
        Assert.All(buf.AsSpan(4096, blocks * 4096).ToArray(), b => Assert.Equal((byte)'x', b));
        foreach (long hole in new[] { 0L, 12345L, at / 2, at - 1 })
        {
            Ok(p.Pread(fd, buf.AsMemory(0, 1), hole, out n));
            Assert.Equal(1, n);
            Assert.Equal(0, buf[0]);
        }
        Ok(p.Close(fd));
    }

    [Fact]
    public void Every_file_of_the_FreeBSD_image_reads_back_exactly()
    {
        using var s = new Scratch();
        var image = UnpackFreeBsdImage(s, _out);
        if (image is null)
            return;
        var h = new Host();
        Ok(h.Mount(image, "ro"), h.Log);
        var p = h.P;
        Assert.Equal(File1, ReadText(p, "/mnt/file1"));
        Assert.Equal("Hello World\n", ReadText(p, "/mnt/dir1/dir2/dir3/file2"));
        Assert.Equal(File3(), ReadFile(p, "/mnt/file3"));
        Ok(p.Readlink("/mnt/link1", out var t1));
        Assert.Equal("dir1/dir2/dir3/file2", t1);
        Ok(p.Lstat("/mnt/link1", out var l1));
        Assert.Equal(0, l1!.Blocks); // short: kept in the dinode
        Assert.Equal("Hello World\n", ReadText(p, "/mnt/link1"));
        Ok(p.Readlink("/mnt/long-link", out var t2));
        Assert.Equal(LongLink, t2);
        Assert.Equal(File1, ReadText(p, "/mnt/long-link"));
        CheckSparse(p, "/mnt/sparse", SparseAt, 8);
        CheckSparse(p, "/mnt/sparse2", SparseAt, 1);
        Assert.Equal(549_890_457_600L, Sparse3At + 8 * 4096);
        CheckSparse(p, "/mnt/sparse3", Sparse3At, 8);
        foreach (var x in new[] { "xattrs", "xattrs2", "xattrs3" })
        {
            Ok(p.Stat("/mnt/" + x, out var st));
            Assert.Equal(0, st!.Size);
            Assert.True(st.Blocks > 0 || x == "xattrs", $"{x}'s extended attributes hold blocks");
        }
        var root = List(p, "/mnt").Select(d => (d.Name, d.Type)).OrderBy(d => d.Name, StringComparer.Ordinal).ToList();
        Assert.Equal(new[]
        {
            (".snap", VType.VDIR), ("dir1", VType.VDIR), ("file1", VType.VREG), ("file3", VType.VREG),
            ("link1", VType.VLNK), ("long-link", VType.VLNK), ("sparse", VType.VREG), ("sparse2", VType.VREG),
            ("sparse3", VType.VREG), ("xattrs", VType.VREG), ("xattrs2", VType.VREG), ("xattrs3", VType.VREG),
        }, root);
        Assert.Equal(["dir2"], List(p, "/mnt/dir1").Select(d => d.Name));
        Ok(p.Statvfs("/mnt", out var sv));
        Assert.Equal(32768UL, sv!.Bsize);
        Assert.Equal(4096UL, sv.Frsize);
        Assert.Equal(49UL * 8 + 38, sv.Bfree); // fsstat: 49 free blocks, 38 free fragments
        Assert.Equal(1006UL, sv.Ffree);
        Ok(h.Umount());
    }

    [Fact]
    public void Our_fsck_finds_the_FreeBSD_image_consistent()
    {
        using var s = new Scratch();
        var image = UnpackFreeBsdImage(s, _out);
        if (image is null)
            return;
        var r = Kit.Fsck(image);
        AssertClean(r);
        Assert.Equal(11, r.Files);
        Assert.Equal(5, r.Directories);
        Assert.Equal(49 * 8 + 38, r.FreeFragments);
    }

    [Fact]
    public void The_FreeBSD_image_takes_changes_here_and_stays_consistent()
    {
        using var s = new Scratch();
        var image = UnpackFreeBsdImage(s, _out);
        if (image is null)
            return;
        var h = new Host();
        Ok(h.Mount(image), h.Log);
        var p = h.P;
        WriteFile(p, "/mnt/dir1/new", Bytes(300_000, 5));
        Ok(p.Mkdir("/mnt/newdir", 0x1ED));
        Ok(p.Rename("/mnt/file1", "/mnt/newdir/file1"));
        Ok(p.Unlink("/mnt/file3"));
        Ok(p.Truncate("/mnt/sparse3", 100));
        Ok(h.Umount());
        AssertClean(Kit.Fsck(image));
        Ok(h.Mount(image, "ro"));
        Assert.Equal(Bytes(300_000, 5), ReadFile(p, "/mnt/dir1/new"));
        Assert.Equal(File1, ReadText(p, "/mnt/newdir/file1"));
        Assert.Equal(new byte[100], ReadFile(p, "/mnt/sparse3"));
        Ok(h.Umount());
        var fs = Fs.Read(File.ReadAllBytes(image).AsSpan(Fs.SblockUfs2, Fs.SblockSize));
        Assert.Equal(0, fs.Metackhash); // check hashes we do not keep are switched off, as FreeBSD's own kernels do
        if (HostTool.Exists("fls"))
            Assert.Contains("newdir/file1", HostTool.Text("fls", "-r", "-p", image));
    }
}
