// Vfs.Mirror: name operations -- lookup, create, mkdir, symlink, link, remove, rmdir, rename -- and
// readdir and readlink.
//
// The copies' metadata directory (.mfs at the top: MirrorMeta.cs) is not a name of the mirror: lookup, remove,
// rmdir and rename do not find it (ENOENT), readdir leaves it out, and nothing can be made under it (EPERM).
//
// Every name operation on a mirror directory holds that directory's DirLock (lookup as a reader,
// the others as a writer; rename takes the mirror's rename lock first, then both directories), so a
// lookup never sees a name that exists in one copy and not yet in the other.
//
// Lookup asks every copy that takes updates (LookupInCopies) and wraps what it finds in the one mnode for
// that file. When copies disagree about a name, it calls the repair step (RepairName) once and looks again.
namespace UnixVfs.Mirror;

internal static partial class MirrorVnops
{
    private static Errno MfsLookup(Vnode dvp, string nm, out Vnode? vp, LookupFlags flags, Vnode? rdir, Cred cr, CallerContext? ct)
    {
        vp = null;
        var m = MirrorSubr.Mn(dvp);
        var mi = m.Mfs;
        if (nm is "." or "..")
        {
            var err = MirrorSubr.ReadOp(MirrorOp.Query("lookup", m), MirrorSubr.NoData((c, lv) => Vop.Access(lv, AccessMode.VEXEC, AccessFlags.None, cr, ct)));
            if (err != Errno.OK)
                return err;
            vp = nm == "." || ReferenceEquals(m, mi.Root) ? dvp : m.Parent?.Vnode;
            if (vp is not null)
            {
                vp.Hold();
                return Errno.OK;
            }
        }
        if (MirrorSubr.IsMetadata(m, nm))
            return Errno.ENOENT;
        var lowers = new Vnode?[mi.Copies.Count];
        var errs = new Errno[mi.Copies.Count];
        bool repaired = false;
        while (true)
        {
            var copies = LookupInCopies(m, nm, flags, cr, ct, lowers, errs);
            var primary = mi.PrimaryCopy();
            var perr = errs[primary.Index];
            if (MirrorSubr.IsCopyFailure(perr) && mi.MarkUnavailable(primary, $"{perr} on lookup {m.PathFromRoot.TrimEnd('/')}/{nm}"))
            {
                Release(lowers); // the primary copy is out of use now: ask again, with the next copy as the primary
                continue;
            }
            // Another copy failing is taken out of use too, or every lookup would wait for it to time out again.
            foreach (var c in copies)
                if (!ReferenceEquals(c, primary) && MirrorSubr.IsCopyFailure(errs[c.Index]) && c.State == CopyState.Available)
                {
                    c.CountFailure();
                    mi.MarkUnavailable(c, $"{errs[c.Index]} on lookup {m.PathFromRoot.TrimEnd('/')}/{nm}");
                }
            if (!repaired && nm != ".." && NeedsRepair(mi, copies, errs))
            {
                Release(lowers);
                RepairName(m, nm);
                repaired = true; // look again and take what is there: a name that cannot be repaired is not tried twice
                continue;
            }
            if (perr != Errno.OK)
            {
                Release(lowers);
                return perr;
            }
            vp = mi.Mnodes.MakeMnode(mi, lowers, nm == ".." ? null : m, nm);
            return Errno.OK;
        }
    }

