// Tests of the server's READ read-ahead (src/Vfs.Nfs/Server/ReadAhead.cs), over real TCP on 127.0.0.1 with one READ
// at a time, as nfs-cp reads: a file read in order is read ahead and every byte is the file's; a range read ahead and
// then changed -- by a WRITE of another client, a truncate, or a local write on the server's UFS -- is read again; a
// file whose file system keeps no change count is never read ahead; a read-ahead running is a call in service, which
// a stopping server waits for; and the read-ahead holds no file: one read part way and then removed gives its space
// back.
//
// Whether a READ is answered from a read-ahead does not depend on timing: the connection's reader thread reads ahead
// before it reads the next call, and a client with one call outstanding is always served by that thread. Where a test
// must change the file after the read-ahead and before the next READ, it waits for the server's count of read-aheads.
using UnixVfs.Core;
using UnixVfs.Nfs.Client;
using UnixVfs.Nfs.Net;
using UnixVfs.Nfs.Protocol;
using UnixVfs.Nfs.Rpc;
using UnixVfs.Nfs.Server;
using UnixVfs.Ufs;

namespace UnixVfs.Nfs.Tests;

public class ReadAheadTests
{
    private const int Chunk = 256 * 1024;

    private static byte[] Pattern(int length, int seed)
    {
        var b = new byte[length];
        new Random(seed).NextBytes(b);
        return b;
    }

    private static (TestBed Bed, RawNfs Raw, byte[] Fh) Serve(byte[] contents, Func<Kernel, Process, Errno>? mountExport = null,
        NfsServerOptions? options = null)
    {
        var bed = new TestBed(tcp: true, mountExport: mountExport, serverOptions: options);
        var p = bed.ServerProc;
        TestBed.Check(p.Open("/export/f", OFlags.O_CREAT | OFlags.O_WRONLY, 0x1B6, out int fd));
        TestBed.Check(p.Write(fd, contents, out _));
        TestBed.Check(p.Close(fd));
        TestBed.Check(p.Chmod("/export/f", 0x1B6)); // rw for the other client of the tests, past the umask
        var raw = new RawNfs(bed.ClientNet, bed.Host, bed.Server.NfsPort, bed.Server.MountPort);
        var (st, root) = raw.Mnt("/export");
        Assert.Equal(MountStat3.MNT3_OK, st);
        var (lst, fh) = raw.Lookup(root, "f");
        Assert.Equal(NfsStat3.NFS3_OK, lst);
        return (bed, raw, fh);
    }

    /// <summary>One READ: the data and eof, asserting NFS3_OK.</summary>
    private static (byte[] Data, bool Eof) Read(RawNfs raw, byte[] fh, long offset, int count)
    {
        var rep = raw.Call(Nfs3.READ, w => { w.WriteOpaque(fh); w.WriteUInt64((ulong)offset); w.WriteUInt32((uint)count); });
        Assert.Equal(NfsStat3.NFS3_OK, rep.Nfs);
        var r = rep.Reader();
        Nfs3Attr.ReadPostOp(ref r);
        uint n = r.ReadUInt32();
        bool eof = r.ReadBool();
        var data = r.ReadOpaque().ToArray();
        Assert.Equal(n, (uint)data.Length);
        return (data, eof);
    }

    private static void Write(RawNfs raw, byte[] fh, long offset, byte[] data)
    {
        var rep = raw.Call(Nfs3.WRITE, w =>
        {
            w.WriteOpaque(fh);
            w.WriteUInt64((ulong)offset);
            w.WriteUInt32((uint)data.Length);
            w.WriteUInt32((uint)StableHow.FILE_SYNC);
            w.WriteOpaque(data);
        });
        Assert.Equal(NfsStat3.NFS3_OK, rep.Nfs);
    }

    /// <summary>Waits until the server has read <paramref name="count"/> ranges ahead (the reader thread does it once the reply is out).</summary>
    private static void AwaitReadAheads(NfsServer server, long count)
    {
        Assert.True(SpinWait.SpinUntil(() => server.Nfs.ReadAheads >= count, TimeSpan.FromSeconds(60)),
            $"{server.Nfs.ReadAheads} read-aheads, {count} awaited");
    }

