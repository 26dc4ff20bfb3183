// Vfs.Mirror: checksummed reads, -o checksum (beyond the patent; after ZFS's self-healing mirror).
//
// Every regular file has the checksums of its 64 KiB extents (ExtentSums.cs), kept in memory while its mnode lives and
// on every copy in .mfs/sums (MirrorSumFile.cs). A copy can return wrong bytes without any error -- bit rot on its
// disk, a misdirected write, a bug below -- and the patent's mirror would hand them to the application. Here:
//
//   READ. The read copy's bytes are checked extent by extent against the sums before they reach the caller (Read).
//         An extent that fails is looked at on every copy that serves reads, with the copies' rwlocks held as
//         writer (Heal): a copy whose extent matches serves it, and each copy whose extent does not is rewritten from
//         it -- repaired, counted on the copy (mfsadm status), on the metrics (mfs.checksum.errors, .repairs) and in
//         the events and the kernel's message buffer. If no copy matches: EIO, reported the same way; never garbage.
//   WRITE. The write path stays cheap: an extent a write covers whole is summed from the caller's buffer (XxHash3,
//         several GB/s), others are only marked dirty (ExtentSums). Nothing is read and nothing is written to the
//         sum files, except once per file after each flush: its sum files are marked in flight, and fsynced, before
//         the update reaches the copies (BeforeUpdate), so that a crash before the next flush leaves sums that are not
//         used rather than stale sums that would call good data bad.
//   FLUSH. At fsync, at the last close after a write, at setattr of the size or times, at sync, unmount, and when the
//         mnode goes inactive: dirty extents are summed from the copies' bytes -- where the copies disagree, the
//         extent's sum is forgotten (unknown: never repaired) -- and the sums written to every copy that serves reads.
//   SCRUB. mfsadm scrub checks each differing file's extents against its sums (Check): a copy whose extent fails is
//         the wrong side even with two copies, where the generation and majority rules cannot tell.
//
// LOCK ORDER: the copies' rwlocks (MirrorLock.LockAll), then ExtentSums.DiskLock (the writes of one file's sum files),
//             then the table's own monitor (a leaf). _changed's monitor is a leaf. DiskLock's holder reads and writes
//             the copies, maybe over NFS, so it may wait for time: it is taken by VirtualClock.EnterMonitor.
using System.Runtime.InteropServices;

namespace UnixVfs.Mirror;

internal sealed class MirrorChecksum
{
    private readonly MfsVfs _mi;
    private readonly HashSet<Mnode> _changed = new();   // mnodes whose sums are to be written at the next flush

    public MirrorChecksum(MfsVfs mi) => _mi = mi;

    /// <summary>This thread's scratch extent and Uio, taken while in use (a mirror stacked under this one makes its own).</summary>
    [ThreadStatic] private static byte[]? t_extent;
    [ThreadStatic] private static Uio? t_uio;

    /// <summary><paramref name="m"/>'s sums, loaded from the copies' sum files on first use.</summary>
    public ExtentSums Sums(Mnode m)
    {
        var s = Volatile.Read(ref m.Sums);
        if (s is not null)
            return s;
        s = Load(m);
        return Interlocked.CompareExchange(ref m.Sums, s, null) ?? s;
    }

    /// <summary>
    /// The sums of the trusted sum files of the copies that serve reads. Where two trusted files disagree about an
    /// extent, its sum is not known; with none, no sum is known.
    /// </summary>
    private ExtentSums Load(Mnode m)
    {
        ulong[]? sums = null;
        long size = -1;
        foreach (var c in _mi.Copies)
        {
            if (!c.ServesReads || MirrorSubr.Resolve(m, c, out var lv) != Errno.OK)
                continue;
            if (MirrorSumFile.Read(c.Root, lv!, out long sz, out var got) != Errno.OK || got is null)
                continue;
            if (sums is null)
                (sums, size) = (got, sz);
            else if (sz != size)
                Array.Clear(sums);
            else
                for (int e = 0; e < sums.Length; e++)
                    if (sums[e] != got[e])
                        sums[e] = 0;
        }
        if (sums is null)
        {
            var va = new Vattr(AttrMask.AT_SIZE);
            var err = MirrorSubr.ReadOp(MirrorOp.Query("getattr", m), MirrorSubr.NoData((c, lv) => Vop.Getattr(lv, va, AttrFlags.None, Cred.Kcred)));
            size = err == Errno.OK ? va.Size : 0;
            sums = new ulong[ExtentSums.Count(size)];
        }
        return new ExtentSums(size, sums) { OnDiskClean = true };
    }

