// Vfs.Nfs / transports: one host of a SimNetwork -- its listeners, its connection endpoints, and
// whether it is up. A SimHost is the host's network attachment (IRpcNetwork): servers on the host
// listen through it and clients on the host connect through it, by host name.
//
// Crash() is the host losing power: every listener and connection of the host dies at once (their
// blocked calls return), records in flight to it are lost, and until Restart() nothing reaches it.
// The programs that ran there (an NfsServer) must be started again after Restart, as after a reboot.
using UnixVfs.Core;

namespace UnixVfs.Nfs.Net;

/// <summary>A host on a <see cref="SimNetwork"/>, and its network attachment.</summary>
public sealed class SimHost : IRpcNetwork
{
    private readonly SimNetwork _net;
    private readonly Dictionary<int, SimListener> _listeners = new();
    private readonly List<SimEndpoint> _endpoints = new();
    private int _nextEphemeral = 49152;
    private int _nextListen = 32768;

    internal SimHost(SimNetwork net, string name)
    {
        _net = net;
        Name = name;
    }

    /// <summary>The host's name, which is also its address.</summary>
    public string Name { get; }

    public bool IsLocal(string address) => address == Name;

    /// <summary>The network this host is on.</summary>
    public SimNetwork Network => _net;

    public TimeProvider Clock => _net.Clock;

    /// <summary>False between Crash and Restart.</summary>
    public bool IsUp { get; private set; } = true;

    /// <summary>How many times the host has crashed; connections made before a crash are dead after it.</summary>
    public int Incarnation { get; private set; }

    /// <summary>Kills every listener and connection of this host and keeps it down until <see cref="Restart"/>.</summary>
    public void Crash()
    {
        List<SimListener> ls;
        List<SimEndpoint> es;
        lock (_net.Lock)
        {
            if (!IsUp)
                return;
            IsUp = false;
            Incarnation++;
            ls = _listeners.Values.ToList();
            _listeners.Clear();
            es = _endpoints.ToList();
            _endpoints.Clear();
        }
        foreach (var l in ls)
            l.Close();
        foreach (var e in es)
            e.Die();
    }

    /// <summary>Brings a crashed host back up, with nothing listening.</summary>
    public void Restart()
    {
        lock (_net.Lock)
            IsUp = true;
    }

    public Errno Listen(string address, int port, out IRpcListener? listener)
    {
        listener = null;
        if (address != Name && address is not ("" or "0.0.0.0"))
            return Errno.EINVAL;
        if (port < 0 || port > 65535)
            return Errno.EINVAL;
        lock (_net.Lock)
        {
            if (!IsUp)
                return Errno.ENETDOWN;
            if (port == 0)
            {
                while (_listeners.ContainsKey(_nextListen))
                    _nextListen++;
                port = _nextListen++;
            }
            if (_listeners.ContainsKey(port))
                return Errno.EADDRINUSE;
            var l = new SimListener(this, port);
            _listeners.Add(port, l);
            listener = l;
            return Errno.OK;
        }
    }

    public Errno Connect(string address, int port, TimeSpan timeout, out IRpcConnection? connection)
    {
        connection = null;
        SimListener? l;
        SimEndpoint mine, theirs;
        lock (_net.Lock)
        {
            if (!IsUp)
                return Errno.ENETDOWN;
            var peer = _net.Host(address);
            if (peer is null)
                return Errno.EHOSTUNREACH;
            if (!peer.IsUp || !_net.Reachable(Name, peer.Name) || !_net.Reachable(peer.Name, Name))
                return Errno.EHOSTUNREACH;
            if (!peer._listeners.TryGetValue(port, out l))
                return Errno.ECONNREFUSED;
            int myPort = _nextEphemeral++;
            if (_nextEphemeral > 65535)
                _nextEphemeral = 49152;
            mine = new SimEndpoint(_net, this, Incarnation, peer.Name, port, accepted: false);
            theirs = new SimEndpoint(_net, peer, peer.Incarnation, Name, myPort, accepted: true);
            mine.Peer = theirs;
            theirs.Peer = mine;
            _endpoints.Add(mine);
            peer._endpoints.Add(theirs);
        }
        l.Enqueue(theirs);
        connection = mine;
        return Errno.OK;
    }

    internal void Forget(SimEndpoint e)
    {
        lock (_net.Lock)
            _endpoints.Remove(e);
    }

    internal void Forget(SimListener l)
    {
        lock (_net.Lock)
            if (_listeners.TryGetValue(l.Port, out var cur) && ReferenceEquals(cur, l))
                _listeners.Remove(l.Port);
    }

    public override string ToString() => Name;
}

/// <summary>A listener on a simulated host.</summary>
internal sealed class SimListener(SimHost host, int port) : IRpcListener
{
    private readonly Queue<SimEndpoint> _pending = new();
    private bool _closed;

