// Vfs.Nfs / ONC RPC: the client side -- one program at one server, over one connection at a time.
//
// A call is sent with a fresh xid and the caller waits for the reply with that xid; a thread per
// connection reads replies and hands each to the call waiting for it (late or duplicate replies
// are dropped). Calls may overlap: Begin sends without waiting, so a reader can have several READs
// in flight and collect them in order with End. A Serial client (a simulated host's) does not: its Begin waits for
// the reply, so a thread never has a call in flight while it runs (VirtualClock.cs, one thread at a time).
//
// Timeouts and retransmission (the timeo/retrans/hard/soft of NFS mounts). A call that hears
// nothing within Timeout is sent again, with the same xid (so the server's duplicate request cache
// recognises it), and the timeout doubles, up to MaxTimeout. A soft client gives up after Retrans
// retransmissions and returns ETIMEDOUT; a hard one retries until it hears a reply or the client is
// closed. If the connection breaks (the server crashed and came back, a reset), the next send opens
// a new one, asking the portmapper again for the port when the port was looked up there: that is
// the reconnect after a server restart. Failing to connect counts as a try that heard nothing.
//
// Errnos: OK; ETIMEDOUT (soft, retries exhausted); EACCES (AUTH_ERROR); EPROTO (RPC_MISMATCH,
// PROG_UNAVAIL, PROG_MISMATCH, GARBAGE_ARGS, or a reply that does not decode); EOPNOTSUPP
// (PROC_UNAVAIL); EIO (SYSTEM_ERR, or the client was closed); ECANCELED (the call was abandoned).
using System.Collections.Concurrent;
using UnixVfs.Core;
using UnixVfs.Nfs.Net;
using UnixVfs.Nfs.Xdr;

namespace UnixVfs.Nfs.Rpc;

/// <summary>How a client waits and retries.</summary>
public sealed record RpcClientOptions
{
    /// <summary>The first wait for a reply (NFS timeo, in tenths of a second, times 100 ms).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Retransmissions before a soft client gives up.</summary>
    public int Retrans { get; init; } = 3;

    /// <summary>Retry for ever (a hard mount) instead of giving up after Retrans.</summary>
    public bool Hard { get; init; }

    /// <summary>The longest the timeout grows to.</summary>
    public TimeSpan MaxTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Over UDP (proto=udp) instead of a stream: each call and each reply one datagram.</summary>
    public bool Datagram { get; init; }

    /// <summary>
    /// One call at a time: Begin waits for the reply (retransmitting as End would) and End hands it over, so the
    /// caller never has a call in flight while it runs. A simulated host's NFS client (Kernel.Simulated) is serial,
    /// so that its write-behind and read-ahead do not put two calls into the world at once (VirtualClock, Driven).
    /// </summary>
    public bool Serial { get; init; }
}

/// <summary>A reply's results: a slice of the received record, released by the caller.</summary>
public readonly struct RpcResult
{
    private readonly RpcRecord _record;
    private readonly int _offset;

    internal RpcResult(RpcRecord record, int offset)
    {
        _record = record;
        _offset = offset;
    }

    /// <summary>The results' bytes (valid until Release).</summary>
    public ReadOnlySpan<byte> Span => _record.Span[_offset..];

    /// <summary>The results' bytes as memory (valid until Release).</summary>
    public ReadOnlyMemory<byte> Memory => _record.Memory[_offset..];

    /// <summary>A reader over the results.</summary>
    public XdrReader Reader() => new(Span);

    /// <summary>Returns the buffer; the result must not be used afterwards.</summary>
    public void Release() => _record.Release();
}

/// <summary>A call sent and not yet collected (see <see cref="RpcClient.Begin"/>).</summary>
public sealed class RpcPending
{
    internal RpcPending(uint xid, XdrWriter request, TimeSpan timeout)
    {
        Xid = xid;
        Request = request;
        Timeout = timeout;
    }

    internal uint Xid { get; }
    internal XdrWriter Request { get; }
    internal TimeSpan Timeout;
    internal long Deadline;
    internal int Tries;
    internal bool Done;
    internal bool Resend;
    internal RpcRecord Reply;
    /// <summary>The reply was taken by End, or thrown away by Abandon.</summary>
    internal bool Collected;
    /// <summary>The request's writer went back to the client's pool.</summary>
    internal bool Finished;
    /// <summary>A serial client's call, awaited by Begin: its outcome waits here for End.</summary>
    internal bool Awaited;
    internal Errno Outcome;
    internal RpcResult Result;
}

/// <summary>A client of one RPC program at one server.</summary>
public sealed class RpcClient
{
    private readonly IRpcNetwork _net;
    private readonly Func<(Errno, int)> _port;
    private readonly ConcurrentDictionary<uint, RpcPending> _pending = new();
    private readonly ConcurrentBag<XdrWriter> _writers = new();
    private readonly object _connLock = new();   // held across a connect and its portmapper call (which wait for time): VirtualClock.EnterMonitor
    private IRpcConnection? _conn;
    private int _xid;
    private volatile bool _closed;
    private long _retransmits, _reconnects;

