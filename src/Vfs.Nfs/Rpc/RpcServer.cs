// Vfs.Nfs / ONC RPC: the server side -- listeners, connections, and the dispatcher that turns a
// received record into a reply.
//
// Threads. Each listener has a thread accepting connections; each connection has a thread reading
// records. A record that is a call is queued for the server's own service threads (Threads of them, the
// nfsd threads of a Unix server), where the procedure runs and the reply is posted to the connection
// (IRpcConnection.Post: sent at once if the socket takes it, else queued), so one client's slow request
// does not hold up its next ones, a client that does not read its replies holds up no service thread,
// and many clients are served at once. They are not the .NET thread pool: a procedure may block for as long as a disk or another
// server takes (an NFS server exporting an NFS import, or a mirror with an NFS copy, waits on another
// server), and a pool whose threads all block waits for new threads to be made, which takes seconds.
// A call that is its connection's only one, with nothing behind it, is served by the reading thread
// itself: a client that waits for each reply (libnfs's nfs-cp) saves a hand-off per call. Such a call's procedure may
// ask for work once its reply is out (RpcCall.AfterReply: NFS READ reads the next range ahead), which the reading
// thread does while the client reads the reply, before it reads the next call. At most
// MaxInFlight calls per connection run at a time; beyond that the reader stops reading, which pushes
// back on the client through TCP. It also stops while more than MaxUnsent bytes of the connection's
// replies wait for the client to read them.
//
// Limits, so that no client can take what the others need (docs/nfs.md, "Security"):
//   MaxConnections (1,024)   past it a new connection is accepted and closed at once: one reader thread
//                            per connection, never more threads than connections allowed
//   IdleTimeout (6 min)      a connection with no call running that has sent no whole record for this
//                            long is closed (a slowloris dribbling a byte at a time completes no record);
//                            measured on the network's clock, checked by a timer on that clock
//   MaxInFlight, MaxUnsent   per connection, as above; the transport's BufferBudget bounds the total
//   retransmissions          of a call still running are dropped, idempotent or not: a call runs once at a time
//   out of descriptors       an Accept that fails with EMFILE waits a moment and tries again; a reader
//                            thread that cannot be made closes its connection; the server goes on
// A client that shuts down its sending side (half-close) still gets the replies to every call it sent:
// the reader waits for its calls and for their replies to go out before it closes the connection.
//
// Bad input. Every answer the RFC allows is given, and nothing a client sends can stop the server
// serving the others:
//   a record over the maximum, or cut short      the connection is closed (the transport's doing)
//   not a call, or a header that does not decode  the record is dropped (there is nothing to answer)
//   rpcvers other than 2                          MSG_DENIED RPC_MISMATCH (2, 2)
//   a credential that does not decode, or an
//   unknown flavor                                MSG_DENIED AUTH_ERROR AUTH_BADCRED
//   AUTH_NONE where AUTH_SYS is required          MSG_DENIED AUTH_ERROR AUTH_TOOWEAK
//   unknown program / version / procedure         PROG_UNAVAIL / PROG_MISMATCH (low, high) / PROC_UNAVAIL
//   arguments that do not decode                  GARBAGE_ARGS
//   a procedure that throws (a bug, or a panic    SYSTEM_ERR, logged (Log: the host's message buffer),
//   such as the lock-order checker's)             counted (Faults), and the server goes on serving
using UnixVfs.Core;
using UnixVfs.Nfs.Net;
using UnixVfs.Nfs.Xdr;

namespace UnixVfs.Nfs.Rpc;

/// <summary>An RPC server: programs, and the listeners and connections that reach them.</summary>
public sealed class RpcServer
{
    private static readonly TimeSpan AcceptBackoff = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan Recheck = TimeSpan.FromSeconds(1);

