// Tests of Vfs.Core: lookuppn -- symbolic links and their loop limit, NAME_MAX and PATH_MAX, ENOTDIR
// in the middle of a path, "." and "..", crossing mount points both ways (including a vfs that covers
// two directories), chdir and getcwd.
using static UnixVfs.Core.Tests.TestHost;

namespace UnixVfs.Core.Tests.KernelTests;

public class LookupTests
{
    private readonly TestHost _h = new();
    private Process P => _h.Root;

    [Fact]
    public void Relative_and_absolute_links_are_followed_anywhere_in_a_path()
    {
        Ok(P.Mkdir("/m/a", Dir755));
        Ok(P.Mkdir("/m/a/b", Dir755));
        _h.WriteFile("/m/a/b/f", "found");
        Ok(P.Symlink("a/b", "/m/rel"));
        Ok(P.Symlink("/m/a", "/m/abs"));
        Ok(P.Symlink("../b/f", "/m/a/b/self"));
        Assert.Equal("found", _h.ReadFile("/m/rel/f"));
        Assert.Equal("found", _h.ReadFile("/m/abs/b/f"));
        Assert.Equal("found", _h.ReadFile("/m/abs/b/self"));
        Assert.Equal("found", _h.ReadFile("/m/rel/../b/f")); // ".." is of where the link led: /m/a
    }

    [Fact]
    public void A_link_loop_is_ELOOP()
    {
        Ok(P.Symlink("b", "/m/a"));
        Ok(P.Symlink("a", "/m/b"));
        Ok(P.Symlink("self", "/m/self"));
        Assert.Equal(Errno.ELOOP, P.Stat("/m/a", out _));
        Assert.Equal(Errno.ELOOP, P.Stat("/m/self/x", out _));
        Assert.Equal(Errno.ELOOP, P.Open("/m/a", OFlags.O_CREAT | OFlags.O_WRONLY, Mode666, out _));
        Assert.Equal(Errno.ELOOP, P.Chdir("/m/self"));
        Ok(P.Lstat("/m/a", out _));
    }

    [Fact]
    public void Forty_links_in_a_chain_resolve_and_forty_one_are_ELOOP()
    {
        _h.WriteFile("/m/f", "end");
        Ok(P.Symlink("f", "/m/l1"));
        for (int i = 2; i <= Limits.MaxSymlinks + 1; i++)
            Ok(P.Symlink($"l{i - 1}", $"/m/l{i}"));
        Assert.Equal("end", _h.ReadFile($"/m/l{Limits.MaxSymlinks}"));
        Assert.Equal(Errno.ELOOP, P.Stat($"/m/l{Limits.MaxSymlinks + 1}", out _));
    }

    [Fact]
    public void A_file_in_the_middle_of_a_path_is_ENOTDIR_and_a_missing_one_ENOENT()
    {
        _h.WriteFile("/m/f", "");
        Ok(P.Symlink("f", "/m/lf"));
        Assert.Equal(Errno.ENOTDIR, P.Stat("/m/f/x", out _));
        Assert.Equal(Errno.ENOTDIR, P.Stat("/m/f/", out _));
        Assert.Equal(Errno.ENOTDIR, P.Stat("/m/lf/", out _));
        Assert.Equal(Errno.ENOTDIR, P.Stat("/m/f/.", out _));
        Assert.Equal(Errno.ENOTDIR, P.Open("/m/f/x", OFlags.O_CREAT | OFlags.O_WRONLY, Mode666, out _));
        Assert.Equal(Errno.ENOENT, P.Stat("/m/x/f", out _));
        Assert.Equal(Errno.ENOENT, P.Stat("", out _));
    }

    [Fact]
    public void A_component_of_255_bytes_is_fine_and_256_is_ENAMETOOLONG()
    {
        string ok = new('n', Limits.NameMax), tooLong = new('n', Limits.NameMax + 1);
        _h.WriteFile("/m/" + ok, "");
        Assert.Equal(Errno.ENAMETOOLONG, P.Open("/m/" + tooLong, OFlags.O_CREAT | OFlags.O_WRONLY, Mode666, out _));
        Assert.Equal(Errno.ENAMETOOLONG, P.Stat("/m/" + tooLong + "/x", out _));
        Assert.Equal(Errno.ENAMETOOLONG, P.Mkdir("/m/" + tooLong, Dir755));
        // NAME_MAX counts UTF-8 bytes: 128 two-byte characters are 256 bytes
        Assert.Equal(Errno.ENAMETOOLONG, P.Mkdir("/m/" + new string('é', 128), Dir755));
        Ok(P.Mkdir("/m/" + new string('é', 127), Dir755));
    }

