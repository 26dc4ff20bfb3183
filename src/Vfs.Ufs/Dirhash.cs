// Vfs.Ufs: an in-memory index of a large directory (FreeBSD's ufs_dirhash.c).
//
// A UFS directory is a list of variable-length entries; finding a name, or a place for a new one,
// means reading it from the start. For a directory of 100,000 names that makes every lookup and
// create linear, and filling the directory quadratic. A Dirhash, built the first time a large
// directory is searched and kept with its in-core inode, answers both questions at once:
//   - name -> the byte offsets of the entries whose names hash alike, in an open-addressing table of
//     (hash, offset) pairs. As in FreeBSD the names themselves are not kept: each candidate entry is
//     read and compared, so the disk stays the truth and the index costs 8 bytes a name and no objects;
//   - "the first directory block with a gap of at least n bytes" -> from a max-tree over the largest
//     gap of each DIRBLKSIZ block, in O(log blocks).
// Every directory operation that changes an entry keeps the index in step (UfsDir.cs). It is dropped
// with the inode.
namespace UnixVfs.Ufs;

/// <summary>The index of one directory (<c>struct dirhash</c>).</summary>
internal sealed class Dirhash
{
    private const int Empty = 0, Deleted = -1;

    /// <summary>A slot of the table: a name's hash and its entry's offset + 1 (or Empty, Deleted). One cache line
    /// holds several, so a probe costs one memory access.</summary>
    private struct Slot
    {
        public uint Hash;
        public int Off;
    }

    private Slot[] _slots = new Slot[64];
    private int _count, _used;
    private int[] _tree = new int[2];
    private int _leaves = 1;
    private int _blocks;

    /// <summary>Names indexed.</summary>
    public int Count => _count;

    /// <summary>The hash of a name's UTF-8 bytes (FNV-1a).</summary>
    public static uint Hash(ReadOnlySpan<byte> name)
    {
        uint h = 2166136261;
        foreach (byte b in name)
            h = (h ^ b) * 16777619;
        return h;
    }

    /// <summary>
    /// ufsdirhash_lookup: the offsets of the entries whose names hash to <paramref name="hash"/>, one per call:
    /// start with <paramref name="cursor"/> = -1; returns -1 when there are no more.
    /// </summary>
    public int Next(uint hash, ref int cursor)
    {
        int mask = _slots.Length - 1;
        int i = cursor < 0 ? (int)(hash & mask) : (cursor + 1) & mask;
        for (int probes = 0; probes < _slots.Length; probes++, i = (i + 1) & mask)
        {
            ref var slot = ref _slots[i];
            if (slot.Off == Empty)
                return -1;
            if (slot.Off != Deleted && slot.Hash == hash)
            {
                cursor = i;
                return slot.Off - 1;
            }
        }
        return -1;
    }

    /// <summary>ufsdirhash_add: the entry at <paramref name="off"/> has a name hashing to <paramref name="hash"/>.</summary>
    public void Add(uint hash, int off)
    {
        if ((_used + 1) * 2 > _slots.Length)
            Rehash(_count * 4 > _slots.Length ? _slots.Length * 2 : _slots.Length);
        int mask = _slots.Length - 1;
        int i = (int)(hash & mask);
        while (_slots[i].Off > 0)
            i = (i + 1) & mask;
        if (_slots[i].Off == Empty)
            _used++;
        _slots[i] = new Slot { Hash = hash, Off = off + 1 };
        _count++;
    }

    /// <summary>ufsdirhash_remove: forgets the entry at <paramref name="off"/>.</summary>
    public void Remove(uint hash, int off)
    {
        int cursor = -1;
        for (int o = Next(hash, ref cursor); o >= 0; o = Next(hash, ref cursor))
            if (o == off)
            {
                _slots[cursor].Off = Deleted;
                _count--;
                return;
            }
    }

    private void Rehash(int size)
    {
        var old = _slots;
        _slots = new Slot[size];
        _count = _used = 0;
        foreach (var slot in old)
            if (slot.Off > 0)
                Add(slot.Hash, slot.Off - 1);
    }

    /// <summary>Records the largest gap in directory block <paramref name="block"/> (growing the index for a new block).</summary>
    public void SetFree(int block, int gap)
    {
        if (block >= _blocks)
            _blocks = block + 1;
        while (block >= _leaves)
            Grow();
        int i = _leaves + block;
        _tree[i] = gap;
        for (i >>= 1; i >= 1; i >>= 1)
            _tree[i] = Math.Max(_tree[2 * i], _tree[2 * i + 1]);
    }

    /// <summary>ufsdirhash_findfree: the first directory block with a gap of at least <paramref name="need"/> bytes, or -1.</summary>
    public int FindFree(int need)
    {
        if (_tree[1] < need)
            return -1;
        int i = 1;
        while (i < _leaves)
            i = _tree[2 * i] >= need ? 2 * i : 2 * i + 1;
        int block = i - _leaves;
        return block < _blocks ? block : -1;
    }

    private void Grow()
    {
        int leaves = _leaves * 2;
        var tree = new int[2 * leaves];
        Array.Copy(_tree, _leaves, tree, leaves, _leaves);
        for (int i = leaves - 1; i >= 1; i--)
            tree[i] = Math.Max(tree[2 * i], tree[2 * i + 1]);
        _tree = tree;
        _leaves = leaves;
    }
}
