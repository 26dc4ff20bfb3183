// Vfs.Mirror: bringing a copy that was away back in sync (patent B.7, "The recover or re-sync operation").
//
// When a copy comes back (ioctl MFS_IOC_ONLINE), it first takes updates again but serves no reads
// (CopyState.Resyncing). Then, online, while applications keep reading and writing:
//   - if its dirty log overflowed, a full one-way merge from an available copy makes it identical
//     (MirrorMerge.OneWay) -- "the MFS re-syncs the entire X copy with the contents of Y copy";
//   - otherwise the log is replayed: directories whose names changed are compared name by name (what
//     the copy lacks is copied, what it should no longer have is removed); files whose data changed get
//     just the logged byte ranges; files whose attributes changed get the attributes. A file copied whole
//     because its name was new is not copied again for its data ranges.
// Updates that fail on the recovering copy only because it does not have the file yet are logged again
// (MirrorSubr.Combine), so the replay loops until the log is empty. The last round runs with the mirror
// quiesced, and the copy becomes Available in the same instant, so no update can fall in between.
//
// The report counts bytes copied against bytes that applications changed while the copy was away: the
// resync amplification. A copy that missed one 4 KiB write gets 4 KiB back, not the file. After a crash, when the
// log was rebuilt from the intent log's whole extents, each range is compared before it is copied
// (MirrorDataCopy.CopyDiffering), so what is written is still only what differs.

namespace UnixVfs.Mirror;

/// <summary>What a resync did.</summary>
public sealed record ResyncReport(string Copy, bool Full, long Entries, CopyStats Stats, long BytesChanged, long LowerOps, TimeSpan Elapsed)
{
    /// <summary>Bytes copied per byte changed (1.0 is perfect; a full resync of a big tree for a small change is large).</summary>
    public double Amplification => BytesChanged == 0 ? (Stats.BytesCopied == 0 ? 1.0 : double.PositiveInfinity) : (double)Stats.BytesCopied / BytesChanged;

    public override string ToString() =>
        $"copy {Copy}: {(Full ? "full resync" : $"{Entries} logged vnodes")}, {Stats.BytesCopied} bytes copied for {BytesChanged} changed " +
        $"(amplification {Amplification:F2}{(Stats.BytesCompared > 0 ? $", {Stats.BytesCompared} compared first" : "")}), {Stats.Files} files, {Stats.Directories} dirs, {Stats.Removed} removed, {Stats.Recreated} made again, {LowerOps} lower vnode ops, {Elapsed.TotalMilliseconds:F0} ms";
}

internal static partial class MirrorResync
{
    private const int Batch = 256;

    /// <summary>Runs the resync of <paramref name="c"/> to completion (the copy must be Resyncing). Returns OK or the first error.</summary>
    public static Errno Run(MfsVfs mi, MirrorMember c, bool forceFull, out ResyncReport? report, Action<ResyncProgress>? progress = null)
    {
        report = null;
        long t0 = mi.Vfs.Kernel.Clock.GetTimestamp();
        long ops0 = c.Vfs.Stats.TotalCalls;
        var stats = new CopyStats();
        long entries = 0;
        bool full = forceFull || c.Log.Overflowed;
        long changed = c.Log.BytesChanged;
        var meter = new ResyncMeter(mi, c, full ? 0 : changed, progress);
        stats.Writing = Writing(c);
        foreach (var k in mi.UpdateCopies())
            k.Unflushed.SendHeld(k); // what the resync reads is what the copies in use hold
        var err = Errno.OK;
        if (full)
        {
            err = FullResync(mi, c, stats, meter);
            if (err == Errno.OK)
            {
                changed = c.Log.BytesChanged;
                c.Log.Clear();
            }
        }
        var copiedWhole = new HashSet<Mnode>(ReferenceEqualityComparer.Instance);
        using var links = new HardLinks();
        while (err == Errno.OK && c.State == CopyState.Resyncing)
        {
            var batch = c.Log.Take(Batch);
            if (batch.Count == 0)
            {
                // The log looks empty: what the resync wrote goes to the copy's disk, then stop the world for an
                // instant, replay whatever slipped in, sync that too, and rejoin.
                if ((err = SyncCopy(c)) != Errno.OK)
                    break;
                mi.Quiesce.Enter(RwLockType.Writer);
                try
                {
                    while (err == Errno.OK && (batch = c.Log.Take(Batch)).Count > 0)
                    {
                        entries += batch.Count;
                        err = Replay(mi, c, batch, stats, copiedWhole, links);
                        meter.Update(stats.BytesCopied);
                    }
                    if (err == Errno.OK && c.State == CopyState.Resyncing)
                        err = KeepRemoved(mi, c, stats);
                    if (err == Errno.OK && c.State == CopyState.Resyncing)
                        err = SyncCopy(c);
                    if (err == Errno.OK && c.State == CopyState.Resyncing)
                    {
                        changed = Math.Max(changed, c.Log.BytesChanged);
                        c.Log.Clear(); // caught up: the next absence starts a fresh log
                        mi.MarkAvailable(c);
                    }
                }
                finally
                {
                    mi.Quiesce.Exit(RwLockType.Writer);
                }
                break;
            }
            entries += batch.Count;
            err = Replay(mi, c, batch, stats, copiedWhole, links);
            meter.Update(stats.BytesCopied);
        }
        if (err == Errno.OK && c.State != CopyState.Available)
            err = Errno.EIO; // taken out of use while it was resynced (an update it was sent failed): what the resync had
                             // taken from its log and not replayed went with it, so it failed (Fixed 126)
        meter.Done();
        c.Unflushed.ResyncEnded(failed: err != Errno.OK);
        report = new ResyncReport(c.Name, full, entries, stats, changed, c.Vfs.Stats.TotalCalls - ops0, mi.Vfs.Kernel.Clock.GetElapsedTime(t0));
        mi.LastResync = report;
        if (err == Errno.OK)
            mi.Announce(c, "resynced: " + report);
        else
        {
            // Still behind: out of use again, its log intact (what was taken and not replayed makes the next resync a full one).
            mi.MarkUnavailable(c, $"resync failed: {err} ({err.Message()})");
            mi.LeftAgain(c); // out of use already, if an update it was sent failed on the way: the resync wrote to it since
            c.Log.MarkOverflowed();
            mi.IntentLog.Overflow(c);
        }
        return err;
    }

