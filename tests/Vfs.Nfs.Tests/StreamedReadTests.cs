// The streamed READ (Nfs3ProcIo.cs, Net/IStreamingConnection.cs) over real TCP: a READ of more than a piece
// that is its connection's lone call goes out a piece at a time as it is read. Its bytes must be the file's at
// every offset (piece boundaries, holes, the end of the file), and a file that gives less than its size
// promised once part of the reply went out (a truncate between two pieces, an error) must break the connection
// off rather than send a record whose count lies; the client's retransmission is then answered unstreamed.
using UnixVfs.Core;
using UnixVfs.Nfs.Net;
using UnixVfs.Nfs.Protocol;
using UnixVfs.Nfs.Server;
using UnixVfs.Nfs.Xdr;

namespace UnixVfs.Nfs.Tests;

public sealed class StreamedReadTests : IDisposable
{
    private const int Piece = Nfs3Service.StreamPiece;
    private const int MiB = 1 << 20;
    private readonly TestBed _bed = new(tcp: true);
    private readonly RawNfs _nfs;
    private readonly byte[] _root;

    public StreamedReadTests()
    {
        _nfs = new RawNfs(TcpNetwork.Default, "127.0.0.1", _bed.Server.NfsPort, _bed.Server.MountPort);
        var (st, root) = _nfs.Mnt("/export");
        Assert.Equal(MountStat3.MNT3_OK, st);
        _root = root;
    }

    public void Dispose()
    {
        _nfs.Close();
        _bed.Dispose();
    }

    /// <summary>Makes /export/NAME on the server: <paramref name="content"/>, where null runs are holes (never written).</summary>
    private byte[] Fh(string name, params (long Offset, byte[]? Data)[] content)
    {
        var p = _bed.ServerProc;
        TestBed.Check(p.Open("/export/" + name, OFlags.O_RDWR | OFlags.O_CREAT, 0x1A4, out int fd));
        foreach (var (off, data) in content)
        {
            if (data is null)
                continue;
            TestBed.Check(p.Pwrite(fd, data, off, out int n));
            Assert.Equal(data.Length, n);
        }
        TestBed.Check(p.Close(fd));
        var (st, fh) = _nfs.Lookup(_root, name);
        Assert.Equal(NfsStat3.NFS3_OK, st);
        return fh;
    }

    private static byte[] Pattern(int length, int seed)
    {
        var b = new byte[length];
        new Random(seed).NextBytes(b);
        return b;
    }

    /// <summary>READ: the status, count, eof and data.</summary>
    private (NfsStat3 Status, uint Count, bool Eof, byte[] Data) Read(byte[] fh, long offset, uint count)
    {
        var rep = _nfs.Call(Nfs3.READ, w => { w.WriteOpaque(fh); w.WriteUInt64((ulong)offset); w.WriteUInt32(count); });
        var r = rep.Reader();
        if (r.ReadBool())
            Nfs3Attr.ReadFattr(ref r);
        if (rep.Nfs != NfsStat3.NFS3_OK)
            return (rep.Nfs, 0, false, []);
        uint n = r.ReadUInt32();
        bool eof = r.ReadBool();
        var data = r.ReadOpaque().ToArray();
        Assert.True(r.AtEnd);
        return (rep.Nfs, n, eof, data);
    }

    [Fact]
    public void A_streamed_read_returns_the_files_bytes_at_every_offset()
    {
        // 1 MiB of data, a hole of 1.5 MiB, then 700,001 bytes: the size is not a multiple of four.
        var a = Pattern(MiB, 1);
        var b = Pattern(700_001, 2);
        long holeAt = MiB, bAt = MiB + 3 * MiB / 2;
        var fh = Fh("f", (0, a), (bAt, b));
        long size = bAt + b.Length;
        var file = new byte[size];
        a.CopyTo(file, 0);
        b.CopyTo(file, bAt);

        long before = _bed.Server.Nfs.StreamedReads;
        int streamed = 0;
        foreach (long off in new[] { 0L, 1, Piece - 1, Piece, MiB - 3, holeAt + 5, bAt - Piece - 7, size - Piece - 1, size - 2 * Piece })
        {
            var (st, n, eof, data) = Read(fh, off, MiB);
            long want = Math.Min(MiB, size - off);
            Assert.Equal(NfsStat3.NFS3_OK, st);
            Assert.Equal((uint)want, n);
            Assert.Equal(off + want >= size, eof);
            Assert.True(file.AsSpan((int)off, (int)want).SequenceEqual(data), $"bytes at {off}");
            if (want > Piece)
                streamed++;
        }
        Assert.Equal(streamed, _bed.Server.Nfs.StreamedReads - before);
        Assert.Equal(0, _bed.Server.Nfs.BrokenOffReads);
    }