    /// <summary>
    /// Before an update of bytes [<paramref name="from"/>, <paramref name="to"/>) of <paramref name="m"/> (a write, or a
    /// size change between the two ends): once per flush, its sum files are marked in flight on every copy that takes
    /// updates; and each extent with a known sum that the update covers only in part -- or, past the end, the extent
    /// holding the end -- is checked on every copy and healed first (as ZFS reads a record before a partial write), so
    /// that rot already there cannot make the copies disagree about the extent's new sum. The caller holds every copy's
    /// rwlock as writer (MfsWrite, SetSize).
    /// </summary>
    public void BeforeUpdate(Mnode m, long from, long to)
    {
        var s = Sums(m);
        MarkInFlight(m, s);
        long size = s.Size;
        Span<long> edges = [from >> ExtentSums.Shift, Math.Max(from, to - 1) >> ExtentSums.Shift, from > size ? size >> ExtentSums.Shift : -1];
        for (int i = 0; i < edges.Length; i++)
        {
            long e = edges[i], lo = e << ExtentSums.Shift;
            if (e < 0 || edges[..i].Contains(e) || (from <= lo && to >= lo + ExtentSums.LengthIn(e, size)) || s.Get(e, out _) == 0)
                continue;
            CheckServing(m, s, e);
        }
    }

    /// <summary>Checks and heals extent <paramref name="e"/> on every copy that serves reads, their rwlocks held.</summary>
    private Errno CheckServing(Mnode m, ExtentSums s, long e)
    {
        var copies = new List<MirrorMember>();
        var lowers = new List<Vnode>();
        foreach (var c in _mi.Copies)
            if (c.ServesReads && MirrorSubr.Resolve(m, c, out var lv) == Errno.OK)
            {
                copies.Add(c);
                lowers.Add(lv!);
            }
        return CheckExtent(m.PathFromRoot, s, e, copies, lowers, repair: true, out _, out _, m);
    }

    /// <summary>Once per flush: <paramref name="m"/>'s sum files are marked in flight on every copy that takes updates.</summary>
    private void MarkInFlight(Mnode m, ExtentSums s)
    {
        using (VirtualClock.EnterMonitor(s.DiskLock))
        {
            if (!s.OnDiskClean)
                return;
            foreach (var c in _mi.UpdateCopies())
                if (MirrorSubr.Resolve(m, c, out var lv) == Errno.OK)
                    Report(c, m, "marking its checksums in flight", MirrorSumFile.MarkInFlight(c.Root, lv!));
            s.OnDiskClean = false;
        }
    }

    /// <summary>
    /// A write of <paramref name="resid"/> bytes at <paramref name="offset"/> from <paramref name="uio"/> (not yet
    /// advanced) returned <paramref name="err"/>, with <paramref name="done"/> bytes on every copy.
    /// </summary>
    public void Written(Mnode m, Uio uio, long offset, long resid, long done, Errno err)
    {
        var s = Sums(m);
        if (err != Errno.OK || done != resid)
            s.Touched(offset, offset + resid);   // the copies may differ: the flush sums what they agree on
        else
        {
            var seg = uio.CurrentSegment(int.MaxValue);
            if (seg.Length >= done)
                s.Written(offset, seg.Span[..(int)done]);
            else
                s.Written(offset, Gather(uio, done));
        }
        Changed(m);
    }

    /// <summary>The first <paramref name="n"/> bytes of a scattered write (writev), in one array.</summary>
    private static byte[] Gather(Uio uio, long n)
    {
        var buf = new byte[n];
        int at = 0;
        foreach (var v in uio.Iov)
        {
            int k = (int)Math.Min(v.Length, n - at);
            v.Base.Span[..k].CopyTo(buf.AsSpan(at));
            at += k;
            if (at == n)
                break;
        }
        return buf;
    }

