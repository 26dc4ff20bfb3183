// Vfs.Nfs / client: reading and writing file data -- read blocks with read-ahead, write-behind
// with UNSTABLE writes and COMMIT.
//
// READ. Data is cached in blocks of rsize bytes (Rnode.Blocks). A sequential reader keeps the next
// ReadAhead blocks' READs in flight, sending them before it waits for the block it needs, so the
// server always has work queued and the reader mostly finds its blocks arrived. READs sent ahead
// carry the data version they were sent in and are discarded if the file changed meanwhile. Blocks
// are thrown away when the file changes behind our back (NfsVnops.CacheAttr), when we write over
// them, as a sequential reader passes them, and when the file has grown past a block cached short
// (the file ended inside it when it was read); a READ in flight when a WRITE of ours is answered
// is stale, as the server may have served it first.
//
// WRITE. Written data is gathered into wsize buffers aligned to wsize in the file; a full buffer
// (or one that the next write does not continue) is sent as an UNSTABLE WRITE without waiting,
// with up to MaxWritesInFlight of them in flight; one that overlaps a WRITE in flight waits for its
// answer first, because a server runs the calls in flight in any order. A write's buffer is kept
// after its reply until a COMMIT covers it: if the COMMIT's verifier differs from the one the WRITE
// got, the server restarted in between and may have lost the data, so it is written again
// (FILE_SYNC), and every buffer written after it too, in order, lest old bytes cover new; a getattr or read does
// not wait for that COMMIT when the connection was made again since a buffer was sent (FlushForReaders). COMMIT is
// sent at close and fsync (close-to-open), waiting for its answer, and, without waiting, whenever more
// than CommitEvery bytes are uncommitted, so that a long write recycles its buffers as it goes.
// A synchronous write (O_SYNC, O_DSYNC) to a file with nothing else unwritten skips all this: it is sent
// as stable WRITEs (FILE_SYNC, DATA_SYNC) straight from the caller's buffer, one round trip instead of
// WRITE and COMMIT, and the server makes only those bytes durable.
// An error of an asynchronous WRITE is reported by the next write, fsync or close.
//
// A WRITE THAT HEARD NO ANSWER (a soft mount's ETIMEDOUT: the link lost it, or the server was down) keeps its
// buffer, as illumos's pvn_write_done sets the modified bit again on a page whose write failed "so that it will get
// written back again later when things are hopefully better": the buffer goes to Retained and is sent again, before
// anything newer, at the next flush -- a getattr, read, fsync or close, all of which flush first. Its error is still
// reported as above (so the close or fsync that follows returns ETIMEDOUT even when the data got through since: the
// application learns that a write of its failed, as from Linux's errseq). Dropping the buffer instead would leave a
// reader of this client seeing the server's older bytes under an acknowledged write until someone reported the error
// (docs/verification.md, Fixed 43). The other errors (ENOSPC, EDQUOT, ESTALE, EIO, ...) are answers, and would be
// answered again: their buffers are dropped. What is still kept when the vnode goes inactive, after its last flush,
// is dropped there (illumos's rinactive flushes with B_INVAL|B_FORCE).
using UnixVfs.Core;
using UnixVfs.Nfs.Protocol;

namespace UnixVfs.Nfs.Client;

internal static partial class NfsVnops
{
    private static Errno NfsRead(Vnode vp, Uio uio, FileFlags ioflag, Cred cr, CallerContext? ct)
    {
        var rn = Node(vp);
        if (uio.Offset < 0)
            return Errno.EINVAL;
        if (uio.Resid == 0)
            return Errno.OK;
        var err = Revalidate(rn, cr, force: false, out var va);
        if (err != Errno.OK)
            return err;
        long size = va.Size;
        while (uio.Resid > 0 && uio.Offset < size)
        {
            err = ReadBlockInto(rn, uio.Offset / rn.Mi.Rsize, size, cr, uio, out bool more, out bool reconnected);
            if (reconnected)
            {
                // The READ went over a connection made again: the server may have restarted without data of ours it
                // had answered for. Revalidate puts it back (FlushForReaders); then the block is read again.
                if ((err = Revalidate(rn, cr, force: true, out va)) != Errno.OK)
                    return err;
                size = va.Size;
                continue;
            }
            if (err != Errno.OK || !more)
                return err;
        }
        return Errno.OK;
    }

