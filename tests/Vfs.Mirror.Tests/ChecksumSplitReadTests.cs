// Tests of Vfs.Mirror: -o checksum's large read split in two pieces from two copies at once (MirrorReadSplit.cs) -- the
// pieces land at their offsets whatever the start, the end of the file or a hole; each copy is counted for its piece
// only; rot in either piece is found on the copy that served it, repaired from the other and counted there; a copy that
// fails its piece is taken out of use and the read still returns every byte; a copy out of use, or holding a write not
// yet fsynced, serves no piece; a reader never sees half of a write; and read=x keeps every read on X.
namespace UnixVfs.Mirror.Tests;

public class ChecksumSplitReadTests
{
    private const int Ext = ExtentSums.ExtentSize;
    private const int MiB = 1 << 20;

    private static byte[] Pread(MirrorFixture f, string path, int length, long offset, out Errno err)
    {
        MirrorFixture.Ok(f.P.Open(path, OFlags.O_RDONLY, 0, out int fd));
        var buf = new byte[length];
        err = f.P.Pread(fd, buf, offset, out int n);
        MirrorFixture.Ok(f.P.Close(fd));
        return buf[..n];
    }

    private static (long X, long Y) BytesRead(MfsVfs mi) => (mi.Copies[0].BytesRead, mi.Copies[1].BytesRead);

    [Theory]
    [InlineData(3 * MiB, MiB, 0)]                       // whole extents: 512 KiB from X, 512 KiB from Y
    [InlineData(3 * MiB, MiB, 1000)]                    // an unaligned start: X's piece begins inside an extent
    [InlineData(3 * MiB, MiB + 777, 5 * Ext + 3)]       // and an unaligned end: Y's piece ends inside one
    [InlineData(700 << 10, MiB, 0)]                     // the end of the file in Y's piece: a short read
    [InlineData(300 << 10, MiB, 0)]                     // the end of the file in X's piece: Y's piece reads nothing
    [InlineData(8 * Ext, MiB, 0)]                       // the file ends where Y's piece starts
    [InlineData(2 * MiB, MiB, 2 * MiB - 100)]           // a read that starts 100 bytes before the end
    [InlineData(2 * MiB, MiB, 3 * MiB)]                 // a read past the end: nothing
    public void The_pieces_of_a_split_read_land_at_their_offsets(int size, int length, int offset)
    {
        using var f = new MirrorFixture();
        var mi = f.Mount("checksum");
        var data = ChecksumTests.Data(size, 31);
        ChecksumTests.WriteAll(f.P, "/A/b/f", data);
        var before = BytesRead(mi);

        var got = Pread(f, "/A/b/f", length, offset, out var err);

        MirrorFixture.Ok(err);
        var want = data.AsSpan(Math.Min(offset, size), Math.Max(0, Math.Min(length, size - offset))).ToArray();
        Assert.Equal(want, got);
        // X served the first piece, up to the first extent edge past the middle of the read; Y the rest.
        long mid = (offset + length / 2 + Ext - 1) / Ext * Ext;
        long fromX = Math.Clamp(Math.Min(mid, size) - offset, 0, want.Length);
        Assert.Equal((fromX, want.Length - fromX), (BytesRead(mi).X - before.X, BytesRead(mi).Y - before.Y));
        Assert.Equal((0, 0), (mi.Copies[0].ChecksumErrors, mi.Copies[1].ChecksumErrors));
    }

    [Fact]
    public void A_hole_across_both_pieces_reads_as_zeros()
    {
        using var f = new MirrorFixture(fstype: "ufs");
        var mi = f.Mount("checksum");
        var head = ChecksumTests.Data(3 * Ext + 10, 32);
        var tail = ChecksumTests.Data(2 * Ext, 33);
        MirrorFixture.Ok(f.P.Open("/A/b/f", OFlags.O_CREAT | OFlags.O_WRONLY, 0x1A4, out int fd));
        MirrorFixture.Ok(f.P.Pwrite(fd, head, 0, out _));
        MirrorFixture.Ok(f.P.Pwrite(fd, tail, 14 * Ext, out _));   // extents 4-13 a hole, the middle of a 1 MiB read
        MirrorFixture.Ok(f.P.Close(fd));
        var data = new byte[16 * Ext];
        head.CopyTo(data, 0);
        tail.CopyTo(data, 14 * Ext);
        mi = ChecksumTests.Remount(f, "checksum");   // the sums come from the sum files the close wrote

        Assert.Equal(data, Pread(f, "/A/b/f", MiB, 0, out var err));
        MirrorFixture.Ok(err);
        Assert.Equal((MiB / 2L, MiB / 2L), BytesRead(mi));
        Assert.Equal((0, 0), (mi.Copies[0].ChecksumErrors, mi.Copies[1].ChecksumErrors));
    }

