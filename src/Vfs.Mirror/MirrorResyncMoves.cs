// Vfs.Mirror: the resync's moves -- a file or directory renamed while the copy was away is renamed in the copy too
// (beyond the patent, which copies names; see docs/mirror.md, "File handles while a copy is away").
//
// Before a batch's names are replayed, each logged rename is made in the recovering copy (Move): the copy's file under
// the name the file had when the copy left goes to the name it has now, so that it keeps its inode, and a handle naming
// it in that copy alone still finds it. Directories on the way that were made meanwhile are made first (MakeParents);
// a directory that cannot go to its new place yet (its new parent must be made where it still is, or lies under it) waits
// in the copy's .mfs (Park, Unpark). What Move cannot do, the names' replay does by copying, as before.
//
// LOCKS. Each move runs under the mirror's rename lock, which orders it against the renames of applications; the copy's
// own file system takes its directory locks inside each Vop.Rename.
namespace UnixVfs.Mirror;

internal static partial class MirrorResync
{
    /// <summary>
    /// The file of log entry <paramref name="e"/>, renamed while copy <paramref name="c"/> was away from the name and
    /// directory the entry gives (MovedFrom), is renamed in the copy too, to where the source has it now -- where the copy still has a
    /// file of its type under the old name and nothing under the new, or, <paramref name="over"/>, another file of its type
    /// there (the mirror's rename replaced it; asked after the renames to free places, which may move it away first) when
    /// the copy's file under the old name is this file (MovedFromKept; Finding 47: a name removed and linked again to
    /// another file while the copy was away, then renamed, led there to the first file, which went over the other's): the
    /// rename replaces it in the copy too, a directory only when empty (Figs. 9 and 10, seed 20262278: a directory renamed
    /// over an empty one was kept as that one and its files copied into it whole, and a client's handle naming one of
    /// them in the copy alone went stale). Returns EEXIST when something is under the new name and <paramref name="over"/>
    /// is false. The replay of the two directories' names then finds
    /// it in both under a changed name: a directory is compared whole, keeping what is the same (removed and copied whole,
    /// a file in it with a link outside it would come back as a second file); a regular file is rewritten in place, and
    /// keeps its inode, so a handle naming it in the copy still does (Fig. 10). Where it cannot be renamed (the new parent
    /// is new too, or under it), the replay removes and copies as before. Both directories are found in the copy by the
    /// mnodes' vnodes there or by names the copy still shares with the source (<paramref name="changedIn"/>: the names
    /// logged as changed, by directory). A directory whose new parent is under it in the copy (two directories that
    /// swapped places: /a/b renamed /b, /a renamed /b/b, /b renamed /a) is parked in the copy's .mfs and added to
    /// <paramref name="parked"/>, for UnparkAfterMoves to move once the other moves are made (Finding 39: neither rename could be
    /// made, the replay found the two trees alike by their names and kept each directory at the other's place, and the
    /// mirror's mnodes paired each directory of the source with the other one in the copy; a later lookup took the
    /// difference for damage and made a directory in the source). An entry whose file it renamed to a free name is added
    /// to <paramref name="renamed"/>, for PrimeLinks.
    /// </summary>
    private static Errno Move(MfsVfs mi, MirrorMember c, DirtyEntry e, Dictionary<Mnode, IReadOnlyCollection<string>?> changedIn,
        CopyStats stats, bool over, List<(DirtyEntry E, string Aside)> parked, HashSet<DirtyEntry> renamed)
    {
        var m = e.Mnode;
        var (from, name) = e.MovedFrom!.Value;
        var src = Source(mi, c);
        if (src is null || m.Parent is not { } parent || !StillNamed(m, src) || !SamePath(c, from, changedIn))
            return Errno.ENOENT; // removed, moved again behind the log, or not to be found by name: the names' replay sees to it
        using (mi.RenameLock.Enter())
        {
            if (MirrorSubr.Resolve(from, c, out var fdir) != Errno.OK || Vop.Lookup(fdir!, name, out var vp, LookupFlags.None, null, Cred.Kcred) != Errno.OK)
                return Errno.ENOENT;
            // Both directories are held here, not borrowed from their mnodes: Empty below may make an mnode let go of
            // its file in the copy (ForgetNamed), which would drop the last hold of a directory still to be used (Fixed 83).
            fdir!.Hold();
            Vnode? tdir = null;
            try
            {
                if (vp!.Type != m.Vnode.Type)
                    return Errno.ENOENT;
                if (!e.MovedFromKept && !ReferenceEquals(mi.Mnodes.FindByLower(c.Index, vp), m) && Lives(mi, c, vp))
                    return Errno.ENOENT; // the log changed the old name before this rename, and the copy's file under it
                                         // is another the mirror still has, whose own move may come later (Finding 54:
                                         // a directory made under the name another was moved from, then moved itself,
                                         // took the other's directory in the copy, and an open handle of the other
                                         // read the wrong directory there after the resync)
                Bind(mi, c, e, vp);
                if (MakeParents(mi, src, c, parent, changedIn, stats) != Errno.OK || MirrorSubr.Resolve(parent, c, out tdir) != Errno.OK)
                {
                    tdir = null;
                    return vp.Type == VType.VDIR ? MoveAside(mi, src, c, fdir, name, m, changedIn, stats) : Errno.ENOENT;
                }
                tdir!.Hold();
                var err = Vop.Lookup(tdir, m.Name, out var there, LookupFlags.None, null, Cred.Kcred);
                if (err == Errno.ENOENT)
                {
                    err = Vop.Rename(fdir, name, tdir, m.Name, Cred.Kcred);
                    if (err == Errno.OK)
                        renamed.Add(e);
                    if (err != Errno.EINVAL || vp.Type != VType.VDIR)
                        return err;
                    string aside = Moving + parked.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    if (!Park(c, fdir, name, aside))
                        return err;
                    parked.Add((e, aside));
                    return Errno.OK;
                }
                if (err != Errno.OK)
                    return err;
                try
                {
                    if (!over)
                        return Errno.EEXIST;
                    // A directory moved to where the copy still has a file the mirror no longer has (renamed away and
                    // removed while the copy was away): the file goes first, as the names' replay would remove it, and
                    // the directory takes its place (Finding 55: kept at its old name, which a directory made since
                    // took, the directory's mnode went on naming it there, and a link made in it after the resync went
                    // to that other directory in the copy).
                    bool fileInTheWay = e.MovedFromKept && vp.Type == VType.VDIR && there!.Type != VType.VDIR
                        && !Vop.Cmp(there, vp) && !Lives(mi, c, there);
                    if (!fileInTheWay && (!e.MovedFromKept || Vop.Cmp(there!, vp)
                        || (there!.Type == VType.VDIR) != (vp.Type == VType.VDIR) || Lives(mi, c, there) && !NamedElsewhere(there)))
                        return Errno.OK; // the file under the old name may be another (the log changed that name before:
                                         // the one there may be this file's own twin, Finding 47), the same file already
                                         // (a link of it), a rename the file system refuses (a file over a directory, or
                                         // a directory over a file the mirror still has; a file over a symbolic link is
                                         // a rename like any other, Finding 49), or a file the mirror still has that this
                                         // name alone keeps in the copy, which the names' replay links or moves
                    if (fileInTheWay && (err = Vop.Remove(tdir, m.Name, Cred.Kcred)) != Errno.OK)
                        return err;
                    err = Vop.Rename(fdir, name, tdir, m.Name, Cred.Kcred);
                    if (err == Errno.ENOTEMPTY)
                    {
                        // The mirror emptied the directory before the rename replaced it: what the copy still holds in it
                        // was removed or moved away while the copy was away (this batch's moves are replayed first, those
                        // over others last). Unless an mnode still knows one of those files there (a move still to come),
                        // they go, and the rename is made again, so that the directory moved keeps its files there, and
                        // their links elsewhere (Finding 18: kept as the new one and compared whole, the copy's old
                        // directory got a linked file as a second file, and the link outside it kept the old bytes).
                        if ((err = Empty(mi, c, there!, stats)) == Errno.OK)
                            err = Vop.Rename(fdir, name, tdir, m.Name, Cred.Kcred);
                    }
                    if (err == Errno.OK)
                        ForgetNamed(mi, c, there!);
                    return err; // an error leaves the names' replay to compare the two directories
                }
                finally
                {
                    there!.Rele();
                }
            }
            finally
            {
                vp!.Rele();
                tdir?.Rele();
                fdir.Rele();
            }
        }
    }