    /// <summary>
    /// Copies what <paramref name="uio"/> wants of block <paramref name="bi"/>: from the cache, from a READ sent ahead
    /// earlier, or from a READ sent now. A sequential reader keeps ReadAhead READs in flight ahead of it, sent before it
    /// waits, so the server always has the next blocks to work on. <paramref name="more"/> is false at the end of the data.
    /// <paramref name="reconnected"/> is true, and nothing copied, when the RPC client reconnected meanwhile.
    /// </summary>
    private static Errno ReadBlockInto(Rnode rn, long bi, long size, Cred cr, Uio uio, out bool more, out bool reconnected)
    {
        long epoch = rn.Mi.Nfs.Rpc.Reconnects;
        reconnected = false;
        var mi = rn.Mi;
        int bs = mi.Rsize;
        using (rn.ReadLock.Enter())
        {
            long version;
            bool sequential;
            using (rn.Lock.Enter())
            {
                sequential = rn.LastBlock == bi - 1 || rn.LastBlock == bi || bi == 0;
                rn.LastBlock = bi;
                version = rn.DataVersion;
                if (sequential)
                    DropBlocksBehind(rn, bi - 1);
                if (rn.Blocks.TryGetValue(bi, out var hit) && hit.Length < bs && size > bi * bs + hit.Length)
                {
                    // Cached short because the file ended inside it then; it has grown past since (a write of ours
                    // beyond it, which drops no block): the end it knows is no longer the file's. Read it again.
                    rn.Blocks.Remove(bi);
                    DropBlock(rn, hit);
                }
                else if (hit is not null)
                {
                    more = CopyOut(hit, bs, size, uio);
                    if (sequential)
                        ReadAheadLocked(rn, bi, size, cr, version);
                    return Errno.OK;
                }
            }
            if (!rn.ReadsInFlight.Remove(bi, out var sent) || sent.Version != version)
            {
                if (sent.Pending is not null)
                    mi.Nfs.Rpc.Abandon(sent.Pending);
                long gen = mi.AttrGen();
                sent = (mi.Nfs.BeginRead(cr, rn.Fh, bi * bs, bs), version, gen);
            }
            if (sequential)
                ReadAheadLocked(rn, bi, size, cr, version);
            var buf = mi.RentBuffer();
            var err = mi.Nfs.EndRead(sent.Pending, buf.AsSpan(0, bs), out int n, out _, out var attr);
            if (attr is not null)
                CacheAttr(rn, attr, own: false, sent.Sent);
            more = false;
            if (err != Errno.OK)
            {
                mi.ReturnBuffer(buf);
                return err;
            }
            var b = new ReadBlock { Index = bi, Data = buf, Length = n, Version = version };
            if (reconnected = rn.Mi.Nfs.Rpc.Reconnects != epoch)
            {
                mi.ReturnBuffer(buf);
                return Errno.OK;
            }
            using (rn.Lock.Enter())
            {
                more = CopyOut(b, bs, size, uio);
                // Keep it only if still current: a change seen meanwhile makes it stale.
                if (b.Version == rn.DataVersion && !rn.Blocks.ContainsKey(bi))
                    rn.Blocks[bi] = b;
                else
                    DropBlock(rn, b);
            }
            return Errno.OK;
        }
    }

    /// <summary>
    /// A sequential reader has passed the blocks before <paramref name="keep"/>: they go back to the pool. Removing while
    /// enumerating is allowed for a Dictionary, and its enumerator is a struct, so this allocates nothing. Caller holds rn.Lock.
    /// </summary>
    private static void DropBlocksBehind(Rnode rn, long keep)
    {
        foreach (var (k, b) in rn.Blocks)
            if (k < keep)
            {
                DropBlock(rn, b);
                rn.Blocks.Remove(k);
            }
    }

