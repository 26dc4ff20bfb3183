// Vfs.Mirror: which copy changed what since the copies last agreed (beyond the patent) -- the facts a split-brain
// decision (MirrorSplitBrain.cs) is taken on.
//
// SINCE. The copies' records (MirrorMeta.Synced) hold the last time the mirror knew every copy to be identical: the
// end of a mount's merge, a resync that brought the last copy back, a clean unmount. For a copy taken out of use
// during a mount, the time it left (MirrorMember.Since). Everything a copy holds that changed after that time --
// through the mirror while another copy was away, or behind the mirror's back while it was unmounted or offline --
// has a ctime after it; what was removed from a directory left that directory's ctime after it. Never an mtime:
// utimes(2) sets a file's or a directory's mtime to any time, and a directory whose mtime a user set ahead made its
// copy look as if it had removed every name another copy made there since (Fixed 20 in docs/verification.md).
//
// DIFF walks the copies side by side from their tops (attributes only, except where noted) and lists every name the
// copies hold differently:
//   - a name some copies have and others do not, or of another type;
//   - a file of another size, mode, owner or link count, a link with another target;
//   - a file whose attributes agree but whose bytes do not (same size, same mtime, "AAAA" against "BBBB"): the
//     contents are hashed where any copy changed the file since, so equal size and mtime do not pass for equal data;
//   - a file whose extended attributes differ where any copy changed it since (a change of attributes alone moves
//     only its ctime);
//   - a file whose bytes agree but whose mtime does not (TimesOnly: nothing to lose, the newest time is taken).
// Directories present as directories everywhere are a difference only in their own mode, owner or extended
// attributes (DirectoryAttrs: changed by the copies whose directory's ctime is later, which its entries and its name
// move too, so it is settled and never a split brain, MirrorSplitBrain; its times are not compared, as each copy's
// file system moves them as it sees fit); their entries are compared. For
// each difference, a copy changed the name since if its version's ctime is later, or -- where it has no such name --
// if its directory's ctime is (it removed it) and no copy that has the name changed it since. A name changed by one
// copy is that copy's update; by several, a split brain. A name changed by none differed before the copies last agreed.
// The one case the times cannot tell apart: a name one copy changed (ctime later) that another lacks in a directory
// it also changed -- made new by the first, or removed by the second after the first changed it? No file time says
// when a name was made. It is taken as made (concurrent creates in one directory are common, and no split brain),
// and the copy whose removal that would undo is named in MaybeRemovedMask, so that the decision is reported.
//
// SETTLE makes chosen copies hold one copy's version of a path, through MirrorMerge.ForceName on the lower vnodes.
//
// CLOCKS. Each copy's times are compared with the since of its own clock (CopyClock.cs): a copy over NFS stamps its
// files with its server's clock, which may run ahead of or behind the mirroring host's. LIMIT: a clock that moved
// after the mirror last measured it can still hide a change made directly (CopyClock.cs).
using System.Numerics;

namespace UnixVfs.Mirror;

/// <summary>One name the copies hold differently, and which of them changed it since they last agreed.</summary>
/// <param name="Path">From the mirror's top.</param>
/// <param name="Present">By copy (of those compared): whether it has the name.</param>
/// <param name="When">By copy: the mtime of its version, or its directory's ctime where it removed the name.</param>
/// <param name="ChangedMask">Bit i: copy i changed the name since the copies last agreed.</param>
/// <param name="TimesOnly">The versions differ only in their modification times.</param>
/// <param name="What">How they differ, for the report.</param>
/// <param name="MaybeRemovedMask">Bit i: copy i lacks the name in a directory it changed, while a copy that has it changed it.</param>
/// <param name="DirectoryAttrs">A directory in every copy whose own mode, owner or extended attributes differ: settled by
/// giving the others the winner's attributes, never its entries (they are compared name by name).</param>
internal sealed record HistoryDiff(string Path, bool[] Present, Timespec[] When, int ChangedMask, bool TimesOnly, string What, int MaybeRemovedMask,
    bool DirectoryAttrs = false)
{
    public int Changers => BitOperations.PopCount((uint)ChangedMask);

    public bool ChangedBy(int copy) => (ChangedMask & (1 << copy)) != 0;

    /// <summary>The copy with the newest version (mtime; a removal counts at its directory's ctime); the first on ties.</summary>
    public int Newest(int mask)
    {
        int w = -1;
        for (int i = 0; i < When.Length; i++)
            if ((mask & (1 << i)) != 0 && (w < 0 || When[i] > When[w]))
                w = i;
        return w;
    }
}

