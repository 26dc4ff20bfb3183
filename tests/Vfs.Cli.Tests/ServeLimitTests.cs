// The attack suite of `vfs serve`, second half: the attacks that need a server with options of its
// own -- the handle key file, the portmapper, access lists, the connection cap, the idle timeout, a
// file descriptor limit, stalled large records, endless empty fragments -- and a bounded fuzz. Each
// starts `vfs serve` in a process of its own. No verdict depends on timing: a wait has a generous
// upper bound and the test asserts what happened, not how fast.
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using UnixVfs.Core;
using UnixVfs.Nfs.Net;
using UnixVfs.Nfs.Portmap;
using UnixVfs.Nfs.Protocol;
using UnixVfs.Nfs.Rpc;
using UnixVfs.Nfs.Tests;
using UnixVfs.Nfs.Xdr;
using UnixVfs.Testing;
using Xunit.Abstractions;

namespace UnixVfs.Cli.Tests;

public class ServeLimitTests(ITestOutputHelper output)
{
    private static readonly string[] FreePorts = ["--tmpfs", "--nfs-port", "0", "--mount-port", "0", "--portmap-port", "-1"];

    private static ServeProcess Serve(params string[] more) => ServeProcess.Start([.. FreePorts, .. more]);

    /// <summary>True when a NULL call on a new connection to <paramref name="port"/> is answered.</summary>
    private static bool Answers(int port)
    {
        try
        {
            using var raw = new RawRpc(port);
            raw.Send(RawRpc.Call(1, Nfs3.Program, 3, Nfs3.NULL));
            return raw.Receive() is { } r && RpcReplyHeader.TryDecode(r, out var h) && h.Success;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Waits (up to a minute) for <paramref name="done"/>; the verdict is whether it came, never how soon.</summary>
    private static bool Eventually(Func<bool> done)
    {
        for (int i = 0; i < 600; i++)
        {
            if (done())
                return true;
            using var e = new ManualResetEventSlim();
            e.Wait(100);
        }
        return false;
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void The_handle_key_file_is_made_0600_and_a_key_file_others_may_read_is_refused_with_one_line()
    {
        var dir = Directory.CreateTempSubdirectory("vfs-key-").FullName;
        var key = Path.Combine(dir, "handles.key");
        using (var s = Serve("--key-file", key))
            Assert.Equal(0, s.Stop().Exit);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));

        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var (code, _, err) = VfsCommand.Run(["serve", .. FreePorts, "--key-file", key]);
        Assert.Equal(1, code);
        Assert.Equal($"vfs serve: {key}: the handle key may be read or written by others (mode 644); chmod 600 it", err.Trim());
        Directory.Delete(dir, true);
    }

    [Fact]
    public void The_portmapper_takes_SET_and_UNSET_only_from_a_privileged_port_on_loopback_and_never_of_the_servers_own()
    {
        using var s = ServeProcess.Start(["--tmpfs", "--nfs-port", "0", "--mount-port", "0", "--portmap-port", "0"]);
        bool Answer(RawRpc raw, uint proc, uint prog, uint port)
        {
            var call = RawRpc.Call(7, Portmapper.Program, 2, proc, w => new PmapMapping(prog, 3, Portmapper.IPPROTO_TCP, port).Encode(w));
            var h = raw.Roundtrip(call, out var reply);
            Assert.True(h.Success);
            return BinaryPrimitives.ReadUInt32BigEndian(reply.AsSpan(h.ResultsOffset)) != 0;
        }
        using (var user = new RawRpc(s.PortmapPort))
        {
            Assert.False(Answer(user, Portmapper.PMAPPROC_UNSET, Nfs3.Program, 0));
            Assert.False(Answer(user, Portmapper.PMAPPROC_SET, 400_001, 9999));
        }
        // From a privileged port (the test runs as root): a program of its own may be set and unset, NFS not unset.
        using (var root = new RawRpc(s.PortmapPort, localPort: 600 + Environment.ProcessId % 300))
        {
            Assert.True(Answer(root, Portmapper.PMAPPROC_SET, 400_001, 9999));
            Assert.False(Answer(root, Portmapper.PMAPPROC_UNSET, Nfs3.Program, 0));
            Assert.True(Answer(root, Portmapper.PMAPPROC_UNSET, 400_001, 0));
        }
        Assert.Equal(Errno.OK, PortmapClient.GetPort(TcpNetwork.Default, "127.0.0.1", s.PortmapPort, Nfs3.Program, 3,
            new RpcClientOptions { Timeout = TimeSpan.FromSeconds(2), Retrans = 3 }, out int nfs));
        Assert.Equal(s.NfsPort, nfs);
    }

    [Fact]
    public void Rpcinfo_p_and_showmount_e_work_over_UDP_with_the_portmapper_on_port_111()
    {
        // rpcinfo asks port 111 whatever it is told, so this server takes 111 (free unless an rpcbind runs here; the
        // lock waits for the NFS tests' ganesha and its rpcbind, which run beside these tests).
        using var port111 = PortmapPortLock.Take();
        using var s = ServeProcess.Start(["--tmpfs", "--nfs-port", "0", "--mount-port", "0", "--portmap-port", "111"]);
        (int Exit, string Said) Run(string program, params string[] args)
        {
            var psi = new System.Diagnostics.ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in args)
                psi.ArgumentList.Add(a);
            using var p = System.Diagnostics.Process.Start(psi)!;
            var said = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
            Assert.True(p.WaitForExit(30_000), $"{program} did not finish");
            return (p.ExitCode, said);
        }
        var (exit, table) = Run("rpcinfo", "-p", "127.0.0.1");
        Assert.True(exit == 0, table);
        Assert.Matches($@"100005\s+3\s+udp\s+{s.MountPort}\s", table);
        Assert.Matches(@"100000\s+2\s+udp\s+111\s", table);
        Assert.Matches($@"100003\s+3\s+tcp\s+{s.NfsPort}\s", table);
        Assert.Matches($@"100003\s+3\s+udp\s+{s.NfsPort}\s", table);
        (exit, var exports) = Run("rpcinfo", "-u", "127.0.0.1", "mountd", "3");
        Assert.True(exit == 0 && exports.Contains("ready and waiting"), exports);
        (exit, var nfsNull) = Run("rpcinfo", "-u", "127.0.0.1", "nfs", "3"); // NFS's NULL procedure in a datagram
        Assert.True(exit == 0 && nfsNull.Contains("ready and waiting"), nfsNull);
        (exit, exports) = Run("showmount", "-e", "127.0.0.1");
        Assert.True(exit == 0, exports);
        Assert.Contains("/export *", exports);

        using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 10_000 };
        udp.Connect(new IPEndPoint(IPAddress.Loopback, s.PortmapPort));
        udp.Send(RawRpc.Call(5, Portmapper.Program, 2, Portmapper.PMAPPROC_GETPORT, w =>
            new PmapMapping(Mount3.Program, Mount3.Version, Portmapper.IPPROTO_UDP, 0).Encode(w)));
        var reply = new byte[1024];
        int n = udp.Receive(reply);
        Assert.True(RpcReplyHeader.TryDecode(reply.AsSpan(0, n), out var h) && h.Success);
        Assert.Equal((uint)s.MountPort, BinaryPrimitives.ReadUInt32BigEndian(reply.AsSpan(h.ResultsOffset)));
    }

    [Fact]
    public void Access_lists_refuse_a_client_not_listed_make_ro_clients_read_only_and_keep_root_for_root_clients()
    {
        using (var other = Serve("--clients", "rw=10.0.0.0/8:192.168.1.5"))
        {
            var nfs = ServeAttackTests.As(other, 1000);
            Assert.Equal(MountStat3.MNT3ERR_ACCES, nfs.Mnt("/export").Status);
            nfs.Close();
        }
        using (var ro = Serve("--clients", "rw=10.0.0.0/8,ro=127.0.0.0/8,root=127.0.0.1"))
        {
            var root = ServeAttackTests.As(ro, 0, 0);
            var (st, top) = root.Mnt("/export");
            Assert.Equal(MountStat3.MNT3_OK, st);
            Assert.Equal(NfsStat3.NFS3ERR_ROFS, root.Create(top, "nope").Status);
            root.Close();
        }
        using (var rootOk = Serve("--clients", "root=127.0.0.1"))
        {
            var root = ServeAttackTests.As(rootOk, 0, 0);
            var (_, top) = root.Mnt("/export");
            var (st, fh) = root.Create(top, "roots");
            Assert.Equal(NfsStat3.NFS3_OK, st);
            Assert.Equal(0u, root.Getattr(fh).Attr!.Uid);
            root.Close();
        }
        var (code, _, err) = VfsCommand.Run(["serve", .. FreePorts, "--clients", "rw=somehost"]);
        Assert.Equal("vfs serve: --clients: 'somehost' is not an address or a CIDR range", err.Trim());
        Assert.Equal(1, code);
    }

    [Fact]
    public void Past_the_connection_cap_a_connection_is_closed_at_once_and_a_slot_freed_is_used_again()
    {
        using var s = Serve("--max-connections", "8");
        var held = new List<RawRpc>();
        try
        {
            for (int i = 0; i < 8; i++)
            {
                var raw = new RawRpc(s.NfsPort);
                raw.Send(RawRpc.Call(1, Nfs3.Program, 3, Nfs3.NULL));
                Assert.NotNull(raw.Receive());
                held.Add(raw);
            }
            using (var ninth = new RawRpc(s.NfsPort))
                Assert.True(ninth.ClosedByPeer());
            long threads = s.Threads;
            for (int i = 0; i < 20; i++)
            {
                using var more = new RawRpc(s.NfsPort);
                Assert.True(more.ClosedByPeer());
            }
            Assert.True(s.Threads <= threads + 2, $"refused connections made threads: {threads} -> {s.Threads}");
            held[0].Dispose();
            held.RemoveAt(0);
            Assert.True(Eventually(() => Answers(s.NfsPort)), "a freed slot was not used again");
        }
        finally
        {
            foreach (var h in held)
                h.Dispose();
        }
    }

    [Fact]
    public void A_slowloris_is_closed_by_the_idle_timeout_and_the_server_still_answers()
    {
        using var s = Serve("--idle-timeout", "2");
        using var loris = new RawRpc(s.NfsPort);
        var call = RawRpc.Call(1, Nfs3.Program, 3, Nfs3.NULL);
        var mark = new byte[4];
        RecordMarking.WriteMark(mark, call.Length);
        var bytes = mark.Concat(call).ToArray();
        // A byte every 100 ms, never the last: the record is never whole. Sending fails once the server closes it;
        // after the last byte but one, a read must see the close (a read that times out fails the test).
        int sent = 0;
        bool closed = Eventually(() =>
        {
            if (sent >= bytes.Length - 1)
                return true;
            try { loris.SendRaw(bytes.AsSpan(sent++, 1)); }
            catch (SocketException) { return true; }
            return false;
        });
        Assert.True(closed);
        Assert.True(loris.ClosedByPeer(), "a connection that never completed a record was not closed");
        Assert.True(Eventually(() => Answers(s.NfsPort)), "the server stopped answering");
    }

    [Fact]
    public void Out_of_file_descriptors_under_ulimit_256_the_server_lives_and_serves_once_connections_close()
    {
        using var s = ServeProcess.Start(FreePorts, shellPrefix: "ulimit -n 256");
        var conns = new List<Socket>();
        var call = RawRpc.Call(1, Nfs3.Program, 3, Nfs3.NULL);
        var record = new byte[4 + call.Length];
        RecordMarking.WriteMark(record, call.Length);
        call.CopyTo(record, 4);
        try
        {
            // Each connection sends a call, so the server must read and answer it with what descriptors it has left.
            for (int i = 0; i < 400; i++)
            {
                var c = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    c.Connect(new IPEndPoint(IPAddress.Loopback, s.NfsPort));
                    c.Send(record);
                }
                catch (SocketException) { c.Dispose(); continue; }
                conns.Add(c);
            }
            Assert.True(Eventually(() => Directory.GetFiles($"/proc/{s.Proc.Id}/fd").Length >= 200),
                "the server never reached its descriptor limit");
            Assert.False(s.Proc.HasExited, "the server died out of descriptors");
        }
        finally
        {
            foreach (var c in conns)
                c.Dispose();
        }
        Assert.True(Eventually(() => Answers(s.NfsPort)), "the server did not serve again after the connections closed");
        Assert.False(s.Proc.HasExited);
        Assert.Equal(0, s.Stop().Exit);
    }

    [Fact]
    public void Stalled_2_MiB_records_hold_only_what_was_sent_and_endless_empty_fragments_are_cut_off()
    {
        using var s = Serve();
        Assert.True(Eventually(() => Answers(s.NfsPort)), "the server stopped answering");
        long before = s.StatusKib("VmRSS");
        var stalled = new List<RawRpc>();
        try
        {
            for (int i = 0; i < 200; i++)
            {
                var raw = new RawRpc(s.NfsPort);
                var head = new byte[4 + 100];
                RecordMarking.WriteMark(head, 2 << 20);
                raw.SendRaw(head);
                stalled.Add(raw);
            }
            Assert.True(Eventually(() => Answers(s.NfsPort)), "the server stopped answering");
            long during = s.StatusKib("VmRSS");
            output.WriteLine($"RSS {before} KiB before, {during} KiB with 200 stalled 2 MiB records");
            Assert.True(during - before < 120 * 1024, $"200 stalled records took {(during - before) / 1024} MiB");
        }
        finally
        {
            foreach (var r in stalled)
                r.Dispose();
        }

        using var empty = new RawRpc(s.NfsPort);
        var zeros = new byte[4 * 4096];   // marks of zero-length fragments that are not the last
        bool cut = false;
        for (int i = 0; i < 1000 && !cut; i++)
        {
            try { empty.SendRaw(zeros); }
            catch (SocketException) { cut = true; }
        }
        Assert.True(cut || empty.ClosedByPeer(), "a stream of empty fragments was not cut off");
        Assert.True(Eventually(() => Answers(s.NfsPort)), "the server stopped answering");
    }

    [Fact]
    public void A_fuzz_of_20000_mutated_records_leaves_the_server_answering_and_within_its_buffer_budget()
    {
        using var s = Serve("--max-buffer-mib", "16");
        var nfs = ServeAttackTests.As(s, 1000);
        var (_, root) = nfs.Mnt("/export");
        var (_, fh) = nfs.Create(root, "fuzzed");
        nfs.Close();
        var seeds = new List<byte[]>
        {
            RawRpc.Call(1, Nfs3.Program, 3, Nfs3.NULL),
            RawRpc.Call(2, Nfs3.Program, 3, Nfs3.GETATTR, w => w.WriteOpaque(fh), ServeAttackTests.Cred(1000)),
            RawRpc.Call(3, Nfs3.Program, 3, Nfs3.LOOKUP, w => { w.WriteOpaque(root); w.WriteString("fuzzed"); }, ServeAttackTests.Cred(1000)),
            RawRpc.Call(4, Nfs3.Program, 3, Nfs3.READ, w => { w.WriteOpaque(fh); w.WriteUInt64(0); w.WriteUInt32(4096); }, ServeAttackTests.Cred(1000)),
            RawRpc.Call(5, Nfs3.Program, 3, Nfs3.WRITE, w => ServeAttackTests.WriteArgs(w, fh, 0, new byte[512]), ServeAttackTests.Cred(1000)),
            RawRpc.Call(6, Nfs3.Program, 3, Nfs3.READDIRPLUS, w => { w.WriteOpaque(root); w.WriteUInt64(0); w.WriteUInt64(0); w.WriteUInt32(4096); w.WriteUInt32(65536); }, ServeAttackTests.Cred(1000)),
            RawRpc.Call(7, Nfs3.Program, 3, Nfs3.CREATE, w => { w.WriteOpaque(root); w.WriteString("f"); w.WriteUInt32(0); Nfs3Attr.WriteSattr(w, new Vattr(AttrMask.AT_MODE | AttrMask.AT_SIZE) { Mode = 0x1A4, Size = 10 }); }, ServeAttackTests.Cred(1000)),
            RawRpc.Call(8, Nfs3.Program, 3, Nfs3.SETATTR, w => { w.WriteOpaque(fh); Nfs3Attr.WriteSattr(w, new Vattr(AttrMask.AT_SIZE) { Size = 0 }); w.WriteBool(false); }, ServeAttackTests.Cred(1000)),
            RawRpc.Call(9, Mount3.Program, 3, Mount3.MNT, w => w.WriteString("/export")),
        };
        var rng = new Random(20_000);
        int sent = 0, replies = 0, closed = 0;
        const int total = 20_000;
        while (sent < total)
        {
            using var raw = new RawRpc(rng.Next(4) == 0 ? s.MountPort : s.NfsPort);
            var reader = new Thread(() => { while (raw.Receive() is not null) Interlocked.Increment(ref replies); }) { IsBackground = true };
            reader.Start();
            try
            {
                for (int i = 0; i < 500 && sent < total; i++, sent++)
                    raw.Send(Mutate(seeds[rng.Next(seeds.Count)], rng));
            }
            catch (SocketException)
            {
                closed++;   // the server closed a connection that sent something it would not take
            }
            raw.ShutdownSend();
            reader.Join(30_000);
        }
        long budgetKib = 16 * 1024;
        long rss = s.StatusKib("VmRSS");
        output.WriteLine($"fuzz: {sent} mutated records sent, {replies} replies, {closed} connections closed by the server, RSS {rss / 1024} MiB");
        Assert.True(Eventually(() => Answers(s.NfsPort)), "the server stopped answering after the fuzz");
        Assert.False(s.Proc.HasExited);
        var (exit, rest) = s.Stop();
        Assert.Equal(0, exit);
        // "stopped (peak buffers N MiB of 16)": the receive buffers never went past the budget.
        var peak = System.Text.RegularExpressions.Regex.Match(rest, @"peak buffers (\d+) MiB of (\d+)");
        Assert.True(peak.Success, rest);
        Assert.True(long.Parse(peak.Groups[1].Value) * 1024 <= budgetKib + 2048, rest);
        Assert.True(replies > total / 4, $"only {replies} replies to {total} records");
    }

    /// <summary>A mutation of a record: flipped bytes, a cut, a stretch of garbage, a changed length word or xid.</summary>
    private static byte[] Mutate(byte[] seed, Random rng)
    {
        var b = seed.ToList();
        int edits = 1 + rng.Next(4);
        for (int e = 0; e < edits; e++)
        {
            switch (rng.Next(5))
            {
                case 0:
                    if (b.Count > 0)
                        b[rng.Next(b.Count)] ^= (byte)(1 << rng.Next(8));
                    break;
                case 1:
                    b = b.Take(rng.Next(b.Count + 1)).ToList();
                    break;
                case 2:
                    var junk = new byte[rng.Next(1, 64)];
                    rng.NextBytes(junk);
                    b.InsertRange(rng.Next(b.Count + 1), junk);
                    break;
                case 3:
                    if (b.Count >= 8)
                    {
                        int at = rng.Next(b.Count / 4) * 4;
                        uint v = rng.Next(3) switch { 0 => 0xFFFFFFFF, 1 => 0x7FFFFFFF, _ => (uint)rng.Next(1 << 20) };
                        BinaryPrimitives.WriteUInt32BigEndian(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(b).Slice(at, 4), v);
                    }
                    break;
                default:
                    if (b.Count >= 4)
                        BinaryPrimitives.WriteUInt32BigEndian(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(b)[..4], (uint)rng.Next());
                    break;
            }
        }
        return b.ToArray();
    }
}
