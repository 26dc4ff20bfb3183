// Vfs.Nfs / NFSv3 protocol (RFC 1813): program and procedure numbers, the status codes, and the
// constants of the procedures' arguments. The names are the RFC's so the code reads against it.
namespace UnixVfs.Nfs.Protocol;

/// <summary>NFS version 3: program 100003.</summary>
public static class Nfs3
{
    public const uint Program = 100003;
    public const uint Version = 3;

    /// <summary>NFS3_FHSIZE: the longest file handle.</summary>
    public const int FhSize = 64;
    /// <summary>NFS3_COOKIEVERFSIZE, NFS3_CREATEVERFSIZE, NFS3_WRITEVERFSIZE.</summary>
    public const int VerfSize = 8;

    public const uint NULL = 0, GETATTR = 1, SETATTR = 2, LOOKUP = 3, ACCESS = 4, READLINK = 5, READ = 6,
        WRITE = 7, CREATE = 8, MKDIR = 9, SYMLINK = 10, MKNOD = 11, REMOVE = 12, RMDIR = 13, RENAME = 14,
        LINK = 15, READDIR = 16, READDIRPLUS = 17, FSSTAT = 18, FSINFO = 19, PATHCONF = 20, COMMIT = 21;

    /// <summary>ACCESS3_* bits.</summary>
    public const uint ACCESS3_READ = 0x01, ACCESS3_LOOKUP = 0x02, ACCESS3_MODIFY = 0x04, ACCESS3_EXTEND = 0x08,
        ACCESS3_DELETE = 0x10, ACCESS3_EXECUTE = 0x20;

    /// <summary>FSINFO properties (FSF3_*).</summary>
    public const uint FSF3_LINK = 0x01, FSF3_SYMLINK = 0x02, FSF3_HOMOGENEOUS = 0x08, FSF3_CANSETTIME = 0x10;
}

/// <summary><c>nfsstat3</c>.</summary>
public enum NfsStat3 : uint
{
    NFS3_OK = 0,
    NFS3ERR_PERM = 1,
    NFS3ERR_NOENT = 2,
    NFS3ERR_IO = 5,
    NFS3ERR_NXIO = 6,
    NFS3ERR_ACCES = 13,
    NFS3ERR_EXIST = 17,
    NFS3ERR_XDEV = 18,
    NFS3ERR_NODEV = 19,
    NFS3ERR_NOTDIR = 20,
    NFS3ERR_ISDIR = 21,
    NFS3ERR_INVAL = 22,
    NFS3ERR_FBIG = 27,
    NFS3ERR_NOSPC = 28,
    NFS3ERR_ROFS = 30,
    NFS3ERR_MLINK = 31,
    NFS3ERR_NAMETOOLONG = 63,
    NFS3ERR_NOTEMPTY = 66,
    NFS3ERR_DQUOT = 69,
    NFS3ERR_STALE = 70,
    NFS3ERR_REMOTE = 71,
    NFS3ERR_BADHANDLE = 10001,
    NFS3ERR_NOT_SYNC = 10002,
    NFS3ERR_BAD_COOKIE = 10003,
    NFS3ERR_NOTSUPP = 10004,
    NFS3ERR_TOOSMALL = 10005,
    NFS3ERR_SERVERFAULT = 10006,
    NFS3ERR_BADTYPE = 10007,
    NFS3ERR_JUKEBOX = 10008,
}

/// <summary><c>ftype3</c>.</summary>
public enum Ftype3 : uint { NF3REG = 1, NF3DIR = 2, NF3BLK = 3, NF3CHR = 4, NF3LNK = 5, NF3SOCK = 6, NF3FIFO = 7 }

/// <summary><c>stable_how</c>: how far a WRITE must reach before its reply.</summary>
public enum StableHow : uint { UNSTABLE = 0, DATA_SYNC = 1, FILE_SYNC = 2 }

/// <summary><c>createmode3</c>.</summary>
public enum CreateMode3 : uint { UNCHECKED = 0, GUARDED = 1, EXCLUSIVE = 2 }

/// <summary><c>time_how</c> of sattr3's times.</summary>
public enum TimeHow : uint { DONT_CHANGE = 0, SET_TO_SERVER_TIME = 1, SET_TO_CLIENT_TIME = 2 }

/// <summary>MOUNT version 3: program 100005.</summary>
public static class Mount3
{
    public const uint Program = 100005;
    public const uint Version = 3;
    /// <summary>MNTPATHLEN.</summary>
    public const int PathLen = 1024;
    /// <summary>MNTNAMLEN.</summary>
    public const int NameLen = 255;

    public const uint NULL = 0, MNT = 1, DUMP = 2, UMNT = 3, UMNTALL = 4, EXPORT = 5;
}

/// <summary><c>mountstat3</c>.</summary>
public enum MountStat3 : uint
{
    MNT3_OK = 0,
    MNT3ERR_PERM = 1,
    MNT3ERR_NOENT = 2,
    MNT3ERR_IO = 5,
    MNT3ERR_ACCES = 13,
    MNT3ERR_NOTDIR = 20,
    MNT3ERR_INVAL = 22,
    MNT3ERR_NAMETOOLONG = 63,
    MNT3ERR_NOTSUPP = 10004,
    MNT3ERR_SERVERFAULT = 10006,
}
