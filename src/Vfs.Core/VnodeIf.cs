// Vfs.Core: the vnode interface, written once (FreeBSD's vnode_if.src, illumos's VNODE_OPS macro).
//
// Layer: the contract between the VOP_* dispatchers (Vop.cs) and every file system. Each method below is
// one vnode operation:
//     its name        the method's; lower-cased it is the op's VOPNAME ("read"), the key of a template
//     its arguments   plain = in, `out` = the op fills it (null/0 unless OK), `ref` = in and out
//     its result      Errno for almost all; void or bool where nothing can fail
//     its contract    the XML doc: the errnos it may return and what it does to references
//     its default     [OpDefault]: what a table holds when its template leaves the op out; without
//                     the mark, ENOSYS (fs_nosys), as in Solaris
//     [Unheld]        VOP_X does not check (DEBUG) that the vnode it is called on is held
// Unless said otherwise, an op borrows the vnodes it is given (their holds are unchanged) and every vnode it
// returns through an out parameter comes back held once on OK and is null otherwise.
//
// Nothing implements this interface and nothing calls it: it is data. The generator in
// src/Vfs.Core.Generators (OpSpecGenerator.cs) reads it at build time and writes, from this list alone:
//     VopDelegates.g.cs    one delegate type per op (VopOpen, VopRead, ...), carrying the contract below
//     VnodeOps.g.cs        the table's typed slots (VnodeOps.Read, ...) and its constructor
//     VopName.g.cs         the op names (VopName.Read = "read") and slot numbers (VopSlot.Read)
//     VfsOpReg.g.cs        the master table: each op's name, slot type, default and error function
//     Vop.g.cs             the VOP_* dispatcher of every op that Vop.cs does not write by hand
//     FsSubr.g.cs          the typed stubs (FsSubr.Nosys<VopRead>(), FsSubr.Eisdir<VopWrite>(), ...)
//     VopInterposer.g.cs   the tracing/fault-injecting wrapper: one plain method per op
//     VopStats.g.cs        the counters' names
// A build leaves them in obj/<Debug|Release>/net10.0/generated/Vfs.Core.Generators/ to read and step into.
// Adding an op is one edit here plus its implementation in each file system (docs/writing-a-file-system.md).
namespace UnixVfs.Core;

/// <summary>The vnode operations (<c>vnode_if.src</c>): the spec of <see cref="VnodeOps"/>, <see cref="Vop"/> and their kin.</summary>
[OpSpec(Table = nameof(VnodeOps), Dispatcher = nameof(Vop), Macro = "VOP_", Delegate = "Vop{0}", Names = "VopName", Slots = "VopSlot",
    MasterTable = "VnodeOpTable", StatsPrefix = "", OpsOf = "{0}.Ops", VfsOf = "{0}.Vfs", HoldCheck = true, Interposed = true)]
internal interface VnodeIf
{
    /// <summary>VOP_OPEN: prepares <paramref name="vp"/> for I/O with the FREAD/FWRITE/... flags of open(2).
    /// A file system may replace *vpp (a clone device); the caller's hold moves to the replacement.
    /// Returns OK, EACCES, EROFS, EISDIR, EIO.</summary>
    Errno Open(ref Vnode vp, FileFlags flag, Cred cr, CallerContext? ct = null);

    /// <summary>VOP_CLOSE: one close of an open file; <paramref name="count"/> is how many references to the open file remain including this one. Returns OK, EIO.</summary>
    Errno Close(Vnode vp, FileFlags flag, int count, long offset, Cred cr, CallerContext? ct = null);

    /// <summary>VOP_READ: reads from <c>uio.Offset</c> into the caller's buffers, at most <c>uio.Resid</c> bytes; a short
    /// count at end of file is OK. The caller holds VOP_RWLOCK as reader. Returns OK, EISDIR, EIO, EINVAL (negative offset).</summary>
    Errno Read(Vnode vp, Uio uio, FileFlags ioflag, Cred cr, CallerContext? ct = null);

    /// <summary>VOP_WRITE: writes the caller's buffers at <c>uio.Offset</c> (at end of file with FAPPEND); FSYNC/FDSYNC make
    /// it synchronous. The caller holds VOP_RWLOCK as writer. Returns OK, ENOSPC, EFBIG, EDQUOT, EIO, EISDIR.</summary>
    Errno Write(Vnode vp, Uio uio, FileFlags ioflag, Cred cr, CallerContext? ct = null);

