// Vfs.Ufs: the on-disk inode (struct ufs2_dinode of FreeBSD sys/ufs/ufs/dinode.h), 256 bytes.
//
//     0 di_mode (u16)      2 di_nlink (s16)     4 di_uid            8 di_gid          12 di_blksize
//    16 di_size (u64)     24 di_blocks (u64: DEV_BSIZE units held, indirect and ext blocks included)
//    32 di_atime  40 di_mtime  48 di_ctime  56 di_birthtime (s64 seconds)
//    64 di_mtimensec  68 di_atimensec  72 di_ctimensec  76 di_birthnsec (s32)
//    80 di_gen  84 di_kernflags  88 di_flags  92 di_extsize
//    96 di_extb[2]  112 di_db[12]  208 di_ib[3] (s64 fragment addresses)   232 di_modrev  240 di_spare[2]
//
// A symbolic link shorter than fs_maxsymlinklen (120) keeps its text in the bytes of di_db/di_ib and
// holds no blocks (di_blocks = 0); a device node keeps its dev_t in di_db[0] (di_rdev).
using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace UnixVfs.Ufs;

/// <summary>di_db: the direct block addresses, kept inside the dinode object (no separate array to allocate).</summary>
[InlineArray(Fs.NDADDR)]
internal struct DirectAddrs
{
    private long _e;
}

/// <summary>di_ib: the single, double and triple indirect block addresses.</summary>
[InlineArray(Fs.NIADDR)]
internal struct IndirectAddrs
{
    private long _e;
}

/// <summary>di_extb: the extended-attribute block addresses.</summary>
[InlineArray(Fs.NXADDR)]
internal struct ExtAddrs
{
    private long _e;
}

/// <summary>A UFS2 dinode (<c>struct ufs2_dinode</c>).</summary>
internal sealed class Dinode
{
    /// <summary>sizeof(struct ufs2_dinode).</summary>
    public const int Size = 256;

    /// <summary>IFMT and the file types of di_mode.</summary>
    public const ushort IFMT = 0xF000, IFIFO = 0x1000, IFCHR = 0x2000, IFDIR = 0x4000, IFBLK = 0x6000,
        IFREG = 0x8000, IFLNK = 0xA000, IFSOCK = 0xC000, IFWHT = 0xE000;

    public ushort Mode;
    public short Nlink;
    public uint Uid, Gid, Blksize;
    public long DiSize;
    public long Blocks;
    public long Atime, Mtime, Ctime, Birthtime;
    public int Mtimensec, Atimensec, Ctimensec, Birthnsec;
    public int Gen;
    public uint Kernflags, Flags;
    public int Extsize;
    public ExtAddrs Extb;
    public DirectAddrs Db;
    public IndirectAddrs Ib;
    public long Modrev;

    /// <summary>Decodes the dinode at the start of <paramref name="b"/>.</summary>
    public void Read(ReadOnlySpan<byte> b)
    {
        Mode = BinaryPrimitives.ReadUInt16LittleEndian(b);
        Nlink = BinaryPrimitives.ReadInt16LittleEndian(b[2..]);
        Uid = BinaryPrimitives.ReadUInt32LittleEndian(b[4..]);
        Gid = BinaryPrimitives.ReadUInt32LittleEndian(b[8..]);
        Blksize = BinaryPrimitives.ReadUInt32LittleEndian(b[12..]);
        DiSize = BinaryPrimitives.ReadInt64LittleEndian(b[16..]);
        Blocks = BinaryPrimitives.ReadInt64LittleEndian(b[24..]);
        Atime = BinaryPrimitives.ReadInt64LittleEndian(b[32..]);
        Mtime = BinaryPrimitives.ReadInt64LittleEndian(b[40..]);
        Ctime = BinaryPrimitives.ReadInt64LittleEndian(b[48..]);
        Birthtime = BinaryPrimitives.ReadInt64LittleEndian(b[56..]);
        Mtimensec = BinaryPrimitives.ReadInt32LittleEndian(b[64..]);
        Atimensec = BinaryPrimitives.ReadInt32LittleEndian(b[68..]);
        Ctimensec = BinaryPrimitives.ReadInt32LittleEndian(b[72..]);
        Birthnsec = BinaryPrimitives.ReadInt32LittleEndian(b[76..]);
        Gen = BinaryPrimitives.ReadInt32LittleEndian(b[80..]);
        Kernflags = BinaryPrimitives.ReadUInt32LittleEndian(b[84..]);
        Flags = BinaryPrimitives.ReadUInt32LittleEndian(b[88..]);
        Extsize = BinaryPrimitives.ReadInt32LittleEndian(b[92..]);
        for (int i = 0; i < Fs.NXADDR; i++)
            Extb[i] = BinaryPrimitives.ReadInt64LittleEndian(b[(96 + 8 * i)..]);
        for (int i = 0; i < Fs.NDADDR; i++)
            Db[i] = BinaryPrimitives.ReadInt64LittleEndian(b[(112 + 8 * i)..]);
        for (int i = 0; i < Fs.NIADDR; i++)
            Ib[i] = BinaryPrimitives.ReadInt64LittleEndian(b[(208 + 8 * i)..]);
        Modrev = BinaryPrimitives.ReadInt64LittleEndian(b[232..]);
    }

