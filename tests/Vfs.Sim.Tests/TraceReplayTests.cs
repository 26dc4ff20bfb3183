// Tests of Vfs.Sim: the simulator's contract -- the same seed gives a byte-identical event trace (every VOP, disk
// I/O, RPC record and fault), also while other processes keep both cores busy.


namespace UnixVfs.Sim.Tests;

public class TraceReplayTests
{
    [Theory]
    [InlineData("fig5", FaultKinds.Copy | FaultKinds.Clock)]
    [InlineData("mirror3", FaultKinds.Copy)]
    [InlineData("fig6", FaultKinds.Net | FaultKinds.Copy)]
    [InlineData("fig8", FaultKinds.Host | FaultKinds.Net)]
    public void The_same_seed_gives_the_same_trace_twice_while_both_cores_are_busy(string world, FaultKinds faults)
    {
        var c = new SimCase(world, 777, 150, faults);
        var first = Simulator.Run(c);
        List<System.Diagnostics.Process> load = [];
        try
        {
            for (int i = 0; i < 2; i++)
                // timeout: a test host killed before the finally below must not leave two cores busy for good.
                load.Add(System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("sh", "-c \"exec timeout 600 yes > /dev/null\"") { UseShellExecute = false })!);
            var second = Simulator.Run(c);
            Assert.True(first.Failure is null, Simulator.Report(first));
            Assert.True(first.Events > 1000, $"only {first.Events} events");
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

    [Fact]
    public void Another_seed_gives_another_trace()
    {
        var a = Simulator.Run(new SimCase("fig5", 1, 60, FaultKinds.None));
        var b = Simulator.Run(new SimCase("fig5", 2, 60, FaultKinds.None));
        Assert.NotEqual(a.TraceHash, b.TraceHash);
    }
}
