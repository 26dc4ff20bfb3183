// Vfs.Ufs: the in-core inode (struct inode) and the inode cache (ufs_ihash with iget/iput).
//
// An Inode is a dinode brought into memory plus what the kernel needs while the file is in use:
// its vnode, its lock, its dirhash. The inode cache maps inode numbers to Inodes so that a file has
// at most one Inode (and one vnode) at a time.
//
// LIFE CYCLE (see docs/writing-a-file-system.md):
//   Iget(ino)        finds the Inode or reads its dinode; its vnode comes back held.
//   vp.Rele()        the last hold calls UfsInactive -> Icache.Inactive, which under the cache lock
//                    calls DropLastHold. If the vnode was held again meanwhile, nothing happens.
//                    Otherwise an inode with links left stays cached at zero holds (on an LRU list,
//                    written back and dropped when too many are idle); one with no links left is
//                    freed: its blocks are released, its dinode cleared, and its number returned to
//                    its cylinder group -- in that order, so nobody can allocate the number while the
//                    old file still owns it.
// A dinode is copied into its inode block's buffer (Iupdat) at the end of every operation that changes
// it, so that a sync or fsync only has to write buffers; atime-only changes, and the block pointers a
// long write allocates, are marked (IN_MODIFIED) and copied by the operation's end, fsync or sync.
using UnixVfs.Core;

namespace UnixVfs.Ufs;

/// <summary>In-core inode state bits (<c>i_flag</c>).</summary>
[Flags]
internal enum InodeFlags
{
    None = 0,
    /// <summary>IN_MODIFIED: the dinode differs from its buffer.</summary>
    IN_MODIFIED = 0x01,
    /// <summary>The file is being freed (no links, no holds): Iget must not hand it out.</summary>
    IN_RECLAIM = 0x02,
}

/// <summary>An in-core inode (<c>struct inode</c>).</summary>
internal sealed class Inode
{
    public Inode(UfsMount ump, uint number)
    {
        Ump = ump;
        Number = number;
        LruNode = new(this);
        Lock = new KMutex(UfsMount.InodeClass, this);
    }

    /// <summary><c>i_ump</c>.</summary>
    public UfsMount Ump { get; }

    /// <summary><c>i_number</c>.</summary>
    public uint Number { get; }

    /// <summary><c>i_din2</c>: the dinode.</summary>
    public readonly Dinode Din = new();

    /// <summary><c>i_vnode</c>: the vnode while the inode is cached.</summary>
    public Vnode Vnode = null!;

    /// <summary><c>i_flag</c>. Under the inode's lock (IN_RECLAIM under the cache lock).</summary>
    public InodeFlags Flag;

    /// <summary>The directory index of a large directory, built on first use (Dirhash.cs).</summary>
    public Dirhash? Dirhash;

    /// <summary>For a directory: a count of changes to its entries, and the last name a lookup did not find there
    /// with the count it was missed at -- so that the create that follows a failed lookup, the common case,
    /// need not search again (the role of FreeBSD's i_offset hint). Under the inode's lock.</summary>
    public long DirGen, MissGen = -1;
    public string? MissName;

    /// <summary>The logical block after the last one read: a read that starts there is sequential and reads ahead.</summary>
    public long NextReadLbn;

    /// <summary>The inode's place on the inode cache's list of idle inodes. Under the cache lock.</summary>
    internal readonly LinkedListNode<Inode> LruNode;

    /// <summary>The inode's lock (<c>i_lock</c>): protects the dinode and the file's blocks.</summary>
    public KMutex Lock { get; }

    public Fs Fs => Ump.Fs;
    public long Size { get => Din.DiSize; set => Din.DiSize = value; }
    public VType Type => ModeBits.IfToVt(Din.Mode);
    public bool IsDir => Din.Type == Dinode.IFDIR;

    /// <summary>A symbolic link whose text lives in the dinode (shorter than fs_maxsymlinklen, as FreeBSD decides it:
    /// by size alone, since extended-attribute blocks count in di_blocks of a short link too).</summary>
    public bool IsShortLink => Din.Type == Dinode.IFLNK && Size < Fs.Maxsymlinklen;

