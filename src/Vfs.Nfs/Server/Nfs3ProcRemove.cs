// Vfs.Nfs / server: REMOVE, RMDIR, RENAME, LINK -- the procedures that take or move a name.
using UnixVfs.Core;
using UnixVfs.Nfs.Protocol;
using UnixVfs.Nfs.Rpc;
using UnixVfs.Nfs.Xdr;

namespace UnixVfs.Nfs.Server;

public sealed partial class Nfs3Service
{
    /// <summary>REMOVE: dir, name -> status, dir wcc.</summary>
    private AcceptStat Remove(RpcCall call, ref XdrReader args, XdrWriter res) =>
        Unname(call, ref args, res, (d, name) => Vop.Remove(d.Vp, name, d.Cred));

    /// <summary>RMDIR: dir, name -> status, dir wcc.</summary>
    private AcceptStat Rmdir(RpcCall call, ref XdrReader args, XdrWriter res) =>
        Unname(call, ref args, res, (d, name) => name switch
        {
            "." => Errno.EINVAL,
            ".." => Errno.ENOTEMPTY,
            _ => Vop.Rmdir(d.Vp, name, null, d.Cred),
        });

    private AcceptStat Unname(RpcCall call, ref XdrReader args, XdrWriter res, Func<Obj, string, Errno> op)
    {
        var fh = ReadFh(ref args);
        var nst = ReadName(ref args, out var name);
        if (!args.AtEnd)
            return AcceptStat.GARBAGE_ARGS;
        if (!Resolved(call, fh, res, Fail.Wcc, out var d, out var st))
            return AcceptStat.SUCCESS;
        try
        {
            var before = Attrs(d.Vp, d.Cred);
            st = nst != NfsStat3.NFS3_OK ? nst
                : d.ReadOnly ? NfsStat3.NFS3ERR_ROFS
                : d.Vp.Type != VType.VDIR ? NfsStat3.NFS3ERR_NOTDIR
                : Map(Missing(d, name) ? Errno.ENOENT : Committed(op(d, name), d.Cred, null, d.Vp));
            res.WriteUInt32((uint)st);
            Nfs3Attr.WriteWcc(res, before, Attrs(d.Vp, d.Cred));
            return AcceptStat.SUCCESS;
        }
        finally
        {
            d.Rele();
        }
    }

    /// <summary>
    /// True when <paramref name="name"/> is not in the directory: a REMOVE or RMDIR of it is NOENT even where the
    /// caller may not write, as Linux's nfsd answers (it looks the name up before it checks the directory).
    /// </summary>
    private static bool Missing(Obj d, string name)
    {
        if (LookupIn(d, name, out var vp) == Errno.ENOENT)
            return true;
        vp?.Rele();
        return false;
    }

    /// <summary>RENAME: from dir and name, to dir and name -> status, from-dir wcc, to-dir wcc.</summary>
    private AcceptStat Rename(RpcCall call, ref XdrReader args, XdrWriter res)
    {
        var ffh = ReadFh(ref args);
        var fst = ReadName(ref args, out var fname);
        var tfh = ReadFh(ref args);
        var tst = ReadName(ref args, out var tname);
        if (!args.AtEnd)
            return AcceptStat.GARBAGE_ARGS;
        if (!Resolved(call, ffh, res, Fail.TwoWcc, out var f, out var st))
            return AcceptStat.SUCCESS;
        try
        {
            st = Resolve(call, tfh, out var t);
            if (st != NfsStat3.NFS3_OK)
            {
                res.WriteUInt32((uint)st);
                Nfs3Attr.WriteWcc(res, null, Attrs(f.Vp, f.Cred));
                Nfs3Attr.WriteWcc(res, null, null);
                return AcceptStat.SUCCESS;
            }
            try
            {
                var fb = Attrs(f.Vp, f.Cred);
                var tb = Attrs(t.Vp, t.Cred);
                st = fst != NfsStat3.NFS3_OK ? fst
                    : tst != NfsStat3.NFS3_OK ? tst
                    : f.Export != t.Export ? NfsStat3.NFS3ERR_XDEV
                    : f.ReadOnly ? NfsStat3.NFS3ERR_ROFS
                    : f.Vp.Type != VType.VDIR || t.Vp.Type != VType.VDIR ? NfsStat3.NFS3ERR_NOTDIR
                    : fname is "." or ".." || tname is "." or ".." ? NfsStat3.NFS3ERR_INVAL
                    : Map(Committed(Vop.Rename(f.Vp, fname, t.Vp, tname, f.Cred), f.Cred, null, f.Vp, t.Vp));
                res.WriteUInt32((uint)st);
                Nfs3Attr.WriteWcc(res, fb, Attrs(f.Vp, f.Cred));
                Nfs3Attr.WriteWcc(res, tb, Attrs(t.Vp, t.Cred));
                return AcceptStat.SUCCESS;
            }
            finally
            {
                t.Rele();
            }
        }
        finally
        {
            f.Rele();
        }
    }

    /// <summary>LINK: file, dir and name -> status, file attrs, dir wcc.</summary>
    private AcceptStat Link(RpcCall call, ref XdrReader args, XdrWriter res)
    {
        var sfh = ReadFh(ref args);
        var dfh = ReadFh(ref args);
        var nst = ReadName(ref args, out var name);
        if (!args.AtEnd)
            return AcceptStat.GARBAGE_ARGS;
        if (!Resolved(call, sfh, res, Fail.PostOpWcc, out var s, out var st))
            return AcceptStat.SUCCESS;
        try
        {
            st = Resolve(call, dfh, out var d);
            if (st != NfsStat3.NFS3_OK)
            {
                res.WriteUInt32((uint)st);
                Nfs3Attr.WritePostOp(res, Attrs(s.Vp, s.Cred));
                Nfs3Attr.WriteWcc(res, null, null);
                return AcceptStat.SUCCESS;
            }
            try
            {
                var before = Attrs(d.Vp, d.Cred);
                st = nst != NfsStat3.NFS3_OK ? nst
                    : s.Export != d.Export ? NfsStat3.NFS3ERR_XDEV
                    : d.ReadOnly ? NfsStat3.NFS3ERR_ROFS
                    : d.Vp.Type != VType.VDIR ? NfsStat3.NFS3ERR_NOTDIR
                    : Map(Committed(Vop.Link(d.Vp, s.Vp, name, d.Cred), d.Cred, s.Vp, d.Vp));
                res.WriteUInt32((uint)st);
                Nfs3Attr.WritePostOp(res, Attrs(s.Vp, s.Cred));
                Nfs3Attr.WriteWcc(res, before, Attrs(d.Vp, d.Cred));
                return AcceptStat.SUCCESS;
            }
            finally
            {
                d.Rele();
            }
        }
        finally
        {
            s.Rele();
        }
    }
}
