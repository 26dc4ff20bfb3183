// Vfs.Ufs: logical-to-physical block mapping, block allocation along a file's map, and truncation
// (FreeBSD ufs_bmap.c, ffs_balloc.c, ffs_inode.c).
//
// A file's logical block lbn is found through its dinode:
//     lbn < 12                      di_db[lbn]
//     next fs_nindir blocks         di_ib[0] -> one indirect block of fs_nindir addresses
//     next fs_nindir^2 blocks       di_ib[1] -> double indirect
//     next fs_nindir^3 blocks       di_ib[2] -> triple indirect
// An address of 0 is a hole (reads as zeros). Every block address is checked before use: a full
// block must be block-aligned and inside the file system, a direct fragment run must stay inside its
// block. A bad address is EIO with a line in the kernel's message log, never a read outside the image.
//
// Only the last block of a file with no indirect blocks may be a fragment run; it holds
// fragroundup(size % bsize) bytes (sblksize). Balloc keeps that rule as a file grows: before a write
// extends a file past a fragment, the fragment is grown to a whole block (UfsAlloc.Realloccg).
using System.Buffers.Binary;
using UnixVfs.Core;

namespace UnixVfs.Ufs;

/// <summary>What Balloc allocated: the block's address and the bytes of it that are new (to be zeroed unless written).</summary>
internal struct Balloced
{
    /// <summary>The fragment address of the logical block (a whole block, or the file's last fragment run).</summary>
    public long Bno;
    /// <summary>The byte range of the logical block that was just allocated and holds garbage until zeroed or written.</summary>
    public int FreshFrom, FreshTo;
    /// <summary>True when the whole block is new, so its old contents need not be read.</summary>
    public bool WholeFresh;
}

/// <summary>Block mapping, allocation along the map, and truncation.</summary>
internal static class UfsBmap
{
    /// <summary>
    /// ufs_getlbns: the indirect path of <paramref name="lbn"/> (NDADDR or more): the level (1 single, 2 double,
    /// 3 triple) and the index at each level from the top. Returns 0 when the block is beyond triple indirection.
    /// </summary>
    private static int GetLbns(Fs fs, long lbn, Span<int> idx)
    {
        long rel = lbn - Fs.NDADDR;
        long span = fs.Nindir;
        int level = 1;
        while (rel >= span)
        {
            rel -= span;
            if (++level > Fs.NIADDR || span > long.MaxValue / fs.Nindir)
                return 0;
            span *= fs.Nindir;
        }
        for (int i = level - 1; i >= 0; i--)
        {
            idx[i] = (int)(rel % fs.Nindir);
            rel /= fs.Nindir;
        }
        return level;
    }

    /// <summary>True when <paramref name="bno"/> is a block-aligned whole block inside the file system.</summary>
    public static bool ValidBlock(Fs fs, long bno) => fs.Fragnum(bno) == 0 && fs.ValidRange(bno, fs.Frag);

    private static Errno Bad(Inode ip, long lbn, long bno)
    {
        ip.Ump.Complain($"inode {ip.Number}: bad block {bno} at logical block {lbn}");
        return Errno.EIO;
    }

    public static long ReadPtr(Buf bp, int i) => BinaryPrimitives.ReadInt64LittleEndian(bp.Data.AsSpan(i * 8));
    private static void WritePtr(Buf bp, int i, long v) => BinaryPrimitives.WriteInt64LittleEndian(bp.Data.AsSpan(i * 8), v);

