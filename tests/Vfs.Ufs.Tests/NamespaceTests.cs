// Tests of Vfs.Ufs names: directories, hard and symbolic links, rename's rules, readdir cookies,
// timestamps, permissions, file handles -- each ending with a remount or fsck where the disk matters.
using UnixVfs.Core;
using static UnixVfs.Ufs.Tests.Kit;

namespace UnixVfs.Ufs.Tests;

public class NamespaceTests
{
    private sealed class Fixture : IDisposable
    {
        public readonly Scratch S = new();
        public readonly string Image;
        public readonly Host H;

        public Fixture(TimeProvider? clock = null, long size = 32L << 20)
        {
            Image = NewImage(S, size);
            H = new Host(clock: clock);
            Ok(H.Mount(Image));
        }

        public Process P => H.P;

        public void Remount()
        {
            Ok(H.Umount(), "umount");
            AssertClean(Kit.Fsck(Image));
            Ok(H.Mount(Image), "mount");
        }

        public void Dispose()
        {
            H.Dispose();
            S.Dispose();
        }
    }

    private static Stat St(Process p, string path)
    {
        Ok(p.Lstat(path, out var st), $"lstat {path}");
        return st!;
    }

    [Fact]
    public void Directories_nest_count_their_links_and_must_be_empty_to_go()
    {
        using var f = new Fixture();
        Ok(f.P.Mkdir("/mnt/a", 0x1ED));
        Ok(f.P.Mkdir("/mnt/a/b", 0x1ED));
        Ok(f.P.Mkdir("/mnt/a/c", 0x1ED));
        WriteFile(f.P, "/mnt/a/b/file", "x"u8);
        Assert.Equal(4u, St(f.P, "/mnt/a").Nlink);
        Assert.Equal(4u, St(f.P, "/mnt").Nlink); // ".", "..", lost+found's "..", a's ".."
        Assert.Equal(Errno.ENOTEMPTY, f.P.Rmdir("/mnt/a/b"));
        Assert.Equal(Errno.EEXIST, f.P.Mkdir("/mnt/a/b", 0x1ED));
        Assert.Equal(Errno.ENOTDIR, f.P.Mkdir("/mnt/a/b/file/x", 0x1ED));
        f.Remount();
        Ok(f.P.Unlink("/mnt/a/b/file"));
        Ok(f.P.Rmdir("/mnt/a/b"));
        Assert.Equal(3u, St(f.P, "/mnt/a").Nlink);
        Assert.Equal(Errno.ENOENT, f.P.Stat("/mnt/a/b", out _));
        f.Remount();
        Assert.Equal(["c"], List(f.P, "/mnt/a").Select(d => d.Name));
    }

    [Fact]
    public void Hard_links_share_data_and_the_last_unlink_frees_it()
    {
        using var f = new Fixture();
        Ok(f.P.Statvfs("/mnt", out var empty));
        var data = Bytes(500_000, 1);
        WriteFile(f.P, "/mnt/one", data);
        Ok(f.P.Mkdir("/mnt/d", 0x1ED));
        Ok(f.P.Link("/mnt/one", "/mnt/d/two"));
        Assert.Equal(2u, St(f.P, "/mnt/one").Nlink);
        Assert.Equal(St(f.P, "/mnt/one").Ino, St(f.P, "/mnt/d/two").Ino);
        Assert.Equal(Errno.EEXIST, f.P.Link("/mnt/one", "/mnt/d/two"));
        Assert.Equal(Errno.EPERM, f.P.Link("/mnt/d", "/mnt/dlink"));
        f.Remount();
        Ok(f.P.Unlink("/mnt/one"));
        Assert.Equal(data, ReadFile(f.P, "/mnt/d/two"));
        Assert.Equal(1u, St(f.P, "/mnt/d/two").Nlink);
        Ok(f.P.Unlink("/mnt/d/two"));
        Ok(f.P.Rmdir("/mnt/d"));
        Ok(f.P.Statvfs("/mnt", out var after));
        Assert.Equal(empty!.Bfree, after!.Bfree);
        Assert.Equal(empty.Ffree, after.Ffree);
        f.Remount();
    }