    private readonly Dictionary<uint, RpcProgram> _programs = new();
    private readonly List<IRpcListener> _listeners = new();
    private readonly List<UdpEndpoint> _datagrams = new();
    private readonly Dictionary<IRpcConnection, Conn> _connections = new();
    private readonly object _lock = new();
    private readonly DuplicateRequestCache _drc = new();
    private readonly HashSet<(string Client, int Port, uint Xid)> _running = new(); // idempotent calls in service
    // A thread's reply buffer. It starts with room for a 64 KiB READ's reply and its header (and stays below the large
    // object heap's 85,000 bytes); a 1 MiB READ grows it once, to that reply's length.
    private const int ReplyBuffer = 68 * 1024;
    [ThreadStatic] private static XdrWriter? t_writer;
    // The last AUTH_SYS credential this thread decoded, and its body's bytes: a client sends the same credential
    // call after call, and a connection's lone calls run on its own reader thread, so the body is decoded (a record,
    // a string, an array) once per client rather than once per call. An AuthSys is never changed once made.
    [ThreadStatic] private static byte[]? t_credBody;
    [ThreadStatic] private static int t_credLength;
    [ThreadStatic] private static AuthSys? t_cred;
    private long _calls, _dropped, _drcHits, _refused, _idleClosed, _datagramCalls, _faults;
    private int _inService;                     // calls from decode to the end of their reply and its work, on any thread
    private bool _draining;                     // WaitForCalls is waiting: the last call to return pulses _serving
    private readonly object _serving = new();
    private TimeProvider _clock = TimeProvider.System;
    private ITimer? _idleTimer;

    /// <summary>A connection's state for the idle check: when it last completed a record, and its calls running.</summary>
    private sealed class Conn(IRpcConnection c, TimeProvider clock)
    {
        public readonly IRpcConnection C = c;
        public readonly TimeProvider Clock = clock;
        public long LastRecord = clock.GetTimestamp();
        public int Running;
    }

    /// <summary>The most calls of one connection running at once.</summary>
    public int MaxInFlight { get; init; } = 32;

    /// <summary>The most service threads running calls at once (ServiceThreads.cs).</summary>
    public int Threads { get; init; } = 32;

    /// <summary>The most connections open at once; more are accepted and closed at once.</summary>
    public int MaxConnections { get; init; } = 1024;

    /// <summary>How long a connection may go without a whole record (and with no call running) before it is closed.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(6);

    /// <summary>The reply bytes a connection may have waiting for its client before its calls are no longer read.</summary>
    public long MaxUnsent { get; init; } = 4L << 20;

    private ServiceThreads? _service;
    private ServiceThreads Service => LazyInitializer.EnsureInitialized(ref _service, () => new ServiceThreads(Threads, "rpc"));

    /// <summary>Where a procedure that threw is reported, one line (NfsServer: its kernel's message buffer).</summary>
    public Action<string>? Log { get; init; }

    /// <summary>Calls whose procedure threw, answered SYSTEM_ERR.</summary>
    public long Faults => Interlocked.Read(ref _faults);

    /// <summary>Registers a program; every listener serves every program.</summary>
    public void Register(RpcProgram program)
    {
        lock (_lock)
            _programs.Add(program.Prog, program);
    }

    /// <summary>Calls dispatched so far.</summary>
    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>Calls that came as datagrams (over UDP).</summary>
    public long DatagramCalls => Interlocked.Read(ref _datagramCalls);

    /// <summary>Records dropped because they were not calls or their header did not decode, or datagrams past the limit.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Retransmissions answered (or dropped) by the duplicate request cache, or dropped while their call runs.</summary>
    public long DuplicateHits => Interlocked.Read(ref _drcHits);

    /// <summary>Connections closed at once because MaxConnections were open (or no thread could be made).</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Connections closed for being idle.</summary>
    public long IdleClosed => Interlocked.Read(ref _idleClosed);

