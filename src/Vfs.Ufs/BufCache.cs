// Vfs.Ufs: the buffer cache between UFS and its block device (bio: getblk, bread, bdwrite, bwrite,
// brelse), with a fixed byte budget.
//
// LIFE CYCLE OF A BUFFER. Getblk(blkno) returns the block's buffer held (its monitor entered);
// Bread does the same and reads the block from the device if the buffer does not hold it yet. The
// holder reads or changes Data and lets go with Brelse (unchanged), Bdwrite (changed: a delayed
// write, B_DELWRI) or Bwrite (changed, written now). A buffer nobody holds sits on an LRU list and
// may be evicted to make room: a clean one is simply reused, a dirty one is written first.
//
// BUDGET. The cache never holds more than Budget bytes of buffers (the `cachesize=` mount option,
// default 64 MiB), unless every buffer is held at once. Buffer arrays are recycled, so steady-state
// I/O allocates nothing; they are pinned, so the garbage collector never copies them as they age.
//
// DIRTY RANGES. A buffer remembers which of its bytes changed since the device had them (Buf.DirtyFrom, from
// each Bdwrite's range), and goes out as just the fragments they touch: a dinode's update writes one fragment of
// its inode block, a small file's data its fragment, a group its fs_cgsize bytes.
//
// CLUSTERING. Writes gather runs of adjacent dirty buffers whose dirty bytes meet (up to MaxCluster bytes) into
// one device write (IBlockDevice.WriteGather: pwritev, no copying), both when evicting and when flushing.
// Readahead reads a run of blocks a file maps contiguously with one device read; ReadDirect reads such
// a run straight into the caller's memory when none of it is cached, and WriteDirect writes a run of
// whole blocks from the caller's memory the same way, with one device write (UfsRdwr.cs gathers the
// run). Large sequential I/O therefore reaches the device in large requests, or without a second copy.
// ReadPart serves a random reader's miss with just the sectors it asked for, straight into its memory,
// so a cold small read neither reads a whole block nor takes (and page-faults) a buffer for bytes
// nobody asked for.
//
// ORDER ON SYNC. Flush(data first) then the device's flush, then metadata and a second flush: a file's
// data is stable before the inode and indirect blocks that point to it (fsync and sync, UfsVfsops.cs).
// FlushDevice flushes only when the cache has written something since the last flush (_unflushed): an fsync
// with no data to write, or of a directory, costs one device flush, not two.
//
// LOCKING. One lock guards the hash, the LRU list, the dirty list and Refs; device writes of dirty
// buffers happen under it (so two writes of one block can never be reordered). A reader fills a
// buffer it holds without the lock. Lock order: a buffer's monitor, then the cache lock. Readahead's staging
// array has a lock of its own (a leaf, held across the device read, taken under buffer monitors and never
// with the cache lock held).
using System.Buffers;
using UnixVfs.Core;

namespace UnixVfs.Ufs;

/// <summary>The buffer cache of one mounted UFS.</summary>
internal sealed class BufCache
{
    /// <summary>The default budget (the `cachesize=` mount option).</summary>
    public const long DefaultBudget = 64L << 20;

    private readonly KMutex _lock = new(UfsMount.BufCacheClass);
    private readonly Dictionary<long, Buf> _hash = new();
    private readonly LinkedList<Buf> _lru = new();
    private readonly LinkedList<Buf> _dirty = new();
    private readonly List<ReadOnlyMemory<byte>> _gather = new();
    private readonly List<Buf> _run = new();
    private readonly Stack<byte[]> _spare = new();
    private readonly Comparison<Buf> _byBlkno = static (a, b) => a.Blkno.CompareTo(b.Blkno);
    private readonly IBlockDevice _dev;
    private readonly int _bsize, _frag, _fshift;
    // Readahead reads a run into this one array (MaxCluster bytes, made at the first run) under _stagingLock, and copies
    // it into the run's buffers. The shared array pool it used before keeps an array of every size it lent on every
    // thread that gave one back: 8 NFS readers left some 60 MiB of them resident (docs/benchmarks.md, "Stop 25").
    public static readonly LockClass StagingClass = new("ufs read-ahead staging", LockRank.Leaf);
    private readonly KMutex _stagingLock = new(StagingClass);
    private byte[]? _staging;
    // _unflushed: the device was written since its last successful flush. Set after every device write (WriteRun,
    // Bwrite, WriteDirect, WriteThrough); cleared by FlushDevice under _flushLock, held across the flush, so that a
    // caller that finds it clear knows that an earlier flush has finished, and with it every write before it.
    public static readonly LockClass FlushClass = new("ufs device flush", LockRank.Leaf);
    private readonly KMutex _flushLock = new(FlushClass);
    private volatile bool _unflushed;
    private readonly long _devBytes;
    private long _allocated;