    /// <summary>VOP_IOCTL: a file-system-specific control request. Returns OK, ENOTTY (unknown cmd), EINVAL, EPERM.</summary>
    [OpDefault(Errno.ENOTTY)]
    Errno Ioctl(Vnode vp, int cmd, object? arg, FileFlags flag, Cred cr, out int rval, CallerContext? ct = null);

    /// <summary>VOP_SETFL: the open file's flags change from <paramref name="oflags"/> to <paramref name="nflags"/> (fcntl F_SETFL). Returns OK, EINVAL.</summary>
    [OpDefault(nameof(FsSubr.FsSetfl))]
    Errno Setfl(Vnode vp, FileFlags oflags, FileFlags nflags, Cred cr, CallerContext? ct = null);

    /// <summary>VOP_GETATTR: fills at least the attributes masked in <c>vap.Mask</c>. Returns OK, EIO, ESTALE.</summary>
    Errno Getattr(Vnode vp, Vattr vap, AttrFlags flags, Cred cr, CallerContext? ct = null);

    /// <summary>VOP_SETATTR: sets exactly the attributes masked in <c>vap.Mask</c> (AT_SIZE truncates or extends with zeros).
    /// Returns OK, EPERM, EACCES, EROFS, EINVAL (an AT_NOSET bit), EISDIR (size of a directory), EFBIG, ENOSPC.</summary>
    Errno Setattr(Vnode vp, Vattr vap, AttrFlags flags, Cred cr, CallerContext? ct = null);

    /// <summary>VOP_ACCESS: may <paramref name="cr"/> read/write/search this file? Returns OK, EACCES, EROFS (write on a read-only vfs).</summary>
    Errno Access(Vnode vp, AccessMode mode, AccessFlags flags, Cred cr, CallerContext? ct = null);

    /// <summary>VOP_LOOKUP: finds <paramref name="nm"/> (one component, never "" ; "." and ".." included) in directory
    /// <paramref name="dvp"/>. On OK *vp is held once. Returns OK, ENOENT, ENOTDIR, EACCES (no search permission), EIO.</summary>
    Errno Lookup(Vnode dvp, string nm, out Vnode? vp, LookupFlags flags, Vnode? rdir, Cred cr, CallerContext? ct = null);

    /// <summary>VOP_CREATE: creates (or, NONEXCL, opens) regular file or node <paramref name="name"/> with <c>vap.Type</c> and
    /// <c>vap.Mode</c>; AT_SIZE in the mask truncates an existing file to <c>vap.Size</c>. On OK *vp is held once.
    /// Returns OK, EEXIST (EXCL), EISDIR (existing directory), EACCES, EROFS, ENOSPC, ENAMETOOLONG.</summary>
    Errno Create(Vnode dvp, string name, Vattr vap, VcExcl excl, AccessMode mode, out Vnode? vp, Cred cr, FileFlags flag, CallerContext? ct = null);

    /// <summary>VOP_REMOVE: removes the non-directory entry <paramref name="nm"/>. Returns OK, ENOENT, EPERM/EISDIR (a directory), EACCES, EROFS, EBUSY.</summary>
    Errno Remove(Vnode dvp, string nm, Cred cr, CallerContext? ct = null);

    /// <summary>VOP_LINK: makes <paramref name="tnm"/> in <paramref name="tdvp"/> a new name for <paramref name="svp"/>.
    /// Returns OK, EEXIST, EXDEV (another vfs), EPERM (a directory), EMLINK, EACCES, EROFS, ENOSPC.</summary>
    Errno Link(Vnode tdvp, Vnode svp, string tnm, Cred cr, CallerContext? ct = null);

    /// <summary>VOP_RENAME: renames <paramref name="snm"/> in <paramref name="sdvp"/> to <paramref name="tnm"/> in <paramref name="tdvp"/>,
    /// replacing a target of compatible type. Returns OK, ENOENT, EXDEV, EINVAL (a directory into its own subtree, or "."/".."),
    /// EISDIR, ENOTDIR, ENOTEMPTY, EACCES, EROFS, EBUSY.</summary>
    Errno Rename(Vnode sdvp, string snm, Vnode tdvp, string tnm, Cred cr, CallerContext? ct = null);