    /// <summary>
    /// ufs_bmaparray: the fragment address of logical block <paramref name="lbn"/> (0 for a hole) and how many
    /// of the following logical blocks (at most <paramref name="maxrun"/>) lie right after it on disk. Returns OK or EIO.
    /// </summary>
    public static Errno Bmap(Inode ip, long lbn, out long bno, out int run, int maxrun = 0)
    {
        bno = 0;
        run = 0;
        var fs = ip.Fs;
        var din = ip.Din;
        if (lbn < 0)
            return Errno.EINVAL;
        if (lbn < Fs.NDADDR)
        {
            long b = din.Db[(int)lbn];
            if (b == 0)
                return Errno.OK;
            int frags = fs.Numfrags(fs.Sblksize(ip.Size, lbn));
            if (frags == 0)
                frags = fs.Frag;
            if (!fs.ValidRange(b, frags) || fs.Fragnum(b) + frags > fs.Frag)
                return Bad(ip, lbn, b);
            bno = b;
            if (frags == fs.Frag)
                for (long k = lbn + 1; k < Fs.NDADDR && run < maxrun && din.Db[(int)k] == b + (k - lbn) * fs.Frag
                     && fs.Sblksize(ip.Size, k) == fs.Bsize; k++)
                    run++;
            return Errno.OK;
        }
        Span<int> idx = stackalloc int[Fs.NIADDR];
        int level = GetLbns(fs, lbn, idx);
        if (level == 0)
            return Errno.OK;
        long nb = din.Ib[level - 1];
        for (int i = 0; i < level; i++)
        {
            if (nb == 0)
                return Errno.OK;
            if (!ValidBlock(fs, nb))
                return Bad(ip, lbn, nb);
            var err = ip.Ump.Bc.Bread(nb, out var bp);
            if (err != Errno.OK)
                return err;
            bp!.Flags |= BufFlags.B_META;
            long p = ReadPtr(bp, idx[i]);
            if (i == level - 1 && p != 0)
                for (int j = idx[i] + 1; j < fs.Nindir && run < maxrun && ReadPtr(bp, j) == p + (long)(j - idx[i]) * fs.Frag; j++)
                    run++;
            ip.Ump.Bc.Brelse(bp);
            nb = p;
        }
        if (nb != 0 && !ValidBlock(fs, nb))
            return Bad(ip, lbn, nb);
        bno = nb;
        return Errno.OK;
    }

    /// <summary>
    /// The first logical block at or after <paramref name="lbn"/> and before <paramref name="limit"/> that has a
    /// block, or <paramref name="limit"/> when there is none: one look at each pointer on the way, and an unallocated
    /// indirect pointer skips its whole subtree, so a hole of any size costs a few indirect-block reads (what
    /// reading a hole and SEEK_DATA need). Returns OK or EIO.
    /// </summary>
    public static Errno NextAllocated(Inode ip, long lbn, long limit, out long found)
    {
        var fs = ip.Fs;
        var din = ip.Din;
        found = limit;
        for (; lbn < Math.Min(limit, Fs.NDADDR); lbn++)
            if (din.Db[(int)lbn] != 0)
            {
                found = lbn;
                return Errno.OK;
            }
        long start = Fs.NDADDR, span = fs.Nindir;
        for (int level = 0; level < Fs.NIADDR && start < limit; level++)
        {
            if (lbn < start + span)
            {
                var err = NextInTree(ip, din.Ib[level], level, start, Math.Max(lbn, start), limit, ref found);
                if (err != Errno.OK || found < limit)
                    return err;
            }
            start += span;
            if (span > long.MaxValue / fs.Nindir / 2)
                break;
            span *= fs.Nindir;
        }
        return Errno.OK;
    }

    /// <summary>NextAllocated below indirect block <paramref name="bn"/> (level 0 single) mapping from <paramref name="first"/>.</summary>
    private static Errno NextInTree(Inode ip, long bn, int level, long first, long from, long limit, ref long found)
    {
        if (bn == 0)
            return Errno.OK;
        var fs = ip.Fs;
        if (!ValidBlock(fs, bn))
            return Bad(ip, from, bn);
        long per = 1;
        for (int i = 0; i < level; i++)
            per *= fs.Nindir;
        // The indirect block is scanned in its buffer; it is let go while a subtree is searched, and read again
        // (from the cache) if the search goes on past it.
        for (long i = (from - first) / per; i < fs.Nindir && first + i * per < limit; i++)
        {
            var err = ip.Ump.Bc.Bread(bn, out var bp);
            if (err != Errno.OK)
                return err;
            bp!.Flags |= BufFlags.B_META;
            long ptr = 0;
            while (i < fs.Nindir && first + i * per < limit && (ptr = ReadPtr(bp, (int)i)) == 0)
                i++;
            ip.Ump.Bc.Brelse(bp);
            if (ptr == 0)
                return Errno.OK;
            long childFirst = first + i * per;
            if (level == 0)
            {
                found = childFirst;
                return Errno.OK;
            }
            err = NextInTree(ip, ptr, level - 1, childFirst, Math.Max(from, childFirst), limit, ref found);
            if (err != Errno.OK || found < limit)
                return err;
        }
        return Errno.OK;
    }

