// Tests of ONC RPC: the dispatcher's answers to every kind of call, record marking, and the
// client's matching, retransmission and reconnection -- over real TCP and the simulated network.
using UnixVfs.Core;
using UnixVfs.Nfs.Net;
using UnixVfs.Nfs.Portmap;
using UnixVfs.Nfs.Rpc;
using UnixVfs.Nfs.Xdr;

namespace UnixVfs.Nfs.Tests;

public class RpcTests
{
    private static (RpcServer Server, Portmapper Pmap, int Port) TcpPortmapper()
    {
        var pm = new Portmapper(_ => true);
        var s = new RpcServer();
        s.Register(pm.ToProgram());
        Assert.Equal(Errno.OK, s.Listen(TcpNetwork.Default, "127.0.0.1", 0, out int port));
        return (s, pm, port);
    }

    private static readonly RpcClientOptions Fast = new() { Timeout = TimeSpan.FromMilliseconds(200), Retrans = 2 };

    [Fact]
    public void The_portmapper_answers_getport_for_what_was_registered()
    {
        var (s, pm, port) = TcpPortmapper();
        try
        {
            pm.Set(new PmapMapping(100003, 3, Portmapper.IPPROTO_TCP, 2049));
            Assert.Equal(Errno.OK, PortmapClient.GetPort(TcpNetwork.Default, "127.0.0.1", port, 100003, 3, Fast, out int p));
            Assert.Equal(2049, p);
            Assert.Equal(Errno.ENOENT, PortmapClient.GetPort(TcpNetwork.Default, "127.0.0.1", port, 100005, 3, Fast, out _));
        }
        finally { s.Shutdown(abort: false); }
    }

    [Fact]
    public void Unknown_program_version_procedure_and_rpc_version_get_their_rfc_answers()
    {
        var (s, _, port) = TcpPortmapper();
        try
        {
            using var raw = new RawRpc(port);
            var h = raw.Roundtrip(RawRpc.Call(1, 999999, 1, 0), out _);
            Assert.Equal((ReplyStat.MSG_ACCEPTED, AcceptStat.PROG_UNAVAIL), (h.Stat, h.Accept));
            h = raw.Roundtrip(RawRpc.Call(2, Portmapper.Program, 7, 0), out _);
            Assert.Equal((AcceptStat.PROG_MISMATCH, 2u, 2u), (h.Accept, h.Low, h.High));
            h = raw.Roundtrip(RawRpc.Call(3, Portmapper.Program, 2, 99), out _);
            Assert.Equal(AcceptStat.PROC_UNAVAIL, h.Accept);
            h = raw.Roundtrip(RawRpc.Call(4, Portmapper.Program, 2, 0, rpcvers: 3), out _);
            Assert.Equal((ReplyStat.MSG_DENIED, RejectStat.RPC_MISMATCH, 2u, 2u), (h.Stat, h.Reject, h.Low, h.High));
            h = raw.Roundtrip(RawRpc.Call(5, Portmapper.Program, 2, 3, w => w.WriteUInt32(1)), out _);
            Assert.Equal(AcceptStat.GARBAGE_ARGS, h.Accept);
            h = raw.Roundtrip(RawRpc.Call(6, Portmapper.Program, 2, 0, cred: new OpaqueAuth(AuthFlavor.AUTH_SYS, new byte[] { 1, 2, 3, 4 })), out _);
            Assert.Equal((ReplyStat.MSG_DENIED, RejectStat.AUTH_ERROR, AuthStat.AUTH_BADCRED), (h.Stat, h.Reject, h.Auth));
            h = raw.Roundtrip(RawRpc.Call(7, Portmapper.Program, 2, 0, cred: new OpaqueAuth((AuthFlavor)12345, ReadOnlyMemory<byte>.Empty)), out _);
            Assert.Equal(AuthStat.AUTH_BADCRED, h.Auth);
            h = raw.Roundtrip(RawRpc.Call(8, Portmapper.Program, 2, 0), out _);
            Assert.True(h.Success);
            Assert.Equal(8u, h.Xid);
        }
        finally { s.Shutdown(abort: false); }
    }