    [Theory]
    [InlineData(0, 3 * Ext + 9)]    // rot on X in X's piece
    [InlineData(1, 12 * Ext + 9)]   // rot on Y in Y's piece
    public void Rot_in_either_piece_is_found_on_the_copy_that_served_it_and_repaired_from_the_other(int copy, int rotAt)
    {
        using var f = new MirrorFixture();
        var mi = f.Mount("checksum");
        var data = ChecksumTests.Data(2 * MiB, 34);
        ChecksumTests.WriteAll(f.P, "/A/b/f", data);
        ChecksumTests.RotFile(f, copy, "f", rotAt);

        Assert.Equal(data.AsSpan(0, MiB).ToArray(), Pread(f, "/A/b/f", MiB, 0, out var err));
        MirrorFixture.Ok(err);
        var bad = mi.Copies[copy];
        Assert.Equal((1, 1), (bad.ChecksumErrors, bad.ChecksumRepairs));
        Assert.Equal((0, 0), (mi.Copies[1 - copy].ChecksumErrors, mi.Copies[1 - copy].ChecksumRepairs));
        long e = rotAt / Ext;
        Assert.Contains(f.K.Messages, m => m.Contains(
            $"copy {bad.Name}: checksum: /f: extent {e} (bytes {e * Ext}-{(e + 1) * Ext}) failed its checksum; repaired from {mi.Copies[1 - copy].Name}"));
        Assert.Equal(data, ChecksumTests.LowerBytes(f, 0, "f"));
        Assert.Equal(data, ChecksumTests.LowerBytes(f, 1, "f"));
    }

    /// <summary>
    /// Rot on X in X's piece and on Y in Y's: the read stops at X's bad extent (the first in file order), heals it, and
    /// reads on -- split again while 512 KiB or more is left, so Y's piece meets Y's rot, heals it, and the last
    /// extents come from the read copy.
    /// </summary>
    [Fact]
    public void Rot_in_both_pieces_is_repaired_in_both_copies_by_one_read()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount("checksum");
        var data = ChecksumTests.Data(2 * MiB, 35);
        ChecksumTests.WriteAll(f.P, "/A/b/f", data);
        ChecksumTests.RotFile(f, 0, "f", 2 * Ext + 1);
        ChecksumTests.RotFile(f, 1, "f", 9 * Ext + 2);

