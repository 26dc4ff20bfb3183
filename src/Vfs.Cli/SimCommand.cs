// Vfs.Cli: `vfs sim` -- the deterministic simulator (Vfs.Sim) from the command line.
//
//   vfs sim [--figure N | --world NAME|FILE] [--seed S] [--histories K] [--steps N]
//           [--faults disk,copy,net,host,clock,power,crash|all|none | --plan PLAN|FILE] [--soak MINUTES]
//           [--keep LIST [--trace FILE]] [--parallel P]
//
// Runs K histories of up to N calls (history i from seed S+i) on the world, with faults of the kinds given, checking
// every built-in invariant; --soak keeps going, batch after batch, for that many minutes of host time. With --keep
// (as a failure's replay command prints it; a range FIRST-LAST stands for every call in it) it replays one history exactly: the first N calls seed S generates,
// less the ones a shrink dropped, and --trace writes that replay's event trace (the lines whose hash it prints). Prints a progress bar, then the histories run, the faults injected by kind, the
// checks per invariant and the speed (calls per second of host time and of CPU). Exit status 0 when every invariant held; 1 on a failure, after printing the seed, the
// shrunk history, the fault plan, the replay command and an xunit regression test; 2 on bad arguments. --plan gives
// the fault plan itself instead of the kinds to draw one from: faults "AT ACTION TARGET ARG" separated by ';' (as a
// report prints them), or a file of them one a line (docs/verification.md, "Faults as data").
using System.CommandLine;
using UnixVfs.Sim;

namespace UnixVfs.Cli;

internal static class SimCommand
{
    public static Command Build()
    {
        var figure = new Option<int?>("--figure") { Description = "One of the patent's figures, 5 to 10" };
        var world = new Option<string?>("--world") { Description = "A built-in world (" + string.Join(", ", Figures.Names) + ") or a world file" };
        var seed = new Option<int>("--seed") { Description = "The first history's seed", DefaultValueFactory = _ => 1 };
        var histories = new Option<int>("--histories") { Description = "How many histories", DefaultValueFactory = _ => 100 };
        var steps = new Option<int>("--steps") { Description = "The most calls in a history", DefaultValueFactory = _ => 200 };
        var faults = new Option<string>("--faults") { Description = "Fault kinds: disk,copy,net,host,clock,power,crash; all (the first five) or none", DefaultValueFactory = _ => "copy,net,host,clock" };
        var soak = new Option<double?>("--soak") { Description = "Keep running histories for this many minutes" };
        var keep = new Option<string?>("--keep") { Description = "Replay one history: the calls to keep (from a failure's replay command; FIRST-LAST for a range)" };
        var parallel = new Option<int>("--parallel") { Description = "Histories run side by side", DefaultValueFactory = _ => Environment.ProcessorCount };
        var traceFile = new Option<string?>("--trace") { Description = "With --keep: write the replay's event trace, one event a line, to this file" };
        var planArg = new Option<string?>("--plan") { Description = "The fault plan itself, instead of --faults: \"AT ACTION TARGET ARG; ...\", or a file of them" };
        var cmd = new Command("sim", "Run random histories of system calls, with faults, on a simulated world and check every invariant")
        {
            figure, world, seed, histories, steps, faults, soak, keep, parallel, traceFile, planArg,
        };
        cmd.SetAction(r => r.GetResult(faults) is { Implicit: false } && r.GetValue(planArg) is not null
            ? Usage("give --faults or --plan, not both")
            : Run(r.GetValue(figure), r.GetValue(world), r.GetValue(seed), r.GetValue(histories), r.GetValue(steps),
                r.GetValue(faults)!, r.GetValue(soak), r.GetValue(keep), r.GetValue(parallel), r.GetValue(traceFile), r.GetValue(planArg)));
        return cmd;
    }

