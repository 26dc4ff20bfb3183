// Tests of Vfs.Cli: the shell's behaviour at the edges -- every mistake is one clear line and the shell goes on;
// redirection, hosts, mounts and the inspection commands do what they say.
using UnixVfs.Cli.Shell;

namespace UnixVfs.Cli.Tests;

[Collection(MetricsCollection)]
public class ShellTests
{
    /// <summary>
    /// The mirror's metrics are process-wide (a Meter), tagged by host and mount point: shell tests that mirror /a and
    /// /b on "localhost" run one at a time, so that `mfsadm stats` counts only its own test's calls.
    /// </summary>
    public const string MetricsCollection = "shell mirror metrics";

    private static (string Output, UnixVfs.Cli.Shell.Shell Shell) Run(params string[] lines)
    {
        var output = new StringWriter();
        var shell = new UnixVfs.Cli.Shell.Shell(new ShellWorld(output, Path.GetTempPath()));
        shell.Run(new StringReader(string.Join('\n', lines)), interactive: false);
        return (output.ToString(), shell);
    }

    private static string[] Errors(string output) =>
        output.Split('\n').Where(l => l.Length > 0 && !l.StartsWith("localhost#") && !l.StartsWith("other#")).ToArray();

    [Theory]
    [InlineData("frobnicate", "frobnicate: unknown command")]
    [InlineData("cat /no/such/file", "cat: /no/such/file: No such file or directory (ENOENT)")]
    [InlineData("mount -F ufs", "usage: mount -F TYPE")]
    [InlineData("mount -F tmpfs swap /nowhere", "No such file or directory (ENOENT)")]
    [InlineData("mount -F bogusfs x /tmp", "bogusfs: no such file system type (known: tmpfs, ufs, mfs, nfs)")]
    [InlineData("host stop nobody", "host: nobody: no such host")]
    [InlineData("host use nobody", "no such host")]
    [InlineData("echo \"unbalanced", "syntax: unbalanced quote")]
    [InlineData("chmod 9z9 /", "chmod:")]
    [InlineData("mfsadm status /", "not in a mirror")]
    [InlineData("share /nothere", "share: /nothere: No such file or directory (ENOENT)")]
    [InlineData("newfs /nonexistent-dir/x.img 64m", "newfs:")]
    [InlineData("getextattr user color /no/such", "getextattr: /no/such: color: No such file or directory (ENOENT)")]
    [InlineData("lsextattr bogus /", "lsextattr: bogus: no such namespace (user or system)")]
    public void A_mistake_is_one_clear_line_and_the_shell_goes_on(string line, string expected)
    {
        var (output, shell) = Run(line, "echo still here");
        var errors = Errors(output);
        Assert.Equal(2, errors.Length);
        Assert.Contains(expected, errors[0]);
        Assert.Equal("still here", errors[1]);
        Assert.Equal(1, shell.Failures);
        Assert.DoesNotContain("   at ", output);
    }

    [Fact]
    public void The_extattr_commands_set_list_print_and_remove()
    {
        var (output, shell) = Run(
            "echo x > /f", "setextattr user color blue /f", "setextattr system tag t /f", "getextattr user color /f",
            "getextattr -x user color /f", "lsextattr -q user /f", "lsextattr system /f", "rmextattr user color /f",
            "getextattr user color /f");
        Assert.Equal(1, shell.Failures);
        var lines = Errors(output);
        Assert.Equal(["/f\tblue", "/f\t626c7565", "color", "/f\ttag", "getextattr: /f: color: No data available (ENODATA)"], lines);
    }

    [Fact]
    public void Mounting_what_is_already_mounted_and_stopping_a_stopped_host_are_refused_with_a_reason()
    {
        var (output, shell) = Run(
            "mkdir /m", "mount -F tmpfs swap /m", "mkdir /m/a /m/b", "mount -F mfs /m/a /m/b", "mount -F mfs /m/a /m/b",
            "host add other", "host stop other", "host stop other", "host start other", "host start other");
        Assert.Equal(3, shell.Failures);
        Assert.Contains("same directory", output);
        Assert.Contains("host: other: the host is not running", output);
        Assert.Contains("host: other: the host is already running", output);
    }

