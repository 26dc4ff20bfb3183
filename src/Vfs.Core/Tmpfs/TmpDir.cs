// Vfs.Core / tmpfs: the directory operations -- lookup, create, remove, link, rename, mkdir,
// rmdir, readdir, symlink -- and readlink.
//
// Every op that changes a name keeps the DNLC true (Remove for the name, PurgeVp for a removed
// directory) while it still holds the directory's lock, and lookup enters names under that lock,
// so no stale name can slip into the cache between the two. A file whose last link goes while
// nobody holds its vnode is freed at once, by holding and releasing it (which runs VOP_INACTIVE).
namespace UnixVfs.Core.Tmpfs;

internal static partial class TmpVnops
{
    /// <summary>LINK_MAX for tmpfs.</summary>
    private const uint MaxLinks = 32767;

    private static Errno TmpLookup(Vnode dvp, string nm, out Vnode? vp, LookupFlags flags, Vnode? rdir, Cred cr, CallerContext? ct)
    {
        vp = null;
        var dn = Node(dvp);
        var dnlc = dvp.Vfs.Dnlc;
        using (dn.Lock.Enter())
        {
            var err = AccessLocked(dn, AccessMode.VEXEC, cr);
            if (err != Errno.OK)
                return err;
            if (dn.Nlink == 0)
                return Errno.ENOENT;
            if (nm == ".")
            {
                vp = dvp;
                vp.Hold();
                return Errno.OK;
            }
            if (nm == "..")
            {
                vp = dn.Parent!.Vnode;
                vp.Hold();
                return Errno.OK;
            }
            vp = dnlc.Lookup(dvp, nm);
            if (vp is not null)
                return Errno.OK;
            if (!dn.Entries!.TryGetValue(nm, out var de))
                return Errno.ENOENT;
            vp = de.Node.Vnode;
            vp.Hold();
            dnlc.Enter(dvp, nm, vp);
            return Errno.OK;
        }
    }

    private static Errno TmpCreate(Vnode dvp, string name, Vattr vap, VcExcl excl, AccessMode mode, out Vnode? vp, Cred cr, FileFlags flag, CallerContext? ct)
    {
        vp = null;
        var err = FsSubr.CheckName(name);
        if (err != Errno.OK)
            return err;
        var dn = Node(dvp);
        using (dn.Lock.Enter())
        {
            if (dn.Entries!.TryGetValue(name, out var de))
            {
                if (excl == VcExcl.EXCL)
                    return Errno.EEXIST;
                var n = de.Node;
                if (n.Type == VType.VDIR && (mode & AccessMode.VWRITE) != 0)
                    return Errno.EISDIR;
                using (n.Lock.Enter())
                {
                    if (mode != 0 && (err = AccessLocked(n, mode, cr)) != Errno.OK)
                        return err;
                    if ((vap.Mask & AttrMask.AT_SIZE) != 0 && n.Type == VType.VREG)
                    {
                        if (dvp.Vfs.IsReadOnly)
                            return Errno.EROFS;
                        if ((err = Truncate(n, vap.Size)) != Errno.OK)
                            return err;
                        n.Mtime = n.Ctime = Now(n);
                    }
                }
                vp = n.Vnode;
                vp.Hold();
                return Errno.OK;
            }
            if (vap.Type is not (VType.VREG or VType.VCHR or VType.VBLK or VType.VFIFO or VType.VSOCK))
                return Errno.EINVAL;
            err = NewNode(dn, name, vap, cr, out var nn);
            if (err != Errno.OK)
                return err;
            nn!.Rdev = vap.Rdev;
            vp = nn.Vnode;
            return Errno.OK;
        }
    }

    private static Errno TmpMkdir(Vnode dvp, string dirname, Vattr vap, out Vnode? vp, Cred cr, CallerContext? ct)
    {
        vp = null;
        var err = FsSubr.CheckName(dirname);
        if (err != Errno.OK)
            return err;
        var dn = Node(dvp);
        using (dn.Lock.Enter())
        {
            if (dn.Entries!.ContainsKey(dirname))
                return Errno.EEXIST;
            if (dn.Nlink >= MaxLinks)
                return Errno.EMLINK;
            var dvap = vap.Clone();
            dvap.Type = VType.VDIR;
            err = NewNode(dn, dirname, dvap, cr, out var nn);
            if (err != Errno.OK)
                return err;
            nn!.InitDirectory(dn);
            nn.Nlink = 2;
            dn.Nlink++;
            vp = nn.Vnode;
            return Errno.OK;
        }
    }

