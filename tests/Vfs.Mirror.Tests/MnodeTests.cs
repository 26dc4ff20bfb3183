// Tests of Vfs.Mirror: the mnode and its hash (patent B.3) -- one mnode per file, exactly one hold on each
// lower vnode per mnode, and a table that lets go of what is no longer used.
namespace UnixVfs.Mirror.Tests;

public class MnodeTests
{
    [Fact]
    public void An_mnode_holds_each_lower_vnode_exactly_once()
    {
        using var f = new MirrorFixture();
        f.WriteFile("/A/b/f", "x");
        var mi = f.Mount();
        var x = f.LowerVnode(0, "f")!;
        var y = f.LowerVnode(1, "f")!;
        int x0 = x.Count, y0 = y.Count;
        MirrorFixture.Ok(f.P.Lookupname("/A/b/f", true, out var vp));
        var m = (Mnode)vp!.Data!;
        Assert.Same(x, m.Xvp);
        Assert.Same(y, m.Yvp);
        Assert.Equal(x0 + 1, x.Count);
        Assert.Equal(y0 + 1, y.Count);
        // A second lookup, by the other name, finds the same mnode and takes no further lower holds.
        MirrorFixture.Ok(f.P.Lookupname("/X/y/f", true, out var vp2));
        Assert.Same(vp, vp2);
        Assert.Equal(x0 + 1, x.Count);
        vp2!.Rele();
        vp.Rele();
        Assert.Equal(x0, x.Count);
        Assert.Equal(y0, y.Count);
        x.Rele();
        y.Rele();
        Assert.Equal(1, mi.Mnodes.Count);
    }

    [Fact]
    public void The_table_holds_only_what_is_in_use()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        for (int i = 0; i < 500; i++)
            f.WriteFile($"/A/b/f{i}", "x");
        Assert.Equal(1, mi.Mnodes.Count);
        var held = new List<int>();
        for (int i = 0; i < 10; i++)
        {
            MirrorFixture.Ok(f.P.Open($"/X/y/f{i}", OFlags.O_RDONLY, 0, out int fd));
            held.Add(fd);
        }
        Assert.Equal(11, mi.Mnodes.Count);
        Assert.Equal(10, mi.Mnodes.Chains(0).Sum(c => c.Chain.Count) - 1);
        foreach (var fd in held)
            MirrorFixture.Ok(f.P.Close(fd));
        Assert.Equal(1, mi.Mnodes.Count);
    }

    [Fact]
    public void A_file_found_while_a_copy_was_down_gets_that_copys_vnode_when_it_is_back()
    {
        using var f = new MirrorFixture();
        f.WriteFile("/A/b/f", "x");
        var mi = f.Mount();
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        MirrorFixture.Ok(f.P.Open("/A/b/f", OFlags.O_RDWR, 0, out int fd));
        MirrorFixture.Ok(f.P.Fstat(fd, out _));
        MirrorFixture.Ok(f.P.Lookupname("/A/b/f", true, out var vp));
        var m = (Mnode)vp!.Data!;
        Assert.Null(m.Xvp);
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "x", out var error, out _), error);
        MirrorFixture.Ok(f.P.Pwrite(fd, "y"u8.ToArray(), 0, out _));
        Assert.NotNull(m.Xvp);
        Assert.Equal("y", f.Lower(0, "f"));
        vp.Rele();
        MirrorFixture.Ok(f.P.Close(fd));
        Assert.Equal(1, mi.Mnodes.Count);
    }
}