    [Fact]
    public void Redirection_writes_and_appends_a_file_of_the_current_host()
    {
        var (output, shell) = Run("echo one > /f", "echo two >> /f", "cat /f", "ls -l /f");
        Assert.Equal(0, shell.Failures);
        Assert.Contains("one\ntwo\n", output.Replace("\r", ""));
        Assert.Contains("-rw-r--r--", output);
    }

    [Fact]
    public void Hosts_are_separate_kernels_and_nfs_joins_them()
    {
        var (output, shell) = Run(
            "host add srv", "host use srv", "mkdir /e", "echo served > /e/f", "share -o root /e",
            "host use localhost", "mkdir /net", "mount -F nfs srv:/e /net", "cat /net/f", "ls /e", "host list", "share");
        Assert.Equal(1, shell.Failures); // ls /e on localhost: that directory is the server's
        Assert.Contains("served", output);
        Assert.Contains("ls: /e: No such file or directory", output);
        Assert.Contains("* localhost", output);
    }

    [Fact]
    public void An_nfs_server_given_by_IP_address_is_reached_over_real_TCP()
    {
        var server = new UnixVfs.Core.Kernel("tcp-server");
        var sp = server.CreateProcess();
        Assert.Equal(UnixVfs.Core.Errno.OK, sp.Mkdir("/export", 0x1ED));
        Assert.Equal(UnixVfs.Core.Errno.OK, sp.Open("/export/f", UnixVfs.Core.OFlags.O_CREAT | UnixVfs.Core.OFlags.O_WRONLY, 0x1A4, out int fd));
        Assert.Equal(UnixVfs.Core.Errno.OK, sp.Write(fd, "over tcp\n"u8.ToArray(), out _));
        sp.Close(fd);
        var nfsd = new UnixVfs.Nfs.Server.NfsServer(server, UnixVfs.Nfs.Net.TcpNetwork.Default,
            new UnixVfs.Nfs.Server.NfsServerOptions { Address = "127.0.0.1", NfsPort = 0, MountPort = 0, PortmapPort = -1 });
        Assert.Equal(UnixVfs.Core.Errno.OK, nfsd.Share(new UnixVfs.Nfs.Server.ExportOptions { Path = "/export" }));
        Assert.Equal(UnixVfs.Core.Errno.OK, nfsd.Start());
        try
        {
            var (output, shell) = Run("mkdir /net", $"mount -F nfs -o port={nfsd.NfsPort},mountport={nfsd.MountPort} 127.0.0.1:/export /net",
                "cat /net/f", "mount");
            Assert.Equal(0, shell.Failures);
            Assert.Contains("over tcp", output);
            Assert.Contains("/net on 127.0.0.1:/export type nfs", output);
        }
        finally
        {
            nfsd.Stop();
        }
    }

    [Fact]
    public void Trace_shows_each_layer_indented_by_depth_and_mnodes_shows_the_hash()
    {
        var (output, shell) = Run(
            "mkdir -p /a /b", "mount -F tmpfs swap /a", "mount -F tmpfs swap /b", "mount -F mfs /a /b",
            "trace on", "echo x > /a/f", "trace off", "mnodes /a", "ops mfs", "mfsadm stats /a", "dmesg");
        Assert.Equal(0, shell.Failures);
        Assert.Contains("  trace: mfs.write(", output);
        Assert.Contains("  trace:   tmpfs.write(/a/f", output);
        Assert.Contains("  trace:   tmpfs.write(/b/f", output);
        Assert.Contains("chains of copy X:", output);
        Assert.Contains("vop_write      mfs_write", output);
        Assert.Contains("vop_seek       (default)", output);
        Assert.Matches(@"X\s+write\s+1\s+0\s+2", output);
    }
}
