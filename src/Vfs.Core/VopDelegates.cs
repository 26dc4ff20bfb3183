// Vfs.Core: the signature of every vnode operation, written once (the VNODE_OPS macro of illumos).
//
// Each delegate type is one slot of a VnodeOps table. Contracts are stated here, at the
// declaration: which errnos an op may return and what it does to references. Unless said
// otherwise, an op borrows the vnodes it is given (their holds are unchanged) and every vnode it
// returns through an out parameter comes back held once on OK and is null otherwise.
// Callers never invoke these directly: they call Vop.* (Vop.cs), which dispatches through v_op.
namespace UnixVfs.Core;

/// <summary>VOP_OPEN: prepares <paramref name="vp"/> for I/O with the FREAD/FWRITE/... flags of open(2).
/// A file system may replace *vpp (a clone device); the caller's hold moves to the replacement.
/// Returns OK, EACCES, EROFS, EISDIR, EIO.</summary>
public delegate Errno VopOpen(ref Vnode vp, FileFlags flag, Cred cr, CallerContext? ct);

/// <summary>VOP_CLOSE: one close of an open file; <paramref name="count"/> is how many references to the open file remain including this one. Returns OK, EIO.</summary>
public delegate Errno VopClose(Vnode vp, FileFlags flag, int count, long offset, Cred cr, CallerContext? ct);

/// <summary>VOP_READ: reads from <c>uio.Offset</c> into the caller's buffers, at most <c>uio.Resid</c> bytes; a short
/// count at end of file is OK. The caller holds VOP_RWLOCK as reader. Returns OK, EISDIR, EIO, EINVAL (negative offset).</summary>
public delegate Errno VopRead(Vnode vp, Uio uio, FileFlags ioflag, Cred cr, CallerContext? ct);

/// <summary>VOP_WRITE: writes the caller's buffers at <c>uio.Offset</c> (at end of file with FAPPEND); FSYNC/FDSYNC make
/// it synchronous. The caller holds VOP_RWLOCK as writer. Returns OK, ENOSPC, EFBIG, EDQUOT, EIO, EISDIR.</summary>
public delegate Errno VopWrite(Vnode vp, Uio uio, FileFlags ioflag, Cred cr, CallerContext? ct);

/// <summary>VOP_IOCTL: a file-system-specific control request. Returns OK, ENOTTY (unknown cmd), EINVAL, EPERM.</summary>
public delegate Errno VopIoctl(Vnode vp, int cmd, object? arg, FileFlags flag, Cred cr, out int rval, CallerContext? ct);

/// <summary>VOP_SETFL: the open file's flags change from <paramref name="oflags"/> to <paramref name="nflags"/> (fcntl F_SETFL). Returns OK, EINVAL.</summary>
public delegate Errno VopSetfl(Vnode vp, FileFlags oflags, FileFlags nflags, Cred cr, CallerContext? ct);

/// <summary>VOP_GETATTR: fills at least the attributes masked in <c>vap.Mask</c>. Returns OK, EIO, ESTALE.</summary>
public delegate Errno VopGetattr(Vnode vp, Vattr vap, AttrFlags flags, Cred cr, CallerContext? ct);

/// <summary>VOP_SETATTR: sets exactly the attributes masked in <c>vap.Mask</c> (AT_SIZE truncates or extends with zeros).
/// Returns OK, EPERM, EACCES, EROFS, EINVAL (an AT_NOSET bit), EISDIR (size of a directory), EFBIG, ENOSPC.</summary>
public delegate Errno VopSetattr(Vnode vp, Vattr vap, AttrFlags flags, Cred cr, CallerContext? ct);

/// <summary>VOP_ACCESS: may <paramref name="cr"/> read/write/search this file? Returns OK, EACCES, EROFS (write on a read-only vfs).</summary>
public delegate Errno VopAccess(Vnode vp, AccessMode mode, AccessFlags flags, Cred cr, CallerContext? ct);

/// <summary>VOP_LOOKUP: finds <paramref name="nm"/> (one component, never "" ; "." and ".." included) in directory
/// <paramref name="dvp"/>. On OK *vp is held once. Returns OK, ENOENT, ENOTDIR, EACCES (no search permission), EIO.</summary>
public delegate Errno VopLookup(Vnode dvp, string nm, out Vnode? vp, LookupFlags flags, Vnode? rdir, Cred cr, CallerContext? ct);

/// <summary>VOP_CREATE: creates (or, NONEXCL, opens) regular file or node <paramref name="name"/> with <c>vap.Type</c> and
/// <c>vap.Mode</c>; AT_SIZE in the mask truncates an existing file to <c>vap.Size</c>. On OK *vp is held once.
/// Returns OK, EEXIST (EXCL), EISDIR (existing directory), EACCES, EROFS, ENOSPC, ENAMETOOLONG.</summary>
public delegate Errno VopCreate(Vnode dvp, string name, Vattr vap, VcExcl excl, AccessMode mode, out Vnode? vp, Cred cr, FileFlags flag, CallerContext? ct);

/// <summary>VOP_REMOVE: removes the non-directory entry <paramref name="nm"/>. Returns OK, ENOENT, EPERM/EISDIR (a directory), EACCES, EROFS, EBUSY.</summary>
public delegate Errno VopRemove(Vnode dvp, string nm, Cred cr, CallerContext? ct);

