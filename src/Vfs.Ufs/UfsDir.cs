// Vfs.Ufs: directory contents -- struct direct records in DIRBLKSIZ blocks (FreeBSD sys/ufs/ufs/dir.h,
// ufs_lookup.c: ufs_lookup's scan, ufs_direnter, ufs_dirremove, ufs_dirrewrite, ufs_dirempty).
//
// A directory is a file whose size is a multiple of DIRBLKSIZ (512). Each 512-byte "dirblk" is
// covered exactly by variable-length records:
//     u32 d_ino   u16 d_reclen   u8 d_type   u8 d_namlen   char d_name[d_namlen], NUL, padding to 4
// DIRSIZ(namlen) = (8 + namlen + 1 + 3) & ~3 is what a record needs; a record longer than that carries
// free space after its name. A free record at the start of a dirblk has d_ino = 0. Records never cross
// a dirblk boundary and no d_reclen is 0 (GRUB and fsck depend on both).
//
// ENTRIES NEVER MOVE. A new name goes into the first gap that fits (a record's free tail, or a free
// first record); a removed name's space joins the record before it (or, first in its dirblk, the record
// is marked free). Unlike FreeBSD we never compact a dirblk, so an entry keeps its byte offset for
// its whole life and that offset is the readdir cookie: a reader resuming at a cookie neither misses
// nor repeats an entry that existed throughout, whatever else was created or removed meanwhile.
//
// Every dirblk read is checked (CheckDirblk) before its records are trusted; a mangled one is EIO and
// a line in the kernel's message log. Callers hold the directory's inode lock.
using System.Buffers.Binary;
using UnixVfs.Core;

namespace UnixVfs.Ufs;

/// <summary>Directory blocks and records (<c>struct direct</c>).</summary>
internal static class UfsDir
{
    /// <summary>DIRBLKSIZ.</summary>
    public const int DirBlkSiz = 512;
    /// <summary>MAXNAMLEN.</summary>
    public const int MaxNamLen = 255;
    /// <summary>The record of a free first entry needs this much (DIRSIZ(0)).</summary>
    public const int MinRecLen = 12;

    public static uint Ino(ReadOnlySpan<byte> e) => BinaryPrimitives.ReadUInt32LittleEndian(e);
    public static int Reclen(ReadOnlySpan<byte> e) => BinaryPrimitives.ReadUInt16LittleEndian(e[4..]);
    public static byte DType(ReadOnlySpan<byte> e) => e[6];
    public static int Namlen(ReadOnlySpan<byte> e) => e[7];
    public static ReadOnlySpan<byte> Name(ReadOnlySpan<byte> e) => e.Slice(8, e[7]);
    private static void SetIno(Span<byte> e, uint ino) => BinaryPrimitives.WriteUInt32LittleEndian(e, ino);
    private static void SetReclen(Span<byte> e, int r) => BinaryPrimitives.WriteUInt16LittleEndian(e[4..], (ushort)r);

    /// <summary>The gap a record leaves after its name (all of it for a free record).</summary>
    private static int Gap(ReadOnlySpan<byte> e) => Ino(e) == 0 ? Reclen(e) : Reclen(e) - Fs.DirectSiz(Namlen(e));

    /// <summary>Writes a whole record (the bytes past DIRSIZ are left as they are).</summary>
    public static void PutEntry(Span<byte> e, uint ino, int reclen, byte dtype, ReadOnlySpan<byte> name)
    {
        int size = Fs.DirectSiz(name.Length);
        e[..size].Clear();
        SetIno(e, ino);
        SetReclen(e, reclen);
        e[6] = dtype;
        e[7] = (byte)name.Length;
        name.CopyTo(e[8..]);
    }