    /// <summary>What Move parks in a copy's .mfs is named this and more (a full resync removes it if a crash leaves it there).</summary>
    private const string Moving = MirrorMerge.ParkedPrefix + "moving-";

    /// <summary>
    /// Move's directory <paramref name="name"/> of <paramref name="fdir"/> in copy <paramref name="c"/>, whose new parents
    /// could not be made: one of them may have to be made where the copy still has the directory itself (renamed away
    /// from /b, /b made again, and moved into it as /b/a while the copy was away). It is parked in the copy's .mfs, the
    /// parents are made, and it is moved from there to its new name (Finding 32: the replay kept the old /b as the new one
    /// and made /b/a afresh, and a handle naming the old directory in the copy alone followed it to the new /b).
    /// </summary>
    private static Errno MoveAside(MfsVfs mi, MirrorMember src, MirrorMember c, Vnode fdir, string name, Mnode m,
        Dictionary<Mnode, IReadOnlyCollection<string>?> changedIn, CopyStats stats)
    {
        const string aside = Moving + "parents";
        return Park(c, fdir, name, aside) ? Unpark(mi, src, c, fdir, name, aside, m, changedIn, stats) : Errno.ENOENT;
    }

    /// <summary>Moves <paramref name="name"/> of <paramref name="fdir"/> in copy <paramref name="c"/> into its .mfs as <paramref name="aside"/>; true when it did.</summary>
    private static bool Park(MirrorMember c, Vnode fdir, string name, string aside)
    {
        if (Vop.Lookup(c.Root, MirrorMeta.DirName, out var meta, LookupFlags.None, null, Cred.Kcred) != Errno.OK)
            return false;
        var err = Vop.Rename(fdir, name, meta!, aside, Cred.Kcred);
        meta!.Rele();
        return err == Errno.OK;
    }

