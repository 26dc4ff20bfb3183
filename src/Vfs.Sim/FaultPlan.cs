// Vfs.Sim: faults as data -- what goes wrong in a run, and before which call of the history.
//
// A plan is a list of faults, each applied just before the history's call with that index (its index in the
// history as generated, so a plan still fits a shrunk history). Plans are generated from a seed for the fault
// kinds asked for, or written by hand (FaultPlan.Parse reads the text ToString writes). Every generated plan
// ends in repair: whatever it breaks it also heals, so the end-of-run invariants (resync, verify) can demand
// that everything is whole again.
//
//   disk     EIO on a disk after N more operations (FailAfter), then Heal
//   copy     a mirror copy taken offline (mfsadm offline), then online (mfsadm online: resync; ARG 1 a full one,
//            which compares every name instead of replaying the log: one online in four)
//   net      loss on the links of a host, or a partition of a host from the others, then heal
//   host     a host stops answering (cut off the network), then comes back
//   clock    a host's clock set ahead or behind the others (skew), then set right
//   power    the power of one mirror copy's disk cut at a write, then its host's crash and restart (PowerFaults.cs)
//   crash    a host's crash and restart: its disks lose their unflushed writes, fsck -y, mount again (PowerFaults.cs)
// Nothing else is broken while a host's power is out. All is the first five: the others need worlds of their own
// kind, and leaving them out of All keeps every earlier seed's plan what it was.
// A generated plan leaves the mirror under test a whole copy: with all broken at once EIO is right, but not the model's
// answer. A disk fault breaks its copy, a copy fault that copy, a network or host fault the copies imported from that
// host; a fault that would break the last whole copy goes to a copy already broken then, or is left out. Only a copy
// fault ends with its heal (mfsadm online): a copy that a disk, network or host fault took out of use stays out after
// the heal, until the repair at the end of the run brings it online.
using System.Globalization;
using System.Text;

namespace UnixVfs.Sim;

/// <summary>The kinds of fault a generated plan may hold.</summary>
[Flags]
public enum FaultKinds
{
    None = 0,
    Disk = 1,
    Copy = 2,
    Net = 4,
    Host = 8,
    Clock = 16,
    Power = 32,
    Crash = 64,
    All = Disk | Copy | Net | Host | Clock,
}

/// <summary>One fault: before call <paramref name="AtCall"/>, do <paramref name="Action"/> to <paramref name="Target"/>.</summary>
public sealed record Fault(int AtCall, string Action, string Target, long Arg)
{
    /// <summary>The kind this fault counts under in a summary.</summary>
    public FaultKinds Kind => Action switch
    {
        "disk-fail" or "disk-heal" => FaultKinds.Disk,
        "offline" or "online" => FaultKinds.Copy,
        "loss" or "partition" or "net-heal" => FaultKinds.Net,
        "host-down" or "host-up" => FaultKinds.Host,
        "power-cut" or "power-cut-reorder" => FaultKinds.Power,
        "restart" => FaultKinds.Crash,
        _ => FaultKinds.Clock,
    };

    public override string ToString() => $"{AtCall} {Action} {Target} {Arg.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>The faults of one run.</summary>
public sealed class FaultPlan
{
    public FaultPlan(IEnumerable<Fault> faults) => Faults = faults.OrderBy(f => f.AtCall).ToArray();

    public IReadOnlyList<Fault> Faults { get; }

    public static readonly FaultPlan Empty = new([]);

    /// <summary>One fault a line: "AT ACTION TARGET ARG".</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var f in Faults)
            sb.Append(f).Append('\n');
        return sb.ToString();
    }

