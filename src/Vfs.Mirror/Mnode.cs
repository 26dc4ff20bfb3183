// Vfs.Mirror: the mnode, the mirror's "vnode for mirror files" (patent B.3, struct mnode).
//
//     typedef struct mnode {
//         struct vnode  m_vnode;   the mirror's own vnode            -> Vnode
//         struct mnode *m_next;    link for hash chain               -> Next[i], one chain per copy
//         struct vnode *m_Xvp;     pointer to X vnode                -> Copies[0] (Xvp)
//         struct vnode *m_Yvp;     pointer to Y vnode                -> Copies[1] (Yvp)
//         int           state;     state of the mnode                -> State
//     } mnode_t;
//
// Generalised to N copies: Copies[i] is the file's vnode in copy i, held once by the mnode while
// set (the lofs invariant: an mnode causes exactly one hold on each lower vnode), or null when the
// copy was unavailable when the file was found. The hash (MnodeHash) keeps one chain per copy, so an
// mnode can be found from any one of its lower vnodes; that is what makes the same file yield the
// same mirror vnode whichever copies are up.
//
// Parent and Name say how the mnode was last reached (kept current by rename), so that a copy's
// vnode that is missing -- the copy was down, or this is the passive side of an active/passive
// pair -- can be found later by looking the same names up in that copy.
//
// Locking: Lock (the mnode) protects Copies, Parent, Name and State. Directory operations on the
// mirror also take DirLock, so that a lookup never sees a name half-created across the copies.
namespace UnixVfs.Mirror;

/// <summary>The state of an mnode.</summary>
[Flags]
public enum MnodeState
{
    None = 0,
    /// <summary>The file was removed through the mirror; the mnode lives only while its vnode is held.</summary>
    Removed = 1,
}

/// <summary>A mirror file (<c>struct mnode</c>).</summary>
public sealed class Mnode
{
    internal Mnode(MfsVfs mi, VType type, Vnode?[] copies, Mnode? parent, string name)
    {
        Mfs = mi;
        Copies = copies;
        Next = new Mnode?[copies.Length];
        Forgotten = new Fid?[copies.Length];
        Parent = parent;
        Name = name;
        Lock = new KMutex(MirrorLock.MnodeClass, this);
        Vnode = Vnode.Alloc(MirrorVnops.Ops, mi.Vfs, type, this);
    }

    /// <summary><c>m_vnode</c>: the mirror's vnode for this file.</summary>
    public Vnode Vnode { get; }

    /// <summary>The mirror this file belongs to.</summary>
    public MfsVfs Mfs { get; }

    /// <summary><c>m_Xvp</c>, <c>m_Yvp</c>, ...: the file in each copy (held), or null while unknown.</summary>
    public Vnode?[] Copies { get; }

    /// <summary><c>m_next</c>: the next mnode on copy i's hash chain.</summary>
    internal Mnode?[] Next { get; }

    /// <summary>
    /// Per copy, the fid of the file this mnode forgot there (a resync removed or replaced it) until it has a file
    /// there again: if that is another file, the copy records it as made again (MirrorFid.CopyChanged). Under Lock.
    /// </summary>
    internal Fid?[] Forgotten { get; }

    /// <summary><c>m_Xvp</c>.</summary>
    public Vnode? Xvp => Copies[0];

    /// <summary><c>m_Yvp</c>.</summary>
    public Vnode? Yvp => Copies.Length > 1 ? Copies[1] : null;

    /// <summary><c>state</c>.</summary>
    public MnodeState State { get; internal set; }

    /// <summary>
    /// The file's number (va_nodeid) as the mirror first gave it, 0 until then: MirrorSubr.FileId of the copy that
    /// answered the mnode's first getattr (FileIdCopy), or of the copy now out of use that numbered the file before this
    /// mnode (MirrorNumbers). Kept whichever copy answers later, so that two names of one file
    /// never show two numbers, until the mnode's file in FileIdCopy is replaced (CopyReplaced: a resync made it again
    /// there, or a look-up found another file there), or FileIdCopy answers with another number than FileIdLower (a
    /// lower mirror numbered the file again): either way the copy may give the old number to another file. Written
    /// without the lock (aligned words).
    /// </summary>
    internal ulong FileId;

    /// <summary>The copy whose number FileId is.</summary>
    internal int FileIdCopy;

    /// <summary>The number FileIdCopy gave, that FileId was made from.</summary>
    internal ulong FileIdLower;

