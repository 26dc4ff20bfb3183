// Tests of Vfs.Sim: the bugs found in worlds of one's own (`vfs sim --world FILE`), with the mirror options the other
// worlds leave at their defaults -- a small log, balanced reads, autoresync, four copies -- which are built in now
// (Figures.cs: fig7-autoresync, fig8-small-log, mirror3-nfs, mirror4, mirror3-checksum; their traces are those of the files). Each
// replays its seed, shrunk history and fault plan (docs/verification.md, Fixed 113-128) and failed before its fix.
using Xunit.Abstractions;

namespace UnixVfs.Sim.Tests;

public class OwnWorldFindingsTests(ITestOutputHelper output)
{
    private void Holds(SimCase c) => SimReplay.Holds(output, c);

    /// <summary>
    /// Fixed 113: a write b's NFS client still held when b went down was sent at the repair's online, by its scan, after
    /// the mnode had let go of the file: the log of four overflowed and let go of its mnodes, so FlushLate could not find
    /// the file, and the late write read as a change behind the mirror's back (a split brain on /c).
    /// </summary>
    [Fact]
    public void A_write_held_by_a_copys_NFS_client_when_its_host_went_down_is_sent_before_the_online_looks_for_changes() =>
        Holds(new SimCase("fig8-small-log", 1905058, 430, FaultKinds.None, [1, 2, 23, 32, 37, 38, 205, 213, 217],
            FaultPlan.FromText("24 host-down b 0; 60 host-up b 0; 95 skew a -664000; 151 skew a 0")));

    /// <summary>
    /// Fixed 114: while Z was offline /a/c/a moved to /a/b/c and a new /a/b/a was renamed over the emptied /a/c. The log
    /// kept no names for /a (more than two changed), so its replay compared every name, but left the directory /a/c
    /// alone as one whose own log entries would cover it: Z kept its old /a/c, holding the old /a/c/a.
    /// </summary>
    [Fact]
    public void A_directory_renamed_over_another_while_a_copy_was_away_replaces_it_where_the_log_kept_no_names() =>
        Holds(new SimCase("mirror4", 1913132, 272, FaultKinds.None, [1, 4, 72, 93, 132, 169, 174, 177, 221, 222, 223],
            FaultPlan.FromText("130 offline z 0")));

    /// <summary>
    /// Fixed 115: autoresync's round ran on the thread that moves virtual time; its probe of y, partitioned away, waited
    /// for an RPC's timeout that only that thread could bring, and the world stopped (a deadlock, no event for 30 s).
    /// </summary>
    [Fact]
    public void Autoresync_probing_a_partitioned_copy_waits_for_its_timeout_in_virtual_time() =>
        Holds(new SimCase("fig7-autoresync", 1902060, 800, FaultKinds.All));

    /// <summary>
    /// Fixed 116: X (/na) was offline and Z's disk (h:/m) failed, so Z left too. X's full resync (its log of eight had
    /// overflowed) walked every copy's tree, Z's as well, and Z had a file where the source had made a directory since:
    /// its readdir said ENOTDIR, and the resync failed. A full resync now walks the source and the target only.
    /// </summary>
    [Fact]
    public void A_full_resync_walks_only_its_source_and_target_not_a_copy_away_with_another_tree() =>
        Holds(new SimCase("mirror3-nfs", 1920045, 717, FaultKinds.None,
            [7, 23, 36, 50, 69, 78, 79, 80, 83, 100, 110, 234, 248, 251, 260, 262, 267, 268, 295, 321, 322, 325, 372, 464, 480, 493, 495, 496, 497, 498],
            FaultPlan.FromText("174 offline x 0; 230 disk-fail h:/m 9; 576 online x 0; 671 disk-heal h:/m 0")));

