// Vfs.Core: directory entries as VOP_READDIR returns them (struct dirent64, Linux layout).
//
// VOP_READDIR fills the caller's Uio with packed records:
//     u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[] (the name's bytes, NUL-terminated; see FsName),
// each padded to 8 bytes. d_off is the cookie of the *next* entry: a reader that stops after an
// entry resumes by setting the Uio offset to its d_off. On return, Uio.Offset holds the cookie to
// continue from. getdents(2) hands these bytes to the caller as they are; the NFS server turns
// them into READDIR/READDIRPLUS entries with the cookies intact.
using System.Buffers.Binary;

namespace UnixVfs.Core;

/// <summary>A decoded directory entry.</summary>
public readonly record struct Dirent(ulong Ino, long Off, VType Type, string Name);

/// <summary>Encoding and decoding of dirent64 records.</summary>
public static class Dirent64
{
    /// <summary>Offset of d_name within a record.</summary>
    public const int NameOffset = 19;

    /// <summary>DT_* of a vnode type (d_type).</summary>
    public static byte DType(VType t) => t switch
    {
        VType.VFIFO => 1,
        VType.VCHR => 2,
        VType.VDIR => 4,
        VType.VBLK => 6,
        VType.VREG => 8,
        VType.VLNK => 10,
        VType.VSOCK => 12,
        _ => 0,
    };

    /// <summary>The vnode type of a d_type (VNON for DT_UNKNOWN).</summary>
    public static VType FromDType(byte d) => d switch
    {
        1 => VType.VFIFO,
        2 => VType.VCHR,
        4 => VType.VDIR,
        6 => VType.VBLK,
        8 => VType.VREG,
        10 => VType.VLNK,
        12 => VType.VSOCK,
        _ => VType.VNON,
    };

    /// <summary>The record length of an entry whose name is <paramref name="nameBytes"/> bytes long.</summary>
    public static int RecLen(int nameBytes) => (NameOffset + nameBytes + 1 + 7) & ~7;

    /// <summary>
    /// Appends one entry to a readdir Uio. Returns false, moving nothing, when the record does not
    /// fit in what is left of the caller's buffer; the file system then stops and reports where to resume.
    /// On success the Uio's offset is set to <paramref name="nextOff"/>.
    /// </summary>
    public static bool TryAdd(Uio uio, ulong ino, long nextOff, VType type, string name)
    {
        Span<byte> nb = name.Length <= 512 ? stackalloc byte[name.Length * FsName.MaxBytesPerChar] : new byte[name.Length * FsName.MaxBytesPerChar];
        if (!FsName.TryEncode(name, nb, out int n))
            throw new VfsPanicException($"readdir: {FsName.Visible(name)} is not a name string");
        return TryAdd(uio, ino, nextOff, type, nb[..n]);
    }

    /// <summary>TryAdd with the name's bytes as they are (a file system that keeps names as bytes).</summary>
    public static bool TryAdd(Uio uio, ulong ino, long nextOff, VType type, ReadOnlySpan<byte> name)
    {
        int reclen = RecLen(name.Length);
        if (reclen > uio.Resid)
            return false;
        Span<byte> rec = reclen <= 512 ? stackalloc byte[reclen] : new byte[reclen];
        rec.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(rec, ino);
        BinaryPrimitives.WriteInt64LittleEndian(rec[8..], nextOff);
        BinaryPrimitives.WriteUInt16LittleEndian(rec[16..], (ushort)reclen);
        rec[18] = DType(type);
        name.CopyTo(rec[NameOffset..]);
        uio.MoveOut(rec);
        uio.Offset = nextOff;
        return true;
    }

    /// <summary>Decodes the records in a buffer filled by VOP_READDIR or getdents; stops at a malformed record.</summary>
    public static List<Dirent> Parse(ReadOnlySpan<byte> buf)
    {
        var list = new List<Dirent>();
        while (buf.Length >= NameOffset + 1)
        {
            ulong ino = BinaryPrimitives.ReadUInt64LittleEndian(buf);
            long off = BinaryPrimitives.ReadInt64LittleEndian(buf[8..]);
            int reclen = BinaryPrimitives.ReadUInt16LittleEndian(buf[16..]);
            if (reclen < NameOffset + 1 || reclen > buf.Length)
                break;
            var nameArea = buf[NameOffset..reclen];
            int nul = nameArea.IndexOf((byte)0);
            var name = FsName.Decode(nul < 0 ? nameArea : nameArea[..nul]);
            list.Add(new Dirent(ino, off, FromDType(buf[18]), name));
            buf = buf[reclen..];
        }
        return list;
    }
}