    /// <summary>
    /// ufs_dirbadentry over a whole dirblk: every record long enough for its name, 4-aligned, inside the
    /// dirblk, with a NUL-terminated name free of '/' and NUL, naming an inode below <paramref name="maxino"/>.
    /// Returns null when sound, else a one-line reason.
    /// </summary>
    public static string? CheckDirblk(ReadOnlySpan<byte> blk, long maxino)
    {
        int off = 0;
        while (off < DirBlkSiz)
        {
            var e = blk[off..];
            if (e.Length < 8)
                return $"record at {off} is cut off";
            int reclen = Reclen(e);
            if (reclen < MinRecLen || (reclen & 3) != 0 || reclen > DirBlkSiz - off)
                return $"record at {off} has bad length {reclen}";
            uint ino = Ino(e);
            if (ino != 0)
            {
                int namlen = Namlen(e);
                if (namlen == 0 || Fs.DirectSiz(namlen) > reclen)
                    return $"record at {off} has bad name length {namlen}";
                if (ino >= maxino)
                    return $"record at {off} names inode {ino}, past the last one";
                var name = Name(e);
                if (name.IndexOfAny((byte)0, (byte)'/') >= 0 || e[8 + namlen] != 0)
                    return $"record at {off} has a bad name";
            }
            off += reclen;
        }
        return null;
    }

    private static Errno Mangled(Inode dp, long off, string why)
    {
        dp.Ump.Complain($"bad dir ino {dp.Number} at offset {off}: {why}");
        return Errno.EIO;
    }

    /// <summary>
    /// The buffer holding the directory's logical block <paramref name="lbn"/> (held), where in it the block
    /// starts, and how many of its bytes are directory (a multiple of DIRBLKSIZ). Returns OK or EIO (a hole).
    /// </summary>
    private static Errno DirBlock(Inode dp, long lbn, out Buf? bp, out int boff, out int len)
    {
        bp = null;
        boff = len = 0;
        var fs = dp.Fs;
        var err = UfsBmap.Bmap(dp, lbn, out long bno, out _);
        if (err != Errno.OK)
            return err;
        if (bno == 0)
            return Mangled(dp, fs.Lblktosize(lbn), "hole in directory");
        len = (int)Math.Min(fs.Sblksize(dp.Size, lbn), dp.Size - fs.Lblktosize(lbn)) & ~(DirBlkSiz - 1);
        if ((err = dp.Ump.Bc.Bread(fs.Blknum(bno), out bp)) != Errno.OK)
            return err;
        bp!.Flags |= BufFlags.B_META;
        boff = fs.Fragnum(bno) * fs.Fsize;
        return Errno.OK;
    }

    /// <summary>The dirblk at directory offset <paramref name="off"/> (a multiple of DIRBLKSIZ), checked. Caller releases bp.</summary>
    private static Errno Dirblk(Inode dp, long off, out Buf? bp, out int at)
    {
        at = 0;
        var fs = dp.Fs;
        var err = DirBlock(dp, fs.Lblkno(off), out bp, out int boff, out _);
        if (err != Errno.OK)
            return err;
        at = boff + fs.Blkoff(off);
        var why = CheckDirblk(bp!.Data.AsSpan(at, DirBlkSiz), dp.Fs.Ninodes);
        if (why is not null)
        {
            dp.Ump.Bc.Brelse(bp);
            bp = null;
            return Mangled(dp, off, why);
        }
        return Errno.OK;
    }