    private static Errno TmpSymlink(Vnode dvp, string linkname, Vattr vap, string target, Cred cr, CallerContext? ct)
    {
        var err = FsSubr.CheckName(linkname);
        if (err != Errno.OK)
            return err;
        var dn = Node(dvp);
        using (dn.Lock.Enter())
        {
            if (dn.Entries!.ContainsKey(linkname))
                return Errno.EEXIST;
            var lvap = vap.Clone();
            lvap.Type = VType.VLNK;
            lvap.Mode = 0x1FF;
            err = NewNode(dn, linkname, lvap, cr, out var nn);
            if (err != Errno.OK)
                return err;
            nn!.Target = target;
            nn.Size = FsName.ByteCount(target);
            nn.Vnode.Rele();
            return Errno.OK;
        }
    }

    /// <summary>
    /// tdirenter for a new node: checks write and search permission on the directory, makes the node
    /// (held once, for the caller) and links it in. Caller holds dn.Lock.
    /// </summary>
    private static Errno NewNode(TmpNode dn, string name, Vattr vap, Cred cr, out TmpNode? nn)
    {
        nn = null;
        if (dn.Mount.Vfs.IsReadOnly)
            return Errno.EROFS;
        var err = AccessLocked(dn, AccessMode.VWRITE | AccessMode.VEXEC, cr);
        if (err != Errno.OK)
            return err;
        if (dn.Nlink == 0)
            return Errno.ENOENT;
        var n = dn.Mount.MakeNode(vap.Type, OpsFor(vap.Type));
        if (n is null)
            return Errno.ENOSPC;
        n.Mode = vap.Mode & ModeBits.ModeMask;
        n.Uid = cr.Uid;
        n.Gid = (dn.Mode & ModeBits.S_ISGID) != 0 ? dn.Gid : cr.Gid;
        if (vap.Type == VType.VDIR && (dn.Mode & ModeBits.S_ISGID) != 0)
            n.Mode |= ModeBits.S_ISGID;
        if (!cr.IsSuperUser && (n.Mode & ModeBits.S_ISGID) != 0 && vap.Type != VType.VDIR && !cr.GroupMember(n.Gid))
            n.Mode &= ~ModeBits.S_ISGID;
        n.Nlink = 1;
        var now = Now(dn);
        n.Atime = n.Mtime = n.Ctime = now;
        AddEntry(dn, name, n);
        dn.Mtime = dn.Ctime = now;
        nn = n;
        return Errno.OK;
    }

    private static void AddEntry(TmpNode dn, string name, TmpNode n)
    {
        var de = new TmpDirent { Name = name, Node = n, Cookie = dn.NextCookie++ };
        dn.Entries!.Add(name, de);
        dn.ByCookie!.Add(de);
        dn.Seq++;
    }

    private static void RemoveEntry(TmpNode dn, TmpDirent de)
    {
        dn.Entries!.Remove(de.Name);
        dn.ByCookie!.Remove(de);
        dn.Seq++;
    }

    private static Errno TmpRemove(Vnode dvp, string nm, Cred cr, CallerContext? ct)
    {
        var dn = Node(dvp);
        TmpNode n;
        using (dn.Lock.Enter())
        {
            var err = CheckRemove(dn, nm, cr, out var de);
            if (err != Errno.OK)
                return err;
            n = de!.Node;
            if (n.Type == VType.VDIR)
                return Errno.EPERM;
            RemoveEntry(dn, de);
            dvp.Vfs.Dnlc.Remove(dvp, nm);
            var now = Now(dn);
            using (n.Lock.Enter())
            {
                n.Nlink--;
                n.Ctime = now;
            }
            dn.Mtime = dn.Ctime = now;
        }
        ReleaseIfUnused(n);
        return Errno.OK;
    }

