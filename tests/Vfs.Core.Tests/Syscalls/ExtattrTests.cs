// Tests of Vfs.Core: the extattr_* system calls on tmpfs -- values and lists, FreeBSD's permission rules as a
// non-owner and a non-root caller meet them, the size query and short buffers, ctime, the per-node bound,
// and EOPNOTSUPP from a file system without extended attributes.
using static UnixVfs.Core.Tests.TestHost;

namespace UnixVfs.Core.Tests.Syscalls;

public class ExtattrTests
{
    private readonly TestHost _h = new();
    private Process P => _h.Root;
    private const ExtattrNamespace User = ExtattrNamespace.User, System = ExtattrNamespace.System;

    [Fact]
    public void Values_and_lists_round_trip_and_a_short_buffer_gets_what_fits()
    {
        _h.WriteFile("/m/f", "x");
        var ctime = _h.StatOf("/m/f").Ctime;
        Ok(P.ExtattrSetFile("/m/f", User, "b", "two"u8.ToArray()));
        Ok(P.ExtattrSetFile("/m/f", User, "a", "one"u8.ToArray()));
        Ok(P.ExtattrSetFile("/m/f", System, "s", "sys"u8.ToArray()));
        Assert.True(_h.StatOf("/m/f").Ctime.CompareTo(ctime) > 0);
        Ok(P.ExtattrListFile("/m/f", User, null, out int size));
        var list = new byte[size];
        Ok(P.ExtattrListFile("/m/f", User, list, out _));
        Assert.Equal(["a", "b"], Extattr.DecodeList(list));
        Ok(P.ExtattrGetFile("/m/f", User, "a", null, out int n));
        Assert.Equal(3, n);
        var buf = new byte[2];
        Ok(P.ExtattrGetFile("/m/f", User, "a", buf, out n));
        Assert.Equal(2, n);
        Assert.Equal("on"u8.ToArray(), buf);
        Ok(P.ExtattrSetFile("/m/f", User, "a", "replaced"u8.ToArray()));
        buf = new byte[16];
        Ok(P.ExtattrGetFile("/m/f", User, "a", buf, out n));
        Assert.Equal("replaced"u8.ToArray(), buf[..n]);
        Ok(P.ExtattrDeleteFile("/m/f", User, "a"));
        Assert.Equal(Errno.ENODATA, P.ExtattrGetFile("/m/f", User, "a", null, out _));
        Assert.Equal(Errno.ENODATA, P.ExtattrDeleteFile("/m/f", User, "a"));
        Assert.Equal(Errno.ENODATA, P.ExtattrGetFile("/m/f", User, "s", null, out _)); // namespaces are apart
    }

    [Fact]
    public void The_system_namespace_is_root_only_and_the_user_namespace_follows_the_file_mode()
    {
        Ok(P.Chmod("/m", Mode777));
        var alice = _h.User(1000, 100);
        var mallory = _h.User(2000, 200);
        WriteFile(alice, "/m/mine", "x", File644);
        Ok(alice.ExtattrSetFile("/m/mine", User, "u", new byte[] { 1 }));
        Ok(mallory.ExtattrGetFile("/m/mine", User, "u", null, out _));
        Assert.Equal(Errno.EACCES, mallory.ExtattrSetFile("/m/mine", User, "u", new byte[] { 2 }));
        Assert.Equal(Errno.EACCES, mallory.ExtattrDeleteFile("/m/mine", User, "u"));
        Assert.Equal(Errno.EPERM, alice.ExtattrSetFile("/m/mine", System, "s", new byte[] { 3 }));
        Ok(P.ExtattrSetFile("/m/mine", System, "s", new byte[] { 3 }));
        Assert.Equal(Errno.EPERM, alice.ExtattrGetFile("/m/mine", System, "s", null, out _));
        Assert.Equal(Errno.EPERM, alice.ExtattrListFile("/m/mine", System, null, out _));
        Ok(alice.Chmod("/m/mine", 0x180));
        Assert.Equal(Errno.EACCES, mallory.ExtattrGetFile("/m/mine", User, "u", null, out _));
        Assert.Equal(Errno.EINVAL, alice.ExtattrGetFile("/m/mine", (ExtattrNamespace)7, "u", null, out _));
    }

    [Fact]
    public void A_node_holds_a_bounded_amount()
    {
        _h.WriteFile("/m/f", "x");
        var value = new byte[Extattr.MaxValueLen];
        int i = 0;
        Errno err;
        while ((err = P.ExtattrSetFile("/m/f", User, $"v{i}", value)) == Errno.OK)
            i++;
        Assert.Equal(Errno.ENOSPC, err);
        Assert.InRange(i, 1, 16);
        Ok(P.ExtattrDeleteFile("/m/f", User, "v0"));
        Ok(P.ExtattrSetFile("/m/f", User, "again", value));
    }

    [Fact]
    public void A_file_system_without_extended_attributes_says_EOPNOTSUPP()
    {
        var vp = Vnode.Alloc(VnodeOps.MakeOrPanic("bare", []), _h.Tmp, VType.VREG, null);
        Assert.Equal(Errno.EOPNOTSUPP, Vop.Getextattr(vp, User, "a", null, out _, P.Cred));
        Assert.Equal(Errno.EOPNOTSUPP, Vop.Setextattr(vp, User, "a", new Uio(new byte[1], 0, UioRw.UIO_WRITE), P.Cred));
        Assert.Equal(Errno.EOPNOTSUPP, Vop.Listextattr(vp, User, null, out _, P.Cred));
        Assert.Equal(Errno.EOPNOTSUPP, Vop.Deleteextattr(vp, User, "a", P.Cred));
    }
}
