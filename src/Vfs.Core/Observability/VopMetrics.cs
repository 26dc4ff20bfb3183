// Vfs.Core/Observability: every vnode and vfs operation, published through System.Diagnostics.Metrics.
//
// Layer: observability. Fed by VopStats.Count on every dispatched call; read by any MeterListener
// (MetricsCollector.cs here). It publishes calls and never changes one.
//
// Meter "UnixVfs.Vop" has four instruments, each tagged with the host, the file system type and the op:
//     vfs.vop.calls     counter    calls made
//     vfs.vop.errors    counter    calls that returned an errno
//     vfs.vop.bytes     counter    bytes moved by read and write
//     vfs.vop.duration  histogram  microseconds per call
// Any MeterListener (dotnet-counters, OpenTelemetry, or the shell's MetricsCollector) can read them. Nothing is
// recorded, and nothing is timed, while no one listens: the dispatchers ask Start() for a timestamp, which is 0
// then. VopStats keeps its own plain counters per vfs regardless.
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace UnixVfs.Core;

/// <summary>The vnode operations' meter and instruments.</summary>
public static class VopMetrics
{
    /// <summary>The meter's name, for listeners.</summary>
    public const string MeterName = "UnixVfs.Vop";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Calls = Meter.CreateCounter<long>("vfs.vop.calls", "{call}", "vnode and vfs operations called");
    private static readonly Counter<long> Errors = Meter.CreateCounter<long>("vfs.vop.errors", "{call}", "operations that returned an errno");
    private static readonly Counter<long> Bytes = Meter.CreateCounter<long>("vfs.vop.bytes", "By", "bytes moved by read and write");
    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>("vfs.vop.duration", "us", "time per operation");

    /// <summary>A timestamp to pass to Record, or 0 when no one listens (so nothing is timed).</summary>
    public static long Start() => Duration.Enabled ? Stopwatch.GetTimestamp() : 0;

    /// <summary>
    /// Records one call of <paramref name="op"/> on <paramref name="vfsp"/>, if anyone listens. Inlined into every VOP_*
    /// wrapper; the recording is a method of its own, so that its tags do not widen the frame of each caller.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Record(Vfs vfsp, string op, Errno err, long start, long bytes)
    {
        if (Calls.Enabled)
            RecordListened(vfsp, op, err, start, bytes);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RecordListened(Vfs vfsp, string op, Errno err, long start, long bytes)
    {
        var host = new KeyValuePair<string, object?>("host", vfsp.Kernel.Hostname);
        var fstype = new KeyValuePair<string, object?>("fstype", vfsp.FstypeName);
        var name = new KeyValuePair<string, object?>("op", op);
        Calls.Add(1, host, fstype, name);
        if (err != Errno.OK)
            Errors.Add(1, host, fstype, name);
        if (bytes > 0)
            Bytes.Add(bytes, host, fstype, name);
        if (start != 0)
            Duration.Record(Stopwatch.GetElapsedTime(start).TotalMicroseconds, host, fstype, name);
    }
}