    private static Errno TmpRmdir(Vnode dvp, string nm, Vnode? cdir, Cred cr, CallerContext? ct)
    {
        if (nm == ".")
            return Errno.EINVAL;
        if (nm == "..")
            return Errno.ENOTEMPTY;
        var dn = Node(dvp);
        TmpNode n;
        // Under the rename lock, as in ufs: rmdir waits for a child directory's lock while holding its parent's, and
        // a rename holding the same two (by node id, which a moved directory need not have greater than its
        // parent's) would otherwise be waiting the other way round. The lock-order checker found this.
        using (dn.Mount.RenameLock.Enter())
        using (dn.Lock.Enter())
        {
            var err = CheckRemove(dn, nm, cr, out var de);
            if (err != Errno.OK)
                return err;
            n = de!.Node;
            if (n.Type != VType.VDIR)
                return Errno.ENOTDIR;
            if (cdir is not null && ReferenceEquals(n.Vnode, cdir))
                return Errno.EINVAL;
            if (n.Vnode.VfsMountedHere is not null)
                return Errno.EBUSY;
            using (n.Lock.Enter())
            {
                if (n.Entries!.Count > 0)
                    return Errno.ENOTEMPTY;
                n.Nlink = 0;
                n.Ctime = Now(n);
            }
            RemoveEntry(dn, de);
            var dnlc = dvp.Vfs.Dnlc;
            dnlc.Remove(dvp, nm);
            dnlc.PurgeVp(n.Vnode);
            dn.Nlink--;
            dn.Mtime = dn.Ctime = Now(dn);
        }
        ReleaseIfUnused(n);
        return Errno.OK;
    }

    /// <summary>The checks shared by remove and rmdir: the entry exists, write+search on the directory, the sticky rule.</summary>
    private static Errno CheckRemove(TmpNode dn, string nm, Cred cr, out TmpDirent? de)
    {
        de = null;
        if (dn.Mount.Vfs.IsReadOnly)
            return Errno.EROFS;
        var err = AccessLocked(dn, AccessMode.VWRITE | AccessMode.VEXEC, cr);
        if (err != Errno.OK)
            return err;
        if (!dn.Entries!.TryGetValue(nm, out de))
            return Errno.ENOENT;
        return Secpolicy.StickyRemove(cr, dn.Uid, dn.Mode, de.Node.Uid);
    }

    /// <summary>Frees a node that lost its last link while no vnode hold kept it (hold and release runs VOP_INACTIVE).</summary>
    private static void ReleaseIfUnused(TmpNode n)
    {
        n.Vnode.Hold();
        n.Vnode.Rele();
    }

    // Vop.Link has checked the name, that both vnodes are on this vfs, and that it is writable (VopChecks.cs).
    private static Errno TmpLink(Vnode tdvp, Vnode svp, string tnm, Cred cr, CallerContext? ct)
    {
        var sn = Node(svp);
        if (sn.Type == VType.VDIR)
            return Errno.EPERM;
        var dn = Node(tdvp);
        Errno err;
        using (dn.Lock.Enter())
        {
            if ((err = AccessLocked(dn, AccessMode.VWRITE | AccessMode.VEXEC, cr)) != Errno.OK)
                return err;
            if (dn.Nlink == 0)
                return Errno.ENOENT;
            if (dn.Entries!.ContainsKey(tnm))
                return Errno.EEXIST;
            var now = Now(dn);
            using (sn.Lock.Enter())
            {
                if (sn.Nlink == 0)
                    return Errno.ENOENT;
                if (sn.Nlink >= MaxLinks)
                    return Errno.EMLINK;
                sn.Nlink++;
                sn.Ctime = now;
            }
            AddEntry(dn, tnm, sn);
            dn.Mtime = dn.Ctime = now;
            return Errno.OK;
        }
    }