    /// <summary>
    /// Calls <paramref name="visit"/>(offset, record) for every record from directory offset <paramref name="from"/>
    /// on, a block at a time, until it returns false. Returns OK or EIO (a mangled dirblk or a hole).
    /// </summary>
    private static Errno Scan(Inode dp, long from, Func<long, ReadOnlySpan<byte>, bool>? visit, Action<long, int>? dirblkDone = null)
    {
        var fs = dp.Fs;
        if (dp.Size % DirBlkSiz != 0)
            return Mangled(dp, dp.Size, "size is not a multiple of DIRBLKSIZ");
        long off = from & ~(long)(DirBlkSiz - 1);
        while (off < dp.Size)
        {
            long lbn = fs.Lblkno(off);
            var err = DirBlock(dp, lbn, out var bp, out int boff, out int len);
            if (err != Errno.OK)
                return err;
            long blockStart = fs.Lblktosize(lbn);
            try
            {
                for (; off < blockStart + len; off += DirBlkSiz)
                {
                    var blk = bp!.Data.AsSpan(boff + (int)(off - blockStart), DirBlkSiz);
                    var why = CheckDirblk(blk, fs.Ninodes);
                    if (why is not null)
                        return Mangled(dp, off, why);
                    int maxgap = 0;
                    for (int p = 0; p < DirBlkSiz; p += Reclen(blk[p..]))
                    {
                        maxgap = Math.Max(maxgap, Gap(blk[p..]));
                        if (off + p >= from && visit is not null && !visit(off + p, blk[p..]))
                            return Errno.OK;
                    }
                    dirblkDone?.Invoke(off, maxgap);
                }
            }
            finally
            {
                dp.Ump.Bc.Brelse(bp!);
            }
            if (len == 0)
                return Mangled(dp, off, "directory block shorter than a dirblk");
        }
        return Errno.OK;
    }

    /// <summary>The most bytes a name of MAXNAMLEN characters can encode to.</summary>
    private const int MaxNameBytes = MaxNamLen * FsName.MaxBytesPerChar;

    /// <summary>The bytes of <paramref name="name"/> (FsName) in <paramref name="buf"/>; -1 when they cannot be a directory entry's name.</summary>
    private static int Encode(string name, Span<byte> buf)
    {
        if (name.Length is 0 or > MaxNamLen || !FsName.TryEncode(name, buf, out int n))
            return -1;
        return n > MaxNamLen ? -1 : n;
    }

    /// <summary>Builds the dirhash of a large directory that has none. Returns OK or EIO.</summary>
    private static Errno EnsureDirhash(Inode dp)
    {
        if (dp.Dirhash is not null || dp.Size < dp.Ump.DirhashMinSize)
            return Errno.OK;
        var dh = new Dirhash();
        var err = Scan(dp, 0, (off, e) =>
        {
            if (Ino(e) != 0)
                dh.Add(Dirhash.Hash(Name(e)), (int)off);
            return true;
        }, (off, gap) => dh.SetFree((int)(off / DirBlkSiz), gap));
        if (err == Errno.OK)
            dp.Dirhash = dh;
        return err;
    }

    /// <summary>True when the last lookup in <paramref name="dp"/> missed <paramref name="name"/> and nothing changed since.</summary>
    public static bool KnownAbsent(Inode dp, string name) => dp.MissGen == dp.DirGen && dp.MissName == name;

    /// <summary>Remembers that <paramref name="name"/> is not in <paramref name="dp"/> (see Inode.MissName).</summary>
    public static void NoteAbsent(Inode dp, string name)
    {
        dp.MissName = name;
        dp.MissGen = dp.DirGen;
    }

    /// <summary>
    /// The entry for <paramref name="name"/> in <paramref name="dp"/>: its inode and byte offset.
    /// Returns OK, ENOENT, EIO.
    /// </summary>
    public static Errno Lookup(Inode dp, string name, out uint ino, out int offset)
    {
        ino = 0;
        offset = -1;
        Span<byte> nb = stackalloc byte[MaxNameBytes];
        int len = Encode(name, nb);
        if (len < 0)
            return Errno.ENOENT;
        nb = nb[..len];
        var err = EnsureDirhash(dp);
        if (err != Errno.OK)
            return err;
        if (dp.Dirhash is { } dh)
        {
            uint hash = Dirhash.Hash(nb);
            int cursor = -1;
            for (int off = dh.Next(hash, ref cursor); off >= 0; off = dh.Next(hash, ref cursor))
            {
                if ((err = Dirblk(dp, off & ~(DirBlkSiz - 1), out var bp, out int at)) != Errno.OK)
                    return err;
                var e = bp!.Data.AsSpan(at + (off & (DirBlkSiz - 1)));
                uint found = Ino(e);
                bool match = found != 0 && Name(e).SequenceEqual(nb);
                dp.Ump.Bc.Brelse(bp);
                if (match)
                {
                    ino = found;
                    offset = off;
                    return Errno.OK;
                }
            }
            return Errno.ENOENT;
        }
        return LookupByScan(dp, nb.ToArray(), out ino, out offset);
    }

