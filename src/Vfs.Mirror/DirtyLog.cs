// Vfs.Mirror: the log a down copy keeps of what it missed (patent B.7), and beyond the patent, which bytes.
//
// While a copy is unavailable, every update the mirror makes without it is recorded here: the mnode
// it touched (held, so that renames keep its path current) and what changed -- its data (as a set
// of byte ranges), its attributes, or its names (for a directory). When the copy comes back, the
// resync replays the log: it copies just those ranges, those attributes, those directory entries. A
// file renamed is logged with the place it had (MovedFrom), so that the copy's file is renamed too rather
// than removed and copied whole.
// The log is bounded. Beyond LogRanges ranges a vnode degrades to "the whole file"; beyond
// LogSize vnodes the log overflows and the copy needs a full resync (the mount merge, one way).
namespace UnixVfs.Mirror;

/// <summary>What changed on a logged vnode.</summary>
[Flags]
public enum DirtyKind
{
    None = 0,
    /// <summary>Some of its data (see the ranges).</summary>
    Data = 1,
    /// <summary>Its attributes (mode, owner, times, size).</summary>
    Attr = 2,
    /// <summary>Its directory entries (names created, removed or renamed in it).</summary>
    Names = 4,
}

/// <summary>A set of byte ranges [Start, End), kept sorted and merged, bounded in count.</summary>
public sealed class RangeSet
{
    private readonly List<(long Start, long End)> _ranges = new();
    private readonly int _max;

    public RangeSet(int maxRanges) => _max = maxRanges;

    /// <summary>True once more ranges were added than the bound: the whole file must be copied.</summary>
    public bool Whole { get; private set; }

    /// <summary>The ranges, sorted and disjoint (empty when Whole).</summary>
    public IReadOnlyList<(long Start, long End)> Ranges => _ranges;

    /// <summary>
    /// Adds [start, start+length), merging with neighbours, and returns the range of the set that now holds it
    /// ([0, long.MaxValue) once Whole; [start, start) for an empty range).
    /// </summary>
    public (long Start, long End) Add(long start, long length)
    {
        if (Whole)
            return (0, long.MaxValue);
        if (length <= 0)
            return (start, start);
        long end = start + length;
        int i = 0;
        while (i < _ranges.Count && _ranges[i].End < start)
            i++;
        int j = i;
        while (j < _ranges.Count && _ranges[j].Start <= end)
        {
            start = Math.Min(start, _ranges[j].Start);
            end = Math.Max(end, _ranges[j].End);
            j++;
        }
        _ranges.RemoveRange(i, j - i);
        _ranges.Insert(i, (start, end));
        if (_ranges.Count > _max)
        {
            Whole = true;
            _ranges.Clear();
            return (0, long.MaxValue);
        }
        return (start, end);
    }

    /// <summary>Bytes covered by the ranges.</summary>
    public long Bytes => _ranges.Sum(r => r.End - r.Start);
}

/// <summary>One logged vnode.</summary>
public sealed class DirtyEntry
{
    private readonly int _maxNames;
    private HashSet<string>? _names = new(StringComparer.Ordinal);

    internal DirtyEntry(Mnode m, int maxRanges)
    {
        Mnode = m;
        Ranges = new RangeSet(maxRanges);
        _maxNames = maxRanges;
    }

    /// <summary>
    /// For a directory: the names created, removed or renamed in it, or null when more changed than the log
    /// keeps (then every name of the directory must be compared).
    /// </summary>
    public IReadOnlyCollection<string>? Names => _names;

    internal void AddName(string? name)
    {
        if (_names is null)
            return;
        if (name is null || _names.Count >= _maxNames)
            _names = null;
        else
            _names.Add(name);
    }

    /// <summary>The mnode that changed (its vnode is held by the log).</summary>
    public Mnode Mnode { get; }

    /// <summary>
    /// For a file (of any type) renamed while the copy was away: the directory and name it had before its first such
    /// rename (the directory held by the log), where the copy still has it; null otherwise.
    /// </summary>
    public (Mnode Parent, string Name)? MovedFrom { get; private set; }

    /// <summary>
    /// True when, at that rename, the log had not changed the name MovedFrom since the copy left: the copy's file under
    /// it is this file. (A name removed and made again while the copy was away leads there to the old file.)
    /// </summary>
    public bool MovedFromKept { get; private set; }

    internal void AddMove(Mnode parent, string name, bool kept)
    {
        if (MovedFrom is not null)
            return;
        parent.Vnode.Hold();
        MovedFrom = (parent, name);
        MovedFromKept = kept;
    }

    /// <summary>Lets go of what the entry holds (outside the log's lock: a release may run VOP_INACTIVE).</summary>
    internal void Release()
    {
        Mnode.Vnode.Rele();
        MovedFrom?.Parent.Vnode.Rele();
    }

    /// <summary>What changed.</summary>
    public DirtyKind Kind { get; internal set; }

    /// <summary>The data ranges that changed, when Kind has Data.</summary>
    public RangeSet Ranges { get; }
}

/// <summary>The dirty log of one copy.</summary>
public sealed class DirtyLog
{
    private readonly object _lock = new();
    private readonly Dictionary<Mnode, DirtyEntry> _entries = new(ReferenceEqualityComparer.Instance);
    private readonly List<DirtyEntry> _order = new();
    private readonly int _maxVnodes;
    private readonly int _maxRanges;
    private long _bytesChanged;

    public DirtyLog(int maxVnodes, int maxRanges)
    {
        _maxVnodes = maxVnodes;
        _maxRanges = maxRanges;
    }