    [Fact]
    public void Reads_of_a_piece_or_less_and_at_the_end_are_not_streamed()
    {
        var a = Pattern(Piece + 10, 3);
        var fh = Fh("g", (0, a));
        long before = _bed.Server.Nfs.StreamedReads;
        var (st, n, eof, data) = Read(fh, 10, MiB);
        Assert.Equal((NfsStat3.NFS3_OK, (uint)Piece, true), (st, n, eof));
        Assert.True(a.AsSpan(10).SequenceEqual(data));
        (st, n, eof, data) = Read(fh, a.Length, MiB);
        Assert.Equal((NfsStat3.NFS3_OK, 0u, true, 0), (st, n, eof, data.Length));
        (st, n, eof, data) = Read(fh, a.Length + 100, MiB);
        Assert.Equal((NfsStat3.NFS3_OK, 0u, true, 0), (st, n, eof, data.Length));
        Assert.Equal(before, _bed.Server.Nfs.StreamedReads);
    }

    /// <summary>Fails or truncates the export's file on the <paramref name="nth"/> VOP_READ from now on.</summary>
    private void OnRead(string name, int nth, Action<Vnode> act)
    {
        TestBed.Check(_bed.ServerProc.Lookupname("/export/" + name, true, out var vp));
        var faults = new VopFaults();
        int reads = 0;
        faults.Fail(VopName.Read, Errno.EIO, times: 1, match: v =>
        {
            if (v != vp || ++reads != nth)
                return false;
            act(v);
            return true;
        });
        vp!.Vfs.Faults = faults;
        vp.Rele();
    }

    [Fact]
    public void A_truncate_between_two_pieces_breaks_the_connection_off_and_the_retransmission_is_answered()
    {
        var a = Pattern(MiB, 4);
        var fh = Fh("t", (0, a));
        // The second piece's VOP_READ finds the file cut to 300,000 bytes (the fault then lets that read through).
        TestBed.Check(_bed.ServerProc.Lookupname("/export/t", true, out var vp));
        int reads = 0;
        var faults = new VopFaults();
        faults.Fail(VopName.Read, Errno.EIO, times: 1, match: v =>
        {
            if (v == vp && ++reads == 2)
                Assert.Equal(Errno.OK, Vop.Setattr(v, new Vattr(AttrMask.AT_SIZE) { Size = 300_000 }, AttrFlags.None, Cred.Kcred));
            return false;
        });
        vp!.Vfs.Faults = faults;
        vp.Rele();

        var (st, n, eof, data) = Read(fh, 0, MiB);
        Assert.Equal((NfsStat3.NFS3_OK, 300_000u, true), (st, n, eof));
        Assert.True(a.AsSpan(0, 300_000).SequenceEqual(data));
        Assert.Equal(1, _bed.Server.Nfs.BrokenOffReads);
        vp.Vfs.Faults = null;
    }

    [Fact]
    public void An_error_after_the_first_piece_breaks_off_and_the_retransmission_gets_what_can_be_read()
    {
        var a = Pattern(MiB, 5);
        var fh = Fh("e", (0, a));
        OnRead("e", 2, _ => { });   // the second piece's read fails with EIO
        var (st, n, eof, data) = Read(fh, 0, MiB);
        // The retransmission is not streamed: one VOP_READ of the whole range, which the fault (spent) lets through.
        Assert.Equal((NfsStat3.NFS3_OK, (uint)MiB, true), (st, n, eof));
        Assert.True(a.AsSpan().SequenceEqual(data));
        Assert.Equal(1, _bed.Server.Nfs.BrokenOffReads);
    }

    [Fact]
    public void An_error_on_the_first_piece_is_answered_as_an_unstreamed_read_is()
    {
        var a = Pattern(MiB, 6);
        var fh = Fh("e1", (0, a));
        OnRead("e1", 1, _ => { });
        var (st, _, _, _) = Read(fh, 0, MiB);
        Assert.Equal(NfsStat3.NFS3ERR_IO, st);
        Assert.Equal(0, _bed.Server.Nfs.BrokenOffReads);
    }
}
