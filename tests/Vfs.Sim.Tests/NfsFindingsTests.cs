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

    /// <summary>
    /// Finding 4, second cause: the mirror's write to Y sat in x's NFS client when y went down; online's search sent it,
    /// stamped after Y left, and took it for a change behind the mirror's back: X's file lost its second link.
    /// </summary>
    [Fact]
    public void A_write_an_NFS_copy_held_when_it_left_is_no_change_behind_the_mirrors_back() =>
        Holds(new SimCase("fig9", 20262210, 123, FaultKinds.Net | FaultKinds.Host | FaultKinds.Clock, [9, 16, 19]));

    /// <summary>
    /// Finding 4, second cause: a pwrite x's NFS client held while y was partitioned failed to flush at close, and the
    /// mirror's retry of the close succeeded with nothing left to send: Y kept the file at size 0.
    /// </summary>
    [Fact]
    public void A_write_whose_flush_to_an_NFS_copy_fails_reaches_it_by_the_resync() =>
        Holds(new SimCase("fig9", 20265214, 118, FaultKinds.Copy | FaultKinds.Net | FaultKinds.Host | FaultKinds.Clock, [2, 27, 57]));
}