    /// <summary>
    /// Looks <paramref name="nm"/> up in directory <paramref name="m"/> of every copy that takes updates, under the
    /// directory's DirLock as a reader, filling <paramref name="lowers"/> (held) and <paramref name="errs"/> by copy
    /// index (ENOENT for a copy not asked). Returns the copies asked.
    /// </summary>
    private static MirrorMember[] LookupInCopies(Mnode m, string nm, LookupFlags flags, Cred cr, CallerContext? ct, Vnode?[] lowers, Errno[] errs)
    {
        var copies = m.Mfs.UpdateCopies();
        var lookup = MirrorOp.Everywhere("lookup", m);
        Array.Fill(errs, Errno.ENOENT);
        MirrorSubr.Place(m);
        m.DirLock.Enter(RwLockType.Reader);
        try
        {
            foreach (var c in copies)
            {
                var err = MirrorSubr.Resolve(m, c, out var ld);
                if (err == Errno.OK)
                {
                    long t0 = m.Mfs.Clock.GetTimestamp();
                    err = Vop.Lookup(ld!, nm, out lowers[c.Index], flags, null, cr, ct);
                    c.Count(lookup, err, 0, m.Mfs.Clock.GetElapsedTime(t0).TotalMicroseconds, retry: false); // mfsadm stats: a lookup row per copy
                }
                errs[c.Index] = err;
            }
        }
        finally
        {
            m.DirLock.Exit(RwLockType.Reader);
        }
        return copies;
    }

    /// <summary>
    /// True when an available copy lacks a name that the copy whose names count has (or, for peers, the reverse). A
    /// copy being resynced is not one whose names count: it may still hold a name removed while it was away (Fixed 132).
    /// </summary>
    private static bool NeedsRepair(MfsVfs mi, MirrorMember[] copies, Errno[] errs)
    {
        if (mi.Options.Mode == MirrorMode.ActivePassive)
            return false;
        bool anyHas = copies.Any(c => c.State != CopyState.Resyncing && errs[c.Index] == Errno.OK);
        bool availableLacks = copies.Any(c => c.State == CopyState.Available && errs[c.Index] == Errno.ENOENT);
        if (!anyHas || !availableLacks)
            return false;
        return mi.Options.Role == MirrorRole.Peer || errs[0] == Errno.OK;
    }

    /// <summary>
    /// REPAIR ON LOOKUP. A lookup that finds a name in one copy and not in an available other (the name was made
    /// behind the mirror's back, or an earlier operation failed half-way) closes the gap before it answers, by the
    /// mount merge's rule: every name in a peer ends up in all of them; with role=master only the master's names
    /// count and the master's version is copied; a copy being resynced is never the source. This is the one place a
    /// lookup writes to the copies. It takes the directory's DirLock as a writer, looks again (another thread may have
    /// repaired it meanwhile), copies the entry (MirrorDataCopy.CopyEntry) into each available copy that still lacks
    /// it, and announces what it did.
    /// A directory the mnode knows in some copy that is no longer found under the mnode's path there is not repaired:
    /// the mnode lets go of it, and the lookup looks again (Placed).
    /// </summary>
    internal static void RepairName(Mnode m, string nm)
    {
        var mi = m.Mfs;
        m.DirLock.Enter(RwLockType.Writer);
        try
        {
            var copies = mi.UpdateCopies();
            var source = mi.Options.Role == MirrorRole.Master ? mi.Copies[0] : null;
            var dirs = new Vnode?[mi.Copies.Count];
            var has = new Vnode?[mi.Copies.Count];
            bool placed = true;
            foreach (var c in copies)
                if (MirrorSubr.Resolve(m, c, out dirs[c.Index]) == Errno.OK && !Placed(m, c, dirs[c.Index]!))
                {
                    mi.Mnodes.SetCopy(m, c.Index, null);
                    placed = false;
                }
            if (!placed)
                return;
            foreach (var c in copies)
                if (dirs[c.Index] is { } dd)
                    Vop.Lookup(dd, nm, out has[c.Index], LookupFlags.None, null, Cred.Kcred);
            source ??= copies.FirstOrDefault(c => c.State != CopyState.Resyncing && has[c.Index] is not null);
            if (source is not null && source.State != CopyState.Resyncing && has[source.Index] is { } src)
                foreach (var c in copies)
                    if (c.State == CopyState.Available && has[c.Index] is null && dirs[c.Index] is { } dd)
                    {
                        if (SeveralLinks(src))
                            continue;
                        var err = MirrorDataCopy.CopyEntry(dirs[source.Index]!, nm, src, dd, new CopyStats(), made: (sv, vp) => MirrorFid.MadeLate(c, vp, source, sv));
                        mi.Announce(c, err == Errno.OK ? $"repaired {m.PathFromRoot}/{nm} from {source.Name}"
                            : $"could not repair {m.PathFromRoot}/{nm} from {source.Name}: {err}");
                    }
            Release(has);
        }
        finally
        {
            m.DirLock.Exit(RwLockType.Writer);
        }
    }

