// Vfs.Sim: the event trace of a run -- every VOP, disk I/O, RPC record and fault, in the order they happened,
// each stamped with the virtual time. The contract of the simulator is that the same seed gives the same trace,
// byte for byte; the trace is hashed as it grows (SHA-256), and its last lines are kept for a failure's report.
//
// An event is one line, "TIME KIND TEXT\n" in UTF-8. Add is on every disk I/O and AddVop on every VOP, so neither makes
// a string of the line: each encodes the parts into one reused buffer for the hash, and keeps the parts of the last
// events, making their lines only when Tail is asked for (a deadlock's report) or a Sink is set. A VOP's text is
// encoded from the event itself (VopText gives the same text as a string). The lines reach the hash in batches of up to
// HashBatch bytes (a call into the crypto library per batch, not per line); Hash hashes what is left first, so the
// hash is the one of every line in order.
using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace UnixVfs.Sim;

/// <summary>The events of one run, hashed as they come.</summary>
public sealed class SimTrace
{
    private readonly object _lock = new();
    private readonly VirtualClock _clock;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    // The last events: a VOP's text is its host and event (VopText), any other's its text.
    private readonly Queue<(long Time, string Kind, string? Text, string? Host, VopTraceEvent? Vop)> _tail = new();
    private byte[] _line = new byte[256];
    private const int HashBatch = 16384;
    private readonly byte[] _unhashed = new byte[HashBatch];
    private int _unhashedLength;
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
        long time = _clock.GetTimestamp();
        lock (_lock)
        {
            ToHash(Encode(time, kind, text));
            Kept(time, kind, text, null, null);
        }
    }

    /// <summary>Records a VOP of <paramref name="host"/> as a "vop" event whose text is VopText(host, ev).</summary>
    public void AddVop(string host, VopTraceEvent ev)
    {
        if (Paused)
            return;
        long time = _clock.GetTimestamp();
        lock (_lock)
        {
            ToHash(EncodeVop(time, host, ev));
            Kept(time, VopKind, null, host, ev);
        }
    }

    private const string VopKind = "vop";

    /// <summary>
    /// A VOP event's text: the host, two spaces per level of nesting, LAYER.OP(VNODE[, DETAIL]) = RESULT. EncodeVop
    /// writes the same characters.
    /// </summary>
    public static string VopText(string host, VopTraceEvent ev) =>
        $"{host} {new string(' ', 2 * ev.Depth)}{ev.Layer}.{ev.Op}({ev.Vnode}{(ev.Detail.Length > 0 ? ", " : "")}{ev.Detail}) = {ev.Result}";

    /// <summary>Counts an event just hashed, keeps it for Tail and writes it to the Sink. Caller holds _lock.</summary>
    private void Kept(long time, string kind, string? text, string? host, VopTraceEvent? vop)
    {
        Count++;
        ref long byKind = ref CollectionsMarshal.GetValueRefOrAddDefault(_byKind, kind, out _);
        byKind++;
        _tail.Enqueue((time, kind, text, host, vop));
        while (_tail.Count > TailLength)
            _tail.Dequeue();
        if (Sink is { } sink)
            sink.Write(Line(time, kind, text ?? VopText(host!, vop!)));
    }

    private static string Line(long time, string kind, string text) => $"{time} {kind} {text}\n";

    /// <summary>Adds <paramref name="line"/> to the lines not yet hashed, hashing them first when it would not fit. Caller holds _lock.</summary>
    private void ToHash(ReadOnlySpan<byte> line)
    {
        if (_unhashedLength + line.Length > HashBatch)
            HashUnhashed();
        if (line.Length > HashBatch)
        {
            _hash.AppendData(line);
            return;
        }
        line.CopyTo(_unhashed.AsSpan(_unhashedLength));
        _unhashedLength += line.Length;
    }

    /// <summary>Hashes the lines kept in _unhashed. Caller holds _lock.</summary>
    private void HashUnhashed()
    {
        _hash.AppendData(_unhashed.AsSpan(0, _unhashedLength));
        _unhashedLength = 0;
    }

    /// <summary>The UTF-8 of Line(time, kind, text), in _line (grown as needed). Caller holds _lock.</summary>
    private ReadOnlySpan<byte> Encode(long time, string kind, string text)
    {
        int most = 24 + Encoding.UTF8.GetMaxByteCount(kind.Length + text.Length);
        if (_line.Length < most)
            _line = new byte[Math.Max(most, 2 * _line.Length)];
        var span = _line.AsSpan();
        time.TryFormat(span, out int n, provider: CultureInfo.InvariantCulture);
        span[n++] = (byte)' ';
        n += Put(kind, span[n..]);
        span[n++] = (byte)' ';
        n += Put(text, span[n..]);
        span[n++] = (byte)'\n';
        return span[..n];
    }

    /// <summary>The UTF-8 of Line(time, "vop", VopText(host, ev)), in _line (grown as needed). Caller holds _lock.</summary>
    private ReadOnlySpan<byte> EncodeVop(long time, string host, VopTraceEvent ev)
    {
        string result = ErrnoName(ev.Result);
        int chars = VopKind.Length + host.Length + 2 * ev.Depth + ev.Layer.Length + ev.Op.Length + ev.Vnode.Length
            + ev.Detail.Length + result.Length;
        int most = 40 + Encoding.UTF8.GetMaxByteCount(chars);
        if (_line.Length < most)
            _line = new byte[Math.Max(most, 2 * _line.Length)];
        var span = _line.AsSpan();
        time.TryFormat(span, out int n, provider: CultureInfo.InvariantCulture);
        span[n++] = (byte)' ';
        n += Put(VopKind, span[n..]);
        span[n++] = (byte)' ';
        n += Put(host, span[n..]);
        span[n++] = (byte)' ';
        span.Slice(n, 2 * ev.Depth).Fill((byte)' ');
        n += 2 * ev.Depth;
        n += Put(ev.Layer, span[n..]);
        span[n++] = (byte)'.';
        n += Put(ev.Op, span[n..]);
        span[n++] = (byte)'(';
        n += Put(ev.Vnode, span[n..]);
        if (ev.Detail.Length > 0)
        {
            span[n++] = (byte)',';
            span[n++] = (byte)' ';
            n += Put(ev.Detail, span[n..]);
        }
        span[n++] = (byte)')';
        span[n++] = (byte)' ';
        span[n++] = (byte)'=';
        span[n++] = (byte)' ';
        n += Put(result, span[n..]);
        span[n++] = (byte)'\n';
        return span[..n];
    }

    // Enum.ToString looks the name up afresh at every call; a VOP's line needs it at every VOP.
    private static readonly string[] s_errnoNames = [.. Enumerable.Range(0, 256).Select(i => ((Errno)i).ToString())];

    /// <summary>What <paramref name="e"/>.ToString() returns.</summary>
    private static string ErrnoName(Errno e) => (uint)e < (uint)s_errnoNames.Length ? s_errnoNames[(int)e] : e.ToString();

    /// <summary>Writes <paramref name="s"/> in UTF-8 at the start of <paramref name="to"/> (room for its longest); ASCII without the encoder.</summary>
    private static int Put(string s, Span<byte> to) =>
        Ascii.FromUtf16(s, to, out int written) == OperationStatus.Done ? written : Encoding.UTF8.GetBytes(s, to);

    /// <summary>Events recorded, by kind.</summary>
    public IReadOnlyDictionary<string, long> ByKind
    {
        get { lock (_lock) return new Dictionary<string, long>(_byKind); }
    }

    /// <summary>The SHA-256 of every event so far, in hex.</summary>
    public string Hash()
    {
        lock (_lock)
        {
            HashUnhashed();
            return Convert.ToHexString(_hash.GetCurrentHash());
        }
    }

    /// <summary>The last events, oldest first.</summary>
    public string Tail()
    {
        lock (_lock)
            return string.Concat(_tail.Select(e => Line(e.Time, e.Kind, e.Text ?? VopText(e.Host!, e.Vop!))));
    }
}
