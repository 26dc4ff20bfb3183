// Vfs.Mirror: a full resync keeps the directories of the copy it merges (beyond the patent).
//
// A directory renamed while a copy was away is, to a merge by names, a name the copy lacks and a name the source
// lacks. Made afresh under the first and removed under the second, the copy's directory would be another one: a
// handle naming it in that copy alone (an open directory of an NFS client of the exported mirror) would answer for
// the removed one. So in a full resync (OneWay with a park directory, the copy's .mfs) a directory the source lacks
// is parked whole, still its mnode's, and a directory the copy lacks is, where the copy has its twin (HardLinks.Known:
// the directory the mnode holds there), moved to the new name from wherever it is -- still in place when the merge
// meets the new name first, parked when it met the old one first. A parked directory no name took back is let go
// of (the mnode forgets it) before the parked names are removed. A file parked because the source lacks its name, or
// has another file there, stays its mnode's the same way, so a name met later is linked to it; one no name was
// linked to is let go of then.
//
// A directory known as another's under a name the source has (renamed away, the name made again) waits in .mfs the
// same way, and the name gets a directory of its own; so does a directory under a name the source made a file of
// (Take, for every name a target loses). A directory is found where it is by its ".." and its entry there. It is not
// moved once the merge has kept it for a name (the mnode that knew it may have let go of it, and an older record still
// names it: Fixed 75's first form moved a directory kept as the new one under its old name), nor into itself or under
// itself; the new name's directory is made afresh then, as before.

namespace UnixVfs.Mirror;

internal sealed partial class MirrorMerge
{
    private readonly List<(int Copy, Vnode Vp)> _parkedDirs = new(), _parkedFiles = new(); // held; their mnodes still know them
    private readonly HashSet<(int Copy, ulong Node)> _keptDirs = new();  // the targets' directories kept for a name so far

    /// <summary>Target <paramref name="t"/>'s directory of attributes <paramref name="va"/> is kept for the name it is under.</summary>
    private void Kept(int t, Vattr va) => _keptDirs.Add((t, va.NodeId));

    /// <summary>
    /// Target <paramref name="t"/> loses <paramref name="name"/> of <paramref name="dir"/>, its <paramref name="vp"/> (of
    /// attributes <paramref name="va"/>): removed (parked, in a full resync) and forgotten by its mnode -- or, a directory
    /// in a full resync, parked whole and still its mnode's, for the name it was renamed to; so is a file that
    /// <paramref name="lives"/> on under another name (the source lacks this one, or has another file here), for a
    /// name met later to be linked to it (Fixed 90: forgotten at once, the file's other name was copied whole).
    /// </summary>
    private Errno Take(Vnode dir, string name, int t, Vnode vp, Vattr va, bool lives = false)
    {
        if (_parkDir is not null && va.Type == VType.VDIR)
            return ParkDir(dir, name, t, vp);
        if (_parkDir is not null && lives)
            return ParkFile(dir, name, t, vp);
        _replaced?.Invoke(t, vp);
        return RemoveTarget(dir, name);
    }

    /// <summary>Parks target <paramref name="t"/>'s directory <paramref name="vp"/>, under <paramref name="name"/> of <paramref name="dir"/>, whole.</summary>
    private Errno ParkDir(Vnode dir, string name, int t, Vnode vp) => ParkKept(dir, name, t, vp, _parkedDirs);

    /// <summary>Parks target <paramref name="t"/>'s file <paramref name="vp"/>, under <paramref name="name"/> of <paramref name="dir"/>, still its mnode's.</summary>
    private Errno ParkFile(Vnode dir, string name, int t, Vnode vp) => ParkKept(dir, name, t, vp, _parkedFiles);

    /// <summary>Parks <paramref name="name"/> of <paramref name="dir"/>, target <paramref name="t"/>'s <paramref name="vp"/>, held in <paramref name="kept"/>.</summary>
    private Errno ParkKept(Vnode dir, string name, int t, Vnode vp, List<(int Copy, Vnode Vp)> kept)
    {
        var err = Park(dir, name);
        if (err != Errno.OK)
            return err;
        vp.Hold();
        kept.Add((t, vp));
        Report.Stats.Removed++;
        return Errno.OK;
    }

    /// <summary>
    /// Every parked directory no name took back, and every parked file: its mnode lets go of it, as of any file the
    /// merge removes -- unless a name was linked to the file, which the full resync's callback keeps for it as for any
    /// file that keeps another name (MirrorResync.KeepsAName; the parked name is one of its links until removed).
    /// </summary>
    private void LetGoParked()
    {
        foreach (var (t, vp) in _parkedDirs.Concat(_parkedFiles))
        {
            _replaced?.Invoke(t, vp);
            vp.Rele();
        }
        _parkedDirs.Clear();
        _parkedFiles.Clear();
    }

    /// <summary>
    /// Target <paramref name="t"/>'s twin of the source's directory <paramref name="sv"/>, moved to <paramref name="name"/>
    /// of <paramref name="dir"/> and held; null when the target has none, or it cannot be moved there.
    /// </summary>
    private Vnode? MoveTwinDir(Vnode dir, string name, int t, Vnode sv)
    {
        if (_parkDir is null || _links[t].Known?.Invoke(sv) is not { } tv)
            return null;
        bool moved = false;
        try
        {
            var va = new Vattr(AttrMask.AT_NODEID);
            if (tv.Type != VType.VDIR || Vop.Getattr(tv, va, AttrFlags.None, Cr) != Errno.OK || _keptDirs.Contains((t, va.NodeId))
                || Under(dir, tv) || Vop.Lookup(tv, "..", out var parent, LookupFlags.None, null, Cr) != Errno.OK)
                return null;
            try
            {
                moved = NameIn(parent!, tv) is { } old && Vop.Rename(parent!, old, dir, name, Cr) == Errno.OK;
            }
            finally
            {
                parent!.Rele();
            }
            if (!moved)
                return null;
            Kept(t, va);
            int i = _parkedDirs.FindIndex(p => p.Copy == t && Vop.Cmp(p.Vp, tv));
            if (i >= 0)
            {
                _parkedDirs[i].Vp.Rele();
                _parkedDirs.RemoveAt(i);
            }
            return tv;
        }
        finally
        {
            if (!moved)
                tv.Rele();
        }
    }

    /// <summary>The name under which <paramref name="parent"/> holds <paramref name="vp"/>, or null.</summary>
    private static string? NameIn(Vnode parent, Vnode vp)
    {
        if (MirrorDataCopy.ReadDir(parent, out var entries) != Errno.OK)
            return null;
        foreach (var d in entries)
        {
            if (Vop.Lookup(parent, d.Name, out var child, LookupFlags.None, null, Cr) != Errno.OK)
                continue;
            bool same = Vop.Cmp(child!, vp);
            child!.Rele();
            if (same)
                return d.Name;
        }
        return null;
    }

    /// <summary>True when <paramref name="dir"/> is <paramref name="vp"/> or lies under it (its ".." chain meets it).</summary>
    private static bool Under(Vnode dir, Vnode vp)
    {
        var cur = dir;
        cur.Hold();
        try
        {
            for (int depth = 0; depth < 4096; depth++)
            {
                if (Vop.Cmp(cur, vp))
                    return true;
                if (Vop.Lookup(cur, "..", out var up, LookupFlags.None, null, Cr) != Errno.OK)
                    return true; // cannot tell: not moved
                bool top = Vop.Cmp(up!, cur);
                cur.Rele();
                cur = up!;
                if (top)
                    return false;
            }
            return true;
        }
        finally
        {
            cur.Rele();
        }
    }
}
