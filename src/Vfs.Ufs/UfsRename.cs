// Vfs.Ufs: rename (FreeBSD ufs_rename), the one name operation that touches two directories.
//
// The rules (POSIX rename): the source must exist; a target of the same file is left alone; a
// directory may replace only an empty directory and a non-directory only a non-directory; a directory
// may not move into its own subtree; the sticky bit guards both names. The steps, so that a crash at
// any point leaves at least one name for the file (fsck then repairs the link count):
//     1. the target name is entered (or rewritten to the source's inode),
//     2. a replaced target loses its link,
//     3. the source name is removed,
//     4. a directory moved to another parent gets its ".." rewritten, and both parents' link counts change.
// Locking: the mount's rename lock, then both directories in inode-number order, then the inodes moved
// or replaced. Walking up from the target to check the subtree takes each ancestor's lock in turn; that
// cannot deadlock, because only rename and rmdir (both under the rename lock) ever wait for a
// directory's lock while holding another's.
using UnixVfs.Core;

namespace UnixVfs.Ufs;

internal static partial class UfsVnops
{
    // Vop.Rename has refused "." and "..", checked the target name, that both directories are on this vfs, and
    // that the vfs is writable (VopChecks.cs). A mount made with -o ro is read-only without the vfs flag.
    private static Errno UfsRename(Vnode sdvp, string snm, Vnode tdvp, string tnm, Cred cr, CallerContext? ct)
    {
        var sdp = VTOI(sdvp);
        var tdp = VTOI(tdvp);
        var ump = sdp.Ump;
        if (ump.ReadOnly)
            return Errno.EROFS;
        Errno err;
        Inode? sip = null, tip = null;
        using (ump.RenameLock.Enter())
        {
            var first = sdp.Number <= tdp.Number ? sdp : tdp;
            var second = ReferenceEquals(first, sdp) ? tdp : sdp;
            using (first.Lock.Enter())
            using (second.Lock.Enter())
                err = RenameLocked(sdvp, sdp, snm, tdvp, tdp, tnm, cr, ref sip, ref tip);
        }
        sip?.Vnode.Rele();
        tip?.Vnode.Rele();
        return err;
    }