    /// <summary>Lookup in a small directory (or one whose index was dropped): a scan from the start.</summary>
    private static Errno LookupByScan(Inode dp, byte[] nb, out uint ino, out int offset)
    {
        uint fino = 0;
        int foff = -1;
        var err = Scan(dp, 0, (off, e) =>
        {
            if (Ino(e) == 0 || !Name(e).SequenceEqual(nb))
                return true;
            fino = Ino(e);
            foff = (int)off;
            return false;
        });
        ino = fino;
        offset = foff;
        if (err != Errno.OK)
            return err;
        return foff < 0 ? Errno.ENOENT : Errno.OK;
    }

    /// <summary>
    /// ufs_direnter: adds the entry <paramref name="name"/> -> <paramref name="ino"/> to <paramref name="dp"/>, in the
    /// first gap that fits, growing the directory by a dirblk when none does. The caller has checked the name is
    /// absent. Returns OK, ENOSPC, EFBIG, EIO, ENAMETOOLONG.
    /// </summary>
    public static Errno Enter(Inode dp, string name, uint ino, byte dtype, Cred cr)
    {
        Span<byte> nb = stackalloc byte[MaxNameBytes];
        int len = Encode(name, nb);
        if (len < 0)
            return Errno.ENAMETOOLONG;
        nb = nb[..len];
        int need = Fs.DirectSiz(len);
        var err = EnsureDirhash(dp);
        if (err != Errno.OK)
            return err;
        long dirblk;
        if (dp.Dirhash is { } dh)
        {
            int b = dh.FindFree(need);
            dirblk = b < 0 ? -1 : (long)b * DirBlkSiz;
        }
        else if ((err = FindRoomByScan(dp, need, out dirblk)) != Errno.OK)
            return err;
        if (dirblk < 0)
        {
            if ((err = Grow(dp, cr, out dirblk)) != Errno.OK)
                return err;
        }
        if ((err = Dirblk(dp, dirblk, out var bp, out int at)) != Errno.OK)
            return err;
        var blk = bp!.Data.AsSpan(at, DirBlkSiz);
        int placed = -1;
        for (int p = 0; p < DirBlkSiz; p += Reclen(blk[p..]))
        {
            var e = blk[p..];
            if (Ino(e) == 0 && Reclen(e) >= need)
            {
                PutEntry(e, ino, Reclen(e), dtype, nb);
                placed = p;
                break;
            }
            if (Ino(e) != 0 && Gap(e) >= need)
            {
                int used = Fs.DirectSiz(Namlen(e));
                int rest = Reclen(e) - used;
                SetReclen(e, used);
                PutEntry(e[used..], ino, rest, dtype, nb);
                placed = p + used;
                break;
            }
        }
        if (placed < 0)
        {
            dp.Ump.Bc.Brelse(bp);
            dp.Dirhash = null;
            return Mangled(dp, dirblk, "no room where the directory index promised some");
        }
        int maxgap = MaxGap(blk);
        dp.Ump.Bc.Bdwrite(bp, at, at + DirBlkSiz);
        dp.DirGen++;
        if (dp.Dirhash is { } h)
        {
            h.Add(Dirhash.Hash(nb), (int)dirblk + placed);
            h.SetFree((int)(dirblk / DirBlkSiz), maxgap);
        }
        return Errno.OK;
    }

    /// <summary>The first dirblk with a gap of <paramref name="need"/> bytes in a directory without an index (-1: none).</summary>
    private static Errno FindRoomByScan(Inode dp, int need, out long dirblk)
    {
        long found = -1;
        var err = Scan(dp, 0, null, (off, gap) =>
        {
            if (found < 0 && gap >= need)
                found = off;
        });
        dirblk = found;
        return err;
    }