        Assert.Equal(data.AsSpan(0, MiB).ToArray(), Pread(f, "/A/b/f", MiB, 0, out var err));
        MirrorFixture.Ok(err);
        Assert.Equal((1, 1), (mi.Copies[0].ChecksumErrors, mi.Copies[0].ChecksumRepairs));
        Assert.Equal((1, 1), (mi.Copies[1].ChecksumErrors, mi.Copies[1].ChecksumRepairs));
        Assert.Equal(data, ChecksumTests.LowerBytes(f, 0, "f"));
        Assert.Equal(data, ChecksumTests.LowerBytes(f, 1, "f"));
    }

    [Fact]
    public void Rot_on_both_copies_in_the_second_piece_is_EIO_and_the_bytes_before_it_are_served()
    {
        using var f = new MirrorFixture();
        f.Mount("checksum");
        var data = ChecksumTests.Data(2 * MiB, 36);
        ChecksumTests.WriteAll(f.P, "/A/b/f", data);
        ChecksumTests.RotFile(f, 0, "f", 11 * Ext + 5);
        ChecksumTests.RotFile(f, 1, "f", 11 * Ext + 50_000);

        // read(2) returns what it moved before the error: X's piece and the three extents of Y's that pass.
        Assert.Equal(data.AsSpan(0, 11 * Ext).ToArray(), Pread(f, "/A/b/f", MiB, 0, out var err));
        MirrorFixture.Ok(err);
        Assert.Contains(f.K.Messages, m => m.Contains("checksum: /f: extent 11 (bytes 720896-786432) fails its checksum on every copy (X, Y): EIO"));
        Assert.Empty(Pread(f, "/A/b/f", MiB, 11 * Ext, out err));
        Assert.Equal(Errno.EIO, err);
    }

    [Theory]
    [InlineData(1)]   // Y fails its piece (the worker's)
    [InlineData(0)]   // X fails its piece (the caller's)
    public void A_copy_that_fails_its_piece_is_taken_out_of_use_and_the_read_returns_every_byte(int copy)
    {
        using var f = new MirrorFixture();
        var mi = f.Mount("checksum,retries=1");
        var data = ChecksumTests.Data(2 * MiB, 37);
        ChecksumTests.WriteAll(f.P, "/A/b/f", data);
        var lower = f.LowerVnode(copy, "f")!;
        var faults = f.Faults(copy);
        faults.Fail(VopName.Read, Errno.EIO, match: v => ReferenceEquals(v, lower));
        lower.Rele();

        Assert.Equal(data.AsSpan(0, MiB).ToArray(), Pread(f, "/A/b/f", MiB, 0, out var err));
        MirrorFixture.Ok(err);
        Assert.Equal(2, faults.Injected);   // its piece, then its one retry
        Assert.Equal(CopyState.Unavailable, mi.Copies[copy].State);
        Assert.Contains(f.K.Messages, m => m.Contains("EIO on read /f"));
        Assert.Equal(data.AsSpan(MiB).ToArray(), Pread(f, "/A/b/f", MiB, MiB, out err));
        MirrorFixture.Ok(err);
    }

    /// <summary>
    /// A 300 KiB file read 1 MiB at a time: the read ends in X's piece, and Y's piece, all past the end, fails. The bytes
    /// are X's, and Y is taken out of use all the same: it failed a read, as it would have failed a one-copy read.
    /// </summary>
    [Fact]
    public void A_copy_that_fails_its_piece_past_the_end_of_the_file_is_taken_out_of_use()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount("checksum,retries=0");
        var data = ChecksumTests.Data(300 << 10, 43);
        ChecksumTests.WriteAll(f.P, "/A/b/f", data);
        var lower = f.LowerVnode(1, "f")!;
        f.Faults(1).Fail(VopName.Read, Errno.EIO, match: v => ReferenceEquals(v, lower));
        lower.Rele();

        Assert.Equal(data, Pread(f, "/A/b/f", MiB, 0, out var err));
        MirrorFixture.Ok(err);
        Assert.Equal(CopyState.Unavailable, mi.Copies[1].State);
    }

    [Fact]
    public void A_copy_out_of_use_serves_no_piece_and_serves_again_after_its_resync()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount("checksum");
        var data = ChecksumTests.Data(2 * MiB, 38);
        ChecksumTests.WriteAll(f.P, "/A/b/f", data);
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        var fresh = ChecksumTests.Data(MiB, 39);
        MirrorFixture.Ok(f.P.Open("/A/b/f", OFlags.O_WRONLY, 0, out int fd));
        MirrorFixture.Ok(f.P.Pwrite(fd, fresh, MiB / 2, out _));   // Y misses it: its second half is stale
        MirrorFixture.Ok(f.P.Close(fd));
        fresh.CopyTo(data, MiB / 2);
        long yBefore = mi.Copies[1].BytesRead;

        Assert.Equal(data.AsSpan(0, MiB).ToArray(), Pread(f, "/A/b/f", MiB, 0, out var err));
        MirrorFixture.Ok(err);
        Assert.Equal(yBefore, mi.Copies[1].BytesRead);

        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out _, out _));
        Assert.Equal(data.AsSpan(0, MiB).ToArray(), Pread(f, "/A/b/f", MiB, 0, out err));
        MirrorFixture.Ok(err);
        Assert.Equal(yBefore + MiB / 2, mi.Copies[1].BytesRead);
    }

    /// <summary>
    /// A write the copies took but have not closed or fsynced yet (an NFS copy's client may still hold it, and fail
    /// it): until the fsync, Y serves no piece; after it, the read is split again.
    /// </summary>
    [Fact]
    public void A_copy_with_a_write_not_yet_fsynced_serves_no_piece()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount("checksum");
        var data = ChecksumTests.Data(2 * MiB, 42);
        ChecksumTests.WriteAll(f.P, "/A/b/f", data);
        MirrorFixture.Ok(f.P.Open("/A/b/f", OFlags.O_WRONLY, 0, out int fd));
        MirrorFixture.Ok(f.P.Pwrite(fd, data.AsSpan(0, 100).ToArray(), 0, out _));
        long yBefore = mi.Copies[1].BytesRead;

        Assert.Equal(data.AsSpan(0, MiB).ToArray(), Pread(f, "/A/b/f", MiB, 0, out var err));
        MirrorFixture.Ok(err);
        Assert.Equal(yBefore, mi.Copies[1].BytesRead);

        MirrorFixture.Ok(f.P.Fsync(fd));
        Assert.Equal(data.AsSpan(0, MiB).ToArray(), Pread(f, "/A/b/f", MiB, 0, out err));
        MirrorFixture.Ok(err);
        Assert.Equal(yBefore + MiB / 2, mi.Copies[1].BytesRead);
        MirrorFixture.Ok(f.P.Close(fd));
    }

    [Fact]
    public void With_read_x_every_read_comes_from_X()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount("checksum,read=x");
        var data = ChecksumTests.Data(2 * MiB, 40);
        ChecksumTests.WriteAll(f.P, "/A/b/f", data);
        long yBefore = mi.Copies[1].BytesRead;

        Assert.Equal(data.AsSpan(0, MiB).ToArray(), Pread(f, "/A/b/f", MiB, 0, out var err));
        MirrorFixture.Ok(err);
        Assert.Equal(yBefore, mi.Copies[1].BytesRead);
    }

    /// <summary>
    /// The lock half of the next test, without threads racing: whenever either piece reads its copy's file, both copies'
    /// rwlocks are held as reader, so that no write can reach either copy until both pieces are in.
    /// </summary>
    [Fact]
    public void Both_copies_are_held_for_the_whole_of_a_split_read()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount("checksum");
        var data = ChecksumTests.Data(2 * MiB, 41);
        ChecksumTests.WriteAll(f.P, "/A/b/f", data);
        var x = f.LowerVnode(0, "f")!;
        var y = f.LowerVnode(1, "f")!;
        int reads = 0, unheld = 0;
        bool Probe(Vnode v)
        {
            if (ReferenceEquals(v, x) || ReferenceEquals(v, y))
            {
                Interlocked.Increment(ref reads);
                if (x.RwLock.Readers == 0 || y.RwLock.Readers == 0)
                    Interlocked.Increment(ref unheld);
            }
            return false;   // never fails the read: only looks
        }
        f.Faults(0).Fail(VopName.Read, Errno.EIO, match: Probe);
        f.Faults(1).Fail(VopName.Read, Errno.EIO, match: Probe);

        for (long off = 0; off < 2 * MiB; off += MiB)
        {
            Assert.Equal(data.AsSpan((int)off, MiB).ToArray(), Pread(f, "/A/b/f", MiB, off, out var err));
            MirrorFixture.Ok(err);
        }
        x.Rele();
        y.Rele();
        Assert.Equal((4, 0), (reads, unheld));   // two pieces a read, each one lower read of whole extents
        Assert.Equal((MiB, MiB), (mi.Copies[0].BytesRead, mi.Copies[1].BytesRead));
    }

    /// <summary>
    /// What if a 1 MiB write lands while a split read is between its pieces? Each write fills the file's first MiB with
    /// one byte value, so a read that took its first half from one write and its second from the next would show two
    /// values. The read holds both copies' rwlocks for both pieces, so it never does; and the sums always match.
    /// </summary>
    [Fact]
    public async Task A_split_read_never_sees_half_of_a_write()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount("checksum");
        ChecksumTests.WriteAll(f.P, "/A/b/f", new byte[MiB]);
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(() =>
        {
            var q = f.K.CreateProcess();
            MirrorFixture.Ok(q.Open("/A/b/f", OFlags.O_WRONLY, 0, out int fd));
            var buf = new byte[MiB];
            for (int i = 1; i <= 300; i++)
            {
                Array.Fill(buf, (byte)i);
                MirrorFixture.Ok(q.Pwrite(fd, buf, 0, out _));
                MirrorFixture.Ok(q.Fsync(fd));   // until then a copy holds a write it may not keep, and serves no piece
            }
            MirrorFixture.Ok(q.Close(fd));
            stop.Cancel();
        });
        int torn = 0, reads = 0;
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            var q = f.K.CreateProcess();
            MirrorFixture.Ok(q.Open("/X/y/f", OFlags.O_RDONLY, 0, out int fd));
            var buf = new byte[MiB];
            while (!stop.IsCancellationRequested)
            {
                MirrorFixture.Ok(q.Pread(fd, buf, 0, out int n));
                Assert.Equal(MiB, n);
                if (buf.AsSpan().IndexOfAnyExcept(buf[0]) >= 0)
                    Interlocked.Increment(ref torn);
                Interlocked.Increment(ref reads);
            }
            MirrorFixture.Ok(q.Close(fd));
        })).ToArray();
        await writer;
        await Task.WhenAll(readers);
        Assert.Equal(0, torn);
        Assert.Equal((0, 0), (mi.Copies[0].ChecksumErrors, mi.Copies[1].ChecksumErrors));
        Assert.True(mi.Copies[1].BytesRead > 0);   // the reads were split
        Assert.True(f.Verify().Identical);
    }
}
