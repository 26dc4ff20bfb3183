// Tests of Vfs.Core: the calls that make, remove and change names -- mkdir, rmdir, unlink, rename,
// link, symlink, readlink -- and getdents, which lists them.
using static UnixVfs.Core.OFlags;
using static UnixVfs.Core.Tests.TestHost;

namespace UnixVfs.Core.Tests.Syscalls;

public class NameTests
{
    private readonly TestHost _h = new();
    private Process P => _h.Root;

    // ---- mkdir ----

    [Fact]
    public void Mkdir_makes_an_empty_directory_and_touches_its_parent()
    {
        var parent = _h.StatOf("/m");
        Ok(P.Mkdir("/m/d", 0x1C0));
        var st = _h.StatOf("/m/d");
        Assert.Equal(VType.VDIR, st.Type);
        Assert.Equal(0x1C0u, st.Perm);
        Assert.Empty(_h.Names("/m/d"));
        var after = _h.StatOf("/m");
        Assert.True(after.Mtime > parent.Mtime);
        Assert.Equal(parent.Nlink + 1, after.Nlink);
    }

    [Fact]
    public void Mkdir_errnos()
    {
        _h.WriteFile("/m/f", "");
        Ok(P.Symlink("nowhere", "/m/dangling"));
        Ok(P.Mkdir("/m/d", Dir755));
        var before = TreeSnapshot.Take(_h.Kernel, "/m");
        Assert.Equal(Errno.EEXIST, P.Mkdir("/m/d", Dir755));
        Assert.Equal(Errno.EEXIST, P.Mkdir("/m/f", Dir755));
        Assert.Equal(Errno.EEXIST, P.Mkdir("/m/dangling", Dir755));
        Assert.Equal(Errno.EEXIST, P.Mkdir("/m", Dir755));
        Assert.Equal(Errno.EEXIST, P.Mkdir("/", Dir755));
        Assert.Equal(Errno.ENOENT, P.Mkdir("/m/x/y", Dir755));
        Assert.Equal(Errno.ENOTDIR, P.Mkdir("/m/f/y", Dir755));
        Assert.Equal(Errno.ENOENT, P.Mkdir("", Dir755));
        Assert.Equal(before, TreeSnapshot.Take(_h.Kernel, "/m"));
    }

    [Fact]
    public void Mkdir_with_a_trailing_slash_makes_the_directory()
    {
        Ok(P.Mkdir("/m/d/", Dir755));
        Assert.Equal(VType.VDIR, _h.StatOf("/m/d").Type);
    }

    // ---- rmdir ----

    [Fact]
    public void Rmdir_removes_an_empty_directory()
    {
        Ok(P.Mkdir("/m/d", Dir755));
        Ok(P.Rmdir("/m/d"));
        Assert.Equal(Errno.ENOENT, P.Stat("/m/d", out _));
        Assert.Equal(2u, _h.StatOf("/m").Nlink);
    }

    [Fact]
    public void Rmdir_errnos()
    {
        Ok(P.Mkdir("/m/d", Dir755));
        Ok(P.Mkdir("/m/d/sub", Dir755));
        _h.WriteFile("/m/f", "");
        Ok(P.Symlink("d", "/m/ld"));
        var before = TreeSnapshot.Take(_h.Kernel, "/m");
        Assert.Equal(Errno.ENOTEMPTY, P.Rmdir("/m/d"));
        Assert.Equal(Errno.ENOTDIR, P.Rmdir("/m/f"));
        Assert.Equal(Errno.ENOTDIR, P.Rmdir("/m/ld")); // the link is not followed
        Assert.Equal(Errno.ENOENT, P.Rmdir("/m/nope"));
        Assert.Equal(Errno.EINVAL, P.Rmdir("/m/d/sub/."));
        Assert.Equal(Errno.ENOTEMPTY, P.Rmdir("/m/d/sub/.."));
        Assert.Equal(Errno.EBUSY, P.Rmdir("/m")); // a mount point
        Assert.Equal(Errno.EBUSY, P.Rmdir("/"));
        Assert.Equal(before, TreeSnapshot.Take(_h.Kernel, "/m"));
    }

