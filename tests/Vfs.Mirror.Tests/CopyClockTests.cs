// Tests of the mirror's view of a copy's clock (CopyClock.cs): the time a copy left, on the copy's own clock, is never
// earlier than a time the copy may have stamped while it was still in use -- also when the mirroring host's wall clock
// was set back after the copy's skew was last measured (Finding 11 of docs/verification.md, now Fixed 51).
using UnixVfs.Core;

namespace UnixVfs.Mirror.Tests;

public class CopyClockTests
{
    private static Timespec T(double seconds) => new((long)Math.Floor(seconds), (long)((seconds - Math.Floor(seconds)) * 1e9));

    /// <summary>
    /// The copy's clock is 5 s ahead, measured at t=0. 100 s later (the host's monotonic time) the copy leaves, and by
    /// then the host's wall clock has been set 2,081 s back. An update that timed out on the copy 40 s in, and that its
    /// server did all the same, stamped it at 45 on its clock. Before, the leaving time was the later of the host's time
    /// moved by the old skew (-1976) and the newest stamp seen (5): 45 looked like a change behind the mirror's back.
    /// </summary>
    [Fact]
    public void The_leaving_time_follows_the_copys_clock_when_the_hosts_clock_was_set_back()
    {
        var clock = new VirtualClock(DateTimeOffset.FromUnixTimeSeconds(0));
        var copy = new CopyClock(clock);
        copy.Measured(stamped: T(5), before: T(0));
        clock.Advance(TimeSpan.FromSeconds(100));
        copy.Left();
        var leaving = copy.Leaving(T(100 - 2081)); // the host's wall clock, set back
        Assert.True(leaving >= T(45), $"left at {leaving}: the update stamped at 45 before it left would count as made behind the mirror's back");
        Assert.True(leaving <= T(105), $"left at {leaving}: later than the copy's clock when it left, which would hide a change made after");
    }

    /// <summary>Without the host's clock moving, the leaving time is the host's time moved by the skew, as before.</summary>
    [Fact]
    public void The_leaving_time_is_the_hosts_time_moved_by_the_skew_when_the_clocks_ran_together()
    {
        var clock = new VirtualClock(DateTimeOffset.FromUnixTimeSeconds(0));
        var copy = new CopyClock(clock);
        copy.Measured(stamped: T(5), before: T(0));
        clock.Advance(TimeSpan.FromSeconds(100));
        copy.Left();
        Assert.Equal(T(105), copy.Leaving(T(100)));
    }
}
