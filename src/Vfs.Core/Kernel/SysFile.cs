// Vfs.Core: system calls on open files -- open, close, dup, read, write, pread, pwrite, lseek,
// fsync, fdatasync, ftruncate, fstat, fchmod, getdents, ioctl.
//
// Reads and writes take VOP_RWLOCK (reader for reads, writer for writes) around VOP_READ/VOP_WRITE,
// as the Solaris read()/write() do, and move the shared offset of the open file under its lock.
// A transfer that moved some bytes before failing returns OK with the short count; the error
// surfaces on the next call, as in Unix.
namespace UnixVfs.Core;

public sealed partial class Process
{
    /// <summary>
    /// open(2). Returns OK with the lowest free descriptor, or EINVAL (bad flags, O_CREAT with O_DIRECTORY), ENOENT, EEXIST (O_CREAT|O_EXCL),
    /// EISDIR (writing a directory, or O_CREAT naming one), ENOTDIR (O_DIRECTORY), ELOOP (O_NOFOLLOW on a link),
    /// EACCES, EROFS, EMFILE, ENAMETOOLONG.
    /// </summary>
    public Errno Open(string path, OFlags flags, uint mode, out int fd)
    {
        fd = -1;
        if ((flags & ~OFlags.O_VALID) != 0 || (flags & OFlags.O_ACCMODE) == OFlags.O_ACCMODE)
            return Errno.EINVAL;
        if ((flags & (OFlags.O_CREAT | OFlags.O_DIRECTORY)) == (OFlags.O_CREAT | OFlags.O_DIRECTORY))
            return Errno.EINVAL; // as Linux since 6.4: it could only create a file and then refuse to open it
        if (!FdAvailable())
            return Errno.EMFILE;
        var fflag = ToFileFlags(flags);
        bool create = (flags & OFlags.O_CREAT) != 0, excl = create && (flags & OFlags.O_EXCL) != 0;
        bool nofollow = (flags & OFlags.O_NOFOLLOW) != 0 || excl;
        bool created = false;
        Vnode vp;
        if (create)
        {
            var err = Lookuppn(path, !nofollow, wantParent: true, out var r);
            if (err != Errno.OK)
                return err;
            if (r.Vp is null)
            {
                if (r.TrailingSlash)
                {
                    r.Release();
                    return Errno.EISDIR;
                }
                var va = new Vattr(AttrMask.AT_TYPE | AttrMask.AT_MODE) { Type = VType.VREG, Mode = mode & ~Umask & ModeBits.ModeMask };
                err = Vop.Create(r.Dvp!, r.Name, va, excl ? VcExcl.EXCL : VcExcl.NONEXCL, AccessModeOf(fflag), out var nvp, Cred, fflag);
                r.Dvp!.Rele();
                if (err != Errno.OK)
                    return err;
                vp = nvp!;
                created = true;
            }
            else
            {
                r.Dvp!.Rele();
                vp = r.Vp;
                if (excl)
                {
                    vp.Rele();
                    return Errno.EEXIST;
                }
                if (vp.Type == VType.VDIR)
                {
                    vp.Rele();
                    return Errno.EISDIR; // O_CREAT names a file to make or open, never a directory
                }
            }
        }
        else
        {
            var err = Lookuppn(path, !nofollow, wantParent: false, out var r);
            if (err != Errno.OK)
                return err;
            vp = r.Vp!;
        }

        var e = OpenVnode(ref vp, flags, fflag, created);
        if (e != Errno.OK)
        {
            vp.Rele();
            return e;
        }
        var fp = new OpenFile(vp, fflag);
        e = Fdalloc(fp, out fd);
        if (e != Errno.OK)
        {
            Vop.Close(vp, fflag, 1, 0, Cred);
            vp.Rele();
        }
        return e;
    }

    /// <summary>The checks of open(2) on a vnode in hand, then O_TRUNC and VOP_OPEN.</summary>
    private Errno OpenVnode(ref Vnode vp, OFlags flags, FileFlags fflag, bool created)
    {
        if (vp.Type == VType.VLNK)
            return Errno.ELOOP;
        if ((flags & OFlags.O_DIRECTORY) != 0 && vp.Type != VType.VDIR)
            return Errno.ENOTDIR;
        bool trunc = (flags & OFlags.O_TRUNC) != 0;
        if (vp.Type == VType.VDIR && ((fflag & FileFlags.FWRITE) != 0 || trunc))
            return Errno.EISDIR;
        if (!created)
        {
            var want = AccessModeOf(fflag) | (trunc ? AccessMode.VWRITE : 0);
            var err = want == 0 ? Errno.OK : Vop.Access(vp, want, AccessFlags.None, Cred);
            if (err != Errno.OK)
                return err;
        }
        if (trunc && vp.Type == VType.VREG && !created)
        {
            var err = Vop.Setattr(vp, new Vattr(AttrMask.AT_SIZE) { Size = 0 }, AttrFlags.ATTR_NOACLCHECK, Cred);
            if (err != Errno.OK)
                return err;
        }
        return Vop.Open(ref vp, fflag, Cred);
    }

