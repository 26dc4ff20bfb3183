// Vfs.Nfs / server: FSSTAT, FSINFO and PATHCONF -- what the client learns about the file system.
//
// FSINFO advertises transfers up to NfsServerOptions.MaxIo (1 MiB by default: libnfs's nfs-cp
// moves 1 MiB per READ/WRITE and a smaller rtmax/wtmax would split every one of them), the
// preferred sizes equal to the maximum, nanosecond timestamps, hard and symbolic links.
using UnixVfs.Core;
using UnixVfs.Nfs.Protocol;
using UnixVfs.Nfs.Rpc;
using UnixVfs.Nfs.Xdr;

namespace UnixVfs.Nfs.Server;

public sealed partial class Nfs3Service
{
    /// <summary>FSSTAT: fh -> status, attrs, bytes (total, free, available), files (same), invarsec.</summary>
    private AcceptStat Fsstat(RpcCall call, ref XdrReader args, XdrWriter res) => FsQuery(call, ref args, res, (o, w) =>
    {
        var sv = new Statvfs();
        var err = VfsOp.Statvfs(o.Vp.Vfs, sv);
        if (err != Errno.OK)
            return err;
        ulong fr = sv.Frsize == 0 ? sv.Bsize : sv.Frsize;
        w.WriteUInt64(sv.Blocks * fr);
        w.WriteUInt64(sv.Bfree * fr);
        w.WriteUInt64(sv.Bavail * fr);
        w.WriteUInt64(sv.Files);
        w.WriteUInt64(sv.Ffree);
        w.WriteUInt64(sv.Favail);
        w.WriteUInt32(0);
        return Errno.OK;
    });

    /// <summary>FSINFO: fh -> status, attrs, transfer sizes, maxfilesize, time_delta, properties.</summary>
    private AcceptStat Fsinfo(RpcCall call, ref XdrReader args, XdrWriter res) => FsQuery(call, ref args, res, (o, w) =>
    {
        uint io = (uint)_server.Options.MaxIo;
        long bits = Vop.Pathconf(o.Vp, PathconfName._PC_FILESIZEBITS, out long b, o.Cred) == Errno.OK ? b : 64;
        w.WriteUInt32(io);          // rtmax
        w.WriteUInt32(io);          // rtpref
        w.WriteUInt32(4096);        // rtmult
        w.WriteUInt32(io);          // wtmax
        w.WriteUInt32(io);          // wtpref
        w.WriteUInt32(4096);        // wtmult
        w.WriteUInt32(64 * 1024);   // dtpref
        w.WriteUInt64(bits >= 64 ? long.MaxValue : (1UL << (int)(bits - 1)) - 1);
        Nfs3Attr.WriteTime(w, new Timespec(0, 1));
        w.WriteUInt32(Nfs3.FSF3_LINK | Nfs3.FSF3_SYMLINK | Nfs3.FSF3_HOMOGENEOUS | Nfs3.FSF3_CANSETTIME);
        return Errno.OK;
    });

    /// <summary>PATHCONF: fh -> status, attrs, linkmax, name_max, no_trunc, chown_restricted, case_insensitive, case_preserving.</summary>
    private AcceptStat Pathconf(RpcCall call, ref XdrReader args, XdrWriter res) => FsQuery(call, ref args, res, (o, w) =>
    {
        long Conf(PathconfName n, long dflt) => Vop.Pathconf(o.Vp, n, out long v, o.Cred) == Errno.OK ? v : dflt;
        w.WriteUInt32((uint)Conf(PathconfName._PC_LINK_MAX, 32767));
        w.WriteUInt32((uint)Conf(PathconfName._PC_NAME_MAX, Limits.NameMax));
        w.WriteBool(Conf(PathconfName._PC_NO_TRUNC, 1) != 0);
        w.WriteBool(Conf(PathconfName._PC_CHOWN_RESTRICTED, 1) != 0);
        w.WriteBool(false);
        w.WriteBool(true);
        return Errno.OK;
    });

    /// <summary>The shape the three share: fh in; status, post_op_attr, and on success what <paramref name="body"/> writes.</summary>
    private AcceptStat FsQuery(RpcCall call, ref XdrReader args, XdrWriter res, Func<Obj, XdrWriter, Errno> body)
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
            var va = Attrs(o.Vp, o.Cred);
            int start = res.Length;
            res.WriteUInt32((uint)NfsStat3.NFS3_OK);
            Nfs3Attr.WritePostOp(res, va);
            var err = body(o, res);
            if (err != Errno.OK)
            {
                res.Truncate(start);
                res.WriteUInt32((uint)Map(err));
                Nfs3Attr.WritePostOp(res, va);
            }
            return AcceptStat.SUCCESS;
        }
        finally
        {
            o.Rele();
        }
    }
}