    /// <summary>
    /// Writes what the resync gave copy <paramref name="c"/> to its disk (VFS_SYNC), so that a copy is not taken back
    /// into use with its data in a cache only: a disk that fails every write still takes them into the buffer cache,
    /// and the copy would rejoin and then lose them (Finding 33: a full resync ran on a failing disk, a file it made
    /// again there sent a client's handle stale, and the client's cached write was lost).
    /// </summary>
    private static Errno SyncCopy(MirrorMember c) => VfsOp.Sync(c.Vfs, SyncFlags.SYNC_ALL, Cred.Kcred);

    /// <summary>
    /// The batch's moves in the log's order, but each after the moves of the directories its new name lies under: a
    /// directory moved into one that was itself moved then finds it moved, where MakeParents would otherwise make it
    /// anew for the child and keep the parent's move out (Finding 52). Otherwise the log's order stands: a move may
    /// free the name a later one takes (Finding 53: ordered by depth alone, a file renamed to where another had been
    /// went before the other's own move).
    /// </summary>
    private static IEnumerable<DirtyEntry> MovesInOrder(List<DirtyEntry> batch)
    {
        var moves = batch.Where(e => e.MovedFrom is not null).ToList();
        var moved = new HashSet<Mnode>(moves.Select(e => e.Mnode), ReferenceEqualityComparer.Instance);
        int Under(Mnode m)
        {
            int n = 0;
            for (var p = m.Parent; p is not null; p = p.Parent)
                if (moved.Contains(p))
                    n++;
            return n;
        }
        return moves.OrderBy(e => Under(e.Mnode));
    }

    /// <summary>Replays a batch of log entries: names first (shallowest directories first), then data and attributes.</summary>
    private static Errno Replay(MfsVfs mi, MirrorMember c, List<DirtyEntry> batch, CopyStats stats, HashSet<Mnode> copiedWhole, HardLinks links)
    {
        var err = Errno.OK;
        int keptAside = Volatile.Read(ref c.KeptAside);
        try
        {
            var changedIn = new Dictionary<Mnode, IReadOnlyCollection<string>?>(ReferenceEqualityComparer.Instance);
            foreach (var e in batch.Where(e => (e.Kind & DirtyKind.Names) != 0))
                changedIn[e.Mnode] = e.Names;
            foreach (var e in batch)
            {
                MirrorFid.BindTwin(mi, c, e.Mnode);
                if (e.MovedFrom is { } moved)
                    MirrorFid.BindTwin(mi, c, moved.Parent);
            }
            var over = new List<DirtyEntry>();
            var parked = new List<(DirtyEntry E, string Aside)>();
            var renamed = new HashSet<DirtyEntry>(ReferenceEqualityComparer.Instance);
            foreach (var e in MovesInOrder(batch))
                if (Move(mi, c, e, changedIn, stats, over: false, parked, renamed) == Errno.EEXIST)
                    over.Add(e);
            foreach (var e in over)
                Move(mi, c, e, changedIn, stats, over: true, parked, renamed);
            foreach (var (e, aside) in parked)
                UnparkAfterMoves(mi, c, e, aside, changedIn, stats);
            PrimeLinks(mi, c, batch, changedIn, links, renamed);
            // The names the source lacks are removed once every directory's other names are replayed: a name made in
            // one directory may be a link to a file the copy has only under a name removed in another (Finding 34).
            var gone = new List<(Mnode Dir, List<string> Names)>();
            foreach (var e in batch.Where(e => (e.Kind & DirtyKind.Names) != 0).OrderBy(e => Depth(e.Mnode)))
            {
                var later = new List<string>();
                if ((err = SyncNames(mi, c, e.Mnode, e.Names, stats, copiedWhole, links, later)) != Errno.OK)
                    return err;
                if (later.Count > 0)
                    gone.Add((e.Mnode, later));
            }
            foreach (var (dir, names) in gone)
                if ((err = SyncNames(mi, c, dir, names, stats, copiedWhole, links)) != Errno.OK)
                    return err;
            var lost = new List<Mnode>();
            foreach (var e in batch.Where(e => (e.Kind & (DirtyKind.Data | DirtyKind.Attr)) != 0))
                if (!copiedWhole.Contains(e.Mnode) && (err = SyncFile(mi, c, e, stats, lost)) != Errno.OK)
                    return err;
            // Files that live on under a name the log does not know: compare their whole directory.
            foreach (var dir in lost.Distinct())
                if ((err = SyncNames(mi, c, dir, null, stats, copiedWhole, links)) != Errno.OK)
                    return err;
            return Volatile.Read(ref c.KeptAside) == keptAside ? Errno.OK : RemoveKeptAside(c);
        }
        finally
        {
            foreach (var e in batch)
                e.Release();
        }
    }