    public BufCache(IBlockDevice dev, Fs fs, long budget)
    {
        _dev = dev;
        _bsize = fs.Bsize;
        _frag = fs.Frag;
        _fshift = fs.Fshift;
        _devBytes = dev.Size;
        Budget = Math.Max(budget, 16L * fs.Bsize);
        MaxCluster = (int)Math.Clamp(Budget / 8, fs.Bsize, 2L << 20) / fs.Bsize * fs.Bsize;
    }

    /// <summary>The most bytes of buffers the cache holds.</summary>
    public long Budget { get; }

    /// <summary>The largest single device transfer the cache issues.</summary>
    public int MaxCluster { get; }

    /// <summary>Bytes of buffers allocated now.</summary>
    public long Allocated { get { using (_lock.Enter()) return _allocated; } }

    /// <summary>Lookups answered from the cache, and device reads and writes issued (with bytes).</summary>
    public long Hits, Misses, DeviceReads, DeviceWrites, BytesRead, BytesWritten;

    /// <summary>
    /// getblk: the buffer of the block at fragment <paramref name="blkno"/>, held; its Data holds the block
    /// only if B_DONE is set. Returns OK, or EIO when no buffer can be freed (every one is dirty and the device fails).
    /// </summary>
    public Errno Getblk(long blkno, out Buf bp)
    {
        using (_lock.Enter())
        {
            if (_hash.TryGetValue(blkno, out var found))
            {
                bp = found;
                bp.Refs++;
                Touch(bp);
                Hits++;
            }
            else
            {
                var err = NewBuf(blkno, out var nb);
                bp = nb!;
                if (err != Errno.OK)
                    return err;
                Misses++;
            }
        }
        Monitor.Enter(bp);
        return Errno.OK;
    }

    /// <summary>bread: the buffer of the block at <paramref name="blkno"/>, held, with its contents. Returns OK or EIO.</summary>
    public Errno Bread(long blkno, out Buf? bp)
    {
        var err = Getblk(blkno, out var b);
        bp = null;
        if (err != Errno.OK)
            return err;
        if ((b.Flags & BufFlags.B_DONE) == 0)
        {
            err = _dev.Read(b.Blkno << _fshift, b.Data.AsSpan(0, b.Size));
            if (err != Errno.OK)
            {
                Brelse(b);
                return err;
            }
            Interlocked.Increment(ref DeviceReads);
            Interlocked.Add(ref BytesRead, b.Size);
            b.Flags |= BufFlags.B_DONE;
        }
        bp = b;
        return Errno.OK;
    }

