// Vfs.Nfs / client: the NFSv3 procedures as calls -- arguments encoded, results decoded -- over
// one RpcClient. This is the rfs3call layer of the nfs client: it knows the wire, not the cache.
// Every method returns an Errno: OK; what the server's nfsstat3 maps to (Protocol/Nfs3Status.cs);
// the RPC errnos (ETIMEDOUT for a soft mount that heard nothing, EIO, EACCES, ...); EPROTO for a
// reply that does not decode. Attributes come back as Vattr (fattr3) or null when the server sent
// none; the "after" half of wcc_data is returned where the caller caches it.
using UnixVfs.Core;
using UnixVfs.Nfs.Protocol;
using UnixVfs.Nfs.Rpc;
using UnixVfs.Nfs.Xdr;

namespace UnixVfs.Nfs.Client;

/// <summary>A directory entry from READDIR/READDIRPLUS (attributes and handle only with PLUS, and only if sent).</summary>
public sealed record Nfs3Entry(ulong FileId, string Name, ulong Cookie, Vattr? Attr, byte[]? Fh);

/// <summary>What FSINFO says.</summary>
public readonly record struct Nfs3Fsinfo(uint Rtmax, uint Rtpref, uint Wtmax, uint Wtpref, uint Dtpref, ulong MaxFileSize, uint Properties);

/// <summary>The NFSv3 procedures, client side.</summary>
public sealed class Nfs3Client
{
    private readonly RpcClient _rpc;
    private readonly Func<Cred, OpaqueAuth> _auth;

    /// <param name="rpc">The RPC client of program 100003 version 3.</param>
    /// <param name="auth">The AUTH_SYS credential to send for a caller's Cred.</param>
    public Nfs3Client(RpcClient rpc, Func<Cred, OpaqueAuth> auth)
    {
        _rpc = rpc;
        _auth = auth;
    }

    public RpcClient Rpc => _rpc;

    private XdrWriter Call(uint proc, Cred cr, byte[] fh)
    {
        var w = _rpc.NewCall(proc, _auth(cr));
        w.WriteOpaque(fh);
        return w;
    }

    /// <summary>Decodes a reply with a body after the status: on a non-OK status the body is not read.</summary>
    private delegate Errno Body(ref XdrReader r, NfsStat3 st);

    /// <summary>Sends the call in <paramref name="w"/>, waits, and decodes the reply with <paramref name="body"/>.</summary>
    private Errno Run(XdrWriter w, Body body) => Decode(_rpc.Call(w, out var res), res, body);

    /// <summary>Collects the reply to a call sent with Begin and decodes it with <paramref name="body"/>.</summary>
    private Errno Collect(RpcPending p, Body body) => Decode(_rpc.End(p, out var res), res, body);

    private static Errno Decode(Errno err, RpcResult res, Body body)
    {
        if (err != Errno.OK)
            return err;
        try
        {
            var r = res.Reader();
            var st = (NfsStat3)r.ReadUInt32();
            if (r.Failed)
                return Errno.EPROTO;
            err = body(ref r, st);
            if (r.Failed)
                return Errno.EPROTO;
            return err != Errno.OK ? err : Nfs3Status.ToErrno(st);
        }
        finally
        {
            res.Release();
        }
    }

    public Errno Null()
    {
        var w = _rpc.NewCall(Nfs3.NULL, OpaqueAuth.None);
        var err = _rpc.Call(w, out var res);
        if (err == Errno.OK)
            res.Release();
        return err;
    }

    public Errno Getattr(Cred cr, byte[] fh, out Vattr? va)
    {
        Vattr? a = null;
        var err = Run(Call(Nfs3.GETATTR, cr, fh), (ref XdrReader r, NfsStat3 st) =>
        {
            if (st == NfsStat3.NFS3_OK)
                a = Nfs3Attr.ReadFattr(ref r);
            return Errno.OK;
        });
        va = a;
        return err;
    }

