// Tests of Exploration.Run side by side: a history does the same whatever runs beside it and however many run at once
// (each world is its own, from its own seed: no state a world touches is shared with another), and the failure reported
// is the first in history order, though the histories are handed out longest first.
namespace UnixVfs.Sim.Tests;

/// <summary>Fails at the end of the histories whose seeds it is given.</summary>
public sealed class FailsForSeeds(params int[] seeds) : Invariant
{
    public override string Name => "(fails for chosen seeds)";

    public override string? AtEnd(SimContext c) => seeds.Contains(c.World.Seed) ? $"seed {c.World.Seed} chosen to fail" : null;
}

public class ExplorationTests
{
    private static Dictionary<int, string> Hashes(IReadOnlyList<string> worlds, int seed, int n, int steps, FaultKinds faults, int parallel)
    {
        var hashes = new Dictionary<int, string>();
        var sum = Exploration.Run(worlds, seed, n, steps, faults, progress: (_, o) => hashes.Add(o.Case.Seed, o.TraceHash), parallel: parallel);
        Assert.Null(sum.Failure);
        Assert.Equal(n, sum.Histories);
        return hashes;
    }

    [Fact]
    public void A_history_traces_the_same_bytes_one_at_a_time_and_side_by_side()
    {
        string[] worlds = ["fig5", "nfs"];
        var alone = Hashes(worlds, 20262801, 6, 120, FaultKinds.Disk | FaultKinds.Net | FaultKinds.Clock, parallel: 1);
        var sideBySide = Hashes(worlds, 20262801, 6, 120, FaultKinds.Disk | FaultKinds.Net | FaultKinds.Clock, parallel: 3);
        Assert.Equal(alone.OrderBy(kv => kv.Key), sideBySide.OrderBy(kv => kv.Key));
        var first = Exploration.Case(worlds, 20262801, 0, 120, FaultKinds.Disk | FaultKinds.Net | FaultKinds.Clock);
        Assert.Equal(Simulator.Run(first).TraceHash, alone[first.Seed]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void The_first_failure_in_history_order_is_reported_whatever_the_parallelism(int parallel)
    {
        const int seed = 20262815;
        // History 5 is the longest of the eight (its length is drawn from its seed), so it is handed out first;
        // history 2 fails too, and is the one reported.
        var lengths = Enumerable.Range(0, 8).Select(i => Exploration.Case(["tmpfs"], seed, i, 40, FaultKinds.None).Steps).ToArray();
        Assert.Equal(5, Array.IndexOf(lengths, lengths.Max()));
        var sum = Exploration.Run(["tmpfs"], seed, 8, 40, FaultKinds.None, [new FailsForSeeds(seed + 2, seed + 5)], parallel: parallel);
        Assert.NotNull(sum.Failure);
        Assert.Equal(seed + 2, sum.Failure!.Case.Seed);
        Assert.True(sum.Histories >= 3, $"{sum.Histories} histories ran: every history before the failing one runs");
    }
}
