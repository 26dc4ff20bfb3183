// Vfs.Sim: one host's view of the world's virtual clock. Every host's kernel reads time through one, so a fault
// plan can set a host's clock ahead or behind the others (the clock skew that matters to the mirror's
// newest-timestamp-wins merge) while timers and timeouts still run on the one world clock.
namespace UnixVfs.Sim;

/// <summary>The world's VirtualClock, seen with an offset on the wall-clock time.</summary>
public sealed class SkewedClock(VirtualClock world) : TimeProvider
{
    private long _skewTicks;

    /// <summary>How far this host's wall clock is ahead of the world's (negative: behind).</summary>
    public TimeSpan Skew
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _skewTicks));
        set => Interlocked.Exchange(ref _skewTicks, value.Ticks);
    }

    /// <summary>The world's clock.</summary>
    public VirtualClock World => world;

    public override DateTimeOffset GetUtcNow() => world.GetUtcNow() + Skew;
    public override long GetTimestamp() => world.GetTimestamp();
    public override long TimestampFrequency => world.TimestampFrequency;
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        world.CreateTimer(callback, state, dueTime, period);
}
