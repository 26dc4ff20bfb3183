// Vfs.Core: mount and unmount (domount/dounmount), and covering more than one directory.
//
// mount: look up the directory, allocate a vfs, call VFS_MOUNT, then, only if it succeeded, make
// the directory's v_vfsmountedhere point at the new vfs and put the vfs on the mount list. A
// failed VFS_MOUNT leaves nothing behind: whatever the file system covered is uncovered again.
//
// A vfs normally covers one directory (vfs_vnodecovered). The mirror covers two -- both of its
// directories lead into it, and neither's old path stops working (patent B.1) -- so a file
// system may, during its VFS_MOUNT, call CoverVnode for each further directory. Unmount
// uncovers them all.
//
// unmount: the directory must be the root of a mounted vfs with nothing mounted inside it; the
// DNLC forgets the vfs's names (dropping their holds), VFS_UNMOUNT decides whether the file system
// is busy, and only then are the directories uncovered and the vfs taken off the list.
namespace UnixVfs.Core;

public sealed partial class Kernel
{
    /// <summary>domount. Returns OK, EPERM, ENODEV (unknown type), ENOENT, ENOTDIR, EBUSY, or what VFS_MOUNT returns.</summary>
    internal Errno Domount(Process p, MountArgs uap, out Vfs? vfsp)
    {
        vfsp = null;
        if (!p.Cred.IsSuperUser)
            return Errno.EPERM;
        var def = Vfssw.Find(uap.Fstype, out int idx);
        if (def is null)
            return Errno.ENODEV;
        var err = p.Lookupname(uap.Dir, true, out var mvp, out var dirPath);
        if (err != Errno.OK)
            return err;
        try
        {
            if (mvp!.Type != VType.VDIR)
                return Errno.ENOTDIR;
            using (VirtualClock.EnterMonitor(_mountLock))
            {
                if (mvp.VfsMountedHere is not null || ReferenceEquals(mvp, RootDir) || (mvp.Flag & VnodeFlags.VNOMOUNT) != 0)
                    return Errno.EBUSY;
                var v = new Vfs(this, def.Ops, idx, def.Name)
                {
                    Resource = uap.Spec,
                    MntPt = dirPath,
                    Options = uap.Options,
                    Fsid = NewFsid(),
                    Tracer = _tracer,
                    Stacked = def.Stacked,
                };
                if ((uap.Flags & MountFlags.MS_RDONLY) != 0)
                    v.Flag |= VfsFlags.VFS_RDONLY;
                if ((uap.Flags & MountFlags.MS_NOSUID) != 0)
                    v.Flag |= VfsFlags.VFS_NOSETUID;
                err = VfsOp.Mount(v, mvp, uap, p.Cred);
                if (err != Errno.OK)
                {
                    UncoverAll(v);
                    return err;
                }
                mvp.Hold();
                mvp.VfsMountedHere = v;
                v.VnodeCovered = mvp;
                var last = RootVfs;
                while (last.Next is not null)
                    last = last.Next;
                last.Next = v;
                if (VfsOp.Root(v, out var root) == Errno.OK)
                {
                    root!.Path ??= dirPath;
                    root.Rele();
                }
                vfsp = v;
                return Errno.OK;
            }
        }
        finally
        {
            mvp!.Rele();
        }
    }

    /// <summary>
    /// Makes a further directory lead into <paramref name="vfsp"/> (its v_vfsmountedhere), for a file
    /// system that covers more than one (the mirror). Call only from that file system's VFS_MOUNT.
    /// Returns OK, ENOTDIR, EBUSY (already covered, or the root).
    /// </summary>
    public Errno CoverVnode(Vfs vfsp, Vnode vp)
    {
        using (VirtualClock.EnterMonitor(_mountLock))
        {
            if (vp.Type != VType.VDIR)
                return Errno.ENOTDIR;
            if (vp.VfsMountedHere is not null || ReferenceEquals(vp, RootDir))
                return Errno.EBUSY;
            vp.Hold();
            vp.VfsMountedHere = vfsp;
            vfsp.AddCovered(vp);
            return Errno.OK;
        }
    }

    /// <summary>dounmount. Returns OK, EPERM, EINVAL (not a mount point), EBUSY, or what VFS_UNMOUNT returns.</summary>
    internal Errno Dounmount(Process p, string dir, UnmountFlags flags)
    {
        if (!p.Cred.IsSuperUser)
            return Errno.EPERM;
        var err = p.Lookupname(dir, true, out var vp, out _);
        if (err != Errno.OK)
            return err;
        var vfsp = vp!.Vfs;
        bool isRoot = vp.IsRoot;
        vp.Rele();
        if (!isRoot)
            return Errno.EINVAL;
        return Unmount(vfsp, flags, p.Cred);
    }

    /// <summary>Unmounts <paramref name="vfsp"/> (see the file comment). Returns OK, EBUSY, EINVAL, or what VFS_UNMOUNT returns.</summary>
    public Errno Unmount(Vfs vfsp, UnmountFlags flags, Cred cr)
    {
        using (VirtualClock.EnterMonitor(_mountLock))
        {
            if (ReferenceEquals(vfsp, RootVfs))
                return Errno.EBUSY;
            if ((vfsp.Flag & VfsFlags.VFS_UNMOUNTED) != 0 || !Mounts.Contains(vfsp))
                return Errno.EINVAL;
            for (var v = RootVfs; v is not null; v = v.Next)
                if (v != vfsp && v.Covered.Any(c => ReferenceEquals(c.Vfs, vfsp)))
                    return Errno.EBUSY;
            Dnlc.PurgeVfs(vfsp);
            var err = VfsOp.Unmount(vfsp, flags, cr);
            if (err != Errno.OK)
                return err;
            UncoverAll(vfsp);
            for (var v = RootVfs; v is not null; v = v.Next)
                if (v.Next == vfsp)
                {
                    v.Next = vfsp.Next;
                    break;
                }
            vfsp.Next = null;
            vfsp.Flag |= VfsFlags.VFS_UNMOUNTED;
        }
        VfsOp.Freevfs(vfsp);
        return Errno.OK;
    }

    /// <summary>Unmounts every mounted file system, innermost first (shutdown). Returns the first error; tries them all.</summary>
    public Errno UnmountAll(UnmountFlags flags = UnmountFlags.None)
    {
        Errno first = Errno.OK;
        foreach (var v in Mounts.Skip(1).Reverse())
        {
            var err = Unmount(v, flags, Cred.Kcred);
            if (first == Errno.OK)
                first = err;
        }
        return first;
    }

    private static void UncoverAll(Vfs vfsp)
    {
        foreach (var c in vfsp.Covered)
        {
            c.VfsMountedHere = null;
            c.Rele();
        }
        vfsp.VnodeCovered = null;
        vfsp.ClearCovered();
    }
}