    /// <summary>Sends READs for the ReadAhead blocks after <paramref name="bi"/> that are neither cached nor in flight. Caller holds ReadLock.</summary>
    private static void ReadAheadLocked(Rnode rn, long bi, long size, Cred cr, long version)
    {
        var mi = rn.Mi;
        int bs = mi.Rsize;
        for (long j = bi + 1; j <= bi + mi.ReadAhead && j * bs < size; j++)
        {
            bool cached;
            using (rn.Lock.Enter())
                cached = rn.Blocks.ContainsKey(j);
            if (!cached && !rn.ReadsInFlight.ContainsKey(j))
            {
                long gen = mi.AttrGen();
                rn.ReadsInFlight[j] = (mi.Nfs.BeginRead(cr, rn.Fh, j * bs, bs), version, gen);
            }
        }
    }

    /// <summary>Abandons every READ sent ahead (the file is going away, or its data changed).</summary>
    private static void AbandonReadAhead(Rnode rn)
    {
        using (rn.ReadLock.Enter())
        {
            foreach (var (p, _, _) in rn.ReadsInFlight.Values)
                rn.Mi.Nfs.Rpc.Abandon(p);
            rn.ReadsInFlight.Clear();
        }
    }

    /// <summary>Copies from a block into the Uio; false when the block (so the file's data) ends before the Uio is done.</summary>
    private static bool CopyOut(ReadBlock b, int bs, long size, Uio uio)
    {
        int off = (int)(uio.Offset - b.Index * bs);
        if (off >= b.Length)
            return false;
        int n = (int)Math.Min(Math.Min(b.Length - off, uio.Resid), size - uio.Offset);
        uio.MoveOut(b.Data.AsSpan(off, n));
        return off + n < b.Length || b.Length == bs;
    }

    /// <summary>Returns a block's buffer to the mount's pool. Blocks are copied from only under the rnode's lock, so this is safe there.</summary>
    private static void DropBlock(Rnode rn, ReadBlock b) => rn.Mi.ReturnBuffer(b.Data);

    private static Errno NfsWrite(Vnode vp, Uio uio, FileFlags ioflag, Cred cr, CallerContext? ct)
    {
        var rn = Node(vp);
        var mi = rn.Mi;
        if (vp.Vfs.IsReadOnly)
            return Errno.EROFS;
        using (rn.WriteLock.Enter())
        {
            if (rn.WriteError != Errno.OK)
            {
                var e = rn.WriteError;
                rn.WriteError = Errno.OK;
                return e;
            }
            if ((ioflag & FileFlags.FAPPEND) != 0)
            {
                var ferr = DrainLocked(rn);
                if (ferr != Errno.OK)
                    return ferr;
                if ((ferr = Revalidate(rn, cr, force: true, out var va)) != Errno.OK)
                    return ferr;
                uio.Offset = va.Size;
            }
            if (uio.Offset < 0)
                return Errno.EINVAL;
            long start = uio.Offset;
            int ws = mi.Wsize;
            bool sync = (ioflag & (FileFlags.FSYNC | FileFlags.FDSYNC)) != 0;
            bool stable = sync && !rn.Dirty;
            var err = stable ? WriteStableLocked(rn, uio, cr, (ioflag & FileFlags.FSYNC) != 0 ? StableHow.FILE_SYNC : StableHow.DATA_SYNC) : Errno.OK;
            while (!stable && uio.Resid > 0)
            {
                var f = rn.Filling;
                if (f is not null && (f.Offset + f.Length != uio.Offset || !ReferenceEquals(f.Cred, cr)))
                {
                    SendLocked(rn, f);
                    f = null;
                }
                if (f is null)
                    f = rn.Filling = new WriteBuf { Data = mi.RentBuffer(), Offset = uio.Offset, Cred = cr };
                // Buffers end on wsize boundaries of the file, so WRITEs are aligned after the first.
                long end = f.Offset + f.Length;
                int room = (int)Math.Min(ws - f.Length, ws - end % ws);
                int n = (int)Math.Min(room, uio.Resid);
                uio.MoveIn(f.Data.AsSpan(f.Length, n));
                f.Length += n;
                if (f.Length == ws || (f.Offset + f.Length) % ws == 0)
                    SendLocked(rn, f);
            }
            using (rn.Lock.Enter())
            {
                ForgetReadsLocked(rn, start, uio.Offset - start);
                if (rn.HasUnsent)
                    rn.UnsentEnd = Math.Max(rn.UnsentEnd, uio.Offset);
                if (rn.Attr is { } a && uio.Offset > a.Size)
                {
                    var grown = a.Clone();
                    grown.Size = uio.Offset;
                    rn.Attr = grown;
                }
            }
            return sync && !stable ? FlushLocked(rn, commit: true) : err;
        }
    }

