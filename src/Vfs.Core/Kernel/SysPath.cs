// Vfs.Core: system calls on path names -- mkdir, rmdir, unlink, rename, link, symlink, readlink,
// truncate, access, chdir, getcwd.
//
// The name-changing calls look up the parent directory and the last component without following a
// final symbolic link, settle what the names "." and ".." and mount points mean (the file system
// never sees those cases), and hand the rest to the VOP of the parent directory.

namespace UnixVfs.Core;

public sealed partial class Process
{
    /// <summary>mkdir(2). Returns OK, EEXIST, ENOENT, ENOTDIR, EACCES, EROFS, ENOSPC, ENAMETOOLONG, EMLINK.</summary>
    public Errno Mkdir(string path, uint mode)
    {
        var err = Lookuppn(path, false, wantParent: true, out var r);
        if (err != Errno.OK)
            return err;
        try
        {
            if (r.Vp is not null)
                return Errno.EEXIST;
            var va = new Vattr(AttrMask.AT_TYPE | AttrMask.AT_MODE) { Type = VType.VDIR, Mode = mode & ~Umask & ModeBits.ModeMask };
            err = Vop.Mkdir(r.Dvp!, r.Name, va, out var vp, Cred);
            vp?.Rele();
            return err;
        }
        finally
        {
            r.Release();
        }
    }

    /// <summary>
    /// mknod(2): makes a FIFO, socket, regular file or (for the superuser alone: Secpolicy.Mknod) a block or
    /// character device <paramref name="dev"/>; <paramref name="mode"/> carries the S_IFMT type bits. Returns OK,
    /// EPERM (a device, not root), EINVAL (a type mknod does not make), EEXIST, ENOENT, ENOTDIR, EACCES, EROFS, ENOSPC.
    /// </summary>
    public Errno Mknod(string path, uint mode, ulong dev)
    {
        var type = ModeBits.IfToVt(mode);
        if ((mode & ModeBits.S_IFMT) == 0)
            type = VType.VREG;
        if (type is not (VType.VREG or VType.VFIFO or VType.VSOCK or VType.VBLK or VType.VCHR))
            return Errno.EINVAL;
        var err = Secpolicy.Mknod(Cred, type);
        if (err != Errno.OK)
            return err;
        if ((err = Lookuppn(path, false, wantParent: true, out var r)) != Errno.OK)
            return err;
        try
        {
            if (r.Vp is not null)
                return Errno.EEXIST;
            var va = new Vattr(AttrMask.AT_TYPE | AttrMask.AT_MODE | AttrMask.AT_RDEV) { Type = type, Mode = mode & ~Umask & ModeBits.ModeMask, Rdev = dev };
            err = Vop.Create(r.Dvp!, r.Name, va, VcExcl.EXCL, 0, out var vp, Cred, FileFlags.None);
            vp?.Rele();
            return err;
        }
        finally
        {
            r.Release();
        }
    }

    /// <summary>rmdir(2). Returns OK, ENOENT, ENOTDIR, ENOTEMPTY, EINVAL ("."), EBUSY (a mount point or the root), EACCES, EROFS.</summary>
    public Errno Rmdir(string path)
    {
        var err = Lookuppn(path, false, wantParent: true, out var r);
        if (err != Errno.OK)
            return err;
        try
        {
            if (r.Vp is null)
                return Errno.ENOENT;
            if (r.Name == ".")
                return ReferenceEquals(r.Vp, Kernel.RootDir) ? Errno.EBUSY : Errno.EINVAL;
            if (r.Name == "..")
                return Errno.ENOTEMPTY;
            if (r.Vp.Type != VType.VDIR)
                return Errno.ENOTDIR;
            if (r.Vp.IsRoot || r.Vp.VfsMountedHere is not null)
                return Errno.EBUSY;
            return Vop.Rmdir(r.Dvp!, r.Name, Cwd, Cred);
        }
        finally
        {
            r.Release();
        }
    }

    /// <summary>unlink(2). Returns OK, ENOENT, EISDIR (a directory), ENOTDIR, EACCES, EPERM, EROFS, EBUSY.</summary>
    public Errno Unlink(string path)
    {
        var err = Lookuppn(path, false, wantParent: true, out var r);
        if (err != Errno.OK)
            return err;
        try
        {
            if (r.Vp is null)
                return Errno.ENOENT;
            if (r.Vp.Type == VType.VDIR)
                return Errno.EISDIR;
            if (r.TrailingSlash)
                return Errno.ENOTDIR;
            return Vop.Remove(r.Dvp!, r.Name, Cred);
        }
        finally
        {
            r.Release();
        }
    }

