// Tests of Vfs.Sim: the findings of docs/verification.md about NFS copies and exported mirrors (stale handles, a
// partitioned copy's errno, the run that stopped), each replayed from its seed and shrunk history. Each failed before
// its fix.
using Xunit.Abstractions;

namespace UnixVfs.Sim.Tests;

public class StaleRegressionTests(ITestOutputHelper output)
{
    private void Holds(SimCase c) => SimReplay.Holds(output, c);

    /// <summary>History <paramref name="seed"/> of a main-run group: its length is drawn from its seed.</summary>
    private static SimCase MainRun(string world, int seed, FaultKinds faults) => Exploration.Case([world], seed, 0, 200, faults);

    [Fact]
    public void A_mirror_server_waiting_on_a_partitioned_copy_lets_virtual_time_move() =>
        Holds(new SimCase("fig9", 20261302, 94, FaultKinds.Net));

    [Fact]
    public void The_clients_handle_of_an_exported_mirrors_root_outlives_its_primary_copy_going_offline() =>
        Holds(new SimCase("fig9", 20261306, 18, FaultKinds.Copy));

    [Fact]
    public void An_NFS_world_never_removes_a_directory_a_process_has_open() =>
        Holds(MainRun("fig8", 20263217, FaultKinds.Clock));
}
