// Vfs.Sim conformance: the suite every file system gets for free. Given an FsUnderTest (a way to make a fresh
// instance mounted on /m), each named check runs and returns null, or the first rule broken with what it takes to
// see it again: seeded FsCheck histories against the reference model (HistoryCheck.cs), shrunk on failure, and the
// fixed cases of FixedChecks.cs. A test project runs every check as a test case:
//
//     public static TheoryData<string> Checks => new(ConformanceSuite.Checks);
//     [Theory, MemberData(nameof(Checks))]
//     public void Conforms(string check) => Assert.Null(ConformanceSuite.Run(MyFs, check));
using FsCheck;
using FsCheck.Fluent;

namespace UnixVfs.Sim.Conformance;

/// <summary>How much of each randomized check to run, and from which seed.</summary>
/// <param name="Histories">How many namespace histories.</param>
/// <param name="MaxCalls">The longest namespace history.</param>
/// <param name="Processes">How many processes share a history.</param>
/// <param name="DataHistories">How many data histories (big reads and writes of one file).</param>
/// <param name="DataCalls">The longest data history.</param>
/// <param name="Seed">FsCheck's replay seed: the same seed, the same histories.</param>
public sealed record ConformanceOptions(int Histories = 60, int MaxCalls = 60, int Processes = 2, int DataHistories = 12,
    int DataCalls = 30, ulong Seed = 20261202)
{
    public static readonly ConformanceOptions Default = new();
}

/// <summary>The conformance suite.</summary>
public static class ConformanceSuite
{
    /// <summary>Every check's name, in a stable order.</summary>
    public static readonly IReadOnlyList<string> Checks =
        ["histories", "data-histories", "readdir-lookup", "stat", "read-offsets", "holes", "rename", "link-counts", "open-unlinked", "long-names"];

    /// <summary>
    /// Runs check <paramref name="check"/> on <paramref name="fs"/>: null when the file system conforms, or the
    /// check excluded for it; else what went wrong (for a history: the shrunk script, call by call).
    /// </summary>
    public static string? Run(FsUnderTest fs, string check, ConformanceOptions? options = null)
    {
        var o = options ?? ConformanceOptions.Default;
        if (fs.Excluded.ContainsKey(check))
            return null;
        try
        {
            switch (check)
            {
                case "histories":
                    return Property(fs, o, o.Histories, HistoryCheck.Histories(fs, o.MaxCalls, o.Processes), s => HistoryCheck.Run(fs, s));
                case "data-histories":
                    return Property(fs, o, o.DataHistories, HistoryCheck.DataHistories(o.DataCalls), s => HistoryCheck.Run(fs, s, compareEveryCall: false));
                default:
                    return Fixed(fs, check);
            }
        }
        catch (ConformanceException e)
        {
            return $"{fs.Name}, {check}: {e.Message}";
        }
    }

    private static string? Property(FsUnderTest fs, ConformanceOptions o, int count, Arbitrary<History.Script> histories, Func<History.Script, string?> run)
    {
        var config = Config.QuickThrowOnFailure.WithMaxTest(count).WithQuietOnSuccess(true)
            .WithReplay(new Replay(new Rnd(o.Seed, 0x9E3779B97F4A7C15UL), Microsoft.FSharp.Core.FSharpOption<int>.None));
        try
        {
            Check.One(config, Prop.ForAll(histories, s =>
            {
                if (run(s) is { } problem)
                    throw new ConformanceException(problem);
            }));
            return null;
        }
        catch (Exception e) when (e is not ConformanceException)
        {
            return $"{fs.Name} (replay seed {o.Seed}): {e.Message}";
        }
    }

    private static string? Fixed(FsUnderTest fs, string check)
    {
        using var inst = fs.Create();
        var p = inst.Kernel.CreateProcess();
        try
        {
            switch (check)
            {
                case "readdir-lookup": FixedChecks.ReaddirLookup(p); break;
                case "stat": FixedChecks.StatAgreement(p, fs.HiddenTopDirectories); break;
                case "read-offsets": FixedChecks.ReadAtEveryOffset(p); break;
                case "holes": FixedChecks.Holes(p); break;
                case "rename": FixedChecks.RenameRules(p); break;
                case "link-counts": FixedChecks.LinkCounts(p); break;
                case "open-unlinked": FixedChecks.OpenUnlinked(p); break;
                case "long-names": FixedChecks.LongNames(p); break;
                default: throw new ArgumentException("no conformance check " + check, nameof(check));
            }
        }
        finally
        {
            p.Exit();
        }
        var admin = inst.Kernel.CreateProcess();
        try
        {
            return HistoryCheck.UnmountAndCheck(admin, inst) is { } left ? $"{fs.Name}, {check}: at the end: {left}" : null;
        }
        finally
        {
            admin.Exit();
        }
    }
}