    /// <summary>VOP_MKDIR: makes directory <paramref name="dirname"/> with <c>vap.Mode</c>. On OK *vp is held once.
    /// Returns OK, EEXIST, EACCES, EROFS, ENOSPC, EMLINK.</summary>
    Errno Mkdir(Vnode dvp, string dirname, Vattr vap, out Vnode? vp, Cred cr, CallerContext? ct = null);

    /// <summary>VOP_RMDIR: removes empty directory <paramref name="nm"/>; <paramref name="cdir"/> is the caller's current
    /// directory, which may not be removed. Returns OK, ENOENT, ENOTDIR, ENOTEMPTY, EINVAL (".", cdir), EBUSY (a mount point), EACCES, EROFS.</summary>
    Errno Rmdir(Vnode dvp, string nm, Vnode? cdir, Cred cr, CallerContext? ct = null);

    /// <summary>VOP_READDIR: fills the Uio with dirent64 records (Dirent.cs) from the cookie <c>uio.Offset</c>, and leaves
    /// <c>uio.Offset</c> at the cookie to resume from; *eof is true when the directory's end was reached. Returns OK, ENOTDIR, EINVAL (buffer too small for one entry), EIO.</summary>
    Errno Readdir(Vnode vp, Uio uio, Cred cr, out bool eof, CallerContext? ct = null);

    /// <summary>VOP_SYMLINK: makes symbolic link <paramref name="linkname"/> whose contents are <paramref name="target"/>.
    /// Returns OK, EEXIST, EACCES, EROFS, ENOSPC, ENAMETOOLONG.</summary>
    Errno Symlink(Vnode dvp, string linkname, Vattr vap, string target, Cred cr, CallerContext? ct = null);

    /// <summary>VOP_READLINK: copies the link's target (UTF-8, no NUL) into the Uio. Returns OK, EINVAL (not a link), EIO.</summary>
    Errno Readlink(Vnode vp, Uio uio, Cred cr, CallerContext? ct = null);

    /// <summary>VOP_FSYNC: makes the file's data (FDSYNC) or data and attributes (FSYNC) stable, with the metadata needed to reach them. Returns OK, EIO.</summary>
    Errno Fsync(Vnode vp, FileFlags syncflag, Cred cr, CallerContext? ct = null);

    /// <summary>VOP_INACTIVE: the last hold is going away (called by Vnode.Rele with the count still 1). The file system calls
    /// Vnode.DropLastHold under its table lock and, when that returns true, may free the vnode and, if unlinked, the file.</summary>
    [OpDefault(nameof(FsSubr.FsInactive)), Unheld]
    void Inactive(Vnode vp, Cred cr, CallerContext? ct = null);

    /// <summary>VOP_FID: a file identifier of at most <paramref name="maxlen"/> bytes (fid_len in) that VFS_VGET turns back into this
    /// file, stable across restarts. Returns OK, ENOSPC (the file system's fid is longer than maxlen), ENOSYS.</summary>
    Errno Fid(Vnode vp, int maxlen, out Fid? fid, CallerContext? ct = null);

    /// <summary>VOP_RWLOCK: takes the file's I/O lock. With CC_DONTBLOCK in <paramref name="ct"/> it does not wait and returns EAGAIN if the lock is held. Returns OK, EAGAIN.</summary>
    [OpDefault(nameof(FsSubr.FsRwlock))]
    Errno Rwlock(Vnode vp, RwLockType type, CallerContext? ct = null);

    /// <summary>VOP_RWUNLOCK: releases what VOP_RWLOCK took.</summary>
    [OpDefault(nameof(FsSubr.FsRwunlock))]
    void Rwunlock(Vnode vp, RwLockType type, CallerContext? ct = null);

    /// <summary>VOP_SEEK: may the file offset move from <paramref name="ooff"/> to *noff? Returns OK, EINVAL (negative), ESPIPE.</summary>
    [OpDefault(nameof(FsSubr.FsSeek))]
    Errno Seek(Vnode vp, long ooff, ref long noff, CallerContext? ct = null);

