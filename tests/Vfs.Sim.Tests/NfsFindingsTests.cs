// Tests of Vfs.Sim: the bugs the simulator found in mirrors with a copy over NFS (docs/verification.md, Fixed), each
// replayed from its seed and shrunk history. Each failed before its fix; tests/Vfs.Mirror.Tests/NfsCopyFindingsTests.cs
// keeps the smaller reproducers.
using Xunit.Abstractions;

namespace UnixVfs.Sim.Tests;

public class NfsFindingsTests(ITestOutputHelper output)
{
    private void Holds(SimCase c) => SimReplay.Holds(output, c);

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

    /// <summary>
    /// Finding 1: a file of x's exported mirror linked to c and unlinked from a while copy X was offline; the resync
    /// made it again as c in X, and its handle (X's fid alone fits beside the NFS copy's) went stale: the client's
    /// write through a's handle failed with ESTALE, and c's new handle was a second vnode. The copy now records the
    /// file made again (CopyFids.cs), and the handle names it still.
    /// </summary>
    [Fact]
    public void A_file_made_again_in_a_copy_of_an_exported_mirror_keeps_its_handle() =>
        Holds(new SimCase("fig10", 20261309, 80, FaultKinds.Copy, [16, 38, 60, 70]));

    /// <summary>
    /// Finding 4, ESTALE: b/c linked to b/a/a while the slave was down; the resync kept the NFS copy's c as the twin of
    /// the source's, then replaced it for its one link and linked the name back to the removed twin.
    /// </summary>
    [Fact]
    public void A_file_linked_while_an_NFS_copys_host_was_down_is_resynced_without_ESTALE() =>
        Holds(new SimCase("fig6", 4, 180, FaultKinds.Host | FaultKinds.Clock, [4, 5, 14, 96, 97]));

    /// <summary>
    /// Finding 8, Figs. 9 and 10 with copy faults: a file of x's exported mirror got another handle when copy X came
    /// back (made there by the resync: Fig. 9) or while it was away (its mnode let go of it: Fig. 10, and Fig. 9's /c/c),
    /// and the client's write under the old handle was missing from the file it reached by the new one. A mirror fid
    /// now leaves out a copy that got the file late, and names a copy away by the fid it had.
    /// </summary>
    [Theory]
    [InlineData("fig10", 20264228, 96, new[] { 41, 47 })]
    [InlineData("fig9", 20264233, 116, new[] { 43, 45, 70, 88 })]
    [InlineData("fig9", 20264218, 57, new[] { 12, 20, 28, 37, 38, 43 })]
    public void A_file_of_an_exported_mirror_keeps_its_handle_while_a_copy_is_away_and_when_it_returns(string world, int seed, int steps, int[] keep) =>
        Holds(new SimCase(world, seed, steps, FaultKinds.Copy | FaultKinds.Clock, keep));

    /// <summary>The same, Fig. 9 seed 20264206: the file made late in X (its 61 calls up to the failure; no shorter history failed).</summary>
    [Fact]
    public void A_file_made_while_a_copy_of_an_exported_mirror_was_away_keeps_its_handle_when_it_returns() =>
        Holds(new SimCase("fig9", 20264206, 84, FaultKinds.Copy | FaultKinds.Clock, Enumerable.Range(0, 61).ToArray()));

    /// <summary>
    /// The same, Fig. 9 seed 20264232: `rename("/m/b", "/m/b")` while X was offline was owed to X as a change of the
    /// name b, so the path of /m/b/a no longer named X's file, and a second process's open got a second handle; a write
    /// through the first was missing from what the second read. A rename onto itself does nothing and is owed nothing.
    /// </summary>
    [Fact]
    public void A_rename_onto_itself_while_a_copy_of_an_exported_mirror_is_away_leaves_the_files_under_it_one_handle() =>
        Holds(new SimCase("fig9", 20264232, 97, FaultKinds.Copy | FaultKinds.Clock, Enumerable.Range(12, 53).ToArray()));

    /// <summary>
    /// The same, Fig. 10 seed 20264329: a file renamed from a to b while X was offline was made again in X by the resync,
    /// and the client's handle, naming X's file alone, no longer named it; the write it held under that handle was not
    /// seen through b's new one. The resync now renames the copy's file too, as it did a directory's.
    /// </summary>
    [Fact]
    public void A_file_renamed_while_a_copy_of_an_exported_mirror_was_away_keeps_its_handle() =>
        Holds(new SimCase("fig10", 20264329, 92, FaultKinds.Copy | FaultKinds.Clock,
            [.. Enumerable.Range(0, 16), .. Enumerable.Range(24, 37)]));

    /// <summary>
    /// The same, seed 20264374 on both figures: c open and written, a open; X offline; c linked to b, and a renamed over
    /// c, so the file kept its one link b. The resync copied b whole (a file with one link had no twin) and then removed
    /// X's c, the file itself: the client's handle, naming X's file alone, went stale. Fig. 9's close flushing the
    /// held write got ESTALE; on Fig. 10 the client's mirror took its copy /nx out over the stale handle, and its
    /// unmount found a vnode still held. A name made for a file whose twin in the copy is known is now a link to it,
    /// whatever its link count.
    /// </summary>
    [Theory]
    [InlineData("fig9", 71)]
    [InlineData("fig10", 75)]
    public void A_file_linked_and_renamed_over_while_a_copy_of_an_exported_mirror_was_away_keeps_its_handle(string world, int last) =>
        Holds(new SimCase(world, 20264374, 122, FaultKinds.Copy | FaultKinds.Clock, [30, 35, 47, 48, 49, last]));

    /// <summary>
    /// The same, seed 20262278 on Fig. 9: c/a open, X offline, the directory c renamed over the empty directory b. The
    /// resync kept X's b as the source's b, copied a into it whole and removed X's c: the close flushing the client's
    /// held write got ESTALE. The resync now renames X's c over X's b too.
    /// </summary>
    [Fact]
    public void A_directory_renamed_over_an_empty_one_while_a_copy_of_an_exported_mirror_was_away_keeps_its_files_handles() =>
        Holds(new SimCase("fig9", 20262278, 189, FaultKinds.Copy | FaultKinds.Clock, [1, 7, 29, 69, 81, 89, 91]));

    /// <summary>
    /// The same seed on Fig. 10, shrunk to another history: the open file b, let go of by its mnode before X left, renamed
    /// into c, made while X was away. Its handle, naming X alone, was resolved by b's path in X, which no longer led to
    /// it: ESTALE, and the client's mirror went on through y's, which made c in X behind x's mirror's back. The rename now
    /// remembers the fid X gives for the file first.
    /// </summary>
    [Fact]
    public void A_file_renamed_while_a_copy_of_an_exported_mirror_is_away_keeps_its_handle_meanwhile() =>
        Holds(new SimCase("fig10", 20262278, 189, FaultKinds.Copy | FaultKinds.Clock, [34, 71, 73, 75, 81, 91]));

