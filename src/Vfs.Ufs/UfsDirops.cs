// Vfs.Ufs: the name operations -- lookup, create, mkdir, symlink, remove, rmdir, link, rename,
// readdir -- and readlink (FreeBSD ufs_lookup.c and ufs_vnops.c).
//
// Each op holds the directory's inode lock while it reads or changes the directory, keeps the DNLC true
// under that lock (Remove for a name removed or renamed away, PurgeVp for a removed directory, Enter
// only for names found), and stamps the directory's mtime and ctime when a name changes. A new file's
// dinode is written to its buffer before the entry naming it. Rename and rmdir also take the mount's
// rename lock, so that "is the target inside the directory being moved?" cannot change under them.
using UnixVfs.Core;

namespace UnixVfs.Ufs;

internal static partial class UfsVnops
{
    private static Errno UfsLookup(Vnode dvp, string nm, out Vnode? vp, LookupFlags flags, Vnode? rdir, Cred cr, CallerContext? ct)
    {
        vp = null;
        var dp = VTOI(dvp);
        var dnlc = dvp.Vfs.Kernel.Dnlc;
        using (dp.Lock.Enter())
        {
            var err = AccessLocked(dp, AccessMode.VEXEC, cr);
            if (err != Errno.OK)
                return err;
            if (dp.Din.Nlink <= 0)
                return Errno.ENOENT;
            if (nm == ".")
            {
                vp = dvp;
                vp.Hold();
                return Errno.OK;
            }
            if (nm != "..")
            {
                vp = dnlc.Lookup(dvp, nm);
                if (vp is not null)
                    return Errno.OK;
            }
            uint ino;
            if (nm == "..")
                err = dp.Number == Fs.RootIno ? Ok(out ino) : UfsDir.DotDot(dp, out ino, out _);
            else
                err = UfsDir.Lookup(dp, nm, out ino, out _);
            if (err == Errno.ENOENT)
                UfsDir.NoteAbsent(dp, nm);
            if (err != Errno.OK)
                return err;
            if (ino == dp.Number)
            {
                vp = dvp;
                vp.Hold();
                return Errno.OK;
            }
            if ((err = Iget(dp, ino, out var ip)) != Errno.OK)
                return err;
            vp = ip!.Vnode;
            if (nm != "..")
                dnlc.Enter(dvp, nm, vp);
            return Errno.OK;
        }

        Errno Ok(out uint ino)
        {
            ino = dp.Number;
            return Errno.OK;
        }
    }

    /// <summary>Iget for an inode a directory entry names: a free inode there is a broken directory (EIO).</summary>
    private static Errno Iget(Inode dp, uint ino, out Inode? ip)
    {
        var err = dp.Ump.Icache.Iget(ino, out ip);
        if (err is Errno.ENOENT or Errno.EINVAL)
        {
            dp.Ump.Complain($"directory {dp.Number} names inode {ino}, which is not in use");
            return Errno.EIO;
        }
        return err;
    }

    private static Errno UfsCreate(Vnode dvp, string name, Vattr vap, VcExcl excl, AccessMode mode, out Vnode? vp, Cred cr, FileFlags flag, CallerContext? ct)
    {
        vp = null;
        var err = FsSubr.CheckName(name);
        if (err != Errno.OK)
            return err;
        var dp = VTOI(dvp);
        using (dp.Lock.Enter())
        {
            if ((err = AccessLocked(dp, AccessMode.VEXEC, cr)) != Errno.OK)
                return err;
            uint ino = 0;
            err = UfsDir.KnownAbsent(dp, name) ? Errno.ENOENT : UfsDir.Lookup(dp, name, out ino, out _);
            if (err == Errno.OK)
            {
                if (excl == VcExcl.EXCL)
                    return Errno.EEXIST;
                if ((err = Iget(dp, ino, out var ip)) != Errno.OK)
                    return err;
                err = OpenExisting(ip!, vap, mode, cr);
                if (err != Errno.OK)
                {
                    ip!.Vnode.Rele();
                    return err;
                }
                vp = ip!.Vnode;
                return Errno.OK;
            }
            if (err != Errno.ENOENT)
                return err;
            if (vap.Type is not (VType.VREG or VType.VCHR or VType.VBLK or VType.VFIFO or VType.VSOCK))
                return Errno.EINVAL;
            if ((err = MakeInode(dp, name, vap, cr, out var nip)) != Errno.OK)
                return err;
            vp = nip!.Vnode;
            return Errno.OK;
        }
    }

