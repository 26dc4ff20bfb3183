// Tests of Vfs.Mirror: -o checksum on 1 MiB reads (MirrorChecksum.ReadChecked), which go straight into the caller's
// buffer and check many extents at once, where ChecksumTests reads 100,000 bytes at a time: rot in the middle of the
// read, in the short last extent at the end of the file, past an unaligned start (its first extent through the
// scratch extent, then whole extents), and on both copies (EIO for a read that starts there, the extents before it
// returned by the read that reaches it).
namespace UnixVfs.Mirror.Tests;

public class ChecksumLargeReadTests
{
    private const int Ext = ExtentSums.ExtentSize;

    private static byte[] Pread(MirrorFixture f, string path, int length, long offset, out Errno err)
    {
        MirrorFixture.Ok(f.P.Open(path, OFlags.O_RDONLY, 0, out int fd));
        var buf = new byte[length];
        err = f.P.Pread(fd, buf, offset, out int n);
        MirrorFixture.Ok(f.P.Close(fd));
        return buf[..n];
    }

    [Fact]
    public void Rot_under_UFS_in_the_middle_of_a_MiB_read_is_served_from_the_other_copy_and_repaired()
    {
        using var f = new MirrorFixture(fstype: "ufs");
        f.Mount("checksum");
        var data = ChecksumTests.Data(2 << 20, 21);
        ChecksumTests.WriteAll(f.P, "/A/b/f", data);
        var mi = ChecksumTests.Remount(f, "checksum", () => ChecksumTests.RotDevice(f.Devices["A"], data.AsSpan(9 * Ext + 100, 64)), "A");

        Assert.Equal(data.AsSpan(0, 1 << 20).ToArray(), Pread(f, "/A/b/f", 1 << 20, 0, out var err));
        MirrorFixture.Ok(err);
        Assert.Equal(data.AsSpan(1 << 20).ToArray(), Pread(f, "/A/b/f", 1 << 20, 1 << 20, out err));
        MirrorFixture.Ok(err);
        Assert.Equal((1, 1), (mi.Copies[0].ChecksumErrors, mi.Copies[0].ChecksumRepairs));
        Assert.Contains(f.K.Messages, m => m.Contains("copy X: checksum: /f: extent 9 (bytes 589824-655360) failed its checksum; repaired from Y"));
        Assert.Equal(data, ChecksumTests.LowerBytes(f, 0, "f"));
    }

    [Theory]
    [InlineData(11 * Ext + 1000, 11 * Ext + 500)]   // the read comes back short, its last extent 1000 bytes
    [InlineData(8 * Ext, 7 * Ext + 1)]              // the file ends on an extent's end
    [InlineData(9 * Ext - 1, 8 * Ext + 2)]          // one byte short of a whole last extent
    public void A_MiB_read_that_meets_the_end_of_the_file_checks_its_last_extent(int size, int rotAt)
    {
        using var f = new MirrorFixture();
        f.Mount("checksum");
        var data = ChecksumTests.Data(size, 22);
        ChecksumTests.WriteAll(f.P, "/A/b/f", data);
        ChecksumTests.RotFile(f, 0, "f", rotAt);

        Assert.Equal(data, Pread(f, "/A/b/f", 1 << 20, 0, out var err));
        MirrorFixture.Ok(err);
        Assert.Equal((1, 1), (f.Mfs.Copies[0].ChecksumErrors, f.Mfs.Copies[0].ChecksumRepairs));
        Assert.Equal(data, ChecksumTests.LowerBytes(f, 0, "f"));
    }

    [Fact]
    public void A_MiB_read_not_aligned_to_extents_checks_its_first_extent_alone_and_the_rest_whole()
    {
        using var f = new MirrorFixture();
        f.Mount("checksum");
        var data = ChecksumTests.Data(20 * Ext, 23);
        ChecksumTests.WriteAll(f.P, "/A/b/f", data);
        ChecksumTests.RotFile(f, 0, "f", 300);            // the first extent: through the scratch extent
        ChecksumTests.RotFile(f, 0, "f", 5 * Ext + 7);    // in the whole extents that follow it
        ChecksumTests.RotFile(f, 0, "f", 16 * Ext + 9);   // the extent the read ends in, which it takes only in part

        Assert.Equal(data.AsSpan(1000, 1 << 20).ToArray(), Pread(f, "/A/b/f", 1 << 20, 1000, out var err));
        MirrorFixture.Ok(err);
        Assert.Equal((3, 3), (f.Mfs.Copies[0].ChecksumErrors, f.Mfs.Copies[0].ChecksumRepairs));
        Assert.Equal(data, ChecksumTests.LowerBytes(f, 0, "f"));
    }

    [Fact]
    public void Rot_on_both_copies_in_the_middle_of_a_MiB_read_is_EIO_and_the_extents_around_it_are_served()
    {
        using var f = new MirrorFixture();
        f.Mount("checksum");
        var data = ChecksumTests.Data(24 * Ext, 24);
        ChecksumTests.WriteAll(f.P, "/A/b/f", data);
        ChecksumTests.RotFile(f, 0, "f", 6 * Ext + 3);
        ChecksumTests.RotFile(f, 1, "f", 6 * Ext + 40_000);

        // read(2) returns what it moved before the error: the six extents that pass.
        Assert.Equal(data.AsSpan(0, 6 * Ext).ToArray(), Pread(f, "/A/b/f", 1 << 20, 0, out var err));
        MirrorFixture.Ok(err);
        Assert.Contains(f.K.Messages, m => m.Contains("checksum: /f: extent 6 (bytes 393216-458752) fails its checksum on every copy (X, Y): EIO"));
        Assert.Empty(Pread(f, "/A/b/f", 1 << 20, 6 * Ext, out err));
        Assert.Equal(Errno.EIO, err);
        Assert.Equal(data.AsSpan(7 * Ext, 16 * Ext).ToArray(), Pread(f, "/A/b/f", 16 * Ext, 7 * Ext, out err));
        MirrorFixture.Ok(err);
    }
}