    /// <summary>
    /// The same, seed 20262208 on both figures: X offline, the directory b (holding an open file made meanwhile) renamed
    /// to a/a/c/a, a/a/c made while X was away, and a new b made. The resync copied a whole and kept X's old b as the
    /// new b, so both had one handle: the client read the new b through the old one's vnode ([c]). The resync now makes
    /// the new directories in X first and renames X's b into them.
    /// </summary>
    [Theory]
    [InlineData("fig9")]
    [InlineData("fig10")]
    public void A_directory_renamed_into_directories_made_while_a_copy_of_an_exported_mirror_was_away_keeps_its_handle(string world) =>
        Holds(new SimCase(world, 20262208, 180, FaultKinds.Copy | FaultKinds.Clock, [4, 7, 24, 25, 45, 74, 88, 140, 179]));

    /// <summary>
    /// Finding 10, seed 20262350 on both figures: X offline, /m/c made (its handle names Y alone), X online (the resync
    /// makes c in X, late), then y's host down. The client's next call with c's handle found X's file only by c's path in
    /// Y, whose READDIR timed out: the call failed (EIO on Fig. 9; on Fig. 10 the client's mirror went on to y's mirror,
    /// down too: ETIMEDOUT) although X had the file. X's record of the file made late now keeps Y's fid for it, and
    /// VFS_VGET finds X's file by it.
    /// </summary>
    [Theory]
    [InlineData("fig9")]
    [InlineData("fig10")]
    public void A_file_made_while_a_copy_of_an_exported_mirror_was_away_is_reached_when_the_other_copys_host_goes_down(string world) =>
        Holds(new SimCase(world, 20262350, 102, FaultKinds.Copy | FaultKinds.Net | FaultKinds.Host | FaultKinds.Clock, [46, 50]));

    /// <summary>
    /// Finding 7 (Fig. 9, copy faults): x offline, the directory /m/c renamed over the empty directory /m/b, and the
    /// client's readdir of b got ESTALE. The client's handles name X's directories alone, and VFS_VGET resolved them by
    /// their paths in X while X was away. Held since the fixes above: VFS_VGET first finds the mnode that knows the
    /// copy's directory, and binds a path only when no name on it changed.
    /// </summary>
    [Fact]
    public void A_directory_renamed_over_while_a_copy_of_an_exported_mirror_was_offline_is_read_without_ESTALE() =>
        Holds(new SimCase("fig9", 20262230, 73, FaultKinds.Copy | FaultKinds.Net | FaultKinds.Host | FaultKinds.Clock,
            [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32]));

    /// <summary>
    /// Found while fixing the above (Fig. 10, seed 20264226): a handle naming only X's symbolic link b, renamed over
    /// in the mirror while X was away, was resolved by b's path to the file renamed there; the fid X gave for the link
    /// then named that file. A path whose names the away copy's log says changed is not taken for a file of another type.
    /// </summary>
    [Fact]
    public void A_handle_of_a_link_renamed_over_while_its_copy_was_away_does_not_name_the_file_renamed_there() =>
        Holds(new SimCase("fig10", 20264226, 106, FaultKinds.Copy | FaultKinds.Clock, [13, 30, 31, 32, 38, 53, 55, 58, 70, 72, 96]));

    /// <summary>Finding 4, ESTALE on Fig. 7 (a directory holding an open file renamed into another while y was down).</summary>
    [Fact]
    public void A_directory_renamed_while_an_NFS_copys_host_was_down_is_resynced_without_ESTALE() =>
        Holds(new SimCase("fig7", 4, 180, FaultKinds.Host | FaultKinds.Clock, [4, 5, 8, 15, 39, 100, 101]));

    /// <summary>
    /// Finding 8, ESTALE on Figs. 6 and 7 (Fixed 35): a file open before the NFS copy left, renamed into another
    /// directory and closed while the copy was partitioned, then removed. The replay of the names removed the copy's file,
    /// whose handle went stale (no silly rename), and the resync failed copying the file's logged times to it.
    /// </summary>
    [Fact]
    public void A_file_renamed_and_removed_while_a_partition_kept_an_NFS_copy_away_is_resynced_without_ESTALE() =>
        Holds(new SimCase("fig7", 20264349, 170, FaultKinds.Net | FaultKinds.Clock, [9, 52, 59, 61, 76, 81, 94]));

    /// <summary>Finding 8, the same on Fig. 6 with the slave down: the file renamed into a new directory, truncated, closed, removed.</summary>
    [Fact]
    public void A_file_renamed_and_removed_while_an_NFS_copys_host_was_down_is_resynced_without_ESTALE() =>
        Holds(new SimCase("fig6", 20264271, 158, FaultKinds.Host | FaultKinds.Clock, [1, 2, 3, 5, 8, 11, 13, 14, 29]));

    /// <summary>
    /// Finding 8, the same on Fig. 6 over a lossy link (`ESTALE on close /b` when the shrink kept a removal of an open
    /// file, which this world's histories never make; the shrink now keeps the world's rule: OpGen.KeepsOpenFilesLinked).
    /// </summary>
    [Fact]
    public void A_file_written_and_removed_while_a_lossy_link_kept_an_NFS_copy_away_is_resynced_without_ESTALE() =>
        Holds(new SimCase("fig6", 20264330, 130, FaultKinds.Net | FaultKinds.Clock,
            [0, 1, 4, 5, 9, 10, 12, 13, 15, 16, 17, 18, 19, 20, 21, 44, 45, 80, 81, 82, 83, 101, 102, 103, 104, 106, 107]));

    /// <summary>
    /// Finding 8, Fig. 9 with network faults (Fixed 36): b/a linked to c, c renamed to b/c and, once a lossy link had
    /// taken y away, on to a/c. The resync copied a/c as a second file: the rename logged only the directories' names,
    /// and the file's other name b/a was not looked for.
    /// </summary>
    [Fact]
    public void A_link_renamed_into_another_directory_while_a_lossy_link_kept_an_NFS_copy_away_stays_a_link() =>
        Holds(new SimCase("fig9", 20264336, 168, FaultKinds.Net | FaultKinds.Clock, [0, 1, 2, 3, 8, 80, 87, 88]));

    /// <summary>
    /// Found by the probe after Fixed 36, before its SamePath guard (Fig. 6, host faults): the open file b renamed to c
    /// and linked to a while the slave was down, a directory b made, c removed, a renamed to c and linked to b/b. Looked
    /// up in the copy by its changed name, the new directory b took the copy's old file b, which the replay then removed
    /// and forgot for that mnode alone: the file's own mnode kept the stale handle, and the resync failed with ESTALE.
    /// </summary>
    [Fact]
    public void A_directory_made_over_a_renamed_files_old_name_while_an_NFS_copys_host_was_down_is_resynced_without_ESTALE() =>
        Holds(new SimCase("fig6", 20264380, 171, FaultKinds.Host | FaultKinds.Clock, [43, 65, 68, 69, 138, 150, 158]));

