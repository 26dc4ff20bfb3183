// Vfs.Ufs: UFS2 in the other byte order. A file system made on a big-endian machine (sparc64, powerpc64) holds
// the same structures as ours with every multi-byte integer byte-swapped; its magic reads 0x19015419.
//
// What is swapped, structure by structure (FreeBSD's fs.h, dinode.h, dir.h, extattr.h):
//     superblock        every field of struct fs is an int32 except: bytes 208-712 (flags, fs_fsmnt, fs_volname:
//                       chars), the int64s at 712 (fs_swuid), 728-856 (in-core pointers), 864-1112 (fs_unrefs to
//                       fs_pendingblocks, fs_cstotal, times, sizes), 1208 (fs_mtime) and 1328-1352 (fs_maxfilesize,
//                       fs_qbmask, fs_qfmask). Its copy in every group, and the recovery record (5 int32 ending
//                       where the superblock begins).
// Every region is read and written whole, in fragments (a device takes nothing smaller than a sector).
//     group summaries   struct csum: 4 int32 each
//     group header      int32s, but cg_old_ncyl/cg_old_niblk (int16 at 16, 18) and cg_time, cg_sparecon64 (int64
//                       from 136); then the cluster summary (int32s); the maps are bytes
//     dinode            per its layout (Dinode.cs): the text of a short symbolic link in di_db/di_ib is bytes
//     directory block   d_ino (u32) and d_reclen (u16) of each record, chained by d_reclen within each 512 bytes
//     indirect block    int64s
//     extattr area      ea_length (u32) of each record, chained by it
// File data, symbolic link blocks and the maps are bytes and stay as they are.
//
// Which blocks are directories, indirect blocks or attribute areas is known only by walking every inode
// (Regions), as fsck does. Swap converts a whole image in place, in either direction (newfs --endian big makes
// ours big-endian this way); ByteSwappedDevice presents a big-endian image as a little-endian one, read-only,
// by swapping the metadata it reads.
using System.Buffers.Binary;
using UnixVfs.Core;

namespace UnixVfs.Ufs;

/// <summary>What a region of an image holds, for swapping.</summary>
internal enum SwapKind : byte { Superblock, Recovery, Int32s, Cg, Inodes, Directory, Indirect, Extattr }

/// <summary>One metadata region of an image: its bytes, kind, and for an extattr block the offsets of its record headers.</summary>
internal sealed record SwapRegion(long Offset, int Length, SwapKind Kind, int[]? Headers = null);

/// <summary>Byte-swapping of UFS2 structures and whole images.</summary>
internal static class ByteOrder
{
    /// <summary>The magic of a UFS2 superblock written in the other byte order.</summary>
    public static readonly int SwappedMagic = BinaryPrimitives.ReverseEndianness(Fs.Ufs2Magic);

    /// <summary>The line a mount logs for a big-endian image.</summary>
    public const string MountedReadOnly = "byte-swapped UFS2: big-endian image, mounted read-only";

    /// <summary>True when the primary superblock's magic is UFS2's byte-swapped.</summary>
    public static bool IsSwapped(IBlockDevice dev)
    {
        Span<byte> m = stackalloc byte[Fs.DevBsize];
        const int at = Fs.SblockUfs2 + 1372;
        return dev.Size >= Fs.SblockUfs2 + Fs.SblockSize && dev.Read(at - at % Fs.DevBsize, m) == Errno.OK
               && BinaryPrimitives.ReadInt32LittleEndian(m[(at % Fs.DevBsize)..]) == SwappedMagic;
    }

    private static void Swap16(Span<byte> b, int o) => BinaryPrimitives.WriteUInt16LittleEndian(b[o..], BinaryPrimitives.ReadUInt16BigEndian(b[o..]));
    private static void Swap32(Span<byte> b, int o) => BinaryPrimitives.WriteUInt32LittleEndian(b[o..], BinaryPrimitives.ReadUInt32BigEndian(b[o..]));
    private static void Swap64(Span<byte> b, int o) => BinaryPrimitives.WriteUInt64LittleEndian(b[o..], BinaryPrimitives.ReadUInt64BigEndian(b[o..]));

    private static void Swap32s(Span<byte> b, int from, int to)
    {
        for (int o = from; o + 4 <= to; o += 4)
            Swap32(b, o);
    }

