// Vfs.Core: VFS_* -- the only way anyone calls a vfs operation (fsop_* of illumos).
//
// Like Vop.*, each method dispatches through vfsp.Op and counts the call in the vfs's VopStats.
namespace UnixVfs.Core;

/// <summary>The VFS_* dispatchers.</summary>
public static class VfsOp
{
    private static readonly int SMount = VopStats.VfsSlot(0), SUnmount = VopStats.VfsSlot(1), SRoot = VopStats.VfsSlot(2),
        SStatvfs = VopStats.VfsSlot(3), SSync = VopStats.VfsSlot(4), SVget = VopStats.VfsSlot(5),
        SMountroot = VopStats.VfsSlot(6), SSwapvp = VopStats.VfsSlot(7), SFreevfs = VopStats.VfsSlot(8);

    /// <summary>VFS_MOUNT (see <see cref="VfsMountFn"/>).</summary>
    public static Errno Mount(Vfs vfsp, Vnode mvp, MountArgs uap, Cred cr)
    {
        long t0 = VopMetrics.Start();
        var err = vfsp.Op.Mount(vfsp, mvp, uap, cr);
        vfsp.Stats.Count(vfsp, SMount, err, t0);
        return err;
    }

    /// <summary>VFS_UNMOUNT (see <see cref="VfsUnmountFn"/>).</summary>
    public static Errno Unmount(Vfs vfsp, UnmountFlags flag, Cred cr)
    {
        long t0 = VopMetrics.Start();
        var err = vfsp.Op.Unmount(vfsp, flag, cr);
        vfsp.Stats.Count(vfsp, SUnmount, err, t0);
        return err;
    }

    /// <summary>VFS_ROOT (see <see cref="VfsRootFn"/>).</summary>
    public static Errno Root(Vfs vfsp, out Vnode? vp)
    {
        long t0 = VopMetrics.Start();
        var err = vfsp.Op.Root(vfsp, out vp);
        vfsp.Stats.Count(vfsp, SRoot, err, t0);
        return err;
    }

    /// <summary>VFS_STATVFS (see <see cref="VfsStatvfsFn"/>).</summary>
    public static Errno Statvfs(Vfs vfsp, Statvfs sp)
    {
        long t0 = VopMetrics.Start();
        var err = vfsp.Op.Statvfs(vfsp, sp);
        vfsp.Stats.Count(vfsp, SStatvfs, err, t0);
        return err;
    }

    /// <summary>VFS_SYNC (see <see cref="VfsSyncFn"/>).</summary>
    public static Errno Sync(Vfs vfsp, SyncFlags flag, Cred cr)
    {
        long t0 = VopMetrics.Start();
        var err = vfsp.Op.Sync(vfsp, flag, cr);
        vfsp.Stats.Count(vfsp, SSync, err, t0);
        return err;
    }

    /// <summary>VFS_VGET (see <see cref="VfsVgetFn"/>).</summary>
    public static Errno Vget(Vfs vfsp, out Vnode? vp, Fid fid)
    {
        long t0 = VopMetrics.Start();
        var err = vfsp.Op.Vget(vfsp, out vp, fid);
        vfsp.Stats.Count(vfsp, SVget, err, t0);
        return err;
    }

    /// <summary>VFS_MOUNTROOT (see <see cref="VfsMountrootFn"/>).</summary>
    public static Errno Mountroot(Vfs vfsp, WhyMountroot why)
    {
        long t0 = VopMetrics.Start();
        var err = vfsp.Op.Mountroot(vfsp, why);
        vfsp.Stats.Count(vfsp, SMountroot, err, t0);
        return err;
    }

    /// <summary>VFS_SWAPVP (see <see cref="VfsSwapvpFn"/>).</summary>
    public static Errno Swapvp(Vfs vfsp, out Vnode? vp, string nm)
    {
        long t0 = VopMetrics.Start();
        var err = vfsp.Op.Swapvp(vfsp, out vp, nm);
        vfsp.Stats.Count(vfsp, SSwapvp, err, t0);
        return err;
    }

    /// <summary>VFS_FREEVFS (see <see cref="VfsFreevfsFn"/>).</summary>
    public static void Freevfs(Vfs vfsp)
    {
        long t0 = VopMetrics.Start();
        vfsp.Op.Freevfs(vfsp);
        vfsp.Stats.Count(vfsp, SFreevfs, Errno.OK, t0);
    }
}