    [Fact]
    public void Rmdir_of_the_current_directory_is_refused()
    {
        Ok(P.Mkdir("/m/d", Dir755));
        Ok(P.Chdir("/m/d"));
        Assert.Equal(Errno.EINVAL, P.Rmdir("/m/d"));
        Ok(P.Chdir("/"));
        Ok(P.Rmdir("/m/d"));
    }

    [Fact]
    public void A_removed_directory_that_is_still_open_reads_as_empty()
    {
        Ok(P.Mkdir("/m/d", Dir755));
        Ok(P.Open("/m/d", O_RDONLY, 0, out int fd));
        Ok(P.Rmdir("/m/d"));
        Ok(P.Getdents(fd, new byte[1024], out int n));
        Assert.Equal(0, n);
        Ok(P.Close(fd));
        Holds.AssertBalanced(_h.Kernel, "/m");
    }

    // ---- unlink ----

    [Fact]
    public void Unlink_removes_a_name_and_frees_the_file_with_its_last_link()
    {
        _h.WriteFile("/m/f", "data");
        Ok(P.Statvfs("/m", out var sv0));
        Ok(P.Unlink("/m/f"));
        Assert.Equal(Errno.ENOENT, P.Stat("/m/f", out _));
        Ok(P.Statvfs("/m", out var sv1));
        Assert.Equal(sv0!.Ffree + 1, sv1!.Ffree);
        Assert.Equal(sv0.Bfree + 1, sv1.Bfree);
    }

    [Fact]
    public void Unlink_errnos()
    {
        Ok(P.Mkdir("/m/d", Dir755));
        _h.WriteFile("/m/f", "");
        var before = TreeSnapshot.Take(_h.Kernel, "/m");
        Assert.Equal(Errno.EISDIR, P.Unlink("/m/d"));
        Assert.Equal(Errno.ENOENT, P.Unlink("/m/nope"));
        Assert.Equal(Errno.ENOTDIR, P.Unlink("/m/f/"));
        Assert.Equal(Errno.ENOTDIR, P.Unlink("/m/f/x"));
        Assert.Equal(Errno.EISDIR, P.Unlink("/m/d/."));
        Assert.Equal(before, TreeSnapshot.Take(_h.Kernel, "/m"));
    }

    [Fact]
    public void Unlink_of_a_symbolic_link_removes_the_link_not_its_target()
    {
        _h.WriteFile("/m/f", "x");
        Ok(P.Symlink("f", "/m/l"));
        Ok(P.Unlink("/m/l"));
        Assert.Equal("x", _h.ReadFile("/m/f"));
        Assert.Equal(Errno.ENOENT, P.Lstat("/m/l", out _));
    }

    [Fact]
    public void An_unlinked_open_file_stays_readable_and_writable_until_its_last_close_and_is_then_freed()
    {
        _h.WriteFile("/m/f", "still here");
        Ok(P.Open("/m/f", O_RDWR, 0, out int fd));
        Ok(P.Statvfs("/m", out var sv0));
        Ok(P.Unlink("/m/f"));
        Assert.Equal(Errno.ENOENT, P.Stat("/m/f", out _));
        Ok(P.Statvfs("/m", out var sv1));
        Assert.Equal(sv0!.Ffree, sv1!.Ffree); // not freed while open
        Assert.Equal("still here", System.Text.Encoding.ASCII.GetString(ReadAll(P, fd)));
        Ok(P.Pwrite(fd, "STILL"u8.ToArray(), 0, out _));
        var buf = new byte[10];
        Ok(P.Pread(fd, buf, 0, out _));
        Assert.Equal("STILL here", System.Text.Encoding.ASCII.GetString(buf));
        long inactive = _h.Tmp.Stats.Calls(VopName.Inactive);
        Ok(P.Close(fd));
        Assert.True(_h.Tmp.Stats.Calls(VopName.Inactive) > inactive);
        Ok(P.Statvfs("/m", out var sv2));
        Assert.Equal(sv0.Ffree + 1, sv2!.Ffree);
        Assert.Equal(sv0.Bfree + 1, sv2.Bfree);
        Holds.AssertBalanced(_h.Kernel, "/m");
    }