    /// <summary>
    /// True when <paramref name="dir"/>, mnode <paramref name="m"/>'s directory in copy <paramref name="c"/>, is the one
    /// under the mnode's path there, each directory on the way opened first, so that a client's cache answers afresh
    /// (NFS's close-to-open); true too when the mnode has no place yet. A lookup through another master's mirror of the
    /// same disks pairs a directory this mirror knows in one copy with whatever that copy's client still caches under
    /// its name: Finding 40, Fig. 10, a directory renamed through x's mirror and its name made again, which y's
    /// client of x's disk still cached as the old one; y's lookup found a name in the new directory on its own disk
    /// and not in the old one on x's, and the repair made it in the old one.
    /// </summary>
    private static bool Placed(Mnode m, MirrorMember c, Vnode dir)
    {
        if (ReferenceEquals(m, m.Mfs.Root) || m.Parent is null)
            return true;
        var cur = c.Root;
        cur.Hold();
        foreach (var name in m.PathFromRoot.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var err = Revalidated(cur);
            Vnode? next = null;
            if (err == Errno.OK)
                err = Vop.Lookup(cur, name, out next, LookupFlags.None, null, Cred.Kcred);
            cur.Rele();
            if (err != Errno.OK)
                return false;
            cur = next!;
        }
        bool same = Vop.Cmp(cur, dir);
        cur.Rele();
        return same;
    }

    /// <summary>Opens and closes directory <paramref name="dir"/> for reading: a client file system revalidates what it caches of it.</summary>
    private static Errno Revalidated(Vnode dir)
    {
        var vp = dir;
        var err = Vop.Open(ref vp, FileFlags.FREAD, Cred.Kcred);
        if (err == Errno.OK)
            Vop.Close(vp, FileFlags.FREAD, 1, 0, Cred.Kcred);
        return err;
    }

    /// <summary>
    /// True for a file with other names, which a repair on lookup leaves alone: it cannot know where the copy it would
    /// repair holds the file, and a copy made whole would be a second file there (Finding 21: the other master's lookup
    /// repaired a name this mirror had linked while the copy was offline here, and the copy's two versions of the name
    /// were then a split brain). The mirror that made the link brings it to the copy: its resync, or the comparison at
    /// its online, which links it there (MirrorHistory.Twins).
    /// </summary>
    private static bool SeveralLinks(Vnode vp)
    {
        var va = new Vattr(AttrMask.AT_NLINK);
        return vp.Type != VType.VDIR && Vop.Getattr(vp, va, AttrFlags.None, Cred.Kcred) == Errno.OK && va.Nlink > 1;
    }

    private static void Release(Vnode?[] vps)
    {
        foreach (var v in vps)
            v?.Rele();
        Array.Clear(vps);
    }

    private static Errno MfsCreate(Vnode dvp, string name, Vattr vap, VcExcl excl, AccessMode mode, out Vnode? vp, Cred cr, FileFlags flag, CallerContext? ct)
    {
        var m = MirrorSubr.Mn(dvp);
        var err = MakeInEveryCopy(m, "create", name, (Vnode ld, out Vnode? lv) => Vop.Create(ld, name, vap.Clone(), excl, mode, out lv, cr, flag, ct), Errno.OK, out vp);
        if (err == Errno.OK && (vap.Mask & AttrMask.AT_SIZE) != 0)
            foreach (var c in m.Mfs.Copies)
                if (!c.TakesUpdates)
                    m.Mfs.LogMissed(c, MirrorSubr.Mn(vp!), DirtyKind.Attr); // an existing file truncated: the copy away must be told
        // Each copy stamped a new (or truncated) file with its own clock, a link's latency apart: one time for all, as
        // after a write, even when the file is opened read-only and never written.
        if (err == Errno.OK)
            SyncTimes(MirrorSubr.Mn(vp!));
        if (err == Errno.OK && (vap.Mask & AttrMask.AT_SIZE) != 0 && m.Mfs.Checksum is { } sums && vp!.Type == VType.VREG)
        {
            sums.Truncated(MirrorSubr.Mn(vp), vap.Size);   // an existing file truncated (an NFS CREATE)
            sums.Flush(MirrorSubr.Mn(vp));
        }
        return err;
    }

