// Vfs.Cli / demo: what a figure is and what it reports -- the hosts, the mounts, and each step with its result.
//
// A figure builds its configuration in a DemoWorld and then runs steps through the system calls of its hosts.
// Each step is checked as it runs; the first that fails ends the figure. Every figure ends the same way: every
// mirror's copies compared byte for byte (mfsadm verify), everything unmounted, every UFS image fsck'd.
using UnixVfs.Core;
using UnixVfs.Mirror;

namespace UnixVfs.Cli.Demo;

/// <summary>One step of a figure and how it went.</summary>
public sealed record FigureStep(string What, bool Ok, string Detail);

/// <summary>A step failed: the figure stops there.</summary>
public sealed class FigureFailed(string message) : Exception(message);

/// <summary>The record of one figure's run.</summary>
public sealed class FigureRun
{
    private readonly Action<string>? _progress;

    public FigureRun(int number, string title, Action<string>? progress)
    {
        Number = number;
        Title = title;
        _progress = progress;
    }

    public int Number { get; }
    public string Title { get; }
    public List<FigureStep> Steps { get; } = new();
    public List<string> Hosts { get; } = new();
    public List<string> Mounts { get; } = new();
    public TimeSpan Elapsed { get; set; }
    public bool Passed => Steps.Count > 0 && Steps.All(s => s.Ok);

    /// <summary>Records a step; a failed one ends the figure.</summary>
    public void Step(string what, bool ok, string detail = "")
    {
        Steps.Add(new FigureStep(what, ok, detail));
        _progress?.Invoke($"Fig. {Number}: {what}");
        if (!ok)
            throw new FigureFailed($"{what}: {detail}");
    }

    /// <summary>A step that is a system call: OK or not.</summary>
    public void Check(Errno e, string what, string detail = "") => Step(what, e == Errno.OK, e == Errno.OK ? detail : $"{e} ({e.Message()})");

    /// <summary>A step that reads a file and expects <paramref name="expected"/>.</summary>
    public void Expect(DemoHost h, string path, string expected, string what)
    {
        var got = h.Read(path, out var err);
        Step(what, got == expected, got == expected ? $"{h.Name}:{path}" : err != Errno.OK ? $"{h.Name}:{path}: {err}" : $"{h.Name}:{path} holds \"{got}\"");
    }

    /// <summary>mfsadm verify on the mirror holding <paramref name="path"/> of <paramref name="h"/>.</summary>
    public void Verify(DemoHost h, string path)
    {
        var err = MfsAdm.Verify(h.P, path, out var report);
        Step($"mfsadm verify {path} on {h.Name}", err == Errno.OK && report!.Identical,
            err != Errno.OK ? err.ToString() : report!.Identical ? $"{report.Compared} names, copies byte-identical"
                : string.Join("; ", report.Differences.Take(3).Select(d => $"{d.Path}: {d.What}")));
    }

    /// <summary>The state of a mirror's copy, as mfsadm status reports it.</summary>
    public static CopyState? CopyStateOf(DemoHost h, string path, string copy)
    {
        if (MfsAdm.Status(h.P, path, out var st) != Errno.OK)
            return null;
        return st!.Copies.FirstOrDefault(c => c.Name.Equals(copy, StringComparison.OrdinalIgnoreCase))?.State;
    }

    /// <summary>Brings a copy back with mfsadm online and records the resync.</summary>
    public void Online(DemoHost h, string path, string copy)
    {
        var err = MfsAdm.Online(h.P, path, copy, out var why, out var report);
        Step($"mfsadm online {path} {copy} on {h.Name}", err == Errno.OK,
            err != Errno.OK ? why : report is null ? "back in use" : $"resync: {report.Stats.BytesCopied} bytes copied for {report.BytesChanged} changed, amplification {report.Amplification:F2}");
    }
}

/// <summary>One of the patent's configurations (Figs. 5-10).</summary>
public abstract class Figure
{
    public abstract int Number { get; }
    public abstract string Title { get; }

    /// <summary>Builds the configuration and runs its steps (each recorded in <paramref name="run"/>).</summary>
    protected abstract void Run(DemoWorld w, FigureRun run);

    /// <summary>The six figures, in order.</summary>
    public static IReadOnlyList<Figure> All { get; } = [new Figure5(), new Figure6(), new Figure7(), new Figure8(), new Figure9(), new Figure10()];

    /// <summary>Runs the figure in a fresh world and returns its record; never throws.</summary>
    public FigureRun Execute(DemoNetwork network, string? imageDir, Action<string>? progress = null)
    {
        var run = new FigureRun(Number, Title, progress);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        using var w = new DemoWorld(network, imageDir);
        try
        {
            Run(w, run);
        }
        catch (FigureFailed)
        {
        }
        catch (Exception e)
        {
            run.Steps.Add(new FigureStep("unexpected failure", false, e.GetType().Name + ": " + e.Message));
        }
        foreach (var h in w.Hosts)
        {
            run.Hosts.Add(h.Name);
            foreach (var v in h.Kernel.Mounts.Skip(1))
                run.Mounts.Add($"{h.Name}: {v.MntPt} <- {v.FstypeName} {v.Resource}{(v.Options.Length > 0 ? " -o " + v.Options : "")}");
        }
        foreach (var (image, clean, detail) in w.UnmountAndFsck())
            run.Steps.Add(new FigureStep($"fsck {image}", clean, detail));
        run.Elapsed = sw.Elapsed;
        return run;
    }
}