    /// <summary>
    /// SEEK_DATA: the first byte at or after <paramref name="off"/> that lies in an allocated block (a whole block
    /// of data; a hole is a block with no address). ENXIO when <paramref name="off"/> is at or past the end of the
    /// file or only holes follow. Caller holds ip.Lock. Returns OK, ENXIO or EIO.
    /// </summary>
    public static Errno SeekData(Inode ip, long off, out long result)
    {
        result = 0;
        var fs = ip.Fs;
        if (off < 0 || off >= ip.Size)
            return Errno.ENXIO;
        long last = fs.Lblkno(ip.Size - 1) + 1;
        var err = NextAllocated(ip, fs.Lblkno(off), last, out long lbn);
        if (err != Errno.OK)
            return err;
        if (lbn >= last)
            return Errno.ENXIO;
        result = Math.Max(off, fs.Lblktosize(lbn));
        return Errno.OK;
    }

    /// <summary>
    /// SEEK_HOLE: the first byte at or after <paramref name="off"/> that lies in a hole, or the end of the file (the
    /// implicit hole there). ENXIO when <paramref name="off"/> is at or past the end. Caller holds ip.Lock.
    /// Returns OK, ENXIO or EIO.
    /// </summary>
    public static Errno SeekHole(Inode ip, long off, out long result)
    {
        result = 0;
        var fs = ip.Fs;
        if (off < 0 || off >= ip.Size)
            return Errno.ENXIO;
        long last = fs.Lblkno(ip.Size - 1) + 1;
        for (long lbn = fs.Lblkno(off); lbn < last;)
        {
            var err = Bmap(ip, lbn, out long bno, out int run, int.MaxValue);
            if (err != Errno.OK)
                return err;
            if (bno == 0)
            {
                result = Math.Max(off, fs.Lblktosize(lbn));
                return Errno.OK;
            }
            lbn += run + 1;
        }
        result = ip.Size;
        return Errno.OK;
    }

    /// <summary>
    /// ffs_balloc_ufs2: makes sure logical block <paramref name="lbn"/> of <paramref name="ip"/> has space for its
    /// first <paramref name="size"/> bytes, allocating (and zeroing) indirect blocks on the way, growing the last
    /// fragment run, or moving it. The dinode is marked changed; the caller copies it to its buffer when done.
    /// Returns OK, ENOSPC, EFBIG, EIO.
    /// </summary>
    public static Errno Balloc(Inode ip, long lbn, int size, Cred cr, out Balloced r)
    {
        r = default;
        if (lbn < 0)
            return Errno.EFBIG;
        var err = GrowLastFragment(ip, lbn, cr);
        if (err != Errno.OK)
            return err;
        return lbn < Fs.NDADDR ? BallocDirect(ip, lbn, size, cr, out r) : BallocIndirect(ip, lbn, cr, out r);
    }

    /// <summary>
    /// Balloc's first phase: a file that ends in a fragment run and is about to grow past it (to
    /// <paramref name="lbn"/>) gets a whole block there first, zeroed past the old end. Returns OK, ENOSPC, EIO.
    /// </summary>
    private static Errno GrowLastFragment(Inode ip, long lbn, Cred cr)
    {
        var fs = ip.Fs;
        var din = ip.Din;
        Errno err;
        long lastlbn = fs.Lblkno(ip.Size);
        if (lastlbn < Fs.NDADDR && lastlbn < lbn && din.Db[(int)lastlbn] != 0)
        {
            int osize = fs.Sblksize(ip.Size, lastlbn);
            if (osize < fs.Bsize && osize > 0)
            {
                long pref = UfsAlloc.BlkPref(ip, lastlbn, lastlbn > 0 ? din.Db[(int)(lastlbn - 1)] : 0);
                err = UfsAlloc.Realloccg(ip, din.Db[(int)lastlbn], pref, osize, fs.Bsize, cr, out long nb);
                if (err != Errno.OK)
                    return err;
                din.Db[(int)lastlbn] = nb;
                ip.MarkModified();
                if ((err = ZeroRange(ip, nb, osize, fs.Bsize)) != Errno.OK)
                {
                    FreePast(ip, fs.Lblktosize(lastlbn + 1), ip.Size);
                    return err;
                }
                ip.Size = fs.Lblktosize(lastlbn + 1);
            }
        }
        return Errno.OK;
    }

