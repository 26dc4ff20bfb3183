// Tests of Vfs.Sim: the simulator's contract -- the same seed gives a byte-identical event trace (every VOP, disk
// I/O, RPC record and fault), also while other processes keep both cores busy. Every built-in world runs twice,
// with the faults the main run (HistoriesTests.Groups) gives it, the second time beside two busy loops.


namespace UnixVfs.Sim.Tests;

public class TraceReplayTests
{
    /// <summary>How many calls each world's history has: enough for a few faults, few enough that all worlds take seconds.</summary>
    private const int Steps = 100;

    /// <summary>
    /// The seed of every world's history. Before the worlds ran one thread at a time, Figs. 6, 8, 9, 9-witness and 10 and
    /// the nfs world gave two traces with it (Fig. 6 the finding's seed); Seed 777 showed none of it.
    /// </summary>
    private const int Seed = 20261209;

    /// <summary>
    /// Every built-in world with the faults of its main-run group, the witness figures with those of the world they
    /// extend (as before they had a group of their own); the worlds the main run leaves out with clock faults (tmpfs,
    /// ufs, nfs, mirror-tmpfs: copy faults too where there is a mirror). Fig. 6 with network faults and Fig. 8 with host and network faults stay, as before.
    /// </summary>
    public static TheoryData<string, FaultKinds> Worlds()
    {
        var data = new TheoryData<string, FaultKinds>();
        foreach (var name in Figures.Names)
        {
            var like = name.Replace("-witness", "");
            var group = HistoriesTests.Groups.Where(g => g.Worlds.Contains(like)).Select(g => (FaultKinds?)g.Faults).FirstOrDefault();
            data.Add(name, group ?? (name.StartsWith("mirror", StringComparison.Ordinal) ? FaultKinds.Copy | FaultKinds.Clock : FaultKinds.Clock));
        }
        data.Add("fig6", FaultKinds.Net | FaultKinds.Copy);
        data.Add("fig8", FaultKinds.Host | FaultKinds.Net);
        return data;
    }

    [Theory]
    [MemberData(nameof(Worlds))]
    public void The_same_seed_gives_the_same_trace_twice_while_both_cores_are_busy(string world, FaultKinds faults)
    {
        var c = new SimCase(world, Seed, Steps, faults);
        var first = Simulator.Run(c);
        List<System.Diagnostics.Process> load = [];
        try
        {
            for (int i = 0; i < 2; i++)
                // timeout: a test host killed before the finally below must not leave two cores busy for good.
                load.Add(System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("sh", "-c \"exec timeout 600 yes > /dev/null\"") { UseShellExecute = false })!);
            var second = Simulator.Run(c);
            Assert.True(first.Failure is null, Simulator.Report(first));
            Assert.True(first.Events > 500, $"only {first.Events} events");
            Assert.Contains(first.FaultsApplied, _ => true);
            Assert.Equal(first.Events, second.Events);
            Assert.Equal(first.TraceHash, second.TraceHash);
        }
        finally
        {
            foreach (var p in load)
            {
                p.Kill(entireProcessTree: true); // timeout and the yes it runs
                p.WaitForExit();
            }
        }
    }

    /// <summary>
    /// The trace hashes its lines in batches (SimTrace.HashBatch): its hash must still be the SHA-256 of every line in
    /// order, asked before a batch is full, after several, and with a line longer than a batch among them.
    /// </summary>
    [Fact]
    public void The_trace_hash_is_the_sha256_of_every_line_in_order_however_they_were_batched()
    {
        var clock = new VirtualClock();
        var sink = new StringWriter { NewLine = "\n" };
        var trace = new SimTrace(clock) { Sink = sink };
        string Expected() => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(sink.ToString())));

        trace.Add("vop", "h ufs.lookup(/m, \"a\") = OK");
        Assert.Equal(Expected(), trace.Hash());
        for (int i = 0; i < 2_000; i++)
        {
            clock.Advance(TimeSpan.FromTicks(i));
            trace.Add(i % 3 == 0 ? "disk" : "vop", $"line {i} é");
        }
        Assert.Equal(Expected(), trace.Hash());
        trace.Add("call", new string('x', 40_000));
        trace.Add("result", "after the long line");
        Assert.Equal(Expected(), trace.Hash());
        Assert.Equal(2_003, trace.Count);
    }

    /// <summary>
    /// A VOP's line is encoded from its event (SimTrace.AddVop), not from a string of it: its bytes must be those of
    /// VopText's line, for a plain event, a nested one with a name outside ASCII, and one without a detail.
    /// </summary>
    [Fact]
    public void A_vop_event_hashes_as_the_line_of_its_text()
    {
        var clock = new VirtualClock();
        var sink = new StringWriter { NewLine = "\n" };
        var trace = new SimTrace(clock) { Sink = sink };
        var events = new[]
        {
            new VopTraceEvent { Depth = 0, Layer = "mfs", Op = "lookup", Vnode = "/m", Detail = "\"a\"" },
            new VopTraceEvent { Depth = 3, Layer = "ufs", Op = "read", Vnode = "/b/\u00e9t\u00e9", Detail = "off=0 len=4097" },
            new VopTraceEvent { Depth = 1, Layer = "ufs", Op = "inactive", Vnode = "?" },
        };
        foreach (var ev in events)
        {
            clock.Advance(TimeSpan.FromTicks(7));
            trace.AddVop("h", ev);
            trace.Add("disk", "h:/m read 0 4096 = OK");
        }
        var lines = sink.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(" vop h       ufs.read(/b/\u00e9t\u00e9, off=0 len=4097) = OK", lines[2][lines[2].IndexOf(' ')..]);
        Assert.Equal(" vop h   ufs.inactive(?) = OK", lines[4][lines[4].IndexOf(' ')..]);
        Assert.Equal(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(sink.ToString()))), trace.Hash());
    }

    [Fact]
    public void Another_seed_gives_another_trace()
    {
        var a = Simulator.Run(new SimCase("fig5", 1, 60, FaultKinds.None));
        var b = Simulator.Run(new SimCase("fig5", 2, 60, FaultKinds.None));
        Assert.NotEqual(a.TraceHash, b.TraceHash);
    }
}
