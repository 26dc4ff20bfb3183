// Tests of Vfs.Sim: the bugs the simulator found, each replayed from its seed and shrunk history (docs/verification.md,
// Fixed). Each failed before its fix; the layer's own test project keeps a smaller reproducer.
using Xunit.Abstractions;

namespace UnixVfs.Sim.Tests;

public class FindingsTests(ITestOutputHelper output)
{
    private void Holds(SimCase c)
    {
        var o = Simulator.Run(c);
        output.WriteLine($"{c.Command()}: {o.Calls} calls, {o.Events} events");
        Assert.True(o.Failure is null, Simulator.Report(o));
    }

    [Fact]
    public void Renaming_a_directory_onto_itself_through_an_exported_mirror_returns() =>
        Holds(new SimCase("fig9", 20261206, 5, FaultKinds.None));

    [Fact]
    public void A_file_created_through_a_mirror_over_a_slow_link_has_one_mtime_on_both_copies() =>
        Holds(new SimCase("fig7", 20261204, 73, FaultKinds.Copy, [72]));

    [Fact]
    public void A_hard_link_survives_the_resync_of_an_NFS_copy() =>
        Holds(new SimCase("fig6", 20261208, 101, FaultKinds.Copy | FaultKinds.Net | FaultKinds.Host | FaultKinds.Clock, [1, 3, 11, 41, 73, 76]));

    [Fact]
    public void Fstat_of_an_open_unlinked_file_keeps_its_size_across_a_copy_fault() =>
        Holds(new SimCase("fig5", 20261222, 129, FaultKinds.Copy | FaultKinds.Clock, [4, 6, 7, 18, 30]));

    [Fact]
    public void A_file_created_and_removed_while_the_read_copy_was_away_is_read_from_the_copy_that_has_it() =>
        Holds(new SimCase("fig5", 20261224, 43, FaultKinds.All, [27, 30, 40]));

    [Fact]
    public void Directories_renamed_in_a_cycle_while_a_copy_was_away_keep_their_own_modes() =>
        Holds(new SimCase("fig5", 20263575, 144, FaultKinds.Disk | FaultKinds.Copy | FaultKinds.Net | FaultKinds.Host | FaultKinds.Clock,
            [7, 21, 22, 23, 25, 30, 62, 63, 64, 71, 72, 80, 133, 134]));
}