    /// <summary>
    /// breadn's read-ahead: makes sure the <paramref name="nblocks"/> blocks from <paramref name="blkno"/> on are
    /// cached, reading the ones missing at the start of the run with one device read. Returns OK or EIO.
    /// </summary>
    public Errno Readahead(long blkno, int nblocks)
    {
        nblocks = Math.Min(nblocks, MaxCluster / _bsize);
        var run = new List<Buf>(nblocks);
        using (_lock.Enter())
        {
            for (int i = 0; i < nblocks; i++)
            {
                long b = blkno + (long)i * _frag;
                if (_hash.ContainsKey(b) || (b << _fshift) + _bsize > _devBytes)
                    break;
                if (NewBuf(b, out var bp) != Errno.OK)
                    break;
                Monitor.Enter(bp!);
                run.Add(bp!);
            }
        }
        if (run.Count == 0)
            return Errno.OK;
        int bytes = run.Count * _bsize;
        Errno err;
        using (_stagingLock.Enter())
        {
            _staging ??= GC.AllocateUninitializedArray<byte>(MaxCluster);
            err = _dev.Read(blkno << _fshift, _staging.AsSpan(0, bytes));
            if (err == Errno.OK)
            {
                Interlocked.Increment(ref DeviceReads);
                Interlocked.Add(ref BytesRead, bytes);
                for (int i = 0; i < run.Count; i++)
                {
                    _staging.AsSpan(i * _bsize, _bsize).CopyTo(run[i].Data);
                    run[i].Flags |= BufFlags.B_DONE;
                }
            }
        }
        foreach (var bp in run)
            Brelse(bp);
        return err;
    }

    /// <summary>
    /// Reads up to <paramref name="nblocks"/> whole blocks from <paramref name="blkno"/> on straight into
    /// <paramref name="dst"/>, bypassing the cache, stopping before the first block the cache holds (its copy may be
    /// newer). The caller must keep the blocks from being written meanwhile (it holds their file's lock).
    /// Returns OK with how many blocks were read (0 when the first is cached), or EIO.
    /// </summary>
    public Errno ReadDirect(long blkno, int nblocks, Span<byte> dst, out int got)
    {
        got = 0;
        using (_lock.Enter())
        {
            while (got < nblocks && !_hash.ContainsKey(blkno + (long)got * _frag))
                got++;
        }
        if (got == 0)
            return Errno.OK;
        var err = _dev.Read(blkno << _fshift, dst[..(got * _bsize)]);
        if (err != Errno.OK)
        {
            got = 0;
            return err;
        }
        Interlocked.Increment(ref DeviceReads);
        Interlocked.Add(ref BytesRead, (long)got * _bsize);
        return Errno.OK;
    }

    /// <summary>
    /// Reads <paramref name="dst"/>.Length bytes from byte <paramref name="on"/> of the block at <paramref name="blkno"/>
    /// straight into <paramref name="dst"/>, past the cache, unless the cache holds the block (its copy may be newer):
    /// then nothing is read and <paramref name="got"/> is false. Only the sectors the bytes lie in are read -- into
    /// dst itself when the bytes are sector-aligned, else into pooled staging. The caller must keep the bytes from
    /// being written meanwhile (it holds their file's lock) and must own them (the sectors around may hold another
    /// file's fragments, which are read but never shown). Returns OK or EIO.
    /// </summary>
    public Errno ReadPart(long blkno, int on, Span<byte> dst, out bool got)
    {
        got = false;
        using (_lock.Enter())
        {
            if (_hash.ContainsKey(blkno))
                return Errno.OK;
        }
        int sector = _dev.SectorSize;
        long off = (blkno << _fshift) + on;
        long lo = off / sector * sector, hi = (off + dst.Length + sector - 1) / sector * sector;
        Errno err;
        if (lo == off && hi == off + dst.Length)
            err = _dev.Read(off, dst);
        else
        {
            var staging = ArrayPool<byte>.Shared.Rent((int)(hi - lo));
            err = _dev.Read(lo, staging.AsSpan(0, (int)(hi - lo)));
            if (err == Errno.OK)
                staging.AsSpan((int)(off - lo), dst.Length).CopyTo(dst);
            ArrayPool<byte>.Shared.Return(staging);
        }
        if (err != Errno.OK)
            return err;
        Interlocked.Increment(ref DeviceReads);
        Interlocked.Add(ref BytesRead, hi - lo);
        got = true;
        return Errno.OK;
    }

