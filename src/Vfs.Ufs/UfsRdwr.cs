// Vfs.Ufs: reading and writing file data (FreeBSD ffs_read/ffs_write).
//
// Data moves a block at a time between the caller's Uio and the buffer cache; nothing is copied
// byte by byte and nothing is allocated per block. A read that continues where the last one stopped
// is sequential: on a cache miss it reads the run of blocks that follow contiguously on disk (Bmap
// reports the run) with one device request -- straight into the caller's buffer when the caller wants
// whole blocks none of which is cached (one copy, as a read of a host file makes), else into the
// cache as read-ahead. A read that does not continue the last one is random: on a miss it reads just
// the sectors it wants straight into the caller's buffer and leaves the cache alone (FreeBSD's
// ffs_read likewise stops clustering for a reader whose seqcount is 0). A write that covers a whole
// block the cache does not hold goes straight from the caller's memory to the device (one copy, into
// the host's page cache for an image, where the cache would make two and leave the second for fsync;
// FreeBSD's cluster_write likewise sends a sequential writer's full clusters out at once), together
// with the whole blocks after it that Balloc places right behind it, up to MaxCluster bytes, in one
// device write (WriteRun: one pwrite of 1 MiB for a 1 MiB FUSE write, not 32); fsync still flushes
// the device. A write that covers a whole cached block never reads it; a write that
// covers part of a block reads it first (the rest of the block is the file's, or, for a fragment
// run, another file's). Newly allocated space is zeroed before data lands in it, so a file never
// shows what a freed block held.
using UnixVfs.Core;

namespace UnixVfs.Ufs;

internal static partial class UfsVnops
{
    private static Errno UfsRead(Vnode vp, Uio uio, FileFlags ioflag, Cred cr, CallerContext? ct)
    {
        var ip = VTOI(vp);
        if (uio.Offset < 0)
            return Errno.EINVAL;
        using (ip.Lock.Enter())
        {
            var err = ReadLocked(ip, uio);
            if (!ip.Ump.ReadOnly)
            {
                ip.Stamp(atime: true, mtime: false, ctime: false);
                ip.Flag |= InodeFlags.IN_MODIFIED;
            }
            return err;
        }
    }

    /// <summary>Copies file data from uio.Offset into the Uio, stopping at end of file. Caller holds ip.Lock.</summary>
    internal static Errno ReadLocked(Inode ip, Uio uio)
    {
        var fs = ip.Fs;
        var bc = ip.Ump.Bc;
        int maxrun = bc.MaxCluster / fs.Bsize - 1;
        while (uio.Resid > 0 && uio.Offset < ip.Size)
        {
            long lbn = fs.Lblkno(uio.Offset);
            int on = fs.Blkoff(uio.Offset);
            int n = (int)Math.Min(Math.Min(fs.Bsize - on, uio.Resid), ip.Size - uio.Offset);
            bool sequential = lbn == ip.NextReadLbn;
            var err = UfsBmap.Bmap(ip, lbn, out long bno, out _);
            if (err != Errno.OK)
                return err;
            ip.NextReadLbn = lbn + 1;
            if (bno == 0)
            {
                // A hole reads as zeros up to the next allocated block: one walk for the whole extent, then a memset.
                long end = Math.Min(uio.Offset + uio.Resid, ip.Size);
                if ((err = UfsBmap.NextAllocated(ip, lbn + 1, fs.Lblkno(end - 1) + 1, out long next)) != Errno.OK)
                    return err;
                long zeros = Math.Min(end, fs.Lblktosize(next)) - uio.Offset;
                uio.MoveZeros(zeros);
                ip.NextReadLbn = next;
                continue;
            }
            long blk = fs.Blknum(bno);
            if (!sequential)
            {
                // A random reader that misses the cache reads just the sectors it asked for, straight into its
                // buffer: caching the block would read all of it and take a buffer for bytes it may never want.
                var seg = uio.CurrentSegment(n);
                if (seg.Length == n)
                {
                    if ((err = bc.ReadPart(blk, fs.Fragnum(bno) * fs.Fsize + on, seg.Span, out bool got)) != Errno.OK)
                        return err;
                    if (got)
                    {
                        uio.Skip(n);
                        continue;
                    }
                }
            }
            else if (!bc.IsCached(blk))
            {
                // A sequential reader missed the cache: the run that follows on disk is read in one request,
                // straight into the caller's buffer when it wants whole blocks, else into the cache.
                if ((err = UfsBmap.Bmap(ip, lbn, out _, out int run, maxrun)) != Errno.OK)
                    return err;
                if (on == 0 && bno == blk && n == fs.Bsize)
                {
                    long whole = Math.Min(uio.Resid, ip.Size - uio.Offset) / fs.Bsize;
                    var seg = uio.CurrentSegment((int)Math.Min(run + 1, whole) * fs.Bsize);
                    int blocks = seg.Length / fs.Bsize;
                    if (blocks > 0)
                    {
                        if ((err = bc.ReadDirect(blk, blocks, seg.Span, out int got)) != Errno.OK)
                            return err;
                        if (got > 0)
                        {
                            uio.Skip((long)got * fs.Bsize);
                            ip.NextReadLbn = lbn + got;
                            continue;
                        }
                    }
                }
                if (run > 0)
                    bc.Readahead(blk, run + 1);
            }
            if ((err = bc.Bread(blk, out var bp)) != Errno.OK)
                return err;
            uio.MoveOut(bp!.Data.AsSpan(fs.Fragnum(bno) * fs.Fsize + on, n));
            bc.Brelse(bp);
        }
        return Errno.OK;
    }