    /// <summary>
    /// Unpark, once the other moves of the batch are made, for the directory of log entry <paramref name="e"/> that Move
    /// parked: its old directory is found again, if the copy still has it.
    /// </summary>
    private static void UnparkAfterMoves(MfsVfs mi, MirrorMember c, DirtyEntry e, string aside, Dictionary<Mnode, IReadOnlyCollection<string>?> changedIn,
        CopyStats stats)
    {
        var (from, name) = e.MovedFrom!.Value;
        using (mi.RenameLock.Enter())
        {
            Vnode? fdir = null;
            if (MirrorSubr.Resolve(from, c, out var f) == Errno.OK)
                (fdir = f!).Hold();
            try
            {
                Unpark(mi, Source(mi, c), c, fdir, name, aside, e.Mnode, changedIn, stats);
            }
            finally
            {
                fdir?.Rele();
            }
        }
    }

    /// <summary>
    /// Moves the directory parked in copy <paramref name="c"/>'s .mfs as <paramref name="aside"/> to mnode
    /// <paramref name="m"/>'s name, its parents made first. Where that cannot be, it goes back to <paramref name="name"/>
    /// in <paramref name="fdir"/>; where that is taken too, or gone, it is removed, and the names' replay copies what the
    /// source has. Returns OK when it is in its new place, else ENOENT.
    /// </summary>
    private static Errno Unpark(MfsVfs mi, MirrorMember? src, MirrorMember c, Vnode? fdir, string name, string aside, Mnode m,
        Dictionary<Mnode, IReadOnlyCollection<string>?> changedIn, CopyStats stats)
    {
        if (Vop.Lookup(c.Root, MirrorMeta.DirName, out var meta, LookupFlags.None, null, Cred.Kcred) != Errno.OK)
            return Errno.ENOENT;
        try
        {
            if (src is not null && MakeParents(mi, src, c, m.Parent!, changedIn, stats) == Errno.OK
                && MirrorSubr.Resolve(m.Parent!, c, out var tdir) == Errno.OK && Vop.Rename(meta!, aside, tdir!, m.Name, Cred.Kcred) == Errno.OK)
                return Errno.OK;
            if (fdir is not null)
            {
                if (Vop.Lookup(fdir, name, out var taken, LookupFlags.None, null, Cred.Kcred) == Errno.OK)
                    taken!.Rele();
                else if (Vop.Rename(meta!, aside, fdir, name, Cred.Kcred) == Errno.OK)
                    return Errno.ENOENT;
            }
            MirrorDataCopy.RemoveEntry(meta!, aside, stats);
            return Errno.ENOENT;
        }
        finally
        {
            meta!.Rele();
        }
    }

