// Vfs.Nfs / server: CREATE, MKDIR, SYMLINK, MKNOD -- the procedures that make a name.
//
// CREATE has three modes. GUARDED makes a new file and fails with NFS3ERR_EXIST if the name exists;
// UNCHECKED does the same but opens an existing file instead (truncating it to the size in the
// attributes, if one is given, after a write-permission check); EXCLUSIVE makes the file only if it
// does not exist and records the client's 8-byte verifier in the new file's atime and mtime seconds,
// so that a retransmission of the same CREATE (same verifier) finds the file it made and succeeds,
// while any other caller gets NFS3ERR_EXIST. The client then sets the real attributes with SETATTR, as
// RFC 1813 says.
//
// The attributes of an UNCHECKED or GUARDED CREATE (and of MKDIR and MKNOD) are applied to a new file
// after it is made: the mode at the create, then the size (the caller made the file, so no write check,
// as for an open with O_TRUNC), owner, group and times with VOP_SETATTR. As in Linux's nfsd, a caller
// other than root has uid and gid dropped from them: the file is the caller's, and a root-squashed
// caller's file is the anonymous user's. If applying them fails (EFBIG for a size past the file
// system's limit, for example), the new name is removed again, so a failed CREATE leaves nothing behind.
using System.Buffers.Binary;
using UnixVfs.Core;
using UnixVfs.Nfs.Protocol;
using UnixVfs.Nfs.Rpc;
using UnixVfs.Nfs.Xdr;

namespace UnixVfs.Nfs.Server;

public sealed partial class Nfs3Service
{
    /// <summary>CREATE: where, createhow3 -> status, post_op_fh3, attrs, dir wcc.</summary>
    private AcceptStat Create(RpcCall call, ref XdrReader args, XdrWriter res)
    {
        var fh = ReadFh(ref args);
        var nst = ReadName(ref args, out var name);
        var mode = (CreateMode3)args.ReadUInt32();
        Vattr va = new();
        var flags = AttrFlags.None;
        byte[] verf = [];
        if (mode is CreateMode3.UNCHECKED or CreateMode3.GUARDED)
            va = Nfs3Attr.ReadSattr(ref args, _server.Kernel.Now(), out flags);
        else if (mode == CreateMode3.EXCLUSIVE)
            verf = args.ReadFixedOpaque(Nfs3.VerfSize).ToArray();
        else
            args.Fail();
        if (!args.AtEnd)
            return AcceptStat.GARBAGE_ARGS;
        return MakeName(call, fh, nst, res, (d, vattr) =>
        {
            vattr.Type = VType.VREG;
            vattr.Mode = (va.Mask & AttrMask.AT_MODE) != 0 ? va.Mode : 0x1A4;
            if (mode == CreateMode3.EXCLUSIVE)
                return CreateExclusive(d, name, vattr, verf);
            // EXCL first, so that we know whether we made the file (and must remove it if the rest fails).
            var err = Vop.Create(d.Vp, name, vattr, VcExcl.EXCL, AccessMode.VWRITE, out var vp, d.Cred, FileFlags.FWRITE);
            if (err == Errno.OK)
                return Finish(d, name, vp!, va, flags, made: true);
            if (err != Errno.EEXIST || mode == CreateMode3.GUARDED)
                return (err, null);
            if ((va.Mask & AttrMask.AT_SIZE) != 0)
            {
                vattr.Mask |= AttrMask.AT_SIZE;
                vattr.Size = va.Size;
            }
            err = Vop.Create(d.Vp, name, vattr, VcExcl.NONEXCL, AccessMode.VWRITE, out vp, d.Cred, FileFlags.FWRITE);
            return err == Errno.OK ? Finish(d, name, vp!, va, flags, made: false) : (err, null);
        });
    }

