// Vfs.Ufs: extended attributes in the inode's external area, in FreeBSD's format (sys/ufs/ufs/extattr.h,
// ffs_vnops.c: ffs_getextattr, ffs_setextattr, ffs_listextattr, ffs_deleteextattr).
//
// A UFS2 dinode owns an area of di_extsize bytes outside its data: blocks di_extb[0] and di_extb[1], the last of
// them a run of fragments just big enough (sblksize, as the last direct block of a small file), counted in
// di_blocks. The area is a sequence of records, each 8-byte aligned, with no gap and nothing after the last:
//
//     0  ea_length (u32)       the whole record, a multiple of 8
//     4  ea_namespace (u8)     EXTATTR_NAMESPACE_USER 1, _SYSTEM 2
//     5  ea_contentpadlen (u8) the zero bytes after the content
//     6  ea_namelength (u8)    the name's bytes (no NUL)
//     7  ea_name               then zeros up to EXTATTR_BASE_LENGTH = roundup(7 + namelength, 8)
//     base                     the content, ea_length - base - ea_contentpadlen bytes, then the padding
//
// so the area holds at most NXADDR blocks (64 KiB with 32 KiB blocks), minus 8 bytes of header per record and
// the padding; a set that would not fit is ENOSPC, as in FreeBSD. A change rewrites the whole area (FreeBSD
// does too, at ffs_close_ea): the new blocks are allocated and written first, then the dinode points at them,
// then the old ones are freed, so a failed allocation leaves the attributes as they were. Every record is
// checked before it is used: a malformed area is EIO with a line in the kernel's message log.
using System.Buffers.Binary;
using System.Text;
using UnixVfs.Core;

namespace UnixVfs.Ufs;

/// <summary>One record of an inode's external area (<c>struct extattr</c>), its content copied out.</summary>
internal sealed record ExtRecord(ExtattrNamespace Ns, byte[] Name, byte[] Content)
{
    /// <summary>The record's header up to the content: roundup(7 + namelength, 8) (EXTATTR_BASE_LENGTH).</summary>
    public static int BaseLength(int namelen) => (7 + namelen + 7) & ~7;

    /// <summary>ea_length of this record: its base, content and padding.</summary>
    public int Length => BaseLength(Name.Length) + ((Content.Length + 7) & ~7);

    public bool Is(ExtattrNamespace ns, ReadOnlySpan<byte> name) => Ns == ns && name.SequenceEqual(Name);
}

/// <summary>The extended-attribute vnode operations of UFS2 and the format of the external area.</summary>
internal static partial class UfsVnops
{
    /// <summary>Decodes an external area into its records. Returns null (with <paramref name="why"/>) if it is malformed.</summary>
    internal static List<ExtRecord>? ParseArea(ReadOnlySpan<byte> area, out string? why)
    {
        why = null;
        var records = new List<ExtRecord>();
        int p = 0;
        while (p < area.Length)
        {
            if (area.Length - p < 8)
            {
                why = $"extattr record at {p} is cut short";
                return null;
            }
            var r = area[p..];
            uint len = BinaryPrimitives.ReadUInt32LittleEndian(r);
            byte ns = r[4], padlen = r[5], namelen = r[6];
            int baseLen = ExtRecord.BaseLength(namelen);
            if (len % 8 != 0 || len > (uint)r.Length || len < baseLen + padlen || namelen == 0)
            {
                why = $"extattr record at {p}: bad length {len} (name {namelen} bytes, padding {padlen})";
                return null;
            }
            records.Add(new ExtRecord((ExtattrNamespace)ns, r.Slice(7, namelen).ToArray(),
                r[baseLen..(int)(len - padlen)].ToArray()));
            p += (int)len;
        }
        return records;
    }

