// Vfs.Cli: `vfs demo [--figure N] [--keep]` -- the patent's six configurations (Figs. 5-10) end to end, each on
// fresh UFS2 images in a temporary directory, with NFS over real TCP on 127.0.0.1. Each figure writes and reads
// through the system calls, takes a copy down and back, checks that every copy is byte-identical and that every
// image passes fsck, and prints a table of what it did. The exit status is non-zero if any check failed.
using System.CommandLine;
using Spectre.Console;
using UnixVfs.Cli.Demo;

namespace UnixVfs.Cli;

internal static class DemoCommand
{
    public static Command Build()
    {
        var figure = new Option<int?>("--figure") { Description = "Run one figure (5-10) instead of all six" };
        var keep = new Option<bool>("--keep") { Description = "Keep the UFS images (and print where they are)" };
        var cmd = new Command("demo", "Run the patent's configurations (Figs. 5-10) end to end on UFS images and loopback NFS") { figure, keep };
        cmd.SetAction(r => Run(r.GetValue(figure), r.GetValue(keep), AnsiConsole.Console));
        return cmd;
    }

    /// <summary>Runs the figures; returns the exit status (0 when every check passed, 1 otherwise, 2 for bad arguments).</summary>
    public static int Run(int? only, bool keep, IAnsiConsole console)
    {
        var figures = Figure.All.Where(f => only is null || f.Number == only).ToList();
        if (figures.Count == 0)
        {
            console.MarkupLine($"[red]vfs demo: there is no figure {only}; the figures are 5 to 10[/]");
            return 2;
        }
        string dir = Path.Combine(Path.GetTempPath(), "vfs-demo-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var runs = new List<FigureRun>();
        try
        {
            foreach (var f in figures)
            {
                FigureRun? run = null;
                if (console.Profile.Capabilities.Interactive)
                    console.Status().Start($"Fig. {f.Number}: {f.Title}", ctx =>
                        run = f.Execute(DemoNetwork.Tcp, dir, step => ctx.Status(Markup.Escape(step))));
                else
                    run = f.Execute(DemoNetwork.Tcp, dir);
                runs.Add(run!);
                Render(console, run!);
            }
        }
        finally
        {
            if (keep)
                console.MarkupLine($"images kept in [bold]{Markup.Escape(dir)}[/]");
            else
                Directory.Delete(dir, recursive: true);
        }
        var summary = new Table().Border(TableBorder.Rounded).AddColumn("figure").AddColumn("configuration").AddColumn("steps").AddColumn("time").AddColumn("result");
        foreach (var r in runs)
            summary.AddRow($"Fig. {r.Number}", Markup.Escape(r.Title), r.Steps.Count.ToString(), $"{r.Elapsed.TotalSeconds:F1} s",
                r.Passed ? "[green]passed[/]" : "[red]FAILED[/]");
        console.Write(summary);
        return runs.All(r => r.Passed) ? 0 : 1;
    }

    private static void Render(IAnsiConsole console, FigureRun r)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"[bold]Fig. {r.Number}[/]: {Markup.Escape(r.Title)}")
            .AddColumn("step").AddColumn("result");
        table.Caption(Markup.Escape($"hosts: {string.Join(", ", r.Hosts)}"));
        foreach (var s in r.Steps)
            table.AddRow(Markup.Escape(s.What), (s.Ok ? "[green]ok[/]" : "[red]FAILED[/]") + (s.Detail.Length > 0 ? " " + Markup.Escape(s.Detail) : ""));
        console.Write(table);
        foreach (var m in r.Mounts)
            console.WriteLine("  " + m);
        console.WriteLine();
    }
}
