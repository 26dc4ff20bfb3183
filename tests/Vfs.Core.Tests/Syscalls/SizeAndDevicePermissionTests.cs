// Tests of Vfs.Core: a change of size is a write (Secpolicy.VnodeSetattr asks VWRITE of VOP_SETATTR
// itself, so every caller -- truncate(2), an NFS server's SETATTR -- is held to it), and device nodes
// are the superuser's to make (mknod(2), Secpolicy.Mknod). Each is tried as a non-owner would try it.
using static UnixVfs.Core.OFlags;
using static UnixVfs.Core.Tests.TestHost;

namespace UnixVfs.Core.Tests.Syscalls;

public class SizeAndDevicePermissionTests
{
    private readonly TestHost _h = new();
    private readonly Process _alice, _mallory;

    public SizeAndDevicePermissionTests()
    {
        _alice = _h.User(1000, 100);
        _mallory = _h.User(2000, 200);
        Ok(_h.Root.Chmod("/m", Mode777));
        WriteFile(_alice, "/m/f", "alice's data", mode: File644);
    }

    private Errno SetSize(Process p, long size)
    {
        Ok(p.Lookupname("/m/f", true, out var vp));
        try { return Vop.Setattr(vp!, new Vattr(AttrMask.AT_SIZE) { Size = size }, AttrFlags.None, p.Cred); }
        finally { vp!.Rele(); }
    }

    [Fact]
    public void VOP_SETATTR_of_size_by_a_non_owner_without_write_permission_is_EACCES_and_changes_nothing()
    {
        Assert.Equal(Errno.EACCES, SetSize(_mallory, 0));
        Assert.Equal(Errno.EACCES, SetSize(_mallory, 8L << 40));
        Assert.Equal(Errno.EACCES, _mallory.Truncate("/m/f", 0));
        Assert.Equal("alice's data", _h.ReadFile("/m/f"));
        Ok(SetSize(_alice, 5));
        Assert.Equal("alice", _h.ReadFile("/m/f"));
    }

    [Fact]
    public void The_owner_of_a_read_only_file_may_not_truncate_it_by_name_but_may_through_a_descriptor_opened_for_writing()
    {
        Ok(_alice.Open("/m/f", O_WRONLY, 0, out int fd));
        Ok(_alice.Chmod("/m/f", 0x124));   // 0444 after the open
        Assert.Equal(Errno.EACCES, _alice.Truncate("/m/f", 1));
        Assert.Equal(Errno.EACCES, SetSize(_alice, 1));
        Ok(_alice.Ftruncate(fd, 3));
        Ok(_alice.Close(fd));
        Assert.Equal("ali", _h.ReadFile("/m/f"));
        Ok(SetSize(_h.Root, 0));
    }

    [Fact]
    public void Mknod_of_a_block_or_character_device_is_for_root_alone_and_a_fifo_for_anyone()
    {
        Assert.Equal(Errno.EPERM, _mallory.Mknod("/m/sda", ModeBits.S_IFBLK | Mode666, 8 << 8));
        Assert.Equal(Errno.EPERM, _mallory.Mknod("/m/mem", ModeBits.S_IFCHR | Mode666, 1 << 8 | 1));
        Assert.Equal(Errno.ENOENT, _h.Root.Stat("/m/sda", out _));
        Ok(_mallory.Mknod("/m/fifo", ModeBits.S_IFIFO | File644, 0));
        Ok(_h.Root.Mknod("/m/null", ModeBits.S_IFCHR | Mode666, 1 << 8 | 3));
        Ok(_h.Root.Stat("/m/null", out var st));
        Assert.Equal(ModeBits.S_IFCHR, st!.Mode & ModeBits.S_IFMT);
        Assert.Equal(Errno.EINVAL, _h.Root.Mknod("/m/d", ModeBits.S_IFDIR | Dir755, 0));
    }
}