    /// <param name="network">The network to reach the server through.</param>
    /// <param name="host">The server's address.</param>
    /// <param name="port">How to find the port, asked again at every (re)connect: a constant, or a portmapper query.</param>
    /// <param name="prog">The program number.</param>
    /// <param name="vers">The version.</param>
    /// <param name="options">Timeouts and retries.</param>
    public RpcClient(IRpcNetwork network, string host, Func<(Errno, int)> port, uint prog, uint vers, RpcClientOptions options)
    {
        _net = network;
        _port = port;
        Host = host;
        Prog = prog;
        Vers = vers;
        Options = options;
        _xid = FirstXid(network.Clock);
    }

    /// <summary>
    /// Where this client's xids start: from the network's clock (as a client's boot time seeds its xids), so a
    /// client made again after a restart does not reuse the xids the server's duplicate request cache remembers,
    /// and a simulated run, whose clock is virtual, makes the same xids every time.
    /// </summary>
    private static int FirstXid(TimeProvider clock) =>
        (int)((ulong)clock.GetUtcNow().Ticks * 0x9E3779B97F4A7C15UL >> 32) ^ (int)clock.GetTimestamp();

    /// <summary>A client of a program at a known port.</summary>
    public RpcClient(IRpcNetwork network, string host, int port, uint prog, uint vers, RpcClientOptions options)
        : this(network, host, () => (Errno.OK, port), prog, vers, options) { }

    public string Host { get; }
    public uint Prog { get; }
    public uint Vers { get; }
    /// <summary>How calls wait, retransmit and give up. A mount sets its own once it is made (NfsVfsops: soft until then).</summary>
    public RpcClientOptions Options { get; internal set; }

    /// <summary>Calls sent again after a timeout or a broken connection.</summary>
    public long Retransmits => Interlocked.Read(ref _retransmits);

    /// <summary>Connections opened after the first.</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);

    /// <summary>A writer holding a call header for <paramref name="proc"/>; append the arguments, then pass it to Begin or Call.</summary>
    public XdrWriter NewCall(uint proc, OpaqueAuth cred)
    {
        if (!_writers.TryTake(out var w))
            w = new XdrWriter(1024);
        w.Reset();
        uint xid = (uint)Interlocked.Increment(ref _xid);
        RpcCallHeader.Encode(w, xid, Prog, Vers, proc, cred);
        return w;
    }

    /// <summary>Sends the call in <paramref name="request"/> (from NewCall) and returns at once; collect the reply with End.</summary>
    public RpcPending Begin(XdrWriter request)
    {
        uint xid = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(request.WrittenSpan);
        var p = new RpcPending(xid, request, Options.Timeout);
        _pending[xid] = p;
        p.Deadline = ClockWait.After(_net.Clock, p.Timeout);
        Transmit(p);
        if (Options.Serial)
        {
            p.Outcome = Await(p, out p.Result);
            p.Awaited = true;
        }
        return p;
    }

    /// <summary>
    /// Waits for the reply to <paramref name="p"/>, retransmitting as the options say. On OK,
    /// <paramref name="result"/> holds the results, to be released by the caller. Returns the errnos of the file comment.
    /// </summary>
    public Errno End(RpcPending p, out RpcResult result)
    {
        try
        {
            if (!p.Awaited)
                return Await(p, out result);
            result = p.Result;
            p.Awaited = false; // the result is the caller's now
            return p.Outcome;
        }
        finally
        {
            Finish(p);
        }
    }

    /// <summary>Waits for the reply to <paramref name="p"/>, retransmitting as the options say (End's work).</summary>
    private Errno Await(RpcPending p, out RpcResult result)
    {
        result = default;
        while (true)
        {
            bool resend;
            lock (p)
            {
                while (!p.Done && !p.Resend && !_closed)
                {
                    var left = ClockWait.Until(_net.Clock, p.Deadline);
                    if (left == TimeSpan.Zero)
                        break;
                    ClockWait.Wait(p, _net.Clock, left, static s => s.P.Done || s.P.Resend || s.C._closed, (P: p, C: this));
                }
                if (p.Collected)
                    return Errno.ECANCELED;
                if (p.Done)
                {
                    p.Collected = true;
                    return Decode(p, out result);
                }
                resend = p.Resend;
                p.Resend = false;
            }
            if (_closed)
                return Errno.EIO;
            if (!resend)
            {
                // The timeout passed with no reply.
                p.Tries++;
                if (!Options.Hard && p.Tries > Options.Retrans)
                    return Errno.ETIMEDOUT;
                var next = p.Timeout * 2;
                p.Timeout = next > Options.MaxTimeout ? Options.MaxTimeout : next;
                p.Deadline = ClockWait.After(_net.Clock, p.Timeout);
            }
            Interlocked.Increment(ref _retransmits);
            Transmit(p);
        }
    }

