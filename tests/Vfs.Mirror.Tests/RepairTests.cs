// Tests of Vfs.Mirror: lookup's repair step (MirrorDirops.RepairName) -- a name one available copy lacks is copied to
// it before the lookup answers, by the mount merge's rule, and announced; a file with other names is left alone.
namespace UnixVfs.Mirror.Tests;

public class RepairTests
{
    /// <summary>Makes a file in copy <paramref name="copy"/> alone, behind the mirror's back.</summary>
    private static void CreateBehind(MirrorFixture f, int copy, string name, string text)
    {
        var dir = f.LowerVnode(copy, "")!;
        try
        {
            MirrorFixture.Ok(Vop.Create(dir, name, new Vattr(AttrMask.AT_TYPE | AttrMask.AT_MODE) { Type = VType.VREG, Mode = 0x1A4 },
                VcExcl.EXCL, AccessMode.VWRITE, out var vp, Cred.Kcred, FileFlags.None), "create behind");
            var uio = new Uio(System.Text.Encoding.UTF8.GetBytes(text), 0, UioRw.UIO_WRITE);
            MirrorFixture.Ok(Vop.Write(vp!, uio, FileFlags.None, Cred.Kcred), "write behind");
            vp!.Rele();
        }
        finally
        {
            dir.Rele();
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void A_peer_lookup_copies_a_name_the_other_copy_lacks(int holder)
    {
        using var f = new MirrorFixture();
        f.Mount();
        CreateBehind(f, holder, "stray", "only here");
        Assert.DoesNotContain("stray", f.LowerNames(1 - holder, ""));

        MirrorFixture.Ok(f.P.Stat("/X/y/stray", out _), "stat");

        Assert.Equal("only here", f.Lower(1 - holder, "stray"));
        Assert.Contains(f.Mfs.Events, e => e.What.StartsWith("repaired ") && e.What.EndsWith($"stray from {MfsOptions.CopyName(holder)}"));
        Assert.Empty(f.Verify().Differences);
    }

    [Fact]
    public void With_role_master_a_name_only_the_slave_has_is_not_copied_and_not_found()
    {
        using var f = new MirrorFixture();
        f.Mount("role=master");
        CreateBehind(f, 1, "slave-only", "y");

        Assert.Equal(Errno.ENOENT, f.P.Stat("/X/y/slave-only", out _));
        Assert.DoesNotContain("slave-only", f.LowerNames(0, ""));
        Assert.DoesNotContain(f.Mfs.Events, e => e.What.StartsWith("repaired"));
    }

    /// <summary>
    /// Finding 21: a name of a file with other links is not copied whole by a lookup: the lookup cannot know where the
    /// other copy holds the file, and a copy would be a second file there. The lookup still answers from the copy that
    /// has it; the comparisons (mount, online, scrub) make it a link.
    /// </summary>
    [Fact]
    public void A_lookup_does_not_copy_a_name_of_a_file_with_other_links_as_a_file_of_its_own()
    {
        using var f = new MirrorFixture();
        f.Mount();
        CreateBehind(f, 0, "f", "linked");
        var dir = f.LowerVnode(0, "")!;
        var fv = f.LowerVnode(0, "f")!;
        MirrorFixture.Ok(Vop.Link(dir, fv, "g", Cred.Kcred), "link behind");
        fv.Rele();
        dir.Rele();

        MirrorFixture.Ok(f.P.Stat("/X/y/g", out var st), "stat");
        Assert.Equal(2u, st!.Nlink);
        Assert.DoesNotContain("g", f.LowerNames(1, ""));
        Assert.DoesNotContain(f.Mfs.Events, e => e.What.EndsWith("/g from X"));
    }
}
