// Tests of Vfs.Sim: the bugs of the mirror's full resync, found once one generated online in four asked for one
// (docs/verification.md, Fixed 71-72). A full resync merges the copies by name, without the log: each history below
// lost what the log would have brought. Each is replayed from its seed and shrunk history, and failed before its fix;
// tests/Vfs.Mirror.Tests/RejoinTests.cs and MirrorFidTests.cs keep the mirror's own reproducers.
using Xunit.Abstractions;

namespace UnixVfs.Sim.Tests;

public class FullResyncRegressionTests(ITestOutputHelper output)
{
    private const FaultKinds Probed = FaultKinds.Copy | FaultKinds.Clock | FaultKinds.Disk;

    private void Holds(SimCase c)
    {
        var o = Simulator.Run(c);
        output.WriteLine($"{c.Command()}: {o.Calls} calls, {o.Events} events");
        Assert.True(o.Failure is null, Simulator.Report(o));
    }

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
}