    /// <summary>
    /// Fixed 57 (Finding 16), Fig. 9 with disk faults: b's handle named X alone (X's UFS fid beside Y's NFS handle would
    /// not fit); x's disk failed and X left; b's mnode, let go before, was made again by a LOOKUP and named Y. The client
    /// held two vnodes of b: an ftruncate through one, a write through the other, and a stat read the older size. X now
    /// remembers its fid by Y's whenever a handle names it alone (CopyFids.RememberNamedAlone).
    /// </summary>
    [Fact]
    public void A_handle_naming_X_alone_is_given_again_while_Xs_disk_has_failed() =>
        Holds(new SimCase("fig9", 20264205, 103, FaultKinds.None, [.. Enumerable.Range(0, 97), 98, 102],
            FaultPlan.FromText("21 offline y 0; 43 online y 0; 49 disk-fail x:/export/disk 7; 92 disk-heal x:/export/disk 0")));

    /// <summary>
    /// The same on Fig. 10 (seed 20262236, shrunk from 63 calls): the client's mirror held a write to /c/a under the handle
    /// naming X; after x's disk failed, a LOOKUP gave /c/a a second handle, and what was read through it lacked the write.
    /// </summary>
    [Fact]
    public void A_write_held_under_a_handle_naming_X_alone_is_read_back_after_Xs_disk_failed() =>
        Holds(new SimCase("fig10", 20262236, 187, FaultKinds.None, [33, 48, 56, 60, 61, 66, 67, 76, 79],
            FaultPlan.FromText("66 disk-fail x:/export/disk 3; 172 disk-heal x:/export/disk 0")));

    /// <summary>
    /// Found while fixing 57 (it held before, and failed with the handles' record alone): a opened, linked to c and removed
    /// while X was offline; the handle named X's file, now found again through the record. The resync removed X's a before
    /// it came to c, so the file was gone when c looked for its twin, and c was copied whole: another file, and the
    /// client's write under the old handle was not in it. A one-way merge now removes the names the source lacks last.
    /// </summary>
    [Theory]
    [InlineData("fig9")]
    [InlineData("fig10")]
    public void A_file_linked_and_unlinked_while_X_was_offline_keeps_its_file_in_X(string world) =>
        Holds(new SimCase(world, 20264240, 130, FaultKinds.None, [53, 66, 68, 74, 128], FaultPlan.FromText("55 offline x 0; 128 online x 0")));

    /// <summary>
    /// Found while fixing 57 (it held before, and failed once VFS_VGET no longer asked the failed X): directories b and c,
    /// named by handles naming X alone, were renamed (c to b/a, then b to c) while x's disk had failed. The mnodes the
    /// handles gave, made through Y, did not know their directories in X, so X's resync could not move them, and its
    /// names' replay left X without /c/a and what was under it. X's resync now binds such an mnode to the file X
    /// remembered for it (MirrorFid.BindTwin) before it moves anything.
    /// </summary>
    [Fact]
    public void Directories_renamed_while_Xs_disk_had_failed_are_moved_in_X_by_its_resync() =>
        Holds(new SimCase("fig10", 20264324, 197, FaultKinds.None, [4, 12, 13, 15, 148, 150, 153, 154, 158, 196],
            FaultPlan.FromText("0 skew x 669000; 90 disk-fail x:/export/disk 14; 150 skew x 0; 179 disk-heal x:/export/disk 0")));

    /// <summary>
    /// Found by the main run while fixing 57: the GETATTR of a symlink just removed named X alone; X's file was gone, so
    /// VFS_VGET took the record's way to Y's (meant for a handle whose copy is out of use, not one in use whose file is
    /// gone), the stale file it found took X out of use, and once y was cut off every call timed out on Y.
    /// </summary>
    [Fact]
    public void A_handle_of_a_file_removed_from_a_copy_in_use_is_stale_and_takes_no_copy_out() =>
        Holds(new SimCase("fig10", 20262257, 144, FaultKinds.None, [0, 5, 10, 13, 22, 59],
            FaultPlan.FromText("59 host-down y 0; 61 host-down y 0; 63 host-up y 0; 105 host-up y 0")));

    /// <summary>
    /// Finding 17 (Fixed 58): c was renamed over the empty a, b, and then under a new a as a/a, while X's disk failed the
    /// fsync after the first rename. X had done that rename in its cache, so its resync found the old c at a and kept it
    /// as the new a, and made a/a in it. The old c's mnode, which had known X's a, got the new a/a and recorded it as
    /// its file made again: every handle naming X's a was then sent on to a/a, the new a's too, and the client's mirror
    /// read X's a/a as the a. A file made again is recorded only when the old one has no name left in the copy.
    /// </summary>
    [Fact]
    public void A_rename_half_done_on_a_failing_disk_does_not_send_the_handles_of_the_new_directory_to_another() =>
        Holds(new SimCase("fig10", 20264392, 42, FaultKinds.None, [11, 12, 14, 15, 31, 36],
            FaultPlan.FromText("14 disk-fail x:/export/disk 5; 28 disk-heal x:/export/disk 0")));

    /// <summary>
    /// Finding 18 (Fixed 59), found by a probe of Fig. 9 with disk faults though its plan has none: while y was cut off,
    /// /a was emptied and /b/a/b, holding a link of a file written meanwhile, was renamed over it. Y's /a still had its
    /// entries, so the rename was not replayed there; the replay kept Y's /a as the new one, and the names logged for the
    /// old /a, replayed from its empty source, removed b from it. The rename now empties the copy's directory first.
    /// </summary>
    [Fact]
    public void A_directory_renamed_over_one_emptied_while_y_was_cut_off_keeps_its_entries_in_Y() =>
        Holds(new SimCase("fig9", 20262336, 198, FaultKinds.None,
            [0, 1, 2, 3, 4, 5, 9, 10, 13, 14, 18, 19, 25, 26, 27, 28, 38, 39, 42, 43, 47, 48, 49, 60, 61, 62, 134, 135, 136, 163, 164, 170, 171, 172, 196, 197],
            FaultPlan.FromText("39 partition y 0; 98 net-heal y 0")));

    /// <summary>
    /// Finding 19 (Fixed 60): /c was chowned through x's mirror while X was offline there, and y's mirror, the other
    /// master, gave X a directory meanwhile. x's online took that for a change behind its back and compared the copies
    /// instead of replaying X's log; the comparison did not look at a directory's own attributes, and X's /c kept owner 0.
    /// </summary>
    [Fact]
    public void A_directory_chowned_while_X_was_offline_and_changed_by_the_other_master_gets_its_owner_in_X() =>
        Holds(new SimCase("fig10", 50265, 184, FaultKinds.None, [1, 2, 9, 19, 88, 118, 122, 123, 160],
            FaultPlan.FromText("91 offline x 0; 160 online x 0")));