    /// <summary>
    /// Writes a run of whole blocks, adjacent on the device from <paramref name="blkno"/> on, straight from
    /// <paramref name="src"/> (whole blocks, at most MaxCluster bytes) to the device with one request, past the cache.
    /// The caller has seen that the cache holds none of them (IsCached: a buffer would go stale) and keeps them from
    /// being read or written meanwhile (it holds their file's lock, the only way to them). Returns OK or EIO.
    /// </summary>
    public Errno WriteDirect(long blkno, ReadOnlySpan<byte> src)
    {
        var err = _dev.Write(blkno << _fshift, src);
        if (err != Errno.OK)
            return err;
        _unflushed = true;
        Interlocked.Increment(ref DeviceWrites);
        Interlocked.Add(ref BytesWritten, src.Length);
        return Errno.OK;
    }

    /// <summary>
    /// Writes <paramref name="src"/> at byte <paramref name="offset"/> of the device, past the cache (the superblock,
    /// which no buffer holds). Returns OK or EIO.
    /// </summary>
    public Errno WriteThrough(long offset, ReadOnlySpan<byte> src)
    {
        var err = _dev.Write(offset, src);
        if (err == Errno.OK)
            _unflushed = true;
        return err;
    }

    /// <summary>True when the block at <paramref name="blkno"/> is cached.</summary>
    public bool IsCached(long blkno)
    {
        using (_lock.Enter())
            return _hash.ContainsKey(blkno);
    }

    /// <summary>brelse: lets go of a buffer without changing its state.</summary>
    public void Brelse(Buf bp)
    {
        Monitor.Exit(bp);
        using (_lock.Enter())
            bp.Refs--;
    }

    /// <summary>bdwrite: lets go of a changed buffer; it is written later (eviction, fsync or sync).</summary>
    public void Bdwrite(Buf bp) => Bdwrite(bp, 0, bp.Size);

    /// <summary>
    /// bdwrite of a buffer whose holder changed only bytes [<paramref name="from"/>, <paramref name="to"/>) of Data: they
    /// join the buffer's dirty range (Buf.DirtyFrom), so a flush of it alone writes the fragments they touch.
    /// </summary>
    public void Bdwrite(Buf bp, int from, int to)
    {
        MarkDirty(bp, from, to);
        Monitor.Exit(bp);
        using (_lock.Enter())
        {
            AddDirty(bp);
            bp.Refs--;
        }
    }

    /// <summary>bwrite: writes a changed buffer to the device now and lets go of it. Returns OK or EIO (the buffer stays dirty).</summary>
    public Errno Bwrite(Buf bp)
    {
        MarkDirty(bp, 0, bp.Size);   // whole, so that if the write fails the buffer stays dirty in full
        var err = _dev.Write(bp.Blkno << _fshift, bp.Data.AsSpan(0, bp.Size));
        if (err == Errno.OK)
        {
            _unflushed = true;
            Interlocked.Increment(ref DeviceWrites);
            Interlocked.Add(ref BytesWritten, bp.Size);
            bp.Flags &= ~BufFlags.B_DELWRI;
            bp.Owner = 0;
        }
        Monitor.Exit(bp);
        using (_lock.Enter())
        {
            if (bp.IsDirty)
                AddDirty(bp);
            else
                RemoveDirty(bp);
            bp.Refs--;
        }
        return err;
    }

    /// <summary>
    /// Forgets the block at <paramref name="blkno"/> (it is being freed): a delayed write of it is dropped. A buffer
    /// someone holds is only marked clean. The caller holds AllocLock and has not yet marked the block free, so the
    /// buffer cannot already belong to the block's next owner (UfsAlloc.Blkfree).
    /// </summary>
    public void Invalidate(long blkno)
    {
        using (_lock.Enter())
        {
            if (!_hash.TryGetValue(blkno, out var bp))
                return;
            RemoveDirty(bp);
            if (bp.Refs > 0)
            {
                bp.Flags &= ~BufFlags.B_DELWRI;
                return;
            }
            Remove(bp);
        }
    }