    /// <summary>
    /// Fixed 117: Z had F at /b when it left; while it was away, F was renamed to /c/a/a and a new /b made, and X, which
    /// had been away longer, was resynced in full from Y. Z's full resync from X then found F's mnode, which knew no file
    /// in X (X's F was made late), took X's new /b for F's and rewrote Z's F in place as it; F's own name then linked to it.
    /// </summary>
    [Fact]
    public void A_full_resync_from_a_copy_itself_resynced_in_full_tells_a_file_renamed_away_from_the_one_made_under_its_name() =>
        Holds(new SimCase("mirror3-nfs", 1930086, 439, FaultKinds.None, [9, 12, 15, 16, 18, 43, 129, 163, 187, 197, 199, 214, 219, 261, 266, 281, 282, 283, 319, 438],
            FaultPlan.FromText("97 partition a 0; 141 disk-fail h:/m 15; 268 net-heal a 0; 425 disk-heal h:/m 0")));

    /// <summary>
    /// Fixed 118: while s (Z's server) was down, the directory /a/a/c (holding a symbolic link c) was renamed to /b/b, and
    /// a file moved into it. Z's resync could not move the directory (its old path had changed), so the file's move made
    /// /b/b afresh, empty; /b's names, past logranges=2, were all compared, and the new /b/b passed as the directory's
    /// twin: Z lost the link.
    /// </summary>
    [Fact]
    public void A_directory_the_resyncs_moves_made_empty_is_compared_whole_where_the_log_kept_no_names() =>
        Holds(new SimCase("mirror4", 1953193, 599, FaultKinds.None, [4, 5, 7, 21, 27, 39, 44, 72, 95, 162, 230, 242, 249, 252, 256, 265, 281, 365],
            FaultPlan.FromText("248 host-down s 0; 471 host-up s 0")));

    /// <summary>
    /// Fixed 119: Y's full resync parked Y's file /b/c, open through the mirror, and the directory holding its other
    /// name; at the end its mnode kept the file, since a parked name still counted as a link, and the removal of the
    /// parked names then deleted it. The close that ended the history failed on Y with ESTALE, and Y could not rejoin.
    /// </summary>
    [Fact]
    public void An_open_file_whose_names_a_full_resync_parked_is_let_go_of_when_they_are_removed() =>
        Holds(new SimCase("mirror3-nfs", 1960298, 585, FaultKinds.None, [0, 4, 7, 18, 19, 21, 22, 30, 54, 109, 110, 140, 141, 168, 171, 195, 231, 234, 239, 243, 248, 249],
            FaultPlan.FromText("21 host-down a 0; 215 host-down b 0; 311 host-up b 0; 408 host-up a 0")));

    /// <summary>
    /// Fixed 120: a symbolic link with four names lost two (/c/c, /c/a) while a was cut off. The log of one name a
    /// directory kept none for /c, so its replay compared every name there, and /c/b, the same link with two surplus
    /// links in X, differed by its link count: it was made again, a second symlink, and X's link kept one name.
    /// </summary>
    [Fact]
    public void A_file_with_names_removed_while_a_copy_was_away_is_not_made_again_where_the_log_kept_no_names() =>
        Holds(new SimCase("fig8-small-log", 1982192, 664, FaultKinds.None, [50, 57, 69, 71, 73, 83, 86, 122, 123, 192, 194, 328, 329, 335],
            FaultPlan.FromText("273 host-down a 0; 459 host-up a 0")));

    /// <summary>
    /// Fixed 121: the power went out on h while Y (/c, its disk cut) was away and the other copies in use, a pwrite to
    /// /c not flushed. Z's NFS server had it, the local copies lost it with their caches. Y was behind, so the mount merged
    /// nothing and Z kept a size the others did not have. The mount now compares the copies in use among themselves.
    /// </summary>
    [Fact]
    public void A_write_the_power_cut_tore_between_the_copies_in_use_is_settled_at_the_mount_while_a_copy_is_behind() =>
        Holds(new SimCase("mirror4", 2002019, 386, FaultKinds.None, [59, 68, 70, 71, .. Enumerable.Range(84, 6)],
            FaultPlan.FromText("4 power-cut-reorder h:/c 7; 89 restart h 1; 121 host-down s 0; 305 host-up s 0")));

