// Vfs.Mirror: the mnode hash -- one mnode per file, found from any of its lower vnodes (lofs_subr.c's
// makelonode and its table, for N copies).
//
// Each copy has its own set of hash chains, keyed by the identity of that copy's vnode and linked
// through Mnode.Next[copy]. MakeMnode looks the lower vnodes up in every chain they belong to, so a
// file found through X alone, through Y alone, or through both, always yields the same mnode and
// the same mirror vnode. When an mnode is found with a copy missing (the copy was down when it was
// made), the lower vnode just found fills the gap -- unless the copy is being resynced and the vnode is
// another mnode's: a resyncing copy may still hold another file under the name (Fixed 128). For that reason
// too, a copy being resynced finds the mnode only when no other copy gave a vnode (Fixed 130). The table
// holds no reference to its mnodes: an mnode leaves it in VOP_INACTIVE, when its vnode's last hold goes,
// and only then lets go of its lower vnodes and of its parent. So the table holds what is in use and
// no more.
//
// INVARIANT: a lower vnode of a copy being resynced belongs to one mnode at most.
using System.Runtime.CompilerServices;

namespace UnixVfs.Mirror;

/// <summary>The mnode table of one mirror.</summary>
public sealed class MnodeHash
{
    private readonly KMutex _lock = new(MirrorLock.HashClass);
    private readonly int _copies;
    private Mnode?[][] _chains;
    private int _count;

    internal MnodeHash(int copies, int initialBuckets = 256)
    {
        _copies = copies;
        _chains = NewChains(copies, initialBuckets);
    }

    /// <summary>Mnodes in the table.</summary>
    public int Count { get { using (_lock.Enter()) return _count; } }

    /// <summary>The hash chains of copy <paramref name="copy"/>, for display (the shell's `mnodes`): bucket -> mnodes.</summary>
    public IReadOnlyList<(int Bucket, IReadOnlyList<Mnode> Chain)> Chains(int copy)
    {
        using (_lock.Enter())
        {
            var list = new List<(int, IReadOnlyList<Mnode>)>();
            var heads = _chains[copy];
            for (int b = 0; b < heads.Length; b++)
            {
                var chain = new List<Mnode>();
                for (var m = heads[b]; m is not null; m = m.Next[copy])
                    chain.Add(m);
                if (chain.Count > 0)
                    list.Add((b, chain));
            }
            return list;
        }
    }

    /// <summary>
    /// makemnode: the mnode for the file whose lower vnodes are <paramref name="lowers"/> (each held once by
    /// the caller; the holds pass to the mnode or are released here). Returns the mnode's vnode, held once.
    /// </summary>
    internal Vnode MakeMnode(MfsVfs mi, Vnode?[] lowers, Mnode? parent, string name)
    {
        var surplus = new List<Vnode>();
        Vnode result;
        using (_lock.Enter())
        {
            var m = FindLocked(mi, lowers);
            if (m is null)
            {
                var first = lowers.Where((v, i) => v is not null && mi.Copies[i].State != CopyState.Resyncing).FirstOrDefault()
                    ?? lowers.First(v => v is not null)!;
                var copies = (Vnode?[])lowers.Clone();
                for (int i = 0; i < _copies; i++)
                    if (copies[i] is { } lv && OthersLocked(mi, i, lv, null, first.Type))
                    {
                        surplus.Add(lv);
                        copies[i] = null;
                    }
                m = new Mnode(mi, first.Type, copies, parent, name);
                parent?.Vnode.Hold();
                InsertLocked(m);
                result = m.Vnode;
            }
            else
            {
                m.Vnode.Hold();
                using (m.Lock.Enter())
                {
                    for (int i = 0; i < _copies; i++)
                    {
                        var lv = lowers[i];
                        if (lv is null)
                            continue;
                        var cur = m.Copies[i];
                        if (ReferenceEquals(cur, lv) || OthersLocked(mi, i, lv, m, m.Vnode.Type))
                            surplus.Add(lv);
                        else
                        {
                            if (cur is not null)
                            {
                                UnlinkLocked(m, i);
                                surplus.Add(cur);
                                m.CopyReplaced(i); // Fixed 76
                            }
                            m.Copies[i] = lv;
                            LinkLocked(m, i);
                        }
                    }
                    if (parent is not null)
                    {
                        if (m.Parent is not null && (!ReferenceEquals(parent, m.Parent) || name != m.Name))
                            m.RememberAlias(m.Parent, m.Name, surplus);
                        if (!ReferenceEquals(parent, m.Parent))
                        {
                            parent.Vnode.Hold();
                            if (m.Parent is not null)
                                surplus.Add(m.Parent.Vnode);
                            m.Parent = parent;
                        }
                        m.Name = name;
                    }
                }
                result = m.Vnode;
            }
        }
        foreach (var v in surplus)
            v.Rele();
        return result;
    }

