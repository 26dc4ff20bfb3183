// Vfs.Core: a host's random choices and its waits -- the only randomness and the only sleeping library code does.
//
// A layer that needs a random number (a backoff delay, a write verifier) draws it from its Kernel, and a layer
// that needs to wait a while waits on its Kernel's clock. The kernel's Random is seeded (from the host name
// unless the embedding program or the simulator gives a seed), so a run that makes the same calls in the same
// order draws the same numbers; and a clock that is not the system's (a simulator's virtual clock) decides when
// each wait ends, so no wait depends on the wall clock. Random.Shared, DateTime.UtcNow, Stopwatch and
// Thread.Sleep are not used in src/ outside the few host-facing places tests/Vfs.Sim.Tests' determinism test
// allows.
namespace UnixVfs.Core;

public sealed partial class Kernel
{
    private readonly Random _rng;

    /// <summary>A random number in [0, <paramref name="maxExclusive"/>) from the host's seeded source (thread-safe).</summary>
    public int Random(int maxExclusive)
    {
        lock (_rng)
            return _rng.Next(maxExclusive);
    }

    /// <summary>A random 64-bit number from the host's seeded source (thread-safe).</summary>
    public long Random64()
    {
        lock (_rng)
            return _rng.NextInt64();
    }

    /// <summary>
    /// Waits <paramref name="span"/> on the host's clock. On the system clock a wait under a millisecond spins
    /// (a timer cannot be that short); on a VirtualClock the wait is an idle participant's (auto-advance may move
    /// time past it); on a Simulated host it only yields; any other wait is a timer of the clock.
    /// </summary>
    public void Delay(TimeSpan span)
    {
        if (span <= TimeSpan.Zero)
            return;
        if (Simulated)
        {
            // A thread sleeping in virtual time inside work the clock counts as busy (an NFS request in service)
            // would stop the clock for good: a simulated host yields the processor instead.
            Thread.Yield();
            return;
        }
        if (Clock is VirtualClock vc)
        {
            vc.Sleep(span);
            return;
        }
        if (ReferenceEquals(Clock, TimeProvider.System) && span < TimeSpan.FromMilliseconds(1))
        {
            long until = Clock.GetTimestamp() + (long)(span.TotalSeconds * Clock.TimestampFrequency);
            var spin = new SpinWait();
            while (Clock.GetTimestamp() < until)
                spin.SpinOnce(sleep1Threshold: -1);
            return;
        }
        using var done = new ManualResetEventSlim();
        using var timer = Clock.CreateTimer(static d => ((ManualResetEventSlim)d!).Set(), done, span, Timeout.InfiniteTimeSpan);
        done.Wait();
    }

    /// <summary>FNV-1a of the host name: the same seed on every run and every machine.</summary>
    private static int StableSeed(string hostname)
    {
        uint h = 2166136261;
        foreach (char ch in hostname)
            h = (h ^ ch) * 16777619;
        return (int)h;
    }
}
