// Test helper: NFS and MOUNT calls at the protocol level, returning the raw status and results,
// for tests that check exact nfsstat3 values and reply layouts.
using UnixVfs.Core;
using UnixVfs.Nfs.Net;
using UnixVfs.Nfs.Protocol;
using UnixVfs.Nfs.Rpc;
using UnixVfs.Nfs.Xdr;

namespace UnixVfs.Nfs.Tests;

internal sealed class RawNfs
{
    private readonly RpcClient _nfs, _mount;

    public RawNfs(IRpcNetwork net, string host, int nfsPort, int mountPort, AuthSys? cred = null)
    {
        var o = new RpcClientOptions { Timeout = TimeSpan.FromMilliseconds(500), Retrans = 4 };
        _nfs = new RpcClient(net, host, nfsPort, Nfs3.Program, Nfs3.Version, o);
        _mount = new RpcClient(net, host, mountPort, Mount3.Program, Mount3.Version, o);
        Cred = (cred ?? new AuthSys(0, "raw", 1000, 1000, [])).ToOpaqueAuth();
    }

    public OpaqueAuth Cred { get; set; }

    /// <summary>A reply: the nfsstat3 (or mountstat3) and the bytes after it.</summary>
    public sealed record Reply(uint Status, byte[] Rest)
    {
        public NfsStat3 Nfs => (NfsStat3)Status;
        public XdrReader Reader() => new(Rest);
    }

    private static Reply Do(RpcClient c, XdrWriter w)
    {
        var err = c.Call(w, out var res);
        Assert.Equal(Errno.OK, err);
        var bytes = res.Span.ToArray();
        res.Release();
        if (bytes.Length == 0)
            return new Reply(0, []);   // NULL: no results at all
        var r = new XdrReader(bytes);
        uint st = r.ReadUInt32();
        return new Reply(st, bytes[4..]);
    }

    public Reply Call(uint proc, Action<XdrWriter> args)
    {
        var w = _nfs.NewCall(proc, Cred);
        args(w);
        return Do(_nfs, w);
    }

    /// <summary>MNT: the root handle of <paramref name="path"/> (status MNT3_OK), or the status.</summary>
    public (MountStat3 Status, byte[] Fh) Mnt(string path)
    {
        var w = _mount.NewCall(Mount3.MNT, Cred);
        w.WriteString(path);
        var rep = Do(_mount, w);
        if (rep.Status != 0)
            return ((MountStat3)rep.Status, []);
        var r = rep.Reader();
        return (MountStat3.MNT3_OK, r.ReadOpaque().ToArray());
    }

    /// <summary>A MOUNT procedure whose results have no status word (DUMP, UMNT, UMNTALL, EXPORT): the result bytes.</summary>
    public byte[] MountCall(uint proc, Action<XdrWriter> args)
    {
        var w = _mount.NewCall(proc, Cred);
        args(w);
        Assert.Equal(Errno.OK, _mount.Call(w, out var res));
        var bytes = res.Span.ToArray();
        res.Release();
        return bytes;
    }

    /// <summary>LOOKUP: the handle of <paramref name="name"/> in <paramref name="dir"/>, or the status.</summary>
    public (NfsStat3 Status, byte[] Fh) Lookup(byte[] dir, string name)
    {
        var rep = Call(Nfs3.LOOKUP, w => { w.WriteOpaque(dir); w.WriteString(name); });
        if (rep.Nfs != NfsStat3.NFS3_OK)
            return (rep.Nfs, []);
        var r = rep.Reader();
        return (rep.Nfs, r.ReadOpaque().ToArray());
    }

    /// <summary>GETATTR: the status and, on OK, the attributes.</summary>
    public (NfsStat3 Status, Vattr? Attr) Getattr(byte[] fh)
    {
        var rep = Call(Nfs3.GETATTR, w => w.WriteOpaque(fh));
        if (rep.Nfs != NfsStat3.NFS3_OK)
            return (rep.Nfs, null);
        var r = rep.Reader();
        return (rep.Nfs, Nfs3Attr.ReadFattr(ref r));
    }

    /// <summary>CREATE (UNCHECKED, GUARDED with a mode; EXCLUSIVE with a verifier): the status and handle.</summary>
    public (NfsStat3 Status, byte[] Fh) Create(byte[] dir, string name, CreateMode3 how = CreateMode3.GUARDED, uint mode = 0x1A4, ulong verf = 0)
    {
        var rep = Call(Nfs3.CREATE, w =>
        {
            w.WriteOpaque(dir);
            w.WriteString(name);
            w.WriteUInt32((uint)how);
            if (how == CreateMode3.EXCLUSIVE)
                w.WriteUInt64(verf);
            else
                Nfs3Attr.WriteSattr(w, new Vattr(AttrMask.AT_MODE) { Mode = mode });
        });
        if (rep.Nfs != NfsStat3.NFS3_OK)
            return (rep.Nfs, []);
        var r = rep.Reader();
        Assert.True(r.ReadBool());
        return (rep.Nfs, r.ReadOpaque().ToArray());
    }

    public void Close()
    {
        _nfs.Close();
        _mount.Close();
    }
}
