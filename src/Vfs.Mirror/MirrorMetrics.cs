// Vfs.Mirror: what each copy of each mirror is asked to do, published through System.Diagnostics.Metrics.
//
// Meter "UnixVfs.Mirror", tagged with the host, the mirror (its mount point), the copy (X, Y, ...) and the op:
//     mfs.copy.calls     counter    operations sent to the copy (each retry counts)
//     mfs.copy.errors    counter    those that failed
//     mfs.copy.bytes     counter    bytes read from or written to the copy
//     mfs.copy.duration  histogram  microseconds per operation on the copy
//     mfs.resync.done / mfs.resync.total  gauges  bytes a resync has copied / is to copy (0: not known), by copy
//     mfs.resync.rate    gauge      bytes per second of the host's clock;  mfs.resync.eta  gauge  seconds left (-1: not known)
//     mfs.checksum.errors / mfs.checksum.repairs  counters  extents a copy returned that failed their checksums /
//                        those rewritten from another copy (-o checksum), by copy
//     mfs.checksum.unrecoverable  counter  extents that failed on every copy (the read got EIO), by mirror
//     mfs.splitbrain.discarded  counter  versions of a name a split-brain decision or `mfsadm resolve` discarded,
//                                        tagged with the host, the mirror and the copy whose version it was
// `mfsadm stats` shows them (through a MetricsCollector); nothing is recorded while no one listens.
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace UnixVfs.Mirror;

internal static class MirrorMetrics
{
    private static readonly Meter Meter = new("UnixVfs.Mirror");
    private static readonly Counter<long> Calls = Meter.CreateCounter<long>("mfs.copy.calls", "{call}", "operations sent to a copy");
    private static readonly Counter<long> Errors = Meter.CreateCounter<long>("mfs.copy.errors", "{call}", "operations on a copy that failed");
    private static readonly Counter<long> Bytes = Meter.CreateCounter<long>("mfs.copy.bytes", "By", "bytes read from or written to a copy");
    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>("mfs.copy.duration", "us", "time per operation on a copy");

    private static readonly Counter<long> DiscardedVersions = Meter.CreateCounter<long>("mfs.splitbrain.discarded", "{version}",
        "versions of a name discarded by a split-brain decision");

    private static readonly Counter<long> ChecksumErrors = Meter.CreateCounter<long>("mfs.checksum.errors", "{extent}",
        "extents a copy returned that failed their checksums");
    private static readonly Counter<long> ChecksumRepairs = Meter.CreateCounter<long>("mfs.checksum.repairs", "{extent}",
        "extents rewritten from another copy after failing their checksums");
    private static readonly Counter<long> ChecksumLost = Meter.CreateCounter<long>("mfs.checksum.unrecoverable", "{extent}",
        "extents that failed their checksums on every copy");

    private static readonly Gauge<long> ResyncDone = Meter.CreateGauge<long>("mfs.resync.done", "By", "bytes a resync has copied");
    private static readonly Gauge<long> ResyncTotal = Meter.CreateGauge<long>("mfs.resync.total", "By", "bytes a resync is to copy (0: not known)");
    private static readonly Gauge<double> ResyncRate = Meter.CreateGauge<double>("mfs.resync.rate", "By/s", "bytes per second a resync copies");
    private static readonly Gauge<double> ResyncEta = Meter.CreateGauge<double>("mfs.resync.eta", "s", "seconds a resync has left (-1: not known)");

    /// <summary>A resync of copy <paramref name="c"/> got as far as <paramref name="p"/> (MirrorProgress.cs).</summary>
    public static void Resync(MirrorMember c, ResyncProgress p)
    {
        if (!ResyncDone.Enabled)
            return;
        var tags = Tags(c.Mirror, c, "resync");
        ResyncDone.Record(p.BytesDone, tags);
        ResyncTotal.Record(p.BytesTotal, tags);
        ResyncRate.Record(p.BytesPerSecond, tags);
        ResyncEta.Record(p.Eta?.TotalSeconds ?? -1, tags);
    }

    /// <summary>A split-brain decision discarded copy <paramref name="copy"/>'s version of a name (MirrorSplitBrain.cs).</summary>
    public static void Discarded(string host, string mirror, string copy) =>
        DiscardedVersions.Add(1, new TagList { { "host", host }, { "mirror", mirror }, { "copy", copy } });

    /// <summary>Copy <paramref name="c"/> returned an extent that failed its checksum.</summary>
    public static void ChecksumError(MirrorMember c) => ChecksumErrors.Add(1, CopyTags(c));

    /// <summary>Copy <paramref name="c"/>'s extent was rewritten from another copy.</summary>
    public static void ChecksumRepair(MirrorMember c) => ChecksumRepairs.Add(1, CopyTags(c));

    /// <summary>An extent failed its checksum on every copy of mirror <paramref name="mi"/>.</summary>
    public static void ChecksumUnrecoverable(MfsVfs mi) =>
        ChecksumLost.Add(1, new TagList { { "host", mi.Vfs.Kernel.Hostname }, { "mirror", mi.Vfs.MntPt } });

    private static TagList CopyTags(MirrorMember c) =>
        new() { { "host", c.Mirror.Vfs.Kernel.Hostname }, { "mirror", c.Mirror.Vfs.MntPt }, { "copy", c.Name } };

    /// <summary>True while someone listens to the per-call instruments (so a call's time is worth measuring).</summary>
    public static bool Listened => Calls.Enabled;

    /// <summary>One call of an op on copy <paramref name="c"/> (MirrorMember.Count is the only caller).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Record(MirrorMember c, string op, Errno err, long bytes, double micros)
    {
        if (Calls.Enabled)
            RecordListened(c, op, err, bytes, micros);
    }

    private static void RecordListened(MirrorMember c, string op, Errno err, long bytes, double micros)
    {
        var tags = Tags(c.Mirror, c, op);
        Calls.Add(1, tags);
        if (err != Errno.OK)
            Errors.Add(1, tags);
        if (bytes > 0)
            Bytes.Add(bytes, tags);
        if (micros >= 0)   // -1: not measured (a listener came between the call's start and its end)
            Duration.Record(micros, tags);
    }

    private static TagList Tags(MfsVfs mi, MirrorMember c, string op) => new()
    {
        { "host", mi.Vfs.Kernel.Hostname },
        { "mirror", mi.Vfs.MntPt },
        { "copy", c.Name },
        { "op", op },
    };
}
