// Vfs.Mirror: the mount-time merge (patent B.1, Fig. 4 items 4 and 5) and the full resync (B.7).
//
// TWO-WAY (role=peer, at mount): walk the copies' trees side by side. Every name in any copy ends up in
// all of them. Where several copies hold a name:
//   - directories are merged recursively, and then take the attributes of the most recently modified one;
//   - files (and links, devices) compare modification times: the newest wins, and its data and attributes
//     are copied over the others. Equal times and equal sizes mean "the same file"; equal times with
//     different sizes are a tie that copy X wins (the first copy given to mount);
//   - a directory against a file of the same name is a conflict. Rule: the directory wins, and the file is
//     not lost: it is renamed, in its own copy, to NAME.mfs-conflict-COPY (COPY is X, Y, ...), and that new
//     name is mirrored like any other. Every conflict is reported (MergeReport.Conflicts and the progress
//     callback).
// ONE-WAY (role=master at mount, with the master as source; and the full resync of a copy whose dirty log
// overflowed, with an available copy as source): make each target identical to the source -- copy what
// it lacks or holds differently, remove what the source does not have.
//
// Hard links inside a source stay hard links in the targets. Progress is reported through a callback.
namespace UnixVfs.Mirror;

/// <summary>How far a merge has got (for a progress bar).</summary>
public sealed record MergeProgress(long Scanned, long Copied, long BytesCopied, string Path);

/// <summary>What a merge did.</summary>
public sealed class MergeReport
{
    /// <summary>Names examined.</summary>
    public long Scanned;

    /// <summary>What was copied and removed.</summary>
    public CopyStats Stats { get; } = new();

    /// <summary>Each conflict and how it was resolved, one line each.</summary>
    public List<string> Conflicts { get; } = new();

    public override string ToString() =>
        $"{Scanned} names, {Stats.Files} files, {Stats.Directories} directories, {Stats.Symlinks} links copied, " +
        $"{Stats.Removed} removed, {Stats.BytesCopied} bytes, {Conflicts.Count} conflicts";
}

internal sealed partial class MirrorMerge
{
    private static Cred Cr => Cred.Kcred;

    private readonly string[] _names;
    private readonly Action<MergeProgress>? _progress;
    private readonly Func<string, IDisposable?>? _lockDir;
    private readonly Action<int, Vnode>? _replaced;
    private readonly Action<int, Vnode, Vnode>? _made;
    private readonly HardLinks[] _links;
    private readonly bool _ownsLinks;
    private Func<Vnode, Vnode, bool>? _otherFile; // OneWayEntries' otherFile, for the trees it compares whole too
    private Func<Vnode, bool>? _madeHere;         // OneWayEntries' madeHere
    private Vnode? _parkDir;                       // OneWay's parkDir, while it runs
    private readonly List<string> _parked = new();  // the names given to _parkDir so far

    /// <summary>The names under which a one-way merge parks the files it removes (OneWay's parkDir).</summary>
    internal const string ParkedPrefix = "parked-";

    /// <param name="copyNames">X, Y, ... for messages and conflict names.</param>
    /// <param name="progress">Called after each name is merged.</param>
    /// <param name="lockDir">Called with a directory's path before its entries are changed; the result is disposed after.</param>
    /// <param name="replaced">Called with (copy, vnode) for every vnode of a target that was removed or replaced.</param>
    /// <param name="links">Per copy, the hard links already made in it; shared by several merges of one resync. Owned by the caller.</param>
    /// <param name="made">Called with (copy, vnode, the source's vnode it was made from) for every file, directory and link made in a target.</param>
    public MirrorMerge(string[] copyNames, Action<MergeProgress>? progress, Func<string, IDisposable?>? lockDir = null,
        Action<int, Vnode>? replaced = null, HardLinks[]? links = null, Action<int, Vnode, Vnode>? made = null)
    {
        _made = made;
        _names = copyNames;
        _progress = progress;
        _lockDir = lockDir;
        _replaced = replaced;
        _ownsLinks = links is null;
        _links = links ?? copyNames.Select(_ => new HardLinks()).ToArray();
    }

    private void ReleaseLinks()
    {
        if (_ownsLinks)
            foreach (var l in _links)
                l.Dispose();
    }

    public MergeReport Report { get; } = new();

    /// <summary>OneWay: a regular file alike in every attribute is compared byte by byte too (a full resync after a crash).</summary>
    public bool CompareData { get; init; }

    /// <summary>
    /// OneWay: the target's files (by node id) whose times say nothing, compared byte by byte too when alike in every
    /// attribute: a full resync's, stamped at online by the mirror's own late writes (CopyUnflushed.FlushLate).
    /// </summary>
    public Func<ulong, bool>? Stamped { get; init; }

    /// <summary>Whether a regular file of the target alike in every attribute (<paramref name="tva"/>) is compared byte by byte too.</summary>
    private bool CompareBytes(Vattr tva) => tva.Type == VType.VREG && (CompareData || Stamped?.Invoke(tva.NodeId) == true);

