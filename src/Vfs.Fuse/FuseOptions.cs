// Vfs.Fuse: what a bridge is mounted with.
namespace UnixVfs.Fuse;

/// <summary>Options of a FUSE bridge.</summary>
public sealed record FuseOptions
{
    /// <summary>How long the host kernel may trust a name it looked up (fuse_entry_out.entry_valid).</summary>
    public TimeSpan EntryTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long the host kernel may trust attributes it was given (attr_valid).</summary>
    public TimeSpan AttrTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How many threads read and answer requests.</summary>
    public int Threads { get; init; } = 4;

    /// <summary>The largest READ or WRITE the kernel sends (max_write, and max_pages of 4 KiB).</summary>
    public int MaxWrite { get; init; } = 1 << 20;

    /// <summary>The name the host shows as the mount's source (in /proc/mounts).</summary>
    public string Source { get; init; } = "vfs";
}