    /// <summary>
    /// Writes every dirty buffer <paramref name="which"/> selects, in block order, adjacent ones together.
    /// Buffers held by someone are skipped (their holder will write them). Returns OK or the first device error.
    /// </summary>
    public Errno Flush(Func<Buf, bool> which)
    {
        using (_lock.Enter())
        {
            var list = new List<Buf>();
            foreach (var bp in _dirty)
                if (bp.Refs == 0 && which(bp))
                    list.Add(bp);
            list.Sort(_byBlkno);
            var first = Errno.OK;
            int i = 0;
            while (i < list.Count)
            {
                int j = i + 1;
                long bytes = list[i].Size;
                while (j < list.Count && list[j].Blkno == list[j - 1].Blkno + _frag && Joins(list[j - 1], list[j])
                       && bytes + list[j].Size <= MaxCluster)
                    bytes += list[j++].Size;
                var err = WriteRun(list, i, j - i);
                if (first == Errno.OK)
                    first = err;
                i = j;
            }
            return first;
        }
    }

    /// <summary>
    /// The device's flush (fsync of the image), when anything was written since the last one; with nothing written,
    /// OK at once (after any flush in progress has finished). Returns OK or EIO.
    /// </summary>
    public Errno FlushDevice()
    {
        using (_flushLock.Enter())
        {
            if (!_unflushed)
                return Errno.OK;
            _unflushed = false;
            var err = _dev.Flush();
            if (err != Errno.OK)
                _unflushed = true;
            return err;
        }
    }

    /// <summary>Drops every buffer (after a final flush, at unmount). Dirty buffers are lost.</summary>
    public void Purge()
    {
        using (_lock.Enter())
        {
            _hash.Clear();
            _dirty.Clear();
            _spare.Clear();
            _lru.Clear();
            _allocated = 0;
        }
    }

    /// <summary>Marks <paramref name="bp"/> (held) changed in bytes [<paramref name="from"/>, <paramref name="to"/>) of its Data.</summary>
    private static void MarkDirty(Buf bp, int from, int to)
    {
        if (!bp.IsDirty)
            (bp.DirtyFrom, bp.DirtyTo) = (from, to);
        else
            (bp.DirtyFrom, bp.DirtyTo) = (Math.Min(bp.DirtyFrom, from), Math.Max(bp.DirtyTo, to));
        bp.Flags |= BufFlags.B_DONE | BufFlags.B_DELWRI;
    }

    /// <summary>
    /// True when dirty buffer <paramref name="b"/>, the block after dirty <paramref name="a"/> on the device, continues
    /// a's dirty bytes (a's run to its end, b's from its start), so that one device write carries both.
    /// </summary>
    private bool Joins(Buf a, Buf b) => a.Size == _bsize && a.DirtyTo == a.Size && b.DirtyFrom == 0;

    /// <summary>
    /// Writes the dirty bytes of list[start..start+count) (adjacent blocks, each joining the one before it) with one
    /// gathered device write, rounded out to whole fragments: from the first buffer's DirtyFrom to the last's DirtyTo.
    /// Caller holds the lock.
    /// </summary>
    private Errno WriteRun(List<Buf> list, int start, int count)
    {
        int fsize = 1 << _fshift;
        Buf first = list[start], last = list[start + count - 1];
        int lo = first.DirtyFrom & ~(fsize - 1), hi = Math.Min(last.Size, (last.DirtyTo + fsize - 1) & ~(fsize - 1));
        long off = (first.Blkno << _fshift) + lo;
        Errno err;
        long bytes = 0;
        if (count == 1)
        {
            err = _dev.Write(off, first.Data.AsSpan(lo, hi - lo));
            bytes = hi - lo;
        }
        else
        {
            _gather.Clear();
            for (int k = 0; k < count; k++)
            {
                var bp = list[start + k];
                int from = k == 0 ? lo : 0, to = k == count - 1 ? hi : bp.Size;
                _gather.Add(bp.Data.AsMemory(from, to - from));
                bytes += to - from;
            }
            err = _dev.WriteGather(off, _gather);
            _gather.Clear();
        }
        if (err != Errno.OK)
            return err;
        _unflushed = true;
        DeviceWrites++;
        BytesWritten += bytes;
        for (int k = 0; k < count; k++)
        {
            var bp = list[start + k];
            bp.Flags &= ~BufFlags.B_DELWRI;
            bp.Owner = 0;
            RemoveDirty(bp);
        }
        return Errno.OK;
    }

