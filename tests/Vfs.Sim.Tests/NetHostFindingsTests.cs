// Tests of Vfs.Sim: the findings that kept network faults off Figs. 6 and 7 and host faults off Figs. 9 and 10 in the
// main run (docs/verification.md, Finding 8; Fixed 43-45), and copy faults off them beside network faults (Fixed 46),
// each replayed from its seed. Each failed before its fix;
// tests/Vfs.Nfs.Tests/NfsWriteErrorTests.cs and tests/Vfs.Core.Tests/Kernel/VirtualClockLockTests.cs keep the smaller
// reproducers.
using Xunit.Abstractions;

namespace UnixVfs.Sim.Tests;

public class NetHostFindingsTests(ITestOutputHelper output)
{
    private void Holds(SimCase c) => SimReplay.Holds(output, c);

    /// <summary>
    /// Fixed 43: over a link losing 23% of records, the mirror's pwrite to Y made x's NFS client send the block before
    /// it; the WRITE heard nothing three times and the client dropped the block, while VOP_WRITE had answered OK. Until
    /// the close reported the error, Y, still in use, lacked acknowledged bytes (`after call 92: copy Y (/net/peer): /c:
    /// 8192 bytes that differ`). The client now keeps the block and sends it again at the next flush. The shrink finds
    /// nothing smaller: a per-call failure's name carries the call at which the copies were compared.
    /// </summary>
    [Fact]
    public void A_write_whose_WRITE_to_an_NFS_copy_heard_no_answer_is_not_lost_from_the_copy_in_use() =>
        Holds(new SimCase("fig7", 20264370, 198, FaultKinds.Net | FaultKinds.Clock, [.. Enumerable.Range(0, 93)]));

    /// <summary>
    /// Fixed 44: y down, a COMMIT of c's through the exported mirror waited for y on x; c's retransmission of it arrived
    /// as the reply left and was served again, holding Y's rnode WriteLock on x across a WRITE to the down host. The
    /// next close's COMMIT, served beside it, blocked on that lock as busy work, so virtual time stopped (reported as a
    /// deadlock). A thread counted as busy now waits for a held KMutex as a wait for time (VirtualClock.EnterContended).
    /// </summary>
    [Fact]
    public void Two_calls_of_one_client_served_at_once_by_an_exported_mirror_do_not_stop_time() =>
        Holds(new SimCase("fig9", 20262372, 86, FaultKinds.Net | FaultKinds.Host | FaultKinds.Clock, [3, .. Enumerable.Range(25, 17)]));

    /// <summary>
    /// Fixed 45, found by the main run's Fig. 8 group (history 20263443) once the NFS client kept a WRITE that heard
    /// nothing (Fixed 43): Y taken offline while b was down, holding the mirror's write of /m/a. Online with b still
    /// down sent it in vain and forgot the file; at the repair the search's GETATTR sent it, stamping a after Y left,
    /// and reported the old error, so online failed, and the next one took the mirror's own write for a change behind
    /// its back (`split brain: 1 names changed in more than one copy`). A file whose copy does not answer at online now
    /// stays late (CopyUnflushed.FlushLate), so the next online sends and stamps it before the search.
    /// </summary>
    [Fact]
    public void A_write_an_NFS_copy_kept_through_a_failed_online_is_no_change_behind_the_mirrors_back() =>
        Holds(new SimCase("fig8", 20263443, 58, FaultKinds.Copy | FaultKinds.Net | FaultKinds.Host | FaultKinds.Clock, [8, 10, 38]));

    /// <summary>
    /// Fixed 46 (Finding 2 on Figs. 9 and 10): over a lossy link to y, c's write of /m/c reached x's exported mirror at
    /// 1.018 s; the mirror let go of the file after the WRITE, and its fsync of Y (CopyUnflushed.Inactive) sent x's
    /// held WRITE, which landed at 4.018 s after two retransmissions, so y stamped its own time. Y then left (a lookup
    /// timed out) before c's COMMIT gave the copies the primary's times, and the resync had nothing of /c to rewrite:
    /// `verify`: `/c: mtime: X 1000000001.018000000, Y 1000000004.018000000`. A flush at inactive now gives the copies
    /// the primary's times, as a close or fsync does (MirrorVnops.SyncTimes).
    /// </summary>
    [Fact]
    public void A_write_an_NFS_copy_flushed_late_as_the_mirror_let_go_of_the_file_keeps_the_primarys_mtime() =>
        Holds(new SimCase("fig9", 20262390, 98, FaultKinds.Copy | FaultKinds.Net | FaultKinds.Clock,
            [20, 21, 22, 23, 26, 27, 28, 29, 30, 31, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 62, 84, 85, 97]));