    /// <summary>
    /// Before names are replayed: for every logged file with several links that the recovering copy already holds
    /// under an unchanged name, remember its vnode there, so a name linked to it while the copy was away becomes a
    /// link to that vnode again rather than a second file. So too for a file Move renamed to its mnode's name without
    /// giving it to the mnode (<paramref name="renamed"/>; its old name had changed before: it may be another file), when
    /// it is alike the source's file there, links and all (Fixed 96, Finding 38: a symlink moved so, whose other name a
    /// directory made meanwhile replaced in the copy, was copied whole into that directory, a second symlink). Its
    /// directory there is the one the mnode's parent knows, the one Move renamed it into: found by its name, which the
    /// log changed, it may be another directory, and binding it to the mnode would pair the two (a 3-way mirror's
    /// probe at 600 calls, seed 652072, on the first form of this fix).
    /// </summary>
    private static void PrimeLinks(MfsVfs mi, MirrorMember c, List<DirtyEntry> batch, Dictionary<Mnode, IReadOnlyCollection<string>?> changedIn,
        HardLinks links, HashSet<DirtyEntry> renamed)
    {
        var src = Source(mi, c);
        if (src is null)
            return;
        foreach (var e in batch)
        {
            var m = e.Mnode;
            if (m.Vnode.Type == VType.VDIR || m.Parent is null || (m.State & MnodeState.Removed) != 0)
                continue;
            if (MirrorSubr.Resolve(m, src, out var sv) != Errno.OK)
                continue;
            var va = new Vattr(AttrMask.AT_ALL);
            if (Vop.Getattr(sv!, va, AttrFlags.None, Cred.Kcred) != Errno.OK || va.Nlink < 2)
                continue;
            List<(Mnode Parent, string Name)> candidates;
            using (m.Lock.Enter())
                candidates = [(m.Parent, m.Name), .. m.Aliases];
            bool moved = renamed.Contains(e) && Volatile.Read(ref m.Copies[c.Index]) is null;
            foreach (var (parent, name) in candidates)
            {
                bool changed = Changed(changedIn, parent, name);
                if (changed && !(moved && ReferenceEquals(parent, m.Parent) && name == m.Name))
                    continue;
                Vnode? tdir = changed ? Volatile.Read(ref parent.Copies[c.Index]) : null;
                if (MirrorSubr.Resolve(parent, src, out var sdir) != Errno.OK || (changed ? tdir is null : MirrorSubr.Resolve(parent, c, out tdir) != Errno.OK))
                    continue;
                if (Vop.Lookup(sdir!, name, out var named, LookupFlags.None, null, Cred.Kcred) != Errno.OK)
                    continue;
                bool same = Vop.Cmp(named!, sv!);
                named!.Rele();
                if (!same || Vop.Lookup(tdir!, name, out var tv, LookupFlags.None, null, Cred.Kcred) != Errno.OK)
                    continue;
                var tva = new Vattr(AttrMask.AT_ALL);
                bool alike = !changed || Vop.Getattr(tv!, tva, AttrFlags.None, Cred.Kcred) == Errno.OK && !MirrorMerge.Differs(sv!, va, tv, tva);
                if (alike)
                    links.Add(va, tv!);
                tv!.Rele();
                if (alike)
                    break;
            }
        }
        PrimeMovedLinks(src, c, changedIn, links);
    }

    /// <summary>
    /// PrimeLinks for a file with several links that is under a name logged as changed and has no log entry of its own
    /// (renamed while the copy was away, its mnode let go since: an NFS client of an exported mirror holds no mnode
    /// between calls): another of its names in a logged directory, unchanged itself, names that file in the copy too --
    /// where the copy's directory is found by an unchanged path (SamePath): looked up by a changed name, a directory
    /// made while the copy was away would take whatever the copy still holds under that name, a file even.
    /// </summary>
    private static void PrimeMovedLinks(MirrorMember src, MirrorMember c, Dictionary<Mnode, IReadOnlyCollection<string>?> changedIn, HardLinks links)
    {
        var wanted = new Dictionary<ulong, (Vnode Sv, Vattr Va)>();
        try
        {
            foreach (var (dm, names) in changedIn)
            {
                if (names is null || MirrorSubr.Resolve(dm, src, out var sdir) != Errno.OK)
                    continue;
                foreach (var name in names)
                {
                    if (Vop.Lookup(sdir!, name, out var sv, LookupFlags.None, null, Cred.Kcred) != Errno.OK)
                        continue;
                    var va = new Vattr(AttrMask.AT_ALL);
                    if (Vop.Getattr(sv!, va, AttrFlags.None, Cred.Kcred) == Errno.OK && va.Type != VType.VDIR && va.Nlink > 1
                        && !wanted.ContainsKey(va.NodeId) && !links.TryGet(va, out _))
                        wanted[va.NodeId] = (sv!, va);
                    else
                        sv!.Rele();
                }
            }
            foreach (var (dm, names) in changedIn)
            {
                if (wanted.Count == 0 || names is null || !SamePath(c, dm, changedIn) || MirrorSubr.Resolve(dm, src, out var sdir) != Errno.OK
                    || MirrorSubr.Resolve(dm, c, out var tdir) != Errno.OK || MirrorDataCopy.ReadDir(sdir!, out var entries) != Errno.OK)
                    continue;
                foreach (var d in entries)
                {
                    if (names.Contains(d.Name) || !wanted.TryGetValue(d.Ino, out var w)
                        || Vop.Lookup(sdir!, d.Name, out var named, LookupFlags.None, null, Cred.Kcred) != Errno.OK)
                        continue;
                    bool same = Vop.Cmp(named!, w.Sv);
                    named!.Rele();
                    if (!same || Vop.Lookup(tdir!, d.Name, out var tv, LookupFlags.None, null, Cred.Kcred) != Errno.OK)
                        continue;
                    links.Add(w.Va, tv!);
                    tv!.Rele();
                    wanted.Remove(d.Ino);
                    w.Sv.Rele();
                }
            }
        }
        finally
        {
            foreach (var (sv, _) in wanted.Values)
                sv.Rele();
        }
    }

    /// <summary>True when name <paramref name="name"/> in <paramref name="dir"/> is logged as changed (all its names, where the log lost count).</summary>
    private static bool Changed(Dictionary<Mnode, IReadOnlyCollection<string>?> changedIn, Mnode dir, string name) =>
        changedIn.TryGetValue(dir, out var changed) && (changed is null || changed.Contains(name));

    /// <summary>
    /// True when directory <paramref name="d"/> is found in copy <paramref name="c"/> as it is in the mirror: its
    /// mnode, or the nearest one above it, knows its vnode there, and no name on the way down from it is logged as
    /// changed. Looked up by a changed name, it could be another directory (a rename cycle), and Resolve would keep that.
    /// </summary>
    private static bool SamePath(MirrorMember c, Mnode d, Dictionary<Mnode, IReadOnlyCollection<string>?> changedIn)
    {
        for (var x = d; Volatile.Read(ref x.Copies[c.Index]) is null; x = x.Parent)
            if (x.Parent is null || Changed(changedIn, x.Parent, x.Name))
                return false;
        return true;
    }