    /// <summary>SETATTR; with <paramref name="serverTime"/> the times masked are set to the server's "now".</summary>
    public Errno Setattr(Cred cr, byte[] fh, Vattr sattr, Timespec? guard, out Vattr? after, bool serverTime = false)
    {
        var w = Call(Nfs3.SETATTR, cr, fh);
        Nfs3Attr.WriteSattr(w, sattr, serverTime);
        w.WriteBool(guard is not null);
        if (guard is { } g)
            Nfs3Attr.WriteTime(w, g);
        Vattr? a = null;
        var err = Run(w, (ref XdrReader r, NfsStat3 st) =>
        {
            a = Nfs3Attr.ReadWcc(ref r, out _);
            return Errno.OK;
        });
        after = a;
        return err;
    }

    public Errno Lookup(Cred cr, byte[] dir, string name, out byte[]? fh, out Vattr? attr, out Vattr? dirAttr)
    {
        var w = Call(Nfs3.LOOKUP, cr, dir);
        w.WriteString(name);
        byte[]? f = null;
        Vattr? a = null, d = null;
        var err = Run(w, (ref XdrReader r, NfsStat3 st) =>
        {
            if (st == NfsStat3.NFS3_OK)
            {
                f = r.ReadOpaque(Nfs3.FhSize).ToArray();
                a = Nfs3Attr.ReadPostOp(ref r);
            }
            d = Nfs3Attr.ReadPostOp(ref r);
            return Errno.OK;
        });
        (fh, attr, dirAttr) = (f, a, d);
        return err;
    }

    public Errno Access(Cred cr, byte[] fh, uint want, out uint granted, out Vattr? attr)
    {
        var w = Call(Nfs3.ACCESS, cr, fh);
        w.WriteUInt32(want);
        uint g = 0;
        Vattr? a = null;
        var err = Run(w, (ref XdrReader r, NfsStat3 st) =>
        {
            a = Nfs3Attr.ReadPostOp(ref r);
            if (st == NfsStat3.NFS3_OK)
                g = r.ReadUInt32();
            return Errno.OK;
        });
        (granted, attr) = (g, a);
        return err;
    }

    public Errno Readlink(Cred cr, byte[] fh, out string target)
    {
        string t = "";
        var err = Run(Call(Nfs3.READLINK, cr, fh), (ref XdrReader r, NfsStat3 st) =>
        {
            Nfs3Attr.ReadPostOp(ref r);
            if (st == NfsStat3.NFS3_OK)
                t = r.ReadString(Limits.PathMax);
            return Errno.OK;
        });
        target = t;
        return err;
    }

    /// <summary>Sends a READ without waiting (collect with EndRead).</summary>
    public RpcPending BeginRead(Cred cr, byte[] fh, long offset, int count)
    {
        var w = Call(Nfs3.READ, cr, fh);
        w.WriteUInt64((ulong)offset);
        w.WriteUInt32((uint)count);
        return _rpc.Begin(w);
    }

    /// <summary>Collects a READ: copies the data into <paramref name="dst"/> (at most its length).</summary>
    public Errno EndRead(RpcPending p, Span<byte> dst, out int n, out bool eof, out Vattr? attr)
    {
        n = 0;
        eof = false;
        attr = null;
        var err = _rpc.End(p, out var res);
        if (err != Errno.OK)
            return err;
        try
        {
            var r = res.Reader();
            var st = (NfsStat3)r.ReadUInt32();
            attr = Nfs3Attr.ReadPostOp(ref r);
            if (st != NfsStat3.NFS3_OK)
                return r.Failed ? Errno.EPROTO : Nfs3Status.ToErrno(st);
            uint count = r.ReadUInt32();
            eof = r.ReadBool();
            var data = r.ReadOpaque();
            if (r.Failed || data.Length != count || data.Length > dst.Length)
                return Errno.EPROTO;
            data.CopyTo(dst);
            n = data.Length;
            return Errno.OK;
        }
        finally
        {
            res.Release();
        }
    }

