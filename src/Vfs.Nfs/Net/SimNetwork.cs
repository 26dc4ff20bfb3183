// Vfs.Nfs / transports: a deterministic simulated network of named hosts in one process.
//
// Hosts (SimHost, one per simulated machine, usually one per Kernel) listen and connect by name;
// a connection carries whole records like a TCP connection, but across a network whose faults
// come from a seed:
//
//   latency     each record is delayed by a time drawn between the link's minimum and maximum;
//               records on one connection still arrive in the order sent.
//   loss        each record is dropped with the link's probability. The RPC client retransmits,
//               so loss on this network behaves like NFS over UDP (and the server's duplicate
//               request cache matters, as it does there).
//   partitions  Partition(a, b) drops everything between two groups of hosts until Heal();
//               connecting across a partition is EHOSTUNREACH.
//   crashes     SimHost.Crash() kills the host's listeners and connections at once and loses what
//               was in flight to it; its peers learn nothing until they send after the host
//               Restart()s, when they get ECONNRESET (the reset of a rebooted TCP stack), exactly
//               what makes an RPC client reconnect.
//
// DETERMINISM. The fate of a record (dropped or delivered, and its latency) depends only on the
// seed, the directed link (from-host, to-host) and how many records were sent on that link
// before it: each link draws from its own Random, seeded from (seed, from, to) with a stable hash.
// A workload that sends the same records over each link in the same order -- any single-threaded
// workload, and any workload whose threads use different links -- sees the same faults on every
// run, whatever the thread scheduling in the rest of the process. Retransmissions are part of the
// workload: with latencies below the RPC timeout they happen only after a drop, so they replay too.
// Time comes from the injected TimeProvider: with the system clock latencies are real waits, with a
// manual clock they elapse when the clock is advanced (ClockWait.cs). With a VirtualClock whose
// AutoAdvance is on, the endpoints count the records due and the requests in service as its busy
// work, so virtual time moves only when every caller waits and nothing is on its way: an RPC timeout
// then fires only for a record that was lost, however slowly the machine runs the threads. The RecordSent event reports
// every fate, so a test can compare two runs record by record.
//
// Nothing here needs the whole system to be single-threaded: hosts, servers and clients run on
// ordinary threads; only the order of records on each link has to be reproducible. On a Driven
// VirtualClock (a simulated world) a record reaches its receiver only when its delivery timer
// fires, at a moment when every other thread of the world waits, so the world's threads take turns
// (VirtualClock.cs) and the order of everything they do replays, not only each link's records.
using System.Text;
using UnixVfs.Core;

namespace UnixVfs.Nfs.Net;

/// <summary>The character of a link: latency bounds and loss probability.</summary>
public sealed record SimLinkProfile(TimeSpan MinLatency, TimeSpan MaxLatency, double Loss)
{
    /// <summary>No delay, no loss.</summary>
    public static readonly SimLinkProfile Perfect = new(TimeSpan.Zero, TimeSpan.Zero, 0);
}

/// <summary>What happened to one record (reported by <see cref="SimNetwork.RecordSent"/>).</summary>
public enum SimFate { Delivered, Lost, Partitioned, HostDown }

/// <summary>One record sent on the simulated network: its link, its number on that link, its fate and delay.</summary>
public readonly record struct SimRecordEvent(string From, string To, long Seq, int Length, SimFate Fate, TimeSpan Latency);

/// <summary>A simulated network of named hosts.</summary>
public sealed class SimNetwork
{
    private readonly object _lock = new();
    private readonly Dictionary<string, SimHost> _hosts = new();
    private readonly Dictionary<(string, string), LinkState> _links = new();
    private readonly Dictionary<(string, string), SimLinkProfile> _profiles = new();
    private readonly HashSet<(string, string)> _blocked = new();

    private sealed class LinkState(Random rng)
    {
        public readonly Random Rng = rng;
        public long Seq;
    }