    /// <summary>
    /// <paramref name="vp"/>, copy <paramref name="c"/>'s file under the name log entry <paramref name="e"/> says its file
    /// had before it was renamed, is that file there when the log had not changed the name before (DirtyEntry.MovedFromKept),
    /// whether Move can rename it or not: an mnode that does not know its file in the copy (looked up while the copy was
    /// away) is given it, so that a name the file got meanwhile becomes a link to it (KnownTwin); otherwise that name would
    /// be copied whole, a second file (docs/verification.md, Fixed 65; Fixed 67: renamed over a directory removed
    /// meanwhile, which the copy still had, the rename was refused and the file copied whole). A name removed and made
    /// again while the copy was away leads there to the old file, which stays no one's, for the names' replay to take for
    /// another file.
    /// </summary>
    private static void Bind(MfsVfs mi, MirrorMember c, DirtyEntry e, Vnode vp)
    {
        var m = e.Mnode;
        if (e.MovedFromKept && Volatile.Read(ref m.Copies[c.Index]) is null && mi.Mnodes.FindByLower(c.Index, vp) is null)
        {
            vp.Hold();
            mi.Mnodes.SetCopy(m, c.Index, vp);
        }
    }

    /// <summary>
    /// Removes every entry of directory <paramref name="dir"/> in copy <paramref name="c"/>, whole trees too -- or none, and
    /// returns ENOTEMPTY, when one is a file the mirror still has (Lives).
    /// </summary>
    private static Errno Empty(MfsVfs mi, MirrorMember c, Vnode dir, CopyStats stats)
    {
        var err = MirrorDataCopy.ReadDir(dir, out var entries);
        foreach (var d in entries)
        {
            if (err != Errno.OK || Vop.Lookup(dir, d.Name, out var child, LookupFlags.None, null, Cred.Kcred) != Errno.OK)
                continue;
            if (Lives(mi, c, child!))
                err = Errno.ENOTEMPTY;
            child!.Rele();
        }
        if (err != Errno.OK)
            return err;
        ForgetNamed(mi, c, dir);
        foreach (var d in entries)
            if (err == Errno.OK)
                err = MirrorDataCopy.RemoveEntry(dir, d.Name, stats);
        return err;
    }

    /// <summary>
    /// True when copy <paramref name="c"/>'s file <paramref name="tv"/> is known to be a file the mirror still has: an mnode
    /// knows it and it was not removed, or the copy remembered it when an mnode let go of it while the copy was away and the
    /// source still has it (MirrorFid.AwayLives).
    /// </summary>
    private static bool Lives(MfsVfs mi, MirrorMember c, Vnode tv) =>
        mi.Mnodes.FindByLower(c.Index, tv) is { } m ? (m.State & MnodeState.Removed) == 0 : MirrorFid.AwayLives(c, tv);

