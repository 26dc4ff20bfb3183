// Tests of the server against bad input on real TCP: every malformed call gets the RPC or NFS
// error the RFCs give it (or its connection is closed), other clients are served throughout, and
// after 100,000 mutated records the server still answers a good GETATTR.
using UnixVfs.Core;
using UnixVfs.Nfs.Net;
using UnixVfs.Nfs.Protocol;
using UnixVfs.Nfs.Rpc;
using UnixVfs.Nfs.Server;
using UnixVfs.Nfs.Xdr;

namespace UnixVfs.Nfs.Tests;

public class BadInputTests : IDisposable
{
    private readonly Kernel _k = new("server");
    private readonly NfsServer _server;
    private readonly byte[] _root;
    private readonly byte[] _file;

    public BadInputTests()
    {
        var p = _k.CreateProcess();
        TestBed.Check(p.Mkdir("/export", 0x1ED));
        TestBed.Check(p.Mount("swap", "/export", "tmpfs", options: "mode=0777,size=64m"));
        TestBed.Check(p.Mkdir("/export/d", 0x1FF));
        TestBed.Check(p.Open("/export/d/f", OFlags.O_CREAT | OFlags.O_WRONLY, 0x1B6, out int fd));
        TestBed.Check(p.Write(fd, new byte[10000], out _));
        p.Close(fd);
        _server = new NfsServer(_k, TcpNetwork.Default, new NfsServerOptions { NfsPort = 0, MountPort = 0, PortmapPort = -1 });
        TestBed.Check(_server.Share(new ExportOptions { Path = "/export" }));
        TestBed.Check(_server.Start());
        var raw = new RawNfs(TcpNetwork.Default, "127.0.0.1", _server.NfsPort, _server.MountPort);
        _root = raw.Mnt("/export").Fh;
        _file = raw.Lookup(raw.Lookup(_root, "d").Fh, "f").Fh;
        raw.Close();
    }

    public void Dispose() => _server.Crash();

    private static byte[] Nfs(uint xid, uint proc, Action<XdrWriter> args, uint vers = 3) => RawRpc.Call(xid, Nfs3.Program, vers, proc, args);

    [Fact]
    public void Each_kind_of_bad_call_gets_its_own_error()
    {
        using var c = new RawRpc(_server.NfsPort);
        var h = c.Roundtrip(Nfs(1, 99, _ => { }), out _);
        Assert.Equal(AcceptStat.PROC_UNAVAIL, h.Accept);
        h = c.Roundtrip(Nfs(2, Nfs3.GETATTR, w => w.WriteOpaque(_root), vers: 4), out _);
        Assert.Equal((AcceptStat.PROG_MISMATCH, 3u, 3u), (h.Accept, h.Low, h.High));
        h = c.Roundtrip(RawRpc.Call(3, 100099, 1, 0), out _);
        Assert.Equal(AcceptStat.PROG_UNAVAIL, h.Accept);
        h = c.Roundtrip(Nfs(4, Nfs3.READ, w => w.WriteOpaque(_file)), out _);   // offset and count missing
        Assert.Equal(AcceptStat.GARBAGE_ARGS, h.Accept);
        h = c.Roundtrip(Nfs(5, Nfs3.GETATTR, w => { w.WriteOpaque(_root); w.WriteUInt32(7); }), out _);   // trailing bytes
        Assert.Equal(AcceptStat.GARBAGE_ARGS, h.Accept);
        var bigMachine = new XdrWriter();
        bigMachine.WriteUInt32(0); bigMachine.WriteString(new string('m', 300)); bigMachine.WriteUInt32(0); bigMachine.WriteUInt32(0); bigMachine.WriteUInt32(0);
        h = c.Roundtrip(RawRpc.Call(6, Nfs3.Program, 3, Nfs3.GETATTR, w => w.WriteOpaque(_root), new OpaqueAuth(AuthFlavor.AUTH_SYS, bigMachine.Written.ToArray())), out _);
        Assert.Equal((ReplyStat.MSG_DENIED, AuthStat.AUTH_BADCRED), (h.Stat, h.Auth));
        h = c.Roundtrip(RawRpc.Call(7, Nfs3.Program, 3, Nfs3.GETATTR, w => w.WriteOpaque(_root), OpaqueAuth.None), out _);
        Assert.Equal(AuthStat.AUTH_TOOWEAK, h.Auth);
        h = c.Roundtrip(Nfs(8, Nfs3.GETATTR, w => w.WriteOpaque([9, 9, 9])), out var reply);
        Assert.True(h.Success);
        Assert.Equal(NfsStat3.NFS3ERR_BADHANDLE, (NfsStat3)new XdrReader(reply.AsSpan(h.ResultsOffset)).ReadUInt32());
        h = c.Roundtrip(Nfs(9, Nfs3.GETATTR, w => w.WriteOpaque(_root)), out _);
        Assert.True(h.Success);
    }

