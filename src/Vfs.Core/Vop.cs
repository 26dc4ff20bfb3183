// Vfs.Core: VOP_* -- the only way anyone calls a vnode operation.
//
// The stack, top to bottom:
//     embedding code, the vfs shell, FUSE   -> FileSystemFacade / VfsFileStream (Facade/)
//     system calls on a Process             -> Syscalls*.cs
//     path names                            -> Lookup.cs (lookuppn) and Dnlc.cs
//     VOP_* / VFS_* dispatch                -> this file and VfsOp.cs
//     file systems                          -> tmpfs (Tmpfs/), ufs, nfs, mfs (their own assemblies)
//     storage                               -> block devices (BlockDevices/), RPC transports (Vfs.Nfs)
//
// Each method here is the fop_* wrapper of illumos: it dispatches through vp.Ops (the vnode's
// v_op, or its tracing wrapper), then counts the call in the vfs's VopStats and, for lookups,
// keeps v_path. Nothing else may call vp.Ops.X directly: a grep test enforces it.
// The next layer up is Lookup.cs; the layer below is whichever file system owns vp.
using System.Diagnostics;

namespace UnixVfs.Core;

/// <summary>The VOP_* dispatchers.</summary>
public static class Vop
{
    private const int SOpen = 0, SClose = 1, SRead = 2, SWrite = 3, SIoctl = 4, SSetfl = 5, SGetattr = 6,
        SSetattr = 7, SAccess = 8, SLookup = 9, SCreate = 10, SRemove = 11, SLink = 12, SRename = 13, SMkdir = 14,
        SRmdir = 15, SReaddir = 16, SSymlink = 17, SReadlink = 18, SFsync = 19, SInactive = 20, SFid = 21,
        SRwlock = 22, SRwunlock = 23, SSeek = 24, SCmp = 25, SRealvp = 26, SPathconf = 27;

    [Conditional("DEBUG")]
    private static void Check(Vnode vp, string op)
    {
        if (vp.Count <= 0)
            throw new VfsPanicException($"VOP_{op.ToUpperInvariant()} on vnode {vp} with no holds");
    }

    /// <summary>VOP_OPEN (see <see cref="VopOpen"/>).</summary>
    public static Errno Open(ref Vnode vp, FileFlags flag, Cred cr, CallerContext? ct = null)
    {
        Check(vp, VopName.Open);
        var vfsp = vp.Vfs;
        long t0 = VopMetrics.Start();
        var err = vp.Ops.Open(ref vp, flag, cr, ct);
        vfsp.Stats.Count(vfsp, SOpen, err, t0);
        return err;
    }

    /// <summary>VOP_CLOSE (see <see cref="VopClose"/>).</summary>
    public static Errno Close(Vnode vp, FileFlags flag, int count, long offset, Cred cr, CallerContext? ct = null)
    {
        Check(vp, VopName.Close);
        long t0 = VopMetrics.Start();
        var err = vp.Ops.Close(vp, flag, count, offset, cr, ct);
        vp.Vfs.Stats.Count(vp.Vfs, SClose, err, t0);
        return err;
    }

    /// <summary>VOP_READ (see <see cref="VopRead"/>).</summary>
    public static Errno Read(Vnode vp, Uio uio, FileFlags ioflag, Cred cr, CallerContext? ct = null)
    {
        Check(vp, VopName.Read);
        long resid = uio.Resid;
        long t0 = VopMetrics.Start();
        var err = vp.Ops.Read(vp, uio, ioflag, cr, ct);
        var st = vp.Vfs.Stats;
        st.Count(vp.Vfs, SRead, err, t0, resid - uio.Resid);
        st.CountRead(resid - uio.Resid);
        return err;
    }

    /// <summary>VOP_WRITE (see <see cref="VopWrite"/>).</summary>
    public static Errno Write(Vnode vp, Uio uio, FileFlags ioflag, Cred cr, CallerContext? ct = null)
    {
        Check(vp, VopName.Write);
        long resid = uio.Resid;
        long t0 = VopMetrics.Start();
        var err = vp.Ops.Write(vp, uio, ioflag, cr, ct);
        var st = vp.Vfs.Stats;
        st.Count(vp.Vfs, SWrite, err, t0, resid - uio.Resid);
        st.CountWrite(resid - uio.Resid);
        return err;
    }