    /// <summary>Marks the dinode changed and copies it into its buffer (ffs_update). Returns OK or EIO.</summary>
    public Errno Update()
    {
        Din.Modrev++;
        Flag |= InodeFlags.IN_MODIFIED;
        return Iupdat();
    }

    /// <summary>Marks the dinode changed without copying it yet (a later Update, fsync or sync does); for changes made
    /// many times within one operation, such as the block pointers a long write allocates.</summary>
    public void MarkModified()
    {
        Din.Modrev++;
        Flag |= InodeFlags.IN_MODIFIED;
    }

    /// <summary>ffs_update: copies the dinode into its inode block's buffer (a delayed write). Returns OK or EIO.</summary>
    public Errno Iupdat()
    {
        if (Ump.ReadOnly)
            return Errno.OK;
        var err = Ump.Bc.Bread(Fs.InoToFsba(Number), out var bp);
        if (err != Errno.OK)
            return err;
        int at = Fs.InoToFsbo(Number) * Dinode.Size;
        Din.Write(bp!.Data.AsSpan(at));
        bp.Flags |= BufFlags.B_META;
        Ump.Bc.Bdwrite(bp, at, at + Dinode.Size);
        Flag &= ~InodeFlags.IN_MODIFIED;
        return Errno.OK;
    }

    /// <summary>Sets the times named (atime, mtime, ctime) to now.</summary>
    public void Stamp(bool atime, bool mtime, bool ctime)
    {
        var now = Ump.Now();
        if (atime) { Din.Atime = now.Sec; Din.Atimensec = (int)now.Nsec; }
        if (mtime) { Din.Mtime = now.Sec; Din.Mtimensec = (int)now.Nsec; }
        if (ctime) { Din.Ctime = now.Sec; Din.Ctimensec = (int)now.Nsec; }
    }

    public override string ToString() => $"inode {Number}";
}

/// <summary>The inode cache of one mount (<c>ufs_ihash</c>, <c>ffs_vgetf</c>, <c>ufs_inactive</c>).</summary>
internal sealed class Icache
{
    /// <summary>How many idle (zero-hold) inodes stay cached before the oldest are dropped.</summary>
    public const int MaxIdle = 4096;

    private readonly UfsMount _ump;
    private readonly Dictionary<uint, Inode> _hash = new();
    private readonly LinkedList<Inode> _idle = new();

    public Icache(UfsMount ump) => _ump = ump;

    /// <summary>The cache's lock (LockRank.NodeCache): the hash, the idle list, IN_RECLAIM.</summary>
    public readonly KMutex Lock = new(UfsMount.IcacheClass);

    /// <summary>
    /// iget (ffs_vgetf): the in-core inode <paramref name="ino"/> with its vnode held once. Returns OK, ENOENT (the
    /// inode is free or being freed), EINVAL (no such inode number), EIO (unreadable or a dinode of no known type).
    /// </summary>
    public Errno Iget(uint ino, out Inode? ip)
    {
        ip = null;
        var fs = _ump.Fs;
        if (ino < Fs.RootIno || ino >= fs.Ninodes)
            return Errno.EINVAL;
        using (Lock.Enter())
        {
            if (_hash.TryGetValue(ino, out var found))
            {
                if ((found.Flag & InodeFlags.IN_RECLAIM) != 0)
                    return Errno.ENOENT;
                Unidle(found);
                found.Vnode.Hold();
                ip = found;
                return Errno.OK;
            }
            var n = new Inode(_ump, ino);
            var err = ReadDinode(n);
            if (err != Errno.OK)
                return err;
            if (n.Din.Mode == 0)
                return Errno.ENOENT;
            if (!Dinode.ValidType(n.Din.Type))
            {
                _ump.Complain($"inode {ino} has bad mode 0{Convert.ToString(n.Din.Mode, 8)}");
                return Errno.EIO;
            }
            Attach(n);
            ip = n;
            return Errno.OK;
        }
    }

