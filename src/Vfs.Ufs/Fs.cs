// Vfs.Ufs: the UFS2 superblock (struct fs of FreeBSD sys/ufs/ffs/fs.h) and the address arithmetic
// every other part of the file system uses (the fs.h macros: cgbase, cgimin, ino_to_fsba, lblkno, ...).
//
// ON-DISK LAYOUT. A UFS2 file system is an array of fragments (fs_fsize bytes; the unit every block
// address counts in), grouped into blocks of fs_frag fragments (fs_bsize bytes). The superblock sits
// at byte 65536 (SBLOCK_UFS2) and is copied into every cylinder group. The file system is cut into
// fs_ncg cylinder groups of fs_fpg fragments; group c starts at fragment c * fs_fpg and holds, at
// fixed fragment offsets from its start,
//     fs_sblkno   a copy of the superblock
//     fs_cblkno   the cylinder group header with its inode, fragment and cluster maps (Cg.cs)
//     fs_iblkno   fs_ipg dinodes of 256 bytes (Dinode.cs)
//     fs_dblkno   the first data fragment
// and group 0 also carries the cylinder-group summary array (struct csum, 16 bytes per group) at
// fs_csaddr. Everything is little-endian.
//
// Fields are read from and written to a copy of the raw superblock at explicit byte offsets (as
// DiscUtils does), so that fields this model does not use (snapshot lists, spare words) survive a
// read-modify-write of an image made by FreeBSD.
using System.Buffers.Binary;
using System.Numerics;

namespace UnixVfs.Ufs;

/// <summary>The cylinder-group summary (<c>struct csum</c>): 16 bytes per group at fs_csaddr.</summary>
internal struct Csum
{
    /// <summary><c>cs_ndir</c>: directories.</summary>
    public int Ndir;
    /// <summary><c>cs_nbfree</c>: free blocks.</summary>
    public int Nbfree;
    /// <summary><c>cs_nifree</c>: free inodes.</summary>
    public int Nifree;
    /// <summary><c>cs_nffree</c>: free fragments not in a free block.</summary>
    public int Nffree;

    public const int Size = 16;

    public static Csum Read(ReadOnlySpan<byte> b) => new()
    {
        Ndir = BinaryPrimitives.ReadInt32LittleEndian(b),
        Nbfree = BinaryPrimitives.ReadInt32LittleEndian(b[4..]),
        Nifree = BinaryPrimitives.ReadInt32LittleEndian(b[8..]),
        Nffree = BinaryPrimitives.ReadInt32LittleEndian(b[12..]),
    };

    public readonly void Write(Span<byte> b)
    {
        BinaryPrimitives.WriteInt32LittleEndian(b, Ndir);
        BinaryPrimitives.WriteInt32LittleEndian(b[4..], Nbfree);
        BinaryPrimitives.WriteInt32LittleEndian(b[8..], Nifree);
        BinaryPrimitives.WriteInt32LittleEndian(b[12..], Nffree);
    }
}

/// <summary>The UFS2 superblock (<c>struct fs</c>) and the fs.h address macros.</summary>
internal sealed class Fs
{
    /// <summary>SBLOCK_UFS2: the byte offset of the superblock.</summary>
    public const int SblockUfs2 = 65536;
    /// <summary>SBLOCKSIZE: the bytes reserved for a superblock.</summary>
    public const int SblockSize = 8192;
    /// <summary>The superblock locations readers probe (SBLOCKSEARCH): UFS2, then the "piggy" location.</summary>
    public static readonly int[] SblockSearch = [SblockUfs2, 262144];
    /// <summary>sizeof(struct fs).</summary>
    public const int StructSize = 1376;
    /// <summary>FS_UFS2_MAGIC.</summary>
    public const int Ufs2Magic = 0x19540119;
    /// <summary>MINBSIZE and MAXBSIZE.</summary>
    public const int MinBsize = 4096, MaxBsize = 65536;
    /// <summary>MAXFRAG: the most fragments a block may be cut into.</summary>
    public const int MaxFrag = 8;
    /// <summary>DEV_BSIZE: the unit of di_blocks and of fsbtodb.</summary>
    public const int DevBsize = 512;
    /// <summary>UFS_NDADDR, UFS_NIADDR, UFS_NXADDR: direct, indirect and extended-attribute block pointers in a dinode.</summary>
    public const int NDADDR = 12, NIADDR = 3, NXADDR = 2;
    /// <summary>UFS_ROOTINO: the root directory's inode.</summary>
    public const uint RootIno = 2;
    /// <summary>UFS2 inline symlinks: the bytes of di_db and di_ib.</summary>
    public const int MaxSymlinkLen = (NDADDR + NIADDR) * 8;
    /// <summary>FS_MAXCONTIG: the longest run the cluster summary counts.</summary>
    public const int FsMaxContig = 16;
    /// <summary>MINFREE: the default reserve, percent.</summary>
    public const int DefaultMinfree = 8;
    /// <summary>fs_flags bits this model knows.</summary>
    public const int FS_UNCLEAN = 0x01, FS_DOSOFTDEP = 0x02, FS_NEEDSFSCK = 0x04, FS_SUJ = 0x08, FS_FLAGS_UPDATED = 0x80,
        FS_METACKHASH = 0x200;

