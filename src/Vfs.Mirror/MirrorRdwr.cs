// Vfs.Mirror: one read and two writes (patent B.4 and B.6).
//
// A read goes to one copy (MfsVfs.ReadCopy: read=x|y, or read=balance for the least busy copy), under
// that copy's rwlock as a reader, straight into the caller's Uio, and fails over to another copy if the chosen one
// keeps failing, the Uio put back as it was first (ReadArgs.Restore).
//
// A write holds every copy's rwlock (MirrorLock.LockAll, with the patent's release-and-back-off; the mirror
// vnode's own VOP_RWLOCK, which the caller takes, takes nothing: MirrorVnops.MfsRwlock), writes all copies at
// the same time, one straight from the caller's Uio and the others each from its own duplicate of it, and
// only then lets the locks go. So a reader, which takes a copy's lock, sees either none or all of a write,
// and when write returns every available copy holds it. ("At the same time" when the copies are slow enough
// for it to pay: a 4 KiB write to two in-memory copies is done faster one after the other than by waking a
// worker; a large write, a synchronous one and an fsync are not: see MirrorSubr.PaysAtOnce.) An appending write fixes its
// offset once, from the primary copy's size, and writes every copy at that offset, so the copies cannot
// drift apart even if one's size were off.
namespace UnixVfs.Mirror;

internal static partial class MirrorVnops
{
    /// <summary>
    /// What a read passes to the copy it is tried on. The copy reads straight into the caller's Uio; one that fails puts
    /// it back as it was (Restore), so that the next copy starts where this one did. Put back from what the read saved of
    /// it: its one buffer and offset (every read but readv), or else a duplicate of it (a spare, TakeSpare).
    /// </summary>
    private struct ReadArgs
    {
        public readonly Uio Uio;
        public readonly FileFlags Ioflag;
        public readonly Cred Cr;
        public readonly CallerContext? Ct;
        private readonly Memory<byte> _buffer;
        private readonly long _offset, _limit;
        private readonly Uio? _saved;
        public long Done;   // what the last copy tried moved before it failed

        public ReadArgs(Uio uio, FileFlags ioflag, Cred cr, CallerContext? ct)
        {
            (Uio, Ioflag, Cr, Ct) = (uio, ioflag, cr, ct);
            var iov = uio.Iov;
            if (iov.Length == 1 && iov[0].Length == uio.Resid)
                (_buffer, _offset, _limit) = (iov[0].Base, uio.Offset, uio.Limit);
            else
                _saved = TakeSpare(uio);
        }

        /// <summary>Puts the caller's Uio back as it was before the copy just tried moved anything.</summary>
        public readonly void Restore()
        {
            if (_saved is not null)
                Uio.CopyFrom(_saved);
            else
            {
                Uio.Reset(_buffer, _offset, Uio.Rw);
                Uio.Limit = _limit;
            }
        }

        /// <summary>Gives the duplicate back, if the read took one.</summary>
        public readonly void Release()
        {
            if (_saved is not null)
                GiveSpare(_saved);
        }
    }

    /// <summary>
    /// This thread's spare Uio: a readv's duplicate of the caller's, from which a copy that fails puts it back. Taken
    /// while in use (TakeSpare, GiveSpare), so the read of a mirror stacked under this one makes its own. (A write's
    /// duplicates are in its WriteScratch, one per copy.)
    /// </summary>
    [ThreadStatic] private static Uio? t_spare;

    private static Uio TakeSpare(Uio of)
    {
        var u = t_spare ?? NewSpare();
        t_spare = null;
        u.CopyFrom(of);
        return u;
    }

    private static void GiveSpare(Uio u)
    {
        Clear(u);
        t_spare = u;
    }

    private static Uio NewSpare() => new(Memory<byte>.Empty, 0, UioRw.UIO_READ);

    /// <summary>Sets <paramref name="u"/> up as a duplicate of <paramref name="of"/>.</summary>
    private static void Duplicate(Uio u, Uio of)
    {
        var iov = of.Iov;
        if (iov.Length == 1 && iov[0].Length == of.Resid)
        {
            // One buffer (every read and write but readv/writev): set up as its duplicate without copying the segment array.
            u.Reset(iov[0].Base, of.Offset, of.Rw);
            u.Limit = of.Limit;
        }
        else
            u.CopyFrom(of);
    }

    /// <summary>Lets a spare go of the caller's buffers, so that it holds no reference to them while it waits.</summary>
    private static void Clear(Uio u) => u.Reset(Memory<byte>.Empty, 0, UioRw.UIO_READ);

