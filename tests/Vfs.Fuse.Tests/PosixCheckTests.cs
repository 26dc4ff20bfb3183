// What if the bridge answers a POSIX check exactly as ext4 does? posix_check.py (ownership and modes per
// uid, EACCES/EPERM per uid, link counts, ctime/mtime updates, rename corner cases, ENAMETOOLONG,
// ENOTEMPTY, sticky and setgid directories, set-id bits, utimensat, symlinks) runs as root on an ext4
// directory, the reference, and on a mirror of two UFS images mounted through the bridge.
using Xunit.Abstractions;

namespace UnixVfs.Fuse.Tests;

public class PosixCheckTests(ITestOutputHelper output)
{
    private static string[] Check(string dir)
    {
        var r = HostTools.Run("python3", Path.Combine(AppContext.BaseDirectory, "posix_check.py"), dir);
        Assert.True(r.Exit == 0, r.ToString());
        return r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    [Fact]
    public void The_bridge_over_a_mirror_answers_as_ext4_does()
    {
        var dir = HostTools.TempDir("posix");
        var ext4 = Path.Combine(dir, "ext4");
        Directory.CreateDirectory(ext4);
        var reference = Check(ext4);

        var a = HostTools.NewImage(dir, "a.img", 64);
        var b = HostTools.NewImage(dir, "b.img", 64);
        var mnt = Path.Combine(dir, "mnt");
        Directory.CreateDirectory(mnt);
        string[] bridge;
        using (var m = MountHost.Start(mnt, "--mirror", $"{a},{b}"))
        {
            bridge = Check(mnt);
            Assert.Equal(0, m.Stop().Exit);
        }

        var differ = reference.Zip(bridge).Where(p => p.First != p.Second).Select(p => $"ext4 {p.First} | bridge {p.Second}").ToList();
        int same = reference.Zip(bridge).Count(p => p.First == p.Second) - 1; // less the "checks: N" line
        output.WriteLine($"ext4: {reference[^1]}; bridge: {bridge[^1]}; the same answer: {same}; different: {differ.Count}");
        foreach (var d in differ)
            output.WriteLine(d);
        Assert.DoesNotContain(reference, l => l.Contains("child failed", StringComparison.Ordinal));
        Assert.True(reference.Length > 100, "the check ran to its end on ext4");
        Assert.Empty(differ);
        Assert.Equal(reference.Length, bridge.Length);
        Assert.True(HostTools.Fsck(a).Clean && HostTools.Fsck(b).Clean);
        Directory.Delete(dir, recursive: true);
    }
}
