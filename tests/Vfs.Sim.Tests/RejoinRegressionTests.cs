// Tests of Vfs.Sim: the copy-rejoin bugs the simulator found when the split-brain detection (issue 13) met the
// resync fixes on Fig. 5 and the 3-way mirror (docs/verification.md, Fixed), each replayed from its seed and shrunk
// history. Each failed before its fix; tests/Vfs.Mirror.Tests/RejoinTests.cs keeps the mirror's own reproducers.
using Xunit.Abstractions;

namespace UnixVfs.Sim.Tests;

public class RejoinRegressionTests(ITestOutputHelper output)
{
    private void Holds(SimCase c)
    {
        var trace = new StringWriter();
        var o = Simulator.Run(c, trace: Environment.GetEnvironmentVariable("VFS_SIM_TRACE") is null ? null : trace);
        output.WriteLine($"{c.Command()}: {o.Calls} calls, {o.Events} events");
        output.WriteLine(trace.ToString());
        Assert.True(o.Failure is null, Simulator.Report(o));
    }

    [Fact]
    public void A_clock_stepped_back_before_a_copy_leaves_does_not_lose_a_file_made_while_it_was_away() =>
        Holds(new SimCase("fig5", 20261220, 167, FaultKinds.Disk | FaultKinds.Copy | FaultKinds.Net | FaultKinds.Host | FaultKinds.Clock, [111, 134]));

    [Fact]
    public void A_truncate_of_a_file_unlinked_and_made_again_while_a_copy_was_away_does_not_reach_the_new_file() =>
        Holds(new SimCase("mirror3", 20261211, 139, FaultKinds.Disk | FaultKinds.Copy | FaultKinds.Net | FaultKinds.Host, [29, 38, 42, 68, 69]));

    [Fact]
    public void A_hard_link_survives_the_resync_of_a_copy_a_disk_fault_took_out_after_the_clock_stepped_back() =>
        Holds(new SimCase("fig5", 20261220, 167, FaultKinds.Disk | FaultKinds.Net | FaultKinds.Host | FaultKinds.Clock, [85, 87, 90, 107, 111, 115]));

    /// <summary>The simulator's own bug, found by the wider runs: after lseek(SEEK_END) on a directory (not compared,
    /// its size is the file system's own) the model kept its own offset, so a later SEEK_CUR differed.</summary>
    [Fact]
    public void Seek_from_a_directory_s_end_then_from_there_agrees_with_the_model() =>
        Holds(new SimCase("fig5", 20263251, 129, FaultKinds.None, [31, 75, 77, 86, 95]));

    /// <summary>Found by the wider runs: directories renamed over each other while X was away (a disk fault took it
    /// out) left its resync failing with ENOENT.</summary>
    [Fact]
    public void A_resync_after_directories_were_renamed_over_each_other_while_the_copy_was_away_completes() =>
        Holds(new SimCase("fig5", 20263351, 80, FaultKinds.All, [9, 10, 14, 53, 65, 66, 67]));
}