    private static int Run(int? figure, string? worldArg, int seed, int histories, int steps, string faultText, double? soak,
        string? keepText, int parallel, string? traceFile, string? planText)
    {
        if (figure is not null && worldArg is not null)
            return Usage("give --figure or --world, not both");
        if (figure is not null and not (>= 5 and <= 10))
            return Usage("--figure: 5 to 10");
        string worldName = figure is not null ? "fig" + figure : worldArg ?? "fig5";
        if (Figures.Text(worldName) is null && !File.Exists(worldName))
            return Usage($"no world '{worldName}': a figure, one of {string.Join(", ", Figures.Names)}, or a world file");
        if (histories < 1 || steps < 1 || steps > 100_000 || parallel < 1)
            return Usage("--histories, --steps and --parallel must be positive (--steps at most 100000)");
        if (!SimCase.TryParseFaults(faultText, out var kinds))
            return Usage($"--faults {faultText}: expected disk, copy, net, host, clock, power, crash, all or none, comma-separated");
        if (soak is <= 0)
            return Usage("--soak: a positive number of minutes");
        if (traceFile is not null && keepText is null)
            return Usage("--trace: only with --keep (one history's replay)");
        FaultPlan? plan = null;
        if (planText is not null)
        {
            string text = File.Exists(planText) ? File.ReadAllText(planText) : planText;
            if (FaultPlan.Parse(text, out plan, out var why) != UnixVfs.Core.Errno.OK)
                return Usage($"--plan: {why}");
        }
        // Keeping the lock-order checker's stack of every acquisition (Debug builds) is most of a checked lock's cost:
        // a replay of one history keeps them for its report, many histories do not (their failures replay).
        UnixVfs.Core.Witness.KeepStacks = keepText is not null;
        try
        {
            if (keepText is not null)
                return Replay(new SimCase(worldName, seed, steps, kinds, Plan: plan), keepText, traceFile);
            return Explore(worldName, seed, histories, steps, kinds, plan, soak, parallel);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"vfs sim: {e.Message}");
            return 2;
        }
    }

    private static int Replay(SimCase c, string keepText, string? traceFile)
    {
        if (!SimCase.TryParseKeep(keepText, c.Steps, out var keep))
            return Usage($"--keep: call numbers from 0 to {c.Steps - 1}, or ranges of them (FIRST-LAST), comma-separated");
        using var trace = traceFile is null ? null : new StreamWriter(traceFile);
        var o = Simulator.Run(c with { Keep = keep }, trace: trace);
        if (o.Failure is not null)
        {
            Console.WriteLine(Simulator.Report(o));
            return 1;
        }
        Console.WriteLine($"held: {o.Calls} calls, {o.Events} trace events, trace {o.TraceHash}");
        return 0;
    }

    private static int Explore(string world, int seed, int histories, int steps, FaultKinds kinds, FaultPlan? plan, double? soak, int parallel)
    {
        var total = new SimSummary();
        // --soak is the user's wall-clock budget: it decides how many batches run, never what happens inside one
        // (each history runs on its world's virtual clock and replays from its seed).
        var wall = TimeProvider.System;
        long started = wall.GetTimestamp();
        int batch = 0;
        SimSummary sum;
        do
        {
            int first = seed + batch * histories;
            sum = Exploration.Run([world], first, histories, steps, kinds, progress: (done, _) => Bar(done, histories), parallel: parallel, plan: plan);
            Console.Error.WriteLine();
            total.Absorb(sum);
            batch++;
        }
        while (sum.Failure is null && soak is not null && wall.GetElapsedTime(started).TotalMinutes < soak);
        Console.WriteLine(total.ToString());
        Console.WriteLine(Speed(total.Calls, wall.GetElapsedTime(started), System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime));
        if (sum.Failure is not null)
        {
            Console.WriteLine();
            Console.WriteLine(Simulator.Report(sum.Failure));
            return 1;
        }
        return 0;
    }

    /// <summary>The calls per second of host time and per second of CPU (the load of the machine shows between the two).</summary>
    private static string Speed(long calls, TimeSpan wall, TimeSpan cpu) =>
        $"speed: {calls} calls in {wall.TotalSeconds:F1} s ({calls / Math.Max(wall.TotalSeconds, 1e-3):F0} calls/s), " +
        $"{cpu.TotalSeconds:F1} s of CPU ({calls / Math.Max(cpu.TotalSeconds, 1e-3):F0} calls per CPU-second)";

    private static void Bar(int done, int of)
    {
        const int width = 40;
        int filled = (int)((long)done * width / of);
        Console.Error.Write($"\r[{new string('#', filled)}{new string('.', width - filled)}] {done}/{of} histories");
    }

    private static int Usage(string message)
    {
        Console.Error.WriteLine($"vfs sim: {message}");
        return 2;
    }
}