    /// <summary>
    /// Finding 20 (Fixed 61): the symlink /a was made through x's mirror in the very instant X was taken offline there,
    /// and the other master changed X's top later. x's online compared the copies; Y's symlink, stamped at X's leaving
    /// time, did not count as Y's change, and X's top, changed later, took it for a removal.
    /// </summary>
    [Fact]
    public void A_symlink_made_as_X_went_offline_is_kept_when_the_other_master_changed_X_meanwhile() =>
        Holds(new SimCase("fig10", 50265, 184, FaultKinds.None, [1, 8, 9, 19, 20, 28, 29, 88, 89, 90, 91, 121, 122, 123],
            FaultPlan.FromText("91 offline x 0; 160 online x 0")));

    /// <summary>
    /// Finding 21 (Fixed 62): /c/c was linked to /a through x's mirror while X was offline there; the checks' reads
    /// through y's mirror made y repair /a in X as a file of its own, and x's online then found /a changed on both sides.
    /// A lookup no longer copies a name of a file with other links whole, and the comparison at online links it.
    /// </summary>
    [Fact]
    public void A_link_made_while_X_was_offline_comes_to_X_as_a_link_though_the_other_master_read_it() =>
        Holds(new SimCase("fig10", 50265, 184, FaultKinds.None, [1, 8, 9, 19, 88, 90, 94, 122, 123],
            FaultPlan.FromText("91 offline x 0; 160 online x 0")));

    /// <summary>
    /// Found by the probe after Fixed 62's first form, which took the copies' files at any path that differs for twins:
    /// /a was unlinked and made a link of /c/c while X was offline, so X's /a and Y's /a were two files, and settling /a
    /// linked Y's file to X's old one. Only files alike but for their links are twins now.
    /// </summary>
    [Fact]
    public void A_name_made_a_link_of_another_file_while_X_was_offline_is_not_linked_to_its_old_file() =>
        Holds(new SimCase("fig10", 50265, 184, FaultKinds.None, [1, 8, 9, 19, 20, 28, 45, 88, 90, 93, 94, 116, 122, 123],
            FaultPlan.FromText("91 offline x 0; 160 online x 0")));

    /// <summary>
    /// Finding 22 (Fixed 63), found by the probe after Fixed 60: /c was chowned through x's mirror while X was offline
    /// there, then renamed to /b/c through y's. Both copies' /b/c had a ctime after X left (Y's chown, X's rename), so
    /// the comparison at x's online took the owner for a split brain. A directory's differing attributes are settled,
    /// not refused: the mirror's own change is kept.
    /// </summary>
    [Fact]
    public void A_directory_chowned_through_x_and_renamed_through_y_while_X_was_offline_is_no_split_brain() =>
        Holds(new SimCase("fig10", 50265, 184, FaultKinds.None, [1, 8, 9, 19, 88, 118, 122, 123, 153],
            FaultPlan.FromText("91 offline x 0; 160 online x 0")));

    /// <summary>
    /// Finding 23 (Fixed 64): c's mirror, active/passive over x's and y's, took /nx out of use while its NFS client held a
    /// write, which went to /nx's log. Its online (the servers resync themselves) left the log as it was, and c's mirror
    /// then refused every unmount, owing a resync it never runs. The online clears it.
    /// </summary>
    [Fact]
    public void An_active_passive_copy_brought_back_owes_nothing_at_unmount() =>
        Holds(new SimCase("fig10", 50265, 184, FaultKinds.None, [1, 8, 9, 19, 88, 90, 100, 122, 123],
            FaultPlan.FromText("91 offline x 0; 160 online x 0")));

    /// <summary>
    /// Finding 24 (Fixed 65): Fig. 9, y down from call 70 to 143. A symbolic link with two names got a third in a
    /// directory made meanwhile, and its old names were renamed and removed. Y's resync renamed its file, but the mnode
    /// (looked up while Y was down) was not given it, and the new directory was copied whole: the link came back to Y as
    /// a second file, one link each. Y's file is now the mnode's after the rename, and a tree copied whole asks for twins.
    /// </summary>
    [Fact]
    public void A_link_made_while_y_was_down_into_a_new_directory_is_a_link_on_y_after_the_resync() =>
        Holds(new SimCase("fig9", 90223, 154, FaultKinds.None,
            [6, 7, 17, 18, 19, 53, 57, 58, 59, 60, 61, 62, 63, 64, 72, 73, 74, 75, 84, 85, 86, 93, 94, 128, 134, 135, 136, 137, 138, 139, 140, 141, 142, 143, 144, 145, 152],
            FaultPlan.FromText("70 host-down y 0; 143 host-up y 0")));

    /// <summary>
    /// Found by a probe of Fixed 65's first form: /a/c, a link of /a/a, removed while Y was offline, made again and renamed
    /// to /c/b. The resync renamed Y's old /a/c to /c/b and took it for the new file's, so /c/b became a link of /a/a
    /// there. Only a name the log had not changed before the rename leads to the file renamed.
    /// </summary>
    [Fact]
    public void A_name_made_again_and_renamed_while_y_was_offline_is_not_linked_to_its_old_file() =>
        Holds(new SimCase("fig10", 91160, 77, FaultKinds.None, [0, 8, 15, 19, 33, 36, 48, 57],
            FaultPlan.FromText("24 loss y 15; 32 offline y 0; 57 net-heal y 0; 57 online y 0")));

    /// <summary>
    /// Finding 25 (Fixed 66): Fig. 9, c's NFS handle of the exported mirror's file named X alone (Y's handle left no
    /// room). X went offline, and VFS_VGET looked the file up through the mirror by its path in X, which led nowhere
    /// now: ESTALE. The twin X remembered in Y is asked when the path fails. First: one of its two names removed.
    /// </summary>
    [Fact]
    public void A_handle_naming_offline_x_alone_finds_a_file_one_of_whose_names_was_removed() =>
        Holds(new SimCase("fig9", 99120, 293, FaultKinds.None, [15, 19, 21, 29, 84, 85], FaultPlan.FromText("82 offline x 0; 162 online x 0")));

    /// <summary>Finding 25 (Fixed 66), second: the file's directory renamed while X was offline.</summary>
    [Fact]
    public void A_handle_naming_offline_x_alone_finds_a_file_whose_directory_was_renamed() =>
        Holds(new SimCase("fig9", 99153, 189, FaultKinds.None, [44, 46, 63, 65, 86, 87, 91], FaultPlan.FromText("82 offline x 0; 116 online x 0")));

