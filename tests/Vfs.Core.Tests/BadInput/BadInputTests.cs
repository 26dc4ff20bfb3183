// Tests of Vfs.Core: bad input at the system-call layer -- bad descriptors, bad flags, NUL in a name,
// over-long names and paths -- gets its errno from every call that takes it, and changes nothing.
using static UnixVfs.Core.OFlags;
using static UnixVfs.Core.Tests.TestHost;

namespace UnixVfs.Core.Tests.BadInput;

public class BadInputTests
{
    private readonly TestHost _h;
    private readonly string _before;

    public BadInputTests()
    {
        _h = new TestHost();
        var p = _h.Root;
        Ok(p.Mkdir("/m/d", Dir755));
        _h.WriteFile("/m/f", "contents");
        Ok(p.Symlink("f", "/m/l"));
        _before = TreeSnapshot.Take(_h.Kernel);
    }

    private void Unchanged() => Assert.Equal(_before, TreeSnapshot.Take(_h.Kernel));

    /// <summary>Every system call that takes a path, with the path in one argument and sensible values elsewhere.</summary>
    public static TheoryData<string> PathCalls => new(PathCallBodies.Keys);

    private static readonly Dictionary<string, Func<Process, string, Errno>> PathCallBodies = new()
    {
        ["open"] = (p, s) => p.Open(s, O_RDONLY, 0, out _),
        ["open O_CREAT"] = (p, s) => p.Open(s, O_CREAT | O_RDWR | O_TRUNC, Mode666, out _),
        ["stat"] = (p, s) => p.Stat(s, out _),
        ["lstat"] = (p, s) => p.Lstat(s, out _),
        ["mkdir"] = (p, s) => p.Mkdir(s, Dir755),
        ["rmdir"] = (p, s) => p.Rmdir(s),
        ["unlink"] = (p, s) => p.Unlink(s),
        ["rename from"] = (p, s) => p.Rename(s, "/m/new"),
        ["rename to"] = (p, s) => p.Rename("/m/f", s),
        ["link existing"] = (p, s) => p.Link(s, "/m/new"),
        ["link new"] = (p, s) => p.Link("/m/f", s),
        ["symlink path"] = (p, s) => p.Symlink("f", s),
        ["symlink target"] = (p, s) => p.Symlink(s, "/m/new"),
        ["readlink"] = (p, s) => p.Readlink(s, out string _),
        ["truncate"] = (p, s) => p.Truncate(s, 0),
        ["chmod"] = (p, s) => p.Chmod(s, 0),
        ["chown"] = (p, s) => p.Chown(s, 1, 1),
        ["lchown"] = (p, s) => p.Lchown(s, 1, 1),
        ["utimens"] = (p, s) => p.Utimens(s, null),
        ["statvfs"] = (p, s) => p.Statvfs(s, out _),
        ["access"] = (p, s) => p.Access(s, AccessOk.R_OK),
        ["chdir"] = (p, s) => p.Chdir(s),
        ["mount dir"] = (p, s) => p.Mount("swap", s, "tmpfs"),
        ["umount"] = (p, s) => p.Umount(s),
    };

    [Theory]
    [MemberData(nameof(PathCalls))]
    public void A_NUL_in_a_path_is_EINVAL(string call)
    {
        foreach (var bad in new[] { "/m/f\0", "/m/\0/f", "\0", "/m/d/x\0y" })
            Assert.Equal(Errno.EINVAL, PathCallBodies[call](_h.Root, bad));
        Unchanged();
    }

    [Theory]
    [MemberData(nameof(PathCalls))]
    public void A_lone_surrogate_in_a_path_is_EINVAL(string call)
    {
        // A lone surrogate that is not an escape (U+DC80-U+DCFF, FsName) has no bytes: made into a name, readdir could never give it back.
        foreach (var bad in new[] { "/m/\uD800", "/m/a\uDC00b", "/m/d/\uD800x", "/m/\uDBFF" })
            Assert.Equal(Errno.EINVAL, PathCallBodies[call](_h.Root, bad));
        Unchanged();
    }