    /// <summary>Balloc for a direct block: the block as it is, its fragment run grown or moved, or a new run or block.</summary>
    private static Errno BallocDirect(Inode ip, long lbn, int size, Cred cr, out Balloced r)
    {
        r = default;
        var fs = ip.Fs;
        var din = ip.Din;
        Errno err;
        long nb = din.Db[(int)lbn];
        if (nb != 0 && ip.Size >= fs.Lblktosize(lbn + 1))
        {
            r.Bno = nb;
            return Errno.OK;
        }
        if (nb != 0)
        {
            int osize = (int)fs.Fragroundup(fs.Blkoff(ip.Size));
            if (fs.Lblkno(ip.Size) != lbn || osize == 0)
                return Bad(ip, lbn, nb);
            int nsize = (int)fs.Fragroundup(size);
            if (nsize <= osize)
            {
                r.Bno = nb;
                return Errno.OK;
            }
            long pref = UfsAlloc.BlkPref(ip, lbn, lbn > 0 ? din.Db[(int)(lbn - 1)] : 0);
            err = UfsAlloc.Realloccg(ip, nb, pref, osize, nsize, cr, out long moved);
            if (err != Errno.OK)
                return err;
            din.Db[(int)lbn] = moved;
            r = new Balloced { Bno = moved, FreshFrom = osize, FreshTo = nsize };
            ip.MarkModified();
            return Errno.OK;
        }
        // A hole at the file's last block (left by a truncate) gets a run long enough for the size, not just the write.
        int want = ip.Size >= fs.Lblktosize(lbn + 1) ? fs.Bsize
            : (int)fs.Fragroundup(fs.Lblkno(ip.Size) == lbn ? Math.Max(size, fs.Blkoff(ip.Size)) : size);
        err = UfsAlloc.Alloc(ip, UfsAlloc.BlkPref(ip, lbn, lbn > 0 ? din.Db[(int)(lbn - 1)] : 0), want, cr, out long newb);
        if (err != Errno.OK)
            return err;
        din.Db[(int)lbn] = newb;
        r = new Balloced { Bno = newb, FreshFrom = 0, FreshTo = want, WholeFresh = want == fs.Bsize };
        ip.MarkModified();
        return Errno.OK;
    }

    /// <summary>Balloc through the indirect blocks: the missing ones on the path are allocated (zeroed), then the data block.</summary>
    private static Errno BallocIndirect(Inode ip, long lbn, Cred cr, out Balloced r)
    {
        r = default;
        var fs = ip.Fs;
        var din = ip.Din;
        Errno err;
        Span<int> idx = stackalloc int[Fs.NIADDR];
        int level = GetLbns(fs, lbn, idx);
        if (level == 0)
            return Errno.EFBIG;
        long ind = din.Ib[level - 1];
        if (ind == 0)
        {
            long pref = UfsAlloc.BlkPref(ip, lbn, level == 1 ? din.Db[Fs.NDADDR - 1] : 0);
            if ((err = UfsAlloc.Alloc(ip, pref, fs.Bsize, cr, out ind)) != Errno.OK)
                return err;
            if ((err = ZeroMetaBlock(ip.Ump, ind)) != Errno.OK)
            {
                Release(ip, ind, fs.Bsize);
                return err;
            }
            din.Ib[level - 1] = ind;
            ip.MarkModified();
        }
        for (int i = 0; i < level; i++)
        {
            if (!ValidBlock(fs, ind))
                return Bad(ip, lbn, ind);
            if ((err = ip.Ump.Bc.Bread(ind, out var bp)) != Errno.OK)
                return err;
            bp!.Flags |= BufFlags.B_META;
            long p = ReadPtr(bp, idx[i]);
            bool last = i == level - 1;
            if (p != 0)
            {
                ip.Ump.Bc.Brelse(bp);
                if (!ValidBlock(fs, p))
                    return Bad(ip, lbn, p);
                if (last)
                {
                    r.Bno = p;
                    return Errno.OK;
                }
                ind = p;
                continue;
            }
            long prev = idx[i] > 0 ? ReadPtr(bp, idx[i] - 1) : ind;
            err = UfsAlloc.Alloc(ip, UfsAlloc.BlkPref(ip, lbn, prev), fs.Bsize, cr, out p);
            if (err == Errno.OK && !last && (err = ZeroMetaBlock(ip.Ump, p)) != Errno.OK)
                Release(ip, p, fs.Bsize);
            if (err != Errno.OK)
            {
                ip.Ump.Bc.Brelse(bp);
                return err;
            }
            WritePtr(bp, idx[i], p);
            ip.Ump.Bc.Bdwrite(bp);
            ip.MarkModified();
            if (last)
            {
                r = new Balloced { Bno = p, FreshFrom = 0, FreshTo = fs.Bsize, WholeFresh = true };
                return Errno.OK;
            }
            ind = p;
        }
        return Errno.EIO;
    }

