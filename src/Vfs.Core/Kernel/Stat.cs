// Vfs.Core: what stat(2), lstat(2) and fstat(2) return (struct stat), built from a vattr.
namespace UnixVfs.Core;

/// <summary>File status (<c>struct stat</c>).</summary>
public sealed record Stat
{
    /// <summary><c>st_dev</c>: the fsid of the file's vfs.</summary>
    public ulong Dev { get; init; }
    /// <summary><c>st_ino</c>.</summary>
    public ulong Ino { get; init; }
    /// <summary><c>st_mode</c>: S_IFMT type bits and permission bits.</summary>
    public uint Mode { get; init; }
    /// <summary><c>st_nlink</c>.</summary>
    public uint Nlink { get; init; }
    /// <summary><c>st_uid</c>.</summary>
    public uint Uid { get; init; }
    /// <summary><c>st_gid</c>.</summary>
    public uint Gid { get; init; }
    /// <summary><c>st_rdev</c>.</summary>
    public ulong Rdev { get; init; }
    /// <summary><c>st_size</c>.</summary>
    public long Size { get; init; }
    /// <summary><c>st_blksize</c>.</summary>
    public uint Blksize { get; init; }
    /// <summary><c>st_blocks</c>: 512-byte blocks allocated.</summary>
    public long Blocks { get; init; }
    /// <summary><c>st_atim</c>.</summary>
    public Timespec Atime { get; init; }
    /// <summary><c>st_mtim</c>.</summary>
    public Timespec Mtime { get; init; }
    /// <summary><c>st_ctim</c>.</summary>
    public Timespec Ctime { get; init; }

    /// <summary>The file type.</summary>
    public VType Type => ModeBits.IfToVt(Mode);

    /// <summary>The permission and set-id bits (07777).</summary>
    public uint Perm => Mode & ModeBits.ModeMask;

    public static Stat FromVattr(Vattr va) => new()
    {
        Dev = va.Fsid,
        Ino = va.NodeId,
        Mode = va.StMode,
        Nlink = va.Nlink,
        Uid = va.Uid,
        Gid = va.Gid,
        Rdev = va.Rdev,
        Size = va.Size,
        Blksize = va.Blksize,
        Blocks = va.Nblocks,
        Atime = va.Atime,
        Mtime = va.Mtime,
        Ctime = va.Ctime,
    };
}
