// Vfs.Mirror: a large checked read split in two pieces, read from two copies at once (beyond the patent; after md
// RAID1's read balancing, here within one read).
//
// WHY. With -o checksum every byte a read returns is hashed before the caller sees it. On one thread that pass costs
// about a third of a read served from memory (docs/benchmarks.md, Stop 24), more than the 0.9x target leaves. Hashing on
// a second thread while the reader reads on was tried and lost: a reader must split its lower read to hand pieces
// over, and each extra VOP_READ costs what the hash would. So the read is split once, at an extent's edge, and each
// half is read AND hashed by its own thread: the caller reads the first piece from the read copy, a copy worker
// (CopyWorkers) the second from another copy. Two copies, because two reads of one UFS file serialise on its inode
// lock; the copies hold the same bytes, so each piece may come from either.
//
// WHICH COPIES. A piece is read only from a copy that is current for the whole file: one that serves reads (available:
// not away, not being resynced, which makes it available only once it holds everything) and takes the mirror's
// updates; the first piece from the read copy (read=balance: the least busy), as a one-copy read would be, the second
// from the next such copy in copy order that has no write of the file pending (CopyUnflushed: a write an NFS client
// still holds may yet fail, and its error be the copy's). No split when the admin named the read copy (read=x|y|z:
// every read from that copy, as asked), in mode=active-passive (one copy in use), on a simulated host (no worker
// threads: the pieces would be read one after the other, for nothing), for a scattered (readv) buffer, or below SplitAt.
//
// AS ONE COPY'S READ. Both copies' rwlocks are held as reader for the whole read (MirrorLock.LockAll, whose back-off
// keeps a reader crossing a writer from deadlocking), and the copies' states are looked at again once they are held.
// A write holds every copy it goes to as writer until each has it (MfsWrite), so the two pieces see all of a write or
// none of it, as one copy's read does; a copy taken out of use before the locks were held is not read, and one taken out
// after cannot miss a write this read could see, since that write waits for the lock this read holds on the other copy.
//
// WHAT THE CALLER GETS. The pieces' bytes go straight into the caller's buffer, each at its own offset, and the caller's
// Uio is advanced over them in file order up to the first piece that stopped short: at the end of the file (the read
// is Done), at an extent that failed its checksum (Bad: the caller heals it from the copies as for any checked read,
// MirrorChecksum.Heal, and reads on), or on a copy's error (Stopped: the caller reads the rest through MirrorSubr.ReadOp,
// which fails over). A piece is counted on its copy as a read (MirrorSubr.OnCopy, with the retries); a copy that still
// fails after them is taken out of use, as ReadOp does, once the locks are let go.
//
// LOCK ORDER: the copies' rwlocks as in MirrorLock (this file takes no lock of its own); the worker runs its piece
// under the rwlock the caller holds for it, and the caller waits for it before letting go.
namespace UnixVfs.Mirror;

/// <summary>How a split read ended (MirrorReadSplit.Read).</summary>
internal enum SplitRead
{
    /// <summary>Not split: nothing was read, the caller reads from one copy.</summary>
    NotSplit,
    /// <summary>Every byte asked for, or up to the end of the file, is in the caller's buffer, checked.</summary>
    Done,
    /// <summary>Stopped at an extent that failed its checksum, the caller's Uio advanced up to it.</summary>
    Bad,
    /// <summary>Stopped at a copy's error, the caller's Uio advanced over what came before it.</summary>
    Stopped,
}

internal static class MirrorReadSplit
{
    /// <summary>
    /// The least read that is split: two pieces of 256 KiB or more, each long enough (tens of microseconds from memory)
    /// to pay for waking a worker, as MirrorSubr.LargeWrite is for a write.
    /// </summary>
    internal const long SplitAt = 512 << 10;

    /// <summary>One piece of a split read: its part of the caller's buffer, its copy, and how it ended.</summary>
    private sealed class Piece(Uio uio, MirrorMember copy, ExtentSums sums, FileFlags ioflag, Cred cr, CallerContext? ct)
    {
        public readonly Uio Uio = uio;
        public readonly MirrorMember Copy = copy;
        public readonly long Length = uio.Resid;
        public readonly ExtentSums Sums = sums;
        public readonly FileFlags Ioflag = ioflag;
        public readonly Cred Cr = cr;
        public readonly CallerContext? Ct = ct;
        public Errno Err;
        public long Bad = -1;

        public long Got => Length - Uio.Resid;

        /// <summary>Reads and checks the piece on its copy, counted there (MirrorSubr.OnCopy), the copy's rwlock held by the caller.</summary>
        public void Run(Mnode m)
        {
            Copy.BeginRead();
            var self = this;
            Err = MirrorSubr.OnCopy(MirrorOp.Read(m), Copy, ref self, static (ref Piece p, MirrorMember c, Vnode lv, out long moved) =>
            {
                long before = p.Uio.Resid;
                var e = MirrorChecksum.ReadChecked(p.Uio, p.Sums, lv, p.Ioflag, p.Cr, p.Ct, out p.Bad);
                moved = before - p.Uio.Resid;
                return e;
            });
            Copy.EndRead();
        }
    }

