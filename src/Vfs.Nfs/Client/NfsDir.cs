// Vfs.Nfs / client: names -- lookup (through the DNLC), create, mkdir, symlink, remove, rmdir,
// rename, link, readdir (READDIRPLUS by default) and readlink.
//
// The DNLC caches names the server gave us. Its entries are trusted while the directory's
// attributes are: when they expire and the server reports a different mtime, NfsVnops.CacheAttr
// purges the directory's names. A name found in the DNLC still needs search permission, which
// the access cache answers. Every operation that changes a name keeps the DNLC true, and takes the
// directory's new attributes from the reply's weak cache consistency data; a LOOKUP or READDIR sent
// before this client removed a name from the directory (another thread's) does not put names back.
//
// READDIRPLUS returns each entry's handle and attributes with its name; the client makes (or
// refreshes) the entries' rnodes and enters their names in the DNLC, so `ls -l` after `ls` costs
// no further round trips. Cookies are the server's and pass through the Uio's offset unchanged.
using UnixVfs.Core;
using UnixVfs.Nfs.Protocol;

namespace UnixVfs.Nfs.Client;

internal static partial class NfsVnops
{
    private static Errno NfsLookup(Vnode dvp, string nm, out Vnode? vp, LookupFlags flags, Vnode? rdir, Cred cr, CallerContext? ct)
    {
        vp = null;
        var drn = Node(dvp);
        if (nm == "." || (nm == ".." && dvp.IsRoot))
        {
            var aerr = CheckAccess(drn, AccessMode.VEXEC, cr);
            if (aerr != Errno.OK)
                return aerr;
            vp = dvp;
            vp.Hold();
            return Errno.OK;
        }
        var err = Revalidate(drn, cr, force: false, out _);
        if (err != Errno.OK)
            return err;
        var dnlc = dvp.Vfs.Kernel.Dnlc;
        if (nm != ".." && dnlc.Lookup(dvp, nm) is { } cached)
        {
            err = CheckAccess(drn, AccessMode.VEXEC, cr);
            if (err != Errno.OK)
            {
                cached.Rele();
                return err;
            }
            vp = cached;
            return Errno.OK;
        }
        long sent = drn.Mi.AttrGen();
        err = drn.Mi.Nfs.Lookup(cr, drn.Fh, nm, out var fh, out var attr, out var dattr);
        if (dattr is not null)
            CacheAttr(drn, dattr, own: false, sent);
        if (err != Errno.OK)
            return err;
        err = drn.Mi.MakeNode(fh!, attr, sent, cr, out vp);
        if (err == Errno.OK && nm != "..")
            EnterName(dvp, nm, vp!, sent);
        return err;
    }

    /// <summary>After an operation made <paramref name="name"/> in <paramref name="dvp"/>: the new vnode, held, entered in the DNLC.</summary>
    private static Errno Made(Vnode dvp, string name, Cred cr, long sent, Errno err, byte[]? fh, Vattr? attr, Vattr? dattr, out Vnode? vp)
    {
        vp = null;
        var drn = Node(dvp);
        if (dattr is not null)
            CacheAttr(drn, dattr, own: err == Errno.OK, sent);
        else
            Expire(drn);
        if (err != Errno.OK)
            return err;
        if (fh is null)
        {
            sent = drn.Mi.AttrGen();
            err = drn.Mi.Nfs.Lookup(cr, drn.Fh, name, out fh, out attr, out _);
            if (err != Errno.OK)
                return err;
        }
        err = drn.Mi.MakeNode(fh!, attr, sent, cr, out vp);
        if (err == Errno.OK)
            EnterName(dvp, name, vp!, sent);
        return err;
    }

    /// <summary>The sattr3 of a new object: its mode (and, for CREATE, a size to truncate to).</summary>
    private static Vattr NewAttrs(Vattr vap, bool withSize)
    {
        var s = new Vattr(AttrMask.AT_MODE) { Mode = vap.Mode & ModeBits.ModeMask };
        if (withSize && (vap.Mask & AttrMask.AT_SIZE) != 0)
        {
            s.Mask |= AttrMask.AT_SIZE;
            s.Size = vap.Size;
        }
        return s;
    }