    /// <summary>close(2). Returns OK, EBADF, or the error VOP_CLOSE reports (the descriptor is closed regardless).</summary>
    public Errno Close(int fd)
    {
        OpenFile? fp;
        lock (_fdLock)
        {
            fp = (uint)fd < (uint)_ofiles.Length ? _ofiles[fd] : null;
            if (fp is null)
                return Errno.EBADF;
            _ofiles[fd] = null;
        }
        return Closef(fp);
    }

    private Errno Closef(OpenFile fp)
    {
        int count;
        using (fp.Lock.Enter())
            count = fp.Count--;
        var err = Vop.Close(fp.Vnode, fp.Flag, count, fp.Offset, Cred);
        if (count == 1)
            fp.Vnode.Rele();
        return err;
    }

    /// <summary>dup(2): a second descriptor for the same open file (shared offset). Returns OK, EBADF, EMFILE.</summary>
    public Errno Dup(int fd, out int newfd)
    {
        newfd = -1;
        var err = Getf(fd, out var fp);
        if (err != Errno.OK)
            return err;
        using (fp!.Lock.Enter())
            fp.Count++;
        err = Fdalloc(fp, out newfd);
        if (err != Errno.OK)
            using (fp.Lock.Enter())
                fp.Count--;
        return err;
    }

    /// <summary>read(2). Returns OK with the count (0 at end of file), or EBADF (not open for reading), EISDIR, EIO.</summary>
    public Errno Read(int fd, Memory<byte> buf, out int nread)
    {
        nread = 0;
        var err = GetfFor(fd, FileFlags.FREAD, out var fp);
        if (err != Errno.OK)
            return err;
        using (fp!.Lock.Enter())
        {
            err = Rdwr(fp, buf, fp.Offset, UioRw.UIO_READ, out nread);
            fp.Offset += nread;
        }
        return err;
    }

    /// <summary>write(2). Returns OK with the count, or EBADF (not open for writing), ENOSPC, EFBIG, EIO.</summary>
    public Errno Write(int fd, ReadOnlyMemory<byte> buf, out int nwritten)
    {
        nwritten = 0;
        var err = GetfFor(fd, FileFlags.FWRITE, out var fp);
        if (err != Errno.OK)
            return err;
        using (fp!.Lock.Enter())
        {
            err = Rdwr(fp, System.Runtime.InteropServices.MemoryMarshal.AsMemory(buf), fp.Offset, UioRw.UIO_WRITE, out nwritten, out long end);
            fp.Offset = end;
        }
        return err;
    }

    /// <summary>pread(2): reads at <paramref name="offset"/> without moving the file offset. Returns as read, plus EINVAL (negative offset).</summary>
    public Errno Pread(int fd, Memory<byte> buf, long offset, out int nread)
    {
        nread = 0;
        var err = GetfFor(fd, FileFlags.FREAD, out var fp);
        if (err != Errno.OK)
            return err;
        if (offset < 0)
            return Errno.EINVAL;
        return Rdwr(fp!, buf, offset, UioRw.UIO_READ, out nread);
    }

    /// <summary>pwrite(2): writes at <paramref name="offset"/> (even with O_APPEND, as POSIX says) without moving the file offset.</summary>
    public Errno Pwrite(int fd, ReadOnlyMemory<byte> buf, long offset, out int nwritten)
    {
        nwritten = 0;
        var err = GetfFor(fd, FileFlags.FWRITE, out var fp);
        if (err != Errno.OK)
            return err;
        if (offset < 0)
            return Errno.EINVAL;
        return Rdwr(fp!, System.Runtime.InteropServices.MemoryMarshal.AsMemory(buf), offset, UioRw.UIO_WRITE, out nwritten, out _, positional: true);
    }

    /// <summary>getf for a call that needs the file open for <paramref name="mode"/> (FREAD or FWRITE): EBADF if it is not.</summary>
    private Errno GetfFor(int fd, FileFlags mode, out OpenFile? fp)
    {
        var err = Getf(fd, out fp);
        return err != Errno.OK ? err : (fp!.Flag & mode) == 0 ? Errno.EBADF : Errno.OK;
    }

