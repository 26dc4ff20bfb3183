// Vfs.Core: the vfs operations table (struct vfsops) and the signature of each VFS_* operation.
//
// As with vnodes, a file system writes a template and calls VfsOps.Make; the kernel then calls
// the table only through VfsOp.* (VfsOp.cs). Unless said otherwise an op borrows its arguments
// and a vnode it returns comes back held once on OK.
namespace UnixVfs.Core;

/// <summary>VFS_MOUNT: mounts <paramref name="vfsp"/> (already allocated by the kernel, not yet on the mount list) on <paramref name="mvp"/>.
/// The file system reads <c>uap.Spec</c> (its device, server or second directory) and <c>uap.Options</c>, sets Data, Bsize,
/// Fsid and flags, and may cover further directories (Kernel.CoverVnode). Returns OK, EINVAL, ENOENT, EBUSY, EIO, EACCES, EPERM.</summary>
public delegate Errno VfsMountFn(Vfs vfsp, Vnode mvp, MountArgs uap, Cred cr);

/// <summary>VFS_UNMOUNT: flushes and detaches; EBUSY while files are in use (unless MS_FORCE). Returns OK, EBUSY, EPERM, EIO.</summary>
public delegate Errno VfsUnmountFn(Vfs vfsp, UnmountFlags flag, Cred cr);

/// <summary>VFS_ROOT: the root vnode, held once. Returns OK, EIO.</summary>
public delegate Errno VfsRootFn(Vfs vfsp, out Vnode? vp);

/// <summary>VFS_STATVFS: fills the statistics. Returns OK, EIO.</summary>
public delegate Errno VfsStatvfsFn(Vfs vfsp, Statvfs sp);

/// <summary>VFS_SYNC: writes what is dirty (all of it with SYNC_ALL); SYNC_CLOSE is the last sync before unmount. Returns OK, EIO.</summary>
public delegate Errno VfsSyncFn(Vfs vfsp, SyncFlags flag, Cred cr);

/// <summary>VFS_VGET: the vnode for a fid made by VOP_FID, held once. Returns OK, ESTALE (the file is gone or reused), EINVAL.</summary>
public delegate Errno VfsVgetFn(Vfs vfsp, out Vnode? vp, Fid fid);

/// <summary>VFS_MOUNTROOT: mounts this file system as the kernel's root. Returns OK, ENOSYS.</summary>
public delegate Errno VfsMountrootFn(Vfs vfsp, WhyMountroot why);

/// <summary>VFS_SWAPVP: a vnode to swap on. Returns ENOSYS here: nothing swaps.</summary>
public delegate Errno VfsSwapvpFn(Vfs vfsp, out Vnode? vp, string nm);

/// <summary>VFS_FREEVFS: the last reference to an unmounted vfs is gone; free its private data.</summary>
public delegate void VfsFreevfsFn(Vfs vfsp);

/// <summary>Why VFS_MOUNTROOT is called (<c>enum whymountroot</c>).</summary>
public enum WhyMountroot
{
    ROOT_INIT = 0,
    ROOT_REMOUNT = 1,
    ROOT_UNMOUNT = 2,
}

/// <summary>A vfs operations table (<c>vfsops_t</c>).</summary>
public sealed class VfsOps
{
    private readonly Delegate[] _slots;

    /// <summary>The file system type this table belongs to.</summary>
    public string Name { get; }

    public VfsMountFn Mount { get; }
    public VfsUnmountFn Unmount { get; }
    public VfsRootFn Root { get; }
    public VfsStatvfsFn Statvfs { get; }
    public VfsSyncFn Sync { get; }
    public VfsVgetFn Vget { get; }
    public VfsMountrootFn Mountroot { get; }
    public VfsSwapvpFn Swapvp { get; }
    public VfsFreevfsFn Freevfs { get; }

    private VfsOps(string name, Delegate[] s)
    {
        Name = name;
        _slots = s;
        int i = 0;
        Mount = (VfsMountFn)s[i++]; Unmount = (VfsUnmountFn)s[i++]; Root = (VfsRootFn)s[i++];
        Statvfs = (VfsStatvfsFn)s[i++]; Sync = (VfsSyncFn)s[i++]; Vget = (VfsVgetFn)s[i++];
        Mountroot = (VfsMountrootFn)s[i++]; Swapvp = (VfsSwapvpFn)s[i++]; Freevfs = (VfsFreevfsFn)s[i++];
    }

    /// <summary>vfs_makefsops: builds a table from a template; EINVAL as for <see cref="VnodeOps.Make"/>.</summary>
    public static Errno Make(string name, IEnumerable<FsOperationDef> template, out VfsOps? ops)
    {
        ops = null;
        var err = OpsVector.Build(VfsOpReg.VfsOpTable, template, out var slots, out _);
        if (err != Errno.OK)
            return err;
        ops = new VfsOps(name, slots);
        return Errno.OK;
    }

    /// <summary>Like <see cref="Make"/>, for a file system's static table: a bad template is a bug, so it panics.</summary>
    public static VfsOps MakeOrPanic(string name, IEnumerable<FsOperationDef> template)
    {
        var err = OpsVector.Build(VfsOpReg.VfsOpTable, template, out var slots, out var problem);
        if (err != Errno.OK)
            throw new VfsPanicException($"vfs_makefsops({name}): {problem}");
        return new VfsOps(name, slots);
    }

    /// <summary>Every slot by op name, in master-table order.</summary>
    public IEnumerable<(string Name, Delegate Func)> Slots =>
        VfsOpReg.VfsOpTable.Select((e, i) => (e.Name, _slots[i]));

    public override string ToString() => Name;
}