    /// <summary>Listens on <paramref name="address"/>:<paramref name="port"/> of <paramref name="network"/>. Returns what Listen returns.</summary>
    public Errno Listen(IRpcNetwork network, string address, int port, out int boundPort)
    {
        boundPort = 0;
        var err = network.Listen(address, port, out var l);
        if (err != Errno.OK)
            return err;
        lock (_lock)
        {
            _clock = network.Clock;
            _listeners.Add(l!);
            if (_idleTimer is null && IdleTimeout > TimeSpan.Zero && IdleTimeout != Timeout.InfiniteTimeSpan)
            {
                var period = IdleTimeout / 4;
                _idleTimer = network.Clock.CreateTimer(_ => CloseIdle(network.Clock), null, period, period);
            }
        }
        boundPort = l!.Port;
        new Thread(() => AcceptLoop(l, network.Clock)) { IsBackground = true, Name = $"rpc accept :{boundPort}" }.Start();
        return Errno.OK;
    }

    /// <summary>
    /// Serves RPC over UDP on <paramref name="address"/>:<paramref name="port"/> of <paramref name="network"/> (the same
    /// number as a TCP listener, usually): each datagram a call, each reply a datagram. Returns what ListenDatagram returns.
    /// </summary>
    public Errno ListenDatagram(IRpcNetwork network, string address, int port)
    {
        var err = network.ListenDatagram(address, port, out var u);
        if (err != Errno.OK)
            return err;
        lock (_lock)
            _datagrams.Add(u!);
        new Thread(() => DatagramLoop(u!)) { IsBackground = true, Name = $"rpc udp :{u!.Port}" }.Start();
        return Errno.OK;
    }

    /// <summary>The most datagram calls queued or running at once; past it a datagram is dropped (the client retransmits).</summary>
    public const int MaxDatagramsInFlight = 64;

    private int _datagramsInFlight;

    /// <summary>
    /// Serves one datagram endpoint. Each call goes to the service threads, as a stream's do, since an NFS call may
    /// wait on a disk. There is no connection to push back on, so at most MaxDatagramsInFlight (64 datagrams of at
    /// most 64 KiB: 4 MiB) are held at once; the rest are dropped as a full socket buffer would drop them.
    /// </summary>
    private void DatagramLoop(UdpEndpoint u)
    {
        while (true)
        {
            var err = u.Receive(out var rec, out var peer);
            if (err == Errno.EAGAIN)
                continue;
            if (err != Errno.OK)
                return;
            if (Interlocked.Increment(ref _datagramsInFlight) > MaxDatagramsInFlight)
            {
                Interlocked.Decrement(ref _datagramsInFlight);
                Interlocked.Increment(ref _dropped);
                rec.Release();
                continue;
            }
            Interlocked.Increment(ref _datagramCalls);
            void Run()
            {
                try { Serve(peer!, rec, lone: false); }
                finally
                {
                    rec.Release();
                    Interlocked.Decrement(ref _datagramsInFlight);
                }
            }
            if (!Service.TryRun(Run))
                Run();
        }
    }

    /// <summary>Closes every listener and connection: gracefully, or (<paramref name="abort"/>) at once, as a crash would.</summary>
    public void Shutdown(bool abort)
    {
        List<IRpcListener> ls;
        List<IRpcConnection> cs;
        lock (_lock)
        {
            ls = _listeners.ToList();
            _listeners.Clear();
            foreach (var u in _datagrams)
                u.Close();
            _datagrams.Clear();
            cs = _connections.Keys.ToList();
            _connections.Clear();
            _idleTimer?.Dispose();
            _idleTimer = null;
        }
        foreach (var l in ls)
            l.Close();
        foreach (var c in cs)
            if (abort)
                c.Abort();
            else
                c.Close();
    }

    /// <summary>
    /// After Shutdown: waits until no call is in service any more, or <paramref name="bound"/> has passed on the
    /// server's clock. True when none is.
    /// </summary>
    public bool WaitForCalls(TimeSpan bound)
    {
        Volatile.Write(ref _draining, true);
        var clock = _clock;
        long start = clock.GetTimestamp();
        lock (_serving)
        {
            while (Volatile.Read(ref _inService) > 0)
            {
                var left = bound - clock.GetElapsedTime(start);
                if (left <= TimeSpan.Zero)
                    return false;
                ClockWait.Wait(_serving, clock, left);
            }
        }
        return true;
    }