    // Vop.Rename has refused "." and "..", checked the target name, that both directories are on this vfs, and
    // that it is writable (VopChecks.cs).
    private static Errno TmpRename(Vnode sdvp, string snm, Vnode tdvp, string tnm, Cred cr, CallerContext? ct)
    {
        var sdn = Node(sdvp);
        var tdn = Node(tdvp);
        var tm = sdn.Mount;
        Errno err;
        TmpNode? victim = null;
        using (tm.RenameLock.Enter())
        {
            var first = sdn.NodeId <= tdn.NodeId ? sdn : tdn;
            var second = ReferenceEquals(first, sdn) ? tdn : sdn;
            using (first.Lock.Enter())
            using (second.Lock.Enter())
            {
                if ((err = AccessLocked(sdn, AccessMode.VWRITE | AccessMode.VEXEC, cr)) != Errno.OK)
                    return err;
                if ((err = AccessLocked(tdn, AccessMode.VWRITE | AccessMode.VEXEC, cr)) != Errno.OK)
                    return err;
                if (!sdn.Entries!.TryGetValue(snm, out var sde))
                    return Errno.ENOENT;
                if (tdn.Nlink == 0)
                    return Errno.ENOENT;
                var sn = sde.Node;
                if ((err = Secpolicy.StickyRemove(cr, sdn.Uid, sdn.Mode, sn.Uid)) != Errno.OK)
                    return err;
                if (sn.Type == VType.VDIR && !ReferenceEquals(sdn, tdn))
                {
                    // A directory into its own subtree is EINVAL whatever the target name holds (as Linux checks it first).
                    for (var p = tdn; ; p = p.Parent!)
                    {
                        if (ReferenceEquals(p, sn))
                            return Errno.EINVAL;
                        if (ReferenceEquals(p.Parent, p))
                            break;
                    }
                }
                tdn.Entries!.TryGetValue(tnm, out var tde);
                if (tde is not null)
                {
                    var tn = tde.Node;
                    if (ReferenceEquals(tn, sn))
                        return Errno.OK;
                    if ((err = Secpolicy.StickyRemove(cr, tdn.Uid, tdn.Mode, tn.Uid)) != Errno.OK)
                        return err;
                    if (sn.Type == VType.VDIR)
                    {
                        if (tn.Type != VType.VDIR)
                            return Errno.ENOTDIR;
                        if (tn.Entries!.Count > 0)
                            return Errno.ENOTEMPTY;
                    }
                    else if (tn.Type == VType.VDIR)
                        return Errno.EISDIR;
                    if (tn.Vnode.VfsMountedHere is not null)
                        return Errno.EBUSY;
                }
                if (sn.Type == VType.VDIR && !ReferenceEquals(sdn, tdn) && tde is null && tdn.Nlink >= MaxLinks)
                    return Errno.EMLINK;

                var dnlc = tm.Vfs.Dnlc;
                var now = Now(sdn);
                if (tde is not null)
                {
                    victim = tde.Node;
                    RemoveEntry(tdn, tde);
                    using (victim.Lock.Enter())
                    {
                        if (victim.Type == VType.VDIR)
                        {
                            victim.Nlink = 0;
                            tdn.Nlink--;
                        }
                        else
                            victim.Nlink--;
                        victim.Ctime = now;
                    }
                    if (victim.Type == VType.VDIR)
                        dnlc.PurgeVp(victim.Vnode);
                }
                RemoveEntry(sdn, sde);
                AddEntry(tdn, tnm, sn);
                dnlc.Remove(sdvp, snm);
                dnlc.Remove(tdvp, tnm);
                if (sn.Type == VType.VDIR && !ReferenceEquals(sdn, tdn))
                {
                    sn.Parent = tdn;
                    sdn.Nlink--;
                    tdn.Nlink++;
                }
                using (sn.Lock.Enter())
                    sn.Ctime = now;
                sdn.Mtime = sdn.Ctime = now;
                tdn.Mtime = tdn.Ctime = now;
            }
        }
        if (victim is not null)
            ReleaseIfUnused(victim);
        return Errno.OK;
    }

    private static Errno TmpReaddir(Vnode vp, Uio uio, Cred cr, out bool eof, CallerContext? ct)
    {
        eof = false;
        var dn = Node(vp);
        using (dn.Lock.Enter())
        {
            var err = AccessLocked(dn, AccessMode.VREAD, cr);
            if (err != Errno.OK)
                return err;
            long cookie = uio.Offset;
            if (cookie < 0)
                return Errno.EINVAL;
            long resid = uio.Resid;
            bool Add(ulong ino, long next, VType t, string name)
            {
                if (Dirent64.TryAdd(uio, ino, next, t, name))
                    return true;
                if (uio.Resid == resid)
                    err = Errno.EINVAL;
                return false;
            }
            if (dn.Nlink == 0)
            {
                eof = true;
                return Errno.OK;
            }
            if (cookie < 1 && !Add(dn.NodeId, 1, VType.VDIR, "."))
                return err;
            if (cookie < 2 && !Add(dn.Parent!.NodeId, 2, VType.VDIR, ".."))
                return err;
            var probe = new TmpDirent { Name = "", Node = dn, Cookie = Math.Max(cookie, 2) + 1 };
            var tail = new TmpDirent { Name = "", Node = dn, Cookie = long.MaxValue };
            if (probe.Cookie <= tail.Cookie)
                foreach (var de in dn.ByCookie!.GetViewBetween(probe, tail))
                    if (!Add(de.Node.NodeId, de.Cookie, de.Node.Type, de.Name))
                        return err;
            eof = true;
            dn.Atime = Now(dn);
            return Errno.OK;
        }
    }

    private static Errno TmpReadlink(Vnode vp, Uio uio, Cred cr, CallerContext? ct)
    {
        var n = Node(vp);
        using (n.Lock.Enter())
        {
            uio.MoveOut(FsName.Encode(n.Target ?? "") ?? []);
            n.Atime = Now(n);
        }
        return Errno.OK;
    }
}
