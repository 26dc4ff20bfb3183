// Vfs.Mirror: the checksums of one file's 64 KiB extents, in memory (beyond the patent; -o checksum, MirrorChecksum.cs).
//
// WHAT A SUM COVERS. Extent e is the bytes [e * 64 KiB, min((e + 1) * 64 KiB, Size)) of the file as read(2) returns
// them: a hole reads as zeros and is summed as zeros, and the last extent is as long as the file makes it. Its sum is
// XxHash3 (64 bits) of those bytes, with 0 kept for "not known": a hash that comes out 0 is stored as 1.
//
// UNKNOWN is a state, not an error. An extent whose sum is not known is served without a check and is never repaired:
// it is never taken for bad. Extents become unknown when the copies disagreed while their sum was being made (Flush),
// when a sum file could not be trusted at load (MirrorSumFile.cs), or on a failed write.
//
// DIRTY extents were changed by a write that did not cover them whole (a 4 KiB write into a 64 KiB extent): their sum
// is made again at the next flush from the copies' bytes (MirrorChecksum.Flush), so a write never reads. An extent a
// write covers whole is summed from the caller's buffer at once; one a file extension leaves as a hole is summed as
// zeros.
//
// LOCKING. The table's own monitor (a leaf: nothing is called under it) guards every field. Writers change it while
// they hold every copy's rwlock (MfsWrite), so a reader holding one copy's rwlock sees the sums of the bytes it reads.
using System.IO.Hashing;

namespace UnixVfs.Mirror;

/// <summary>The extent checksums of one mirror file (<c>Mnode.Sums</c>).</summary>
internal sealed class ExtentSums
{
    public const int Shift = 16;
    public const int ExtentSize = 1 << Shift;

    private static readonly byte[] Zeros = new byte[ExtentSize];
    private static readonly ulong ZeroExtent = Hash(Zeros);

    private ulong[] _sums = [];

    /// <summary>Serialises the writes of this file's sum files (marking them in flight, flushing): MirrorChecksum.cs. Taken by VirtualClock.EnterMonitor.</summary>
    public readonly object DiskLock = new();
    private readonly SortedSet<long> _dirty = new();

    /// <summary>The file's size the sums describe.</summary>
    public long Size { get; private set; }

    /// <summary>True when something changed since the sum files were last written (MirrorChecksum.Flush).</summary>
    public bool Changed { get; set; }

    /// <summary>
    /// True while some copy may hold a sum file a write would make stale: from load and from every flush until the
    /// files are marked in flight before the next update (MirrorChecksum.BeforeUpdate).
    /// </summary>
    public bool OnDiskClean { get; set; }

    /// <summary>XxHash3 of an extent's bytes; never 0, which stands for "not known".</summary>
    public static ulong Hash(ReadOnlySpan<byte> data)
    {
        ulong h = XxHash3.HashToUInt64(data);
        return h == 0 ? 1 : h;
    }

    /// <summary>The extents of a file of <paramref name="size"/> bytes.</summary>
    public static long Count(long size) => (size + ExtentSize - 1) >> Shift;

    /// <summary>How many bytes extent <paramref name="e"/> holds in a file of <paramref name="size"/> bytes.</summary>
    public static int LengthIn(long e, long size) => (int)Math.Clamp(size - (e << Shift), 0, ExtentSize);

    /// <summary>A table of <paramref name="size"/> bytes with <paramref name="sums"/> (0: not known).</summary>
    public ExtentSums(long size, ulong[] sums)
    {
        Size = size;
        _sums = sums;
    }

    /// <summary>Extent <paramref name="e"/>'s sum (0: not known) and length.</summary>
    public ulong Get(long e, out int length)
    {
        lock (this)
        {
            length = LengthIn(e, Size);
            return e < _sums.Length && !_dirty.Contains(e) ? _sums[e] : 0;
        }
    }

    /// <summary>The table as it is now: the size and a copy of the sums (dirty ones 0).</summary>
    public ulong[] Snapshot(out long size, out long[] dirty)
    {
        lock (this)
        {
            size = Size;
            dirty = _dirty.ToArray();
            var s = (ulong[])_sums.Clone();
            foreach (long e in dirty)
                s[e] = 0;
            return s;
        }
    }

    /// <summary>
    /// The dirty extents' sums were made (0 where the copies disagreed), unless they were written again meanwhile
    /// (<paramref name="size"/> no longer the table's): the table is then left dirty for the next flush.
    /// </summary>
    public bool Settle(long size, long[] dirty, ulong[] made)
    {
        lock (this)
        {
            if (size != Size || _dirty.Count != dirty.Length)
                return false;
            for (int i = 0; i < dirty.Length; i++)
                if (dirty[i] < _sums.Length)
                    _sums[dirty[i]] = made[i];
            _dirty.Clear();
            return true;
        }
    }

    /// <summary>Forgets extent <paramref name="e"/>'s sum (the copies disagreed about it).</summary>
    public void Forget(long e)
    {
        lock (this)
            if (e < _sums.Length)
            {
                _sums[e] = 0;
                Changed = true;
            }
    }

    /// <summary>
    /// Bytes [<paramref name="from"/>, from + data.Length) were written (the file grows to cover them). Extents the
    /// write covers whole are summed from <paramref name="data"/>; extents a growth leaves as holes, as zeros; the
    /// others are dirty.
    /// </summary>
    public void Written(long from, ReadOnlySpan<byte> data)
    {
        lock (this)
        {
            long to = from + data.Length, old = Size;
            if (to == from)
                return;
            Resize(Math.Max(old, to));
            for (long e = Math.Min(from, old) >> Shift; (e << Shift) < to; e++)
            {
                long lo = e << Shift, hi = lo + LengthIn(e, Size);
                _dirty.Remove(e);
                if (from <= lo && to >= hi)
                    _sums[e] = Hash(data[(int)(lo - from)..(int)(hi - from)]);
                else if (lo >= old && hi <= from)
                    _sums[e] = ZeroSum(hi - lo);
                else
                    _dirty.Add(e);
            }
            Changed = true;
        }
    }

    /// <summary>Bytes [<paramref name="from"/>, <paramref name="to"/>) changed in a way the mirror cannot tell: dirty.</summary>
    public void Touched(long from, long to)
    {
        lock (this)
        {
            Resize(Math.Max(Size, to));
            for (long e = from >> Shift; (e << Shift) < to && e < _sums.Length; e++)
                _dirty.Add(e);
            Changed = true;
        }
    }

    /// <summary>The file was truncated or extended to <paramref name="size"/> bytes.</summary>
    public void Truncated(long size)
    {
        lock (this)
        {
            long old = Size;
            if (size == old)
                return;
            Resize(size);
            if (size > old)
            {
                // The extent holding the old end grows by zeros: dirty; those after it are holes.
                if (old % ExtentSize != 0)
                    _dirty.Add(old >> Shift);
                for (long e = Count(old); e < Count(size); e++)
                    _sums[e] = ZeroSum(LengthIn(e, size));
            }
            else if (size % ExtentSize != 0)
                _dirty.Add(size >> Shift);
            Changed = true;
        }
    }

    private void Resize(long size)
    {
        long n = Count(size);
        if (n != _sums.Length)
            Array.Resize(ref _sums, (int)n);
        _dirty.RemoveWhere(e => e >= n);
        Size = size;
    }

    private static ulong ZeroSum(long length) => length == ExtentSize ? ZeroExtent : Hash(Zeros.AsSpan(0, (int)length));
}
