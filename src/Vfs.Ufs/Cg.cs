// Vfs.Ufs: the cylinder group header (struct cg of FreeBSD sys/ufs/ffs/fs.h) and its maps.
//
// A group's header is one block at cgtod(fs, c). After the 168-byte struct come, at offsets the
// header itself records:
//     cg_iusedoff      the inode map: one bit per inode, 1 = in use
//     cg_freeoff       the fragment map: one bit per fragment, 1 = FREE
//     cg_clustersumoff the cluster summary: int32 counts of free runs of 1..fs_contigsumsize blocks
//                      (index 0 unused; runs longer than fs_contigsumsize count in the last slot)
//     cg_clusteroff    the cluster map: one bit per block, 1 = the whole block is free
// cg_frsum[i] counts the maximal runs of exactly i free fragments inside blocks that are not entirely
// free, so that an allocator can tell at once whether a group can give a fragment run of some size.
// newfs lays the maps out as FreeBSD's mkfs does (Layout), and every update goes through the helpers
// here, which keep maps, counts, frsum and the cluster summary in step.
using System.Buffers.Binary;

namespace UnixVfs.Ufs;

/// <summary>A view of a cylinder group header held in a buffer (<c>struct cg</c>).</summary>
internal readonly struct Cg
{
    /// <summary>CG_MAGIC.</summary>
    public const int Magic = 0x090255;
    /// <summary>sizeof(struct cg).</summary>
    public const int StructSize = 168;

    private readonly byte[] _b;

    public Cg(byte[] data) => _b = data;

    /// <summary>The bytes of the header.</summary>
    public byte[] Data => _b;

    private int I(int o) => BinaryPrimitives.ReadInt32LittleEndian(_b.AsSpan(o));
    private void I(int o, int v) => BinaryPrimitives.WriteInt32LittleEndian(_b.AsSpan(o), v);

    public int CgMagic { get => I(4); set => I(4, value); }
    public int Cgx { get => I(12); set => I(12, value); }
    public int Ndblk { get => I(20); set => I(20, value); }
    public int Ndir { get => I(24); set => I(24, value); }
    public int Nbfree { get => I(28); set => I(28, value); }
    public int Nifree { get => I(32); set => I(32, value); }
    public int Nffree { get => I(36); set => I(36, value); }
    public int Rotor { get => I(40); set => I(40, value); }
    public int Frotor { get => I(44); set => I(44, value); }
    public int Irotor { get => I(48); set => I(48, value); }
    public int Frsum(int i) => I(52 + 4 * i);
    public void SetFrsum(int i, int v) => I(52 + 4 * i, v);
    public int Iusedoff { get => I(92); set => I(92, value); }
    public int Freeoff { get => I(96); set => I(96, value); }
    public int Nextfreeoff { get => I(100); set => I(100, value); }
    public int Clustersumoff { get => I(104); set => I(104, value); }
    public int Clusteroff { get => I(108); set => I(108, value); }
    public int Nclusterblks { get => I(112); set => I(112, value); }
    public int Niblk { get => I(116); set => I(116, value); }
    public int Initediblk { get => I(120); set => I(120, value); }
    public long Time
    {
        get => BinaryPrimitives.ReadInt64LittleEndian(_b.AsSpan(136));
        set => BinaryPrimitives.WriteInt64LittleEndian(_b.AsSpan(136), value);
    }

    /// <summary>The group's counts as a csum.</summary>
    public Csum Cs
    {
        get => new() { Ndir = Ndir, Nbfree = Nbfree, Nifree = Nifree, Nffree = Nffree };
        set { Ndir = value.Ndir; Nbfree = value.Nbfree; Nifree = value.Nifree; Nffree = value.Nffree; }
    }

    /// <summary>cg_inosused: the inode map.</summary>
    public Span<byte> Inosused(Fs fs) => _b.AsSpan(Iusedoff, (fs.Ipg + 7) / 8);
    /// <summary>cg_blksfree: the fragment map (1 = free).</summary>
    public Span<byte> Blksfree(Fs fs) => _b.AsSpan(Freeoff, (fs.Fpg + 7) / 8);
    /// <summary>cg_clustersfree: the cluster map (1 = free block).</summary>
    public Span<byte> Clustersfree(Fs fs) => _b.AsSpan(Clusteroff, (int)((fs.Fragstoblks(fs.Fpg) + 7) / 8));
    /// <summary>cg_clustersum[i].</summary>
    public int Clustersum(int i) => I(Clustersumoff + 4 * i);
    public void SetClustersum(int i, int v) => I(Clustersumoff + 4 * i, v);

    /// <summary>
    /// The checks a group header must pass before any map in it is used: its magic and index, and map
    /// offsets that stay inside the header. Returns null when sound, else a one-line reason.
    /// </summary>
    public string? Check(Fs fs, int c)
    {
        if (CgMagic != Magic)
            return $"cylinder group {c}: bad magic 0x{CgMagic:x}";
        if (Cgx != c)
            return $"cylinder group {c}: header says it is group {Cgx}";
        if (Ndblk != fs.CgFrags(c))
            return $"cylinder group {c}: {Ndblk} fragments, expected {fs.CgFrags(c)}";
        int imap = (fs.Ipg + 7) / 8, fmap = (fs.Fpg + 7) / 8;
        int limit = Math.Min(fs.Cgsize, fs.Bsize);
        if (Iusedoff < StructSize || Iusedoff > limit - imap || Freeoff < StructSize || Freeoff > limit - fmap)
            return $"cylinder group {c}: map offsets out of range";
        if (fs.Contigsumsize > 0)
        {
            int cmap = (int)((fs.Fragstoblks(fs.Fpg) + 7) / 8);
            if (Clustersumoff < StructSize || Clustersumoff > limit - 4 * (fs.Contigsumsize + 1)
                || Clusteroff < StructSize || Clusteroff > limit - cmap)
                return $"cylinder group {c}: cluster map offsets out of range";
        }
        if (Initediblk < 0 || Initediblk > fs.Ipg || Initediblk % fs.Inopb != 0)
            return $"cylinder group {c}: bad cg_initediblk {Initediblk}"; // inodes are made a block at a time
        if (Nbfree < 0 || Nifree < 0 || Nffree < 0 || Ndir < 0)
            return $"cylinder group {c}: negative counts";
        return null;
    }

    /// <summary>Lays out an empty header for group <paramref name="c"/> as FreeBSD's mkfs does (maps all "in use").</summary>
    public void Layout(Fs fs, int c)
    {
        Array.Clear(_b);
        CgMagic = Magic;
        Cgx = c;
        Ndblk = fs.CgFrags(c);
        Niblk = fs.Ipg;
        Iusedoff = StructSize;
        Freeoff = Iusedoff + (fs.Ipg + 7) / 8;
        Nextfreeoff = Freeoff + (fs.Fpg + 7) / 8;
        if (fs.Contigsumsize > 0)
        {
            Clustersumoff = ((Nextfreeoff + 3) & ~3) - 4;
            Clusteroff = Clustersumoff + (fs.Contigsumsize + 1) * 4;
            Nclusterblks = (int)fs.Fragstoblks(Ndblk);
            Nextfreeoff = Clusteroff + (int)((fs.Fragstoblks(fs.Fpg) + 7) / 8);
        }
    }

    /// <summary>The bytes a header with this geometry needs (CGSIZE for UFS2).</summary>
    public static int CgSize(Fs fs) =>
        StructSize + (fs.Ipg + 7) / 8 + (fs.Fpg + 7) / 8 + 4
        + (fs.Contigsumsize <= 0 ? 0 : fs.Contigsumsize * 4 + (int)((fs.Fragstoblks(fs.Fpg) + 7) / 8));

    // --- bit maps ---

    public static bool IsSet(ReadOnlySpan<byte> map, long i) => (map[(int)(i >> 3)] & (1 << (int)(i & 7))) != 0;
    public static void SetBit(Span<byte> map, long i) => map[(int)(i >> 3)] |= (byte)(1 << (int)(i & 7));
    public static void ClrBit(Span<byte> map, long i) => map[(int)(i >> 3)] &= (byte)~(1 << (int)(i & 7));

    /// <summary>ffs_isblock: are all fragments of block <paramref name="h"/> (a block index in the group) free?</summary>
    public static bool IsBlock(Fs fs, ReadOnlySpan<byte> map, long h)
    {
        switch (fs.Frag)
        {
            case 8: return map[(int)h] == 0xff;
            case 4: return ((map[(int)(h >> 1)] >> (int)((h & 1) << 2)) & 0x0f) == 0x0f;
            case 2: return ((map[(int)(h >> 2)] >> (int)((h & 3) << 1)) & 0x03) == 0x03;
            default: return IsSet(map, h);
        }
    }

    /// <summary>ffs_isfreeblock: are all fragments of block <paramref name="h"/> in use?</summary>
    public static bool IsFullyUsed(Fs fs, ReadOnlySpan<byte> map, long h) => BlockBits(fs, map, h) == 0;

    /// <summary>ffs_setblock: marks every fragment of block <paramref name="h"/> free.</summary>
    public static void SetBlock(Fs fs, Span<byte> map, long h)
    {
        switch (fs.Frag)
        {
            case 8: map[(int)h] = 0xff; break;
            case 4: map[(int)(h >> 1)] |= (byte)(0x0f << (int)((h & 1) << 2)); break;
            case 2: map[(int)(h >> 2)] |= (byte)(0x03 << (int)((h & 3) << 1)); break;
            default: SetBit(map, h); break;
        }
    }

    /// <summary>ffs_clrblock: marks every fragment of block <paramref name="h"/> in use.</summary>
    public static void ClrBlock(Fs fs, Span<byte> map, long h)
    {
        switch (fs.Frag)
        {
            case 8: map[(int)h] = 0; break;
            case 4: map[(int)(h >> 1)] &= (byte)~(0x0f << (int)((h & 1) << 2)); break;
            case 2: map[(int)(h >> 2)] &= (byte)~(0x03 << (int)((h & 3) << 1)); break;
            default: ClrBit(map, h); break;
        }
    }

    /// <summary>blkmap: the free bits of block <paramref name="h"/>'s fragments, fragment 0 in bit 0.</summary>
    public static int BlockBits(Fs fs, ReadOnlySpan<byte> map, long h)
    {
        long first = h * fs.Frag;
        return (map[(int)(first >> 3)] >> (int)(first & 7)) & (0xff >> (8 - fs.Frag));
    }

    /// <summary>
    /// ffs_fragacct: adds <paramref name="cnt"/> to frsum[len] for every maximal run of free fragments of
    /// length len (1 &lt;= len &lt; fs_frag) in the block whose free bits are <paramref name="fragmap"/>.
    /// </summary>
    public void FragAcct(Fs fs, int fragmap, int cnt)
    {
        int run = 0;
        for (int i = 0; i <= fs.Frag; i++)
        {
            if (i < fs.Frag && (fragmap & (1 << i)) != 0)
            {
                run++;
                continue;
            }
            if (run > 0 && run < fs.Frag)
                SetFrsum(run, Frsum(run) + cnt);
            run = 0;
        }
    }

    /// <summary>
    /// ffs_clusteracct: block <paramref name="blkno"/> (index in the group) becomes free (<paramref name="cnt"/> = 1)
    /// or used (-1): updates the cluster map and the summary of free runs.
    /// </summary>
    public void ClusterAcct(Fs fs, long blkno, int cnt)
    {
        if (fs.Contigsumsize <= 0)
            return;
        var map = Clustersfree(fs);
        if (cnt > 0)
            SetBit(map, blkno);
        else
            ClrBit(map, blkno);
        int nblks = Nclusterblks;
        long fwd = 0;
        for (long i = blkno + 1; i < nblks && fwd < fs.Contigsumsize && IsSet(map, i); i++)
            fwd++;
        long back = 0;
        for (long i = blkno - 1; i >= 0 && back < fs.Contigsumsize && IsSet(map, i); i--)
            back++;
        int total = (int)Math.Min(back + fwd + 1, fs.Contigsumsize);
        SetClustersum(total, Clustersum(total) + cnt);
        if (back > 0)
        {
            int b = (int)Math.Min(back, fs.Contigsumsize);
            SetClustersum(b, Clustersum(b) - cnt);
        }
        if (fwd > 0)
        {
            int f = (int)Math.Min(fwd, fs.Contigsumsize);
            SetClustersum(f, Clustersum(f) - cnt);
        }
    }

    /// <summary>
    /// Builds a whole group header from scratch (newfs, and fsck's pass 5): the layout, the given maps, and every
    /// count derived from them -- cg_cs, cg_frsum, the cluster map and summary. <paramref name="freeFrags"/> has a
    /// bit per fragment of the group (1 = free), <paramref name="usedInodes"/> a bit per inode (1 = in use).
    /// </summary>
    public static Cg Build(Fs fs, int c, ReadOnlySpan<byte> freeFrags, ReadOnlySpan<byte> usedInodes, int ndir,
        int initediblk, long time, int rotor = 0, int frotor = 0, int irotor = 0)
    {
        var cgp = new Cg(new byte[fs.Bsize]);
        cgp.Layout(fs, c);
        cgp.Ndir = ndir;
        cgp.Initediblk = initediblk;
        cgp.Time = time;
        cgp.Rotor = rotor;
        cgp.Frotor = frotor;
        cgp.Irotor = irotor;
        var imap = cgp.Inosused(fs);
        usedInodes[..imap.Length].CopyTo(imap);
        int nifree = 0;
        for (int i = 0; i < fs.Ipg; i++)
            if (!IsSet(imap, i))
                nifree++;
        cgp.Nifree = nifree;
        var map = cgp.Blksfree(fs);
        freeFrags[..map.Length].CopyTo(map);
        for (long f = cgp.Ndblk; f < fs.Fpg; f++)
            ClrBit(map, f);
        long nblks = Fs.Howmany(cgp.Ndblk, fs.Frag);
        int nbfree = 0, nffree = 0;
        for (long h = 0; h < nblks; h++)
        {
            if (IsBlock(fs, map, h))
            {
                nbfree++;
                cgp.ClusterAcct(fs, h, 1);
                continue;
            }
            int bits = BlockBits(fs, map, h);
            if (bits == 0)
                continue;
            nffree += System.Numerics.BitOperations.PopCount((uint)bits);
            cgp.FragAcct(fs, bits, 1);
        }
        cgp.Nbfree = nbfree;
        cgp.Nffree = nffree;
        return cgp;
    }
}