    private static int Depth(Mnode m)
    {
        int d = 0;
        for (var p = m.Parent; p is not null; p = p.Parent)
            d++;
        return d;
    }

    /// <summary>An available copy to copy from.</summary>
    private static MirrorMember? Source(MfsVfs mi, MirrorMember c) => mi.Copies.FirstOrDefault(x => x.State == CopyState.Available && !ReferenceEquals(x, c));

    /// <summary>
    /// Makes directory <paramref name="dm"/>'s entries in copy <paramref name="c"/> the same as in an available copy. A
    /// directory removed through the mirror has none to give: rmdir and a rename over it took it empty, and its parent's
    /// names remove it from the copy, entries and all. Its own names are not replayed: the copy's directory it still
    /// knows may be the one the replay kept for another under its old name, and would lose that one's entries. (Finding
    /// 18 met that before Move emptied such a directory: a lookup by that name had bound the other's mnode to it too, so
    /// the replay of the parent's names could not tell the removed one's mnode to let go of it.) With
    /// <paramref name="later"/>, the names the source lacks are put there, not removed (MirrorMerge.OneWayEntries).
    /// </summary>
    private static Errno SyncNames(MfsVfs mi, MirrorMember c, Mnode dm, IReadOnlyCollection<string>? names, CopyStats stats,
        HashSet<Mnode> copiedWhole, HardLinks links, List<string>? later = null)
    {
        if ((dm.State & MnodeState.Removed) != 0)
            return Errno.OK;
        var src = Source(mi, c);
        if (src is null)
            return Errno.EIO;
        var err = MirrorSubr.Resolve(dm, src, out var sdir);
        if (err == Errno.ENOENT)
            return Errno.OK; // the directory itself is gone; its parent's entry takes care of it
        if (err != Errno.OK)
            return err;
        if ((err = MirrorSubr.Resolve(dm, c, out var tdir)) != Errno.OK)
            return err == Errno.ENOENT ? Errno.OK : err; // its parent's names entry will copy it whole
        dm.DirLock.Enter(RwLockType.Writer);
        try
        {
            using var sourceLinks = new HardLinks();
            var merge = new MirrorMerge([src.Name, c.Name], null, replaced: (_, vp) => ForgetNamed(mi, c, vp), links: [sourceLinks, links],
                made: (_, vp, sv) => MirrorFid.MadeLate(c, vp, src, sv)) { KeepAside = (dir, name, vp) => KeepAside(mi, c, dir, name, vp) };
            merge.Report.Stats.Writing = Writing(c);
            err = merge.OneWayEntries([sdir!, tdir!], names, (svp, name) =>
            {
                if (mi.Mnodes.FindByLower(src.Index, svp) is { } child)
                {
                    copiedWhole.Add(child);
                    Adopt(mi, c, child, tdir!, name);
                }
            }, top: ReferenceEquals(dm, mi.Root), otherFile: (sv, tv) => OtherFile(mi, src, c, sv, tv), knownTwin: sv => KnownTwin(mi, src, c, sv), later: later,
                madeHere: tv => MirrorFid.MadeLateIn(c, tv));
            stats.Add(merge.Report.Stats);
            return err;
        }
        finally
        {
            dm.DirLock.Exit(RwLockType.Writer);
        }
    }

    /// <summary>
    /// The names' replay removes <paramref name="name"/>, file <paramref name="vp"/>, from <paramref name="dir"/> in copy <paramref name="c"/>:
    /// when it is the file's last name there and the file is one the mirror still has (Lives), it is renamed into the
    /// copy's .mfs instead, until the replay is over (RemoveKeptAside), for a name met later to be linked to it (KnownTwin).
    /// Removed, it was gone, the later name's file was copied whole, and the mnode's vnode of it in the copy went stale
    /// (Finding 48: an open file's directory removed while the copy was away, after one of its names had been renamed
    /// into another directory over a symbolic link).
    /// </summary>
    private static Errno KeepAside(MfsVfs mi, MirrorMember c, Vnode dir, string name, Vnode vp)
    {
        var va = new Vattr(AttrMask.AT_NLINK);
        bool keep = Lives(mi, c, vp) && Vop.Getattr(vp, va, AttrFlags.None, Cred.Kcred) == Errno.OK && va.Nlink == 1;
        if (!keep || Vop.Lookup(c.Root, MirrorMeta.DirName, out var mfs, LookupFlags.None, null, Cred.Kcred) != Errno.OK)
            return Vop.Remove(dir, name, Cred.Kcred);
        var err = Vop.Rename(dir, name, mfs!, KeptAside + Interlocked.Increment(ref c.KeptAside).ToString(System.Globalization.CultureInfo.InvariantCulture), Cred.Kcred);
        mfs!.Rele();
        return err;
    }

    /// <summary>What KeepAside renames a file to in the copy's .mfs, and more.</summary>
    private const string KeptAside = MirrorMerge.ParkedPrefix + "kept-";

    /// <summary>
    /// Removes what KeepAside kept in copy <paramref name="c"/>'s .mfs: the files the replay linked elsewhere keep those
    /// names. (Left by a crash, they go with the next full resync's parked files: their names begin the same.)
    /// </summary>
    private static Errno RemoveKeptAside(MirrorMember c)
    {
        if (Vop.Lookup(c.Root, MirrorMeta.DirName, out var mfs, LookupFlags.None, null, Cred.Kcred) != Errno.OK)
            return Errno.OK;
        var err = MirrorMerge.RemoveParked(mfs!, KeptAside);
        mfs!.Rele();
        return err;
    }