    /// <summary>
    /// Fixed 123: h restarted while a rename (/c/a/b to /c/b/c) was on its way to the disks: X and Y had the old name
    /// removed, Z had both names. Z's old name won and was made a link in X and Y; the new name went to X, the newest,
    /// and Y's file there, known as the twin of Z's file only, was made again from X's: Y's /c/a/b kept one link.
    /// </summary>
    [Fact]
    public void A_file_whose_names_a_restart_tore_keeps_its_links_in_every_copy_after_the_mount() =>
        Holds(new SimCase("mirror3-checksum", 2005103, 551, FaultKinds.None,
            [.. Enumerable.Range(0, 21), .. Enumerable.Range(41, 11), .. Enumerable.Range(65, 34), .. Enumerable.Range(110, 11), .. Enumerable.Range(142, 5),
             .. Enumerable.Range(184, 9), .. Enumerable.Range(211, 15), .. Enumerable.Range(258, 20), .. Enumerable.Range(297, 41)],
            FaultPlan.FromText("137 skew h 1315000; 262 power-cut-reorder h:/m 35; 337 restart h 1; 483 skew h 0")));

    /// <summary>
    /// Fixed 124: h restarted after /a (a symbolic link) got a second name; Z, over NFS, kept it, the local copies lost it.
    /// /a differed only in its links and went to X, the first of the newest: Z's /a was made again from X's, and each name
    /// linked to it later made a link of another file in Y.
    /// </summary>
    [Fact]
    public void A_link_a_restart_kept_in_one_copy_only_stays_a_link_of_the_same_file_after_the_mount() =>
        Holds(new SimCase("mirror4", 2012061, 546, FaultKinds.None, [107, .. Enumerable.Range(115, 3), 135, 318, 332, 336, 338, 343, 352],
            FaultPlan.FromText("214 power-cut-reorder h:/c 35; 352 restart h 1")));

    /// <summary>
    /// Fixed 122, caught by the simulator's watchdog since: autoresync's rounds piled up behind a probe that waited for
    /// the peer's timeouts while its host restarted, hundreds of threads each waiting for the last, and the world crawled
    /// (without the change: "pile-up: 33 threads wait for time at once", in about half a minute).
    /// </summary>
    [Fact]
    public void Autoresync_rounds_do_not_pile_up_behind_a_probe_waiting_for_timeouts() =>
        Holds(new SimCase("fig7-autoresync", 2004007, 800, FaultKinds.All | FaultKinds.Power | FaultKinds.Crash));

    /// <summary>
    /// Fixed 125, in a world of every option at once: autoresync rejoined Z, whose disk had failed, by a full resync; Y's
    /// host was down. Before the resync reached /b/b/b, Z's /b/b/b was still the empty directory a rename had replaced
    /// while Z was away: an rmdir of it succeeded in Z alone, X refused it (ENOTEMPTY), and the mirror took X, the copy
    /// in use, out and answered OK -- a directory with a file in it was gone.
    /// </summary>
    [Fact]
    public void An_rmdir_only_a_copy_being_resynced_takes_is_refused_as_the_copies_in_use_refuse_it() =>
        Holds(new SimCase("kitchen", 2042110, 626, FaultKinds.None,
            [0, 1, 2, .. Enumerable.Range(17, 6), 26, 27, 28, .. Enumerable.Range(48, 5), 63, 76, 113, 114, 115, .. Enumerable.Range(127, 4),
             .. Enumerable.Range(160, 10), 180, 181, 202, .. Enumerable.Range(232, 9), 277, 339, 349, 350, 624, 625],
            FaultPlan.FromText("18 disk-fail h:/m 19; 190 disk-heal h:/m 0; 243 host-down s 0; 468 host-up s 0"),
            WorldText: Kitchen));

