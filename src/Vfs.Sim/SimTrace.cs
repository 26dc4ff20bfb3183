// Vfs.Sim: the event trace of a run -- every VOP, disk I/O, RPC record and fault, in the order they happened,
// each stamped with the virtual time. The contract of the simulator is that the same seed gives the same trace,
// byte for byte; the trace is hashed as it grows (SHA-256), and its last lines are kept for a failure's report.
using System.Security.Cryptography;
using System.Text;

namespace UnixVfs.Sim;

/// <summary>The events of one run, hashed as they come.</summary>
public sealed class SimTrace
{
    private readonly object _lock = new();
    private readonly VirtualClock _clock;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly Queue<string> _tail = new();
    private readonly Dictionary<string, long> _byKind = new(StringComparer.Ordinal);

    public SimTrace(VirtualClock clock) => _clock = clock;

    /// <summary>How many of the last events Tail keeps.</summary>
    public int TailLength { get; set; } = 200;

    /// <summary>While true nothing is recorded: the simulator pauses the trace while invariants look at the world.</summary>
    public bool Paused { get; set; }

    /// <summary>How long the watchdog has seen no new event (Simulator.Run).</summary>
    internal TimeSpan Quiet { get; set; }

    /// <summary>Events recorded.</summary>
    public long Count { get; private set; }

    /// <summary>Optional sink for every event line (a `vfs sim --trace` file).</summary>
    public TextWriter? Sink { get; set; }

    /// <summary>Records one event of <paramref name="kind"/> ("vop", "disk", "rpc", "fault", "call", ...).</summary>
    public void Add(string kind, string text)
    {
        if (Paused)
            return;
        string line = $"{_clock.GetTimestamp()} {kind} {text}\n";
        lock (_lock)
        {
            _hash.AppendData(Encoding.UTF8.GetBytes(line));
            Count++;
            _byKind[kind] = _byKind.GetValueOrDefault(kind) + 1;
            _tail.Enqueue(line);
            while (_tail.Count > TailLength)
                _tail.Dequeue();
            Sink?.Write(line);
        }
    }

    /// <summary>Events recorded, by kind.</summary>
    public IReadOnlyDictionary<string, long> ByKind
    {
        get { lock (_lock) return new Dictionary<string, long>(_byKind); }
    }

    /// <summary>The SHA-256 of every event so far, in hex.</summary>
    public string Hash()
    {
        lock (_lock)
            return Convert.ToHexString(_hash.GetCurrentHash());
    }

    /// <summary>The last events, oldest first.</summary>
    public string Tail()
    {
        lock (_lock)
            return string.Concat(_tail);
    }
}
