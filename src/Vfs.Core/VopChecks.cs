// Vfs.Core: the checks that rename and link make the same way in every file system, made once in the
// generic layer (as illumos's fop_* wrappers and vn_rename/vn_link do) before VOP_RENAME and VOP_LINK
// dispatch. A file system then sees only calls these checks passed: both vnodes on its own vfs, a well
// formed target name, a writable mount.
//
// The order of the checks is the order every file system made them in before (tmpfs, ufs, nfs), so each
// layer, and the mirror and the NFS server that call VOP_RENAME/VOP_LINK on the vnodes below them, give
// the same errno for the same call:
//     rename:  "." or ".." as either name -> EINVAL; a bad target name -> CheckName's errno;
//              two vfs -> EXDEV; a read-only vfs -> EROFS
//     link:    a bad target name -> CheckName's errno; two vfs -> EXDEV; a read-only vfs -> EROFS
// What only one file system knows stays there: linking a directory (EPERM, tmpfs and ufs), a UFS mounted
// with -o ro (its own EROFS: the option does not set VFS_RDONLY).
namespace UnixVfs.Core;

/// <summary>The generic prologue of VOP_RENAME and VOP_LINK.</summary>
internal static class VopChecks
{
    /// <summary>False, with the errno in <paramref name="err"/>, when rename(2) must fail before reaching the file system.</summary>
    public static bool RenameAllowed(Vnode sdvp, string snm, Vnode tdvp, string tnm, out Errno err)
    {
        if (snm is "." or ".." || tnm is "." or "..")
            err = Errno.EINVAL;
        else if ((err = FsSubr.CheckName(tnm)) != Errno.OK)
            return false;
        else if (!ReferenceEquals(sdvp.Vfs, tdvp.Vfs))
            err = Errno.EXDEV;
        else if (sdvp.Vfs.IsReadOnly)
            err = Errno.EROFS;
        return err == Errno.OK;
    }

    /// <summary>False, with the errno in <paramref name="err"/>, when link(2) must fail before reaching the file system.</summary>
    public static bool LinkAllowed(Vnode tdvp, Vnode svp, string tnm, out Errno err)
    {
        if ((err = FsSubr.CheckName(tnm)) != Errno.OK)
            return false;
        if (!ReferenceEquals(svp.Vfs, tdvp.Vfs))
            err = Errno.EXDEV;
        else if (tdvp.Vfs.IsReadOnly)
            err = Errno.EROFS;
        return err == Errno.OK;
    }
}
