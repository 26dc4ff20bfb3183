// Vfs.Nfs / NFSv3 protocol: errno <-> nfsstat3, in this one place for server and client alike.
//
// Most statuses are the errno with the same number (RFC 1813 took them from Unix); the rest are
// NFS's own. The server maps whatever a VOP returned; the client maps a status back to the errno
// its VOP returns. Where the RFC has no status for an errno the server answers NFS3ERR_IO, and
// where an errno has no status the client sees EIO -- never a number that means something else.
using UnixVfs.Core;

namespace UnixVfs.Nfs.Protocol;

/// <summary>The errno/nfsstat3 mapping.</summary>
public static class Nfs3Status
{
    /// <summary>The status a server reports for a VOP's errno.</summary>
    public static NfsStat3 FromErrno(Errno e) => e switch
    {
        Errno.OK => NfsStat3.NFS3_OK,
        Errno.EPERM => NfsStat3.NFS3ERR_PERM,
        Errno.ENOENT => NfsStat3.NFS3ERR_NOENT,
        Errno.ENXIO => NfsStat3.NFS3ERR_NXIO,
        Errno.EACCES => NfsStat3.NFS3ERR_ACCES,
        Errno.EEXIST => NfsStat3.NFS3ERR_EXIST,
        Errno.EXDEV => NfsStat3.NFS3ERR_XDEV,
        Errno.ENODEV => NfsStat3.NFS3ERR_NODEV,
        Errno.ENOTDIR => NfsStat3.NFS3ERR_NOTDIR,
        Errno.EISDIR => NfsStat3.NFS3ERR_ISDIR,
        Errno.EINVAL or Errno.ELOOP => NfsStat3.NFS3ERR_INVAL,
        Errno.EFBIG => NfsStat3.NFS3ERR_FBIG,
        Errno.ENOSPC => NfsStat3.NFS3ERR_NOSPC,
        Errno.EROFS => NfsStat3.NFS3ERR_ROFS,
        Errno.EMLINK => NfsStat3.NFS3ERR_MLINK,
        Errno.ENAMETOOLONG => NfsStat3.NFS3ERR_NAMETOOLONG,
        Errno.ENOTEMPTY => NfsStat3.NFS3ERR_NOTEMPTY,
        Errno.EDQUOT => NfsStat3.NFS3ERR_DQUOT,
        Errno.ESTALE => NfsStat3.NFS3ERR_STALE,
        Errno.ENOSYS or Errno.EOPNOTSUPP => NfsStat3.NFS3ERR_NOTSUPP,
        Errno.EAGAIN => NfsStat3.NFS3ERR_JUKEBOX,
        _ => NfsStat3.NFS3ERR_IO,
    };

    /// <summary>The errno a client returns for a server's status.</summary>
    public static Errno ToErrno(NfsStat3 s) => s switch
    {
        NfsStat3.NFS3_OK => Errno.OK,
        NfsStat3.NFS3ERR_PERM => Errno.EPERM,
        NfsStat3.NFS3ERR_NOENT => Errno.ENOENT,
        NfsStat3.NFS3ERR_NXIO => Errno.ENXIO,
        NfsStat3.NFS3ERR_ACCES => Errno.EACCES,
        NfsStat3.NFS3ERR_EXIST => Errno.EEXIST,
        NfsStat3.NFS3ERR_XDEV => Errno.EXDEV,
        NfsStat3.NFS3ERR_NODEV => Errno.ENODEV,
        NfsStat3.NFS3ERR_NOTDIR => Errno.ENOTDIR,
        NfsStat3.NFS3ERR_ISDIR => Errno.EISDIR,
        NfsStat3.NFS3ERR_INVAL or NfsStat3.NFS3ERR_BADTYPE or NfsStat3.NFS3ERR_TOOSMALL or NfsStat3.NFS3ERR_BAD_COOKIE => Errno.EINVAL,
        NfsStat3.NFS3ERR_FBIG => Errno.EFBIG,
        NfsStat3.NFS3ERR_NOSPC => Errno.ENOSPC,
        NfsStat3.NFS3ERR_ROFS => Errno.EROFS,
        NfsStat3.NFS3ERR_MLINK => Errno.EMLINK,
        NfsStat3.NFS3ERR_NAMETOOLONG => Errno.ENAMETOOLONG,
        NfsStat3.NFS3ERR_NOTEMPTY => Errno.ENOTEMPTY,
        NfsStat3.NFS3ERR_DQUOT => Errno.EDQUOT,
        NfsStat3.NFS3ERR_STALE or NfsStat3.NFS3ERR_BADHANDLE => Errno.ESTALE,
        NfsStat3.NFS3ERR_NOTSUPP => Errno.EOPNOTSUPP,
        NfsStat3.NFS3ERR_JUKEBOX => Errno.EAGAIN,
        _ => Errno.EIO,
    };

    /// <summary>The MOUNT status for an errno met while mounting.</summary>
    public static MountStat3 MountFromErrno(Errno e) => e switch
    {
        Errno.OK => MountStat3.MNT3_OK,
        Errno.EPERM => MountStat3.MNT3ERR_PERM,
        Errno.ENOENT => MountStat3.MNT3ERR_NOENT,
        Errno.EACCES => MountStat3.MNT3ERR_ACCES,
        Errno.ENOTDIR => MountStat3.MNT3ERR_NOTDIR,
        Errno.EINVAL => MountStat3.MNT3ERR_INVAL,
        Errno.ENAMETOOLONG => MountStat3.MNT3ERR_NAMETOOLONG,
        _ => MountStat3.MNT3ERR_IO,
    };

    /// <summary>The errno a client reports for a MOUNT status.</summary>
    public static Errno MountToErrno(MountStat3 s) => s switch
    {
        MountStat3.MNT3_OK => Errno.OK,
        MountStat3.MNT3ERR_PERM => Errno.EPERM,
        MountStat3.MNT3ERR_NOENT => Errno.ENOENT,
        MountStat3.MNT3ERR_ACCES => Errno.EACCES,
        MountStat3.MNT3ERR_NOTDIR => Errno.ENOTDIR,
        MountStat3.MNT3ERR_INVAL => Errno.EINVAL,
        MountStat3.MNT3ERR_NAMETOOLONG => Errno.ENAMETOOLONG,
        MountStat3.MNT3ERR_NOTSUPP => Errno.EOPNOTSUPP,
        _ => Errno.EIO,
    };
}
