// Vfs.Ufs: the vnode operations common to every UFS file, and the four ops tables (files, directories, symbolic links, devices).
//
// Regular files (and device nodes), directories and symbolic links each have their own table, so that
// "read a directory" (EISDIR) or "look up a name in a file" (ENOTDIR) is a table entry, not an if. The
// ops are split by concern: attributes, sync and life cycle here; data in UfsRdwr.cs; names in
// UfsDirops.cs (with the directory format in UfsDir.cs).
//
// Timestamps follow POSIX and keep nanoseconds (di_*timensec): reading sets atime; writing and truncating
// set mtime and ctime; any attribute change sets ctime; creating, removing or renaming a name sets its
// directory's mtime and ctime. A read-only mount changes nothing, atime included.
using UnixVfs.Core;

namespace UnixVfs.Ufs;

/// <summary>The UFS vnode operations.</summary>
internal static partial class UfsVnops
{
    /// <summary>VTOI: the inode behind a UFS vnode.</summary>
    internal static Inode VTOI(Vnode vp) => (Inode)vp.Data!;

    /// <summary>LINK_MAX: di_nlink is a signed 16-bit count.</summary>
    internal const int LinkMax = short.MaxValue;

    private static Errno UfsOpen(ref Vnode vp, FileFlags flag, Cred cr, CallerContext? ct) =>
        (flag & FileFlags.FWRITE) != 0 && vp.Vfs.IsReadOnly && vp.Type != VType.VDIR ? Errno.EROFS : Errno.OK;

    private static Errno UfsClose(Vnode vp, FileFlags flag, int count, long offset, Cred cr, CallerContext? ct) => Errno.OK;

    private static Errno UfsGetattr(Vnode vp, Vattr vap, AttrFlags flags, Cred cr, CallerContext? ct)
    {
        var ip = VTOI(vp);
        using (ip.Lock.Enter())
            Getattr(ip, vap);
        return Errno.OK;
    }

    /// <summary>Fills every attribute from the in-core inode. Caller holds ip.Lock.</summary>
    internal static void Getattr(Inode ip, Vattr va)
    {
        var d = ip.Din;
        va.Type = ip.Type;
        va.Mode = d.Mode & ModeBits.ModeMask;
        va.Uid = d.Uid;
        va.Gid = d.Gid;
        va.Fsid = ip.Ump.Vfs.Fsid;
        va.NodeId = ip.Number;
        va.Nlink = (uint)Math.Max((short)0, d.Nlink);
        va.Size = d.DiSize;
        va.Atime = new Timespec(d.Atime, d.Atimensec);
        va.Mtime = new Timespec(d.Mtime, d.Mtimensec);
        va.Ctime = new Timespec(d.Ctime, d.Ctimensec);
        va.Rdev = ip.Type is VType.VCHR or VType.VBLK ? (ulong)d.Db[0] : 0;
        va.Blksize = (uint)ip.Fs.Bsize;
        va.Nblocks = d.Blocks;
        va.Seq = (uint)d.Modrev;
        va.Gen = (uint)d.Gen;
    }

    private static Errno UfsSetattr(Vnode vp, Vattr vap, AttrFlags flags, Cred cr, CallerContext? ct)
    {
        var ip = VTOI(vp);
        if (ip.Ump.ReadOnly)
            return Errno.EROFS;
        using (ip.Lock.Enter())
        {
            var ovap = new Vattr();
            Getattr(ip, ovap);
            var err = Secpolicy.VnodeSetattr(cr, vap, ovap, flags, want => AccessLocked(ip, want, cr));
            if (err != Errno.OK)
                return err;
            var mask = vap.Mask;
            var d = ip.Din;
            if ((mask & AttrMask.AT_SIZE) != 0)
            {
                if (ip.Type == VType.VDIR)
                    return Errno.EISDIR;
                if (ip.Type != VType.VREG)
                    return Errno.EINVAL;
                if ((err = UfsBmap.Itrunc(ip, vap.Size, cr)) != Errno.OK)
                    return err;
                ip.Stamp(atime: false, mtime: true, ctime: false);
            }
            if ((mask & AttrMask.AT_MODE) != 0)
                d.Mode = (ushort)((uint)(d.Mode & Dinode.IFMT) | (vap.Mode & ModeBits.ModeMask));
            if ((mask & AttrMask.AT_UID) != 0)
                d.Uid = vap.Uid;
            if ((mask & AttrMask.AT_GID) != 0)
                d.Gid = vap.Gid;
            if ((mask & AttrMask.AT_ATIME) != 0)
            {
                d.Atime = vap.Atime.Sec;
                d.Atimensec = (int)vap.Atime.Nsec;
            }
            if ((mask & AttrMask.AT_MTIME) != 0)
            {
                d.Mtime = vap.Mtime.Sec;
                d.Mtimensec = (int)vap.Mtime.Nsec;
            }
            if ((mask & AttrMask.AT_CTIME) != 0 && cr.IsSuperUser)
            {
                d.Ctime = vap.Ctime.Sec;
                d.Ctimensec = (int)vap.Ctime.Nsec;
            }
            else
                ip.Stamp(atime: false, mtime: false, ctime: true);
            return ip.Update();
        }
    }