    public int Port => port;

    internal void Enqueue(SimEndpoint e)
    {
        lock (_pending)
        {
            if (_closed)
            {
                e.Abort();
                return;
            }
            _pending.Enqueue(e);
            Monitor.PulseAll(_pending);
        }
    }

    public Errno Accept(out IRpcConnection? connection)
    {
        connection = null;
        lock (_pending)
        {
            while (true)
            {
                if (_closed)
                    return Errno.ECONNABORTED;
                if (_pending.TryDequeue(out var e))
                {
                    connection = e;
                    return Errno.OK;
                }
                Monitor.Wait(_pending);
            }
        }
    }

    public void Close()
    {
        List<SimEndpoint> left;
        lock (_pending)
        {
            _closed = true;
            left = _pending.ToList();
            _pending.Clear();
            Monitor.PulseAll(_pending);
        }
        foreach (var e in left)
            e.Abort();
        host.Forget(this);
    }
}

/// <summary>One end of a simulated connection.</summary>
internal sealed class SimEndpoint : IRpcConnection, VirtualClock.IBusyWork
{
    private readonly SimNetwork _net;
    private readonly SimHost _host;
    private readonly int _incarnation;
    private readonly Queue<Arrival> _inbox = new();
    private readonly VirtualClock? _vc;
    private long _lastDue;
    private bool _holding;     // a client side handed out a record and has not asked for the next (VirtualClock busy)
    private int _inService;    // a server side handed out requests not yet answered (VirtualClock busy)
    private int _lent;         // ... of which lent by threads that serve them and wait for time (not busy meanwhile)
    private bool _closed;      // closed by this side
    private bool _dead;        // this side's host crashed
    private bool _peerClosed;  // the peer closed gracefully: drain, then end of stream
    private bool _reset;       // the peer aborted: ECONNRESET at once

    public SimEndpoint(SimNetwork net, SimHost host, int incarnation, string remote, int remotePort, bool accepted)
    {
        _net = net;
        _vc = net.Clock as VirtualClock;
        Accepted = accepted;
        _host = host;
        _incarnation = incarnation;
        RemoteAddress = remote;
        RemotePort = remotePort;
    }

    public SimEndpoint Peer = null!;

    /// <summary>The listening side of the connection: its records are requests, answered by its sends.</summary>
    public bool Accepted { get; }

    /// <summary>
    /// A record in the inbox. On a VirtualClock a record counts as busy work from its due time (Counted) until it is
    /// handled: for a client side until its reader asks for the next record, for a server side until a reply is sent.
    /// </summary>
    private sealed class Arrival(long due, RpcRecord record)
    {
        public readonly long Due = due;
        public readonly RpcRecord Record = record;
        public bool Counted;
        public bool Gone;
        public ITimer? Timer;
    }

    public string RemoteAddress { get; }
    public int RemotePort { get; }

    private object Gate => _inbox;

    public bool HasPending
    {
        get { lock (Gate) return _inbox.Count > 0; }
    }

    public Errno Send(ReadOnlyMemory<byte> record)
    {
        if (record.Length > _net.MaxRecord)
            return Errno.ENOBUFS;
        lock (Gate)
        {
            if (_closed)
                return Errno.ENOTCONN;
            if (_dead || _reset)
                return Errno.ECONNRESET;
        }
        var peer = Peer;
        var peerHost = peer._host;
        SimFate fate;
        TimeSpan latency;
        lock (_net.Lock)
        {
            bool peerAlive = peerHost.IsUp && peerHost.Incarnation == peer._incarnation;
            // A peer that crashed and came back answers with a reset; one still down answers nothing.
            if (peerHost.IsUp && !peerAlive)
                return Errno.ECONNRESET;
            fate = _net.Decide(_host.Name, peerHost.Name, record.Length, peerAlive, out latency);
        }
        var err = fate == SimFate.Delivered ? peer.Deliver(RpcRecord.CopyOf(record.Span), latency) : Errno.OK;
        if (_vc is not null && Accepted)
            lock (Gate)
                if (_inService > 0)
                {
                    // A reply: the request it answers is handled (after the reply is in the peer's inbox, so the
                    // clock never sees a moment with neither).
                    _inService--;
                    _vc.Busy(-1);
                }
        return err;
    }