    private static Errno MfsMkdir(Vnode dvp, string dirname, Vattr vap, out Vnode? vp, Cred cr, CallerContext? ct) =>
        MakeInEveryCopy(MirrorSubr.Mn(dvp), "mkdir", dirname, (Vnode ld, out Vnode? lv) => Vop.Mkdir(ld, dirname, vap.Clone(), out lv, cr, ct),
            Errno.EEXIST, out vp);

    /// <summary>An op that makes one name in one copy's directory and returns its vnode (held).</summary>
    private delegate Errno MakeInCopy(Vnode ld, out Vnode? lv);

    /// <summary>
    /// create and mkdir: makes <paramref name="name"/> in every copy of directory <paramref name="m"/> (under its DirLock,
    /// by the error policy) and returns the new file's mirror vnode, held.
    /// </summary>
    private static Errno MakeInEveryCopy(Mnode m, string what, string name, MakeInCopy make, Errno consistent, out Vnode? vp)
    {
        vp = null;
        var mi = m.Mfs;
        if (MirrorSubr.IsMetadata(m, name))
            return Errno.EPERM;
        var lowers = new Vnode?[mi.Copies.Count];
        using var _ = mi.EnterOp();
        MirrorSubr.Place(m);
        m.DirLock.Enter(RwLockType.Writer);
        try
        {
            var err = MirrorSubr.Apply(MirrorOp.OnName(what, m, name, consistent), MirrorSubr.NoData((c, ld) =>
            {
                lowers[c.Index]?.Rele();
                var e = make(ld, out var lv);
                lowers[c.Index] = lv;
                return e;
            }));
            if (err != Errno.OK)
            {
                Release(lowers);
                return err;
            }
            vp = mi.Mnodes.MakeMnode(mi, lowers, m, name);
            return Errno.OK;
        }
        finally
        {
            m.DirLock.Exit(RwLockType.Writer);
        }
    }

    private static Errno MfsSymlink(Vnode dvp, string linkname, Vattr vap, string target, Cred cr, CallerContext? ct)
    {
        var m = MirrorSubr.Mn(dvp);
        if (MirrorSubr.IsMetadata(m, linkname))
            return Errno.EPERM;
        using var _ = m.Mfs.EnterOp();
        // One time for every copy's stamps of the link (a symlink's times are not set again, as a file's are after a
        // create: SyncTimes): on two local disks, each copy's own reading of the clock could fall a second apart.
        using var pin = m.Mfs.Vfs.Kernel.PinTime();
        return WithDirLock(m, () => MirrorSubr.Apply(MirrorOp.OnName("symlink", m, linkname),
            MirrorSubr.NoData((c, ld) => Vop.Symlink(ld, linkname, vap.Clone(), target, cr, ct))));
    }

    // Vop.Link has checked the name, that both vnodes are on this vfs, and that it is writable (VopChecks.cs).
    private static Errno MfsLink(Vnode tdvp, Vnode svp, string tnm, Cred cr, CallerContext? ct)
    {
        var m = MirrorSubr.Mn(tdvp);
        var sm = MirrorSubr.Mn(svp);
        if (MirrorSubr.IsMetadata(m, tnm))
            return Errno.EPERM;
        using var _ = m.Mfs.EnterOp();
        MirrorSubr.Place(sm);
        var err = WithDirLock(m, () => MirrorSubr.Apply(MirrorOp.OnName("link", m, tnm), MirrorSubr.NoData((c, ld) =>
        {
            var e = MirrorSubr.Resolve(sm, c, out var ls);
            return e != Errno.OK ? e : Vop.Link(ld, ls!, tnm, cr, ct);
        })));
        // A copy that missed the link must later make it a link to the same file, not a copy: log the file too.
        if (err == Errno.OK && m.Mfs.Options.Mode == MirrorMode.Mirror)
            foreach (var c in m.Mfs.Copies.Where(c => !c.TakesUpdates))
                m.Mfs.LogMissed(c, sm, DirtyKind.Attr);
        if (err == Errno.OK)
        {
            var release = new List<Vnode>();
            using (sm.Lock.Enter())
                sm.RememberAlias(m, tnm, release); // a name to go by if its own is removed (MarkIfGone)
            foreach (var v in release)
                v.Rele();
        }
        return err;
    }

