// Tests of Vfs.Mirror: a copy's disk loses power, and later the mirroring host. A UFS copy takes an update into its
// buffer cache and says OK; the error comes only when the cache is written out (an fsync), and the copy leaves then,
// without the updates its cache held since its last sync. Those were sent to the copy, not logged for it: the log kept
// for it cannot bring them back after a crash, and its resync must compare the trees (MfsVfs.MarkUnavailable).
using System.Text;
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
            // X is /A/b and the last copy /X/y; a third disk C gives the middle copy /C/z (Y).
            string special = media.ContainsKey("C") ? "/A/b,/C/z" : "/A/b";
            if (!boot)
                foreach (var dir in special.Split(',').Append("/X/y"))
                    MirrorFixture.Ok(P.Mkdir(dir, 0x1ED));
            MirrorFixture.Ok(P.Mount(special, "/X/y", "mfs", MountFlags.None, ""), "mount mfs");
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

    private static Dictionary<string, MemoryBlockDevice> Media() => new() { ["A"] = new(8L << 20), ["X"] = new(8L << 20) };

    /// <summary>Three disks: copies X (/A/b), Y (/C/z) and Z (/X/y).</summary>
    private static Dictionary<string, MemoryBlockDevice> ThreeDisks() => new() { ["A"] = new(8L << 20), ["C"] = new(8L << 20), ["X"] = new(8L << 20) };

    [Fact]
    public void A_name_a_copy_took_into_its_cache_before_its_disk_failed_reaches_it_after_the_host_crashes()
    {
        var clock = new VirtualClock();
        var media = Media();
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

    /// <summary>
    /// Fixed 121 (the 4-way world, seed 2002019, a power cut then a restart): the host went down while one copy was
    /// away and the others in use, a write not yet flushed. One copy in use had it on its disk (over NFS in the finding:
    /// its server had it), another lost it with its cache. The copy away is behind, so the mount merged nothing, and
    /// the copies in use stayed apart; reads gave the one, the other's version stayed. Now the mount compares the copies
    /// in use among themselves: the one that changed the file since the copy left is taken.
    /// </summary>
    [Fact]
    public void A_write_the_crash_tore_between_the_copies_in_use_is_settled_at_the_mount_while_another_copy_is_behind()
    {
        var clock = new VirtualClock();
        var media = ThreeDisks();
        var data = "written while Y was away"u8.ToArray();
        using (var h = new Host(clock, media, boot: false))
        {
            MirrorFixture.Ok(h.P.Open("/X/y/f", OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int fd));
            MirrorFixture.Ok(h.P.Fsync(fd));
            MirrorFixture.Ok(MfsAdm.Offline(h.P, "/X/y", "y", out var error), error);
            clock.Advance(TimeSpan.FromSeconds(10));
            MirrorFixture.Ok(h.P.Pwrite(fd, data, 0, out _));
            // X's file system writes its cache out; Z's does not before the power goes.
            Flush(h.Mfs.Copies[0], "f");
            h.Crash();
        }
        clock.Advance(TimeSpan.FromSeconds(10));
        using (var h = new Host(clock, media, boot: true))
        {
            Assert.Equal(CopyState.Unavailable, h.Mfs.Copies[1].State);   // Y is behind
            Assert.Equal("written while Y was away", Encoding.ASCII.GetString(ReadFile(h.Mfs.Copies[2].Root, "f")));
            MirrorFixture.Ok(MfsAdm.Online(h.P, "/X/y", "y", out var error, out _), error);
            MirrorFixture.Ok(MfsAdm.Verify(h.P, "/X/y", out var verify));
            Assert.True(verify!.Identical, verify.ToString());
            Assert.Equal("written while Y was away", Encoding.ASCII.GetString(ReadFile(h.Mfs.Copies[1].Root, "f")));
        }
    }

    /// <summary>
    /// Fixed 123 (the checksummed 3-way world, seed 2005103, a restart while a rename was on its way to the disks): X and Y
    /// had the file's old name removed, Z had both names. At the mount Z's version of the old name won (only Z had
    /// changed it) and was made a link in X and Y to the file's other name; that name then went to X, the newest, and
    /// Y's file there, known as the twin of Z's file only, was removed and copied again from X's: Y kept the old name
    /// as a file of its own, with one link.
    /// </summary>
    [Fact]
    public void A_file_whose_names_the_crash_tore_keeps_its_links_in_every_copy_after_the_mount()
    {
        // X's and Y's file systems write the removal out; Z's does not before the power goes.
        using var h = CrashAfterChangingALinkedFile(p => p.Unlink("/X/y/d1/f"), (0, ["d1", "d2/g"]), (1, ["d1", "d2/g"]));
        AssertOneFile(h, "d1/f", "d2/g");
    }

    /// <summary>
    /// Fixed 124 (the 4-way world, seed 2012061, a restart after a link was made): Z, over NFS, kept the new link of /a,
    /// the local copies lost it. At the mount /a differed only in its link count and went to X, the first of the newest;
    /// Z's /a, with the two links X's lacked, was removed and copied again from X's, and the name linked to it kept the
    /// old file. A file alike but for its links is now left in place (rewritten in place, if a regular file), and its
    /// other names are settled each on its own. (The symbolic link fails without the change; a regular file was kept by
    /// another rule already, and is here for the branch that rewrites it in place.)
    /// </summary>
    [Theory]
    [InlineData(VType.VLNK)]
    [InlineData(VType.VREG)]
    public void A_link_the_crash_kept_in_one_copy_only_stays_a_link_of_the_same_file_after_the_mount(VType type)
    {
        var clock = new VirtualClock();
        var media = ThreeDisks();
        using (var h = new Host(clock, media, boot: false))
        {
            MirrorFixture.Ok(h.P.Mkdir("/X/y/b", 0x1ED));
            clock.Advance(TimeSpan.FromSeconds(1));
            if (type == VType.VLNK)
                MirrorFixture.Ok(h.P.Symlink("b/b", "/X/y/a"));
            else
            {
                MirrorFixture.Ok(h.P.Open("/X/y/a", OFlags.O_CREAT | OFlags.O_WRONLY, 0x1A4, out int fd));
                MirrorFixture.Ok(h.P.Close(fd));
            }
            MirrorFixture.Ok(h.P.Sync());
            clock.Advance(TimeSpan.FromSeconds(1));
            MirrorFixture.Ok(h.P.Link("/X/y/a", "/X/y/b/t"));
            // Z's file system writes the link out; X's and Y's do not before the power goes.
            Flush(h.Mfs.Copies[2], "b", "a");
            h.Crash();
        }
        clock.Advance(TimeSpan.FromSeconds(10));
        using (var h = new Host(clock, media, boot: true))
            AssertOneFile(h, "a", "b/t");
    }

    /// <summary>
    /// Fixed 129 (a world of one's own, `kitchen`, seed 2091097, a restart just after a rename): F had the names d1/f
    /// and d2/g, and d1/f was renamed to d2/h. One copy (over NFS there, Z here) kept the rename; the others lost it with
    /// their caches. d2/g was alike in every copy, so no difference named it, and the twin tables did not know Z's F as
    /// X's: settling d1/f made it again in Z as a file of its own, with one link.
    /// </summary>
    [Fact]
    public void A_file_renamed_as_the_crash_came_keeps_one_file_for_its_names_in_every_copy_after_the_mount()
    {
        // Z's file system writes the rename out; X's and Y's do not before the power goes. d1/f, which X and Y changed,
        // is kept as a name made while apart, and Z's d2/h too (MirrorHistory.cs, DIFF).
        using var h = CrashAfterChangingALinkedFile(p => p.Rename("/X/y/d1/f", "/X/y/d2/h"), (2, ["d1", "d2", "d2/h"]));
        AssertOneFile(h, "d1/f", "d2/g", "d2/h");
    }

    /// <summary>
    /// Three disks; a file d1/f with a second name d2/g, synced; then <paramref name="change"/> through the mirror, which
    /// only the copies and paths of <paramref name="flushed"/> write out before the power goes. Returns the host booted
    /// again.
    /// </summary>
    private static Host CrashAfterChangingALinkedFile(Func<Process, Errno> change, params (int Copy, string[] Paths)[] flushed)
    {
        var clock = new VirtualClock();
        var media = ThreeDisks();
        using (var h = new Host(clock, media, boot: false))
        {
            MirrorFixture.Ok(h.P.Mkdir("/X/y/d1", 0x1ED));
            MirrorFixture.Ok(h.P.Mkdir("/X/y/d2", 0x1ED));
            clock.Advance(TimeSpan.FromSeconds(1));
            MirrorFixture.Ok(h.P.Open("/X/y/d1/f", OFlags.O_CREAT | OFlags.O_WRONLY, 0x1A4, out int fd));
            MirrorFixture.Ok(h.P.Close(fd));
            MirrorFixture.Ok(h.P.Link("/X/y/d1/f", "/X/y/d2/g"));
            MirrorFixture.Ok(h.P.Sync());
            clock.Advance(TimeSpan.FromSeconds(1));
            MirrorFixture.Ok(change(h.P));
            foreach (var (copy, paths) in flushed)
                Flush(h.Mfs.Copies[copy], paths);
            h.Crash();
        }
        clock.Advance(TimeSpan.FromSeconds(10));
        return new Host(clock, media, boot: true);
    }

    /// <summary>A copy's file system writes out <paramref name="paths"/> (under the copy's top), and nothing else.</summary>
    private static void Flush(MirrorMember copy, params string[] paths)
    {
        foreach (var path in paths)
        {
            MirrorFixture.Ok(MirrorHistory.LookupPath(copy.Root, path, out var vp));
            MirrorFixture.Ok(Vop.Fsync(vp!, FileFlags.FSYNC, Cred.Kcred));
            vp!.Rele();
        }
    }

    /// <summary>The copies are identical, and in each <paramref name="names"/> name one file of that many links.</summary>
    private static void AssertOneFile(Host h, params string[] names)
    {
        MirrorFixture.Ok(MfsAdm.Verify(h.P, "/X/y", out var verify));
        Assert.True(verify!.Identical, verify.ToString());
        foreach (var copy in h.Mfs.Copies)
        {
            var vps = names.Select(n => MirrorHistory.LookupPath(copy.Root, n, out var vp) == Errno.OK ? vp! : null).ToArray();
            try
            {
                Assert.True(vps.All(v => v is not null), $"copy {copy.Name}: lacks one of {string.Join(", ", names)}");
                var va = new Vattr(AttrMask.AT_NLINK);
                MirrorFixture.Ok(Vop.Getattr(vps[0]!, va, AttrFlags.None, Cred.Kcred));
                Assert.True(va.Nlink == names.Length && vps.All(v => Vop.Cmp(vps[0]!, v!)),
                    $"copy {copy.Name}: {names[0]} has {va.Nlink} links, the same file as {string.Join(", ", names[1..])}: {string.Join(", ", vps.Select(v => Vop.Cmp(vps[0]!, v!)))}");
            }
            finally
            {
                foreach (var v in vps)
                    v?.Rele();
            }
        }
    }

    private static byte[] ReadFile(Vnode dir, string name)
    {
        MirrorFixture.Ok(Vop.Lookup(dir, name, out var vp, LookupFlags.None, null, Cred.Kcred));
        var buf = new byte[8192];
        var uio = new Uio(buf, 0, UioRw.UIO_READ);
        MirrorFixture.Ok(Vop.Read(vp!, uio, FileFlags.None, Cred.Kcred));
        vp!.Rele();
        return buf[..(int)(buf.Length - uio.Resid)];
    }

    /// <summary>
    /// The 3-way mirror, seed 20265007 (power-cut-reorder): the inode of a file written while its disk was dying reached the
    /// disk, its data block did not. The copies' attributes are alike; only the bytes tell them apart.
    /// </summary>
    [Fact]
    public void A_file_whose_data_a_copy_lost_with_its_disk_is_rewritten_by_the_full_resync_after_the_crash()
    {
        var clock = new VirtualClock();
        var media = Media();
        var good = Enumerable.Range(0, 4096).Select(i => (byte)('A' + i % 23)).ToArray();
        using (var h = new Host(clock, media, boot: false))
        {
            MirrorFixture.Ok(h.P.Open("/X/y/f", OFlags.O_CREAT | OFlags.O_WRONLY, 0x1A4, out int fd));
            MirrorFixture.Ok(h.P.Write(fd, good, out _));
            MirrorFixture.Ok(h.P.Close(fd));
            MirrorFixture.Ok(h.P.Sync());
            h.Disks["X"].Crash(CrashMode.LoseAll, new Random(1));   // copy Y's disk loses power
            MirrorFixture.Ok(h.P.Open("/X/y/g", OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out fd));
            MirrorFixture.Ok(h.P.Fsync(fd), "fsync");   // Y leaves, its cache not written out
            Assert.Equal(CopyState.Unavailable, h.Mfs.Copies[1].State);
            MirrorFixture.Ok(h.P.Close(fd));
            h.Crash();
        }
        // What a torn write leaves: f's inode on Y's disk as X's, its data block not (another byte in each place).
        var disk = new byte[media["X"].Size];
        MirrorFixture.Ok(media["X"].Read(0, disk));
        int at = disk.AsSpan().IndexOf(good);
        Assert.True(at >= 0, "f's data is not on Y's disk");
        var torn = good.Select(b => (byte)(b ^ 0x20)).ToArray();
        MirrorFixture.Ok(media["X"].Write(at, torn));
        clock.Advance(TimeSpan.FromSeconds(10));
        using (var h = new Host(clock, media, boot: true))
        {
            MirrorFixture.Ok(MfsAdm.Online(h.P, "/A/b", "y", out var error, out var report), error);
            Assert.True(report!.Full, $"not a full resync: {report}");
            MirrorFixture.Ok(Vop.Lookup(h.Mfs.Copies[1].Root, "f", out var f, LookupFlags.None, null, Cred.Kcred));
            var buf = new byte[8192];
            var uio = new Uio(buf, 0, UioRw.UIO_READ);
            MirrorFixture.Ok(Vop.Read(f!, uio, FileFlags.None, Cred.Kcred));
            f!.Rele();
            Assert.True(buf.AsSpan(0, (int)(buf.Length - uio.Resid)).SequenceEqual(good), "Y's f is not X's after the resync");
            MirrorFixture.Ok(MfsAdm.Verify(h.P, "/X/y", out var verify));
            Assert.True(verify!.Identical);
        }
    }

    /// <summary>
    /// Finding 33 (Fig. 10, seed 151110, a full resync while X's disk was failing): the resync's writes went into the
    /// copy's buffer cache, and the copy rejoined; only the fsync of its record failed, and nothing asked. A resync now writes what it gave the copy to its disk before the copy rejoins, and a disk that
    /// fails keeps the copy out, its next resync a full one.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_copy_whose_disk_still_fails_is_not_taken_back_by_its_resync(bool full)
    {
        var clock = new VirtualClock();
        using var h = new Host(clock, Media(), boot: false);
        MirrorFixture.Ok(h.P.Open("/X/y/f", OFlags.O_CREAT | OFlags.O_WRONLY, 0x1A4, out int fd));
        MirrorFixture.Ok(h.P.Write(fd, new byte[6000], out _));
        MirrorFixture.Ok(h.P.Close(fd));
        MirrorFixture.Ok(h.P.Sync());
        MirrorFixture.Ok(MfsAdm.Offline(h.P, "/A/b", "y", out var error), error);
        MirrorFixture.Ok(h.P.Open("/X/y/f", OFlags.O_WRONLY | OFlags.O_APPEND, 0, out fd));
        MirrorFixture.Ok(h.P.Write(fd, new byte[3000], out _));
        MirrorFixture.Ok(h.P.Close(fd));
        MirrorFixture.Ok(h.P.Mkdir("/X/y/d", 0x1ED));
        h.Disks["X"].FailWritesAt(0, h.Disks["X"].Size); // copy Y's disk fails every write; its buffer cache takes them
        Assert.Equal(Errno.EIO, MfsAdm.Online(h.P, "/A/b", "y", out error, out _, full: full)); System.Console.Error.WriteLine("DBG " + error);
        Assert.Equal(CopyState.Unavailable, h.Mfs.Copies[1].State);
        Assert.Contains("resync failed: EIO", h.Mfs.Copies[1].Reason);
        Assert.True(h.Mfs.Copies[1].Log.Overflowed); // what the resync did is not known: the next one compares the trees
        h.Disks["X"].Heal();
        MirrorFixture.Ok(MfsAdm.Online(h.P, "/A/b", "y", out error, out var report), error);
        Assert.True(report!.Full);
        MirrorFixture.Ok(MfsAdm.Verify(h.P, "/X/y", out var verify));
        Assert.True(verify!.Identical, string.Join("\n", verify.Differences));
    }
}
