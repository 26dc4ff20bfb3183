// Tests of `vfs newfs` and `vfs fsck`: the built command run as a process, as a user would run it.
using System.Diagnostics;

namespace UnixVfs.Cli.Tests;

public class UfsCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vfs-cli-" + Guid.NewGuid().ToString("N")[..10]);

    public UfsCommandTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Vfs(params string[] args) => VfsCommand.Run(args);

    [Fact]
    public void Newfs_endian_big_makes_an_image_fsck_checks_and_will_not_repair()
    {
        var img = Path.Combine(_dir, "big.img");
        var (code, output, err) = Vfs("newfs", img, "--size", "32M", "--endian", "big");
        Assert.True(code == 0, err);
        (code, output, err) = Vfs("fsck", img, "-n");
        Assert.True(code == 0, output + err);
        (code, _, err) = Vfs("fsck", img, "-y");
        Assert.NotEqual(0, code);
        Assert.Contains("byte-swapped UFS2: big-endian image", err);
        (code, _, err) = Vfs("newfs", img, "--endian", "middle");
        Assert.NotEqual(0, code);
    }

    [Fact]
    public void Newfs_makes_an_image_that_fsck_finds_clean()
    {
        var img = Path.Combine(_dir, "a.img");
        var (code, output, err) = Vfs("newfs", img, "--size", "32M", "--bsize", "16384", "--fsize", "2048");
        Assert.True(code == 0, err);
        Assert.Contains("cylinder groups", output);
        Assert.Equal(32L << 20, new FileInfo(img).Length);
        (code, output, err) = Vfs("fsck", img, "-n");
        Assert.True(code == 0, output + err);
        Assert.Contains("Phase 5", output);
    }

    [Fact]
    public void Fsck_reports_damage_with_n_and_repairs_it_with_y()
    {
        var img = Path.Combine(_dir, "b.img");
        Assert.Equal(0, Vfs("newfs", img, "--size", "16M").Code);
        // Flip the root directory's link count (inode 2 is at byte 512 of group 0's first inode block).
        var bytes = File.ReadAllBytes(img);
        int fsize = BitConverter.ToInt32(bytes, 65536 + 52), iblkno = BitConverter.ToInt32(bytes, 65536 + 16);
        int nlinkAt = iblkno * fsize + 2 * 256 + 2;
        bytes[nlinkAt] = 9;
        File.WriteAllBytes(img, bytes);
        var (code, output, _) = Vfs("fsck", img);
        Assert.Equal(1, code);
        Assert.Contains("LINK COUNT DIR I=2", output);
        Assert.Equal(bytes, File.ReadAllBytes(img));
        (code, output, _) = Vfs("fsck", img, "-y");
        Assert.Equal(0, code);
        Assert.Contains("MODIFIED", output);
        Assert.Equal(0, Vfs("fsck", img, "-n").Code);
    }

    [Theory]
    [InlineData("newfs", "{img}", "--size", "12q")]
    [InlineData("newfs", "{img}", "--size", "16M", "--bsize", "3000")]
    [InlineData("newfs", "{dir}/missing.img")]
    [InlineData("fsck", "{dir}/missing.img")]
    [InlineData("fsck", "{img}", "-n", "-y")]
    public void Bad_input_is_one_line_on_stderr_and_a_nonzero_exit(params string[] args)
    {
        var img = Path.Combine(_dir, "c.img");
        File.WriteAllBytes(img, new byte[1 << 20]);
        var (code, _, err) = Vfs(args.Select(a => a.Replace("{img}", img).Replace("{dir}", _dir)).ToArray());
        Assert.NotEqual(0, code);
        Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("vfs ", err);
    }

    [Fact]
    public void Fsck_of_something_that_is_not_ufs_exits_8()
    {
        var img = Path.Combine(_dir, "zeros.img");
        File.WriteAllBytes(img, new byte[1 << 20]);
        var (code, _, err) = Vfs("fsck", img);
        Assert.Equal(8, code);
        Assert.Contains("superblock", err);
    }

    [Fact]
    public void Fsck_says_what_is_wrong_with_an_image_cut_short()
    {
        var img = Path.Combine(_dir, "short.img");
        Assert.Equal(0, Vfs("newfs", img, "--size", "16M").Code);
        using (var f = File.OpenWrite(img))
            f.SetLength((16L << 20) - 100);
        var (code, _, err) = Vfs("fsck", img);
        Assert.Equal(8, code);
        Assert.Contains("not a whole number of 512-byte sectors", err);
        Assert.Contains($"cut it to {(16L << 20) - 512} bytes", err);

        using (var f = File.OpenWrite(img))
            f.SetLength((16L << 20) - 512);          // one sector short
        (code, var output, err) = Vfs("fsck", img);
        Assert.Equal(8, code);
        Assert.Contains($"extend it to {16L << 20} bytes", output + err);
        using (var f = File.OpenWrite(img))
            f.SetLength(16L << 20);                  // as the message says
        Assert.Equal(0, Vfs("fsck", img, "-y").Code);
        Assert.Equal(0, Vfs("fsck", img, "-n").Code);
    }
}