    [Fact]
    public void A_new_file_under_the_old_name_is_a_different_file()
    {
        _h.WriteFile("/m/f", "old");
        Ok(P.Open("/m/f", O_RDONLY, 0, out int fd));
        ulong oldIno = _h.StatOf("/m/f").Ino;
        Ok(P.Unlink("/m/f"));
        _h.WriteFile("/m/f", "new");
        Assert.NotEqual(oldIno, _h.StatOf("/m/f").Ino);
        Assert.Equal("old", System.Text.Encoding.ASCII.GetString(ReadAll(P, fd)));
        Assert.Equal("new", _h.ReadFile("/m/f"));
        Ok(P.Close(fd));
    }

    // ---- link ----

    [Fact]
    public void Link_makes_a_second_name_for_the_same_file()
    {
        _h.WriteFile("/m/f", "one");
        Ok(P.Mkdir("/m/d", Dir755));
        Ok(P.Link("/m/f", "/m/d/g"));
        var f = _h.StatOf("/m/f");
        var g = _h.StatOf("/m/d/g");
        Assert.Equal(f.Ino, g.Ino);
        Assert.Equal(2u, f.Nlink);
        _h.WriteFile("/m/d/g", "two");
        Assert.Equal("two", _h.ReadFile("/m/f"));
        Ok(P.Unlink("/m/f"));
        Assert.Equal(1u, _h.StatOf("/m/d/g").Nlink);
        Assert.Equal("two", _h.ReadFile("/m/d/g"));
    }

    [Fact]
    public void Link_does_not_follow_a_final_symbolic_link()
    {
        _h.WriteFile("/m/f", "x");
        Ok(P.Symlink("f", "/m/l"));
        Ok(P.Link("/m/l", "/m/l2"));
        Assert.Equal(VType.VLNK, _h.LstatOf("/m/l2").Type);
        Assert.Equal(_h.LstatOf("/m/l").Ino, _h.LstatOf("/m/l2").Ino);
        Assert.Equal(1u, _h.StatOf("/m/f").Nlink);
    }

    [Fact]
    public void Link_errnos()
    {
        _h.WriteFile("/m/f", "");
        _h.WriteFile("/m/g", "");
        Ok(P.Mkdir("/m/d", Dir755));
        _h.WriteFile("/rootfile", "");
        var before = TreeSnapshot.Take(_h.Kernel, "/m");
        Assert.Equal(Errno.EEXIST, P.Link("/m/f", "/m/g"));
        Assert.Equal(Errno.EEXIST, P.Link("/m/d", "/m/g")); // the existing target is reported before the directory
        Assert.Equal(Errno.EPERM, P.Link("/m/d", "/m/d2"));
        Assert.Equal(Errno.ENOENT, P.Link("/m/nope", "/m/h"));
        Assert.Equal(Errno.ENOENT, P.Link("/m/f", "/m/nodir/h"));
        Assert.Equal(Errno.ENOENT, P.Link("/m/d", "/m/nodir/h"));
        Assert.Equal(Errno.EXDEV, P.Link("/rootfile", "/m/h"));
        Assert.Equal(Errno.EXDEV, P.Link("/m/f", "/h"));
        Assert.Equal(before, TreeSnapshot.Take(_h.Kernel, "/m"));
    }

    // ---- symlink and readlink ----

    [Fact]
    public void Symlink_stores_its_target_verbatim_and_readlink_returns_it()
    {
        Ok(P.Symlink("../some/where/", "/m/l"));
        Ok(P.Readlink("/m/l", out string t));
        Assert.Equal("../some/where/", t);
        var buf = new byte[4];
        Ok(P.Readlink("/m/l", buf, out int n));
        Assert.Equal(4, n);
        Assert.Equal("../s", System.Text.Encoding.ASCII.GetString(buf));
    }