    /// <summary>Merges the trees under <paramref name="roots"/> both ways. Returns OK or the first error.</summary>
    public Errno TwoWay(Vnode[] roots)
    {
        try
        {
            _walkingTrees = true;
            return RefutePending(MergeDir(roots, "/", source: -1, targets: null));
        }
        finally
        {
            ReleasePending();
            ReleaseLinks();
        }
    }

    /// <summary>
    /// Makes the trees under roots[t], t in <paramref name="targets"/>, identical to roots[source]. <paramref name="otherFile"/>
    /// and <paramref name="knownTwin"/> are OneWayEntries', for one target: a target's file known to be another file than
    /// the source's under its name is replaced, never rewritten in place; a name the target lacks for a file it has under
    /// another name is made a link to it.
    /// </summary>
    public Errno OneWay(Vnode[] roots, int source, int[] targets, Func<Vnode, Vnode, bool>? otherFile = null, Func<Vnode, Vnode?>? knownTwin = null,
        Vnode? parkDir = null)
    {
        _otherFile = otherFile;
        _parkDir = parkDir;
        foreach (int t in targets)
        {
            _links[t].Known = knownTwin;
            _links[t].MakeAlike = knownTwin is null ? null : MakeTwinAlike;
        }
        try
        {
            var err = parkDir is null ? Errno.OK : RemoveParked(parkDir);
            _walkingTrees = true;
            // A copy that is neither source nor target walks the source's tree in its place: never read, it may be
            // away with another tree, a file where the source has a directory (Fixed 116: a full resync of X read Z,
            // whose disk had failed, and stopped at ENOTDIR).
            var walked = roots.Select((r, i) => i == source || targets.Contains(i) ? r : roots[source]).ToArray();
            if (err == Errno.OK)
                err = RefutePending(MergeDir(walked, "/", source, targets));
            LetGoParked();
            return err == Errno.OK && parkDir is not null ? RemoveParked(parkDir, targets[0]) : err;
        }
        finally
        {
            ReleasePending();
            LetGoParked();
            _otherFile = null;
            _parkDir = null;
            _parked.Clear();
            _keptDirs.Clear();
            foreach (int t in targets)
                (_links[t].Known, _links[t].MakeAlike) = (null, null);
            ReleaseLinks();
        }
    }

    /// <summary>
    /// OneWay with a parkDir (a full resync: the target's .mfs) moves each file it removes there instead, and removes it
    /// only once the whole tree is merged. A name met later may be one the target lacks for that very file (renamed into
    /// a directory the merge comes to after, or linked there, while the copy was away): HardLinks.Known finds it still
    /// named, and the name is made a link to it. Removed at once, it would be gone, and that name's file copied whole: a
    /// handle naming the file in the target alone would go stale. Parked names left by a crash are removed first.
    /// </summary>
    private Errno Park(Vnode dir, string name)
    {
        string parked = ParkedPrefix + _parked.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var err = Vop.Rename(dir, name, _parkDir!, parked, Cr);
        if (err == Errno.OK)
            _parked.Add(parked);
        return err;
    }

    /// <summary>
    /// Removes every entry of <paramref name="parkDir"/> whose name begins with <paramref name="prefix"/>, trees too; each
    /// file that is no directory by <paramref name="remove"/> when given (MirrorDataCopy.RemoveEntry's park).
    /// </summary>
    internal static Errno RemoveParked(Vnode parkDir, string prefix = ParkedPrefix, Func<Vnode, string, Vnode, Errno>? remove = null)
    {
        var err = MirrorDataCopy.ReadDir(parkDir, out var entries);
        foreach (var d in entries.Where(d => d.Name.StartsWith(prefix, StringComparison.Ordinal)))
            if (err == Errno.OK)
                err = MirrorDataCopy.RemoveEntry(parkDir, d.Name, new CopyStats(), remove);
        return err;
    }

    /// <summary>
    /// The full resync's last step: removes what it parked in target <paramref name="t"/>'s .mfs, and a file whose last
    /// name goes with it is let go of by its mnode then. LetGoParked, just before, left such a file to its mnode while a
    /// parked name still counted as one of its links (Fixed 119: a file open through the mirror, whose other name lay in
    /// a parked directory, kept a vnode that the removal made stale, and its close failed the copy with ESTALE).
    /// </summary>
    private Errno RemoveParked(Vnode parkDir, int t) => RemoveParked(parkDir, ParkedPrefix, (dir, name, vp) =>
    {
        _replaced?.Invoke(t, vp); // before the removal, as for any name the merge removes: this name still counts
        return Vop.Remove(dir, name, Cr);
    });

