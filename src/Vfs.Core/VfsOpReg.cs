// Vfs.Core: the master translation tables (vn_ops_table and vfs_ops_table of illumos vnode.c/vfs.c).
//
// One row per op: its name (VOPNAME_*), its slot type, the default that fills it when a template
// leaves it out, and the error function FsError resolves to. The row order is the slot order of
// VnodeOps/VfsOps. Defaults follow Solaris: a missing op is ENOSYS, except for the ops that have
// a generic implementation (setfl, rwlock, rwunlock, seek, cmp, pathconf, inactive).
namespace UnixVfs.Core;

/// <summary>Vnode op names (VOPNAME_*), the keys of a template.</summary>
public static class VopName
{
    public const string Open = "open";
    public const string Close = "close";
    public const string Read = "read";
    public const string Write = "write";
    public const string Ioctl = "ioctl";
    public const string Setfl = "setfl";
    public const string Getattr = "getattr";
    public const string Setattr = "setattr";
    public const string Access = "access";
    public const string Lookup = "lookup";
    public const string Create = "create";
    public const string Remove = "remove";
    public const string Link = "link";
    public const string Rename = "rename";
    public const string Mkdir = "mkdir";
    public const string Rmdir = "rmdir";
    public const string Readdir = "readdir";
    public const string Symlink = "symlink";
    public const string Readlink = "readlink";
    public const string Fsync = "fsync";
    public const string Inactive = "inactive";
    public const string Fid = "fid";
    public const string Rwlock = "rwlock";
    public const string Rwunlock = "rwunlock";
    public const string Seek = "seek";
    public const string Cmp = "cmp";
    public const string Realvp = "realvp";
    public const string Pathconf = "pathconf";
}

/// <summary>Vfs op names (VFSNAME_*).</summary>
public static class VfsopName
{
    public const string Mount = "mount";
    public const string Unmount = "unmount";
    public const string Root = "root";
    public const string Statvfs = "statvfs";
    public const string Sync = "sync";
    public const string Vget = "vget";
    public const string Mountroot = "mountroot";
    public const string Swapvp = "swapvp";
    public const string Freevfs = "freevfs";
}

/// <summary>The master tables.</summary>
internal static class VfsOpReg
{
    private static OpRegEntry Row<T>(string name, T dflt) where T : Delegate =>
        new(name, typeof(T), dflt, FsSubr.Nosys<T>());

    private static OpRegEntry Nosys<T>(string name) where T : Delegate => Row(name, FsSubr.Nosys<T>());

    /// <summary>vn_ops_table, in VnodeOps slot order.</summary>
    public static readonly OpRegEntry[] VnodeOpTable =
    [
        Nosys<VopOpen>(VopName.Open),
        Nosys<VopClose>(VopName.Close),
        Nosys<VopRead>(VopName.Read),
        Nosys<VopWrite>(VopName.Write),
        Row<VopIoctl>(VopName.Ioctl, FsSubr.Returning<VopIoctl>(Errno.ENOTTY)),
        Row<VopSetfl>(VopName.Setfl, FsSubr.FsSetfl),
        Nosys<VopGetattr>(VopName.Getattr),
        Nosys<VopSetattr>(VopName.Setattr),
        Nosys<VopAccess>(VopName.Access),
        Nosys<VopLookup>(VopName.Lookup),
        Nosys<VopCreate>(VopName.Create),
        Nosys<VopRemove>(VopName.Remove),
        Nosys<VopLink>(VopName.Link),
        Nosys<VopRename>(VopName.Rename),
        Nosys<VopMkdir>(VopName.Mkdir),
        Nosys<VopRmdir>(VopName.Rmdir),
        Nosys<VopReaddir>(VopName.Readdir),
        Nosys<VopSymlink>(VopName.Symlink),
        Nosys<VopReadlink>(VopName.Readlink),
        Nosys<VopFsync>(VopName.Fsync),
        Row<VopInactive>(VopName.Inactive, FsSubr.FsInactive),
        Nosys<VopFid>(VopName.Fid),
        Row<VopRwlock>(VopName.Rwlock, FsSubr.FsRwlock),
        Row<VopRwunlock>(VopName.Rwunlock, FsSubr.FsRwunlock),
        Row<VopSeek>(VopName.Seek, FsSubr.FsSeek),
        Row<VopCmp>(VopName.Cmp, FsSubr.FsCmp),
        Nosys<VopRealvp>(VopName.Realvp),
        Row<VopPathconf>(VopName.Pathconf, FsSubr.FsPathconf),
    ];

    /// <summary>vfs_ops_table, in VfsOps slot order.</summary>
    public static readonly OpRegEntry[] VfsOpTable =
    [
        Nosys<VfsMountFn>(VfsopName.Mount),
        Nosys<VfsUnmountFn>(VfsopName.Unmount),
        Nosys<VfsRootFn>(VfsopName.Root),
        Nosys<VfsStatvfsFn>(VfsopName.Statvfs),
        Row<VfsSyncFn>(VfsopName.Sync, static (vfsp, flag, cr) => Errno.OK),
        Nosys<VfsVgetFn>(VfsopName.Vget),
        Nosys<VfsMountrootFn>(VfsopName.Mountroot),
        Nosys<VfsSwapvpFn>(VfsopName.Swapvp),
        Row<VfsFreevfsFn>(VfsopName.Freevfs, static vfsp => { }),
    ];
}