internal static class MirrorHistory
{
    private static Cred Cr => Cred.Kcred;

    /// <summary>
    /// True in <paramref name="changed"/> when anything under <paramref name="root"/> changed after <paramref name="since"/>
    /// (stops at the first). A file in <paramref name="late"/> (by node id) changed only if stamped after its time there:
    /// the mirror's own writes, sent late (CopyUnflushed.cs).
    /// </summary>
    public static Errno ChangedSince(Vnode root, Timespec since, out bool changed, IReadOnlyDictionary<ulong, Timespec>? late = null)
    {
        changed = false;
        return Scan(root, since, late, top: true, ref changed);
    }

    private static Errno Scan(Vnode dir, Timespec since, IReadOnlyDictionary<ulong, Timespec>? late, bool top, ref bool changed)
    {
        var va = new Vattr(AttrMask.AT_ALL);
        var err = Vop.Getattr(dir, va, AttrFlags.None, Cr);
        if (err != Errno.OK)
            return err;
        if (!top && va.Ctime > since)
        {
            changed = true;
            return Errno.OK;
        }
        if ((err = MirrorDataCopy.ReadDir(dir, out var entries, top)) != Errno.OK)
            return err;
        if (top && va.Mtime > since && entries.Count > 0)
        {
            changed = true; // a name at the top came or went
            return Errno.OK;
        }
        foreach (var d in entries)
        {
            if ((err = Vop.Lookup(dir, d.Name, out var vp, LookupFlags.None, null, Cr)) != Errno.OK)
                return err;
            try
            {
                if (vp!.Type == VType.VDIR)
                    err = Scan(vp, since, late, top: false, ref changed);
                else if ((err = Vop.Getattr(vp, va, AttrFlags.None, Cr)) == Errno.OK && va.Ctime > since)
                    changed = late is null || !late.TryGetValue(va.NodeId, out var sent) || va.Ctime > sent;
            }
            finally
            {
                vp!.Rele();
            }
            if (err != Errno.OK || changed)
                return err;
        }
        return Errno.OK;
    }

    /// <summary>
    /// Every name the copies under <paramref name="roots"/> hold differently, parents before children; copy i changed
    /// what it stamped after <paramref name="since"/>[i] (a time on its own clock). With <paramref name="path"/>, only
    /// that name and what is under it. <paramref name="read"/> is told the bytes of every chunk of file data read to
    /// compare contents (scrub's rate limit). <paramref name="linked"/>, if given, is told the path of every file of
    /// several links that the copies hold alike (no difference): a twin to link to for Twins.
    /// </summary>
    public static Errno Diff(Vnode[] roots, Timespec[] since, out List<HistoryDiff> diffs, string path = "/", Action<long>? read = null,
        List<string>? linked = null)
    {
        diffs = new List<HistoryDiff>();
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        string parent = "/" + string.Join('/', parts.Length == 0 ? [] : parts[..^1]);
        var dirs = new Vnode?[roots.Length];
        try
        {
            var changedDir = new bool[roots.Length];
            for (int i = 0; i < roots.Length; i++)
            {
                var err = LookupPath(roots[i], parent, out dirs[i]);
                if (err == Errno.ENOENT)
                    continue;
                if (err != Errno.OK)
                    return err;
                var va = new Vattr(AttrMask.AT_ALL);
                if ((err = Vop.Getattr(dirs[i]!, va, AttrFlags.None, Cr)) != Errno.OK)
                    return err;
                changedDir[i] = va.Ctime > since[i];
            }
            return Walk(dirs, parent, changedDir, parts.Length == 0 ? null : parts[^1], since, diffs, read, linked);
        }
        finally
        {
            foreach (var d in dirs)
                d?.Rele();
        }
    }