    /// <summary>
    /// Reads <paramref name="uio"/>'s range of <paramref name="m"/> checked against <paramref name="sums"/>, in two pieces
    /// from two copies at once when it pays and two copies may serve it (the file comment); <paramref name="bad"/> is the
    /// extent that failed its checksum when the outcome is Bad, else -1.
    /// </summary>
    public static SplitRead Read(Mnode m, Uio uio, ExtentSums sums, FileFlags ioflag, Cred cr, CallerContext? ct, out long bad)
    {
        bad = -1;
        var mi = m.Mfs;
        var whole = uio.CurrentSegment(int.MaxValue);
        if (uio.Resid < SplitAt || whole.Length != uio.Resid || mi.Options.ReadPinned || mi.Options.Mode != MirrorMode.Mirror
            || mi.Workers.Inline || !TwoCopies(m, out var first, out var firstLower, out var second, out var secondLower))
            return SplitRead.NotSplit;
        Span<Vnode> lowers = [firstLower, secondLower];
        MirrorLock.LockAll(lowers, RwLockType.Reader, mi);
        Piece a, b;
        try
        {
            if (!first.ServesReads || !second.ServesReads || second.Unflushed.Holds(m))
                return SplitRead.NotSplit;   // a copy left, or a write reached it, before its lock was held: read from one copy
            // The second piece starts on an extent's edge, so that each piece checks whole extents of its own.
            long mid = (uio.Offset + uio.Resid / 2 + ExtentSums.ExtentSize - 1) & ~((long)ExtentSums.ExtentSize - 1);
            int lenA = (int)(mid - uio.Offset);
            a = new Piece(new Uio(whole[..lenA], uio.Offset, UioRw.UIO_READ), first, sums, ioflag, cr, ct);
            b = new Piece(new Uio(whole[lenA..], mid, UioRw.UIO_READ), second, sums, ioflag, cr, ct);
            mi.Workers.RunAll(() => a.Run(m), [() => b.Run(m)]);
        }
        finally
        {
            MirrorLock.UnlockAll(lowers, RwLockType.Reader);
        }
        return Assemble(m, uio, a, b, out bad);
    }

    /// <summary>
    /// Advances the caller's Uio over the pieces in file order, up to the first that stopped short, and says why. A copy
    /// that failed its piece is taken out of use even where the read stops before that piece's bytes.
    /// </summary>
    private static SplitRead Assemble(Mnode m, Uio uio, Piece a, Piece b, out long bad)
    {
        bad = -1;
        ReadOnlySpan<Piece> pieces = [a, b];
        foreach (var p in pieces)
            if (p.Err != Errno.OK)
                TakeDown(m, p);
        foreach (var p in pieces)
        {
            uio.Skip(p.Got);
            if (p.Err != Errno.OK)
                return SplitRead.Stopped;
            if (p.Bad >= 0)
            {
                bad = p.Bad;
                return SplitRead.Bad;
            }
            if (p.Got < p.Length)
                return SplitRead.Done;   // the end of the file: the second piece, past it, read nothing
        }
        return SplitRead.Done;
    }

    /// <summary>A piece's copy still failing after the retries is taken out of use, as MirrorSubr.ReadOp takes its copy.</summary>
    private static void TakeDown(Mnode m, Piece p)
    {
        if (!MirrorSubr.IsTransientCopyFailure(p.Err))
            return;   // an answer about the file: the caller's read from one copy gets it again, and fails over as ReadOp does
        p.Copy.CountFailure();
        m.Mfs.MarkUnavailable(p.Copy, $"{p.Err} on read {m.PathFromRoot}");
    }

    /// <summary>
    /// The read copy and the next copy in copy order that may serve a piece, with their vnodes of <paramref name="m"/>:
    /// the second must also hold every write the mirror sent it of <paramref name="m"/> (none not yet closed or fsynced:
    /// CopyUnflushed), so that a pending write error there cannot stand behind bytes this read returns.
    /// </summary>
    private static bool TwoCopies(Mnode m, out MirrorMember first, out Vnode firstLower, out MirrorMember second, out Vnode secondLower)
    {
        var mi = m.Mfs;
        first = mi.ReadCopy();
        second = null!;
        firstLower = secondLower = null!;
        if (!Serves(m, first, out firstLower))
            return false;
        for (int i = 1; i < mi.Copies.Count; i++)
        {
            var c = mi.Copies[(first.Index + i) % mi.Copies.Count];
            if (!c.Unflushed.Holds(m) && Serves(m, c, out secondLower))
            {
                second = c;
                return true;
            }
        }
        return false;
    }

    /// <summary>True when copy <paramref name="c"/> serves reads, takes updates and holds <paramref name="m"/>.</summary>
    private static bool Serves(Mnode m, MirrorMember c, out Vnode lower)
    {
        lower = null!;
        if (!c.ServesReads || !c.TakesUpdates || MirrorSubr.Resolve(m, c, out var lv) != Errno.OK)
            return false;
        lower = lv!;
        return true;
    }
}
