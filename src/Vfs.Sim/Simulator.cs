// Vfs.Sim: the simulator -- runs histories of system calls on worlds, with faults, checking invariants, and
// turns a failure into a seed, a shrunk history and a fault plan that replay it.
//
// One run: build the world from the run's seed; generate the history (the seeded scheduler's interleaving of
// the processes' calls: each call names its process) and the fault plan from the same seed; make the calls one at
// a time on the world's single driving thread, each fault just before the call it is planned for, the world's
// clock advancing 1 ms of virtual time per call; check the per-call invariants after every call; then repair
// (heal every fault, bring every copy online, which resyncs it), close every descriptor, and check the end
// invariants. The run's trace (every VOP, disk I/O, RPC record, fault and call) is hashed: the same seed gives
// the same hash.
//
// Replay: a history is the first N calls that a seed generates, less the calls a shrink dropped (Keep), so a
// failure is replayed exactly by `vfs sim --world NAME --seed S --steps N --keep LIST --faults KINDS`. A case may
// instead carry its fault plan (Plan, `--plan`): written by hand, or a generated plan pinned, so that the replay keeps
// its faults when the generator changes.
using System.Text;
using UnixVfs.Mirror;
using UnixVfs.Sim.History;
using UnixVfs.Sim.Model;

namespace UnixVfs.Sim;

/// <summary>
/// What to run: a world, a seed, a history length, the fault kinds, and which calls to keep; or, instead of the kinds,
/// the fault plan itself (<paramref name="Plan"/>: then no plan is generated and Faults is not used). A world is a
/// built-in one's name or a world file's path, or, with <paramref name="WorldText"/>, the text itself (WorldName then
/// only names it): a regression test carries the world it was found in this way, so it runs without the file.
/// </summary>
public sealed record SimCase(string WorldName, int Seed, int Steps, FaultKinds Faults, IReadOnlyList<int>? Keep = null, FaultPlan? Plan = null,
    string? WorldText = null)
{
    /// <summary>The world's text: WorldText, the built-in world's, or the world file's (null when there is none).</summary>
    public string? Text() =>
        WorldText ?? Figures.Text(WorldName) ?? (File.Exists(WorldName) ? File.ReadAllText(WorldName) : null);

    /// <summary>The `vfs sim` command line that replays this case.</summary>
    public string Command() =>
        $"vfs sim --world {WorldName} --seed {Seed} --steps {Steps} " +
        (Plan is null ? $"--faults {FaultNames(Faults)}" : $"--plan '{Plan.OneLine()}'") +
        (Keep is null ? "" : $" --keep {KeepText(Keep)}");

    /// <summary>Calls to keep as `vfs sim --keep` takes them: numbers, and runs of three or more written FIRST-LAST.</summary>
    public static string KeepText(IReadOnlyList<int> keep) =>
        string.Join(',', Runs(keep).Select(r => r.Count >= 3 ? $"{r.First}-{r.First + r.Count - 1}" : Numbers(r, ",")));

    /// <summary>
    /// Parses KeepText's form (a plain list of numbers too) for a case of <paramref name="steps"/> calls. Returns false on
    /// anything else: a number out of 0..steps-1, a range whose end is before its start, or a word that is neither.
    /// </summary>
    public static bool TryParseKeep(string text, int steps, out List<int> keep)
    {
        keep = new List<int>();
        foreach (var w in text.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var ends = w.Split('-');
            if (ends.Length > 2 || !int.TryParse(ends[0], out int first) || !int.TryParse(ends[^1], out int last)
                || first < 0 || last < first || last >= steps)
                return false;
            for (int i = first; i <= last; i++)
                keep.Add(i);
        }
        return true;
    }

    /// <summary>The kept calls as C#, for a regression test: runs of four or more as spreads of Enumerable.Range.</summary>
    internal static string KeepCode(IReadOnlyList<int> keep) =>
        "[" + string.Join(", ", Runs(keep).Select(r => r.Count >= 4 ? $".. Enumerable.Range({r.First}, {r.Count})" : Numbers(r, ", "))) + "]";

    /// <summary>The runs of consecutive numbers in <paramref name="keep"/>, in order.</summary>
    private static IEnumerable<(int First, int Count)> Runs(IReadOnlyList<int> keep)
    {
        for (int i = 0; i < keep.Count;)
        {
            int j = i + 1;
            while (j < keep.Count && keep[j] == keep[j - 1] + 1)
                j++;
            yield return (keep[i], j - i);
            i = j;
        }
    }

    private static string Numbers((int First, int Count) run, string separator) =>
        string.Join(separator, Enumerable.Range(run.First, run.Count));

    public static string FaultNames(FaultKinds k) =>
        k == FaultKinds.None ? "none" : string.Join(',', Enum.GetValues<FaultKinds>()
            .Where(f => f is not (FaultKinds.None or FaultKinds.All) && (k & f) != 0).Select(f => f.ToString().ToLowerInvariant()));

    /// <summary>Parses "disk,copy,net,host,clock", "all" or "none". Returns false on an unknown name.</summary>
    public static bool TryParseFaults(string text, out FaultKinds kinds)
    {
        kinds = FaultKinds.None;
        foreach (var w in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (w == "none")
                continue;
            if (w == "all")
                kinds |= FaultKinds.All;
            else if (Enum.TryParse<FaultKinds>(w, ignoreCase: true, out var k) && k != FaultKinds.All)
                kinds |= k;
            else
                return false;
        }
        return true;
    }
}

