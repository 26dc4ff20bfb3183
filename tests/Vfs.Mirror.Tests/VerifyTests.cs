// Tests of Vfs.Mirror: mfsadm verify finds every kind of difference between the copies, and names where.
namespace UnixVfs.Mirror.Tests;

public class VerifyTests
{
    [Fact]
    public void Verify_reports_each_difference_made_behind_the_mirrors_back_and_nothing_else()
    {
        using var f = new MirrorFixture();
        f.Mount();
        f.WriteFile("/A/b/same", "untouched");
        f.WriteFile("/A/b/content", "0123456789");
        f.WriteFile("/A/b/mode", "m");
        f.WriteFile("/A/b/gone", "g");
        MirrorFixture.Ok(f.P.Symlink("same", "/A/b/link"));
        MirrorFixture.Ok(f.P.Mkdir("/A/b/d", 0x1ED));
        Assert.True(f.Verify().Identical);

        // Change copy Y under the mirror: same size, other bytes; another mode; a name removed; another link target.
        var y = f.Mfs.Copies[1].Root;
        var vp = f.LowerVnode(1, "content")!;
        MirrorFixture.Ok(Vop.Write(vp, new Uio("01234X6789"u8.ToArray(), 0, UioRw.UIO_WRITE), FileFlags.None, Cred.Kcred));
        vp.Rele();
        vp = f.LowerVnode(1, "mode")!;
        MirrorFixture.Ok(Vop.Setattr(vp, new Vattr(AttrMask.AT_MODE) { Mode = 0x180 }, AttrFlags.None, Cred.Kcred));
        vp.Rele();
        MirrorFixture.Ok(Vop.Remove(y, "gone", Cred.Kcred));
        MirrorFixture.Ok(Vop.Remove(y, "link", Cred.Kcred));
        MirrorFixture.Ok(Vop.Symlink(y, "link", new Vattr(AttrMask.AT_TYPE | AttrMask.AT_MODE) { Type = VType.VLNK, Mode = 0x1FF }, "elsewhere", Cred.Kcred));

        var report = f.Verify();
        string Said(string path) => string.Join("; ", report.Differences.Where(d => d.Path == path).Select(d => d.What));
        Assert.Contains("contents", Said("/content"));
        Assert.Contains("mode", Said("/mode"));
        Assert.Contains("missing in Y", Said("/gone"));
        Assert.Contains("link target", Said("/link"));
        Assert.Equal("", Said("/same"));
        Assert.Equal("", Said("/d"));
        Assert.Equal(["/content", "/gone", "/link", "/mode"], report.Differences.Select(d => d.Path).Distinct().Order(StringComparer.Ordinal));
    }
}