    /// <summary>
    /// Fixed 126, in the same world: X's disk kept failing, and autoresync's resync of X ended early when an update sent
    /// to X failed on the way (X out of use again); the resync still reported success, though what it had taken from
    /// X's log and not replayed was gone. The next online replayed the rest only, and X's /a, short of a chmod, read as
    /// changed in two copies: a split brain at the repair.
    /// </summary>
    [Fact]
    public void A_resync_whose_copy_is_taken_out_of_use_on_the_way_fails_and_the_next_one_is_full() =>
        Holds(new SimCase("kitchen", 2051284, 258, FaultKinds.None,
            [.. Enumerable.Range(91, 6), .. Enumerable.Range(100, 9), .. Enumerable.Range(110, 21), .. Enumerable.Range(134, 5), 153, 257],
            FaultPlan.FromText("33 disk-fail h:/b 18; 82 loss s 8; 193 net-heal s 0; 232 disk-heal h:/b 0"),
            WorldText: Kitchen));

    /// <summary>
    /// Fixed 127, in the same world: an update sent to X while autoresync resynced it failed and took X out again, and
    /// the resync went on writing to X (it made /c again there) before it failed. At the repair's online those writes,
    /// after the time X had left, read as changes made behind the mirror's back: /c "changed in X and in Z", a split brain.
    /// </summary>
    [Fact]
    public void A_copy_a_failed_resync_went_on_writing_to_leaves_after_its_last_write() =>
        Holds(new SimCase("kitchen", 2061031, 575, FaultKinds.None,
            [31, .. Enumerable.Range(38, 4), 44, 45, 46, .. Enumerable.Range(50, 7), .. Enumerable.Range(95, 5), .. Enumerable.Range(127, 4), 345, 346, .. Enumerable.Range(359, 7)],
            FaultPlan.FromText("95 loss s 13; 218 disk-fail h:/b 11; 364 net-heal s 0; 410 disk-heal h:/b 0"),
            WorldText: Kitchen));

    /// <summary>
    /// Fixed 128, in the same world: Z's disk failed holding F at /c; X then moved F to /a/a and made a new /c. While
    /// autoresync resynced Z, a look-up of the new /c gave its mnode Z's /c -- F's file there, F's mnode's already -- and
    /// the resync rewrote it in place as the new /c, then linked it at /a/a for F: one file under both names in Z.
    /// </summary>
    [Fact]
    public void A_copy_being_resynced_gives_no_mnode_a_file_of_another() =>
        Holds(new SimCase("kitchen", 2071077, 320, FaultKinds.None,
            [8, 9, 11, 12, 15, 16, .. Enumerable.Range(20, 4), 29, 30, .. Enumerable.Range(32, 12), .. Enumerable.Range(47, 6), .. Enumerable.Range(56, 11), 194],
            FaultPlan.FromText("17 disk-fail h:/m 4; 129 loss s 22; 185 disk-heal h:/m 0; 247 net-heal s 0"),
            WorldText: Kitchen));

    /// <summary>
    /// Fixed 129, in the same world: F had the names /a/b/c and /c/a/c, and /a/b/c was renamed to /c/a/b just before h
    /// restarted. The local copies lost the rename with their caches; Y's NFS server kept it. /c/a/c was alike in every
    /// copy, so the mount's merge did not know Y's F as the others' twin, and made /a/b/c again in Y as a file of its own.
    /// </summary>
    [Fact]
    public void A_file_renamed_as_the_host_restarted_keeps_one_file_for_its_names_in_the_NFS_copy() =>
        Holds(new SimCase("kitchen", 2091097, 580, FaultKinds.Copy | FaultKinds.Net | FaultKinds.Host | FaultKinds.Clock,
            [68, 128, .. Enumerable.Range(141, 4), 158, 159, .. Enumerable.Range(173, 4), .. Enumerable.Range(182, 5), 218, 219, 243, 244, 245, .. Enumerable.Range(278, 5)],
            FaultPlan.FromText("279 restart h 1"),
            WorldText: Kitchen));

