// Tests of Vfs.Core: stat, lstat, fstat, chmod, fchmod, chown, lchown, utimens, statvfs, access.
using static UnixVfs.Core.OFlags;
using static UnixVfs.Core.Tests.TestHost;

namespace UnixVfs.Core.Tests.Syscalls;

public class AttrTests
{
    private readonly TestHost _h = new();
    private Process P => _h.Root;

    [Fact]
    public void Stat_describes_a_file_and_its_file_system()
    {
        _h.WriteFile("/m/f", "12345");
        var st = _h.StatOf("/m/f");
        Assert.Equal(VType.VREG, st.Type);
        Assert.Equal(ModeBits.S_IFREG | File644, st.Mode);
        Assert.Equal(5L, st.Size);
        Assert.Equal(1u, st.Nlink);
        Assert.Equal(0u, st.Uid);
        Assert.Equal(_h.Tmp.Fsid, st.Dev);
        Assert.Equal(4096u, st.Blksize);
        Assert.NotEqual(_h.StatOf("/m").Ino, st.Ino);
    }

    [Fact]
    public void A_directory_has_two_links_plus_one_per_subdirectory()
    {
        Ok(P.Mkdir("/m/d", Dir755));
        Assert.Equal(2u, _h.StatOf("/m/d").Nlink);
        Ok(P.Mkdir("/m/d/a", Dir755));
        Ok(P.Mkdir("/m/d/b", Dir755));
        _h.WriteFile("/m/d/f", "");
        Assert.Equal(4u, _h.StatOf("/m/d").Nlink);
        Ok(P.Rmdir("/m/d/a"));
        Assert.Equal(3u, _h.StatOf("/m/d").Nlink);
    }

    [Fact]
    public void Lstat_describes_the_link_and_stat_its_target()
    {
        _h.WriteFile("/m/f", "abc");
        Ok(P.Symlink("f", "/m/l"));
        var l = _h.LstatOf("/m/l");
        Assert.Equal(VType.VLNK, l.Type);
        Assert.Equal(1L, l.Size); // the length of "f"
        Assert.Equal(0x1FFu, l.Perm);
        var s = _h.StatOf("/m/l");
        Assert.Equal(VType.VREG, s.Type);
        Assert.Equal(_h.StatOf("/m/f").Ino, s.Ino);
    }

    [Fact]
    public void Stat_of_a_dangling_link_is_ENOENT_and_lstat_is_OK()
    {
        Ok(P.Symlink("nowhere", "/m/l"));
        Assert.Equal(Errno.ENOENT, P.Stat("/m/l", out var st));
        Assert.Null(st);
        Ok(P.Lstat("/m/l", out _));
    }

    [Fact]
    public void Fstat_sees_the_open_file_even_after_its_name_is_gone()
    {
        _h.WriteFile("/m/f", "abc");
        Ok(P.Open("/m/f", O_RDONLY, 0, out int fd));
        Ok(P.Unlink("/m/f"));
        Ok(P.Fstat(fd, out var st));
        Assert.Equal(3L, st!.Size);
        Assert.Equal(0u, st.Nlink);
        Ok(P.Close(fd));
        Assert.Equal(Errno.EBADF, P.Fstat(fd, out _));
    }

    [Fact]
    public void Chmod_sets_the_permission_bits_and_ctime()
    {
        _h.WriteFile("/m/f", "");
        var before = _h.StatOf("/m/f");
        Ok(P.Chmod("/m/f", 0x100)); // 0400
        var after = _h.StatOf("/m/f");
        Assert.Equal(0x100u, after.Perm);
        Assert.Equal(VType.VREG, after.Type);
        Assert.True(after.Ctime > before.Ctime);
        Assert.Equal(before.Mtime, after.Mtime);
        Ok(P.Chmod("/m/f", 0xFFFF_F1FF)); // type bits are ignored
        Assert.Equal(0x1FFu, _h.StatOf("/m/f").Perm);
        Assert.Equal(Errno.ENOENT, P.Chmod("/m/nope", 0));
    }

    [Fact]
    public void Chmod_follows_links_and_fchmod_works_on_a_descriptor()
    {
        _h.WriteFile("/m/f", "");
        Ok(P.Symlink("f", "/m/l"));
        Ok(P.Chmod("/m/l", 0x180));
        Assert.Equal(0x180u, _h.StatOf("/m/f").Perm);
        Assert.Equal(0x1FFu, _h.LstatOf("/m/l").Perm);
        Ok(P.Open("/m/f", O_RDONLY, 0, out int fd));
        Ok(P.Fchmod(fd, 0x124));
        Ok(P.Close(fd));
        Assert.Equal(0x124u, _h.StatOf("/m/f").Perm);
        Assert.Equal(Errno.EBADF, P.Fchmod(fd, 0));
    }

