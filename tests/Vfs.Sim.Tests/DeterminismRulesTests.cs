// Tests of Vfs.Sim: the determinism rule of DESIGN.md, enforced -- no library code in src/ reaches for ambient
// time, randomness (HashCode is seeded afresh in every process) or sleeping, outside a short allow-list of host-facing code, each entry with its reason.
using System.Text.RegularExpressions;

namespace UnixVfs.Sim.Tests;

public class DeterminismRulesTests
{
    private static readonly Regex Banned = new(
        @"Random\.Shared|new\s+Random\s*\(\s*\)|DateTime(Offset)?\.(UtcNow|Now|Today)|\bStopwatch\b|Environment\.TickCount|Thread\.Sleep|Task\.Delay|\bHashCode\.(Combine|Add)\b|RandomNumberGenerator|Guid\.NewGuid",
        RegexOptions.Compiled);

    /// <summary>Files allowed to use the banned calls, and why. Anything else in src/ fails the test.</summary>
    private static readonly Dictionary<string, string> Allowed = new()
    {
        ["src/Vfs.Core/Observability/VopTrace.cs"] = "the wall-clock duration shown by `trace on`; a simulated world's tracer is untimed (VopTracer.Timed) and reads no clock",
        ["src/Vfs.Core/Observability/VopMetrics.cs"] = "System.Diagnostics.Metrics durations, recorded only while a listener asks",
        ["src/Vfs.Nfs/Server/FileHandle.cs"] = "NewKey, the fresh handle key of a server given none (`vfs serve` keeps it in a key file); a simulated world derives its servers' keys from its seed",
        ["src/Vfs.Cli/"] = "the command-line tool runs on the host's clock (progress, soak length); it is not library code",
    };

    [Fact]
    public void No_library_code_reaches_for_ambient_time_randomness_or_sleep()
    {
        string root = RepoRoot();
        var offenders = new List<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories))
        {
            string rel = Path.GetRelativePath(root, file).Replace('\\', '/');
            if (rel.Contains("/obj/") || rel.Contains("/bin/") || Allowed.Keys.Any(a => rel.StartsWith(a, StringComparison.Ordinal)))
                continue;
            var lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
            {
                string code = lines[i].Split("//")[0];
                if (Banned.IsMatch(code))
                    offenders.Add($"{rel}:{i + 1}: {lines[i].Trim()}");
            }
        }
        Assert.True(offenders.Count == 0,
            "take a TimeProvider and a seeded Random from the Kernel, vfs or network instead of:\n" + string.Join('\n', offenders));
    }

    [Fact]
    public void The_rule_catches_each_banned_call()
    {
        foreach (var line in new[] { "int x = Random.Shared.Next();", "var t = DateTime.UtcNow;", "long t = Stopwatch.GetTimestamp();",
                     "Thread.Sleep(5);", "int t = Environment.TickCount;", "var r = new Random();", "await Task.Delay(1);",
                     "int seed = HashCode.Combine(a, b);",
                     "var key = RandomNumberGenerator.GetBytes(32);", "var id = Guid.NewGuid();" })
            Assert.Matches(Banned, line);
        Assert.DoesNotMatch(Banned, "var r = new Random(seed);");
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Vfs.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Vfs.sln not found above " + AppContext.BaseDirectory);
    }
}