    /// <summary>Connections open now.</summary>
    public int ConnectionCount
    {
        get { lock (_lock) return _connections.Count; }
    }

    private void AcceptLoop(IRpcListener l, TimeProvider clock)
    {
        var backoff = new object();
        while (true)
        {
            var err = l.Accept(out var c);
            if (err is Errno.EMFILE or Errno.EAGAIN)
            {
                // Out of descriptors (or a peer that left at once): wait a moment for connections to close.
                lock (backoff)
                    ClockWait.Wait(backoff, clock, AcceptBackoff);
                continue;
            }
            if (err != Errno.OK)
                return;
            Conn conn;
            lock (_lock)
            {
                if (!_listeners.Contains(l))
                {
                    c!.Abort();
                    return;
                }
                if (_connections.Count >= MaxConnections)
                {
                    Interlocked.Increment(ref _refused);
                    c!.Abort();
                    continue;
                }
                conn = new Conn(c!, clock);
                _connections.Add(c!, conn);
            }
            try
            {
                new Thread(() => ConnectionLoop(conn)) { IsBackground = true, Name = $"rpc conn {c!.RemoteAddress}:{c.RemotePort}" }.Start();
            }
            catch (OutOfMemoryException)
            {
                // No thread to read it with (the process is at a limit): refuse this one, serve the rest.
                Interlocked.Increment(ref _refused);
                lock (_lock)
                    _connections.Remove(c!);
                c!.Abort();
            }
        }
    }

    /// <summary>The idle timer: closes every connection with no call running and no whole record for IdleTimeout.</summary>
    private void CloseIdle(TimeProvider clock)
    {
        long limit = (long)(IdleTimeout.TotalSeconds * clock.TimestampFrequency);
        long now = clock.GetTimestamp();
        List<IRpcConnection> idle;
        lock (_lock)
            idle = _connections.Values
                .Where(x => Volatile.Read(ref x.Running) == 0 && now - Interlocked.Read(ref x.LastRecord) >= limit)
                .Select(x => x.C).ToList();
        foreach (var c in idle)
        {
            Interlocked.Increment(ref _idleClosed);
            c.Close();
        }
    }

    private void ConnectionLoop(Conn conn)
    {
        var c = conn.C;
        using var slots = new SemaphoreSlim(MaxInFlight);
        bool drain = false;
        try
        {
            while (true)
            {
                slots.Wait();
                // Read no more calls while this connection's replies wait for its client to read them.
                while (c.Unsent > MaxUnsent)
                    c.WaitUnsent(MaxUnsent, Recheck);
                var err = c.Receive(out var rec);
                if (err != Errno.OK)
                {
                    slots.Release();
                    drain = err == Errno.ECONNRESET;   // the client is done sending: answer what it sent
                    break;
                }
                Interlocked.Exchange(ref conn.LastRecord, conn.Clock.GetTimestamp());
                // A lone call with nothing behind it is served here, saving the hand-off to another thread
                // (a client that waits for each reply -- libnfs's nfs-cp -- gains a wake-up per call); so is
                // any call when no service thread can be made, rather than not at all. Not on a virtual clock's network
                // (c.Work): a call that waits there for time (a copy across a partition) would leave the records
                // behind it unread, counted as work to do, and time would never move.
                if (Interlocked.Increment(ref conn.Running) == 1 && !c.HasPending && c.Work is null)
                {
                    ServeOne(conn, slots, rec, lone: true);
                }
                else
                {
                    var queued = rec;   // a closure only for a call handed off, none for a lone one
                    if (!Service.TryRun(() => ServeOne(conn, slots, queued, lone: false)))
                        ServeOne(conn, slots, queued, lone: false);
                }
            }
        }
        finally
        {
            if (!drain)
                c.Close();
            // Wait for this connection's calls before the semaphore goes away.
            for (int i = 0; i < MaxInFlight; i++)
                slots.Wait();
            // After a half-close, their replies go out before the connection closes (the idle timer ends a wait
            // for a client that never reads them: Close empties the queue).
            while (drain && c.Unsent > 0)
                c.WaitUnsent(0, Recheck);
            c.Close();
            lock (_lock)
                _connections.Remove(c);
        }
    }