    /// <summary>Work after a reply that counts what the server does with it (RpcCall.AfterReply).</summary>
    private sealed class AfterReplyProbe : IAfterReply
    {
        public int Runs, Drops;
        public volatile bool Throw;
        public XdrWriter? Writer;

        public void Run(XdrWriter next)
        {
            Writer = next;
            Interlocked.Increment(ref Runs);
            if (Throw)
                throw new InvalidOperationException("the probe's work failed");
        }

        public void Drop() => Interlocked.Increment(ref Drops);
    }

    [Fact]
    public void Work_after_a_reply_runs_for_a_lone_call_is_dropped_otherwise_and_a_fault_in_it_leaves_the_connection_served()
    {
        const uint Prog = 400_100;
        var probe = new AfterReplyProbe();
        var logged = new List<string>();
        var s = new RpcServer { Log = line => { lock (logged) logged.Add(line); } };
        s.Register(new RpcProgram("probe", Prog, 1, 1)
            .Add(1, 1, "AFTER", (RpcCall call, ref XdrReader a, XdrWriter res) => { call.AfterReply = probe; res.WriteUInt32(7); return AcceptStat.SUCCESS; })
            .Add(1, 2, "FAILS", (RpcCall call, ref XdrReader a, XdrWriter res) => { call.AfterReply = probe; return AcceptStat.GARBAGE_ARGS; }));
        Assert.Equal(Errno.OK, s.Listen(TcpNetwork.Default, "127.0.0.1", 0, out int port));
        Assert.Equal(Errno.OK, s.ListenDatagram(TcpNetwork.Default, "127.0.0.1", port));
        try
        {
            using var raw = new RawRpc(port);
            // One call at a time: each is its connection's lone call, and its work runs before the next call is read.
            for (uint xid = 1; xid <= 3; xid++)
                Assert.True(raw.Roundtrip(RawRpc.Call(xid, Prog, 1, 1), out _).Success);
            Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref probe.Runs) == 3, TimeSpan.FromSeconds(60)));
            Assert.NotNull(probe.Writer);

            // A call that failed has its work dropped before its reply goes out.
            Assert.Equal(AcceptStat.GARBAGE_ARGS, raw.Roundtrip(RawRpc.Call(4, Prog, 1, 2), out _).Accept);
            Assert.Equal(1, Volatile.Read(ref probe.Drops));

            // Work that throws is a fault, counted and logged, and the connection goes on being served.
            probe.Throw = true;
            Assert.True(raw.Roundtrip(RawRpc.Call(5, Prog, 1, 1), out _).Success);
            Assert.True(SpinWait.SpinUntil(() => s.Faults == 1, TimeSpan.FromSeconds(60)));
            probe.Throw = false;
            Assert.True(raw.Roundtrip(RawRpc.Call(6, Prog, 1, 1), out _).Success);
            lock (logged)
                Assert.Contains(logged, l => l.Contains("the probe's work failed"));

            // A datagram's call is never its connection's lone one: its work is dropped.
            using var udp = new System.Net.Sockets.UdpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
            udp.Client.ReceiveTimeout = 60_000;
            var datagram = RawRpc.Call(7, Prog, 1, 1);
            udp.Send(datagram, datagram.Length, new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port));
            System.Net.IPEndPoint? from = null;
            Assert.NotEmpty(udp.Receive(ref from));
            Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref probe.Drops) == 2, TimeSpan.FromSeconds(60)));
            Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref probe.Runs) == 5, TimeSpan.FromSeconds(60)));
        }
        finally { s.Shutdown(abort: false); }
    }

    [Fact]
    public void A_call_sent_in_many_fragments_is_one_record()
    {
        var (s, pm, port) = TcpPortmapper();
        try
        {
            pm.Set(new PmapMapping(100005, 3, Portmapper.IPPROTO_TCP, 635));
            using var raw = new RawRpc(port);
            var call = RawRpc.Call(9, Portmapper.Program, 2, Portmapper.PMAPPROC_GETPORT,
                w => new PmapMapping(100005, 3, Portmapper.IPPROTO_TCP, 0).Encode(w));
            raw.Send(call, fragment: 3);
            var reply = raw.Receive()!;
            Assert.True(RpcReplyHeader.TryDecode(reply, out var h) && h.Success);
            var r = new XdrReader(reply.AsSpan(h.ResultsOffset));
            Assert.Equal(635u, r.ReadUInt32());
        }
        finally { s.Shutdown(abort: false); }
    }

    [Fact]
    public void A_record_mark_over_the_maximum_closes_that_connection_only()
    {
        var (s, _, port) = TcpPortmapper();
        try
        {
            using var bad = new RawRpc(port);
            using var good = new RawRpc(port);
            bad.SendRaw([0xFF, 0xFF, 0xFF, 0xF0]);
            Assert.True(bad.ClosedByPeer());
            Assert.True(good.Roundtrip(RawRpc.Call(1, Portmapper.Program, 2, 0), out _).Success);
        }
        finally { s.Shutdown(abort: false); }
    }

    [Fact]
    public void A_record_cut_short_by_the_client_closing_leaves_the_server_serving_others()
    {
        var (s, _, port) = TcpPortmapper();
        try
        {
            using (var bad = new RawRpc(port))
            {
                bad.SendRaw([0x80, 0, 0, 100, 1, 2, 3]);
            }
            using var bad2 = new RawRpc(port);
            bad2.SendRaw(new byte[] { 0x80, 0, 0, 12 }.Concat(new byte[12]).ToArray()); // xid 0, msg_type 0, then cut: no reply, kept open
            using var good = new RawRpc(port);
            Assert.True(good.Roundtrip(RawRpc.Call(1, Portmapper.Program, 2, 0), out _).Success);
            Assert.True(s.Dropped >= 1);
        }
        finally { s.Shutdown(abort: false); }
    }

    [Fact]
    public void A_soft_client_gives_up_with_etimedout_when_nothing_answers()
    {
        // Virtual time: the timeouts pass only while the caller waits, however busy the machine is.
        var clock = new VirtualClock { AutoAdvance = true };
        var net = new SimNetwork(1, clock);
        var a = net.AddHost("a");
        var b = net.AddHost("b");
        var s = new RpcServer();
        s.Register(new Portmapper(_ => true).ToProgram());
        Assert.Equal(Errno.OK, s.Listen(b, "b", 111, out _));
        var c = new RpcClient(a, "b", 111, Portmapper.Program, 2, new RpcClientOptions { Timeout = TimeSpan.FromMilliseconds(50), Retrans = 3 });
        Assert.Equal(Errno.OK, c.Call(c.NewCall(0, OpaqueAuth.None), out var warm));
        warm.Release();
        net.Partition(["a"], ["b"]);
        long start = clock.GetTimestamp();
        Assert.Equal(Errno.ETIMEDOUT, c.Call(c.NewCall(0, OpaqueAuth.None), out _));
        // The first try and three retransmissions, each timeout twice the one before.
        Assert.Equal(TimeSpan.FromMilliseconds(50 + 100 + 200 + 400), clock.GetElapsedTime(start));
        net.Heal();
        Assert.Equal(Errno.OK, c.Call(c.NewCall(0, OpaqueAuth.None), out var res));
        res.Release();
        c.Close();
        s.Shutdown(abort: true);
        clock.AutoAdvance = false;
    }

    [Fact]
    public void A_lossy_network_is_survived_by_retransmission_and_the_same_seed_loses_the_same_records()
    {
        List<SimRecordEvent> Run()
        {
            // Virtual time: the 30 ms timeout passes only while the caller waits and nothing is in flight, so a busy
            // machine cannot make it fire before a 1 ms delivery (it did on the wall clock).
            var clock = new VirtualClock { AutoAdvance = true };
            var net = new SimNetwork(1234, clock, new SimLinkProfile(TimeSpan.Zero, TimeSpan.FromMilliseconds(1), 0.3));
            var events = new List<SimRecordEvent>();
            net.RecordSent += e => events.Add(e);
            var a = net.AddHost("a");
            var b = net.AddHost("b");
            var s = new RpcServer();
            s.Register(new Portmapper(_ => true).ToProgram());
            Assert.Equal(Errno.OK, s.Listen(b, "b", 111, out _));
            var c = new RpcClient(a, "b", 111, Portmapper.Program, 2, new RpcClientOptions { Timeout = TimeSpan.FromMilliseconds(30), Hard = true });
            for (int i = 0; i < 30; i++)
            {
                Assert.Equal(Errno.OK, c.Call(c.NewCall(0, OpaqueAuth.None), out var res));
                res.Release();
            }
            Assert.True(c.Retransmits > 0);
            c.Close();
            s.Shutdown(abort: true);
            clock.AutoAdvance = false;
            lock (events)
                return events.ToList();
        }
        var first = Run();
        var second = Run();
        Assert.Contains(first, e => e.Fate == SimFate.Lost);
        Assert.Equal(first, second);
    }

    [Fact]
    public void A_client_reconnects_after_the_server_host_crashes_and_restarts()
    {
        // Virtual time: a 50 ms timeout fires only when no reply can come any more (the host is down), never because
        // a loaded machine was slow to run the server (it did on the wall clock, where the first call timed out).
        var clock = new VirtualClock { AutoAdvance = true };
        var net = new SimNetwork(7, clock);
        var a = net.AddHost("a");
        var b = net.AddHost("b");
        RpcServer Start()
        {
            var s = new RpcServer();
            s.Register(new Portmapper(_ => true).ToProgram());
            Assert.Equal(Errno.OK, s.Listen(b, "b", 111, out _));
            return s;
        }
        var s1 = Start();
        var c = new RpcClient(a, "b", 111, Portmapper.Program, 2, new RpcClientOptions { Timeout = TimeSpan.FromMilliseconds(50), Retrans = 3 });
        Assert.Equal(Errno.OK, c.Call(c.NewCall(0, OpaqueAuth.None), out var r1));
        r1.Release();
        b.Crash();
        long crashed = clock.GetTimestamp();
        Assert.Equal(Errno.ETIMEDOUT, c.Call(c.NewCall(0, OpaqueAuth.None), out _));
        Assert.Equal(TimeSpan.FromMilliseconds(50 + 100 + 200 + 400), clock.GetElapsedTime(crashed));
        b.Restart();
        var s2 = Start();
        Assert.Equal(Errno.OK, c.Call(c.NewCall(0, OpaqueAuth.None), out var r2));
        r2.Release();
        Assert.True(c.Reconnects >= 1);
        c.Close();
        s1.Shutdown(true);
        s2.Shutdown(true);
        clock.AutoAdvance = false;
    }

    [Fact]
    public void A_client_reconnects_after_a_tcp_server_restarts_on_the_same_port()
    {
        var (s1, _, port) = TcpPortmapper();
        var c = new RpcClient(TcpNetwork.Default, "127.0.0.1", port, Portmapper.Program, 2, new RpcClientOptions { Timeout = TimeSpan.FromMilliseconds(100), Retrans = 5 });
        Assert.Equal(Errno.OK, c.Call(c.NewCall(0, OpaqueAuth.None), out var r1));
        r1.Release();
        s1.Shutdown(abort: true);
        var s2 = new RpcServer();
        s2.Register(new Portmapper(_ => true).ToProgram());
        Assert.Equal(Errno.OK, s2.Listen(TcpNetwork.Default, "127.0.0.1", port, out _));
        Assert.Equal(Errno.OK, c.Call(c.NewCall(0, OpaqueAuth.None), out var r2));
        r2.Release();
        c.Close();
        s2.Shutdown(abort: false);
    }

    [Fact]
    public void A_tcp_connect_to_a_port_nobody_listens_on_is_refused_and_one_that_listens_carries_calls()
    {
        // What if nothing listens? ECONNREFUSED at once, not the timeout (the RST ends the blocking connect).
        var (s, _, port) = TcpPortmapper();
        s.Shutdown(abort: false);
        Assert.Equal(Errno.ECONNREFUSED, TcpNetwork.Default.Connect("127.0.0.1", port, TimeSpan.FromSeconds(30), out var none));
        Assert.Null(none);
        // And a connection made that way is an ordinary blocking one: a record out, the reply back.
        var (s2, _, port2) = TcpPortmapper();
        Assert.Equal(Errno.OK, TcpNetwork.Default.Connect("127.0.0.1", port2, TimeSpan.FromSeconds(30), out var c));
        Assert.Equal(("127.0.0.1", port2), (c!.RemoteAddress, c.RemotePort));
        var w = new XdrWriter();
        RpcCallHeader.Encode(w, 7, Portmapper.Program, 2, 0, OpaqueAuth.None);
        Assert.Equal(Errno.OK, c.Send(w.Written));
        Assert.Equal(Errno.OK, c.Receive(out var rec));
        Assert.True(RpcReplyHeader.TryPeekXid(rec.Span, out uint xid));
        Assert.Equal(7u, xid);
        rec.Release();
        c.Close();
        s2.Shutdown(abort: false);
    }

    [Fact]
    public void A_tcp_client_connection_keeps_a_blocking_descriptor_so_a_reply_is_received_without_the_runtimes_epoll_thread()
    {
        // .NET keeps a descriptor made non-blocking so for good, and then emulates every blocking Receive through its
        // epoll thread and thread pool (two wake-ups more per reply). The connect with a timeout must not do that.
        if (!OperatingSystem.IsLinux())
            return;
        var (s, _, port) = TcpPortmapper();
        Assert.Equal(Errno.OK, TcpNetwork.Default.Connect("127.0.0.1", port, TimeSpan.FromSeconds(30), out var c));
        var w = new XdrWriter();
        RpcCallHeader.Encode(w, 8, Portmapper.Program, 2, 0, OpaqueAuth.None);
        Assert.Equal(Errno.OK, c!.Send(w.Written));
        Assert.Equal(Errno.OK, c.Receive(out var rec));
        rec.Release();
        Assert.False(NonBlocking(ClientSocketTo(port)), "the client's descriptor is O_NONBLOCK");
        c.Close();
        s.Shutdown(abort: false);
    }

    [Fact]
    public void A_tcp_connect_that_is_never_answered_ends_with_ETIMEDOUT_at_its_timeout()
    {
        // A listener whose accept queue is full drops the SYNs of further connects: the connect's timeout (SO_SNDTIMEO
        // on the blocking descriptor) must end it, as ETIMEDOUT and no connection.
        using var full = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        full.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        full.Listen(0);
        int port = ((System.Net.IPEndPoint)full.LocalEndPoint!).Port;
        Assert.Equal(Errno.OK, TcpNetwork.Default.Connect("127.0.0.1", port, TimeSpan.FromSeconds(30), out var first));
        Assert.Equal(Errno.ETIMEDOUT, TcpNetwork.Default.Connect("127.0.0.1", port, TimeSpan.FromMilliseconds(200), out var none));
        Assert.Null(none);
        first!.Close();
    }

    /// <summary>The descriptor of this process's established TCP socket whose peer is 127.0.0.1:<paramref name="port"/>.</summary>
    private static string ClientSocketTo(int port)
    {
        // /proc/net/tcp: "sl local_address rem_address st ... inode", addresses as hex IP:PORT.
        var inode = File.ReadLines("/proc/net/tcp").Skip(1)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Single(f => f[2] == $"0100007F:{port:X4}" && f[3] == "01")[9];
        return Directory.EnumerateFiles("/proc/self/fd")
            .Single(fd => new FileInfo(fd).LinkTarget == $"socket:[{inode}]");
    }

    /// <summary>O_NONBLOCK (octal 04000) in the descriptor's flags, from /proc/self/fdinfo.</summary>
    private static bool NonBlocking(string fd)
    {
        var flags = File.ReadLines($"/proc/self/fdinfo/{Path.GetFileName(fd)}").Single(l => l.StartsWith("flags:", StringComparison.Ordinal));
        return (Convert.ToInt32(flags["flags:".Length..].Trim(), 8) & 0x800) != 0;
    }
}