    private static int MaxGap(ReadOnlySpan<byte> blk)
    {
        int max = 0;
        for (int p = 0; p < DirBlkSiz; p += Reclen(blk[p..]))
            max = Math.Max(max, Gap(blk[p..]));
        return max;
    }

    /// <summary>Adds an empty dirblk at the end of the directory; returns its offset. Returns OK, ENOSPC, EFBIG, EIO.</summary>
    private static Errno Grow(Inode dp, Cred cr, out long off)
    {
        var fs = dp.Fs;
        off = dp.Size;
        if (off + DirBlkSiz > int.MaxValue)
            return Errno.EFBIG;
        long lbn = fs.Lblkno(off);
        int on = fs.Blkoff(off);
        var err = UfsBmap.Balloc(dp, lbn, on + DirBlkSiz, cr, out var r);
        if (err != Errno.OK)
            return err;
        if ((err = dp.Ump.Bc.Bread(fs.Blknum(r.Bno), out var bp)) != Errno.OK)
            return err;
        int at = fs.Fragnum(r.Bno) * fs.Fsize;
        if (r.FreshTo > r.FreshFrom)
            bp!.Data.AsSpan(at + r.FreshFrom, r.FreshTo - r.FreshFrom).Clear();
        var blk = bp!.Data.AsSpan(at + on, DirBlkSiz);
        blk.Clear();
        SetReclen(blk, DirBlkSiz);
        bp.Flags |= BufFlags.B_META;
        dp.Ump.Bc.Bdwrite(bp);
        dp.Size = off + DirBlkSiz;
        dp.Dirhash?.SetFree((int)(off / DirBlkSiz), DirBlkSiz);
        return dp.Update();
    }

    /// <summary>
    /// ufs_dirremove: removes the entry at <paramref name="offset"/>: its space joins the record before it, or,
    /// first in its dirblk, it becomes a free record. Returns OK or EIO.
    /// </summary>
    public static Errno Remove(Inode dp, int offset)
    {
        long dirblk = offset & ~(DirBlkSiz - 1);
        var err = Dirblk(dp, dirblk, out var bp, out int at);
        if (err != Errno.OK)
            return err;
        var blk = bp!.Data.AsSpan(at, DirBlkSiz);
        int target = offset - (int)dirblk;
        int prev = -1;
        int p = 0;
        while (p < target)
        {
            prev = p;
            p += Reclen(blk[p..]);
        }
        if (p != target)
        {
            dp.Ump.Bc.Brelse(bp);
            return Mangled(dp, offset, "no record starts where the entry should be");
        }
        uint hash = Dirhash.Hash(Name(blk[p..]));
        if (prev < 0)
            SetIno(blk[p..], 0);
        else
            SetReclen(blk[prev..], Reclen(blk[prev..]) + Reclen(blk[p..]));
        int maxgap = MaxGap(blk);
        dp.Ump.Bc.Bdwrite(bp, at, at + DirBlkSiz);
        dp.DirGen++;
        if (dp.Dirhash is { } dh)
        {
            dh.Remove(hash, offset);
            dh.SetFree((int)(dirblk / DirBlkSiz), maxgap);
        }
        return Errno.OK;
    }

    /// <summary>ufs_dirrewrite: points the entry at <paramref name="offset"/> to another inode (rename over a name; a moved directory's ".."). Returns OK or EIO.</summary>
    public static Errno Rewrite(Inode dp, int offset, uint ino, byte dtype)
    {
        var err = Dirblk(dp, offset & ~(DirBlkSiz - 1), out var bp, out int at);
        if (err != Errno.OK)
            return err;
        var e = bp!.Data.AsSpan(at + (offset & (DirBlkSiz - 1)));
        SetIno(e, ino);
        e[6] = dtype;
        dp.Ump.Bc.Bdwrite(bp, at, at + DirBlkSiz);
        dp.DirGen++;
        return Errno.OK;
    }

