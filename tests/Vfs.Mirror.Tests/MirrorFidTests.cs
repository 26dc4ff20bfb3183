// Tests of Vfs.Mirror: a mirror file's fid (VOP_FID) names the file whichever copy is primary, and VFS_VGET finds the
// file by a fid that lists only a copy now out of use (docs/verification.md, Fixed: the NFS clients' handle of an
// exported mirror's root went stale when its primary copy went offline).
namespace UnixVfs.Mirror.Tests;

public class MirrorFidTests
{
    [Theory]
    [InlineData("/X/y")]
    [InlineData("/X/y/d")]
    [InlineData("/X/y/d/f")]
    public void A_handle_of_the_primary_copy_alone_still_names_the_file_when_that_copy_goes_offline(string path)
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        MirrorFixture.Ok(f.P.Mkdir("/X/y/d", 0x1ED));
        f.WriteFile("/X/y/d/f", "f");
        var whole = FidOf(f, path, Fid.MaxFidSize);
        var one = FidOf(f, path, 2 + (whole.Length - 2) / mi.Copies.Count); // room for the first copy's fid only
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        f.K.Dnlc.Purge();
        foreach (var fid in new[] { whole, one })
        {
            MirrorFixture.Ok(VfsOp.Vget(mi.Vfs, out var vp, fid));
            MirrorFixture.Ok(f.P.Lookupname(path, true, out var named));
            try
            {
                Assert.Same(named, vp);
            }
            finally
            {
                vp!.Rele();
                named!.Rele();
            }
        }
    }

    private static Fid FidOf(MirrorFixture f, string path, int room)
    {
        MirrorFixture.Ok(f.P.Lookupname(path, true, out var vp));
        MirrorFixture.Ok(Vop.Fid(vp!, room, out var fid));
        vp!.Rele();
        return fid!;
    }
}