    /// <summary>
    /// rename(2). Returns OK, ENOENT, EXDEV (different file systems), EINVAL ("." or "..", or a directory into
    /// its own subtree), EISDIR, ENOTDIR, ENOTEMPTY, EBUSY (a mount point), EACCES, EROFS.
    /// </summary>
    public Errno Rename(string from, string to)
    {
        var err = Lookuppn(from, false, wantParent: true, out var s);
        if (err != Errno.OK)
            return err;
        var t = default(LookupResult);
        try
        {
            if (s.Vp is null)
                return Errno.ENOENT;
            err = Lookuppn(to, false, wantParent: true, out t);
            if (err != Errno.OK)
                return err;
            if (s.Name is "." or ".." || t.Name is "." or "..")
                return Errno.EINVAL;
            if (s.Vp.IsRoot || t.Vp is { IsRoot: true })
                return Errno.EBUSY;
            if (!ReferenceEquals(s.Dvp!.Vfs, t.Dvp!.Vfs))
                return Errno.EXDEV;
            if ((s.TrailingSlash || t.TrailingSlash) && s.Vp.Type != VType.VDIR)
                return Errno.ENOTDIR;
            return Vop.Rename(s.Dvp, s.Name, t.Dvp, t.Name, Cred);
        }
        finally
        {
            s.Release();
            t.Release();
        }
    }

    /// <summary>link(2) (a final symbolic link in <paramref name="existing"/> is not followed).
    /// Returns OK, ENOENT, EEXIST, EPERM (a directory), EXDEV, EMLINK, EACCES, EROFS, ENOSPC.</summary>
    public Errno Link(string existing, string newPath)
    {
        var err = Lookupname(existing, false, out var svp);
        if (err != Errno.OK)
            return err;
        try
        {
            err = Lookuppn(newPath, false, wantParent: true, out var r);
            if (err != Errno.OK)
                return err;
            try
            {
                if (r.Vp is not null)
                    return Errno.EEXIST;
                if (r.TrailingSlash)
                    return Errno.ENOENT;
                if (!ReferenceEquals(r.Dvp!.Vfs, svp!.Vfs))
                    return Errno.EXDEV;
                if (svp.Type == VType.VDIR)
                    return Errno.EPERM; // after the checks of the new name, in Linux's order
                return Vop.Link(r.Dvp, svp, r.Name, Cred);
            }
            finally
            {
                r.Release();
            }
        }
        finally
        {
            svp!.Rele();
        }
    }

    /// <summary>symlink(2): makes <paramref name="linkPath"/> a symbolic link to <paramref name="target"/>.
    /// Returns OK, EEXIST, ENOENT (empty target or missing parent), EINVAL (NUL), ENAMETOOLONG, EACCES, EROFS, ENOSPC.</summary>
    public Errno Symlink(string target, string linkPath)
    {
        var err = CheckPath(target);
        if (err != Errno.OK)
            return err;
        err = Lookuppn(linkPath, false, wantParent: true, out var r);
        if (err != Errno.OK)
            return err;
        try
        {
            if (r.Vp is not null)
                return Errno.EEXIST;
            if (r.TrailingSlash)
                return Errno.ENOENT;
            var va = new Vattr(AttrMask.AT_TYPE | AttrMask.AT_MODE) { Type = VType.VLNK, Mode = 0x1FF };
            return Vop.Symlink(r.Dvp!, r.Name, va, target, Cred);
        }
        finally
        {
            r.Release();
        }
    }

    /// <summary>readlink(2): the link's target, cut to the buffer's size. Returns OK with the count, or ENOENT, EINVAL (not a link), EIO.</summary>
    public Errno Readlink(string path, Memory<byte> buf, out int count)
    {
        count = 0;
        var err = Lookupname(path, false, out var vp);
        if (err != Errno.OK)
            return err;
        try
        {
            if (vp!.Type != VType.VLNK)
                return Errno.EINVAL;
            var uio = new Uio(buf, 0, UioRw.UIO_READ);
            err = Vop.Readlink(vp, uio, Cred);
            count = (int)(buf.Length - uio.Resid);
            return err;
        }
        finally
        {
            vp!.Rele();
        }
    }

    /// <summary>readlink(2) as a string.</summary>
    public Errno Readlink(string path, out string target)
    {
        target = "";
        var buf = new byte[Limits.PathMax];
        var err = Readlink(path, buf, out int n);
        if (err == Errno.OK)
            target = FsName.Decode(buf.AsSpan(0, n));
        return err;
    }

