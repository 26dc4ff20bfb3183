// Vfs.Fuse: requests about one node's attributes -- GETATTR, SETATTR, READLINK, STATFS, ACCESS.
using UnixVfs.Core;

namespace UnixVfs.Fuse;

public sealed partial class FuseBridge
{
    /// <summary>VOP_GETATTR of everything the kernel is sent.</summary>
    private static Errno Attrs(Vnode vp, Cred cr, out Vattr va)
    {
        va = new Vattr(AttrMask.AT_ALL);
        return Vop.Getattr(vp, va, AttrFlags.None, cr);
    }

    /// <summary>Writes fuse_attr_out for <paramref name="vp"/>.</summary>
    private Errno ReplyAttr(Req r, Vnode vp, Cred cr)
    {
        var err = Attrs(vp, cr, out var va);
        if (err != Errno.OK)
            return err;
        var (s, ns) = FuseReply.Timeout(Options.AttrTimeout);
        r.Out.U64(s);
        r.Out.U32(ns);
        r.Out.U32(0);
        r.Out.Attr(va);
        return Errno.OK;
    }

    /// <summary>GETATTR: fuse_getattr_in (flags, fh) -> fuse_attr_out. Always asks the file system.</summary>
    private Errno Getattr(Req r)
    {
        var err = Node(r.NodeId, out var vp);
        if (err != Errno.OK)
            return err;
        err = ReplyAttr(r, vp, r.Cred());
        vp.Rele();
        return err;
    }

    /// <summary>
    /// SETATTR: fuse_setattr_in -> fuse_attr_out. Each FATTR_* bit becomes an AT_* bit of one VOP_SETATTR.
    /// utimensat's UTIME_OMIT arrives as an absent FATTR_ATIME/MTIME; UTIME_NOW as FATTR_*_NOW, which the
    /// bridge stamps with the Kernel's clock and sends without ATTR_UTIME (so write permission is enough,
    /// as for utimes(NULL)); explicit times carry ATTR_UTIME (only the owner may set them).
    /// </summary>
    private Errno Setattr(Req r)
    {
        var err = Node(r.NodeId, out var vp);
        if (err != Errno.OK)
            return err;
        try
        {
            var a = r.In;
            uint valid = a.ArgU32(0);
            var va = new Vattr();
            var flags = AttrFlags.None;
            if ((valid & FuseProto.FATTR_MODE) != 0)
            {
                va.Mask |= AttrMask.AT_MODE;
                va.Mode = a.ArgU32(68) & ModeBits.ModeMask;
            }
            if ((valid & FuseProto.FATTR_UID) != 0)
            {
                va.Mask |= AttrMask.AT_UID;
                va.Uid = a.ArgU32(76);
            }
            if ((valid & FuseProto.FATTR_GID) != 0)
            {
                va.Mask |= AttrMask.AT_GID;
                va.Gid = a.ArgU32(80);
            }
            if ((valid & FuseProto.FATTR_SIZE) != 0)
            {
                ulong size = a.ArgU64(16);
                if (size > long.MaxValue)
                    return Errno.EFBIG;
                va.Mask |= AttrMask.AT_SIZE;
                va.Size = (long)size;
            }
            var now = Kernel.Now();
            if ((valid & FuseProto.FATTR_ATIME) != 0)
            {
                va.Mask |= AttrMask.AT_ATIME;
                va.Atime = (valid & FuseProto.FATTR_ATIME_NOW) != 0 ? now : new Timespec((long)a.ArgU64(32), a.ArgU32(56));
                if ((valid & FuseProto.FATTR_ATIME_NOW) == 0)
                    flags |= AttrFlags.ATTR_UTIME;
            }
            if ((valid & FuseProto.FATTR_MTIME) != 0)
            {
                va.Mask |= AttrMask.AT_MTIME;
                va.Mtime = (valid & FuseProto.FATTR_MTIME_NOW) != 0 ? now : new Timespec((long)a.ArgU64(40), a.ArgU32(60));
                if ((valid & FuseProto.FATTR_MTIME_NOW) == 0)
                    flags |= AttrFlags.ATTR_UTIME;
            }
            var cr = r.Cred();
            if (va.Mask != 0 && (err = Vop.Setattr(vp, va, flags, cr)) != Errno.OK)
                return err;
            if ((va.Mask & AttrMask.AT_SIZE) != 0 && !cr.IsSuperUser && (err = KillSetid(vp)) != Errno.OK)
                return err;
            r.After.Add(new FuseNotification(r.NodeId, null));
            return ReplyAttr(r, vp, cr);
        }
        finally
        {
            vp.Rele();
        }
    }