    /// <summary>VOP_IOCTL (see <see cref="VopIoctl"/>).</summary>
    public static Errno Ioctl(Vnode vp, int cmd, object? arg, FileFlags flag, Cred cr, out int rval, CallerContext? ct = null)
    {
        Check(vp, VopName.Ioctl);
        long t0 = VopMetrics.Start();
        var err = vp.Ops.Ioctl(vp, cmd, arg, flag, cr, out rval, ct);
        vp.Vfs.Stats.Count(vp.Vfs, SIoctl, err, t0);
        return err;
    }

    /// <summary>VOP_SETFL (see <see cref="VopSetfl"/>).</summary>
    public static Errno Setfl(Vnode vp, FileFlags oflags, FileFlags nflags, Cred cr, CallerContext? ct = null)
    {
        Check(vp, VopName.Setfl);
        long t0 = VopMetrics.Start();
        var err = vp.Ops.Setfl(vp, oflags, nflags, cr, ct);
        vp.Vfs.Stats.Count(vp.Vfs, SSetfl, err, t0);
        return err;
    }

    /// <summary>VOP_GETATTR (see <see cref="VopGetattr"/>).</summary>
    public static Errno Getattr(Vnode vp, Vattr vap, AttrFlags flags, Cred cr, CallerContext? ct = null)
    {
        Check(vp, VopName.Getattr);
        long t0 = VopMetrics.Start();
        var err = vp.Ops.Getattr(vp, vap, flags, cr, ct);
        vp.Vfs.Stats.Count(vp.Vfs, SGetattr, err, t0);
        return err;
    }

    /// <summary>VOP_SETATTR (see <see cref="VopSetattr"/>).</summary>
    public static Errno Setattr(Vnode vp, Vattr vap, AttrFlags flags, Cred cr, CallerContext? ct = null)
    {
        Check(vp, VopName.Setattr);
        long t0 = VopMetrics.Start();
        var err = vp.Ops.Setattr(vp, vap, flags, cr, ct);
        vp.Vfs.Stats.Count(vp.Vfs, SSetattr, err, t0);
        return err;
    }

    /// <summary>VOP_ACCESS (see <see cref="VopAccess"/>).</summary>
    public static Errno Access(Vnode vp, AccessMode mode, AccessFlags flags, Cred cr, CallerContext? ct = null)
    {
        Check(vp, VopName.Access);
        long t0 = VopMetrics.Start();
        var err = vp.Ops.Access(vp, mode, flags, cr, ct);
        vp.Vfs.Stats.Count(vp.Vfs, SAccess, err, t0);
        return err;
    }

    /// <summary>VOP_LOOKUP (see <see cref="VopLookup"/>); also records v_path on the vnode found.</summary>
    public static Errno Lookup(Vnode dvp, string nm, out Vnode? vp, LookupFlags flags, Vnode? rdir, Cred cr, CallerContext? ct = null)
    {
        Check(dvp, VopName.Lookup);
        long t0 = VopMetrics.Start();
        var err = dvp.Ops.Lookup(dvp, nm, out vp, flags, rdir, cr, ct);
        dvp.Vfs.Stats.Count(dvp.Vfs, SLookup, err, t0);
        if (err == Errno.OK)
            SetPath(dvp, vp!, nm);
        return err;
    }

    /// <summary>VOP_CREATE (see <see cref="VopCreate"/>).</summary>
    public static Errno Create(Vnode dvp, string name, Vattr vap, VcExcl excl, AccessMode mode, out Vnode? vp, Cred cr, FileFlags flag, CallerContext? ct = null)
    {
        Check(dvp, VopName.Create);
        long t0 = VopMetrics.Start();
        var err = dvp.Ops.Create(dvp, name, vap, excl, mode, out vp, cr, flag, ct);
        dvp.Vfs.Stats.Count(dvp.Vfs, SCreate, err, t0);
        if (err == Errno.OK)
            SetPath(dvp, vp!, name);
        return err;
    }

    /// <summary>VOP_REMOVE (see <see cref="VopRemove"/>).</summary>
    public static Errno Remove(Vnode dvp, string nm, Cred cr, CallerContext? ct = null)
    {
        Check(dvp, VopName.Remove);
        long t0 = VopMetrics.Start();
        var err = dvp.Ops.Remove(dvp, nm, cr, ct);
        dvp.Vfs.Stats.Count(dvp.Vfs, SRemove, err, t0);
        return err;
    }