/// <summary>The result of one run.</summary>
public sealed class SimOutcome
{
    public required SimCase Case { get; init; }
    public required Script History { get; init; }
    public required FaultPlan Plan { get; init; }

    /// <summary>Null when every invariant held; else the invariant's name and what it said.</summary>
    public string? Failure { get; init; }

    /// <summary>The calls made, with their real results, and those not made (Skipped), each saying why.</summary>
    public required IReadOnlyList<string> Transcript { get; init; }

    /// <summary>Calls of the history the run did not make: each would have broken the world's keep-open-files-linked rule.</summary>
    public int Skipped { get; init; }

    /// <summary>SHA-256 of the run's event trace.</summary>
    public required string TraceHash { get; init; }
    public required long Events { get; init; }
    public required IReadOnlyDictionary<string, long> Checks { get; init; }
    public required IReadOnlyList<Fault> FaultsApplied { get; init; }
    public int Calls => Transcript.Count - Skipped;

    /// <summary>
    /// Whether a list of calls to keep makes a history the world's rules allow (a world that keeps open files linked:
    /// no kept call removes the last name of an open file, as a shrink that drops a close could make one do).
    /// </summary>
    public Func<IReadOnlyList<int>, bool> Keepable { get; init; } = _ => true;
}

/// <summary>Runs worlds.</summary>
public static class Simulator
{
    /// <summary>What the transcript says of a call the run did not make (SimOutcome.Skipped).</summary>
    public const string NotMade = "not made, it would remove the last name of an open file";

    /// <summary>Every how many calls (and after every fault) CopiesMatchModel compares whole trees rather than what the call touched.</summary>
    public static int FullCheckEvery { get; set; } = 32;

    /// <summary>Every how many calls (and after every fault) CopiesMatchModel compares the copies with the model at all.</summary>
    public static int CheckEvery { get; set; } = 4;

    /// <summary>Virtual time that passes at each call.</summary>
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(1);

