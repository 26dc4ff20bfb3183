// Vfs.Mirror: the mount options of the Mirror File System (mount -F mfs -o ...), parsed and checked.
//
//   read=x|y|z|balance   which copy serves reads (patent B.4b); balance spreads them by load
//   role=peer|master     peers mirror both ways at mount; a master (the first copy) is the one truth (B.5)
//   mode=mirror|active-passive
//                        active-passive (Fig. 10) uses only the active copy and fails over to the passive one
//   retries=N            how often a failing operation is retried on a copy before it is taken down (B.7)
//   logsize=N            how many vnodes the dirty log of a down copy remembers before a full resync is needed
//   logranges=N          how many byte ranges per vnode before that vnode degrades to "whole file"
//   errors=continue|return
//                        when one copy fails and another succeeds: carry on and report the failed copy through
//                        its state (continue, the patent's failover), or also return the copy's errno (return)
//   hide                 Fig. 8: the special names every copy ("DIR1,DIR2"), the mount directory is hidden
//   nomerge              skip the mount-time merge (the copies are known to be identical)
//   autoresync=SECONDS   probe a failed copy that often and rejoin it when it answers (MirrorAutoResync.cs); 0: off
//   checksum             checksums of every file's 64 KiB extents, checked on read, healed from another copy (MirrorChecksum.cs)
//   splitbrain=refuse|newest|prefer|fewest-changes, prefer=x|y
//                        what to do with a name copies changed independently (MirrorSplitBrain.cs)
//   witness=PATH         a directory that decides which side of two copies cut apart goes on (MirrorWitness.cs)
namespace UnixVfs.Mirror;

/// <summary>Which copy serves reads.</summary>
public enum ReadPolicy
{
    /// <summary>A fixed copy (read=x, read=y, ...): <see cref="MfsOptions.ReadCopy"/>.</summary>
    Fixed,
    /// <summary>read=balance: the available copy with the fewest reads in flight.</summary>
    Balance,
}

/// <summary>The relation between the copies.</summary>
public enum MirrorRole
{
    /// <summary>role=peer: equal copies; the mount merge goes both ways by timestamp.</summary>
    Peer,
    /// <summary>role=master: the first copy is the master; the merge makes the others like it.</summary>
    Master,
}

/// <summary>How the copies are used.</summary>
public enum MirrorMode
{
    /// <summary>mode=mirror: one read, every write to every copy (patent B.3, B.4).</summary>
    Mirror,
    /// <summary>mode=active-passive: everything to the active copy; the passive one only after a failover (Fig. 10).</summary>
    ActivePassive,
}

/// <summary>Parsed mfs mount options.</summary>
public sealed record MfsOptions
{
    public ReadPolicy Read { get; init; } = ReadPolicy.Fixed;
    public int ReadCopy { get; init; }
    public MirrorRole Role { get; init; } = MirrorRole.Peer;
    public MirrorMode Mode { get; init; } = MirrorMode.Mirror;
    public int Retries { get; init; } = 2;
    public int LogSize { get; init; } = 10_000;
    public int LogRanges { get; init; } = 64;
    public bool Hide { get; init; }
    public bool NoMerge { get; init; }
    /// <summary>force: mount copies whose metadata (.mfs/meta) says they belong to different mirrors, or cannot be read.</summary>
    public bool Force { get; init; }
    /// <summary>autoresync=: how often a failed copy is probed and, when it answers, rejoined; zero for never (the patent's way).</summary>
    public TimeSpan AutoResync { get; init; }
    /// <summary>splitbrain=: what to do with names copies changed independently (MirrorSplitBrain.cs).</summary>
    public SplitBrainPolicy SplitBrain { get; init; } = SplitBrainPolicy.Refuse;
    /// <summary>prefer=x|y: the copy whose version splitbrain=prefer keeps.</summary>
    public int PreferCopy { get; init; } = -1;
    /// <summary>checksum: every file's extents are checksummed, checked on read and healed from another copy (MirrorChecksum.cs).</summary>
    public bool Checksum { get; init; }
    /// <summary>errors=return: a copy's failure is also returned to the caller (after the copy is taken down).</summary>
    public bool ReturnCopyErrors { get; init; }
    /// <summary>witness=: the directory whose record decides which of two copies cut apart goes on (MirrorWitness.cs), or null.</summary>
    public string? Witness { get; init; }

    private static readonly string[] Known = ["read", "role", "mode", "retries", "logsize", "logranges", "hide", "nomerge", "errors", "force", "ro", "rw", "splitbrain", "prefer", "autoresync", "witness", "checksum"];