    /// <summary>
    /// Removes <paramref name="name"/> from a target directory: parked while a OneWay with a parkDir runs, else handed to
    /// KeepAside when set (each file the tree under the name holds).
    /// </summary>
    private Errno RemoveTarget(Vnode dir, string name) =>
        MirrorDataCopy.RemoveEntry(dir, name, Report.Stats, _parkDir is null ? KeepAside : (d, n, _) => Park(d, n));

    /// <summary>
    /// A log replay's removal of one file's name from a target directory, given the file (MirrorResync.KeepAside), in
    /// place of the plain removal: a file the mirror still has, losing its last name there, waits in the copy's .mfs for
    /// a name met later.
    /// </summary>
    public Func<Vnode, string, Vnode, Errno>? KeepAside { get; init; }

    /// <summary>
    /// Entries of one directory only, from dirs[0] (an available copy) to dirs[1] (a copy being resynced).
    /// With <paramref name="changed"/> (the names created, removed or renamed while the copy was away) only those
    /// names are compared, otherwise every name: what the target lacks is copied whole, what it holds differently
    /// is replaced (a directory in both under a changed name is compared whole, since it may be another directory
    /// now), what the source no longer has is removed.
    /// Subdirectories present on both sides are not entered (their own log entries cover them).
    /// <paramref name="copiedWhole"/> is told the source vnode and the name of everything copied whole. <paramref name="otherFile"/>
    /// (source vnode, target vnode) says the target's file under a name is known to be another file than the source's
    /// (removed or renamed, and the name made again, while the copy was away): it is replaced, never rewritten in place;
    /// a directory known as another is kept, its entries made the source's, and the mnode that had it forgets it.
    /// <paramref name="knownTwin"/> (source vnode) gives, held, the target's file known to be the source's, wherever it is
    /// named: a name the target lacks for a file with other links is made a link to it. <paramref name="later"/>, when
    /// given, is handed the names the source lacks instead of their removal, for the caller to remove once it has
    /// merged the other directories it has to (a name made in one of them may be a link to the file under one of these).
    /// <paramref name="madeHere"/> (target vnode) says the target's directory was made late, perhaps empty, so that it is
    /// compared whole even where <paramref name="changed"/> is null and it is the source's known twin.
    /// </summary>
    public Errno OneWayEntries(Vnode[] dirs, IReadOnlyCollection<string>? changed, Action<Vnode, string> copiedWhole, bool top,
        Func<Vnode, Vnode, bool>? otherFile = null, Func<Vnode, Vnode?>? knownTwin = null, List<string>? later = null,
        Func<Vnode, bool>? madeHere = null)
    {
        _otherFile = otherFile;
        _madeHere = madeHere;
        _links[1].Known = knownTwin; // for the trees it copies whole too
        try
        {
            var err = Errno.OK;
            IEnumerable<string> names;
            if (changed is not null)
                names = changed.OrderBy(n => n, StringComparer.Ordinal).ToArray();
            else
            {
                if ((err = MirrorDataCopy.ReadDir(dirs[0], out var a, top)) != Errno.OK || (err = MirrorDataCopy.ReadDir(dirs[1], out var b, top)) != Errno.OK)
                    return err;
                names = new SortedSet<string>(a.Select(d => d.Name).Concat(b.Select(d => d.Name)), StringComparer.Ordinal);
            }
            // The names the source lacks are removed last: a file the target holds under one of them may be the twin
            // that a name made meanwhile is linked to (knownTwin, FindTargetLink); removed first, it would be gone, and
            // the name's file copied whole -- another file, with another handle (docs/verification.md, Fixed 57).
            var gone = new List<string>();
            foreach (var name in names)
                if ((err = OneWayEntry(dirs, name, changed, copiedWhole, gone)) != Errno.OK)
                    return err;
            if (later is not null)
            {
                later.AddRange(gone);
                return Errno.OK;
            }
            foreach (var name in gone)
                if ((err = OneWayEntry(dirs, name, changed, copiedWhole, null)) != Errno.OK)
                    return err;
            return Errno.OK;
        }
        finally
        {
            _links[1].Known = null;
            _madeHere = null;
            ReleaseLinks();
        }
    }

