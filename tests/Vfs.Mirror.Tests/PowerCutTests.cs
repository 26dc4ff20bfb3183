// Tests of Vfs.Mirror: a copy's disk loses power, and later the mirroring host. A UFS copy takes an update into its
// buffer cache and says OK; the error comes only when the cache is written out (an fsync), and the copy leaves then,
// without the updates its cache held since its last sync. Those were sent to the copy, not logged for it: the log kept
// for it cannot bring them back after a crash, and its resync must compare the trees (MfsVfs.MarkUnavailable).
using UnixVfs.Testing;
using UnixVfs.Ufs;

namespace UnixVfs.Mirror.Tests;

public class PowerCutTests
{
    /// <summary>A host with UFS disks /A and /X on devices that can lose power, and the copies /A/b and /X/y.</summary>
    private sealed class Host : IDisposable
    {
        public readonly Kernel K;
        public readonly Process P;
        public readonly Dictionary<string, FaultyBlockDevice> Disks = new();

        public Host(VirtualClock clock, Dictionary<string, MemoryBlockDevice> media, bool boot)
        {
            K = new Kernel("mirror-host", clock);
            K.Vfssw.Install(MirrorVfsops.Def);
            K.Vfssw.Install(UfsVfsops.Def);
            P = K.CreateProcess();
            foreach (var (d, dev) in media)
            {
                MirrorFixture.Ok(P.Mkdir("/" + d, 0x1ED));
                if (boot)
                    MirrorFixture.Ok(Fsck.Run(dev, repair: true, out _, clock), "fsck -y");
                else
                    MirrorFixture.Ok(Newfs.Make(dev, new NewfsOptions { Size = dev.Size }, K.Now(), out _, out _), "newfs");
                Disks[d] = new FaultyBlockDevice(dev);
                MirrorFixture.Ok(P.Mount("disk" + d, "/" + d, "ufs", MountFlags.None, "", Disks[d]));
            }
            if (!boot)
            {
                MirrorFixture.Ok(P.Mkdir("/A/b", 0x1ED));
                MirrorFixture.Ok(P.Mkdir("/X/y", 0x1ED));
            }
            MirrorFixture.Ok(P.Mount("/A/b", "/X/y", "mfs", MountFlags.None, ""), "mount mfs");
        }

        public MfsVfs Mfs => (MfsVfs)K.Mounts.Single(v => v.FstypeName == "mfs").Data!;

        /// <summary>The host's power goes out: every disk loses what it was not told to flush.</summary>
        public void Crash()
        {
            foreach (var dev in Disks.Values)
                dev.Crash(CrashMode.LoseAll, new Random(1));
        }

        public void Dispose() => K.UnmountAll(UnmountFlags.MS_FORCE);
    }

    [Fact]
    public void A_name_a_copy_took_into_its_cache_before_its_disk_failed_reaches_it_after_the_host_crashes()
    {
        var clock = new VirtualClock();
        var media = new Dictionary<string, MemoryBlockDevice> { ["A"] = new(32L << 20), ["X"] = new(32L << 20) };
        using (var h = new Host(clock, media, boot: false))
        {
            MirrorFixture.Ok(h.P.Mkdir("/X/y/a", 0x1ED));
            MirrorFixture.Ok(h.P.Sync());
            h.Disks["X"].Crash(CrashMode.LoseAll, new Random(1));   // copy Y's disk loses power; its cache goes on
            clock.Advance(TimeSpan.FromSeconds(10));
            MirrorFixture.Ok(h.P.Open("/X/y/c", OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int fd));
            Assert.Equal(CopyState.Available, h.Mfs.Copies[1].State);   // Y took the create into its cache
            MirrorFixture.Ok(h.P.Fsync(fd), "fsync");   // Y's fsync fails: it leaves; X has c on its disk
            Assert.Equal(CopyState.Unavailable, h.Mfs.Copies[1].State);
            MirrorFixture.Ok(h.P.Close(fd));
            h.Crash();
        }
        clock.Advance(TimeSpan.FromSeconds(10));
        using (var h = new Host(clock, media, boot: true))
        {
            Assert.Equal(CopyState.Unavailable, h.Mfs.Copies[1].State);   // behind X
            MirrorFixture.Ok(MfsAdm.Online(h.P, "/A/b", "y", out var error, out var report), error);
            Assert.Equal(Errno.OK, Vop.Lookup(h.Mfs.Copies[1].Root, "c", out var c, LookupFlags.None, null, Cred.Kcred));
            c!.Rele();
            MirrorFixture.Ok(MfsAdm.Verify(h.P, "/X/y", out var verify));
            Assert.True(verify!.Identical);
            Assert.True(report!.Full, $"not a full resync: {report}");
        }
    }
}