    [Fact]
    public void Symlink_and_readlink_errnos()
    {
        _h.WriteFile("/m/f", "");
        var before = TreeSnapshot.Take(_h.Kernel, "/m");
        Assert.Equal(Errno.EEXIST, P.Symlink("x", "/m/f"));
        Assert.Equal(Errno.ENOENT, P.Symlink("", "/m/l"));
        Assert.Equal(Errno.ENOENT, P.Symlink("x", "/m/nodir/l"));
        Assert.Equal(Errno.EINVAL, P.Symlink("a\0b", "/m/l"));
        Assert.Equal(Errno.ENAMETOOLONG, P.Symlink(new string('t', Limits.PathMax), "/m/l"));
        Assert.Equal(Errno.EINVAL, P.Readlink("/m/f", out _));
        Assert.Equal(Errno.EINVAL, P.Readlink("/m", out _));
        Assert.Equal(Errno.ENOENT, P.Readlink("/m/nope", out _));
        Assert.Equal(before, TreeSnapshot.Take(_h.Kernel, "/m"));
    }

    // ---- rename ----

    [Fact]
    public void Rename_moves_a_file_between_directories()
    {
        _h.WriteFile("/m/f", "x");
        Ok(P.Mkdir("/m/d", Dir755));
        ulong ino = _h.StatOf("/m/f").Ino;
        Ok(P.Rename("/m/f", "/m/d/g"));
        Assert.Equal(Errno.ENOENT, P.Stat("/m/f", out _));
        Assert.Equal(ino, _h.StatOf("/m/d/g").Ino);
        Assert.Equal("x", _h.ReadFile("/m/d/g"));
    }

    [Fact]
    public void Rename_over_an_existing_file_replaces_it_and_frees_the_old_one()
    {
        _h.WriteFile("/m/a", "new");
        _h.WriteFile("/m/b", "old");
        Ok(P.Statvfs("/m", out var sv0));
        Ok(P.Rename("/m/a", "/m/b"));
        Assert.Equal("new", _h.ReadFile("/m/b"));
        Assert.Equal(Errno.ENOENT, P.Stat("/m/a", out _));
        Ok(P.Statvfs("/m", out var sv1));
        Assert.Equal(sv0!.Ffree + 1, sv1!.Ffree);
    }

    [Fact]
    public void Rename_over_a_file_that_is_still_open_keeps_it_readable()
    {
        _h.WriteFile("/m/a", "new");
        _h.WriteFile("/m/b", "old");
        Ok(P.Open("/m/b", O_RDONLY, 0, out int fd));
        Ok(P.Rename("/m/a", "/m/b"));
        Assert.Equal("old", System.Text.Encoding.ASCII.GetString(ReadAll(P, fd)));
        Ok(P.Fstat(fd, out var st));
        Assert.Equal(0u, st!.Nlink);
        Ok(P.Close(fd));
        Holds.AssertBalanced(_h.Kernel, "/m");
    }

    [Fact]
    public void Rename_of_a_directory_over_an_empty_directory_replaces_it_and_fixes_link_counts()
    {
        Ok(P.Mkdir("/m/x", Dir755));
        Ok(P.Mkdir("/m/x/a", Dir755));
        Ok(P.Mkdir("/m/y", Dir755));
        Ok(P.Mkdir("/m/y/b", Dir755));
        _h.WriteFile("/m/x/a/f", "in a");
        Ok(P.Rename("/m/x/a", "/m/y/b"));
        Assert.Equal("in a", _h.ReadFile("/m/y/b/f"));
        Assert.Equal(2u, _h.StatOf("/m/x").Nlink);
        Assert.Equal(3u, _h.StatOf("/m/y").Nlink);
        Assert.Equal(_h.StatOf("/m/y").Ino, _h.StatOf("/m/y/b/..").Ino);
    }

    [Fact]
    public void Rename_of_a_name_onto_another_name_of_the_same_file_does_nothing()
    {
        _h.WriteFile("/m/a", "x");
        Ok(P.Link("/m/a", "/m/b"));
        Ok(P.Rename("/m/a", "/m/b"));
        Assert.Equal(2u, _h.StatOf("/m/a").Nlink);
        Assert.Equal(["a", "b"], _h.Names("/m"));
        Ok(P.Rename("/m/a", "/m/a"));
        Assert.Equal(["a", "b"], _h.Names("/m"));
    }

