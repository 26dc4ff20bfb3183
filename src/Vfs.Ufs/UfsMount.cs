// Vfs.Ufs: the per-mount state of a UFS (struct ufsmount): the device, the in-core superblock and
// cylinder-group summaries, the buffer cache, the inode cache and the locks that order them.
//
// LOCK ORDER (outermost first):
//     RenameLock        serialises rename and rmdir, so that "is the target inside the source?" stays true
//     inode locks       a directory before the files in it; two directories by inode number, except under
//                       RenameLock, where rename walks up the tree and rmdir takes parent then child
//     the inode cache   (Icache, UfsInode.cs; taken from VOP_INACTIVE, so under inode locks)
//     AllocLock         the cylinder groups, Cs[] and the superblock's totals (UfsAlloc.cs)
//     buffer monitors, then the buffer cache's own lock (BufCache.cs); read-ahead's staging lock is a leaf taken
//                       under buffer monitors only, never with the cache lock held (BufCache.StagingClass)
// No code takes an outer lock while holding an inner one. All but the buffer monitors are ranked KMutexes
// (the classes below), so the witness checks this order in every test run. A buffer's monitor is plain:
// a holder may hold several buffers (an indirect chain) in an order only the code knows, and nothing but
// the buffer cache's lock and the device is taken under one.
using UnixVfs.Core;

namespace UnixVfs.Ufs;

/// <summary>A mounted UFS (<c>struct ufsmount</c>).</summary>
internal sealed class UfsMount
{
    public UfsMount(Vfs vfsp, IBlockDevice dev, bool ownsDevice, Fs fs, Csum[] cs, long cacheBytes, bool readOnly, string image)
    {
        Vfs = vfsp;
        Dev = dev;
        OwnsDevice = ownsDevice;
        Fs = fs;
        Cs = cs;
        ReadOnly = readOnly;
        Image = image;
        Bc = new BufCache(dev, fs, cacheBytes);
        Icache = new Icache(this);
        Rng = new Random(fs.Id0 ^ fs.Id1);
    }

    /// <summary>The vfs this mount is (<c>um_mountp</c>).</summary>
    public Vfs Vfs { get; }

    /// <summary>The device the file system lives on (<c>um_devvp</c>).</summary>
    public IBlockDevice Dev { get; }

    /// <summary>True when the mount opened the device itself (from an image path) and closes it at unmount.</summary>
    public bool OwnsDevice { get; }

    /// <summary>The in-core superblock (<c>um_fs</c>). Its totals change under AllocLock.</summary>
    public Fs Fs { get; }

    /// <summary>fs_csp: the summary of every cylinder group. Under AllocLock.</summary>
    public Csum[] Cs { get; }

    /// <summary>True for a read-only mount: nothing is ever written to the device.</summary>
    public bool ReadOnly { get; }

    /// <summary>What was mounted: the full path of the image, or a description of a device handed in.</summary>
    public string Image { get; }

    /// <summary>The buffer cache.</summary>
    public BufCache Bc { get; }

    /// <summary>The inode cache.</summary>
    public Icache Icache { get; }

    /// <summary>The class of rename locks (LockRank.Rename).</summary>
    public static readonly LockClass RenameClass = new("ufs rename", LockRank.Rename);

    /// <summary>The class of inode locks: directories before files, two directories by inode number, any order under RenameLock.</summary>
    public static readonly LockClass InodeClass = new("ufs inode", LockRank.Node, DupRule.Ascending,
        o => ((Inode)o).IsDir ? ((Inode)o).Number : (1L << 40) + ((Inode)o).Number, RenameClass);

    /// <summary>The class of inode cache locks (LockRank.NodeCache).</summary>
    public static readonly LockClass IcacheClass = new("ufs inode cache", LockRank.NodeCache);

    /// <summary>The class of buffer cache locks (LockRank.BufCache).</summary>
    public static readonly LockClass BufCacheClass = new("ufs buffer cache", LockRank.BufCache);

    /// <summary>The class of allocation locks (LockRank.Alloc).</summary>
    public static readonly LockClass AllocClass = new("ufs alloc", LockRank.Alloc);

    /// <summary>Protects the cylinder groups, Cs and the superblock's totals.</summary>
    public readonly KMutex AllocLock = new(AllocClass);

    /// <summary>Serialises renames and rmdirs (see the lock order).</summary>
    public readonly KMutex RenameLock = new(RenameClass);

    /// <summary>The source of new inode generation numbers (seeded from the file system id). Under AllocLock.</summary>
    public Random Rng { get; }

    /// <summary>The root directory's inode, held by the mount.</summary>
    public Inode Root = null!;

    /// <summary>Blocks and inodes freed while their group's header could not be read, and indirect trees of removed
    /// files that could not be read (the disk failed); the next sync applies them (UfsAlloc.ApplyDeferredFrees), so a transient EIO leaks nothing. Under AllocLock.</summary>
    public readonly List<(long Bno, int Size)> DeferredBlkfree = new();
    public readonly List<(uint Ino, bool IsDir)> DeferredVfree = new();
    public readonly List<(long Bno, int Level)> DeferredTrees = new();

    /// <summary>True once the in-core summaries differ from the superblock on the device.</summary>
    public bool SummaryDirty;

    /// <summary>Directories at least this long get a dirhash (Dirhash.cs).</summary>
    public int DirhashMinSize = 4 * UfsDir.DirBlkSiz;

    /// <summary>The current time (the kernel's clock).</summary>
    public Timespec Now() => Vfs.Kernel.Now();

    /// <summary>Reports a problem with the file system's contents in the kernel's message log (cmn_err), naming the image.</summary>
    public void Complain(string what) => Vfs.Kernel.Log($"ufs: {Image}: {what}");

    /// <summary>Reads group <paramref name="c"/>'s header and checks it. Returns OK or EIO (logged). On OK the caller holds <paramref name="bp"/>.</summary>
    public Errno GetCg(int c, out Buf? bp)
    {
        bp = null;
        if ((uint)c >= (uint)Fs.Ncg)
            return Errno.EIO;
        var err = Bc.Bread(Fs.Cgtod(c), out var b);
        if (err != Errno.OK)
            return err;
        var why = new Cg(b!.Data).Check(Fs, c);
        if (why is not null)
        {
            Bc.Brelse(b);
            Complain(why);
            return Errno.EIO;
        }
        b.Flags |= BufFlags.B_META;
        bp = b;
        return Errno.OK;
    }
}
