// Vfs.Core: the vfs interface, written once (the VFSOPS list of illumos vfs.h), as VnodeIf.cs is for vnodes.
//
// Layer: the contract between the VFS_* dispatchers (VfsOp.cs) and every file system. Each method is one vfs
// operation, read the same way as VnodeIf.cs: name, arguments (plain in, `out`, `ref`), result, contract as
// the XML doc, and [OpDefault] (ENOSYS without it). Unless said otherwise an op borrows its arguments and a
// vnode it returns comes back held once on OK.
//
// The generator (src/Vfs.Core.Generators) writes from it VfsOpDelegates.g.cs (VfsMountFn, ...), VfsOps.g.cs,
// VfsopName.g.cs (names, VfsopSlot), the vfs_ops_table rows of VfsOpReg.g.cs, VfsOp.g.cs (every VFS_*
// dispatcher), the stubs in FsSubr.g.cs and the "vfs_" counters of VopStats.g.cs.
namespace UnixVfs.Core;

/// <summary>The vfs operations: the spec of <see cref="VfsOps"/> and <see cref="VfsOp"/>.</summary>
[OpSpec(Table = nameof(VfsOps), Dispatcher = nameof(VfsOp), Macro = "VFS_", Delegate = "Vfs{0}Fn", Names = "VfsopName", Slots = "VfsopSlot",
    MasterTable = "VfsOpTable", StatsPrefix = "vfs_", OpsOf = "{0}.Op", VfsOf = "{0}", HoldCheck = false, Interposed = false)]
internal interface VfsIf
{
    /// <summary>VFS_MOUNT: mounts <paramref name="vfsp"/> (already allocated by the kernel, not yet on the mount list) on <paramref name="mvp"/>.
    /// The file system reads <c>uap.Spec</c> (its device, server or second directory) and <c>uap.Options</c>, sets Data, Bsize,
    /// Fsid and flags, and may cover further directories (Kernel.CoverVnode). Returns OK, EINVAL, ENOENT, EBUSY, EIO, EACCES, EPERM.</summary>
    Errno Mount(Vfs vfsp, Vnode mvp, MountArgs uap, Cred cr);

    /// <summary>VFS_UNMOUNT: flushes and detaches; EBUSY while files are in use (unless MS_FORCE). Returns OK, EBUSY, EPERM, EIO.</summary>
    Errno Unmount(Vfs vfsp, UnmountFlags flag, Cred cr);

    /// <summary>VFS_ROOT: the root vnode, held once. Returns OK, EIO.</summary>
    Errno Root(Vfs vfsp, out Vnode? vp);

    /// <summary>VFS_STATVFS: fills the statistics. Returns OK, EIO.</summary>
    Errno Statvfs(Vfs vfsp, Statvfs sp);

    /// <summary>VFS_SYNC: writes what is dirty (all of it with SYNC_ALL); SYNC_CLOSE is the last sync before unmount. Returns OK, EIO.</summary>
    [OpDefault(nameof(FsSubr.FsSync))]
    Errno Sync(Vfs vfsp, SyncFlags flag, Cred cr);

    /// <summary>VFS_VGET: the vnode for a fid made by VOP_FID, held once. Returns OK, ESTALE (the file is gone or reused), EINVAL.</summary>
    Errno Vget(Vfs vfsp, out Vnode? vp, Fid fid);

    /// <summary>VFS_MOUNTROOT: mounts this file system as the kernel's root. Returns OK, ENOSYS.</summary>
    Errno Mountroot(Vfs vfsp, WhyMountroot why);

    /// <summary>VFS_SWAPVP: a vnode to swap on. Returns ENOSYS here: nothing swaps.</summary>
    Errno Swapvp(Vfs vfsp, out Vnode? vp, string nm);

    /// <summary>VFS_FREEVFS: the last reference to an unmounted vfs is gone; free its private data.</summary>
    [OpDefault(nameof(FsSubr.FsFreevfs))]
    void Freevfs(Vfs vfsp);
}
