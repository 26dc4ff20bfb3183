// Vfs.Nfs / client: the vnode operations of the nfs file system -- attributes, access, open and
// close, and the three ops tables; data in NfsRdwr.cs, names and directories in NfsDir.cs.
//
// CACHING AND CONSISTENCY. NFS gives a client no promise that what it cached is still true, so the
// client keeps what it learns for a while and checks at the moments that matter:
//   - attributes are cached for acregmin..acregmax seconds (files) or acdirmin..acdirmax
//     (directories), longer for files that have not changed in a while (a tenth of their age);
//   - close-to-open: VOP_OPEN always asks the server for fresh attributes, and VOP_CLOSE of a file
//     written through this client does not return until the data is on the server and committed,
//     so a process that opens a file after another closed it -- on any client -- sees its data;
//   - attributes that change behind our back (mtime or size differ, and the reply's weak cache
//     consistency data does not show the change was ours) throw away cached data: read blocks,
//     and for directories their DNLC names.
// Errors of the server or the network come back as errnos; a soft mount whose server does not
// answer returns ETIMEDOUT after its retransmissions, which is what a mirror counts failures by.
using UnixVfs.Core;
using UnixVfs.Nfs.Protocol;

namespace UnixVfs.Nfs.Client;

/// <summary>The nfs vnode operations.</summary>
internal static partial class NfsVnops
{
    private static Rnode Node(Vnode vp) => (Rnode)vp.Data!;

    /// <summary>
    /// Caches attributes heard from the server in the reply to a call sent at attribute generation
    /// <paramref name="sent"/>. <paramref name="own"/> says the change (if any) was this client's own, so cached
    /// data stays valid; otherwise a changed mtime or size invalidates it. The server may answer the calls in
    /// flight in any order, so a reply to a call sent before the cached attributes arrived is taken only if it
    /// is evidently newer: a later ctime and no smaller size, or the same ctime and a larger size (a server whose
    /// clock ticks coarsely gives back-to-back writes one ctime). A later ctime alone is no proof: a server whose
    /// clock was set back stamps later calls earlier, and the reply of an early WRITE, collected late, took the
    /// file back to the size it had then (docs/verification.md, Fixed 77). A smaller size comes from a later call.
    /// Neither rule orders replies right under every clock, so a size below the end of what this client has written and
    /// the server may not have (Rnode.UnsentEnd) is never cached (Fixed 100).
    /// </summary>
    public static void CacheAttr(Rnode rn, Vattr va, bool own, long sent)
    {
        var mi = rn.Mi;
        bool purgeNames = false;
        using (rn.Lock.Enter())
        {
            var old = rn.Attr;
            if (old is not null && sent < rn.AttrGen && !((va.Ctime > old.Ctime && va.Size >= old.Size) || (va.Ctime == old.Ctime && va.Size > old.Size)))
                return;
            rn.AttrGen = mi.AttrGen();
            var copy = va.Clone();
            if (copy.Size < rn.UnsentEnd)
                copy.Size = rn.UnsentEnd; // the server had not our last writes yet (Rnode.UnsentEnd)
            bool changed = old is not null && (old.Mtime != copy.Mtime || old.Size != copy.Size || old.Ctime != copy.Ctime);
            if (changed && !own)
            {
                InvalidateDataLocked(rn);
                purgeNames = va.Type == VType.VDIR;
            }
            if (old is not null && (old.Mode != va.Mode || old.Uid != va.Uid || old.Gid != va.Gid))
                rn.Access.Clear();
            copy.Fsid = mi.Vfs.Fsid;
            copy.Mask = Nfs3Attr.Fattr3Mask | AttrMask.AT_BLKSIZE;
            copy.Blksize = (uint)mi.Rsize;
            rn.Attr = copy;
            rn.AttrExpires = Net.ClockWait.After(mi.Clock, AttrTimeout(mi, copy));
        }
        if (purgeNames)
            mi.Vfs.Kernel.Dnlc.PurgeVp(rn.Vnode);
    }

    /// <summary>Caches wcc_data: the change is ours when the "before" attributes are the ones we had.</summary>
    public static void CacheWcc(Rnode rn, Vattr? before, Vattr? after, long sent)
    {
        if (after is null)
        {
            Expire(rn);
            return;
        }
        bool own;
        using (rn.Lock.Enter())
            own = before is not null && rn.Attr is { } a && a.Mtime == before.Mtime && a.Size == before.Size;
        CacheAttr(rn, after, own, sent);
    }