    /// <summary>
    /// A synchronous write to a file with nothing else unwritten: the data goes out straight from the caller's buffer as
    /// stable WRITEs (<paramref name="how"/>: DATA_SYNC for O_DSYNC, FILE_SYNC for O_SYNC), one round trip per wsize and
    /// no COMMIT, so the server can make just those bytes durable. <paramref name="uio"/> advances by what the server
    /// took. Caller holds WriteLock.
    /// </summary>
    private static Errno WriteStableLocked(Rnode rn, Uio uio, Cred cr, StableHow how)
    {
        var nfs = rn.Mi.Nfs;
        while (uio.Resid > 0)
        {
            var piece = uio.CurrentSegment(rn.Mi.Wsize);
            long sent = rn.Mi.AttrGen();
            var err = nfs.EndWrite(nfs.BeginWrite(cr, rn.Fh, uio.Offset, piece.Span, how), out int count, out var committed, out _, out var before, out var after);
            ForgetReads(rn, uio.Offset, piece.Length);
            if (err != Errno.OK)
                return err;
            if (count <= 0 || count > piece.Length)
                return Errno.EIO;
            CacheWcc(rn, before, after, sent);
            // A server must answer at least as stable as asked; one that does not is made to COMMIT.
            if (committed < how && (err = nfs.EndCommit(nfs.BeginCommit(cr, rn.Fh), out _, out _)) != Errno.OK)
                return err;
            uio.Skip(count);
        }
        return Errno.OK;
    }

    /// <summary>
    /// Forgets what the read cache holds of <paramref name="length"/> bytes at <paramref name="offset"/>, which this
    /// client has written, and makes every READ in flight stale: one sent before the WRITE was answered may have been
    /// served before it (the server runs the calls of a connection in any order). Caller holds rn.Lock.
    /// </summary>
    private static void ForgetReadsLocked(Rnode rn, long offset, long length)
    {
        int bs = rn.Mi.Rsize;
        rn.DataVersion++;
        for (long k = offset / bs; k * bs < offset + length && rn.Blocks.Count > 0; k++)
            if (rn.Blocks.Remove(k, out var b))
                DropBlock(rn, b);
    }

    private static void ForgetReads(Rnode rn, long offset, long length)
    {
        using (rn.Lock.Enter())
            ForgetReadsLocked(rn, offset, length);
    }