    /// <summary>A newly allocated metadata block, all zeros, as a delayed write.</summary>
    private static Errno ZeroMetaBlock(UfsMount ump, long bno)
    {
        var err = ump.Bc.Getblk(bno, out var bp);
        if (err != Errno.OK)
            return err;
        Array.Clear(bp.Data);
        bp.Flags |= BufFlags.B_META;
        ump.Bc.Bdwrite(bp);
        return Errno.OK;
    }

    /// <summary>Zeroes bytes [<paramref name="from"/>, <paramref name="to"/>) of the logical block stored at <paramref name="bno"/>.</summary>
    public static Errno ZeroRange(Inode ip, long bno, int from, int to)
    {
        if (from >= to)
            return Errno.OK;
        var fs = ip.Fs;
        var err = ip.Ump.Bc.Bread(fs.Blknum(bno), out var bp);
        if (err != Errno.OK)
            return err;
        bp!.Data.AsSpan(fs.Fragnum(bno) * fs.Fsize + from, to - from).Clear();
        MarkOwner(ip, bp);
        ip.Ump.Bc.Bdwrite(bp);
        return Errno.OK;
    }

    /// <summary>Tags a buffer with what it holds for <paramref name="ip"/>: metadata for a directory or link, else the file's data.</summary>
    public static void MarkOwner(Inode ip, Buf bp)
    {
        if (ip.Din.Type is Dinode.IFDIR or Dinode.IFLNK)
            bp.Flags |= BufFlags.B_META;
        else
        {
            bp.Flags &= ~BufFlags.B_META;
            bp.SetOwner(ip.Number);
        }
    }

    /// <summary>
    /// ffs_truncate: sets the size of <paramref name="ip"/> to <paramref name="length"/>. Growing allocates the
    /// block holding the new last byte (as FreeBSD does); shrinking zeroes the rest of the new last block, frees
    /// every block past it (indirect blocks included) and trims the last fragment run. The dinode is updated.
    /// Returns OK, EFBIG, ENOSPC, EIO.
    /// </summary>
    public static Errno Itrunc(Inode ip, long length, Cred cr)
    {
        var fs = ip.Fs;
        var din = ip.Din;
        long osize = ip.Size;
        if (length < 0)
            return Errno.EINVAL;
        if (length > fs.MaxFileSize)
            return Errno.EFBIG;
        Errno err;
        if (length > osize)
        {
            // On a failure, what was allocated goes back (for the old size, or the new one once Balloc succeeded).
            err = Balloc(ip, fs.Lblkno(length - 1), fs.Blkoff(length - 1) + 1, cr, out var r);
            if (err != Errno.OK)
            {
                Unalloc(ip, ip.Size);
                return err;
            }
            if ((err = ZeroRange(ip, r.Bno, r.FreshFrom, r.FreshTo)) != Errno.OK)
            {
                Unalloc(ip, length);
                return err;
            }
            ip.Size = length;
            return ip.Update();
        }
        if (length == osize)
            return Errno.OK;

        if (fs.Blkoff(length) != 0)
        {
            long lbn = fs.Lblkno(length);
            if ((err = Bmap(ip, lbn, out long bno, out _)) != Errno.OK)
                return err;
            if (bno != 0 && (err = ZeroRange(ip, bno, fs.Blkoff(length), fs.Sblksize(osize, lbn))) != Errno.OK)
                return err;
        }
        if ((err = FreePast(ip, osize, length)) != Errno.OK)
            return err;
        ip.Size = length;
        return ip.Update();
    }

