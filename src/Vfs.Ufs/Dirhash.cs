// Vfs.Ufs: an in-memory index of a large directory (FreeBSD's ufs_dirhash.c idea).
//
// A UFS directory is a list of variable-length entries; finding a name, or a place for a new one,
// means reading it from the start. For a directory of 100,000 names that makes every lookup and
// create linear, and filling the directory quadratic. A Dirhash, built the first time a large
// directory is searched and kept with its in-core inode, answers both questions at once:
//   - name -> the byte offset of its entry (the entry is then read and checked: the disk stays the truth);
//   - "the first directory block with a gap of at least n bytes" -> from a max-tree over the largest
//     gap of each DIRBLKSIZ block, in O(log blocks).
// Every directory operation that changes an entry keeps the index in step (UfsDir.cs). It costs a few
// dozen bytes per name and is dropped with the inode.
namespace UnixVfs.Ufs;

/// <summary>The index of one directory (<c>struct dirhash</c>).</summary>
internal sealed class Dirhash
{
    private readonly Dictionary<string, int> _names = new(StringComparer.Ordinal);
    private int[] _tree = new int[2];
    private int _leaves = 1;
    private int _blocks;

    /// <summary>Directory blocks (DIRBLKSIZ each) the index covers.</summary>
    public int Blocks => _blocks;

    /// <summary>Names indexed.</summary>
    public int Count => _names.Count;

    /// <summary>ufsdirhash_lookup: the offset of <paramref name="name"/>'s entry, or -1.</summary>
    public int Lookup(string name) => _names.TryGetValue(name, out int off) ? off : -1;

    /// <summary>ufsdirhash_add.</summary>
    public void Add(string name, int off) => _names[name] = off;

    /// <summary>ufsdirhash_remove.</summary>
    public void Remove(string name) => _names.Remove(name);

    /// <summary>Moves <paramref name="name"/> to a new offset (an entry rewritten in place keeps its offset).</summary>
    public void Move(string name, int off) => _names[name] = off;

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
