// Tests of Vfs.Mirror: the witness of a mirror of two copies (witness=PATH, MirrorWitness.cs) on one host, the witness a
// third tmpfs at /W. What it holds and when (sync at mount, alone while a copy is away, sync again at its rejoin), what
// is refused (another mirror's witness, a witness inside a copy, a witness with three copies), a side the witness does
// not name turning read-only, a record whose rename a crash cut short, and a witness out of reach. The two-masters
// partitions are in tests/Vfs.Sim.Tests/WitnessTests.cs.

namespace UnixVfs.Mirror.Tests;

public class WitnessTests
{
    private static MirrorFixture Fixture(int copies = 2)
    {
        var f = new MirrorFixture(copies);
        MirrorFixture.Ok(f.P.Mkdir("/W", 0x1ED));
        MirrorFixture.Ok(f.P.Mount("swap", "/W", "tmpfs"));
        return f;
    }

    private static Errno TryMount(MirrorFixture f, string options, out string error, int copies = 2)
    {
        var data = new MfsMountData();
        var err = f.P.Mount(copies == 2 ? "/A/b" : "/A/b,/Z/z", "/X/y", "mfs", MountFlags.None, options, data);
        error = data.Error;
        return err;
    }

    private static string Record(MirrorFixture f) => f.ReadFile("/W/" + MirrorWitness.FileName);

    private static void WriteRaw(MirrorFixture f, string path, string text) => f.WriteFile(path, text);