    /// <summary>VOP_LINK (see <see cref="VopLink"/>).</summary>
    public static Errno Link(Vnode tdvp, Vnode svp, string tnm, Cred cr, CallerContext? ct = null)
    {
        if (!VopChecks.LinkAllowed(tdvp, svp, tnm, out var bad)) return bad;
        Check(tdvp, VopName.Link);
        long t0 = VopMetrics.Start();
        var err = tdvp.Ops.Link(tdvp, svp, tnm, cr, ct);
        tdvp.Vfs.Stats.Count(tdvp.Vfs, SLink, err, t0);
        return err;
    }

    /// <summary>VOP_RENAME (see <see cref="VopRename"/>).</summary>
    public static Errno Rename(Vnode sdvp, string snm, Vnode tdvp, string tnm, Cred cr, CallerContext? ct = null)
    {
        if (!VopChecks.RenameAllowed(sdvp, snm, tdvp, tnm, out var bad)) return bad;
        Check(sdvp, VopName.Rename);
        long t0 = VopMetrics.Start();
        var err = sdvp.Ops.Rename(sdvp, snm, tdvp, tnm, cr, ct);
        sdvp.Vfs.Stats.Count(sdvp.Vfs, SRename, err, t0);
        return err;
    }

    /// <summary>VOP_MKDIR (see <see cref="VopMkdir"/>).</summary>
    public static Errno Mkdir(Vnode dvp, string dirname, Vattr vap, out Vnode? vp, Cred cr, CallerContext? ct = null)
    {
        Check(dvp, VopName.Mkdir);
        long t0 = VopMetrics.Start();
        var err = dvp.Ops.Mkdir(dvp, dirname, vap, out vp, cr, ct);
        dvp.Vfs.Stats.Count(dvp.Vfs, SMkdir, err, t0);
        if (err == Errno.OK)
            SetPath(dvp, vp!, dirname);
        return err;
    }

    /// <summary>VOP_RMDIR (see <see cref="VopRmdir"/>).</summary>
    public static Errno Rmdir(Vnode dvp, string nm, Vnode? cdir, Cred cr, CallerContext? ct = null)
    {
        Check(dvp, VopName.Rmdir);
        long t0 = VopMetrics.Start();
        var err = dvp.Ops.Rmdir(dvp, nm, cdir, cr, ct);
        dvp.Vfs.Stats.Count(dvp.Vfs, SRmdir, err, t0);
        return err;
    }

    /// <summary>VOP_READDIR (see <see cref="VopReaddir"/>).</summary>
    public static Errno Readdir(Vnode vp, Uio uio, Cred cr, out bool eof, CallerContext? ct = null)
    {
        Check(vp, VopName.Readdir);
        long t0 = VopMetrics.Start();
        var err = vp.Ops.Readdir(vp, uio, cr, out eof, ct);
        vp.Vfs.Stats.Count(vp.Vfs, SReaddir, err, t0);
        return err;
    }

    /// <summary>VOP_SYMLINK (see <see cref="VopSymlink"/>).</summary>
    public static Errno Symlink(Vnode dvp, string linkname, Vattr vap, string target, Cred cr, CallerContext? ct = null)
    {
        Check(dvp, VopName.Symlink);
        long t0 = VopMetrics.Start();
        var err = dvp.Ops.Symlink(dvp, linkname, vap, target, cr, ct);
        dvp.Vfs.Stats.Count(dvp.Vfs, SSymlink, err, t0);
        return err;
    }

    /// <summary>VOP_READLINK (see <see cref="VopReadlink"/>).</summary>
    public static Errno Readlink(Vnode vp, Uio uio, Cred cr, CallerContext? ct = null)
    {
        Check(vp, VopName.Readlink);
        long t0 = VopMetrics.Start();
        var err = vp.Ops.Readlink(vp, uio, cr, ct);
        vp.Vfs.Stats.Count(vp.Vfs, SReadlink, err, t0);
        return err;
    }

    /// <summary>VOP_FSYNC (see <see cref="VopFsync"/>).</summary>
    public static Errno Fsync(Vnode vp, FileFlags syncflag, Cred cr, CallerContext? ct = null)
    {
        Check(vp, VopName.Fsync);
        long t0 = VopMetrics.Start();
        var err = vp.Ops.Fsync(vp, syncflag, cr, ct);
        vp.Vfs.Stats.Count(vp.Vfs, SFsync, err, t0);
        return err;
    }

