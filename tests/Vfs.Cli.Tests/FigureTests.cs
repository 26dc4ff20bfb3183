// Tests of Vfs.Cli: each of the patent's configurations (Figs. 5-10) as a scenario on the simulated network, with
// its UFS images in memory -- every step checked, every copy compared, every image fsck'd.
using UnixVfs.Cli.Demo;
using Xunit.Abstractions;

namespace UnixVfs.Cli.Tests;

public class FigureTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(10)]
    public void Figure_runs_end_to_end_on_the_simulated_network(int number)
    {
        var figure = Figure.All.Single(f => f.Number == number);
        var run = figure.Execute(DemoNetwork.Simulated, imageDir: null);
        foreach (var s in run.Steps)
            output.WriteLine($"{(s.Ok ? "ok    " : "FAILED")} {s.What} {s.Detail}");
        Assert.True(run.Passed, string.Join("\n", run.Steps.Where(s => !s.Ok).Select(s => $"{s.What}: {s.Detail}")));
        Assert.Contains(run.Steps, s => s.What.StartsWith("mfsadm verify"));
        Assert.Contains(run.Steps, s => s.What.StartsWith("fsck"));
    }
}