    /// <summary>
    /// OneWayEntries for one name: dirs[1]'s <paramref name="name"/> made what dirs[0]'s is. A name dirs[0] lacks is put in
    /// <paramref name="gone"/> for later when it is given, else removed now.
    /// </summary>
    private Errno OneWayEntry(Vnode[] dirs, string name, IReadOnlyCollection<string>? changed, Action<Vnode, string> copiedWhole,
        List<string>? gone)
    {
        var vps = new Vnode?[2];
        var vas = new Vattr?[2];
        bool other = false;
        try
        {
            var err = LookupAll(dirs, name, vps, vas);
            if (err != Errno.OK)
                return err;
            if (vas[0] is null && vps[1] is not null && gone is not null)
            {
                gone.Add(name);
                return Errno.OK;
            }
            Report.Scanned++;
            if (vas[0] is null)
            {
                if (vps[1] is not null)
                {
                    _replaced?.Invoke(1, vps[1]!);
                    if ((err = MirrorDataCopy.RemoveEntry(dirs[1], name, Report.Stats)) != Errno.OK)
                        return err;
                }
            }
            else if (vas[0]!.Type == VType.VDIR && vas[1]?.Type == VType.VDIR)
            {
                // A directory in both under a changed name may be another directory now: its whole tree is
                // compared one way, which keeps what is the same (a file in it with a link outside it, too).
                // Kept as the source's directory, it is no longer the one another mnode knew it as (a cycle
                // of renames): that mnode forgets it and finds its own directory by name again. Where the log kept
                // no names (changed null: every name compared), a directory known to be the source's own twin is
                // left to its own log entries; any other may have been renamed over or made again while the copy was
                // away (Fixed 114: one renamed over another, past logranges= names in their parent, kept the old
                // one's tree in the copy) -- and so may the twin made here since, empty (madeHere: Fixed 118, a
                // directory the resync's moves made for a file moved into it).
                bool another = _otherFile?.Invoke(vps[0]!, vps[1]!) == true;
                if (changed is null && !another && KnownTwin(vps[0]!, vps[1]!) && _madeHere?.Invoke(vps[1]!) != true)
                    return Errno.OK;
                if (another)
                    _replaced?.Invoke(1, vps[1]!);
                if ((err = MergeDir([vps[0]!, vps[1]!], "/" + name, 0, [1])) != Errno.OK)
                    return err;
            }
            // A file with more links in the target, alike otherwise, is the source's file still under names the source
            // no longer has, which the replay removes where it meets them: compared here only where the log kept no
            // names (Fixed 120: a symbolic link with four names, two removed while the copy was away, was made again
            // under a third, and the copy's file lost that link), as the full resync's walk does (Fixed 88).
            else if (vas[0]!.Type == VType.VDIR || (other = vps[1] is not null && _otherFile?.Invoke(vps[0]!, vps[1]!) == true)
                || Differs(vps[0]!, vas[0]!, vps[1], vas[1], links: vas[1] is not { } tva || tva.Nlink <= vas[0]!.Nlink))
            {
                if (vas[0]!.Type != VType.VDIR)
                    FindTargetLink(dirs, name, vps[0]!, vas[0]!, changed);
                long linked = Report.Stats.Linked;
                if ((err = Replace(dirs, name, vps, vas, 0, 1, other)) != Errno.OK)
                    return err;
                if (Report.Stats.Linked == linked)
                    copiedWhole(vps[0]!, name);
            }
        }
        finally
        {
            foreach (var v in vps)
                v?.Rele();
        }
        return Errno.OK;
    }

    /// <summary>True when the target's file <paramref name="tv"/> is known to be the source's <paramref name="sv"/> (OneWayEntries' knownTwin).</summary>
    private bool KnownTwin(Vnode sv, Vnode tv)
    {
        if (_links[1].Known?.Invoke(sv) is not { } twin)
            return false;
        bool same = Vop.Cmp(twin, tv);
        twin.Rele();
        return same;
    }

    /// <summary>
    /// Makes dirs[1]'s <paramref name="name"/> what dirs[0]'s is, however alike the two look (the same size and time
    /// with other bytes): copied over, replaced, or removed where dirs[0] has no such name. For a decision already
    /// taken (a split brain settled, a file resolved), where the ordinary comparison would find nothing to do.
    /// </summary>
    public Errno ForceName(Vnode[] dirs, string name)
    {
        var vps = new Vnode?[2];
        var vas = new Vattr?[2];
        try
        {
            var err = LookupAll(dirs, name, vps, vas);
            if (err != Errno.OK)
                return err;
            Report.Scanned++;
            if (vps[0] is not null)
                return Replace(dirs, name, vps, vas, 0, 1);
            if (vps[1] is null)
                return Errno.OK;
            _replaced?.Invoke(1, vps[1]!);
            return MirrorDataCopy.RemoveEntry(dirs[1], name, Report.Stats);
        }
        finally
        {
            foreach (var v in vps)
                v?.Rele();
            ReleaseLinks();
        }
    }

