// Vfs.Fuse: the few C library calls the bridge needs -- open, read and write on /dev/fuse, mount(2)
// and umount2(2). Nothing else in the bridge leaves managed code.
using System.Runtime.InteropServices;

namespace UnixVfs.Fuse;

internal static partial class Libc
{
    public const int O_RDWR = 2;
    public const int O_CLOEXEC = 0x80000;
    public const ulong MS_NOSUID = 2;
    public const ulong MS_NODEV = 4;
    public const int MNT_DETACH = 2;

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint read(int fd, ref byte buf, nint count);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint write(int fd, ref byte buf, nint count);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mount(string source, string target, string fstype, ulong flags, string data);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int umount2(string target, int flags);

    [LibraryImport("libc")]
    public static partial uint getuid();

    [LibraryImport("libc")]
    public static partial uint getgid();

    /// <summary>read(2) into a span; returns the count, or -errno.</summary>
    public static int Read(int fd, Span<byte> buf)
    {
        nint n = read(fd, ref MemoryMarshal.GetReference(buf), buf.Length);
        return n >= 0 ? (int)n : -Marshal.GetLastPInvokeError();
    }

    /// <summary>write(2) of a span; returns the count, or -errno.</summary>
    public static int Write(int fd, ReadOnlySpan<byte> buf)
    {
        nint n = write(fd, ref MemoryMarshal.GetReference(buf), buf.Length);
        return n >= 0 ? (int)n : -Marshal.GetLastPInvokeError();
    }
}
