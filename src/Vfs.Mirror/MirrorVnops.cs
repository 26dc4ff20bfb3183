// Vfs.Mirror: the vnode operations of the Mirror File System -- attributes, open/close, sync, life cycle --
// and the ops table. Reads and writes are in MirrorRdwr.cs, name operations in MirrorDirops.cs.
//
// OPERATION OF THE MIRROR LAYER
//
// The mirror is a stacked file system in the manner of lofs and nullfs, except that each of its vnodes
// stands for two (or more) vnodes below it: the same file in copy X and in copy Y. Its vnode's v_data is
// an mnode (Mnode.cs) holding them. Every op here gets the mnode from v_data, finds the lower vnodes
// (MirrorSubr.Resolve), and calls the same VOP on them -- which is all patent section B.3 asks ("All other
// vnode operations ... follow the same procedure ... on both copies"). What is not a plain pass-through,
// and why:
//
//   - Which copies an op goes to (B.4): open, create and every update go to every copy that takes
//     updates (MirrorSubr.Apply); read, readdir, readlink, getattr, access and pathconf go to one copy
//     (MirrorSubr.ReadOp) -- the read copy for data, the primary copy for names and attributes, so that
//     inode numbers and readdir cookies stay put.
//   - Errors (B.3's "X_error | Y_error"): combined by the error policy in MirrorSubr.cs.
//   - Write (B.6): holds every copy's rwlock with backoff while the write reaches them (MirrorLock.cs),
//     and writes the copies at the same time.
//   - Ops that return vnodes (lookup, create, mkdir, vget) wrap the lower vnodes in an mnode from the
//     mnode hash (MnodeHash.MakeMnode), so one file is always one mirror vnode.
//   - getattr reports the mirror's fsid, as every stacking layer must (nullfs: "Vop_getattr must change
//     the fsid being returned").
//   - close and fsync bring the copies' times together after writes, so that the copies compare equal
//     (mfsadm verify) and the next mount's timestamp merge has nothing to do.
//   - inactive takes the mnode out of the hash and lets go of the lower vnodes.
//   - ioctl carries the mirror's own commands (MirrorIoctl.cs): status, offline, online, resync, verify.
//
// DERIVING ANOTHER LAYER. A layer with one lower vnode per vnode (an encrypting or compressing layer)
// would keep this shape with Copies of length one: Apply and ReadOp reduce to calling the single lower
// vnode, and everything about copy states, logs and resync falls away.
namespace UnixVfs.Mirror;

internal static partial class MirrorVnops
{
    private static Errno MfsOpen(ref Vnode vp, FileFlags flag, Cred cr, CallerContext? ct)
    {
        var m = MirrorSubr.Mn(vp);
        using var _ = m.Mfs.EnterOp();
        return MirrorSubr.Apply(MirrorOp.Everywhere("open", m), MirrorSubr.NoData((c, lv) => Vop.Open(ref lv, flag, cr, ct)));
    }

    private static Errno MfsClose(Vnode vp, FileFlags flag, int count, long offset, Cred cr, CallerContext? ct)
    {
        var m = MirrorSubr.Mn(vp);
        using var _ = m.Mfs.EnterOp();
        var err = MirrorSubr.Apply(MirrorOp.Everywhere("close", m), MirrorSubr.NoData((c, lv) => Vop.Close(lv, flag, count, offset, cr, ct)));
        if (err == Errno.OK && (flag & FileFlags.FWRITE) != 0)
            Flushed(m); // a reader's close flushes nothing (an NFS client flushes at a writer's close only)
        if (count == 1 && (flag & FileFlags.FWRITE) != 0)
        {
            SyncTimes(m);
            m.Mfs.Checksum?.Flush(m);
        }
        return err;
    }

    private static Errno MfsGetattr(Vnode vp, Vattr vap, AttrFlags flags, Cred cr, CallerContext? ct)
    {
        var m = MirrorSubr.Mn(vp);
        int from = 0;
        var err = MirrorSubr.ReadOp(MirrorOp.Query("getattr", m), MirrorSubr.NoData((c, lv) =>
        {
            from = c.Index;
            return Vop.Getattr(lv, vap, flags, cr, ct);
        }));
        if (err == Errno.OK)
        {
            vap.Fsid = vp.Vfs.Fsid;
            ulong id = m.FileId;
            if (id == 0 || (from == m.FileIdCopy && vap.NodeId != m.FileIdLower))
                id = Number(m, from, vap.NodeId, first: id == 0);
            vap.NodeId = id;
        }
        return err;
    }

