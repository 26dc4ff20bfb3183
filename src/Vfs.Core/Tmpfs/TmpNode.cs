// Vfs.Core / tmpfs: the in-memory inode (struct tmpnode).
//
// A tmpnode holds a file's attributes and contents: for a regular file its 4 KiB pages by page
// index (a page never written is absent: a hole, which costs nothing however far out it lies), for a
// directory its entries (by name, and in cookie order for readdir), for a symbolic link its target.
// Each tmpnode owns one vnode for its whole life; the vnode's count drops to zero when nobody uses
// the file, and the node is freed by VOP_INACTIVE only when it also has no links left.
//
// Locking: Lock protects every field below.
// LOCK ORDER (outermost first; checked by the witness, Witness/LockClass.cs):
//     TmpMount.RenameLock   serialises rename and rmdir, so that the subtree check and the move are one step
//     node locks            a directory before the nodes in it; two directories by node id, except
//                           under the rename lock: rename and rmdir, the only ones that wait for a second
//                           directory's lock, take them in tree order (rmdir: parent, then child)
//     the DNLC's lock       (a leaf)
// TmpMount's node table lock is taken around a node lock only in Inactive, for a node nobody holds.
namespace UnixVfs.Core.Tmpfs;

/// <summary>A directory entry of a tmpfs directory (struct tdirent).</summary>
internal sealed class TmpDirent
{
    public required string Name;
    public required TmpNode Node;
    /// <summary>The readdir cookie of this entry: increasing in insertion order, never reused within the directory.</summary>
    public required long Cookie;
}

/// <summary>Orders directory entries by cookie.</summary>
internal sealed class CookieOrder : IComparer<TmpDirent>
{
    public static readonly CookieOrder Instance = new();
    public int Compare(TmpDirent? x, TmpDirent? y) => x!.Cookie.CompareTo(y!.Cookie);
}

/// <summary>A tmpfs inode (<c>struct tmpnode</c>).</summary>
internal sealed class TmpNode
{
    public const int PageSize = 4096;

    public TmpNode(TmpMount tm, VType type, ulong ino, uint gen, VnodeOps ops)
    {
        Mount = tm;
        Type = type;
        NodeId = ino;
        Gen = gen;
        Vnode = Vnode.Alloc(ops, tm.Vfs, type, this);
        Lock = new KMutex(LockClass, this);
    }

    /// <summary>The class of node locks: directories first, then by node id (see the lock order above).</summary>
    public static readonly LockClass LockClass = new("tmpfs node", LockRank.Node, DupRule.Ascending,
        o => ((TmpNode)o).Type == VType.VDIR ? (long)((TmpNode)o).NodeId : (1L << 62) + (long)((TmpNode)o).NodeId,
        TmpMount.RenameClass);

    public TmpMount Mount { get; }
    public Vnode Vnode { get; }
    public KMutex Lock { get; }

    public VType Type;
    public uint Mode;
    public uint Uid;
    public uint Gid;
    public uint Nlink;
    public long Size;
    public Timespec Atime, Mtime, Ctime;
    public ulong NodeId;
    public uint Gen;
    public ulong Rdev;
    public uint Seq;

    /// <summary>Regular file: the pages written so far, by page index; a missing index is a hole.</summary>
    public readonly Dictionary<long, TmpPage> Pages = new();
    public long PagesAllocated;

    /// <summary>Directory: entries by name, entries by cookie, the parent, the next cookie to hand out.</summary>
    public Dictionary<string, TmpDirent>? Entries;
    public SortedSet<TmpDirent>? ByCookie;
    public TmpNode? Parent;
    public long NextCookie = 3; // 1 is ".", 2 is ".."

    /// <summary>Symbolic link: its target.</summary>
    public string? Target;

    /// <summary>Extended attributes by (namespace, name), created on first use (TmpExtattr.cs), and the bytes of
    /// names and values they hold, which stay within TmpExtattr.NodeBudget.</summary>
    public Dictionary<(ExtattrNamespace Ns, string Name), byte[]>? Extattrs;
    public long ExtattrBytes;

    public void InitDirectory(TmpNode parent)
    {
        Entries = new Dictionary<string, TmpDirent>();
        ByCookie = new SortedSet<TmpDirent>(CookieOrder.Instance);
        Parent = parent;
    }

    public void Getattr(Vattr va)
    {
        va.Type = Type;
        va.Mode = Mode;
        va.Uid = Uid;
        va.Gid = Gid;
        va.Fsid = Mount.Vfs.Fsid;
        va.NodeId = NodeId;
        va.Nlink = Nlink;
        va.Size = Size;
        va.Atime = Atime;
        va.Mtime = Mtime;
        va.Ctime = Ctime;
        va.Rdev = Rdev;
        va.Blksize = PageSize;
        va.Nblocks = PagesAllocated * (PageSize / 512);
        va.Seq = Seq;
        va.Gen = Gen;
    }

    public override string ToString() => $"tmpnode {NodeId}";
}