    /// <summary>ufs_dirempty: true when the directory holds nothing but "." and "..". Returns OK or EIO.</summary>
    public static Errno IsEmpty(Inode dp, out bool empty)
    {
        bool any = false;
        var err = Scan(dp, 0, (off, e) =>
        {
            if (Ino(e) == 0)
                return true;
            var n = Name(e);
            if ((n.Length == 1 && n[0] == '.') || (n.Length == 2 && n[0] == '.' && n[1] == '.'))
                return true;
            any = true;
            return false;
        });
        empty = !any;
        return err;
    }

    /// <summary>The ".." entry of a directory (the second record of its first dirblk): its inode and offset. Returns OK or EIO.</summary>
    public static Errno DotDot(Inode dp, out uint ino, out int offset)
    {
        ino = 0;
        offset = 0;
        if (dp.Size < DirBlkSiz)
            return Mangled(dp, 0, "directory is empty");
        var err = Dirblk(dp, 0, out var bp, out int at);
        if (err != Errno.OK)
            return err;
        var blk = bp!.Data.AsSpan(at, DirBlkSiz);
        int second = Reclen(blk);
        bool ok = Name(blk).SequenceEqual("."u8) && second < DirBlkSiz && Name(blk[second..]).SequenceEqual(".."u8);
        if (ok)
        {
            ino = Ino(blk[second..]);
            offset = second;
        }
        dp.Ump.Bc.Brelse(bp);
        return ok ? Errno.OK : Mangled(dp, 0, "no \".\" and \"..\" at the start");
    }

    /// <summary>Writes the first dirblk of a new directory: "." and "..". Returns OK, ENOSPC, EIO.</summary>
    public static Errno MakeEmpty(Inode dp, uint parent, Cred cr)
    {
        var fs = dp.Fs;
        var err = UfsBmap.Balloc(dp, 0, DirBlkSiz, cr, out var r);
        if (err != Errno.OK)
            return err;
        if ((err = dp.Ump.Bc.Bread(fs.Blknum(r.Bno), out var bp)) != Errno.OK)
            return err;
        int at = fs.Fragnum(r.Bno) * fs.Fsize;
        bp!.Data.AsSpan(at + r.FreshFrom, r.FreshTo - r.FreshFrom).Clear();
        WriteTemplate(bp.Data.AsSpan(at, DirBlkSiz), dp.Number, parent);
        bp.Flags |= BufFlags.B_META;
        dp.Ump.Bc.Bdwrite(bp);
        dp.Size = DirBlkSiz;
        return dp.Update();
    }

    /// <summary>struct dirtemplate: "." (reclen 12) and ".." (the rest of the dirblk).</summary>
    public static void WriteTemplate(Span<byte> blk, uint self, uint parent)
    {
        blk[..DirBlkSiz].Clear();
        PutEntry(blk, self, 12, Dinode.ToDt(Dinode.IFDIR), "."u8);
        PutEntry(blk[12..], parent, DirBlkSiz - 12, Dinode.ToDt(Dinode.IFDIR), ".."u8);
    }

    /// <summary>
    /// VOP_READDIR's body: dirent64 records from byte offset uio.Offset (the cookie) on; each record's d_off is the
    /// offset just past its entry. Returns OK, EINVAL (not even one record fits), EIO.
    /// </summary>
    public static Errno Readdir(Inode dp, Uio uio, out bool eof)
    {
        bool full = false;
        long start = uio.Offset;
        long resid = uio.Resid;
        var err = Scan(dp, start, (off, e) =>
        {
            if (Ino(e) == 0)
                return true;
            var type = Dirent64.FromDType(DType(e));
            if (!Dirent64.TryAdd(uio, Ino(e), off + Reclen(e), type, Name(e)))
            {
                full = true;
                return false;
            }
            return true;
        });
        eof = !full && err == Errno.OK;
        if (err != Errno.OK)
            return err;
        if (full && uio.Resid == resid)
            return Errno.EINVAL;
        if (!full)
            uio.Offset = Math.Max(uio.Offset, dp.Size);
        return Errno.OK;
    }
}
