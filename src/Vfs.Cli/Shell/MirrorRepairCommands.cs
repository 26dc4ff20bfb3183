// Vfs.Cli / shell: mfsadm resolve, heal-info and scrub -- the mirror's repair commands (issue 13), and the resync's
// progress line for online and resync.
using UnixVfs.Core;
using UnixVfs.Mirror;

namespace UnixVfs.Cli.Shell;

internal static class MirrorRepairCommands
{
    /// <summary>mfsadm resolve PATH --take x|y|newest</summary>
    public static void Resolve(ShellContext c, string[] a)
    {
        if (a.Length != 4 || a[2] != "--take")
            throw new ShellError("usage: mfsadm resolve PATH --take x|y|newest");
        var err = MfsAdm.Resolve(c.P, a[1], a[3], out var why, out var lines);
        foreach (var line in lines)
            c.Out.WriteLine(line);
        if (err != Errno.OK)
            throw new ShellError($"{a[1]}: {why}");
    }

    /// <summary>mfsadm heal-info PATH</summary>
    public static void HealInfo(ShellContext c, string path)
    {
        var err = MfsAdm.HealInfo(c.P, path, out var info);
        ShellContext.Check(err == Errno.ENOTTY ? Errno.EINVAL : err, err == Errno.ENOTTY ? $"{path}: not in a mirror" : path);
        foreach (var cp in info!.Copies)
        {
            string owed = cp.FullResync ? "a full resync (its log overflowed)" : cp.Entries.Count == 0 ? "nothing" : $"{cp.Entries.Count} entries";
            c.Out.WriteLine($"copy {cp.Name}: {cp.State.ToString().ToLowerInvariant()}{(cp.Reason.Length > 0 ? " (" + cp.Reason + ")" : "")}, owed {owed}");
            foreach (var e in cp.Entries)
                c.Out.WriteLine("  " + e);
            if (cp.Progress is { } p)
                c.Out.WriteLine("  " + p);
        }
        foreach (var name in info.SplitBrain)
            c.Out.WriteLine($"split brain: {name} (mfsadm resolve PATH --take x|y|newest)");
    }

    /// <summary>mfsadm scrub PATH [--repair] [--rate MiB/s]</summary>
    public static void Scrub(ShellContext c, string[] a)
    {
        const string usage = "usage: mfsadm scrub PATH [--repair] [--rate MiB/s]";
        bool repair = false;
        double rate = 0;
        for (int i = 2; i < a.Length; i++)
        {
            if (a[i] == "--repair")
                repair = true;
            else if (a[i] == "--rate")
            {
                if (i + 1 >= a.Length || !double.TryParse(a[++i], System.Globalization.NumberStyles.Float,
                    System.Globalization.CultureInfo.InvariantCulture, out rate) || rate <= 0)
                    throw new ShellError("--rate takes a positive number of MiB/s");
            }
            else
                throw new ShellError(usage);
        }
        var err = MfsAdm.Scrub(c.P, a[1], repair, rate, out var why, out var report);
        if (err != Errno.OK)
            throw new ShellError($"{a[1]}: {why}");
        c.Out.WriteLine("scrub: " + report);
        foreach (var d in report.Differences)
            c.Out.WriteLine($"  {d.Path}: {d.What}: {d.Outcome}");
        if (report.Refused > 0 || (!repair && report.Differences.Count > 0))
            throw new ShellError($"{a[1]}: the copies differ");
    }

    /// <summary>A progress line for each tenth of a resync (and its end), on the host's clock.</summary>
    public static Action<ResyncProgress> ProgressLine(ShellContext c)
    {
        long lastTenth = -1;
        return p =>
        {
            long tenth = p.BytesTotal > 0 ? 10 * p.BytesDone / p.BytesTotal : p.BytesDone >> 24;
            if (tenth == lastTenth)
                return;
            lastTenth = tenth;
            c.Out.WriteLine(p.ToString());
        };
    }
}