    /// <summary>
    /// Finding 27 (Fixed 68): Fig. 10, a handle of x's exported mirror naming X alone, of a file named /a and /b; with X
    /// offline, /c was renamed over /a, and VFS_VGET took the file now at /a for the handle's, so c's reads of /b got
    /// /c's bytes. The twin X remembered in Y, then a path the log left alone, come before a path it changed.
    /// </summary>
    [Fact]
    public void A_handle_naming_offline_x_alone_is_not_taken_for_a_file_renamed_over_one_of_its_names() =>
        Holds(new SimCase("fig10", 102098, 192, FaultKinds.None, [.. Enumerable.Range(0, 53)], FaultPlan.FromText("47 offline x 0; 178 online x 0")));

    /// <summary>
    /// Finding 28 (Fixed 69): Fig. 9, 27 % of y's records lost. y's resync wrote /c, a WRITE x's NFS client for Y still
    /// held when the resync timed out; the next online's scan made the client send it, stamped after Y left, and X's /c
    /// had changed too: a split brain. A failed resync's files are now flushed and excused at the next online, as the
    /// mirror's own late writes are.
    /// </summary>
    [Fact]
    public void A_resync_that_timed_out_leaves_no_split_brain_from_its_own_late_write() =>
        Holds(new SimCase("fig9", 105147, 72, FaultKinds.None, [7, 8, 9, 10, 11, 12, 30, 31, 32, 58],
            FaultPlan.FromText("8 loss y 27; 33 offline y 0; 35 online y 0; 71 net-heal y 0")));

    /// <summary>
    /// Finding 32 (Fixed 73), Fig. 9: while X was offline, /b was renamed to /a and opened, /b made again, and /a moved
    /// into it. X's replay kept its old /b as the new one, and the open directory's handle, naming X alone, answered
    /// fstat for the new /b.
    /// </summary>
    [Fact]
    public void A_directory_moved_into_one_made_under_its_old_name_while_a_copy_was_offline_keeps_its_handle() =>
        Holds(new SimCase("fig9", 150193, 165, FaultKinds.None, [34, 40, 41, 77, 81, 123, 127],
            FaultPlan.FromText("37 offline x 0; 112 online x 0")));

    /// <summary>
    /// Finding 34 (Fixed 78), Fig. 10: while X was offline, c's open file /c/b was linked as /b/a/c and /c/b unlinked.
    /// X's log replay removed /c/b first and copied /b/a/c whole, and X gave the old file's number to a symlink made
    /// later (`/m: /c/c/c: the model and the file system disagree about which names are the same file`).
    /// </summary>
    [Fact]
    public void A_file_linked_deeper_and_unlinked_while_a_copy_was_offline_stays_one_file() =>
        Holds(new SimCase("fig10", 251212, 241, FaultKinds.None, [6, 36, 60, 70, 75, 87, 125, 128, 140, 149],
            FaultPlan.FromText("103 offline x 0; 149 online x 0")));

    /// <summary>
    /// Fixed 79, Fig. 10: x's mirror numbered its directory /b by X, then, its mnode let go of while X was offline, by
    /// Y. The client's mirror kept X's number; X's log replay made the directory (renamed /c) again, and X gave its old
    /// number to a directory /b made later: two directories showed one number in the client's mirror. A mirror now
    /// numbers a file again when the copy that numbered it answers with another number.
    /// </summary>
    [Fact]
    public void A_file_its_lower_mirror_numbers_again_is_numbered_again() =>
        Holds(new SimCase("fig10", 271051, 238, FaultKinds.None, [41, 42, 43, 44, 45, 46, 52, 53, 54, 144, 149, 192],
            FaultPlan.FromText("102 offline x 0; 179 online x 0")));

    /// <summary>
    /// Fixed 88, Fig. 10, a partition of y: a symlink named /b, /c/b and /c/a/b/c; while Y was away /c/b was unlinked
    /// and /c/a moved into directories made meanwhile. Y's replay moved its /c/a and compared it whole before /c/b went,
    /// and took the symlink, one link more in Y than in the source, for another file: copied whole, a second file.
    /// </summary>
    [Fact]
    public void A_link_compared_in_a_moved_directory_before_its_unlinked_name_goes_stays_a_link() =>
        Holds(new SimCase("fig10", 411268, 248, FaultKinds.None, [4, 8, 9, 12, 21, 25, 39, 42, 47, 67, 68, 95, 98, 157, 158, 159],
            FaultPlan.FromText("84 partition y 0; 101 loss y 10; 143 net-heal y 0; 232 net-heal y 0")));

    /// <summary>
    /// Fixed 93 (Finding 39), Fig. 10: /a and /a/b swapped places through three renames while x's own disk was offline.
    /// x's replay could rename neither directory, kept each at the other's place, and paired each with the other in
    /// y's disk; a later lookup through x's mirror took that for damage and made a directory in y's disk.
    /// </summary>
    [Fact]
    public void Two_directories_that_swapped_places_while_x_was_offline_swap_in_x() =>
        Holds(new SimCase("fig10", 551191, 128, FaultKinds.None, [22, 25, 69, 81, 120, 123],
            FaultPlan.FromText("22 offline y 0; 47 online y 0; 57 offline x 0; 123 online x 0")));

    /// <summary>
    /// Fixed 95 (Finding 40), Fig. 10, both hosts restarted: /m/c renamed /m/b through x's mirror, and /m/c and /m/c/a
    /// made again. y's NFS client of x's disk still cached /c as the old directory; a lookup through y's mirror paired
    /// its own new /c with x's old one, and repaired /c/a into x's /b.
    /// </summary>
    [Fact]
    public void A_lookup_through_the_other_master_repairs_nothing_into_a_directory_its_client_caches_under_an_old_name() =>
        Holds(new SimCase("fig10", 621072, 162, FaultKinds.None, [22, 23, 25, 26, 78, 102, 123, 148],
            FaultPlan.FromText("29 restart x 0; 34 restart y 1")));

    /// <summary>
    /// Fixed 98 (Finding 41), Fig. 10: /m/a was linked as /m/c/c, and x's disk failed during a later mkdir. The client
    /// held /m/a's number from before, which X had given; x's mirror, whose mnode of the file had let go of it, looked
    /// /c/c up afresh and numbered it as Y does. The mirror keeps a file's number by its fids in the other copies.
    /// </summary>
    [Fact]
    public void A_file_keeps_its_number_for_a_client_of_an_exported_mirror_after_the_disk_that_numbered_it_fails() =>
        Holds(new SimCase("fig10", 691184, 139, FaultKinds.None, [1, 6, 22, 23, 26, 27, 28, 29, 30, 37, 43, 44, 54, 55, 58],
            FaultPlan.FromText("58 disk-fail x:/export/disk 2; 79 disk-heal x:/export/disk 0")));

