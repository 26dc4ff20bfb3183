// Tests of Vfs.Mirror: mode=active-passive (patent Fig. 10) -- the client uses only the active copy, does
// no mirroring itself, and carries on against the passive copy when the active one stops answering.
namespace UnixVfs.Mirror.Tests;

public class ActivePassiveTests
{
    [Fact]
    public void Only_the_active_copy_is_used_and_nothing_is_mirrored()
    {
        using var f = new MirrorFixture();
        f.WriteFile("/A/b/shared", "same on both servers");
        f.WriteFile("/X/y/shared", "same on both servers");
        var mi = f.Mount("mode=active-passive,nomerge");
        var y = mi.Copies[1].Vfs.Stats;
        long creates = y.Calls(VopName.Create), writes = y.Calls(VopName.Write), reads = y.Calls(VopName.Read);
        f.WriteFile("/A/b/new", "to the active one");
        Assert.Equal("same on both servers", f.ReadFile("/A/b/shared"));
        Assert.Equal("to the active one", f.Lower(0, "new"));
        Assert.Null(f.Lower(1, "new"));
        Assert.Equal((creates, writes, reads), (y.Calls(VopName.Create), y.Calls(VopName.Write), y.Calls(VopName.Read)));
    }

    [Fact]
    public void When_the_active_copy_stops_answering_the_client_carries_on_against_the_passive_one()
    {
        using var f = new MirrorFixture();
        f.WriteFile("/A/b/shared", "v1");
        f.WriteFile("/X/y/shared", "v1");
        var mi = f.Mount("mode=active-passive,nomerge,retries=1");
        MirrorFixture.Ok(f.P.Open("/A/b/shared", OFlags.O_RDWR, 0, out int fd));
        f.Faults(0).FailAll(Errno.ETIMEDOUT);
        MirrorFixture.Ok(f.P.Pwrite(fd, "v2"u8.ToArray(), 0, out _));
        var buf = new byte[2];
        MirrorFixture.Ok(f.P.Pread(fd, buf, 0, out _));
        Assert.Equal("v2", System.Text.Encoding.ASCII.GetString(buf));
        MirrorFixture.Ok(f.P.Close(fd));
        Assert.Equal("Y", mi.Active.Name);
        Assert.Equal(CopyState.Unavailable, mi.Copies[0].State);
        Assert.Equal("v2", f.Lower(1, "shared"));
        // /A itself is on the failed "server" now, so reach the mirror by its other name.
        f.WriteFile("/X/y/after", "written after the failover");
        Assert.Equal("written after the failover", f.Lower(1, "after"));
        // The old active comes back as the passive copy; the client stays on Y and resyncs nothing itself.
        f.Mfs.Copies[0].Vfs.Faults = null;
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/X/y", "x", out var error, out var report), error);
        Assert.Null(report);
        Assert.Equal("Y", mi.Active.Name);
        Assert.Equal(CopyState.Available, mi.Copies[0].State);
        // It owes nothing: what its log held is the servers' to resync, and the mirror unmounts (Finding 23: the log
        // was kept, and every unmount was refused for a resync this client never runs).
        Assert.Equal(0, mi.Copies[0].Log.Count);
        MirrorFixture.Ok(f.P.Umount("/X/y"), "umount");
    }
}
