// Vfs.Ufs: newfs -- writes an empty UFS2 file system onto a block device as FreeBSD's newfs/mkfs does.
//
// Geometry. Blocks of fs_bsize (default 32768) cut into fragments of fs_fsize (default 4096). The
// cylinder groups are as large as a one-block group header allows (its maps must fit in fs_bsize),
// but there are at least four (MINCYLGRPS); each gets one inode per `density` bytes (default
// 2 * fs_fsize, FreeBSD's NFPI), rounded to whole inode blocks. A last group too small for its own
// metadata is dropped. In every group: a superblock copy at fs_sblkno, the header at fs_cblkno, the
// inode blocks from fs_iblkno and data from fs_dblkno; group 0 keeps the first 64 KiB + 8 KiB for the
// boot area and primary superblock, and the summary area at fs_csaddr = fs_dblkno.
//
// What is written: the primary superblock at 65536 and a copy in every group (fs_sblockactualloc
// saying where each copy is), the recovery record at the end of the boot area (struct fsrecovery,
// which lets fsck find the copies), every group header with its maps, two zeroed inode blocks per
// group (cg_initediblk; the kernel zeroes more as it hands out inodes), the summary area, and the
// root directory (inode 2: ".", "..", "lost+found") and lost+found (inode 3), each in one fragment.
// fs_metackhash stays 0 (no check hashes), fs_flags has no soft updates: a plain UFS2 that FreeBSD,
// The Sleuth Kit and GRUB read.
using System.Buffers.Binary;
using System.Numerics;
using UnixVfs.Core;

namespace UnixVfs.Ufs;

/// <summary>The parameters of <see cref="Newfs.Make"/> (newfs's options).</summary>
public sealed class NewfsOptions
{
    /// <summary>The file system's size in bytes; 0 means the whole device (-s).</summary>
    public long Size { get; init; }

    /// <summary>Block size, a power of two from 4096 to 65536 (-b).</summary>
    public int Bsize { get; init; } = 32768;

    /// <summary>Fragment size, a power of two, at least 512 and at least Bsize/8 (-f).</summary>
    public int Fsize { get; init; } = 4096;

    /// <summary>Bytes of data space per inode; 0 means 2 * Fsize (-i).</summary>
    public int Density { get; init; }

    /// <summary>Percent of space reserved for the superuser (-m).</summary>
    public int Minfree { get; init; } = Fs.DefaultMinfree;

    /// <summary>The volume name (-L), at most 31 bytes.</summary>
    public string Volname { get; init; } = "";

    /// <summary>The file system id (fs_id); null for one made from the time of newfs.</summary>
    public int? Id { get; init; }

    /// <summary>Big-endian (as a sparc64 or powerpc64 FreeBSD makes it): the image is written little-endian, then
    /// every structure is byte-swapped (ByteOrder.Convert). Such an image mounts here read-only.</summary>
    public bool BigEndian { get; init; }
}

/// <summary>What newfs made.</summary>
public sealed record NewfsResult(long Bytes, int Bsize, int Fsize, int Ncg, int Fpg, int Ipg, long Inodes, long DataFragments)
{
    public override string ToString() =>
        $"{Bytes / (1024.0 * 1024):0.0}MB: {Ncg} cylinder groups of {Fpg * (long)Fsize / (1024.0 * 1024):0.00}MB, " +
        $"{Fpg / (Bsize / Fsize)} blocks, {Ipg} inodes each (block size {Bsize}, fragment size {Fsize})";
}

/// <summary>newfs for UFS2.</summary>
public static class Newfs
{
    /// <summary>MINCYLGRPS.</summary>
    private const int MinCylGrps = 4;
    /// <summary>The largest single transfer the kernel issues (MAXPHYS), which bounds fs_maxcontig.</summary>
    private const int MaxPhys = 1 << 20;