    [Fact]
    public void Chown_by_root_changes_owner_and_group_and_minus_one_leaves_one_alone()
    {
        _h.WriteFile("/m/f", "");
        Ok(P.Chown("/m/f", 1000, 100));
        var st = _h.StatOf("/m/f");
        Assert.Equal((1000u, 100u), (st.Uid, st.Gid));
        Ok(P.Chown("/m/f", uint.MaxValue, 200));
        st = _h.StatOf("/m/f");
        Assert.Equal((1000u, 200u), (st.Uid, st.Gid));
        Ok(P.Chown("/m/f", 7, uint.MaxValue));
        st = _h.StatOf("/m/f");
        Assert.Equal((7u, 200u), (st.Uid, st.Gid));
    }

    [Fact]
    public void Chown_clears_set_id_bits_of_a_file()
    {
        _h.WriteFile("/m/f", "");
        Ok(P.Chmod("/m/f", 0xDED)); // 06755
        Ok(P.Chown("/m/f", 1000, 1000));
        Assert.Equal(0x1EDu, _h.StatOf("/m/f").Perm);
    }

    [Fact]
    public void Lchown_changes_the_link_and_chown_its_target()
    {
        _h.WriteFile("/m/f", "");
        Ok(P.Symlink("f", "/m/l"));
        Ok(P.Lchown("/m/l", 5, 5));
        Assert.Equal(5u, _h.LstatOf("/m/l").Uid);
        Assert.Equal(0u, _h.StatOf("/m/f").Uid);
        Ok(P.Chown("/m/l", 6, 6));
        Assert.Equal(6u, _h.StatOf("/m/f").Uid);
    }

    [Fact]
    public void Utimens_sets_explicit_times_now_or_omits()
    {
        _h.WriteFile("/m/f", "");
        var t = new Timespec(1_000_000, 123);
        Ok(P.Utimens("/m/f", [t, new Timespec(2_000_000, 456)]));
        var st = _h.StatOf("/m/f");
        Assert.Equal(t, st.Atime);
        Assert.Equal(new Timespec(2_000_000, 456), st.Mtime);
        Ok(P.Utimens("/m/f", [new Timespec(0, Timespec.UtimeOmit), new Timespec(0, Timespec.UtimeNow)]));
        var st2 = _h.StatOf("/m/f");
        Assert.Equal(t, st2.Atime);
        Assert.True(st2.Mtime > st.Ctime);
        Ok(P.Utimens("/m/f", null));
        var st3 = _h.StatOf("/m/f");
        Assert.True(st3.Atime > st2.Mtime);
    }

    [Fact]
    public void Utimens_errnos()
    {
        _h.WriteFile("/m/f", "");
        var before = TreeSnapshot.Take(_h.Kernel, "/m");
        Assert.Equal(Errno.EINVAL, P.Utimens("/m/f", [new Timespec(0, 0)]));
        Assert.Equal(Errno.EINVAL, P.Utimens("/m/f", [new Timespec(0, -1), new Timespec(0, 0)]));
        Assert.Equal(Errno.EINVAL, P.Utimens("/m/f", [new Timespec(0, 0), new Timespec(0, 1_000_000_000)]));
        Assert.Equal(Errno.ENOENT, P.Utimens("/m/nope", null));
        Assert.Equal(before, TreeSnapshot.Take(_h.Kernel, "/m"));
    }

    [Fact]
    public void Utimens_with_AT_SYMLINK_NOFOLLOW_sets_the_link_itself()
    {
        _h.WriteFile("/m/f", "");
        Ok(P.Symlink("f", "/m/l"));
        var t = new Timespec(42, 0);
        Ok(P.Utimens("/m/l", [t, t], AtFlags.AT_SYMLINK_NOFOLLOW));
        Assert.Equal(t, _h.LstatOf("/m/l").Mtime);
        Assert.NotEqual(t, _h.StatOf("/m/f").Mtime);
    }

    /// <summary>Name operations and which times each must move: on the directory, and on the file it names.</summary>
    public static TheoryData<string, string, string> TimeRules => new()
    {
        // operation,  what moves on /m/d, what moves on /m/d/f (or its new name)
        { "create", "mc", "" },
        { "mkdir", "mc", "" },
        { "symlink", "mc", "" },
        { "unlink", "mc", "c" },
        { "link", "mc", "c" },
        { "rename", "mc", "c" },
        { "rmdir", "mc", "" },
        { "chmod", "", "c" },
        { "truncate", "", "mc" },
        { "write", "", "mc" },
        { "read", "", "a" },
        { "getdents", "a", "" },
        { "stat", "", "" },
    };