    private static void Swap64s(Span<byte> b, int from, int to)
    {
        for (int o = from; o + 8 <= to; o += 8)
            Swap64(b, o);
    }

    /// <summary>A u32 of a structure in the byte order it is in (<paramref name="big"/>).</summary>
    private static uint U32(ReadOnlySpan<byte> b, bool big) => big ? BinaryPrimitives.ReadUInt32BigEndian(b) : BinaryPrimitives.ReadUInt32LittleEndian(b);

    /// <summary>struct fs (the first 1376 bytes of <paramref name="b"/>).</summary>
    public static void SwapSuperblock(Span<byte> b)
    {
        Swap32s(b, 0, 208);
        Swap64(b, 712);
        Swap32s(b, 720, 728);
        Swap64s(b, 728, 856);
        Swap32s(b, 856, 864);
        Swap64s(b, 864, 1112);
        Swap32s(b, 1112, 1208);
        Swap64(b, 1208);
        Swap32s(b, 1216, 1328);
        Swap64s(b, 1328, 1352);
        Swap32s(b, 1352, Fs.StructSize);
    }

    /// <summary>struct cg and its cluster summary; <paramref name="big"/> is the byte order <paramref name="b"/> is in now.</summary>
    public static void SwapCg(Span<byte> b, bool big)
    {
        int sumoff = (int)U32(b[104..], big), clusteroff = (int)U32(b[108..], big);
        Swap32s(b, 0, 16);
        Swap16(b, 16);
        Swap16(b, 18);
        Swap32s(b, 20, 136);
        Swap64s(b, 136, Cg.StructSize);
        if (sumoff >= Cg.StructSize && clusteroff >= sumoff && clusteroff <= b.Length)
            Swap32s(b, sumoff, clusteroff);
    }

    /// <summary>One struct ufs2_dinode; <paramref name="big"/> as for SwapCg.</summary>
    public static void SwapDinode(Span<byte> b, bool big, int maxsymlinklen)
    {
        ushort mode = big ? BinaryPrimitives.ReadUInt16BigEndian(b) : BinaryPrimitives.ReadUInt16LittleEndian(b);
        long size = big ? BinaryPrimitives.ReadInt64BigEndian(b[16..]) : BinaryPrimitives.ReadInt64LittleEndian(b[16..]);
        bool shortLink = (mode & Dinode.IFMT) == Dinode.IFLNK && size < maxsymlinklen;
        Swap16(b, 0);
        Swap16(b, 2);
        Swap32s(b, 4, 16);
        Swap64s(b, 16, 64);
        Swap32s(b, 64, 96);
        Swap64s(b, 96, 112);
        if (!shortLink)
            Swap64s(b, 112, 232);
        Swap64(b, 232);
        Swap32s(b, 240, Dinode.Size);
    }

    /// <summary>The records of each 512-byte chunk of a directory block; a chain that breaks leaves the rest of its chunk as it is.</summary>
    public static void SwapDirectory(Span<byte> b, bool big)
    {
        for (int chunk = 0; chunk + UfsDir.DirBlkSiz <= b.Length; chunk += UfsDir.DirBlkSiz)
        {
            var c = b.Slice(chunk, UfsDir.DirBlkSiz);
            for (int p = 0; p + 8 <= c.Length;)
            {
                int reclen = big ? BinaryPrimitives.ReadUInt16BigEndian(c[(p + 4)..]) : BinaryPrimitives.ReadUInt16LittleEndian(c[(p + 4)..]);
                Swap32(c, p);
                Swap16(c, p + 4);
                if (reclen < 8 || reclen % 4 != 0 || p + reclen > c.Length)
                    break;
                p += reclen;
            }
        }
    }

    /// <summary>The offsets of the record headers in an extattr area (chained by ea_length) in byte order <paramref name="big"/>.</summary>
    public static List<int> ExtHeaders(ReadOnlySpan<byte> area, bool big)
    {
        var headers = new List<int>();
        for (int p = 0; p + 8 <= area.Length;)
        {
            uint len = U32(area[p..], big);
            headers.Add(p);
            if (len < 8 || len % 8 != 0 || len > (uint)(area.Length - p))
                break;
            p += (int)len;
        }
        return headers;
    }