    /// <summary>The body of rename; the inodes it gets are left in <paramref name="sip"/> and <paramref name="tip"/> for the caller to release.</summary>
    private static Errno RenameLocked(Vnode sdvp, Inode sdp, string snm, Vnode tdvp, Inode tdp, string tnm, Cred cr,
        ref Inode? sip, ref Inode? tip)
    {
        Errno err;
        if ((err = AccessLocked(sdp, AccessMode.VWRITE | AccessMode.VEXEC, cr)) != Errno.OK)
            return err;
        if ((err = AccessLocked(tdp, AccessMode.VWRITE | AccessMode.VEXEC, cr)) != Errno.OK)
            return err;
        if ((err = UfsDir.Lookup(sdp, snm, out uint sino, out int soff)) != Errno.OK)
            return err;
        if (tdp.Din.Nlink <= 0)
            return Errno.ENOENT;
        if ((err = Iget(sdp, sino, out sip)) != Errno.OK)
            return err;
        if ((err = Secpolicy.StickyRemove(cr, sdp.Din.Uid, sdp.Din.Mode, sip!.Din.Uid)) != Errno.OK)
            return err;
        err = UfsDir.Lookup(tdp, tnm, out uint tino, out int toff);
        if (err != Errno.OK && err != Errno.ENOENT)
            return err;
        bool replace = err == Errno.OK;
        bool moveDir = sip.IsDir && !ReferenceEquals(sdp, tdp);
        // A directory into its own subtree is EINVAL before the target is looked at (Linux's order, and tmpfs's).
        if (sip.IsDir && (ReferenceEquals(sip, tdp) || (moveDir && (err = CheckPath(sip, tdp)) != Errno.OK)))
            return ReferenceEquals(sip, tdp) ? Errno.EINVAL : err;
        if (replace)
        {
            if (tino == sino)
                return Errno.OK;
            if ((err = Iget(tdp, tino, out tip)) != Errno.OK)
                return err;
            if ((err = Secpolicy.StickyRemove(cr, tdp.Din.Uid, tdp.Din.Mode, tip!.Din.Uid)) != Errno.OK)
                return err;
            if (sip.IsDir)
            {
                if (!tip.IsDir)
                    return Errno.ENOTDIR;
                using (tip.Lock.Enter())
                {
                    if ((err = UfsDir.IsEmpty(tip, out bool empty)) != Errno.OK)
                        return err;
                    if (!empty)
                        return Errno.ENOTEMPTY;
                }
            }
            else if (tip.IsDir)
                return Errno.EISDIR;
            if (tip.Vnode.VfsMountedHere is not null)
                return Errno.EBUSY;
        }
        if (moveDir && !replace && tdp.Din.Nlink >= LinkMax)
            return Errno.EMLINK;

        byte dt = Dinode.ToDt(sip.Din.Type);
        err = replace ? UfsDir.Rewrite(tdp, toff, sino, dt) : UfsDir.Enter(tdp, tnm, sino, dt, cr);
        if (err != Errno.OK)
            return err;
        var dnlc = sdvp.Vfs.Kernel.Dnlc;
        if (replace)
        {
            using (tip!.Lock.Enter())
            {
                if (tip.IsDir)
                {
                    tip.Din.Nlink = 0;
                    tdp.Din.Nlink--;
                }
                else
                    tip.Din.Nlink--;
                tip.Stamp(atime: false, mtime: false, ctime: true);
                tip.Update();
            }
            if (tip.IsDir)
                dnlc.PurgeVp(tip.Vnode);
        }
        if ((err = UfsDir.Remove(sdp, soff)) != Errno.OK)
            return err;
        dnlc.Remove(sdvp, snm);
        dnlc.Remove(tdvp, tnm);
        using (sip.Lock.Enter())
        {
            if (moveDir)
            {
                if ((err = UfsDir.DotDot(sip, out _, out int ddoff)) == Errno.OK)
                    err = UfsDir.Rewrite(sip, ddoff, tdp.Number, Dinode.ToDt(Dinode.IFDIR));
                if (err != Errno.OK)
                    return err;
                dnlc.PurgeVp(sip.Vnode);
                sdp.Din.Nlink--;
                tdp.Din.Nlink++;
            }
            sip.Stamp(atime: false, mtime: false, ctime: true);
            sip.Update();
        }
        sdp.Stamp(atime: false, mtime: true, ctime: true);
        tdp.Stamp(atime: false, mtime: true, ctime: true);
        err = sdp.Update();
        var e2 = tdp.Update();
        return err != Errno.OK ? err : e2;
    }

    /// <summary>
    /// ufs_checkpath: EINVAL when directory <paramref name="source"/> is <paramref name="target"/> or one of its
    /// ancestors, found by following ".." from the target to the root. A ".." chain longer than the file system
    /// has directories is a loop in a corrupt image: EIO. Caller holds the rename lock.
    /// </summary>
    private static Errno CheckPath(Inode source, Inode target)
    {
        var ump = target.Ump;
        var icache = ump.Icache;
        uint cur = target.Number;
        long limit = ump.Fs.Ninodes;
        for (long steps = 0; steps <= limit; steps++)
        {
            if (cur == source.Number)
                return Errno.EINVAL;
            if (cur == Fs.RootIno)
                return Errno.OK;
            var err = icache.Iget(cur, out var ip);
            if (err != Errno.OK)
                return Errno.EIO;
            uint parent = 0;
            using (ip!.Lock.Enter())
                err = ip.IsDir ? UfsDir.DotDot(ip, out parent, out _) : Errno.EIO;
            ip.Vnode.Rele();
            if (err != Errno.OK)
                return err;
            if (parent == cur)
                return Errno.OK;
            cur = parent;
        }
        ump.Complain($"directory loop above inode {target.Number}");
        return Errno.EIO;
    }
}