    private static Errno MfsRemove(Vnode dvp, string nm, Cred cr, CallerContext? ct)
    {
        var m = MirrorSubr.Mn(dvp);
        if (MirrorSubr.IsMetadata(m, nm))
            return Errno.ENOENT;
        using var _ = m.Mfs.EnterOp();
        // A copy away may know the file by this name alone, and its other names live on: it remembers the file as
        // before a rename (Fixed 90). Before the directory lock, as rename does: finding the path may look names up.
        if (m.Mfs.Options.Mode == MirrorMode.Mirror && m.Mfs.UpdateCopies().Length < m.Mfs.CopyCount && Named(m, nm) is { } leaving)
            MirrorFid.RememberBeforeMove(leaving);
        return WithDirLock(m, () =>
        {
            var victim = Named(m, nm);
            var err = MirrorSubr.Apply(MirrorOp.OnName("remove", m, nm, Errno.ENOENT),
                MirrorSubr.NoData((c, ld) => Vop.Remove(ld, nm, cr, ct)));
            MarkIfGone(victim, err, m, nm);
            return err;
        });
    }

    /// <summary>
    /// After a remove, rmdir or rename over it of name <paramref name="nm"/> in <paramref name="dir"/> succeeded: if the
    /// victim file has no links left (in its primary copy), its mnode may never be found again by name -- that name may
    /// belong to another file now. If it has, and that was the name it went by, it takes another of its names that still
    /// leads to it (Mnode.NameRemoved): a copy where the mnode has no file yet must find it by a name it still has.
    /// </summary>
    private static void MarkIfGone(Mnode? victim, Errno err, Mnode dir, string nm)
    {
        if (err != Errno.OK || victim is null)
            return;
        var va = new Vattr(AttrMask.AT_NLINK);
        var primary = victim.Mfs.PrimaryCopy();
        if (MirrorSubr.Resolve(victim, primary, out var lv) != Errno.OK
            || Vop.Getattr(lv!, va, AttrFlags.None, Cred.Kcred) != Errno.OK || va.Nlink == 0)
        {
            victim.State |= MnodeState.Removed;
            return;
        }
        // Another name to go by is looked for only when the removed one is the name the file goes by (else it is only
        // forgotten as an alias); NameRemoved checks that again under the lock, since a rename may change it meanwhile.
        List<(Mnode Parent, string Name)> aliases;
        using (victim.Lock.Enter())
            aliases = ReferenceEquals(victim.Parent, dir) && victim.Name == nm ? [.. victim.Aliases] : [];
        (Mnode Parent, string Name)? next = null;
        foreach (var a in aliases)
            if (!(ReferenceEquals(a.Parent, dir) && a.Name == nm) && Leads(a.Parent, a.Name, primary, lv!))
            {
                next = a;
                break;
            }
        var release = new List<Vnode>();
        using (victim.Lock.Enter())
            victim.NameRemoved(dir, nm, next, release);
        foreach (var v in release)
            v.Rele();
    }

    /// <summary>True when name <paramref name="nm"/> of directory <paramref name="dir"/> in copy <paramref name="c"/> is the file <paramref name="lv"/>.</summary>
    private static bool Leads(Mnode dir, string nm, MirrorMember c, Vnode lv)
    {
        if (MirrorSubr.Resolve(dir, c, out var ld) != Errno.OK || Vop.Lookup(ld!, nm, out var named, LookupFlags.None, null, Cred.Kcred) != Errno.OK)
            return false;
        bool same = Vop.Cmp(named!, lv);
        named!.Rele();
        return same;
    }

