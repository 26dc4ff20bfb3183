// Tests of Vfs.Cli: the shell's pictures (issue 17, item 2) -- `graph` draws the mount table with each covered
// vnode, its v_vfsmountedhere and a mirror's mnodes and their lower vnodes, the same way on every run;
// `trace --perfetto` writes Chrome trace-event JSON with a track per layer and copy and nested spans.
using System.Text.Json;
using UnixVfs.Cli.Shell;

namespace UnixVfs.Cli.Tests;

[Collection(ShellTests.MetricsCollection)]
public class ShellPictureTests
{
    private static readonly string[] Mirror = ["mkdir -p /a /b", "mount -F tmpfs swap /a", "mount -F tmpfs swap /b", "echo x > /a/f", "mount -F mfs /a /b"];

    private static (string Output, int Failures) Run(DirectoryInfo images, string dotProgram, params string[] lines)
    {
        var output = new StringWriter();
        var shell = new UnixVfs.Cli.Shell.Shell(new ShellWorld(output, images.FullName) { DotProgram = dotProgram });
        shell.Run(new StringReader(string.Join('\n', lines)), interactive: false);
        return (output.ToString().Replace("\r", ""), shell.Failures);
    }

    private static void InTemp(Action<DirectoryInfo> test)
    {
        var dir = Directory.CreateTempSubdirectory("vfs-picture-");
        try
        {
            test(dir);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Graph_draws_the_covered_vnodes_and_the_mnodes_lower_vnodes_the_same_way_every_run() => InTemp(dir =>
    {
        var (first, failures) = Run(dir, "dot", [.. Mirror, "open /a/f", "graph"]);
        Assert.Equal(0, failures);
        var dot = first[first.IndexOf("digraph", StringComparison.Ordinal)..];
        Assert.Contains("label=\"mfs on /a and /b\"", dot);
        Assert.Contains("vn0 [label=\"/a\\ntmpfs-dir vnode\"];", dot);
        Assert.Contains("vn0 -> vfs1 [label=\"v_vfsmountedhere\"", dot);
        Assert.Contains("vfs1 -> vn0 [label=\"vfs_vnodecovered\"", dot);
        Assert.Contains("vfs3_m1 [shape=ellipse, label=\"mnode /f\\nmfs vnode\"];", dot);
        Assert.Matches(@"vfs3_m1 -> vn\d+ \[label=""X""", dot);
        Assert.Matches(@"vfs3_m1 -> vn\d+ \[label=""Y""", dot);
        Assert.Contains("vfs3_hashY -> vfs3_m1 [label=\"chain\"", dot);
        var (second, _) = Run(dir, "dot", [.. Mirror, "open /a/f", "graph"]);
        Assert.Equal(dot, second[second.IndexOf("digraph", StringComparison.Ordinal)..]);
    });

    [Fact]
    public void Graph_svg_renders_with_graphviz_and_without_it_writes_the_dot_and_says_so_in_one_line() => InTemp(dir =>
    {
        var (output, failures) = Run(dir, "dot", [.. Mirror, "graph --svg m.svg", "graph --dot m.dot", "graph --svg /no/such/dir/m.svg", "graph --png m.png"]);
        Assert.Equal(2, failures);
        Assert.StartsWith("<?xml", File.ReadAllText(Path.Combine(dir.FullName, "m.svg")));
        Assert.StartsWith("digraph \"mount table of localhost\"", File.ReadAllText(Path.Combine(dir.FullName, "m.dot")));
        Assert.Contains("graph: /no/such/dir/m.svg: dot failed:", output);
        Assert.Contains("graph: usage: graph [--svg FILE | --dot FILE]", output);

        var (without, none) = Run(dir, Path.Combine(dir.FullName, "no-graphviz-here"), [.. Mirror, "graph --svg n.svg"]);
        Assert.Equal(0, none);
        Assert.Contains($"graph: Graphviz's dot is not installed: wrote the DOT to {Path.Combine(dir.FullName, "n.dot")} instead", without);
        Assert.StartsWith("digraph", File.ReadAllText(Path.Combine(dir.FullName, "n.dot")));
        Assert.False(File.Exists(Path.Combine(dir.FullName, "n.svg")));
    });

    [Fact]
    public void Trace_perfetto_writes_a_track_per_layer_and_copy_with_copy_calls_nested_in_the_mirror_call() => InTemp(dir =>
    {
        string[] script = [.. Mirror, "trace on", "echo y > /a/g", "cat /b/g", "trace off", "trace --perfetto t.json"];
        var (output, failures) = Run(dir, "dot", script);
        Assert.Equal(0, failures);
        Assert.Contains("trace: ", output);
        string json = File.ReadAllText(Path.Combine(dir.FullName, "t.json"));
        using var doc = JsonDocument.Parse(json);
        var events = doc.RootElement.GetProperty("traceEvents").EnumerateArray().ToList();
        var tracks = events.Where(e => e.GetProperty("name").GetString() == "thread_name")
            .ToDictionary(e => e.GetProperty("tid").GetInt32(), e => e.GetProperty("args").GetProperty("name").GetString()!);
        Assert.Contains("shell", tracks.Values);
        Assert.Contains("mfs /a and /b", tracks.Values);
        Assert.Contains("tmpfs copy X /a", tracks.Values);
        Assert.Contains("tmpfs copy Y /b", tracks.Values);
        var spans = events.Where(e => e.GetProperty("ph").GetString() == "X").ToList();
        (long Start, long End) Range(JsonElement e) => (e.GetProperty("ts").GetInt64(), e.GetProperty("ts").GetInt64() + e.GetProperty("dur").GetInt64());
        var mirrorWrite = Range(spans.Single(e => e.GetProperty("name").GetString() == "mfs.write"));
        var copyWrites = spans.Where(e => e.GetProperty("name").GetString() == "tmpfs.write").ToList();
        Assert.Equal(2, copyWrites.Count);
        Assert.Equal(["tmpfs copy X /a", "tmpfs copy Y /b"], copyWrites.Select(e => tracks[e.GetProperty("tid").GetInt32()]).Order());
        Assert.All(copyWrites.Select(Range), r => Assert.True(r.Start > mirrorWrite.Start && r.End < mirrorWrite.End));
        Assert.Contains(spans, e => e.GetProperty("name").GetString() == "echo y > /a/g" && tracks[e.GetProperty("tid").GetInt32()] == "shell");

        Run(dir, "dot", [.. script[..^1], "trace --perfetto t2.json"]);
        Assert.Equal(json, File.ReadAllText(Path.Combine(dir.FullName, "t2.json")));
    });

    [Fact]
    public void Trace_perfetto_before_any_tracing_is_refused() => InTemp(dir =>
    {
        var (output, failures) = Run(dir, "dot", "trace --perfetto t.json");
        Assert.Equal(1, failures);
        Assert.Contains("trace: nothing traced yet", output);
        Assert.False(File.Exists(Path.Combine(dir.FullName, "t.json")));
    });
}