    /// <summary>VOP_CMP: true when both vnodes are the same file.</summary>
    [OpDefault(nameof(FsSubr.FsCmp)), Unheld]
    bool Cmp(Vnode vp1, Vnode vp2, CallerContext? ct = null);

    /// <summary>VOP_REALVP: the vnode a layered file system's vnode stands for (not held). Returns OK, ENOSYS (not a layer).</summary>
    [Unheld]
    Errno Realvp(Vnode vp, out Vnode? realvp, CallerContext? ct = null);

    /// <summary>VOP_SEEKDATA (FreeBSD's FIOSEEKDATA/FIOSEEKHOLE ioctls, Solaris's _FIO_SEEK_DATA/_FIO_SEEK_HOLE): the first
    /// offset at or after <paramref name="off"/> that holds data (<paramref name="hole"/> false) or lies in a hole (true;
    /// the end of the file is a hole), what lseek(SEEK_DATA|SEEK_HOLE) answers. The default knows no holes: all data.
    /// Returns OK, ENXIO (<paramref name="off"/> at or past the end of the file, or no data after it), EIO.</summary>
    [OpDefault(nameof(FsSubr.FsSeekdata))]
    Errno Seekdata(Vnode vp, long off, bool hole, out long found, Cred cr, CallerContext? ct = null);

    /// <summary>VOP_PATHCONF: a configurable limit of this file's file system. Returns OK, EINVAL.</summary>
    [OpDefault(nameof(FsSubr.FsPathconf))]
    Errno Pathconf(Vnode vp, PathconfName cmd, out long val, Cred cr, CallerContext? ct = null);

    /// <summary>VOP_GETEXTATTR (FreeBSD): the value of extended attribute <paramref name="name"/> in namespace
    /// <paramref name="ns"/>. *size is the value's length; with a <paramref name="uio"/> the value is also copied
    /// into it (at most <c>uio.Resid</c> bytes). The file system checks the caller with Extattr.CheckCred (VREAD).
    /// Returns OK, ENOATTR (Errno.ENODATA, as Linux spells it), EPERM/EACCES, EINVAL (a bad namespace), EOPNOTSUPP, EIO.</summary>
    [OpDefault(Errno.EOPNOTSUPP)]
    Errno Getextattr(Vnode vp, ExtattrNamespace ns, string name, Uio? uio, out long size, Cred cr, CallerContext? ct = null);

    /// <summary>VOP_SETEXTATTR (FreeBSD): sets extended attribute <paramref name="name"/> in <paramref name="ns"/> to the
    /// <c>uio.Resid</c> bytes of <paramref name="uio"/>, creating or replacing it; the file's ctime changes. The file
    /// system checks the caller with Extattr.CheckCred (VWRITE). Returns OK, EPERM/EACCES, EROFS, ENOSPC (no room
    /// in the file's attribute area), EINVAL, ENAMETOOLONG, EOPNOTSUPP, EIO.</summary>
    [OpDefault(Errno.EOPNOTSUPP)]
    Errno Setextattr(Vnode vp, ExtattrNamespace ns, string name, Uio uio, Cred cr, CallerContext? ct = null);

    /// <summary>VOP_LISTEXTATTR (FreeBSD): the names of namespace <paramref name="ns"/>, each as one length byte and
    /// the name's UTF-8 bytes (no NUL; Extattr.EncodeList). *size is the whole list's length; with a
    /// <paramref name="uio"/> the list is also copied into it. Returns OK, EPERM/EACCES, EINVAL, EOPNOTSUPP, EIO.</summary>
    [OpDefault(Errno.EOPNOTSUPP)]
    Errno Listextattr(Vnode vp, ExtattrNamespace ns, Uio? uio, out long size, Cred cr, CallerContext? ct = null);

    /// <summary>VOP_DELETEEXTATTR (FreeBSD): removes extended attribute <paramref name="name"/> of <paramref name="ns"/>.
    /// Returns OK, ENOATTR (Errno.ENODATA), EPERM/EACCES, EROFS, EINVAL, EOPNOTSUPP, EIO.</summary>
    [OpDefault(Errno.EOPNOTSUPP)]
    Errno Deleteextattr(Vnode vp, ExtattrNamespace ns, string name, Cred cr, CallerContext? ct = null);
}
