// Vfs.Core: file system statistics returned by VFS_STATVFS and statvfs(2) (statvfs64_t).
namespace UnixVfs.Core;

/// <summary>File system statistics (<c>statvfs64_t</c>).</summary>
public sealed class Statvfs
{
    /// <summary><c>f_bsize</c>: preferred block size.</summary>
    public ulong Bsize;
    /// <summary><c>f_frsize</c>: fundamental block (fragment) size; f_blocks counts these.</summary>
    public ulong Frsize;
    /// <summary><c>f_blocks</c>: total blocks of f_frsize.</summary>
    public ulong Blocks;
    /// <summary><c>f_bfree</c>: free blocks.</summary>
    public ulong Bfree;
    /// <summary><c>f_bavail</c>: free blocks available to a non-superuser.</summary>
    public ulong Bavail;
    /// <summary><c>f_files</c>: total inodes.</summary>
    public ulong Files;
    /// <summary><c>f_ffree</c>: free inodes.</summary>
    public ulong Ffree;
    /// <summary><c>f_favail</c>: free inodes available to a non-superuser.</summary>
    public ulong Favail;
    /// <summary><c>f_fsid</c>.</summary>
    public ulong Fsid;
    /// <summary><c>f_basetype</c>: the file system type name ("ufs", "nfs", "tmpfs", "mfs").</summary>
    public string Basetype = "";
    /// <summary><c>f_flag</c>: ST_RDONLY (1), ST_NOSUID (2).</summary>
    public ulong Flag;
    /// <summary><c>f_namemax</c>: longest file name in bytes.</summary>
    public ulong Namemax;

    public const ulong ST_RDONLY = 1;
    public const ulong ST_NOSUID = 2;
}
