// Vfs.Core / tmpfs: the per-mount state (struct tmount): the root, every live tmpnode by inode
// number, the space limit and what is used of it.
namespace UnixVfs.Core.Tmpfs;

/// <summary>A mounted tmpfs (<c>struct tmount</c>).</summary>
internal sealed class TmpMount
{
    private readonly Dictionary<ulong, TmpNode> _nodes = new();

    /// <summary>The class of node table locks (LockRank.NodeCache: taken from VOP_INACTIVE, under node locks).</summary>
    public static readonly LockClass NodesClass = new("tmpfs node table", LockRank.NodeCache);

    /// <summary>Guards _nodes, the counters, and a node's last hold against a concurrent Find.</summary>
    private readonly KMutex _nodesLock = new(NodesClass);
    private ulong _nextIno = 2;
    private uint _nextGen = 1;

    public TmpMount(Vfs vfsp, long maxBytes, long maxNodes)
    {
        Vfs = vfsp;
        MaxBytes = maxBytes;
        MaxNodes = maxNodes;
    }

    public Vfs Vfs { get; }
    public TmpNode Root = null!;

    /// <summary>The most bytes of file data (pages) this mount may hold (size=).</summary>
    public long MaxBytes { get; }
    /// <summary>The most tmpnodes this mount may hold (nr_inodes=).</summary>
    public long MaxNodes { get; }

    /// <summary>Pages in use across all files.</summary>
    public long PagesUsed;

    /// <summary>Where the files' pages come from (TmpPages.cs).</summary>
    public readonly TmpPages Pages = new();

    /// <summary>The class of rename locks (see TmpNode.cs for the lock order).</summary>
    public static readonly LockClass RenameClass = new("tmpfs rename", LockRank.Rename);

    /// <summary>Serialises renames and rmdirs, so that the subtree check and the move are one step (tm_renamelck).</summary>
    public readonly KMutex RenameLock = new(RenameClass);

    public int NodeCount { get { using (_nodesLock.Enter()) return _nodes.Count; } }

    /// <summary>Allocates a tmpnode and registers it, or returns null when the mount is out of inodes.</summary>
    public TmpNode? MakeNode(VType type, VnodeOps ops)
    {
        using (_nodesLock.Enter())
        {
            if (_nodes.Count >= MaxNodes)
                return null;
            var n = new TmpNode(this, type, _nextIno++, _nextGen++, ops);
            _nodes.Add(n.NodeId, n);
            return n;
        }
    }

    /// <summary>The live node with inode number <paramref name="ino"/>, held, or null.</summary>
    public TmpNode? Find(ulong ino)
    {
        using (_nodesLock.Enter())
        {
            if (!_nodes.TryGetValue(ino, out var n))
                return null;
            n.Vnode.Hold();
            return n;
        }
    }

    /// <summary>
    /// tmp_inactive: drops the last hold of <paramref name="n"/>'s vnode and, if the file has no links left,
    /// frees it. Serialised with Find by the node table's lock, so a concurrent Find keeps the node alive.
    /// </summary>
    public void Inactive(TmpNode n)
    {
        using (_nodesLock.Enter())
        {
            if (!n.Vnode.DropLastHold())
                return;
            // Taken as a lock no one else can reach (KMutex.EnterNew), so below the table in rank: no one holds
            // this node any more, so no one can be waiting for its lock, and no order is needed.
            using (n.Lock.EnterNew())
            {
                if (n.Nlink > 0)
                    return;
                FreePages(n, 0);
                _nodes.Remove(n.NodeId);
            }
        }
    }

    /// <summary>True while any file other than the root is in use (has vnode holds), or the root has more than the mount's own.</summary>
    public bool Busy()
    {
        using (_nodesLock.Enter())
            return _nodes.Values.Any(n => n.Vnode.Count > (ReferenceEquals(n, Root) ? 1 : 0));
    }

    /// <summary>Frees the pages of <paramref name="n"/> from page index <paramref name="firstPage"/> on. Caller holds n.Lock.</summary>
    public void FreePages(TmpNode n, long firstPage)
    {
        foreach (long pi in n.Pages.Keys.Where(pi => pi >= firstPage).ToList())
        {
            n.Pages.Remove(pi, out var page);
            Pages.Free(page);
            n.PagesAllocated--;
            Interlocked.Decrement(ref PagesUsed);
        }
    }

    /// <summary>Takes one page from the mount's budget; false when full (ENOSPC).</summary>
    public bool ReservePage()
    {
        long max = MaxBytes / TmpNode.PageSize;
        while (true)
        {
            long used = Volatile.Read(ref PagesUsed);
            if (used >= max)
                return false;
            if (Interlocked.CompareExchange(ref PagesUsed, used + 1, used) == used)
                return true;
        }
    }
}