    /// <summary>Reads what ToString wrote (';' also separates faults). Returns OK or EINVAL with the bad line.</summary>
    public static Errno Parse(string text, out FaultPlan? plan, out string error)
    {
        plan = null;
        error = "";
        var list = new List<Fault>();
        foreach (var raw in text.Split(['\n', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var w = raw.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (w.Length != 4 || !int.TryParse(w[0], NumberStyles.None, CultureInfo.InvariantCulture, out int at)
                || !long.TryParse(w[3], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long arg))
            {
                error = $"bad fault '{raw}': expected AT ACTION TARGET ARG";
                return Errno.EINVAL;
            }
            list.Add(new Fault(at, w[1], w[2], arg));
        }
        plan = new FaultPlan(list);
        return Errno.OK;
    }

    /// <summary>A plan written by hand, in the text ToString writes ("AT ACTION TARGET ARG", one a line or ';'-separated).</summary>
    /// <exception cref="ArgumentException">The text is not a plan.</exception>
    public static FaultPlan FromText(string text) =>
        Parse(text, out var plan, out var error) == Errno.OK ? plan! : throw new ArgumentException(error, nameof(text));

    /// <summary>The plan on one line, faults separated by "; " (as `vfs sim --plan` takes it).</summary>
    public string OneLine() => string.Join("; ", Faults);

    /// <summary>
    /// Checks a plan against the world it is to run on: every action is one this file lists, and every target is there
    /// (a UFS disk HOST:/PATH, a copy of the world's mirror, or a host). EINVAL with the first fault that is not.
    /// </summary>
    public Errno Check(World w, out string error)
    {
        error = "";
        foreach (var f in Faults)
        {
            string? wrong = f.Action switch
            {
                "disk-fail" or "disk-heal" or "power-cut" or "power-cut-reorder" =>
                    w.Disks.Any(d => d.Device is not null && $"{d.Host.Name}:{d.Path}" == f.Target) ? null : "no UFS disk HOST:/PATH of that name",
                "offline" or "online" =>
                    w.Mirror?.Mfs.Copies.Any(c => c.Name.Equals(f.Target, StringComparison.OrdinalIgnoreCase)) == true ? null : "no copy of the world's mirror of that name",
                "loss" or "partition" or "net-heal" or "host-down" or "host-up" or "skew" or "restart" =>
                    w.HostNamed(f.Target) is not null ? null : "no host of that name",
                _ => "unknown action",
            };
            if (wrong is not null || f.AtCall < 0)
            {
                error = $"fault '{f}': {wrong ?? "a call number below 0"}";
                return Errno.EINVAL;
            }
        }
        return Errno.OK;
    }

    /// <summary>
    /// A plan for a history of <paramref name="calls"/> calls on <paramref name="world"/>, with up to two faults of the
    /// kinds in <paramref name="kinds"/> that the world has targets for, each healed later in the history.
    /// </summary>
    public static FaultPlan Generate(int seed, int calls, FaultKinds kinds, World world)
    {
        var r = new Random(seed ^ 0x6a09e667);
        var list = new List<Fault>();
        var choices = new List<FaultKinds>();
        foreach (var k in new[] { FaultKinds.Disk, FaultKinds.Copy, FaultKinds.Net, FaultKinds.Host, FaultKinds.Clock, FaultKinds.Power, FaultKinds.Crash })
            if ((kinds & k) != 0 && HasTarget(world, k))
                choices.Add(k);
        if (choices.Count == 0 || calls < 4)
            return Empty;
        int n = 1 + r.Next(2);
        var broken = new List<(int[] Copies, int Start, int End)>(); // the copies each fault breaks, and when
        for (int i = 0; i < n; i++)
        {
            int start = r.Next(calls / 2), end = start + 1 + r.Next(calls - start - 1);
            int pick = r.Next(choices.Count);
            switch (choices[pick])
            {
                case FaultKinds.Disk:
                {
                    var disks = MirroredDisks(world);
                    var d = disks[r.Next(disks.Count)];
                    if (OneCopyAtATime(world, broken, CopyOfDisk(world, d)!.Value, start, calls) is not { } copy || DiskOfCopy(world, copy) is not { } same)
                        break; // the copy broken then has no disk to fail
                    d = same;
                    broken.Add(([copy], start, calls));
                    list.Add(new Fault(start, "disk-fail", d, r.Next(0, 20)));
                    list.Add(new Fault(end, "disk-heal", d, 0));
                    break;
                }
                case FaultKinds.Copy:
                {
                    var copies = world.Mirror!.Mfs.Copies;
                    if (OneCopyAtATime(world, broken, r.Next(copies.Count), start, end) is not { } copy)
                        break;
                    broken.Add(([copy], start, end));
                    string c = copies[copy].Name.ToLowerInvariant();
                    list.Add(new Fault(start, "offline", c, 0));
                    list.Add(new Fault(end, "online", c, FullResync(seed, start)));
                    break;
                }
                case FaultKinds.Net:
                {
                    var h = Remote(world, r);
                    var cut = r.Next(2) == 0 ? new Fault(start, "loss", h, r.Next(5, 30)) : new Fault(start, "partition", h, 0);
                    var hit = CutOff(world, h, start, end, calls);
                    if (!hit.TrueForAll(x => LeavesACopy(world, broken, x.Copies, x.Start, x.End)))
                        break;
                    broken.AddRange(hit);
                    list.Add(cut);
                    list.Add(new Fault(end, "net-heal", h, 0));
                    break;
                }
                case FaultKinds.Host:
                {
                    var h = Remote(world, r);
                    var hit = CutOff(world, h, start, end, calls);
                    if (!hit.TrueForAll(x => LeavesACopy(world, broken, x.Copies, x.Start, x.End)))
                        break;
                    broken.AddRange(hit);
                    list.Add(new Fault(start, "host-down", h, 0));
                    list.Add(new Fault(end, "host-up", h, 0));
                    break;
                }
                case FaultKinds.Clock:
                {
                    var h = world.Hosts[r.Next(world.Hosts.Count)].Name;
                    list.Add(new Fault(start, "skew", h, r.Next(-3600, 3600) * 1000L));
                    list.Add(new Fault(end, "skew", h, 0));
                    break;
                }
                case FaultKinds.Power or FaultKinds.Crash:
                {
                    var targets = choices[pick] == FaultKinds.Power ? [PowerFaults.Target(world)!] : PowerFaults.RestartTargets(world);
                    var host = targets.Count == 1 ? targets[0] : targets[r.Next(targets.Count)];
                    var power = PowerFaults.Plan(world, host, r, start, end, cut: choices[pick] == FaultKinds.Power).ToList();
                    end = power[^1].AtCall;
                    if (broken.Any(b => start <= b.End && b.Start <= end) || list.Any(f => f.AtCall >= start && f.AtCall <= end))
                        break; // nothing else is broken while the power is out
                    // The copy on the disk the power cut hit comes back behind the others, out of use until the repair at
                    // the end of the run: the other faults must leave another (fig7 seed 703039: a partition of y then
                    // left x's mirror no copy, and an open timed out).
                    int? behind = power[0].Action != "restart" && world.Mirror is not null ? CopyOfDisk(world, power[0].Target) : null;
                    if (behind is { } b0 && !LeavesACopy(world, broken, [b0], end, calls))
                        break;
                    broken.Add((Enumerable.Range(0, world.Mirror?.Mfs.Copies.Count ?? 1).ToArray(), start, end));
                    if (behind is { } b1)
                        broken.Add(([b1], end, calls));
                    list.AddRange(power);
                    break;
                }
            }
        }
        return new FaultPlan(list);
    }

    /// <summary>
    /// 1 (a full resync) for one copy fault in four, else 0. Drawn from a stream of its own, so that the rest of every
    /// earlier seed's plan stays what it was.
    /// </summary>
    private static long FullResync(int seed, int start) => new Random(seed ^ (start * 0x3c6ef372)).Next(4) == 0 ? 1 : 0;

    /// <summary>
    /// The copy a disk or copy fault meant for <paramref name="copy"/> from <paramref name="start"/> to
    /// <paramref name="end"/> breaks: that one if the mirror keeps a whole copy, else one already broken then that does,
    /// else null (the fault is left out).
    /// </summary>
    private static int? OneCopyAtATime(World w, List<(int[] Copies, int Start, int End)> broken, int copy, int start, int end)
    {
        if (LeavesACopy(w, broken, [copy], start, end))
            return copy;
        foreach (var b in broken.Where(b => start <= b.End && b.Start <= end))
            foreach (int other in b.Copies)
                if (other < w.Mirror!.Mfs.Copies.Count && LeavesACopy(w, broken, [other], start, end))
                    return other;
        return null;
    }

    /// <summary>
    /// True when breaking <paramref name="copies"/> from <paramref name="start"/> to <paramref name="end"/>, with the
    /// faults already planned, leaves the mirror at least one whole copy all along -- and, for a mirror with a witness
    /// (counted as one more member, CutOff), leaves it the witness while a copy is broken and every copy while the
    /// witness is cut off.
    /// </summary>
    private static bool LeavesACopy(World w, List<(int[] Copies, int Start, int End)> broken, int[] copies, int start, int end)
    {
        var down = new HashSet<int>(copies);
        foreach (var b in broken.Where(b => start <= b.End && b.Start <= end))
            down.UnionWith(b.Copies);
        return down.Count < w.Mirror!.Mfs.Copies.Count;
    }

    /// <summary>
    /// What a network or host fault of <paramref name="host"/> from <paramref name="start"/> to <paramref name="end"/>
    /// breaks, each with how long: the mirror copies imported from that host until the repair at the end of the run (they
    /// stay out of use), and the witness, as one more member (index Copies.Count), while the fault lasts, when its
    /// directory is imported from there. A copy lost while the witness is out of reach leaves the mirror read-only
    /// (MirrorWitness.cs), where EROFS is right and the model expects the call to succeed, so a plan never cuts off the
    /// witness while a copy is broken.
    /// </summary>
    private static List<(int[] Copies, int Start, int End)> CutOff(World w, string host, int start, int end, int calls)
    {
        var copies = w.Mirror!.Mfs.Copies;
        var hit = new List<(int[] Copies, int Start, int End)> { (copies.Select((c, i) => (c, i)).Where(x => Imports(x.c.Vfs, host)).Select(x => x.i).ToArray(), start, calls) };
        if (w.Mirror.Mfs.Options.Witness is { } witness
            && w.Mirror.Host.Kernel.Mounts.Any(v => Imports(v, host) && (witness == v.MntPt || witness.StartsWith(v.MntPt + "/", StringComparison.Ordinal))))
            hit.Add(([copies.Count], start, end));
        return hit;
    }

    /// <summary>True when <paramref name="v"/> is an NFS import from <paramref name="host"/>.</summary>
    private static bool Imports(Core.Vfs v, string host) => v.FstypeName == "nfs" && v.Resource.StartsWith(host + ":", StringComparison.Ordinal);

    /// <summary>The index of the mirror copy on disk "host:path", or null when no copy of the world's mirror is on it.</summary>
    private static int? CopyOfDisk(World w, string disk)
    {
        var i = w.Mirror!.Mfs.Copies.ToList().FindIndex(c => $"{w.Mirror.Host.Name}:{c.Vfs.MntPt}" == disk);
        return i < 0 ? null : i;
    }

    /// <summary>The disk ("host:path") under mirror copy <paramref name="copy"/>, or null when it has none that can fail.</summary>
    private static string? DiskOfCopy(World w, int copy) =>
        MirroredDisks(w).FirstOrDefault(d => d == $"{w.Mirror!.Host.Name}:{w.Mirror.Mfs.Copies[copy].Vfs.MntPt}");

    private static bool HasTarget(World w, FaultKinds k) => k switch
    {
        FaultKinds.Disk => MirroredDisks(w).Count > 0,
        FaultKinds.Copy => w.Mirror is not null && w.Mirror.Mfs.Options.Mode == Mirror.MirrorMode.Mirror,
        FaultKinds.Net or FaultKinds.Host => w.Hosts.Count > 1 && w.Mirror is not null,
        FaultKinds.Power => PowerFaults.Target(w) is not null && PowerFaults.CutDisks(w).Count > 0,
        FaultKinds.Crash => PowerFaults.RestartTargets(w).Count > 0,
        _ => true,
    };

    /// <summary>The UFS disks under the process host's mirror, as "host:path" (disks elsewhere have no redundancy).</summary>
    private static List<string> MirroredDisks(World w)
    {
        if (w.Mirror is null)
            return [];
        var copyVfs = w.Mirror.Mfs.Copies.Select(c => c.Vfs).ToHashSet();
        return w.Disks.Where(d => d.Device is not null && d.Host == w.Mirror.Host
                && d.Host.Kernel.Mounts.Any(v => copyVfs.Contains(v) && v.MntPt == d.Path))
            .Select(d => $"{d.Host.Name}:{d.Path}").ToList();
    }

    private static string Remote(World w, Random r)
    {
        var others = w.Hosts.Where(h => h != w.ProcessHost && h != w.Mirror?.Host).ToList();
        if (others.Count == 0)
            others = w.Hosts.Where(h => h != w.ProcessHost).ToList();
        return others[r.Next(others.Count)].Name;
    }
}
