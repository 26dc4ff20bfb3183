// Vfs.Core: the one place that turns a host I/O exception (from the real disk or socket under a
// block device or transport) into an Errno. The reverse direction, Errno to .NET exception for
// embedding code, is Facade/VfsErrors.cs.
using System.Net.Sockets;

namespace UnixVfs.Core;

/// <summary>Host exceptions to errno.</summary>
public static class HostErrno
{
    /// <summary>The errno that best describes a host exception (EIO when nothing better fits).</summary>
    public static Errno From(Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => Errno.ENOENT,
        UnauthorizedAccessException => Errno.EACCES,
        PathTooLongException => Errno.ENAMETOOLONG,
        SocketException se => se.SocketErrorCode switch
        {
            SocketError.ConnectionRefused => Errno.ECONNREFUSED,
            SocketError.ConnectionReset => Errno.ECONNRESET,
            SocketError.TimedOut => Errno.ETIMEDOUT,
            SocketError.HostUnreachable => Errno.EHOSTUNREACH,
            SocketError.NetworkUnreachable => Errno.ENETUNREACH,
            SocketError.AddressAlreadyInUse => Errno.EADDRINUSE,
            SocketError.Shutdown or SocketError.NotConnected => Errno.ENOTCONN,
            _ => Errno.EIO,
        },
        IOException io when (io.HResult & 0xFFFF) == 28 => Errno.ENOSPC,
        ObjectDisposedException => Errno.EBADF,
        ArgumentOutOfRangeException => Errno.EINVAL,
        _ => Errno.EIO,
    };
}