    /// <summary>Makes the next getattr ask the server.</summary>
    public static void Expire(Rnode rn)
    {
        using (rn.Lock.Enter())
            rn.AttrExpires = 0;
    }

    private static TimeSpan AttrTimeout(MountInfo mi, Vattr va)
    {
        var o = mi.Options;
        var (min, max) = va.Type == VType.VDIR ? (o.AcDirMin, o.AcDirMax) : (o.AcRegMin, o.AcRegMax);
        var age = mi.Clock.GetUtcNow() - va.Mtime.ToDateTimeOffset();
        var t = age / 10;
        return t < min ? min : t > max ? max : t;
    }

    /// <summary>Drops cached data (read blocks, access results, the cookie verifier). Caller holds rn.Lock.</summary>
    private static void InvalidateDataLocked(Rnode rn)
    {
        rn.DataVersion++;
        foreach (var b in rn.Blocks.Values)
            DropBlock(rn, b);
        rn.Blocks.Clear();
        rn.Access.Clear();
        rn.CookieVerf = 0;
    }

    /// <summary>
    /// Fresh enough attributes: the cached ones while they are valid (and <paramref name="force"/> is false),
    /// otherwise a GETATTR. Written data not yet sent is sent first, so the server's size and mtime include it.
    /// Returns OK or the GETATTR's errno.
    /// </summary>
    public static Errno Revalidate(Rnode rn, Cred cr, bool force, out Vattr va)
    {
        // Data the server answered for before a reconnect is written again first if the server lost it
        // (NfsRdwr.FlushForReaders); then the attributes are asked for, to include it.
        var err = FlushForReaders(rn, out bool recovered);
        if (err != Errno.OK)
        {
            va = null!;
            return err;
        }
        using (rn.Lock.Enter())
        {
            if (!force && !recovered && rn.Attr is not null && rn.Mi.Clock.GetTimestamp() < rn.AttrExpires)
            {
                va = rn.Attr;
                return Errno.OK;
            }
        }
        err = FetchAttr(rn, cr);
        if (err != Errno.OK)
        {
            va = null!;
            return err;
        }
        using (rn.Lock.Enter())
            va = rn.Attr!;
        return Errno.OK;
    }

    /// <summary>A GETATTR, its answer cached. Returns OK or its errno.</summary>
    private static Errno FetchAttr(Rnode rn, Cred cr)
    {
        long sent = rn.Mi.AttrGen();
        var err = rn.Mi.Nfs.Getattr(cr, rn.Fh, out var fresh);
        if (err == Errno.OK)
            CacheAttr(rn, fresh!, own: false, sent);
        return err;
    }

    private static Errno NfsGetattr(Vnode vp, Vattr vap, AttrFlags flags, Cred cr, CallerContext? ct)
    {
        var err = Revalidate(Node(vp), cr, force: false, out var va);
        if (err != Errno.OK)
            return err;
        var mask = vap.Mask;
        vap.CopyFrom(va);
        vap.Mask = mask | va.Mask;
        return Errno.OK;
    }

    private static Errno NfsSetattr(Vnode vp, Vattr vap, AttrFlags flags, Cred cr, CallerContext? ct)
    {
        var rn = Node(vp);
        if ((vap.Mask & AttrMask.AT_NOSET) != 0)
            return Errno.EINVAL;
        if (vp.Vfs.IsReadOnly)
            return Errno.EROFS;
        var sattr = vap.Clone();
        sattr.Mask &= AttrMask.AT_MODE | AttrMask.AT_UID | AttrMask.AT_GID | AttrMask.AT_SIZE | AttrMask.AT_ATIME | AttrMask.AT_MTIME;
        if (sattr.Mask == 0)
            return Errno.OK;
        bool size = (sattr.Mask & AttrMask.AT_SIZE) != 0;
        if (size && vp.Type == VType.VDIR)
            return Errno.EISDIR;
        if (vp.Type == VType.VREG)
        {
            // Written data goes out and is committed first, as Linux's nfs_setattr does (nfs_sync_inode): a WRITE sent
            // after the SETATTR would have the server stamp its own time over one set here, and a buffer still
            // uncommitted would be written again by a COMMIT that found the server restarted (NfsRdwr.cs), over a new
            // size or a time set here.
            var ferr = FlushIfDirty(rn, commit: true);
            if (ferr != Errno.OK)
                return ferr;
        }
        long sent = rn.Mi.AttrGen();
        var err = rn.Mi.Nfs.Setattr(cr, rn.Fh, sattr, null, out var after, serverTime: (flags & AttrFlags.ATTR_UTIME) == 0);
        if (size)
        {
            using (rn.Lock.Enter())
                InvalidateDataLocked(rn);
        }
        if (after is not null)
            CacheAttr(rn, after, own: true, sent);
        else
            Expire(rn);
        return err;
    }