    /// <summary>
    /// Fixed 46's second part, found by the probe of Figs. 9 and 10 with copy, network and clock faults once the first
    /// was in (its SETATTRs moved the lossy link's losses): x's NFS server held a file's rwlock across a SETATTR to y
    /// that the link made retransmit, and a READ of the file served beside it blocked on that rwlock as busy work, so
    /// virtual time stopped (reported as a deadlock). A thread counted as busy now waits for a held RwLock as a wait for
    /// time, as for a KMutex since Fixed 44.
    /// </summary>
    [Fact]
    public void A_read_served_beside_a_setattr_that_waits_for_a_lossy_link_does_not_stop_time() =>
        Holds(new SimCase("fig10", 20262356, 188, FaultKinds.Copy | FaultKinds.Net | FaultKinds.Clock, null));

    /// <summary>
    /// Fixed 51: the master's clock set 2,081 s back, then a symlink to the slave's copy timed out over a link losing
    /// 25% of records, though the slave made it; copy X left. Its leaving time, the master's time moved by a skew
    /// measured before the clock moved, fell before that symlink's ctime, so online took X's directory for one changed
    /// behind the mirror's back and merged by times: the name made on Y meanwhile was removed. The leaving time now
    /// follows the copy's own clock from the newest time it was seen to stamp (CopyClock.cs).
    /// </summary>
    [Fact]
    public void An_update_that_timed_out_on_a_copy_whose_host_clock_was_set_back_is_no_change_behind_the_mirrors_back() =>
        Holds(new SimCase("fig6", 9124, 46, FaultKinds.Net | FaultKinds.Clock, [0, 1, 2, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 38]));

    /// <summary>
    /// Fixed 52: a 4-byte write to the file, held by the NFS copy's client, then the close of another descriptor of the
    /// file, open read-only: the mirror counted that close as the copy's flush and forgot the write. A rename timed out
    /// over a link losing 19% of records and took X out of use; at online the search's GETATTR sent the write, stamped
    /// after X's leaving time, and the copies were merged by times: the renamed-away name came back. Only a writer's
    /// close now counts as a flush (MirrorVnops.MfsClose).
    /// </summary>
    [Fact]
    public void A_write_held_by_the_NFS_copys_client_is_not_forgotten_at_a_readers_close() =>
        Holds(new SimCase("fig6", 9445, 122, FaultKinds.Net | FaultKinds.Clock,
        [
            20, 21, 22, 23, 24, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47,
            48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74,
            75, 76
        ]));

    /// <summary>
    /// Fixed 80, Fig. 10: /b was made while Y was offline and made in Y late by its replay; Y failed over a lossy link,
    /// /b was renamed to /c and made again. Y's full resync rewrote Y's file in place as the new /b, and a handle of /c,
    /// finding Y's file by Y's record of files made late, paired X's /c with it: /c's close wrote its times over Y's /b.
    /// </summary>
    [Fact]
    public void A_file_made_late_in_a_copy_and_renamed_while_it_failed_is_not_rewritten_as_another() =>
        Holds(new SimCase("fig10", 281283, 158, FaultKinds.None,
            [1, .. Enumerable.Range(3, 24), 36, 38, 39, 40, 41, 42, 43, 45, 95, 97, 99, 111, 114, 116],
            FaultPlan.FromText("28 loss y 29; 58 offline y 0; 97 online y 0; 123 net-heal y 0")));

