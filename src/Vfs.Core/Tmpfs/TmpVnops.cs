// Vfs.Core / tmpfs: the vnode operations common to every tmpfs file, and the three ops tables.
//
// Regular files, directories and symbolic links each get their own table, so that "read a
// directory" (EISDIR) or "look up a name in a file" (ENOTDIR) is a table entry and not an if.
// The ops are split by concern: attributes and life cycle here, data in TmpRdwr.cs, names in TmpDir.cs.
//
// Timestamps follow POSIX: reading sets atime; writing and truncating set mtime and ctime; any
// attribute change sets ctime; creating, removing or renaming a name sets the directory's mtime and ctime.
namespace UnixVfs.Core.Tmpfs;

/// <summary>The tmpfs vnode operations.</summary>
internal static partial class TmpVnops
{
    private static TmpNode Node(Vnode vp) => (TmpNode)vp.Data!;

    private static Timespec Now(TmpNode n) => n.Mount.Vfs.Now();

    private static Errno TmpOpen(ref Vnode vp, FileFlags flag, Cred cr, CallerContext? ct) =>
        (flag & FileFlags.FWRITE) != 0 && vp.Vfs.IsReadOnly && vp.Type != VType.VDIR ? Errno.EROFS : Errno.OK;

    private static Errno TmpClose(Vnode vp, FileFlags flag, int count, long offset, Cred cr, CallerContext? ct) => Errno.OK;

    private static Errno TmpGetattr(Vnode vp, Vattr vap, AttrFlags flags, Cred cr, CallerContext? ct)
    {
        var n = Node(vp);
        using (n.Lock.Enter())
            n.Getattr(vap);
        return Errno.OK;
    }

    private static Errno TmpSetattr(Vnode vp, Vattr vap, AttrFlags flags, Cred cr, CallerContext? ct)
    {
        var n = Node(vp);
        if (vp.Vfs.IsReadOnly)
            return Errno.EROFS;
        using (n.Lock.Enter())
        {
            var ovap = new Vattr();
            n.Getattr(ovap);
            var err = Secpolicy.VnodeSetattr(cr, vap, ovap, flags, want => AccessLocked(n, want, cr));
            if (err != Errno.OK)
                return err;
            var mask = vap.Mask;
            var now = Now(n);
            if ((mask & AttrMask.AT_SIZE) != 0)
            {
                if (n.Type == VType.VDIR)
                    return Errno.EISDIR;
                if (n.Type != VType.VREG)
                    return Errno.EINVAL;
                err = Truncate(n, vap.Size);
                if (err != Errno.OK)
                    return err;
                n.Mtime = now;
            }
            if ((mask & AttrMask.AT_MODE) != 0)
                n.Mode = vap.Mode & ModeBits.ModeMask;
            if ((mask & AttrMask.AT_UID) != 0)
                n.Uid = vap.Uid;
            if ((mask & AttrMask.AT_GID) != 0)
                n.Gid = vap.Gid;
            if ((mask & AttrMask.AT_ATIME) != 0)
                n.Atime = vap.Atime;
            if ((mask & AttrMask.AT_MTIME) != 0)
                n.Mtime = vap.Mtime;
            n.Ctime = (mask & AttrMask.AT_CTIME) != 0 && cr.IsSuperUser ? vap.Ctime : now;
            n.Seq++;
            return Errno.OK;
        }
    }

    private static Errno TmpAccess(Vnode vp, AccessMode mode, AccessFlags flags, Cred cr, CallerContext? ct)
    {
        var n = Node(vp);
        if ((mode & AccessMode.VWRITE) != 0 && vp.Vfs.IsReadOnly && n.Type is VType.VREG or VType.VDIR or VType.VLNK)
            return Errno.EROFS;
        using (n.Lock.Enter())
            return AccessLocked(n, mode, cr);
    }

    /// <summary>tmp_taccess. Caller holds n.Lock.</summary>
    private static Errno AccessLocked(TmpNode n, AccessMode mode, Cred cr) =>
        Secpolicy.VnodeAccess(cr, n.Type, n.Uid, n.Gid, n.Mode, mode);

    private static Errno TmpFsync(Vnode vp, FileFlags syncflag, Cred cr, CallerContext? ct) => Errno.OK;

    private static void TmpInactive(Vnode vp, Cred cr, CallerContext? ct)
    {
        var n = Node(vp);
        n.Mount.Inactive(n);
    }