/// <summary>VOP_LINK: makes <paramref name="tnm"/> in <paramref name="tdvp"/> a new name for <paramref name="svp"/>.
/// Returns OK, EEXIST, EXDEV (another vfs), EPERM (a directory), EMLINK, EACCES, EROFS, ENOSPC.</summary>
public delegate Errno VopLink(Vnode tdvp, Vnode svp, string tnm, Cred cr, CallerContext? ct);

/// <summary>VOP_RENAME: renames <paramref name="snm"/> in <paramref name="sdvp"/> to <paramref name="tnm"/> in <paramref name="tdvp"/>,
/// replacing a target of compatible type. Returns OK, ENOENT, EXDEV, EINVAL (a directory into its own subtree, or "."/".."),
/// EISDIR, ENOTDIR, ENOTEMPTY, EACCES, EROFS, EBUSY.</summary>
public delegate Errno VopRename(Vnode sdvp, string snm, Vnode tdvp, string tnm, Cred cr, CallerContext? ct);

/// <summary>VOP_MKDIR: makes directory <paramref name="dirname"/> with <c>vap.Mode</c>. On OK *vp is held once.
/// Returns OK, EEXIST, EACCES, EROFS, ENOSPC, EMLINK.</summary>
public delegate Errno VopMkdir(Vnode dvp, string dirname, Vattr vap, out Vnode? vp, Cred cr, CallerContext? ct);

/// <summary>VOP_RMDIR: removes empty directory <paramref name="nm"/>; <paramref name="cdir"/> is the caller's current
/// directory, which may not be removed. Returns OK, ENOENT, ENOTDIR, ENOTEMPTY, EINVAL (".", cdir), EBUSY (a mount point), EACCES, EROFS.</summary>
public delegate Errno VopRmdir(Vnode dvp, string nm, Vnode? cdir, Cred cr, CallerContext? ct);

/// <summary>VOP_READDIR: fills the Uio with dirent64 records (Dirent.cs) from the cookie <c>uio.Offset</c>, and leaves
/// <c>uio.Offset</c> at the cookie to resume from; *eof is true when the directory's end was reached. Returns OK, ENOTDIR, EINVAL (buffer too small for one entry), EIO.</summary>
public delegate Errno VopReaddir(Vnode vp, Uio uio, Cred cr, out bool eof, CallerContext? ct);

/// <summary>VOP_SYMLINK: makes symbolic link <paramref name="linkname"/> whose contents are <paramref name="target"/>.
/// Returns OK, EEXIST, EACCES, EROFS, ENOSPC, ENAMETOOLONG.</summary>
public delegate Errno VopSymlink(Vnode dvp, string linkname, Vattr vap, string target, Cred cr, CallerContext? ct);

/// <summary>VOP_READLINK: copies the link's target (UTF-8, no NUL) into the Uio. Returns OK, EINVAL (not a link), EIO.</summary>
public delegate Errno VopReadlink(Vnode vp, Uio uio, Cred cr, CallerContext? ct);

/// <summary>VOP_FSYNC: makes the file's data (FDSYNC) or data and attributes (FSYNC) stable, with the metadata needed to reach them. Returns OK, EIO.</summary>
public delegate Errno VopFsync(Vnode vp, FileFlags syncflag, Cred cr, CallerContext? ct);

/// <summary>VOP_INACTIVE: the last hold is going away (called by Vnode.Rele with the count still 1). The file system calls
/// Vnode.DropLastHold under its table lock and, when that returns true, may free the vnode and, if unlinked, the file.</summary>
public delegate void VopInactive(Vnode vp, Cred cr, CallerContext? ct);

/// <summary>VOP_FID: a file identifier of at most <paramref name="maxlen"/> bytes (fid_len in) that VFS_VGET turns back into this
/// file, stable across restarts. Returns OK, ENOSPC (the file system's fid is longer than maxlen), ENOSYS.</summary>
public delegate Errno VopFid(Vnode vp, int maxlen, out Fid? fid, CallerContext? ct);

/// <summary>VOP_RWLOCK: takes the file's I/O lock. With CC_DONTBLOCK in <paramref name="ct"/> it does not wait and returns EAGAIN if the lock is held. Returns OK, EAGAIN.</summary>
public delegate Errno VopRwlock(Vnode vp, RwLockType type, CallerContext? ct);

/// <summary>VOP_RWUNLOCK: releases what VOP_RWLOCK took.</summary>
public delegate void VopRwunlock(Vnode vp, RwLockType type, CallerContext? ct);

/// <summary>VOP_SEEK: may the file offset move from <paramref name="ooff"/> to *noff? Returns OK, EINVAL (negative), ESPIPE.</summary>
public delegate Errno VopSeek(Vnode vp, long ooff, ref long noff, CallerContext? ct);

/// <summary>VOP_CMP: true when both vnodes are the same file.</summary>
public delegate bool VopCmp(Vnode vp1, Vnode vp2, CallerContext? ct);

/// <summary>VOP_REALVP: the vnode a layered file system's vnode stands for (not held). Returns OK, ENOSYS (not a layer).</summary>
public delegate Errno VopRealvp(Vnode vp, out Vnode? realvp, CallerContext? ct);

/// <summary>VOP_PATHCONF: a configurable limit of this file's file system. Returns OK, EINVAL.</summary>
public delegate Errno VopPathconf(Vnode vp, PathconfName cmd, out long val, Cred cr, CallerContext? ct);