    [Fact]
    public void A_name_outside_the_basic_plane_is_made_listed_and_found()
    {
        const string name = "\U0001F600 smile";
        _h.WriteFile("/m/d/" + name, "x");
        Assert.Equal([name], _h.Names("/m/d"));
        Assert.Equal("x", _h.ReadFile("/m/d/" + name));
    }

    [Theory]
    [MemberData(nameof(PathCalls))]
    public void A_name_over_255_bytes_is_ENAMETOOLONG(string call)
    {
        foreach (var bad in new[] { "/m/" + new string('x', 256), "/m/" + new string('x', 256) + "/f", "/m/d/" + new string('é', 128) })
        {
            var err = PathCallBodies[call](_h.Root, bad);
            if (call != "symlink target")
                Assert.Equal(Errno.ENAMETOOLONG, err);
            else
            {
                // A link's text is not looked up when it is made: any text shorter than PATH_MAX is stored as it is.
                Ok(err);
                Ok(_h.Root.Unlink("/m/new"));
            }
        }
        if (call != "symlink target")
            Unchanged();
    }

    [Theory]
    [MemberData(nameof(PathCalls))]
    public void A_path_of_4096_bytes_or_more_is_ENAMETOOLONG(string call)
    {
        string longPath = "/m/" + string.Concat(Enumerable.Repeat("d/", 2047)); // 4097 bytes, every component short
        Assert.Equal(Errno.ENAMETOOLONG, PathCallBodies[call](_h.Root, longPath));
        Assert.Equal(Errno.ENAMETOOLONG, PathCallBodies[call](_h.Root, new string('/', Limits.PathMax)));
        Unchanged();
    }

    [Theory]
    [MemberData(nameof(PathCalls))]
    public void An_empty_path_is_ENOENT(string call)
    {
        Assert.Equal(Errno.ENOENT, PathCallBodies[call](_h.Root, ""));
        Unchanged();
    }

    /// <summary>Every system call that takes a descriptor.</summary>
    public static TheoryData<string> FdCalls => new(FdCallBodies.Keys);

    private static readonly Dictionary<string, Func<Process, int, Errno>> FdCallBodies = new()
    {
        ["close"] = (p, fd) => p.Close(fd),
        ["dup"] = (p, fd) => p.Dup(fd, out _),
        ["read"] = (p, fd) => p.Read(fd, new byte[8], out _),
        ["write"] = (p, fd) => p.Write(fd, new byte[8], out _),
        ["pread"] = (p, fd) => p.Pread(fd, new byte[8], 0, out _),
        ["pwrite"] = (p, fd) => p.Pwrite(fd, new byte[8], 0, out _),
        ["lseek"] = (p, fd) => p.Lseek(fd, 0, Whence.SEEK_SET, out _),
        ["fsync"] = (p, fd) => p.Fsync(fd),
        ["fdatasync"] = (p, fd) => p.Fdatasync(fd),
        ["ftruncate"] = (p, fd) => p.Ftruncate(fd, 0),
        ["fstat"] = (p, fd) => p.Fstat(fd, out _),
        ["fchmod"] = (p, fd) => p.Fchmod(fd, 0),
        ["getdents"] = (p, fd) => p.Getdents(fd, new byte[1024], out _),
        ["ioctl"] = (p, fd) => p.Ioctl(fd, 1, null, out _),
    };

    [Theory]
    [MemberData(nameof(FdCalls))]
    public void A_bad_descriptor_is_EBADF(string call)
    {
        Ok(_h.Root.Open("/m/f", O_RDWR, 0, out int open));
        Ok(_h.Root.Open("/m/f", O_RDONLY, 0, out int closed));
        Ok(_h.Root.Close(closed));
        foreach (int fd in new[] { -1, int.MinValue, int.MaxValue, Process.MaxFiles - 1, Process.MaxFiles, closed, 16, 17 })
            Assert.Equal(Errno.EBADF, FdCallBodies[call](_h.Root, fd));
        Ok(_h.Root.Close(open));
        Unchanged();
    }