    /// <summary>truncate(2). Returns OK, ENOENT, EISDIR, EINVAL (negative length), EACCES, EROFS, EFBIG, ENOSPC.</summary>
    public Errno Truncate(string path, long length)
    {
        if (length < 0)
            return Errno.EINVAL;
        var err = Lookupname(path, true, out var vp);
        if (err != Errno.OK)
            return err;
        try
        {
            if (vp!.Type == VType.VDIR)
                return Errno.EISDIR;
            err = Vop.Access(vp, AccessMode.VWRITE, AccessFlags.None, Cred);
            if (err != Errno.OK)
                return err;
            return Vop.Setattr(vp, new Vattr(AttrMask.AT_SIZE) { Size = length }, AttrFlags.None, Cred);
        }
        finally
        {
            vp!.Rele();
        }
    }

    /// <summary>access(2): may this process's credentials read/write/execute the file? Returns OK, ENOENT, EACCES, EROFS, EINVAL.</summary>
    public Errno Access(string path, AccessOk mode)
    {
        if ((mode & ~(AccessOk.R_OK | AccessOk.W_OK | AccessOk.X_OK)) != 0)
            return Errno.EINVAL;
        var err = Lookupname(path, true, out var vp);
        if (err != Errno.OK)
            return err;
        var want = ((mode & AccessOk.R_OK) != 0 ? AccessMode.VREAD : 0) | ((mode & AccessOk.W_OK) != 0 ? AccessMode.VWRITE : 0)
            | ((mode & AccessOk.X_OK) != 0 ? AccessMode.VEXEC : 0);
        err = want == 0 ? Errno.OK : Vop.Access(vp!, want, AccessFlags.None, Cred);
        vp!.Rele();
        return err;
    }

    /// <summary>chdir(2). Returns OK, ENOENT, ENOTDIR, EACCES.</summary>
    public Errno Chdir(string path)
    {
        var err = Lookuppn(path, true, wantParent: false, out var r);
        if (err != Errno.OK)
            return err;
        var vp = r.Vp!;
        if (vp.Type != VType.VDIR)
            err = Errno.ENOTDIR;
        else
            err = Vop.Access(vp, AccessMode.VEXEC, AccessFlags.None, Cred);
        if (err != Errno.OK)
        {
            vp.Rele();
            return err;
        }
        SetCwd(vp, r.Trail, Canonical(path));
        return Errno.OK;
    }

    /// <summary>
    /// getcwd(2): the absolute path of the current directory, found by walking ".." to the root and
    /// finding each directory's name in its parent. Returns OK, ENOENT (the directory was removed), EACCES.
    /// </summary>
    public Errno Getcwd(out string path)
    {
        path = "";
        Vnode cur;
        MountTrail? trail;
        lock (_cwdLock)
        {
            cur = _cwd;
            trail = _cwdTrail;
        }
        cur.Hold();
        var names = new List<string>();
        try
        {
            while (true)
            {
                ClimbToCovered(ref cur, ref trail);
                if (ReferenceEquals(cur, Kernel.RootDir))
                    break;
                var err = Vop.Lookup(cur, "..", out var parent, LookupFlags.None, Kernel.RootDir, Cred);
                if (err != Errno.OK)
                    return err;
                err = NameIn(parent!, cur, out var name);
                if (err != Errno.OK)
                {
                    parent!.Rele();
                    return err;
                }
                names.Add(name);
                cur.Rele();
                cur = parent!;
            }
        }
        finally
        {
            cur.Rele();
        }
        names.Reverse();
        path = "/" + string.Join('/', names);
        return Errno.OK;
    }

    /// <summary>The name under which directory <paramref name="dvp"/> holds <paramref name="vp"/> (ENOENT if none).</summary>
    private Errno NameIn(Vnode dvp, Vnode vp, out string name)
    {
        name = "";
        var va = new Vattr(AttrMask.AT_NODEID);
        var err = Vop.Getattr(vp, va, AttrFlags.None, Cred);
        if (err != Errno.OK)
            return err;
        var buf = new byte[8192];
        long cookie = 0;
        while (true)
        {
            var uio = new Uio(buf, cookie, UioRw.UIO_READ);
            err = Vop.Readdir(dvp, uio, Cred, out bool eof);
            if (err != Errno.OK)
                return err;
            foreach (var d in Dirent64.Parse(buf.AsSpan(0, (int)(buf.Length - uio.Resid))))
            {
                if (d.Name is "." or ".." || d.Ino != va.NodeId)
                    continue;
                if (Vop.Lookup(dvp, d.Name, out var found, LookupFlags.None, null, Cred) == Errno.OK)
                {
                    bool same = Vop.Cmp(found!, vp);
                    found!.Rele();
                    if (same)
                    {
                        name = d.Name;
                        return Errno.OK;
                    }
                }
            }
            if (eof || uio.Offset == cookie)
                return Errno.ENOENT;
            cookie = uio.Offset;
        }
    }
}