    /// <summary>
    /// The file copy <paramref name="c"/> has, held, for the source's file <paramref name="sv"/>: the one its mnode knows
    /// there, else the one the copy gave for it when an mnode of it let go of it while the copy was away
    /// (MirrorFid.AwayTwin), else the one the mirror made late from it (MirrorFid.LateTwinOf), or null. A name made for
    /// the file while the copy was away is then a link to it, wherever its other names are.
    /// </summary>
    private static Vnode? KnownTwin(MfsVfs mi, MirrorMember src, MirrorMember c, Vnode sv)
    {
        Vnode? tv = null;
        if (mi.Mnodes.HoldByLower(src.Index, sv) is { } vp)
        {
            var m = MirrorSubr.Mn(vp);
            using (m.Lock.Enter())
            {
                tv = m.Copies[c.Index];
                tv?.Hold();
            }
            vp.Rele();
        }
        return tv ?? MirrorFid.AwayTwin(src, c, sv) ?? MirrorFid.LateTwinOf(src, c, sv);
    }

    /// <summary>
    /// The file of mnode <paramref name="m"/> was just copied whole into copy <paramref name="c"/> under
    /// <paramref name="name"/>: if the mnode has no file in that copy (it forgot one the replay removed), this is its file
    /// now. Looking it up again by its own name would fail where that name is gone and the file lives on under another
    /// (a hard link), and its updates would miss the copy.
    /// </summary>
    private static void Adopt(MfsVfs mi, MirrorMember c, Mnode m, Vnode tdir, string name)
    {
        using (m.Lock.Enter())
            if (m.Copies[c.Index] is not null)
                return;
        if (Vop.Lookup(tdir, name, out var tv, LookupFlags.None, null, Cred.Kcred) == Errno.OK)
            mi.Mnodes.SetCopy(m, c.Index, tv);
    }

    /// <summary>
    /// A name's file in copy <paramref name="c"/> was removed or replaced by the replay: the mnode that had it looks it up
    /// again by name -- unless the file keeps another name there (KeepsAName), or it is a removed file still open
    /// through the mirror, which keeps it (unlinked now in this copy too, as in the source), so that its updates still
    /// reach this copy. A removed directory keeps nothing: the
    /// replay may have kept the copy's directory as the one now under its old name (a directory renamed over it), and
    /// the names logged for the removed one, replayed there from its empty source, would remove that one's entries.
    /// A directory's whole tree is forgotten so: a file in a directory renamed while the copy was away was removed with
    /// the old name's tree and copied whole under the new, and its mnode must find it there.
    /// </summary>
    private static void ForgetNamed(MfsVfs mi, MirrorMember c, Vnode vp)
    {
        if (mi.Mnodes.FindByLower(c.Index, vp) is { } m && ((m.State & MnodeState.Removed) == 0 || vp.Type == VType.VDIR) && !KeepsAName(vp))
            mi.Mnodes.ForgetLower(c.Index, vp);
        if (vp.Type != VType.VDIR || MirrorDataCopy.ReadDir(vp, out var entries) != Errno.OK)
            return;
        foreach (var d in entries)
        {
            if (Vop.Lookup(vp, d.Name, out var child, LookupFlags.None, null, Cred.Kcred) != Errno.OK)
                continue;
            ForgetNamed(mi, c, child!);
            child!.Rele();
        }
    }

    /// <summary>
    /// True when <paramref name="vp"/>, a file (not a directory) whose name in a copy is about to go, has another name
    /// there: its mnode keeps it, for a name met later to be linked to. Forgotten, that name found no twin and was copied
    /// whole (Fixed 92, Finding 38's shorter history: a symlink's link in a directory moved away was replaced by a
    /// directory made there while the removal of its old name elsewhere waited, Fixed 78, and the symlink was renamed
    /// into that directory).
    /// </summary>
    private static bool KeepsAName(Vnode vp)
    {
        var va = new Vattr(AttrMask.AT_NLINK);
        return vp.Type != VType.VDIR && Vop.Getattr(vp, va, AttrFlags.None, Cred.Kcred) == Errno.OK && va.Nlink > 1;
    }

    /// <summary>
    /// True when <paramref name="tv"/>, copy <paramref name="c"/>'s file under a name, is an mnode's file whose version in
    /// <paramref name="src"/> is not <paramref name="sv"/>, the source's file under that name -- or, with no mnode of it,
    /// was remembered for another file of the source when an mnode let go of it while the copy was away
    /// (MirrorFid.AwayOther), or made late from another (MirrorFid.LateOther: a handle of that file finds tv by the
    /// record, Fixed 80): the name was removed and made again while the copy was away, and tv is still the old file
    /// (removed or renamed in the source). Rewritten in place it would become the source's file under two names, since
    /// KnownTwin links a name of its own file to it too. A tv no mnode knows is another file also when the mnode of
    /// <paramref name="sv"/> has its own file in the copy, and that is not tv (TwinElsewhere). An mnode that knows tv but
    /// no file in the source may know it through a third copy (MadeLateOther).
    /// </summary>
    private static bool OtherFile(MfsVfs mi, MirrorMember src, MirrorMember c, Vnode sv, Vnode tv)
    {
        if (mi.Mnodes.FindByLower(c.Index, tv) is not { } m)
            return TwinElsewhere(mi, src, c, sv, tv) || MirrorFid.AwayOther(src, c, sv, tv) || MirrorFid.LateOther(src, c, sv, tv);
        Vnode? known;
        using (m.Lock.Enter())
            known = m.Copies[src.Index];
        return known is not null ? !Vop.Cmp(known, sv) : MadeLateOther(mi, src, c, m, sv);
    }

    /// <summary>
    /// For an mnode that knows no file of its own in the source: true when the source's file for it is one a resync made
    /// late there from the mnode's file in a third copy (MirrorFid.LateTwinOf), and that is not <paramref name="sv"/>.
    /// (Fixed 117: the source had been resynced in full itself, from that third copy, while the mnode's file had been
    /// renamed away and a new file made under its old name; the copy's file there, the mnode's, was rewritten in place
    /// as the new file, and then linked under the mnode's own new name too.)
    /// </summary>
    private static bool MadeLateOther(MfsVfs mi, MirrorMember src, MirrorMember c, Mnode m, Vnode sv)
    {
        foreach (var k in mi.Copies)
        {
            if (k.Index == src.Index || k.Index == c.Index)
                continue;
            Vnode? kv;
            using (m.Lock.Enter())
            {
                kv = m.Copies[k.Index];
                kv?.Hold();
            }
            if (kv is null)
                continue;
            var twin = MirrorFid.LateTwinOf(k, src, kv);
            kv.Rele();
            if (twin is null)
                continue;
            bool other = !Vop.Cmp(twin, sv);
            twin.Rele();
            return other;
        }
        return false;
    }