    /// <summary>
    /// Writes an empty UFS2 file system onto <paramref name="dev"/>. <paramref name="now"/> stamps it.
    /// Returns OK, EINVAL (bad options or a device too small, with <paramref name="why"/>), EROFS, EIO.
    /// </summary>
    public static Errno Make(IBlockDevice dev, NewfsOptions o, Timespec now, out NewfsResult? result, out string? why)
    {
        result = null;
        var err = Plan(dev, o, now, out var fs, out why);
        if (err != Errno.OK)
            return err;
        if (dev.IsReadOnly)
        {
            why = "device is read-only";
            return Errno.EROFS;
        }
        err = Write(dev, fs!, now);
        if (err != Errno.OK)
        {
            why = $"write failed: {err.Message()}";
            return err;
        }
        if (o.BigEndian && (err = ByteOrder.Convert(dev, big: false, out why)) != Errno.OK)
            return err;
        result = new NewfsResult(fs!.Size * fs.Fsize, fs.Bsize, fs.Fsize, fs.Ncg, fs.Fpg, fs.Ipg, fs.Ninodes, fs.Dsize);
        return Errno.OK;
    }

    /// <summary>Parses "256M", "1g", "4096", "64k" (binary units) into bytes; false for anything else.</summary>
    public static bool TryParseSize(string? s, out long bytes)
    {
        bytes = 0;
        if (string.IsNullOrWhiteSpace(s))
            return false;
        s = s.Trim();
        long mul = 1;
        switch (char.ToLowerInvariant(s[^1]))
        {
            case 'k': mul = 1L << 10; break;
            case 'm': mul = 1L << 20; break;
            case 'g': mul = 1L << 30; break;
            case 't': mul = 1L << 40; break;
        }
        if (mul != 1)
            s = s[..^1];
        if (!long.TryParse(s, System.Globalization.NumberStyles.None, null, out long n) || n <= 0 || n > long.MaxValue / mul)
            return false;
        bytes = n * mul;
        return true;
    }

