// Vfs.Core: the generic vnode and vfs operations that fill the slots a file system leaves out,
// and the typed failure stubs a template may name (illumos fs_subr.c, FreeBSD vfs_default.c,
// OS/161 vfsfail.c).
//
// Naming: Fs<Op> is a default with real behaviour (fs_rwlock, fs_cmp, fs_pathconf, ...);
// Nosys/Einval/Enotdir/Eisdir make a stub of any slot type that only returns that errno, so a
// directory table can say "read is EISDIR" as an entry rather than an if; Panic makes a stub
// that stops the world ("filesystem goof"). A missing op means ENOSYS, as in Solaris.
namespace UnixVfs.Core;

/// <summary>Default and placeholder operations.</summary>
public static partial class FsSubr
{
    /// <summary>fs_nosys: a stub of slot type <typeparamref name="T"/> returning ENOSYS.</summary>
    public static T Nosys<T>() where T : Delegate => Returning<T>(Errno.ENOSYS);

    /// <summary>A stub returning EINVAL.</summary>
    public static T Einval<T>() where T : Delegate => Returning<T>(Errno.EINVAL);

    /// <summary>A stub returning ENOTDIR (a directory op on a file).</summary>
    public static T Enotdir<T>() where T : Delegate => Returning<T>(Errno.ENOTDIR);

    /// <summary>A stub returning EISDIR (a file op on a directory).</summary>
    public static T Eisdir<T>() where T : Delegate => Returning<T>(Errno.EISDIR);

    /// <summary>A stub returning EROFS.</summary>
    public static T Erofs<T>() where T : Delegate => Returning<T>(Errno.EROFS);

    // Returning<T> and Panic<T> are generated (FsSubr.g.cs): for each slot type of VnodeIf.cs and VfsIf.cs,
    // a plain method that sets the outs to their defaults and returns the errno (or throws, for Panic).

    /// <summary>What a Panic stub throws: <c>panic("filesystem goof: ...")</c>.</summary>
    private static VfsPanicException Goof(string slotType) => new($"filesystem goof: {slotType} called");

    /// <summary>What Returning and Panic throw for a delegate type that is no op's slot type.</summary>
    private static ArgumentException NotASlot(Type t) => new($"{t.Name} is not the type of an op slot");

    /// <summary>
    /// Template entries for a vnode that is not a directory (a file, a symbolic link, a device): every name op is
    /// ENOTDIR. A file system's file and link tables include them: <c>[.. own ops, .. FsSubr.NotADirectory]</c>.
    /// </summary>
    public static readonly FsOperationDef[] NotADirectory =
    [
        new(VopName.Lookup, Enotdir<VopLookup>()),
        new(VopName.Create, Enotdir<VopCreate>()),
        new(VopName.Remove, Enotdir<VopRemove>()),
        new(VopName.Link, Enotdir<VopLink>()),
        new(VopName.Rename, Enotdir<VopRename>()),
        new(VopName.Mkdir, Enotdir<VopMkdir>()),
        new(VopName.Rmdir, Enotdir<VopRmdir>()),
        new(VopName.Readdir, Enotdir<VopReaddir>()),
        new(VopName.Symlink, Enotdir<VopSymlink>()),
    ];

    /// <summary>Template entries for a directory's data ops: read and write are EISDIR, readlink EINVAL.</summary>
    public static readonly FsOperationDef[] DirectoryData =
    [
        new(VopName.Read, Eisdir<VopRead>()),
        new(VopName.Write, Eisdir<VopWrite>()),
        new(VopName.Readlink, Einval<VopReadlink>()),
    ];

    /// <summary>Template entries for a symbolic link's data ops: read and write are EINVAL (readlink is the link's own).</summary>
    public static readonly FsOperationDef[] LinkData =
    [
        new(VopName.Read, Einval<VopRead>()),
        new(VopName.Write, Einval<VopWrite>()),
    ];

    /// <summary>The template entry for readlink of anything but a symbolic link: EINVAL.</summary>
    public static readonly FsOperationDef NotALink = new(VopName.Readlink, Einval<VopReadlink>());

    /// <summary>fs_setfl: any flag change is fine.</summary>
    public static Errno FsSetfl(Vnode vp, FileFlags oflags, FileFlags nflags, Cred cr, CallerContext? ct) => Errno.OK;