    /// <summary>
    /// True when the source's file <paramref name="sv"/> has a file in copy <paramref name="c"/> that its mnode knows,
    /// and that is not <paramref name="tv"/>: tv, however alike, is another file, whose mnode forgot it while the copy
    /// was away (Finding 45: a file renamed over a link of another, both empty; the other's file in the copy was rewritten
    /// in place as the renamed one, which its own twin became too, and the renamed file's times were never given it).
    /// </summary>
    private static bool TwinElsewhere(MfsVfs mi, MirrorMember src, MirrorMember c, Vnode sv, Vnode tv)
    {
        if (mi.Mnodes.FindByLower(src.Index, sv) is not { } sm)
            return false;
        Vnode? twin;
        using (sm.Lock.Enter())
            twin = sm.Copies[c.Index];
        return twin is not null && !Vop.Cmp(twin, tv);
    }

    /// <summary>
    /// Open files removed through the mirror that copy <paramref name="c"/> never had -- made while it was away, or
    /// their last name removed before the replay could reach them there -- are given to it too, unlinked as in the copy
    /// that holds them: each is made under a passing name in the copy's .mfs, copied whole, and that name removed, the
    /// file staying the mnode's. Otherwise such a file lives on one copy only, and is lost (close and read answer ENOENT)
    /// when that copy goes away (docs/verification.md, Fixed 32). A directory removed while open is given too, empty as
    /// every removed directory is (Fixed 109: its fsync answered ENOENT once the one copy that had it failed). Run in the
    /// last round, with the mirror quiesced: no write can reach the file between the copy and the copy's becoming
    /// Available.
    /// </summary>
    private static Errno KeepRemoved(MfsVfs mi, MirrorMember c, CopyStats stats)
    {
        var removed = mi.Mnodes.RemovedWithout(c.Index);
        var err = Errno.OK;
        try
        {
            // Each from the first available copy that holds it, in the order of its node ids there: the mnode table's
            // order is that of the vnodes' identity hashes, which a replay does not repeat.
            var files = new List<(Mnode M, int From, Vnode Sv, Vattr Va)>();
            foreach (var m in removed)
            {
                if (m.Vnode.Type is not (VType.VREG or VType.VDIR))
                    continue;
                var from = mi.Copies.FirstOrDefault(x => x.State == CopyState.Available && Volatile.Read(ref m.Copies[x.Index]) is not null);
                if (from is null || Volatile.Read(ref m.Copies[from.Index]) is not { } sv)
                    continue; // no copy in use holds it: nothing to give
                var va = new Vattr(AttrMask.AT_ALL);
                if ((err = Vop.Getattr(sv, va, AttrFlags.None, Cred.Kcred)) == Errno.ESTALE)
                    continue; // gone from an NFS source: nothing to give
                if (err != Errno.OK)
                    return err;
                files.Add((m, from.Index, sv, va));
            }
            foreach (var (m, from, sv, va) in files.OrderBy(f => f.From).ThenBy(f => f.Va.NodeId))
                if ((err = MakeUnlinked(mi, c, mi.Copies[from], m, sv, va, stats)) != Errno.OK)
                    return err;
            return Errno.OK;
        }
        finally
        {
            foreach (var m in removed)
                m.Vnode.Rele();
        }
    }

    /// <summary>The passing name in .mfs under which KeepRemoved makes an unlinked file.</summary>
    private const string UnlinkedName = "unlinked";

    /// <summary>Makes mnode <paramref name="m"/>'s removed file or directory <paramref name="sv"/> in copy <paramref name="from"/> (attributes <paramref name="va"/>) in copy <paramref name="c"/>, unlinked (KeepRemoved).</summary>
    private static Errno MakeUnlinked(MfsVfs mi, MirrorMember c, MirrorMember from, Mnode m, Vnode sv, Vattr va, CopyStats stats)
    {
        var err = Vop.Lookup(c.Root, MirrorMeta.DirName, out var dir, LookupFlags.None, null, Cred.Kcred);
        if (err != Errno.OK)
            return err;
        try
        {
            if ((err = MirrorDataCopy.RemoveEntry(dir!, UnlinkedName, new CopyStats())) != Errno.OK)
                return err; // one left by a crash
            bool isDir = va.Type == VType.VDIR;
            var cva = new Vattr(AttrMask.AT_TYPE | AttrMask.AT_MODE | AttrMask.AT_SIZE) { Type = va.Type, Mode = va.Mode, Size = 0 };
            err = isDir
                ? Vop.Mkdir(dir!, UnlinkedName, cva, out var tv, Cred.Kcred)
                : Vop.Create(dir!, UnlinkedName, cva, VcExcl.EXCL, AccessMode.VWRITE, out tv, Cred.Kcred, FileFlags.FWRITE);
            if (err != Errno.OK)
                return err;
            if (isDir)
                stats.Directories++;
            else
                stats.Files++;
            MirrorFid.MadeLate(c, tv!, from, sv);
            if ((isDir || (err = MirrorDataCopy.CopyData(sv, tv!, 0, va.Size, stats, fresh: true)) == Errno.OK)
                && (err = MirrorDataCopy.CopyAttrs(va, tv!, size: !isDir, src: sv)) == Errno.OK)
                err = isDir ? Vop.Rmdir(dir!, UnlinkedName, null, Cred.Kcred) : Vop.Remove(dir!, UnlinkedName, Cred.Kcred);
            if (err != Errno.OK)
            {
                tv!.Rele();
                return err;
            }
            mi.Mnodes.SetCopy(m, c.Index, tv); // the hold passes to the mnode
            return Errno.OK;
        }
        finally
        {
            dir!.Rele();
        }
    }