    private static Errno TmpFid(Vnode vp, int maxlen, out Fid? fid, CallerContext? ct)
    {
        var n = Node(vp);
        fid = Fid.FromInode(n.NodeId, n.Gen);
        if (fid.Length <= maxlen)
            return Errno.OK;
        fid = null;
        return Errno.ENOSPC;
    }

    /// <summary>The table of regular files (and device nodes): data ops; every directory op is ENOTDIR.</summary>
    public static readonly VnodeOps FileOps = VnodeOps.MakeOrPanic("tmpfs",
    [
        new(VopName.Open, (VopOpen)TmpOpen),
        new(VopName.Close, (VopClose)TmpClose),
        new(VopName.Read, (VopRead)TmpRead),
        new(VopName.Seekdata, (VopSeekdata)TmpSeekdata),
        new(VopName.Write, (VopWrite)TmpWrite),
        new(VopName.Getattr, (VopGetattr)TmpGetattr),
        new(VopName.Setattr, (VopSetattr)TmpSetattr),
        new(VopName.Access, (VopAccess)TmpAccess),
        .. FsSubr.NotADirectory,
        FsSubr.NotALink,
        new(VopName.Fsync, (VopFsync)TmpFsync),
        new(VopName.Inactive, (VopInactive)TmpInactive),
        new(VopName.Fid, (VopFid)TmpFid),
        .. ExtattrOps,
    ]);

    /// <summary>The table of directories: name ops; read and write are EISDIR.</summary>
    public static readonly VnodeOps DirOps = VnodeOps.MakeOrPanic("tmpfs-dir",
    [
        new(VopName.Open, (VopOpen)TmpOpen),
        new(VopName.Close, (VopClose)TmpClose),
        .. FsSubr.DirectoryData,
        new(VopName.Getattr, (VopGetattr)TmpGetattr),
        new(VopName.Setattr, (VopSetattr)TmpSetattr),
        new(VopName.Access, (VopAccess)TmpAccess),
        new(VopName.Lookup, (VopLookup)TmpLookup),
        new(VopName.Create, (VopCreate)TmpCreate),
        new(VopName.Remove, (VopRemove)TmpRemove),
        new(VopName.Link, (VopLink)TmpLink),
        new(VopName.Rename, (VopRename)TmpRename),
        new(VopName.Mkdir, (VopMkdir)TmpMkdir),
        new(VopName.Rmdir, (VopRmdir)TmpRmdir),
        new(VopName.Readdir, (VopReaddir)TmpReaddir),
        new(VopName.Symlink, (VopSymlink)TmpSymlink),
        new(VopName.Fsync, (VopFsync)TmpFsync),
        new(VopName.Inactive, (VopInactive)TmpInactive),
        new(VopName.Fid, (VopFid)TmpFid),
        .. ExtattrOps,
    ]);

    /// <summary>The table of symbolic links: readlink; reads and writes are EINVAL, directory ops ENOTDIR.</summary>
    public static readonly VnodeOps LinkOps = VnodeOps.MakeOrPanic("tmpfs-link",
    [
        new(VopName.Open, (VopOpen)TmpOpen),
        new(VopName.Close, (VopClose)TmpClose),
        .. FsSubr.LinkData,
        new(VopName.Getattr, (VopGetattr)TmpGetattr),
        new(VopName.Setattr, (VopSetattr)TmpSetattr),
        new(VopName.Access, (VopAccess)TmpAccess),
        .. FsSubr.NotADirectory,
        new(VopName.Readlink, (VopReadlink)TmpReadlink),
        new(VopName.Fsync, (VopFsync)TmpFsync),
        new(VopName.Inactive, (VopInactive)TmpInactive),
        new(VopName.Fid, (VopFid)TmpFid),
        .. ExtattrOps,
    ]);

    /// <summary>The extattr ops, the same in every table (TmpExtattr.cs).</summary>
    private static FsOperationDef[] ExtattrOps =>
    [
        new(VopName.Getextattr, (VopGetextattr)TmpGetextattr),
        new(VopName.Setextattr, (VopSetextattr)TmpSetextattr),
        new(VopName.Listextattr, (VopListextattr)TmpListextattr),
        new(VopName.Deleteextattr, (VopDeleteextattr)TmpDeleteextattr),
    ];

    /// <summary>The table for a node of type <paramref name="t"/>.</summary>
    public static VnodeOps OpsFor(VType t) => t switch
    {
        VType.VDIR => DirOps,
        VType.VLNK => LinkOps,
        _ => FileOps,
    };
}
