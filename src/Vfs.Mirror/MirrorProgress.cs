// Vfs.Mirror: how far a resync has got -- bytes done and owed, the rate and the time left (beyond the patent).
//
// A resync updates its ResyncMeter after every batch of log entries it replays, and after every name a full resync
// copies. Each update is published three ways: the copy's Progress (mfsadm status and heal-info), the caller's
// callback (the shell's progress line), and the gauges mfs.resync.done/total/rate/eta (MirrorMetrics.cs). Time is
// the host's clock (the kernel's TimeProvider), never the wall clock: under a simulator's virtual clock the rate is
// that of virtual time, and with no time passed there is no rate and no ETA.
//
// TOTAL. For a log replay, the bytes applications wrote while the copy was away (DirtyLog.BytesChanged) -- what the
// replay is to copy when nothing is amplified; if more is copied, the total grows with it. A full resync does not know
// its total before it has walked the tree: it reports bytes done only.
namespace UnixVfs.Mirror;

/// <summary>How far a resync has got. <see cref="BytesTotal"/> is 0 when not known (a full resync).</summary>
public sealed record ResyncProgress(string Copy, long BytesDone, long BytesTotal, double BytesPerSecond, TimeSpan? Eta)
{
    public override string ToString()
    {
        string done = BytesTotal > 0 ? $"{Mib(BytesDone)} of {Mib(BytesTotal)} MiB ({100.0 * BytesDone / BytesTotal:F0}%)" : $"{Mib(BytesDone)} MiB";
        string rate = BytesPerSecond > 0 ? $", {Mib((long)BytesPerSecond)} MiB/s" : "";
        string eta = Eta is { } e ? $", ETA {e.TotalSeconds:F0} s" : "";
        return $"resync {Copy}: {done}{rate}{eta}";
    }

    private static string Mib(long bytes) => (bytes / 1048576.0).ToString("F1", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>The progress of one resync of one copy.</summary>
internal sealed class ResyncMeter
{
    private readonly MfsVfs _mi;
    private readonly MirrorMember _c;
    private readonly long _start;
    private readonly Action<ResyncProgress>? _report;
    private long _total;

    public ResyncMeter(MfsVfs mi, MirrorMember c, long total, Action<ResyncProgress>? report)
    {
        _mi = mi;
        _c = c;
        _total = total;
        _report = report;
        _start = mi.Clock.GetTimestamp();
        Update(0);
    }

    /// <summary><paramref name="done"/> bytes copied so far.</summary>
    public void Update(long done)
    {
        if (_total > 0 && done > _total)
            _total = done;
        double seconds = _mi.Clock.GetElapsedTime(_start).TotalSeconds;
        double rate = seconds > 0 ? done / seconds : 0;
        TimeSpan? eta = rate > 0 && _total > 0 ? TimeSpan.FromSeconds((_total - done) / rate) : null;
        var p = new ResyncProgress(_c.Name, done, _total, rate, eta);
        _c.Progress = p;
        MirrorMetrics.Resync(_c, p);
        _report?.Invoke(p);
    }

    /// <summary>The resync ended: the copy shows no progress any more.</summary>
    public void Done() => _c.Progress = null;
}
