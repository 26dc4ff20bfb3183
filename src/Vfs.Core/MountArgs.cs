// Vfs.Core: the arguments of mount(2) as VFS_MOUNT receives them (struct mounta), and the parser
// for "-o name=value,flag" option strings every file system uses.
namespace UnixVfs.Core;

/// <summary>The arguments of a mount (<c>struct mounta</c>).</summary>
public sealed class MountArgs
{
    /// <summary><c>spec</c>: what to mount: an image path, "host:/path", "swap", or (mfs) the other directory.</summary>
    public string Spec { get; init; } = "";

    /// <summary><c>dir</c>: the directory mounted on.</summary>
    public string Dir { get; init; } = "";

    /// <summary><c>flags</c>.</summary>
    public MountFlags Flags { get; init; }

    /// <summary><c>fstype</c>.</summary>
    public string Fstype { get; init; } = "";

    /// <summary><c>dataptr</c>: a file system's binary argument (a block device, a transport), or null.</summary>
    public object? Data { get; init; }

    /// <summary><c>optptr</c>: the option string ("ro,read=x,...").</summary>
    public string Options { get; init; } = "";

    /// <summary>The process mounting: a file system that names more paths (the mirror's second directory) looks them up as this process.</summary>
    public Process? Caller { get; init; }

    /// <summary>The options, parsed.</summary>
    public MountOptions ParsedOptions => MountOptions.Parse(Options);
}

/// <summary>A parsed "-o" option string: "ro,rsize=65536,read=x" -> flags and name=value pairs, in order.</summary>
public sealed class MountOptions
{
    private readonly List<KeyValuePair<string, string?>> _opts = new();

    public static MountOptions Parse(string? s)
    {
        var o = new MountOptions();
        if (string.IsNullOrWhiteSpace(s))
            return o;
        foreach (var part in s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = part.IndexOf('=');
            o._opts.Add(eq < 0 ? new(part, null) : new(part[..eq], part[(eq + 1)..]));
        }
        return o;
    }

    /// <summary>Every option in order (value null for a bare flag).</summary>
    public IReadOnlyList<KeyValuePair<string, string?>> All => _opts;

    /// <summary>True when <paramref name="name"/> is present, with or without a value.</summary>
    public bool Has(string name) => _opts.Any(kv => kv.Key == name);

    /// <summary>The value of the last <paramref name="name"/>=value, or null.</summary>
    public string? Get(string name) => _opts.LastOrDefault(kv => kv.Key == name).Value;

    /// <summary>
    /// An integer option: OK with its value (or <paramref name="dflt"/> when absent); EINVAL when it does not parse or is
    /// out of range, and Why says so.
    /// </summary>
    public Errno GetInt(string name, long dflt, long min, long max, out long value)
    {
        value = dflt;
        var s = Get(name);
        if (s is null && !Has(name))
            return Errno.OK;
        if (s is not null && long.TryParse(s, out value) && value >= min && value <= max)
            return Errno.OK;
        Why = $"{name}{(s is null ? "" : "=" + s)}: give {name}=N, a whole number from {min} to {max}";
        return Errno.EINVAL;
    }

    /// <summary>Why the last option refused was refused, in a few words for the file system's one-line complaint; null until then.</summary>
    public string? Why { get; private set; }

    /// <summary>True when an option not in <paramref name="known"/> is given; Why then names it.</summary>
    public bool AnyUnknown(params string[] known)
    {
        var unknown = Unknown(known).FirstOrDefault();
        if (unknown is null)
            return false;
        Why = $"unknown mount option \"{unknown}\"";
        return true;
    }

    /// <summary>Refuses an option as given, saying why (for the checks a file system makes beyond GetInt). Returns EINVAL.</summary>
    public Errno Refuse(string why)
    {
        Why = why;
        return Errno.EINVAL;
    }

    /// <summary>The options not in <paramref name="known"/>: a file system refuses a mount that names any.</summary>
    public IEnumerable<string> Unknown(params string[] known) =>
        _opts.Select(kv => kv.Key).Where(k => !known.Contains(k));

    public override string ToString() =>
        string.Join(',', _opts.Select(kv => kv.Value is null ? kv.Key : $"{kv.Key}={kv.Value}"));
}