    /// <summary>The vnode of the mnode whose vnode in copy <paramref name="copy"/> is <paramref name="vp"/>, held, or null.</summary>
    internal Vnode? HoldByLower(int copy, Vnode vp)
    {
        using (_lock.Enter())
        {
            for (var m = _chains[copy][Bucket(vp, _chains[copy].Length)]; m is not null; m = m.Next[copy])
                if (ReferenceEquals(m.Copies[copy], vp))
                {
                    m.Vnode.Hold();
                    return m.Vnode;
                }
            return null;
        }
    }

    /// <summary>The mnode whose vnode in copy <paramref name="copy"/> is <paramref name="vp"/>, or null (not held).</summary>
    internal Mnode? FindByLower(int copy, Vnode vp)
    {
        using (_lock.Enter())
            return ByLowerLocked(copy, vp);
    }

    /// <summary>FindByLower, under _lock.</summary>
    private Mnode? ByLowerLocked(int copy, Vnode vp)
    {
        for (var m = _chains[copy][Bucket(vp, _chains[copy].Length)]; m is not null; m = m.Next[copy])
            if (ReferenceEquals(m.Copies[copy], vp))
                return m;
        return null;
    }

    /// <summary>
    /// The mnodes of files removed through the mirror (still open) that have no file in copy <paramref name="copy"/>,
    /// each held once: the caller releases them.
    /// </summary>
    internal List<Mnode> RemovedWithout(int copy) => Removed(copy, inCopy: false);

    /// <summary>The mnodes of files removed through the mirror (still open) that have a file in copy <paramref name="copy"/>, each held once.</summary>
    internal List<Mnode> RemovedWith(int copy) => Removed(copy, inCopy: true);

    private List<Mnode> Removed(int copy, bool inCopy)
    {
        var found = new HashSet<Mnode>(ReferenceEqualityComparer.Instance);
        using (_lock.Enter())
            for (int i = 0; i < _copies; i++)
                foreach (var head in _chains[i])
                    for (var m = head; m is not null; m = m.Next[i])
                        if ((m.State & MnodeState.Removed) != 0 && (m.Copies[copy] is not null) == inCopy && found.Add(m))
                            m.Vnode.Hold();
        return [.. found];
    }

    /// <summary>A copy's file was removed or replaced behind the mnodes (by a resync): the mnode forgets it, to look it up again.</summary>
    internal void ForgetLower(int copy, Vnode vp)
    {
        if (FindByLower(copy, vp) is { } m)
            SetCopy(m, copy, null);
    }

    /// <summary>After a rename: m now lives in <paramref name="parent"/> under <paramref name="name"/>.</summary>
    internal void Reparent(Mnode m, Mnode parent, string name)
    {
        Mnode? old;
        using (m.Lock.Enter())
        {
            old = m.Parent;
            if (ReferenceEquals(old, parent))
                old = null;
            else
            {
                parent.Vnode.Hold();
                m.Parent = parent;
            }
            m.Name = name;
        }
        old?.Vnode.Rele();
    }

    /// <summary>Records <paramref name="vp"/> (held by the caller; the hold passes to the mnode) as m's vnode in copy <paramref name="copy"/>.</summary>
    internal void SetCopy(Mnode m, int copy, Vnode? vp)
    {
        Vnode? old;
        bool changed;
        using (_lock.Enter())
        using (m.Lock.Enter())
        {
            old = m.Copies[copy];
            changed = !ReferenceEquals(old, vp);
            if (!changed)
            {
                old = vp; // the caller's hold is surplus
            }
            else
            {
                if (old is not null)
                    UnlinkLocked(m, copy);
                if (old is not null)
                    m.CopyReplaced(copy);
                m.Copies[copy] = vp;
                if (vp is not null)
                    LinkLocked(m, copy);
                vp?.Hold(); // for CopyChanged, after the locks
            }
        }
        if (changed)
        {
            MirrorFid.CopyChanged(m, copy, old, vp);
            vp?.Rele();
        }
        old?.Rele();
    }