    private static Errno UfsAccess(Vnode vp, AccessMode mode, AccessFlags flags, Cred cr, CallerContext? ct)
    {
        var ip = VTOI(vp);
        if ((mode & AccessMode.VWRITE) != 0 && ip.Ump.ReadOnly && ip.Type is VType.VREG or VType.VDIR or VType.VLNK)
            return Errno.EROFS;
        using (ip.Lock.Enter())
            return AccessLocked(ip, mode, cr);
    }

    /// <summary>ufs_access's permission check. Caller holds ip.Lock.</summary>
    internal static Errno AccessLocked(Inode ip, AccessMode mode, Cred cr) =>
        Secpolicy.VnodeAccess(cr, ip.Type, ip.Din.Uid, ip.Din.Gid, (uint)(ip.Din.Mode & ModeBits.ModeMask), mode);

    /// <summary>
    /// ffs_fsync: the file's dinode is copied to its buffer, the dirty data blocks are written and flushed, then every
    /// dirty metadata block (directories, inodes, indirect blocks, groups: whatever is needed to reach the data after a
    /// crash) is written and flushed. Every file's dirty data, not this file's alone: the inode blocks written next hold
    /// other files' dinodes too, and none of them may point at a block whose bytes are still only in the cache (after
    /// a crash that file would hold what the block held before: another file's, removed). Returns OK or EIO.
    /// </summary>
    internal static Errno UfsFsync(Vnode vp, FileFlags syncflag, Cred cr, CallerContext? ct)
    {
        var ip = VTOI(vp);
        var ump = ip.Ump;
        if (ump.ReadOnly)
            return Errno.OK;
        using (ip.Lock.Enter())
        {
            if ((ip.Flag & InodeFlags.IN_MODIFIED) != 0)
            {
                var e = ip.Iupdat();
                if (e != Errno.OK)
                    return e;
            }
        }
        var err = ump.Bc.Flush(bp => !bp.IsMeta);
        if (err == Errno.OK)
            err = ump.Bc.FlushDevice();
        if (err == Errno.OK)
            err = UfsVfsops.SyncMetadata(ump);
        return err;
    }

    /// <summary>Writes the file's data buffers and flushes the device, so the data is stable before any metadata that points at it.</summary>
    private static Errno SyncData(Inode ip)
    {
        uint ino = ip.Number;
        var err = ip.Ump.Bc.Flush(bp => !bp.IsMeta && (bp.Owner == ino || bp.Owner == Buf.SharedOwner));
        return err == Errno.OK ? ip.Ump.Bc.FlushDevice() : err;
    }

    private static void UfsInactive(Vnode vp, Cred cr, CallerContext? ct)
    {
        var ip = VTOI(vp);
        var ump = ip.Ump;
        var doomed = ump.Icache.Inactive(ip);
        if (doomed is null)
            return;
        using (ip.Lock.Enter())
        {
            bool isDir = ip.IsDir;
            if (ip.Din.Type is not (Dinode.IFCHR or Dinode.IFBLK) && !ip.IsShortLink)
            {
                // An indirect block that cannot be read now (the disk failed) is freed, with what it points to, later.
                if (UfsBmap.Itrunc(ip, 0, Cred.Kcred) != Errno.OK)
                    using (ump.AllocLock.Enter())
                        for (int level = 0; level < Fs.NIADDR; level++)
                            if (ip.Din.Ib[level] != 0 && UfsBmap.ValidBlock(ip.Fs, ip.Din.Ib[level]))
                                ump.DeferredTrees.Add((ip.Din.Ib[level], level));
            }
            else
                ip.Size = 0;
            UfsBmap.FreeExtBlocks(ip);
            ip.Din.Clear();
            ip.Iupdat();
            ip.Dirhash = null;
            ump.Icache.Forget(ip);
            UfsAlloc.Vfree(ump, ip.Number, isDir);
        }
    }

    private static Errno UfsFid(Vnode vp, int maxlen, out Fid? fid, CallerContext? ct)
    {
        var ip = VTOI(vp);
        fid = Fid.FromInode(ip.Number, (uint)ip.Din.Gen);
        if (fid.Length <= maxlen)
            return Errno.OK;
        fid = null;
        return Errno.ENOSPC;
    }

