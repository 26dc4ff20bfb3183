// Vfs.Core: the flag and constant sets of the system-call layer (Linux values, as a C program
// on this host would pass them): open(2) flags, lseek whence, *at() flags, access(2) modes.
namespace UnixVfs.Core;

/// <summary>open(2) flags (Linux values).</summary>
[Flags]
public enum OFlags
{
    O_RDONLY = 0x0,
    O_WRONLY = 0x1,
    O_RDWR = 0x2,
    O_ACCMODE = 0x3,
    O_CREAT = 0x40,
    O_EXCL = 0x80,
    O_NOCTTY = 0x100,
    O_TRUNC = 0x200,
    O_APPEND = 0x400,
    O_NONBLOCK = 0x800,
    O_DSYNC = 0x1000,
    O_DIRECTORY = 0x10000,
    O_NOFOLLOW = 0x20000,
    O_CLOEXEC = 0x80000,
    O_SYNC = 0x101000,

    /// <summary>Every flag open(2) accepts here; any other bit is EINVAL.</summary>
    O_VALID = O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | O_NONBLOCK | O_DSYNC
        | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_SYNC,
}

/// <summary>lseek(2) whence.</summary>
public enum Whence
{
    SEEK_SET = 0,
    SEEK_CUR = 1,
    SEEK_END = 2,
    /// <summary>The next offset holding data (Linux's and FreeBSD's value).</summary>
    SEEK_DATA = 3,
    /// <summary>The next offset in a hole; the end of the file counts as one.</summary>
    SEEK_HOLE = 4,
}

/// <summary>access(2) modes.</summary>
[Flags]
public enum AccessOk
{
    F_OK = 0,
    X_OK = 1,
    W_OK = 2,
    R_OK = 4,
}

/// <summary>System-call flags of the *at family that this layer honours (utimensat).</summary>
[Flags]
public enum AtFlags
{
    None = 0,
    AT_SYMLINK_NOFOLLOW = 0x100,
}