    /// <param name="seed">The seed every fault is drawn from.</param>
    /// <param name="clock">The clock latencies and RPC timeouts run on (the system clock if null).</param>
    /// <param name="profile">The default link profile (perfect if null).</param>
    /// <param name="maxRecord">The largest record a connection carries.</param>
    public SimNetwork(int seed, TimeProvider? clock = null, SimLinkProfile? profile = null, int maxRecord = RecordMarking.DefaultMaxRecord)
    {
        Seed = seed;
        Clock = clock ?? TimeProvider.System;
        Profile = profile ?? SimLinkProfile.Perfect;
        MaxRecord = maxRecord;
    }

    public int Seed { get; }

    public TimeProvider Clock { get; }

    /// <summary>The largest record carried.</summary>
    public int MaxRecord { get; }

    /// <summary>The profile of every link without one of its own.</summary>
    public SimLinkProfile Profile { get; set; }

    /// <summary>Every record's fate, as it is decided. Handlers run under the network's lock and must not call back into it.</summary>
    public event Action<SimRecordEvent>? RecordSent;

    /// <summary>Adds a host (up). Throws ArgumentException if the name is taken or empty.</summary>
    public SimHost AddHost(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains(':') || name.Contains('/'))
            throw new ArgumentException($"bad host name '{name}'", nameof(name));
        lock (_lock)
        {
            if (_hosts.ContainsKey(name))
                throw new ArgumentException($"host '{name}' exists", nameof(name));
            var h = new SimHost(this, name);
            _hosts.Add(name, h);
            return h;
        }
    }

    /// <summary>The host named <paramref name="name"/>, or null.</summary>
    public SimHost? Host(string name)
    {
        lock (_lock)
            return _hosts.GetValueOrDefault(name);
    }

    /// <summary>Every host.</summary>
    public IReadOnlyList<SimHost> Hosts
    {
        get { lock (_lock) return _hosts.Values.ToArray(); }
    }

    /// <summary>Gives the link between <paramref name="a"/> and <paramref name="b"/> (both directions) its own profile.</summary>
    public void SetLink(string a, string b, SimLinkProfile profile)
    {
        lock (_lock)
        {
            _profiles[(a, b)] = profile;
            _profiles[(b, a)] = profile;
        }
    }

    /// <summary>Cuts every host in <paramref name="a"/> off from every host in <paramref name="b"/>, both ways, until Heal.</summary>
    public void Partition(IEnumerable<string> a, IEnumerable<string> b)
    {
        lock (_lock)
            foreach (var x in a)
                foreach (var y in b)
                {
                    _blocked.Add((x, y));
                    _blocked.Add((y, x));
                }
    }

    /// <summary>Ends every partition.</summary>
    public void Heal()
    {
        lock (_lock)
            _blocked.Clear();
    }

    internal object Lock => _lock;

    internal bool Reachable(string from, string to) => !_blocked.Contains((from, to));

    /// <summary>Decides the fate of the next record on link from -> to. Caller holds the lock.</summary>
    internal SimFate Decide(string from, string to, int length, bool toUp, out TimeSpan latency)
    {
        if (!_links.TryGetValue((from, to), out var link))
            _links[(from, to)] = link = new LinkState(new Random(StableHash(Seed, from, to)));
        var p = _profiles.GetValueOrDefault((from, to)) ?? Profile;
        // Two draws per record whatever its fate, so a record's fate never shifts the ones after it.
        double lossDraw = link.Rng.NextDouble(), latDraw = link.Rng.NextDouble();
        long seq = link.Seq++;
        latency = p.MinLatency + (p.MaxLatency - p.MinLatency) * latDraw;
        SimFate fate = !toUp ? SimFate.HostDown
            : !Reachable(from, to) ? SimFate.Partitioned
            : lossDraw < p.Loss ? SimFate.Lost
            : SimFate.Delivered;
        RecordSent?.Invoke(new SimRecordEvent(from, to, seq, length, fate, latency));
        return fate;
    }

    private static int StableHash(int seed, string from, string to)
    {
        // FNV-1a over the seed and both names: the same on every run and every machine.
        uint h = 2166136261;
        void Mix(ReadOnlySpan<byte> b)
        {
            foreach (var x in b)
                h = (h ^ x) * 16777619;
        }
        Span<byte> s = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(s, seed);
        Mix(s);
        Mix(Encoding.UTF8.GetBytes(from));
        Mix([0]);
        Mix(Encoding.UTF8.GetBytes(to));
        return (int)h;
    }
}
