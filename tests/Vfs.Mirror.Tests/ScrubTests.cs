// Tests of Vfs.Mirror: mfsadm scrub (MirrorScrub.cs) -- every copy compared byte for byte online, equal size and mtime
// not taken for equal data, a repair only from a copy that can be called right, the rate kept on the host's clock.
namespace UnixVfs.Mirror.Tests;

public class ScrubTests
{
    /// <summary>Overwrites a file of one copy, under the mirror, with other bytes of the same size and the same mtime.</summary>
    private static void Rot(MirrorFixture f, int copy, string name, string text)
    {
        var vp = f.LowerVnode(copy, name)!;
        var va = new Vattr(AttrMask.AT_ALL);
        MirrorFixture.Ok(Vop.Getattr(vp, va, AttrFlags.None, Cred.Kcred));
        var uio = new Uio(System.Text.Encoding.UTF8.GetBytes(text), 0, UioRw.UIO_WRITE);
        MirrorFixture.Ok(Vop.Write(vp, uio, FileFlags.None, Cred.Kcred));
        MirrorFixture.Ok(Vop.Setattr(vp, new Vattr(AttrMask.AT_MTIME) { Mtime = va.Mtime }, AttrFlags.None, Cred.Kcred));
        vp.Rele();
    }

    [Fact]
    public void With_three_copies_scrub_finds_rot_that_size_and_mtime_hide_and_repairs_it_from_the_majority()
    {
        using var f = new MirrorFixture(copies: 3);
        f.Mount(copies: 3);
        f.WriteFile("/A/b/f", "AAAA");
        f.WriteFile("/A/b/g", "fine");
        Rot(f, 2, "f", "BBBB");

        MirrorFixture.Ok(MfsAdm.Scrub(f.P, "/A/b", repair: false, 0, out var error, out var report), error);
        var d = Assert.Single(report.Differences);
        Assert.Equal(("/f", "contents differ", "X is right (2 of 3 copies agree)"), (d.Path, d.What, d.Outcome));
        Assert.Equal("BBBB", f.Lower(2, "f"));

        MirrorFixture.Ok(MfsAdm.Scrub(f.P, "/A/b", repair: true, 0, out error, out report), error);
        Assert.Equal(1, report.Repaired);
        Assert.Equal("repaired from X (2 of 3 copies agree)", report.Differences[0].Outcome);
        Assert.Contains(f.K.Messages, m => m.Contains("scrub: /f: contents differ; Z's version is discarded, X's taken"));
        Assert.Equal("AAAA", f.Lower(2, "f"));
        Assert.True(f.Verify().Identical);
    }

    [Fact]
    public void With_two_current_copies_that_disagree_scrub_refuses_to_guess_and_lists_the_file()
    {
        using var f = new MirrorFixture();
        f.Mount();
        f.WriteFile("/A/b/f", "AAAA");
        Rot(f, 1, "f", "BBBB");

        MirrorFixture.Ok(MfsAdm.Scrub(f.P, "/A/b", repair: true, 0, out var error, out var report), error);
        Assert.Equal(1, report.Refused);
        Assert.Equal(0, report.Repaired);
        Assert.Equal("refused: no copy can be called right (two copies, both of the current generation): mfsadm resolve /f --take x|y",
            Assert.Single(report.Differences).Outcome);
        Assert.Equal("BBBB", f.Lower(1, "f"));
    }

    [Fact]
    public void The_rate_limit_holds_on_the_hosts_virtual_clock()
    {
        var clock = new VirtualClock { AutoAdvance = true };
        using var f = new MirrorFixture(clock: clock);
        f.Mount();
        f.WriteFile("/A/b/big", new string('z', 2 << 20));
        var before = clock.Elapsed;
        MirrorFixture.Ok(MfsAdm.Scrub(f.P, "/A/b", repair: false, 1, out var error, out var report), error);
        Assert.Empty(report.Differences);
        Assert.Equal(4L << 20, report.BytesRead); // 2 MiB from each copy
        Assert.InRange((clock.Elapsed - before).TotalSeconds, 4.0, 4.5);
        Assert.InRange(report.Elapsed.TotalSeconds, 4.0, 4.5);
        Assert.Equal(Errno.EINVAL, MfsAdm.Scrub(f.P, "/A/b", repair: false, -1, out error, out _));
        Assert.Equal("--rate must be a positive number of MiB/s", error);
    }

    [Fact]
    public void Scrub_while_an_application_writes_reports_no_difference_that_is_not_one()
    {
        using var f = new MirrorFixture();
        f.Mount();
        for (int i = 0; i < 20; i++)
            f.WriteFile($"/A/b/f{i}", "start");
        var writer = f.K.CreateProcess();
        var t = new Thread(() =>
        {
            for (int round = 0; round < 30; round++)
                for (int i = 0; i < 20; i++)
                {
                    MirrorFixture.Ok(writer.Open($"/A/b/f{i}", OFlags.O_CREAT | OFlags.O_WRONLY | OFlags.O_TRUNC, 0x1A4, out int fd));
                    MirrorFixture.Ok(writer.Write(fd, System.Text.Encoding.UTF8.GetBytes($"round {round} of file {i}"), out _));
                    MirrorFixture.Ok(writer.Close(fd));
                }
        });
        t.Start();
        for (int n = 0; n < 5; n++)
        {
            MirrorFixture.Ok(MfsAdm.Scrub(f.P, "/A/b", repair: false, 0, out var error, out var report), error);
            Assert.Empty(report.Differences);
        }
        t.Join();
        writer.Exit();
        Assert.True(f.Verify().Identical);
    }
}
