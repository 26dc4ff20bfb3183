// Tests of the mirror's test fixture itself: its disposal catches what a mirror may leave behind.
namespace UnixVfs.Mirror.Tests;

public class FixtureTests
{
    [Fact]
    public void Disposing_unmounts_the_mirror_and_stops_its_copy_workers()
    {
        var f = new MirrorFixture();
        var mi = f.Mount();
        f.WriteFile("/A/b/f", "data");
        f.Dispose();
        Assert.DoesNotContain(f.K.Mounts, v => v.FstypeName == "mfs");
        Assert.False(mi.Workers.Running);
    }

    [Fact]
    public void Disposing_fails_when_a_vnode_of_a_copy_is_still_held()
    {
        var f = new MirrorFixture();
        f.Mount();
        f.WriteFile("/A/b/f", "data");
        var leaked = f.LowerVnode(0, "f"); // held and never released
        Assert.NotNull(leaked);
        var e = Assert.ThrowsAny<Exception>(f.Dispose);
        Assert.Contains("holds, expected", e.Message);
        leaked!.Rele();
    }
}
