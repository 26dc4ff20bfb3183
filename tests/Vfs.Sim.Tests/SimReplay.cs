// Tests of Vfs.Sim: the one way the findings' tests replay a case -- run it, say what ran, and require every invariant
// to hold, with the shrunk history, the plan and the replay command in the message when one does not. With
// VFS_SIM_TRACE set, the run's event trace goes to the test's output too.
using Xunit.Abstractions;

namespace UnixVfs.Sim.Tests;

internal static class SimReplay
{
    public static void Holds(ITestOutputHelper output, SimCase c)
    {
        var trace = Environment.GetEnvironmentVariable("VFS_SIM_TRACE") is null ? null : new StringWriter();
        var o = Simulator.Run(c, trace: trace);
        output.WriteLine($"{c.Command()}: {o.Calls} calls, {o.Events} events");
        if (trace is not null)
            output.WriteLine(trace.ToString());
        Assert.True(o.Failure is null, Simulator.Report(o));
    }
}