    /// <summary>The checks of creating a name that exists: access as asked, and truncation when the size is given.</summary>
    private static Errno OpenExisting(Inode ip, Vattr vap, AccessMode mode, Cred cr)
    {
        if (ip.Type == VType.VDIR)
            return (mode & AccessMode.VWRITE) != 0 ? Errno.EISDIR : Errno.OK;
        using (ip.Lock.Enter())
        {
            Errno err;
            if (mode != 0 && (err = AccessLocked(ip, mode, cr)) != Errno.OK)
                return err;
            if ((vap.Mask & AttrMask.AT_SIZE) != 0 && ip.Type == VType.VREG)
            {
                if (ip.Ump.ReadOnly)
                    return Errno.EROFS;
                if ((err = UfsBmap.Itrunc(ip, vap.Size, cr)) != Errno.OK)
                    return err;
                ip.Stamp(atime: false, mtime: true, ctime: true);
                return ip.Update();
            }
            return Errno.OK;
        }
    }

    /// <summary>
    /// ufs_makeinode: checks write and search permission on <paramref name="dp"/>, allocates an inode of
    /// <c>vap.Type</c>, initialises its dinode (a directory also gets "." and ".."), and enters it under
    /// <paramref name="name"/>. The new inode comes back held. Caller holds dp.Lock and has checked the name is absent.
    /// Returns OK, EROFS, EACCES, ENOENT (dp removed), EMLINK, ENOSPC, EIO.
    /// </summary>
    private static Errno MakeInode(Inode dp, string name, Vattr vap, Cred cr, out Inode? ip)
    {
        ip = null;
        var ump = dp.Ump;
        if (ump.ReadOnly)
            return Errno.EROFS;
        var err = AccessLocked(dp, AccessMode.VWRITE | AccessMode.VEXEC, cr);
        if (err != Errno.OK)
            return err;
        if (dp.Din.Nlink <= 0)
            return Errno.ENOENT;
        bool isDir = vap.Type == VType.VDIR;
        if (isDir && dp.Din.Nlink >= LinkMax)
            return Errno.EMLINK;
        if ((err = UfsAlloc.Valloc(dp, vap.Type, out uint ino)) != Errno.OK)
            return err;
        if ((err = ump.Icache.IgetNew(ino, vap.Type, out var nip)) != Errno.OK)
        {
            UfsAlloc.Vfree(ump, ino, isDir);
            return err;
        }
        var d = nip!.Din;
        uint perm = vap.Mode & ModeBits.ModeMask;
        uint gid = (dp.Din.Mode & ModeBits.S_ISGID) != 0 ? dp.Din.Gid : cr.Gid;
        if (isDir && (dp.Din.Mode & ModeBits.S_ISGID) != 0)
            perm |= ModeBits.S_ISGID;
        if (!cr.IsSuperUser && (perm & ModeBits.S_ISGID) != 0 && !isDir && !cr.GroupMember(gid))
            perm &= ~ModeBits.S_ISGID;
        d.Mode = (ushort)(ModeBits.VtToIf(vap.Type) | perm);
        d.Uid = cr.Uid;
        d.Gid = gid;
        d.Nlink = (short)(isDir ? 2 : 1);
        d.Blksize = (uint)dp.Fs.Bsize;
        if (vap.Type is VType.VCHR or VType.VBLK)
        {
            d.Db[0] = (long)vap.Rdev;
            nip.Vnode.Rdev = vap.Rdev;
        }
        var now = ump.Now();
        d.Atime = d.Mtime = d.Ctime = d.Birthtime = now.Sec;
        d.Atimensec = d.Mtimensec = d.Ctimensec = d.Birthnsec = (int)now.Nsec;
        using (nip.Lock.EnterNew()) // not yet named in any directory: no other thread can be waiting for it
        {
            err = isDir ? UfsDir.MakeEmpty(nip, dp.Number, cr) : nip.Update();
        }
        if (err == Errno.OK)
            err = UfsDir.Enter(dp, name, ino, Dinode.ToDt(d.Type), cr);
        if (err != Errno.OK)
        {
            // Undo: with no links the last release frees the inode and whatever it holds.
            d.Nlink = 0;
            nip.Vnode.Rele();
            return err;
        }
        if (isDir)
            dp.Din.Nlink++;
        dp.Stamp(atime: false, mtime: true, ctime: true);
        if ((err = dp.Update()) != Errno.OK)
        {
            nip.Vnode.Rele();
            return err;
        }
        ip = nip;
        return Errno.OK;
    }

    /// <summary>OK when <paramref name="name"/> may be made in <paramref name="dp"/>: it can be searched and the name is free. Returns OK, EACCES, EEXIST, EIO. Caller holds dp.Lock.</summary>
    private static Errno CheckAbsent(Inode dp, string name, Cred cr)
    {
        var err = AccessLocked(dp, AccessMode.VEXEC, cr);
        if (err != Errno.OK || UfsDir.KnownAbsent(dp, name))
            return err;
        err = UfsDir.Lookup(dp, name, out _, out _);
        return err == Errno.OK ? Errno.EEXIST : err == Errno.ENOENT ? Errno.OK : err;
    }