    /// <summary>Encodes records into an external area.</summary>
    internal static byte[] EncodeArea(IReadOnlyList<ExtRecord> records)
    {
        var area = new byte[records.Sum(r => r.Length)];
        int p = 0;
        foreach (var rec in records)
        {
            var r = area.AsSpan(p, rec.Length);
            int baseLen = ExtRecord.BaseLength(rec.Name.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(r, (uint)rec.Length);
            r[4] = (byte)rec.Ns;
            r[5] = (byte)(rec.Length - baseLen - rec.Content.Length);
            r[6] = (byte)rec.Name.Length;
            rec.Name.CopyTo(r[7..]);
            rec.Content.CopyTo(r[baseLen..]);
            p += rec.Length;
        }
        return area;
    }

    /// <summary>The bytes of external block <paramref name="i"/> and the fragments allocated to it, for an area of <paramref name="extsize"/> bytes.</summary>
    private static (int Bytes, int Frags) ExtBlock(Fs fs, long extsize, int i)
    {
        int bytes = (int)Math.Clamp(extsize - (long)i * fs.Bsize, 0, fs.Bsize);
        return (bytes, fs.Numfrags(fs.Fragroundup(bytes)));
    }

    /// <summary>Reads and decodes the inode's external area. Caller holds ip.Lock. Returns OK or EIO (logged).</summary>
    private static Errno ReadExtRecords(Inode ip, out List<ExtRecord> records)
    {
        records = [];
        var fs = ip.Fs;
        var d = ip.Din;
        if (d.Extsize == 0)
            return Errno.OK;
        if (d.Extsize < 0 || d.Extsize > Fs.NXADDR * (long)fs.Bsize)
        {
            ip.Ump.Complain($"inode {ip.Number}: bad di_extsize {d.Extsize}");
            return Errno.EIO;
        }
        var area = new byte[d.Extsize];
        for (int i = 0; i < Fs.NXADDR; i++)
        {
            var (bytes, frags) = ExtBlock(fs, d.Extsize, i);
            if (bytes == 0)
                break;
            long b = d.Extb[i];
            if (!fs.ValidRange(b, frags) || fs.Fragnum(b) + frags > fs.Frag)
            {
                ip.Ump.Complain($"inode {ip.Number}: bad extattr block {b}");
                return Errno.EIO;
            }
            var err = ip.Ump.Bc.Bread(fs.Blknum(b), out var bp);
            if (err != Errno.OK)
                return err;
            bp!.Data.AsSpan(fs.Fragnum(b) * fs.Fsize, bytes).CopyTo(area.AsSpan(i * fs.Bsize));
            ip.Ump.Bc.Brelse(bp);
        }
        var parsed = ParseArea(area, out var why);
        if (parsed is null)
        {
            ip.Ump.Complain($"inode {ip.Number}: {why}");
            return Errno.EIO;
        }
        records = parsed;
        return Errno.OK;
    }

    /// <summary>
    /// Replaces the inode's external area with <paramref name="records"/>: new blocks allocated and written, the
    /// dinode switched to them (and its ctime set), then the old blocks freed. Caller holds ip.Lock.
    /// Returns OK, ENOSPC (more than NXADDR blocks, or no space), EIO.
    /// </summary>
    private static Errno WriteExtRecords(Inode ip, List<ExtRecord> records, Cred cr)
    {
        var fs = ip.Fs;
        var d = ip.Din;
        var area = EncodeArea(records);
        if (area.Length > Fs.NXADDR * (long)fs.Bsize)
            return Errno.ENOSPC;
        Span<long> fresh = stackalloc long[Fs.NXADDR];
        Errno err = Errno.OK;
        for (int i = 0; i < Fs.NXADDR && err == Errno.OK; i++)
        {
            var (bytes, frags) = ExtBlock(fs, area.Length, i);
            if (bytes == 0)
                break;
            long pref = i > 0 ? fresh[i - 1] + fs.Frag : UfsAlloc.BlkPref(ip, 0, 0);
            if ((err = UfsAlloc.Alloc(ip, pref, frags * fs.Fsize, cr, out fresh[i])) == Errno.OK
                && (err = ip.Ump.Bc.Bread(fs.Blknum(fresh[i]), out var bp)) == Errno.OK)
            {
                var dst = bp!.Data.AsSpan(fs.Fragnum(fresh[i]) * fs.Fsize, frags * fs.Fsize);
                dst.Clear();
                area.AsSpan(i * fs.Bsize, bytes).CopyTo(dst);
                bp.Flags |= BufFlags.B_META;
                ip.Ump.Bc.Bdwrite(bp);
            }
        }
        if (err != Errno.OK)
        {
            for (int i = 0; i < Fs.NXADDR; i++)
                if (fresh[i] != 0)
                    UfsBmap.Release(ip, fresh[i], ExtBlock(fs, area.Length, i).Frags * fs.Fsize);
            return err;
        }
        int oldsize = d.Extsize;
        Span<long> old = stackalloc long[Fs.NXADDR];
        for (int i = 0; i < Fs.NXADDR; i++)
        {
            old[i] = d.Extb[i];
            d.Extb[i] = fresh[i];
        }
        d.Extsize = area.Length;
        for (int i = 0; i < Fs.NXADDR; i++)
        {
            var (bytes, frags) = ExtBlock(fs, oldsize, i);
            if (bytes > 0 && old[i] != 0 && fs.ValidRange(old[i], frags))
                UfsBmap.Release(ip, old[i], frags * fs.Fsize);
        }
        ip.Stamp(atime: false, mtime: false, ctime: true);
        return ip.Update();
    }

    private static Errno ExtattrAccess(Inode ip, ExtattrNamespace ns, AccessMode want, Cred cr) =>
        Extattr.CheckCred(cr, ns, want, mode => AccessLocked(ip, mode, cr));

    private static Errno UfsGetextattr(Vnode vp, ExtattrNamespace ns, string name, Uio? uio, out long size, Cred cr, CallerContext? ct)
    {
        size = 0;
        var ip = VTOI(vp);
        var key = FsName.Encode(name)!; // CheckName let only name strings through
        using (ip.Lock.Enter())
        {
            var err = ExtattrAccess(ip, ns, AccessMode.VREAD, cr);
            if (err != Errno.OK || (err = ReadExtRecords(ip, out var records)) != Errno.OK)
                return err;
            var rec = records.Find(r => r.Is(ns, key));
            return rec is null ? Errno.ENODATA : Extattr.CopyOut(rec.Content, uio, out size);
        }
    }

    private static Errno UfsSetextattr(Vnode vp, ExtattrNamespace ns, string name, Uio uio, Cred cr, CallerContext? ct)
    {
        var ip = VTOI(vp);
        if (ip.Ump.ReadOnly)
            return Errno.EROFS;
        var key = FsName.Encode(name)!; // CheckName let only name strings through
        if (key.Length > Extattr.MaxNameLen)
            return Errno.ENAMETOOLONG;
        using (ip.Lock.Enter())
        {
            var err = ExtattrAccess(ip, ns, AccessMode.VWRITE, cr);
            if (err != Errno.OK || (err = Extattr.CopyIn(uio, out var value)) != Errno.OK
                || (err = ReadExtRecords(ip, out var records)) != Errno.OK)
                return err;
            var rec = new ExtRecord(ns, key, value);
            int at = records.FindIndex(r => r.Is(ns, key));
            if (at >= 0)
                records[at] = rec;
            else
                records.Add(rec);
            return WriteExtRecords(ip, records, cr);
        }
    }

    private static Errno UfsListextattr(Vnode vp, ExtattrNamespace ns, Uio? uio, out long size, Cred cr, CallerContext? ct)
    {
        size = 0;
        var ip = VTOI(vp);
        using (ip.Lock.Enter())
        {
            var err = ExtattrAccess(ip, ns, AccessMode.VREAD, cr);
            if (err != Errno.OK || (err = ReadExtRecords(ip, out var records)) != Errno.OK)
                return err;
            var list = new List<byte>();
            foreach (var r in records.Where(r => r.Ns == ns))
            {
                list.Add((byte)r.Name.Length);
                list.AddRange(r.Name);
            }
            return Extattr.CopyOut(list.ToArray(), uio, out size);
        }
    }

    private static Errno UfsDeleteextattr(Vnode vp, ExtattrNamespace ns, string name, Cred cr, CallerContext? ct)
    {
        var ip = VTOI(vp);
        if (ip.Ump.ReadOnly)
            return Errno.EROFS;
        var key = FsName.Encode(name)!; // CheckName let only name strings through
        using (ip.Lock.Enter())
        {
            var err = ExtattrAccess(ip, ns, AccessMode.VWRITE, cr);
            if (err != Errno.OK || (err = ReadExtRecords(ip, out var records)) != Errno.OK)
                return err;
            return records.RemoveAll(r => r.Is(ns, key)) == 0 ? Errno.ENODATA : WriteExtRecords(ip, records, cr);
        }
    }

    /// <summary>The extattr ops, the same in every table.</summary>
    private static FsOperationDef[] ExtattrOps =>
    [
        new(VopName.Getextattr, (VopGetextattr)UfsGetextattr),
        new(VopName.Setextattr, (VopSetextattr)UfsSetextattr),
        new(VopName.Listextattr, (VopListextattr)UfsListextattr),
        new(VopName.Deleteextattr, (VopDeleteextattr)UfsDeleteextattr),
    ];
}