    [Fact]
    public void Rename_of_a_directory_into_its_own_subtree_is_EINVAL()
    {
        Ok(P.Mkdir("/m/a", Dir755));
        Ok(P.Mkdir("/m/a/b", Dir755));
        Ok(P.Mkdir("/m/a/b/c", Dir755));
        _h.WriteFile("/m/a/b/f", "");
        var before = TreeSnapshot.Take(_h.Kernel, "/m");
        Assert.Equal(Errno.EINVAL, P.Rename("/m/a", "/m/a/b/c/d"));
        Assert.Equal(Errno.EINVAL, P.Rename("/m/a", "/m/a/b/new"));
        Assert.Equal(Errno.EINVAL, P.Rename("/m/a", "/m/a/b/c"));  // an existing empty directory there
        Assert.Equal(Errno.EINVAL, P.Rename("/m/a", "/m/a/b"));    // even where the target is not empty
        Assert.Equal(Errno.EINVAL, P.Rename("/m/a", "/m/a/b/f"));  // or not a directory
        Assert.Equal(Errno.ENOTEMPTY, P.Rename("/m/a/b", "/m/a")); // the target an ancestor of the source
        Assert.Equal(before, TreeSnapshot.Take(_h.Kernel, "/m"));
    }

    [Fact]
    public void Rename_errnos()
    {
        _h.WriteFile("/m/f", "");
        Ok(P.Mkdir("/m/d", Dir755));
        Ok(P.Mkdir("/m/full", Dir755));
        _h.WriteFile("/m/full/x", "");
        _h.WriteFile("/rootfile", "");
        var before = TreeSnapshot.Take(_h.Kernel, "/m");
        Assert.Equal(Errno.ENOENT, P.Rename("/m/nope", "/m/g"));
        Assert.Equal(Errno.ENOENT, P.Rename("/m/f", "/m/nodir/g"));
        Assert.Equal(Errno.EISDIR, P.Rename("/m/f", "/m/d"));
        Assert.Equal(Errno.ENOTDIR, P.Rename("/m/d", "/m/f"));
        Assert.Equal(Errno.ENOTEMPTY, P.Rename("/m/d", "/m/full"));
        Assert.Equal(Errno.ENOTDIR, P.Rename("/m/f/", "/m/g"));
        Assert.Equal(Errno.ENOTDIR, P.Rename("/m/f", "/m/g/"));
        Assert.Equal(Errno.EINVAL, P.Rename("/m/d/.", "/m/e"));
        Assert.Equal(Errno.EINVAL, P.Rename("/m/d/..", "/m/e"));
        Assert.Equal(Errno.EINVAL, P.Rename("/m/f", "/m/d/."));
        Assert.Equal(Errno.EXDEV, P.Rename("/m/f", "/g"));
        Assert.Equal(Errno.EXDEV, P.Rename("/rootfile", "/m/g"));
        Assert.Equal(Errno.EBUSY, P.Rename("/m", "/m2"));
        Assert.Equal(before, TreeSnapshot.Take(_h.Kernel, "/m"));
    }

    [Fact]
    public void Rename_of_a_symbolic_link_moves_the_link()
    {
        Ok(P.Mkdir("/m/d", Dir755));
        Ok(P.Symlink("d", "/m/l"));
        Ok(P.Rename("/m/l", "/m/l2"));
        Assert.Equal(VType.VLNK, _h.LstatOf("/m/l2").Type);
        Assert.Equal(VType.VDIR, _h.LstatOf("/m/d").Type);
    }

    [Fact]
    public void Rename_sets_both_directories_times()
    {
        Ok(P.Mkdir("/m/a", Dir755));
        Ok(P.Mkdir("/m/b", Dir755));
        _h.WriteFile("/m/a/f", "");
        var a0 = _h.StatOf("/m/a");
        var b0 = _h.StatOf("/m/b");
        var f0 = _h.StatOf("/m/a/f");
        Ok(P.Rename("/m/a/f", "/m/b/f"));
        Assert.True(_h.StatOf("/m/a").Mtime > a0.Mtime);
        Assert.True(_h.StatOf("/m/b").Mtime > b0.Mtime);
        Assert.True(_h.StatOf("/m/b/f").Ctime > f0.Ctime);
        Assert.Equal(f0.Mtime, _h.StatOf("/m/b/f").Mtime);
    }

