// Vfs.Cli / shell: mfsadm -- the mirror's administration: status, offline, online, resync, verify, stats; resolve,
// heal-info and scrub are in MirrorRepairCommands.cs.
using UnixVfs.Core;
using UnixVfs.Mirror;

namespace UnixVfs.Cli.Shell;

internal static class MirrorCommands
{
    public static void Register(Shell sh) =>
        sh.Register("mfsadm", "mfsadm status|verify|stats|heal-info PATH | offline|online|resync PATH COPY | online --force PATH COPY | resolve PATH --take x|y|newest | scrub PATH [--repair] [--rate MiB/s]", "administer the mirror holding PATH", Mfsadm);

    private static void Mfsadm(ShellContext c, string[] a)
    {
        if (a.Length < 2)
            throw new ShellError("usage: mfsadm status|verify|stats PATH | offline|online|resync PATH COPY");
        bool force = a.Length > 1 && a[0] == "online" && a[1] == "--force";
        if (force)
            a = [a[0], .. a[2..]];
        if (a.Length < 2)
            throw new ShellError("usage: mfsadm online [--force] PATH COPY");
        string path = a[1];
        var (vfs, _) = MirrorNames.Holding(c, path);
        string Copy() => a.Length == 3 ? a[2] : throw new ShellError($"usage: mfsadm {a[0]} PATH COPY (x, y, ...)");
        switch (a[0])
        {
            case "status":
                Status(c, path, vfs);
                return;
            case "stats":
                Stats(c, path);
                return;
            case "heal-info":
                MirrorRepairCommands.HealInfo(c, path);
                return;
            case "resolve":
                MirrorRepairCommands.Resolve(c, a);
                return;
            case "scrub":
                MirrorRepairCommands.Scrub(c, a);
                return;
            case "verify":
            {
                ShellContext.Check(MfsAdm.Verify(c.P, path, out var r), path);
                c.Out.WriteLine(r!.ToString());
                foreach (var d in r.Differences)
                    c.Out.WriteLine($"  {d.Path}: {d.What}");
                if (!r.Identical)
                    throw new ShellError($"{path}: the copies differ");
                return;
            }
            case "offline":
            {
                var err = MfsAdm.Offline(c.P, path, Copy(), out var why);
                if (err != Errno.OK)
                    throw new ShellError($"{path}: {why}");
                return;
            }
            case "online":
            case "resync":
            {
                var progress = MirrorRepairCommands.ProgressLine(c);
                var err = a[0] == "online" ? MfsAdm.Online(c.P, path, Copy(), out var why, out var report, progress: progress, force: force)
                    : MfsAdm.Resync(c.P, path, Copy(), out why, out report, progress: progress);
                if (err != Errno.OK)
                    throw new ShellError($"{path}: {why}");
                if (report is not null)
                    c.Out.WriteLine("resync: " + report);
                return;
            }
            default:
                throw new ShellError($"{a[0]}: expected status, offline, online, resync, verify, stats, heal-info, resolve or scrub");
        }
    }

    private static void Status(ShellContext c, string path, Vfs vfs)
    {
        ShellContext.Check(MfsAdm.Status(c.P, path, out var st), path);
        // Active/passive sends every read and write to the active copy, so the read policy says nothing there.
        string reads = st!.Mode == MirrorMode.ActivePassive
            ? $"active {st.Active} (every read and write), passive {string.Join(", ", st.Copies.Select(cp => cp.Name).Where(n => n != st.Active))}"
            : $"read {st.ReadPolicy}";
        c.Out.WriteLine($"mirror on {MirrorNames.Of(vfs)}: mode {ModeName(st.Mode)}, role {st.Role.ToString().ToLowerInvariant()}, {reads}, {st.Mnodes} mnodes");
        c.Out.WriteLine($"  {"copy",-4} {"state",-11} {"type",-6} {"path",-16} {"log",6} {"reads",8} {"writes",8} {"fail",5}  reason");
        foreach (var cp in st.Copies)
            c.Out.WriteLine($"  {cp.Name,-4} {cp.State,-11} {cp.Fstype,-6} {cp.Path,-16} {(cp.LogOverflowed ? "full" : cp.LogEntries.ToString()),6} " +
                $"{cp.Reads,8} {cp.Writes,8} {cp.Failures,5}  {cp.Reason}");
        if (st.Checksum)
            c.Out.WriteLine("  checksum: " + string.Join(", ", st.Copies.Select(cp => $"{cp.Name} {cp.ChecksumErrors} extents failed, {cp.ChecksumRepairs} repaired")));
        if (st.LastResync is { } r)
            c.Out.WriteLine("  last resync: " + r);
        foreach (var p in st.Copies.Select(cp => cp.Progress).OfType<ResyncProgress>())
            c.Out.WriteLine("  " + p);
        if (st.Witness.Length > 0)
            c.Out.WriteLine("  witness " + st.Witness);
        if (st.SplitBrain.Count > 0)
            c.Out.WriteLine($"  split brain, read-only until settled (mfsadm resolve PATH --take x|y|newest): {string.Join(", ", st.SplitBrain)}");
    }

    private static string ModeName(MirrorMode mode) => mode == MirrorMode.ActivePassive ? "active-passive" : mode.ToString().ToLowerInvariant();

    private static void Stats(ShellContext c, string path)
    {
        ShellContext.Check(MfsAdm.Status(c.P, path, out var st), path);
        var m = c.World.Metrics ?? throw new ShellError("mfsadm stats: this world keeps no metrics (a world file loaded by vfs serve or vfs mount-host)");
        var host = ("host", c.Host.Name);
        var mirror = ("mirror", st!.MountPoint);
        c.Out.WriteLine($"  {"copy",-4} {"op",-10} {"calls",8} {"errors",7} {"bytes",12} {"p50 us",8} {"p99 us",8}");
        foreach (var calls in m.Find("mfs.copy.calls", host, mirror).OrderBy(s => s.Tag("copy")).ThenBy(s => s.Tag("op")))
        {
            string copy = calls.Tag("copy"), op = calls.Tag("op");
            var sel = new[] { host, mirror, ("copy", copy), ("op", op) };
            long errors = m.Find("mfs.copy.errors", sel).Sum(s => s.Count);
            long bytes = m.Find("mfs.copy.bytes", sel).Sum(s => s.Count);
            var d = m.Find("mfs.copy.duration", sel).FirstOrDefault();
            c.Out.WriteLine($"  {copy,-4} {op,-10} {calls.Count,8} {errors,7} {bytes,12} {d?.Percentile(0.5) ?? 0,8} {d?.Percentile(0.99) ?? 0,8}");
        }
        foreach (var cp in st.Copies)
            c.Out.WriteLine($"  copy {cp.Name}: {cp.State}, {cp.Reads} reads ({cp.BytesRead} bytes), {cp.Writes} writes ({cp.BytesWritten} bytes), {cp.Failures} failures");
    }
}
