// Vfs.Mirror: mfsadm heal-info -- what each copy is owed, name by name and range by range (beyond the patent; after
// Gluster's `heal info`).
//
// For every copy: its state, and the entries of its dirty log -- the files whose data changed with the byte ranges (or
// "whole file" once more ranges changed than logranges= keeps), the files whose attributes changed, the directories
// whose names changed with those names (or "whole directory") -- and, where the log overflowed, that a full resync is
// owed instead. A split brain waiting for `mfsadm resolve` lists its names. The log is copied under its own lock, so
// heal-info may run while applications write and a resync replays.
namespace UnixVfs.Mirror;

/// <summary>One entry a copy is owed: a file's data ranges and attributes, or a directory's names.</summary>
/// <param name="Path">From the mirror's top.</param>
/// <param name="Kind">What changed.</param>
/// <param name="WholeFile">More ranges changed than the log keeps: the whole file is copied.</param>
/// <param name="Ranges">The byte ranges [Start, End) that changed, when Kind has Data and not WholeFile.</param>
/// <param name="Names">The names that changed in a directory, or null for the whole directory.</param>
public sealed record HealEntry(string Path, DirtyKind Kind, bool WholeFile, IReadOnlyList<(long Start, long End)> Ranges, IReadOnlyList<string>? Names)
{
    public override string ToString()
    {
        var what = new List<string>();
        if ((Kind & DirtyKind.Data) != 0)
            what.Add(WholeFile ? "data: whole file" : "data: " + string.Join(", ", Ranges.Select(r => $"{r.Start}-{r.End}")));
        if ((Kind & DirtyKind.Attr) != 0)
            what.Add("attributes");
        if ((Kind & DirtyKind.Names) != 0)
            what.Add(Names is null ? "names: whole directory" : "names: " + string.Join(", ", Names));
        return $"{Path}  {string.Join("; ", what)}";
    }
}

/// <summary>What one copy is owed.</summary>
public sealed record HealCopy(string Name, CopyState State, string Reason, bool FullResync, IReadOnlyList<HealEntry> Entries, ResyncProgress? Progress);

/// <summary>The argument of MFS_IOC_HEALINFO, filled in by the mirror.</summary>
public sealed class HealInfo
{
    public List<HealCopy> Copies { get; } = new();

    /// <summary>Names of a split brain waiting for `mfsadm resolve`.</summary>
    public List<string> SplitBrain { get; } = new();

    /// <summary>True when no copy is owed anything.</summary>
    public bool Healthy => SplitBrain.Count == 0 && Copies.All(c => !c.FullResync && c.Entries.Count == 0 && c.State == CopyState.Available);
}

internal static class MirrorHealInfo
{
    public static void Fill(MfsVfs mi, HealInfo info)
    {
        foreach (var c in mi.Copies)
            info.Copies.Add(new HealCopy(c.Name, c.State, c.Reason, c.Log.Overflowed, c.Log.Pending(), c.Progress));
        mi.Quiesce.Enter(RwLockType.Reader);
        try
        {
            if (mi.SplitBrain is { } sb)
                info.SplitBrain.AddRange(sb.Pending);
        }
        finally
        {
            mi.Quiesce.Exit(RwLockType.Reader);
        }
    }
}