    /// <summary>
    /// For a file about to be copied to dirs[1]: the target's file known to be the source's (knownTwin), wherever it is
    /// named, is the file there, and the new name becomes a link to it -- for a file with one link too: its other name in
    /// the target is one the source no longer has, and the replay removes it (a link made and the old name renamed over
    /// while the copy was away, Figs. 9 and 10, seed 20264374: copied whole, the file got another inode, and a client's
    /// handle naming it in that copy alone went stale). For a file with several links, also: if another of its names in
    /// the same directory is held by the target as the same file -- an unchanged name, or a changed one (a rename refused,
    /// a name made again) whose file there is alike and not known as another -- that is the file there.
    /// </summary>
    private void FindTargetLink(Vnode[] dirs, string name, Vnode src, Vattr va, IReadOnlyCollection<string>? changed)
    {
        if (_links[1].TryGet(va, src, out _))
            return; // another link of the file, in any directory (Fig. 5, seed 20261254)
        if (va.Nlink == 1 || MirrorDataCopy.ReadDir(dirs[0], out var entries) != Errno.OK)
            return;
        foreach (var d in entries)
        {
            if (d.Ino != va.NodeId || d.Name == name)
                continue;
            var vps = new Vnode?[2];
            var vas = new Vattr?[2];
            try
            {
                if (LookupAll(dirs, d.Name, vps, vas) != Errno.OK || vas[0] is null || vas[1]?.Type != va.Type)
                    continue;
                // Its link count may differ: the link being made is what the target lacks.
                bool same = (changed is not null && !changed.Contains(d.Name))
                    || (_otherFile?.Invoke(vps[0]!, vps[1]!) != true && !Differs(vps[0]!, vas[0]!, vps[1], vas[1], links: false));
                if (same)
                {
                    _links[1].Add(va, vps[1]!);
                    return;
                }
            }
            finally
            {
                foreach (var v in vps)
                    v?.Rele();
            }
        }
    }

    /// <summary>
    /// A one-way merge's order: the names the source has, then those it lacks, which are removed. A target's file under
    /// one of those may be the twin that a name of the source's is made a link to (HardLinks.Known: a file renamed while
    /// the copy was away); removed first, it would be gone, and the name's file copied whole, as OneWayEntries says.
    /// </summary>
    private static IEnumerable<string> SourceFirst(SortedSet<string> names, List<Dirent> source)
    {
        var has = source.Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
        return names.Where(has.Contains).Concat(names.Where(n => !has.Contains(n)));
    }