    private readonly byte[] _raw = new byte[SblockSize];

    public int Sblkno, Cblkno, Iblkno, Dblkno;
    public int Ncg, Bsize, Fsize, Frag, Minfree;
    public int Bmask, Fmask, Bshift, Fshift, Maxcontig, Maxbpg, Fragshift, Fsbtodb, Sbsize, Nindir, Inopb, Optim;
    public int Id0, Id1, Cssize, Cgsize, Ipg, Fpg;
    public byte Fmod, Clean, Ronly, OldFlags;
    public string Fsmnt = "", Volname = "";
    public int Cgrotor, Maxbsize;
    public long Providersize, Metaspace, Sblockactualloc, Sblockloc;
    /// <summary><c>fs_cstotal</c>: the summary of every group.</summary>
    public long CsNdir, CsNbfree, CsNifree, CsNffree, CsNumclusters;
    public long Time, Size, Dsize, Csaddr, Mtime;
    public int Avgfilesize, Avgfpdir, Metackhash, Flags, Contigsumsize, Maxsymlinklen;
    /// <summary><c>fs_sujfree</c>: the soft-updates journal's list of unlinked inodes (FS_SUJ file systems).</summary>
    public int Sujfree;
    public long Maxfilesize, Qbmask, Qfmask;
    public int Magic;

    /// <summary>Decodes a superblock from <paramref name="b"/> (at least SBLOCKSIZE bytes).</summary>
    public static Fs Read(ReadOnlySpan<byte> b)
    {
        var fs = new Fs();
        b[..SblockSize].CopyTo(fs._raw);
        var raw = fs._raw;
        int I(int o) => BinaryPrimitives.ReadInt32LittleEndian(raw.AsSpan(o));
        long L(int o) => BinaryPrimitives.ReadInt64LittleEndian(raw.AsSpan(o));
        fs.Sblkno = I(8); fs.Cblkno = I(12); fs.Iblkno = I(16); fs.Dblkno = I(20);
        fs.Ncg = I(44); fs.Bsize = I(48); fs.Fsize = I(52); fs.Frag = I(56); fs.Minfree = I(60);
        fs.Bmask = I(72); fs.Fmask = I(76); fs.Bshift = I(80); fs.Fshift = I(84);
        fs.Maxcontig = I(88); fs.Maxbpg = I(92); fs.Fragshift = I(96); fs.Fsbtodb = I(100); fs.Sbsize = I(104);
        fs.Nindir = I(116); fs.Inopb = I(120); fs.Optim = I(128);
        fs.Id0 = I(144); fs.Id1 = I(148); fs.Cssize = I(156); fs.Cgsize = I(160);
        fs.Ipg = I(184); fs.Fpg = I(188);
        fs.Fmod = raw[208]; fs.Clean = raw[209]; fs.Ronly = raw[210]; fs.OldFlags = raw[211];
        fs.Fsmnt = CString(raw.AsSpan(212, 468));
        fs.Volname = CString(raw.AsSpan(680, 32));
        fs.Cgrotor = I(724); fs.Maxbsize = I(860);
        fs.Providersize = L(872); fs.Metaspace = L(880); fs.Sblockactualloc = L(992); fs.Sblockloc = L(1000);
        fs.CsNdir = L(1008); fs.CsNbfree = L(1016); fs.CsNifree = L(1024); fs.CsNffree = L(1032); fs.CsNumclusters = L(1040);
        fs.Time = L(1072); fs.Size = L(1080); fs.Dsize = L(1088); fs.Csaddr = L(1096); fs.Mtime = L(1208);
        fs.Avgfilesize = I(1196); fs.Avgfpdir = I(1200); fs.Sujfree = I(1216);
        fs.Metackhash = I(1308); fs.Flags = I(1312); fs.Contigsumsize = I(1316); fs.Maxsymlinklen = I(1320);
        fs.Maxfilesize = L(1328); fs.Qbmask = L(1336); fs.Qfmask = L(1344);
        fs.Magic = I(1372);
        return fs;
    }

