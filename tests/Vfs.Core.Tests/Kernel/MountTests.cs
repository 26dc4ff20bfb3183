// Tests of Vfs.Core: mount(2), umount(2), the mount list, tmpfs mount options, and ioctl(2).
using static UnixVfs.Core.OFlags;
using static UnixVfs.Core.Tests.TestHost;

namespace UnixVfs.Core.Tests.KernelTests;

public class MountTests
{
    private readonly TestHost _h = new(mountTmpfs: false);
    private Process P => _h.Root;

    [Fact]
    public void Mount_hides_the_directory_contents_and_umount_brings_them_back()
    {
        Ok(P.Mkdir("/mnt", Dir755));
        _h.WriteFile("/mnt/under", "");
        Ok(P.Mount("swap", "/mnt", "tmpfs"));
        Assert.Empty(_h.Names("/mnt"));
        var v = _h.Kernel.Mounts.Last();
        Assert.Equal("/mnt", v.MntPt);
        Assert.Equal("swap", v.Resource);
        Assert.Equal("tmpfs", v.FstypeName);
        Assert.Equal(2, _h.Kernel.Mounts.Count);
        Ok(P.Umount("/mnt"));
        Assert.Equal(["under"], _h.Names("/mnt"));
        Assert.Single(_h.Kernel.Mounts);
        Assert.True((v.Flag & VfsFlags.VFS_UNMOUNTED) != 0);
    }

    [Fact]
    public void Every_mount_has_its_own_fsid()
    {
        Ok(P.Mkdir("/a", Dir755));
        Ok(P.Mkdir("/b", Dir755));
        Ok(P.Mount("swap", "/a", "tmpfs"));
        Ok(P.Mount("swap", "/b", "tmpfs"));
        Assert.Equal(3, _h.Kernel.Mounts.Select(v => v.Fsid).Distinct().Count());
        Assert.NotEqual(_h.StatOf("/a").Dev, _h.StatOf("/b").Dev);
    }

    [Fact]
    public void Mount_errnos()
    {
        Ok(P.Mkdir("/mnt", Dir755));
        _h.WriteFile("/file", "");
        Assert.Equal(Errno.ENODEV, P.Mount("swap", "/mnt", "nosuchfs"));
        Assert.Equal(Errno.ENODEV, P.Mount("swap", "/mnt", ""));
        Assert.Equal(Errno.ENOENT, P.Mount("swap", "/nope", "tmpfs"));
        Assert.Equal(Errno.ENOTDIR, P.Mount("swap", "/file", "tmpfs"));
        Assert.Equal(Errno.EBUSY, P.Mount("swap", "/", "tmpfs"));
        Assert.Equal(Errno.EINVAL, P.Mount("swap", "/mnt", "tmpfs", options: "bogus"));
        Assert.Equal(Errno.EINVAL, P.Mount("swap", "/mnt", "tmpfs", options: "size=0"));
        Assert.Equal(Errno.EINVAL, P.Mount("swap", "/mnt", "tmpfs", options: "size=12q"));
        Assert.Equal(Errno.EINVAL, P.Mount("swap", "/mnt", "tmpfs", options: "size=99999999999999999g"));
        Assert.Equal(Errno.EINVAL, P.Mount("swap", "/mnt", "tmpfs", options: "nr_inodes=1"));
        Assert.Equal(Errno.EINVAL, P.Mount("swap", "/mnt", "tmpfs", options: "nr_inodes"));
        Assert.Equal(Errno.EINVAL, P.Mount("swap", "/mnt", "tmpfs", options: "mode=999"));
        Assert.Equal(Errno.EINVAL, P.Mount("swap", "/mnt", "tmpfs", options: "uid=-1"));
        Assert.Single(_h.Kernel.Mounts);
        Assert.Equal(_h.Kernel.RootVfs.Fsid, _h.StatOf("/mnt").Dev);
    }