    /// <summary>Computes the superblock of the file system to make (mkfs's first half).</summary>
    private static Errno Plan(IBlockDevice dev, NewfsOptions o, Timespec now, out Fs? result, out string? why)
    {
        result = null;
        why = null;
        if (o.Bsize < Fs.MinBsize || o.Bsize > Fs.MaxBsize || !BitOperations.IsPow2(o.Bsize))
            return Fail(out why, $"block size {o.Bsize} is not a power of two from {Fs.MinBsize} to {Fs.MaxBsize}");
        if (o.Fsize < Fs.DevBsize || o.Fsize > o.Bsize || !BitOperations.IsPow2(o.Fsize) || o.Bsize / o.Fsize > Fs.MaxFrag)
            return Fail(out why, $"fragment size {o.Fsize} must be a power of two, at least {Fs.DevBsize} and at least block size / {Fs.MaxFrag}");
        if (o.Minfree is < 0 or > 99)
            return Fail(out why, "minfree must be a percentage from 0 to 99");
        if (System.Text.Encoding.UTF8.GetByteCount(o.Volname) > 31)
            return Fail(out why, "volume name longer than 31 bytes");
        long bytes = o.Size == 0 ? dev.Size : o.Size;
        if (bytes > dev.Size)
            return Fail(out why, $"size {bytes} is larger than the device ({dev.Size} bytes)");
        int density = o.Density == 0 ? 2 * o.Fsize : o.Density;
        if (density < Dinode.Size)
            return Fail(out why, $"density {density} is less than an inode");

        var fs = Fs.Read(new byte[Fs.SblockSize]);
        fs.Magic = Fs.Ufs2Magic;
        fs.Bsize = o.Bsize;
        fs.Fsize = o.Fsize;
        fs.DeriveShifts();
        fs.Minfree = o.Minfree;
        fs.Maxcontig = Math.Max(1, MaxPhys / fs.Bsize);
        fs.Contigsumsize = Math.Min(fs.Maxcontig, Fs.FsMaxContig);
        fs.Maxbpg = fs.Bsize / 8;
        fs.Maxbsize = fs.Bsize;
        fs.Maxsymlinklen = Fs.MaxSymlinkLen;
        fs.Sbsize = (int)Math.Min(Fs.SblockSize, fs.Fragroundup(Fs.StructSize));
        fs.Sblockloc = Fs.SblockUfs2;
        fs.Sblkno = (int)RoundUp(Fs.Howmany(Fs.SblockUfs2 + Fs.SblockSize, fs.Fsize), fs.Frag);
        fs.Cblkno = fs.Sblkno + (int)RoundUp(Fs.Howmany(Fs.SblockSize, fs.Fsize), fs.Frag);
        fs.Iblkno = fs.Cblkno + fs.Frag;
        fs.Avgfilesize = 16384;
        fs.Avgfpdir = 64;
        fs.Volname = o.Volname;
        fs.OldFlags = Fs.FS_FLAGS_UPDATED;
        fs.Clean = 1;
        fs.Id0 = o.Id ?? (int)now.Sec;
        fs.Id1 = o.Id is null ? (int)now.Nsec ^ 0x5a5a5a5a : o.Id.Value ^ 0x5a5a5a5a;

        long frags = bytes / fs.Fsize / fs.Frag * fs.Frag;
        // The biggest group whose header fits in one block, then smaller if that leaves fewer than four groups.
        int fpg = LargestFpg(fs, density);
        if (fpg <= 0)
            return Fail(out why, "block size too small for a cylinder group");
        if (Fs.Howmany(frags, fpg) < MinCylGrps)
            fpg = (int)Math.Max(fs.Frag, RoundUp(Fs.Howmany(frags, MinCylGrps), fs.Frag));
        Shape(fs, fpg, density);
        if (fs.Dblkno >= fs.Fpg - fs.Frag)
        {
            // A tiny file system: groups just big enough for their metadata and a few blocks.
            fs.Ipg = fs.Inopb;
            fs.Dblkno = fs.Iblkno + (int)RoundUp(Fs.Howmany((long)fs.Ipg * Dinode.Size, fs.Fsize), fs.Frag);
        }
        int ncg = (int)Fs.Howmany(frags, fs.Fpg);
        long lastFrags = frags - (long)(ncg - 1) * fs.Fpg;
        if (ncg > 1 && lastFrags < fs.Dblkno + 4L * fs.Frag)
        {
            ncg--;
            frags = (long)ncg * fs.Fpg;
        }
        fs.Ncg = ncg;
        fs.Size = frags;
        fs.Cssize = (int)fs.Fragroundup((long)ncg * Csum.Size);
        fs.Csaddr = fs.Cgdmin(0);
        fs.Cgsize = (int)fs.Fragroundup(Cg.CgSize(fs));
        fs.Dsize = fs.Size - fs.Sblkno - (long)ncg * (fs.Dblkno - fs.Sblkno) - Fs.Howmany(fs.Cssize, fs.Fsize);
        fs.Providersize = dev.Size / fs.Fsize;
        fs.Metaspace = fs.Blknum((long)fs.Fpg * fs.Minfree / 200);
        // Root and lost+found each take one fragment after the summary area in group 0.
        long cg0Needed = fs.Dblkno + Fs.Howmany(fs.Cssize, fs.Fsize) + 2;
        if (fs.Size < Fs.SblockUfs2 / fs.Fsize || fs.CgFrags(0) < cg0Needed || fs.Dsize < 4L * fs.Frag)
            return Fail(out why, $"{bytes} bytes is too small for a UFS2 file system with {fs.Bsize}-byte blocks");
        var problem = fs.Validate(dev.Size);
        if (problem is not null)
            return Fail(out why, $"internal error: planned superblock fails its checks: {problem}");
        result = fs;
        return Errno.OK;
    }

    private static Errno Fail(out string? why, string reason)
    {
        why = reason;
        return Errno.EINVAL;
    }

    private static long RoundUp(long x, long y) => Fs.Howmany(x, y) * y;