    private Errno MergeDir(Vnode[] dirs, string path, int source, int[]? targets)
    {
        var subdirs = new List<(Vnode[] Dirs, string Path)>();
        Errno err;
        using (_lockDir?.Invoke(path))
        {
            var listings = new List<Dirent>[dirs.Length];
            for (int i = 0; i < dirs.Length; i++)
                if ((err = MirrorDataCopy.ReadDir(dirs[i], out listings[i], top: path == "/")) != Errno.OK)
                    return err;
            var names = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var l in listings)
                foreach (var d in l)
                    names.Add(d.Name);
            foreach (var name in source < 0 ? names : SourceFirst(names, listings[source]))
            {
                Report.Scanned++;
                string p = path == "/" ? "/" + name : path + "/" + name;
                var (e, sub) = source < 0 ? MergeNameTwoWay(dirs, name, p) : MergeNameOneWay(dirs, name, p, source, targets!);
                if (e != Errno.OK)
                    return e;
                if (sub is not null)
                    subdirs.Add((sub, p));
                _progress?.Invoke(new MergeProgress(Report.Scanned, Report.Stats.Files + Report.Stats.Directories + Report.Stats.Symlinks,
                    Report.Stats.BytesCopied, p));
            }
        }
        foreach (var (sub, p) in subdirs)
        {
            try
            {
                err = MergeDir(sub, p, source, targets);
            }
            finally
            {
                foreach (var v in sub)
                    v.Rele();
            }
            if (err != Errno.OK)
                return err;
        }
        return source < 0 ? SettleDirAttrs(dirs) : CopyDirAttrs(dirs, source, targets!);
    }

    /// <summary>
    /// One name, both ways. Returns the copies' directories (held) when the name is a directory to descend
    /// into, else null.
    /// </summary>
    private (Errno, Vnode[]?) MergeNameTwoWay(Vnode[] dirs, string name, string path)
    {
        var vps = new Vnode?[dirs.Length];
        var vas = new Vattr?[dirs.Length];
        try
        {
            var err = LookupAll(dirs, name, vps, vas);
            if (err != Errno.OK)
                return (err, null);
            bool anyDir = vas.Any(v => v?.Type == VType.VDIR);
            if (anyDir && vas.Any(v => v is not null && v.Type != VType.VDIR))
            {
                for (int i = 0; i < dirs.Length; i++)
                {
                    if (vas[i] is null || vas[i]!.Type == VType.VDIR)
                        continue;
                    string moved = $"{name}.mfs-conflict-{_names[i]}";
                    err = Vop.Rename(dirs[i], name, dirs[i], moved, Cr);
                    Report.Conflicts.Add(err == Errno.OK
                        ? $"{path}: a directory in one copy, a file in {_names[i]}; the directory wins, {_names[i]}'s file is kept as {moved}"
                        : $"{path}: a directory in one copy, a file in {_names[i]}; could not rename the file aside: {err}");
                    if (err != Errno.OK)
                        return (err, null);
                    vps[i]!.Rele();
                    vps[i] = null;
                    vas[i] = null;
                    for (int j = 0; j < dirs.Length; j++)
                        if (j != i && (err = CopyFromTo(dirs, moved, i, j)) != Errno.OK)
                            return (err, null);
                }
            }
            if (anyDir)
            {
                int winner = Newest(vas);
                for (int i = 0; i < dirs.Length; i++)
                    if (vps[i] is null)
                    {
                        err = Vop.Mkdir(dirs[i], name, new Vattr(AttrMask.AT_TYPE | AttrMask.AT_MODE) { Type = VType.VDIR, Mode = vas[winner]!.Mode }, out vps[i], Cr);
                        if (err != Errno.OK)
                            return (err, null);
                        _made?.Invoke(i, vps[i]!, vps[winner]!);
                        Report.Stats.Directories++;
                    }
                var sub = (Vnode[])vps.Clone()!;
                Array.Clear(vps);
                return (Errno.OK, sub!);
            }
            int w = Newest(vas);
            for (int i = 0; i < dirs.Length; i++)
                if (i != w && Differs(vps[w]!, vas[w]!, vps[i], vas[i]))
                    if ((err = Replace(dirs, name, vps, vas, w, i)) != Errno.OK)
                        return (err, null);
            return (Errno.OK, null);
        }
        finally
        {
            foreach (var v in vps)
                v?.Rele();
        }
    }

    /// <summary>One name, from <paramref name="source"/> to <paramref name="targets"/>.</summary>
    private (Errno, Vnode[]?) MergeNameOneWay(Vnode[] dirs, string name, string path, int source, int[] targets)
    {
        var vps = new Vnode?[dirs.Length];
        var vas = new Vattr?[dirs.Length];
        try
        {
            var err = LookupAll(dirs, name, vps, vas);
            if (err != Errno.OK)
                return (err, null);
            var sva = vas[source];
            foreach (int t in targets)
            {
                if (sva is null)
                {
                    if (vps[t] is not null && (err = Take(dirs[t], name, t, vps[t]!, vas[t]!, lives: true)) != Errno.OK)
                        return (err, null);
                    continue;
                }
                bool other = vps[t] is not null && _otherFile?.Invoke(vps[source]!, vps[t]!) == true;
                if (sva.Type == VType.VDIR && vas[t]?.Type == VType.VDIR && other && _parkDir is not null)
                {
                    // Another directory's (renamed away, this name made again): it waits in .mfs for its own name.
                    if ((err = ParkDir(dirs[t], name, t, vps[t]!)) != Errno.OK)
                        return (err, null);
                    vps[t]!.Rele();
                    (vps[t], vas[t]) = (null, null);
                }
                if (sva.Type == VType.VDIR && vas[t]?.Type == VType.VDIR)
                {
                    if (other)
                        _replaced?.Invoke(t, vps[t]!); // as in OneWayEntries: kept as the source's directory
                    Kept(t, vas[t]!);
                    continue;
                }
                if (sva.Type == VType.VDIR && vas[t] is { } fva && fva.Type != VType.VDIR && _parkDir is not null)
                {
                    // A file of the target under a name the source made a directory of goes first (parked, for a name
                    // met later to be linked to), so that the target's twin of the directory can move here: copied
                    // whole instead, it would be another directory, and a handle naming it in the target alone stale
                    // (a probe of Fig. 9, seed 700058: a directory renamed over the name of an open file renamed away
                    // while X was offline, and X's full resync at online).
                    if ((err = Take(dirs[t], name, t, vps[t]!, fva, lives: true)) != Errno.OK)
                        return (err, null);
                    vps[t]!.Rele();
                    (vps[t], vas[t]) = (null, null);
                }
                if (sva.Type == VType.VDIR && vps[t] is null && MoveTwinDir(dirs[t], name, t, vps[source]!) is { } moved)
                {
                    vps[t] = moved;
                    vas[t] = sva;
                    continue;
                }
                if (sva.Type == VType.VDIR && vps[t] is null)
                {
                    err = Vop.Mkdir(dirs[t], name, new Vattr(AttrMask.AT_TYPE | AttrMask.AT_MODE) { Type = VType.VDIR, Mode = sva.Mode }, out vps[t], Cr);
                    if (err != Errno.OK)
                        return (err, null);
                    _made?.Invoke(t, vps[t]!, vps[source]!);
                    Report.Stats.Directories++;
                    vas[t] = sva;
                    continue;
                }
                // A file with more links in the target, alike otherwise, is the source's file still under names the
                // source no longer has, which are removed where the walk, or the log's replay, meets them (Fixed 88).
                bool surplus = vas[t] is { } tva && tva.Nlink > sva.Nlink;
                if (other || Differs(vps[source]!, sva, vps[t], vas[t], links: !surplus) || !KeptAsTwin(t, sva, vps[t]!))
                {
                    if ((err = Replace(dirs, name, vps, vas, source, t, other)) != Errno.OK)
                        return (err, null);
                }
                else if (CompareBytes(vas[t]!) && (err = MirrorDataCopy.RewriteDiffering(vps[source]!, vps[t]!, Report.Stats)) != Errno.OK)
                    return (err, null);
            }
            if (sva?.Type != VType.VDIR)
                return (Errno.OK, null);
            if (targets.Any(t => vps[t] is null || vas[t]?.Type != VType.VDIR))
                return (Errno.OK, null);
            var sub = new Vnode[dirs.Length];
            var sourceDir = vps[source]!;
            for (int i = 0; i < dirs.Length; i++)
            {
                if (vps[i] is null)
                {
                    // A copy that is neither source nor target (OneWay gave it the source's tree): descend with the source
                    // in its place; it is never written.
                    sub[i] = sourceDir;
                    sub[i].Hold();
                }
                else
                {
                    sub[i] = vps[i]!;
                    vps[i] = null;
                }
            }
            return (Errno.OK, sub);
        }
        finally
        {
            foreach (var v in vps)
                v?.Rele();
        }
    }

    private static Errno LookupAll(Vnode[] dirs, string name, Vnode?[] vps, Vattr?[] vas)
    {
        for (int i = 0; i < dirs.Length; i++)
        {
            var err = Vop.Lookup(dirs[i], name, out vps[i], LookupFlags.None, null, Cr);
            if (err == Errno.ENOENT)
                continue;
            if (err != Errno.OK)
                return err;
            var va = new Vattr(AttrMask.AT_ALL);
            if ((err = Vop.Getattr(vps[i]!, va, AttrFlags.None, Cr)) != Errno.OK)
                return err;
            vas[i] = va;
        }
        return Errno.OK;
    }

    /// <summary>
    /// The copy with the newest modification time, then the newest change time (a change of extended attributes alone
    /// moves only that); the first such, so X wins exact ties.
    /// </summary>
    private static int Newest(Vattr?[] vas)
    {
        int w = -1;
        for (int i = 0; i < vas.Length; i++)
            if (vas[i] is not null && (w < 0 || vas[i]!.Mtime > vas[w]!.Mtime || (vas[i]!.Mtime == vas[w]!.Mtime && vas[i]!.Ctime > vas[w]!.Ctime)))
                w = i;
        return w;
    }

    /// <summary>
    /// For a file with several links found alike in target <paramref name="t"/> under one of its names: that file is the
    /// source's file's twin there, so that its other names, wherever the walk meets them, become links to it rather than
    /// copies (found by Fig. 7's restarts, docs/verification.md, Fixed 55: a link the target lacked was copied whole,
    /// and the file kept one link there). False when another file of the target is the twin already: this name must
    /// become a link to that one.
    /// </summary>
    private bool KeptAsTwin(int t, Vattr sva, Vnode tv)
    {
        if (sva.Nlink <= 1)
            return true;
        if (_links[t].TryGet(sva, out var twin))
            return Vop.Cmp(twin!, tv);
        _links[t].Add(sva, tv);
        return true;
    }

    /// <summary>
    /// True when copy i's version of a non-directory is missing or is not the same as the winner's -- including when
    /// it has another number of links (unless <paramref name="links"/> is false): a name that is a hard link in one copy
    /// must be one in the other -- or other extended attributes.
    /// </summary>
    internal static bool Differs(Vnode wv, Vattr wa, Vnode? vp, Vattr? va, bool links = true)
    {
        if (vp is null || va is null || va.Type != wa.Type || (links && va.Nlink != wa.Nlink))
            return true;
        if (wa.Type == VType.VLNK)
            return MirrorDataCopy.ReadLink(wv, out var a) != Errno.OK || MirrorDataCopy.ReadLink(vp, out var b) != Errno.OK || a != b;
        return va.Mtime != wa.Mtime || va.Size != wa.Size || va.Mode != wa.Mode || va.Uid != wa.Uid || va.Gid != wa.Gid || va.Rdev != wa.Rdev
            || !MirrorExtattr.Same(wv, vp);
    }

    /// <summary>
    /// The target's twin <paramref name="tv"/> of the source's file <paramref name="sv"/>, which a name is about to be made
    /// a link to (HardLinks.Known: the file renamed or linked while the copy was away), gets what the source's file has
    /// that it lacks. The log's replay brings it by the file's own entries; a merge of names alone (a full resync) has
    /// none, and the twin would keep the data and attributes it had when the copy left.
    /// </summary>
    private Errno MakeTwinAlike(Vnode sv, Vattr sva, Vnode tv)
    {
        var tva = new Vattr(AttrMask.AT_ALL);
        var err = Vop.Getattr(tv, tva, AttrFlags.None, Cr);
        if (err != Errno.OK)
            return err;
        if (!Differs(sv, sva, tv, tva, links: false))
            return CompareBytes(tva) ? MirrorDataCopy.RewriteDiffering(sv, tv, Report.Stats) : Errno.OK;
        if (sva.Type == VType.VREG && (err = MirrorDataCopy.CopyData(sv, tv, 0, sva.Size, Report.Stats)) != Errno.OK)
            return err;
        return MirrorDataCopy.CopyAttrs(sva, tv, size: sva.Type == VType.VREG, src: sv);
    }

    /// <summary>
    /// Makes copy <paramref name="to"/>'s version of <paramref name="name"/> the same as copy <paramref name="from"/>'s.
    /// With <paramref name="otherFile"/> the target's file is another file the mirror knows: it is never rewritten in
    /// place, only its name is taken (what the mnodes do with it is <c>replaced</c>'s business). A file rewritten in
    /// place that cannot be (EIO: a bad block under it in that copy, issue 11) is made again: its name removed, the
    /// source's file copied whole, so the copy can rejoin.
    /// </summary>
    private Errno Replace(Vnode[] dirs, string name, Vnode?[] vps, Vattr?[] vas, int from, int to, bool otherFile = false)
    {
        if (!otherFile && WaitForLinks(dirs, name, vps, vas, from, to, out var waited))
            return waited;
        var fa = vas[from]!;
        // The target's file under this name may already be the source's file's twin (HardLinks: primed, linked earlier
        // in this merge, or known to the resync), short of links the source gained or with links it lacks -- a file of one
        // link too: its other names are settled each on its own (Fixed 124). It stays, and is rewritten in place.
        // Removed, it would be linked back from the twin the table still holds: a removed file (ESTALE from an NFS copy).
        bool twin = !otherFile && vps[to] is not null && _links[to].TryGet(fa, vps[from]!, out var tw) && Vop.Cmp(tw!, vps[to]!);
        if (!otherFile && vps[to] is not null && vas[to]!.Type == VType.VREG && fa.Type == VType.VREG && (twin || vas[to]!.Nlink == 1 && fa.Nlink == 1))
        {
            var err = MirrorDataCopy.CopyData(vps[from]!, vps[to]!, 0, fa.Size, Report.Stats);
            if (err == Errno.OK && (err = MirrorDataCopy.CopyAttrs(fa, vps[to]!, size: true, src: vps[from])) == Errno.OK)
            {
                Report.Stats.Files++;
                return Errno.OK;
            }
            if (err != Errno.EIO)
                return err; // a copy away (ETIMEDOUT), a full disk: making the file again would not help
            Report.Stats.Recreated++; // and made again below
        }
        // A twin that is no regular file (a symbolic link) and alike but for its links is the source's file already:
        // removed and copied, it would come back with one link (Fig. 7 with copy faults, seed 20264629).
        if (twin && fa.Type != VType.VREG && vas[to]!.Type == fa.Type && !Differs(vps[from]!, fa, vps[to], vas[to], links: false))
            return Errno.OK;
        if (vps[to] is not null)
        {
            if (twin)
                _links[to].Forget(fa);
            var err = Take(dirs[to], name, to, vps[to]!, vas[to]!, lives: otherFile);
            if (err != Errno.OK)
                return err;
        }
        return MirrorDataCopy.CopyEntry(dirs[from], name, vps[from]!, dirs[to], Report.Stats, _links[to], MadeIn(to));
    }

    private Action<Vnode, Vnode>? MadeIn(int copy) => _made is { } made ? (sv, vp) => made(copy, vp, sv) : null;

    private Errno CopyFromTo(Vnode[] dirs, string name, int from, int to)
    {
        var err = Vop.Lookup(dirs[from], name, out var sv, LookupFlags.None, null, Cr);
        if (err != Errno.OK)
            return err;
        err = MirrorDataCopy.CopyEntry(dirs[from], name, sv!, dirs[to], Report.Stats, _links[to], MadeIn(to));
        sv!.Rele();
        return err;
    }

    /// <summary>After a two-way merge of a directory: every copy takes the newest copy's mode, owner and times.</summary>
    private static Errno SettleDirAttrs(Vnode[] dirs)
    {
        var vas = new Vattr?[dirs.Length];
        for (int i = 0; i < dirs.Length; i++)
        {
            vas[i] = new Vattr(AttrMask.AT_ALL);
            var err = Vop.Getattr(dirs[i], vas[i]!, AttrFlags.None, Cr);
            if (err != Errno.OK)
                return err;
        }
        int w = Newest(vas);
        for (int i = 0; i < dirs.Length; i++)
        {
            var err = MirrorDataCopy.CopyAttrs(vas[w]!, dirs[i], size: false);
            if (err != Errno.OK)
                return err;
        }
        return Errno.OK;
    }

    /// <summary>After a one-way merge of a directory: the targets take the source's mode, owner and times.</summary>
    private static Errno CopyDirAttrs(Vnode[] dirs, int source, int[] targets)
    {
        var va = new Vattr(AttrMask.AT_ALL);
        var err = Vop.Getattr(dirs[source], va, AttrFlags.None, Cr);
        if (err != Errno.OK)
            return err;
        foreach (int t in targets)
            if ((err = MirrorDataCopy.CopyAttrs(va, dirs[t], size: false)) != Errno.OK)
                return err;
        return Errno.OK;
    }
}