    /// <summary>
    /// Gives back what a write that failed part-way allocated past the end of the file: the file's blocks are laid
    /// out for <paramref name="allocated"/> bytes (what the write would have made it), its size is still ip.Size.
    /// After it the file owns exactly the blocks its size needs, so the next write starts from a consistent map.
    /// Nothing is zeroed (the bytes past the end were zeros already, and the fresh ones are freed).
    /// </summary>
    public static Errno Unalloc(Inode ip, long allocated)
    {
        var err = FreePast(ip, Math.Max(allocated, ip.Size), ip.Size);
        ip.MarkModified();
        return err;
    }

    /// <summary>
    /// Takes back the whole block Balloc just gave logical block <paramref name="lbn"/> (inside or past the end of the
    /// file) when nothing could be written to it: its pointer becomes a hole again and the block is freed, so the file
    /// never shows what the block held before. Returns OK or EIO (the indirect block could not be read: the block stays).
    /// </summary>
    public static Errno Unmap(Inode ip, long lbn)
    {
        var fs = ip.Fs;
        var din = ip.Din;
        long bno;
        if (lbn < Fs.NDADDR)
        {
            bno = din.Db[(int)lbn];
            din.Db[(int)lbn] = 0;
        }
        else
        {
            Span<int> idx = stackalloc int[Fs.NIADDR];
            int level = GetLbns(fs, lbn, idx);
            long nb = level == 0 ? 0 : din.Ib[level - 1];
            for (int i = 0; i < level - 1 && nb != 0; i++)
            {
                var e = ip.Ump.Bc.Bread(nb, out var ibp);
                if (e != Errno.OK)
                    return e;
                nb = ReadPtr(ibp!, idx[i]);
                ip.Ump.Bc.Brelse(ibp!);
            }
            if (nb == 0)
                return Errno.OK;
            var err = ip.Ump.Bc.Bread(nb, out var bp);
            if (err != Errno.OK)
                return err;
            bno = ReadPtr(bp!, idx[level - 1]);
            WritePtr(bp!, idx[level - 1], 0);
            ip.Ump.Bc.Bdwrite(bp!);
        }
        if (bno != 0)
            Release(ip, bno, fs.Bsize);
        ip.MarkModified();
        return Errno.OK;
    }

    /// <summary>
    /// Frees every block of <paramref name="ip"/> past byte <paramref name="length"/> (indirect blocks included) and
    /// trims the last fragment run, the file's blocks being laid out for <paramref name="osize"/> bytes. The size
    /// is the caller's to set. Returns OK or EIO.
    /// </summary>
    private static Errno FreePast(Inode ip, long osize, long length)
    {
        var fs = ip.Fs;
        var din = ip.Din;
        Errno err;
        long lastblock = fs.Lblkno(length + fs.Bsize - 1) - 1;
        for (long i = Fs.NDADDR - 1; i > lastblock && i >= 0; i--)
        {
            long b = din.Db[(int)i];
            if (b == 0)
                continue;
            int bs = fs.Sblksize(osize, i);
            din.Db[(int)i] = 0;
            Release(ip, b, bs);
        }
        long start = Fs.NDADDR, span = fs.Nindir;
        for (int level = 0; level < Fs.NIADDR; level++)
        {
            long b = din.Ib[level];
            long lastbn = lastblock - start;
            if (b != 0 && lastbn < span - 1)
            {
                if (!ValidBlock(fs, b))
                {
                    ip.Ump.Complain($"inode {ip.Number}: bad indirect block {b}; dropped");
                    din.Ib[level] = 0;
                }
                else
                {
                    var freed = new List<long>();
                    err = IndirTrunc(ip.Ump, ip.Number, b, level, lastbn, freed);
                    foreach (long f in freed)
                        Release(ip, f, fs.Bsize);
                    if (err != Errno.OK)
                        return err;
                    if (lastbn < 0)
                    {
                        din.Ib[level] = 0;
                        Release(ip, b, fs.Bsize);
                    }
                }
            }
            start += span;
            span = span > long.MaxValue / fs.Nindir ? long.MaxValue : span * fs.Nindir;
        }
        if (lastblock >= 0 && lastblock < Fs.NDADDR && din.Db[(int)lastblock] != 0)
        {
            int oldspace = fs.Sblksize(osize, lastblock), newspace = fs.Sblksize(length, lastblock);
            if (newspace < oldspace)
                Release(ip, din.Db[(int)lastblock] + fs.Numfrags(newspace), oldspace - newspace);
        }
        return Errno.OK;
    }

