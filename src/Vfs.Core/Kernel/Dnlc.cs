// Vfs.Core: the directory name lookup cache (dnlc.h), one per Kernel.
//
// The DNLC maps (directory vnode, name) to the vnode the name leads to, so that a lookup of a
// recently used path costs a hash probe per component instead of a directory scan. File systems
// use it from their own VOP_LOOKUP (ufs, tmpfs), and keep it true themselves: every op that
// removes or renames a name calls Remove, rmdir and a file's final removal call PurgeVp, and
// unmount calls PurgeVfs before asking the file system whether it is busy.
//
// Each entry holds its vnode (one hold per entry): a cached name keeps its file's vnode alive.
// The cache is bounded (ncsize); when full, the least recently entered name is evicted and
// its hold released. Lookup returns the vnode held once more for the caller.
//
// Contracts, as in dnlc.h:
//   Lookup(dvp, nm)      -> the vnode, held, or null (not cached).
//   Enter(dvp, nm, vp)   caches the name; a name already cached is replaced.
//   Remove(dvp, nm)      forgets the name, if cached.
//   PurgeVp(vp)          forgets every entry naming vp or inside directory vp.
//   PurgeVfs(vfsp)       forgets every entry of a vfs; returns how many were dropped.
//
// LOCK ORDER: the cache's lock is a leaf (LockRank.Leaf): file systems call in holding their directory's
// lock, and nothing is taken under it but a vnode's hold count (atomic). Holds the cache drops (an
// evicted or replaced entry, a purge) are released after the lock is let go, because the last Rele
// calls VOP_INACTIVE, which takes the file system's locks.
namespace UnixVfs.Core;

/// <summary>The directory name lookup cache.</summary>
public sealed class Dnlc
{
    private readonly record struct Key(Vnode Dvp, string Name);

    private sealed class Entry
    {
        public required Key Key;
        public required Vnode Vp;
        public LinkedListNode<Entry>? Lru;
    }

    private readonly KMutex _lock = new(new LockClass("dnlc", LockRank.Leaf));
    private readonly Dictionary<Key, Entry> _entries = new();
    private readonly LinkedList<Entry> _lru = new();
    private long _hits, _misses;

    /// <summary><c>ncsize</c>: the most names kept.</summary>
    public int Capacity { get; }

    public Dnlc(int capacity = 65536) => Capacity = capacity;

    /// <summary>Names currently cached.</summary>
    public int Count { get { using (_lock.Enter()) return _entries.Count; } }

    /// <summary>Lookups answered from the cache.</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>Lookups the cache could not answer.</summary>
    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>dnlc_lookup: the cached vnode for <paramref name="nm"/> in <paramref name="dvp"/>, held, or null.</summary>
    public Vnode? Lookup(Vnode dvp, string nm)
    {
        using (_lock.Enter())
        {
            if (_entries.TryGetValue(new Key(dvp, nm), out var e))
            {
                e.Vp.Hold();
                _hits++;
                return e.Vp;
            }
            _misses++;
            return null;
        }
    }

    /// <summary>dnlc_update: caches <paramref name="nm"/> in <paramref name="dvp"/> as <paramref name="vp"/> (takes its own hold).</summary>
    public void Enter(Vnode dvp, string nm, Vnode vp)
    {
        if ((dvp.Flag & VnodeFlags.VNOCACHE) != 0 || nm == "." || nm == "..")
            return;
        Vnode? released = null, evicted = null;
        using (_lock.Enter())
        {
            var key = new Key(dvp, nm);
            if (_entries.TryGetValue(key, out var old))
            {
                if (ReferenceEquals(old.Vp, vp))
                    return;
                released = old.Vp;
                old.Vp = vp;
                vp.Hold();
            }
            else
            {
                if (_entries.Count >= Capacity && _lru.First is { } oldest)
                {
                    evicted = oldest.Value.Vp;
                    Unlink(oldest.Value);
                }
                var e = new Entry { Key = key, Vp = vp };
                e.Lru = _lru.AddLast(e);
                _entries.Add(key, e);
                vp.Hold();
            }
        }
        released?.Rele();
        evicted?.Rele();
    }

    /// <summary>dnlc_remove: forgets <paramref name="nm"/> in <paramref name="dvp"/>.</summary>
    public void Remove(Vnode dvp, string nm)
    {
        Vnode? vp = null;
        using (_lock.Enter())
        {
            if (_entries.TryGetValue(new Key(dvp, nm), out var e))
            {
                vp = e.Vp;
                Unlink(e);
            }
        }
        vp?.Rele();
    }

    /// <summary>dnlc_purge_vp: forgets every entry naming <paramref name="vp"/> or inside directory <paramref name="vp"/>.</summary>
    public void PurgeVp(Vnode vp) => PurgeWhere(e => ReferenceEquals(e.Vp, vp) || ReferenceEquals(e.Key.Dvp, vp));

    /// <summary>dnlc_purge_vfsp: forgets every entry of <paramref name="vfsp"/>; returns how many.</summary>
    public int PurgeVfs(Vfs vfsp) => PurgeWhere(e => ReferenceEquals(e.Vp.Vfs, vfsp) || ReferenceEquals(e.Key.Dvp.Vfs, vfsp));

    /// <summary>dnlc_purge: forgets everything.</summary>
    public int Purge() => PurgeWhere(_ => true);

    private int PurgeWhere(Func<Entry, bool> match)
    {
        List<Vnode> rele = new();
        using (_lock.Enter())
        {
            foreach (var e in _entries.Values.Where(match).ToList())
            {
                rele.Add(e.Vp);
                Unlink(e);
            }
        }
        foreach (var vp in rele)
            vp.Rele();
        return rele.Count;
    }

    private void Unlink(Entry e)
    {
        _entries.Remove(e.Key);
        if (e.Lru is not null)
            _lru.Remove(e.Lru);
        e.Lru = null;
    }
}
