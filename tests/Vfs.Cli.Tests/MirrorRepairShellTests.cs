// Tests of Vfs.Cli: the mirror's repair commands in the shell, as issue 13's first reproduction was tried -- a split
// brain is refused with the list, heal-info and status show it, resolve settles it with the discarded version named,
// and scrub finds nothing left.
using UnixVfs.Cli.Shell;

namespace UnixVfs.Cli.Tests;

public class MirrorRepairShellTests
{
    private static (string Output, UnixVfs.Cli.Shell.Shell Shell) Run(params string[] lines)
    {
        var output = new StringWriter();
        var shell = new UnixVfs.Cli.Shell.Shell(new ShellWorld(output, Path.GetTempPath()));
        shell.Run(new StringReader(string.Join('\n', lines)), interactive: false);
        return (output.ToString(), shell);
    }

    [Fact]
    public void A_split_brain_is_listed_at_mount_and_settled_by_resolve_with_the_discarded_version_named()
    {
        var (output, shell) = Run(
            "mkdir /m", "mount -F tmpfs swap /m", "mkdir /m/a /m/b", "mount -F mfs /m/a /m/b",
            "echo v1 > /m/a/f", "mfsadm offline /m/a y", "echo from-x > /m/a/f", "mfsadm heal-info /m/a",
            "umount -f /m/b", "echo from-y > /m/b/f", "mount -F mfs /m/a /m/b",
            "mfsadm status /m/a", "echo more > /m/a/g",
            "mfsadm resolve /m/a/f --take y", "cat /m/a/f", "mfsadm scrub /m/a --repair --rate 100", "mfsadm verify /m/a",
            "mfsadm scrub /m/a --rate fast", "mfsadm resolve /m/a/f");
        Assert.Contains("copy Y: unavailable (offline for maintenance), owed 1 entries", output);
        Assert.Contains("  /f  data: 0-7", output);
        Assert.Contains("mfs: conflict: /f: changed in X and in Y while apart (contents differ): split brain, not settled", output);
        Assert.Contains("split brain, read-only until settled (mfsadm resolve PATH --take x|y|newest): /f", output);
        Assert.Contains("Read-only file system (EROFS)", output);
        Assert.Contains("/f: resolved by taking Y's version (y); X's version is discarded (contents differ)", output);
        Assert.Contains("from-y", output);
        Assert.Contains("scrub: ", output);
        Assert.Contains("0 differences, 0 repaired, 0 refused", output);
        Assert.Contains("copies identical", output);
        Assert.Contains("--rate takes a positive number of MiB/s", output);
        Assert.Contains("usage: mfsadm resolve PATH --take x|y|newest", output);
        Assert.Equal(3, shell.Failures); // the write while read-only, and the two mistakes
    }
}