    /// <summary>
    /// The in-core inode for a number just taken from its cylinder group (ffs_valloc): the old dinode is read
    /// for its generation number, which is advanced; the caller fills in the rest. Its vnode is held once.
    /// Returns OK or EIO.
    /// </summary>
    public Errno IgetNew(uint ino, VType type, out Inode? ip)
    {
        ip = null;
        using (Lock.Enter())
        {
            if (_hash.ContainsKey(ino))
            {
                _ump.Complain($"inode {ino} allocated while still in use");
                return Errno.EIO;
            }
            var n = new Inode(_ump, ino);
            var err = ReadDinode(n);
            if (err != Errno.OK)
                return err;
            if (n.Din.Mode != 0)
                _ump.Complain($"inode {ino} was marked free but holds mode 0{Convert.ToString(n.Din.Mode, 8)}; reusing it");
            int gen = n.Din.Gen;
            n.Din.Clear();
            n.Din.Gen = gen + 1 == 0 ? _ump.Rng.Next(1, int.MaxValue) : gen + 1;
            n.Din.Mode = (ushort)ModeBits.VtToIf(type);
            Attach(n);
            ip = n;
            return Errno.OK;
        }
    }

    private Errno ReadDinode(Inode n)
    {
        var fs = _ump.Fs;
        int c = fs.InoToCg(n.Number);
        var err = _ump.GetCg(c, out var cgbp);
        if (err != Errno.OK)
            return err;
        int inited = new Cg(cgbp!.Data).Initediblk;
        _ump.Bc.Brelse(cgbp);
        if (n.Number % (uint)fs.Ipg >= (uint)inited)
            return Errno.OK; // never initialised: reads as a zeroed dinode, as the kernel and TSK treat it
        err = _ump.Bc.Bread(fs.InoToFsba(n.Number), out var bp);
        if (err != Errno.OK)
            return err;
        n.Din.Read(bp!.Data.AsSpan(fs.InoToFsbo(n.Number) * Dinode.Size));
        _ump.Bc.Brelse(bp);
        return Errno.OK;
    }

    private void Attach(Inode n)
    {
        n.Vnode = Vnode.Alloc(UfsVnops.OpsFor(n.Type), _ump.Vfs, n.Type, n);
        if (n.Number == Fs.RootIno)
            n.Vnode.Flag |= VnodeFlags.VROOT;
        if (n.Type is VType.VCHR or VType.VBLK)
            n.Vnode.Rdev = (ulong)n.Din.Db[0];
        _hash.Add(n.Number, n);
    }

    /// <summary>
    /// ufs_inactive (see the file comment). Returns the inode when the caller must free it (no links left, the
    /// last hold gone, IN_RECLAIM set), else null.
    /// </summary>
    public Inode? Inactive(Inode ip)
    {
        using (Lock.Enter())
        {
            if (!ip.Vnode.DropLastHold())
                return null;
            if (ip.Din.Nlink <= 0 && ip.Din.Mode != 0 && !_ump.ReadOnly)
            {
                ip.Flag |= InodeFlags.IN_RECLAIM;
                return ip;
            }
            _idle.AddLast(ip.LruNode);
            while (_idle.Count > MaxIdle && _idle.First!.Value is { } oldest)
            {
                Unidle(oldest);
                if ((oldest.Flag & InodeFlags.IN_MODIFIED) != 0)
                    oldest.Iupdat();
                _hash.Remove(oldest.Number);
            }
            return null;
        }
    }

    /// <summary>Forgets an inode that Inactive handed out for freeing, once its dinode is cleared.</summary>
    public void Forget(Inode ip)
    {
        using (Lock.Enter())
            _hash.Remove(ip.Number);
    }

    /// <summary>Every cached inode (a snapshot), for sync.</summary>
    public Inode[] Snapshot()
    {
        using (Lock.Enter())
            return _hash.Values.ToArray();
    }

    /// <summary>True while any inode other than the root has vnode holds, or the root more than the mount's own.</summary>
    public bool Busy()
    {
        using (Lock.Enter())
            return _hash.Values.Any(ip => ip.Vnode.Count > (ip.Number == Fs.RootIno ? 1 : 0));
    }

    private void Unidle(Inode ip)
    {
        if (ip.LruNode.List is not null)
            _idle.Remove(ip.LruNode);
    }
}
