// Vfs.Core / tmpfs: where file pages come from (the part of the VM system that hands tmpfs its anonymous pages).
//
// A page is 4 KiB of a 1 MiB slab. Pages are carved from slabs, not allocated one by one, because of how the .NET
// collector treats small arrays: a page that is an array of its own is born in the young generation and copied
// twice before it settles, so that writing 256 MiB into tmpfs spent 0.7-1.3 s in collector pauses, longer than
// the writes themselves (docs/benchmarks.md, "tmpfs pages from slabs"). A slab is a large object, which the collector never
// moves. A freed page goes back on the mount's free list and is handed out again before any new slab is made, so
// a server that writes, removes and writes again reuses memory it has already touched.
//
// Bound: a page is handed out only after TmpMount.ReservePage took it from the mount's size= budget, so the
// pages in use plus the free list never exceed that budget plus one slab. The slabs are kept until the mount
// goes away (a freed page is not given back to the runtime), as the budget allows.
//
// A page handed out holds whatever its last owner left: the writer clears what it does not write (TmpRdwr).
// Locking: _lock (a leaf) guards _free, _slab and _next.
namespace UnixVfs.Core.Tmpfs;

/// <summary>One 4 KiB page of a slab.</summary>
internal readonly struct TmpPage(byte[] slab, int offset)
{
    private readonly byte[] _slab = slab;
    private readonly int _offset = offset;

    public Span<byte> Span => new(_slab, _offset, TmpNode.PageSize);
}

/// <summary>A tmpfs mount's page allocator: 1 MiB slabs cut into pages, and a free list of pages given back.</summary>
internal sealed class TmpPages
{
    private const int SlabBytes = 1 << 20;

    public static readonly LockClass LockClass = new("tmpfs pages", LockRank.Leaf);

    private readonly KMutex _lock = new(LockClass);
    private readonly Stack<TmpPage> _free = new();
    private byte[]? _slab;
    private int _next = SlabBytes;

    /// <summary>A page for a file, with undefined contents. The caller has reserved it (TmpMount.ReservePage).</summary>
    public TmpPage Alloc()
    {
        using (_lock.Enter())
        {
            if (_free.TryPop(out var page))
                return page;
            if (_next == SlabBytes)
            {
                _slab = GC.AllocateUninitializedArray<byte>(SlabBytes);
                _next = 0;
            }
            page = new TmpPage(_slab!, _next);
            _next += TmpNode.PageSize;
            return page;
        }
    }

    /// <summary>Takes back a page that no file holds any more.</summary>
    public void Free(TmpPage page)
    {
        using (_lock.Enter())
            _free.Push(page);
    }
}