    /// <summary>Swaps region <paramref name="r"/>, whose bytes are <paramref name="b"/>, from byte order <paramref name="big"/>.</summary>
    public static void Swap(SwapRegion r, Span<byte> b, bool big, int maxsymlinklen)
    {
        switch (r.Kind)
        {
            case SwapKind.Superblock: SwapSuperblock(b); break;
            case SwapKind.Recovery: Swap32s(b, b.Length - 20, b.Length); break;
            case SwapKind.Int32s: Swap32s(b, 0, b.Length); break;
            case SwapKind.Cg: SwapCg(b, big); break;
            case SwapKind.Inodes:
                for (int o = 0; o + Dinode.Size <= b.Length; o += Dinode.Size)
                    SwapDinode(b.Slice(o, Dinode.Size), big, maxsymlinklen);
                break;
            case SwapKind.Directory: SwapDirectory(b, big); break;
            case SwapKind.Indirect: Swap64s(b, 0, b.Length); break;
            case SwapKind.Extattr:
                foreach (int h in r.Headers!)
                    Swap32(b, h);
                break;
        }
    }

    /// <summary>
    /// Every metadata region of the image on <paramref name="dev"/>, whose byte order is <paramref name="big"/>, found
    /// by walking its groups and inodes; <paramref name="fs"/> is its superblock as we read it. Returns OK, EINVAL
    /// (no sound superblock: <paramref name="why"/>), EIO.
    /// </summary>
    public static Errno Regions(IBlockDevice dev, bool big, out Fs? fs, out List<SwapRegion> regions, out string? why)
    {
        regions = [];
        fs = null;
        var sb = new byte[Fs.SblockSize];
        var err = dev.Read(Fs.SblockUfs2, sb);
        if (err != Errno.OK)
        {
            why = "cannot read the superblock";
            return err;
        }
        if (big)
            SwapSuperblock(sb);
        var f = Fs.Read(sb);
        why = f.Magic != Fs.Ufs2Magic ? "no UFS2 superblock (bad magic number)" : f.Validate(dev.Size);
        if (why is not null)
            return Errno.EINVAL;
        fs = f;
        regions.Add(new(Fs.SblockUfs2 - Fs.DevBsize, Fs.DevBsize, SwapKind.Recovery));
        regions.Add(new(Fs.SblockUfs2, Fs.SblockSize, SwapKind.Superblock));
        regions.Add(new(f.FsbToByte(f.Csaddr), (int)f.Fragroundup(f.Cssize), SwapKind.Int32s));
        var walker = new RegionWalker(dev, f, big, regions);
        for (int c = 0; c < f.Ncg && err == Errno.OK; c++)
            err = walker.Group(c);
        regions = regions.DistinctBy(r => r.Offset).OrderBy(r => r.Offset).ToList();
        why = err == Errno.OK ? null : "cannot read the file system's metadata";
        return err;
    }

    /// <summary>
    /// Converts the image on <paramref name="dev"/> in place from byte order <paramref name="big"/> to the other one
    /// (a little-endian image becomes big-endian and back). Returns OK, EINVAL (not UFS2: <paramref name="why"/>), EIO.
    /// </summary>
    public static Errno Convert(IBlockDevice dev, bool big, out string? why)
    {
        var err = Regions(dev, big, out var fs, out var regions, out why);
        if (err != Errno.OK)
            return err;
        foreach (var r in regions)
        {
            var b = new byte[r.Length];
            if ((err = dev.Read(r.Offset, b)) != Errno.OK)
                return err;
            Swap(r, b, big, fs!.Maxsymlinklen);
            if ((err = dev.Write(r.Offset, b)) != Errno.OK)
                return err;
        }
        return dev.Flush();
    }

    /// <summary>Reads every inode of every group and records the blocks each one's metadata lives in.</summary>
    private sealed class RegionWalker(IBlockDevice dev, Fs fs, bool big, List<SwapRegion> regions)
    {
        private readonly Dinode _d = new();

        private Errno ReadSwapped(long frag, int bytes, SwapRegion kind, out byte[] b)
        {
            b = new byte[bytes];
            var err = fs.ValidRange(frag, fs.Numfrags(fs.Fragroundup(bytes))) ? dev.Read(fs.FsbToByte(frag), b) : Errno.EIO;
            if (err == Errno.OK && big)
                Swap(kind, b, big, fs.Maxsymlinklen);
            return err;
        }

