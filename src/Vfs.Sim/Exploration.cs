// Vfs.Sim: many runs -- K histories over one or more worlds, each from its own seed derived from the first,
// summed up: histories and calls run, faults injected by kind, checks made per invariant, and the first failure,
// shrunk.
namespace UnixVfs.Sim;

/// <summary>The sum of an exploration.</summary>
public sealed class SimSummary
{
    public int Histories { get; internal set; }
    public long Calls { get; internal set; }
    public long Events { get; internal set; }
    public Dictionary<FaultKinds, int> FaultsByKind { get; } = new();
    public Dictionary<string, long> ChecksByInvariant { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, int> HistoriesByWorld { get; } = new(StringComparer.Ordinal);

    /// <summary>The first failure, shrunk; null when every history held.</summary>
    public SimOutcome? Failure { get; internal set; }

    /// <summary>Adds another summary's counts to this one (a soak's batches); its failure, if any, becomes this one's.</summary>
    public void Absorb(SimSummary other)
    {
        Histories += other.Histories;
        Calls += other.Calls;
        Events += other.Events;
        foreach (var (k, n) in other.FaultsByKind)
            FaultsByKind[k] = FaultsByKind.GetValueOrDefault(k) + n;
        foreach (var (k, n) in other.ChecksByInvariant)
            ChecksByInvariant[k] = ChecksByInvariant.GetValueOrDefault(k) + n;
        foreach (var (k, n) in other.HistoriesByWorld)
            HistoriesByWorld[k] = HistoriesByWorld.GetValueOrDefault(k) + n;
        Failure ??= other.Failure;
    }

    internal void Add(SimOutcome o)
    {
        Histories++;
        Calls += o.Calls;
        Events += o.Events;
        HistoriesByWorld[o.Case.WorldName] = HistoriesByWorld.GetValueOrDefault(o.Case.WorldName) + 1;
        foreach (var f in o.FaultsApplied)
            FaultsByKind[f.Kind] = FaultsByKind.GetValueOrDefault(f.Kind) + 1;
        foreach (var (name, n) in o.Checks)
            ChecksByInvariant[name] = ChecksByInvariant.GetValueOrDefault(name) + n;
    }

    public override string ToString()
    {
        var lines = new List<string>
        {
            $"{Histories} histories, {Calls} calls, {Events} trace events",
            "worlds: " + string.Join(", ", HistoriesByWorld.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} {kv.Value}")),
            "faults: " + (FaultsByKind.Count == 0 ? "none" : string.Join(", ", FaultsByKind.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key.ToString().ToLowerInvariant()} {kv.Value}"))),
            "checks:",
        };
        lines.AddRange(ChecksByInvariant.Select(kv => $"  {kv.Value,9}  {kv.Key}"));
        return string.Join('\n', lines);
    }
}

/// <summary>Runs many histories.</summary>
public static class Exploration
{
    /// <summary>
    /// Runs <paramref name="histories"/> histories, round-robin over <paramref name="worlds"/>; history i has seed
    /// <paramref name="seed"/> + i and up to <paramref name="steps"/> calls (its length drawn from its seed), up to
    /// <paramref name="parallel"/> at a time. Stops at the first failure, which is shrunk. <paramref name="progress"/>
    /// is told after each history. With <paramref name="plan"/> every history runs that plan rather than one generated
    /// from its seed for the kinds in <paramref name="faults"/>.
    /// </summary>
    public static SimSummary Run(IReadOnlyList<string> worlds, int seed, int histories, int steps, FaultKinds faults,
        IReadOnlyList<Invariant>? invariants = null, Action<int, SimOutcome>? progress = null, int parallel = 1, FaultPlan? plan = null)
    {
        var sum = new SimSummary();
        var gate = new object();
        SimOutcome? firstFailure = null;
        int failedAt = int.MaxValue;    // the lowest index of a history that failed; written under gate
        int done = 0;
        // Each history is a world of its own, so histories run side by side, each on its own seed: what one does and
        // its trace do not depend on the others or on how many run at once. They are handed out one at a time, longest
        // first (a history's length is drawn from its seed before it runs), so the last ones to finish are short and
        // no worker waits long for another at the end (Parallel.For handed each worker runs of neighbouring histories,
        // up to 8 at once: docs/benchmarks.md, "Stop 28"). After a failure no later history (by index) starts, and
        // every earlier one still runs: the first failure in history order is the one reported, whatever the order.
        var cases = Enumerable.Range(0, histories).Select(i => Case(worlds, seed, i, steps, faults) with { Plan = plan }).ToArray();
        int[] order = Enumerable.Range(0, histories).OrderByDescending(i => cases[i].Steps).ToArray();
        int next = -1;
        void Work()
        {
            for (int k; (k = Interlocked.Increment(ref next)) < order.Length;)
            {
                int i = order[k];
                if (i > Volatile.Read(ref failedAt))
                    continue;
                var o = Simulator.Run(cases[i], invariants);
                lock (gate)
                {
                    sum.Add(o);
                    progress?.Invoke(++done, o);
                    if (o.Failure is not null && i < failedAt)
                    {
                        firstFailure = o;
                        failedAt = i;
                    }
                }
            }
        }
        var helpers = Enumerable.Range(1, Math.Clamp(parallel, 1, Math.Max(histories, 1)) - 1)
            .Select(_ => Task.Factory.StartNew(Work, TaskCreationOptions.LongRunning)).ToArray();
        Work();
        Task.WaitAll(helpers);
        if (firstFailure is not null)
            sum.Failure = Simulator.Shrink(firstFailure, invariants);
        return sum;
    }

    /// <summary>History <paramref name="i"/> of an exploration: its world, its seed, and its length (drawn from its seed).</summary>
    public static SimCase Case(IReadOnlyList<string> worlds, int seed, int i, int steps, FaultKinds faults)
    {
        int s = unchecked(seed + i);
        int length = 1 + (int)((uint)World.StableHash("length" + s) % (uint)steps);
        return new SimCase(worlds[i % worlds.Count], s, length, faults);
    }
}