    /// <summary>Frees a run that belonged to <paramref name="ip"/> and takes it off di_blocks.</summary>
    public static void Release(Inode ip, long bno, int size)
    {
        UfsAlloc.Blkfree(ip.Ump, bno, size);
        ip.Din.Blocks = Math.Max(0, ip.Din.Blocks - size / Fs.DevBsize);
    }

    /// <summary>
    /// ffs_indirtrunc: frees the blocks under indirect block <paramref name="bn"/> (at <paramref name="level"/>: 0
    /// single, 1 double, 2 triple) past relative logical block <paramref name="lastbn"/> (-1: all of them), and
    /// clears their pointers. The indirect block itself is the caller's to free. A pointer is cleared only once
    /// everything under it is freed, so a read that fails part-way (EIO) leaves every block still owned by the
    /// file: nothing leaks, and a later truncate finishes the job. The blocks whose pointers were cleared are added to
    /// <paramref name="freed"/>, for the caller to release once it holds no buffer (AllocLock comes before buffers).
    /// </summary>
    private static Errno IndirTrunc(UfsMount ump, uint ino, long bn, int level, long lastbn, List<long> freed)
    {
        var fs = ump.Fs;
        var bc = ump.Bc;
        long factor = 1;
        for (int i = 0; i < level; i++)
            factor *= fs.Nindir;
        long last = lastbn < 0 ? -1 : lastbn / factor;
        var err = bc.Bread(bn, out var bp);
        if (err != Errno.OK)
            return err;
        bp!.Flags |= BufFlags.B_META;
        bool changed = false;
        for (long i = fs.Nindir - 1; i > last && err == Errno.OK; i--)
        {
            long e = ReadPtr(bp, (int)i);
            if (e == 0)
                continue;
            if (!ValidBlock(fs, e))
                ump.Complain($"inode {ino}: bad block {e} in indirect block {bn}; dropped");
            else if (level > 0 && (err = IndirTrunc(ump, ino, e, level - 1, -1, freed)) != Errno.OK)
                break;
            else
                freed.Add(e);
            WritePtr(bp, (int)i, 0);
            changed = true;
        }
        long partial = last >= 0 && level > 0 ? ReadPtr(bp, (int)last) : 0;
        if (changed)
            bc.Bdwrite(bp);
        else
            bc.Brelse(bp);
        if (err == Errno.OK && partial != 0 && ValidBlock(fs, partial))
            return IndirTrunc(ump, ino, partial, level - 1, lastbn % factor, freed);
        return err;
    }

    /// <summary>
    /// Frees the indirect block <paramref name="bn"/> (at <paramref name="level"/>) and everything under it, a tree no
    /// inode points to any more: what was left of a removed file whose indirect blocks could not be read when it was
    /// freed (UfsAlloc.ApplyDeferredFrees retries it). Returns false when part of it still cannot be read.
    /// </summary>
    public static bool FreeOrphanTree(UfsMount ump, long bn, int level)
    {
        var freed = new List<long>();
        var err = IndirTrunc(ump, 0, bn, level, -1, freed);
        foreach (long f in freed)
            UfsAlloc.Blkfree(ump, f, ump.Fs.Bsize);
        if (err != Errno.OK)
            return false;
        UfsAlloc.Blkfree(ump, bn, ump.Fs.Bsize);
        return true;
    }

    /// <summary>Frees the extended-attribute blocks of a file being removed (di_extb, sized by di_extsize).</summary>
    public static void FreeExtBlocks(Inode ip)
    {
        var fs = ip.Fs;
        var din = ip.Din;
        for (int i = 0; i < Fs.NXADDR; i++)
        {
            long b = din.Extb[i];
            if (b == 0)
                continue;
            int size = fs.Sblksize(din.Extsize, i);
            if (fs.ValidRange(b, Math.Max(1, fs.Numfrags(size))))
                Release(ip, b, size);
            din.Extb[i] = 0;
        }
        din.Extsize = 0;
    }
}
