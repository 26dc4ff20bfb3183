// Tests of Vfs.Mirror: the bad input of the issue -- a copy that runs out of space mid-write, an NFS copy that
// cannot be reached at mount time -- each a clear errno and reason, no half-mounted state, nothing acknowledged lost.
using UnixVfs.Nfs.Client;
using UnixVfs.Nfs.Net;
using UnixVfs.Nfs.Server;

namespace UnixVfs.Mirror.Tests;

public class EdgeTests
{
    /// <summary>What if one copy's disk fills up in the middle of a write?</summary>
    [Fact]
    public void A_copy_that_runs_out_of_space_mid_write_is_taken_down_and_the_write_is_kept()
    {
        using var f = new MirrorFixture();
        MirrorFixture.Ok(f.P.Umount("/X"));
        MirrorFixture.Ok(f.P.Mount("swap", "/X", "tmpfs", MountFlags.None, "size=1m"));
        MirrorFixture.Ok(f.P.Mkdir("/X/y", 0x1ED));
        var mi = f.Mount();
        var data = new byte[3 << 20];
        new Random(7).NextBytes(data);
        MirrorFixture.Ok(f.P.Open("/A/b/big", OFlags.O_CREAT | OFlags.O_WRONLY, 0x1A4, out int fd));
        MirrorFixture.Ok(f.P.Write(fd, data, out int n));
        MirrorFixture.Ok(f.P.Close(fd));
        Assert.Equal(data.Length, n);
        Assert.Equal(CopyState.Unavailable, mi.Copies[1].State);
        Assert.Contains("ENOSPC", mi.Copies[1].Reason);
        MirrorFixture.Ok(f.P.Open("/X/y/big", OFlags.O_RDONLY, 0, out fd));
        var back = new byte[data.Length];
        MirrorFixture.Ok(f.P.Read(fd, back, out int got));
        MirrorFixture.Ok(f.P.Close(fd));
        Assert.Equal(data.Length, got);
        Assert.True(back.AsSpan().SequenceEqual(data), "the data acknowledged is readable in full");
        // Bringing it back cannot work while the disk is still full: the resync says so and the copy stays out.
        Assert.Equal(Errno.ENOSPC, MfsAdm.Online(f.P, "/A/b", "y", out var why, out _));
        Assert.Contains("ENOSPC", why);
        Assert.Equal(CopyState.Unavailable, mi.Copies[1].State);
    }

    /// <summary>What if the NFS server holding one copy is down when the mirror is mounted?</summary>
    [Fact]
    public void An_unreachable_NFS_copy_at_mount_time_fails_the_mount_and_covers_nothing()
    {
        var net = new SimNetwork(seed: 3);
        var server = new Kernel("srv");
        var sp = server.CreateProcess();
        MirrorFixture.Ok(sp.Mkdir("/export", 0x1ED));
        var nfsd = new NfsServer(server, net.AddHost("srv"), new NfsServerOptions { Address = "srv", PortmapPort = -1, MountPort = 635 });
        MirrorFixture.Ok(nfsd.Share(new ExportOptions { Path = "/export", RootSquash = false }));
        MirrorFixture.Ok(nfsd.Start());

        using var f = new MirrorFixture();
        NfsClient.Install(f.K, net.AddHost("client"));
        MirrorFixture.Ok(f.P.Mkdir("/net", 0x1ED));
        // timeo=2 is 0.2 s of real time: on a loaded machine the mount's own calls may miss it, so it is asked a few times.
        var merr = Errno.ETIMEDOUT;
        for (int i = 0; i < 10 && merr == Errno.ETIMEDOUT; i++)
            merr = f.P.Mount("srv:/export", "/net", "nfs", MountFlags.None, "soft,timeo=2,retrans=0,port=2049,mountport=635");
        MirrorFixture.Ok(merr, "mount nfs");
        nfsd.Crash();
        net.Host("srv")!.Crash();

        var data = new MfsMountData();
        var err = f.P.Mount("/A/b", "/net", "mfs", MountFlags.None, "", data);
        Assert.True(err is Errno.ETIMEDOUT or Errno.EIO, err.ToString());
        Assert.Contains("nothing was mounted", data.Error);
        Assert.DoesNotContain(f.K.Mounts, v => v.FstypeName == "mfs");
        MirrorFixture.Ok(f.P.Stat("/A/b", out var st));
        Assert.Equal("tmpfs", f.K.Mounts.Single(v => v.Fsid == st!.Dev).FstypeName);
        Assert.Contains(f.K.Messages, m => m.StartsWith("mfs:"));
    }

    /// <summary>
    /// A mirror whose copy is another mirror of the same host (a mount over a mirror's directory) is refused with a
    /// clear reason: the lock order has one band for a mirror, and the witness found the second mirror's directory lock
    /// taken under the first's. Stacked through NFS, as Figs. 9 and 10 do, it works (the simulator's worlds).
    /// </summary>
    [Theory]
    [InlineData("/Z/z", "/X/y")] // over the mirror's top: its covered directory is the first mirror's root
    [InlineData("/X/y/d", "/Z/z")] // a directory inside the first mirror as a copy
    public void A_mirror_of_a_mirror_on_one_host_is_refused_and_changes_nothing(string special, string dir)
    {
        using var f = new MirrorFixture(copies: 3);
        f.Mount();
        MirrorFixture.Ok(f.P.Mkdir("/X/y/d", 0x1ED));
        var data = new MfsMountData();
        Assert.Equal(Errno.EINVAL, f.P.Mount(special, dir, "mfs", MountFlags.None, "", data));
        Assert.Contains("stack mirrors through NFS", data.Error);
        Assert.Single(f.K.Mounts, v => v.FstypeName == "mfs");
        f.WriteFile("/X/y/d/a", "the first mirror still works");
        Assert.Equal("the first mirror still works", f.Lower(1, "d/a"));
    }
}
