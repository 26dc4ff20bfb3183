// Vfs.Nfs / ONC RPC: the server side -- listeners, connections, and the dispatcher that turns a
// received record into a reply.
//
// Threads. Each listener has a thread accepting connections; each connection has a thread reading
// records. A record that is a call is queued for the server's own service threads (Threads of them, the
// nfsd threads of a Unix server), where the procedure runs and the reply is sent (under the connection's
// send lock), so one client's slow request does not hold up its next ones and many clients are served
// at once. They are not the .NET thread pool: a procedure may block for as long as a disk or another
// server takes (an NFS server exporting an NFS import, or a mirror with an NFS copy, waits on another
// server), and a pool whose threads all block waits for new threads to be made, which takes seconds.
// A call that is its connection's only one, with nothing behind it, is served by the reading thread
// itself: a client that waits for each reply (libnfs's nfs-cp) saves a hand-off per call. At most
// MaxInFlight calls per connection run at a time; beyond that the reader stops reading, which pushes
// back on the client through TCP.
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
//   a procedure that throws (a bug)               SYSTEM_ERR, and the server goes on
using UnixVfs.Core;
using UnixVfs.Nfs.Net;
using UnixVfs.Nfs.Xdr;

namespace UnixVfs.Nfs.Rpc;

/// <summary>An RPC server: programs, and the listeners and connections that reach them.</summary>
public sealed class RpcServer
{
    private readonly Dictionary<uint, RpcProgram> _programs = new();
    private readonly List<IRpcListener> _listeners = new();
    private readonly HashSet<IRpcConnection> _connections = new();
    private readonly object _lock = new();
    private readonly DuplicateRequestCache _drc = new();
    [ThreadStatic] private static XdrWriter? t_writer;
    private long _calls, _dropped, _drcHits;

    /// <summary>The most calls of one connection running at once.</summary>
    public int MaxInFlight { get; init; } = 32;

    /// <summary>The most service threads running calls at once (ServiceThreads.cs).</summary>
    public int Threads { get; init; } = 32;

    private ServiceThreads? _service;
    private ServiceThreads Service => LazyInitializer.EnsureInitialized(ref _service, () => new ServiceThreads(Threads, "rpc"));

    /// <summary>Registers a program; every listener serves every program.</summary>
    public void Register(RpcProgram program)
    {
        lock (_lock)
            _programs.Add(program.Prog, program);
    }

    /// <summary>Calls dispatched so far.</summary>
    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>Records dropped because they were not calls or their header did not decode.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Retransmissions answered (or dropped) by the duplicate request cache.</summary>
    public long DuplicateHits => Interlocked.Read(ref _drcHits);