    /// <summary>VOP_SEEKDATA: the next data or hole from the block map (UfsBmap.SeekData, SeekHole).</summary>
    private static Errno UfsSeekdata(Vnode vp, long off, bool hole, out long result, Cred cr, CallerContext? ct)
    {
        var ip = VTOI(vp);
        lock (ip.Lock)
            return hole ? UfsBmap.SeekHole(ip, off, out result) : UfsBmap.SeekData(ip, off, out result);
    }

    private static Errno UfsWrite(Vnode vp, Uio uio, FileFlags ioflag, Cred cr, CallerContext? ct)
    {
        var ip = VTOI(vp);
        if (ip.Ump.ReadOnly)
            return Errno.EROFS;
        Errno err;
        bool wrote, overwrote;
        using (ip.Lock.Enter())
        {
            long size = ip.Size, blocks = ip.Din.Blocks;
            if ((ioflag & FileFlags.FAPPEND) != 0)
                uio.Offset = ip.Size;
            if (uio.Offset < 0)
                return Errno.EINVAL;
            if (uio.Resid == 0)
                return Errno.OK;
            long limit = Math.Min(uio.Limit, ip.Fs.MaxFileSize);
            if (uio.Offset >= limit)
                return Errno.EFBIG;
            long resid = uio.Resid;
            err = WriteLocked(ip, uio, limit, cr);
            if (uio.Resid != resid)
            {
                ip.Stamp(atime: false, mtime: true, ctime: true);
                if (!cr.IsSuperUser && (ip.Din.Mode & (ModeBits.S_ISUID | ModeBits.S_ISGID)) != 0)
                    ip.Din.Mode &= unchecked((ushort)~(ModeBits.S_ISUID | ModeBits.S_ISGID));
                var e = ip.Update();
                if (err == Errno.OK)
                    err = e;
            }
            wrote = uio.Resid != resid;
            overwrote = ip.Size == size && ip.Din.Blocks == blocks;
        }
        if (!wrote || (ioflag & (FileFlags.FSYNC | FileFlags.FDSYNC)) == 0)
            return err;
        // What was written is made stable even when the write stopped short (ENOSPC). O_DSYNC over blocks the file
        // already had changed no block pointer and no size, so only the data has to be (the dinode's new times go
        // out with the next sync); anything else is a full fsync.
        var serr = (ioflag & FileFlags.FSYNC) == 0 && overwrote ? SyncData(ip) : UfsFsync(vp, ioflag, cr, ct);
        return serr != Errno.OK ? serr : err;
    }

    /// <summary>
    /// Copies the Uio into the file at uio.Offset (up to <paramref name="limit"/>), allocating as it goes; the size
    /// grows with each block written. Returns OK, ENOSPC, EFBIG, EIO (some bytes may have been written). Caller holds ip.Lock.
    /// </summary>
    internal static Errno WriteLocked(Inode ip, Uio uio, long limit, Cred cr)
    {
        var fs = ip.Fs;
        var bc = ip.Ump.Bc;
        while (uio.Resid > 0)
        {
            if (uio.Offset >= limit)
                return Errno.EFBIG;
            long lbn = fs.Lblkno(uio.Offset);
            int on = fs.Blkoff(uio.Offset);
            int n = (int)Math.Min(Math.Min(fs.Bsize - on, uio.Resid), limit - uio.Offset);
            var err = UfsBmap.Balloc(ip, lbn, on + n, cr, out var r);
            if (err != Errno.OK)
            {
                UfsBmap.Unalloc(ip, ip.Size);       // indirect blocks allocated on the way
                return err;
            }
            long blk = fs.Blknum(r.Bno);
            int boff = fs.Fragnum(r.Bno) * fs.Fsize;
            bool whole = on == 0 && n == fs.Bsize;
            if (whole && uio.CurrentSegment(n).Length == n && !bc.IsCached(blk))
            {
                // Whole blocks the cache does not hold: straight from the caller's memory to the device, with the
                // blocks that follow them on it in the same write.
                if ((err = WriteRun(ip, uio, lbn, blk, r.WholeFresh, limit, cr)) != Errno.OK)
                    return err;
                continue;
            }
            Buf? bp;
            // What of the block this turn changes: the bytes written, and the fresh fragments cleared (their old bytes
            // on the device are another file's), so that both reach the device when the buffer goes out alone.
            int from = boff + on, to = boff + on + n;
            if (r.WholeFresh || whole)
            {
                err = bc.Getblk(blk, out var b);
                bp = b;
                if (err == Errno.OK && !whole)
                    b.Data.AsSpan().Clear();
                (from, to) = (0, fs.Bsize);
            }
            else
            {
                err = bc.Bread(blk, out bp);
                if (err == Errno.OK && r.FreshTo > r.FreshFrom)
                {
                    bp!.Data.AsSpan(boff + r.FreshFrom, r.FreshTo - r.FreshFrom).Clear();
                    (from, to) = (Math.Min(from, boff + r.FreshFrom), Math.Max(to, boff + r.FreshTo));
                }
            }
            if (err != Errno.OK)
            {
                // Nothing reached the block: what Balloc gave it goes back, so the map matches the size again.
                if (r.WholeFresh)
                    UfsBmap.Unmap(ip, lbn);
                UfsBmap.Unalloc(ip, fs.Lblktosize(lbn) + on + n);
                return err;
            }
            uio.MoveIn(bp!.Data.AsSpan(boff + on, n));
            UfsBmap.MarkOwner(ip, bp);
            bc.Bdwrite(bp, from, to);
            if (uio.Offset > ip.Size)
                ip.Size = uio.Offset;
        }
        return Errno.OK;
    }

