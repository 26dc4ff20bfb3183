// Tests of the mirror's witness (MirrorWitness.cs) in the patent's two-masters configurations, built with Vfs.Sim: the
// "fig7-witness" and "fig9-witness" worlds add a third host w whose directory both masters import as their witness.
// Host x mirrors its disk (X) with y's (Y) on /m; host y mirrors its disk (its X) with x's (its Y) on /mirror. Everything
// runs in virtual time on the world's seed: an NFS timeout is a number of virtual seconds, never the machine's load.
using System.Text;
using UnixVfs.Mirror;

namespace UnixVfs.Sim.Tests;

public class WitnessTests
{
    /// <summary>One world of the tests: the two masters' mirrors and helpers to write and read through them and under them.</summary>
    internal sealed class Pair : IDisposable
    {
        public World W { get; }
        public SimHostNode X => W.HostNamed("x")!;
        public SimHostNode Y => W.HostNamed("y")!;
        public MfsVfs OnX => W.Mirrors.Single(m => m.Host.Name == "x").Mfs;
        public MfsVfs OnY => (MfsVfs)Y.Kernel.Mounts.Single(v => v.FstypeName == "mfs").Data!; // remounted by a test
        public string AtX => W.Mirrors.Single(m => m.Host.Name == "x").At;
        public string AtY => W.Mirrors.Single(m => m.Host.Name == "y").At;

        public Pair(string world = "fig7-witness", int seed = 1)
        {
            var err = World.Build(Figures.Text(world)!, seed, out var w, out var why);
            Assert.True(err == Errno.OK, why);
            W = w!;
        }

        /// <summary>Writes <paramref name="text"/> to <paramref name="name"/> through the mirror of <paramref name="h"/>: the first failure, or OK.</summary>
        public Errno Write(SimHostNode h, string name, string text) => Put(W, h, (h.Name == "x" ? AtX : AtY) + "/" + name, text);

        /// <summary>The text of <paramref name="path"/> on host <paramref name="h"/>, or null when it cannot be read.</summary>
        public static string? Read(SimHostNode h, string path)
        {
            if (h.Admin.Open(path, OFlags.O_RDONLY, 0, out int fd) != Errno.OK)
                return null;
            var buf = new byte[4096];
            var err = h.Admin.Read(fd, buf, out int n);
            h.Admin.Close(fd);
            return err == Errno.OK ? Encoding.UTF8.GetString(buf, 0, n) : null;
        }

        /// <summary>The text of <paramref name="name"/> through the mirror of <paramref name="h"/>.</summary>
        public string? ReadMirror(SimHostNode h, string name) => Read(h, (h.Name == "x" ? AtX : AtY) + "/" + name);

        /// <summary>The text of <paramref name="name"/> on host <paramref name="h"/>'s own disk, under every mirror.</summary>
        public static string? ReadDisk(SimHostNode h, string name) => Read(h, "/export/disk/" + name);

        public void CutXFromY() => W.Network.Partition(["x"], ["y"]);

        public void CutWitness() => W.Network.Partition(["w"], ["x", "y", "c"]);

        public void Heal() => W.Network.Heal();

        /// <summary>`mfsadm online` of every copy away, on both hosts, the side that went on first (the other waits for it).</summary>
        public void Rejoin()
        {
            for (int round = 0; round < 2; round++)
                foreach (var (h, at, mi) in new[] { (X, AtX, OnX), (Y, AtY, OnY) })
                    foreach (var c in mi.Copies.Where(c => c.State == CopyState.Unavailable).ToList())
                        MfsAdm.Online(h.Admin, at, c.Name.ToLowerInvariant(), out _, out _);
        }

        public void Dispose() => W.Dispose();
    }