    /// <summary>
    /// Copies the logged ranges and attributes of a file from an available copy to copy <paramref name="c"/>. A file
    /// no longer under the name its mnode knows, yet not removed (another hard link), goes to <paramref name="lost"/>
    /// as its directory, to be compared whole.
    /// </summary>
    private static Errno SyncFile(MfsVfs mi, MirrorMember c, DirtyEntry e, CopyStats stats, List<Mnode> lost)
    {
        var src = Source(mi, c);
        if (src is null)
            return Errno.EIO;
        var m = e.Mnode;
        if (MirrorSubr.Resolve(m, src, out var sv) != Errno.OK)
            return Errno.OK; // removed since: a names entry covers it
        // A removed file still open through the mirror has no name to find it by, but the mnode holds it in every copy
        // it had it in (Resolve gives those vnodes, never a name's): its logged ranges go straight to that file.
        if ((m.State & MnodeState.Removed) == 0 && !StillNamed(m, src))
        {
            var nl = new Vattr(AttrMask.AT_NLINK);
            if (m.Parent is not null && Vop.Getattr(sv!, nl, AttrFlags.None, Cred.Kcred) == Errno.OK && nl.Nlink > 0)
                lost.Add(m.Parent);
            return Errno.OK;
        }
        if (MirrorSubr.Resolve(m, c, out var tv) != Errno.OK)
            return Errno.OK; // not in the copy yet: a names entry copies it whole
        // Both files stay locked from reading the source's attributes to setting the target's, so an application
        // write in between cannot leave the copies with different data or times.
        var pair = new[] { sv!, tv! };
        var err = Errno.OK;
        MirrorLock.LockAll(pair, RwLockType.Writer, mi);
        try
        {
            var va = new Vattr(AttrMask.AT_ALL);
            if ((err = Vop.Getattr(sv!, va, AttrFlags.None, Cred.Kcred)) != Errno.OK)
                return err == Errno.ESTALE && (m.State & MnodeState.Removed) != 0 ? Errno.OK : err; // gone from an NFS source: nothing to copy
            if (va.Type == VType.VREG && (e.Kind & DirtyKind.Data) != 0)
            {
                // Ranges rebuilt from a crash's intent log are whole extents: compare them, copy what differs.
                bool compare = mi.IntentLog.Rebuilt(c);
                Errno Copy(long s, long end) => compare
                    ? MirrorDataCopy.CopyDiffering(sv!, tv!, s, end, stats)
                    : MirrorDataCopy.CopyData(sv!, tv!, s, end, stats, locked: true);
                if (e.Ranges.Whole)
                    err = Copy(0, va.Size);
                else
                    foreach (var (s, end) in e.Ranges.Ranges)
                        if (s < va.Size && (err = Copy(s, Math.Min(end, va.Size))) != Errno.OK)
                            break;
            }
            if (err == Errno.OK && (err = MirrorDataCopy.CopyAttrs(va, tv!, size: va.Type == VType.VREG, src: sv)) == Errno.OK)
            {
                stats.Files++;
                return Errno.OK;
            }
        }
        finally
        {
            MirrorLock.UnlockAll(pair, RwLockType.Writer);
        }
        if (err == Errno.ESTALE && (m.State & MnodeState.Removed) != 0)
            return Errno.OK; // removed from an NFS copy by the names' replay (no silly rename: its handle is stale): nothing to copy to
        return err == Errno.EIO && (m.State & MnodeState.Removed) == 0 && m.Parent is { } parent ? Recreate(mi, src, c, m, parent, err, stats) : err;
    }

    /// <summary>
    /// A copy's file that cannot be rewritten in place (issue 11: a bad block under it, <paramref name="failed"/> EIO) is
    /// made again: its name removed and the source's file copied whole (MirrorMerge.ForceName), so the copy can rejoin.
    /// The new file is <paramref name="m"/>'s at once, so the copy records it as the old one made again
    /// (MirrorFid.CopyChanged) and a handle naming the old one in this copy alone follows it; recorded as made late,
    /// that handle went stale once the mnode was let go of (Fixed 81). Returns <paramref name="failed"/> where the file
    /// has no name to make it again by.
    /// </summary>
    private static Errno Recreate(MfsVfs mi, MirrorMember src, MirrorMember c, Mnode m, Mnode dm, Errno failed, CopyStats stats)
    {
        string name = m.Name;
        if (MirrorSubr.Resolve(dm, src, out var sdir) != Errno.OK || MirrorSubr.Resolve(dm, c, out var tdir) != Errno.OK)
            return failed;
        var merge = new MirrorMerge([src.Name, c.Name], null, replaced: (_, vp) => mi.Mnodes.ForgetLower(c.Index, vp),
            made: (_, vp, sv) =>
            {
                if (Volatile.Read(ref m.Copies[src.Index]) is { } mine && Vop.Cmp(mine, sv))
                {
                    vp.Hold();
                    mi.Mnodes.SetCopy(m, c.Index, vp);
                }
                else
                    MirrorFid.MadeLate(c, vp, src, sv);
            });
        merge.Report.Stats.Writing = Writing(c);
        Errno err;
        dm.DirLock.Enter(RwLockType.Writer);
        try
        {
            err = merge.ForceName([sdir!, tdir!], name);
        }
        finally
        {
            dm.DirLock.Exit(RwLockType.Writer);
        }
        stats.Add(merge.Report.Stats);
        if (err == Errno.OK)
            mi.Announce(c, $"{name}: its file could not be rewritten in place ({failed}); made again from copy {src.Name}");
        return err;
    }