    [Fact]
    public void A_path_of_4095_bytes_is_fine_and_4096_is_ENAMETOOLONG()
    {
        string dir = "/m/" + new string('d', 200);
        Ok(P.Mkdir(dir, Dir755));
        string path4095 = dir + new string('/', 4095 - dir.Length - 1) + "f";
        Assert.Equal(4095, path4095.Length);
        _h.WriteFile(path4095, "deep");
        Assert.Equal("deep", _h.ReadFile(dir + "/f"));
        Assert.Equal(Errno.ENAMETOOLONG, P.Stat("/" + path4095, out _));
        Assert.Equal(Errno.ENAMETOOLONG, P.Stat(new string('/', 5000), out _));
    }

    [Fact]
    public void A_link_whose_text_makes_the_path_too_long_is_ENAMETOOLONG()
    {
        Ok(P.Symlink(new string('/', 4000), "/m/l"));
        Ok(P.Stat("/m/l", out var st));
        Assert.Equal(VType.VDIR, st!.Type);
        Assert.Equal(Errno.ENAMETOOLONG, P.Stat("/m/l/" + new string('x', 200), out _));
    }

    [Fact]
    public void Dot_and_dotdot_resolve_and_dotdot_stops_at_the_root()
    {
        Ok(P.Mkdir("/m/a", Dir755));
        var root = _h.StatOf("/");
        Assert.Equal(root.Ino, _h.StatOf("/..").Ino);
        Assert.Equal(root.Ino, _h.StatOf("/../../..").Ino);
        Assert.Equal(_h.StatOf("/m").Ino, _h.StatOf("/m/a/..").Ino);
        Assert.Equal(_h.StatOf("/m/a").Ino, _h.StatOf("/m/./a/.").Ino);
        Assert.Equal(_h.StatOf("/m/a").Ino, _h.StatOf("//m//a//").Ino);
    }

    [Fact]
    public void Dotdot_from_the_root_of_a_mount_leads_to_the_directory_it_covers_parent()
    {
        Ok(P.Mkdir("/top", Dir755));
        Ok(P.Mkdir("/top/mnt", Dir755));
        Ok(P.Mount("swap", "/top/mnt", "tmpfs"));
        var st = _h.StatOf("/top/mnt");
        Assert.NotEqual(_h.Kernel.RootVfs.Fsid, st.Dev);
        Assert.Equal(_h.StatOf("/top").Ino, _h.StatOf("/top/mnt/..").Ino);
        Assert.Equal(_h.Kernel.RootVfs.Fsid, _h.StatOf("/top/mnt/..").Dev);
        Ok(P.Chdir("/top/mnt"));
        Ok(P.Chdir(".."));
        Ok(P.Getcwd(out string cwd));
        Assert.Equal("/top", cwd);
    }

    [Fact]
    public void Mounts_stack_and_dotdot_climbs_out_of_all_of_them()
    {
        Ok(P.Mkdir("/s", Dir755));
        Ok(P.Mount("swap", "/s", "tmpfs"));
        _h.WriteFile("/s/lower", "");
        Ok(P.Mount("swap", "/s", "tmpfs")); // on the root of the first
        Assert.Equal(Errno.ENOENT, P.Stat("/s/lower", out _));
        _h.WriteFile("/s/upper", "");
        Assert.Equal(_h.StatOf("/").Ino, _h.StatOf("/s/..").Ino);
        Ok(P.Umount("/s"));
        Ok(P.Stat("/s/lower", out _));
        Assert.Equal(Errno.ENOENT, P.Stat("/s/upper", out _));
        Ok(P.Umount("/s"));
        Assert.Equal(Errno.ENOENT, P.Stat("/s/lower", out _));
    }

    [Fact]
    public void A_symlink_crosses_into_and_out_of_mounts()
    {
        Ok(P.Mkdir("/other", Dir755));
        _h.WriteFile("/other/f", "outside");
        Ok(P.Symlink("../other/f", "/m/out"));
        Ok(P.Symlink("/m", "/into"));
        Assert.Equal("outside", _h.ReadFile("/m/out"));
        Assert.Equal("outside", _h.ReadFile("/into/out"));
    }

    [Fact]
    public void Chdir_then_relative_paths_and_getcwd()
    {
        Ok(P.Mkdir("/m/a", Dir755));
        Ok(P.Mkdir("/m/a/b", Dir755));
        Ok(P.Chdir("/m/a"));
        _h.WriteFile("b/f", "rel");
        Assert.Equal("rel", _h.ReadFile("/m/a/b/f"));
        Ok(P.Getcwd(out string cwd));
        Assert.Equal("/m/a", cwd);
        Ok(P.Chdir("b/../.."));
        Ok(P.Getcwd(out cwd));
        Assert.Equal("/m", cwd);
        Assert.Equal("/m", P.CwdPath);
    }

    [Fact]
    public void Chdir_errnos()
    {
        _h.WriteFile("/m/f", "");
        Ok(P.Chdir("/m"));
        Assert.Equal(Errno.ENOTDIR, P.Chdir("/m/f"));
        Assert.Equal(Errno.ENOENT, P.Chdir("/m/nope"));
        Assert.Equal(Errno.ENOENT, P.Chdir(""));
        Assert.Equal(Errno.EINVAL, P.Chdir("/m\0"));
        Ok(P.Getcwd(out string cwd));
        Assert.Equal("/m", cwd); // unchanged
    }

