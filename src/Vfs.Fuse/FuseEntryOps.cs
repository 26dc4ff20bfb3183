// Vfs.Fuse: requests that find, make or remove names -- LOOKUP, MKNOD, MKDIR, SYMLINK, LINK, UNLINK,
// RMDIR, RENAME and RENAME2.
//
// Every reply that hands the kernel a node (fuse_entry_out) enters it in the node table first, which
// counts one lookup (FuseNodes.cs). A name longer than NAME_MAX is ENAMETOOLONG here, as lookuppn would
// have it: fuse.ko passes names up to 1024 bytes. A lookup that lands on a directory another file
// system is mounted on goes on into that file system's root, as lookuppn does, so a served tree with
// mounts inside it is seen whole.
using UnixVfs.Core;

namespace UnixVfs.Fuse;

public sealed partial class FuseBridge
{
    /// <summary>Names the bridge refuses before any VOP: too long, or "." and "..", which fuse.ko never sends.</summary>
    private static Errno CheckName(string name)
    {
        if (FsName.ByteCount(name) > Limits.NameMax)
            return Errno.ENAMETOOLONG;
        if (name.Length == 0 || name is "." or ".." || name.Contains('/'))
            return Errno.EINVAL;
        return Errno.OK;
    }

    /// <summary>VOP_LOOKUP, then down through whatever is mounted on what it found. On OK <paramref name="vp"/> is held once.</summary>
    private static Errno LookupIn(Vnode dvp, string name, Cred cr, out Vnode? vp)
    {
        var err = Vop.Lookup(dvp, name, out vp, LookupFlags.None, null, cr);
        while (err == Errno.OK && vp!.VfsMountedHere is { } mounted)
        {
            err = VfsOp.Root(mounted, out var root);
            vp.Rele();
            vp = err == Errno.OK ? root : null;
        }
        return err;
    }

    /// <summary>Writes fuse_entry_out for <paramref name="vp"/> (held by the caller), counting one lookup of it.</summary>
    private Errno ReplyEntry(Req r, Vnode vp, Cred cr)
    {
        var err = Attrs(vp, cr, out var va);
        if (err != Errno.OK)
            return err;
        ulong id = _nodes.Enter(vp);
        r.Entered.Add(id);
        r.Out.Entry(id, va, Options.EntryTimeout, Options.AttrTimeout);
        return Errno.OK;
    }

    /// <summary>The node id the kernel has for <paramref name="name"/> in <paramref name="dvp"/> (no mount crossing), or 0.</summary>
    private ulong KnownNode(Vnode dvp, string name, Cred cr, out VType type, out bool mountPoint)
    {
        type = VType.VNON;
        mountPoint = false;
        if (Vop.Lookup(dvp, name, out var vp, LookupFlags.None, null, cr) != Errno.OK)
            return 0;
        type = vp!.Type;
        mountPoint = vp.VfsMountedHere is not null;
        ulong id = _nodes.Find(vp);
        vp.Rele();
        return id;
    }

    /// <summary>
    /// The directory node and the name of a request that names one entry (LOOKUP, UNLINK, RMDIR, and the
    /// makers after their struct of <paramref name="skip"/> bytes). On OK <paramref name="dvp"/> is held.
    /// </summary>
    private Errno DirAndName(Req r, int skip, out Vnode dvp, out string name, out int next)
    {
        dvp = null!;
        if (!r.In.ArgName(skip, out name, out next))
            return Errno.EINVAL;
        var err = CheckName(name);
        return err != Errno.OK ? err : Node(r.NodeId, out dvp);
    }

    /// <summary>LOOKUP: name -> fuse_entry_out. ENOENT is not cached (no negative entries): the next lookup asks again.</summary>
    private Errno Lookup(Req r)
    {
        var err = DirAndName(r, 0, out var dvp, out var name, out _);
        if (err != Errno.OK)
            return err;
        var cr = r.Cred();
        err = LookupIn(dvp, name, cr, out var vp);
        dvp.Rele();
        if (err != Errno.OK)
            return err;
        err = ReplyEntry(r, vp!, cr);
        vp!.Rele();
        return err;
    }

    /// <summary>MKNOD: fuse_mknod_in (mode with S_IFMT, rdev, umask) and name -> fuse_entry_out. VOP_CREATE, exclusive.</summary>
    private Errno Mknod(Req r)
    {
        var err = DirAndName(r, 16, out var dvp, out var name, out _);
        if (err != Errno.OK)
            return err;
        uint mode = r.In.ArgU32(0);
        var type = ModeBits.IfToVt(mode);
        var cr = r.Cred();
        Vnode? vp = null;
        if (type is VType.VNON or VType.VDIR or VType.VLNK)
            err = Errno.EINVAL;
        else
        {
            var va = new Vattr(AttrMask.AT_TYPE | AttrMask.AT_MODE | AttrMask.AT_RDEV) { Type = type, Mode = mode & ModeBits.ModeMask, Rdev = r.In.ArgU32(4) };
            err = Vop.Create(dvp, name, va, VcExcl.EXCL, 0, out vp, cr, FileFlags.None);
        }
        dvp.Rele();
        if (err == Errno.OK)
            err = ReplyEntry(r, vp!, cr);
        vp?.Rele();
        return err;
    }

    /// <summary>MKDIR: fuse_mkdir_in (mode, umask) and name -> fuse_entry_out.</summary>
    private Errno Mkdir(Req r)
    {
        var err = DirAndName(r, 8, out var dvp, out var name, out _);
        if (err != Errno.OK)
            return err;
        var cr = r.Cred();
        var va = new Vattr(AttrMask.AT_TYPE | AttrMask.AT_MODE) { Type = VType.VDIR, Mode = r.In.ArgU32(0) & ModeBits.ModeMask };
        err = Vop.Mkdir(dvp, name, va, out var vp, cr);
        dvp.Rele();
        if (err == Errno.OK)
            err = ReplyEntry(r, vp!, cr);
        vp?.Rele();
        return err;
    }

