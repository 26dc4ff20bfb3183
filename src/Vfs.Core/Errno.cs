// Vfs.Core: the error numbers every layer returns.
//
// Every VOP_*, VFS_* and system call returns an Errno: OK (0) on success, a POSIX name with its
// Linux number otherwise. The numbers are Linux's because this library runs on Linux and hands
// errors to FUSE unchanged; NFS has its own status table and maps to and from this one in one place.
// The strong typing keeps an errno from being confused with a count or a file descriptor; casting
// to or from int is suspect and happens only at those edges.
namespace UnixVfs.Core;

/// <summary>A POSIX error number (Linux values); <see cref="OK"/> means success.</summary>
public enum Errno
{
    OK = 0,
    EPERM = 1,         // Operation not permitted
    ENOENT = 2,        // No such file or directory
    ESRCH = 3,         // No such process
    EINTR = 4,         // Interrupted system call
    EIO = 5,           // I/O error
    ENXIO = 6,         // No such device or address
    E2BIG = 7,         // Argument list too long
    ENOEXEC = 8,       // Exec format error
    EBADF = 9,         // Bad file descriptor
    ECHILD = 10,       // No child processes
    EAGAIN = 11,       // Resource temporarily unavailable (would block)
    ENOMEM = 12,       // Cannot allocate memory
    EACCES = 13,       // Permission denied
    EFAULT = 14,       // Bad address
    ENOTBLK = 15,      // Block device required
    EBUSY = 16,        // Device or resource busy
    EEXIST = 17,       // File exists
    EXDEV = 18,        // Invalid cross-device link
    ENODEV = 19,       // No such device
    ENOTDIR = 20,      // Not a directory
    EISDIR = 21,       // Is a directory
    EINVAL = 22,       // Invalid argument
    ENFILE = 23,       // Too many open files in system
    EMFILE = 24,       // Too many open files
    ENOTTY = 25,       // Inappropriate ioctl for device
    ETXTBSY = 26,      // Text file busy
    EFBIG = 27,        // File too large
    ENOSPC = 28,       // No space left on device
    ESPIPE = 29,       // Illegal seek
    EROFS = 30,        // Read-only file system
    EMLINK = 31,       // Too many links
    EPIPE = 32,        // Broken pipe
    EDOM = 33,         // Numerical argument out of domain
    ERANGE = 34,       // Numerical result out of range
    EDEADLK = 35,      // Resource deadlock avoided
    ENAMETOOLONG = 36, // File name too long
    ENOLCK = 37,       // No locks available
    ENOSYS = 38,       // Function not implemented (unsupported file system operation)
    ENOTEMPTY = 39,    // Directory not empty
    ELOOP = 40,        // Too many levels of symbolic links
    ENOMSG = 42,       // No message of desired type
    ENODATA = 61,      // No data available
    ETIME = 62,        // Timer expired
    ENOLINK = 67,      // Link has been severed
    EPROTO = 71,       // Protocol error
    EBADMSG = 74,      // Bad message
    EOVERFLOW = 75,    // Value too large for defined data type
    EBADFD = 77,       // File descriptor in bad state
    EPROTONOSUPPORT = 93, // Protocol not supported
    EOPNOTSUPP = 95,   // Operation not supported
    EADDRINUSE = 98,   // Address already in use
    ENETDOWN = 100,    // Network is down
    ENETUNREACH = 101, // Network is unreachable
    ECONNABORTED = 103,// Software caused connection abort
    ECONNRESET = 104,  // Connection reset by peer
    ENOBUFS = 105,     // No buffer space available
    ENOTCONN = 107,    // Transport endpoint is not connected
    ETIMEDOUT = 110,   // Connection timed out
    ECONNREFUSED = 111,// Connection refused
    EHOSTDOWN = 112,   // Host is down
    EHOSTUNREACH = 113,// No route to host
    EALREADY = 114,    // Operation already in progress
    ESTALE = 116,      // Stale file handle
    EDQUOT = 122,      // Disk quota exceeded
    ECANCELED = 125,   // Operation canceled
}

/// <summary>Helpers for <see cref="Errno"/>.</summary>
public static class ErrnoExtensions
{
    /// <summary>The C library's message for an errno (strerror), for one-line CLI and log output.</summary>
    public static string Message(this Errno e) => e switch
    {
        Errno.OK => "Success",
        Errno.EPERM => "Operation not permitted",
        Errno.ENOENT => "No such file or directory",
        Errno.EIO => "Input/output error",
        Errno.ENXIO => "No such device or address",
        Errno.EBADF => "Bad file descriptor",
        Errno.EAGAIN => "Resource temporarily unavailable",
        Errno.ENOMEM => "Cannot allocate memory",
        Errno.EACCES => "Permission denied",
        Errno.EBUSY => "Device or resource busy",
        Errno.EEXIST => "File exists",
        Errno.EXDEV => "Invalid cross-device link",
        Errno.ENODEV => "No such device",
        Errno.ENOTDIR => "Not a directory",
        Errno.EISDIR => "Is a directory",
        Errno.EINVAL => "Invalid argument",
        Errno.ENFILE => "Too many open files in system",
        Errno.EMFILE => "Too many open files",
        Errno.ENOTTY => "Inappropriate ioctl for device",
        Errno.EFBIG => "File too large",
        Errno.ENOSPC => "No space left on device",
        Errno.ESPIPE => "Illegal seek",
        Errno.EROFS => "Read-only file system",
        Errno.EMLINK => "Too many links",
        Errno.ERANGE => "Numerical result out of range",
        Errno.ENODATA => "No data available",
        Errno.EDEADLK => "Resource deadlock avoided",
        Errno.ENAMETOOLONG => "File name too long",
        Errno.ENOSYS => "Unsupported file system operation",
        Errno.ENOTEMPTY => "Directory not empty",
        Errno.ELOOP => "Too many levels of symbolic links",
        Errno.EPROTO => "Protocol error",
        Errno.EBADMSG => "Bad message",
        Errno.EOVERFLOW => "Value too large for defined data type",
        Errno.EPROTONOSUPPORT => "Protocol not supported",
        Errno.EOPNOTSUPP => "Operation not supported",
        Errno.ECONNRESET => "Connection reset by peer",
        Errno.ENOTCONN => "Transport endpoint is not connected",
        Errno.ETIMEDOUT => "Connection timed out",
        Errno.ECONNREFUSED => "Connection refused",
        Errno.EHOSTDOWN => "Host is down",
        Errno.EHOSTUNREACH => "No route to host",
        Errno.ESTALE => "Stale file handle",
        Errno.EDQUOT => "Disk quota exceeded",
        Errno.ECANCELED => "Operation canceled",
        _ => e.ToString(),
    };
}
