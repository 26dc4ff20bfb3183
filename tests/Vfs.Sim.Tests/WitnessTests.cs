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
        public MfsVfs OnY => W.Mirrors.Single(m => m.Host.Name == "y").Mfs;
        public string AtX => W.Mirrors.Single(m => m.Host.Name == "x").At;
        public string AtY => W.Mirrors.Single(m => m.Host.Name == "y").At;

        public Pair(string world = "fig7-witness", int seed = 1)
        {
            var err = World.Build(Figures.Text(world)!, seed, out var w, out var why);
            Assert.True(err == Errno.OK, why);
            W = w!;
        }

        /// <summary>Writes <paramref name="text"/> to <paramref name="name"/> through the mirror of <paramref name="h"/>: the first failure, or OK.</summary>
        public Errno Write(SimHostNode h, string name, string text)
        {
            string path = (h.Name == "x" ? AtX : AtY) + "/" + name;
            var err = h.Admin.Open(path, OFlags.O_WRONLY | OFlags.O_CREAT | OFlags.O_TRUNC, 0x1A4, out int fd);
            if (err != Errno.OK)
                return err;
            err = h.Admin.Write(fd, Encoding.UTF8.GetBytes(text), out _);
            var cerr = h.Admin.Close(fd);
            return err != Errno.OK ? err : cerr;
        }

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
}
