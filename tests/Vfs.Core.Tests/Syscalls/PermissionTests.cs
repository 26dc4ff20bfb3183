// Tests of Vfs.Core: who may do what -- owner, group and other bits, the superuser's bypass, the
// sticky bit, and the owner-only attribute changes.
using static UnixVfs.Core.OFlags;
using static UnixVfs.Core.Tests.TestHost;

namespace UnixVfs.Core.Tests.Syscalls;

public class PermissionTests
{
    private readonly TestHost _h = new();
    private readonly Process _alice, _bob, _carol; // alice owns; bob shares her group; carol is other

    public PermissionTests()
    {
        _alice = _h.User(1000, 100);
        _bob = _h.User(1001, 100);
        _carol = _h.User(1002, 200);
        Ok(_h.Root.Mkdir("/m/home", Mode777));
        Ok(_h.Root.Chown("/m/home", 1000, 100));
        Ok(_h.Root.Chmod("/m/home", Dir755));
    }

    [Fact]
    public void What_if_a_non_owner_opens_a_file_its_class_cannot_read_or_write()
    {
        WriteFile(_alice, "/m/home/f", "secret", mode: 0x1A0); // 0640
        Assert.Equal("secret", ReadFile(_bob, "/m/home/f"));
        Assert.Equal(Errno.EACCES, _bob.Open("/m/home/f", O_WRONLY, 0, out _));
        Assert.Equal(Errno.EACCES, _carol.Open("/m/home/f", O_RDONLY, 0, out _));
        Assert.Equal(Errno.EACCES, _carol.Open("/m/home/f", O_RDONLY | O_TRUNC, 0, out _));
        Assert.Equal(Errno.EACCES, _bob.Truncate("/m/home/f", 0));
        Assert.Equal("secret", _h.ReadFile("/m/home/f"));
    }

    [Fact]
    public void Owner_bits_apply_to_the_owner_even_when_group_or_other_bits_would_allow_more()
    {
        WriteFile(_alice, "/m/home/f", "x", mode: 0x3F); // 0077
        Assert.Equal(Errno.EACCES, _alice.Open("/m/home/f", O_RDONLY, 0, out _));
        Assert.Equal("x", ReadFile(_bob, "/m/home/f"));
    }

    [Fact]
    public void Supplementary_groups_count_as_group_membership()
    {
        WriteFile(_alice, "/m/home/f", "x", mode: 0x1A0); // 0640
        var dave = _h.User(1003, 300, 100);
        Assert.Equal("x", ReadFile(dave, "/m/home/f"));
    }

    [Fact]
    public void Root_reads_and_writes_anything_but_executes_only_what_has_an_execute_bit()
    {
        WriteFile(_alice, "/m/home/f", "x", mode: 0);
        Ok(_h.Root.Open("/m/home/f", O_RDWR, 0, out int fd));
        Ok(_h.Root.Close(fd));
        Assert.Equal(Errno.EACCES, _h.Root.Access("/m/home/f", AccessOk.X_OK));
        Ok(_h.Root.Chmod("/m/home/f", 0x8)); // 0010
        Ok(_h.Root.Access("/m/home/f", AccessOk.X_OK));
        Ok(_h.Root.Mkdir("/m/home/locked", 0));
        Ok(_h.Root.Access("/m/home/locked", AccessOk.X_OK | AccessOk.W_OK)); // directories: search always
        WriteFile(_h.Root, "/m/home/locked/g", "root can");
    }

    [Fact]
    public void Creating_or_removing_a_name_needs_write_and_search_on_the_directory()
    {
        WriteFile(_alice, "/m/home/f", "");
        var before = TreeSnapshot.Take(_h.Kernel, "/m");
        Assert.Equal(Errno.EACCES, _bob.Open("/m/home/g", O_CREAT | O_WRONLY, Mode666, out _));
        Assert.Equal(Errno.EACCES, _bob.Mkdir("/m/home/d", Dir755));
        Assert.Equal(Errno.EACCES, _bob.Unlink("/m/home/f"));
        Assert.Equal(Errno.EACCES, _bob.Rename("/m/home/f", "/m/home/g"));
        Assert.Equal(Errno.EACCES, _bob.Link("/m/home/f", "/m/home/g"));
        Assert.Equal(Errno.EACCES, _bob.Symlink("f", "/m/home/g"));
        Assert.Equal(before, TreeSnapshot.Take(_h.Kernel, "/m"));
    }

    [Fact]
    public void A_directory_without_search_permission_hides_its_names()
    {
        Ok(_alice.Mkdir("/m/home/priv", 0x1C0)); // 0700
        WriteFile(_alice, "/m/home/priv/f", "x");
        Assert.Equal(Errno.EACCES, _bob.Stat("/m/home/priv/f", out _));
        Assert.Equal(Errno.EACCES, _bob.Chdir("/m/home/priv"));
        Ok(_alice.Chmod("/m/home/priv", 0x1C4)); // 0704: other may read the list, not search
        Assert.Equal(Errno.EACCES, _carol.Stat("/m/home/priv/f", out _));
        Ok(_carol.Open("/m/home/priv", O_RDONLY, 0, out int fd));
        Ok(_carol.Getdents(fd, new byte[1024], out int n));
        Assert.True(n > 0);
        Ok(_carol.Close(fd));
    }

