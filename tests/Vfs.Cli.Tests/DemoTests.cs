// Tests of Vfs.Cli: the README's main command, `vfs demo`, run as a user runs it -- real loopback TCP, UFS images
// in a temporary directory -- passes every figure and says so. (How long it takes is a benchmark, not a verdict here:
// docs/benchmarks.md, "vfs demo".)
using Spectre.Console;

namespace UnixVfs.Cli.Tests;

public class DemoTests
{
    [Fact]
    public void The_demo_runs_all_six_figures_and_exits_zero()
    {
        var text = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(text), Interactive = InteractionSupport.No });
        int status = DemoCommand.Run(null, keep: false, console);
        var output = text.ToString();
        Assert.True(status == 0, output);
        foreach (var n in new[] { 5, 6, 7, 8, 9, 10 })
            Assert.Contains($"Fig. {n}", output);
        Assert.DoesNotContain("FAILED", output);
    }

    [Fact]
    public void An_unknown_figure_is_a_clear_error_and_a_non_zero_exit()
    {
        var text = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(text), Interactive = InteractionSupport.No });
        Assert.Equal(2, DemoCommand.Run(4, keep: false, console));
        Assert.Contains("there is no figure 4", text.ToString());
    }
}
