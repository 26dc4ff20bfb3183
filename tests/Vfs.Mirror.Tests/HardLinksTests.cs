// Tests of Vfs.Mirror: the hard-link table of a merge or resync (HardLinks, MirrorDataCopy.cs) -- a source file's twin
// in a copy is one that copy still names, and the table holds each twin it keeps exactly once.
namespace UnixVfs.Mirror.Tests;

public class HardLinksTests
{
    /// <summary>The source file's attributes (the table's key) and a file of the copy, held.</summary>
    private static (Vattr Source, Vnode Twin) Pair(MirrorFixture f, string source, string twin)
    {
        f.WriteFile(source, "s");
        f.WriteFile(twin, "t");
        MirrorFixture.Ok(f.P.Lookupname(source, true, out var sv));
        var va = new Vattr(AttrMask.AT_ALL);
        MirrorFixture.Ok(Vop.Getattr(sv!, va, AttrFlags.None, Cred.Kcred));
        sv!.Rele();
        MirrorFixture.Ok(f.P.Lookupname(twin, true, out var tv));
        return (va, tv!);
    }

    [Fact]
    public void A_twin_the_copy_no_longer_names_is_forgotten_and_let_go()
    {
        using var f = new MirrorFixture();
        var (va, tv) = Pair(f, "/A/b/f", "/X/y/f");
        using var links = new HardLinks();
        links.Add(va, tv);
        Assert.True(links.TryGet(va, out var found));
        Assert.Same(tv, found);

        MirrorFixture.Ok(f.P.Unlink("/X/y/f"));
        int held = tv.Count;
        Assert.False(links.TryGet(va, out found)); // a link to it would fail with ENOENT
        Assert.Null(found);
        Assert.Equal(held - 1, tv.Count);
        tv.Rele();
    }

    [Fact]
    public void A_second_twin_for_one_source_file_lets_the_first_go()
    {
        using var f = new MirrorFixture();
        var (va, first) = Pair(f, "/A/b/f", "/X/y/f");
        f.WriteFile("/X/y/g", "t");
        MirrorFixture.Ok(f.P.Lookupname("/X/y/g", true, out var second));
        int held = first.Count;
        using (var links = new HardLinks())
        {
            links.Add(va, first);
            links.Add(va, second!); // PrimeLinks in a later batch of one resync
            Assert.True(links.TryGet(va, out var found));
            Assert.Same(second, found);
            Assert.Equal(held, first.Count);
        }
        Assert.Equal(held, first.Count);
        first.Rele();
        second!.Rele();
    }
}