    [Fact]
    public void A_partition_between_the_two_masters_leaves_exactly_one_side_writable_and_the_heal_keeps_its_writes()
    {
        using var p = new Pair();
        Assert.Equal(Errno.OK, p.Write(p.X, "f", "before"));
        p.CutXFromY();
        Assert.Equal(Errno.OK, p.Write(p.X, "f", "x while apart"));   // x loses y's disk, claims the witness, goes on
        Assert.Equal(Errno.OK, p.Write(p.X, "g", "x made it"));
        Assert.Equal(Errno.EROFS, p.Write(p.Y, "f", "y while apart")); // y loses x's disk, the witness names x's: read-only
        Assert.Equal(Errno.EROFS, p.Write(p.Y, "h", "y made it"));
        Assert.True(p.OnY.Vfs.IsReadOnly);
        Assert.False(p.OnX.Vfs.IsReadOnly);
        Assert.NotNull(p.ReadMirror(p.Y, "f"));                          // reads keep working on the side refused
        Assert.Equal(Errno.OK, MfsAdm.Status(p.Y.Admin, p.AtY, out var st));
        Assert.Contains("went on alone", st!.Witness);
        Assert.Contains("read-only", st.Witness);

        p.Heal();
        p.Rejoin();
        foreach (var mi in new[] { p.OnX, p.OnY })
            Assert.All(mi.Copies, c => Assert.Equal(CopyState.Available, c.State));
        Assert.False(p.OnY.Vfs.IsReadOnly);
        foreach (var h in new[] { p.X, p.Y })
        {
            Assert.Equal("x while apart", Pair.ReadDisk(h, "f"));
            Assert.Equal("x made it", Pair.ReadDisk(h, "g"));
            Assert.Null(Pair.ReadDisk(h, "h"));
        }
        Assert.Equal(Errno.OK, MfsAdm.Verify(p.X.Admin, p.AtX, out var v));
        Assert.True(v!.Identical, string.Join("; ", v.Differences));
        Assert.Equal(Errno.OK, p.Write(p.Y, "f", "y after"));            // both sides write again
        Assert.Equal("y after", p.ReadMirror(p.X, "f"));
    }

    [Fact]
    public void The_side_that_finds_the_partition_first_holds_the_witness_whichever_it_is()
    {
        using var p = new Pair(seed: 2);
        Assert.Equal(Errno.OK, p.Write(p.X, "f", "before"));
        p.CutXFromY();
        Assert.Equal(Errno.OK, p.Write(p.Y, "f", "y while apart"));   // y first: y's disk goes on alone
        Assert.Equal(Errno.EROFS, p.Write(p.X, "f", "x while apart"));
        Assert.Equal(Errno.EROFS, p.Write(p.X, "g", "x made it"));
        p.Heal();
        p.Rejoin();
        foreach (var h in new[] { p.X, p.Y })
        {
            Assert.Equal("y while apart", Pair.ReadDisk(h, "f"));
            Assert.Null(Pair.ReadDisk(h, "g"));
        }
        // What x's disk held but x never acknowledged (O_TRUNC's truncate reached it) is discarded by y's rejoin, and said so.
        Assert.Contains(p.Y.Kernel.Messages, m => m.Contains("/f:") && m.Contains("discarded"));
    }

    /// <summary>
    /// What if the master that never noticed the partition remounts its mirror before the one that went on has brought
    /// the copies back? role=master used to merge from its own disk (X) over the other: the acknowledged update was gone.
    /// The copy the witness names is the truth, and the witness stays claimed for the mirror that went on.
    /// </summary>
    [Fact]
    public void A_remount_of_the_other_master_takes_the_copy_the_witness_names_for_the_truth()
    {
        using var p = new Pair(seed: 7);
        Assert.Equal(Errno.OK, p.Write(p.X, "f", "before"));
        p.CutXFromY();
        Assert.Equal(Errno.OK, p.Write(p.X, "f", "x while apart"));
        p.Heal();
        Assert.Equal(Errno.OK, p.Y.Admin.Umount(p.AtY));
        var data = new MfsMountData();
        var err = p.Y.Admin.Mount("/export/disk,/net/peer", p.AtY, "mfs", MountFlags.None, "hide,role=master,retries=1,witness=/net/witness", data);
        Assert.True(err == Errno.OK, data.Error);
        Assert.Equal("x while apart", Pair.ReadDisk(p.X, "f"));
        Assert.Equal("x while apart", Pair.ReadDisk(p.Y, "f"));
        Assert.Equal(Errno.OK, MfsAdm.Status(p.Y.Admin, p.AtY, out var st));
        Assert.Contains("went on alone", st!.Witness);                 // still x's mirror's, whose copy Y is away
        p.Rejoin();
        Assert.Equal(Errno.OK, MfsAdm.Status(p.X.Admin, p.AtX, out st));
        Assert.Contains("sync", st!.Witness);
    }

