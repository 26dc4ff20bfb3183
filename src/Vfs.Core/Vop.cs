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
//
// Only the wrappers that do more than check, dispatch and count are written here: read and write count
// the bytes moved, lookup, create and mkdir keep v_path, rename and link are where the checks every file
// system shares belong (illumos's fop_rename). Every other VOP_* is those five lines and is generated
// from the op list (VnodeIf.cs) into Vop.g.cs (obj/<config>/net10.0/generated/Vfs.Core.Generators/);
// writing an op's wrapper here by hand makes the generator leave that one out.
// The next layer up is Lookup.cs; the layer below is whichever file system owns vp.
using System.Diagnostics;

namespace UnixVfs.Core;

/// <summary>The VOP_* dispatchers.</summary>
public static partial class Vop
{
    [Conditional("DEBUG")]
    private static void Check(Vnode vp, string op)
    {
        if (vp.Count <= 0)
            throw new VfsPanicException($"VOP_{op.ToUpperInvariant()} on vnode {vp} with no holds");
    }

    /// <summary>VOP_READ (see <see cref="VopRead"/>).</summary>
    public static Errno Read(Vnode vp, Uio uio, FileFlags ioflag, Cred cr, CallerContext? ct = null)
    {
        Check(vp, VopName.Read);
        long resid = uio.Resid;
        long t0 = VopMetrics.Start();
        var err = vp.Ops.Read(vp, uio, ioflag, cr, ct);
        var st = vp.Vfs.Stats;
        st.Count(vp.Vfs, VopSlot.Read, err, t0, resid - uio.Resid);
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
        st.Count(vp.Vfs, VopSlot.Write, err, t0, resid - uio.Resid);
        st.CountWrite(resid - uio.Resid);
        return err;
    }

    /// <summary>VOP_LOOKUP (see <see cref="VopLookup"/>); also records v_path on the vnode found.</summary>
    public static Errno Lookup(Vnode dvp, string nm, out Vnode? vp, LookupFlags flags, Vnode? rdir, Cred cr, CallerContext? ct = null)
    {
        Check(dvp, VopName.Lookup);
        long t0 = VopMetrics.Start();
        var err = dvp.Ops.Lookup(dvp, nm, out vp, flags, rdir, cr, ct);
        dvp.Vfs.Stats.Count(dvp.Vfs, VopSlot.Lookup, err, t0);
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
        dvp.Vfs.Stats.Count(dvp.Vfs, VopSlot.Create, err, t0);
        if (err == Errno.OK)
            SetPath(dvp, vp!, name);
        return err;
    }

    /// <summary>VOP_LINK (see <see cref="VopLink"/>).</summary>
    public static Errno Link(Vnode tdvp, Vnode svp, string tnm, Cred cr, CallerContext? ct = null)
    {
        if (!VopChecks.LinkAllowed(tdvp, svp, tnm, out var bad)) return bad;
        Check(tdvp, VopName.Link);
        long t0 = VopMetrics.Start();
        var err = tdvp.Ops.Link(tdvp, svp, tnm, cr, ct);
        tdvp.Vfs.Stats.Count(tdvp.Vfs, VopSlot.Link, err, t0);
        return err;
    }

    /// <summary>VOP_RENAME (see <see cref="VopRename"/>).</summary>
    public static Errno Rename(Vnode sdvp, string snm, Vnode tdvp, string tnm, Cred cr, CallerContext? ct = null)
    {
        if (!VopChecks.RenameAllowed(sdvp, snm, tdvp, tnm, out var bad)) return bad;
        Check(sdvp, VopName.Rename);
        long t0 = VopMetrics.Start();
        var err = sdvp.Ops.Rename(sdvp, snm, tdvp, tnm, cr, ct);
        sdvp.Vfs.Stats.Count(sdvp.Vfs, VopSlot.Rename, err, t0);
        return err;
    }

    /// <summary>VOP_MKDIR (see <see cref="VopMkdir"/>).</summary>
    public static Errno Mkdir(Vnode dvp, string dirname, Vattr vap, out Vnode? vp, Cred cr, CallerContext? ct = null)
    {
        Check(dvp, VopName.Mkdir);
        long t0 = VopMetrics.Start();
        var err = dvp.Ops.Mkdir(dvp, dirname, vap, out vp, cr, ct);
        dvp.Vfs.Stats.Count(dvp.Vfs, VopSlot.Mkdir, err, t0);
        if (err == Errno.OK)
            SetPath(dvp, vp!, dirname);
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