    /// <summary>Forgets a call sent with Begin whose reply is no longer wanted (instead of End).</summary>
    public void Abandon(RpcPending p) => Finish(p);

    /// <summary>Ends a call's life: no reply is matched to it any more, an uncollected reply is released, the writer goes back.</summary>
    private void Finish(RpcPending p)
    {
        _pending.TryRemove(p.Xid, out _);
        if (p.Awaited && p.Outcome == Errno.OK)
            p.Result.Release(); // a serial call abandoned: its reply is nobody's
        p.Awaited = false;
        lock (p)
        {
            // A reply that raced in after we gave up is nobody's: return its buffer.
            if (p.Done && !p.Collected)
                p.Reply.Release();
            p.Done = p.Collected = true;
            Monitor.PulseAll(p);
            if (p.Finished)
                return;
            p.Finished = true;
        }
        _writers.Add(p.Request);
    }

    /// <summary>Begin and End in one: sends the call and waits for its reply.</summary>
    public Errno Call(XdrWriter request, out RpcResult result) => End(Begin(request), out result);

    /// <summary>Closes the connection; calls waiting now and later return EIO.</summary>
    public void Close()
    {
        _closed = true;
        IRpcConnection? c;
        using (VirtualClock.EnterMonitor(_connLock))
        {
            c = _conn;
            _conn = null;
        }
        c?.Close();
        foreach (var p in _pending.Values)
            lock (p)
                Monitor.PulseAll(p);
    }

    /// <summary>Drops the current connection (as if it broke); the next call reconnects.</summary>
    public void Disconnect()
    {
        IRpcConnection? c;
        using (VirtualClock.EnterMonitor(_connLock))
        {
            c = _conn;
            _conn = null;
        }
        c?.Close();
    }

    private static Errno Decode(RpcPending p, out RpcResult result)
    {
        result = default;
        var rec = p.Reply;
        if (!RpcReplyHeader.TryDecode(rec.Span, out var h))
        {
            rec.Release();
            return Errno.EPROTO;
        }
        if (h.Success)
        {
            result = new RpcResult(rec, h.ResultsOffset);
            return Errno.OK;
        }
        rec.Release();
        if (h.Stat == ReplyStat.MSG_DENIED)
            return h.Reject == RejectStat.AUTH_ERROR ? Errno.EACCES : Errno.EPROTO;
        return h.Accept switch
        {
            AcceptStat.PROC_UNAVAIL => Errno.EOPNOTSUPP,
            AcceptStat.SYSTEM_ERR => Errno.EIO,
            _ => Errno.EPROTO,
        };
    }

    /// <summary>Sends (or re-sends) a call, connecting first if need be; a failure is left to the timeout.</summary>
    private void Transmit(RpcPending p)
    {
        var c = Connection();
        if (c is null)
            return;
        var err = c.Send(p.Request.Written);
        if (err != Errno.OK)
            Broken(c);
    }

    private IRpcConnection? Connection()
    {
        using (VirtualClock.EnterMonitor(_connLock))
        {
            if (_closed)
                return null;
            if (_conn is not null)
                return _conn;
            var (perr, port) = _port();
            if (perr != Errno.OK)
                return null;
            IRpcConnection? c;
            var cerr = Options.Datagram ? _net.ConnectDatagram(Host, port, out c) : _net.Connect(Host, port, Options.Timeout, out c);
            if (cerr != Errno.OK)
                return null;
            if (_everConnected)
                Interlocked.Increment(ref _reconnects);
            _everConnected = true;
            _conn = c;
            new Thread(() => ReadLoop(c!)) { IsBackground = true, Name = $"rpc client {Host}:{port} prog {Prog}" }.Start();
            return c;
        }
    }

    private bool _everConnected;

    /// <summary>A connection failed: forget it, and have every waiting call send again (on a new one).</summary>
    private void Broken(IRpcConnection c)
    {
        using (VirtualClock.EnterMonitor(_connLock))
        {
            if (!ReferenceEquals(_conn, c))
                return;
            _conn = null;
        }
        c.Close();
        foreach (var p in _pending.Values)
            lock (p)
            {
                if (p.Done)
                    continue;
                p.Resend = true;
                Monitor.PulseAll(p);
            }
    }

    private void ReadLoop(IRpcConnection c)
    {
        while (c.Receive(out var rec) == Errno.OK)
        {
            if (!RpcReplyHeader.TryPeekXid(rec.Span, out uint xid) || !_pending.TryGetValue(xid, out var p))
            {
                rec.Release();
                continue;
            }
            lock (p)
            {
                if (p.Done)
                {
                    rec.Release();
                    continue;
                }
                p.Reply = rec;
                p.Done = true;
                Monitor.PulseAll(p);
            }
        }
        Broken(c);
    }
}
