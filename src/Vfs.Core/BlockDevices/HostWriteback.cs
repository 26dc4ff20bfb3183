// Vfs.Core: start the host's writeback of an image file early, so that the fsync at the end has little left.
//
// A FileBlockDevice's writes land in the host kernel's page cache; without a hint the host writes them back
// when its dirty thresholds or timers say so, and for a file written fast that is mostly inside the fsync
// (Flush), all at once, on the caller's thread. sync_file_range(2) with SYNC_FILE_RANGE_WRITE alone starts
// write-out of the file's dirty pages and returns without waiting for it: the I/O overlaps the writes that
// follow. It promises nothing about durability (only Flush, fsync(2), does) and changes no byte: what
// reaches the disk and what a read returns are the same with or without it.
//
// Writeback errors are not lost to the hint: without SYNC_FILE_RANGE_WAIT_AFTER the call never consumes the
// file's error state (mapping->wb_err), so a page that fails to reach the disk still fails the next fsync.
// Linux only; elsewhere, and where the file cannot take the hint (ENOSYS, EINVAL, ESPIPE), the caller stops
// asking.
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace UnixVfs.Core;

/// <summary>sync_file_range(SYNC_FILE_RANGE_WRITE) over a whole host file.</summary>
internal static class HostWriteback
{
    private const uint SYNC_FILE_RANGE_WRITE = 2;       // linux/fs.h
    private const int EINVAL = 22, ESPIPE = 29, ENOSYS = 38;

    [DllImport("libc", SetLastError = true)]
    private static extern int sync_file_range(SafeFileHandle fd, long offset, long nbytes, uint flags);

    /// <summary>Whether this host has the call at all.</summary>
    public static bool Supported => OperatingSystem.IsLinux();

    /// <summary>
    /// Starts write-out of every dirty page of <paramref name="file"/> (offset 0, length 0: to its end). Returns
    /// true when the hint was taken or failed in a way the next fsync reports (EIO, ENOMEM); false when this
    /// file never takes it (ENOSYS, EINVAL, ESPIPE), so that the caller stops asking.
    /// </summary>
    public static bool Start(SafeFileHandle file)
    {
        if (sync_file_range(file, 0, 0, SYNC_FILE_RANGE_WRITE) == 0)
            return true;
        int e = Marshal.GetLastPInvokeError();
        return e is not (ENOSYS or EINVAL or ESPIPE);
    }
}
