// Vfs.Core: file attributes (vattr_t) and the mask that says which of them a call means.
//
// VOP_GETATTR fills the attributes named in Mask (a file system may fill more); VOP_SETATTR
// changes exactly those named in Mask; VOP_CREATE and VOP_MKDIR read Type, Mode and, when
// masked, Size. A Vattr is a mutable class because it is an in/out parameter that crosses
// layers, exactly as vattr_t * does.
namespace UnixVfs.Core;

/// <summary>Which <see cref="Vattr"/> fields a call reads or writes (<c>va_mask</c>, the AT_* bits).</summary>
[Flags]
public enum AttrMask : uint
{
    None = 0,
    AT_TYPE = 0x0001,
    AT_MODE = 0x0002,
    AT_UID = 0x0004,
    AT_GID = 0x0008,
    AT_FSID = 0x0010,
    AT_NODEID = 0x0020,
    AT_NLINK = 0x0040,
    AT_SIZE = 0x0080,
    AT_ATIME = 0x0100,
    AT_MTIME = 0x0200,
    AT_CTIME = 0x0400,
    AT_RDEV = 0x0800,
    AT_BLKSIZE = 0x1000,
    AT_NBLOCKS = 0x2000,
    AT_SEQ = 0x8000,
    AT_GEN = 0x10000,

    AT_ALL = AT_TYPE | AT_MODE | AT_UID | AT_GID | AT_FSID | AT_NODEID | AT_NLINK | AT_SIZE
        | AT_ATIME | AT_MTIME | AT_CTIME | AT_RDEV | AT_BLKSIZE | AT_NBLOCKS | AT_SEQ | AT_GEN,
    AT_STAT = AT_MODE | AT_UID | AT_GID | AT_FSID | AT_NODEID | AT_NLINK | AT_SIZE
        | AT_ATIME | AT_MTIME | AT_CTIME | AT_RDEV | AT_TYPE,
    AT_TIMES = AT_ATIME | AT_MTIME | AT_CTIME,
    /// <summary>Attributes VOP_SETATTR refuses to set (EINVAL).</summary>
    AT_NOSET = AT_NLINK | AT_RDEV | AT_FSID | AT_NODEID | AT_TYPE | AT_BLKSIZE | AT_NBLOCKS | AT_SEQ | AT_GEN,
}

/// <summary>Flags of VOP_SETATTR and VOP_GETATTR (ATTR_*).</summary>
[Flags]
public enum AttrFlags
{
    None = 0,
    /// <summary>ATTR_UTIME: the caller supplies explicit times (utimes with a value), which only the owner may set.</summary>
    ATTR_UTIME = 0x01,
    /// <summary>ATTR_EXEC: an exec is asking.</summary>
    ATTR_EXEC = 0x02,
    /// <summary>ATTR_COMM: yield a value already cached (a hint is enough).</summary>
    ATTR_COMM = 0x04,
    /// <summary>ATTR_HINT: a cached value is fine.</summary>
    ATTR_HINT = 0x08,
    /// <summary>ATTR_REAL: the attributes of the real (lower) vnode, not of a layer above it.</summary>
    ATTR_REAL = 0x10,
    /// <summary>
    /// ATTR_NOACLCHECK: write access to the file was settled already, so a change of size is not checked again:
    /// ftruncate(2) and open(2) with O_TRUNC on a descriptor open for writing, an NFS CREATE that made the file.
    /// </summary>
    ATTR_NOACLCHECK = 0x20,
}

/// <summary>File attributes (<c>vattr_t</c>).</summary>
public sealed class Vattr
{
    /// <summary><c>va_mask</c>: which of the fields below this call means.</summary>
    public AttrMask Mask;
    /// <summary><c>va_type</c>.</summary>
    public VType Type;
    /// <summary><c>va_mode</c>: permission and set-id bits only (MODEMASK, 07777).</summary>
    public uint Mode;
    /// <summary><c>va_uid</c>.</summary>
    public uint Uid;
    /// <summary><c>va_gid</c>.</summary>
    public uint Gid;
    /// <summary><c>va_fsid</c>: the file system id of the vfs holding the file.</summary>
    public ulong Fsid;
    /// <summary><c>va_nodeid</c>: the inode number.</summary>
    public ulong NodeId;
    /// <summary><c>va_nlink</c>.</summary>
    public uint Nlink;
    /// <summary><c>va_size</c>: bytes.</summary>
    public long Size;
    /// <summary><c>va_atime</c>.</summary>
    public Timespec Atime;
    /// <summary><c>va_mtime</c>.</summary>
    public Timespec Mtime;
    /// <summary><c>va_ctime</c>.</summary>
    public Timespec Ctime;
    /// <summary><c>va_rdev</c>: the device a VCHR/VBLK node stands for.</summary>
    public ulong Rdev;
    /// <summary><c>va_blksize</c>: the preferred I/O size.</summary>
    public uint Blksize;
    /// <summary><c>va_nblocks</c>: 512-byte blocks allocated (less than Size/512 for a sparse file).</summary>
    public long Nblocks;
    /// <summary><c>va_seq</c>: a change sequence number, if the file system keeps one.</summary>
    public uint Seq;
    /// <summary>The inode's generation number (not in illumos vattr_t; NFS file handles need it).</summary>
    public uint Gen;

    public Vattr() { }

    public Vattr(AttrMask mask) => Mask = mask;

    /// <summary>A field-by-field copy.</summary>
    public Vattr Clone() => (Vattr)MemberwiseClone();

    /// <summary>Copies every field of <paramref name="other"/> into this one.</summary>
    public void CopyFrom(Vattr other)
    {
        Mask = other.Mask; Type = other.Type; Mode = other.Mode; Uid = other.Uid; Gid = other.Gid;
        Fsid = other.Fsid; NodeId = other.NodeId; Nlink = other.Nlink; Size = other.Size;
        Atime = other.Atime; Mtime = other.Mtime; Ctime = other.Ctime; Rdev = other.Rdev;
        Blksize = other.Blksize; Nblocks = other.Nblocks; Seq = other.Seq; Gen = other.Gen;
    }

    /// <summary>The st_mode a stat(2) caller sees: S_IFMT bits of Type with the permission bits.</summary>
    public uint StMode => ModeBits.VtToIf(Type) | (Mode & ModeBits.ModeMask);

    public override string ToString() =>
        $"{ModeBits.ToLsString(Type, Mode)} ino={NodeId} nlink={Nlink} uid={Uid} gid={Gid} size={Size} mtime={Mtime}";
}
