// Vfs.Core: mount(2), umount(2) and sync(2) as system calls (the work is in Kernel/Mount.cs).
namespace UnixVfs.Core;

public sealed partial class Process
{
    /// <summary>
    /// mount(2): mounts a file system of type <paramref name="fstype"/> from <paramref name="spec"/> on
    /// directory <paramref name="dir"/>, with "-o" <paramref name="options"/> and an optional binary
    /// argument <paramref name="data"/> (a block device, a transport). Only root may mount.
    /// Returns OK, EPERM, ENODEV (unknown type), ENOENT, ENOTDIR, EBUSY, EINVAL (bad options), or what the file system returns.
    /// </summary>
    public Errno Mount(string spec, string dir, string fstype, MountFlags flags = MountFlags.None, string options = "", object? data = null)
    {
        var err = CheckPath(dir);
        if (err != Errno.OK)
            return err;
        var uap = new MountArgs { Spec = spec, Dir = dir, Fstype = fstype, Flags = flags, Options = options, Data = data, Caller = this };
        return Kernel.Domount(this, uap, out _);
    }

    /// <summary>umount(2). Returns OK, EPERM, EINVAL (not a mount point), EBUSY, ENOENT.</summary>
    public Errno Umount(string dir, UnmountFlags flags = UnmountFlags.None)
    {
        var err = CheckPath(dir);
        return err != Errno.OK ? err : Kernel.Dounmount(this, dir, flags);
    }

    /// <summary>sync(2).</summary>
    public Errno Sync() => Kernel.Sync();
}
