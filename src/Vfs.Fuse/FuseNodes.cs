// Vfs.Fuse: the node table -- which vnode each FUSE node id stands for, and how many lookups of it the
// kernel holds.
//
// The kernel names files by node id. Every reply that hands the kernel a node (LOOKUP, CREATE, MKNOD,
// MKDIR, SYMLINK, LINK, a READDIRPLUS entry) adds one to that node's lookup count; FORGET and
// BATCH_FORGET take counts away. While the count is above zero the table holds the vnode once, so the
// file system keeps the same vnode for it (a UFS inode, an mnode) and the same file always comes back
// with the same node id. When the count reaches zero the entry goes and the hold is released.
//
// Node ids are handed out from a counter and never reused while the bridge runs, so nodeid:generation
// is unique for the mount's lifetime as fuse.h asks; the generation sent is the file's own (va_gen),
// and st_ino is the file's own inode number (va_nodeid), not the node id.
//
// The root (FUSE_ROOT_ID) is entered at mount with a count the kernel never forgets.
//
// LOCK ORDER: the table lock is a leaf; vnodes are released (which may call VOP_INACTIVE) outside it.
namespace UnixVfs.Fuse;

using UnixVfs.Core;

internal sealed class FuseNodes
{
    private sealed class Node(ulong id, Vnode vp)
    {
        public readonly ulong Id = id;
        public readonly Vnode Vp = vp;
        public long Nlookup;
    }

    private readonly object _lock = new();
    private readonly Dictionary<ulong, Node> _byId = new();
    private readonly Dictionary<Vnode, Node> _byVnode = new(ReferenceEqualityComparer.Instance);
    private ulong _nextId = FuseProto.RootId + 1;

    /// <summary>Enters the root with one hold of its own (the caller's hold is not taken).</summary>
    public FuseNodes(Vnode root)
    {
        root.Hold();
        var n = new Node(FuseProto.RootId, root) { Nlookup = 1 };
        _byId.Add(n.Id, n);
        _byVnode.Add(root, n);
    }

    /// <summary>The number of nodes the kernel knows, the root included.</summary>
    public int Count
    {
        get { lock (_lock) return _byId.Count; }
    }

    /// <summary>
    /// The vnode of node <paramref name="id"/>, held once for the caller (so a FORGET arriving meanwhile
    /// cannot free it), or null when the kernel names a node it was never given or has forgotten.
    /// </summary>
    public Vnode? Get(ulong id)
    {
        lock (_lock)
        {
            if (!_byId.TryGetValue(id, out var n))
                return null;
            n.Vp.Hold();
            return n.Vp;
        }
    }

    /// <summary>The node id of <paramref name="vp"/> if the kernel knows it, else 0.</summary>
    public ulong Find(Vnode vp)
    {
        lock (_lock)
            return _byVnode.TryGetValue(vp, out var n) ? n.Id : 0;
    }

    /// <summary>
    /// One more lookup of <paramref name="vp"/> is about to be handed to the kernel: returns its node id,
    /// making a node if it has none. The caller's hold on <paramref name="vp"/> is not consumed.
    /// </summary>
    public ulong Enter(Vnode vp)
    {
        lock (_lock)
        {
            if (!_byVnode.TryGetValue(vp, out var n))
            {
                vp.Hold();
                n = new Node(_nextId++, vp);
                _byId.Add(n.Id, n);
                _byVnode.Add(vp, n);
            }
            n.Nlookup++;
            return n.Id;
        }
    }

    /// <summary>FORGET: the kernel drops <paramref name="nlookup"/> lookups of node <paramref name="id"/>.</summary>
    public void Forget(ulong id, ulong nlookup)
    {
        Vnode? release = null;
        lock (_lock)
        {
            if (!_byId.TryGetValue(id, out var n))
                return;
            n.Nlookup -= (long)Math.Min(nlookup, (ulong)long.MaxValue);
            if (n.Nlookup <= 0 && id != FuseProto.RootId)
            {
                _byId.Remove(id);
                _byVnode.Remove(n.Vp);
                release = n.Vp;
            }
        }
        release?.Rele();
    }

    /// <summary>After the mount is gone: every node is forgotten and its hold released, the root's too.</summary>
    public void ReleaseAll()
    {
        List<Vnode> all;
        lock (_lock)
        {
            all = _byId.Values.Select(n => n.Vp).ToList();
            _byId.Clear();
            _byVnode.Clear();
        }
        foreach (var vp in all)
            vp.Rele();
    }
}