    private static Errno MountUfs(Kernel k, Process p)
    {
        var mem = new MemoryBlockDevice(32L << 20);
        var err = Newfs.Make(mem, new NewfsOptions { Bsize = 32768, Fsize = 4096, Id = 0xa4ead }, new Timespec(1_700_000_000, 0), out _, out _);
        if (err != Errno.OK)
            return err;
        k.Vfssw.Install(UfsVfsops.Def);
        err = p.Mount("disk", "/export", "ufs", MountFlags.None, "", mem);
        return err == Errno.OK ? p.Chmod("/export", 0x1FF) : err;
    }

    [Theory]
    [InlineData("tmpfs")]
    [InlineData("ufs")]
    public void A_file_read_in_order_one_READ_at_a_time_is_read_ahead_and_every_byte_is_the_files(string fs)
    {
        var contents = Pattern(16 * Chunk + 1000, 1);
        var (bed, raw, fh) = Serve(contents, fs == "ufs" ? MountUfs : null);
        using var served = bed;
        var back = new List<byte>();
        bool eof = false;
        int reads = 0;
        while (!eof)
        {
            var (data, e) = Read(raw, fh, back.Count, Chunk);
            back.AddRange(data);
            eof = e;
            reads++;
        }
        Assert.Equal(contents, back.ToArray());
        Assert.Equal(17, reads);
        // The second READ continued the first, and every READ after it was read ahead; none past the end (the 17th, of
        // 1,000 bytes, is the last).
        Assert.Equal(15, bed.Server.Nfs.ReadAheadHits);
        Assert.Equal(15, bed.Server.Nfs.ReadAheads);
    }

    [Fact]
    public void A_READ_for_fewer_bytes_than_were_read_ahead_uses_them_and_one_for_more_reads_again()
    {
        var contents = Pattern(8 * Chunk, 10);
        var (bed, raw, fh) = Serve(contents);
        using var served = bed;
        Read(raw, fh, 0, Chunk);
        Read(raw, fh, Chunk, Chunk);                       // reads [2, 3) ahead
        const int Half = Chunk / 2;
        Assert.Equal(contents[(2 * Chunk)..(2 * Chunk + Half)], Read(raw, fh, 2 * Chunk, Half).Data);
        Assert.Equal(1, bed.Server.Nfs.ReadAheadHits);     // its first half; then [2.5, 3) is read ahead
        Assert.Equal(contents[(2 * Chunk + Half)..(3 * Chunk + Half)], Read(raw, fh, 2 * Chunk + Half, Chunk).Data);
        Assert.Equal(1, bed.Server.Nfs.ReadAheadHits);     // twice what was read ahead, not at the end: read again
    }

    [Fact]
    public void A_range_read_ahead_and_then_written_by_another_client_or_truncated_is_read_again()
    {
        var contents = Pattern(8 * Chunk, 2);
        var (bed, raw, fh) = Serve(contents);
        using var served = bed;
        var other = new RawNfs(bed.ClientNet, bed.Host, bed.Server.NfsPort, bed.Server.MountPort);

        Assert.Equal(contents[..Chunk], Read(raw, fh, 0, Chunk).Data);
        Assert.Equal(contents[Chunk..(2 * Chunk)], Read(raw, fh, Chunk, Chunk).Data);
        AwaitReadAheads(bed.Server, 1);
        var news = Pattern(1000, 3);
        Write(other, fh, 2 * Chunk + 500, news);
        news.CopyTo(contents, 2 * Chunk + 500);
        Assert.Equal(contents[(2 * Chunk)..(3 * Chunk)], Read(raw, fh, 2 * Chunk, Chunk).Data);
        Assert.Equal(0, bed.Server.Nfs.ReadAheadHits);

        // Read ahead again from 3 * Chunk; the file is then cut inside that range.
        AwaitReadAheads(bed.Server, 2);
        var rep = other.Call(Nfs3.SETATTR, w =>
        {
            w.WriteOpaque(fh);
            w.WriteBool(false); w.WriteBool(false); w.WriteBool(false); // mode, uid, gid
            w.WriteBool(true); w.WriteUInt64(3 * Chunk + 10);           // size
            w.WriteUInt32(0); w.WriteUInt32(0);                        // atime, mtime: DONT_CHANGE
            w.WriteBool(false);                                        // no guard
        });
        Assert.Equal(NfsStat3.NFS3_OK, rep.Nfs);
        var (data, eof) = Read(raw, fh, 3 * Chunk, Chunk);
        Assert.Equal(contents[(3 * Chunk)..(3 * Chunk + 10)], data);
        Assert.True(eof);
        Assert.Equal(0, bed.Server.Nfs.ReadAheadHits);
    }