    /// <summary>
    /// Sends a filled buffer as an UNSTABLE WRITE, keeping at most MaxWritesInFlight in flight. A WRITE in flight that
    /// overlaps it is answered first, since the server may run two calls in flight in either order. Caller holds WriteLock.
    /// </summary>
    private static void SendLocked(Rnode rn, WriteBuf b)
    {
        var mi = rn.Mi;
        if (ReferenceEquals(rn.Filling, b))
            rn.Filling = null;
        int overlapping = rn.InFlight.FindLastIndex(o => o.Offset < b.Offset + b.Length && o.Offset + o.Length > b.Offset);
        for (int i = 0; i <= overlapping; i++)
            CompleteOldestLocked(rn);
        foreach (var r in rn.Retained)
            CopyOverlap(b, r);
        b.Sent = mi.AttrGen();
        b.Epoch = mi.Nfs.Rpc.Reconnects; // before the send: a reconnect it makes counts as one after it
        b.Pending = mi.Nfs.BeginWrite(b.Cred, rn.Fh, b.Offset, b.Data.AsSpan(0, b.Length), StableHow.UNSTABLE);
        rn.InFlight.Add(b);
        while (rn.InFlight.Count > mi.MaxWritesInFlight)
            CompleteOldestLocked(rn);
        if (rn.UncommittedBytes > mi.CommitEvery)
        {
            // The previous COMMIT has long answered by now; collect it, then send the next without waiting.
            CollectCommitLocked(rn);
            var cr = rn.Uncommitted[0].Cred;
            long sent = mi.AttrGen();
            rn.CommitInFlight = (mi.Nfs.BeginCommit(cr, rn.Fh), rn.Uncommitted.ToList(), sent);
            rn.Uncommitted.Clear();
            rn.UncommittedBytes = 0;
        }
    }

    /// <summary>
    /// Copies the bytes of <paramref name="newer"/> that fall in <paramref name="kept"/>'s range into it, so that a
    /// buffer kept after a WRITE that heard nothing, sent again after <paramref name="newer"/>, does not put older bytes
    /// over newer ones. Caller holds WriteLock.
    /// </summary>
    private static void CopyOverlap(WriteBuf newer, WriteBuf kept)
    {
        if (ReferenceEquals(newer, kept))
            return;
        long start = Math.Max(newer.Offset, kept.Offset);
        long end = Math.Min(newer.Offset + newer.Length, kept.Offset + kept.Length);
        if (start < end)
            newer.Data.AsSpan((int)(start - newer.Offset), (int)(end - start)).CopyTo(kept.Data.AsSpan((int)(start - kept.Offset)));
    }

    /// <summary>Waits for the COMMIT in flight, if any, and settles the buffers it covered. Caller holds WriteLock.</summary>
    private static void CollectCommitLocked(Rnode rn)
    {
        if (rn.CommitInFlight is not { } c)
            return;
        rn.CommitInFlight = null;
        var err = rn.Mi.Nfs.EndCommit(c.Pending, out ulong verf, out var after);
        Settle(rn, c.Covered, err, verf, after, c.Sent);
    }

    /// <summary>
    /// After a COMMIT of <paramref name="covered"/>: what a WRITE put there under another verifier (the server restarted
    /// in between) is written again -- and with it everything written after it, in the order it was first written, so
    /// that the older bytes never land on newer ones. Then the covered buffers go back to the pool. Caller holds WriteLock.
    /// </summary>
    private static void Settle(Rnode rn, List<WriteBuf> covered, Errno err, ulong verf, Vattr? after, long sent)
    {
        if (err == Errno.OK)
        {
            if (after is not null)
                CacheAttr(rn, after, own: true, sent);
            int lost = covered.FindIndex(b => b.Verifier != verf);
            if (lost >= 0)
            {
                while (rn.InFlight.Count > 0)
                    CompleteOldestLocked(rn);
                foreach (var b in covered.Skip(lost).Concat(rn.Uncommitted))
                {
                    if ((err = WriteSync(rn, b, 0)) != Errno.OK)
                        break;
                    b.Verifier = verf;
                }
            }
        }
        if (err != Errno.OK && rn.WriteError == Errno.OK)
            rn.WriteError = err;
        foreach (var b in covered)
            rn.Mi.ReturnBuffer(b.Data);
    }

