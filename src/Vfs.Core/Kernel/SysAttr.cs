// Vfs.Core: system calls on attributes -- stat, lstat, chmod, chown, lchown, utimensat, statvfs.
//
// Who may change what is the file system's decision (it calls Secpolicy, as every file system
// here does); this layer only turns the arguments into a vattr and a mask.
namespace UnixVfs.Core;

public sealed partial class Process
{
    /// <summary>stat(2). Returns OK, ENOENT, ENOTDIR, EACCES, ELOOP, ENAMETOOLONG.</summary>
    public Errno Stat(string path, out Stat? st) => StatPath(path, true, out st);

    /// <summary>lstat(2): like stat, but a final symbolic link is described, not followed.</summary>
    public Errno Lstat(string path, out Stat? st) => StatPath(path, false, out st);

    private Errno StatPath(string path, bool follow, out Stat? st)
    {
        st = null;
        var err = Lookupname(path, follow, out var vp);
        if (err != Errno.OK)
            return err;
        err = StatVnode(vp!, out st);
        vp!.Rele();
        return err;
    }

    private Errno StatVnode(Vnode vp, out Stat? st)
    {
        st = null;
        var va = new Vattr(AttrMask.AT_ALL);
        var err = Vop.Getattr(vp, va, AttrFlags.None, Cred);
        if (err == Errno.OK)
            st = UnixVfs.Core.Stat.FromVattr(va);
        return err;
    }

    /// <summary>chmod(2). Returns OK, ENOENT, EPERM (not the owner), EROFS.</summary>
    public Errno Chmod(string path, uint mode) => WithVnode(path, true, vp => Chmod(vp, mode));

    private Errno Chmod(Vnode vp, uint mode) =>
        Vop.Setattr(vp, new Vattr(AttrMask.AT_MODE) { Mode = mode & ModeBits.ModeMask }, AttrFlags.None, Cred);

    /// <summary>chown(2); uint.MaxValue ((uid_t)-1) leaves that id as it is. Returns OK, ENOENT, EPERM, EROFS.</summary>
    public Errno Chown(string path, uint uid, uint gid) => WithVnode(path, true, vp => Chown(vp, uid, gid));

    /// <summary>lchown(2): like chown, on a symbolic link itself.</summary>
    public Errno Lchown(string path, uint uid, uint gid) => WithVnode(path, false, vp => Chown(vp, uid, gid));

    private Errno Chown(Vnode vp, uint uid, uint gid)
    {
        var va = new Vattr();
        if (uid != uint.MaxValue) { va.Mask |= AttrMask.AT_UID; va.Uid = uid; }
        if (gid != uint.MaxValue) { va.Mask |= AttrMask.AT_GID; va.Gid = gid; }
        return va.Mask == 0 ? Errno.OK : Vop.Setattr(vp, va, AttrFlags.None, Cred);
    }

    /// <summary>
    /// utimensat(2) on a path: sets access and modification times; null means both "now". Each time's
    /// Nsec may be UTIME_NOW or UTIME_OMIT. Explicit times need ownership (or root); "now" needs ownership or
    /// write permission. Returns OK, ENOENT, EPERM, EACCES, EROFS, EINVAL (nanoseconds out of range).
    /// </summary>
    public Errno Utimens(string path, Timespec[]? times, AtFlags flags = AtFlags.None)
    {
        if (times is not null && times.Length != 2)
            return Errno.EINVAL;
        return WithVnode(path, (flags & AtFlags.AT_SYMLINK_NOFOLLOW) == 0, vp => Utimens(vp, times));
    }

    private Errno Utimens(Vnode vp, Timespec[]? times)
    {
        var now = Kernel.Now();
        var va = new Vattr();
        var aflags = AttrFlags.None;
        for (int i = 0; i < 2; i++)
        {
            var t = times?[i] ?? new Timespec(0, Timespec.UtimeNow);
            if (t.Nsec == Timespec.UtimeOmit)
                continue;
            if (t.Nsec != Timespec.UtimeNow && (t.Nsec < 0 || t.Nsec >= Timespec.NanosPerSecond))
                return Errno.EINVAL;
            var value = t.Nsec == Timespec.UtimeNow ? now : t;
            if (t.Nsec != Timespec.UtimeNow)
                aflags |= AttrFlags.ATTR_UTIME;
            if (i == 0) { va.Mask |= AttrMask.AT_ATIME; va.Atime = value; }
            else { va.Mask |= AttrMask.AT_MTIME; va.Mtime = value; }
        }
        return va.Mask == 0 ? Errno.OK : Vop.Setattr(vp, va, aflags, Cred);
    }

    /// <summary>statvfs(2): the statistics of the file system holding <paramref name="path"/>. Returns OK, ENOENT, EIO.</summary>
    public Errno Statvfs(string path, out Statvfs? sv)
    {
        Statvfs? result = null;
        var err = WithVnode(path, true, vp =>
        {
            var s = new Statvfs();
            var e = VfsOp.Statvfs(vp.Vfs, s);
            if (e == Errno.OK)
                result = s;
            return e;
        });
        sv = result;
        return err;
    }

    private Errno WithVnode(string path, bool follow, Func<Vnode, Errno> op)
    {
        var err = Lookupname(path, follow, out var vp);
        if (err != Errno.OK)
            return err;
        try
        {
            return op(vp!);
        }
        finally
        {
            vp!.Rele();
        }
    }
}