    /// <summary>
    /// Serves a call of <paramref name="conn"/> and gives back what it held: its record, its running count, its slot.
    /// <paramref name="lone"/>: on the connection's reader thread, which reads no more calls until this returns.
    /// </summary>
    private void ServeOne(Conn conn, SemaphoreSlim slots, RpcRecord rec, bool lone)
    {
        try { Serve(conn.C, rec, lone); }
        finally
        {
            rec.Release();
            Interlocked.Decrement(ref conn.Running);
            slots.Release();
        }
    }

    /// <summary>
    /// Serves one record from connection <paramref name="c"/>: decodes, dispatches, posts the reply, and then, for a
    /// <paramref name="lone"/> call whose reply the socket took whole, runs the work its procedure asked for after it.
    /// </summary>
    private void Serve(IRpcConnection c, RpcRecord rec, bool lone)
    {
        var w = t_writer ??= new XdrWriter(ReplyBuffer);
        w.Reset();
        var r = new XdrReader(rec.Span);
        if (!RpcCallHeader.TryDecode(ref r, rec.Memory, out var h))
        {
            Interlocked.Increment(ref _dropped);
            c.Unanswered();
            return;
        }
        Interlocked.Increment(ref _calls);
        // In service (WaitForCalls waits for it) until the work after the reply is done too: that work reads files.
        Interlocked.Increment(ref _inService);
        try
        {
            bool answer;
            IAfterReply? after;
            using (VirtualClock.Serving(c.Work))
                answer = Dispatch(c, rec, h, ref r, w, out after);
            if (!answer)
            {
                c.Unanswered();
                return;
            }
            var err = c.Post(w, out bool kept);
            // A writer the connection kept (its reply waits for a slow client) is the connection's now. Otherwise the
            // thread keeps it: a connection's reader thread holds at most its largest reply, freed when the thread ends
            // with the connection.
            if (kept)
                t_writer = null;
            if (after is not null)
                AfterReply(c, after, lone && !kept && err == Errno.OK ? w : null);
        }
        finally
        {
            if (Interlocked.Decrement(ref _inService) == 0 && Volatile.Read(ref _draining))
                lock (_serving)
                    Monitor.PulseAll(_serving);
        }
    }