    /// <summary>
    /// Fixed 98's second form, Fig. 10, the first 65 calls of seed 861111 (no call of them could go: each changes when
    /// the disk fails): a symlink with three links, numbered by X, then numbered again through an mnode that x's NFS
    /// server made from a handle naming X alone. That mnode knew the file in X only, and the first form dropped the
    /// file's record; after x's disk failed, a look-up of one of its names showed Y's number.
    /// </summary>
    [Fact]
    public void A_linked_symlink_keeps_its_number_after_the_disk_that_numbered_it_fails_when_a_handle_of_that_disk_alone_numbered_it_again() =>
        Holds(new SimCase("fig10", 861111, 496, FaultKinds.None, [.. Enumerable.Range(0, 65)],
            FaultPlan.FromText("48 disk-fail x:/export/disk 17; 396 disk-heal x:/export/disk 0")));

    /// <summary>
    /// Fixed 99 (Finding 42), Fig. 9: /m/b/b open; X offline; /m/b renamed /m/a/a/a and a new file made at /m/b. The
    /// open file's handle names X alone; found by its path in X, /b/b, looked up through the mirror, it met the new
    /// file: ENOTDIR, so ESTALE. The walk now follows the directory the rename moved.
    /// </summary>
    [Fact]
    public void A_handle_naming_the_offline_copy_alone_finds_its_file_in_a_directory_renamed_while_it_was_away() =>
        Holds(new SimCase("fig9", 900129, 387, FaultKinds.None, [18, 25, 58, 69, 116, 132, 138],
            FaultPlan.FromText("73 skew c -320000; 79 offline x 0; 218 online x 0; 274 skew c 0")));

    /// <summary>
    /// Fixed 100 (Finding 43), Fig. 9: x's clock went back 2,609 s, and a write past the end stayed in the client's
    /// write-behind buffer. A READDIRPLUS brought the server's size without it; then the reply of a WRITE sent before
    /// the clock moved passed for newer by its later ctime, and the reply of the last write, stamped by the clock set
    /// back, for older: the client read the file 225 bytes short. A size below what the client has written and the
    /// server may not have is no longer cached.
    /// </summary>
    [Fact]
    public void A_servers_clock_set_back_between_two_writes_does_not_hide_the_last_from_its_own_client() =>
        Holds(new SimCase("fig9", 910069, 447, FaultKinds.None,
            [12, 14, 15, 20, 21, 22, 30, 31, .. Enumerable.Range(52, 8), .. Enumerable.Range(68, 8), .. Enumerable.Range(92, 74), 167, 172],
            FaultPlan.FromText("11 host-down y 0; 172 skew x -2609000; 226 host-up y 0; 403 skew x 0")));

    /// <summary>
    /// Fixed 101 (Finding 44's first part), Fig. 10: c unlinked /m/c/b/c through x's exported mirror, and its client asked
    /// for the removed file's attributes by its handle. x's mirror made an mnode of it from the handle (Y's NFS vnode,
    /// still cached, came back; X's file was gone); finding the file's place in X, it heard ESTALE from Y, counted that
    /// as X's failure, and took x's own disk out of use. ESTALE from every copy is now the file's answer.
    /// </summary>
    [Fact]
    public void A_handle_of_a_file_removed_through_the_mirror_is_stale_and_takes_no_copy_down() =>
        Holds(new SimCase("fig10", 1011140, 374, FaultKinds.None,
            [.. Enumerable.Range(26, 6), .. Enumerable.Range(66, 6), 158, 159, .. Enumerable.Range(175, 6), 187, 188, 189, 199,
             .. Enumerable.Range(203, 6), .. Enumerable.Range(212, 4), .. Enumerable.Range(233, 5), .. Enumerable.Range(256, 8), 288, 289, 290, 373],
            FaultPlan.FromText("2 offline y 0; 51 loss y 9; 100 online y 0; 214 net-heal y 0")));

    /// <summary>
    /// Fixed 102 (Finding 44's second part), Fig. 10, the same seed with X taken offline where the first part took it out:
    /// Y had got /c/b late from X. While X was away /c/b was renamed /a, over the name of a symbolic link X still had, and
    /// a new /c/b made; X's resync made a new /a. A client's handle of /c/b naming X alone was then paired with Y's /a
    /// by Y's record of the late copy, and a READDIRPLUS through the mixed directory gave /c/c/b a directory's handle
    /// (`/c/c/b: X: cannot read: EISDIR`). A late twin that the other copy has since got again elsewhere is not used.
    /// </summary>
    [Fact]
    public void A_handle_of_one_copy_alone_is_not_paired_with_a_late_twin_that_copy_has_since_made_again() =>
        Holds(new SimCase("fig10", 1011140, 374, FaultKinds.None, [30, 70, 159, 199, 208, 235, 257, 263, 288],
            FaultPlan.FromText("2 offline y 0; 51 loss y 9; 100 online y 0; 214 net-heal y 0; 215 offline x 0")));

    /// <summary>
    /// Fixed 103 (Finding 45), Fig. 10: while y was down, /m/a/b (a second name of /m/c/b, since unlinked) was truncated,
    /// then renamed over /m/c/a, a link of another empty file. Y's resync took Y's file under /c/a, which no mnode knew
    /// there any more, for the renamed file's and rewrote it in place; the renamed file's own twin, which its mnode still
    /// knew, was then linked under the name, without the times the truncation gave it (`/c/a: mtime: X ..., Y ...`).
    /// A file under a name is another file also when the source file's mnode knows a different twin in the copy.
    /// </summary>
    [Fact]
    public void A_file_renamed_over_a_link_of_another_while_a_copy_was_away_gets_its_times_in_that_copy() =>
        Holds(new SimCase("fig10", 1050071, 544, FaultKinds.None, [11, 38, 39, 49, 50, 55, 59, 64, 66, 86, 88, 98, 117, 121, 127, 130, 157],
            FaultPlan.FromText("106 host-down y 0; 130 host-up y 0; 144 skew x -1682000; 492 skew x 0")));

    /// <summary>
    /// Fixed 104 (Finding 46), Fig. 10: x's disk failed, and a resync it cut short removed X's file for /m/b/b, which no
    /// mnode held. c had the file open through a handle naming X alone, and its write at call 555 was still in its NFS
    /// client when the last resync made the file anew in X from Y's. The write then got ESTALE and was lost
    /// (`/a/c/a/b: VREG size=0`). A handle whose file is gone from the copy in use it names finds the twin that copy
    /// remembered in the copy the handle left out for room.
    /// </summary>
    [Fact]
    public void A_handle_naming_a_file_a_failing_disk_lost_finds_the_file_the_resync_made_anew() =>
        Holds(new SimCase("fig10", 1131131, 591, FaultKinds.None,
            [2, .. Enumerable.Range(17, 34), .. Enumerable.Range(62, 5), .. Enumerable.Range(79, 5), .. Enumerable.Range(163, 30), 201,
                .. Enumerable.Range(218, 15), .. Enumerable.Range(269, 5), 551, 555, 556],
            FaultPlan.FromText("60 disk-fail x:/export/disk 0; 67 offline x 0; 302 online x 0; 302 disk-heal x:/export/disk 0")));

