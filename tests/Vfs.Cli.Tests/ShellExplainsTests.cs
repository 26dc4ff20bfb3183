// Tests of Vfs.Cli: the shell explains itself (issue 17, item 1) -- each mistake a student made typing the
// figures gets an answer that says what happened and what to do, and each command does what it says.
using UnixVfs.Cli.Shell;

namespace UnixVfs.Cli.Tests;

[Collection(ShellTests.MetricsCollection)]
public class ShellExplainsTests
{
    private static (string Output, int Failures) Run(params string[] lines)
    {
        var output = new StringWriter();
        var shell = new UnixVfs.Cli.Shell.Shell(new ShellWorld(output, Path.GetTempPath()));
        shell.Run(new StringReader(string.Join('\n', lines)), interactive: false);
        return (output.ToString().Replace("\r", ""), shell.Failures);
    }

    /// <summary>Two tmpfs directories /a and /b, mirrored.</summary>
    private static readonly string[] Mirror = ["mkdir -p /a /b", "mount -F tmpfs swap /a", "mount -F tmpfs swap /b", "mount -F mfs /a /b"];

    private static string[] With(params string[] more) => [.. Mirror, .. more];

    [Fact]
    public void Open_holds_a_file_open_across_commands_so_mnodes_and_umount_see_it_until_close()
    {
        var (output, failures) = Run(With("echo x > /a/f", "open /a/f", "mnodes /a", "umount /a", "close 0", "umount /a"));
        Assert.Equal(1, failures);
        Assert.Contains("/a/f: fd 0", output);
        Assert.Contains("/f (v_count", output);
        Assert.Contains("umount: /a: Device or resource busy (EBUSY): pid 1 has a file open in it (fd 0", output);
    }

    [Fact]
    public void Ops_shows_a_types_tables_from_the_vfssw_without_a_mount()
    {
        var (output, failures) = Run("ops mfs", "ops ufs", "ops nfs-dir", "ops nosuch");
        Assert.Equal(1, failures);
        Assert.Contains("vfsops \"mfs\" (vfssw[", output);
        Assert.Contains("vfs_mount      MfsMount", output);
        Assert.Contains("vop_write      mfs_write", output);
        Assert.Contains("vop_write      ufs_write", output);
        Assert.Contains("its other vnodeops: ops ufs-dir", output);
        Assert.Contains("vnodeops \"nfs-dir\":", output);
        Assert.Contains("ops: nosuch: no such file system type or ops table (types: tmpfs, ufs, mfs, nfs;", output);
    }

    [Fact]
    public void A_mirror_is_shown_by_both_its_names_in_status_mnodes_and_trace()
    {
        var (output, failures) = Run(With("mfsadm status /a", "mnodes /a", "trace on", "echo x > /a/f", "trace off"));
        Assert.Equal(0, failures);
        Assert.Contains("mirror on /a and /b: mode mirror", output);
        Assert.Contains("mnode hash of the mirror on /a and /b", output);
        Assert.Contains("trace: mfs.write({/a,/b}/f, off=0 len=2)", output);
        Assert.Contains("trace:   tmpfs.write(/a/f, off=0 len=2)", output);
        Assert.DoesNotContain("mfs.write(/b/f", output);
    }

    [Fact]
    public void Mfsadm_stats_has_lookup_rows_for_every_copy()
    {
        var (output, failures) = Run(With("echo x > /a/f", "cat /b/f", "mfsadm stats /a"));
        Assert.Equal(0, failures);
        Assert.Matches(@"X\s+lookup\s+[1-9]", output);
        Assert.Matches(@"Y\s+lookup\s+[1-9]", output);
    }

    [Fact]
    public void Mounting_an_unknown_type_lists_the_known_ones()
    {
        var (output, failures) = Run("mkdir /m", "mount -F mfz x /m");
        Assert.Equal(1, failures);
        Assert.Contains("mount: mfz: no such file system type (known: tmpfs, ufs, mfs, nfs)", output);
    }

    [Fact]
    public void Rm_of_a_directory_hints_at_rm_r_which_removes_the_tree()
    {
        var (output, failures) = Run("mkdir -p /d/e", "echo x > /d/e/f", "rm /d", "rm -r /d", "rm -rf /d", "rm -r /d", "ls /");
        Assert.Equal(2, failures);
        Assert.Contains("rm: /d: No such file or directory (ENOENT)", output);
        Assert.Contains("rm: /d: Is a directory (EISDIR): rm -r /d removes it and everything in it", output);
        Assert.DoesNotContain("\nd\n", output[output.LastIndexOf("# ls /", StringComparison.Ordinal)..]);
    }

    [Fact]
    public void Umount_busy_says_whether_a_current_directory_or_a_pending_log_holds_it()
    {
        var (cwd, _) = Run(With("cd /a", "umount /a"));
        Assert.Contains("umount: /a: Device or resource busy (EBUSY): it is the current directory of pid 1 (/a; cd / first)", cwd);
        var (log, failures) = Run(With("mfsadm offline /a y", "echo x > /a/f", "umount /a", "mfsadm online /a y", "umount /a"));
        Assert.Equal(1, failures);
        Assert.Matches(@"umount: /a: Device or resource busy \(EBUSY\): copy Y has \d+ logged updates that only a resync can deliver", log);
    }

    [Fact]
    public void Umount_of_a_directory_that_is_not_a_mount_point_says_so()
    {
        var (output, failures) = Run("mkdir /d", "umount /d", "umount /");
        Assert.Equal(2, failures);
        Assert.Contains("umount: /d: not a mount point (mount lists them)", output);
        Assert.Contains("umount: /: the root file system stays mounted", output);
    }

    [Theory]
    [InlineData("ls -z /", "ls: -z: unknown option (it takes -l, -a)")]
    [InlineData("mkdir -x /q", "mkdir: -x: unknown option (it takes -p)")]
    [InlineData("mount -F mfs -o read=x,read=y /a /b", "mount: option \"read\" given 2 times (read=x, read=y): give it once")]
    [InlineData("share -o ro,ro /a", "share: option \"ro\" given 2 times")]
    public void Unknown_flags_and_repeated_options_are_refused_and_change_nothing(string line, string expected)
    {
        var (output, failures) = Run("mkdir -p /a /b", line, "mount", "ls /");
        Assert.Equal(1, failures);
        Assert.Contains(expected, output);
        Assert.DoesNotContain("type mfs", output);
        Assert.Equal("a\nb\n", output[(output.LastIndexOf("# ls /\n", StringComparison.Ordinal) + 7)..]);
    }

    [Theory]
    [InlineData("mfsadm status /d")]
    [InlineData("mfsadm verify /d")]
    [InlineData("mfsadm offline /d y")]
    [InlineData("mfsadm stats /d")]
    [InlineData("mnodes /d")]
    public void Every_mirror_command_on_a_path_not_in_a_mirror_gives_the_same_error(string line)
    {
        var (output, failures) = Run("mkdir /d", line);
        Assert.Equal(1, failures);
        Assert.Contains(": /d: not in a mirror (tmpfs on /; mount -F mfs makes one)", output);
    }
}
