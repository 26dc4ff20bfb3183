// Vfs.Fuse: the kernel's FUSE protocol (linux/fuse.h), the parts the bridge speaks.
//
// Every message on /dev/fuse is one read(2) or one write(2). A request is
//     fuse_in_header (40 bytes) | the opcode's fuse_*_in struct | names (NUL-terminated) or data
// and a reply is
//     fuse_out_header (16 bytes: len, -errno, unique) | the opcode's fuse_*_out struct or data.
// A notification is a reply with unique 0 whose error field holds the notify code.
// All fields are little-endian (the host's order); the layouts below are those of protocol 7.31,
// the version this bridge answers INIT with.
//
//   fuse_in_header     len u32 | opcode u32 | unique u64 | nodeid u64 | uid u32 | gid u32 | pid u32 | extlen u16 | pad u16
//   fuse_attr (88)     ino size blocks atime mtime ctime (u64 each) | atimensec mtimensec ctimensec mode nlink
//                      uid gid rdev blksize flags (u32 each)
//   fuse_entry_out     nodeid generation entry_valid attr_valid (u64) | entry_valid_nsec attr_valid_nsec (u32) | fuse_attr
//   fuse_attr_out      attr_valid u64 | attr_valid_nsec u32 | dummy u32 | fuse_attr
//   fuse_dirent        ino u64 | off u64 | namelen u32 | type u32 | name, padded to 8
//   fuse_direntplus    fuse_entry_out | fuse_dirent
namespace UnixVfs.Fuse;

/// <summary>FUSE request opcodes (<c>enum fuse_opcode</c>).</summary>
internal enum FuseOpcode : uint
{
    LOOKUP = 1, FORGET = 2, GETATTR = 3, SETATTR = 4, READLINK = 5, SYMLINK = 6, MKNOD = 8, MKDIR = 9,
    UNLINK = 10, RMDIR = 11, RENAME = 12, LINK = 13, OPEN = 14, READ = 15, WRITE = 16, STATFS = 17,
    RELEASE = 18, FSYNC = 20, SETXATTR = 21, GETXATTR = 22, LISTXATTR = 23, REMOVEXATTR = 24, FLUSH = 25,
    INIT = 26, OPENDIR = 27, READDIR = 28, RELEASEDIR = 29, FSYNCDIR = 30, GETLK = 31, SETLK = 32,
    SETLKW = 33, ACCESS = 34, CREATE = 35, INTERRUPT = 36, BMAP = 37, DESTROY = 38, IOCTL = 39, POLL = 40,
    NOTIFY_REPLY = 41, BATCH_FORGET = 42, FALLOCATE = 43, READDIRPLUS = 44, RENAME2 = 45, LSEEK = 46,
    COPY_FILE_RANGE = 47, SYNCFS = 50, TMPFILE = 51,
}

/// <summary>Notification codes (<c>enum fuse_notify_code</c>).</summary>
internal enum FuseNotifyCode
{
    INVAL_INODE = 2,
    INVAL_ENTRY = 3,
}

/// <summary>Sizes, flags and the node id of the root.</summary>
internal static class FuseProto
{
    public const uint KernelVersion = 7;
    /// <summary>The minor version this bridge speaks (max_pages arrived in 7.28, the 64-byte init_out in 7.23).</summary>
    public const uint KernelMinor = 31;

    public const int InHeaderSize = 40;
    public const int OutHeaderSize = 16;
    public const int AttrSize = 88;
    public const int EntryOutSize = 40 + AttrSize;
    public const int AttrOutSize = 16 + AttrSize;
    public const int DirentHeaderSize = 24;

    /// <summary>FUSE_ROOT_ID: the node id of the mount's root.</summary>
    public const ulong RootId = 1;

    // fuse_init_in/out flags.
    public const uint FUSE_ASYNC_READ = 1 << 0;
    public const uint FUSE_BIG_WRITES = 1 << 5;
    public const uint FUSE_AUTO_INVAL_DATA = 1 << 12;
    public const uint FUSE_DO_READDIRPLUS = 1 << 13;
    public const uint FUSE_READDIRPLUS_AUTO = 1 << 14;
    public const uint FUSE_HANDLE_KILLPRIV = 1 << 19;
    public const uint FUSE_MAX_PAGES = 1 << 22;
    public const uint FUSE_HANDLE_KILLPRIV_V2 = 1 << 28;

    // fuse_setattr_in.valid.
    public const uint FATTR_MODE = 1 << 0;
    public const uint FATTR_UID = 1 << 1;
    public const uint FATTR_GID = 1 << 2;
    public const uint FATTR_SIZE = 1 << 3;
    public const uint FATTR_ATIME = 1 << 4;
    public const uint FATTR_MTIME = 1 << 5;
    public const uint FATTR_FH = 1 << 6;
    public const uint FATTR_ATIME_NOW = 1 << 7;
    public const uint FATTR_MTIME_NOW = 1 << 8;

    /// <summary>FUSE_FSYNC_FDATASYNC in fuse_fsync_in.fsync_flags.</summary>
    public const uint FUSE_FSYNC_FDATASYNC = 1;

    // renameat2(2) flags in fuse_rename2_in.flags.
    public const uint RENAME_NOREPLACE = 1;

    // open(2) flags as the kernel passes them in fuse_open_in/fuse_create_in/fuse_write_in.
    public const uint O_ACCMODE = 3;
    public const uint O_WRONLY = 1;
    public const uint O_RDWR = 2;
    public const uint O_EXCL = 0x80;
    public const uint O_TRUNC = 0x200;
    public const uint O_APPEND = 0x400;
    public const uint O_DSYNC = 0x1000;
    public const uint O_SYNC = 0x101000;

    /// <summary>FUSE_REC_ALIGN: directory records are padded to 8 bytes.</summary>
    public static int Align8(int n) => (n + 7) & ~7;
}