    /// <summary>
    /// setattr of the size: runs <paramref name="setattr"/> (which changes bytes [from, from + length)); then the sums
    /// follow. The caller holds every copy's rwlock as writer, as a write does (MirrorVnops.SetSize), so that no read
    /// sees the new size with the old sums.
    /// </summary>
    public Errno Resize(Mnode m, long from, long length, long size, Func<Errno> setattr)
    {
        BeforeUpdate(m, from, from + length);
        var err = setattr();
        if (err == Errno.OK)
            Sums(m).Truncated(size);
        else
            Sums(m).Touched(from, from + length);   // some copies may have taken it: the flush sums what they agree on
        return err;
    }

    /// <summary>The size of <paramref name="m"/> was set to <paramref name="size"/> through the mirror.</summary>
    public void Truncated(Mnode m, long size)
    {
        Sums(m).Truncated(size);
        Changed(m);
    }

    /// <summary>The sum files must be written again (the copies' times changed).</summary>
    public void Changed(Mnode m)
    {
        var s = Sums(m);
        s.Changed = true;
        lock (_changed)
            _changed.Add(m);
    }

    /// <summary>
    /// Writes <paramref name="m"/>'s sums to every copy that serves reads, first summing its dirty extents from the
    /// copies' bytes. <paramref name="lockCopies"/>: take the copies' rwlocks (false at inactive, where no one else can
    /// reach the file through the mirror).
    /// </summary>
    public void Flush(Mnode m, bool lockCopies = true)
    {
        var s = Volatile.Read(ref m.Sums);
        if (s is null || !s.Changed)
            return;
        var lowers = new List<Vnode>();
        var copies = new List<MirrorMember>();
        foreach (var c in _mi.UpdateCopies())
            if (MirrorSubr.Resolve(m, c, out var lv) == Errno.OK)
            {
                lowers.Add(lv!);
                copies.Add(c);
            }
        var span = CollectionsMarshal.AsSpan(lowers);
        if (lockCopies)
            MirrorLock.LockAll(span, RwLockType.Writer, _mi);
        try
        {
            using (VirtualClock.EnterMonitor(s.DiskLock))
            {
                if (!s.Changed)
                    return;
                s.Changed = false;
                var sums = s.Snapshot(out long size, out var dirty);
                var made = new ulong[dirty.Length];
                for (int i = 0; i < dirty.Length; i++)
                    sums[dirty[i]] = made[i] = Agreed(m, copies, lowers, dirty[i], size);
                s.Settle(size, dirty, made);
                for (int i = 0; i < copies.Count; i++)
                    if (copies[i].ServesReads)
                        Report(copies[i], m, "writing its checksums", MirrorSumFile.Write(copies[i].Root, lowers[i], size, sums));
                s.OnDiskClean = true;
            }
        }
        finally
        {
            if (lockCopies)
                MirrorLock.UnlockAll(span, RwLockType.Writer);
        }
        lock (_changed)
            _changed.Remove(m);
    }

    /// <summary>Flushes every file whose sums changed (VFS_SYNC, unmount, scrub).</summary>
    public void FlushAll()
    {
        Mnode[] changed;
        lock (_changed)
            changed = _changed.ToArray();
        foreach (var m in changed)
            Flush(m);
    }

    /// <summary>Extent <paramref name="e"/>'s sum when every copy that serves reads holds the same bytes there, else 0 (reported).</summary>
    private ulong Agreed(Mnode m, List<MirrorMember> copies, List<Vnode> lowers, long e, long size)
    {
        int len = ExtentSums.LengthIn(e, size);
        var buf = new byte[ExtentSums.ExtentSize];
        ulong sum = 0;
        for (int i = 0; i < copies.Count; i++)
        {
            if (!copies[i].ServesReads)
                continue;
            if (ReadExtent(lowers[i], e, buf, out int got) != Errno.OK || got != len)
                return 0;
            ulong h = ExtentSums.Hash(buf.AsSpan(0, len));
            if (sum != 0 && h != sum)
            {
                _mi.Announce(null, $"checksum: {m.PathFromRoot}: the copies differ in {Extent(e, len)}; its checksum is not known until it is written again");
                return 0;
            }
            sum = h;
        }
        return sum;
    }