    /// <summary>
    /// Numbers <paramref name="m"/>'s file, which copy <paramref name="from"/> numbers <paramref name="lower"/>: at the
    /// mnode's <paramref name="first"/> getattr, by the number recorded for the file by a copy out of use now, if there is
    /// one (MirrorNumbers.Find: the number the file had before that copy left); else by this copy's, recorded.
    /// </summary>
    private static ulong Number(Mnode m, int from, ulong lower, bool first)
    {
        var numbers = m.Mfs.Numbers;
        if (!first || Volatile.Read(ref m.Copies[from]) is not { } lv || !numbers.Find(m.Mfs, from, lv, out int by, out ulong number))
        {
            (by, number) = (from, lower);
            numbers.Numbered(m, from, lower);
        }
        m.FileIdCopy = by;
        m.FileIdLower = number;
        return m.FileId = MirrorSubr.FileId(by, number);
    }

    private static Errno MfsSetattr(Vnode vp, Vattr vap, AttrFlags flags, Cred cr, CallerContext? ct)
    {
        var m = MirrorSubr.Mn(vp);
        using var _ = m.Mfs.EnterOp();
        var sums = vp.Type == VType.VREG && (vap.Mask & (AttrMask.AT_SIZE | AttrMask.AT_MTIME)) != 0 ? m.Mfs.Checksum : null;
        var err = (vap.Mask & AttrMask.AT_SIZE) != 0
            ? SetSize(m, vap, flags, cr, ct, sums)
            : MirrorSubr.Apply(MirrorOp.Setattr(m, DirtyKind.Attr, 0, 0), MirrorSubr.NoData((c, lv) => Vop.Setattr(lv, vap.Clone(), flags, cr, ct)));
        if (err == Errno.OK && (vap.Mask & (AttrMask.AT_SIZE | AttrMask.AT_MTIME)) != 0)
            SyncTimes(m);
        if (sums is not null)
        {
            sums.Changed(m);
            sums.Flush(m);   // the new size, or the copies' new times, which the sum files record
        }
        return err;
    }

    /// <summary>
    /// A setattr with a new size, with every copy's rwlock held as writer, as a write holds them (patent B.6): a write
    /// and a truncate that cross reach every copy in the same order, so the copies cannot end with different sizes, and
    /// no read sees the new size with the old checksums. The size change rewrites the bytes between the old and the new
    /// end (gone, or zeros on a later extension): a copy that misses it must get that range back, not just the new size.
    /// </summary>
    private static Errno SetSize(Mnode m, Vattr vap, AttrFlags flags, Cred cr, CallerContext? ct, MirrorChecksum? sums)
    {
        var mi = m.Mfs;
        var copies = mi.UpdateCopies();
        var slots = new CopySlots<Vnode>();
        var lowers = MirrorSubr.ResolveAll(m, copies, MirrorSubr.Slots(ref slots, copies.Length));
        MirrorLock.LockAll(lowers, RwLockType.Writer, mi);
        try
        {
            var kind = DirtyKind.Attr;
            long from = 0, length = 0;
            var old = new Vattr(AttrMask.AT_SIZE);
            if (MirrorSubr.ReadOp(MirrorOp.Query("getattr", m), MirrorSubr.NoData((c, lv) => Vop.Getattr(lv, old, AttrFlags.None, cr, ct))) == Errno.OK && old.Size != vap.Size)
            {
                kind |= DirtyKind.Data;
                from = Math.Min(old.Size, vap.Size);
                length = Math.Abs(old.Size - vap.Size);
            }
            Errno Setattr() => MirrorSubr.Apply(MirrorOp.Setattr(m, kind, from, length), MirrorSubr.NoData((c, lv) => Vop.Setattr(lv, vap.Clone(), flags, cr, ct)));
            return sums is not null && (kind & DirtyKind.Data) != 0 ? sums.Resize(m, from, length, vap.Size, Setattr) : Setattr();
        }
        finally
        {
            MirrorLock.UnlockAll(lowers, RwLockType.Writer);
        }
    }