    [Fact]
    public void Tmpfs_options_set_the_root_directory_and_the_limits()
    {
        Ok(P.Mkdir("/mnt", Dir755));
        Ok(P.Mount("swap", "/mnt", "tmpfs", options: "size=64k,nr_inodes=3,mode=750,uid=5,gid=6"));
        var st = _h.StatOf("/mnt");
        Assert.Equal((0x1E8u, 5u, 6u), (st.Perm, st.Uid, st.Gid));
        _h.WriteFile("/mnt/a", "");
        _h.WriteFile("/mnt/b", "");
        Assert.Equal(Errno.ENOSPC, P.Open("/mnt/c", O_CREAT | O_WRONLY, Mode666, out _));
        Assert.Equal(Errno.ENOSPC, P.Mkdir("/mnt/d", Dir755));
        Assert.Equal(Errno.ENOSPC, P.Symlink("a", "/mnt/l"));
        Assert.Equal(["a", "b"], _h.Names("/mnt"));
        Ok(P.Statvfs("/mnt", out var sv));
        Assert.Equal(16UL, sv!.Blocks);
    }

    [Fact]
    public void A_busy_file_system_cannot_be_unmounted()
    {
        Ok(P.Mkdir("/mnt", Dir755));
        Ok(P.Mount("swap", "/mnt", "tmpfs"));
        _h.WriteFile("/mnt/f", "");
        Ok(P.Open("/mnt/f", O_RDONLY, 0, out int fd));
        Assert.Equal(Errno.EBUSY, P.Umount("/mnt"));
        Ok(P.Close(fd));
        Ok(P.Chdir("/mnt"));
        Assert.Equal(Errno.EBUSY, P.Umount("/mnt"));
        Ok(P.Chdir("/"));
        Ok(P.Mkdir("/mnt/inner", Dir755));
        Ok(P.Mount("swap", "/mnt/inner", "tmpfs"));
        Assert.Equal(Errno.EBUSY, P.Umount("/mnt"));
        Ok(P.Umount("/mnt/inner"));
        Ok(P.Umount("/mnt"));
    }

    [Fact]
    public void Names_cached_in_the_DNLC_do_not_keep_a_file_system_busy()
    {
        Ok(P.Mkdir("/mnt", Dir755));
        Ok(P.Mount("swap", "/mnt", "tmpfs"));
        Ok(P.Mkdir("/mnt/a", Dir755));
        _h.WriteFile("/mnt/a/f", "");
        Ok(P.Stat("/mnt/a/f", out _));
        Assert.True(_h.Kernel.Dnlc.Count > 0);
        Ok(P.Umount("/mnt"));
    }

    [Fact]
    public void Forced_unmount_succeeds_even_while_busy()
    {
        Ok(P.Mkdir("/mnt", Dir755));
        Ok(P.Mount("swap", "/mnt", "tmpfs"));
        _h.WriteFile("/mnt/f", "x");
        Ok(P.Open("/mnt/f", O_RDONLY, 0, out int fd));
        Ok(P.Umount("/mnt", UnmountFlags.MS_FORCE));
        Assert.Equal(Errno.ENOENT, P.Stat("/mnt/f", out _));
        Ok(P.Close(fd));
    }

    [Fact]
    public void Umount_errnos()
    {
        Ok(P.Mkdir("/mnt", Dir755));
        Assert.Equal(Errno.EINVAL, P.Umount("/mnt"));
        Assert.Equal(Errno.ENOENT, P.Umount("/nope"));
        Assert.Equal(Errno.EBUSY, P.Umount("/"));
        Assert.Equal(Errno.ENOENT, P.Umount(""));
        Assert.Equal(Errno.EBUSY, _h.Kernel.Unmount(_h.Kernel.RootVfs, UnmountFlags.None, Cred.Kcred));
        Ok(P.Mount("swap", "/mnt", "tmpfs"));
        var v = _h.Kernel.Mounts.Last();
        Ok(P.Umount("/mnt"));
        Assert.Equal(Errno.EINVAL, _h.Kernel.Unmount(v, UnmountFlags.None, Cred.Kcred));
    }