    [Fact]
    public void Only_the_owner_or_root_may_chmod_or_set_explicit_times()
    {
        WriteFile(_alice, "/m/home/f", "", mode: Mode666);
        var before = TreeSnapshot.Take(_h.Kernel, "/m");
        Assert.Equal(Errno.EPERM, _bob.Chmod("/m/home/f", Mode777));
        Assert.Equal(Errno.EPERM, _bob.Utimens("/m/home/f", [new Timespec(1, 0), new Timespec(1, 0)]));
        Assert.Equal(before, TreeSnapshot.Take(_h.Kernel, "/m"));
        Ok(_bob.Utimens("/m/home/f", null)); // "now" needs only write permission
        Ok(_carol.Utimens("/m/home/f", null));
        Ok(_alice.Chmod("/m/home/f", 0x180)); // 0600
        Assert.Equal(Errno.EACCES, _bob.Utimens("/m/home/f", null));
        Ok(_alice.Utimens("/m/home/f", null));
    }

    [Fact]
    public void Only_root_gives_a_file_away_and_an_owner_may_change_its_group_only_to_one_of_theirs()
    {
        WriteFile(_alice, "/m/home/f", "");
        Assert.Equal(Errno.EPERM, _alice.Chown("/m/home/f", 1001, uint.MaxValue));
        Assert.Equal(Errno.EPERM, _alice.Chown("/m/home/f", uint.MaxValue, 200));
        Assert.Equal(Errno.EPERM, _bob.Chown("/m/home/f", uint.MaxValue, 100)); // not the owner, even for no change
        var alice2 = _h.User(1000, 100, 300);
        Ok(alice2.Chown("/m/home/f", uint.MaxValue, 300));
        Assert.Equal(300u, _h.StatOf("/m/home/f").Gid);
        Ok(_alice.Chown("/m/home/f", 1000, uint.MaxValue)); // to oneself: no change, allowed
    }

    [Fact]
    public void A_non_member_setting_setgid_loses_the_bit_silently()
    {
        WriteFile(_alice, "/m/home/f", "");
        Ok(_h.Root.Chown("/m/home/f", 1000, 999));
        Ok(_alice.Chmod("/m/home/f", 0x5ED)); // 02755
        Assert.Equal(0x1EDu, _h.StatOf("/m/home/f").Perm);
    }

    [Fact]
    public void Writing_by_a_non_root_user_clears_setuid_and_setgid()
    {
        WriteFile(_alice, "/m/home/f", "", mode: Mode666);
        Ok(_alice.Chmod("/m/home/f", 0xDB6)); // 06666
        Assert.Equal(0xDB6u, _h.StatOf("/m/home/f").Perm);
        WriteFile(_bob, "/m/home/f", "changed");
        Assert.Equal(Mode666, _h.StatOf("/m/home/f").Perm);
    }

    [Fact]
    public void What_if_users_remove_each_others_files_in_a_sticky_directory()
    {
        Ok(_h.Root.Mkdir("/m/tmp", 0x3FF)); // 01777
        WriteFile(_alice, "/m/tmp/a", "");
        WriteFile(_bob, "/m/tmp/b", "");
        var before = TreeSnapshot.Take(_h.Kernel, "/m");
        Assert.Equal(Errno.EPERM, _bob.Unlink("/m/tmp/a"));
        Assert.Equal(Errno.EPERM, _bob.Rename("/m/tmp/a", "/m/tmp/c"));
        Assert.Equal(Errno.EPERM, _bob.Rename("/m/tmp/b", "/m/tmp/a")); // replacing alice's file is removing it
        Assert.Equal(before, TreeSnapshot.Take(_h.Kernel, "/m"));
        Ok(_bob.Rename("/m/tmp/b", "/m/tmp/b2"));
        Ok(_alice.Unlink("/m/tmp/a"));
        Ok(_h.Root.Unlink("/m/tmp/b2"));
    }

    [Fact]
    public void The_owner_of_a_sticky_directory_may_remove_anything_in_it()
    {
        Ok(_alice.Mkdir("/m/home/t", 0x3FF));
        WriteFile(_bob, "/m/home/t/b", "");
        Ok(_alice.Unlink("/m/home/t/b"));
    }

    [Fact]
    public void Mount_and_umount_are_for_root_only()
    {
        Ok(_h.Root.Mkdir("/mnt2", Mode777));
        Assert.Equal(Errno.EPERM, _alice.Mount("swap", "/mnt2", "tmpfs"));
        Ok(_h.Root.Mount("swap", "/mnt2", "tmpfs"));
        Assert.Equal(Errno.EPERM, _alice.Umount("/mnt2"));
        Ok(_h.Root.Umount("/mnt2"));
    }

    [Fact]
    public void New_files_belong_to_the_creator_or_inherit_a_setgid_directorys_group()
    {
        WriteFile(_bob, "/m/home/../f", "");
        Assert.Equal((1001u, 100u), (_h.StatOf("/m/f").Uid, _h.StatOf("/m/f").Gid));
        Ok(_h.Root.Mkdir("/m/shared", 0x5FF)); // 02777
        Ok(_h.Root.Chown("/m/shared", 0, 555));
        WriteFile(_carol, "/m/shared/c", "");
        Ok(_carol.Mkdir("/m/shared/sub", Dir755));
        Assert.Equal(555u, _h.StatOf("/m/shared/c").Gid);
        Assert.Equal(555u, _h.StatOf("/m/shared/sub").Gid);
        Assert.NotEqual(0u, _h.StatOf("/m/shared/sub").Perm & ModeBits.S_ISGID);
    }
}