    private static Errno MfsRead(Vnode vp, Uio uio, FileFlags ioflag, Cred cr, CallerContext? ct)
    {
        var m = MirrorSubr.Mn(vp);
        if (m.Mfs.Checksum is { } sums && vp.Type == VType.VREG)
            return sums.Read(m, uio, ioflag, cr, ct);   // -o checksum: checked extent by extent (MirrorChecksum.cs)
        var args = new ReadArgs(uio, ioflag, cr, ct);
        var err = MirrorSubr.ReadOp(MirrorOp.Read(m), ref args, static (ref ReadArgs a, MirrorMember c, Vnode lv, out long moved) =>
        {
            long before = a.Uio.Resid;
            c.BeginRead();
            var e = Vop.Rwlock(lv, RwLockType.Reader, a.Ct);
            if (e == Errno.OK)
            {
                e = Vop.Read(lv, a.Uio, a.Ioflag, a.Cr, a.Ct);
                Vop.Rwunlock(lv, RwLockType.Reader, a.Ct);
            }
            moved = before - a.Uio.Resid;
            c.EndRead();
            if (e != Errno.OK)
            {
                a.Done = moved;
                a.Restore();
            }
            return e;
        });
        if (err != Errno.OK)
            uio.Skip(args.Done); // what the last copy tried moved, as a read that fails part way reports it
        args.Release();
        return err;
    }

    /// <summary>
    /// VOP_SEEKDATA: the read copy's answer, since it is the copy whose bytes read(2) returns. ENXIO (no data or hole
    /// after the offset) is an answer, not a copy failure, so it neither fails over nor takes the copy down.
    /// </summary>
    private static Errno MfsSeekdata(Vnode vp, long off, bool hole, out long found, Cred cr, CallerContext? ct)
    {
        var m = MirrorSubr.Mn(vp);
        long result = 0;
        bool past = false;
        var err = MirrorSubr.ReadOp(new MirrorOp("seekdata", OpTarget.ReadCopy, m), MirrorSubr.NoData((c, lv) =>
        {
            var e = Vop.Seekdata(lv, off, hole, out result, cr, ct);
            past = e == Errno.ENXIO;
            return past ? Errno.OK : e;
        }));
        found = result;
        return err == Errno.OK && past ? Errno.ENXIO : err;
    }

    /// <summary>
    /// What a write passes to each copy; the copies' own spare Uios and what each took are in Scratch, by copy index. One
    /// copy (Direct) writes straight from the caller's Uio when it is one buffer (every write but writev) and no checksum
    /// reads it afterwards; the others, from spares set up as it was before any copy moved it (PutBack). Direct is -1
    /// otherwise, and every copy writes from a duplicate.
    /// </summary>
    private readonly struct WriteArgs
    {
        public readonly Uio Uio;
        public readonly long Offset;
        public readonly long Resid;
        public readonly FileFlags Flags;
        public readonly Cred Cr;
        public readonly CallerContext? Ct;
        public readonly WriteScratch Scratch;
        public readonly int Direct;
        private readonly Memory<byte> _buffer;
        private readonly long _limit;

        public WriteArgs(Uio uio, long offset, long resid, FileFlags flags, Cred cr, CallerContext? ct, WriteScratch scratch, int direct)
        {
            (Uio, Offset, Resid, Flags, Cr, Ct, Scratch) = (uio, offset, resid, flags, cr, ct, scratch);
            var iov = uio.Iov;
            Direct = direct >= 0 && iov.Length == 1 && iov[0].Length == resid ? direct : -1;
            if (Direct >= 0)
                (_buffer, _limit) = (iov[0].Base, uio.Limit);
        }

        /// <summary>Sets <paramref name="u"/> up as the caller's Uio was, at the write's offset (Direct's case).</summary>
        public void PutBack(Uio u)
        {
            u.Reset(_buffer, Offset, UioRw.UIO_WRITE);
            u.Limit = _limit;
        }
    }