    /// <summary>True once more vnodes changed than the log holds: only a full resync can catch the copy up.</summary>
    public bool Overflowed { get; private set; }

    /// <summary>Vnodes logged.</summary>
    public int Count { get { lock (_lock) return _entries.Count; } }

    /// <summary>Bytes written by applications while the copy was away (the denominator of resync amplification).</summary>
    public long BytesChanged => Interlocked.Read(ref _bytesChanged);

    /// <summary>
    /// Records that <paramref name="m"/> changed in the way <paramref name="kind"/> says: for data, which bytes; for
    /// names, which name (null: names that cannot be told).
    /// </summary>
    public void Record(Mnode m, DirtyKind kind, long offset = 0, long length = 0, string? name = null) =>
        Record(m, kind, offset, length, name, movedFrom: null);

    /// <summary>
    /// Records that <paramref name="m"/> was renamed from <paramref name="name"/> in <paramref name="parent"/>
    /// (its attributes, and where the copy has it until the resync renames it there too); <paramref name="kept"/>: the
    /// log had not changed that name before (DirtyEntry.MovedFromKept).
    /// </summary>
    public void RecordMove(Mnode m, Mnode parent, string name, bool kept) => Record(m, DirtyKind.Attr, 0, 0, null, (parent, name, kept));

    private void Record(Mnode m, DirtyKind kind, long offset, long length, string? name, (Mnode Parent, string Name, bool Kept)? movedFrom)
    {
        if ((kind & DirtyKind.Data) != 0)
            Interlocked.Add(ref _bytesChanged, length);
        DirtyEntry[]? dropped = null;
        lock (_lock)
        {
            if (Overflowed)
                return;
            if (!_entries.TryGetValue(m, out var e))
            {
                if (_entries.Count >= _maxVnodes)
                {
                    Overflowed = true;
                    dropped = Detach();
                }
            }
            if (dropped is null)
            {
                if (e is null)
                {
                    e = new DirtyEntry(m, _maxRanges);
                    m.Vnode.Hold();
                    _entries.Add(m, e);
                    _order.Add(e);
                }
                e.Kind |= kind;
                if ((kind & DirtyKind.Data) != 0)
                    e.Ranges.Add(offset, length);
                if ((kind & DirtyKind.Names) != 0)
                    e.AddName(name);
                if (movedFrom is { } from)
                    e.AddMove(from.Parent, from.Name, from.Kept);
            }
        }
        Release(dropped);
    }

    /// <summary>Removes and returns the oldest entries (up to <paramref name="max"/>); the caller releases them (DirtyEntry.Release).</summary>
    public List<DirtyEntry> Take(int max)
    {
        lock (_lock)
        {
            int n = Math.Min(max, _order.Count);
            var taken = _order.GetRange(0, n);
            _order.RemoveRange(0, n);
            foreach (var e in taken)
                _entries.Remove(e.Mnode);
            return taken;
        }
    }

    /// <summary>What is waiting, oldest first, copied under the log's lock (mfsadm heal-info, MirrorHealInfo.cs).</summary>
    public List<HealEntry> Pending()
    {
        lock (_lock)
            return _order.Select(e => new HealEntry(e.Mnode.PathFromRoot, e.Kind, e.Ranges.Whole, e.Ranges.Ranges.ToArray(),
                e.Names?.OrderBy(n => n, StringComparer.Ordinal).ToArray())).ToList();
    }

    /// <summary>Forgets the entries and asks for a full resync next time (a replay that failed half-way).</summary>
    public void MarkOverflowed()
    {
        DirtyEntry[] dropped;
        lock (_lock)
        {
            dropped = Detach();
            Overflowed = true;
        }
        Release(dropped);
    }

    /// <summary>
    /// True when the log says the copy still has directory <paramref name="dir"/>'s entry <paramref name="name"/> as it
    /// was when the copy left: nothing created, removed or renamed that name since (false once the log overflowed).
    /// </summary>
    public bool NameUnchanged(Mnode dir, string name)
    {
        lock (_lock)
            return !Overflowed && (!_entries.TryGetValue(dir, out var e) || (e.Kind & DirtyKind.Names) == 0
                || e.Names is { } names && !names.Contains(name));
    }

    /// <summary>The mnodes whose entries waiting in the log include <paramref name="kind"/>.</summary>
    public List<Mnode> Logged(DirtyKind kind)
    {
        lock (_lock)
            return _order.Where(e => (e.Kind & kind) != 0).Select(e => e.Mnode).ToList();
    }

    /// <summary>True when <paramref name="m"/> has an entry still waiting in the log.</summary>
    public bool Contains(Mnode m)
    {
        lock (_lock)
            return _entries.ContainsKey(m);
    }

    /// <summary>Forgets everything (after a full resync, or at unmount), releasing the held mnodes.</summary>
    public void Clear()
    {
        DirtyEntry[] dropped;
        lock (_lock)
        {
            dropped = Detach();
            Overflowed = false;
            Interlocked.Exchange(ref _bytesChanged, 0);
        }
        Release(dropped);
    }

    private DirtyEntry[] Detach()
    {
        var held = _order.ToArray();
        _entries.Clear();
        _order.Clear();
        return held;
    }

    /// <summary>Lets go of the mnodes of dropped entries (outside the log's lock: a release may run VOP_INACTIVE).</summary>
    private static void Release(DirtyEntry[]? dropped)
    {
        if (dropped is null)
            return;
        foreach (var e in dropped)
            e.Release();
    }
}
