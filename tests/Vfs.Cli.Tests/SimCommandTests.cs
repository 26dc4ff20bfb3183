// Tests of `vfs sim` as a user runs it (the built command, as a process): a fault plan written by hand runs and
// replays, and a plan that is not one, or one that names what the world lacks, is a one-line error with exit 2.
namespace UnixVfs.Cli.Tests;

public class SimCommandTests
{
    private static (int Code, string Out, string Err) Vfs(params string[] args) => VfsCommand.Run(args);

    [Fact]
    public void A_plan_written_by_hand_is_run_on_every_history_and_counted_by_kind()
    {
        var plan = Path.Combine(Path.GetTempPath(), $"vfs-plan-{Environment.ProcessId}.txt");
        File.WriteAllText(plan, "3 offline y 0\n20 online y 0\n");
        try
        {
            var (code, output, err) = Vfs("sim", "--world", "mirror-tmpfs", "--seed", "5", "--histories", "4", "--steps", "40", "--plan", plan);
            Assert.True(code == 0, output + err);
            Assert.Contains("4 histories", output);
            Assert.Matches(@"copy [1-9]", output);   // each history longer than 3 calls took its copy offline
        }
        finally
        {
            File.Delete(plan);
        }
    }

    [Theory]
    [InlineData("3 offline", "--plan: bad fault '3 offline': expected AT ACTION TARGET ARG")]
    [InlineData("3 offline q 0", "fault '3 offline q 0': no copy of the world's mirror of that name")]
    [InlineData("3 explode y 0", "fault '3 explode y 0': unknown action")]
    public void A_plan_that_is_not_one_for_the_world_is_a_one_line_error(string plan, string message)
    {
        var (code, output, err) = Vfs("sim", "--world", "mirror-tmpfs", "--steps", "10", "--keep", "0,1,2,3", "--plan", plan);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.Contains(message, err);
    }

    [Theory]
    [InlineData("errors=return")]
    [InlineData("ro")]
    public void A_world_whose_mirror_the_model_cannot_judge_is_a_one_line_error(string option)
    {
        var world = Path.Combine(Path.GetTempPath(), $"vfs-world-{Environment.ProcessId}-{option}.world");
        File.WriteAllText(world, $"host h\ndisk h /m tmpfs\ndisk h /b tmpfs\nmirror h /b /m hide,{option}\nprocs h 2\n");
        var (code, output, err) = Vfs("sim", "--world", world, "--histories", "2", "--steps", "10");
        File.Delete(world);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.Contains($"{option}: a mirror whose calls the model cannot judge", err);
    }

    [Fact]
    public void A_read_only_NFS_import_is_not_taken_for_a_read_only_mirror()
    {
        // Only a mirror's options are refused: an import may be read-only (stop 44 refused it with the mirror's line).
        var world = Path.Combine(Path.GetTempPath(), $"vfs-world-{Environment.ProcessId}-roimport.world");
        File.WriteAllText(world, "host s\nhost h\ndisk s /export tmpfs\nexport s /export\nimport h s:/export /ro ro,soft\n"
            + "disk h /m tmpfs\ndisk h /b tmpfs\nmirror h /b /m\nprocs h 2\n");
        var (code, output, err) = Vfs("sim", "--world", world, "--histories", "2", "--steps", "10");
        File.Delete(world);
        Assert.True(code == 0, err);
        Assert.Contains("2 histories", output);
    }

    [Fact]
    public void Faults_and_a_plan_together_are_refused()
    {
        var (code, _, err) = Vfs("sim", "--world", "mirror-tmpfs", "--faults", "copy", "--plan", "3 offline y 0");
        Assert.Equal(2, code);
        Assert.Contains("give --faults or --plan, not both", err);
    }

    [Fact]
    public void A_range_in_keep_replays_as_its_calls_written_one_by_one()
    {
        string[] Replay(string keep) => ["sim", "--world", "mirror-tmpfs", "--seed", "7", "--steps", "30", "--keep", keep];
        var (code, byRange, err) = Vfs(Replay("0-9,12,20-22"));
        Assert.True(code == 0, byRange + err);
        var (code2, oneByOne, err2) = Vfs(Replay("0,1,2,3,4,5,6,7,8,9,12,20,21,22"));
        Assert.True(code2 == 0, oneByOne + err2);
        string Held(string output) => output.Split('\n').Single(l => l.StartsWith("held: "));
        Assert.Equal(Held(oneByOne), Held(byRange));
        Assert.Contains("held: 14 calls", byRange);
    }

    [Theory]
    [InlineData("5-2")]
    [InlineData("1-2-3")]
    [InlineData("0-30")]
    [InlineData("a-3")]
    public void A_keep_list_with_a_bad_range_is_a_one_line_error(string keep)
    {
        var (code, output, err) = Vfs("sim", "--world", "mirror-tmpfs", "--steps", "30", "--keep", keep);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.Contains("--keep: call numbers from 0 to 29", err);
    }
}
