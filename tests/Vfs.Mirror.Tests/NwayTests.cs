// Tests of Vfs.Mirror: beyond the patent's pair -- a mirror of three copies ("two or more file systems").
namespace UnixVfs.Mirror.Tests;

public class NwayTests
{
    [Fact]
    public void Three_copies_are_merged_mirrored_failed_over_and_resynced()
    {
        using var f = new MirrorFixture(copies: 3);
        f.WriteFile("/Z/z/from-z", "z");
        var mi = f.Mount(copies: 3);
        Assert.Equal(3, mi.Copies.Count);
        // X and Y are the special's directories, Z the mount point: /A/b, /Z/z, /X/y.
        Assert.Equal(["/A/b", "/Z/z", "/X/y"], mi.Copies.Select(c => c.Path).ToArray());
        for (int c = 0; c < 3; c++)
            Assert.Equal("z", f.Lower(c, "from-z"));
        f.WriteFile("/A/b/all", "three copies");
        for (int c = 0; c < 3; c++)
            Assert.Equal("three copies", f.Lower(c, "all"));
        f.Faults(2).FailAll(Errno.EIO);
        f.WriteFile("/A/b/two", "two copies up");
        Assert.Equal(CopyState.Unavailable, mi.Copies[2].State);
        Assert.Equal(CopyState.Available, mi.Copies[0].State);
        Assert.Equal(CopyState.Available, mi.Copies[1].State);
        mi.Copies[2].Vfs.Faults = null;
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "z", out var error, out _), error);
        for (int c = 0; c < 3; c++)
            Assert.Equal("two copies up", f.Lower(c, "two"));
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    /// <summary>
    /// A full resync of Z while Y is away too, after a directory was made without Y: the merge descends into it with the
    /// source's directory standing in for Y's, and took it from the slot it had already moved on (a null reference: the
    /// main run's 3-way mirror, seed 20261209, once its generated plans asked for full resyncs).
    /// </summary>
    [Fact]
    public void A_full_resync_of_one_copy_while_another_is_away_enters_a_directory_the_absent_one_lacks()
    {
        using var f = new MirrorFixture(copies: 3);
        var mi = f.Mount(copies: 3);
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        MirrorFixture.Ok(f.P.Mkdir("/A/b/a", 0x1ED));
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "z", out _));
        f.WriteFile("/A/b/a/f", "made while Z was away");

        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "z", out var error, out var report, full: true), error);
        Assert.True(report!.Full);
        Assert.Equal("made while Z was away", f.Lower(2, "a/f"));
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out error, out _), error);
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }
}