    private static Errno UfsMkdir(Vnode dvp, string dirname, Vattr vap, out Vnode? vp, Cred cr, CallerContext? ct)
    {
        vp = null;
        var err = FsSubr.CheckName(dirname);
        if (err != Errno.OK)
            return err;
        var dp = VTOI(dvp);
        using (dp.Lock.Enter())
        {
            if ((err = CheckAbsent(dp, dirname, cr)) != Errno.OK)
                return err;
            var dvap = vap.Clone();
            dvap.Type = VType.VDIR;
            if ((err = MakeInode(dp, dirname, dvap, cr, out var ip)) != Errno.OK)
                return err;
            vp = ip!.Vnode;
            return Errno.OK;
        }
    }

    private static Errno UfsSymlink(Vnode dvp, string linkname, Vattr vap, string target, Cred cr, CallerContext? ct)
    {
        var err = FsSubr.CheckName(linkname);
        if (err != Errno.OK)
            return err;
        var text = FsName.Encode(target);
        if (text is null)
            return Errno.EINVAL;
        if (text.Length >= Limits.PathMax)
            return Errno.ENAMETOOLONG;
        var dp = VTOI(dvp);
        using (dp.Lock.Enter())
        {
            if ((err = CheckAbsent(dp, linkname, cr)) != Errno.OK)
                return err;
            var lvap = vap.Clone();
            lvap.Type = VType.VLNK;
            lvap.Mode = 0x1FF;
            if ((err = MakeInode(dp, linkname, lvap, cr, out var ip)) != Errno.OK)
                return err;
            using (ip!.Lock.Enter())
            {
                if (text.Length < ip.Fs.Maxsymlinklen)
                {
                    ip.Din.SetShortLink(text);
                    ip.Size = text.Length;
                    err = ip.Update();
                }
                else
                    err = WriteNewFile(ip, text, cr);
                if (err != Errno.OK)
                {
                    // The name exists already; take it away again so that no half-made link is left.
                    if (UfsDir.Lookup(dp, linkname, out _, out int off) == Errno.OK)
                        UfsDir.Remove(dp, off);
                    ip.Din.Nlink = 0;
                }
            }
            ip.Vnode.Rele();
            return err;
        }
    }

    private static Errno UfsReadlink(Vnode vp, Uio uio, Cred cr, CallerContext? ct)
    {
        var ip = VTOI(vp);
        using (ip.Lock.Enter())
        {
            long size = ip.Size;
            if (size < 0 || size >= Limits.PathMax)
            {
                ip.Ump.Complain($"symlink {ip.Number} has bad length {size}");
                return Errno.EIO;
            }
            if (ip.IsShortLink)
            {
                Span<byte> text = stackalloc byte[Fs.MaxSymlinkLen];
                ip.Din.GetShortLink(text, (int)size);
                uio.MoveOut(text[..(int)size]);
                return Errno.OK;
            }
            var buf = new byte[size];
            var ruio = new Uio(buf, 0, UioRw.UIO_READ);
            var err = ReadLocked(ip, ruio);
            if (err != Errno.OK)
                return err;
            uio.MoveOut(buf);
            return Errno.OK;
        }
    }

    private static Errno UfsRemove(Vnode dvp, string nm, Cred cr, CallerContext? ct)
    {
        var dp = VTOI(dvp);
        Inode? ip;
        using (dp.Lock.Enter())
        {
            var err = CheckRemove(dp, nm, cr, out ip, out int off);
            if (err != Errno.OK)
                return err;
            if (ip!.IsDir)
            {
                ip.Vnode.Rele();
                return Errno.EPERM;
            }
            if ((err = UfsDir.Remove(dp, off)) != Errno.OK)
            {
                ip.Vnode.Rele();
                return err;
            }
            dvp.Vfs.Kernel.Dnlc.Remove(dvp, nm);
            using (ip.Lock.Enter())
            {
                ip.Din.Nlink--;
                ip.Stamp(atime: false, mtime: false, ctime: true);
                ip.Update();
            }
            dp.Stamp(atime: false, mtime: true, ctime: true);
            err = dp.Update();
            ip.Vnode.Rele();
            return err;
        }
    }

    /// <summary>
    /// The checks remove and rmdir share: a writable mount, write and search permission on the directory, the entry,
    /// its inode (held on OK), and the sticky-directory rule. Caller holds dp.Lock.
    /// </summary>
    private static Errno CheckRemove(Inode dp, string nm, Cred cr, out Inode? ip, out int off)
    {
        ip = null;
        off = -1;
        if (dp.Ump.ReadOnly)
            return Errno.EROFS;
        var err = AccessLocked(dp, AccessMode.VWRITE | AccessMode.VEXEC, cr);
        if (err != Errno.OK)
            return err;
        if ((err = UfsDir.Lookup(dp, nm, out uint ino, out off)) != Errno.OK)
            return err;
        if ((err = Iget(dp, ino, out ip)) != Errno.OK)
            return err;
        err = Secpolicy.StickyRemove(cr, dp.Din.Uid, dp.Din.Mode, ip!.Din.Uid);
        if (err != Errno.OK)
        {
            ip.Vnode.Rele();
            ip = null;
        }
        return err;
    }