    /// <summary>
    /// Writes whole blocks from logical block <paramref name="lbn"/> on straight from the caller's current segment to
    /// the device, as one device write: <paramref name="lbn"/> itself (allocated at <paramref name="blk"/>, not cached)
    /// and each block after it that the segment holds whole (within <paramref name="limit"/>, up to MaxCluster bytes)
    /// while Balloc places it right after the run on the device and the cache does not hold it. A block Balloc put
    /// elsewhere ends the run and is given back (Unmap, when fresh) for the caller's next turn to allocate and write
    /// on its own; a block Balloc fails on ends it too, and the caller's next turn meets the failure. When the device
    /// write fails, the run's fresh blocks are taken back and the map matches the size again, as for one block.
    /// Returns OK, or the device's or Unmap's EIO (nothing of the run written). Caller holds ip.Lock.
    /// </summary>
    private static Errno WriteRun(Inode ip, Uio uio, long lbn, long blk, bool fresh, long limit, Cred cr)
    {
        var fs = ip.Fs;
        var bc = ip.Ump.Bc;
        var src = uio.CurrentSegment((int)Math.Min(bc.MaxCluster, limit - uio.Offset));
        Span<bool> freshAt = stackalloc bool[src.Length / fs.Bsize];  // the run's blocks Balloc made fresh; 512 at most
        freshAt[0] = fresh;
        // Balloc reads the file's end from ip.Size, which moves only once the run is written. It grows the block that
        // holds a partial end (a fragment run) to a whole one without moving the size, and would grow it again if
        // asked again, for it or for a block past it: so that block is never looked ahead at (the caller's next turn
        // takes it alone), and when it is the run's first, the run is that block alone.
        long partial = fs.Blkoff(ip.Size) != 0 ? fs.Lblkno(ip.Size) : -1;
        int blocks = 1;
        var err = Errno.OK;
        while (blocks < freshAt.Length && lbn != partial && lbn + blocks != partial
            && UfsBmap.Balloc(ip, lbn + blocks, fs.Bsize, cr, out var next) == Errno.OK)
        {
            if (next.Bno != blk + (long)blocks * fs.Frag || bc.IsCached(next.Bno))
            {
                if (next.WholeFresh)
                    err = UfsBmap.Unmap(ip, lbn + blocks);
                break;
            }
            freshAt[blocks++] = next.WholeFresh;
        }
        int len = blocks * fs.Bsize;
        if (err == Errno.OK)
            err = bc.WriteDirect(blk, src.Span[..len]);
        if (err != Errno.OK)
        {
            for (int k = blocks - 1; k >= 0; k--)
                if (freshAt[k])
                    UfsBmap.Unmap(ip, lbn + k);
            UfsBmap.Unalloc(ip, fs.Lblktosize(lbn + blocks));
            return err;
        }
        uio.Skip(len);
        if (uio.Offset > ip.Size)
            ip.Size = uio.Offset;
        return Errno.OK;
    }

    /// <summary>Writes <paramref name="data"/> at the start of a new, empty file (a long symlink's text). Caller holds ip.Lock.</summary>
    internal static Errno WriteNewFile(Inode ip, ReadOnlySpan<byte> data, Cred cr)
    {
        var copy = data.ToArray();
        var uio = new Uio(copy, 0, UioRw.UIO_WRITE);
        var err = WriteLocked(ip, uio, ip.Fs.MaxFileSize, cr);
        var e = ip.Update();
        return err != Errno.OK ? err : e;
    }
}
