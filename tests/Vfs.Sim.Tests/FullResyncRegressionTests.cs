// Tests of Vfs.Sim: the bugs of the mirror's full resync, found once one generated online in four asked for one
// (docs/verification.md, Fixed 71-72, 74-75, 81-82, 86). A full resync merges the copies by name, without the log: each history
// below lost what the log would have brought. Each is replayed from its seed and shrunk history, and failed before its fix;
// tests/Vfs.Mirror.Tests/RejoinTests.cs and MirrorFidTests.cs keep the mirror's own reproducers.
using Xunit.Abstractions;

namespace UnixVfs.Sim.Tests;

public class FullResyncRegressionTests(ITestOutputHelper output)
{
    private const FaultKinds Probed = FaultKinds.Copy | FaultKinds.Clock | FaultKinds.Disk;

    private void Holds(SimCase c) => SimReplay.Holds(output, c);

    /// <summary>
    /// c's handle of /b named X alone; while X was offline /b got the link /a and was written. The full resync copied /a
    /// whole to X and replaced X's /b with a link to it, and c's fsync answered ESTALE. A name X lacks is now linked to
    /// X's own file.
    /// </summary>
    [Fact]
    public void A_handle_naming_x_alone_outlives_a_full_resync_that_brings_a_link_made_while_x_was_offline() =>
        Holds(new SimCase("fig9", 120076, 164, Probed, [32, 55, 56, 64, 92],
            FaultPlan.FromText("55 offline x 0; 70 skew x -1079000; 89 online x 1; 161 skew x 0")));

    /// <summary>/c renamed to /a and chowned while Y was away: linked to Y's own file, /a kept Y's old owner.</summary>
    [Fact]
    public void A_file_renamed_and_chowned_while_y_was_away_has_its_owner_after_a_full_resync() =>
        Holds(new SimCase("fig6", 125112, 276, Probed, [55, 86, 184, 186],
            FaultPlan.FromText("62 offline y 0; 92 skew slave -1333000; 186 online y 1; 266 skew slave 0")));

    /// <summary>/c/b renamed to /b/b, linked as /b/a and truncated while Y was away: Y's file kept its old size.</summary>
    [Fact]
    public void A_file_renamed_linked_and_truncated_while_y_was_away_has_its_size_after_a_full_resync() =>
        Holds(new SimCase("fig7", 123176, 164, Probed, [0, 17, 26, 34, 62, 69, 77],
            FaultPlan.FromText("32 offline y 0; 66 skew x -628000; 77 online y 1; 116 skew x 0")));

    /// <summary>/b/b renamed to /b/a and written through an open descriptor while X was away: X's file kept no bytes.</summary>
    [Fact]
    public void An_open_file_renamed_and_written_while_x_was_away_has_its_bytes_after_a_full_resync() =>
        Holds(new SimCase("fig8", 124010, 276, Probed, [2, 14, 15, 18, 23, 159, 167, 170],
            FaultPlan.FromText("62 offline x 0; 170 online x 1")));

    /// <summary>
    /// /a/b unlinked while open, then written while X was away: the full resync, which has no names for it, left X's
    /// file empty, and a read after it found none of the 13 bytes.
    /// </summary>
    [Fact]
    public void A_removed_open_file_written_while_x_was_away_has_its_bytes_after_a_full_resync() =>
        Holds(new SimCase("mirror3", 122050, 286, Probed, [12, 24, 30, 34, 66, 114, 237],
            FaultPlan.FromText("71 offline x 0; 166 online x 1")));

    /// <summary>
    /// c's handle of /c named X alone; while X was offline /c got the link /a/b, in a directory made meanwhile. The merge
    /// came to /c first, found X's with one link and the source's with two, and replaced it without asking whether it
    /// was the file's twin: c's close answered ESTALE.
    /// </summary>
    [Fact]
    public void A_handle_naming_x_alone_outlives_a_full_resync_that_brings_a_link_in_a_new_directory() =>
        Holds(new SimCase("fig9", 130067, 211, Probed, [77, 81, 82, 148],
            FaultPlan.FromText("45 offline y 0; 59 online y 1; 81 offline x 0; 138 online x 1")));