    /// <summary>What a read through the mirror passes to the copy it is tried on.</summary>
    private struct ReadArgs(Uio uio, FileFlags ioflag, Cred cr, CallerContext? ct, ExtentSums sums)
    {
        public readonly Uio Uio = uio;
        public readonly FileFlags Ioflag = ioflag;
        public readonly Cred Cr = cr;
        public readonly CallerContext? Ct = ct;
        public readonly ExtentSums Sums = sums;
        public long Bad;          // the extent that failed its checksum on Copy, or -1
        public MirrorMember? Copy;
    }

    /// <summary>
    /// read(2) of a regular file: the read copy's bytes, checked extent by extent before they are given to the caller.
    /// An extent that fails is healed from another copy (Heal) and read again.
    /// </summary>
    public Errno Read(Mnode m, Uio uio, FileFlags ioflag, Cred cr, CallerContext? ct)
    {
        var args = new ReadArgs(uio, ioflag, cr, ct, Sums(m));
        for (int heals = 0; ; heals++)
        {
            args.Bad = -1;
            var err = MirrorSubr.ReadOp(MirrorOp.Read(m), ref args, static (ref ReadArgs a, MirrorMember c, Vnode lv, out long moved) =>
            {
                long before = a.Uio.Resid;
                c.BeginRead();
                var e = Vop.Rwlock(lv, RwLockType.Reader, a.Ct);
                if (e == Errno.OK)
                {
                    e = ReadChecked(ref a, lv);
                    Vop.Rwunlock(lv, RwLockType.Reader, a.Ct);
                }
                c.EndRead();
                a.Copy = c;
                moved = before - a.Uio.Resid;
                return e;
            });
            if (err != Errno.OK || args.Bad < 0)
                return err;
            if (heals == 3 || (err = Heal(m, args.Bad)) != Errno.OK)
                return heals == 3 ? Errno.EIO : err;
        }
    }

    /// <summary>
    /// Reads from copy file <paramref name="lv"/> (its rwlock held) into the caller's Uio, extent by extent: into the
    /// caller's buffer when it takes whole extents, else through a scratch extent. Stops at the first extent that fails
    /// its checksum (a.Bad) with the caller's Uio advanced over what passed.
    /// </summary>
    private static Errno ReadChecked(ref ReadArgs a, Vnode lv)
    {
        var scratch = t_extent ?? new byte[ExtentSums.ExtentSize];
        var u = t_uio ?? new Uio(Memory<byte>.Empty, 0, UioRw.UIO_READ);
        t_extent = null;
        t_uio = null;
        try
        {
            var uio = a.Uio;
            while (uio.Resid > 0)
            {
                long off = uio.Offset, e = off >> ExtentSums.Shift, lo = e << ExtentSums.Shift;
                var seg = off == lo ? uio.CurrentSegment((int)Math.Min(uio.Resid, int.MaxValue)) : Memory<byte>.Empty;
                int whole = seg.Length & ~(ExtentSums.ExtentSize - 1);
                var buf = whole > 0 ? seg[..whole] : scratch;
                u.Reset(buf, lo, UioRw.UIO_READ);
                var err = Vop.Read(lv, u, a.Ioflag, a.Cr, a.Ct);
                if (err != Errno.OK)
                    return err;
                int got = (int)(buf.Length - u.Resid);
                for (int at = 0; at < got || at == 0; at += ExtentSums.ExtentSize)
                {
                    ulong want = a.Sums.Get(e + (at >> ExtentSums.Shift), out int len);
                    if (want != 0 && (got - at < len || ExtentSums.Hash(buf.Span.Slice(at, len)) != want))
                    {
                        a.Bad = e + (at >> ExtentSums.Shift);
                        // Give what passed before it: whole extents read straight into the caller's buffer.
                        if (whole > 0)
                            uio.Skip(at);
                        return Errno.OK;
                    }
                    if (got == 0)
                        break;
                }
                if (whole > 0)
                    uio.Skip(got);
                else if (off - lo < got)
                    uio.MoveOut(scratch.AsSpan((int)(off - lo), got - (int)(off - lo)));
                if (got < buf.Length)
                    break;   // the end of the file
            }
            return Errno.OK;
        }
        finally
        {
            u.Reset(Memory<byte>.Empty, 0, UioRw.UIO_READ);
            t_extent = scratch;
            t_uio = u;
        }
    }

