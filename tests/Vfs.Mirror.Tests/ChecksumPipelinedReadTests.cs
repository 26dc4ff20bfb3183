// Tests of Vfs.Mirror: a checksummed read of at least two pieces (ReadHashJob.cs) -- read from the copy in pieces while
// a copy worker hashes the extents already in -- checks every extent as the one-read path does: rot in the middle of
// the read, in the short last extent at the end of the file, past an unaligned start, and on both copies (EIO, with the
// extents before it still served). The job itself: whoever hashes an extent, its hash is the extent's; a reader whose
// worker never comes does not wait for it. The fixture's host is not simulated, so its mirrors have copy workers.
namespace UnixVfs.Mirror.Tests;

public class ChecksumPipelinedReadTests
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
        Assert.False(f.K.Simulated);
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
    [InlineData(11 * Ext + 1000, 11 * Ext + 500)]   // the last piece comes back short, its last extent 1000 bytes
    [InlineData(8 * Ext, 7 * Ext + 1)]              // the third piece comes back empty
    [InlineData(9 * Ext - 1, 8 * Ext + 2)]          // one byte short of a whole last extent
    public void A_read_in_pieces_that_meets_the_end_of_the_file_checks_its_last_extent(int size, int rotAt)
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
    public void A_read_not_aligned_to_extents_checks_its_first_extent_alone_and_the_rest_in_pieces()
    {
        using var f = new MirrorFixture();
        f.Mount("checksum");
        var data = ChecksumTests.Data(20 * Ext, 23);
        ChecksumTests.WriteAll(f.P, "/A/b/f", data);
        ChecksumTests.RotFile(f, 0, "f", 300);            // the first extent: through the scratch extent
        ChecksumTests.RotFile(f, 0, "f", 5 * Ext + 7);    // in the pieces that follow it
        ChecksumTests.RotFile(f, 0, "f", 16 * Ext + 9);   // the extent the read ends in, which it takes only in part

        Assert.Equal(data.AsSpan(1000, 1 << 20).ToArray(), Pread(f, "/A/b/f", 1 << 20, 1000, out var err));
        MirrorFixture.Ok(err);
        Assert.Equal((3, 3), (f.Mfs.Copies[0].ChecksumErrors, f.Mfs.Copies[0].ChecksumRepairs));
        Assert.Equal(data, ChecksumTests.LowerBytes(f, 0, "f"));
    }

    [Fact]
    public void Rot_on_both_copies_in_the_middle_of_a_read_in_pieces_is_EIO_and_the_extents_around_it_are_served()
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

    /// <summary>The sums of <paramref name="data"/>'s extents, with every third one not known.</summary>
    private static ExtentSums SumsOf(byte[] data)
    {
        var sums = new ulong[ExtentSums.Count(data.Length)];
        for (int e = 0; e < sums.Length; e++)
            sums[e] = e % 3 == 2 ? 0 : ExtentSums.Hash(data.AsSpan(e * Ext, ExtentSums.LengthIn(e, data.Length)));
        return new ExtentSums(data.Length, sums);
    }

    [Fact]
    public void Whichever_thread_hashes_an_extent_its_hash_is_the_extents_and_every_extent_read_whole_is_hashed()
    {
        using var workers = new CopyWorkers(1, "test");
        var rng = new Random(25);
        for (int round = 0; round < 200; round++)
        {
            int size = rng.Next(1, 16 * Ext + 1);
            var data = new byte[size];
            rng.NextBytes(data);
            var sums = SumsOf(data);
            var buf = new byte[16 * Ext];
            var job = ReadHashJob.Offer(buf, sums, 0, workers)!;
            int got = 0;
            while (got < size)
            {
                int n = Math.Min(Math.Min(ReadHashJob.Piece, rng.Next(1, 2 * ReadHashJob.Piece)), size - got);
                data.AsSpan(got, n).CopyTo(buf.AsSpan(got));
                got += n;
                job.Published(got);
            }
            job.Finish(got);
            for (int e = 0; e < ExtentSums.Count(size); e++)
            {
                Assert.Equal(sums.Get(e, out int len), job.Want(e));
                Assert.Equal(len, job.Length(e));
                if (job.Want(e) != 0)
                    Assert.Equal(job.Want(e), job.Hash(e));
            }
        }
    }

    [Fact]
    public void A_reader_whose_worker_has_not_come_hashes_everything_itself_and_does_not_wait_for_it()
    {
        using var workers = new CopyWorkers(1, "test");
        using var busy = new ManualResetEventSlim();
        using var started = new ManualResetEventSlim();
        Assert.True(workers.Offer(() =>
        {
            started.Set();
            busy.Wait();   // the one worker is taken until the read is done
        }));
        started.Wait();
        var data = ChecksumTests.Data(10 * Ext, 26);
        var sums = SumsOf(data);
        var job = ReadHashJob.Offer(data, sums, 0, workers)!;
        job.Published(data.Length);
        job.Finish(data.Length);   // returns with the worker still held: it never waits for one that has not begun
        for (int e = 0; e < 10; e++)
            if (job.Want(e) != 0)
                Assert.Equal(job.Want(e), job.Hash(e));
        busy.Set();
    }

    [Fact]
    public void A_simulated_host_has_no_workers_and_reads_in_one_piece()
    {
        using var workers = new CopyWorkers(0, "simulated");
        Assert.Null(ReadHashJob.Offer(new byte[16 * Ext], SumsOf(new byte[16 * Ext]), 0, workers));
    }
}
