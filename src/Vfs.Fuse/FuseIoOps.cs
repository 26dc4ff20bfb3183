// Vfs.Fuse: requests on open files -- OPEN, CREATE, READ, WRITE, FSYNC, RELEASE (and RELEASEDIR).
//
// OPEN checks the caller's access with VOP_ACCESS, as open(2) does (the host kernel has already checked
// the same bits with default_permissions; this makes the model's verdict the one that counts), then
// VOP_OPEN; the open file goes into the handle table. READ and WRITE take VOP_RWLOCK as the system-call
// layer does and move the data straight between the /dev/fuse buffers and the file system's Uio.
// The fh is the handle table's key; no data or attributes are kept with it.
using UnixVfs.Core;

namespace UnixVfs.Fuse;

public sealed partial class FuseBridge
{
    /// <summary>The FREAD/FWRITE/FAPPEND/FSYNC/FDSYNC flags of open(2) flags as fuse.ko passes them.</summary>
    private static FileFlags FileFlagsOf(uint oflags)
    {
        var f = (oflags & FuseProto.O_ACCMODE) switch
        {
            FuseProto.O_WRONLY => FileFlags.FWRITE,
            FuseProto.O_RDWR => FileFlags.FREAD | FileFlags.FWRITE,
            _ => FileFlags.FREAD,
        };
        if ((oflags & FuseProto.O_APPEND) != 0)
            f |= FileFlags.FAPPEND;
        if ((oflags & FuseProto.O_SYNC) == FuseProto.O_SYNC)
            f |= FileFlags.FSYNC;
        else if ((oflags & FuseProto.O_DSYNC) != 0)
            f |= FileFlags.FDSYNC;
        return f;
    }

    private static AccessMode AccessOf(FileFlags f) =>
        ((f & FileFlags.FREAD) != 0 ? AccessMode.VREAD : 0) | ((f & FileFlags.FWRITE) != 0 ? AccessMode.VWRITE : 0);

    /// <summary>VOP_OPEN on a new hold of <paramref name="vp"/>; on OK the open file is in the table and fuse_open_out is written.</summary>
    private Errno OpenHandle(Req r, Vnode vp, FileFlags flags, Cred cr)
    {
        vp.Hold();
        var ovp = vp;
        var err = Vop.Open(ref ovp, flags, cr);
        if (err != Errno.OK)
        {
            ovp.Rele();
            return err;
        }
        ulong fh = _handles.Add(new FuseOpenFile(ovp, flags, cr));
        r.Out.U64(fh);
        r.Out.U32(0); // open_flags: no FOPEN_KEEP_CACHE, so each open drops the pages a mirror may have changed
        r.Out.U32(0);
        return Errno.OK;
    }

    /// <summary>OPEN (and OPENDIR): fuse_open_in (flags, open_flags) -> fuse_open_out (fh, open_flags).</summary>
    private Errno Open(Req r)
    {
        var err = Node(r.NodeId, out var vp);
        if (err != Errno.OK)
            return err;
        var flags = FileFlagsOf(r.In.ArgU32(0));
        var cr = r.Cred();
        err = Vop.Access(vp, AccessOf(flags), AccessFlags.None, cr);
        if (err == Errno.OK)
            err = OpenHandle(r, vp, flags, cr);
        vp.Rele();
        return err;
    }

    /// <summary>
    /// CREATE: fuse_create_in (flags, mode, umask, open_flags) and name -> fuse_entry_out and fuse_open_out.
    /// fuse.ko sends it for open(O_CREAT) of a name it has no entry for; O_EXCL makes VOP_CREATE exclusive.
    /// </summary>
    private Errno Create(Req r)
    {
        var err = DirAndName(r, 16, out var dvp, out var name, out _);
        if (err != Errno.OK)
            return err;
        uint oflags = r.In.ArgU32(0);
        var flags = FileFlagsOf(oflags);
        var cr = r.Cred();
        var va = new Vattr(AttrMask.AT_TYPE | AttrMask.AT_MODE) { Type = VType.VREG, Mode = r.In.ArgU32(4) & ModeBits.ModeMask };
        if ((oflags & FuseProto.O_TRUNC) != 0)
        {
            va.Mask |= AttrMask.AT_SIZE;
            va.Size = 0;
        }
        var excl = (oflags & FuseProto.O_EXCL) != 0 ? VcExcl.EXCL : VcExcl.NONEXCL;
        err = Vop.Create(dvp, name, va, excl, AccessOf(flags), out var vp, cr, flags | FileFlags.FCREAT);
        dvp.Rele();
        if (err != Errno.OK)
            return err;
        err = ReplyEntry(r, vp!, cr);
        if (err == Errno.OK && (err = OpenHandle(r, vp!, flags, cr)) != Errno.OK)
            Unenter(r);
        vp!.Rele();
        return err;
    }

