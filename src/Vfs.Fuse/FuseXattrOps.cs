// Vfs.Fuse: Linux extended attributes over the model's extattr VOPs -- SETXATTR, GETXATTR, LISTXATTR, REMOVEXATTR.
//
// Linux names an attribute "namespace.name"; the model has FreeBSD's namespaces. "user.NAME" is the user
// namespace's NAME (so `setfattr -n user.color` on the mount is VOP_SETEXTATTR(USER, "color") below). The
// namespaces Linux has and FreeBSD lacks here (security, trusted, system ACLs) hold nothing: reading one is
// ENODATA, which is what the kernel expects of a file without a security label or capability, and setting or
// removing one is EOPNOTSUPP. The system namespace stays out of reach of Linux callers, whose "system." means
// ACLs. A value is returned only whole: a buffer too small is ERANGE (getxattr(2)), with size 0 the length.
//
//   SETXATTR     fuse_setxattr_in (size, flags), name\0, value   flags XATTR_CREATE (EEXIST) / XATTR_REPLACE (ENODATA)
//   GETXATTR     fuse_getxattr_in (size, padding), name\0        -> the value, or fuse_getxattr_out (size) when size is 0
//   LISTXATTR    fuse_getxattr_in                                -> "user.NAME\0"..., or fuse_getxattr_out
//   REMOVEXATTR  name\0
using System.Text;
using UnixVfs.Core;

namespace UnixVfs.Fuse;

public sealed partial class FuseBridge
{
    private const string UserPrefix = "user.";
    private const uint XATTR_CREATE = 1, XATTR_REPLACE = 2;

    /// <summary>The model's name of a Linux attribute name: OK for "user.NAME", ENODATA/EOPNOTSUPP (as <paramref name="other"/>) for any other namespace.</summary>
    private static Errno UserName(string linuxName, Errno other, out string name)
    {
        name = "";
        if (!linuxName.StartsWith(UserPrefix, StringComparison.Ordinal))
            return other;
        name = linuxName[UserPrefix.Length..];
        return Extattr.CheckName(ExtattrNamespace.User, name);
    }

    /// <summary>SETXATTR: VOP_SETEXTATTR, after the create/replace test of <c>flags</c>.</summary>
    private Errno Setxattr(Req r)
    {
        uint size = r.In.ArgU32(0), flags = r.In.ArgU32(4);
        if (!r.In.ArgName(8, out var linuxName, out int valueAt) || size > Extattr.MaxValueLen || valueAt + size > r.In.ArgLen)
            return Errno.EINVAL;
        var err = UserName(linuxName, Errno.EOPNOTSUPP, out var name);
        if (err != Errno.OK || (err = Node(r.NodeId, out var vp)) != Errno.OK)
            return err;
        var cr = r.Cred();
        if ((flags & (XATTR_CREATE | XATTR_REPLACE)) != 0)
        {
            err = Vop.Getextattr(vp, ExtattrNamespace.User, name, null, out _, cr);
            err = err == Errno.OK ? ((flags & XATTR_CREATE) != 0 ? Errno.EEXIST : Errno.OK)
                : err == Errno.ENODATA && (flags & XATTR_REPLACE) == 0 ? Errno.OK : err;
        }
        if (err == Errno.OK)
            err = Vop.Setextattr(vp, ExtattrNamespace.User, name, new Uio(r.In.ArgMemory(valueAt, (int)size), 0, UioRw.UIO_WRITE), cr);
        vp.Rele();
        return err;
    }

    /// <summary>GETXATTR: VOP_GETEXTATTR into the reply, or the value's length.</summary>
    private Errno Getxattr(Req r)
    {
        uint size = r.In.ArgU32(0);
        if (!r.In.ArgName(8, out var linuxName, out _))
            return Errno.EINVAL;
        var err = UserName(linuxName, Errno.ENODATA, out var name);
        if (err != Errno.OK || (err = Node(r.NodeId, out var vp)) != Errno.OK)
            return err;
        var cr = r.Cred();
        err = Vop.Getextattr(vp, ExtattrNamespace.User, name, null, out long length, cr);
        if (err == Errno.OK && size > 0)
        {
            var room = r.Out.Room((int)Math.Min(size, int.MaxValue));
            var uio = new Uio(room, 0, UioRw.UIO_READ);
            err = length > room.Length ? Errno.ERANGE : Vop.Getextattr(vp, ExtattrNamespace.User, name, uio, out length, cr);
            if (err == Errno.OK)
                r.Out.Len += room.Length - (int)uio.Resid;
        }
        else if (err == Errno.OK)
            SizeOut(r, length);
        vp.Rele();
        return err;
    }

    /// <summary>LISTXATTR: the user namespace's names as "user.NAME\0" each, or the list's length.</summary>
    private Errno Listxattr(Req r)
    {
        uint size = r.In.ArgU32(0);
        var err = Node(r.NodeId, out var vp);
        if (err != Errno.OK)
            return err;
        var cr = r.Cred();
        err = Vop.Listextattr(vp, ExtattrNamespace.User, null, out long length, cr);
        var list = new byte[length];
        if (err == Errno.OK)
            err = Vop.Listextattr(vp, ExtattrNamespace.User, new Uio(list, 0, UioRw.UIO_READ), out _, cr);
        vp.Rele();
        if (err == Errno.EOPNOTSUPP)
            err = Errno.OK; // a file system without extended attributes lists none
        else if (err != Errno.OK)
            return err;
        var linux = Extattr.DecodeList(list).SelectMany(n => FsName.Encode(UserPrefix + n)!.Append((byte)0)).ToArray();
        if (size == 0)
            SizeOut(r, linux.Length);
        else if (linux.Length > size || linux.Length > r.Out.Free)
            return Errno.ERANGE;
        else
            r.Out.Bytes(linux);
        return Errno.OK;
    }

    /// <summary>REMOVEXATTR: VOP_DELETEEXTATTR.</summary>
    private Errno Removexattr(Req r)
    {
        if (!r.In.ArgName(0, out var linuxName, out _))
            return Errno.EINVAL;
        var err = UserName(linuxName, Errno.EOPNOTSUPP, out var name);
        if (err != Errno.OK || (err = Node(r.NodeId, out var vp)) != Errno.OK)
            return err;
        err = Vop.Deleteextattr(vp, ExtattrNamespace.User, name, r.Cred());
        vp.Rele();
        return err;
    }

    /// <summary>fuse_getxattr_out: the length a buffer needs.</summary>
    private static void SizeOut(Req r, long length)
    {
        r.Out.U32((uint)length);
        r.Out.U32(0);
    }
}