    [Fact]
    public void UnmountAll_unmounts_innermost_first()
    {
        Ok(P.Mkdir("/a", Dir755));
        Ok(P.Mount("swap", "/a", "tmpfs"));
        Ok(P.Mkdir("/a/b", Dir755));
        Ok(P.Mount("swap", "/a/b", "tmpfs"));
        Ok(_h.Kernel.UnmountAll());
        Assert.Single(_h.Kernel.Mounts);
    }

    [Fact]
    public void Sync_runs_VFS_SYNC_on_every_mount()
    {
        Ok(P.Mkdir("/a", Dir755));
        Ok(P.Mount("swap", "/a", "tmpfs"));
        Ok(P.Sync());
        Assert.All(_h.Kernel.Mounts, v => Assert.Equal(1, v.Stats.Calls("vfs_sync")));
    }

    [Fact]
    public void Ioctl_on_tmpfs_is_ENOTTY_and_on_a_bad_descriptor_EBADF()
    {
        _h.WriteFile("/f", "");
        Ok(P.Open("/f", O_RDONLY, 0, out int fd));
        Assert.Equal(Errno.ENOTTY, P.Ioctl(fd, 0x5401, null, out int rval));
        Assert.Equal(0, rval);
        Assert.Equal(Errno.EBADF, P.Ioctl(fd + 1, 0, null, out _));
        Ok(P.Close(fd));
    }

    [Fact]
    public void Ioctl_reaches_a_file_systems_own_op_with_its_argument_and_flags()
    {
        int seenCmd = 0;
        object? seenArg = null;
        FileFlags seenFlags = 0;
        Errno TestIoctl(Vnode vp, int cmd, object? arg, FileFlags flag, Cred cr, out int rval, CallerContext? ct)
        {
            (seenCmd, seenArg, seenFlags) = (cmd, arg, flag);
            rval = 42;
            return cmd == 1 ? Errno.OK : Errno.EINVAL;
        }
        var dirOps = TmpfsWith(VopName.Ioctl, (VopIoctl)TestIoctl);
        _h.Kernel.Vfssw.Install(new VfsDef("ioctlfs", dirOps));
        Ok(P.Mkdir("/x", Dir755));
        Ok(P.Mount("swap", "/x", "ioctlfs"));
        Ok(P.Open("/x", O_RDONLY, 0, out int fd));
        Ok(P.Ioctl(fd, 1, "argument", out int rval));
        Assert.Equal((1, "argument", FileFlags.FREAD, 42), (seenCmd, seenArg, seenFlags & FileFlags.FREAD, rval));
        Assert.Equal(Errno.EINVAL, P.Ioctl(fd, 2, null, out _));
        Ok(P.Close(fd));
    }

    /// <summary>tmpfs whose root directory's table has <paramref name="op"/> replaced (interposition with SetOps).</summary>
    private static VfsOps TmpfsWith(string op, Delegate impl)
    {
        var tmp = Tmpfs.TmpVfsops.Def.Ops;
        Errno Root(Vfs vfsp, out Vnode? vp)
        {
            var err = tmp.Root(vfsp, out vp);
            if (err == Errno.OK && !vp!.RealOps.Name.EndsWith("+" + op))
                vp.SetOps(VnodeOps.MakeOrPanic(vp.RealOps.Name + "+" + op,
                    vp.RealOps.Slots.Select(s => new FsOperationDef(s.Name, s.Name == op ? impl : s.Func))));
            return err;
        }
        return VfsOps.MakeOrPanic("ioctlfs", tmp.Slots.Select(s => s.Name == VfsopName.Root
            ? new FsOperationDef(VfsopName.Root, (VfsRootFn)Root)
            : new FsOperationDef(s.Name, s.Func)));
    }
}