    /// <summary>
    /// Extent <paramref name="e"/> of <paramref name="m"/> failed its checksum on a copy: with the copies' rwlocks held,
    /// every copy that serves reads is checked, and the ones that fail are rewritten from one that passes. EIO when none does.
    /// </summary>
    private Errno Heal(Mnode m, long e)
    {
        using var op = _mi.EnterOp();
        var lowers = new List<Vnode>();
        foreach (var c in _mi.Copies)
            if (c.ServesReads && MirrorSubr.Resolve(m, c, out var lv) == Errno.OK)
                lowers.Add(lv!);
        var span = CollectionsMarshal.AsSpan(lowers);
        MirrorLock.LockAll(span, RwLockType.Writer, _mi);
        try
        {
            return CheckServing(m, Sums(m), e);
        }
        finally
        {
            MirrorLock.UnlockAll(span, RwLockType.Writer);
        }
    }

    /// <summary>
    /// Checks extent <paramref name="e"/> on each copy (their rwlocks held as writer) against its sum; with
    /// <paramref name="repair"/>, rewrites the copies that fail from one that passes. Returns EIO when an extent with a
    /// known sum passes on no copy. <paramref name="bad"/> counts the copies that failed, <paramref name="repaired"/>
    /// those rewritten; every failure is counted on its copy and reported.
    /// </summary>
    private Errno CheckExtent(string path, ExtentSums sums, long e, List<MirrorMember> copies, List<Vnode> lowers, bool repair,
        out int bad, out int repaired, Mnode? m = null)
    {
        bad = repaired = 0;
        ulong want = sums.Get(e, out int len);
        if (want == 0)
            return Errno.OK;
        var bufs = new byte[copies.Count][];
        var pass = new bool[copies.Count];
        int good = -1;
        for (int i = 0; i < copies.Count; i++)
        {
            bufs[i] = new byte[ExtentSums.ExtentSize];
            pass[i] = ReadExtent(lowers[i], e, bufs[i], out int got) == Errno.OK && got >= len && ExtentSums.Hash(bufs[i].AsSpan(0, len)) == want;
            if (pass[i] && good < 0)
                good = i;
        }
        for (int i = 0; i < copies.Count; i++)
        {
            if (pass[i])
                continue;
            bad++;
            copies[i].CountChecksumError();
            MirrorMetrics.ChecksumError(copies[i]);
            if (good < 0 || !repair)
                continue;
            var err = Rewrite(lowers[i], e, bufs[good].AsSpan(0, len));
            if (err != Errno.OK)
            {
                _mi.Announce(copies[i], $"checksum: {path}: {Extent(e, len)} failed its checksum and could not be rewritten ({err})");
                if (m is not null && _mi.MarkUnavailable(copies[i], $"{err} repairing {path}"))
                    _mi.LogMissed(copies[i], m, DirtyKind.Data, e << ExtentSums.Shift, len);
                continue;
            }
            repaired++;
            copies[i].CountChecksumRepair();
            MirrorMetrics.ChecksumRepair(copies[i]);
            _mi.Announce(copies[i], $"checksum: {path}: {Extent(e, len)} failed its checksum; repaired from {copies[good].Name}");
        }
        if (good >= 0)
            return Errno.OK;
        MirrorMetrics.ChecksumUnrecoverable(_mi);
        _mi.Announce(null, $"checksum: {path}: {Extent(e, len)} fails its checksum on every copy ({string.Join(", ", copies.Select(c => c.Name))}): EIO");
        return Errno.EIO;
    }