    [Fact]
    public void The_witness_says_sync_at_mount_alone_while_a_copy_is_away_and_sync_again_when_it_is_back()
    {
        using var f = Fixture();
        var mi = f.Mount("witness=/W");
        var ids = mi.Generations.Metas.Select(m => m.Copy).ToArray();
        Assert.Contains("state sync", Record(f));
        Assert.Contains($"mirror {mi.Generations.Mirror}", Record(f));

        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        f.WriteFile("/A/b/f", "x alone");                       // the witness was claimed first: acknowledged
        Assert.Contains("state alone", Record(f));
        Assert.Contains($"holder {ids[0]}", Record(f));
        Assert.Equal(Errno.OK, MfsAdm.Status(f.P, "/A/b", out var st));
        Assert.StartsWith("/W: X went on alone since", st!.Witness);

        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out _), error);
        Assert.Contains("state sync", Record(f));
        Assert.Equal("x alone", f.Lower(1, "f"));
        // Nothing but the record and the claims it went through (the temporary names are renamed away).
        var names = Names(f, "/W");
        Assert.Contains(MirrorWitness.FileName, names);
        Assert.All(names, n => Assert.True(n == MirrorWitness.FileName || n.StartsWith("claim-", StringComparison.Ordinal), n));
    }

    [Fact]
    public void A_side_the_witness_does_not_name_turns_read_only_and_force_makes_it_go_on()
    {
        using var f = Fixture();
        var mi = f.Mount("witness=/W");
        f.WriteFile("/A/b/f", "before");
        // The other side claimed the witness for Y (a record naming Y, as another host's mirror would write it).
        var y = mi.Generations.Metas[1].Copy;
        WriteRaw(f, "/W/" + MirrorWitness.FileName,
            new WitnessRecord(mi.Generations.Mirror, 40, true, y, 7, new Timespec(1, 0), 9).Format());

        f.Faults(1).FailAll(Errno.EIO);                          // Y is lost
        Assert.Equal(Errno.OK, f.P.Open("/A/b/f", OFlags.O_WRONLY, 0, out int fd));
        Assert.Equal(Errno.EROFS, f.P.Write(fd, "x"u8.ToArray(), out _));
        MirrorFixture.Ok(f.P.Close(fd));
        Assert.True(mi.Vfs.IsReadOnly);
        Assert.Equal("before", f.ReadFile("/A/b/f"));           // reads go on
        Assert.Equal(Errno.EROFS, f.P.Mkdir("/A/b/d", 0x1ED));
        Assert.Contains(f.K.Messages, m => m.Contains("read-only: the witness /W says copy Y went on alone"));
        Assert.Equal(Errno.OK, MfsAdm.Status(f.P, "/A/b", out var st));
        Assert.Contains("this mirror is read-only", st!.Witness);

        var err = MfsAdm.Online(f.P, "/A/b", "x", out var error, out _, force: true);
        Assert.True(err == Errno.OK, error);
        Assert.False(mi.Vfs.IsReadOnly);
        f.WriteFile("/A/b/f", "forced");
        Assert.Contains($"holder {mi.Generations.Metas[0].Copy}", Record(f));
        f.Faults(1).Clear();
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out error, out _), error);
        Assert.Equal("forced", f.Lower(1, "f"));
    }

    [Fact]
    public void A_claim_whose_rename_a_crash_cut_short_still_counts()
    {
        using var f = Fixture();
        var mi = f.Mount("witness=/W");
        long epoch = long.Parse(Record(f).Split('\n').Single(l => l.StartsWith("epoch ", StringComparison.Ordinal))[6..]);
        // The other side linked its record to claim-EPOCH and crashed before renaming it over the record; a temporary
        // file of another writer is left behind too.
        WriteRaw(f, $"/W/claim-{epoch}", new WitnessRecord(mi.Generations.Mirror, epoch + 1, true, mi.Generations.Metas[1].Copy, 7, new Timespec(1, 0), 9).Format());
        WriteRaw(f, $"/W/{MirrorWitness.FileName}.tmp-0000000000000001", "half a rec");
        Assert.Contains("state sync", Record(f));

        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        Assert.True(mi.Vfs.IsReadOnly);                          // Y's side holds it
        Assert.Equal(Errno.OK, MfsAdm.Status(f.P, "/A/b", out var st));
        Assert.StartsWith("/W: Y went on alone", st!.Witness);
    }

    [Fact]
    public void A_witness_out_of_reach_costs_nothing_while_both_copies_answer_and_refuses_a_side_that_lost_one()
    {
        using var f = Fixture();
        var mi = f.Mount("witness=/W");
        var w = f.K.Mounts.Single(v => v.MntPt == "/W");
        var faults = new VopFaults();
        w.Faults = faults;
        faults.FailAll(Errno.ETIMEDOUT);
        f.WriteFile("/A/b/f", "both");
        Assert.Equal(Errno.OK, MfsAdm.Status(f.P, "/A/b", out var st));
        Assert.StartsWith("/W: unreachable (ETIMEDOUT)", st!.Witness);

        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        Assert.True(mi.Vfs.IsReadOnly);
        Assert.Contains(f.K.Messages, m => m.Contains("cannot prove it is the survivor"));
        var err = MfsAdm.Online(f.P, "/A/b", "y", out var error, out _);
        Assert.Equal(Errno.EBUSY, err);
        Assert.Contains("cannot be read", error);

        w.Faults = null;                                         // the witness answers again: nobody went on, Y rejoins
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out error, out _), error);
        Assert.False(mi.Vfs.IsReadOnly);
        Assert.Equal("both", f.Lower(1, "f"));
        Assert.Contains("state sync", Record(f));
    }

    [Fact]
    public void A_witness_of_another_mirror_is_refused_with_one_line_unless_forced()
    {
        using var f = Fixture();
        var other = Guid.Parse("6f1c0000-0000-4000-8000-000000000001");
        WriteRaw(f, "/W/" + MirrorWitness.FileName, new WitnessRecord(other, 3, false, Guid.Empty, 1, new Timespec(1, 0), 2).Format());
        Assert.Equal(Errno.EINVAL, TryMount(f, "witness=/W", out var error));
        Assert.Matches($"^witness=/W belongs to mirror {other}, not to mirror [0-9a-f-]+ of these copies \\(-o force takes it over\\)$", error);
        Assert.DoesNotContain('\n', error);
        Assert.Equal(0, f.K.Mounts.Count(v => v.FstypeName == "mfs"));

        var mi = f.Mount("witness=/W,force");
        Assert.Contains($"mirror {mi.Generations.Mirror}", Record(f));
    }

    [Theory]
    [InlineData("witness=", 2, "witness= needs a directory: witness=PATH")]
    [InlineData("witness=/W", 3, "witness= is for a mirror of two copies in mode=mirror")]
    [InlineData("witness=/W,mode=active-passive", 2, "witness= is for a mirror of two copies in mode=mirror")]
    [InlineData("witness=/nowhere", 2, "witness=/nowhere: No such file or directory")]
    [InlineData("witness=/A/b/w", 2, "witness=/A/b/w is inside a copy of the mirror: a witness must be a third place, lost with neither copy")]
    public void A_bad_witness_is_refused_with_its_reason(string options, int copies, string reason)
    {
        using var f = Fixture(copies);
        MirrorFixture.Ok(f.P.Mkdir("/A/b/w", 0x1ED));
        Assert.NotEqual(Errno.OK, TryMount(f, options, out var error, copies));
        Assert.Equal(reason, error);
    }

    private static string[] Names(MirrorFixture f, string dir)
    {
        MirrorFixture.Ok(f.P.Lookupname(dir, true, out var vp));
        try
        {
            var buf = new byte[1 << 16];
            var uio = new Uio(buf, 0, UioRw.UIO_READ);
            MirrorFixture.Ok(Vop.Readdir(vp!, uio, Cred.Kcred, out _));
            return Dirent64.Parse(buf.AsSpan(0, (int)(buf.Length - uio.Resid))).Select(d => d.Name).Where(n => n is not ("." or "..")).ToArray();
        }
        finally
        {
            vp!.Rele();
        }
    }
}
