// Tests of Vfs.Cli: every shell script in docs/examples -- the walkthroughs of Figs. 5-10 -- runs without a
// failing command and shows what its walkthrough says it shows, so the docs cannot rot.
using UnixVfs.Cli.Shell;

namespace UnixVfs.Cli.Tests;

public class ExampleScriptTests
{
    private static string Repo()
    {
        var dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "Vfs.sln")))
            dir = Path.GetDirectoryName(dir);
        return dir ?? throw new InvalidOperationException("Vfs.sln not found above the test assembly");
    }

    private static string Examples() => Path.Combine(Repo(), "docs", "examples");

    /// <summary>Set to 1 to write the walkthroughs' pictures (docs/walkthroughs/img) from what the code draws.</summary>
    private const string WritePictures = "VFS_WRITE_PICTURES";

    public static IEnumerable<object[]> Scripts() =>
        Directory.GetFiles(Examples(), "*.vfs").OrderBy(f => f).Select(f => new object[] { Path.GetFileName(f) });

    private static string Run(string script, out int failures) => Run(script, out failures, out _);

    /// <summary>Runs a script; <paramref name="pictures"/> are the SVGs its `graph --svg` lines drew, by file name.</summary>
    private static string Run(string script, out int failures, out Dictionary<string, string> pictures)
    {
        var images = Directory.CreateTempSubdirectory("vfs-example-");
        try
        {
            var output = new StringWriter();
            var shell = new UnixVfs.Cli.Shell.Shell(new ShellWorld(output, images.FullName));
            using var reader = new StreamReader(Path.Combine(Examples(), script));
            shell.Run(reader, interactive: false);
            failures = shell.Failures;
            pictures = images.GetFiles("*.svg").ToDictionary(f => f.Name, f => File.ReadAllText(f.FullName));
            return output.ToString();
        }
        finally
        {
            images.Delete(recursive: true);
        }
    }

    [Theory]
    [MemberData(nameof(Scripts))]
    public void The_example_runs_without_a_failing_command_and_draws_its_walkthroughs_picture(string script)
    {
        var output = Run(script, out int failures, out var pictures);
        Assert.True(failures == 0, output);
        if (output.Contains("mfsadm verify"))
            Assert.Contains("copies identical", output);
        Assert.DoesNotContain("dot is not installed", output); // ./test.sh installs graphviz
        foreach (var (name, svg) in pictures)
        {
            string committed = Path.Combine(Repo(), "docs", "walkthroughs", "img", name);
            if (Environment.GetEnvironmentVariable(WritePictures) == "1")
                File.WriteAllText(committed, svg);
            Assert.True(File.Exists(committed) && File.ReadAllText(committed) == svg,
                $"docs/walkthroughs/img/{name} is not what {script} draws now: run this test with {WritePictures}=1 and commit the picture");
        }
    }

    [Fact]
    public void Fig5_shows_the_merge_the_resync_and_a_write_traced_through_both_copies()
    {
        var output = Run("fig5.vfs", out _);
        Assert.Contains("mfs: merged 3 names", output);
        Assert.Contains("amplification 1.00", output);
        Assert.Contains("trace: mfs.write(", output);
        Assert.Contains("trace:   ufs.write(/A/traced", output);
        Assert.Contains("trace:   ufs.write(/B/traced", output);
        Assert.Contains("written while B was away", output);
    }

    [Fact]
    public void Fig6_shows_the_slave_update_not_mirrored_back()
    {
        var output = Run("fig6.vfs", out _);
        var afterNote = output[output.IndexOf("master# ls /A", StringComparison.Ordinal)..];
        Assert.DoesNotContain("note", afterNote[..afterNote.IndexOf("master# host stop", StringComparison.Ordinal)]);
        Assert.Contains("1 removed", output);
    }

    [Fact]
    public void Fig10_shows_the_client_carrying_on_against_the_passive_server()
    {
        var output = Run("fig10.vfs", out _);
        Assert.Contains("mode active-passive, role peer, active Y (every read and write), passive X", output);
        Assert.DoesNotContain("read x, active", output);
        Assert.Contains("line 1\nline 2", output.Replace("\r", ""));
    }
}