    [Fact]
    public void A_range_read_ahead_and_then_written_on_the_servers_own_ufs_is_read_again()
    {
        var contents = Pattern(4 * Chunk, 4);
        var (bed, raw, fh) = Serve(contents, MountUfs);
        using var served = bed;
        Assert.Equal(contents[..Chunk], Read(raw, fh, 0, Chunk).Data);
        Assert.Equal(contents[Chunk..(2 * Chunk)], Read(raw, fh, Chunk, Chunk).Data);
        AwaitReadAheads(bed.Server, 1);
        // A local process on the server writes the same size over the range: no NFS call, no change of size.
        var news = Pattern(Chunk, 5);
        TestBed.Check(bed.ServerProc.Open("/export/f", OFlags.O_WRONLY, 0, out int fd));
        TestBed.Check(bed.ServerProc.Pwrite(fd, news, 2 * Chunk, out _));
        TestBed.Check(bed.ServerProc.Close(fd));
        Assert.Equal(news, Read(raw, fh, 2 * Chunk, Chunk).Data);
        Assert.Equal(0, bed.Server.Nfs.ReadAheadHits);
    }

    [Fact]
    public void Another_call_on_the_connection_between_the_read_ahead_and_its_READ_voids_it()
    {
        // The READDIRPLUS reply is built in the buffer the range was read ahead into, over where its data lay.
        var contents = Pattern(4 * Chunk, 9);
        var (bed, raw, fh) = Serve(contents);
        using var served = bed;
        for (int i = 0; i < 20; i++)
            TestBed.Check(bed.ServerProc.Mkdir($"/export/{new string('d', 200)}{i}", 0x1ED));
        var (_, root) = raw.Mnt("/export");
        Read(raw, fh, 0, Chunk);
        Read(raw, fh, Chunk, Chunk);
        var rep = raw.Call(Nfs3.READDIRPLUS, w =>
        {
            w.WriteOpaque(root);
            w.WriteUInt64(0);
            w.WriteFixedOpaque(new byte[8]);
            w.WriteUInt32(64 * 1024);
            w.WriteUInt32(64 * 1024);
        });
        Assert.Equal(NfsStat3.NFS3_OK, rep.Nfs);
        Assert.True(rep.Rest.Length > 4096);
        Assert.Equal(contents[(2 * Chunk)..(3 * Chunk)], Read(raw, fh, 2 * Chunk, Chunk).Data);
        Assert.Equal(0, bed.Server.Nfs.ReadAheadHits);
    }