    /// <summary>Encodes the superblock into <paramref name="dst"/> (SBLOCKSIZE bytes) over the raw copy it was read from.</summary>
    public void Write(Span<byte> dst)
    {
        var b = _raw;
        void I(int o, int v) => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(o), v);
        void L(int o, long v) => BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(o), v);
        I(8, Sblkno); I(12, Cblkno); I(16, Iblkno); I(20, Dblkno);
        I(44, Ncg); I(48, Bsize); I(52, Fsize); I(56, Frag); I(60, Minfree);
        I(72, Bmask); I(76, Fmask); I(80, Bshift); I(84, Fshift);
        I(88, Maxcontig); I(92, Maxbpg); I(96, Fragshift); I(100, Fsbtodb); I(104, Sbsize);
        I(116, Nindir); I(120, Inopb); I(128, Optim);
        I(144, Id0); I(148, Id1); I(156, Cssize); I(160, Cgsize);
        I(184, Ipg); I(188, Fpg);
        b[208] = Fmod; b[209] = Clean; b[210] = Ronly; b[211] = OldFlags;
        PutCString(b.AsSpan(212, 468), Fsmnt);
        PutCString(b.AsSpan(680, 32), Volname);
        I(724, Cgrotor); I(860, Maxbsize);
        L(872, Providersize); L(880, Metaspace); L(992, Sblockactualloc); L(1000, Sblockloc);
        L(1008, CsNdir); L(1016, CsNbfree); L(1024, CsNifree); L(1032, CsNffree); L(1040, CsNumclusters);
        L(1072, Time); L(1080, Size); L(1088, Dsize); L(1096, Csaddr); L(1208, Mtime);
        I(1196, Avgfilesize); I(1200, Avgfpdir); I(1216, Sujfree);
        I(1308, Metackhash); I(1312, Flags); I(1316, Contigsumsize); I(1320, Maxsymlinklen);
        L(1328, Maxfilesize); L(1336, Qbmask); L(1344, Qfmask);
        I(1372, Magic);
        b.CopyTo(dst);
    }

    /// <summary>A field-by-field copy (with its own raw bytes).</summary>
    public Fs Clone()
    {
        var c = (Fs)MemberwiseClone();
        _raw.CopyTo(c._raw.AsSpan());
        return c;
    }

    private static string CString(ReadOnlySpan<byte> b)
    {
        int n = b.IndexOf((byte)0);
        return System.Text.Encoding.UTF8.GetString(n < 0 ? b : b[..n]);
    }

    private static void PutCString(Span<byte> b, string s)
    {
        b.Clear();
        var bytes = System.Text.Encoding.UTF8.GetBytes(s);
        bytes.AsSpan(0, Math.Min(bytes.Length, b.Length - 1)).CopyTo(b);
    }

    /// <summary>
    /// The checks of FreeBSD's ffs_sbget/validate_sblock: every derived field agrees with the ones it is
    /// derived from and every region lies inside the device, so that no later address computation can
    /// overflow or leave the image. Returns null when the superblock is sound, else a one-line reason.
    /// </summary>
    public string? Validate(long deviceBytes)
    {
        if (Magic != Ufs2Magic)
            return $"bad magic number 0x{Magic:x} (not UFS2)";
        if (Bsize < MinBsize || Bsize > MaxBsize || !BitOperations.IsPow2(Bsize))
            return $"bad block size {Bsize}";
        if (Fsize < DevBsize || Fsize > Bsize || !BitOperations.IsPow2(Fsize))
            return $"bad fragment size {Fsize}";
        if (Frag != Bsize / Fsize || Frag > MaxFrag)
            return $"fs_frag {Frag} does not match {Bsize}/{Fsize}";
        if (Bshift != BitOperations.Log2((uint)Bsize) || Fshift != BitOperations.Log2((uint)Fsize)
            || Fragshift != BitOperations.Log2((uint)Frag) || Bmask != ~(Bsize - 1) || Fmask != ~(Fsize - 1)
            || Qbmask != Bsize - 1 || Qfmask != Fsize - 1)
            return "block or fragment shifts and masks disagree with the sizes";
        if (Fsbtodb != BitOperations.Log2((uint)(Fsize / DevBsize)))
            return $"bad fs_fsbtodb {Fsbtodb}";
        if (Inopb != Bsize / Dinode.Size || Nindir != Bsize / 8)
            return "fs_inopb or fs_nindir disagree with the block size";
        if (Sbsize < StructSize || Sbsize > SblockSize)
            return $"bad superblock size {Sbsize}";
        if (Ncg < 1 || Ipg < Inopb || Ipg % Inopb != 0 || Fpg < Frag || Fpg % Frag != 0)
            return "bad cylinder group geometry";
        if ((long)Ncg * Ipg > uint.MaxValue)
            return "too many inodes";
        if (Size <= 0 || Size > (long)Ncg * Fpg || Size <= (long)(Ncg - 1) * Fpg)
            return $"fs_size {Size} disagrees with {Ncg} groups of {Fpg} fragments";
        if (deviceBytes > 0 && Size > deviceBytes / Fsize)
            return $"file system of {Size * (long)Fsize} bytes is larger than the device ({deviceBytes} bytes): the image was cut short;"
                   + $" extend it to {Size * (long)Fsize} bytes (truncate -s {Size * (long)Fsize} IMAGE) and run fsck -y";
        if (Sblkno < 0 || Cblkno <= Sblkno || Iblkno <= Cblkno || Dblkno <= Iblkno || Dblkno > Fpg
            || Sblkno % Frag != 0 || Cblkno % Frag != 0 || Iblkno % Frag != 0 || Dblkno % Frag != 0)
            return "bad layout of the cylinder group";
        if ((long)(Iblkno - Cblkno) * Fsize < Cgsize || Cgsize < Cg.StructSize || Cgsize > Bsize
            || (long)(Dblkno - Iblkno) * Fsize < (long)Ipg * Dinode.Size)
            return "cylinder group header or inode area does not fit its place";
        if ((long)SblockUfs2 + SblockSize > (long)Sblkno * Fsize)
            return "superblock overlaps group 0";
        if (Cssize < Ncg * Csum.Size || Csaddr < Dblkno || Csaddr + Howmany(Cssize, Fsize) > Math.Min(Size, Fpg))
            return "bad cylinder group summary area";
        if (Contigsumsize < 0 || Contigsumsize > FsMaxContig)
            return "bad fs_contigsumsize";
        if (Maxsymlinklen < 0 || Maxsymlinklen > MaxSymlinkLen)
            return "bad fs_maxsymlinklen";
        if (Minfree < 0 || Minfree > 99)
            return "bad fs_minfree";
        if (Maxbpg <= 0)
            return "bad fs_maxbpg";
        return null;
    }

    /// <summary>Fills every field derived from bsize and fsize (newfs).</summary>
    public void DeriveShifts()
    {
        Frag = Bsize / Fsize;
        Bshift = BitOperations.Log2((uint)Bsize);
        Fshift = BitOperations.Log2((uint)Fsize);
        Fragshift = BitOperations.Log2((uint)Frag);
        Bmask = ~(Bsize - 1);
        Fmask = ~(Fsize - 1);
        Qbmask = Bsize - 1;
        Qfmask = Fsize - 1;
        Fsbtodb = BitOperations.Log2((uint)(Fsize / DevBsize));
        Nindir = Bsize / 8;
        Inopb = Bsize / Dinode.Size;
        long sizepb = Bsize;
        long max = (long)Bsize * NDADDR - 1;
        for (int i = 0; i < NIADDR; i++)
        {
            if (sizepb > long.MaxValue / Nindir)
            {
                max = long.MaxValue;
                break;
            }
            sizepb *= Nindir;
            max = max > long.MaxValue - sizepb ? long.MaxValue : max + sizepb;
        }
        Maxfilesize = max;
    }

    /// <summary>The largest file size this file system can address (fs_maxfilesize, bounded by off_t).</summary>
    public long MaxFileSize => Maxfilesize <= 0 ? long.MaxValue : Maxfilesize;

    /// <summary>Total inodes (fs_ncg * fs_ipg).</summary>
    public long Ninodes => (long)Ncg * Ipg;

    public static long Howmany(long x, long y) => (x + y - 1) / y;

    // --- the fs.h macros ---

    /// <summary>cgbase: the first fragment of group <paramref name="c"/> (cgstart for UFS2).</summary>
    public long CgBase(int c) => (long)Fpg * c;
    /// <summary>cgsblock: the superblock copy of group <paramref name="c"/>.</summary>
    public long Cgsblock(int c) => CgBase(c) + Sblkno;
    /// <summary>cgtod: the header of group <paramref name="c"/>.</summary>
    public long Cgtod(int c) => CgBase(c) + Cblkno;
    /// <summary>cgimin: the first inode block of group <paramref name="c"/>.</summary>
    public long Cgimin(int c) => CgBase(c) + Iblkno;
    /// <summary>cgdmin: the first data fragment of group <paramref name="c"/>.</summary>
    public long Cgdmin(int c) => CgBase(c) + Dblkno;
    /// <summary>The fragments of group <paramref name="c"/> (cg_ndblk: fs_fpg, or less for the last group).</summary>
    public int CgFrags(int c) => (int)Math.Min(Fpg, Size - CgBase(c));

    /// <summary>ino_to_cg.</summary>
    public int InoToCg(uint ino) => (int)(ino / (uint)Ipg);
    /// <summary>ino_to_fsba: the fragment address of the block holding inode <paramref name="ino"/>.</summary>
    public long InoToFsba(uint ino) => Cgimin(InoToCg(ino)) + Blkstofrags((ino % (uint)Ipg) / (uint)Inopb);
    /// <summary>ino_to_fsbo: the inode's index within its block.</summary>
    public int InoToFsbo(uint ino) => (int)(ino % (uint)Inopb);

    /// <summary>dtog: the group holding fragment <paramref name="d"/>.</summary>
    public int Dtog(long d) => (int)(d / Fpg);
    /// <summary>dtogd: the fragment's offset within its group.</summary>
    public int Dtogd(long d) => (int)(d % Fpg);

    /// <summary>lblkno: the logical block holding byte <paramref name="off"/>.</summary>
    public long Lblkno(long off) => off >> Bshift;
    /// <summary>blkoff: the offset within its block.</summary>
    public int Blkoff(long off) => (int)(off & Qbmask);
    /// <summary>lblktosize.</summary>
    public long Lblktosize(long lbn) => lbn << Bshift;
    /// <summary>numfrags: whole fragments in <paramref name="bytes"/>.</summary>
    public int Numfrags(long bytes) => (int)(bytes >> Fshift);
    /// <summary>fragroundup.</summary>
    public long Fragroundup(long size) => (size + Qfmask) & ~Qfmask;
    /// <summary>blkroundup.</summary>
    public long Blkroundup(long size) => (size + Qbmask) & ~Qbmask;
    /// <summary>fragstoblks.</summary>
    public long Fragstoblks(long frags) => frags >> Fragshift;
    /// <summary>blkstofrags.</summary>
    public long Blkstofrags(long blks) => blks << Fragshift;
    /// <summary>fragnum: the fragment's index within its block.</summary>
    public int Fragnum(long fsb) => (int)(fsb & (Frag - 1));
    /// <summary>blknum: the first fragment of the block holding <paramref name="fsb"/>.</summary>
    public long Blknum(long fsb) => fsb & ~(long)(Frag - 1);
    /// <summary>The byte offset on the device of fragment <paramref name="fsb"/> (dbtob(fsbtodb(fs, fsb))).</summary>
    public long FsbToByte(long fsb) => fsb << Fshift;

    /// <summary>sblksize: the bytes allocated to logical block <paramref name="lbn"/> of a file of <paramref name="size"/> bytes.</summary>
    public int Sblksize(long size, long lbn) =>
        lbn >= NDADDR || size >= (lbn + 1) << Bshift ? Bsize : (int)Fragroundup(Blkoff(size));

    /// <summary>DIRECTSIZ for a name of <paramref name="namlen"/> bytes.</summary>
    public static int DirectSiz(int namlen) => (8 + namlen + 1 + 3) & ~3;

    /// <summary>freespace(fs, percentreserved): fragments free beyond the reserve.</summary>
    public long Freespace(int percent) => Blkstofrags(CsNbfree) + CsNffree - Dsize * percent / 100;

    /// <summary>True when [<paramref name="fsb"/>, +<paramref name="frags"/>) is a valid data address range.</summary>
    public bool ValidRange(long fsb, int frags) => fsb > 0 && frags > 0 && fsb <= Size - frags;
}
