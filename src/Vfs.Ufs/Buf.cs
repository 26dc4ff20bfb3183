// Vfs.Ufs: a buffer of the buffer cache (struct buf): one file system block of the device in memory.
//
// Every byte UFS reads or writes passes through a Buf. A buffer caches one whole block
// (fs_bsize bytes, aligned to a block boundary in fragment addresses), whatever it holds: data of
// one file, the fragments of several files' tails, a directory block, an indirect block, a block of
// dinodes or a cylinder group header. BufCache.cs owns the buffers; see it for the life cycle.
//
// Ownership: Blkno, Size and the list links belong to the cache and change only under its lock.
// Data and Flags belong to whoever holds the buffer (between Getblk/Bread and Brelse/Bdwrite/Bwrite);
// holding it means holding its monitor, so two threads never touch one buffer's bytes at once.
namespace UnixVfs.Ufs;

/// <summary>The state bits of a buffer (<c>b_flags</c>).</summary>
[Flags]
internal enum BufFlags
{
    None = 0,
    /// <summary>B_DONE (B_CACHE): Data holds the block's contents.</summary>
    B_DONE = 0x01,
    /// <summary>B_DELWRI: Data is newer than the device (a delayed write).</summary>
    B_DELWRI = 0x02,
    /// <summary>Metadata (directory, indirect, inode or group blocks), written after data on sync.</summary>
    B_META = 0x04,
}

/// <summary>A cached block (<c>struct buf</c>).</summary>
internal sealed class Buf
{
    /// <summary>The inode a data buffer belongs to when several files share it (fragments of one block).</summary>
    public const uint SharedOwner = uint.MaxValue;

    public Buf(byte[] data)
    {
        Data = data;
        LruNode = new(this);
        DirtyNode = new(this);
    }

    /// <summary><c>b_blkno</c>: the fragment address of the block's first fragment.</summary>
    public long Blkno;

    /// <summary><c>b_data</c>: the block's bytes (fs_bsize long).</summary>
    public byte[] Data;

    /// <summary><c>b_bcount</c>: the bytes of the block on the device (fs_bsize, less for a block cut by the device's end).</summary>
    public int Size;

    /// <summary><c>b_flags</c>.</summary>
    public BufFlags Flags;

    /// <summary>
    /// While the buffer is dirty (B_DELWRI): the bytes [DirtyFrom, DirtyTo) of Data changed since the device last had them,
    /// the union of every Bdwrite's range. A buffer written alone writes only these, rounded out to whole fragments, as a
    /// fragment's buffer would be in FreeBSD; a buffer written in a cluster writes whole. (A holder that changes bytes
    /// outside the range it gives Bdwrite loses them: give none, and the whole buffer is dirty.)
    /// </summary>
    public int DirtyFrom, DirtyTo;

    /// <summary>For a data buffer, the inode whose bytes it holds (SharedOwner when several), so fsync finds a file's dirty blocks.</summary>
    public uint Owner;

    /// <summary>How many callers hold (or wait for) the buffer; a buffer with holders is never evicted. Under the cache lock.</summary>
    internal int Refs;

    /// <summary>The buffer's places on the cache's LRU list and dirty list, made once so that moving it allocates
    /// nothing. Under the cache lock. (Lists, not hash sets: hashing a buffer would store a hash code in its object
    /// header and slow every Monitor.Enter on it.)</summary>
    internal readonly LinkedListNode<Buf> LruNode, DirtyNode;

    public bool IsDirty => (Flags & BufFlags.B_DELWRI) != 0;
    public bool IsMeta => (Flags & BufFlags.B_META) != 0;

    /// <summary>Records who dirtied a data buffer (a second owner makes it shared).</summary>
    public void SetOwner(uint ino)
    {
        if (Owner == 0 || Owner == ino)
            Owner = ino;
        else
            Owner = SharedOwner;
    }

    public override string ToString() => $"buf {Blkno} {Flags}";
}