    /// <summary>The live mnode of the file <paramref name="nm"/> of directory m names now (in its primary copy), or null. Caller holds m.DirLock.</summary>
    private static Mnode? Named(Mnode m, string nm)
    {
        var primary = m.Mfs.PrimaryCopy();
        if (MirrorSubr.Resolve(m, primary, out var ld) != Errno.OK || Vop.Lookup(ld!, nm, out var lv, LookupFlags.None, null, Cred.Kcred) != Errno.OK)
            return null;
        var found = m.Mfs.Mnodes.FindByLower(primary.Index, lv!);
        lv!.Rele();
        return found;
    }

    private static Errno MfsRmdir(Vnode dvp, string nm, Vnode? cdir, Cred cr, CallerContext? ct)
    {
        var m = MirrorSubr.Mn(dvp);
        if (MirrorSubr.IsMetadata(m, nm))
            return Errno.ENOENT;
        using var _ = m.Mfs.EnterOp();
        var cm = cdir is not null && ReferenceEquals(cdir.Vfs, dvp.Vfs) ? MirrorSubr.Mn(cdir) : null;
        MirrorSubr.Place(cm);
        return WithDirLock(m, () =>
        {
            var victim = Named(m, nm);
            var err = MirrorSubr.Apply(MirrorOp.OnName("rmdir", m, nm, Errno.ENOENT), MirrorSubr.NoData((c, ld) =>
            {
                Vnode? lcdir = null;
                if (cm is not null)
                    MirrorSubr.Resolve(cm, c, out lcdir);
                return Vop.Rmdir(ld, nm, lcdir, cr, ct);
            }));
            MarkIfGone(victim, err, m, nm);
            return err;
        });
    }

    /// <summary>
    /// The copies away (a bit per copy index) whose logs have not changed <paramref name="dir"/>'s name
    /// <paramref name="nm"/> since they left: each still has the file under it that the mirror is about to rename.
    /// </summary>
    private static ulong KeptAway(MfsVfs mi, Mnode dir, string nm)
    {
        ulong kept = 0;
        foreach (var c in mi.Copies)
            if (!c.TakesUpdates && c.Index < 64 && c.Log.NameUnchanged(dir, nm))
                kept |= 1UL << c.Index;
        return kept;
    }

    // Vop.Rename has checked the names, that both directories are on this vfs, and that it is writable (VopChecks.cs).
    private static Errno MfsRename(Vnode sdvp, string snm, Vnode tdvp, string tnm, Cred cr, CallerContext? ct)
    {
        var sm = MirrorSubr.Mn(sdvp);
        var tm = MirrorSubr.Mn(tdvp);
        var mi = sm.Mfs;
        if (MirrorSubr.IsMetadata(tm, tnm))
            return Errno.EPERM;
        var err = MfsLookup(sdvp, snm, out var moving, LookupFlags.None, null, cr, ct);
        if (err != Errno.OK)
            return err;
        try
        {
            using var _ = mi.EnterOp();
            if (mi.Options.Mode == MirrorMode.Mirror && !(ReferenceEquals(sm, tm) && snm == tnm))
                MirrorFid.RememberBeforeMove(MirrorSubr.Mn(moving!));
            MirrorSubr.Place(sm, tm);
            using (mi.RenameLock.Enter())
            {
                sm.DirLock.Enter(RwLockType.Writer);
                if (!ReferenceEquals(sm, tm))
                    tm.DirLock.Enter(RwLockType.Writer);
                try
                {
                    var victim = Named(tm, tnm);
                    ulong kept = KeptAway(mi, sm, snm);
                    err = MirrorSubr.Apply(MirrorOp.Rename(sm, snm, tm, tnm), MirrorSubr.NoData((c, lsd) =>
                    {
                        var e = MirrorSubr.Resolve(tm, c, out var ltd);
                        return e != Errno.OK ? e : Vop.Rename(lsd, snm, ltd!, tnm, cr, ct);
                    }));
                    if (err == Errno.OK)
                    {
                        var mm = MirrorSubr.Mn(moving!);
                        if (!ReferenceEquals(victim, mm))
                            MarkIfGone(victim, err, tm, tnm);
                        // A copy that missed the rename renames its own file at the resync: log where it is. Made
                        // again instead, the file would have another handle there (Fig. 10, seed 20264329).
                        if (mi.Options.Mode == MirrorMode.Mirror && !(ReferenceEquals(sm, tm) && snm == tnm))
                            foreach (var c in mi.Copies.Where(c => !c.TakesUpdates))
                                mi.LogMoved(c, mm, sm, snm, (kept & (1UL << c.Index)) != 0);
                        mi.Mnodes.Reparent(mm, tm, tnm);
                    }
                    return err;
                }
                finally
                {
                    if (!ReferenceEquals(sm, tm))
                        tm.DirLock.Exit(RwLockType.Writer);
                    sm.DirLock.Exit(RwLockType.Writer);
                }
            }
        }
        finally
        {
            moving!.Rele();
        }
    }