        public Errno Group(int c)
        {
            if (c > 0)
                regions.Add(new(fs.FsbToByte(fs.Cgsblock(c)), Fs.SblockSize, SwapKind.Superblock));
            var cgRegion = new SwapRegion(fs.FsbToByte(fs.Cgtod(c)), (int)fs.Fragroundup(fs.Cgsize), SwapKind.Cg);
            regions.Add(cgRegion);
            var err = ReadSwapped(fs.Cgtod(c), cgRegion.Length, cgRegion, out var cgb);
            if (err != Errno.OK)
                return err;
            int inited = Math.Clamp(new Cg(cgb).Initediblk, 0, fs.Ipg);
            int perBlock = fs.Bsize / Dinode.Size;
            for (int first = 0; first < inited; first += perBlock)
            {
                int n = Math.Min(perBlock, inited - first);
                long frag = fs.Cgimin(c) + fs.Blkstofrags(first / perBlock);
                var r = new SwapRegion(fs.FsbToByte(frag), (int)fs.Fragroundup(n * Dinode.Size), SwapKind.Inodes);
                regions.Add(r);
                if ((err = ReadSwapped(frag, r.Length, r, out var ib)) != Errno.OK)
                    return err;
                for (int i = 0; i < n && err == Errno.OK; i++)
                {
                    _d.Read(ib.AsSpan(i * Dinode.Size));
                    if (_d.Mode != 0)
                        err = Inode();
                }
                if (err != Errno.OK)
                    return err;
            }
            return Errno.OK;
        }

        private Errno Inode()
        {
            var d = _d;
            var err = Errno.OK;
            if (d.Extsize > 0 && d.Extsize <= Fs.NXADDR * fs.Bsize)
                err = Extattrs(d);
            if (err != Errno.OK || d.Type is Dinode.IFCHR or Dinode.IFBLK || (d.Type == Dinode.IFLNK && d.DiSize < fs.Maxsymlinklen))
                return err;
            bool dir = d.Type == Dinode.IFDIR;
            long nblocks = Fs.Howmany(d.DiSize, fs.Bsize);
            for (int lbn = 0; lbn < Fs.NDADDR && lbn < nblocks; lbn++)
                if (dir && d.Db[lbn] != 0)
                    regions.Add(new(fs.FsbToByte(d.Db[lbn]), fs.Sblksize(d.DiSize, lbn), SwapKind.Directory));
            for (int level = 0; level < Fs.NIADDR && err == Errno.OK; level++)
                if (d.Ib[level] != 0)
                    err = Indirect(d.Ib[level], level, dir);
            return err;
        }

        private Errno Indirect(long bn, int level, bool dir)
        {
            var r = new SwapRegion(fs.FsbToByte(bn), fs.Bsize, SwapKind.Indirect);
            regions.Add(r);
            var err = ReadSwapped(bn, fs.Bsize, r, out var b);
            for (int i = 0; i < fs.Nindir && err == Errno.OK; i++)
            {
                long p = BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(i * 8));
                if (p == 0)
                    continue;
                if (level > 0)
                    err = Indirect(p, level - 1, dir);
                else if (dir)
                    regions.Add(new(fs.FsbToByte(p), fs.Bsize, SwapKind.Directory));
            }
            return err;
        }

        private Errno Extattrs(Dinode d)
        {
            var area = new byte[d.Extsize];
            for (int i = 0; i * fs.Bsize < d.Extsize; i++)
            {
                int bytes = Math.Min(fs.Bsize, d.Extsize - i * fs.Bsize);
                if (!fs.ValidRange(d.Extb[i], fs.Numfrags(fs.Fragroundup(bytes))))
                    return Errno.EIO;
                var block = new byte[fs.Fragroundup(bytes)];
                var err = dev.Read(fs.FsbToByte(d.Extb[i]), block);
                if (err != Errno.OK)
                    return err;
                block.AsSpan(0, bytes).CopyTo(area.AsSpan(i * fs.Bsize));
            }
            var headers = ExtHeaders(area, big);
            for (int i = 0; i * fs.Bsize < d.Extsize; i++)
            {
                int from = i * fs.Bsize, to = Math.Min(d.Extsize, from + fs.Bsize);
                regions.Add(new(fs.FsbToByte(d.Extb[i]), (int)fs.Fragroundup(to - from), SwapKind.Extattr,
                    headers.Where(h => h >= from && h < to).Select(h => h - from).ToArray()));
            }
            return Errno.OK;
        }
    }
}