    /// <summary>Sends a WRITE without waiting (collect with EndWrite).</summary>
    public RpcPending BeginWrite(Cred cr, byte[] fh, long offset, ReadOnlySpan<byte> data, StableHow stable)
    {
        var w = Call(Nfs3.WRITE, cr, fh);
        w.WriteUInt64((ulong)offset);
        w.WriteUInt32((uint)data.Length);
        w.WriteUInt32((uint)stable);
        w.WriteOpaque(data);
        return _rpc.Begin(w);
    }

    /// <summary>Collects a WRITE: how much was written, how stably, the server's verifier, and the file's wcc.</summary>
    public Errno EndWrite(RpcPending p, out int count, out StableHow committed, out ulong verf, out Vattr? before, out Vattr? after)
    {
        int n = 0;
        var how = StableHow.UNSTABLE;
        ulong v = 0;
        Vattr? b = null, a = null;
        var err = Collect(p, (ref XdrReader r, NfsStat3 st) =>
        {
            a = Nfs3Attr.ReadWcc(ref r, out b);
            if (st == NfsStat3.NFS3_OK)
            {
                n = (int)r.ReadUInt32();
                how = (StableHow)r.ReadUInt32();
                v = r.ReadUInt64();
            }
            return Errno.OK;
        });
        (count, committed, verf, before, after) = (n, how, v, b, a);
        return err;
    }

    /// <summary>Sends a COMMIT of the whole file without waiting (collect with EndCommit).</summary>
    public RpcPending BeginCommit(Cred cr, byte[] fh)
    {
        var w = Call(Nfs3.COMMIT, cr, fh);
        w.WriteUInt64(0);
        w.WriteUInt32(0);
        return _rpc.Begin(w);
    }

    /// <summary>Collects a COMMIT: the server's write verifier, and the file's attributes after it.</summary>
    public Errno EndCommit(RpcPending p, out ulong verf, out Vattr? after)
    {
        ulong v = 0;
        Vattr? a = null;
        var err = Collect(p, (ref XdrReader r, NfsStat3 st) =>
        {
            a = Nfs3Attr.ReadWcc(ref r, out _);
            if (st == NfsStat3.NFS3_OK)
                v = r.ReadUInt64();
            return Errno.OK;
        });
        (verf, after) = (v, a);
        return err;
    }

    private Errno Made(XdrWriter w, out byte[]? fh, out Vattr? attr, out Vattr? dirAttr)
    {
        byte[]? f = null;
        Vattr? a = null, d = null;
        var err = Run(w, (ref XdrReader r, NfsStat3 st) =>
        {
            if (st == NfsStat3.NFS3_OK)
            {
                if (r.ReadBool())
                    f = r.ReadOpaque(Nfs3.FhSize).ToArray();
                a = Nfs3Attr.ReadPostOp(ref r);
            }
            d = Nfs3Attr.ReadWcc(ref r, out _);
            return Errno.OK;
        });
        (fh, attr, dirAttr) = (f, a, d);
        return err;
    }

    /// <summary>CREATE; <paramref name="verf"/> is used with EXCLUSIVE, <paramref name="sattr"/> otherwise.</summary>
    public Errno Create(Cred cr, byte[] dir, string name, CreateMode3 mode, Vattr sattr, ulong verf, out byte[]? fh, out Vattr? attr, out Vattr? dirAttr)
    {
        var w = Call(Nfs3.CREATE, cr, dir);
        w.WriteString(name);
        w.WriteUInt32((uint)mode);
        if (mode == CreateMode3.EXCLUSIVE)
            w.WriteUInt64(verf);
        else
            Nfs3Attr.WriteSattr(w, sattr);
        return Made(w, out fh, out attr, out dirAttr);
    }

    public Errno Mkdir(Cred cr, byte[] dir, string name, Vattr sattr, out byte[]? fh, out Vattr? attr, out Vattr? dirAttr)
    {
        var w = Call(Nfs3.MKDIR, cr, dir);
        w.WriteString(name);
        Nfs3Attr.WriteSattr(w, sattr);
        return Made(w, out fh, out attr, out dirAttr);
    }

