// Vfs.Core/Observability: an in-process listener for this library's meters (VopMetrics, the mirror's copy metrics) that
// keeps running totals, so a program -- the shell's `mfsadm stats`, a test, a research tool -- can read them
// without an exporter. Counters are summed per tag set; histograms keep a count, a sum and log-spaced buckets
// from which percentiles are read (to the bucket's upper bound).
//
// Layer: observability, the top of it. Listens to the meters of VopMetrics (and the mirror's); nothing in
// the dispatch path knows it exists.
using System.Diagnostics.Metrics;

namespace UnixVfs.Core;

/// <summary>One instrument's totals for one set of tags.</summary>
public sealed class MetricSeries
{
    /// <summary>Bucket upper bounds (microseconds, for durations): 1, 2, 5, 10, 20, 50, ... 10^7.</summary>
    public static readonly double[] Bounds = Enumerable.Range(0, 8).SelectMany(e => new[] { 1, 2, 5 }.Select(m => m * Math.Pow(10, e))).ToArray();

    private readonly long[] _buckets = new long[Bounds.Length + 1];

    internal MetricSeries(string instrument, IReadOnlyDictionary<string, string> tags)
    {
        Instrument = instrument;
        Tags = tags;
    }

    public string Instrument { get; }
    public IReadOnlyDictionary<string, string> Tags { get; }

    /// <summary>For a counter, the total added; for a histogram, the number of values recorded.</summary>
    public long Count { get; private set; }

    /// <summary>The sum of the values (a counter's total; a histogram's sum).</summary>
    public double Sum { get; private set; }

    internal void AddCounter(long v)
    {
        lock (this)
        {
            Count += v;
            Sum += v;
        }
    }

    internal void AddHistogram(double v)
    {
        lock (this)
        {
            Count++;
            Sum += v;
            int i = Array.BinarySearch(Bounds, v);
            _buckets[i < 0 ? ~i : i]++;
        }
    }

    /// <summary>The value below which fraction <paramref name="q"/> of a histogram's values fall (a bucket bound).</summary>
    public double Percentile(double q)
    {
        lock (this)
        {
            long target = (long)Math.Ceiling(q * Count), seen = 0;
            for (int i = 0; i < _buckets.Length; i++)
            {
                seen += _buckets[i];
                if (seen >= target && seen > 0)
                    return i < Bounds.Length ? Bounds[i] : double.PositiveInfinity;
            }
            return 0;
        }
    }

    public string Tag(string key) => Tags.TryGetValue(key, out var v) ? v : "";
}

/// <summary>Listens to the UnixVfs meters and keeps totals per instrument and tag set.</summary>
public sealed class MetricsCollector : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Dictionary<string, MetricSeries> _series = new();

    public MetricsCollector()
    {
        _listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name.StartsWith("UnixVfs.", StringComparison.Ordinal))
                l.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((inst, v, tags, _) => Series(inst.Name, tags).AddCounter(v));
        _listener.SetMeasurementEventCallback<double>((inst, v, tags, _) => Series(inst.Name, tags).AddHistogram(v));
        _listener.Start();
    }

    /// <summary>Every series so far.</summary>
    public IReadOnlyList<MetricSeries> Series()
    {
        lock (_series)
            return _series.Values.ToArray();
    }

    /// <summary>The series of <paramref name="instrument"/> whose tags include every pair in <paramref name="match"/>.</summary>
    public IEnumerable<MetricSeries> Find(string instrument, params (string Key, string Value)[] match) =>
        Series().Where(s => s.Instrument == instrument && match.All(m => s.Tag(m.Key) == m.Value));

    private MetricSeries Series(string instrument, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var dict = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var t in tags)
            dict[t.Key] = t.Value?.ToString() ?? "";
        string key = instrument + "|" + string.Join(",", dict.Select(kv => kv.Key + "=" + kv.Value));
        lock (_series)
        {
            if (!_series.TryGetValue(key, out var s))
                _series[key] = s = new MetricSeries(instrument, dict);
            return s;
        }
    }

    public void Dispose() => _listener.Dispose();
}
