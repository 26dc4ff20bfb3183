// Tests of conformance: shrunk mirror histories that once failed, replayed through the suite's history check on the
// mirror over two tmpfs (its disturbances: #0 x offline, #1 y offline, #2 x online, #3 y online).
using UnixVfs.Sim.Conformance;
using UnixVfs.Sim.History;

namespace UnixVfs.Conformance.Tests;

public class MirrorHistoryTests
{
    /// <summary>Found by the mirror's property: a hard-linked symlink renamed over another symlink with the same target while a copy was away.</summary>
    [Fact]
    public void A_name_renamed_over_an_alike_file_while_a_copy_was_away_comes_back_as_the_same_hard_link()
    {
        var history = new Script([
            new SymlinkOp("b", "/m/b"), new LinkOp("/m/b", "/m/a"), new SymlinkOp("b", "/m/e"),
            new DisturbOp(1), new RenameOp("/m/b", "/m/e"),
        ]);
        var problem = HistoryCheck.Run(Targets.MirrorTmpfs, history);
        Assert.True(problem is null, problem);
    }

    /// <summary>
    /// Findings 5 of docs/verification.md (Fixed 32): an open file whose last name a rename removed while y was offline
    /// lived on x alone after y's resync, and was lost when x went offline: close returned ENOENT.
    /// </summary>
    [Theory]
    [InlineData("mirror-tmpfs")]
    [InlineData("mirror-ufs")]
    public void An_open_file_whose_last_name_a_rename_removed_while_a_copy_was_away_survives_the_copies_swapping(string target)
    {
        var history = new Script([
            new SymlinkOp("a/c", "/m/b"), new DisturbOp(1), new OpenOp("/m/a", OFlags.O_RDWR | OFlags.O_CREAT),
            new PwriteOp(0, 5, 0x41, 0), new RenameOp("/m/b", "/m/a"), new DisturbOp(3), new DisturbOp(0),
            new PreadOp(0, 8, 0), new CloseOp(0),
        ]);
        var problem = HistoryCheck.Run(target == "mirror-ufs" ? Targets.MirrorUfs : Targets.MirrorTmpfs, history);
        Assert.True(problem is null, problem);
    }
}