    /// <summary>The ACCESS3 bits that stand for VOP_ACCESS's <paramref name="mode"/> on a file of type <paramref name="t"/>.</summary>
    private static uint AccessBits(AccessMode mode, VType t)
    {
        uint bits = 0;
        bool dir = t == VType.VDIR;
        if ((mode & AccessMode.VREAD) != 0)
            bits |= Nfs3.ACCESS3_READ;
        if ((mode & AccessMode.VWRITE) != 0)
            bits |= dir ? Nfs3.ACCESS3_MODIFY | Nfs3.ACCESS3_EXTEND | Nfs3.ACCESS3_DELETE : Nfs3.ACCESS3_MODIFY | Nfs3.ACCESS3_EXTEND;
        if ((mode & AccessMode.VEXEC) != 0)
            bits |= dir ? Nfs3.ACCESS3_LOOKUP : Nfs3.ACCESS3_EXECUTE;
        return bits;
    }

    private static Errno NfsAccess(Vnode vp, AccessMode mode, AccessFlags flags, Cred cr, CallerContext? ct)
    {
        if ((mode & AccessMode.VWRITE) != 0 && vp.Vfs.IsReadOnly && vp.Type is VType.VREG or VType.VDIR or VType.VLNK)
            return Errno.EROFS;
        return CheckAccess(Node(vp), mode, cr);
    }

    /// <summary>VOP_ACCESS through the access cache: the server's ACCESS answer, remembered while the attributes are valid.</summary>
    public static Errno CheckAccess(Rnode rn, AccessMode mode, Cred cr)
    {
        uint want = AccessBits(mode, rn.Vnode.Type);
        if (want == 0)
            return Errno.OK;
        var key = (cr.Uid, cr.Gid);
        long now = rn.Mi.Clock.GetTimestamp();
        using (rn.Lock.Enter())
            if (rn.Access.TryGetValue(key, out var e) && now < e.Expires && (e.Asked & want) == want)
                return (e.Granted & want) == want ? Errno.OK : Errno.EACCES;
        const uint all = Nfs3.ACCESS3_READ | Nfs3.ACCESS3_LOOKUP | Nfs3.ACCESS3_MODIFY | Nfs3.ACCESS3_EXTEND | Nfs3.ACCESS3_DELETE | Nfs3.ACCESS3_EXECUTE;
        long sent = rn.Mi.AttrGen();
        var err = rn.Mi.Nfs.Access(cr, rn.Fh, all, out uint granted, out var attr);
        if (attr is not null)
            CacheAttr(rn, attr, own: false, sent);
        if (err != Errno.OK)
            return err;
        using (rn.Lock.Enter())
            rn.Access[key] = (granted, all, rn.AttrExpires);
        return (granted & want) == want ? Errno.OK : Errno.EACCES;
    }

    /// <summary>VOP_OPEN: close-to-open -- fresh attributes from the server at every open.</summary>
    private static Errno NfsOpen(ref Vnode vp, FileFlags flag, Cred cr, CallerContext? ct)
    {
        if ((flag & FileFlags.FWRITE) != 0 && vp.Vfs.IsReadOnly && vp.Type != VType.VDIR)
            return Errno.EROFS;
        return Revalidate(Node(vp), cr, force: true, out _);
    }

    /// <summary>VOP_CLOSE: close-to-open -- what this client wrote is on the server, committed, before close returns.</summary>
    private static Errno NfsClose(Vnode vp, FileFlags flag, int count, long offset, Cred cr, CallerContext? ct)
    {
        if ((flag & FileFlags.FWRITE) == 0 || vp.Type != VType.VREG)
            return Errno.OK;
        return FlushWrites(Node(vp), commit: true);
    }

    private static Errno NfsFsync(Vnode vp, FileFlags syncflag, Cred cr, CallerContext? ct) =>
        vp.Type == VType.VREG ? FlushWrites(Node(vp), commit: true) : Errno.OK;

    private static void NfsInactive(Vnode vp, Cred cr, CallerContext? ct)
    {
        var rn = Node(vp);
        FlushAndDiscard(rn);
        AbandonReadAhead(rn);
        using (rn.Lock.Enter())
        {
            foreach (var b in rn.Blocks.Values)
                DropBlock(rn, b);
            rn.Blocks.Clear();
        }
        rn.Mi.Inactive(rn);
    }