    private static Errno NfsCreate(Vnode dvp, string name, Vattr vap, VcExcl excl, AccessMode mode, out Vnode? vp, Cred cr, FileFlags flag, CallerContext? ct)
    {
        vp = null;
        var err = FsSubr.CheckName(name);
        if (err != Errno.OK)
            return err;
        if (dvp.Vfs.IsReadOnly)
            return Errno.EROFS;
        var drn = Node(dvp);
        var nfs = drn.Mi.Nfs;
        byte[]? fh;
        Vattr? attr, dattr;
        long sent = drn.Mi.AttrGen();
        if (vap.Type == VType.VREG)
        {
            err = nfs.Create(cr, drn.Fh, name, excl == VcExcl.EXCL ? CreateMode3.GUARDED : CreateMode3.UNCHECKED,
                NewAttrs(vap, withSize: true), 0, out fh, out attr, out dattr);
            if (err == Errno.OK && excl == VcExcl.NONEXCL)
                dvp.Vfs.Kernel.Dnlc.Remove(dvp, name);
        }
        else if (vap.Type is VType.VCHR or VType.VBLK or VType.VFIFO or VType.VSOCK)
            err = nfs.Mknod(cr, drn.Fh, name, vap.Type, NewAttrs(vap, withSize: false), vap.Rdev, out fh, out attr, out dattr);
        else
            return Errno.EINVAL;
        err = Made(dvp, name, cr, sent, err, fh, attr, dattr, out vp);
        if (err == Errno.OK && (vap.Mask & AttrMask.AT_SIZE) != 0)
        {
            var rn = Node(vp!);
            using (rn.Lock.Enter())
                InvalidateDataLocked(rn);
        }
        return err;
    }

    private static Errno NfsMkdir(Vnode dvp, string dirname, Vattr vap, out Vnode? vp, Cred cr, CallerContext? ct)
    {
        vp = null;
        var err = FsSubr.CheckName(dirname);
        if (err != Errno.OK)
            return err;
        if (dvp.Vfs.IsReadOnly)
            return Errno.EROFS;
        var drn = Node(dvp);
        long sent = drn.Mi.AttrGen();
        err = drn.Mi.Nfs.Mkdir(cr, drn.Fh, dirname, NewAttrs(vap, withSize: false), out var fh, out var attr, out var dattr);
        return Made(dvp, dirname, cr, sent, err, fh, attr, dattr, out vp);
    }

    private static Errno NfsSymlink(Vnode dvp, string linkname, Vattr vap, string target, Cred cr, CallerContext? ct)
    {
        var err = FsSubr.CheckName(linkname);
        if (err != Errno.OK)
            return err;
        if (dvp.Vfs.IsReadOnly)
            return Errno.EROFS;
        var drn = Node(dvp);
        long sent = drn.Mi.AttrGen();
        err = drn.Mi.Nfs.Symlink(cr, drn.Fh, linkname, new Vattr(AttrMask.AT_MODE) { Mode = 0x1FF }, target, out var fh, out var attr, out var dattr);
        err = Made(dvp, linkname, cr, sent, err, fh, attr, dattr, out var vp);
        vp?.Rele();
        return err;
    }

    /// <summary>
    /// Enters <paramref name="name"/> in the DNLC from the answer to a call sent at attribute generation
    /// <paramref name="sent"/>, and takes it out again if this client has removed a name from the directory since
    /// then: the server may have answered before the removal (Unnamed records when it happened).
    /// </summary>
    private static void EnterName(Vnode dvp, string name, Vnode vp, long sent)
    {
        var drn = Node(dvp);
        var dnlc = dvp.Vfs.Kernel.Dnlc;
        dnlc.Enter(dvp, name, vp);
        bool stale;
        using (drn.Lock.Enter())
            stale = sent < drn.NameGoneGen;
        if (stale)
            dnlc.Remove(dvp, name);
    }

    /// <summary>Forgets a name that is gone from the server, and makes its file's attributes (nlink, ctime) be asked again.</summary>
    private static void Unnamed(Vnode dvp, string nm, bool dir)
    {
        var drn = Node(dvp);
        using (drn.Lock.Enter())
            drn.NameGoneGen = drn.Mi.AttrGen();
        var dnlc = dvp.Vfs.Kernel.Dnlc;
        if (dnlc.Lookup(dvp, nm) is { } gone)
        {
            Expire(Node(gone));
            if (dir)
                dnlc.PurgeVp(gone);
            gone.Rele();
        }
        dnlc.Remove(dvp, nm);
    }

    private static Errno NfsRemove(Vnode dvp, string nm, Cred cr, CallerContext? ct)
    {
        if (dvp.Vfs.IsReadOnly)
            return Errno.EROFS;
        var drn = Node(dvp);
        long sent = drn.Mi.AttrGen();
        var err = drn.Mi.Nfs.Remove(cr, drn.Fh, nm, out var dattr);
        Unnamed(dvp, nm, dir: false);
        if (dattr is not null)
            CacheAttr(drn, dattr, own: err == Errno.OK, sent);
        return err;
    }

