// Tests of Vfs.Mirror: the bugs the simulator found in mirrors with a copy over NFS (docs/verification.md, Fixed), each
// the smallest reproducer of one (tests/Vfs.Sim.Tests/NfsFindingsTests.cs replays them from their seeds). Each failed
// before its fix. /X is an NFS import of a tmpfs on host srv; the host's and srv's clocks are virtual, one world's time
// seen with a skew of each host's own.
namespace UnixVfs.Mirror.Tests;

public class NfsCopyFindingsTests
{
    private readonly VirtualClock _world = new();
    private readonly Skewed _host, _srv;

    public NfsCopyFindingsTests()
    {
        _host = new Skewed(_world);
        _srv = new Skewed(_world);
    }

    private MirrorFixture Fixture() => new(fstype: "nfs", clock: _host, serverClock: _srv);

    /// <summary>
    /// Finding 4, first cause (`vfs sim --world fig7 --seed 20264203 --steps 141 --faults host,clock --keep 37,50`):
    /// Y's server's clock ahead, c made on Y, then Y lost by the symlink that made b on X (stamped no later than the
    /// time Y left). Y's leaving time was the mirror host's: c looked changed behind the mirror's back, online compared
    /// the copies by their times, and Y's top directory, stamped ahead, counted as a removal of b. Y's leaving time is
    /// now on Y's own clock, no earlier than the times the mirror saw Y stamp.
    /// </summary>
    [Fact]
    public void A_name_made_as_an_NFS_copy_whose_clock_is_ahead_fails_is_not_lost_when_it_returns()
    {
        using var f = Fixture();
        var mi = f.Mount();
        _world.Advance(TimeSpan.FromMilliseconds(1));
        _srv.Skew = TimeSpan.FromSeconds(1582);
        f.WriteFile("/A/b/c", "");
        f.Faults(1).Fail(VopName.Symlink, Errno.EIO);
        MirrorFixture.Ok(f.P.Symlink("a", "/A/b/b"));
        Assert.Equal(CopyState.Unavailable, mi.Copies[1].State);
        f.Mfs.Copies[1].Vfs.Faults = null;
        _srv.Skew = TimeSpan.Zero;
        _world.Advance(TimeSpan.FromMilliseconds(1));

        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out _), error);
        Assert.Equal(CopyState.Available, mi.Copies[1].State);
        Assert.Equal(["b", "c"], f.LowerNames(0, "/"));
        Assert.Equal(["b", "c"], f.LowerNames(1, "/"));
        Assert.True(f.Verify().Identical, string.Join("\n", f.Verify().Differences));
    }

    /// <summary>One world's virtual time as a host with its own clock sees it (a clock fault moves Skew).</summary>
    private sealed class Skewed(VirtualClock world) : TimeProvider
    {
        public TimeSpan Skew { get; set; }

        public override DateTimeOffset GetUtcNow() => world.GetUtcNow() + Skew;

        public override long GetTimestamp() => world.GetTimestamp();

        public override long TimestampFrequency => world.TimestampFrequency;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            world.CreateTimer(callback, state, dueTime, period);
    }
}