    /// <summary>Encodes the dinode into the first 256 bytes of <paramref name="b"/> (the spare words are zeroed).</summary>
    public void Write(Span<byte> b)
    {
        b = b[..Size];
        b.Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(b, Mode);
        BinaryPrimitives.WriteInt16LittleEndian(b[2..], Nlink);
        BinaryPrimitives.WriteUInt32LittleEndian(b[4..], Uid);
        BinaryPrimitives.WriteUInt32LittleEndian(b[8..], Gid);
        BinaryPrimitives.WriteUInt32LittleEndian(b[12..], Blksize);
        BinaryPrimitives.WriteInt64LittleEndian(b[16..], DiSize);
        BinaryPrimitives.WriteInt64LittleEndian(b[24..], Blocks);
        BinaryPrimitives.WriteInt64LittleEndian(b[32..], Atime);
        BinaryPrimitives.WriteInt64LittleEndian(b[40..], Mtime);
        BinaryPrimitives.WriteInt64LittleEndian(b[48..], Ctime);
        BinaryPrimitives.WriteInt64LittleEndian(b[56..], Birthtime);
        BinaryPrimitives.WriteInt32LittleEndian(b[64..], Mtimensec);
        BinaryPrimitives.WriteInt32LittleEndian(b[68..], Atimensec);
        BinaryPrimitives.WriteInt32LittleEndian(b[72..], Ctimensec);
        BinaryPrimitives.WriteInt32LittleEndian(b[76..], Birthnsec);
        BinaryPrimitives.WriteInt32LittleEndian(b[80..], Gen);
        BinaryPrimitives.WriteUInt32LittleEndian(b[84..], Kernflags);
        BinaryPrimitives.WriteUInt32LittleEndian(b[88..], Flags);
        BinaryPrimitives.WriteInt32LittleEndian(b[92..], Extsize);
        for (int i = 0; i < Fs.NXADDR; i++)
            BinaryPrimitives.WriteInt64LittleEndian(b[(96 + 8 * i)..], Extb[i]);
        for (int i = 0; i < Fs.NDADDR; i++)
            BinaryPrimitives.WriteInt64LittleEndian(b[(112 + 8 * i)..], Db[i]);
        for (int i = 0; i < Fs.NIADDR; i++)
            BinaryPrimitives.WriteInt64LittleEndian(b[(208 + 8 * i)..], Ib[i]);
        BinaryPrimitives.WriteInt64LittleEndian(b[232..], Modrev);
    }

    /// <summary>Resets every field to zero (a free dinode), keeping the generation number.</summary>
    public void Clear()
    {
        int gen = Gen;
        Mode = 0; Nlink = 0; Uid = Gid = Blksize = 0; DiSize = Blocks = 0;
        Atime = Mtime = Ctime = Birthtime = 0; Mtimensec = Atimensec = Ctimensec = Birthnsec = 0;
        Kernflags = Flags = 0; Extsize = 0; Modrev = 0;
        ((Span<long>)Extb).Clear(); ((Span<long>)Db).Clear(); ((Span<long>)Ib).Clear();
        Gen = gen;
    }

    /// <summary>The file type bits (IFMT) of di_mode.</summary>
    public ushort Type => (ushort)(Mode & IFMT);

    /// <summary>The text of an inline symbolic link: the first <paramref name="len"/> bytes of di_db/di_ib.</summary>
    public void GetShortLink(Span<byte> dst, int len)
    {
        Span<byte> area = stackalloc byte[Fs.MaxSymlinkLen];
        for (int i = 0; i < Fs.NDADDR; i++)
            BinaryPrimitives.WriteInt64LittleEndian(area[(8 * i)..], Db[i]);
        for (int i = 0; i < Fs.NIADDR; i++)
            BinaryPrimitives.WriteInt64LittleEndian(area[(8 * (Fs.NDADDR + i))..], Ib[i]);
        area[..len].CopyTo(dst);
    }

    /// <summary>Stores <paramref name="text"/> (shorter than 120 bytes) as an inline symbolic link.</summary>
    public void SetShortLink(ReadOnlySpan<byte> text)
    {
        Span<byte> area = stackalloc byte[Fs.MaxSymlinkLen];
        area.Clear();
        text.CopyTo(area);
        for (int i = 0; i < Fs.NDADDR; i++)
            Db[i] = BinaryPrimitives.ReadInt64LittleEndian(area[(8 * i)..]);
        for (int i = 0; i < Fs.NIADDR; i++)
            Ib[i] = BinaryPrimitives.ReadInt64LittleEndian(area[(8 * (Fs.NDADDR + i))..]);
    }

    /// <summary>True when the type bits name a file type UFS stores.</summary>
    public static bool ValidType(ushort type) =>
        type is IFIFO or IFCHR or IFDIR or IFBLK or IFREG or IFLNK or IFSOCK;

    /// <summary>IFTODT: the directory-entry type of IFMT bits.</summary>
    public static byte ToDt(ushort type) => (byte)(type >> 12);
}
