// Vfs.Fuse: reading directories -- OPENDIR, READDIR and READDIRPLUS.
//
// READDIR's offset is the file system's own cookie (dirent64 d_off): each call reads dirent64 records
// with VOP_READDIR from that cookie, and turns as many as fit in the kernel's buffer into fuse_dirent
// (or fuse_direntplus) records, each carrying the cookie of the entry after it. Nothing is kept between
// calls, so a directory changed meanwhile (by the mirror's resync, say) is read as it now is.
//
// READDIRPLUS also looks each name up and hands the kernel its node (one lookup counted per entry, as
// LOOKUP would). "." and ".." go with node id 0, which fuse.ko takes as "no entry to remember".
using UnixVfs.Core;

namespace UnixVfs.Fuse;

public sealed partial class FuseBridge
{
    /// <summary>OPENDIR: like OPEN, for reading; RELEASEDIR closes it.</summary>
    private Errno Opendir(Req r)
    {
        var err = Node(r.NodeId, out var vp);
        if (err != Errno.OK)
            return err;
        var cr = r.Cred();
        err = vp.Type != VType.VDIR ? Errno.ENOTDIR : Vop.Access(vp, AccessMode.VREAD, AccessFlags.None, cr);
        if (err == Errno.OK)
            err = OpenHandle(r, vp, FileFlags.FREAD, cr);
        vp.Rele();
        return err;
    }

    /// <summary>READDIR and READDIRPLUS: fuse_read_in (fh, offset = cookie, size) -> records up to size bytes.</summary>
    private Errno Readdir(Req r, bool plus)
    {
        var f = _handles.Get(r.In.ArgU64(0));
        if (f is null)
            return Errno.EBADF;
        long cookie = (long)r.In.ArgU64(8);
        int size = (int)Math.Min(r.In.ArgU32(16), (uint)r.Out.Free);
        var scratch = new byte[size];
        var uio = new Uio(scratch, cookie, UioRw.UIO_READ);
        var err = Vop.Rwlock(f.Vp, RwLockType.Reader);
        if (err != Errno.OK)
            return err;
        err = Vop.Readdir(f.Vp, uio, f.Cred, out _);
        Vop.Rwunlock(f.Vp, RwLockType.Reader);
        if (err != Errno.OK)
            return err;
        int end = r.Out.Len + size;
        foreach (var d in Dirent64.Parse(scratch.AsSpan(0, size - (int)uio.Resid)))
        {
            var name = FsName.Encode(d.Name)!;
            int rec = FuseProto.Align8((plus ? FuseProto.EntryOutSize : 0) + FuseProto.DirentHeaderSize + name.Length);
            if (r.Out.Len + rec > end)
                break;
            if (plus)
                EntryForDirent(r, f, d);
            r.Out.U64(d.Ino);
            r.Out.U64((ulong)d.Off);
            r.Out.U32((uint)name.Length);
            r.Out.U32(Dirent64.DType(d.Type));
            r.Out.Bytes(name);
            r.Out.Pad8();
        }
        return Errno.OK;
    }

    /// <summary>The fuse_entry_out of one READDIRPLUS record: the looked-up node, or all zeros (node id 0).</summary>
    private void EntryForDirent(Req r, FuseOpenFile dir, Dirent d)
    {
        if (d.Name is not ("." or "..") && LookupIn(dir.Vp, d.Name, dir.Cred, out var vp) == Errno.OK)
        {
            int at = r.Out.Len;
            var err = ReplyEntry(r, vp!, dir.Cred);
            vp!.Rele();
            if (err == Errno.OK)
                return;
            r.Out.Len = at;
        }
        r.Out.Bytes(new byte[FuseProto.EntryOutSize]);
    }
}