    [Fact]
    public void A_hundred_thousand_mutated_records_then_a_good_getattr_still_works()
    {
        var seeds = new List<byte[]>
        {
            Nfs(0, Nfs3.GETATTR, w => w.WriteOpaque(_file)),
            Nfs(0, Nfs3.LOOKUP, w => { w.WriteOpaque(_root); w.WriteString("d"); }),
            Nfs(0, Nfs3.READ, w => { w.WriteOpaque(_file); w.WriteUInt64(0); w.WriteUInt32(4096); }),
            Nfs(0, Nfs3.WRITE, w => { w.WriteOpaque(_file); w.WriteUInt64(100); w.WriteUInt32(64); w.WriteUInt32(0); w.WriteOpaque(new byte[64]); }),
            Nfs(0, Nfs3.CREATE, w => { w.WriteOpaque(_root); w.WriteString("c"); w.WriteUInt32(0); Nfs3Attr.WriteSattr(w, new Vattr(AttrMask.AT_MODE) { Mode = 0x1A4 }); }),
            Nfs(0, Nfs3.SETATTR, w => { w.WriteOpaque(_file); Nfs3Attr.WriteSattr(w, new Vattr(AttrMask.AT_SIZE | AttrMask.AT_MTIME) { Size = 10000 }); w.WriteBool(false); }),
            Nfs(0, Nfs3.READDIRPLUS, w => { w.WriteOpaque(_root); w.WriteUInt64(0); w.WriteUInt64(0); w.WriteUInt32(4096); w.WriteUInt32(8192); }),
            Nfs(0, Nfs3.RENAME, w => { w.WriteOpaque(_root); w.WriteString("c"); w.WriteOpaque(_root); w.WriteString("c2"); }),
            Nfs(0, Nfs3.MKNOD, w => { w.WriteOpaque(_root); w.WriteString("n"); w.WriteUInt32(4); Nfs3Attr.WriteSattr(w, new Vattr()); w.WriteUInt32(1); w.WriteUInt32(2); }),
            Nfs(0, Nfs3.SYMLINK, w => { w.WriteOpaque(_root); w.WriteString("s"); Nfs3Attr.WriteSattr(w, new Vattr()); w.WriteString("t"); }),
            Nfs(0, Nfs3.COMMIT, w => { w.WriteOpaque(_file); w.WriteUInt64(0); w.WriteUInt32(0); }),
            RawRpc.Call(0, Mount3.Program, 3, Mount3.MNT, w => w.WriteString("/export")),
        };
        var rng = new Random(20240601);
        using var conn = new RawRpc(_server.NfsPort, receiveTimeoutMs: 0);
        const uint marker = 0xC0FFEE;
        using var markerSeen = new ManualResetEventSlim();
        NfsStat3 markerStatus = NfsStat3.NFS3ERR_IO;
        var drain = new Thread(() =>
        {
            while (conn.Receive() is { } rep)
                if (RpcReplyHeader.TryDecode(rep, out var rh) && rh.Xid == marker && rh.Success)
                {
                    markerStatus = (NfsStat3)new XdrReader(rep.AsSpan(rh.ResultsOffset)).ReadUInt32();
                    markerSeen.Set();
                }
        }) { IsBackground = true };
        drain.Start();
        const int total = 100_000;
        for (int i = 0; i < total; i++)
        {
            var rec = Mutate(seeds[rng.Next(seeds.Count)], rng);
            if (i % 5000 == 4999)
            {
                // Now and then a record whose framing is broken, on a connection of its own.
                using var bad = new RawRpc(_server.NfsPort);
                if (rng.Next(2) == 0)
                    bad.SendRaw([0x7F, 0xFF, 0xFF, 0xFF]);
                else
                    bad.SendRaw([0x80, 0, 1, 0, 1, 2, 3]);
                continue;
            }
            conn.Send(rec);
        }
        // The fuzzed connection itself still works: a good call sent after all the bad ones is answered.
        conn.Send(Nfs(marker, Nfs3.GETATTR, w => w.WriteOpaque(_file)));
        Assert.True(markerSeen.Wait(TimeSpan.FromSeconds(120)), "no answer to the good GETATTR after the mutated records");
        Assert.Equal(NfsStat3.NFS3_OK, markerStatus);
        conn.Dispose();
        drain.Join();
        using var fresh = new RawRpc(_server.NfsPort);
        var h = fresh.Roundtrip(Nfs(123456, Nfs3.GETATTR, w => w.WriteOpaque(_file)), out var reply);
        Assert.True(h.Success);
        Assert.Equal(123456u, h.Xid);
        Assert.Equal(NfsStat3.NFS3_OK, (NfsStat3)new XdrReader(reply.AsSpan(h.ResultsOffset)).ReadUInt32());
        Assert.True(_server.Rpc!.Calls > total / 2, $"only {_server.Rpc.Calls} calls were dispatched");
    }

    /// <summary>One random mutation of a call: bytes flipped or replaced, a cut, an insertion, a word set to an extreme.</summary>
    private static byte[] Mutate(byte[] seed, Random rng)
    {
        var b = seed.ToList();
        int n = 1 + rng.Next(4);
        for (int k = 0; k < n && b.Count > 0; k++)
        {
            int at = rng.Next(b.Count);
            switch (rng.Next(6))
            {
                case 0: b[at] ^= (byte)(1 << rng.Next(8)); break;
                case 1: b[at] = (byte)rng.Next(256); break;
                case 2: b.RemoveRange(at, b.Count - at); break;
                case 3: b.InsertRange(at, Enumerable.Range(0, 1 + rng.Next(8)).Select(_ => (byte)rng.Next(256))); break;
                case 4:
                    int w = at & ~3;
                    uint v = rng.Next(3) switch { 0 => 0xFFFFFFFF, 1 => 0x80000000, _ => (uint)rng.Next(64) };
                    for (int j = 0; j < 4 && w + j < b.Count; j++)
                        b[w + j] = (byte)(v >> (24 - 8 * j));
                    break;
                default: if (b.Count > 4) b.RemoveAt(at); break;
            }
        }
        // Keep the xid unique, so the duplicate request cache is not what answers.
        var arr = b.ToArray();
        if (arr.Length >= 4)
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(arr, (uint)rng.Next());
        return arr;
    }
}