    // ---- getdents ----

    [Fact]
    public void Getdents_lists_dot_dotdot_and_every_name_with_its_type()
    {
        Ok(P.Mkdir("/m/d", Dir755));
        _h.WriteFile("/m/f", "");
        Ok(P.Symlink("f", "/m/l"));
        Ok(P.Open("/m", O_RDONLY | O_DIRECTORY, 0, out int fd));
        var buf = new byte[4096];
        Ok(P.Getdents(fd, buf, out int n));
        var ents = Dirent64.Parse(buf.AsSpan(0, n));
        Assert.Equal([".", "..", "d", "f", "l"], ents.Select(e => e.Name).Order(StringComparer.Ordinal));
        Assert.Equal(VType.VDIR, ents.Single(e => e.Name == "d").Type);
        Assert.Equal(VType.VREG, ents.Single(e => e.Name == "f").Type);
        Assert.Equal(VType.VLNK, ents.Single(e => e.Name == "l").Type);
        Assert.Equal(_h.StatOf("/m/f").Ino, ents.Single(e => e.Name == "f").Ino);
        Ok(P.Getdents(fd, buf, out n));
        Assert.Equal(0, n);
        Ok(P.Close(fd));
    }

    [Fact]
    public void Getdents_with_a_small_buffer_resumes_where_it_stopped()
    {
        var names = Enumerable.Range(0, 50).Select(i => $"file-{i:D3}").ToList();
        foreach (var nm in names)
            _h.WriteFile("/m/" + nm, "");
        Ok(P.Open("/m", O_RDONLY, 0, out int fd));
        var seen = new List<string>();
        var buf = new byte[64];
        while (true)
        {
            Ok(P.Getdents(fd, buf, out int n));
            if (n == 0)
                break;
            seen.AddRange(Dirent64.Parse(buf.AsSpan(0, n)).Select(e => e.Name));
        }
        Assert.Equal(names.Prepend("..").Prepend(".").ToList(), seen);
        Ok(P.Close(fd));
    }

    [Fact]
    public void Getdents_cookies_survive_creates_and_removes_in_between()
    {
        foreach (var nm in new[] { "a", "b", "c", "d" })
            _h.WriteFile("/m/" + nm, "");
        Ok(P.Open("/m", O_RDONLY, 0, out int fd));
        var buf = new byte[Dirent64.RecLen(1) * 3];
        Ok(P.Getdents(fd, buf, out int n));
        Assert.Equal([".", "..", "a"], Dirent64.Parse(buf.AsSpan(0, n)).Select(e => e.Name));
        Ok(P.Unlink("/m/a"));
        Ok(P.Unlink("/m/c"));
        _h.WriteFile("/m/e", "");
        var rest = new List<string>();
        while (true)
        {
            Ok(P.Getdents(fd, buf, out n));
            if (n == 0)
                break;
            rest.AddRange(Dirent64.Parse(buf.AsSpan(0, n)).Select(e => e.Name));
        }
        Assert.Equal(["b", "d", "e"], rest);
        Ok(P.Close(fd));
    }

    [Fact]
    public void Getdents_errnos()
    {
        _h.WriteFile("/m/f", "");
        Ok(P.Open("/m/f", O_RDONLY, 0, out int ffd));
        Assert.Equal(Errno.ENOTDIR, P.Getdents(ffd, new byte[1024], out _));
        Ok(P.Open("/m", O_RDONLY, 0, out int dfd));
        Assert.Equal(Errno.EINVAL, P.Getdents(dfd, new byte[8], out _));
        Assert.Equal(Errno.EINVAL, P.Getdents(dfd, Memory<byte>.Empty, out _));
        Assert.Equal(Errno.EBADF, P.Getdents(77, new byte[1024], out _));
        var buf = new byte[1024];
        Ok(P.Getdents(dfd, buf, out int n)); // the failed calls moved nothing
        Assert.Equal(".", Dirent64.Parse(buf.AsSpan(0, n))[0].Name);
        Ok(P.Close(ffd));
        Ok(P.Close(dfd));
    }
}
