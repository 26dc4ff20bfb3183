// Tests of Vfs.Sim: the calls a replay keeps, as a failure's report writes them -- `--keep` with runs written
// FIRST-LAST, and the regression test's list with runs spread from Enumerable.Range -- read back as the same calls.
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace UnixVfs.Sim.Tests;

public class KeepListTests
{
    [Fact]
    public void A_replay_command_writes_runs_of_three_or_more_as_ranges()
    {
        var c = new SimCase("fig9", 910069, 447, FaultKinds.None, [0, 1, 2, 3, 7, 9, 10, 11, 20, 21]);
        Assert.EndsWith(" --keep 0-3,7,9-11,20,21", c.Command());
        Assert.Contains("[.. Enumerable.Range(0, 4), 7, 9, 10, 11, 20, 21]", Simulator.XunitTest(c));
    }

    [Property(MaxTest = 300, QuietOnSuccess = true)]
    public Property Any_list_of_calls_reads_back_from_its_keep_text() =>
        Prop.ForAll(Arb.From(Gen.Choose(1, 600).SelectMany(steps => Gen.SubListOf(Enumerable.Range(0, steps))
                .Select(keep => (steps, keep: keep.ToList())))),
            t => SimCase.TryParseKeep(SimCase.KeepText(t.keep), t.steps, out var back) && back.SequenceEqual(t.keep));

    [Theory]
    [InlineData("5-2")]
    [InlineData("1-2-3")]
    [InlineData("0-30")]
    [InlineData("30")]
    [InlineData("a-3")]
    [InlineData("-1")]
    public void A_keep_text_that_is_not_one_is_refused(string text) =>
        Assert.False(SimCase.TryParseKeep(text, 30, out _));
}