    /// <summary>
    /// mfs_inactive: drops the last hold of m's vnode; if it really was the last, takes m out of the table and
    /// lets go of its lower vnodes and its parent.
    /// </summary>
    internal void Inactive(Mnode m)
    {
        using (_lock.Enter())
        {
            if (!m.Vnode.DropLastHold())
                return;
            for (int i = 0; i < _copies; i++)
                if (m.Copies[i] is not null)
                    UnlinkLocked(m, i);
            _count--;
        }
        Vnode?[] lowers;
        Mnode? parent;
        Mnode[] aliases;
        using (m.Lock.Enter())
        {
            lowers = (Vnode?[])m.Copies.Clone();
            Array.Clear(m.Copies);
            parent = m.Parent;
            m.Parent = null;
            aliases = [.. m.Aliases.Select(a => a.Parent)];
            m.Aliases.Clear();
        }
        MirrorFid.LetGo(m.Mfs, lowers);
        foreach (var v in lowers)
            v?.Rele();
        parent?.Vnode.Rele();
        foreach (var a in aliases)
            a.Vnode.Rele();
    }

    /// <summary>
    /// The mnode that has one of <paramref name="lowers"/>, found by the copies not being resynced where any of them gave
    /// one: a copy being resynced may still hold another file under the name, which its mnode has (Fixed 130: X, being
    /// resynced, still held F under /c/a, which a symlink had taken in the others; the symlink's look-up found F's mnode
    /// through X's F and gave it the others' symlink).
    /// </summary>
    private Mnode? FindLocked(MfsVfs mi, Vnode?[] lowers)
    {
        bool othersAnswered = false;
        Mnode? byResyncing = null;
        for (int i = 0; i < _copies; i++)
        {
            if (lowers[i] is not { } lv)
                continue;
            if (mi.Copies[i].State == CopyState.Resyncing)
                byResyncing ??= ByLowerLocked(i, lv);
            else
            {
                othersAnswered = true;
                if (ByLowerLocked(i, lv) is { } m)
                    return m;
            }
        }
        return othersAnswered ? null : byResyncing;
    }

    /// <summary>
    /// True when <paramref name="lv"/>, copy <paramref name="copy"/>'s vnode for <paramref name="m"/> (null: a new
    /// mnode) of type <paramref name="type"/>, is another file in a copy being resynced: another mnode's, or of another
    /// type. The copy still holds that file under the name; its resync brings this one.
    /// </summary>
    private bool OthersLocked(MfsVfs mi, int copy, Vnode lv, Mnode? m, VType type) =>
        mi.Copies[copy].State == CopyState.Resyncing
        && (lv.Type != type || ByLowerLocked(copy, lv) is { } owner && !ReferenceEquals(owner, m));

    private void InsertLocked(Mnode m)
    {
        if (++_count > 2 * _chains[0].Length)
            Grow();
        for (int i = 0; i < _copies; i++)
            if (m.Copies[i] is not null)
                LinkLocked(m, i);
    }

    private void LinkLocked(Mnode m, int i)
    {
        ref var head = ref _chains[i][Bucket(m.Copies[i]!, _chains[i].Length)];
        m.Next[i] = head;
        head = m;
    }

    private void UnlinkLocked(Mnode m, int i)
    {
        ref var link = ref _chains[i][Bucket(m.Copies[i]!, _chains[i].Length)];
        while (link is not null)
        {
            if (ReferenceEquals(link, m))
            {
                link = m.Next[i];
                m.Next[i] = null;
                return;
            }
            link = ref link.Next[i];
        }
    }

    private void Grow()
    {
        var old = _chains;
        _chains = NewChains(_copies, old[0].Length * 2);
        for (int i = 0; i < _copies; i++)
            foreach (var head in old[i])
                for (var m = head; m is not null;)
                {
                    var next = m.Next[i];
                    LinkLocked(m, i);
                    m = next;
                }
    }

    private static Mnode?[][] NewChains(int copies, int buckets) =>
        Enumerable.Range(0, copies).Select(_ => new Mnode?[buckets]).ToArray();

    private static int Bucket(Vnode vp, int buckets) => (RuntimeHelpers.GetHashCode(vp) & 0x7FFFFFFF) & (buckets - 1);
}
