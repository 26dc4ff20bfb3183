// Vfs.Core: a point in time with nanoseconds (timestruc_t).
namespace UnixVfs.Core;

/// <summary>Seconds and nanoseconds since the Unix epoch (<c>timestruc_t</c>); what vattr times and dinodes hold.</summary>
public readonly record struct Timespec(long Sec, long Nsec) : IComparable<Timespec>
{
    public const long NanosPerSecond = 1_000_000_000;

    /// <summary>UTIME_NOW: in utimens, "set this time to the current time".</summary>
    public const long UtimeNow = (1L << 30) - 1;

    /// <summary>UTIME_OMIT: in utimens, "leave this time as it is".</summary>
    public const long UtimeOmit = (1L << 30) - 2;

    public static Timespec FromDateTimeOffset(DateTimeOffset t)
    {
        long ticks = t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        long sec = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out long rem);
        if (rem < 0) { sec--; rem += TimeSpan.TicksPerSecond; }
        return new Timespec(sec, rem * 100);
    }

    public DateTimeOffset ToDateTimeOffset() =>
        DateTimeOffset.UnixEpoch.AddTicks(Sec * TimeSpan.TicksPerSecond + Nsec / 100);

    /// <summary>The time as nanoseconds since the epoch (saturating; years 1678-2262 fit).</summary>
    public long TotalNanoseconds => Sec * NanosPerSecond + Nsec;

    public int CompareTo(Timespec other) => Sec != other.Sec ? Sec.CompareTo(other.Sec) : Nsec.CompareTo(other.Nsec);

    public static bool operator <(Timespec a, Timespec b) => a.CompareTo(b) < 0;
    public static bool operator >(Timespec a, Timespec b) => a.CompareTo(b) > 0;
    public static bool operator <=(Timespec a, Timespec b) => a.CompareTo(b) <= 0;
    public static bool operator >=(Timespec a, Timespec b) => a.CompareTo(b) >= 0;

    public override string ToString() => $"{Sec}.{Nsec:D9}";
}
