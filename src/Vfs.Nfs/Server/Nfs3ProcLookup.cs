// Vfs.Nfs / server: LOOKUP and READLINK.
using UnixVfs.Core;
using UnixVfs.Nfs.Protocol;
using UnixVfs.Nfs.Rpc;
using UnixVfs.Nfs.Xdr;

namespace UnixVfs.Nfs.Server;

public sealed partial class Nfs3Service
{
    /// <summary>LOOKUP: dir fh, name -> status, object fh, object attrs, dir attrs (only dir attrs on failure).</summary>
    private AcceptStat Lookup(RpcCall call, ref XdrReader args, XdrWriter res)
    {
        var fh = ReadFh(ref args);
        var nst = ReadName(ref args, out var name);
        if (!args.AtEnd)
            return AcceptStat.GARBAGE_ARGS;
        var st = Resolve(call, fh, out var d);
        if (st != NfsStat3.NFS3_OK)
        {
            res.WriteUInt32((uint)st);
            Nfs3Attr.WritePostOp(res, null);
            return AcceptStat.SUCCESS;
        }
        try
        {
            Vnode? vp = null;
            st = nst;
            if (st == NfsStat3.NFS3_OK)
                st = d.Vp.Type != VType.VDIR ? NfsStat3.NFS3ERR_NOTDIR : Map(LookupIn(d, name, out vp));
            byte[]? ofh = null;
            if (st == NfsStat3.NFS3_OK && (ofh = MakeFh(d.Export, vp!)) is null)
                st = NfsStat3.NFS3ERR_NOTSUPP;
            res.WriteUInt32((uint)st);
            if (st == NfsStat3.NFS3_OK)
            {
                res.WriteOpaque(ofh);
                Nfs3Attr.WritePostOp(res, Attrs(vp!, d.Cred));
            }
            vp?.Rele();
            Nfs3Attr.WritePostOp(res, Attrs(d.Vp, d.Cred));
            return AcceptStat.SUCCESS;
        }
        finally
        {
            d.Rele();
        }
    }

    /// <summary>READLINK: fh -> status, attrs, the link's target.</summary>
    private AcceptStat Readlink(RpcCall call, ref XdrReader args, XdrWriter res)
    {
        var fh = ReadFh(ref args);
        if (!args.AtEnd)
            return AcceptStat.GARBAGE_ARGS;
        var st = Resolve(call, fh, out var o);
        if (st != NfsStat3.NFS3_OK)
        {
            res.WriteUInt32((uint)st);
            Nfs3Attr.WritePostOp(res, null);
            return AcceptStat.SUCCESS;
        }
        try
        {
            var buf = new byte[Limits.PathMax];
            var uio = new Uio(buf, 0, UioRw.UIO_READ);
            st = o.Vp.Type != VType.VLNK ? NfsStat3.NFS3ERR_INVAL : Map(Vop.Readlink(o.Vp, uio, o.Cred));
            res.WriteUInt32((uint)st);
            Nfs3Attr.WritePostOp(res, Attrs(o.Vp, o.Cred));
            if (st == NfsStat3.NFS3_OK)
                res.WriteOpaque(buf.AsSpan(0, (int)(buf.Length - uio.Resid)));
            return AcceptStat.SUCCESS;
        }
        finally
        {
            o.Rele();
        }
    }
}