    private Errno Rdwr(OpenFile fp, Memory<byte> buf, long offset, UioRw rw, out int count) =>
        Rdwr(fp, buf, offset, rw, out count, out _);

    /// <summary>The common body of read and write: VOP_RWLOCK, VOP_READ/VOP_WRITE, VOP_RWUNLOCK.</summary>
    private Errno Rdwr(OpenFile fp, Memory<byte> buf, long offset, UioRw rw, out int count, out long end, bool positional = false)
    {
        var vp = fp.Vnode;
        var uio = ThreadUio(buf, offset, rw);
        var ioflag = fp.Flag & (FileFlags.FSYNC | FileFlags.FDSYNC | FileFlags.FRSYNC | FileFlags.FAPPEND | FileFlags.FNONBLOCK);
        if (positional)
            ioflag &= ~FileFlags.FAPPEND;
        var lt = rw == UioRw.UIO_WRITE ? RwLockType.Writer : RwLockType.Reader;
        var err = Vop.Rwlock(vp, lt);
        if (err == Errno.OK)
        {
            err = rw == UioRw.UIO_WRITE ? Vop.Write(vp, uio, ioflag, Cred) : Vop.Read(vp, uio, ioflag, Cred);
            Vop.Rwunlock(vp, lt);
        }
        count = (int)(buf.Length - uio.Resid);
        end = uio.Offset;
        if (err == Errno.OK || count == 0)
            return err;
        // Cut short after moving some bytes: the call reports them (POSIX), except that a synchronous write's bytes
        // must be stable when reported, so its EIO (the sync failing) is the answer.
        bool sync = rw == UioRw.UIO_WRITE && (ioflag & (FileFlags.FSYNC | FileFlags.FDSYNC)) != 0;
        return sync && err == Errno.EIO ? err : Errno.OK;
    }

    /// <summary>lseek(2). SEEK_DATA and SEEK_HOLE ask the file system (VOP_SEEKDATA) for the next data or hole at or after
    /// <paramref name="offset"/>. Returns OK with the new offset, or EBADF, EINVAL (bad whence or negative result),
    /// EOVERFLOW, ENXIO (SEEK_DATA/SEEK_HOLE at or past the end, or no data after the offset), ESPIPE.</summary>
    public Errno Lseek(int fd, long offset, Whence whence, out long newOffset)
    {
        newOffset = -1;
        var err = Getf(fd, out var fp);
        if (err != Errno.OK)
            return err;
        using (fp!.Lock.Enter())
        {
            long baseOff;
            switch (whence)
            {
                case Whence.SEEK_SET: baseOff = 0; break;
                case Whence.SEEK_CUR: baseOff = fp.Offset; break;
                case Whence.SEEK_END:
                    var va = new Vattr(AttrMask.AT_SIZE);
                    err = Vop.Getattr(fp.Vnode, va, AttrFlags.None, Cred);
                    if (err != Errno.OK)
                        return err;
                    baseOff = va.Size;
                    break;
                case Whence.SEEK_DATA:
                case Whence.SEEK_HOLE:
                    if (fp.Vnode.Type != VType.VREG)
                        return fp.Vnode.Type == VType.VDIR ? Errno.EINVAL : Errno.ESPIPE;
                    err = Vop.Seekdata(fp.Vnode, offset, whence == Whence.SEEK_HOLE, out baseOff, Cred);
                    if (err != Errno.OK)
                        return err;
                    offset = 0;
                    break;
                default: return Errno.EINVAL;
            }
            long noff;
            try { noff = checked(baseOff + offset); }
            catch (OverflowException) { return Errno.EOVERFLOW; }
            if (noff < 0)
                return Errno.EINVAL;
            err = Vop.Seek(fp.Vnode, fp.Offset, ref noff);
            if (err != Errno.OK)
                return err;
            fp.Offset = noff;
            newOffset = noff;
            return Errno.OK;
        }
    }

    /// <summary>fsync(2): the file's data and attributes reach stable storage. Returns OK, EBADF, EIO.</summary>
    public Errno Fsync(int fd) => Sync(fd, FileFlags.FSYNC);

    /// <summary>fdatasync(2): the file's data (and the metadata needed to read it) reach stable storage.</summary>
    public Errno Fdatasync(int fd) => Sync(fd, FileFlags.FDSYNC);

    private Errno Sync(int fd, FileFlags how)
    {
        var err = Getf(fd, out var fp);
        return err != Errno.OK ? err : Vop.Fsync(fp!.Vnode, how, Cred);
    }

