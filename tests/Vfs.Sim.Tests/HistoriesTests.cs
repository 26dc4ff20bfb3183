// Tests of Vfs.Sim: the simulator's main run in ./test.sh -- histories of up to 200 calls, with faults, across the
// patent's six figures and a 3-way mirror, every invariant checked; the counts are printed.
using Xunit.Abstractions;

namespace UnixVfs.Sim.Tests;

public class HistoriesTests(ITestOutputHelper output)
{
    /// <summary>
    /// The worlds of the main run, each group with the faults it holds under today. Every figure runs with every kind
    /// of fault its world has, all together: Figs. 9 and 10 in two groups of their own seeds, the second with copy faults
    /// too, with network faults since Fixed 46 and host faults since Fixed 47 (Finding 10, seed 20262350: a file made
    /// while X was offline could not be opened while y was down; after it 224 histories of each figure from seed
    /// 20262202 and 113 from the group's seed held with copy, network, host and clock faults). Fig. 5 and the 3-way mirror run with every kind of fault; Fig. 8 with every kind it has
    /// since Fixed 31 (500 histories from its seed held with copy, network, host and clock faults); Figs. 6 and 7 with
    /// copy faults too since Fixed 34 (500 histories of each from the group's seed held with disk, copy and clock faults);
    /// Figs. 6 and 7 with host faults and Figs. 9 and 10 with network faults since Fixed 35 and 36 (200 histories of
    /// each from seed 20264202 held with that kind and clock faults; 755 of Figs. 6 and 7 each from the group's seed with
    /// disk, copy, host and clock faults, 224 of Figs. 9 and 10 each from theirs with network and clock faults); Figs. 9
    /// and 10 with copy faults since Fixed 40-42 (200 of each from seed 20264202 and 224 from seed 20262202 held with copy
    /// and clock faults); Figs. 6 and 7 with network faults and Figs. 9 and 10 with host faults since Fixed 43-45 (200
    /// histories of each from seed 20264202 held with every kind the group now has). Figs. 6 and 8 with crash faults
    /// (restarts of their NFS servers' hosts) since Fixed 48-50 (400 histories of Fig. 6 and of Fig. 8 from the groups'
    /// seeds, 1,000 of Fig. 6 from seed 777 and 600 of Fig. 8 from seed 778 held; Fig. 7's hosts export and import, and
    /// restart no host: Findings 12 and 13). Figs. 9 and 10 with disk faults since Fixed 58 and 59 (300 histories of each
    /// from each group's seed held with every kind the group now has). Since Fixed 71 one generated online in four is a
    /// full resync, in every group with copy faults. The witness figures with every kind of fault since stop 41, when the
    /// plans came to count the witness as one more member of the mirror, never cut off together with a copy (300
    /// histories of each from seed 1211000 held with every kind, of up to 500 calls). The option worlds (small logs,
    /// balanced reads, four copies, checksums, autoresync) with disk, copy, network, host and clock faults since Fixed
    /// 113-120, which they found (probe rounds of 300 histories of each, of up to 800 calls, at stop 44), and with power
    /// and crash faults too since Fixed 121-124 (after them, 300 histories of each of the four worlds with disks on the
    /// process host held with every kind, in probe round 202 of stop 45).
    /// </summary>
    public static readonly (string[] Worlds, FaultKinds Faults, int Seed, int Count)[] Groups =
    [
        (["fig5", "mirror3"], FaultKinds.All | FaultKinds.Power | FaultKinds.Crash, 20261202, 68),
        (["fig6", "fig7"], FaultKinds.All | FaultKinds.Power | FaultKinds.Crash, 20264202, 68),
        (["fig8"], FaultKinds.Copy | FaultKinds.Net | FaultKinds.Host | FaultKinds.Clock | FaultKinds.Crash, 20263202, 24),
        (["fig9", "fig10"], FaultKinds.Disk | FaultKinds.Net | FaultKinds.Host | FaultKinds.Clock | FaultKinds.Crash, 20262202, 10),
        (["fig9", "fig10"], FaultKinds.All | FaultKinds.Crash, 20264202, 10),
        (["fig7-witness", "fig9-witness"], FaultKinds.All | FaultKinds.Power | FaultKinds.Crash, 20265202, 10),
        (["fig7-autoresync", "fig8-small-log", "mirror3-nfs", "mirror4", "mirror3-checksum"], FaultKinds.All | FaultKinds.Power | FaultKinds.Crash, 20266202, 10),
    ];

    /// <summary>
    /// How many histories the main run makes (VFS_SIM_HISTORIES overrides; `vfs sim --soak` runs longer), shared among
    /// the groups in proportion to their counts above: 680, 680, 240, 100, 100, 100 and 100 (issue 11 asks for 2,000). They hold since
    /// Fixed 30 of docs/verification.md, with the faults above since Fixed 34; the main run alone took 3 min 20 s on
    /// this 2-core machine at stop 23, 3 min 31 s with the wider faults at stop 24 (load 5-11), and 3 min 5 s with
    /// Figs. 6-7's host and Figs. 9-10's network faults at stop 25 (load 15-23), 3 min 18 s with Figs. 6-7's network
    /// and Figs. 9-10's host faults at stop 26 (load 9-26), and 3 min 11 s with host faults in Figs. 9-10's copy group
    /// too at stop 27 (load 18-27).
    /// </summary>
    public const int Histories = 2000;

    [Fact]
    public void Histories_with_faults_on_Figs_5_to_10_and_a_3_way_mirror_hold_every_invariant()
    {
        int histories = int.TryParse(Environment.GetEnvironmentVariable("VFS_SIM_HISTORIES"), out int h) ? h : Histories;
        int weights = Groups.Sum(g => g.Count), left = histories;
        // The lock-order checker still checks every acquisition; keeping each one's stack is most of its cost, and a
        // failure here replays from its seed (with stacks) anyway.
        Witness.KeepStacks = false;
        var sum = new SimSummary();
        for (int i = 0; i < Groups.Length && sum.Failure is null; i++)
        {
            var (names, faults, seed, count) = Groups[i];
            int n = i == Groups.Length - 1 ? left : histories * count / weights;
            left -= n;
            sum.Absorb(Exploration.Run(names, seed, n, steps: 200, faults, parallel: 2));
        }
        output.WriteLine(sum.ToString());
        Console.WriteLine("Vfs.Sim main run: " + sum.ToString().Replace("\n", "\n    "));
        Assert.True(sum.Failure is null, sum.Failure is null ? "" : Simulator.Report(sum.Failure));
        Assert.Equal(histories, sum.Histories);
    }
}