    /// <summary>
    /// Fixed 84, Fig. 10: the SETATTR that gives Y the primary's times after a flush timed out over a link losing a
    /// quarter of its records; Y stayed in use with the time its server stamped as the writes landed, 7 s after X's.
    /// </summary>
    [Fact]
    public void A_copy_that_cannot_take_the_primarys_times_over_a_lossy_link_gets_them_by_its_resync() =>
        Holds(new SimCase("fig10", 351288, 171, FaultKinds.None,
            [.. Enumerable.Range(2, 14), .. Enumerable.Range(18, 24), .. Enumerable.Range(43, 7), .. Enumerable.Range(54, 14)],
            FaultPlan.FromText("53 loss y 25; 107 net-heal y 0")));

    /// <summary>
    /// Fixed 85, Fig. 10: a SETATTR through a handle naming X alone had to find the file in Y; a look-up there timed out
    /// over the lossy link and took Y out of use, the next answered, and the update reached Y after its leaving time:
    /// at online a change behind the mirror's back, and a split brain over /b/b.
    /// </summary>
    [Fact]
    public void An_update_does_not_reach_a_copy_taken_out_of_use_while_it_was_found_there() =>
        Holds(new SimCase("fig10", 361103, 228, FaultKinds.None, [.. Enumerable.Range(0, 124), 170],
            FaultPlan.FromText("105 loss y 24; 142 net-heal y 0")));

    /// <summary>
    /// Fixed 96 (Finding 38), Fig. 9, y down: a symlink linked as /a/a and /a/b/a; while Y was away /a/b moved to /c/b,
    /// /c/b/a went and came back a directory, and /a/a was renamed into it after losing its name and getting it back.
    /// Y's replay moved its symlink to the mnode's name /a/b, left it no one's, and copied the new name whole.
    /// </summary>
    [Fact]
    public void A_linked_symlink_moved_by_its_mnodes_name_while_y_was_down_is_linked_where_its_other_name_is_made() =>
        Holds(new SimCase("fig9", 570055, 456, FaultKinds.None,
            [.. Enumerable.Range(109, 9), .. Enumerable.Range(123, 11), .. Enumerable.Range(148, 7), 233, .. Enumerable.Range(254, 7),
             .. Enumerable.Range(268, 5), .. Enumerable.Range(282, 11), .. Enumerable.Range(296, 4), .. Enumerable.Range(309, 12),
             .. Enumerable.Range(364, 6), .. Enumerable.Range(394, 17), .. Enumerable.Range(412, 5), .. Enumerable.Range(450, 6)],
            FaultPlan.FromText("147 host-down y 0; 231 host-up y 0")));

    /// <summary>
    /// Fixed 94 (Finding 37), Fig. 7, y restarted and then x's disk failed: /m/c, linked as /m/a and open, was written
    /// before y's restart, which lost the write in y's disk. y's mount-time merge brought it back by making the linked
    /// file afresh there, x's handle of it went stale, x took Y out of use, and with X's disk failing fsync got EIO.
    /// </summary>
    [Fact]
    public void A_linked_file_a_restart_lost_a_write_of_keeps_its_inode_in_the_restarted_disk() =>
        Holds(new SimCase("fig7", 503041, 265, FaultKinds.None, [21, 33, 54, 77, 139, 143],
            FaultPlan.FromText("86 restart y 0; 114 disk-fail x:/export/disk 6; 214 disk-heal x:/export/disk 0")));

    /// <summary>
    /// Fig. 7, y down then partitioned: /c/b linked as /a/c; while Y was away /a/c was unlinked, made again and linked
    /// as /a/b/a/b. Y's replay must make /a/c a new file: rewritten in place, Y's old file, still /c/b there, took the
    /// new file's bytes and names (found at stop 37 by a probe of a first fix of Finding 37, which rewrote in place the
    /// first name met of a linked file, and was taken back).
    /// </summary>
    [Fact]
    public void A_linked_name_made_again_while_y_was_away_is_not_its_old_file_in_y() =>
        Holds(new SimCase("fig7", 563026, 294, FaultKinds.None, [32, 33, 37, 42, 48, 49, 57, 104, 105, 184, 185, 262],
            FaultPlan.FromText("62 host-down y 0; 87 partition y 0; 218 host-up y 0; 245 net-heal y 0")));
}