    /// <summary>ftruncate(2). Returns OK, EBADF, EINVAL (negative length, or not open for writing), EISDIR, EFBIG, ENOSPC.</summary>
    public Errno Ftruncate(int fd, long length)
    {
        var err = Getf(fd, out var fp);
        if (err != Errno.OK)
            return err;
        if (length < 0 || (fp!.Flag & FileFlags.FWRITE) == 0)
            return Errno.EINVAL;
        if (fp.Vnode.Type == VType.VDIR)
            return Errno.EISDIR;
        // The descriptor is open for writing, which is the permission ftruncate needs (a file chmod'ed 0444
        // since it was opened can still be truncated through it, as on Linux).
        return Vop.Setattr(fp.Vnode, new Vattr(AttrMask.AT_SIZE) { Size = length }, AttrFlags.ATTR_NOACLCHECK, Cred);
    }

    /// <summary>fstat(2). Returns OK, EBADF, EIO.</summary>
    public Errno Fstat(int fd, out Stat? st)
    {
        st = null;
        var err = Getf(fd, out var fp);
        return err != Errno.OK ? err : StatVnode(fp!.Vnode, out st);
    }

    /// <summary>fchmod(2). Returns OK, EBADF, EPERM, EROFS.</summary>
    public Errno Fchmod(int fd, uint mode)
    {
        var err = Getf(fd, out var fp);
        return err != Errno.OK ? err : Chmod(fp!.Vnode, mode);
    }

    /// <summary>
    /// getdents(2): fills <paramref name="buf"/> with dirent64 records (Dirent.cs) from the directory's
    /// current offset. Returns OK with the byte count (0 at the end), or EBADF, ENOTDIR, EINVAL (buffer too small for one entry).
    /// </summary>
    public Errno Getdents(int fd, Memory<byte> buf, out int nbytes)
    {
        nbytes = 0;
        var err = Getf(fd, out var fp);
        if (err != Errno.OK)
            return err;
        if (fp!.Vnode.Type != VType.VDIR)
            return Errno.ENOTDIR;
        if ((fp.Flag & FileFlags.FREAD) == 0)
            return Errno.EBADF;
        using (fp.Lock.Enter())
        {
            var uio = ThreadUio(buf, fp.Offset, UioRw.UIO_READ);
            err = Vop.Rwlock(fp.Vnode, RwLockType.Reader);
            if (err != Errno.OK)
                return err;
            err = Vop.Readdir(fp.Vnode, uio, Cred, out _);
            Vop.Rwunlock(fp.Vnode, RwLockType.Reader);
            if (err != Errno.OK)
                return err;
            nbytes = (int)(buf.Length - uio.Resid);
            fp.Offset = uio.Offset;
            return Errno.OK;
        }
    }

    /// <summary>ioctl(2): a file-system-specific request. Returns OK, EBADF, ENOTTY, or what the file system returns.</summary>
    public Errno Ioctl(int fd, int cmd, object? arg, out int rval)
    {
        rval = 0;
        var err = Getf(fd, out var fp);
        return err != Errno.OK ? err : Vop.Ioctl(fp!.Vnode, cmd, arg, fp.Flag, Cred, out rval);
    }

    private static FileFlags ToFileFlags(OFlags f)
    {
        var ff = (f & OFlags.O_ACCMODE) switch
        {
            OFlags.O_RDONLY => FileFlags.FREAD,
            OFlags.O_WRONLY => FileFlags.FWRITE,
            _ => FileFlags.FREAD | FileFlags.FWRITE,
        };
        if ((f & OFlags.O_APPEND) != 0) ff |= FileFlags.FAPPEND;
        if ((f & OFlags.O_SYNC) == OFlags.O_SYNC) ff |= FileFlags.FSYNC;
        else if ((f & OFlags.O_DSYNC) != 0) ff |= FileFlags.FDSYNC;
        if ((f & OFlags.O_NONBLOCK) != 0) ff |= FileFlags.FNONBLOCK;
        if ((f & OFlags.O_CREAT) != 0) ff |= FileFlags.FCREAT;
        if ((f & OFlags.O_TRUNC) != 0) ff |= FileFlags.FTRUNC;
        if ((f & OFlags.O_EXCL) != 0) ff |= FileFlags.FEXCL;
        return ff;
    }

    private static AccessMode AccessModeOf(FileFlags f) =>
        ((f & FileFlags.FREAD) != 0 ? AccessMode.VREAD : 0) | ((f & FileFlags.FWRITE) != 0 ? AccessMode.VWRITE : 0);
}