    /// <summary>
    /// Fixed 130, in the same world: X, out of use since its disk failed, was being resynced by autoresync and still
    /// held F under /c/a, which F had lost in the others and a symlink had taken. A look-up of /c/a found F's mnode
    /// through X's F and gave it the others' symlink: one mnode, and one file number, for /c/a and /c/b.
    /// </summary>
    [Fact]
    public void A_copy_being_resynced_does_not_decide_which_mnode_a_name_is() =>
        Holds(new SimCase("kitchen", 2101038, 463, FaultKinds.All | FaultKinds.Power | FaultKinds.Crash,
            [22, 23, 36, 37, 40, 47, 85, 130, 134],
            FaultPlan.FromText("21 disk-fail h:/b 4; 134 host-down s 0; 214 disk-heal h:/b 0; 376 host-up s 0"),
            WorldText: Kitchen));

    /// <summary>
    /// Fixed 131, in the same world: X's disk lost a pwrite's block in a power cut, and h restarted. The merge rewrote
    /// Y's and Z's file from X's, with the size and mtime their sum files recorded: those sums, trusted still, called the
    /// bytes every copy held bad, and every read of the file was EIO.
    /// </summary>
    [Fact]
    public void A_merge_that_rewrites_a_file_sets_its_old_checksums_aside() =>
        Holds(new SimCase("kitchen", 2111067, 470, FaultKinds.All | FaultKinds.Power | FaultKinds.Crash,
            [99, 146, 153, 185, 189, 210, 241],
            FaultPlan.FromText("208 power-cut-reorder h:/b 3; 241 restart h 1"),
            WorldText: Kitchen));

    /// <summary>
    /// Fixed 132, in a 4-way world of one's own (`Pantry`): W's disk failed, and autoresync was resyncing W when a
    /// symlink's last name was removed through the mirror (W, away at the time, still had it). The rename of that
    /// name that followed looked it up; W had it, the copies in use did not, and the lookup's repair copied W's stale
    /// name back into them: the rename answered OK where the name was gone.
    /// </summary>
    [Fact]
    public void A_copy_being_resynced_is_not_the_source_of_a_lookups_repair() =>
        Holds(new SimCase("pantry", 2152065, 425, FaultKinds.All | FaultKinds.Power | FaultKinds.Crash,
            [.. Enumerable.Range(0, 86), .. Enumerable.Range(87, 9), 105, 424],
            FaultPlan.FromText("0 disk-fail h:/m 16; 72 loss b 25; 215 net-heal b 0; 368 disk-heal h:/m 0"),
            WorldText: Pantry));

    /// <summary>A world of one's own with every option at once (the file's text, as a printed regression test carries it).</summary>
    private const string Kitchen = """
        # a 3-way mirror with every option at once: checksums, a small log, balanced reads, autoresync; one copy over NFS
        host h
        host s
        disk s /export ufs
        export s /export
        disk h /m ufs
        disk h /b ufs
        import h s:/export /ns soft,timeo=10,retrans=2
        mirror h /b,/ns /m checksum,logsize=4,logranges=1,read=balance,autoresync=7,retries=1
        procs h 3
        history keep-open-files-linked
        """;

    /// <summary>A 4-way mirror of one's own: two copies over NFS from two servers, checksums, balanced reads, a small log, autoresync.</summary>
    private const string Pantry = """
        # a 4-way mirror, two copies over NFS from two servers, with checksums, balanced reads, a small log, autoresync
        host h
        host a
        host b
        disk a /export ufs
        export a /export
        disk b /export ufs
        export b /export
        disk h /m ufs
        disk h /c ufs
        import h a:/export /na soft,timeo=10,retrans=2
        import h b:/export /nb soft,timeo=10,retrans=2
        mirror h /c,/na,/nb /m checksum,read=balance,logsize=8,logranges=2,autoresync=5,retries=1
        procs h 3
        history keep-open-files-linked
        """;
}