    /// <summary>Compares the entries of one directory in every copy (null: the copy has no such directory).</summary>
    private static Errno Walk(Vnode?[] dirs, string path, bool[] dirChanged, string? only, Timespec[] since, List<HistoryDiff> diffs,
        Action<long>? read, List<string>? linked)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        var dirTimes = new Timespec[dirs.Length];
        for (int i = 0; i < dirs.Length; i++)
        {
            if (dirs[i] is null)
                continue;
            var va = new Vattr(AttrMask.AT_CTIME);
            var err = Vop.Getattr(dirs[i]!, va, AttrFlags.None, Cr);
            if (err != Errno.OK || (err = MirrorDataCopy.ReadDir(dirs[i]!, out var entries, top: path == "/")) != Errno.OK)
                return err;
            dirTimes[i] = va.Ctime;
            foreach (var d in entries)
                if (only is null || d.Name == only)
                    names.Add(d.Name);
        }
        foreach (var name in names)
        {
            string p = path == "/" ? "/" + name : path + "/" + name;
            var vps = new Vnode?[dirs.Length];
            var vas = new Vattr?[dirs.Length];
            try
            {
                for (int i = 0; i < dirs.Length; i++)
                {
                    if (dirs[i] is null)
                        continue;
                    var err = Vop.Lookup(dirs[i]!, name, out vps[i], LookupFlags.None, null, Cr);
                    if (err == Errno.ENOENT)
                        continue;
                    var va = new Vattr(AttrMask.AT_ALL);
                    if (err != Errno.OK || (err = Vop.Getattr(vps[i]!, va, AttrFlags.None, Cr)) != Errno.OK)
                        return err;
                    vas[i] = va;
                }
                if (vas.All(v => v?.Type == VType.VDIR))
                {
                    if (DirectoryDiff(vps, vas, p, since) is { } dd)
                        diffs.Add(dd);
                    var err = Walk(vps, p, vas.Select((v, i) => v!.Ctime > since[i]).ToArray(), null, since, diffs, read, linked);
                    if (err != Errno.OK)
                        return err;
                    continue;
                }
                var what = Compare(vps, vas, since, read, out bool timesOnly);
                if (what is null)
                {
                    if (vas[0]!.Nlink > 1)
                        linked?.Add(p);
                    continue;
                }
                int mask = 0, maybeRemoved = 0;
                var when = new Timespec[dirs.Length];
                bool presentChanged = vas.Where((v, i) => v is not null && v.Ctime > since[i]).Any();
                for (int i = 0; i < dirs.Length; i++)
                {
                    when[i] = vas[i]?.Mtime ?? dirTimes[i];
                    if (vas[i] is { } va ? va.Ctime > since[i] : dirChanged[i] && dirs[i] is not null && !presentChanged)
                        mask |= 1 << i;
                    else if (vas[i] is null && dirChanged[i] && dirs[i] is not null)
                        maybeRemoved |= 1 << i;
                }
                diffs.Add(new HistoryDiff(p, vas.Select(v => v is not null).ToArray(), when, mask, timesOnly, what, maybeRemoved));
            }
            finally
            {
                foreach (var v in vps)
                    v?.Rele();
            }
        }
        return Errno.OK;
    }

    /// <summary>How the copies' versions of one name differ, or null when they do not.</summary>
    private static string? Compare(Vnode?[] vps, Vattr?[] vas, Timespec[] since, Action<long>? read, out bool timesOnly)
    {
        timesOnly = false;
        int r = Array.FindIndex(vas, v => v is not null);
        var a = vas[r]!;
        for (int i = 0; i < vas.Length; i++)
        {
            if (i == r)
                continue;
            if (vas[i] is not { } b)
                return "present in some copies only";
            if (a.Type != b.Type)
                return $"a {a.Type} in one copy, a {b.Type} in another";
            if (a.Mode != b.Mode || a.Uid != b.Uid || a.Gid != b.Gid || a.Size != b.Size || a.Nlink != b.Nlink || a.Rdev != b.Rdev)
                return "attributes differ";
            if (a.Type == VType.VLNK && (MirrorDataCopy.ReadLink(vps[r]!, out var ta) != Errno.OK
                || MirrorDataCopy.ReadLink(vps[i]!, out var tb) != Errno.OK || ta != tb))
                return "link targets differ";
        }
        bool changed = vas.Where((v, i) => v!.Ctime > since[i]).Any();
        if (a.Type == VType.VREG && changed)
        {
            var first = MirrorVerify.Hash(vps[r]!, out _, read);
            for (int i = 0; i < vps.Length; i++)
                if (i != r && (first is null || MirrorVerify.Hash(vps[i]!, out _, read) != first))
                    return "contents differ";
        }
        // A change of extended attributes alone moves only the file's ctime.
        if (changed)
            for (int i = 0; i < vps.Length; i++)
                if (i != r && !MirrorExtattr.Same(vps[r]!, vps[i]!))
                    return "extended attributes differ";
        if (vas.Any(v => v!.Mtime != a.Mtime))
        {
            timesOnly = true;
            return "modification times differ";
        }
        return null;
    }

    /// <summary>
    /// The difference in the own attributes of directory <paramref name="path"/>, which every copy has (Finding 19: a
    /// chown made through the mirror while a copy was away, and that copy changed behind the mirror's back meanwhile,
    /// so that online compared the copies instead of replaying its log: the copy kept the old owner), or null.
    /// </summary>
    private static HistoryDiff? DirectoryDiff(Vnode?[] vps, Vattr?[] vas, string path, Timespec[] since)
    {
        var a = vas[0]!;
        bool differ = vas.Any(b => b!.Mode != a.Mode || b.Uid != a.Uid || b.Gid != a.Gid);
        bool changed = vas.Where((v, i) => v!.Ctime > since[i]).Any();
        string what = "directory attributes differ";
        if (!differ && changed)
            for (int i = 1; i < vps.Length && !differ; i++)
                differ = !MirrorExtattr.Same(vps[0]!, vps[i]!);
        if (!differ)
            return null;
        int mask = 0;
        for (int i = 0; i < vas.Length; i++)
            if (vas[i]!.Ctime > since[i])
                mask |= 1 << i;
        return new HistoryDiff(path, vas.Select(_ => true).ToArray(), vas.Select(v => v!.Ctime).ToArray(), mask, false, what, 0, DirectoryAttrs: true);
    }

    /// <summary>Gives directory <paramref name="path"/> in every copy in <paramref name="targets"/> copy <paramref name="winner"/>'s attributes.</summary>
    private static Errno SettleAttrs(Vnode[] roots, string path, int winner, IEnumerable<int> targets)
    {
        var err = LookupPath(roots[winner], path, out var wdir);
        if (err != Errno.OK)
            return err == Errno.ENOENT ? Errno.OK : err;
        try
        {
            var va = new Vattr(AttrMask.AT_ALL);
            if ((err = Vop.Getattr(wdir!, va, AttrFlags.None, Cr)) != Errno.OK)
                return err;
            foreach (int t in targets)
            {
                if (t == winner)
                    continue;
                if ((err = LookupPath(roots[t], path, out var tdir)) == Errno.ENOENT)
                    continue;
                if (err != Errno.OK)
                    return err;
                err = tdir!.Type == VType.VDIR ? MirrorDataCopy.CopyAttrs(va, tdir, size: false, wdir) : Errno.OK;
                tdir.Rele();
                if (err != Errno.OK)
                    return err;
            }
            return Errno.OK;
        }
        finally
        {
            wdir!.Rele();
        }
    }

    /// <summary>
    /// Makes every copy in <paramref name="targets"/> hold copy <paramref name="winner"/>'s version of the path of <paramref name="d"/>
    /// (indices into <paramref name="roots"/>). A copy that lacks the path's directory is skipped: its parent's settling
    /// brought the whole directory. <paramref name="replaced"/> is told (target, vnode) for every lower vnode removed.
    /// <paramref name="twins"/> (Twins), by copy, makes a name of a file with other links a link to that file there.
    /// </summary>
    public static Errno Settle(Vnode[] roots, string[] names, HistoryDiff d, int winner, IEnumerable<int> targets,
        Action<int, Vnode>? replaced, CopyStats stats, HardLinks[]? twins = null)
    {
        if (d.DirectoryAttrs)
            return SettleAttrs(roots, d.Path, winner, targets);
        string path = d.Path;
        int slash = path.LastIndexOf('/');
        string parent = slash <= 0 ? "/" : path[..slash], name = path[(slash + 1)..];
        var err = LookupPath(roots[winner], parent, out var wdir);
        if (err == Errno.ENOENT)
            return Errno.OK;
        if (err != Errno.OK)
            return err;
        try
        {
            foreach (int t in targets)
            {
                if (t == winner)
                    continue;
                if ((err = LookupPath(roots[t], parent, out var tdir)) == Errno.ENOENT)
                    continue;
                if (err != Errno.OK)
                    return err;
                try
                {
                    var merge = new MirrorMerge([names[winner], names[t]], null, replaced: (_, vp) => replaced?.Invoke(t, vp),
                        links: twins is null ? null : [twins[winner], twins[t]]);
                    merge.Report.Stats.Writing = MirrorSumFile.Rewriting(roots[t]);
                    err = merge.ForceName([wdir!, tdir!], name);
                    stats.Add(merge.Report.Stats);
                    if (err != Errno.OK)
                        return err;
                }
                finally
                {
                    tdir!.Rele();
                }
            }
            return Errno.OK;
        }
        finally
        {
            wdir!.Rele();
        }
    }

    /// <summary>
    /// By copy, the files that the copies hold at one path of <paramref name="diffs"/> or <paramref name="linked"/> (Diff's
    /// files of several links held alike), alike but for their links, where one of them has several: each copy's file is
    /// every other's twin there, so that settling another name of it makes a link rather than a second file (Finding 21:
    /// a link made through the mirror while a copy was away, whose old name then differed only in its link count, came
    /// back to that copy as a file of its own). The caller disposes the tables.
    /// </summary>
    public static HardLinks[] Twins(Vnode[] roots, List<HistoryDiff> diffs, List<string> linked)
    {
        var twins = roots.Select(_ => new HardLinks()).ToArray();
        // A name the copies hold alike is a twin too (Fixed 129: F at /c/a/c alike in every copy, and at /a/b/c in X and
        // Z only, which a crash tore from Y's rename of it to /c/a/b: Y's /a/b/c was made again as a file of its own).
        var everywhere = roots.Select(_ => true).ToArray();
        var paths = diffs.Where(d => !d.DirectoryAttrs && d.Present.Count(p => p) > 1).Select(d => (d.Path, d.Present))
            .Concat(linked.Select(p => (Path: p, Present: everywhere)));
        foreach (var (path, present) in paths)
        {
            var vps = new Vnode?[roots.Length];
            var vas = new Vattr?[roots.Length];
            try
            {
                for (int i = 0; i < roots.Length; i++)
                {
                    if (!present[i] || LookupPath(roots[i], path, out vps[i]) != Errno.OK)
                        continue;
                    var va = new Vattr(AttrMask.AT_ALL);
                    if (Vop.Getattr(vps[i]!, va, AttrFlags.None, Cr) == Errno.OK && va.Type is not VType.VDIR)
                        vas[i] = va;
                }
                // Every copy's file is the twin of every other's, also one of a single link: the winner of another name
                // of the file may be a copy other than this path's (Fixed 123: Z's name linked to X's file, which then
                // won this path with two links, and Y's file here, a twin only of Z's, was made again with one).
                if (!vas.Any(a => a is { Nlink: > 1 }))
                    continue;
                for (int w = 0; w < roots.Length; w++)
                    for (int t = 0; t < roots.Length; t++)
                        if (w != t && vas[w] is { } wa && vas[t] is { } ta && Alike(wa, ta))
                            twins[t].Add(wa, vps[t]!);
            }
            finally
            {
                foreach (var v in vps)
                    v?.Rele();
            }
        }
        return twins;
    }

    /// <summary>
    /// Two copies' files at one path that are alike in all but their links: the same file, a link made or removed on one
    /// side only. (Another file made under the name on one side has its own times: linked to, it would take that name.)
    /// </summary>
    private static bool Alike(Vattr a, Vattr b) =>
        a.Type == b.Type && a.Size == b.Size && a.Mode == b.Mode && a.Uid == b.Uid && a.Gid == b.Gid && a.Mtime == b.Mtime;

    /// <summary>The vnode of <paramref name="path"/> under a copy's top, held.</summary>
    public static Errno LookupPath(Vnode root, string path, out Vnode? vp)
    {
        vp = root;
        vp.Hold();
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var err = Vop.Lookup(vp, part, out var next, LookupFlags.None, null, Cr);
            vp.Rele();
            if (err != Errno.OK)
            {
                vp = null;
                return err;
            }
            vp = next!;
        }
        return Errno.OK;
    }
}
