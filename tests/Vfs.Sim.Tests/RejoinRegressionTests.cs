// Tests of Vfs.Sim: the copy-rejoin bugs the simulator found when the split-brain detection (issue 13) met the
// resync fixes on Fig. 5 and the 3-way mirror (docs/verification.md, Fixed), each replayed from its seed and shrunk
// history. Each failed before its fix; tests/Vfs.Mirror.Tests/RejoinTests.cs keeps the mirror's own reproducers.
using Xunit.Abstractions;

namespace UnixVfs.Sim.Tests;

public class RejoinRegressionTests(ITestOutputHelper output)
{
    private void Holds(SimCase c) => SimReplay.Holds(output, c);

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

    /// <summary>Finding 26 (Fixed 67): a symbolic link with two names, one renamed over a directory removed while X's disk
    /// had failed; X's resync could not rename its file over the directory X still had, and copied the new name whole,
    /// a second file. The file under its old name is now the mnode's, and the new name a link to it.</summary>
    [Fact]
    public void A_link_renamed_over_a_directory_removed_while_x_was_out_stays_a_link() =>
        Holds(new SimCase("mirror3", 99849, 111, FaultKinds.None,
            [6, 13, 23, 24, 29, 30, 42, 43, 52, 53, 54, 55, 56, 60, 61, 62, 63, 64, 65, 72, 73, 74, 75, 76, 77, 83, 84, 92, 105, 106, 107, 110],
            FaultPlan.FromText("40 disk-fail h:/b 15; 93 disk-heal h:/b 0")));

    /// <summary>Fixed 83, Fig. 9: /b/b went to /a, /a/c to /c, /a was removed and /c renamed over the emptied /b while X
    /// was offline. X's replay emptied its /b and so let its old /b/b go while it still moved /c out of it: a rename on a
    /// directory with no holds, a panic. Found with disk faults; the offline and online alone make it.</summary>
    [Theory]
    [InlineData("21 offline x 0; 23 disk-fail x:/export/disk 11; 58 disk-heal x:/export/disk 0; 79 online x 0")]
    [InlineData("21 offline x 0; 79 online x 0")]
    public void A_directory_moved_up_and_renamed_over_its_old_grandparent_while_x_was_offline_rejoins(string plan) =>
        Holds(new SimCase("fig9", 320009, 84, FaultKinds.None, [3, 4, 14, 29, 45, 53, 77], FaultPlan.FromText(plan)));

    /// <summary>Finding 35 (Fixed 87), Fig. 5: while X's disk had failed, a symlink /a/b was unlinked, /a/b made again a
    /// directory, and /b/a, holding a link of /b/c, moved into it. X's symlink stopped the move, and the replay copied
    /// the link whole, a second file. The symlink now goes first.</summary>
    [Fact]
    public void A_directory_moved_under_a_name_that_was_a_symlink_while_x_was_out_keeps_its_links() =>
        Holds(new SimCase("fig5", 346242, 185, FaultKinds.None,
            [80, 86, 89, 95, 102, 103, 104, 105, 106, 107, 108, 113, 126, 127, 128, 132, 143, 144, 149, 150, 156, 157, 158, 159, 160, 161, 184],
            FaultPlan.FromText("52 disk-fail h:/b 16; 162 disk-heal h:/b 0")));

    /// <summary>Fixed 89, the 3-way mirror: while X was away an open /b was linked as /a/c and unlinked, closed, and /b
    /// made again. X remembered its old file by its fids in Y and Z; the full resync, asking by its source, Y, found
    /// Z's record alone, rewrote X's old /b in place as the new file and linked /a/c to it.</summary>
    [Fact]
    public void A_name_made_again_while_x_of_three_was_out_is_not_its_old_file_after_a_full_resync() =>
        Holds(new SimCase("mirror3", 422195, 249, FaultKinds.None, [7, 24, 25, 26, 43, 51, 86, 87, 123, 169, 230, 243, 246, 247, 248],
            FaultPlan.FromText("101 disk-fail h:/b 18; 101 offline x 0; 110 online x 0; 170 disk-heal h:/b 0")));

    /// <summary>The 3-way mirror, Z's disk failed: a directory replaced /a by a rename, and a symlink made meanwhile was
    /// renamed into it and linked. Fixed 96's first form found the symlink's new directory in Z by its name, which was
    /// Z's old /a, and bound it to the new one's mnode; Z's /a ended with a directory more than the source's (a probe
    /// at 600 calls, seed 652072). Fixed 96 now primes only where Move put the file.</summary>
    [Fact]
    public void A_symlink_made_while_z_was_out_and_moved_into_a_directory_that_replaced_another_leaves_z_alike() =>
        Holds(new SimCase("mirror3", 652072, 476, FaultKinds.None, [118, 139, 172, 175, 188, 190, 231, 249, 252, 266, 326, 353, 415, 449],
            FaultPlan.FromText("34 skew h 1607000; 142 disk-fail h:/m 9; 254 skew h 0; 361 disk-heal h:/m 0")));
}