    /// <summary>An EXCLUSIVE create: the verifier goes into atime and mtime; a retransmission finds the same file.</summary>
    private static (Errno, Vnode?) CreateExclusive(Obj d, string name, Vattr vattr, byte[] verf)
    {
        var t = new Timespec(BinaryPrimitives.ReadUInt32BigEndian(verf), 0);
        var m = new Timespec(BinaryPrimitives.ReadUInt32BigEndian(verf.AsSpan(4)), 0);
        var e = Vop.Create(d.Vp, name, vattr, VcExcl.EXCL, AccessMode.VWRITE, out var nvp, d.Cred, FileFlags.FWRITE);
        if (e == Errno.OK)
        {
            var stamp = new Vattr(AttrMask.AT_ATIME | AttrMask.AT_MTIME) { Atime = t, Mtime = m };
            return Finish(d, name, nvp!, stamp, AttrFlags.ATTR_UTIME, made: true);
        }
        if (e != Errno.EEXIST || LookupIn(d, name, out var old) != Errno.OK)
            return (e, null);
        var oa = new Vattr(AttrMask.AT_ATIME | AttrMask.AT_MTIME | AttrMask.AT_TYPE);
        if (Vop.Getattr(old!, oa, AttrFlags.None, d.Cred) == Errno.OK && oa.Type == VType.VREG && oa.Atime == t && oa.Mtime == m)
            return (Errno.OK, old);
        old!.Rele();
        return (Errno.EEXIST, null);
    }

    /// <summary>MKDIR: where, sattr3 -> status, post_op_fh3, attrs, dir wcc.</summary>
    private AcceptStat Mkdir(RpcCall call, ref XdrReader args, XdrWriter res)
    {
        var fh = ReadFh(ref args);
        var nst = ReadName(ref args, out var name);
        var va = Nfs3Attr.ReadSattr(ref args, _server.Kernel.Now(), out var flags);
        if (!args.AtEnd)
            return AcceptStat.GARBAGE_ARGS;
        return MakeName(call, fh, nst, res, (d, vattr) =>
        {
            vattr.Type = VType.VDIR;
            vattr.Mode = (va.Mask & AttrMask.AT_MODE) != 0 ? va.Mode : 0x1ED;
            var err = Vop.Mkdir(d.Vp, name, vattr, out var vp, d.Cred);
            va.Mask &= ~AttrMask.AT_SIZE;
            return err == Errno.OK ? Finish(d, name, vp!, va, flags, made: true) : (err, null);
        });
    }

    /// <summary>SYMLINK: where, sattr3, target -> status, post_op_fh3, attrs, dir wcc.</summary>
    private AcceptStat Symlink(RpcCall call, ref XdrReader args, XdrWriter res)
    {
        var fh = ReadFh(ref args);
        var nst = ReadName(ref args, out var name);
        var va = Nfs3Attr.ReadSattr(ref args, _server.Kernel.Now(), out _);
        var target = args.ReadString(Limits.PathMax);
        if (!args.AtEnd)
            return AcceptStat.GARBAGE_ARGS;
        return MakeName(call, fh, nst, res, (d, vattr) =>
        {
            vattr.Type = VType.VLNK;
            vattr.Mode = (va.Mask & AttrMask.AT_MODE) != 0 ? va.Mode : 0x1FF;
            if (target.Length == 0 || target.Contains('\0'))
                return (Errno.EINVAL, null);
            var err = Vop.Symlink(d.Vp, name, vattr, target, d.Cred);
            if (err != Errno.OK)
                return (err, null);
            err = Vop.Lookup(d.Vp, name, out var vp, LookupFlags.None, null, d.Cred);
            return (err, vp);
        });
    }

    /// <summary>MKNOD: where, type and its data (sattr3, and the device for CHR/BLK) -> status, post_op_fh3, attrs, dir wcc.</summary>
    private AcceptStat Mknod(RpcCall call, ref XdrReader args, XdrWriter res)
    {
        var fh = ReadFh(ref args);
        var nst = ReadName(ref args, out var name);
        var type = (Ftype3)args.ReadUInt32();
        Vattr va = new();
        var flags = AttrFlags.None;
        ulong rdev = 0;
        if (type is Ftype3.NF3CHR or Ftype3.NF3BLK)
        {
            va = Nfs3Attr.ReadSattr(ref args, _server.Kernel.Now(), out flags);
            uint maj = args.ReadUInt32(), min = args.ReadUInt32();
            rdev = Nfs3Attr.MakeDev(maj, min);
        }
        else if (type is Ftype3.NF3SOCK or Ftype3.NF3FIFO)
            va = Nfs3Attr.ReadSattr(ref args, _server.Kernel.Now(), out flags);
        else if (Nfs3Attr.FromFtype(type) == VType.VNON)
            args.Fail();
        if (!args.AtEnd)
            return AcceptStat.GARBAGE_ARGS;
        return MakeName(call, fh, nst, res, (d, vattr) =>
        {
            if (type is Ftype3.NF3REG or Ftype3.NF3DIR or Ftype3.NF3LNK)
                return (Errno.EBADMSG, null);
            vattr.Type = Nfs3Attr.FromFtype(type);
            var err = Secpolicy.Mknod(d.Cred, vattr.Type);
            if (err != Errno.OK)
                return (err, null);
            vattr.Mode = (va.Mask & AttrMask.AT_MODE) != 0 ? va.Mode : 0x1A4;
            vattr.Rdev = rdev;
            vattr.Mask |= AttrMask.AT_RDEV;
            err = Vop.Create(d.Vp, name, vattr, VcExcl.EXCL, 0, out var vp, d.Cred, FileFlags.None);
            va.Mask &= ~AttrMask.AT_SIZE;
            return err == Errno.OK ? Finish(d, name, vp!, va, flags, made: true) : (err, null);
        });
    }