    public Errno Symlink(Cred cr, byte[] dir, string name, Vattr sattr, string target, out byte[]? fh, out Vattr? attr, out Vattr? dirAttr)
    {
        var w = Call(Nfs3.SYMLINK, cr, dir);
        w.WriteString(name);
        Nfs3Attr.WriteSattr(w, sattr);
        w.WriteString(target);
        return Made(w, out fh, out attr, out dirAttr);
    }

    public Errno Mknod(Cred cr, byte[] dir, string name, VType type, Vattr sattr, ulong rdev, out byte[]? fh, out Vattr? attr, out Vattr? dirAttr)
    {
        var w = Call(Nfs3.MKNOD, cr, dir);
        w.WriteString(name);
        var ft = Nfs3Attr.ToFtype(type);
        w.WriteUInt32((uint)ft);
        Nfs3Attr.WriteSattr(w, sattr);
        if (ft is Ftype3.NF3CHR or Ftype3.NF3BLK)
        {
            var (maj, min) = Nfs3Attr.SplitDev(rdev);
            w.WriteUInt32(maj);
            w.WriteUInt32(min);
        }
        return Made(w, out fh, out attr, out dirAttr);
    }

    private Errno Unname(uint proc, Cred cr, byte[] dir, string name, out Vattr? dirAttr)
    {
        var w = Call(proc, cr, dir);
        w.WriteString(name);
        Vattr? d = null;
        var err = Run(w, (ref XdrReader r, NfsStat3 st) =>
        {
            d = Nfs3Attr.ReadWcc(ref r, out _);
            return Errno.OK;
        });
        dirAttr = d;
        return err;
    }

    public Errno Remove(Cred cr, byte[] dir, string name, out Vattr? dirAttr) => Unname(Nfs3.REMOVE, cr, dir, name, out dirAttr);

    public Errno Rmdir(Cred cr, byte[] dir, string name, out Vattr? dirAttr) => Unname(Nfs3.RMDIR, cr, dir, name, out dirAttr);

    public Errno Rename(Cred cr, byte[] from, string fname, byte[] to, string tname, out Vattr? fromAttr, out Vattr? toAttr)
    {
        var w = Call(Nfs3.RENAME, cr, from);
        w.WriteString(fname);
        w.WriteOpaque(to);
        w.WriteString(tname);
        Vattr? f = null, t = null;
        var err = Run(w, (ref XdrReader r, NfsStat3 st) =>
        {
            f = Nfs3Attr.ReadWcc(ref r, out _);
            t = Nfs3Attr.ReadWcc(ref r, out _);
            return Errno.OK;
        });
        (fromAttr, toAttr) = (f, t);
        return err;
    }

    public Errno Link(Cred cr, byte[] fh, byte[] dir, string name, out Vattr? attr, out Vattr? dirAttr)
    {
        var w = Call(Nfs3.LINK, cr, fh);
        w.WriteOpaque(dir);
        w.WriteString(name);
        Vattr? a = null, d = null;
        var err = Run(w, (ref XdrReader r, NfsStat3 st) =>
        {
            a = Nfs3Attr.ReadPostOp(ref r);
            d = Nfs3Attr.ReadWcc(ref r, out _);
            return Errno.OK;
        });
        (attr, dirAttr) = (a, d);
        return err;
    }

