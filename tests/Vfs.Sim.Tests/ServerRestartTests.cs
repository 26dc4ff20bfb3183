// Tests of Vfs.Sim: the bugs the simulator found once it could restart an NFS server's host (a crash fault on Figs. 6
// and 8: the slave, a or b loses power and comes back, its exports served again on the same ports with the same handle
// key), each replayed from its seed and shrunk history (docs/verification.md, Fixed 48-50). Each failed before its fix;
// tests/Vfs.Nfs.Tests/ServerPowerCycleTests.cs and tests/Vfs.Ufs.Tests/CrashTests.cs keep the smaller reproducers.
using Xunit.Abstractions;

namespace UnixVfs.Sim.Tests;

public class ServerRestartTests(ITestOutputHelper output)
{
    private void Holds(SimCase c)
    {
        var o = Simulator.Run(c);
        output.WriteLine($"{c.Command()}: {o.Calls} calls, {o.Events} events");
        Assert.True(o.Failure is null, Simulator.Report(o));
    }

    /// <summary>
    /// Fixed 49, a truncation: 11 bytes sent UNSTABLE, the slave restarted, the file truncated by O_TRUNC and written
    /// past a hole; the COMMIT at close saw the new verifier and wrote the old 11 bytes again over the hole.
    /// </summary>
    [Fact]
    public void A_truncation_after_the_slave_restarted_is_not_undone_by_writes_sent_again() =>
        Holds(new SimCase("fig6", 18, 41, FaultKinds.Crash, [.. Enumerable.Range(0, 29)]));

    /// <summary>
    /// Fixed 49, a stat: 4,097 bytes written through the mirror and sent UNSTABLE to the slave, which restarted without
    /// them; the NFS copy's client took the server's size (0) and the copy no longer matched the model.
    /// </summary>
    [Fact]
    public void Data_the_slave_lost_in_a_restart_is_written_again_before_its_copy_is_read() =>
        Holds(new SimCase("fig6", 24, 72, FaultKinds.Crash, [2, 7, 12, 13, 15, 18, 19, 20, 21]));

    /// <summary>Fixed 49, the same seen through a LOOKUP's attributes of the file's other name.</summary>
    [Fact]
    public void Data_the_slave_lost_is_written_again_when_another_name_of_the_file_shows_it() =>
        Holds(new SimCase("fig6", 137, 55, FaultKinds.Crash, [0, 1, 3, 4, 5]));

    /// <summary>Fixed 49, Fig. 8: server a and then b restarted, b's copy of c short of what the client had sent.</summary>
    [Fact]
    public void Data_lost_by_two_servers_restarting_in_turn_is_written_again() =>
        Holds(new SimCase("fig8", 84, 86, FaultKinds.Crash, [.. Enumerable.Range(0, 19), 20]));

    /// <summary>
    /// Fixed 49, times: the client's data sent UNSTABLE before a utimes, the slave restarted, and the COMMIT at close
    /// wrote the data again after it: the server stamped its own mtime over the one utimes set.
    /// </summary>
    [Fact]
    public void A_time_set_after_the_slave_restarted_is_kept_through_the_commit_at_close() =>
        Holds(new SimCase("fig6", 828, 108, FaultKinds.Clock | FaultKinds.Crash, [.. Enumerable.Range(0, 29)]));

    /// <summary>
    /// Fixed 50: b's UFS wrote file b's inode (its new size and block) as the fsync of another file made by the
    /// mirror's close wrote every dirty metadata block, while b's data block was still in its cache; after the
    /// restart the copy read the block's old bytes.
    /// </summary>
    [Fact]
    public void A_servers_fsync_of_one_file_leaves_no_other_files_inode_pointing_at_unwritten_data() =>
        Holds(new SimCase("fig8", 1179, 108, FaultKinds.Net | FaultKinds.Clock | FaultKinds.Crash,
            [6, 7, 14, 15, 16, 17, 26, 27, 30, 31, 42, 43, 44, 45, 46]));
}
