// Tests of Vfs.Sim: one history on each built-in world holds every invariant (a first look at each world). Figs. 9
// and 10 wait for the fix of the deadlock in docs/verification.md (Findings).
using Xunit.Abstractions;

namespace UnixVfs.Sim.Tests;

public class SmokeTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("tmpfs")]
    [InlineData("ufs")]
    [InlineData("nfs")]
    [InlineData("mirror-tmpfs")]
    [InlineData("mirror3")]
    [InlineData("fig5")]
    [InlineData("fig6")]
    [InlineData("fig7")]
    [InlineData("fig8")]
    public void A_history_on_each_world_holds_every_invariant(string world)
    {
        var o = Simulator.Run(new SimCase(world, 42, 120, FaultKinds.None));
        output.WriteLine($"{world}: {o.Calls} calls, {o.Events} events, trace {o.TraceHash[..16]}");
        Assert.True(o.Failure is null, Simulator.Report(o));
    }
}