    /// <summary>
    /// The same for /c renamed to /a/c/a, a directory made while X was offline: the merge removed X's /c, a name the
    /// source lacks, before it came to /a/c/a, and c's write through its handle was lost. The merge parks what it removes.
    /// </summary>
    [Fact]
    public void A_handle_naming_x_alone_outlives_a_full_resync_that_brings_a_rename_into_a_new_directory() =>
        Holds(new SimCase("fig10", 121053, 260, Probed, [7, 71, 74, 95, 224, 250],
            FaultPlan.FromText("15 offline x 0; 231 online x 1")));

    /// <summary>The same after a disk fault took X out too (no call of it could be dropped).</summary>
    [Fact]
    public void A_handle_naming_x_alone_outlives_a_full_resync_after_a_disk_fault() =>
        Holds(new SimCase("fig10", 131035, 145, Probed,
            [20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 108, 109, 110, 111, 112, 113, 114, 115, 116],
            FaultPlan.FromText("32 disk-fail x:/export/disk 19; 71 offline x 0; 84 online x 1; 85 disk-heal x:/export/disk 0")));

    /// <summary>
    /// An open file renamed into a directory Y had as a symbolic link, then truncated, while Y was away: the merge copied
    /// the directory whole and linked the file to its twin deep inside, never made alike.
    /// </summary>
    [Fact]
    public void A_file_renamed_into_a_directory_copied_whole_has_its_size_after_a_full_resync() =>
        Holds(new SimCase("fig7", 133195, 124, Probed, [5, 6, 18, 22, 50, 91, 108],
            FaultPlan.FromText("10 offline y 0; 108 online y 1")));

    /// <summary>
    /// The 3-way mirror: Z's full resync while Y was away too entered a directory Y lacked, and threw a null reference
    /// (the main run's first group, once its plans asked for full resyncs).
    /// </summary>
    [Fact]
    public void A_full_resync_of_z_while_y_is_away_enters_a_directory_y_lacks() =>
        Holds(new SimCase("mirror3", 20261209, 120, FaultKinds.All | FaultKinds.Power | FaultKinds.Crash, [30, 74],
            FaultPlan.FromText("3 offline y 0; 38 offline z 0; 60 online z 1; 90 online y 1")));

    /// <summary>
    /// Fixed 72's second form kept a file's first number for the mnode's life; X's full resync made a file again, and X
    /// gave the old file's number to another, so two files showed one number (`/a/a/b/a: the model and the file system
    /// disagree about which names are the same file`). The number is given again once the file it came from is replaced.
    /// </summary>
    [Fact]
    public void A_number_kept_by_a_file_is_given_again_once_a_full_resync_replaces_the_file_it_came_from() =>
        Holds(new SimCase("mirror3", 152009, 259, Probed, [1, 3, 4, 8, 11, 12, 13, 14, 17, 33, 35, 134],
            FaultPlan.FromText("32 offline x 0; 126 disk-fail h:/b 9; 134 online x 1; 256 disk-heal h:/b 0")));

    /// <summary>
    /// Finding 33 (Fixed 74), Fig. 10, the whole history of each seed: X brought online for a full resync while its disk
    /// still failed. The resync's writes went into X's buffer cache and X rejoined: a file it made again there sent c's
    /// handle stale and c's cached write was lost (151110: `/m: /b/c: VREG size=11249`, the model 16384); 161110 ended
    /// with `/m: /b: mode 777`, the model 650. The resync now syncs the copy before it rejoins, and the sync fails.
    /// </summary>
    [Theory]
    [InlineData(151110, 205, "48 disk-fail x:/export/disk 6; 90 offline x 0; 126 online x 1; 132 disk-heal x:/export/disk 0")]
    [InlineData(161110, 206, "16 offline x 0; 39 disk-fail x:/export/disk 16; 155 online x 1; 198 disk-heal x:/export/disk 0")]
    public void A_full_resync_on_a_disk_that_still_fails_does_not_take_the_copy_back(int seed, int steps, string plan) =>
        Holds(new SimCase("fig10", seed, steps, FaultKinds.None, Plan: FaultPlan.FromText(plan)));