    private static Errno WithDirLock(Mnode m, Func<Errno> op)
    {
        MirrorSubr.Place(m);
        m.DirLock.Enter(RwLockType.Writer);
        try
        {
            return op();
        }
        finally
        {
            m.DirLock.Exit(RwLockType.Writer);
        }
    }

    private static Errno MfsReaddir(Vnode vp, Uio uio, Cred cr, out bool eof, CallerContext? ct)
    {
        var m = MirrorSubr.Mn(vp);
        return Readdir(m, uio, cr, out eof, ct, hide: ReferenceEquals(m, MirrorSubr.Mi(vp).Root) ? MirrorMeta.DirName : null);
    }

    /// <summary>
    /// readdir from the copy that answers. The first copy's entries, below the top, go straight to the caller; any other
    /// copy's, and the top's (without <paramref name="hide"/>, the metadata directory), go through a buffer, each
    /// numbered as the mirror numbers its files (MirrorSubr.FileId).
    /// </summary>
    private static Errno Readdir(Mnode m, Uio uio, Cred cr, out bool eof, CallerContext? ct, string? hide)
    {
        bool e0 = false, numbered = false;
        long moved = 0, start = uio.Offset, next = start;
        int n = 0, from = 0;
        byte[]? buf = null;
        var err = MirrorSubr.ReadOp(MirrorOp.Query("readdir", m), MirrorSubr.NoData((c, lv) =>
        {
            from = c.Index;
            numbered = from != 0 || hide is not null;
            if (!numbered)
            {
                var u = uio.Duplicate();
                var e = Vop.Readdir(lv, u, cr, out e0, ct);
                moved = uio.Resid - u.Resid;
                next = u.Offset;
                return e;
            }
            buf ??= new byte[uio.Resid];
            var b = new Uio(buf, start, UioRw.UIO_READ);
            var eb = Vop.Readdir(lv, b, cr, out e0, ct);
            n = (int)(buf.Length - b.Resid);
            next = b.Offset;
            return eb;
        }));
        eof = e0;
        if (!numbered)
        {
            uio.Skip(moved);
            uio.Offset = next;
            return err;
        }
        if (err != Errno.OK)
            return err;
        foreach (var d in Dirent64.Parse(buf.AsSpan(0, n)))
            if (d.Name != hide)
                Dirent64.TryAdd(uio, MirrorSubr.FileId(from, d.Ino), d.Off, d.Type, d.Name);
        uio.Offset = next;
        return Errno.OK;
    }

    private static Errno MfsReadlink(Vnode vp, Uio uio, Cred cr, CallerContext? ct)
    {
        long moved = 0;
        var err = MirrorSubr.ReadOp(MirrorOp.Query("readlink", MirrorSubr.Mn(vp)), MirrorSubr.NoData((c, lv) =>
        {
            var u = uio.Duplicate();
            var e = Vop.Readlink(lv, u, cr, ct);
            moved = uio.Resid - u.Resid;
            return e;
        }));
        uio.Skip(moved);
        return err;
    }
}