    /// <summary>Sets fs_fpg, fs_ipg and fs_dblkno for groups of <paramref name="fpg"/> fragments.</summary>
    private static void Shape(Fs fs, int fpg, int density)
    {
        fs.Fpg = fpg;
        fs.Ipg = InodesFor(fs, fpg, density);
        fs.Dblkno = fs.Iblkno + (int)RoundUp(Fs.Howmany((long)fs.Ipg * Dinode.Size, fs.Fsize), fs.Frag);
    }

    private static int InodesFor(Fs fs, long fpg, int density) =>
        (int)Math.Max(fs.Inopb, RoundUp(Fs.Howmany(fpg * fs.Fsize, density), fs.Inopb));

    /// <summary>The largest group (fragments, a multiple of fs_frag) whose header, with its inode map, fits in one block.</summary>
    private static int LargestFpg(Fs fs, int density)
    {
        int lo = fs.Frag, hi = (fs.Bsize - Cg.StructSize) * 8 / fs.Frag * fs.Frag;
        if (!Fits(fs, lo, density))
            return 0;
        while (lo < hi)
        {
            int mid = (lo + hi + fs.Frag) / 2 / fs.Frag * fs.Frag;
            if (Fits(fs, mid, density))
                lo = mid;
            else
                hi = mid - fs.Frag;
        }
        return lo;
    }

    private static bool Fits(Fs fs, int fpg, int density)
    {
        var probe = fs.Clone();
        probe.Fpg = fpg;
        probe.Ipg = InodesFor(fs, fpg, density);
        return Cg.CgSize(probe) <= fs.Bsize;
    }