    /// <summary>
    /// Collects the reply of the oldest WRITE in flight; when that was the last written data not yet on the server, its
    /// end is forgotten (Rnode.UnsentEnd). Caller holds WriteLock.
    /// </summary>
    private static void CompleteOldestLocked(Rnode rn)
    {
        CollectOldestLocked(rn);
        ForgetUnsentEnd(rn);
    }

    /// <summary>Forgets the end of written data not yet on the server once there is none. Caller holds WriteLock.</summary>
    private static void ForgetUnsentEnd(Rnode rn)
    {
        if (rn.HasUnsent || rn.UnsentEnd == 0)
            return; // nothing to forget, as most WRITEs find: no Lock taken
        using (rn.Lock.Enter())
            rn.UnsentEnd = 0;
    }

    private static void CollectOldestLocked(Rnode rn)
    {
        var b = rn.InFlight[0];
        rn.InFlight.RemoveAt(0);
        var err = rn.Mi.Nfs.EndWrite(b.Pending!, out int count, out var committed, out ulong verf, out var before, out var after);
        b.Pending = null;
        ForgetReads(rn, b.Offset, b.Length);
        if (err == Errno.OK)
        {
            CacheWcc(rn, before, after, b.Sent);
            if (count < b.Length)
                err = WriteSync(rn, b, count);
            else if (committed == StableHow.UNSTABLE)
            {
                b.Verifier = verf;
                rn.Uncommitted.Add(b);
                rn.UncommittedBytes += b.Length;
                return;
            }
        }
        if (err != Errno.OK && rn.WriteError == Errno.OK)
            rn.WriteError = err;
        if (err == Errno.ETIMEDOUT)
            rn.Retained.Add(b); // heard nothing: sent again at the next flush (the file comment)
        else
            rn.Mi.ReturnBuffer(b.Data);
    }

    /// <summary>Writes a buffer from <paramref name="from"/> on with FILE_SYNC, waiting for each reply.</summary>
    private static Errno WriteSync(Rnode rn, WriteBuf b, int from)
    {
        var nfs = rn.Mi.Nfs;
        while (from < b.Length)
        {
            long sent = rn.Mi.AttrGen();
            var p = nfs.BeginWrite(b.Cred, rn.Fh, b.Offset + from, b.Data.AsSpan(from, b.Length - from), StableHow.FILE_SYNC);
            var err = nfs.EndWrite(p, out int count, out _, out _, out var before, out var after);
            ForgetReads(rn, b.Offset + from, b.Length - from);
            if (err != Errno.OK)
                return err;
            if (count <= 0)
                return Errno.EIO;
            CacheWcc(rn, before, after, sent);
            from += count;
        }
        return Errno.OK;
    }

    /// <summary>
    /// COMMITs what was written UNSTABLE and waits for the answer (and for a COMMIT sent earlier). Caller holds WriteLock.
    /// </summary>
    private static void CommitLocked(Rnode rn, bool quiet = false)
    {
        CollectCommitLocked(rn);
        if (rn.Uncommitted.Count == 0)
            return;
        long sent = rn.Mi.AttrGen();
        var p = rn.Mi.Nfs.BeginCommit(rn.Uncommitted[0].Cred, rn.Fh);
        var err = rn.Mi.Nfs.EndCommit(p, out ulong verf, out var after);
        if (err != Errno.OK && quiet)
            return; // FlushForReaders's: the buffers stay for the next fsync's or close's COMMIT
        var covered = rn.Uncommitted.ToList();
        rn.Uncommitted.Clear();
        rn.UncommittedBytes = 0;
        Settle(rn, covered, err, verf, after, sent);
    }

    /// <summary>
    /// Sends again, oldest first, the buffers whose WRITE heard nothing, then the buffer being filled, and collects every
    /// WRITE in flight. Caller holds WriteLock.
    /// </summary>
    private static Errno DrainLocked(Rnode rn)
    {
        if (rn.Retained.Count > 0)
        {
            var again = rn.Retained.ToArray();
            rn.Retained.Clear();
            foreach (var r in again)
                SendLocked(rn, r);
        }
        if (rn.Filling is { } f)
            SendLocked(rn, f);
        while (rn.InFlight.Count > 0)
            CompleteOldestLocked(rn);
        return rn.WriteError;
    }