    /// <summary>
    /// True when the copy's <paramref name="tv"/> is a file (not a directory) with a name besides the one a rename over it
    /// replaces: the rename leaves it in the copy, under that other name (Finding 49: a symbolic link with a second link,
    /// renamed over, kept the file renamed from its place, and a directory moved to that place in turn).
    /// </summary>
    private static bool NamedElsewhere(Vnode tv)
    {
        var va = new Vattr(AttrMask.AT_ALL);
        return tv.Type != VType.VDIR && Vop.Getattr(tv, va, AttrFlags.None, Cred.Kcred) == Errno.OK && va.Nlink > 1;
    }

    /// <summary>
    /// Makes directory <paramref name="d"/> in copy <paramref name="c"/>, with those above it that the copy lacks, for Move:
    /// each a new name the copy does not have yet (made while it was away), made as the source's, recorded as made late
    /// and known to its mnode; the replay of its parent's names then finds it there and compares it whole (Figs. 9 and 10,
    /// seed 20262208: a directory renamed into a directory made while the copy was away was kept under its old name as
    /// the directory made there since, and both took one handle). Returns OK when d is found in the copy by an unchanged
    /// path (SamePath) or made; ENOENT when the copy has another directory, or a file the mirror still has (Lives), under
    /// a new name on the way. A file the mirror no longer has there goes first, as the names' replay would remove it:
    /// kept, it stopped the move, and the replay made the directory afresh and copied a file linked elsewhere in it
    /// whole, a second file (Finding 35: a symlink /a/b unlinked and made again a directory, /b/a moved into it).
    /// </summary>
    private static Errno MakeParents(MfsVfs mi, MirrorMember src, MirrorMember c, Mnode d, Dictionary<Mnode, IReadOnlyCollection<string>?> changedIn,
        CopyStats stats)
    {
        if (SamePath(c, d, changedIn))
            return Errno.OK;
        if (d.Parent is not { } p || (d.State & MnodeState.Removed) != 0 || MakeParents(mi, src, c, p, changedIn, stats) != Errno.OK
            || MirrorSubr.Resolve(p, c, out var pdir) != Errno.OK || MirrorSubr.Resolve(d, src, out var sdir) != Errno.OK)
            return Errno.ENOENT;
        var va = new Vattr(AttrMask.AT_MODE);
        if (Vop.Getattr(sdir!, va, AttrFlags.None, Cred.Kcred) != Errno.OK)
            return Errno.ENOENT;
        var dva = new Vattr(AttrMask.AT_TYPE | AttrMask.AT_MODE) { Type = VType.VDIR, Mode = va.Mode };
        var err = Vop.Mkdir(pdir!, d.Name, dva, out var made, Cred.Kcred);
        if (err == Errno.EEXIST && Changed(changedIn, p, d.Name) && RemoveGone(mi, c, pdir!, d.Name, stats))
            err = Vop.Mkdir(pdir!, d.Name, dva, out made, Cred.Kcred);
        if (err != Errno.OK)
            return Errno.ENOENT; // something there already, which the replay compares
        MirrorFid.MadeLate(c, made!, src, sdir!);
        mi.Mnodes.SetCopy(d, c.Index, made);
        return Errno.OK;
    }

    /// <summary>
    /// Removes <paramref name="name"/> from copy <paramref name="c"/>'s directory <paramref name="dir"/> when it names a
    /// file, not a directory, that the mirror no longer has (Lives); true when it did.
    /// </summary>
    private static bool RemoveGone(MfsVfs mi, MirrorMember c, Vnode dir, string name, CopyStats stats)
    {
        if (Vop.Lookup(dir, name, out var tv, LookupFlags.None, null, Cred.Kcred) != Errno.OK)
            return false;
        try
        {
            if (tv!.Type == VType.VDIR || Lives(mi, c, tv))
                return false;
            ForgetNamed(mi, c, tv);
            return MirrorDataCopy.RemoveEntry(dir, name, stats) == Errno.OK;
        }
        finally
        {
            tv!.Rele();
        }
    }
}