    [Fact]
    public void Chdir_through_a_link_and_getcwd_reports_the_real_path()
    {
        Ok(P.Mkdir("/m/real", Dir755));
        Ok(P.Symlink("/m/real", "/m/link"));
        Ok(P.Chdir("/m/link"));
        Ok(P.Getcwd(out string cwd));
        Assert.Equal("/m/real", cwd);
    }

    [Fact]
    public void Getcwd_of_a_removed_directory_is_ENOENT_and_lookups_in_it_fail()
    {
        Ok(P.Mkdir("/m/gone", Dir755));
        var q = _h.Kernel.CreateProcess();
        Ok(q.Chdir("/m/gone"));
        Ok(P.Rmdir("/m/gone"));
        Assert.Equal(Errno.ENOENT, q.Getcwd(out _));
        Assert.Equal(Errno.ENOENT, q.Stat("x", out _));
        Assert.Equal(Errno.ENOENT, q.Open("x", OFlags.O_CREAT | OFlags.O_WRONLY, Mode666, out _));
        Assert.Equal(Errno.ENOENT, q.Mkdir("x", Dir755));
        Assert.Equal(Errno.ENOENT, q.Chdir("..")); // a removed directory has no ".." any more
        Ok(q.Chdir("/m"));
        Ok(q.Getcwd(out string cwd));
        Assert.Equal("/m", cwd);
        q.Exit();
    }

    [Fact]
    public void Getcwd_finds_a_directory_that_was_renamed_under_the_process()
    {
        Ok(P.Mkdir("/m/old", Dir755));
        Ok(P.Chdir("/m/old"));
        Ok(P.Rename("/m/old", "/m/new"));
        Ok(P.Getcwd(out string cwd));
        Assert.Equal("/m/new", cwd);
    }

    [Fact]
    public void What_if_one_vfs_covers_two_directories_and_the_walk_comes_in_by_either()
    {
        Ok(_h.Kernel.Vfssw.Install(TwinFs.Def));
        Ok(P.Mkdir("/A", Dir755));
        Ok(P.Mkdir("/P", Dir755));
        Ok(P.Mkdir("/P/X", Dir755));
        Ok(P.Mount("/P/X", "/A", "twin"));
        Ok(P.Mkdir("/A/b", Dir755));
        _h.WriteFile("/P/X/b/f", "one file system, two ways in");
        Assert.Equal("one file system, two ways in", _h.ReadFile("/A/b/f"));
        Assert.Equal(_h.StatOf("/A/b").Ino, _h.StatOf("/P/X/b").Ino);

        Ok(P.Chdir("/A/b"));
        Ok(P.Chdir(".."));
        Ok(P.Getcwd(out string cwd));
        Assert.Equal("/A", cwd);
        Ok(P.Chdir(".."));
        Ok(P.Getcwd(out cwd));
        Assert.Equal("/", cwd);

        Ok(P.Chdir("/P/X/b"));
        Ok(P.Getcwd(out cwd));
        Assert.Equal("/P/X/b", cwd);
        Ok(P.Chdir("../.."));
        Ok(P.Getcwd(out cwd));
        Assert.Equal("/P", cwd);

        Assert.Equal(_h.StatOf("/P").Ino, _h.StatOf("/P/X/b/../..").Ino);
        Assert.Equal(_h.StatOf("/").Ino, _h.StatOf("/A/b/../..").Ino);

        var twin = _h.Kernel.Mounts.Single(v => v.FstypeName == "twin");
        Assert.Equal(2, twin.Covered.Count);
        Ok(P.Chdir("/"));
        Ok(P.Umount("/P/X"));
        Assert.Equal(Errno.ENOENT, P.Stat("/A/b", out _));
        Assert.Equal(Errno.ENOENT, P.Stat("/P/X/b", out _));
        Assert.Empty(twin.Covered);
    }

    [Fact]
    public void A_failed_mount_of_a_twin_leaves_nothing_covered()
    {
        Ok(_h.Kernel.Vfssw.Install(TwinFs.Def));
        Ok(P.Mkdir("/A", Dir755));
        int mounts = _h.Kernel.Mounts.Count;
        Assert.Equal(Errno.ENOENT, P.Mount("/nope", "/A", "twin"));
        Assert.Equal(mounts, _h.Kernel.Mounts.Count);
        Ok(P.Mkdir("/A/still-the-root-fs", Dir755));
        Assert.Equal(_h.Kernel.RootVfs.Fsid, _h.StatOf("/A/still-the-root-fs").Dev);
        Assert.Equal(Errno.EBUSY, P.Mount("/", "/A", "twin")); // the root may not be covered
        Assert.Equal(mounts, _h.Kernel.Mounts.Count);
        Assert.Equal(_h.Kernel.RootVfs.Fsid, _h.StatOf("/A").Dev);
    }
}
