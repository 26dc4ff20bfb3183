// Tests of the docs: the `vfs shell` sessions and traces the docs show are what the shell prints. Each
// ```vfs-session SCRIPT and ```vfs-trace SCRIPT block names a script of docs/examples, which is run as the
// walkthroughs say (`vfs shell --images DIR --script SCRIPT`), once per script; then
//   - a session's commands ("host# command") must come in the transcript in the same order (others may come
//     between), each followed by the output the doc shows: a line "..." stands for any lines, "..." inside a
//     line for any text (times, rates), trailing blanks aside;
//   - a trace's calls (each line up to its result, the note beside it dropped) must be the `trace:` lines of the
//     script's one traced command: the outermost calls in order, the calls under each one as a set, since a
//     mirror runs its copies' calls at once and they may come in either order.
using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace UnixVfs.Docs.Tests;

public sealed partial class SessionExampleTests
{
    private static readonly ConcurrentDictionary<string, Lazy<string>> Transcripts = new();

    /// <summary>What `vfs shell --script` prints for a script of the repository, run once in a scratch directory.</summary>
    private static string Transcript(string script) => Transcripts.GetOrAdd(script, s => new Lazy<string>(() =>
    {
        var images = Directory.CreateTempSubdirectory("vfs-session-");
        try
        {
            var r = Repo.Run("dotnet", $"\"{Repo.VfsDll}\" shell --images \"{images.FullName}\" --script \"{Path.Combine(Repo.Root, s)}\"", images.FullName);
            Assert.True(r.Exit == 0, $"{s} has a failing command:\n{r.Output}");
            return r.Output.Replace("\r", "");
        }
        finally
        {
            images.Delete(recursive: true);
        }
    })).Value;

    public static TheoryData<string> Documents() => DocBlocks.DocumentsWith(b => b.Kind is BlockKinds.Session or BlockKinds.Trace);

    [GeneratedRegex(@"^\S+# ")]
    private static partial Regex Prompt();

    /// <summary>Lines split into commands, each with the output lines after it (blank ones at its end dropped); lines before the first prompt are dropped.</summary>
    private static List<(string Command, List<string> Output)> Commands(IEnumerable<string> lines)
    {
        var commands = new List<(string, List<string>)>();
        foreach (var raw in lines)
        {
            string line = raw.TrimEnd();
            if (Prompt().IsMatch(line))
                commands.Add((line, []));
            else if (commands.Count > 0)
                commands[^1].Item2.Add(line);
        }
        foreach (var (_, output) in commands)
            while (output.Count > 0 && output[^1].Length == 0)
                output.RemoveAt(output.Count - 1);
        return commands;
    }

    /// <summary>Whether <paramref name="actual"/> is what <paramref name="shown"/> shows, "..." standing for what varies.</summary>
    private static bool Shows(List<string> shown, int i, List<string> actual, int j)
    {
        if (i == shown.Count)
            return j == actual.Count;
        if (shown[i].Trim() == "...")
            return Enumerable.Range(j, actual.Count - j + 1).Any(k => Shows(shown, i + 1, actual, k));
        if (j == actual.Count)
            return false;
        string pattern = "^" + string.Join(".*", shown[i].Split("...").Select(Regex.Escape)) + "$";
        return Regex.IsMatch(actual[j], pattern) && Shows(shown, i + 1, actual, j + 1);
    }

    private static void CheckSession(string where, string script, string block)
    {
        var shown = Commands(block.Split('\n'));
        Assert.True(shown.Count > 0, $"{where}: a session with no \"host# command\" line");
        var ran = Commands(Transcript(script).Split('\n'));
        int next = 0;
        foreach (var (command, output) in shown)
        {
            int at = ran.FindIndex(next, c => c.Command == command);
            Assert.True(at >= 0, $"{where}: `{command}` is not run by {script} (after what the session showed before it):\n{Transcript(script)}");
            var actual = ran[at].Output;
            Assert.True(Shows(output, 0, actual, 0),
                $"{where}: {script} printed, for `{command}`:\n{string.Join("\n", actual)}\n\nbut the doc shows:\n{string.Join("\n", output)}");
            next = at + 1;
        }
    }

    [GeneratedRegex(@"^(\s*)(\S.*? = [A-Z0-9_]+)(\s{2,}.*)?$")]
    private static partial Regex ShownCall();

    [GeneratedRegex(@"^  trace: (\s*)(.*?) \[\d+ us\]$")]
    private static partial Regex TracedCall();

    /// <summary>Calls as trees by their indentation: each written as the call, then its callees as a sorted set.</summary>
    private static List<string> CallTrees(List<(int Depth, string Call)> calls, ref int i, int depth)
    {
        var trees = new List<string>();
        while (i < calls.Count && calls[i].Depth == depth)
        {
            string call = calls[i++].Call;
            var under = CallTrees(calls, ref i, depth + 2);
            trees.Add(under.Count == 0 ? call : $"{call} {{ {string.Join("; ", under.Order(StringComparer.Ordinal))} }}");
        }
        return trees;
    }

    private static List<string> CallTrees(List<(int Depth, string Call)> calls, string where)
    {
        int i = 0;
        var trees = CallTrees(calls, ref i, 0);
        Assert.True(i == calls.Count, $"{where}: the call at \"{(i < calls.Count ? calls[i].Call : "")}\" is indented by neither 0 nor 2 more than the one above it");
        return trees;
    }

    private static void CheckTrace(string where, string script, string block)
    {
        var shown = new List<(int, string)>();
        foreach (var line in block.Split('\n').Where(l => l.Trim().Length > 0))
        {
            var m = ShownCall().Match(line);
            Assert.True(m.Success, $"{where}: \"{line}\" is not a traced call (\"layer.op(args) = RESULT  note\")");
            shown.Add((m.Groups[1].Length, m.Groups[2].Value));
        }
        var traced = Commands(Transcript(script).Split('\n')).Where(c => c.Output.Any(l => TracedCall().IsMatch(l))).ToList();
        Assert.True(traced.Count == 1, $"{where}: {script} should trace exactly one command, not {traced.Count}");
        var calls = traced[0].Output.Select(l => TracedCall().Match(l)).Where(m => m.Success).Select(m => (m.Groups[1].Length, m.Groups[2].Value)).ToList();
        Assert.Equal(CallTrees(calls, script), CallTrees(shown, where));
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void Each_session_and_trace_shown_is_what_the_shell_prints(string document)
    {
        foreach (var b in DocBlocks.Read(Path.Combine(Repo.Root, document)))
            if (b.Kind == BlockKinds.Session)
                CheckSession(b.Where(document), b.Args, b.Text);
            else if (b.Kind == BlockKinds.Trace)
                CheckTrace(b.Where(document), b.Args, b.Text);
    }

    [Fact]
    public void A_session_matches_with_wildcards_and_fails_on_a_changed_line()
    {
        List<string> actual = ["resync Y: 0.0 of 0.0 MiB (0%)", "resync: copy Y: 25 bytes, 66 ms", "done"];
        Assert.True(Shows(["...", "resync: copy Y: 25 bytes, ... ms", "done"], 0, actual, 0));
        Assert.False(Shows(["...", "resync: copy Y: 26 bytes, ... ms", "done"], 0, actual, 0));
        Assert.False(Shows(["resync: copy Y: 25 bytes, ... ms", "done"], 0, actual, 0));
    }
}