    /// <summary>VOP_FID: the file handle itself (at most 64 bytes, as a fid).</summary>
    private static Errno NfsFid(Vnode vp, int maxlen, out Fid? fid, CallerContext? ct)
    {
        var fh = Node(vp).Fh;
        fid = fh.Length <= maxlen ? new Fid(fh) : null;
        return fid is null ? Errno.ENOSPC : Errno.OK;
    }

    private static Errno NfsPathconf(Vnode vp, PathconfName cmd, out long val, Cred cr, CallerContext? ct)
    {
        if (cmd is PathconfName._PC_LINK_MAX or PathconfName._PC_NAME_MAX)
        {
            var rn = Node(vp);
            var err = rn.Mi.Nfs.Pathconf(cr, rn.Fh, out uint linkMax, out uint nameMax);
            val = cmd == PathconfName._PC_LINK_MAX ? linkMax : nameMax;
            return err;
        }
        return FsSubr.FsPathconf(vp, cmd, out val, cr, ct);
    }

    /// <summary>The table of regular files and device nodes.</summary>
    public static readonly VnodeOps FileOps = VnodeOps.MakeOrPanic("nfs",
    [
        new(VopName.Open, (VopOpen)NfsOpen),
        new(VopName.Close, (VopClose)NfsClose),
        new(VopName.Read, (VopRead)NfsRead),
        new(VopName.Write, (VopWrite)NfsWrite),
        new(VopName.Getattr, (VopGetattr)NfsGetattr),
        new(VopName.Setattr, (VopSetattr)NfsSetattr),
        new(VopName.Access, (VopAccess)NfsAccess),
        .. FsSubr.NotADirectory,
        FsSubr.NotALink,
        new(VopName.Fsync, (VopFsync)NfsFsync),
        new(VopName.Inactive, (VopInactive)NfsInactive),
        new(VopName.Fid, (VopFid)NfsFid),
        new(VopName.Pathconf, (VopPathconf)NfsPathconf),
    ]);

    /// <summary>The table of directories.</summary>
    public static readonly VnodeOps DirOps = VnodeOps.MakeOrPanic("nfs-dir",
    [
        new(VopName.Open, (VopOpen)NfsOpen),
        new(VopName.Close, (VopClose)NfsClose),
        .. FsSubr.DirectoryData,
        new(VopName.Getattr, (VopGetattr)NfsGetattr),
        new(VopName.Setattr, (VopSetattr)NfsSetattr),
        new(VopName.Access, (VopAccess)NfsAccess),
        new(VopName.Lookup, (VopLookup)NfsLookup),
        new(VopName.Create, (VopCreate)NfsCreate),
        new(VopName.Remove, (VopRemove)NfsRemove),
        new(VopName.Link, (VopLink)NfsLink),
        new(VopName.Rename, (VopRename)NfsRename),
        new(VopName.Mkdir, (VopMkdir)NfsMkdir),
        new(VopName.Rmdir, (VopRmdir)NfsRmdir),
        new(VopName.Readdir, (VopReaddir)NfsReaddir),
        new(VopName.Symlink, (VopSymlink)NfsSymlink),
        new(VopName.Fsync, (VopFsync)NfsFsync),
        new(VopName.Inactive, (VopInactive)NfsInactive),
        new(VopName.Fid, (VopFid)NfsFid),
        new(VopName.Pathconf, (VopPathconf)NfsPathconf),
    ]);

    /// <summary>The table of symbolic links.</summary>
    public static readonly VnodeOps LinkOps = VnodeOps.MakeOrPanic("nfs-link",
    [
        new(VopName.Open, (VopOpen)NfsOpen),
        new(VopName.Close, (VopClose)NfsClose),
        .. FsSubr.LinkData,
        new(VopName.Getattr, (VopGetattr)NfsGetattr),
        new(VopName.Setattr, (VopSetattr)NfsSetattr),
        new(VopName.Access, (VopAccess)NfsAccess),
        .. FsSubr.NotADirectory,
        new(VopName.Readlink, (VopReadlink)NfsReadlink),
        new(VopName.Fsync, (VopFsync)NfsFsync),
        new(VopName.Inactive, (VopInactive)NfsInactive),
        new(VopName.Fid, (VopFid)NfsFid),
        new(VopName.Pathconf, (VopPathconf)NfsPathconf),
    ]);

    /// <summary>The table for a file of type <paramref name="t"/>.</summary>
    public static VnodeOps OpsFor(VType t) => t switch
    {
        VType.VDIR => DirOps,
        VType.VLNK => LinkOps,
        _ => FileOps,
    };
}
