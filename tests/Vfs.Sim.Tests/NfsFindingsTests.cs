// Tests of Vfs.Sim: the bugs the simulator found in mirrors with a copy over NFS (docs/verification.md, Fixed), each
// replayed from its seed and shrunk history. Each failed before its fix; tests/Vfs.Mirror.Tests/NfsCopyFindingsTests.cs
// keeps the smaller reproducers.
using Xunit.Abstractions;

namespace UnixVfs.Sim.Tests;

public class NfsFindingsTests(ITestOutputHelper output)
{
    private void Holds(SimCase c)
    {
        var o = Simulator.Run(c);
        output.WriteLine($"{c.Command()}: {o.Calls} calls, {o.Events} events");
        Assert.True(o.Failure is null, Simulator.Report(o));
    }

    /// <summary>
    /// Finding 4, first cause: y's clock 1,582 s ahead, /m/c made on Y before y went down, /m/b made on X by the
    /// symlink that found Y gone. Y's leaving time was x's, so c looked changed behind the mirror's back and online
    /// brought the copies together by their times: b was lost. The leaving time is now on Y's own clock (CopyClock.cs).
    /// </summary>
    [Fact]
    public void A_name_made_while_an_NFS_copy_whose_clock_is_ahead_was_away_survives_its_return() =>
        Holds(new SimCase("fig7", 20264203, 141, FaultKinds.Host | FaultKinds.Clock, [37, 50]));
}
