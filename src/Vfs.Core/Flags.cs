// Vfs.Core: the small flag sets that VOP_* and VFS_* calls carry (file flags, access modes,
// exclusive-create, sync kinds, caller context). Values follow illumos <sys/file.h>, <sys/vnode.h>
// and <sys/vfs.h>; the open(2) flags of the system-call layer are Linux's and live in OFlags.
namespace UnixVfs.Core;

/// <summary>
/// In-kernel file flags (FREAD, FWRITE, ...): the open file's f_flag, the flag argument of
/// VOP_OPEN/VOP_CLOSE, and the ioflag of VOP_READ/VOP_WRITE (FAPPEND, FSYNC, FDSYNC, FRSYNC).
/// </summary>
[Flags]
public enum FileFlags
{
    None = 0,
    FREAD = 0x01,
    FWRITE = 0x02,
    FNDELAY = 0x04,
    FAPPEND = 0x08,
    FSYNC = 0x10,
    FDSYNC = 0x40,
    FNONBLOCK = 0x80,
    FCREAT = 0x100,
    FTRUNC = 0x200,
    FEXCL = 0x400,
    FNOFOLLOW = 0x20000,
    FRSYNC = 0x8000,
    FDIRECTORY = 0x100000,
}

/// <summary>Access bits of VOP_ACCESS and VOP_CREATE's mode (VREAD, VWRITE, VEXEC: the owner's rwx bits).</summary>
[Flags]
public enum AccessMode
{
    None = 0,
    VEXEC = 0x40,
    VWRITE = 0x80,
    VREAD = 0x100,
}

/// <summary>Flags of VOP_ACCESS.</summary>
[Flags]
public enum AccessFlags
{
    None = 0,
    /// <summary>V_ACE_MASK in illumos; here: check with the real ids (access(2)), not the effective ones.</summary>
    V_APPEND = 0x2,
}

/// <summary>VOP_CREATE's exclusive flag (<c>vcexcl_t</c>).</summary>
public enum VcExcl
{
    /// <summary>NONEXCL: an existing file is opened (and truncated if Size is masked).</summary>
    NONEXCL = 0,
    /// <summary>EXCL: an existing file is EEXIST.</summary>
    EXCL = 1,
}

/// <summary>Flags of VOP_LOOKUP.</summary>
[Flags]
public enum LookupFlags
{
    None = 0,
    /// <summary>LOOKUP_DIR: the caller wants the directory; the last component may be "..".</summary>
    LOOKUP_DIR = 0x01,
}

/// <summary>The kind of VOP_RWLOCK (<c>V_WRITELOCK_TRUE</c>/<c>V_WRITELOCK_FALSE</c>).</summary>
public enum RwLockType
{
    /// <summary>V_WRITELOCK_FALSE: a shared (reader) lock.</summary>
    Reader = 0,
    /// <summary>V_WRITELOCK_TRUE: an exclusive (writer) lock.</summary>
    Writer = 1,
}

/// <summary>Flags of VFS_SYNC (SYNC_ATTR, SYNC_CLOSE, SYNC_ALL).</summary>
[Flags]
public enum SyncFlags : short
{
    None = 0,
    SYNC_ATTR = 0x01,
    SYNC_CLOSE = 0x02,
    SYNC_ALL = 0x04,
}

/// <summary>Flags of VFS_UNMOUNT.</summary>
[Flags]
public enum UnmountFlags
{
    None = 0,
    /// <summary>MS_FORCE: unmount even if files are busy.</summary>
    MS_FORCE = 0x400,
}

/// <summary>Flags of mount(2) (<c>mounta.flags</c>).</summary>
[Flags]
public enum MountFlags
{
    None = 0,
    MS_RDONLY = 0x0001,
    MS_NOSUID = 0x0010,
    MS_REMOUNT = 0x0008,
    MS_DATA = 0x0004,
    /// <summary>MS_OVERLAY: allow mounting over a directory that is already a mount point or in use.</summary>
    MS_OVERLAY = 0x0080,
    MS_OPTIONSTR = 0x0100,
}

/// <summary>Flags of a vfs (<c>vfs_flag</c>).</summary>
[Flags]
public enum VfsFlags : uint
{
    None = 0,
    VFS_RDONLY = 0x01,
    VFS_NOSETUID = 0x08,
    VFS_REMOUNT = 0x10,
    VFS_NOTRUNC = 0x20,
    VFS_UNLINKABLE = 0x40,
    VFS_UNMOUNTED = 0x100,
}

/// <summary>Flags of a vnode (<c>v_flag</c>).</summary>
[Flags]
public enum VnodeFlags : ushort
{
    None = 0,
    /// <summary>VROOT: the root of its file system.</summary>
    VROOT = 0x01,
    /// <summary>VNOCACHE: do not keep in the DNLC.</summary>
    VNOCACHE = 0x02,
    /// <summary>VNOMOUNT: nothing may be mounted on it.</summary>
    VNOMOUNT = 0x08,
}

/// <summary>Flags in a <see cref="CallerContext"/> (<c>cc_flags</c>).</summary>
[Flags]
public enum CallerContextFlags
{
    None = 0,
    /// <summary>CC_DONTBLOCK: an operation that would block returns EAGAIN instead (VOP_RWLOCK honours it).</summary>
    CC_DONTBLOCK = 0x01,
}

/// <summary>Who is calling a VOP (<c>caller_context_t</c>); optional on every op.</summary>
public sealed class CallerContext
{
    /// <summary>A context that makes VOP_RWLOCK try once and return EAGAIN rather than wait.</summary>
    public static readonly CallerContext DontBlock = new() { Flags = CallerContextFlags.CC_DONTBLOCK };

    /// <summary><c>cc_pid</c>.</summary>
    public int Pid { get; init; }

    /// <summary><c>cc_sysid</c>: the remote host for a request served on behalf of a network client.</summary>
    public int Sysid { get; init; }

    /// <summary><c>cc_flags</c>.</summary>
    public CallerContextFlags Flags { get; init; }

    public bool DontBlockSet => (Flags & CallerContextFlags.CC_DONTBLOCK) != 0;
}

/// <summary>pathconf(2) names (_PC_*), Linux numbering.</summary>
public enum PathconfName
{
    _PC_LINK_MAX = 0,
    _PC_MAX_CANON = 1,
    _PC_MAX_INPUT = 2,
    _PC_NAME_MAX = 3,
    _PC_PATH_MAX = 4,
    _PC_PIPE_BUF = 5,
    _PC_CHOWN_RESTRICTED = 6,
    _PC_NO_TRUNC = 7,
    _PC_FILESIZEBITS = 13,
}