    private static Errno NfsRmdir(Vnode dvp, string nm, Vnode? cdir, Cred cr, CallerContext? ct)
    {
        if (nm == ".")
            return Errno.EINVAL;
        if (nm == "..")
            return Errno.ENOTEMPTY;
        if (dvp.Vfs.IsReadOnly)
            return Errno.EROFS;
        var drn = Node(dvp);
        if (cdir is not null && cdir.Vfs == dvp.Vfs && dvp.Vfs.Kernel.Dnlc.Lookup(dvp, nm) is { } child)
        {
            bool isCwd = ReferenceEquals(child, cdir);
            child.Rele();
            if (isCwd)
                return Errno.EINVAL;
        }
        long sent = drn.Mi.AttrGen();
        var err = drn.Mi.Nfs.Rmdir(cr, drn.Fh, nm, out var dattr);
        Unnamed(dvp, nm, dir: true);
        if (dattr is not null)
            CacheAttr(drn, dattr, own: err == Errno.OK, sent);
        return err;
    }

    // Vop.Rename has refused "." and "..", checked the target name, that both directories are on this vfs, and
    // that it is writable (VopChecks.cs).
    private static Errno NfsRename(Vnode sdvp, string snm, Vnode tdvp, string tnm, Cred cr, CallerContext? ct)
    {
        var srn = Node(sdvp);
        var trn = Node(tdvp);
        long sent = srn.Mi.AttrGen();
        var err = srn.Mi.Nfs.Rename(cr, srn.Fh, snm, trn.Fh, tnm, out var fattr, out var tattr);
        Unnamed(sdvp, snm, dir: true);
        Unnamed(tdvp, tnm, dir: true);
        if (fattr is not null)
            CacheAttr(srn, fattr, own: err == Errno.OK, sent);
        if (tattr is not null)
            CacheAttr(trn, tattr, own: err == Errno.OK, sent);
        return err;
    }

    // Vop.Link has checked the name, that both vnodes are on this vfs, and that it is writable (VopChecks.cs).
    private static Errno NfsLink(Vnode tdvp, Vnode svp, string tnm, Cred cr, CallerContext? ct)
    {
        var srn = Node(svp);
        var drn = Node(tdvp);
        long sent = drn.Mi.AttrGen();
        var err = drn.Mi.Nfs.Link(cr, srn.Fh, drn.Fh, tnm, out var attr, out var dattr);
        if (attr is not null)
            CacheAttr(srn, attr, own: err == Errno.OK, sent);
        if (dattr is not null)
            CacheAttr(drn, dattr, own: err == Errno.OK, sent);
        if (err == Errno.OK)
            EnterName(tdvp, tnm, svp, sent);
        return err;
    }

    private static Errno NfsReaddir(Vnode vp, Uio uio, Cred cr, out bool eof, CallerContext? ct)
    {
        eof = false;
        var drn = Node(vp);
        var mi = drn.Mi;
        ulong cookie = (ulong)uio.Offset;   // the server's cookie, carried bit for bit in the offset
        ulong verf;
        using (drn.Lock.Enter())
            verf = cookie == 0 ? 0 : drn.CookieVerf;
        uint dircount = (uint)Math.Clamp(uio.Resid, 1024, 64 * 1024);
        uint maxcount = mi.Options.ReaddirPlus ? Math.Min(dircount * 8, 1u << 20) : dircount;
        long sent = mi.AttrGen();
        var err = mi.Nfs.Readdir(cr, drn.Fh, mi.Options.ReaddirPlus, cookie, ref verf, dircount, maxcount, out var entries, out bool replyEof, out var dattr);
        if (dattr is not null)
            CacheAttr(drn, dattr, own: false, sent);
        if (err != Errno.OK)
            return err;
        using (drn.Lock.Enter())
            drn.CookieVerf = verf;
        long resid = uio.Resid;
        int added = 0;
        foreach (var e in entries)
        {
            var type = e.Attr?.Type ?? VType.VNON;
            if (!Dirent64.TryAdd(uio, e.FileId, (long)e.Cookie, type, e.Name))
                break;
            added++;
            if (e.Fh is not null && e.Attr is not null && e.Name is not ("." or ".."))
            {
                if (mi.MakeNode(e.Fh, e.Attr, sent, cr, out var evp) == Errno.OK)
                {
                    EnterName(vp, e.Name, evp!, sent);
                    evp!.Rele();
                }
            }
        }
        if (added == 0 && entries.Count > 0 && uio.Resid == resid)
            return Errno.EINVAL;
        eof = added == entries.Count && replyEof;
        return Errno.OK;
    }

    private static Errno NfsReadlink(Vnode vp, Uio uio, Cred cr, CallerContext? ct)
    {
        var rn = Node(vp);
        var err = rn.Mi.Nfs.Readlink(cr, rn.Fh, out var target);
        if (err != Errno.OK)
            return err;
        return uio.MoveOut(FsName.Encode(target) ?? []);
    }
}
