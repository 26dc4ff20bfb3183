// Tests of Vfs.Mirror: extended attributes (MirrorExtattr.cs) reach every copy, a copy that was away gets them
// back from its resync (set and deleted ones alike), verify reports a copy whose attributes differ, and a copy
// without extended attributes (an NFSv3 import: its client answers EOPNOTSUPP) makes the mirror refuse a set
// before any copy changes.
using System.Text;

namespace UnixVfs.Mirror.Tests;

public class ExtattrTests
{
    private const ExtattrNamespace User = ExtattrNamespace.User, System = ExtattrNamespace.System;

    private static string? LowerAttr(MirrorFixture f, int copy, string path, ExtattrNamespace ns, string name)
    {
        var vp = f.LowerVnode(copy, path)!;
        try
        {
            var buf = new byte[256];
            var uio = new Uio(buf, 0, UioRw.UIO_READ);
            var err = Vop.Getextattr(vp, ns, name, uio, out long size, Cred.Kcred);
            return err == Errno.OK ? Encoding.UTF8.GetString(buf, 0, (int)size) : err.ToString();
        }
        finally
        {
            vp.Rele();
        }
    }

    [Theory]
    [InlineData("tmpfs")]
    [InlineData("ufs")]
    public void Set_and_delete_reach_every_copy(string fstype)
    {
        using var f = new MirrorFixture(fstype: fstype);
        f.Mount();
        f.WriteFile("/X/y/f", "data");
        MirrorFixture.Ok(f.P.ExtattrSetFile("/X/y/f", User, "color", "blue"u8.ToArray()));
        MirrorFixture.Ok(f.P.ExtattrSetFile("/X/y/f", System, "tag", "t"u8.ToArray()));
        for (int c = 0; c < 2; c++)
        {
            Assert.Equal("blue", LowerAttr(f, c, "f", User, "color"));
            Assert.Equal("t", LowerAttr(f, c, "f", System, "tag"));
        }
        var buf = new byte[16];
        MirrorFixture.Ok(f.P.ExtattrGetFile("/X/y/f", User, "color", buf, out int n));
        Assert.Equal("blue", Encoding.UTF8.GetString(buf, 0, n));
        MirrorFixture.Ok(f.P.ExtattrListFile("/X/y/f", User, buf, out n));
        Assert.Equal(["color"], Extattr.DecodeList(buf.AsSpan(0, n)));
        MirrorFixture.Ok(f.P.ExtattrDeleteFile("/X/y/f", User, "color"));
        Assert.Equal(Errno.ENODATA, f.P.ExtattrDeleteFile("/X/y/f", User, "color"));
        for (int c = 0; c < 2; c++)
            Assert.Equal("ENODATA", LowerAttr(f, c, "f", User, "color"));
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    [Fact]
    public void A_copy_that_was_offline_gets_the_attributes_from_its_resync()
    {
        using var f = new MirrorFixture(fstype: "ufs");
        f.Mount();
        f.WriteFile("/X/y/f", "data");
        MirrorFixture.Ok(f.P.ExtattrSetFile("/X/y/f", User, "old", "1"u8.ToArray()));
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        MirrorFixture.Ok(f.P.ExtattrSetFile("/X/y/f", User, "new", "2"u8.ToArray()));
        MirrorFixture.Ok(f.P.ExtattrDeleteFile("/X/y/f", User, "old"));
        Assert.Equal("1", LowerAttr(f, 1, "f", User, "old"));
        var v = f.Verify();
        Assert.Contains(v.Differences, d => d.ToString().Contains("extattr user.new"));
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out _), error);
        Assert.Equal("2", LowerAttr(f, 1, "f", User, "new"));
        Assert.Equal("ENODATA", LowerAttr(f, 1, "f", User, "old"));
        v = f.Verify();
        Assert.True(v.Identical, string.Join("\n", v.Differences));
    }

    [Fact]
    public void Verify_reports_a_value_changed_under_the_mirror()
    {
        using var f = new MirrorFixture();
        f.Mount();
        f.WriteFile("/X/y/f", "data");
        MirrorFixture.Ok(f.P.ExtattrSetFile("/X/y/f", User, "k", "same"u8.ToArray()));
        var vp = f.LowerVnode(1, "f")!;
        MirrorFixture.Ok(Vop.Setextattr(vp, User, "k", new Uio("diff"u8.ToArray(), 0, UioRw.UIO_WRITE), Cred.Kcred));
        vp.Rele();
        var v = f.Verify();
        Assert.Contains(v.Differences, d => d.ToString().Contains("extattr user.k"));
    }

    [Fact]
    public void An_NFSv3_copy_has_no_extended_attributes()
    {
        using var f = new MirrorFixture(fstype: "nfs");
        f.Mount();
        f.WriteFile("/X/y/f", "data");
        var nfs = f.LowerVnode(1, "f")!;
        Assert.Equal(Errno.EOPNOTSUPP, Vop.Setextattr(nfs, User, "k", new Uio("v"u8.ToArray(), 0, UioRw.UIO_WRITE), Cred.Kcred));
        Assert.Equal(Errno.EOPNOTSUPP, Vop.Getextattr(nfs, User, "k", null, out _, Cred.Kcred));
        nfs.Rele();
        Assert.Equal(Errno.EOPNOTSUPP, f.P.ExtattrSetFile("/X/y/f", User, "k", "v"u8.ToArray()));
        Assert.Equal("EOPNOTSUPP", LowerAttr(f, 1, "f", User, "k"));
        Assert.Equal("ENODATA", LowerAttr(f, 0, "f", User, "k")); // the tmpfs copy was not changed either
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }
}