    private Errno Deliver(RpcRecord rec, TimeSpan latency)
    {
        lock (Gate)
        {
            if (_closed || _dead)
            {
                // Closed: the sender gets a reset. Dead (crashed host): the record is simply lost.
                rec.Release();
                return _closed ? Errno.ECONNRESET : Errno.OK;
            }
            long due = Math.Max(ClockWait.After(_net.Clock, latency), _lastDue);
            _lastDue = due;
            var a = new Arrival(due, rec);
            _inbox.Enqueue(a);
            if (_vc is not null)
            {
                long now = _vc.GetTimestamp();
                // On a Driven clock even a record due now arrives by its timer, so that it reaches its receiver only
                // when every thread of the world waits (VirtualClock.cs, one thread at a time).
                if (due <= now && !_vc.Driven)
                {
                    a.Counted = true;
                    _vc.Busy(+1);
                }
                else
                    a.Timer = _vc.CreateTimer(static s => { var (e, x) = ((SimEndpoint, Arrival))s!; e.Due(x); }, (this, a), TimeSpan.FromTicks(Math.Max(0, due - now)), Timeout.InfiniteTimeSpan);
            }
            Monitor.PulseAll(Gate);
            return Errno.OK;
        }
    }

    public VirtualClock.IBusyWork? Work => _vc is not null && Accepted ? this : null;

    VirtualClock VirtualClock.IBusyWork.Clock => _vc!;

    /// <summary>A request handed out gets no reply: it is no work any more.</summary>
    public void Unanswered()
    {
        if (_vc is null || !Accepted)
            return;
        lock (Gate)
            if (_inService > 0)
            {
                _inService--;
                _vc.Busy(-1);
            }
    }

    public bool Lend()
    {
        lock (Gate)
        {
            if (_inService == 0)
                return false;
            _inService--;
            _lent++;
            _vc!.Busy(-1);
            return true;
        }
    }

    public void Reclaim()
    {
        lock (Gate)
        {
            if (_lent == 0)
                return; // the connection ended meanwhile (DrainLocked)
            _lent--;
            _inService++;
            _vc!.Busy(+1);
        }
    }

    public Errno Receive(out RpcRecord record)
    {
        record = default;
        lock (Gate)
        {
            if (_holding)
            {
                _holding = false;
                _vc!.Busy(-1);
            }
            while (true)
            {
                if (_closed)
                    return Errno.ECONNABORTED;
                if (_dead || _reset)
                    return Errno.ECONNRESET;
                if (_inbox.TryPeek(out var head))
                {
                    // On a Driven clock a record is handed out once its delivery timer fired (Due), whatever the time.
                    var wait = _vc is { Driven: true }
                        ? (head.Counted ? TimeSpan.Zero : Timeout.InfiniteTimeSpan)
                        : ClockWait.Until(_net.Clock, head.Due);
                    if (wait == TimeSpan.Zero)
                    {
                        record = _inbox.Dequeue().Record;
                        if (_vc is not null)
                            HandOut(head);
                        return Errno.OK;
                    }
                    ClockWait.Wait(Gate, _net.Clock, wait);
                    continue;
                }
                if (_peerClosed)
                    return Errno.ECONNRESET;
                Monitor.Wait(Gate);
            }
        }
    }

    public void Close() => End(graceful: true);

    public void Abort() => End(graceful: false);

    private void End(bool graceful)
    {
        lock (Gate)
        {
            if (_closed)
                return;
            _closed = true;
            DrainLocked();
            Monitor.PulseAll(Gate);
        }
        Peer.PeerEnded(graceful);
        _host.Forget(this);
    }

    private void PeerEnded(bool graceful)
    {
        lock (Gate)
        {
            if (graceful)
                _peerClosed = true;
            else
                _reset = true;
            Monitor.PulseAll(Gate);
        }
    }

    /// <summary>This side's host crashed: everything pending is lost and blocked calls return.</summary>
    internal void Die()
    {
        lock (Gate)
        {
            _dead = true;
            DrainLocked();
            Monitor.PulseAll(Gate);
        }
    }

    private void DrainLocked()
    {
        while (_inbox.TryDequeue(out var x))
        {
            x.Record.Release();
            Forget(x);
        }
        if (_vc is null)
            return;
        if (_holding)
            _vc.Busy(-1);
        if (_inService > 0)
            _vc.Busy(-_inService);
        _holding = false;
        _inService = 0;
        _lent = 0;
    }

    /// <summary>A VirtualClock timer: the record is due, so it is busy work until handled.</summary>
    private void Due(Arrival a)
    {
        lock (Gate)
        {
            if (a.Gone)
                return;
            a.Counted = true;
            _vc!.Busy(+1);
            Monitor.PulseAll(Gate);
        }
    }

    /// <summary>A record leaves the inbox for the reader: it stays busy work until handled (see Arrival). Caller holds Gate.</summary>
    private void HandOut(Arrival a)
    {
        a.Gone = true;
        a.Timer?.Dispose();
        if (!a.Counted)
            _vc!.Busy(+1);
        if (Accepted)
            _inService++;
        else
            _holding = true;
    }

    /// <summary>A record dropped from the inbox is no work any more. Caller holds Gate.</summary>
    private void Forget(Arrival a)
    {
        a.Gone = true;
        a.Timer?.Dispose();
        if (a.Counted)
            _vc!.Busy(-1);
    }
}