    /// <summary>
    /// Fixed 105 (Finding 47), Fig. 10: while y was down, /m/c/a (a link of /m/b) was removed, linked again to
    /// /m/c/c/b, and renamed /m/a. Y's resync renamed Y's /c/a, still /m/b's file, over /c/c/b, the name the file's mnode
    /// had, and Y lost the file (`/a: VREG size=0 nlink=3`, the model 2; in the longer history, where /m/a is removed
    /// after, `/b: VREG size=0 nlink=2`, the model 9738 bytes and 1 link). A rename over another file is made only when
    /// the log had not changed the old name before.
    /// </summary>
    [Theory]
    [InlineData(new[] { 34, 37, 42, 45, 87, 92, 99, 127, 163, 164, 167, 168, 200 })]
    [InlineData(new[] { 34, 37, 42, 45, 87, 92, 96, 127, 164, 167, 179, 200 })]
    public void A_name_linked_again_to_another_file_and_renamed_while_y_was_down_moves_nothing_over_that_file(int[] keep) =>
        Holds(new SimCase("fig10", 1221043, 201, FaultKinds.None, keep, FaultPlan.FromText("95 host-down y 0; 115 host-up y 0")));

    /// <summary>
    /// Fixed 106 (Finding 48), Fig. 7: an open file with two names in /m/c/b; while y was down one name was removed, the
    /// other renamed over the symbolic link /m/b/b, /m/c/b removed and /m/c renamed /m/b/a. Y's resync removed the file's
    /// last names in Y with the directory, copied it whole to /b/b, and the mnode's NFS vnode of the old file went stale:
    /// the close's times got ESTALE, Y was taken down, and its next resync failed with ESTALE. A file the mirror still has
    /// waits in the copy's .mfs when the replay removes its last name there.
    /// </summary>
    [Fact]
    public void An_open_files_names_removed_with_their_directory_while_y_was_down_leave_y_its_file() =>
        Holds(new SimCase("fig7", 1223048, 464, FaultKinds.None, [0, 70, 104, 160, 164, 167, 221, 237, 239, 248],
            FaultPlan.FromText("185 host-down y 0; 349 host-up y 0")));

    /// <summary>
    /// Fixed 107 (Finding 49), Fig. 10: x's disk failed while the client renamed /m/c/b/c over the symbolic link /m/a
    /// (linked again as /m/c/c), then /m/c/a/b to /m/c/b/c, and later /m/c/a into it. X's resync renamed neither (a file
    /// over a link of another type, and a directory over that file), made /c/b/c anew, and x's mirror paired the
    /// client's handle of the directory with X's old one: `mfsadm verify c:/m` found /c/b/c/b missing in X. A file goes
    /// over a symbolic link in the copy too, and over a file the mirror still has when that file keeps another name.
    /// </summary>
    [Fact]
    public void A_file_renamed_over_a_linked_symlink_while_xs_disk_failed_frees_its_place_for_the_directory_moved_there() =>
        Holds(new SimCase("fig10", 1261159, 557, FaultKinds.None, [39, 132, 138, 143, 267, 268, 279, 280, 311, 317, 458, 498, 542],
            FaultPlan.FromText("268 disk-fail x:/export/disk 11; 430 disk-heal x:/export/disk 0")));

    /// <summary>
    /// Fixed 110 (Finding 52), Fig. 6: while the slave was down, /m/b/b was moved into /m/a/a/c, /m/a/a/b made, and
    /// /m/a/a/c then moved to /m/a/a/b/a. X's resync moved /b/b first, made /a/a/b/a anew for it, and so left /a/a/c where
    /// it was: the replay copied its files whole, and the symbolic link /a/a/c/c, linked as /a/a/a/b, came back a second
    /// link. Each move now goes after the moves of the directories its new name lies under.
    /// </summary>
    [Fact]
    public void A_directory_moved_into_one_moved_after_it_while_the_slave_was_down_keeps_its_links() =>
        Holds(new SimCase("fig6", 1525066, 455, FaultKinds.None, [0, 9, 17, 64, 122, 143, 155, 171, 175, 186, 198, 202, 203, 267, 280, 330, 416],
            FaultPlan.FromText("226 host-down slave 0; 375 host-up slave 0")));

    /// <summary>
    /// Fixed 97, Fig. 9: while X was offline an open /m/c was renamed into /m/a/a, and /m/a/a renamed to /m/c. X's full
    /// resync copied the directory whole over the file's name, and the client's handle of it, naming X's directory
    /// alone, went stale: a chmod got ESTALE.
    /// </summary>
    [Fact]
    public void A_directory_renamed_to_the_name_of_an_open_file_moved_into_it_keeps_its_handle_after_a_full_resync() =>
        Holds(new SimCase("fig9", 700058, 260, FaultKinds.None, [50, 54, 55, 60, 61, 73, 74, 94, 95, 210],
            FaultPlan.FromText("67 offline x 0; 210 online x 1")));

    /// <summary>
    /// Fixed 91, Fig. 7: /m/a, open through Y's going offline, was written, closed and removed by a rename over it while
    /// Y was away. Y's full resync removed Y's file, its mnode (held by Y's log) kept it, and the match of removed files
    /// got ESTALE from it and took Y out of use again; an rmdir then reached X alone, and at the repair Y's directory,
    /// stamped ahead by a skewed clock, came back into X.
    /// </summary>
    [Fact]
    public void A_file_removed_while_y_was_offline_does_not_fail_its_full_resync() =>
        Holds(new SimCase("fig7", 503238, 191, FaultKinds.None, [0, 3, 40, 42, 54, 72, 82, 88, 91, 153],
            FaultPlan.FromText("8 offline y 0; 16 skew y 2731000; 104 online y 1; 174 skew y 0")));

    /// <summary>
    /// Fixed 92, Fig. 9, y down (Finding 38's shorter history, 79 of its 456 calls): a symlink /a/a linked as /a/b/a;
    /// while Y was away /a/b went to /c/b, its link was unlinked, /a/a linked as /a/b, /c/b/a made a directory, and
    /// /a/a renamed into it. Y's replay replaced Y's /c/b/a, still the symlink's link, by the directory, and the mnode
    /// forgot its file in Y though it kept other names there; /c/b/a/a found no twin and was copied whole. (The whole
    /// history still fails: Finding 38.)
    /// </summary>
    [Fact]
    public void A_link_replaced_by_a_directory_while_y_was_down_leaves_its_file_to_the_files_other_names() =>
        Holds(new SimCase("fig9", 570055, 456, FaultKinds.None,
            [107, 108, 109, 110, 111, 112, 116, 117, 118, 125, 126, 127, 128, 129, 130, 131, 132, 142, 143, 144, 145, 146, 147, 148, 149,
             173, 174, 175, 176, 177, 178, 179, 180, 181, 182, 183, 215, 216, 217, 239, 240, 241, 242, 243, 270, 271, 272, 280, 281, 282,
             283, 284, 285, 286, 287, 288, 289, 290, 291, 292, 313, 314, 315, 316, 317, 318, 373, 374, 375, 376, 415, 416, 417, 418, 419,
             452, 453, 454, 455],
            FaultPlan.FromText("147 host-down y 0; 231 host-up y 0")));