    /// <summary>How long a run may go without a single trace event before it is reported as a deadlock (host time).</summary>
    public static TimeSpan HangLimit { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How many of a run's threads may wait for time at once before the run is reported as piling up work. A world's
    /// threads wait for time a few at a time (a call's chain of RPCs, a background round); hundreds waiting make virtual
    /// time crawl, and the run neither fails nor ends (docs/verification.md, Fixed 122: autoresync's rounds).
    /// </summary>
    public static int PileUpLimit { get; set; } = 32;

    /// <summary>
    /// Runs one case. <paramref name="invariants"/> defaults to Invariants.Default(). The run has a thread of its own,
    /// and a watchdog: a run that records no event for HangLimit of host time is a deadlock, and one with more than
    /// PileUpLimit threads waiting for time piles up work (its threads are left where they are, and the outcome says
    /// where it stopped). The watchdog is the simulator's one use of the host's clock: it never changes what a run
    /// does, only whether a stuck run is waited for.
    /// </summary>
    public static SimOutcome Run(SimCase c, IReadOnlyList<Invariant>? invariants = null, TextWriter? trace = null)
    {
        SimOutcome? result = null;
        Exception? crash = null;
        World? world = null;
        var thread = new Thread(() =>
        {
            try { result = RunHere(c, invariants, trace, w => Volatile.Write(ref world, w)); }
            catch (Exception e) { crash = e; }
        }) { IsBackground = true, Name = $"sim {c.WorldName} seed {c.Seed}" };
        thread.Start();
        long lastCount = -1;
        while (!thread.Join(TimeSpan.FromSeconds(1)))
        {
            var w = Volatile.Read(ref world);
            if (w is null)
                continue;
            if (w.Clock.Waiting is var waiting && waiting > PileUpLimit)
                return Stuck(c, w, $"pile-up: {waiting} threads wait for time at once (more than {PileUpLimit})");
            if (w.Trace.Count != lastCount)
            {
                lastCount = w.Trace.Count;
                w.Trace.Quiet = TimeSpan.Zero;
                continue;
            }
            w.Trace.Quiet += TimeSpan.FromSeconds(1);
            if (w.Trace.Quiet >= HangLimit)
                return Stuck(c, w, $"deadlock: no event for {HangLimit.TotalSeconds:F0} s");
        }
        if (crash is not null)
            throw crash;
        return result!;
    }

    /// <summary>The outcome of a run the watchdog gave up on: <paramref name="why"/> and the last events.</summary>
    private static SimOutcome Stuck(SimCase c, World w, string why) => new()
    {
        Case = c, History = new Script(Array.Empty<Call>()), Plan = FaultPlan.Empty, Transcript = [],
        Failure = $"{why}; the last events:\n{w.Trace.Tail()}",
        TraceHash = w.Trace.Hash(), Events = w.Trace.Count, Checks = new Dictionary<string, long>(), FaultsApplied = [],
    };

    private static SimOutcome RunHere(SimCase c, IReadOnlyList<Invariant>? invariants, TextWriter? trace, Action<World> started)
    {
        invariants ??= Invariants.Default();
        var text = c.Text() ?? throw new ArgumentException($"no world '{c.WorldName}': a figure (5-10), {string.Join(", ", Figures.Names)}, or a world file");
        if (c.WorldText is null && Figures.Text(c.WorldName) is null)
            c = c with { WorldText = text }; // the outcome carries the file's text as it ran, for its replays and its test
        var err = World.Build(text, c.Seed, out var world, out var why);
        if (err != Errno.OK)
            throw new ArgumentException($"world {c.WorldName}: {why}");
        using var w = world!;
        // From here the world runs one thread at a time (VirtualClock, Driven): this thread counts as its busy work
        // while it makes calls and checks, and lends it whenever it waits for a reply or for time.
        using var driving = w.Clock.Drive();
        w.Trace.Sink = trace;
        started(w);
        var full = OpGen.Generate(c.Seed, c.Steps, w.Processes.Count, w.KeepOpenFilesLinked, w.Guests);
        var plan = c.Plan ?? FaultPlan.Generate(c.Seed, c.Steps, c.Faults, w);
        if (plan.Check(w, out why) != Errno.OK)
            throw new ArgumentException($"world {c.WorldName}: {why}");
        var keep = c.Keep ?? Enumerable.Range(0, full.Calls.Count).ToList();
        var history = new Script(keep.Select(i => full.Calls[i]));
        var checks = invariants.ToDictionary(i => i.Name, _ => 0L);
        var perCall = invariants.Where(i => i.PerCall).Select(i => (i, i.Name)).ToList();
        var atEnd = invariants.Where(i => i.AtTheEnd).Select(i => (i, i.Name)).ToList();
        var transcript = new List<string>();
        var applied = new List<Fault>();
        var model = w.NewModel();
        var ctx = new SimContext(w, model);
        string? failure = null;
        int skipped = 0;
        err = w.ProcessHost.Admin.Lookupname(World.Top, true, out var top);
        if (err != Errno.OK)
            throw new InvalidOperationException($"{World.Top} on {w.ProcessHost}: {err}");
        ctx.Top = top!;
        int nextFault = 0;
        Func<Invariant, string?> afterCall = inv => inv.AfterCall(ctx);
        try
        {
            foreach (int i in keep)
            {
                while (nextFault < plan.Faults.Count && plan.Faults[nextFault].AtCall <= i)
                {
                    var f = plan.Faults[nextFault++];
                    Apply(w, f);
                    applied.Add(f);
                    ctx.FaultJustApplied = true;
                }
                var call = full.Calls[i];
                model.Use(call.Pid);
                if (w.KeepOpenFilesLinked && model.WouldOrphanOpenFile(OpGen.RemovedName(call.Op)))
                {
                    // The history was drawn keeping open files linked, but a restart of the process host closed
                    // descriptors the drawing still counted, so its later descriptor numbers name other files: the
                    // world's rule is kept here, where the model knows what is open (docs/verification.md, Finding 13).
                    w.Trace.Add("skip", $"{i} {call}: {NotMade}");
                    transcript.Add($"{i,4}: [{call.Pid}] {call.Op}: {NotMade}");
                    skipped++;
                    continue;
                }
                w.Trace.Add("call", $"{i} {call}");
                long t0 = w.Clock.GetTimestamp();
                var outcome = CallRunner.Step(w.Processes[call.Pid], model, call.Op);
                ctx.CallTime = TimeSpan.FromTicks(w.Clock.GetTimestamp() - t0);
                w.Trace.Add("result", outcome.Line);
                transcript.Add($"{i,4}: [{call.Pid}] {outcome.Line}");
                ctx.Call = call;
                ctx.Outcome = outcome;
                ctx.Full = ctx.FaultJustApplied || ctx.Index % FullCheckEvery == 0;
                ctx.Due = ctx.Full || ctx.Index % CheckEvery == 0;
                ctx.RecentCalls.Add(call);
                ctx.FaultJustApplied = false;
                ctx.Index++;
                w.Trace.Paused = true;
                failure = Check(perCall, checks, afterCall);
                w.Trace.Paused = false;
                if (ctx.Due)
                    ctx.RecentCalls.Clear();
                if (failure is not null)
                {
                    failure = $"after call {i}: {failure}";
                    break;
                }
                w.Clock.Sleep(Tick);
            }
            if (failure is null)
            {
                Repair(w, applied);
                CloseAll(w, model);
                // A close can take a copy out of use after the repair: its file system reports a write that failed
                // while a fault lasted (NFS: a WRITE that heard nothing, sent again since), and the mirror cannot tell
                // that the bytes got there after all. Such a copy is brought back like the others.
                Online(w);
                ctx.Call = null;
                ctx.Outcome = null;
                top!.Rele();
                top = null;
                ctx.Full = true;
                ctx.Due = true;
                w.Trace.Paused = true;
                failure = Check(atEnd, checks, inv => inv.AtEnd(ctx));
                if (failure is not null)
                    failure = "at the end: " + failure;
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            failure = $"exception: {e.GetType().Name}: {e.Message}\n{e.StackTrace}";
        }
        finally
        {
            top?.Rele();
        }
        return new SimOutcome
        {
            Case = c, History = history, Plan = plan, Failure = failure, Transcript = transcript, Skipped = skipped,
            TraceHash = w.Trace.Hash(), Events = w.Trace.Count, Checks = checks, FaultsApplied = applied,
            Keepable = KeepableIn(w, full),
        };
    }

    private static Func<IReadOnlyList<int>, bool> KeepableIn(World w, Script full)
    {
        if (!w.KeepOpenFilesLinked)
            return _ => true;
        int processes = w.Processes.Count, guests = w.Guests;
        return keep => OpGen.KeepsOpenFilesLinked(new Script(keep.Select(i => full.Calls[i])), processes, guests);
    }

    /// <summary>Checks each of <paramref name="invariants"/> (with their names) in order, counting each; the first problem, named.</summary>
    private static string? Check(List<(Invariant Inv, string Name)> invariants, Dictionary<string, long> checks, Func<Invariant, string?> check)
    {
        foreach (var (inv, name) in invariants)
        {
            var problem = check(inv);
            checks[name]++;
            if (problem is not null)
                return $"{name}: {problem}";
        }
        return null;
    }

    /// <summary>Does one fault to the world, and writes it to the trace.</summary>
    public static void Apply(World w, Fault f)
    {
        w.Trace.Add("fault", f.ToString());
        switch (f.Action)
        {
            case "disk-fail":
                Disk(w, f.Target).FailAfter(f.Arg);
                break;
            case "disk-heal":
                Disk(w, f.Target).Heal();
                break;
            case "offline":
                MfsAdm.Offline(w.Mirror!.Host.Admin, w.Mirror.At, f.Target, out _);
                break;
            case "online":
                MfsAdm.Online(w.Mirror!.Host.Admin, w.Mirror.At, f.Target, out _, out _, full: f.Arg != 0);
                break;
            case "loss":
                foreach (var h in w.Hosts.Where(h => h.Name != f.Target))
                    w.Network.SetLink(f.Target, h.Name, new Nfs.Net.SimLinkProfile(TimeSpan.Zero, TimeSpan.Zero, f.Arg / 100.0));
                break;
            case "partition":
            case "host-down":
                w.Network.Partition([f.Target], w.Hosts.Where(h => h.Name != f.Target).Select(h => h.Name));
                break;
            case "net-heal":
            case "host-up":
                w.Network.Heal();
                foreach (var h in w.Hosts.Where(h => h.Name != f.Target))
                    w.Network.SetLink(f.Target, h.Name, Nfs.Net.SimLinkProfile.Perfect);
                break;
            case "skew":
                (w.HostNamed(f.Target) ?? throw new ArgumentException("no host " + f.Target)).Clock.Skew = TimeSpan.FromMilliseconds(f.Arg);
                break;
            case var power when PowerFaults.Handles(power):
                if (PowerFaults.Apply(w, f, out var why) != Errno.OK)
                    throw new ArgumentException(why);
                break;
            default:
                throw new ArgumentException($"unknown fault action '{f.Action}'");
        }
    }

    private static FaultyBlockDevice Disk(World w, string target) =>
        w.Disks.FirstOrDefault(d => $"{d.Host.Name}:{d.Path}" == target)?.Device ?? throw new ArgumentException("no UFS disk " + target);

    /// <summary>The end of a run: every fault healed, every clock right, every copy of every mirror online (resynced).</summary>
    private static void Repair(World w, List<Fault> applied)
    {
        w.Trace.Add("repair", "heal everything, bring every copy online");
        PowerFaults.Repair(w);
        foreach (var d in w.Disks)
            d.Device?.Heal();
        w.Network.Heal();
        foreach (var h in w.Hosts)
        {
            h.Clock.Skew = TimeSpan.Zero;
            foreach (var o in w.Hosts.Where(o => o != h))
                w.Network.SetLink(h.Name, o.Name, Nfs.Net.SimLinkProfile.Perfect);
        }
        Online(w);
    }

    /// <summary>Brings every copy of every mirror that is out of use online (`mfsadm online`: the resync).</summary>
    private static void Online(World w)
    {
        foreach (var m in w.Mirrors)
            foreach (var copy in m.Mfs.Copies.Where(x => x.State != CopyState.Available).ToList())
            {
                var err = MfsAdm.Online(m.Host.Admin, m.At, copy.Name.ToLowerInvariant(), out var error, out _);
                w.Trace.Add("repair", $"online {m.Host.Name}:{m.At} {copy.Name} = {err} {error}");
            }
    }

    private static void CloseAll(World w, FsModel model)
    {
        foreach (var (pid, fd) in model.AllFds().ToList())
        {
            model.Use(pid);
            w.Processes[pid].Close(fd);
            model.Close(fd);
        }
    }

    /// <summary>
    /// Shrinks a failing case: drops runs of calls (halves, then single calls) while the same invariant still fails and
    /// the world's history rule still holds (SimOutcome.Keepable), at most <paramref name="budget"/> reruns. Returns the
    /// smallest failing outcome found.
    /// </summary>
    public static SimOutcome Shrink(SimOutcome failing, IReadOnlyList<Invariant>? invariants = null, int budget = 300)
    {
        string Key(SimOutcome o) => o.Failure![..Math.Max(0, o.Failure!.IndexOf(':', o.Failure.IndexOf(':') + 1))];
        var best = failing;
        if (failing.Failure!.StartsWith("deadlock", StringComparison.Ordinal) || failing.Failure.StartsWith("pile-up", StringComparison.Ordinal))
            return best;
        string key = Key(failing);
        bool progress = true;
        while (progress && budget > 0)
        {
            progress = false;
            var keep = best.Case.Keep ?? Enumerable.Range(0, best.Case.Steps).ToList();
            for (int chunk = Math.Max(1, keep.Count / 2); chunk >= 1 && !progress; chunk /= 2)
                for (int start = 0; start + chunk <= keep.Count && budget > 0; start += chunk)
                {
                    var shorter = keep.Take(start).Concat(keep.Skip(start + chunk)).ToList();
                    if (!best.Keepable(shorter))
                        continue;
                    budget--;
                    var o = Run(best.Case with { Keep = shorter }, invariants);
                    if (o.Failure is not null && Key(o) == key)
                    {
                        best = o;
                        progress = true;
                        break;
                    }
                }
        }
        return best;
    }

    /// <summary>A failure as a reader needs it: the seed, the shrunk history, the fault plan, the replay command and an xunit test.</summary>
    public static string Report(SimOutcome o)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"FAILED: {o.Case.WorldName}, seed {o.Case.Seed}: {o.Failure}");
        string notMade = o.Skipped > 0 ? $", and {o.Skipped} not made" : "";
        sb.AppendLine($"history ({o.History.Calls.Count} calls; the {o.Calls} made, with their real results{notMade}):");
        foreach (var line in o.Transcript)
            sb.AppendLine("  " + line);
        sb.AppendLine(o.Plan.Faults.Count == 0 ? "fault plan: none" : "fault plan (before call AT):");
        foreach (var f in o.Plan.Faults)
            sb.AppendLine("  " + f);
        // The regression test carries the plan itself: a later change to the plan generator (a new target, a new kind)
        // then cannot turn it into a run that no longer meets the bug.
        var pinned = o.Plan.Faults.Count > 0 ? o.Case with { Plan = o.Plan } : o.Case;
        sb.AppendLine("replay:");
        sb.AppendLine("  " + o.Case.Command());
        if (!ReferenceEquals(pinned, o.Case) && o.Case.Plan is null)
            sb.AppendLine("  " + pinned.Command() + "   (the same, its fault plan given)");
        sb.AppendLine("regression test:");
        sb.AppendLine(XunitTest(pinned));
        return sb.ToString();
    }