    /// <summary>
    /// A truncate by someone other than root clears the set-user-id bit, and the set-group-id bit of a
    /// group-executable file, as Linux's should_remove_suid has it. With FUSE_HANDLE_KILLPRIV (FuseDispatch.cs)
    /// this is the file system's duty; write and chown are cleared by the model's file systems themselves,
    /// truncate is done here, in the kernel's name, since the truncating user need not own the file.
    /// </summary>
    private static Errno KillSetid(Vnode vp)
    {
        var va = new Vattr(AttrMask.AT_MODE | AttrMask.AT_TYPE);
        var err = Vop.Getattr(vp, va, AttrFlags.None, Cred.Kcred);
        if (err != Errno.OK || va.Type != VType.VREG)
            return err;
        uint kill = va.Mode & ModeBits.S_ISUID;
        if ((va.Mode & (ModeBits.S_ISGID | 0x8)) == (ModeBits.S_ISGID | 0x8))
            kill |= ModeBits.S_ISGID;
        if (kill == 0)
            return Errno.OK;
        return Vop.Setattr(vp, new Vattr(AttrMask.AT_MODE) { Mode = va.Mode & ~kill }, AttrFlags.None, Cred.Kcred);
    }

    /// <summary>READLINK: -> the target, no NUL.</summary>
    private Errno Readlink(Req r)
    {
        var err = Node(r.NodeId, out var vp);
        if (err != Errno.OK)
            return err;
        var room = r.Out.Room(Limits.PathMax);
        var uio = new Uio(room, 0, UioRw.UIO_READ);
        err = Vop.Readlink(vp, uio, r.Cred());
        vp.Rele();
        if (err == Errno.OK)
            r.Out.Len += room.Length - (int)uio.Resid;
        return err;
    }

    /// <summary>STATFS: -> fuse_kstatfs of the vfs the node belongs to (VFS_STATVFS).</summary>
    private Errno Statfs(Req r)
    {
        var err = Node(r.NodeId, out var vp);
        if (err != Errno.OK)
            return err;
        var sv = new Statvfs();
        err = VfsOp.Statvfs(vp.Vfs, sv);
        vp.Rele();
        if (err != Errno.OK)
            return err;
        var o = r.Out;
        o.U64(sv.Blocks);
        o.U64(sv.Bfree);
        o.U64(sv.Bavail);
        o.U64(sv.Files);
        o.U64(sv.Ffree);
        o.U32((uint)sv.Bsize);
        o.U32((uint)sv.Namemax);
        o.U32((uint)sv.Frsize);
        for (int i = 0; i < 7; i++)
            o.U32(0); // padding, spare[6]
        return Errno.OK;
    }

    /// <summary>ACCESS: fuse_access_in (mask: R_OK 4, W_OK 2, X_OK 1) -> VOP_ACCESS. F_OK (0) asks only that the node exists.</summary>
    private Errno Access(Req r)
    {
        var err = Node(r.NodeId, out var vp);
        if (err != Errno.OK)
            return err;
        uint mask = r.In.ArgU32(0);
        var mode = ((mask & 4) != 0 ? AccessMode.VREAD : 0) | ((mask & 2) != 0 ? AccessMode.VWRITE : 0) | ((mask & 1) != 0 ? AccessMode.VEXEC : 0);
        err = mode == 0 ? Errno.OK : Vop.Access(vp, mode, AccessFlags.None, r.Cred());
        vp.Rele();
        return err;
    }
}