    [Fact]
    public void An_open_unlinked_file_lives_until_closed()
    {
        using var f = new Fixture();
        WriteFile(f.P, "/mnt/f", Bytes(100_000, 2));
        Ok(f.P.Statvfs("/mnt", out var full));
        Ok(f.P.Open("/mnt/f", OFlags.O_RDONLY, 0, out int fd));
        Ok(f.P.Unlink("/mnt/f"));
        var buf = new byte[100_000];
        Ok(f.P.Read(fd, buf, out int n));
        Assert.Equal(Bytes(100_000, 2), buf.AsSpan(0, n).ToArray());
        Ok(f.P.Statvfs("/mnt", out var open));
        Assert.Equal(full!.Bfree, open!.Bfree);
        Ok(f.P.Close(fd));
        Ok(f.P.Statvfs("/mnt", out var closed));
        Assert.True(closed!.Bfree > full.Bfree);
        f.Remount();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(119)]   // the longest link kept in the dinode
    [InlineData(120)]   // the shortest kept in a block
    [InlineData(1023)]
    [InlineData(4000)]
    public void Symlinks_short_ones_inline_long_ones_in_blocks(int len)
    {
        using var f = new Fixture();
        var target = new string('t', len);
        Ok(f.P.Symlink(target, "/mnt/l"));
        var st = St(f.P, "/mnt/l");
        Assert.Equal(VType.VLNK, st.Type);
        Assert.Equal(len, st.Size);
        Assert.Equal(len < 120 ? 0 : 8, st.Blocks);
        f.Remount();
        Ok(f.P.Readlink("/mnt/l", out var got));
        Assert.Equal(target, got);
        Ok(f.P.Unlink("/mnt/l"));
        f.Remount();
    }

    [Fact]
    public void Paths_follow_symlinks_relative_and_absolute()
    {
        using var f = new Fixture();
        Ok(f.P.Mkdir("/mnt/dir", 0x1ED));
        WriteFile(f.P, "/mnt/dir/file", "content"u8);
        Ok(f.P.Symlink("dir/file", "/mnt/rel"));
        Ok(f.P.Symlink("/mnt/dir", "/mnt/abs"));
        Ok(f.P.Symlink("loop2", "/mnt/loop1"));
        Ok(f.P.Symlink("loop1", "/mnt/loop2"));
        f.Remount();
        Assert.Equal("content", ReadText(f.P, "/mnt/rel"));
        Assert.Equal("content", ReadText(f.P, "/mnt/abs/file"));
        Assert.Equal(Errno.ELOOP, f.P.Open("/mnt/loop1", OFlags.O_RDONLY, 0, out _));
    }

    [Fact]
    public void Names_of_255_bytes_work_and_longer_ones_are_ENAMETOOLONG()
    {
        using var f = new Fixture();
        var longest = new string('n', 255);
        var multibyte = new string('é', 127); // 254 bytes of UTF-8
        WriteFile(f.P, "/mnt/" + longest, "a"u8);
        WriteFile(f.P, "/mnt/" + multibyte, "b"u8);
        Assert.Equal(Errno.ENAMETOOLONG, f.P.Open("/mnt/" + longest + "x", OFlags.O_CREAT | OFlags.O_WRONLY, 0x1A4, out _));
        f.Remount();
        Assert.Equal("a", ReadText(f.P, "/mnt/" + longest));
        Assert.Equal("b", ReadText(f.P, "/mnt/" + multibyte));
        var names = List(f.P, "/mnt").Select(d => d.Name).ToHashSet();
        Assert.Contains(longest, names);
        Assert.Contains(multibyte, names);
    }