    [Theory]
    [MemberData(nameof(TimeRules))]
    public void Each_operation_moves_the_times_POSIX_says_and_no_others(string op, string dirMoves, string fileMoves)
    {
        Ok(P.Mkdir("/m/d", Dir755));
        Ok(P.Mkdir("/m/d/sub", Dir755));
        _h.WriteFile("/m/d/f", "data");
        Ok(P.Link("/m/d/f", "/m/d/keep")); // so that the file outlives an unlink and can still be stat'ed
        var d0 = _h.StatOf("/m/d");
        var f0 = _h.StatOf("/m/d/keep");
        switch (op)
        {
            case "create": _h.WriteFile("/m/d/new", ""); break;
            case "mkdir": Ok(P.Mkdir("/m/d/new", Dir755)); break;
            case "symlink": Ok(P.Symlink("f", "/m/d/new")); break;
            case "unlink": Ok(P.Unlink("/m/d/f")); break;
            case "link": Ok(P.Link("/m/d/f", "/m/d/new")); break;
            case "rename": Ok(P.Rename("/m/d/f", "/m/d/new")); break;
            case "rmdir": Ok(P.Rmdir("/m/d/sub")); break;
            case "chmod": Ok(P.Chmod("/m/d/f", 0x180)); break;
            case "truncate": Ok(P.Truncate("/m/d/f", 1)); break;
            case "write":
                Ok(P.Open("/m/d/f", O_WRONLY, 0, out int w));
                Ok(P.Write(w, "x"u8.ToArray(), out _));
                Ok(P.Close(w));
                break;
            case "read": _h.ReadFile("/m/d/f"); break;
            case "getdents": _h.Names("/m/d"); break;
            case "stat": _h.StatOf("/m/d/f"); break;
        }
        var d1 = _h.StatOf("/m/d");
        var f1 = _h.StatOf("/m/d/keep");
        Assert.Equal(dirMoves, Moved(d0, d1));
        Assert.Equal(fileMoves, Moved(f0, f1));
    }

    private static string Moved(Stat before, Stat after) =>
        (after.Mtime > before.Mtime ? "m" : "") + (after.Ctime > before.Ctime ? "c" : "") + (after.Atime > before.Atime ? "a" : "");

    [Fact]
    public void Statvfs_reports_the_file_system_holding_the_path()
    {
        var h = new TestHost(options: "size=1m,nr_inodes=100");
        Ok(h.Root.Statvfs("/m", out var sv));
        Assert.Equal("tmpfs", sv!.Basetype);
        Assert.Equal(256UL, sv.Blocks);
        Assert.Equal(256UL, sv.Bfree);
        Assert.Equal(100UL, sv.Files);
        Assert.Equal(99UL, sv.Ffree); // the root
        Assert.Equal(h.Tmp.Fsid, sv.Fsid);
        Assert.Equal(255UL, sv.Namemax);
        h.WriteFile("/m/f", new string('x', 5000));
        Ok(h.Root.Statvfs("/m/f", out sv));
        Assert.Equal(254UL, sv!.Bfree);
        Assert.Equal(98UL, sv.Ffree);
        Assert.Equal(Errno.ENOENT, h.Root.Statvfs("/m/nope", out sv));
        Assert.Null(sv);
        Ok(h.Root.Statvfs("/", out sv));
        Assert.Equal(h.Kernel.RootVfs.Fsid, sv!.Fsid);
    }

    [Fact]
    public void A_read_only_mount_says_so_and_refuses_changes_with_EROFS()
    {
        Ok(P.Mkdir("/ro", Dir755));
        Ok(P.Mount("swap", "/ro", "tmpfs", MountFlags.MS_RDONLY));
        Ok(P.Statvfs("/ro", out var sv));
        Assert.Equal(Statvfs.ST_RDONLY, sv!.Flag & Statvfs.ST_RDONLY);
        Assert.Equal(Errno.EROFS, P.Mkdir("/ro/d", Dir755));
        Assert.Equal(Errno.EROFS, P.Open("/ro/f", O_CREAT | O_WRONLY, Mode666, out _));
        Assert.Equal(Errno.EROFS, P.Chmod("/ro", 0));
        Assert.Equal(Errno.EROFS, P.Symlink("x", "/ro/l"));
        Assert.Equal(Errno.EROFS, P.Access("/ro", AccessOk.W_OK));
        Ok(P.Access("/ro", AccessOk.R_OK | AccessOk.X_OK));
    }

    [Fact]
    public void Access_checks_the_callers_permissions()
    {
        _h.WriteFile("/m/f", "", mode: 0x1A0); // 0640
        Ok(P.Chown("/m/f", 10, 20));
        var owner = _h.User(10, 99);
        var group = _h.User(11, 20);
        var other = _h.User(12, 30);
        Ok(owner.Access("/m/f", AccessOk.R_OK | AccessOk.W_OK));
        Assert.Equal(Errno.EACCES, owner.Access("/m/f", AccessOk.X_OK));
        Ok(group.Access("/m/f", AccessOk.R_OK));
        Assert.Equal(Errno.EACCES, group.Access("/m/f", AccessOk.W_OK));
        Assert.Equal(Errno.EACCES, other.Access("/m/f", AccessOk.R_OK));
        Ok(other.Access("/m/f", AccessOk.F_OK));
        Assert.Equal(Errno.ENOENT, other.Access("/m/nope", AccessOk.F_OK));
        Assert.Equal(Errno.EINVAL, other.Access("/m/f", (AccessOk)8));
    }
}