    /// <summary>fs_rwlock: the vnode's own reader/writer lock; with CC_DONTBLOCK a held lock is EAGAIN.</summary>
    public static Errno FsRwlock(Vnode vp, RwLockType type, CallerContext? ct)
    {
        if (ct is { DontBlockSet: true })
            return vp.RwLock.TryEnter(type) ? Errno.OK : Errno.EAGAIN;
        vp.RwLock.Enter(type);
        return Errno.OK;
    }

    /// <summary>fs_rwunlock.</summary>
    public static void FsRwunlock(Vnode vp, RwLockType type, CallerContext? ct) => vp.RwLock.Exit(type);

    /// <summary>fs_cmp: the same vnode.</summary>
    public static bool FsCmp(Vnode vp1, Vnode vp2, CallerContext? ct) => ReferenceEquals(vp1, vp2);

    /// <summary>The default VOP_SEEKDATA, for a file system that keeps no holes (or cannot say, as NFSv3): every byte
    /// before the end is data, and the end is the only hole.</summary>
    public static Errno FsSeekdata(Vnode vp, long off, bool hole, out long found, Cred cr, CallerContext? ct)
    {
        found = 0;
        var va = new Vattr(AttrMask.AT_SIZE);
        var err = Vop.Getattr(vp, va, AttrFlags.None, cr);
        if (err != Errno.OK)
            return err;
        if (off < 0 || off >= va.Size)
            return Errno.ENXIO;
        found = hole ? va.Size : off;
        return Errno.OK;
    }

    /// <summary>fs_seek: any non-negative offset.</summary>
    public static Errno FsSeek(Vnode vp, long ooff, ref long noff, CallerContext? ct) =>
        noff < 0 ? Errno.EINVAL : Errno.OK;

    /// <summary>The default VOP_INACTIVE: drop the last hold; nothing else to free.</summary>
    public static void FsInactive(Vnode vp, Cred cr, CallerContext? ct) => vp.DropLastHold();

    /// <summary>The default VFS_SYNC: nothing is dirty.</summary>
    public static Errno FsSync(Vfs vfsp, SyncFlags flag, Cred cr) => Errno.OK;

    /// <summary>The default VFS_FREEVFS: no private data to free.</summary>
    public static void FsFreevfs(Vfs vfsp) { }

    /// <summary>
    /// Checks a name a directory op is asked to create: EINVAL for "", ".", "..", a '/', a NUL or a string that
    /// is not a name string (FsName: one no bytes decode to, so readdir could never give it back);
    /// ENAMETOOLONG beyond NAME_MAX encoded bytes. File systems call it so that a layer above the system
    /// calls (the NFS server, the mirror) cannot make a name the system calls could never reach.
    /// </summary>
    public static Errno CheckName(string nm)
    {
        if (nm.Length == 0 || nm == "." || nm == ".." || nm.Contains('/') || nm.Contains('\0') || !FsName.IsNameString(nm))
            return Errno.EINVAL;
        if (nm.Length > Limits.NameMax / FsName.MaxBytesPerChar && FsName.ByteCount(nm) > Limits.NameMax)
            return Errno.ENAMETOOLONG;
        return Errno.OK;
    }

    /// <summary>fs_pathconf: the POSIX limits of a file system with 255-byte names and 64-bit sizes.</summary>
    public static Errno FsPathconf(Vnode vp, PathconfName cmd, out long val, Cred cr, CallerContext? ct)
    {
        switch (cmd)
        {
            case PathconfName._PC_LINK_MAX: val = 32767; return Errno.OK;
            case PathconfName._PC_NAME_MAX: val = Limits.NameMax; return Errno.OK;
            case PathconfName._PC_PATH_MAX: val = Limits.PathMax; return Errno.OK;
            case PathconfName._PC_NO_TRUNC: val = 1; return Errno.OK;
            case PathconfName._PC_CHOWN_RESTRICTED: val = 1; return Errno.OK;
            case PathconfName._PC_FILESIZEBITS: val = 64; return Errno.OK;
            case PathconfName._PC_PIPE_BUF: val = 4096; return Errno.OK;
            case PathconfName._PC_MAX_CANON:
            case PathconfName._PC_MAX_INPUT: val = 255; return Errno.OK;
            default: val = 0; return Errno.EINVAL;
        }
    }
}
