// Vfs.Core: a host's time as its file systems stamp it -- gethrestime (Now), the latest time given (Newest), and a
// time pinned for one operation on one thread (PinTime), so that an operation that updates several files at once (a
// mirrored write, on every copy) stamps them with one time and reads the clock once.
//
// The clock is the kernel's TimeProvider (Clock): the system's, or a simulator's virtual one. A pin belongs to one
// kernel on one thread: a simulated host's calls to another host run on the caller's thread, and that host stamps with
// its own clock; it pins on top of the caller's pin, and the caller's time is back when it lets go.
namespace UnixVfs.Core;

public sealed partial class Kernel
{
    /// <summary>
    /// gethrestime: the current time, or the time an operation on this thread pinned (PinTime). Every time returned is
    /// also counted in Newest().
    /// </summary>
    public Timespec Now() => t_pin is { } pin && ReferenceEquals(pin.By, this) ? pin.Time : ReadClock();

    /// <summary>
    /// The clock itself, whatever time this thread pinned: for measuring (how far another host's clock is from this
    /// one's), not for stamping. Counted in Newest() as Now() is.
    /// </summary>
    public Timespec ReadClock()
    {
        var now = Clock.GetUtcNow();
        long t = now.UtcTicks, seen;
        while (t > (seen = Interlocked.Read(ref _newestTicks)) && Interlocked.CompareExchange(ref _newestTicks, t, seen) != seen)
        {
        }
        return Timespec.FromDateTimeOffset(now);
    }

    // The time the operation running on this thread stamps its files with, and the kernel whose it is (a simulated
    // host's calls to another host run on the caller's thread, and that host keeps its own clock): the top of the
    // thread's stack of pins (PinTime). The stack's nodes are made once per depth and reused; the bottom one pins
    // nothing (By null).
    [ThreadStatic] private static Pin? t_pin;

    internal sealed class Pin(Pin? outer)
    {
        public readonly Pin? Outer = outer;
        public Pin? Inner;
        public Kernel? By;
        public Timespec Time;
    }

    /// <summary>
    /// Pins Now() on this thread to one time until the pin is disposed, so that an operation updating several files at
    /// once (a mirrored write, on every copy) stamps them all with one time, as a file system stamps one file. Within an
    /// outer pin of this kernel it keeps the outer time. Another kernel's pin on the thread (a simulated host serving
    /// this one's call on its thread) holds until it is disposed, and this kernel's time is back then.
    /// </summary>
    public TimePin PinTime()
    {
        var top = t_pin ??= new Pin(null);
        if (ReferenceEquals(top.By, this))
            return default;
        var pin = top.Inner ??= new Pin(top);
        pin.Time = ReadClock();
        pin.By = this;
        t_pin = pin;
        return new TimePin(pin);
    }

    /// <summary>A pin of PinTime: disposed, the thread's time is what it was before (default: nothing to undo).</summary>
    public readonly struct TimePin : IDisposable
    {
        private readonly Pin? _pin;

        internal TimePin(Pin pin) => _pin = pin;

        public void Dispose()
        {
            if (_pin is null)
                return;
            _pin.By = null;
            t_pin = _pin.Outer;
        }
    }

    private long _newestTicks;

    /// <summary>
    /// The latest time Now() has returned (or the clock says, if later): no time this kernel stamped is after it, even
    /// when the clock was set back since. The mirror takes a copy's leaving time from it (docs/mirror.md).
    /// </summary>
    public Timespec Newest()
    {
        ReadClock();
        return Timespec.FromDateTimeOffset(new DateTimeOffset(Interlocked.Read(ref _newestTicks), TimeSpan.Zero));
    }
}