    /// <summary>
    /// VOP_RWLOCK of a mirror vnode takes nothing: every read, write and size change of the mirror takes the copies'
    /// rwlocks itself (MirrorRdwr.cs, SetSize), which is what orders them; a lock of the mirror vnode's own would be a
    /// third one for every write to take and give back, and order nothing more.
    /// </summary>
    private static Errno MfsRwlock(Vnode vp, RwLockType type, CallerContext? ct) => Errno.OK;

    private static void MfsRwunlock(Vnode vp, RwLockType type, CallerContext? ct)
    {
    }

    private static Errno MfsAccess(Vnode vp, AccessMode mode, AccessFlags flags, Cred cr, CallerContext? ct) =>
        MirrorSubr.ReadOp(MirrorOp.Query("access", MirrorSubr.Mn(vp)), MirrorSubr.NoData((c, lv) => Vop.Access(lv, mode, flags, cr, ct)));

    private static Errno MfsFsync(Vnode vp, FileFlags syncflag, Cred cr, CallerContext? ct)
    {
        var m = MirrorSubr.Mn(vp);
        using var _ = m.Mfs.EnterOp();
        var err = MirrorSubr.Apply(MirrorOp.Fsync(m), MirrorSubr.NoData((c, lv) => Vop.Fsync(lv, syncflag, cr, ct)));
        if (err == Errno.OK)
        {
            Flushed(m);
            SyncTimes(m);
        }
        m.Mfs.Checksum?.Flush(m);
        return err;
    }

    private static void MfsInactive(Vnode vp, Cred cr, CallerContext? ct)
    {
        var m = MirrorSubr.Mn(vp);
        if (CopyUnflushed.Inactive(m))                  // what a copy's file system still holds of it is sent now,
        {
            SyncTimes(m, inactive: true);               // stamped with the copy's own time: the primary's again
            m.Mfs.Checksum?.Changed(m);
        }
        m.Mfs.Checksum?.Flush(m, lockCopies: false);    // nothing reaches the file through the mirror any more
        m.Mfs.Mnodes.Inactive(m);
    }

    /// <summary>
    /// A writer's close or an fsync of <paramref name="m"/> succeeded: every copy still in use holds what was written
    /// (a copy whose flush failed was taken out of use, with what it may lack in its log: CopyUnflushed.cs).
    /// </summary>
    private static void Flushed(Mnode m)
    {
        foreach (var c in m.Mfs.UpdateCopies())
            c.Unflushed.Flushed(m);
    }

    private static Errno MfsRealvp(Vnode vp, out Vnode? realvp, CallerContext? ct)
    {
        realvp = null;
        var m = MirrorSubr.Mn(vp);
        var err = MirrorSubr.Resolve(m, m.Mfs.PrimaryCopy(), out var lv);
        realvp = lv;
        return err;
    }

    private static Errno MfsPathconf(Vnode vp, PathconfName cmd, out long val, Cred cr, CallerContext? ct)
    {
        long v = 0;
        var err = MirrorSubr.ReadOp(MirrorOp.Query("pathconf", MirrorSubr.Mn(vp)), MirrorSubr.NoData((c, lv) => Vop.Pathconf(lv, cmd, out v, cr, ct)));
        val = v;
        return err;
    }

