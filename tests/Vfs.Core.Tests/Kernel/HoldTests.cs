// Tests of Vfs.Core: vnode references -- every path through the system calls, the ones that fail
// included, gives back every hold it took; the last release runs VOP_INACTIVE exactly once.
using static UnixVfs.Core.OFlags;
using static UnixVfs.Core.Tests.TestHost;

namespace UnixVfs.Core.Tests.KernelTests;

public class HoldTests
{
    /// <summary>Scenarios that end with every descriptor closed and the process back at "/".</summary>
    public static TheoryData<string> Scenarios => new(ScenarioBodies.Keys);

    private static readonly Dictionary<string, Action<Process>> ScenarioBodies = new()
    {
        ["create, write, read, close"] = p =>
        {
            WriteFile(p, "/m/f", "x");
            ReadFile(p, "/m/f");
        },
        ["failed opens of every kind"] = p =>
        {
            WriteFile(p, "/m/f", "x");
            Ok(p.Mkdir("/m/d", Dir755));
            Ok(p.Symlink("f", "/m/l"));
            Ok(p.Symlink("loop", "/m/loop"));
            p.Open("/m/f", O_CREAT | O_EXCL | O_WRONLY, Mode666, out _);
            p.Open("/m/d", O_WRONLY, 0, out _);
            p.Open("/m/d", O_CREAT | O_RDONLY, 0, out _);
            p.Open("/m/f", O_DIRECTORY, 0, out _);
            p.Open("/m/l", O_NOFOLLOW, 0, out _);
            p.Open("/m/loop", O_RDONLY, 0, out _);
            p.Open("/m/f/x", O_RDONLY, 0, out _);
            p.Open("/m/nope/x", O_CREAT | O_WRONLY, Mode666, out _);
            p.Open("/m/f/", O_CREAT | O_WRONLY, Mode666, out _);
            p.Open("/m/" + new string('x', 300), O_CREAT | O_WRONLY, Mode666, out _);
        },
        ["names made and removed"] = p =>
        {
            Ok(p.Mkdir("/m/a", Dir755));
            Ok(p.Mkdir("/m/a/b", Dir755));
            WriteFile(p, "/m/a/b/f", "x");
            Ok(p.Link("/m/a/b/f", "/m/a/g"));
            Ok(p.Symlink("b/f", "/m/a/l"));
            Ok(p.Rename("/m/a/g", "/m/h"));
            Ok(p.Rename("/m/a/b", "/m/b"));
            Ok(p.Unlink("/m/h"));
            Ok(p.Unlink("/m/a/l"));
            Ok(p.Unlink("/m/b/f"));
            Ok(p.Rmdir("/m/b"));
        },
        ["failed name changes"] = p =>
        {
            Ok(p.Mkdir("/m/a", Dir755));
            Ok(p.Mkdir("/m/a/b", Dir755));
            WriteFile(p, "/m/a/b/f", "x");
            WriteFile(p, "/m/g", "x");
            p.Rmdir("/m/a");
            p.Rmdir("/m/g");
            p.Unlink("/m/a");
            p.Rename("/m/a", "/m/a/b/c");
            p.Rename("/m/g", "/m/a");
            p.Rename("/m/a", "/m/g");
            p.Rename("/m/a", "/g");
            p.Rename("/m/nope", "/m/x");
            p.Link("/m/a", "/m/x");
            p.Link("/m/g", "/m/a/b/f");
            p.Link("/m/g", "/x");
            p.Mkdir("/m/g", Dir755);
            p.Symlink("x", "/m/g");
            p.Truncate("/m/a", 0);
            p.Readlink("/m/g", out string _);
        },
        ["unlinked while open, then closed"] = p =>
        {
            WriteFile(p, "/m/f", "x");
            Ok(p.Open("/m/f", O_RDWR, 0, out int fd));
            Ok(p.Dup(fd, out int fd2));
            Ok(p.Unlink("/m/f"));
            Ok(p.Write(fd2, "y"u8.ToArray(), out _));
            Ok(p.Close(fd));
            Ok(p.Close(fd2));
        },
        ["rename over an open file"] = p =>
        {
            WriteFile(p, "/m/a", "a");
            WriteFile(p, "/m/b", "b");
            Ok(p.Open("/m/b", O_RDONLY, 0, out int fd));
            Ok(p.Rename("/m/a", "/m/b"));
            Ok(p.Close(fd));
        },
        ["directory listing and stat of everything"] = p =>
        {
            Ok(p.Mkdir("/m/d", Dir755));
            WriteFile(p, "/m/d/f", "x");
            Ok(p.Symlink("d", "/m/l"));
            foreach (var path in new[] { "/m", "/m/d", "/m/d/f", "/m/l", "/m/l/f", "/m/nope", "/m/l/.." })
            {
                p.Stat(path, out _);
                p.Lstat(path, out _);
                p.Statvfs(path, out _);
                p.Access(path, AccessOk.R_OK);
                p.Chmod(path, Dir755);
                p.Chown(path, 0, 0);
                p.Utimens(path, null);
            }
            new FileSystemFacade(p).EnumerateEntries("/m/l").ToList();
        },
        ["chdir around, getcwd, and back"] = p =>
        {
            Ok(p.Mkdir("/m/a", Dir755));
            Ok(p.Mkdir("/m/a/b", Dir755));
            Ok(p.Chdir("/m/a/b"));
            Ok(p.Getcwd(out _));
            Ok(p.Chdir("../.."));
            p.Chdir("nope");
            p.Chdir("/m/a/b/../../a/b/");
            Ok(p.Getcwd(out _));
            Ok(p.Chdir("/"));
        },
        ["a removed current directory"] = p =>
        {
            Ok(p.Mkdir("/m/gone", Dir755));
            Ok(p.Chdir("/m/gone"));
            var other = p.Kernel.CreateProcess();
            Ok(other.Rmdir("/m/gone"));
            other.Exit();
            p.Getcwd(out _);
            p.Open("x", O_CREAT | O_WRONLY, Mode666, out _);
            Ok(p.Chdir("/"));
        },
        ["mount on a directory inside, and unmount"] = p =>
        {
            Ok(p.Mkdir("/m/in", Dir755));
            Ok(p.Mount("swap", "/m/in", "tmpfs"));
            WriteFile(p, "/m/in/f", "x");
            ReadFile(p, "/m/in/../in/f");
            Ok(p.Umount("/m/in"));
        },
    };

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Every_hold_taken_is_given_back(string scenario)
    {
        var h = new TestHost();
        var p = h.Kernel.CreateProcess();
        ScenarioBodies[scenario](p);
        Assert.Empty(p.OpenDescriptors);
        Holds.AssertBalanced(h.Kernel, "/m");
        p.Exit();
        Ok(h.Root.Umount("/m"));
    }