    /// <summary>
    /// mfsadm scrub: checks every extent of <paramref name="path"/> whose sum is known on every copy (the mirror
    /// quiesced); with <paramref name="repair"/>, rewrites the extents that fail from a copy where they pass. Returns
    /// false when the file has no sums to judge by; <paramref name="bad"/> is the failed extents' count over all copies,
    /// <paramref name="lost"/> the extents no copy holds right.
    /// </summary>
    public bool Check(IReadOnlyList<MirrorMember> copies, string path, bool repair, out int bad, out int repaired, out int lost)
    {
        bad = repaired = lost = 0;
        FlushAll();
        var lowers = new List<Vnode>();
        try
        {
            foreach (var c in copies)
            {
                if (MirrorHistory.LookupPath(c.Root, path, out var lv) != Errno.OK)
                    return false;
                lowers.Add(lv!);
                if (lv!.Type != VType.VREG)
                    return false;
            }
            var sums = LoadFrom(copies, lowers);
            if (sums is null)
                return false;
            var list = copies.ToList();
            var span = CollectionsMarshal.AsSpan(lowers);
            MirrorLock.LockAll(span, RwLockType.Writer, _mi);
            try
            {
                for (long e = 0; e < ExtentSums.Count(sums.Size); e++)
                {
                    if (CheckExtent(path, sums, e, list, lowers, repair, out int b, out int r) != Errno.OK)
                        lost++;
                    bad += b;
                    repaired += r;
                }
            }
            finally
            {
                MirrorLock.UnlockAll(span, RwLockType.Writer);
            }
            return true;
        }
        finally
        {
            foreach (var lv in lowers)
                lv.Rele();
        }
    }

    /// <summary>The sums the copies' trusted sum files agree on, or null when none has any.</summary>
    private static ExtentSums? LoadFrom(IReadOnlyList<MirrorMember> copies, List<Vnode> lowers)
    {
        ulong[]? sums = null;
        long size = -1;
        for (int i = 0; i < copies.Count; i++)
        {
            if (MirrorSumFile.Read(copies[i].Root, lowers[i], out long sz, out var got) != Errno.OK || got is null)
                continue;
            if (sums is null)
                (sums, size) = (got, sz);
            else if (sz != size)
                return null;
            else
                for (int e = 0; e < sums.Length; e++)
                    if (sums[e] != got[e])
                        sums[e] = 0;
        }
        return sums is null ? null : new ExtentSums(size, sums);
    }

    /// <summary>Reads extent <paramref name="e"/> of copy file <paramref name="lv"/> into <paramref name="buf"/>.</summary>
    private static Errno ReadExtent(Vnode lv, long e, byte[] buf, out int got)
    {
        var uio = new Uio(buf, e << ExtentSums.Shift, UioRw.UIO_READ);
        var err = Vop.Read(lv, uio, FileFlags.None, Cred.Kcred);
        got = (int)(buf.Length - uio.Resid);
        return err;
    }

    /// <summary>
    /// Rewrites extent <paramref name="e"/> of copy file <paramref name="lv"/> (its rwlock held as writer) with
    /// <paramref name="data"/>, flushed, and gives the file its times back, so that the copy's file is as it was but right.
    /// </summary>
    private static Errno Rewrite(Vnode lv, long e, ReadOnlySpan<byte> data)
    {
        var times = new Vattr(AttrMask.AT_ATIME | AttrMask.AT_MTIME);
        var err = Vop.Getattr(lv, times, AttrFlags.None, Cred.Kcred);
        if (err != Errno.OK)
            return err;
        var uio = new Uio(data.ToArray(), e << ExtentSums.Shift, UioRw.UIO_WRITE);
        if ((err = Vop.Write(lv, uio, FileFlags.None, Cred.Kcred)) != Errno.OK)
            return err;
        if (uio.Resid != 0)
            return Errno.EIO;
        if ((err = Vop.Fsync(lv, FileFlags.FSYNC, Cred.Kcred)) != Errno.OK)
            return err;
        var set = new Vattr(AttrMask.AT_ATIME | AttrMask.AT_MTIME) { Atime = times.Atime, Mtime = times.Mtime };
        return Vop.Setattr(lv, set, AttrFlags.ATTR_UTIME, Cred.Kcred);
    }

    private static string Extent(long e, int len) => $"extent {e} (bytes {e << ExtentSums.Shift}-{(e << ExtentSums.Shift) + len})";

    private void Report(MirrorMember c, Mnode m, string what, Errno err)
    {
        if (err != Errno.OK)
            _mi.Vfs.Kernel.Log($"mfs {_mi.Vfs.MntPt}: copy {c.Name}: {m.PathFromRoot}: {what} failed: {err}");
    }
}