    /// <summary>
    /// After writes, gives every copy the primary copy's modification and access times, so that identical
    /// contents also look identical (verify) and the next mount's merge sees no newer side. <paramref name="inactive"/>:
    /// the mirror is letting go of <paramref name="m"/>, so only the copies' vnodes the mnode knows are used (every copy
    /// a write reached is one); no name is looked up, through the mirror or a copy, for a file on its way out.
    /// </summary>
    private static void SyncTimes(Mnode m, bool inactive = false)
    {
        var mi = m.Mfs;
        if (mi.Options.Mode == MirrorMode.ActivePassive || m.Vnode.Type != VType.VREG)
            return;
        Errno Lower(MirrorMember c, out Vnode? lv)
        {
            if (!inactive)
                return MirrorSubr.Resolve(m, c, out lv);
            lv = Volatile.Read(ref m.Copies[c.Index]);
            return lv is null ? Errno.ENOENT : Errno.OK;
        }
        var primary = mi.PrimaryCopy();
        if (Lower(primary, out var pv) != Errno.OK)
            return;
        var va = new Vattr(AttrMask.AT_ATIME | AttrMask.AT_MTIME | AttrMask.AT_CTIME);
        if (Vop.Getattr(pv!, va, AttrFlags.None, Cred.Kcred) != Errno.OK)
            return;
        primary.Clock.Stamped(va.Ctime);
        var set = new Vattr(AttrMask.AT_ATIME | AttrMask.AT_MTIME) { Atime = va.Atime, Mtime = va.Mtime };
        foreach (var c in mi.UpdateCopies())
        {
            if (ReferenceEquals(c, primary) || Lower(c, out var lv) != Errno.OK)
                continue;
            var err = Vop.Setattr(lv!, set.Clone(), AttrFlags.ATTR_UTIME, Cred.Kcred);
            for (int attempt = 0; attempt < mi.Options.Retries && MirrorSubr.IsTransientCopyFailure(err); attempt++)
                err = Vop.Setattr(lv!, set.Clone(), AttrFlags.ATTR_UTIME, Cred.Kcred);
            if (err == Errno.OK)
                c.Clock.Saw(lv!); // its new ctime, on the copy's clock (CopyClock.cs)
            else if (MirrorSubr.IsTransientCopyFailure(err))
                // A copy that cannot take the times keeps its own, stamped as its writes landed (later, over a lossy
                // link): out of use, with the file's attributes in its log, as for any update it failed (Fixed 84).
                MirrorSubr.TakeDown(mi, MirrorOp.Setattr(m, DirtyKind.Attr, 0, 0), new MirrorSubr.CopyResult(c, err));
        }
    }

    /// <summary>The mirror's vnode operations (one table: the lower file systems decide what each type allows).</summary>
    public static readonly VnodeOps Ops = VnodeOps.MakeOrPanic("mfs",
    [
        new(VopName.Open, (VopOpen)MfsOpen),
        new(VopName.Close, (VopClose)MfsClose),
        new(VopName.Read, (VopRead)MfsRead),
        new(VopName.Write, (VopWrite)MfsWrite),
        new(VopName.Rwlock, (VopRwlock)MfsRwlock),
        new(VopName.Rwunlock, (VopRwunlock)MfsRwunlock),
        new(VopName.Seekdata, (VopSeekdata)MfsSeekdata),
        new(VopName.Ioctl, (VopIoctl)MirrorIoctl.MfsIoctl),
        new(VopName.Getattr, (VopGetattr)MfsGetattr),
        new(VopName.Setattr, (VopSetattr)MfsSetattr),
        new(VopName.Access, (VopAccess)MfsAccess),
        new(VopName.Lookup, (VopLookup)MfsLookup),
        new(VopName.Create, (VopCreate)MfsCreate),
        new(VopName.Remove, (VopRemove)MfsRemove),
        new(VopName.Link, (VopLink)MfsLink),
        new(VopName.Rename, (VopRename)MfsRename),
        new(VopName.Mkdir, (VopMkdir)MfsMkdir),
        new(VopName.Rmdir, (VopRmdir)MfsRmdir),
        new(VopName.Readdir, (VopReaddir)MfsReaddir),
        new(VopName.Symlink, (VopSymlink)MfsSymlink),
        new(VopName.Readlink, (VopReadlink)MfsReadlink),
        new(VopName.Fsync, (VopFsync)MfsFsync),
        new(VopName.Inactive, (VopInactive)MfsInactive),
        new(VopName.Fid, (VopFid)MirrorFid.MfsFid),
        new(VopName.Realvp, (VopRealvp)MfsRealvp),
        new(VopName.Pathconf, (VopPathconf)MfsPathconf),
        new(VopName.Getextattr, (VopGetextattr)MirrorExtattr.MfsGetextattr),
        new(VopName.Setextattr, (VopSetextattr)MirrorExtattr.MfsSetextattr),
        new(VopName.Listextattr, (VopListextattr)MirrorExtattr.MfsListextattr),
        new(VopName.Deleteextattr, (VopDeleteextattr)MirrorExtattr.MfsDeleteextattr),
    ]);
}