    /// <summary>Parses an option string for a mirror of <paramref name="copies"/> copies. Returns OK, or EINVAL with a one-line reason.</summary>
    public static Errno Parse(string options, int copies, out MfsOptions? parsed, out string reason)
    {
        parsed = null;
        reason = "";
        var o = UnixVfs.Core.MountOptions.Parse(options);
        var unknown = o.Unknown(Known).ToList();
        if (unknown.Count > 0)
        {
            reason = $"unknown option \"{unknown[0]}\"";
            return Errno.EINVAL;
        }
        var r = new MfsOptions { Hide = o.Has("hide"), NoMerge = o.Has("nomerge"), Force = o.Has("force"), Checksum = o.Has("checksum") };
        switch (o.Get("read"))
        {
            case null: break;
            case "balance": r = r with { Read = ReadPolicy.Balance }; break;
            case var c when c.Length == 1 && CopyIndex(c[0]) is int i && i < copies: r = r with { ReadCopy = i }; break;
            case var c: reason = $"read={c}: expected x, y{(copies > 2 ? ", z" : "")} or balance"; return Errno.EINVAL;
        }
        switch (o.Get("role"))
        {
            case null or "peer": break;
            case "master": r = r with { Role = MirrorRole.Master }; break;
            case var v: reason = $"role={v}: expected peer or master"; return Errno.EINVAL;
        }
        switch (o.Get("mode"))
        {
            case null or "mirror": break;
            case "active-passive": r = r with { Mode = MirrorMode.ActivePassive }; break;
            case var v: reason = $"mode={v}: expected mirror or active-passive"; return Errno.EINVAL;
        }
        switch (o.Get("errors"))
        {
            case null or "continue": break;
            case "return": r = r with { ReturnCopyErrors = true }; break;
            case var v: reason = $"errors={v}: expected continue or return"; return Errno.EINVAL;
        }
        switch (o.Get("prefer"))
        {
            case null: break;
            case var c when c.Length == 1 && CopyIndex(c[0]) is int i && i < copies: r = r with { SplitBrain = SplitBrainPolicy.Prefer, PreferCopy = i }; break;
            case var c: reason = $"prefer={c}: expected x, y{(copies > 2 ? ", z" : "")}"; return Errno.EINVAL;
        }
        switch (o.Get("splitbrain"))
        {
            case null: break;
            case "refuse" when r.PreferCopy < 0: r = r with { SplitBrain = SplitBrainPolicy.Refuse }; break;
            case "newest" when r.PreferCopy < 0: r = r with { SplitBrain = SplitBrainPolicy.Newest }; break;
            case "fewest-changes" when r.PreferCopy < 0: r = r with { SplitBrain = SplitBrainPolicy.FewestChanges }; break;
            case "prefer" when r.PreferCopy >= 0: break;
            case "prefer": reason = "splitbrain=prefer needs prefer=x|y: the copy to keep"; return Errno.EINVAL;
            case "refuse" or "newest" or "fewest-changes": reason = "prefer= goes with splitbrain=prefer only"; return Errno.EINVAL;
            case var v: reason = $"splitbrain={v}: expected refuse, newest, prefer or fewest-changes"; return Errno.EINVAL;
        }
        if (r.Mode == MirrorMode.ActivePassive && (r.Role == MirrorRole.Master || r.Read == ReadPolicy.Balance))
        {
            reason = "mode=active-passive does no mirroring: it takes no role= and no read=balance";
            return Errno.EINVAL;
        }
        if (r.Checksum && r.Mode == MirrorMode.ActivePassive)
        {
            reason = "checksum is for mode=mirror: with one copy in use there is no other to heal from";
            return Errno.EINVAL;
        }
        if (o.GetInt("retries", r.Retries, 0, 100, out long retries) != Errno.OK)
        {
            reason = "retries= must be 0..100";
            return Errno.EINVAL;
        }
        if (o.GetInt("logsize", r.LogSize, 1, 100_000_000, out long logsize) != Errno.OK)
        {
            reason = "logsize= must be 1..100000000";
            return Errno.EINVAL;
        }
        if (o.GetInt("logranges", r.LogRanges, 1, 1_000_000, out long ranges) != Errno.OK)
        {
            reason = "logranges= must be 1..1000000";
            return Errno.EINVAL;
        }
        if (o.GetInt("autoresync", 0, 0, 86_400, out long autoresync) != Errno.OK)
        {
            reason = "autoresync= must be 0..86400 seconds";
            return Errno.EINVAL;
        }
        if (autoresync > 0 && r.Mode == MirrorMode.ActivePassive)
        {
            reason = "autoresync= is for mode=mirror: an active/passive client's servers resync themselves";
            return Errno.EINVAL;
        }
        if (o.Has("witness") && (string.IsNullOrEmpty(o.Get("witness")) || copies != 2 || r.Mode != MirrorMode.Mirror))
        {
            reason = string.IsNullOrEmpty(o.Get("witness")) ? "witness= needs a directory: witness=PATH"
                : "witness= is for a mirror of two copies in mode=mirror";
            return Errno.EINVAL;
        }
        parsed = r with { Witness = o.Get("witness"), Retries = (int)retries, LogSize = (int)logsize, LogRanges = (int)ranges, AutoResync = TimeSpan.FromSeconds(autoresync) };
        return Errno.OK;
    }

    /// <summary>The copy a letter names: x is 0, y is 1, z is 2, then w, v, ... for larger mirrors.</summary>
    /// <summary>The most copies a mirror has: one for each name, x, y, z, then w down to a (CopyName).</summary>
    public const int MaxCopies = 26;

    public static int? CopyIndex(char c) => c switch
    {
        'x' => 0,
        'y' => 1,
        'z' => 2,
        >= 'a' and <= 'w' => 3 + ('w' - c),
        _ => null,
    };

    /// <summary>The letter of copy <paramref name="i"/> (X, Y, Z, W, ...), as the patent names them.</summary>
    public static string CopyName(int i) => i switch
    {
        0 => "X",
        1 => "Y",
        2 => "Z",
        _ => ((char)('W' - (i - 3))).ToString(),
    };
}
