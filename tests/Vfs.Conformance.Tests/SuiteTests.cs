// Tests of conformance: the suite itself -- its histories reach the cases worth testing, and it has teeth: a file
// system that differs from the model in one name, or breaks one fixed rule, fails with a report that says where.
using UnixVfs.Sim.Conformance;
using UnixVfs.Sim.History;
using UnixVfs.Sim.Model;

namespace UnixVfs.Conformance.Tests;

public class SuiteTests
{
    [Fact]
    public void The_generated_histories_reach_the_interesting_cases()
    {
        // A property over histories that mostly fail early would prove little: run histories as the suite draws them
        // on tmpfs and require that every call succeeds often and the errnos worth testing all occur.
        var seen = new Dictionary<(string Op, Errno Err), int>();
        for (int seed = 1; seed <= 100; seed++)
        {
            using var inst = Targets.Tmpfs.Create();
            var p = inst.Kernel.CreateProcess();
            p.Umask = 0;
            var model = new FsModel();
            foreach (var call in OpGen.Generate(seed, 40, 1).Calls)
            {
                var o = CallRunner.Step(p, model, call.Op);
                Assert.True(o.Problem is null, o.Problem);
                var key = (call.Op.GetType().Name, o.Got);
                seen[key] = seen.GetValueOrDefault(key) + 1;
            }
            p.Exit();
        }
        var report = string.Join(", ", seen.OrderBy(kv => kv.Key.Op).Select(kv => $"{kv.Key.Op}:{kv.Key.Err}={kv.Value}"));
        foreach (var op in new[] { nameof(OpenOp), nameof(CloseOp), nameof(WriteOp), nameof(PwriteOp), nameof(ReadOp), nameof(PreadOp),
                     nameof(LseekOp), nameof(FtruncateOp), nameof(FstatOp), nameof(TruncateOp), nameof(MkdirOp), nameof(RmdirOp),
                     nameof(UnlinkOp), nameof(RenameOp), nameof(LinkOp), nameof(SymlinkOp), nameof(ReadlinkOp), nameof(StatOp) })
            Assert.True(seen.GetValueOrDefault((op, Errno.OK)) >= 5, $"{op} rarely succeeds: {report}");
        foreach (var err in new[] { Errno.ENOENT, Errno.EEXIST, Errno.ENOTDIR, Errno.EISDIR, Errno.ENOTEMPTY, Errno.EINVAL,
                     Errno.ELOOP, Errno.EBADF, Errno.EPERM })
            Assert.True(seen.Where(kv => kv.Key.Err == err).Sum(kv => kv.Value) >= 3, $"{err} rarely occurs: {report}");
        Assert.True(seen.GetValueOrDefault((nameof(RenameOp), Errno.EINVAL)) > 0, "no rename into a subtree: " + report);
    }

    /// <summary>tmpfs with a name the model does not have, made behind the histories' back.</summary>
    private static readonly FsUnderTest Stray = new("stray", () =>
    {
        var inst = Targets.Tmpfs.Create();
        var p = inst.Kernel.CreateProcess();
        FsUnderTest.Need(p.Mkdir("/m/stray", 0x1ED), "mkdir stray");
        p.Exit();
        return inst;
    });

    [Fact]
    public void A_history_on_a_file_system_that_differs_from_the_model_fails_and_says_where()
    {
        var problem = HistoryCheck.Run(Stray, new Script([new MkdirOp("/m/a"), new MkdirOp("/m/a")]));
        Assert.NotNull(problem);
        Assert.Contains("/m: / holds [a stray], the model [a]", problem);
        Assert.Contains("mkdir(\"/m/a\") = OK", problem);
        Assert.Null(HistoryCheck.Run(Targets.Tmpfs, new Script([new MkdirOp("/m/a"), new MkdirOp("/m/a")])));
    }

    [Fact]
    public void The_property_shrinks_a_failure_to_a_short_history_and_names_its_seed()
    {
        var problem = ConformanceSuite.Run(Stray, "histories", new ConformanceOptions(Histories: 5));
        Assert.NotNull(problem);
        Assert.Contains("replay seed 20261202", problem);
        Assert.Contains("Shrunk:\n1 calls:", problem.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void A_fixed_check_names_the_rule_broken()
    {
        // The stray directory is one more subdirectory than the names the check made: the listing check sees it.
        var problem = ConformanceSuite.Run(Stray, "readdir-lookup");
        Assert.NotNull(problem);
        Assert.Contains("stray", problem);
    }

    [Fact]
    public void An_excluded_check_is_not_run()
    {
        var excluded = Stray with { Excluded = new Dictionary<string, string> { ["readdir-lookup"] = "a test of exclusion" } };
        Assert.Null(ConformanceSuite.Run(excluded, "readdir-lookup"));
    }
}