    /// <summary>
    /// Runs a procedure's work after its reply with <paramref name="next"/>, the writer of this thread's next reply, or
    /// drops it (null: the call was not lone, or its reply did not go out whole). A fault is handled as Dispatch
    /// handles one: logged and counted, and the connection served on.
    /// </summary>
    private void AfterReply(IRpcConnection c, IAfterReply after, XdrWriter? next)
    {
        try
        {
            if (next is null)
                after.Drop();
            else
                after.Run(next);
        }
        catch (Exception e)
        {
            Interlocked.Increment(ref _faults);
            Log?.Invoke($"rpc: after a reply to {c.RemoteAddress}: {e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>AuthSys.TryDecode, answered from this thread's last credential when the bytes are the same.</summary>
    private static bool DecodeAuthSys(ReadOnlySpan<byte> body, out AuthSys? auth)
    {
        if (t_cred is not null && body.SequenceEqual(t_credBody.AsSpan(0, t_credLength)))
        {
            auth = t_cred;
            return true;
        }
        if (!AuthSys.TryDecode(body, out auth))
            return false;
        if (body.Length <= OpaqueAuth.MaxBody)
        {
            t_credBody ??= new byte[OpaqueAuth.MaxBody];
            body.CopyTo(t_credBody);
            t_credLength = body.Length;
            t_cred = auth;
        }
        return true;
    }

    /// <summary>
    /// Writes the reply to call <paramref name="h"/> into <paramref name="w"/>. Returns false when there is nothing to
    /// send (a retransmission of a call still running).
    /// </summary>
    private bool Dispatch(IRpcConnection c, RpcRecord rec, RpcCallHeader h, ref XdrReader r, XdrWriter w, out IAfterReply? after)
    {
        after = null;
        if (h.RpcVers != RpcCallHeader.RpcVersion)
        {
            RpcReplyEncoder.RpcMismatch(w, h.Xid);
            return true;
        }
        AuthSys? auth = null;
        switch (h.Cred.Flavor)
        {
            case AuthFlavor.AUTH_NONE:
                break;
            case AuthFlavor.AUTH_SYS:
                if (!DecodeAuthSys(h.Cred.Body.Span, out auth))
                {
                    RpcReplyEncoder.AuthError(w, h.Xid, AuthStat.AUTH_BADCRED);
                    return true;
                }
                break;
            default:
                RpcReplyEncoder.AuthError(w, h.Xid, AuthStat.AUTH_BADCRED);
                return true;
        }
        RpcProgram? prog;
        lock (_lock)
            prog = _programs.GetValueOrDefault(h.Prog);
        if (prog is null)
        {
            RpcReplyEncoder.Accepted(w, h.Xid, AcceptStat.PROG_UNAVAIL);
            return true;
        }
        if (h.Vers < prog.VersLow || h.Vers > prog.VersHigh)
        {
            RpcReplyEncoder.ProgMismatch(w, h.Xid, prog.VersLow, prog.VersHigh);
            return true;
        }
        var proc = prog.Find(h.Vers, h.Proc);
        if (proc is null)
        {
            RpcReplyEncoder.Accepted(w, h.Xid, AcceptStat.PROC_UNAVAIL);
            return true;
        }
        if (proc.NeedsAuthSys && auth is null)
        {
            RpcReplyEncoder.AuthError(w, h.Xid, AuthStat.AUTH_TOOWEAK);
            return true;
        }
        DuplicateRequestCache.Key? key = null;
        var running = (c.RemoteAddress, c.RemotePort, h.Xid);
        if (proc.Idempotent)
        {
            // A retransmission of an idempotent call still running is dropped too: the reply to the first answers it,
            // and a client cannot make the server run one call many times at once (the first may wait on a copy
            // across a partition; the others would wait behind it for its locks).
            lock (_running)
                if (!_running.Add(running))
                {
                    Interlocked.Increment(ref _drcHits);
                    return false;
                }
        }
        else
        {
            key = DuplicateRequestCache.Key.Of(c.RemoteAddress, c.RemotePort, h.Xid, rec.Span);
            switch (_drc.Begin(key.Value, out var saved))
            {
                case DuplicateRequestCache.Verdict.InProgress:
                    Interlocked.Increment(ref _drcHits);
                    return false;
                case DuplicateRequestCache.Verdict.Replay:
                    Interlocked.Increment(ref _drcHits);
                    w.WriteFixedOpaque(saved);
                    return true;
            }
        }
        RpcReplyEncoder.Accepted(w, h.Xid, AcceptStat.SUCCESS);
        int resultsAt = w.Length;
        AcceptStat stat;
        var call = new RpcCall(h, c, rec, auth);
        try
        {
            stat = proc.Handler(call, ref r, w);
        }
        catch (Exception e)
        {
            // A bug (or a panic) in one call must not end the process and every other client's service with it.
            Interlocked.Increment(ref _faults);
            Log?.Invoke($"rpc: {prog.Name} v{h.Vers} {proc.Name} from {c.RemoteAddress}: {e.GetType().Name}: {e.Message}");
            stat = AcceptStat.SYSTEM_ERR;
        }
        finally
        {
            if (proc.Idempotent)
                lock (_running)
                    _running.Remove(running);
            after = call.AfterReply;
        }
        if (stat != AcceptStat.SUCCESS)
        {
            after?.Drop();
            after = null;
            // Rewrite the reply as the error: the header up to accept_stat, nothing after it.
            w.Truncate(resultsAt - 4);
            w.WriteUInt32((uint)stat);
        }
        if (key is { } k)
            _drc.Finish(k, w.WrittenSpan);
        return true;
    }
}