    /// <summary>READDIR or READDIRPLUS from <paramref name="cookie"/>; <paramref name="verf"/> is sent and replaced by the server's.</summary>
    public Errno Readdir(Cred cr, byte[] dir, bool plus, ulong cookie, ref ulong verf, uint dircount, uint maxcount,
        out List<Nfs3Entry> entries, out bool eof, out Vattr? dirAttr)
    {
        var w = Call(plus ? Nfs3.READDIRPLUS : Nfs3.READDIR, cr, dir);
        w.WriteUInt64(cookie);
        w.WriteUInt64(verf);
        w.WriteUInt32(dircount);
        if (plus)
            w.WriteUInt32(maxcount);
        var list = new List<Nfs3Entry>();
        bool e = false;
        ulong v = verf;
        Vattr? d = null;
        var err = Run(w, (ref XdrReader r, NfsStat3 st) =>
        {
            d = Nfs3Attr.ReadPostOp(ref r);
            if (st != NfsStat3.NFS3_OK)
                return Errno.OK;
            v = r.ReadUInt64();
            while (r.ReadBool())
            {
                ulong id = r.ReadUInt64();
                string name = r.ReadString(Limits.NameMax * 4);
                ulong ck = r.ReadUInt64();
                Vattr? a = null;
                byte[]? f = null;
                if (plus)
                {
                    a = Nfs3Attr.ReadPostOp(ref r);
                    if (r.ReadBool())
                        f = r.ReadOpaque(Nfs3.FhSize).ToArray();
                }
                if (r.Failed)
                    return Errno.EPROTO;
                list.Add(new Nfs3Entry(id, name, ck, a, f));
            }
            e = r.ReadBool();
            return Errno.OK;
        });
        (entries, eof, dirAttr, verf) = (list, e, d, v);
        return err;
    }

    public Errno Fsstat(Cred cr, byte[] fh, Statvfs sv)
    {
        return Run(Call(Nfs3.FSSTAT, cr, fh), (ref XdrReader r, NfsStat3 st) =>
        {
            Nfs3Attr.ReadPostOp(ref r);
            if (st != NfsStat3.NFS3_OK)
                return Errno.OK;
            ulong tb = r.ReadUInt64(), fb = r.ReadUInt64(), ab = r.ReadUInt64();
            ulong tf = r.ReadUInt64(), ff = r.ReadUInt64(), af = r.ReadUInt64();
            r.ReadUInt32();
            sv.Bsize = sv.Frsize = 4096;
            sv.Blocks = tb / 4096;
            sv.Bfree = fb / 4096;
            sv.Bavail = ab / 4096;
            sv.Files = tf;
            sv.Ffree = ff;
            sv.Favail = af;
            return Errno.OK;
        });
    }

    public Errno Fsinfo(Cred cr, byte[] fh, out Nfs3Fsinfo info)
    {
        Nfs3Fsinfo i = default;
        var err = Run(Call(Nfs3.FSINFO, cr, fh), (ref XdrReader r, NfsStat3 st) =>
        {
            Nfs3Attr.ReadPostOp(ref r);
            if (st != NfsStat3.NFS3_OK)
                return Errno.OK;
            uint rtmax = r.ReadUInt32(), rtpref = r.ReadUInt32();
            r.ReadUInt32();
            uint wtmax = r.ReadUInt32(), wtpref = r.ReadUInt32();
            r.ReadUInt32();
            uint dtpref = r.ReadUInt32();
            ulong maxsize = r.ReadUInt64();
            Nfs3Attr.ReadTime(ref r);
            uint props = r.ReadUInt32();
            i = new Nfs3Fsinfo(rtmax, rtpref, wtmax, wtpref, dtpref, maxsize, props);
            return Errno.OK;
        });
        info = i;
        return err;
    }

    public Errno Pathconf(Cred cr, byte[] fh, out uint linkMax, out uint nameMax)
    {
        uint l = 0, n = 0;
        var err = Run(Call(Nfs3.PATHCONF, cr, fh), (ref XdrReader r, NfsStat3 st) =>
        {
            Nfs3Attr.ReadPostOp(ref r);
            if (st != NfsStat3.NFS3_OK)
                return Errno.OK;
            l = r.ReadUInt32();
            n = r.ReadUInt32();
            r.ReadBool(); r.ReadBool(); r.ReadBool(); r.ReadBool();
            return Errno.OK;
        });
        (linkMax, nameMax) = (l, n);
        return err;
    }
}