    /// <summary>The table of regular files: data ops; every directory op is ENOTDIR.</summary>
    public static readonly VnodeOps FileOps = VnodeOps.MakeOrPanic("ufs", FileOpsTemplate);

    private static FsOperationDef[] FileOpsTemplate =>
    [
        new(VopName.Open, (VopOpen)UfsOpen),
        new(VopName.Close, (VopClose)UfsClose),
        new(VopName.Read, (VopRead)UfsRead),
        new(VopName.Seekdata, (VopSeekdata)UfsSeekdata),
        new(VopName.Write, (VopWrite)UfsWrite),
        new(VopName.Getattr, (VopGetattr)UfsGetattr),
        new(VopName.Setattr, (VopSetattr)UfsSetattr),
        new(VopName.Access, (VopAccess)UfsAccess),
        .. FsSubr.NotADirectory,
        FsSubr.NotALink,
        new(VopName.Fsync, (VopFsync)UfsFsync),
        new(VopName.Inactive, (VopInactive)UfsInactive),
        new(VopName.Fid, (VopFid)UfsFid),
        .. ExtattrOps,
    ];

    /// <summary>The table of directories: name ops; read and write are EISDIR.</summary>
    public static readonly VnodeOps DirOps = VnodeOps.MakeOrPanic("ufs-dir",
    [
        new(VopName.Open, (VopOpen)UfsOpen),
        new(VopName.Close, (VopClose)UfsClose),
        .. FsSubr.DirectoryData,
        new(VopName.Getattr, (VopGetattr)UfsGetattr),
        new(VopName.Setattr, (VopSetattr)UfsSetattr),
        new(VopName.Access, (VopAccess)UfsAccess),
        new(VopName.Lookup, (VopLookup)UfsLookup),
        new(VopName.Create, (VopCreate)UfsCreate),
        new(VopName.Remove, (VopRemove)UfsRemove),
        new(VopName.Link, (VopLink)UfsLink),
        new(VopName.Rename, (VopRename)UfsRename),
        new(VopName.Mkdir, (VopMkdir)UfsMkdir),
        new(VopName.Rmdir, (VopRmdir)UfsRmdir),
        new(VopName.Readdir, (VopReaddir)UfsReaddir),
        new(VopName.Symlink, (VopSymlink)UfsSymlink),
        new(VopName.Fsync, (VopFsync)UfsFsync),
        new(VopName.Inactive, (VopInactive)UfsInactive),
        new(VopName.Fid, (VopFid)UfsFid),
        .. ExtattrOps,
    ]);

    /// <summary>The table of symbolic links: readlink; reads and writes are EINVAL, directory ops ENOTDIR.</summary>
    public static readonly VnodeOps LinkOps = VnodeOps.MakeOrPanic("ufs-link",
    [
        new(VopName.Open, (VopOpen)UfsOpen),
        new(VopName.Close, (VopClose)UfsClose),
        .. FsSubr.LinkData,
        new(VopName.Getattr, (VopGetattr)UfsGetattr),
        new(VopName.Setattr, (VopSetattr)UfsSetattr),
        new(VopName.Access, (VopAccess)UfsAccess),
        .. FsSubr.NotADirectory,
        new(VopName.Readlink, (VopReadlink)UfsReadlink),
        new(VopName.Fsync, (VopFsync)UfsFsync),
        new(VopName.Inactive, (VopInactive)UfsInactive),
        new(VopName.Fid, (VopFid)UfsFid),
        .. ExtattrOps,
    ]);

    /// <summary>
    /// The table of device nodes, fifos and sockets: they have attributes and names but no data here (no driver
    /// or pipe stands behind them in this kernel), so reading and writing them is ENXIO, as opening a device
    /// without a driver is.
    /// </summary>
    public static readonly VnodeOps SpecOps = VnodeOps.MakeOrPanic("ufs-spec",
        FileOpsTemplate.Select(d => d.Name switch
        {
            VopName.Read => new FsOperationDef(VopName.Read, FsSubr.Returning<VopRead>(Errno.ENXIO)),
            VopName.Write => new FsOperationDef(VopName.Write, FsSubr.Returning<VopWrite>(Errno.ENXIO)),
            _ => d,
        }));

    /// <summary>The table for a file of type <paramref name="t"/>.</summary>
    public static VnodeOps OpsFor(VType t) => t switch
    {
        VType.VDIR => DirOps,
        VType.VLNK => LinkOps,
        VType.VREG => FileOps,
        _ => SpecOps,
    };
}