    [Fact]
    public void A_witness_out_of_reach_while_both_copies_answer_stops_nothing()
    {
        using var p = new Pair(seed: 3);
        p.CutWitness();
        Assert.Equal(Errno.OK, p.Write(p.X, "f", "x"));
        Assert.Equal(Errno.OK, p.Write(p.Y, "g", "y"));
        Assert.Equal("y", p.ReadMirror(p.X, "g"));
        Assert.Equal(Errno.OK, MfsAdm.Status(p.X.Admin, p.AtX, out var st));
        Assert.StartsWith("/net/witness: unreachable", st!.Witness);
        Assert.All(p.OnX.Copies, c => Assert.Equal(CopyState.Available, c.State));
    }

    [Fact]
    public void A_witness_lost_with_a_copy_leaves_the_survivor_read_only_until_forced()
    {
        using var p = new Pair(seed: 4);
        Assert.Equal(Errno.OK, p.Write(p.X, "f", "before"));
        p.W.Network.Partition(["x"], ["y", "w"]);
        Assert.Equal(Errno.EROFS, p.Write(p.X, "f", "cannot prove it"));
        Assert.True(p.OnX.Vfs.IsReadOnly);
        Assert.Equal(Errno.OK, MfsAdm.Status(p.X.Admin, p.AtX, out var st));
        Assert.Contains("cannot prove it is the survivor", st!.Witness);
        // Not rejoined without the witness's word while the witness still cannot be read.
        p.W.Network.Heal();
        p.W.Network.Partition(["w"], ["x", "y"]);
        Assert.Equal(Errno.EBUSY, MfsAdm.Online(p.X.Admin, p.AtX, "y", out var error, out _));
        Assert.Contains("cannot be read", error);
        p.W.Network.Heal();
        p.W.Network.Partition(["x"], ["y", "w"]);

        var ferr = MfsAdm.Online(p.X.Admin, p.AtX, "x", out error, out _, force: true);
        Assert.True(ferr == Errno.OK, error);
        Assert.False(p.OnX.Vfs.IsReadOnly);
        Assert.Equal(Errno.OK, p.Write(p.X, "f", "forced"));
        Assert.Contains(p.X.Kernel.Messages, m => m.Contains("forced: X goes on alone"));
        p.Heal();
        p.Rejoin();
        Assert.All(p.OnX.Copies, c => Assert.Equal(CopyState.Available, c.State));
        Assert.Equal("forced", Pair.ReadDisk(p.Y, "f"));
        Assert.Equal(Errno.OK, MfsAdm.Verify(p.X.Admin, p.AtX, out var v));
        Assert.True(v!.Identical, string.Join("; ", v.Differences));
    }

    [Fact]
    public void Fig9_a_client_of_the_mirror_that_holds_the_witness_goes_on_and_the_other_mirror_refuses()
    {
        using var p = new Pair("fig9-witness", seed: 5);
        var c = p.W.HostNamed("c")!;
        Assert.Equal(Errno.OK, Put(p.W, c, "/m/f", "before"));
        p.CutXFromY();
        Assert.Equal(Errno.OK, Put(p.W, c, "/m/f", "client while apart"));
        Assert.Equal(Errno.EROFS, p.Write(p.Y, "f", "y while apart"));
        p.Heal();
        p.Rejoin();
        foreach (var h in new[] { p.X, p.Y })
            Assert.Equal("client while apart", Pair.ReadDisk(h, "f"));
    }

    [Fact]
    public void Without_a_witness_both_masters_acknowledge_writes_in_a_partition_the_split_brain_the_witness_prevents()
    {
        var err = World.Build(Figures.Text("fig7")!, 6, out var w, out var why);
        Assert.True(err == Errno.OK, why);
        using (w)
        {
            var x = w!.HostNamed("x")!;
            var y = w.HostNamed("y")!;
            w.Network.Partition(["x"], ["y"]);
            Assert.Equal(Errno.OK, Put(w, x, "/m/f", "x"));
            Assert.Equal(Errno.OK, Put(w, y, "/mirror/f", "y"));
        }
    }

    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/> on host <paramref name="h"/>: the first failure, or OK.</summary>
    internal static Errno Put(World w, SimHostNode h, string path, string text)
    {
        var err = h.Admin.Open(path, OFlags.O_WRONLY | OFlags.O_CREAT | OFlags.O_TRUNC, 0x1A4, out int fd);
        if (err == Errno.OK)
        {
            err = h.Admin.Write(fd, Encoding.UTF8.GetBytes(text), out _);
            var cerr = h.Admin.Close(fd);
            err = err != Errno.OK ? err : cerr;
        }
        w.Clock.Advance(Simulator.Tick); // as the simulator does between calls: no two calls share an instant
        return err;
    }
}
