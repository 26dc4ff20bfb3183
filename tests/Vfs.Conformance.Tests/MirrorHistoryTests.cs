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
}
