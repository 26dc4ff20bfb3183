// Tests of Vfs.Mirror: self-heal (MirrorAutoResync.cs) -- with autoresync=SECONDS a failed copy is probed on the host's
// clock and rejoined when it answers; a copy taken offline for maintenance is left alone. The clock is virtual: the
// probes run when the test advances it, on the test's thread.
namespace UnixVfs.Mirror.Tests;

public class AutoResyncTests
{
    [Fact]
    public void A_failed_copy_is_probed_every_period_and_rejoined_with_its_log_when_it_answers_again()
    {
        var clock = new VirtualClock();
        using var f = new MirrorFixture(clock: clock);
        var mi = f.Mount("autoresync=5");
        f.WriteFile("/A/b/f", "v1");
        var faults = f.Faults(1);
        faults.FailAll(Errno.EIO);
        f.WriteFile("/A/b/f", "v2, written while Y fails");
        Assert.Equal(CopyState.Unavailable, mi.Copies[1].State);

        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.DoesNotContain("autoresync", mi.Copies[1].Reason);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(CopyState.Unavailable, mi.Copies[1].State);
        Assert.EndsWith("(autoresync: probed 1 times, last EIO)", mi.Copies[1].Reason);
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.EndsWith("(autoresync: probed 2 times, last EIO)", mi.Copies[1].Reason);

        faults.Clear();
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(CopyState.Available, mi.Copies[1].State);
        Assert.Contains(mi.Events, e => e.Copy == "Y" && e.What == "autoresync: the copy answers again; rejoining it");
        Assert.Contains(mi.Events, e => e.Copy == "Y" && e.What == "autoresync: rejoined");
        Assert.Contains(f.K.Messages, m => m.Contains("copy Y: autoresync: rejoined"));
        Assert.Equal("v2, written while Y fails", f.Lower(1, "f"));
        Assert.True(f.Verify().Identical);
    }

    [Fact]
    public void A_copy_offline_for_maintenance_is_left_alone_and_autoresync_is_off_by_default()
    {
        var clock = new VirtualClock();
        using var f = new MirrorFixture(clock: clock);
        var mi = f.Mount("autoresync=5");
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(CopyState.Unavailable, mi.Copies[1].State);
        Assert.Equal("offline for maintenance", mi.Copies[1].Reason);
        MirrorFixture.Ok(f.P.Umount("/X/y"));

        mi = f.Mount();
        f.Faults(1).FailAll(Errno.EIO);
        f.WriteFile("/A/b/g", "g");
        f.Mfs.Copies[1].Vfs.Faults = null;
        clock.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal(CopyState.Unavailable, mi.Copies[1].State);
        Assert.DoesNotContain("autoresync", mi.Copies[1].Reason);
    }

    /// <summary>
    /// Fixed 122 (Fig. 7 with autoresync=5, power and crash faults, seed 2004007): a probe of a copy over NFS waited for
    /// its timeouts longer than a period, and every period that ended meanwhile started a round that waited for the
    /// first one's gate -- hundreds of threads, each woken at every step of virtual time, and the world crawled. In a
    /// simulated (Driven) world here: each probe of Y is answered after 12 s, two periods and more; the periods that end
    /// while a round runs start none, so in 60 s three probes end and a fourth runs. (Before: four ended, the rounds
    /// queued behind the gate running back to back.)
    /// </summary>
    [Fact]
    public void A_period_that_ends_while_a_round_still_probes_starts_no_round_behind_it()
    {
        var clock = new VirtualClock { Driven = true };
        using var f = new MirrorFixture(clock: clock);
        var mi = f.Mount("autoresync=5");
        var faults = f.Faults(1);
        faults.FailAll(Errno.EIO);
        f.WriteFile("/A/b/f", "written while Y fails");
        Assert.Equal(CopyState.Unavailable, mi.Copies[1].State);
        faults.Clear();
        int probes = 0;
        bool slow = true;
        faults.Fail(VopName.Getattr, Errno.EIO, match: _ =>
        {
            probes++;
            if (slow)
                clock.Sleep(TimeSpan.FromSeconds(12));
            return true;
        });
        clock.AutoAdvance = true;
        using (clock.Drive())
        {
            clock.Sleep(TimeSpan.FromSeconds(60));
            Assert.EndsWith("(autoresync: probed 3 times, last EIO)", mi.Copies[1].Reason);
            Assert.Equal(4, probes);
            slow = false;
            clock.Sleep(TimeSpan.FromSeconds(5)); // the fourth round ends
        }
        clock.AutoAdvance = false;
    }
}