    /// <summary>Takes back the lookups a failing request counted before it failed.</summary>
    private void Unenter(Req r)
    {
        foreach (var id in r.Entered)
            _nodes.Forget(id, 1);
        r.Entered.Clear();
    }

    /// <summary>READ: fuse_read_in (fh, offset, size, ...) -> the bytes, read into the reply buffer in place.</summary>
    private Errno Read(Req r)
    {
        var f = _handles.Get(r.In.ArgU64(0));
        if (f is null)
            return Errno.EBADF;
        ulong offset = r.In.ArgU64(8);
        if (offset > long.MaxValue)
            return Errno.EINVAL;
        var room = r.Out.Room((int)Math.Min(r.In.ArgU32(16), (uint)Options.MaxWrite));
        var uio = new Uio(room, (long)offset, UioRw.UIO_READ);
        var err = Vop.Rwlock(f.Vp, RwLockType.Reader);
        if (err != Errno.OK)
            return err;
        err = Vop.Read(f.Vp, uio, FileFlags.None, f.Cred);
        Vop.Rwunlock(f.Vp, RwLockType.Reader);
        int got = room.Length - (int)uio.Resid;
        if (err != Errno.OK && got == 0)
            return err;
        r.Out.Len += got;
        return Errno.OK;
    }

    /// <summary>
    /// WRITE: fuse_write_in (fh, offset, size, write_flags, lock_owner, flags) and the data -> fuse_write_out (size).
    /// O_APPEND in flags makes VOP_WRITE append at the file's real end; O_SYNC/O_DSYNC make it synchronous.
    /// </summary>
    private Errno Write(Req r)
    {
        var f = _handles.Get(r.In.ArgU64(0));
        if (f is null)
            return Errno.EBADF;
        ulong offset = r.In.ArgU64(8);
        uint size = r.In.ArgU32(16);
        const int dataAt = 40;
        if (offset > long.MaxValue)
            return Errno.EFBIG;
        if (size > r.In.ArgLen - dataAt)
            return Errno.EINVAL;
        var flags = FileFlagsOf(r.In.ArgU32(32)) & (FileFlags.FAPPEND | FileFlags.FSYNC | FileFlags.FDSYNC);
        var uio = new Uio(r.In.ArgMemory(dataAt, (int)size), (long)offset, UioRw.UIO_WRITE);
        var err = Vop.Rwlock(f.Vp, RwLockType.Writer);
        if (err != Errno.OK)
            return err;
        err = Vop.Write(f.Vp, uio, flags, f.Cred);
        Vop.Rwunlock(f.Vp, RwLockType.Writer);
        long written = size - uio.Resid;
        if (err != Errno.OK && written == 0)
            return err;
        r.Out.U32((uint)written);
        r.Out.U32(0);
        return Errno.OK;
    }

    /// <summary>FSYNC and FSYNCDIR: fuse_fsync_in (fh, fsync_flags) -> VOP_FSYNC, FDSYNC for fdatasync.</summary>
    private Errno Fsync(Req r)
    {
        var how = (r.In.ArgU32(8) & FuseProto.FUSE_FSYNC_FDATASYNC) != 0 ? FileFlags.FDSYNC : FileFlags.FSYNC;
        var f = _handles.Get(r.In.ArgU64(0));
        if (f is not null)
            return Vop.Fsync(f.Vp, how, f.Cred);
        var err = Node(r.NodeId, out var vp);
        if (err != Errno.OK)
            return err;
        err = Vop.Fsync(vp, how, r.Cred());
        vp.Rele();
        return err;
    }

    /// <summary>RELEASE and RELEASEDIR: fuse_release_in (fh, flags, ...) -> the last close (VOP_CLOSE) and the hold dropped.</summary>
    private Errno Release(Req r)
    {
        var f = _handles.Remove(r.In.ArgU64(0));
        if (f is null)
            return Errno.EBADF;
        var err = Vop.Close(f.Vp, f.Flags, 1, 0, f.Cred);
        f.Vp.Rele();
        return err;
    }
}