    /// <summary>SYMLINK: name, then target -> fuse_entry_out.</summary>
    private Errno Symlink(Req r)
    {
        var err = DirAndName(r, 0, out var dvp, out var name, out int next);
        if (err != Errno.OK)
            return err;
        var cr = r.Cred();
        Vnode? vp = null;
        if (!r.In.ArgName(next, out var target, out _) || target.Length == 0)
            err = Errno.EINVAL;
        else if (FsName.ByteCount(target) >= Limits.PathMax)
            err = Errno.ENAMETOOLONG;
        else
        {
            var va = new Vattr(AttrMask.AT_TYPE | AttrMask.AT_MODE) { Type = VType.VLNK, Mode = 0x1FF };
            err = Vop.Symlink(dvp, name, va, target, cr);
            if (err == Errno.OK)
                err = Vop.Lookup(dvp, name, out vp, LookupFlags.None, null, cr);
        }
        dvp.Rele();
        if (err == Errno.OK)
            err = ReplyEntry(r, vp!, cr);
        vp?.Rele();
        return err;
    }

    /// <summary>LINK: fuse_link_in (oldnodeid) and the new name in the request's directory -> fuse_entry_out of the file.</summary>
    private Errno Link(Req r)
    {
        ulong oldId = r.In.ArgU64(0);
        var err = DirAndName(r, 8, out var tdvp, out var name, out _);
        if (err != Errno.OK)
            return err;
        if ((err = Node(oldId, out var svp)) != Errno.OK)
        {
            tdvp.Rele();
            return err;
        }
        var cr = r.Cred();
        err = Vop.Link(tdvp, svp, name, cr);
        if (err == Errno.OK)
            err = ReplyEntry(r, svp, cr);
        if (err == Errno.OK)
            r.After.Add(new FuseNotification(oldId, null)); // its nlink and ctime changed
        svp.Rele();
        tdvp.Rele();
        return err;
    }

    /// <summary>UNLINK: name -> VOP_REMOVE. The kernel is told to drop the file's attributes (nlink, ctime).</summary>
    private Errno Unlink(Req r)
    {
        var err = DirAndName(r, 0, out var dvp, out var name, out _);
        if (err != Errno.OK)
            return err;
        var cr = r.Cred();
        ulong id = KnownNode(dvp, name, cr, out var type, out _);
        err = type == VType.VDIR ? Errno.EISDIR : Vop.Remove(dvp, name, cr);
        dvp.Rele();
        if (err == Errno.OK && id != 0)
            r.After.Add(new FuseNotification(id, null));
        return err;
    }

    /// <summary>RMDIR: name -> VOP_RMDIR; EBUSY for a directory something is mounted on.</summary>
    private Errno Rmdir(Req r)
    {
        var err = DirAndName(r, 0, out var dvp, out var name, out _);
        if (err != Errno.OK)
            return err;
        var cr = r.Cred();
        ulong id = KnownNode(dvp, name, cr, out var type, out bool mountPoint);
        err = mountPoint ? Errno.EBUSY
            : type is not (VType.VDIR or VType.VNON) ? Errno.ENOTDIR
            : Vop.Rmdir(dvp, name, null, cr);
        dvp.Rele();
        if (err == Errno.OK && id != 0)
            r.After.Add(new FuseNotification(id, null));
        return err;
    }

    /// <summary>
    /// RENAME: fuse_rename_in (newdir) and RENAME2: fuse_rename2_in (newdir, flags), each followed by the old and
    /// the new name. Of renameat2's flags, RENAME_NOREPLACE is kept (EEXIST when the new name exists; fuse.ko
    /// holds both directories' locks, so no other request through the mount can make the name meanwhile);
    /// RENAME_EXCHANGE and RENAME_WHITEOUT, which no VOP does, are EINVAL.
    /// </summary>
    private Errno Rename(Req r, int skip, uint flags)
    {
        if ((flags & ~FuseProto.RENAME_NOREPLACE) != 0)
            return Errno.EINVAL;
        ulong newDir = r.In.ArgU64(0);
        var err = DirAndName(r, skip, out var sdvp, out var oldName, out int next);
        if (err != Errno.OK)
            return err;
        if (!r.In.ArgName(next, out var newName, out _))
            err = Errno.EINVAL;
        else
            err = CheckName(newName);
        if (err != Errno.OK || (err = Node(newDir, out var tdvp)) != Errno.OK)
        {
            sdvp.Rele();
            return err;
        }
        var cr = r.Cred();
        ulong moved = KnownNode(sdvp, oldName, cr, out _, out _);
        ulong replaced = KnownNode(tdvp, newName, cr, out var ttype, out _);
        if ((flags & FuseProto.RENAME_NOREPLACE) != 0 && ttype != VType.VNON)
            err = Errno.EEXIST;
        else
            err = Vop.Rename(sdvp, oldName, tdvp, newName, cr);
        sdvp.Rele();
        tdvp.Rele();
        if (err != Errno.OK)
            return err;
        if (moved != 0)
            r.After.Add(new FuseNotification(moved, null));        // its ctime changed (and ".." for a directory)
        if (replaced != 0 && replaced != moved)
            r.After.Add(new FuseNotification(replaced, null));     // its nlink and ctime changed
        r.After.Add(new FuseNotification(r.NodeId, oldName));      // the old name is gone
        return Errno.OK;
    }
}