    /// <summary>VOP_INACTIVE (see <see cref="VopInactive"/>); called by Vnode.Rele, never by anyone else.</summary>
    public static void Inactive(Vnode vp, Cred cr, CallerContext? ct = null)
    {
        var vfsp = vp.Vfs;
        long t0 = VopMetrics.Start();
        vp.Ops.Inactive(vp, cr, ct);
        vfsp.Stats.Count(vfsp, SInactive, Errno.OK, t0);
    }

    /// <summary>VOP_FID (see <see cref="VopFid"/>).</summary>
    public static Errno Fid(Vnode vp, int maxlen, out Fid? fid, CallerContext? ct = null)
    {
        Check(vp, VopName.Fid);
        long t0 = VopMetrics.Start();
        var err = vp.Ops.Fid(vp, maxlen, out fid, ct);
        vp.Vfs.Stats.Count(vp.Vfs, SFid, err, t0);
        return err;
    }

    /// <summary>VOP_RWLOCK (see <see cref="VopRwlock"/>).</summary>
    public static Errno Rwlock(Vnode vp, RwLockType type, CallerContext? ct = null)
    {
        Check(vp, VopName.Rwlock);
        long t0 = VopMetrics.Start();
        var err = vp.Ops.Rwlock(vp, type, ct);
        vp.Vfs.Stats.Count(vp.Vfs, SRwlock, err, t0);
        return err;
    }

    /// <summary>VOP_RWUNLOCK (see <see cref="VopRwunlock"/>).</summary>
    public static void Rwunlock(Vnode vp, RwLockType type, CallerContext? ct = null)
    {
        Check(vp, VopName.Rwunlock);
        long t0 = VopMetrics.Start();
        vp.Ops.Rwunlock(vp, type, ct);
        vp.Vfs.Stats.Count(vp.Vfs, SRwunlock, Errno.OK, t0);
    }

    /// <summary>VOP_SEEK (see <see cref="VopSeek"/>).</summary>
    public static Errno Seek(Vnode vp, long ooff, ref long noff, CallerContext? ct = null)
    {
        Check(vp, VopName.Seek);
        long t0 = VopMetrics.Start();
        var err = vp.Ops.Seek(vp, ooff, ref noff, ct);
        vp.Vfs.Stats.Count(vp.Vfs, SSeek, err, t0);
        return err;
    }

    /// <summary>VOP_CMP (see <see cref="VopCmp"/>).</summary>
    public static bool Cmp(Vnode vp1, Vnode vp2, CallerContext? ct = null)
    {
        long t0 = VopMetrics.Start();
        var same = vp1.Ops.Cmp(vp1, vp2, ct);
        vp1.Vfs.Stats.Count(vp1.Vfs, SCmp, Errno.OK, t0);
        return same;
    }

    /// <summary>VOP_REALVP (see <see cref="VopRealvp"/>).</summary>
    public static Errno Realvp(Vnode vp, out Vnode? realvp, CallerContext? ct = null)
    {
        long t0 = VopMetrics.Start();
        var err = vp.Ops.Realvp(vp, out realvp, ct);
        vp.Vfs.Stats.Count(vp.Vfs, SRealvp, err, t0);
        return err;
    }

    /// <summary>VOP_PATHCONF (see <see cref="VopPathconf"/>).</summary>
    public static Errno Pathconf(Vnode vp, PathconfName cmd, out long val, Cred cr, CallerContext? ct = null)
    {
        Check(vp, VopName.Pathconf);
        long t0 = VopMetrics.Start();
        var err = vp.Ops.Pathconf(vp, cmd, out val, cr, ct);
        vp.Vfs.Stats.Count(vp.Vfs, SPathconf, err, t0);
        return err;
    }

    /// <summary>vn_setpath: remembers how a vnode was reached, the first time it is.</summary>
    private static void SetPath(Vnode dvp, Vnode vp, string nm)
    {
        if (vp.Path is not null || dvp.Path is null || nm == "." || nm == "..")
            return;
        vp.Path = dvp.Path.EndsWith('/') ? dvp.Path + nm : dvp.Path + "/" + nm;
    }
}
