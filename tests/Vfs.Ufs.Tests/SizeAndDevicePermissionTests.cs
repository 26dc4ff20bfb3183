// Tests of Vfs.Ufs against Secpolicy: a non-owner without write permission cannot change a file's
// size through VOP_SETATTR (what an NFS server's SETATTR calls), and only root makes device nodes.
using UnixVfs.Core;
using static UnixVfs.Ufs.Tests.Kit;

namespace UnixVfs.Ufs.Tests;

public class SizeAndDevicePermissionTests
{
    [Fact]
    public void A_non_owner_cannot_truncate_or_grow_a_0644_file_and_cannot_make_a_device()
    {
        using var s = new Scratch();
        var h = new Host();
        Ok(h.Mount(NewImage(s, 8 << 20)));
        Ok(h.P.Chmod("/mnt", 0x1FF));
        var alice = h.Kernel.CreateProcess(new Cred(1000, 100));
        var mallory = h.Kernel.CreateProcess(new Cred(2000, 200));
        Ok(alice.Open("/mnt/f", OFlags.O_WRONLY | OFlags.O_CREAT, 0x1A4, out int fd));
        Ok(alice.Write(fd, "alice's data"u8.ToArray(), out _));
        Ok(alice.Close(fd));

        Ok(mallory.Lookupname("/mnt/f", true, out var vp));
        Assert.Equal(Errno.EACCES, Vop.Setattr(vp!, new Vattr(AttrMask.AT_SIZE) { Size = 0 }, AttrFlags.None, mallory.Cred));
        Assert.Equal(Errno.EACCES, Vop.Setattr(vp!, new Vattr(AttrMask.AT_SIZE) { Size = 8L << 40 }, AttrFlags.None, mallory.Cred));
        Ok(Vop.Setattr(vp!, new Vattr(AttrMask.AT_SIZE) { Size = 5 }, AttrFlags.None, alice.Cred));
        vp!.Rele();
        Assert.Equal(Errno.EACCES, mallory.Truncate("/mnt/f", 0));
        Ok(h.P.Stat("/mnt/f", out var st));
        Assert.Equal(5, st!.Size);

        Assert.Equal(Errno.EPERM, mallory.Mknod("/mnt/sda", ModeBits.S_IFBLK | 0x1B6, 8 << 8));
        Assert.Equal(Errno.ENOENT, h.P.Stat("/mnt/sda", out _));
        Ok(h.P.Mknod("/mnt/sda", ModeBits.S_IFBLK | 0x1B0, 8 << 8));
        Ok(h.Umount());
    }
}