    /// <summary>
    /// The mnode's file in <paramref name="copy"/> was replaced by another (MnodeHash.SetCopy, and MnodeHash.Get when a
    /// look-up finds another there): a number that file gave is given again at the next getattr, and its record goes
    /// (docs/verification.md, Fixed 72, 76 and 98). Called under the mnode's lock.
    /// </summary>
    internal void CopyReplaced(int copy)
    {
        if (FileIdCopy != copy || FileId == 0)
            return;
        Mfs.Numbers.Forget(copy, FileIdLower);
        FileId = 0;
    }

    /// <summary>The directory this file was last found in (null for the root).</summary>
    public Mnode? Parent { get; internal set; }

    /// <summary>The name it was last found by.</summary>
    public string Name { get; internal set; }

    /// <summary>
    /// Other (directory, name) pairs this file was found by or linked to through the mirror -- its other hard links -- so
    /// that a copy that was away can be given a new link to the file it already holds rather than a second file, and so
    /// that the file has a name to go by when its own is removed (NameRemoved). At most eight, each directory
    /// held (as Parent is) until the mnode goes inactive: a directory let go of would leave its mnode without a parent or
    /// copies, and the name could no longer be looked up (a link made into another directory while a copy was away then
    /// came back there as a second file: docs/verification.md, Fixed). A directory has none: it has
    /// no other links, and a directory holding its old parent could make a cycle of holds once that parent moved under it.
    /// Protected by Lock.
    /// </summary>
    internal List<(Mnode Parent, string Name)> Aliases { get; } = new();

    /// <summary>Remembers (parent, name) as another name of this file, holding parent; what it lets go of goes to <paramref name="release"/>.</summary>
    internal void RememberAlias(Mnode parent, string name, List<Vnode> release)
    {
        if (Vnode.Type == VType.VDIR || Aliases.Any(a => ReferenceEquals(a.Parent, parent) && a.Name == name))
            return;
        if (Aliases.Count == 8)
        {
            release.Add(Aliases[0].Parent.Vnode);
            Aliases.RemoveAt(0);
        }
        parent.Vnode.Hold();
        Aliases.Add((parent, name));
    }

    /// <summary>
    /// Name <paramref name="name"/> of <paramref name="parent"/> no longer leads to this file, which has links left: it is
    /// forgotten as an alias, and where it is the name the file goes by, <paramref name="next"/> (one of the aliases, a
    /// name that still leads to the file) becomes that name, its directory's hold passing to Parent. A copy the mnode has
    /// no file in yet finds it by that name (a file made, linked and unlinked from its first name while the copy was
    /// away: docs/verification.md, Fixed 31). Caller holds Lock; what it lets go of goes to <paramref name="release"/>.
    /// </summary>
    internal void NameRemoved(Mnode parent, string name, (Mnode Parent, string Name)? next, List<Vnode> release)
    {
        int gone = Aliases.FindIndex(a => ReferenceEquals(a.Parent, parent) && a.Name == name);
        if (gone >= 0)
        {
            release.Add(Aliases[gone].Parent.Vnode);
            Aliases.RemoveAt(gone);
        }
        if (next is not { } n || !ReferenceEquals(Parent, parent) || Name != name)
            return;
        int taken = Aliases.FindIndex(a => ReferenceEquals(a.Parent, n.Parent) && a.Name == n.Name);
        if (taken < 0)
            return;
        Aliases.RemoveAt(taken);
        release.Add(parent.Vnode);
        Parent = n.Parent;
        Name = n.Name;
    }

    /// <summary>-o checksum: the file's extent checksums once loaded (MirrorChecksum.Sums), or null.</summary>
    internal ExtentSums? Sums;

    /// <summary>The mnode's own lock (LockRank.Mnode): Copies, Parent, Name, State. Nothing is called under it.</summary>
    internal KMutex Lock { get; }

    /// <summary>Serialises name changes in a mirror directory against lookups in it.</summary>
    internal RwLock DirLock { get; } = new(MirrorLock.DirClass);

    /// <summary>The path from the mirror's root ("/" for the root), for messages and for finding missing copies.</summary>
    public string PathFromRoot
    {
        get
        {
            var parts = new List<string>();
            for (var m = this; m.Parent is not null; m = m.Parent)
                parts.Add(m.Name);
            parts.Reverse();
            return "/" + string.Join('/', parts);
        }
    }

    public override string ToString() => "mnode " + PathFromRoot;
}