    [Fact]
    public void The_last_release_runs_VOP_INACTIVE_once_and_earlier_releases_never()
    {
        var h = new TestHost();
        WriteFile(h.Root, "/m/f", "x");
        Ok(h.Root.Lookupname("/m/f", false, out var vp));
        h.Kernel.Dnlc.Purge();
        vp!.Hold();
        vp.Hold();
        long inactive = h.Tmp.Stats.Calls(VopName.Inactive);
        vp.Rele();
        vp.Rele();
        Assert.Equal(inactive, h.Tmp.Stats.Calls(VopName.Inactive));
        Assert.Equal(1, vp.Count);
        vp.Rele();
        Assert.Equal(inactive + 1, h.Tmp.Stats.Calls(VopName.Inactive));
        Assert.Equal(0, vp.Count);
    }

    [Fact]
    public void Releasing_a_vnode_with_no_holds_is_a_panic()
    {
        var h = new TestHost();
        WriteFile(h.Root, "/m/f", "x");
        Ok(h.Root.Lookupname("/m/f", false, out var vp));
        h.Kernel.Dnlc.Purge();
        vp!.Rele();
        Assert.Throws<VfsPanicException>(() => vp.Rele());
    }

    [Fact]
    public void A_lookup_returns_a_vnode_held_once_more_than_before()
    {
        var h = new TestHost();
        WriteFile(h.Root, "/m/f", "x");
        Ok(h.Root.Lookupname("/m/f", false, out var a));
        int count = a!.Count;
        Ok(h.Root.Lookupname("/m/f", false, out var b));
        Assert.Same(a, b);
        Assert.Equal(count + 1, a.Count);
        a.Rele();
        b!.Rele();
    }

    [Fact]
    public void An_open_file_holds_its_vnode_once_whatever_the_number_of_descriptors()
    {
        var h = new TestHost();
        WriteFile(h.Root, "/m/f", "x");
        Ok(h.Root.Lookupname("/m/f", false, out var vp));
        Ok(h.Root.Open("/m/f", O_RDONLY, 0, out int fd));
        h.Kernel.Dnlc.Purge();
        Assert.Equal(2, vp!.Count);
        Ok(h.Root.Dup(fd, out int fd2));
        Assert.Equal(2, vp.Count);
        Ok(h.Root.Close(fd));
        Assert.Equal(2, vp.Count);
        Ok(h.Root.Close(fd2));
        Assert.Equal(1, vp.Count);
        vp.Rele();
    }

    [Fact]
    public void A_mount_holds_the_directory_it_covers_until_unmount()
    {
        var h = new TestHost(mountTmpfs: false);
        Ok(h.Root.Mkdir("/mnt", Dir755));
        h.Kernel.Dnlc.Purge();
        Ok(h.Root.Lookupname("/", false, out var root));
        Ok(Vop.Lookup(root!, "mnt", out var dir, LookupFlags.None, null, Cred.Kcred));
        h.Kernel.Dnlc.Purge();
        int before = dir!.Count;
        Ok(h.Root.Mount("swap", "/mnt", "tmpfs"));
        h.Kernel.Dnlc.Purge();
        Assert.Equal(before + 1, dir.Count);
        Assert.Same(dir, h.Kernel.Mounts.Last().VnodeCovered);
        Ok(h.Root.Umount("/mnt"));
        h.Kernel.Dnlc.Purge();
        Assert.Equal(before, dir.Count);
        dir.Rele();
        root!.Rele();
    }
}
