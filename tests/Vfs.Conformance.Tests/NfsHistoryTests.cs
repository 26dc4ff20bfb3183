// Tests of conformance: shrunk NFS client histories that once failed, replayed through the suite's history check over
// the simulated network and TCP. The suite's kernels run on virtual clocks, so a change of our own leaves the file's
// times as they were and close-to-open finds nothing changed: the client's caches are all that speaks.
using UnixVfs.Core;
using UnixVfs.Sim.Conformance;
using UnixVfs.Sim.History;

namespace UnixVfs.Conformance.Tests;

public class NfsHistoryTests
{
    /// <summary>
    /// Found by the data histories: the block the file ended in, read and cached short, ended every later read at its
    /// old end after a write far beyond it grew the file (NfsRdwr.ReadBlockInto now reads such a block again).
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_block_cached_short_does_not_end_a_read_after_a_write_beyond_it_grew_the_file(bool tcp)
    {
        var history = new Script([
            new OpenOp("/m/a", OFlags.O_RDWR | OFlags.O_CREAT), new PwriteOp(0, 283_861, 0xC3, 787_901),
            new PreadOp(0, 1, 1_052_673), new PwriteOp(0, 1, 0x4F, 3_149_825),
        ]);
        var problem = HistoryCheck.Run(tcp ? Targets.NfsTcp : Targets.NfsSim, history, compareEveryCall: false);   // as the data histories run
        Assert.True(problem is null, problem);
    }
}