    [Fact]
    public void A_read_ahead_is_a_call_in_service_until_it_ends_so_a_stopping_server_waits_for_it()
    {
        var contents = Pattern(4 * Chunk, 11);
        var (bed, raw, fh) = Serve(contents);
        using var served = bed;
        // The third VOP_READ of the export is the read-ahead after the second READ: it waits here until let go.
        using var gate = new ManualResetEventSlim();
        int reads = 0;
        var faults = new VopFaults();
        faults.Fail(VopName.Read, Errno.EIO, match: _ =>
        {
            if (Interlocked.Increment(ref reads) == 3)
                gate.Wait(TimeSpan.FromSeconds(60));
            return false;
        });
        bed.ServerKernel.Mounts.Single(v => v.MntPt == "/export").Faults = faults;
        Read(raw, fh, 0, Chunk);
        Read(raw, fh, Chunk, Chunk);
        Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref reads) == 3, TimeSpan.FromSeconds(60)));
        Assert.False(bed.Server.Rpc!.WaitForCalls(TimeSpan.Zero), "a read-ahead running is a call in service");
        gate.Set();
        AwaitReadAheads(bed.Server, 1);
        Assert.True(bed.Server.Rpc.WaitForCalls(TimeSpan.FromSeconds(60)));
        Assert.Equal(contents[(2 * Chunk)..(3 * Chunk)], Read(raw, fh, 2 * Chunk, Chunk).Data);
        Assert.Equal(1, bed.Server.Nfs.ReadAheadHits);
    }

    [Fact]
    public void The_read_ahead_can_be_turned_off_and_a_read_that_jumps_is_not_read_ahead()
    {
        var contents = Pattern(8 * Chunk, 6);
        var (bed, raw, fh) = Serve(contents, options: new NfsServerOptions { ReadAhead = false });
        using (bed)
        {
            for (int i = 0; i < 4; i++)
                Assert.Equal(contents[(i * Chunk)..((i + 1) * Chunk)], Read(raw, fh, i * Chunk, Chunk).Data);
            Assert.Equal(0, bed.Server.Nfs.ReadAheads);
        }
        var (bed2, raw2, fh2) = Serve(contents);
        using (bed2)
        {
            // Reads that never start where the last one ended, one range read again and again, and two in order too
            // small to be worth it.
            foreach (long off in new long[] { 3 * Chunk, Chunk, 5 * Chunk, 2 * Chunk, 0, 0, 0 })
                Assert.Equal(contents[(int)off..(int)(off + Chunk)], Read(raw2, fh2, off, Chunk).Data);
            Assert.Equal(contents[..4096], Read(raw2, fh2, 0, 4096).Data);
            Assert.Equal(contents[4096..8192], Read(raw2, fh2, 4096, 4096).Data);
            Assert.Equal(0, bed2.Server.Nfs.ReadAheads);
        }
    }

    [Fact]
    public void A_file_whose_file_system_keeps_no_change_count_is_not_read_ahead()
    {
        // The server exports an NFS mount of another server: NFSv3 attributes carry no change count (va_seq stays 0),
        // so nothing would tell the read-ahead that the file changed on that other server.
        using var inner = new TestBed(tcp: true);
        var contents = Pattern(4 * Chunk, 8);
        var (bed, raw, fh) = Serve(contents, (k, p) =>
        {
            var err = NfsClient.Install(k, TcpNetwork.Default);
            return err != Errno.OK ? err : p.Mount("127.0.0.1:/export", "/export", "nfs", options: inner.Ports);
        });
        using var served = bed;
        for (int i = 0; i < 4; i++)
            Assert.Equal(contents[(i * Chunk)..((i + 1) * Chunk)], Read(raw, fh, i * Chunk, Chunk).Data);
        Assert.Equal(0, bed.Server.Nfs.ReadAheads);
    }

    [Fact]
    public void A_file_read_part_way_and_then_removed_gives_its_space_back()
    {
        var contents = Pattern(16 * Chunk, 7);
        var (bed, raw, fh) = Serve([]);
        using var served = bed;
        TestBed.Check(bed.ServerProc.Statvfs("/export", out var empty));
        TestBed.Check(bed.ServerProc.Open("/export/f", OFlags.O_WRONLY, 0, out int fd));
        TestBed.Check(bed.ServerProc.Write(fd, contents, out _));
        TestBed.Check(bed.ServerProc.Close(fd));
        // Read part way, one READ at a time (the next range is read ahead and never asked for), and through a mount
        // whose client reads ahead itself (several READs outstanding: not read ahead by the server).
        for (int i = 0; i < 3; i++)
            Read(raw, fh, i * Chunk, Chunk);
        AwaitReadAheads(bed.Server, 2);
        TestBed.Check(bed.Mount());
        TestBed.Check(bed.Client.Open("/mnt/f", OFlags.O_RDONLY, 0, out fd));
        var back = new byte[contents.Length];
        int total = 0;
        while (total < back.Length && bed.Client.Read(fd, back.AsMemory(total), out int n) == Errno.OK && n > 0)
            total += n;
        TestBed.Check(bed.Client.Close(fd));
        Assert.Equal(contents, back);

        TestBed.Check(bed.ServerProc.Unlink("/export/f"));
        TestBed.Check(bed.ServerProc.Statvfs("/export", out var after));
        Assert.Equal(empty!.Bfree, after!.Bfree);
    }
}
