// Tests of Vfs.Mirror: holes in the resync and the merge, and the mirror's own VOP_SEEKDATA (issue 14 item 3). The copy
// reads only the source's data extents (VOP_SEEKDATA), so a 1 GiB file with 132 KiB of data costs 132 KiB of reads and
// writes, counted at each copy's vfs (VopStats), and the copy stays as sparse as the source (st_blocks).
// What if resync still read every byte? It would read a whole GiB of zeros to write none of it.
namespace UnixVfs.Mirror.Tests;

public class SparseCopyTests
{
    private const long GiB = 1L << 30;

    /// <summary>Where the test files hold data: (offset, length).</summary>
    private static readonly (long Off, int Len)[] Data = [(0, 64 << 10), (512L << 20, 64 << 10), (GiB - 4096, 4096)];

    private static byte[] Pattern(long off, int len) => Enumerable.Range(0, len).Select(i => (byte)(1 + (off / 4096 + i) % 251)).ToArray();

    private static void WriteSparse(MirrorFixture f, string path, (long Off, int Len)[] data, long size)
    {
        MirrorFixture.Ok(f.P.Open(path, OFlags.O_CREAT | OFlags.O_WRONLY, 0x1A4, out int fd), "open " + path);
        foreach (var (off, len) in data)
            MirrorFixture.Ok(f.P.Pwrite(fd, Pattern(off, len), off, out _));
        MirrorFixture.Ok(f.P.Ftruncate(fd, size));
        MirrorFixture.Ok(f.P.Close(fd));
    }

    /// <summary>The bytes of the data extents VOP_SEEKDATA reports for <paramref name="vp"/>.</summary>
    private static long DataExtents(Vnode vp)
    {
        long total = 0;
        for (long off = 0; Vop.Seekdata(vp, off, false, out long data, Cred.Kcred) == Errno.OK; off = data)
        {
            MirrorFixture.Ok(Vop.Seekdata(vp, data, true, out long hole, Cred.Kcred));
            total += hole - data;
            data = hole;
        }
        return total;
    }

    private static Vattr Attrs(Vnode vp)
    {
        var va = new Vattr(AttrMask.AT_ALL);
        MirrorFixture.Ok(Vop.Getattr(vp, va, AttrFlags.None, Cred.Kcred));
        return va;
    }

    private static byte[] ReadAt(Vnode vp, long off, int len)
    {
        var buf = new byte[len];
        var uio = new Uio(buf, off, UioRw.UIO_READ);
        MirrorFixture.Ok(Vop.Read(vp, uio, FileFlags.None, Cred.Kcred));
        return buf;
    }

    [Fact]
    public void A_1GiB_sparse_file_resyncs_with_only_its_data_read_and_written_and_stays_sparse()
    {
        using var f = new MirrorFixture(fstype: "ufs");
        var mi = f.Mount();
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        WriteSparse(f, "/X/y/sparse", Data, GiB);
        var src = f.LowerVnode(0, "sparse")!;
        long extents = DataExtents(src);
        Assert.InRange(extents, 132 << 10, 1 << 20);
        var a = mi.Copies[0].Vfs.Stats;
        var y = mi.Copies[1].Vfs.Stats;
        long read0 = a.ReadBytes, written0 = y.WriteBytes;

        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out _), error);

        // What else the resync reads and writes (the dirty log and the mirror's metadata) is a few KiB.
        Assert.InRange(a.ReadBytes - read0, extents, extents + (64 << 10));
        Assert.InRange(y.WriteBytes - written0, 132 << 10, extents + (64 << 10));
        var dst = f.LowerVnode(1, "sparse")!;
        var (sa, da) = (Attrs(src), Attrs(dst));
        Assert.Equal(GiB, da.Size);
        Assert.True(da.Nblocks <= sa.Nblocks, $"the copy has {da.Nblocks} blocks, the source {sa.Nblocks}");
        foreach (var (off, len) in Data)
            Assert.Equal(Pattern(off, len), ReadAt(dst, off, len));
        Assert.Equal(new byte[4096], ReadAt(dst, 256L << 20, 4096));
        src.Rele();
        dst.Rele();
    }

    [Fact]
    public void A_merge_over_an_older_copy_zeros_its_data_in_the_winners_holes_without_reading_them()
    {
        using var f = new MirrorFixture(fstype: "ufs");
        WriteSparse(f, "/A/b/f", Data, GiB);
        WriteSparse(f, "/X/y/f", [(0, 4096), (256L << 20, 64 << 10)], GiB);
        MirrorFixture.Ok(f.P.Utimens("/A/b/f", [new Timespec(1_500_000_000, 0), new Timespec(1_500_000_000, 0)]));
        MirrorFixture.Ok(f.P.Utimens("/X/y/f", [new Timespec(1_000_000_000, 0), new Timespec(1_000_000_000, 0)]));
        var ufsA = f.K.Mounts.Single(v => v.MntPt == "/A").Stats;
        var ufsX = f.K.Mounts.Single(v => v.MntPt == "/X").Stats;
        long read0 = ufsA.ReadBytes, written0 = ufsX.WriteBytes;

        f.Mount();

        var src = f.LowerVnode(0, "f")!;
        var dst = f.LowerVnode(1, "f")!;
        long extents = DataExtents(src);
        Assert.InRange(ufsA.ReadBytes - read0, extents, extents + (64 << 10));
        Assert.InRange(ufsX.WriteBytes - written0, extents, extents + (64 << 10) + (64 << 10));
        foreach (var (off, len) in Data)
            Assert.Equal(Pattern(off, len), ReadAt(dst, off, len));
        Assert.Equal(new byte[64 << 10], ReadAt(dst, 256L << 20, 64 << 10)); // X's old data, where A has a hole
        src.Rele();
        dst.Rele();
    }

    [Fact]
    public void Lseek_SEEK_DATA_and_SEEK_HOLE_on_the_mirror_answer_as_the_read_copy_does()
    {
        using var f = new MirrorFixture(fstype: "ufs");
        var mi = f.Mount();
        const long size = 16L << 20;
        WriteSparse(f, "/X/y/s", [(4L << 20, 4096)], size);
        MirrorFixture.Ok(f.P.Open("/X/y/s", OFlags.O_RDONLY, 0, out int fd));
        var lower = f.LowerVnode(0, "s")!;
        MirrorFixture.Ok(Vop.Seekdata(lower, 0, false, out long data, Cred.Kcred));
        Assert.True(data is > 0 and <= 4L << 20, $"the copy says the data begins at {data}");
        foreach (long off in new[] { 0, data - 1, data, data + 4096, 8L << 20, size - 1, size, size + 1 })
            foreach (bool hole in new[] { false, true })
            {
                var want = Vop.Seekdata(lower, off, hole, out long at, Cred.Kcred);
                var got = f.P.Lseek(fd, off, hole ? Whence.SEEK_HOLE : Whence.SEEK_DATA, out long mat);
                Assert.Equal((want, want == Errno.OK ? at : -1), (got, mat));
            }
        lower.Rele();
        // ENXIO (at the end) is an answer, not a failing copy.
        Assert.All(mi.Copies, c => Assert.Equal(CopyState.Available, c.State));
        MirrorFixture.Ok(f.P.Close(fd));
    }
}
