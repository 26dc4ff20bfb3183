// Tests of Vfs.Sim: the bugs the simulator found once it could restart an NFS server's host (a crash fault on Figs. 6
// and 8: the slave, a or b loses power and comes back, its exports served again on the same ports with the same handle
// key) or a process host that imports or exports (Fig. 6's master, Fig. 7's x), each replayed from its seed and shrunk
// history (docs/verification.md, Fixed 48-50 and 53-56). Each failed before its fix; tests/Vfs.Nfs.Tests/
// ServerPowerCycleTests.cs and tests/Vfs.Ufs.Tests/CrashTests.cs keep the smaller reproducers of 49 and 50. The
// replays on Fig. 7 carry their fault plans (SimCase.Plan): generated plans changed when they began to restart y.
using Xunit.Abstractions;

namespace UnixVfs.Sim.Tests;

public class ServerRestartTests(ITestOutputHelper output)
{
    private void Holds(SimCase c) => SimReplay.Holds(output, c);

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

    /// <summary>
    /// Fixed 53: Fig. 7, x's disk lost power at its second write; the fsync of /m/a failed on X, and x's mirror took X
    /// out and wrote Y's record with the bitmap of the generation it had mounted with. But y's mirror of the same two
    /// disks had mounted after it and given both records a generation of its own, so after x restarted no copy was
    /// found behind, role=master merged one way from X, and /m/a (fsync'd on Y) was removed. A change of generations
    /// now starts from the records on the copies (MirrorGenerations.OnDisk).
    /// </summary>
    [Fact]
    public void A_restart_of_a_master_whose_disk_lost_power_resyncs_its_disk_from_the_other_not_the_reverse() =>
        Holds(new SimCase("fig7", 85, 67, FaultKinds.None, [7, 46, 52],
            FaultPlan.FromText("1 power-cut-reorder x:/export/disk 2; 52 restart x 1")));

    /// <summary>
    /// Fixed 54 (a rule of the simulator's, not a bug of the mirror): after Fig. 6's master restarted, the history's
    /// descriptor numbers, drawn as if its files were still open, named other files, and a rename removed the last name
    /// of a file still open -- which an NFS copy cannot keep (no silly rename: Finding 6), so a read got ESTALE. The
    /// run now keeps the world's keep-open-files-linked rule itself.
    /// </summary>
    [Fact]
    public void A_history_keeps_open_files_linked_after_the_process_host_restarted()
    {
        var o = Simulator.Run(new SimCase("fig6", 20264852, 117,
            FaultKinds.Disk | FaultKinds.Copy | FaultKinds.Net | FaultKinds.Host | FaultKinds.Clock | FaultKinds.Crash,
            [10, 14, 19, 24, 32, 33, 34, 35]));
        Assert.True(o.Failure is null, Simulator.Report(o));
        Assert.Equal(1, o.Skipped); // the rename of b over c, still open
        Assert.Contains(o.Transcript, l => l.Contains("rename") && l.EndsWith(Simulator.NotMade));
    }

    /// <summary>
    /// Fixed 55: Fig. 7, x restarted twice; the second lost the rename of c to b/a on X, which Y (its server's, durable)
    /// kept. role=master merged one way from X: a (two links) alike in both, c copied to Y whole, b/a removed -- Y's a
    /// had one link. A file alike under one name is now the twin that its other names link to (MirrorMerge.KeptAsTwin).
    /// (Since Fixed 56 x's remount merges from Y, the truth of y's live mirror, so this history no longer takes that
    /// path; MergeTests keeps the merge's own reproducer.)
    /// </summary>
    [Fact]
    public void A_one_way_merge_after_a_restart_keeps_a_hard_link_a_hard_link() =>
        Holds(new SimCase("fig7", 89, 195, FaultKinds.None, [1, 21, 30, 44, 76, 77], FaultPlan.FromText("55 restart x 0; 77 restart x 1")));

    /// <summary>
    /// Fixed 56 (Finding 15): Fig. 7, x's mirror wrote 19 bytes to /b, on X and held by x's NFS client for Y; y restarted,
    /// and its mirror's mount, role=master, merged one way from its own disk Y and emptied X's /b. A master's mount that
    /// finds another host's mirror holding the copies (the records' holders) merges from that mirror's truth instead.
    /// </summary>
    [Fact]
    public void A_restart_of_the_other_master_does_not_undo_the_live_masters_writes() =>
        Holds(new SimCase("fig7", 20264531, 145, FaultKinds.None, [1, 7, 13, 14, 16], FaultPlan.FromText("16 restart y 1")));
}