    /// <summary>
    /// Fixed 76, Fig. 6, the whole history: after X's full resync a look-up gave the open directory /c's mnode another
    /// file in X, and the mnode kept the number X's old file had given it; X gave that number to /c/c, made later
    /// (`/m: /c/c: the model and the file system disagree about which names are the same file`).
    /// </summary>
    [Fact]
    public void A_mnode_given_another_file_by_a_look_up_is_numbered_again() =>
        Holds(new SimCase("fig6", 195019, 293, FaultKinds.None, [.. Enumerable.Range(0, 290), 292],
            FaultPlan.FromText("88 skew master 1650000; 130 offline x 0; 206 skew master 0; 221 online x 1")));

    /// <summary>
    /// Fixed 77, Fig. 7, clock faults alone: y's clock set back while x's NFS client still had the reply of an early
    /// WRITE to collect. Stamped by the clock that was ahead, it passed for newer than the attributes cached since,
    /// and took Y's file back to its old size in the client (`copy Y (/net/peer): /c/b/b: VREG size=4495`, the
    /// model 15420).
    /// </summary>
    [Fact]
    public void The_reply_of_an_early_write_collected_after_the_servers_clock_was_set_back_keeps_the_files_size() =>
        Holds(new SimCase("fig7", 203276, 288, FaultKinds.None, [15, 46, 122, 140, 141, 147],
            FaultPlan.FromText("113 skew y 1293000; 147 skew y 0")));

    /// <summary>
    /// Finding 28 (Fixed 69), Fig. 8: the same, and then the repair's resync found Y's /b alike to X's by its size and
    /// time (both stamped in one instant by late writes, X's held by z's NFS client until then) and copied nothing. A
    /// resync sends the copies in use's held writes first, and after a failed one compares the data.
    /// </summary>
    [Fact]
    public void A_resync_after_one_that_timed_out_compares_the_data_not_the_times() =>
        Holds(new SimCase("fig8", 111119, 140, FaultKinds.None,
            [0, 1, 2, 3, 4, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 81, 82],
            FaultPlan.FromText("41 offline y 0; 64 loss b 26; 68 online y 0; 125 net-heal b 0")));

    /// <summary>
    /// Finding 29 (Fixed 70), Fig. 8: /b was renamed to /a while Y was away and /b made again. The repair's full resync
    /// rewrote Y's old /b in place as the new /b, though the open file's mnode still had it as its own; the file's close
    /// then stamped Y's new /b with /a's times. Y's file that an mnode has as another file's is now replaced.
    /// </summary>
    [Fact]
    public void A_full_resync_does_not_rewrite_an_open_renamed_files_copy_as_the_file_made_under_its_old_name() =>
        Holds(new SimCase("fig8", 111119, 140, FaultKinds.Copy | FaultKinds.Net | FaultKinds.Host | FaultKinds.Clock,
            [12, 13, 14, 15, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 43,
             122, 123, 124, 125, 129, 130, 131, 138, 139],
            FaultPlan.FromText("41 offline y 0; 64 loss b 26; 68 online y 0; 125 net-heal b 0")));

    /// <summary>
    /// Fixed 72, Fig. 9: X's disk failed and x's mirror read Y. The numbers it gave (va_nodeid) became Y's, and Y numbers
    /// its files its own way: c, holding attributes of one name from before, found another name with the same number
    /// (`/c/b/b: the model and the file system disagree about which names are the same file`). Another copy's numbers
    /// now carry its index in the top byte.
    /// </summary>
    [Fact]
    public void The_numbers_a_mirror_gives_after_its_first_copy_fails_never_meet_those_it_gave_before() =>
        Holds(new SimCase("fig9", 140053, 121, FaultKinds.Copy | FaultKinds.Clock | FaultKinds.Disk,
            [3, 20, 21, 22, 30, 31, 35, 36, 37, 46, 47, 48, 49, 53, 54, 55, 56, 58, 59, 120],
            FaultPlan.FromText("12 offline y 0; 54 online y 0; 59 disk-fail x:/export/disk 1; 72 disk-heal x:/export/disk 0")));

    /// <summary>
    /// Fixed 72's first form, Fig. 6 (the main run's Figs. 6-7 group): with the slave's records lost, a file's two names
    /// were answered by different copies and showed two numbers. A mirror file keeps the number it was first given.
    /// </summary>
    [Fact]
    public void Two_names_of_one_file_show_one_number_while_the_nfs_copy_loses_records() =>
        Holds(new SimCase("fig6", 20264658, 125, FaultKinds.All | FaultKinds.Power | FaultKinds.Crash,
            [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], FaultPlan.FromText("5 loss slave 12; 108 net-heal slave 0")));

    /// <summary>
    /// The same on Fig. 7 after a logged resync (no call of it could be dropped): a file kept the number X had given
    /// the file the resync made again, and X gave that number to another file.
    /// </summary>
    [Fact]
    public void A_number_kept_by_a_file_is_given_again_once_a_resync_replaces_the_file_it_came_from() =>
        Holds(new SimCase("fig7", 153143, 267, FaultKinds.Copy | FaultKinds.Clock | FaultKinds.Disk,
            [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127, 128, 129, 130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 140, 141, 142, 143, 144, 145, 146, 147, 148, 149, 150, 151, 152, 153, 154, 155, 156, 157, 158, 159, 160, 161, 162, 163, 164, 165, 166, 167, 168, 169, 170, 171, 172, 173, 174, 175, 176, 177, 178, 179, 180, 181, 182, 183, 184, 185, 186, 187, 188, 189, 190, 191, 192, 193, 194, 195, 196, 197, 198, 199, 200, 201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 212, 213, 214, 215, 216, 217, 218, 219, 220, 221, 222, 223, 224, 264, 265, 266],
            FaultPlan.FromText("79 offline x 0; 208 online x 0")));

    /// <summary>
    /// Finding 28 (Fixed 69), Fig. 8, the whole history of that seed: the online sent the mirror's own held write and
    /// excused it, then timed out; the next online no longer knew it for the mirror's. What an online stamps is kept
    /// until a resync succeeds.
    /// </summary>
    [Fact]
    public void An_online_that_timed_out_after_sending_the_mirrors_late_write_leaves_it_excused() =>
        Holds(new SimCase("fig8", 111119, 140, FaultKinds.None, [3, 10, 11, 12, 18, 19, 20, 21, 26, 27, 30, 31, 33, 34, 82, 139],
            FaultPlan.FromText("41 offline y 0; 64 loss b 26; 68 online y 0; 125 net-heal b 0")));
}