    [Fact]
    public void Rename_follows_the_posix_rules()
    {
        using var f = new Fixture();
        var p = f.P;
        Ok(p.Mkdir("/mnt/a", 0x1ED));
        Ok(p.Mkdir("/mnt/a/sub", 0x1ED));
        Ok(p.Mkdir("/mnt/empty", 0x1ED));
        Ok(p.Mkdir("/mnt/full", 0x1ED));
        WriteFile(p, "/mnt/full/x", "x"u8);
        WriteFile(p, "/mnt/f1", "one"u8);
        WriteFile(p, "/mnt/f2", "two"u8);
        Ok(p.Link("/mnt/f1", "/mnt/f1link"));

        Assert.Equal(Errno.ENOENT, p.Rename("/mnt/nothing", "/mnt/x"));
        Assert.Equal(Errno.EINVAL, p.Rename("/mnt/a", "/mnt/a/sub/inside"));
        Assert.Equal(Errno.EINVAL, p.Rename("/mnt/a", "/mnt/a/x"));
        Assert.Equal(Errno.ENOTEMPTY, p.Rename("/mnt/a", "/mnt/full"));
        Assert.Equal(Errno.ENOTDIR, p.Rename("/mnt/a", "/mnt/f1"));
        Assert.Equal(Errno.EISDIR, p.Rename("/mnt/f1", "/mnt/empty"));
        Ok(p.Rename("/mnt/f1", "/mnt/f1link"));            // two names of one file: nothing happens
        Assert.Equal("one", ReadText(p, "/mnt/f1"));

        Ok(p.Rename("/mnt/f2", "/mnt/f1"));                 // replaces; the old f1 keeps its other name
        Assert.Equal("two", ReadText(p, "/mnt/f1"));
        Assert.Equal(1u, St(p, "/mnt/f1link").Nlink);
        Assert.Equal(Errno.ENOENT, p.Stat("/mnt/f2", out _));

        uint rootLinks = St(p, "/mnt").Nlink;
        Ok(p.Rename("/mnt/a/sub", "/mnt/empty"));           // a directory over an empty one, to another parent
        Assert.Equal(2u, St(p, "/mnt/a").Nlink);
        Assert.Equal(rootLinks, St(p, "/mnt").Nlink);        // lost "empty", gained "sub" under the same name
        Ok(p.Rename("/mnt/empty", "/mnt/full/moved"));       // into another directory
        Assert.Equal(3u, St(p, "/mnt/full").Nlink);
        Assert.Equal(rootLinks - 1, St(p, "/mnt").Nlink);
        f.Remount();
        var fullIno = St(p, "/mnt/full").Ino;
        Ok(p.Stat("/mnt/full/moved/..", out var dotdot));
        Assert.Equal(fullIno, dotdot!.Ino);
        Assert.Equal(new[] { "a", "f1", "f1link", "full", "lost+found" }, List(p, "/mnt").Select(d => d.Name).Order());
    }

    [Fact]
    public void Readdir_cookies_resume_correctly_while_other_names_come_and_go()
    {
        using var f = new Fixture();
        var p = f.P;
        Ok(p.Mkdir("/mnt/d", 0x1ED));
        var stable = Enumerable.Range(0, 300).Select(i => $"stable-{i:D4}-{new string('x', i % 40)}").ToList();
        foreach (var n in stable)
            WriteFile(p, "/mnt/d/" + n, ""u8);
        Ok(p.Open("/mnt/d", OFlags.O_RDONLY | OFlags.O_DIRECTORY, 0, out int fd));
        var seen = new List<string>();
        var buf = new byte[600];
        int round = 0;
        while (true)
        {
            Ok(p.Getdents(fd, buf, out int n));
            if (n == 0)
                break;
            seen.AddRange(Dirent64.Parse(buf.AsSpan(0, n)).Select(d => d.Name));
            // Between calls, other names appear and disappear.
            WriteFile(p, $"/mnt/d/churn-{round}", ""u8);
            if (round > 2)
                Ok(p.Unlink($"/mnt/d/churn-{round - 2}"));
            round++;
        }
        Ok(p.Close(fd));
        var stableSeen = seen.Where(n => n.StartsWith("stable-", StringComparison.Ordinal)).ToList();
        Assert.Equal(stable.Order(), stableSeen.Order());
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.True(round > 10, "the directory took many getdents calls");
    }