    /// <summary>
    /// Fixed 75, Fig. 9: an open directory renamed while X was offline; the full resync made X's directory afresh under
    /// the new name, and c's fstat of it answered for the removed one (seed 170136: `stat says VDIR size=512 nlink=2`,
    /// the model 3). Its first form moved a directory the merge had kept under its old name for another (seed 170221:
    /// `/m: / holds [a c]`, the model [a b c]); its second kept a directory renamed away under its old name, made again,
    /// and a create through a handle naming X's directory alone showed under both names (seed 180161: `/m: /a/ holds
    /// [b]`, the model []; Fig. 6, seed 185003: `/m: /c/c: the model and the file system disagree about which names are
    /// the same file`). A directory renamed away whose old name the source made a file was removed, not parked (seed
    /// 260118: `rmdir("/m/c/a/a") = ESTALE`, the model ENOENT).
    /// </summary>
    [Theory]
    [InlineData("fig9", 170136, 208, new[] { 20, 32, 53, 132, 133, 198 }, "19 skew x -1185000; 52 offline x 0; 131 online x 1; 201 skew x 0")]
    [InlineData("fig9", 170221, 135, new[] { 8, 9, 31, 33, 39, 85, 88, 118, 131 }, "19 skew x -1185000; 52 offline x 0; 131 online x 1; 201 skew x 0")]
    [InlineData("fig9", 180161, 111, new[] { 12, 40, 75, 103 }, "34 offline x 0; 44 disk-fail x:/export/disk 19; 103 online x 1; 107 disk-heal x:/export/disk 0")]
    [InlineData("fig6", 185003, 285, new[] { 25, 29, 34, 81, 82, 176, 203, 227 }, "99 offline x 0; 227 online x 1")]
    [InlineData("fig9", 260118, 280, new[] { 4, 138, 146, 178 }, "82 offline x 0; 137 skew c 452000; 178 online x 1; 209 skew c 0")]
    public void A_directory_renamed_while_x_was_offline_keeps_its_directory_in_x_through_a_full_resync(string world, int seed, int steps, int[] keep, string plan) =>
        Holds(new SimCase(world, seed, steps, FaultKinds.None, keep, FaultPlan.FromText(plan)));

    /// <summary>
    /// Fixed 82, Fig. 8: z's NFS client held a write to Y's /b when Y was taken offline; /b was written again while Y was
    /// away. Online sent the held write, stamping Y's /b with the time X's had, and the full resync found them alike:
    /// `copy Y (/nb): /b: 10546 bytes that differ from the model's 10546`.
    /// </summary>
    [Fact]
    public void A_file_whose_held_write_online_sent_gets_the_writes_made_while_y_was_offline() =>
        Holds(new SimCase("fig8", 314206, 130, FaultKinds.None, [18, 19, 24, 25, 26, 27, 28, 29, 33, 39, 54, 55, 56],
            FaultPlan.FromText("44 offline y 0; 47 offline y 0; 56 online y 1; 93 online y 0")));

    /// <summary>
    /// Fixed 81, Fig. 10: X's replay, on a disk that failed its writes, made /b/a again and recorded the new file as made
    /// late; after the heal, the full resync kept that file, and c's handle of /b/a, naming X's old file alone, was stale:
    /// its cached write was lost (`copy X (/export/disk) after resync: /b/a: 20256 bytes that differ from the model's`).
    /// </summary>
    [Fact]
    public void A_file_the_replay_made_again_on_a_failing_disk_keeps_its_handle() =>
        Holds(new SimCase("fig10", 311248, 259, FaultKinds.None,
            [0, .. Enumerable.Range(2, 22), .. Enumerable.Range(41, 14), .. Enumerable.Range(66, 11), .. Enumerable.Range(89, 7),
             .. Enumerable.Range(108, 10), 256, 257],
            FaultPlan.FromText("98 disk-fail x:/export/disk 7; 120 offline x 0; 149 online x 0; 191 disk-heal x:/export/disk 0")));

    /// <summary>
    /// Fixed 86, Fig. 5: the directory of a file made while Y was offline was parked whole by Y's full resync, inside a
    /// directory it removed, and removed with it; its mnode still held it in Y, so the file's next write looked its name
    /// up there, found nothing, and took Y out of use again (`copy Y (/m) after resync: /a/a/a: VREG size=0`).
    /// </summary>
    [Fact]
    public void A_directory_a_full_resync_removes_inside_a_parked_one_is_let_go_of_by_its_mnode() =>
        Holds(new SimCase("fig5", 376252, 249, FaultKinds.None, [17, 29, 30, 36, 41, 42, 43, 79, 100, 116, 137, 161, 165, 166, 167, 168, 169, 170, 171, 185, 248],
            FaultPlan.FromText("9 skew h 126000; 77 offline y 0; 187 skew h 0; 205 online y 1")));
}