    /// <summary>
    /// True when the source copy still holds m's file under m's name: otherwise the file was removed or replaced
    /// while the copy was away, and copying its logged ranges to whatever now has that name would be wrong.
    /// </summary>
    private static bool StillNamed(Mnode m, MirrorMember src)
    {
        if ((m.State & MnodeState.Removed) != 0)
            return false;
        if (m.Parent is null)
            return true;
        if (MirrorSubr.Resolve(m.Parent, src, out var pdir) != Errno.OK || MirrorSubr.Resolve(m, src, out var sv) != Errno.OK)
            return false;
        if (Vop.Lookup(pdir!, m.Name, out var named, LookupFlags.None, null, Cred.Kcred) != Errno.OK)
            return false;
        bool same = Vop.Cmp(named!, sv!);
        named!.Rele();
        return same;
    }

    /// <summary>What a resync does before it writes data into copy <paramref name="c"/>'s file (CopyStats.Writing).</summary>
    private static Action<Vnode> Writing(MirrorMember c) => c.Unflushed.ResyncWrote + MirrorSumFile.Rewriting(c.Root);

    /// <summary>The whole copy, one way from an available copy (the log overflowed).</summary>
    private static Errno FullResync(MfsVfs mi, MirrorMember c, CopyStats stats, ResyncMeter meter)
    {
        var src = Source(mi, c);
        if (src is null)
            return Errno.EIO;
        var merge = new MirrorMerge(mi.Copies.Select(x => x.Name).ToArray(), p => meter.Update(p.BytesCopied),
            lockDir: path => LockMirrorDir(mi, path),
            replaced: (copy, vp) => ForgetNamed(mi, mi.Copies[copy], vp), made: (copy, vp, sv) => MirrorFid.MadeLate(mi.Copies[copy], vp, src, sv))
            { CompareData = mi.IntentLog.Rebuilt(c) || c.Unflushed.ResyncFailed, Stamped = c.Unflushed.Stamped };
        merge.Report.Stats.Writing = Writing(c);
        var roots = mi.Copies.Select(x => x.Root).ToArray();
        var err = Vop.Lookup(c.Root, MirrorMeta.DirName, out var parkDir, LookupFlags.None, null, Cred.Kcred);
        if (err != Errno.OK)
            return err;
        try
        {
            // A file of the copy that an mnode has as another file's (renamed while the copy was away, its old name made
            // again) is replaced, not rewritten as the new file: the mnode would write the new file's data through it. A
            // link or a rename made while the copy was away links the copy's own file, which a client's handle may name
            // there alone; the files the merge removes wait in .mfs until it is done, for names it comes to later.
            err = merge.OneWay(roots, src.Index, [c.Index], otherFile: (sv, tv) => OtherFile(mi, src, c, sv, tv),
                knownTwin: sv => KnownTwin(mi, src, c, sv), parkDir: parkDir);
        }
        finally
        {
            parkDir!.Rele();
        }
        stats.Add(merge.Report.Stats);
        return err == Errno.OK ? MatchRemoved(mi, src, c, stats) : err;
    }

    /// <summary>
    /// A full resync's merge goes by names, and the log it replaces kept the updates of files removed through the mirror
    /// and still open, which have none: each such file that copy <paramref name="c"/> holds is made the source's, its
    /// attributes set and every byte compared (few files, and their times say nothing: an update may leave them alike).
    /// Otherwise a write the copy missed while away is lost when the source goes (mirror3, seed 122050).
    /// </summary>
    private static Errno MatchRemoved(MfsVfs mi, MirrorMember src, MirrorMember c, CopyStats stats)
    {
        var removed = mi.Mnodes.RemovedWith(c.Index);
        try
        {
            // In the order of their node ids in the source, as KeepRemoved: the mnode table's order is not a replay's.
            var files = new List<(Vnode Sv, Vnode Tv, Vattr Va)>();
            foreach (var m in removed)
            {
                if (m.Vnode.Type != VType.VREG || Volatile.Read(ref m.Copies[src.Index]) is not { } sv || Volatile.Read(ref m.Copies[c.Index]) is not { } tv)
                    continue;
                if (Vop.Getattr(tv, new Vattr(AttrMask.AT_NLINK), AttrFlags.None, Cred.Kcred) == Errno.ESTALE)
                {
                    // Gone from an NFS copy, which cannot keep an unlinked file (its client has no silly rename): nothing
                    // to match, and the mnode forgets it. Matched, its ESTALE took the copy out of use again (Fixed 91:
                    // a closed file the copy's log still held, removed while the copy was away, after a full resync).
                    mi.Mnodes.ForgetLower(c.Index, tv);
                    continue;
                }
                var va = new Vattr(AttrMask.AT_ALL);
                var err = Vop.Getattr(sv, va, AttrFlags.None, Cred.Kcred);
                if (err == Errno.ESTALE)
                    continue; // gone from an NFS source: nothing to give
                if (err != Errno.OK)
                    return err;
                files.Add((sv, tv, va));
            }
            foreach (var (sv, tv, va) in files.OrderBy(f => f.Va.NodeId))
            {
                var err = MirrorDataCopy.CopyAttrs(va, tv, size: true, src: sv);
                if (err == Errno.OK)
                    err = MirrorDataCopy.RewriteDiffering(sv, tv, stats);
                if (err != Errno.OK)
                    return err;
            }
            return Errno.OK;
        }
        finally
        {
            foreach (var m in removed)
                m.Vnode.Rele(); // the mnodes' holds keep their files' vnodes
        }
    }

    /// <summary>Holds the mirror directory at <paramref name="path"/> against name changes while a full resync changes its entries.</summary>
    private static IDisposable? LockMirrorDir(MfsVfs mi, string path)
    {
        var vp = mi.Root.Vnode;
        vp.Hold();
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var err = Vop.Lookup(vp, part, out var next, LookupFlags.None, null, Cred.Kcred);
            vp.Rele();
            if (err != Errno.OK)
                return null;
            vp = next!;
        }
        var m = MirrorSubr.Mn(vp);
        m.DirLock.Enter(RwLockType.Writer);
        return new DirHold(m);
    }

    private sealed class DirHold(Mnode m) : IDisposable
    {
        public void Dispose()
        {
            m.DirLock.Exit(RwLockType.Writer);
            m.Vnode.Rele();
        }
    }
}
