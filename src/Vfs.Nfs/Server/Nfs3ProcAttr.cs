// Vfs.Nfs / server: GETATTR, SETATTR and ACCESS.
using UnixVfs.Core;
using UnixVfs.Nfs.Protocol;
using UnixVfs.Nfs.Rpc;
using UnixVfs.Nfs.Xdr;

namespace UnixVfs.Nfs.Server;

public sealed partial class Nfs3Service
{
    /// <summary>GETATTR: fh -> status, fattr3.</summary>
    private AcceptStat Getattr(RpcCall call, ref XdrReader args, XdrWriter res)
    {
        var fh = ReadFh(ref args);
        if (!args.AtEnd)
            return AcceptStat.GARBAGE_ARGS;
        var st = Resolve(call, fh, out var o);
        if (st == NfsStat3.NFS3_OK)
        {
            var va = new Vattr(Nfs3Attr.Fattr3Mask);
            st = Map(Vop.Getattr(o.Vp, va, AttrFlags.None, o.Cred));
            res.WriteUInt32((uint)st);
            if (st == NfsStat3.NFS3_OK)
                Nfs3Attr.WriteFattr(res, va);
            o.Rele();
            return AcceptStat.SUCCESS;
        }
        res.WriteUInt32((uint)st);
        return AcceptStat.SUCCESS;
    }

    /// <summary>SETATTR: fh, sattr3, guard (the ctime the client expects) -> status, wcc_data.</summary>
    private AcceptStat Setattr(RpcCall call, ref XdrReader args, XdrWriter res)
    {
        var fh = ReadFh(ref args);
        var va = Nfs3Attr.ReadSattr(ref args, _server.Kernel.Now(), out var flags);
        Timespec? guard = args.ReadBool() ? Nfs3Attr.ReadTime(ref args) : null;
        if (!args.AtEnd)
            return AcceptStat.GARBAGE_ARGS;
        if (!Resolved(call, fh, res, Fail.Wcc, out var o, out var st))
            return AcceptStat.SUCCESS;
        try
        {
            var before = Attrs(o.Vp, o.Cred);
            if (o.ReadOnly)
                st = NfsStat3.NFS3ERR_ROFS;
            else if (guard is { } g && (before is null || before.Ctime != g))
                st = NfsStat3.NFS3ERR_NOT_SYNC;
            else if (va.Mask != 0)
            {
                bool size = (va.Mask & AttrMask.AT_SIZE) != 0 && o.Vp.Type == VType.VREG;
                if (size)
                    Vop.Rwlock(o.Vp, RwLockType.Writer);
                var err = Vop.Setattr(o.Vp, va, flags, o.Cred);
                if (size)
                    Vop.Rwunlock(o.Vp, RwLockType.Writer);
                st = Map(Committed(err, o.Cred, o.Vp, null));
            }
            res.WriteUInt32((uint)st);
            Nfs3Attr.WriteWcc(res, before, Attrs(o.Vp, o.Cred));
            return AcceptStat.SUCCESS;
        }
        finally
        {
            o.Rele();
        }
    }

    /// <summary>ACCESS: fh, the ACCESS3_* bits asked -> status, post_op_attr, the bits granted.</summary>
    private AcceptStat Access(RpcCall call, ref XdrReader args, XdrWriter res)
    {
        var fh = ReadFh(ref args);
        uint want = args.ReadUInt32();
        if (!args.AtEnd)
            return AcceptStat.GARBAGE_ARGS;
        if (!Resolved(call, fh, res, Fail.PostOp, out var o, out var st))
            return AcceptStat.SUCCESS;
        try
        {
            var va = Attrs(o.Vp, o.Cred);
            if (va is null)
            {
                res.WriteUInt32((uint)NfsStat3.NFS3ERR_IO);
                Nfs3Attr.WritePostOp(res, null);
                return AcceptStat.SUCCESS;
            }
            bool dir = va.Type == VType.VDIR, ro = o.ReadOnly;
            uint granted = 0;
            bool Can(AccessMode m) => Vop.Access(o.Vp, m, AccessFlags.None, o.Cred) == Errno.OK;
            if ((want & Nfs3.ACCESS3_READ) != 0 && Can(AccessMode.VREAD))
                granted |= Nfs3.ACCESS3_READ;
            if ((want & Nfs3.ACCESS3_LOOKUP) != 0 && dir && Can(AccessMode.VEXEC))
                granted |= Nfs3.ACCESS3_LOOKUP;
            if (!ro && (want & (Nfs3.ACCESS3_MODIFY | Nfs3.ACCESS3_EXTEND)) != 0 && Can(AccessMode.VWRITE))
                granted |= want & (Nfs3.ACCESS3_MODIFY | Nfs3.ACCESS3_EXTEND);
            if (!ro && (want & Nfs3.ACCESS3_DELETE) != 0 && dir && Can(AccessMode.VWRITE | AccessMode.VEXEC))
                granted |= Nfs3.ACCESS3_DELETE;
            if ((want & Nfs3.ACCESS3_EXECUTE) != 0 && !dir && Can(AccessMode.VEXEC))
                granted |= Nfs3.ACCESS3_EXECUTE;
            res.WriteUInt32((uint)NfsStat3.NFS3_OK);
            Nfs3Attr.WritePostOp(res, va);
            res.WriteUInt32(granted);
            return AcceptStat.SUCCESS;
        }
        finally
        {
            o.Rele();
        }
    }
}
