// Vfs.Core: the permission rules every file system applies the same way (illumos policy.c:
// secpolicy_vnode_access, secpolicy_vnode_setattr; the sticky-directory rule), in one place.
//
// A file system calls these from its VOP_ACCESS, VOP_SETATTR, VOP_REMOVE and VOP_RENAME with the
// owner, group and mode of the files involved; it never writes its own copy of the rules.
namespace UnixVfs.Core;

/// <summary>Permission checks shared by file systems.</summary>
public static class Secpolicy
{
    /// <summary>
    /// The owner/group/other check of VOP_ACCESS. The superuser may read and write anything and may
    /// execute (search) anything that has an execute bit or is a directory. Returns OK or EACCES.
    /// </summary>
    public static Errno VnodeAccess(Cred cr, VType type, uint uid, uint gid, uint mode, AccessMode want)
    {
        if (cr.IsSuperUser)
        {
            if ((want & AccessMode.VEXEC) != 0 && type != VType.VDIR && (mode & 0x49) == 0) // 0111
                return Errno.EACCES;
            return Errno.OK;
        }
        int shift = cr.Uid == uid ? 0 : cr.GroupMember(gid) ? 3 : 6;
        uint granted = (mode << shift) & 0x1C0; // the class's rwx bits, moved to the owner position (0700)
        return ((uint)want & ~granted) == 0 ? Errno.OK : Errno.EACCES;
    }

    /// <summary>
    /// The checks of VOP_SETATTR against the file's current attributes <paramref name="ovap"/>; may clear
    /// set-id bits in <paramref name="vap"/> as the rules require. <paramref name="access"/> is the file
    /// system's own VOP_ACCESS for this file. Returns OK, EPERM, EACCES, EINVAL, EISDIR.
    /// </summary>
    public static Errno VnodeSetattr(Cred cr, Vattr vap, Vattr ovap, AttrFlags flags, Func<AccessMode, Errno> access)
    {
        var mask = vap.Mask;
        if ((mask & AttrMask.AT_NOSET) != 0)
            return Errno.EINVAL;
        bool owner = cr.IsSuperUser || cr.Uid == ovap.Uid;

        if ((mask & AttrMask.AT_SIZE) != 0)
        {
            // A change of size is a write: truncate(2) and Linux's nfsd ask for write permission, owner or not.
            // ftruncate and O_TRUNC checked it when the file was opened for writing (ATTR_NOACLCHECK).
            if (ovap.Type == VType.VDIR)
                return Errno.EISDIR;
            if ((flags & AttrFlags.ATTR_NOACLCHECK) == 0 && ovap.Type == VType.VREG)
            {
                var err = access(AccessMode.VWRITE);
                if (err != Errno.OK)
                    return err;
            }
        }

        if ((mask & AttrMask.AT_MODE) != 0)
        {
            if (!owner)
                return Errno.EPERM;
            uint gid = (mask & AttrMask.AT_GID) != 0 ? vap.Gid : ovap.Gid;
            if (!cr.IsSuperUser && (vap.Mode & ModeBits.S_ISGID) != 0 && !cr.GroupMember(gid))
                vap.Mode &= ~ModeBits.S_ISGID;
        }

        if ((mask & (AttrMask.AT_UID | AttrMask.AT_GID)) != 0)
        {
            bool uidChange = (mask & AttrMask.AT_UID) != 0 && vap.Uid != ovap.Uid;
            bool gidChange = (mask & AttrMask.AT_GID) != 0 && vap.Gid != ovap.Gid;
            if (!cr.IsSuperUser)
            {
                // Only the owner may chown at all, even to the values the file has (illumos and Linux agree);
                // the owner may not give the file away, and may change its group only to one of their own.
                if (cr.Uid != ovap.Uid || uidChange)
                    return Errno.EPERM;
                if (gidChange && !cr.GroupMember(vap.Gid))
                    return Errno.EPERM;
            }
            if ((uidChange || gidChange) && ovap.Type != VType.VDIR && (ovap.Mode & (ModeBits.S_ISUID | ModeBits.S_ISGID)) != 0)
            {
                // A change of owner drops the set-id bits, so that a file cannot be given away with them.
                vap.Mask |= AttrMask.AT_MODE;
                vap.Mode = ((mask & AttrMask.AT_MODE) != 0 ? vap.Mode : ovap.Mode) & ~(ModeBits.S_ISUID | ModeBits.S_ISGID);
            }
        }

        if ((mask & (AttrMask.AT_ATIME | AttrMask.AT_MTIME)) != 0 && !owner)
        {
            if ((flags & AttrFlags.ATTR_UTIME) != 0)
                return Errno.EPERM;
            var err = access(AccessMode.VWRITE);
            if (err != Errno.OK)
                return err;
        }
        return Errno.OK;
    }

    /// <summary>
    /// secpolicy_sys_devices: making a block or character device (mknod(2), NFS MKNOD) is for the superuser
    /// alone -- a device node is raw access to whatever it names. FIFOs, sockets and regular files need no
    /// privilege. Returns OK or EPERM.
    /// </summary>
    public static Errno Mknod(Cred cr, VType type) =>
        type is VType.VBLK or VType.VCHR && !cr.IsSuperUser ? Errno.EPERM : Errno.OK;

    /// <summary>
    /// The sticky-directory rule: in a directory with S_ISVTX, only the file's owner, the directory's owner
    /// or the superuser may remove or rename an entry. Returns OK or EPERM.
    /// </summary>
    public static Errno StickyRemove(Cred cr, uint dirUid, uint dirMode, uint fileUid)
    {
        if ((dirMode & ModeBits.S_ISVTX) == 0 || cr.IsSuperUser || cr.Uid == dirUid || cr.Uid == fileUid)
            return Errno.OK;
        return Errno.EPERM;
    }

    /// <summary>
    /// dircheckpath: EINVAL if directory <paramref name="source"/> is <paramref name="targetDir"/> or one of its
    /// ancestors within the file system (renaming a directory into its own subtree). Walks ".." from the target.
    /// Returns OK, EINVAL, or an error of the lookups.
    /// </summary>
    public static Errno DirCheckPath(Vnode source, Vnode targetDir, Cred cr)
    {
        var cur = targetDir;
        cur.Hold();
        try
        {
            while (true)
            {
                if (Vop.Cmp(cur, source))
                    return Errno.EINVAL;
                if (cur.IsRoot)
                    return Errno.OK;
                var err = Vop.Lookup(cur, "..", out var parent, LookupFlags.None, null, Cred.Kcred);
                if (err != Errno.OK)
                    return err;
                if (ReferenceEquals(parent, cur))
                {
                    parent!.Rele();
                    return Errno.OK;
                }
                cur.Rele();
                cur = parent!;
            }
        }
        finally
        {
            cur.Rele();
        }
    }
}