    [Fact]
    public void Readdir_with_a_buffer_too_small_for_one_entry_is_EINVAL()
    {
        using var f = new Fixture();
        WriteFile(f.P, "/mnt/" + new string('z', 200), ""u8);
        Ok(f.P.Open("/mnt", OFlags.O_RDONLY | OFlags.O_DIRECTORY, 0, out int fd));
        var tiny = new byte[64];
        Ok(f.P.Getdents(fd, tiny, out int n));       // "." fits
        Assert.True(n > 0);
        while (true)
        {
            var err = f.P.Getdents(fd, tiny, out n);
            if (err == Errno.EINVAL)
                break;
            Ok(err);
            Assert.True(n > 0, "the long name should not fit in 64 bytes");
        }
        Ok(f.P.Close(fd));
    }

    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now = new(2024, 5, 6, 7, 8, 9, TimeSpan.Zero);
        public override DateTimeOffset GetUtcNow() => Now;
        public void Tick() => Now = Now.AddTicks(1234567);
    }

    [Fact]
    public void Timestamps_follow_posix_and_keep_nanoseconds_across_a_remount()
    {
        var clock = new ManualClock();
        using var f = new Fixture(clock);
        var p = f.P;
        clock.Tick();
        WriteFile(p, "/mnt/f", "abc"u8);
        var created = St(p, "/mnt/f");
        Assert.Equal(created.Mtime, St(p, "/mnt").Mtime);     // a new name changes its directory
        clock.Tick();
        Ok(p.Open("/mnt/f", OFlags.O_WRONLY | OFlags.O_APPEND, 0, out int fd));
        Ok(p.Write(fd, "d"u8.ToArray(), out _));
        Ok(p.Close(fd));
        var written = St(p, "/mnt/f");
        Assert.True(written.Mtime > created.Mtime && written.Ctime == written.Mtime);
        clock.Tick();
        ReadFile(p, "/mnt/f");
        var read = St(p, "/mnt/f");
        Assert.True(read.Atime > written.Mtime);
        Assert.Equal(written.Mtime, read.Mtime);
        clock.Tick();
        Ok(p.Chmod("/mnt/f", 0x180));
        var chmodded = St(p, "/mnt/f");
        Assert.True(chmodded.Ctime > read.Atime);
        Assert.Equal(written.Mtime, chmodded.Mtime);
        var exact = new Timespec(1_234_567_890, 987_654_321);
        Ok(p.Utimens("/mnt/f", [exact, exact]));
        f.Remount();
        var after = St(p, "/mnt/f");
        Assert.Equal(exact, after.Mtime);
        Assert.Equal(exact, after.Atime);
        Assert.Equal(0x180u, after.Perm);
    }

    [Fact]
    public void Permissions_and_the_sticky_bit_are_enforced()
    {
        using var f = new Fixture();
        var root = f.P;
        Ok(root.Mkdir("/mnt/shared", 0x3FF)); // 01777
        Ok(root.Chmod("/mnt/shared", 0x3FF));
        Ok(root.Mkdir("/mnt/private", 0x1C0));
        var alice = f.H.Kernel.CreateProcess(new Cred(1000, 1000));
        var bob = f.H.Kernel.CreateProcess(new Cred(1001, 1001));
        Assert.Equal(Errno.EACCES, alice.Open("/mnt/private/x", OFlags.O_CREAT | OFlags.O_WRONLY, 0x1A4, out _));
        Assert.Equal(Errno.EACCES, alice.Mkdir("/mnt/nope", 0x1ED));
        WriteFile(alice, "/mnt/shared/alice", "a"u8);
        Assert.Equal(1000u, St(root, "/mnt/shared/alice").Uid);
        Assert.Equal(Errno.EPERM, bob.Unlink("/mnt/shared/alice"));
        Assert.Equal(Errno.EPERM, bob.Rename("/mnt/shared/alice", "/mnt/shared/bob"));
        Assert.Equal(Errno.EACCES, bob.Open("/mnt/shared/alice", OFlags.O_WRONLY, 0, out _));
        Ok(alice.Unlink("/mnt/shared/alice"));
        f.Remount();
    }

    [Fact]
    public void A_fid_finds_the_file_again_until_it_is_removed()
    {
        using var f = new Fixture();
        WriteFile(f.P, "/mnt/f", "x"u8);
        Ok(f.P.Lookupname("/mnt/f", false, out var vp));
        Ok(Vop.Fid(vp!, Fid.MaxFidSize, out var fid));
        var vfsp = vp!.Vfs;
        vp.Rele();
        Ok(VfsOp.Vget(vfsp, out var again, fid!));
        Ok(Vop.Getattr(again!, new Vattr(AttrMask.AT_ALL), AttrFlags.None, Cred.Kcred));
        again!.Rele();
        Ok(f.P.Unlink("/mnt/f"));
        Assert.Equal(Errno.ESTALE, VfsOp.Vget(vfsp, out _, fid!));
        WriteFile(f.P, "/mnt/g", "y"u8); // may reuse the inode: the generation differs
        Assert.Equal(Errno.ESTALE, VfsOp.Vget(vfsp, out _, fid!));
        Assert.Equal(Errno.EINVAL, VfsOp.Vget(vfsp, out _, new Fid([1, 2, 3])));
        Assert.Equal(Errno.ESTALE, VfsOp.Vget(vfsp, out _, Fid.FromInode(1L << 40, 0)));
    }

    [Fact]
    public void Device_nodes_fifos_and_sockets_keep_their_type_and_device_number()
    {
        using var f = new Fixture();
        Ok(f.P.Lookupname("/mnt", true, out var dvp));
        foreach (var (name, type, rdev) in new[] { ("chr", VType.VCHR, 0x0105UL), ("blk", VType.VBLK, 0x0801UL), ("fifo", VType.VFIFO, 0UL), ("sock", VType.VSOCK, 0UL) })
        {
            var va = new Vattr(AttrMask.AT_TYPE | AttrMask.AT_MODE) { Type = type, Mode = 0x1A4, Rdev = rdev };
            Ok(Vop.Create(dvp!, name, va, VcExcl.EXCL, 0, out var vp, Cred.Kcred, FileFlags.None));
            vp!.Rele();
        }
        dvp!.Rele();
        f.Remount();
        Assert.Equal(VType.VCHR, St(f.P, "/mnt/chr").Type);
        Assert.Equal(0x0105UL, St(f.P, "/mnt/chr").Rdev);
        Assert.Equal(0x0801UL, St(f.P, "/mnt/blk").Rdev);
        Assert.Equal(VType.VFIFO, St(f.P, "/mnt/fifo").Type);
        Assert.Equal(VType.VSOCK, St(f.P, "/mnt/sock").Type);
        // No driver stands behind them: their "data" is not the dinode's block pointers.
        Ok(f.P.Open("/mnt/chr", OFlags.O_RDWR, 0, out int fd));
        Assert.Equal(Errno.ENXIO, f.P.Read(fd, new byte[16], out _));
        Assert.Equal(Errno.ENXIO, f.P.Write(fd, new byte[16], out _));
        Ok(f.P.Close(fd));
        Assert.Equal(0x0105UL, St(f.P, "/mnt/chr").Rdev);
        Ok(f.P.Unlink("/mnt/chr"));
    }

    [Fact]
    public void Names_the_system_calls_never_pass_are_refused_by_the_file_system_itself()
    {
        using var f = new Fixture();
        Ok(f.P.Lookupname("/mnt", true, out var dvp));
        var va = new Vattr(AttrMask.AT_TYPE | AttrMask.AT_MODE) { Type = VType.VREG, Mode = 0x1A4 };
        foreach (var bad in new[] { "", ".", "..", "a/b", "nul\0" })
            Assert.Equal(Errno.EINVAL, Vop.Create(dvp!, bad, va, VcExcl.EXCL, 0, out _, Cred.Kcred, FileFlags.None));
        Assert.Equal(Errno.ENAMETOOLONG, Vop.Mkdir(dvp!, new string('q', 256), va, out _, Cred.Kcred));
        dvp!.Rele();
    }

    [Fact]
    public void Unmount_is_EBUSY_while_a_file_is_open()
    {
        using var s = new Scratch();
        var image = NewImage(s, 16L << 20);
        var h = new Host();
        Ok(h.Mount(image));
        Ok(h.P.Open("/mnt/f", OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int fd));
        Assert.Equal(Errno.EBUSY, h.Umount());
        Ok(h.P.Close(fd));
        Ok(h.Umount());
        AssertClean(Kit.Fsck(image));
    }

    [Fact]
    public void Fsync_and_sync_are_honest_about_the_device()
    {
        var mem = NewMemoryImage(16L << 20);
        var dev = new FaultyBlockDevice(mem);
        var h = new Host();
        Ok(h.Mount("mem", dev: dev));
        Ok(h.P.Open("/mnt/f", OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int fd));
        Ok(h.P.Write(fd, Bytes(70_000, 4), out _));
        Ok(h.P.Fsync(fd));
        Assert.Equal(0, dev.PendingWrites);
        Ok(h.P.Write(fd, Bytes(10, 5), out _));
        dev.FailWritesAt(0, 64L << 20);
        Assert.Equal(Errno.EIO, h.P.Fsync(fd));
        dev.Heal();
        Ok(h.P.Fsync(fd));
        Ok(h.P.Close(fd));
        Ok(h.Umount());
        AssertClean(Kit.Fsck(mem));
    }
}