    private static Errno UfsRmdir(Vnode dvp, string nm, Vnode? cdir, Cred cr, CallerContext? ct)
    {
        if (nm == ".")
            return Errno.EINVAL;
        if (nm == "..")
            return Errno.ENOTEMPTY;
        var dp = VTOI(dvp);
        var ump = dp.Ump;
        Inode? ip;
        using (ump.RenameLock.Enter())
        using (dp.Lock.Enter())
        {
            var err = CheckRemove(dp, nm, cr, out ip, out int off);
            if (err != Errno.OK)
                return err;
            try
            {
                if (!ip!.IsDir)
                    return Errno.ENOTDIR;
                if (cdir is not null && ReferenceEquals(ip.Vnode, cdir))
                    return Errno.EINVAL;
                if (ip.Vnode.VfsMountedHere is not null || ip.Number == Fs.RootIno)
                    return Errno.EBUSY;
                using (ip.Lock.Enter())
                {
                    if ((err = UfsDir.IsEmpty(ip, out bool empty)) != Errno.OK)
                        return err;
                    if (!empty)
                        return Errno.ENOTEMPTY;
                    if ((err = UfsDir.Remove(dp, off)) != Errno.OK)
                        return err;
                    ip.Din.Nlink = 0;
                    ip.Stamp(atime: false, mtime: false, ctime: true);
                    ip.Update();
                }
                var dnlc = dvp.Vfs.Kernel.Dnlc;
                dnlc.Remove(dvp, nm);
                dnlc.PurgeVp(ip.Vnode);
                dp.Din.Nlink--;
                dp.Stamp(atime: false, mtime: true, ctime: true);
                return dp.Update();
            }
            finally
            {
                ip!.Vnode.Rele();
            }
        }
    }

    // Vop.Link has checked the name, that both vnodes are on this vfs, and that the vfs is writable (VopChecks.cs).
    private static Errno UfsLink(Vnode tdvp, Vnode svp, string tnm, Cred cr, CallerContext? ct)
    {
        var ip = VTOI(svp);
        Errno err;
        if (ip.IsDir)
            return Errno.EPERM;
        var dp = VTOI(tdvp);
        if (dp.Ump.ReadOnly)
            return Errno.EROFS;
        using (dp.Lock.Enter())
        {
            if ((err = AccessLocked(dp, AccessMode.VWRITE | AccessMode.VEXEC, cr)) != Errno.OK)
                return err;
            if (dp.Din.Nlink <= 0)
                return Errno.ENOENT;
            if ((err = CheckAbsent(dp, tnm, cr)) != Errno.OK)
                return err;
            using (ip.Lock.Enter())
            {
                if (ip.Din.Nlink <= 0)
                    return Errno.ENOENT;
                if (ip.Din.Nlink >= LinkMax)
                    return Errno.EMLINK;
                ip.Din.Nlink++;
                ip.Stamp(atime: false, mtime: false, ctime: true);
                if ((err = ip.Update()) != Errno.OK)
                {
                    ip.Din.Nlink--;
                    return err;
                }
            }
            if ((err = UfsDir.Enter(dp, tnm, ip.Number, Dinode.ToDt(ip.Din.Type), cr)) != Errno.OK)
            {
                using (ip.Lock.Enter())
                {
                    ip.Din.Nlink--;
                    ip.Update();
                }
                return err;
            }
            dp.Stamp(atime: false, mtime: true, ctime: true);
            return dp.Update();
        }
    }

    private static Errno UfsReaddir(Vnode vp, Uio uio, Cred cr, out bool eof, CallerContext? ct)
    {
        eof = false;
        var dp = VTOI(vp);
        if (uio.Offset < 0)
            return Errno.EINVAL;
        using (dp.Lock.Enter())
        {
            var err = AccessLocked(dp, AccessMode.VREAD, cr);
            if (err != Errno.OK)
                return err;
            if (dp.Din.Nlink <= 0)
            {
                eof = true;
                return Errno.OK;
            }
            err = UfsDir.Readdir(dp, uio, out eof);
            if (err == Errno.OK && !dp.Ump.ReadOnly)
            {
                dp.Stamp(atime: true, mtime: false, ctime: false);
                dp.Flag |= InodeFlags.IN_MODIFIED;
            }
            return err;
        }
    }
}