    private static Errno FlushLocked(Rnode rn, bool commit)
    {
        DrainLocked(rn);
        if (commit)
            CommitLocked(rn);
        var err = rn.WriteError;
        if (commit)
            rn.WriteError = Errno.OK;
        return err;
    }

    /// <summary>
    /// What a getattr or read does first: written data not yet sent is sent (so the server's size and mtime include it),
    /// and if the file holds data the server answered for and has not committed, sent before the connection broke and
    /// was made again (RpcClient.Reconnects: the server may have restarted, and an UNSTABLE WRITE is only in its memory
    /// until a COMMIT), a COMMIT asks at once; if its verifier is new every buffer it covers is written again (the rule
    /// above) before anyone reads the server's older bytes. Linux keeps such data in its page cache and reads it from
    /// there; this client reads from the server. That COMMIT changes nothing when it fails: the buffers stay, and the
    /// COMMIT of the next fsync or close commits them and reports (a layer above, the mirror, learns from those whether
    /// a copy lacks data). <paramref name="recovered"/> is true when it was sent. Returns OK or the first error of a
    /// write since the last report, as FlushWrites without commit.
    /// </summary>
    public static Errno FlushForReaders(Rnode rn, out bool recovered)
    {
        recovered = false;
        using (rn.WriteLock.Enter())
        {
            var err = rn.HasUnsent ? FlushLocked(rn, commit: false) : Errno.OK;
            if (rn.HasUnsent || !SentBefore(rn, rn.Mi.Nfs.Rpc.Reconnects))
                return err;
            CommitLocked(rn, quiet: true);
            recovered = true;
            return err;
        }
    }

    /// <summary>True when a buffer answered for and not yet committed was sent before reconnect count <paramref name="epoch"/>. Caller holds WriteLock.</summary>
    private static bool SentBefore(Rnode rn, long epoch)
    {
        foreach (var b in rn.Uncommitted)
            if (b.Epoch < epoch)
                return true;
        if (rn.CommitInFlight is { } c)
            foreach (var b in c.Covered)
                if (b.Epoch < epoch)
                    return true;
        return false;
    }

    /// <summary>
    /// Makes what was written reach the server (<paramref name="commit"/>: and stable storage). Returns OK or the
    /// first error of a write since the last report.
    /// </summary>
    public static Errno FlushWrites(Rnode rn, bool commit)
    {
        using (rn.WriteLock.Enter())
            return FlushLocked(rn, commit);
    }

    /// <summary>
    /// FlushWrites for a file with something written not yet sent (<paramref name="commit"/>: or not yet committed);
    /// OK at once for one without. The test is made under WriteLock, so that a flush another thread is in the middle
    /// of (its WRITE taken off InFlight, its answer not yet in) is waited for rather than missed.
    /// </summary>
    public static Errno FlushIfDirty(Rnode rn, bool commit)
    {
        using (rn.WriteLock.Enter())
            return (commit ? rn.Dirty : rn.HasUnsent) ? FlushLocked(rn, commit) : Errno.OK;
    }

    /// <summary>
    /// VOP_INACTIVE's part: a last flush, and then what it could not send (buffers whose WRITE heard nothing again) is
    /// dropped, as illumos's rinactive drops the pages its B_INVAL|B_FORCE flush could not write.
    /// </summary>
    public static void FlushAndDiscard(Rnode rn)
    {
        using (rn.WriteLock.Enter())
        {
            if (rn.Dirty)
                FlushLocked(rn, commit: true);
            foreach (var r in rn.Retained)
                rn.Mi.ReturnBuffer(r.Data);
            rn.Retained.Clear();
            ForgetUnsentEnd(rn);
        }
    }
}
