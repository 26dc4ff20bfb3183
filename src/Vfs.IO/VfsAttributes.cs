// Vfs.IO: attributes and times, as System.IO reports and sets them on Linux, from stat(2), chmod(2) and
// utimensat(2) of the process.
//
// System.IO on Unix has no creation time to set and none to read on most file systems: it reports the
// older of mtime and ctime, and setting it sets mtime. A missing file's time is 1601-01-01 UTC (the
// Windows epoch), not an exception. FileAttributes: Directory, ReparsePoint (a symbolic link), ReadOnly
// (no write bit at all), Hidden (a name starting with '.'), else Normal; setting ReadOnly clears every
// write bit, clearing it gives the owner write again, and nothing else can be set.
namespace UnixVfs.IO;

internal static class VfsAttributes
{
    private const uint WriteBits = 0x92; // 0222

    /// <summary>What System.IO returns for the time of a file that does not exist.</summary>
    internal static readonly DateTime MissingFileTime = DateTime.FromFileTimeUtc(0);

    internal enum Time { Creation, Access, Write }

    internal static DateTime Utc(Timespec t) => t.ToDateTimeOffset().UtcDateTime;

    /// <summary>The UTC time <paramref name="which"/> of <paramref name="st"/>, or the 1601 epoch for a missing file.</summary>
    internal static DateTime GetUtc(Stat? st, Time which) => st is null ? MissingFileTime : which switch
    {
        Time.Access => Utc(st.Atime),
        Time.Write => Utc(st.Mtime),
        _ => Utc(st.Mtime < st.Ctime ? st.Mtime : st.Ctime),
    };

    /// <summary>utimensat(2): sets atime or mtime (creation time sets mtime) and leaves the other alone.</summary>
    internal static void SetUtc(VfsFileSystem fs, string path, Time which, DateTime time, bool isDirectory)
    {
        var t = Timespec.FromDateTimeOffset(new DateTimeOffset(time.Kind == DateTimeKind.Unspecified
            ? DateTime.SpecifyKind(time, DateTimeKind.Local) : time));
        var omit = new Timespec(0, Timespec.UtimeOmit);
        Timespec[] times = which == Time.Access ? [t, omit] : [omit, t];
        IOErrors.Check(fs.Process.Utimens(path, times), path, isDirectory);
    }

    internal static FileAttributes Get(VfsFileSystem fs, string path) => IOErrors.Call(path, () => fs.Facade.GetAttributes(path));

    internal static void Set(VfsFileSystem fs, string path, FileAttributes attributes, bool isDirectory)
    {
        var st = fs.TryStat(path);
        if (st is null)
            IOErrors.Check(Errno.ENOENT, path, isDirectory);
        uint perm = st!.Perm;
        uint next = (attributes & FileAttributes.ReadOnly) != 0 ? perm & ~WriteBits
            : (perm & 0x80) == 0 ? perm | 0x80 : perm; // S_IWUSR
        if (next != perm)
            IOErrors.Check(fs.Process.Chmod(path, next), path, isDirectory);
    }

    internal static UnixFileMode GetMode(VfsFileSystem fs, string path, bool isDirectory)
    {
        var st = fs.TryStat(path);
        if (st is null)
            IOErrors.Check(Errno.ENOENT, path, isDirectory);
        return (UnixFileMode)st!.Perm;
    }

    internal static void SetMode(VfsFileSystem fs, string path, UnixFileMode mode, bool isDirectory)
    {
        if (((uint)mode & ~ModeBits.ModeMask) != 0)
            throw new ArgumentException("Invalid UnixFileMode value.", nameof(mode));
        IOErrors.Check(fs.Process.Chmod(path, (uint)mode), path, isDirectory);
    }
}