    private static Errno MfsWrite(Vnode vp, Uio uio, FileFlags ioflag, Cred cr, CallerContext? ct)
    {
        var m = MirrorSubr.Mn(vp);
        var mi = m.Mfs;
        using var scope = mi.EnterOp();
        var copies = mi.UpdateCopies();
        var slots = new CopySlots<Vnode>();
        var lowers = MirrorSubr.ResolveAll(m, copies, MirrorSubr.Slots(ref slots, copies.Length));
        MirrorLock.LockAll(lowers, RwLockType.Writer, mi);
        // One time for every copy's stamps, read once, taken with every copy's rwlock held, so that no later write of
        // the file stamps before it.
        using var pin = mi.Vfs.Kernel.PinTime();
        ref var spareScratch = ref scope.Scratch;
        var scratch = TakeScratch(ref spareScratch, mi.CopyCount);
        try
        {
            var sums = vp.Type == VType.VREG ? mi.Checksum : null;
            long offset = uio.Offset;
            if ((ioflag & FileFlags.FAPPEND) != 0)
            {
                var gerr = PrimarySize(m, cr, ct, out offset);
                if (gerr != Errno.OK)
                    return gerr;
            }
            long resid = uio.Resid;
            sums?.BeforeUpdate(m, offset, offset + resid);
            var asked = mi.UpdateCopies();
            var args = new WriteArgs(uio, offset, resid, ioflag & ~FileFlags.FAPPEND, cr, ct, scratch, sums is null && asked.Length > 0 ? asked[0].Index : -1);
            var err = MirrorSubr.Apply(MirrorOp.Write(m, offset, resid, (ioflag & (FileFlags.FSYNC | FileFlags.FDSYNC)) != 0), ref args, static (ref WriteArgs a, MirrorMember c, Vnode lv, out long written) =>
            {
                Uio u;
                if (c.Index == a.Direct)
                {
                    u = a.Uio;
                    if (u.Resid != a.Resid)
                        a.PutBack(u); // a retry: the last try moved it
                }
                else
                {
                    u = a.Scratch.Spares[c.Index];
                    if (a.Direct >= 0)
                        a.PutBack(u);
                    else
                        Duplicate(u, a.Uio);
                }
                u.Offset = a.Offset;
                var e = Vop.Write(lv, u, a.Flags, a.Cr, a.Ct);
                written = a.Scratch.Moved[c.Index] = a.Resid - u.Resid;
                if (c.Index != a.Direct)
                    Clear(u);
                return e == Errno.OK && written != a.Resid ? Errno.EIO : e;
            }, scope);
            // On failure, report what every copy asked holds: a short count, or none. The caller's Uio is where that
            // leaves it when the copy that wrote from it took just that; otherwise it is put there.
            long done = err == Errno.OK ? resid : Least(scratch.Moved, asked);
            sums?.Written(m, uio, offset, resid, done, err);
            if (uio.Offset != offset + done || uio.Resid != resid - done)
            {
                if (args.Direct >= 0)
                    args.PutBack(uio);
                uio.Offset = offset;
                uio.Skip(done);
            }
            return err;
        }
        finally
        {
            MirrorLock.UnlockAll(lowers, RwLockType.Writer);
            spareScratch = scratch;
        }
    }

    /// <summary>
    /// The file's size on the primary copy, where an appending write goes. (A method of its own: its closure would
    /// otherwise be made on every write, appending or not.)
    /// </summary>
    private static Errno PrimarySize(Mnode m, Cred cr, CallerContext? ct, out long size)
    {
        var va = new Vattr(AttrMask.AT_SIZE);
        var err = MirrorSubr.ReadOp(MirrorOp.Query("getattr", m), MirrorSubr.NoData((c, lv) => Vop.Getattr(lv, va, AttrFlags.None, cr, ct)));
        size = va.Size;
        return err;
    }

    /// <summary>The least of what the copies <paramref name="asked"/> took (none asked: 0).</summary>
    private static long Least(long[] moved, MirrorMember[] asked)
    {
        if (asked.Length == 0)
            return 0;
        long least = long.MaxValue;
        foreach (var c in asked)
            least = Math.Min(least, moved[c.Index]);
        return least;
    }

    /// <summary>
    /// This thread's scratch for one write: a spare Uio for each copy but the one that writes from the caller's (the copy
    /// workers write theirs while this thread writes its own) and what each copy took, both by copy index. Kept in the
    /// thread's quiesce slot between writes, and taken out of it while in use.
    /// </summary>
    private sealed class WriteScratch
    {
        public readonly Uio[] Spares;
        public readonly long[] Moved;

        public WriteScratch(int copies)
        {
            Spares = new Uio[copies];
            for (int i = 0; i < copies; i++)
                Spares[i] = NewSpare();
            Moved = new long[copies];
        }
    }

    /// <summary>
    /// Takes this thread's scratch from its place (its quiesce slot's, <c>OpScope.Scratch</c>: found with the slot the
    /// write enters by, with no thread static of its own).
    /// </summary>
    private static WriteScratch TakeScratch(ref object? place, int copies)
    {
        if (place is not WriteScratch spare || spare.Moved.Length != copies)
            return new WriteScratch(copies);
        place = null;
        var moved = spare.Moved;
        for (int i = 0; i < moved.Length; i++)
            moved[i] = 0;
        return spare;
    }
}