    /// <summary>Writes everything (mkfs's second half).</summary>
    private static Errno Write(IBlockDevice dev, Fs fs, Timespec now)
    {
        var rng = new Random(fs.Id0 ^ fs.Id1);
        fs.Time = now.Sec;
        long csFrags = Fs.Howmany(fs.Cssize, fs.Fsize);
        long rootFrag = fs.Csaddr + csFrags, lfFrag = rootFrag + 1;
        var cs = new Csum[fs.Ncg];
        int initedi = Math.Min(fs.Ipg, 2 * fs.Inopb);
        var inodeBlock = new byte[fs.Bsize];
        Errno err;
        for (int c = 0; c < fs.Ncg; c++)
        {
            int ndblk = fs.CgFrags(c);
            var free = new byte[(fs.Fpg + 7) / 8];
            var used = new byte[(fs.Ipg + 7) / 8];
            long firstFree = c == 0 ? lfFrag + 1 : fs.Dblkno;
            for (long f = firstFree; f < ndblk; f++)
                Cg.SetBit(free, f);
            if (c > 0)
                for (long f = 0; f < fs.Sblkno; f++)
                    Cg.SetBit(free, f);
            int ndir = 0;
            if (c == 0)
            {
                for (int i = 0; i <= 3; i++)
                    Cg.SetBit(used, i);
                ndir = 2;
            }
            var cgp = Cg.Build(fs, c, free, used, ndir, initedi, now.Sec);
            cs[c] = cgp.Cs;
            if ((err = dev.Write(fs.FsbToByte(fs.Cgtod(c)), cgp.Data)) != Errno.OK)
                return err;
            for (int b = 0; b < initedi / fs.Inopb; b++)
            {
                Array.Clear(inodeBlock);
                for (int i = 0; i < fs.Inopb; i++)
                    BinaryPrimitives.WriteInt32LittleEndian(inodeBlock.AsSpan(i * Dinode.Size + 80), rng.Next(1, int.MaxValue));
                if (c == 0 && b == 0)
                    WriteRootInodes(fs, inodeBlock, now, rootFrag, lfFrag);
                if ((err = dev.Write(fs.FsbToByte(fs.Cgimin(c) + fs.Blkstofrags(b)), inodeBlock)) != Errno.OK)
                    return err;
            }
        }
        foreach (var s in cs)
        {
            fs.CsNdir += s.Ndir;
            fs.CsNbfree += s.Nbfree;
            fs.CsNifree += s.Nifree;
            fs.CsNffree += s.Nffree;
        }

        // The block of group 0 that holds the summary area, the root directory and lost+found.
        long firstBlock = fs.Blknum(fs.Csaddr), lastBlock = fs.Blknum(lfFrag);
        var meta = new byte[(lastBlock - firstBlock + fs.Frag) * fs.Fsize];
        for (int c = 0; c < fs.Ncg; c++)
            cs[c].Write(meta.AsSpan((int)((fs.Csaddr - firstBlock) * fs.Fsize) + c * Csum.Size));
        var root = meta.AsSpan((int)((rootFrag - firstBlock) * fs.Fsize), fs.Fsize);
        UfsDir.WriteTemplate(root, Fs.RootIno, Fs.RootIno);
        UfsDir.PutEntry(root[12..], Fs.RootIno, 12, Dinode.ToDt(Dinode.IFDIR), ".."u8);
        UfsDir.PutEntry(root[24..], Fs.RootIno + 1, UfsDir.DirBlkSiz - 24, Dinode.ToDt(Dinode.IFDIR), "lost+found"u8);
        var lf = meta.AsSpan((int)((lfFrag - firstBlock) * fs.Fsize), fs.Fsize);
        UfsDir.WriteTemplate(lf, Fs.RootIno + 1, Fs.RootIno);
        for (int off = UfsDir.DirBlkSiz; off < fs.Fsize; off += UfsDir.DirBlkSiz)
            BinaryPrimitives.WriteUInt16LittleEndian(lf[(off + 4)..], UfsDir.DirBlkSiz);
        if ((err = dev.Write(fs.FsbToByte(firstBlock), meta)) != Errno.OK)
            return err;

        var sb = new byte[Fs.SblockSize];
        for (int c = 0; c < fs.Ncg; c++)
        {
            fs.Sblockactualloc = fs.FsbToByte(fs.Cgsblock(c));
            fs.Write(sb);
            if ((err = dev.Write(fs.Sblockactualloc, sb)) != Errno.OK)
                return err;
        }
        fs.Sblockactualloc = Fs.SblockUfs2;
        fs.Write(sb);
        if ((err = dev.Write(Fs.SblockUfs2, sb)) != Errno.OK)
            return err;
        var recovery = new byte[Fs.DevBsize];
        var r = recovery.AsSpan(Fs.DevBsize - 20);
        BinaryPrimitives.WriteInt32LittleEndian(r, Fs.Ufs2Magic);
        BinaryPrimitives.WriteInt32LittleEndian(r[4..], fs.Fsbtodb);
        BinaryPrimitives.WriteInt32LittleEndian(r[8..], fs.Sblkno);
        BinaryPrimitives.WriteInt32LittleEndian(r[12..], fs.Fpg);
        BinaryPrimitives.WriteInt32LittleEndian(r[16..], fs.Ncg);
        if ((err = dev.Write(Fs.SblockUfs2 - Fs.DevBsize, recovery)) != Errno.OK)
            return err;
        return dev.Flush();
    }

    /// <summary>Fills in the dinodes of the root (2) and lost+found (3) in group 0's first inode block.</summary>
    private static void WriteRootInodes(Fs fs, byte[] block, Timespec now, long rootFrag, long lfFrag)
    {
        foreach (var (ino, frag, mode, nlink, size) in new[]
                 {
                     (Fs.RootIno, rootFrag, 0x1ED, 3, UfsDir.DirBlkSiz),      // 0755
                     (Fs.RootIno + 1, lfFrag, 0x1C0, 2, fs.Fsize),            // 0700
                 })
        {
            var at = block.AsSpan((int)ino * Dinode.Size, Dinode.Size);
            var d = new Dinode();
            d.Read(at);
            d.Mode = (ushort)(Dinode.IFDIR | mode);
            d.Nlink = (short)nlink;
            d.DiSize = size;
            d.Blocks = fs.Fsize / Fs.DevBsize;
            d.Db[0] = frag;
            d.Atime = d.Mtime = d.Ctime = d.Birthtime = now.Sec;
            d.Atimensec = d.Mtimensec = d.Ctimensec = d.Birthnsec = (int)now.Nsec;
            d.Write(at);
        }
    }
}