    /// <summary>
    /// After a create: applies the sattr3 attributes the create itself did not set (size, owner, group, times;
    /// uid and gid only for root, as nfsd does). On failure the vnode is released and, if this call
    /// <paramref name="made"/> the file, its name removed again. Returns the vnode held, or the error.
    /// </summary>
    private static (Errno, Vnode?) Finish(Obj d, string name, Vnode vp, Vattr va, AttrFlags flags, bool made)
    {
        var rest = va.Clone();
        rest.Mask &= ~AttrMask.AT_MODE;
        if (!made)
            rest.Mask &= ~AttrMask.AT_SIZE;   // an existing file was truncated by the create, after its access check
        else
            flags |= AttrFlags.ATTR_NOACLCHECK;
        if (!d.Cred.IsSuperUser)
            rest.Mask &= ~(AttrMask.AT_UID | AttrMask.AT_GID);
        var err = rest.Mask == 0 ? Errno.OK : Vop.Setattr(vp, rest, flags, d.Cred);
        if (err == Errno.OK)
            return (Errno.OK, vp);
        var type = vp.Type;
        vp.Rele();
        if (made && type == VType.VDIR)
            Vop.Rmdir(d.Vp, name, null, d.Cred);
        else if (made)
            Vop.Remove(d.Vp, name, d.Cred);
        return (err, null);
    }

    /// <summary>
    /// The common body of the four: resolves the directory, refuses a read-only export, runs
    /// <paramref name="make"/> (which returns the new vnode held) and encodes the reply. EBADMSG from
    /// <paramref name="make"/> stands for NFS3ERR_BADTYPE.
    /// </summary>
    private AcceptStat MakeName(RpcCall call, ReadOnlySpan<byte> fh, NfsStat3 nameStatus, XdrWriter res, Func<Obj, Vattr, (Errno, Vnode?)> make)
    {
        if (!Resolved(call, fh, res, Fail.Wcc, out var d, out var st))
            return AcceptStat.SUCCESS;
        try
        {
            var before = Attrs(d.Vp, d.Cred);
            Vnode? vp = null;
            st = nameStatus != NfsStat3.NFS3_OK ? nameStatus
                : d.ReadOnly ? NfsStat3.NFS3ERR_ROFS
                : d.Vp.Type != VType.VDIR ? NfsStat3.NFS3ERR_NOTDIR
                : NfsStat3.NFS3_OK;
            if (st == NfsStat3.NFS3_OK)
            {
                var (err, nvp) = make(d, new Vattr(AttrMask.AT_TYPE | AttrMask.AT_MODE));
                vp = nvp;
                if (err == Errno.OK && (err = CommitMetadata(d.Cred, vp, d.Vp)) != Errno.OK)
                {
                    vp!.Rele();
                    vp = null;
                }
                st = err == Errno.EBADMSG ? NfsStat3.NFS3ERR_BADTYPE : Map(err);
            }
            res.WriteUInt32((uint)st);
            if (st == NfsStat3.NFS3_OK)
            {
                WritePostOpFh(res, MakeFh(d.Export, vp!));
                Nfs3Attr.WritePostOp(res, Attrs(vp!, d.Cred));
            }
            vp?.Rele();
            Nfs3Attr.WriteWcc(res, before, Attrs(d.Vp, d.Cred));
            return AcceptStat.SUCCESS;
        }
        finally
        {
            d.Rele();
        }
    }
}