    /// <summary>Listens on <paramref name="address"/>:<paramref name="port"/> of <paramref name="network"/>. Returns what Listen returns.</summary>
    public Errno Listen(IRpcNetwork network, string address, int port, out int boundPort)
    {
        boundPort = 0;
        var err = network.Listen(address, port, out var l);
        if (err != Errno.OK)
            return err;
        lock (_lock)
            _listeners.Add(l!);
        boundPort = l!.Port;
        new Thread(() => AcceptLoop(l)) { IsBackground = true, Name = $"rpc accept :{boundPort}" }.Start();
        return Errno.OK;
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
            cs = _connections.ToList();
            _connections.Clear();
        }
        foreach (var l in ls)
            l.Close();
        foreach (var c in cs)
            if (abort)
                c.Abort();
            else
                c.Close();
    }

    /// <summary>Connections open now.</summary>
    public int ConnectionCount
    {
        get { lock (_lock) return _connections.Count; }
    }

    private void AcceptLoop(IRpcListener l)
    {
        while (l.Accept(out var c) == Errno.OK)
        {
            lock (_lock)
            {
                if (!_listeners.Contains(l))
                {
                    c!.Abort();
                    return;
                }
                _connections.Add(c!);
            }
            new Thread(() => ConnectionLoop(c!)) { IsBackground = true, Name = $"rpc conn {c!.RemoteAddress}:{c.RemotePort}" }.Start();
        }
    }

    private void ConnectionLoop(IRpcConnection c)
    {
        using var slots = new SemaphoreSlim(MaxInFlight);
        int running = 0;
        try
        {
            while (true)
            {
                slots.Wait();
                var err = c.Receive(out var rec);
                if (err != Errno.OK)
                {
                    slots.Release();
                    break;
                }
                // A lone call with nothing behind it is served here, saving the hand-off to another thread
                // (a client that waits for each reply -- libnfs's nfs-cp -- gains a wake-up per call).
                if (Interlocked.Increment(ref running) == 1 && !c.HasPending)
                {
                    try { Serve(c, rec); }
                    finally
                    {
                        rec.Release();
                        Interlocked.Decrement(ref running);
                        slots.Release();
                    }
                    continue;
                }
                Service.Run(() =>
                {
                    try { Serve(c, rec); }
                    finally
                    {
                        rec.Release();
                        Interlocked.Decrement(ref running);
                        slots.Release();
                    }
                });
            }
        }
        finally
        {
            c.Close();
            lock (_lock)
                _connections.Remove(c);
            // Wait for this connection's calls before the semaphore goes away.
            for (int i = 0; i < MaxInFlight; i++)
                slots.Wait();
        }
    }

    /// <summary>Serves one record from connection <paramref name="c"/>: decodes, dispatches, replies.</summary>
    private void Serve(IRpcConnection c, RpcRecord rec)
    {
        var w = t_writer ??= new XdrWriter(64 * 1024);
        w.Reset();
        var r = new XdrReader(rec.Span);
        if (!RpcCallHeader.TryDecode(ref r, rec.Memory, out var h))
        {
            Interlocked.Increment(ref _dropped);
            return;
        }
        Interlocked.Increment(ref _calls);
        var proc = Dispatch(c, rec, h, ref r, w, out bool cached);
        if (cached)
            return;
        c.Send(w.Written);
        if (proc is { Idempotent: false })
            _drc.Finish(c.RemoteAddress, h, w.WrittenSpan);
    }

    /// <summary>Writes the reply to call <paramref name="h"/> into <paramref name="w"/>; returns the procedure run, if any.</summary>
    private RpcProcedure? Dispatch(IRpcConnection c, RpcRecord rec, RpcCallHeader h, ref XdrReader r, XdrWriter w, out bool cached)
    {
        cached = false;
        if (h.RpcVers != RpcCallHeader.RpcVersion)
        {
            RpcReplyEncoder.RpcMismatch(w, h.Xid);
            return null;
        }
        AuthSys? auth = null;
        switch (h.Cred.Flavor)
        {
            case AuthFlavor.AUTH_NONE:
                break;
            case AuthFlavor.AUTH_SYS:
                if (!AuthSys.TryDecode(h.Cred.Body.Span, out auth))
                {
                    RpcReplyEncoder.AuthError(w, h.Xid, AuthStat.AUTH_BADCRED);
                    return null;
                }
                break;
            default:
                RpcReplyEncoder.AuthError(w, h.Xid, AuthStat.AUTH_BADCRED);
                return null;
        }
        RpcProgram? prog;
        lock (_lock)
            prog = _programs.GetValueOrDefault(h.Prog);
        if (prog is null)
        {
            RpcReplyEncoder.Accepted(w, h.Xid, AcceptStat.PROG_UNAVAIL);
            return null;
        }
        if (h.Vers < prog.VersLow || h.Vers > prog.VersHigh)
        {
            RpcReplyEncoder.ProgMismatch(w, h.Xid, prog.VersLow, prog.VersHigh);
            return null;
        }
        var proc = prog.Find(h.Vers, h.Proc);
        if (proc is null)
        {
            RpcReplyEncoder.Accepted(w, h.Xid, AcceptStat.PROC_UNAVAIL);
            return null;
        }
        if (proc.NeedsAuthSys && auth is null)
        {
            RpcReplyEncoder.AuthError(w, h.Xid, AuthStat.AUTH_TOOWEAK);
            return null;
        }
        if (!proc.Idempotent)
        {
            switch (_drc.Begin(c.RemoteAddress, h, out var saved))
            {
                case DuplicateRequestCache.Verdict.InProgress:
                    Interlocked.Increment(ref _drcHits);
                    cached = true;
                    return proc;
                case DuplicateRequestCache.Verdict.Replay:
                    Interlocked.Increment(ref _drcHits);
                    c.Send(saved);
                    cached = true;
                    return proc;
            }
        }
        RpcReplyEncoder.Accepted(w, h.Xid, AcceptStat.SUCCESS);
        int resultsAt = w.Length;
        AcceptStat stat;
        try
        {
            stat = proc.Handler(new RpcCall(h, c, rec, auth), ref r, w);
        }
        catch (Exception e) when (e is not VfsPanicException)
        {
            stat = AcceptStat.SYSTEM_ERR;
        }
        if (stat != AcceptStat.SUCCESS)
        {
            // Rewrite the reply as the error: the header up to accept_stat, nothing after it.
            w.Truncate(resultsAt - 4);
            w.WriteUInt32((uint)stat);
        }
        return proc;
    }
}