    /// <summary>
    /// A ready-to-paste xunit test that replays <paramref name="c"/> and requires every invariant to hold. A world that is
    /// not built in goes into the test as its text, and the test is named after the file.
    /// </summary>
    public static string XunitTest(SimCase c)
    {
        string keep = c.Keep is null ? "null" : SimCase.KeepCode(c.Keep);
        string plan = c.Plan is null ? "" : $",\n            UnixVfs.Sim.FaultPlan.FromText(\"{c.Plan.OneLine()}\")";
        var text = c.WorldText ?? (Figures.Text(c.WorldName) is null ? c.Text() : null);
        string name = text is null ? c.WorldName : Path.GetFileNameWithoutExtension(c.WorldName);
        string world = text is null ? "" : ",\n            WorldText: " + RawString(text, "            ");
        var sb = new StringBuilder();
        sb.AppendLine("    [Fact]");
        sb.AppendLine($"    public void Sim_{Identifier(name)}_seed_{(uint)c.Seed}_holds()");
        sb.AppendLine("    {");
        sb.AppendLine($"        var o = UnixVfs.Sim.Simulator.Run(new UnixVfs.Sim.SimCase(\"{name}\", {c.Seed}, {c.Steps},");
        sb.AppendLine($"            (UnixVfs.Sim.FaultKinds){(int)c.Faults}, {keep}{plan}{world}));");
        sb.AppendLine("        Assert.True(o.Failure is null, UnixVfs.Sim.Simulator.Report(o));");
        sb.Append("    }");
        return sb.ToString();
    }

    /// <summary>Every character of <paramref name="name"/> that may not stand in a C# name, as '_'.</summary>
    private static string Identifier(string name) => string.Concat(name.Select(ch => char.IsAsciiLetterOrDigit(ch) ? ch : '_'));

    /// <summary><paramref name="text"/> as a C# raw string literal, its lines indented by <paramref name="indent"/>.</summary>
    private static string RawString(string text, string indent)
    {
        int longest = 0, run = 0;
        foreach (char ch in text)
            longest = Math.Max(longest, run = ch == '"' ? run + 1 : 0);
        var quotes = new string('"', Math.Max(3, longest + 1));
        var lines = text.TrimEnd().Split('\n').Select(l => l.TrimEnd('\r'));
        return quotes + "\n" + string.Concat(lines.Select(l => (l.Length == 0 ? "" : indent + l) + "\n")) + indent + quotes;
    }
}
