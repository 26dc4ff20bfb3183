// Vfs.Nfs / transports: waiting on a monitor with a timeout measured by an injectable clock.
//
// With the system clock this is Monitor.Wait with a timeout. With any other TimeProvider (a fake
// clock a test or `vfs sim` advances by hand) the timeout is a timer on that clock that pulses the
// monitor when it fires, so simulated time, not wall time, decides when a wait ends. A caller that waits
// for a reply says when it would be ready, so a VirtualClock's auto-advance knows it waits for time.
using UnixVfs.Core;

namespace UnixVfs.Nfs.Net;

/// <summary>Monitor waits whose timeouts run on a <see cref="TimeProvider"/>.</summary>
public static class ClockWait
{
    /// <summary>
    /// Waits on <paramref name="gate"/> (which the caller holds) until it is pulsed or <paramref name="timeout"/>
    /// passes on <paramref name="clock"/>; the caller re-checks its condition and the time afterwards.
    /// </summary>
    public static void Wait(object gate, TimeProvider clock, TimeSpan timeout)
    {
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            Monitor.Wait(gate);
            return;
        }
        if (timeout <= TimeSpan.Zero)
            return;
        if (ReferenceEquals(clock, TimeProvider.System))
        {
            Monitor.Wait(gate, timeout);
            return;
        }
        using var timer = clock.CreateTimer(static g => { lock (g!) Monitor.PulseAll(g); }, gate, timeout, Timeout.InfiniteTimeSpan);
        Monitor.Wait(gate);
    }

    /// <summary>
    /// As Wait, for a caller that waits for a reply or for time to pass: on a <see cref="VirtualClock"/> it counts as an
    /// idle participant while <paramref name="ready"/>(<paramref name="state"/>) is false, so auto-advance may move time
    /// to its timeout. (The condition comes with its state, so that a wait on the system clock allocates nothing.)
    /// </summary>
    public static void Wait<T>(object gate, TimeProvider clock, TimeSpan timeout, Func<T, bool> ready, T state)
    {
        if (clock is VirtualClock vc && timeout > TimeSpan.Zero)
            vc.WaitIdle(gate, timeout, () => ready(state));
        else
            Wait(gate, clock, timeout);
    }

    /// <summary>The time left until <paramref name="deadline"/> (a timestamp of <paramref name="clock"/>), never negative.</summary>
    public static TimeSpan Until(TimeProvider clock, long deadline)
    {
        long now = clock.GetTimestamp();
        if (deadline <= now)
            return TimeSpan.Zero;
        return TimeSpan.FromSeconds((double)(deadline - now) / clock.TimestampFrequency);
    }

    /// <summary>The timestamp <paramref name="span"/> from now on <paramref name="clock"/>.</summary>
    public static long After(TimeProvider clock, TimeSpan span) =>
        clock.GetTimestamp() + (long)(span.TotalSeconds * clock.TimestampFrequency);
}
