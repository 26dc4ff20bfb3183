// Tests of Vfs.Core: "twin", a file system that covers two directories at once, as the mirror does.
//
// It is tmpfs in every slot but VFS_MOUNT, which mounts a tmpfs and then makes the directory named
// by the mount's spec lead into it too (Kernel.CoverVnode). Tests use it to check what the kernel
// promises such a file system: both paths work, ".." leaves by the directory a walk came in by, and
// unmount uncovers both.
using UnixVfs.Core.Tmpfs;

namespace UnixVfs.Core.Tests;

public static class TwinFs
{
    public static readonly VfsDef Def = new("twin", VfsOps.MakeOrPanic("twin",
        TmpVfsops.Def.Ops.Slots.Select(s => s.Name == VfsopName.Mount
            ? new FsOperationDef(VfsopName.Mount, (VfsMountFn)Mount)
            : new FsOperationDef(s.Name, s.Func))));

    private static Errno Mount(Vfs vfsp, Vnode mvp, MountArgs uap, Cred cr)
    {
        var err = TmpVfsops.Def.Ops.Mount(vfsp, mvp, uap, cr);
        if (err != Errno.OK)
            return err;
        err = uap.Caller!.Lookupname(uap.Spec, true, out var other);
        if (err != Errno.OK)
            return err;
        err = vfsp.Kernel.CoverVnode(vfsp, other!);
        other!.Rele();
        return err;
    }
}
