// Vfs.Core / witness: lock classes and their ranks -- the written lock order that Witness.cs checks.
//
// Every lock the checker knows belongs to a class (WITNESS's lock "type": all inode locks of a UFS are
// one class, as all vnodes of FreeBSD's ufs share the lock name "ufs"). A class has a rank; a thread may
// take a lock only while every lock it holds has a lower rank (is further out). The ranks are below,
// outermost first, with the layer that owns each class; docs/architecture.md draws the same order.
//
// Two locks of one class (or of two classes of one rank) need a rule of their own, because the rank
// cannot order them. FreeBSD's WITNESS reports "acquiring duplicate lock of same type" unless the lock
// was made with LO_DUPOK (or the acquisition passes LOP_DUPOK), and then it checks nothing: the order
// of, say, two vnode locks is left to the code. Here each class says what its code guarantees
// (DupRule), and the checker holds it to that:
//     Never       a second lock of the class is a violation.
//     TryOnly     a second one may only be tried (rw_tryenter), never waited for: the mirror's
//                 MirrorLock takes one copy's rwlock and only tries the others, backing off when refused.
//     Ascending   by the class's key (KeyOf), strictly increasing: two directories by inode number.
//                 While a lock of the class's Serializer is held, any order is allowed: rename and
//                 rmdir walk up a tree taking directory locks in tree order, which is safe because
//                 only they wait for a second directory lock, and they run one at a time under it.
//     Serialized  a second one only while a lock of the class's Serializer is held (the mirror's rename
//                 takes the source and the target directory's DirLock under its rename lock).
// Try acquisitions (TryEnter) are never order violations, as in WITNESS (LOP_TRYLOCK): a try cannot wait,
// so it cannot close a cycle. They are recorded as held, so what is taken under them is checked. Neither is
// the lock of an object no other thread can reach yet (KMutex.EnterNew: a new inode before it has a name),
// which FreeBSD takes with LK_NOWITNESS.
namespace UnixVfs.Core;

/// <summary>What a class allows when a thread holding one of its locks takes another of it.</summary>
public enum DupRule
{
    /// <summary>Never two at once (WITNESS without LO_DUPOK).</summary>
    Never,
    /// <summary>The second and later ones only by try (rw_tryenter), never by waiting.</summary>
    TryOnly,
    /// <summary>In strictly ascending KeyOf order, or in any order while a Serializer lock is held.</summary>
    Ascending,
    /// <summary>Any number, in any order, but only while a Serializer lock is held.</summary>
    Serialized,
}

/// <summary>
/// The ranks of the lock classes, outermost (taken first) lowest. A lock may be taken only while every lock
/// the thread holds has a lower rank, or the same rank under the class's DupRule.
/// </summary>
public static class LockRank
{
    /// <summary>An open file's offset lock (OpenFile.Lock), held across VOP_READ/VOP_WRITE/VOP_READDIR.</summary>
    public const int File = 100;
    /// <summary>VOP_RWLOCK of a stacking layer's vnode (the mirror's), taken before anything of the layers below.</summary>
    public const int UpperRwlock = 200;
    /// <summary>The mirror's quiesce lock: shared by every updating operation, exclusive while a copy rejoins.</summary>
    public const int Quiesce = 300;
    /// <summary>The mirror's rename lock (two directories' DirLocks are taken only under it).</summary>
    public const int MirrorRename = 350;
    /// <summary>A mirror directory's DirLock (name operations across the copies).</summary>
    public const int MirrorDir = 400;
    /// <summary>VOP_RWLOCK of a file system's own vnode (ufs, tmpfs, nfs): the lower copies under a mirror.</summary>
    public const int Rwlock = 500;
    /// <summary>A file system's rename lock (serialises rename and rmdir within one vfs).</summary>
    public const int Rename = 600;
    /// <summary>An NFS rnode's write-behind lock, held across WRITE and COMMIT calls.</summary>
    public const int RnodeWrite = 700;
    /// <summary>An NFS rnode's reader lock, held across the READ its holder waits for.</summary>
    public const int RnodeRead = 710;
    /// <summary>A file system's per-file lock: a UFS inode, a tmpfs node.</summary>
    public const int Node = 800;
    /// <summary>An NFS rnode's own lock (attribute and block caches; never held across an RPC).</summary>
    public const int Rnode = 850;
    /// <summary>A file system's table of in-core files: UFS's inode cache, tmpfs's node table. Taken from VOP_INACTIVE,
    /// so under whatever the thread that let go of the last hold was holding, node locks included.</summary>
    public const int NodeCache = 870;
    /// <summary>UFS's allocation lock (cylinder groups, summaries).</summary>
    public const int Alloc = 900;
    /// <summary>UFS's buffer cache lock (hash, LRU and dirty lists; device writes of dirty buffers happen under it).</summary>
    public const int BufCache = 950;
    /// <summary>The mirror's mnode hash.</summary>
    public const int MnodeHash = 960;
    /// <summary>An mnode's own lock (its lower vnodes, parent and name; nothing is called under it).</summary>
    public const int Mnode = 970;
    /// <summary>A leaf: nothing ranked is taken under it (the DNLC).</summary>
    public const int Leaf = 1000;
}

/// <summary>A class of locks with one rank (WITNESS's <c>struct witness</c>, a lock "type").</summary>
public sealed class LockClass
{
    public LockClass(string name, int rank, DupRule dup = DupRule.Never, Func<object, long>? keyOf = null, LockClass? serializer = null)
    {
        if (dup == DupRule.Ascending && keyOf is null)
            throw new ArgumentException("an Ascending class needs a key", nameof(keyOf));
        if (dup == DupRule.Serialized && serializer is null)
            throw new ArgumentException("a Serialized class needs a serializer", nameof(serializer));
        Name = name;
        Rank = rank;
        Dup = dup;
        KeyOf = keyOf;
        Serializer = serializer;
    }

    /// <summary>The name reports use ("ufs inode", "vnode rwlock").</summary>
    public string Name { get; }

    /// <summary>The rank (LockRank): lower is taken first.</summary>
    public int Rank { get; }

    /// <summary>What this class allows for two of its locks at once.</summary>
    public DupRule Dup { get; }

    /// <summary>For Ascending: the ordering key of a lock's owner (the object the lock was made for).</summary>
    public Func<object, long>? KeyOf { get; }

    /// <summary>For Ascending: a class under whose lock two of this class may be taken in any order.</summary>
    public LockClass? Serializer { get; }

    public override string ToString() => $"\"{Name}\" (rank {Rank})";
}