    /// <summary>A new buffer for <paramref name="blkno"/>, held once (Refs = 1), hashed and on the LRU list. Caller holds the lock.</summary>
    private Errno NewBuf(long blkno, out Buf? bp)
    {
        bp = null;
        byte[]? data = null;
        if (_allocated + _bsize > Budget)
        {
            var err = Reclaim(out data);
            if (err != Errno.OK && _allocated + _bsize > Budget)
                return err;
        }
        if (data is null)
        {
            data = _spare.Count > 0 ? _spare.Pop() : GC.AllocateUninitializedArray<byte>(_bsize, pinned: true);
            _allocated += _bsize;
        }
        var b = new Buf(data)
        {
            Blkno = blkno,
            Size = (int)Math.Min(_bsize, _devBytes - (blkno << _fshift)),
            Refs = 1,
        };
        _hash.Add(blkno, b);
        _lru.AddLast(b.LruNode);
        bp = b;
        return Errno.OK;
    }

    /// <summary>
    /// Frees the least recently used buffer nobody holds, writing it (with its dirty neighbours) first if it is
    /// dirty, and hands back its array. Caller holds the lock. Returns OK, ENOBUFS (all held), or EIO.
    /// </summary>
    private Errno Reclaim(out byte[]? data)
    {
        data = null;
        var err = Errno.ENOBUFS;
        for (var node = _lru.First; node is not null; node = node.Next)
        {
            var bp = node.Value;
            if (bp.Refs > 0)
                continue;
            if (bp.IsDirty)
            {
                var e = WriteCluster(bp);
                if (e != Errno.OK)
                {
                    err = e;
                    continue;
                }
            }
            Remove(bp);
            data = _spare.Pop();
            _allocated += _bsize;
            return Errno.OK;
        }
        return err;
    }

    /// <summary>Writes dirty <paramref name="victim"/> together with the unheld dirty buffers adjacent to it. Caller holds the lock.</summary>
    private Errno WriteCluster(Buf victim)
    {
        int max = MaxCluster / _bsize;
        long lo = victim.Blkno, hi = victim.Blkno;
        int n = 1;
        while (n < max && _hash.TryGetValue(lo - _frag, out var p) && p.IsDirty && p.Refs == 0 && Joins(p, _hash[lo]))
        {
            lo -= _frag;
            n++;
        }
        while (n < max && _hash.TryGetValue(hi + _frag, out var q) && q.IsDirty && q.Refs == 0 && Joins(_hash[hi], q))
        {
            hi += _frag;
            n++;
        }
        _run.Clear();
        for (long b = lo; b <= hi; b += _frag)
            _run.Add(_hash[b]);
        var err = WriteRun(_run, 0, _run.Count);
        _run.Clear();
        return err;
    }

    private void AddDirty(Buf bp)
    {
        if (bp.DirtyNode.List is null)
            _dirty.AddLast(bp.DirtyNode);
    }

    private void RemoveDirty(Buf bp)
    {
        if (bp.DirtyNode.List is not null)
            _dirty.Remove(bp.DirtyNode);
    }

    private void Remove(Buf bp)
    {
        RemoveDirty(bp);
        _hash.Remove(bp.Blkno);
        _lru.Remove(bp.LruNode);
        _spare.Push(bp.Data);
        _allocated -= _bsize;
        bp.Flags = BufFlags.None;
    }

    private void Touch(Buf bp)
    {
        if (ReferenceEquals(_lru.Last, bp.LruNode))
            return;
        _lru.Remove(bp.LruNode);
        _lru.AddLast(bp.LruNode);
    }
}