    [Fact]
    public void Bad_flags_and_selectors_are_EINVAL_and_change_nothing()
    {
        var p = _h.Root;
        foreach (int bits in new[] { 0x4000_0000, 0x8, 0x4, 0x2000, 0x40_0000, int.MinValue, -1 })
            Assert.Equal(Errno.EINVAL, p.Open("/m/f", (OFlags)bits | O_TRUNC | O_RDWR, 0, out _));
        Assert.Equal(Errno.EINVAL, p.Open("/m/g", O_ACCMODE | O_CREAT, Mode666, out _));
        Ok(p.Open("/m/f", O_RDWR, 0, out int fd));
        foreach (int w in new[] { -1, 5, int.MaxValue })
            Assert.Equal(Errno.EINVAL, p.Lseek(fd, 0, (Whence)w, out _));
        Assert.Equal(Errno.EINVAL, p.Access("/m/f", (AccessOk)0x10));
        Assert.Equal(Errno.EINVAL, p.Utimens("/m/f", [new Timespec(1, -5), new Timespec(1, 0)]));
        Assert.Equal(Errno.EINVAL, p.Utimens("/m/f", []));
        Assert.Equal(Errno.EINVAL, p.Pread(fd, new byte[1], long.MinValue, out _));
        Assert.Equal(Errno.EINVAL, p.Pwrite(fd, new byte[1], -1, out _));
        Assert.Equal(Errno.EINVAL, p.Ftruncate(fd, long.MinValue));
        Assert.Equal(Errno.EINVAL, p.Truncate("/m/f", -1));
        Assert.Equal(Errno.EINVAL, p.Mount("swap", "/m/d", "tmpfs", options: "size=lots"));
        Ok(p.Close(fd));
        Unchanged();
    }

    [Fact]
    public void Names_the_file_system_must_refuse_are_EINVAL_even_from_a_layer_above_the_system_calls()
    {
        // The NFS server and the mirror call VOPs with names no system call would pass down.
        Ok(_h.Root.Lookupname("/m", false, out var dvp));
        var va = new Vattr(AttrMask.AT_TYPE | AttrMask.AT_MODE) { Type = VType.VREG, Mode = File644 };
        foreach (var bad in new[] { "", ".", "..", "a/b", "a\0b" })
        {
            Assert.Equal(Errno.EINVAL, Vop.Create(dvp!, bad, va, VcExcl.EXCL, AccessMode.VWRITE, out var vp, Cred.Kcred, FileFlags.FWRITE));
            Assert.Null(vp);
            Assert.Equal(Errno.EINVAL, Vop.Mkdir(dvp!, bad, va, out _, Cred.Kcred));
            Assert.Equal(Errno.EINVAL, Vop.Symlink(dvp!, bad, va, "t", Cred.Kcred));
        }
        Assert.Equal(Errno.ENAMETOOLONG, Vop.Mkdir(dvp!, new string('n', 256), va, out _, Cred.Kcred));
        Assert.Equal(Errno.EINVAL, Vop.Rename(dvp!, "f", dvp!, "x/y", Cred.Kcred));
        Ok(_h.Root.Lookupname("/m/f", false, out var fvp));
        Assert.Equal(Errno.EINVAL, Vop.Link(dvp!, fvp!, "..", Cred.Kcred));
        fvp!.Rele();
        dvp!.Rele();
        Unchanged();
    }

    [Fact]
    public void Null_strings_and_arrays_are_errnos_not_exceptions()
    {
        var p = _h.Root;
        string nul = null!;
        foreach (var (call, body) in PathCallBodies)
        {
            var err = body(p, nul);
            Assert.True(err is Errno.ENOENT or Errno.EFAULT or Errno.EINVAL, $"{call}(null) = {err}");
        }
        if (p.Mount(null!, "/m/d", "tmpfs", options: null!) == Errno.OK) // tmpfs has no use for its spec
            Ok(p.Umount("/m/d"));
        Assert.Equal(Errno.ENODEV, p.Mount("swap", "/m/d", null!));
        Assert.Equal(Errno.EINVAL, p.Utimens("/m/f", [new Timespec(0, 0)]));
        Unchanged();
    }
}
