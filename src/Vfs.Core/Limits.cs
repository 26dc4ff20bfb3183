// Vfs.Core: the system-wide limits every layer enforces (<limits.h>).
namespace UnixVfs.Core;

/// <summary>NAME_MAX, PATH_MAX and friends.</summary>
public static class Limits
{
    /// <summary>NAME_MAX: the longest path component, in UTF-8 bytes.</summary>
    public const int NameMax = 255;

    /// <summary>PATH_MAX: the longest path, in UTF-8 bytes including the terminating NUL.</summary>
    public const int PathMax = 4096;

    /// <summary>MAXSYMLINKS: how many symbolic links one lookup may follow before ELOOP.</summary>
    public const int MaxSymlinks = 40;

    /// <summary>The largest file offset (off_t).</summary>
    public const long MaxOffset = long.MaxValue;
}
