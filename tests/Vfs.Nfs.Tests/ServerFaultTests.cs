// Tests of ONC RPC: a procedure that throws -- a bug, or a panic such as the lock-order checker's -- is answered with
// SYSTEM_ERR and logged, and the server goes on serving (docs/verification.md, Fixed: it used to end the process).
using UnixVfs.Core;
using UnixVfs.Nfs.Net;
using UnixVfs.Nfs.Rpc;
using UnixVfs.Nfs.Xdr;

namespace UnixVfs.Nfs.Tests;

public class ServerFaultTests
{
    private const uint Prog = 0x20000099;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_procedure_that_throws_is_answered_SYSTEM_ERR_and_logged_and_the_server_serves_on(bool panic)
    {
        var clock = new VirtualClock { AutoAdvance = true };
        var net = new SimNetwork(11, clock);
        var a = net.AddHost("a");
        var b = net.AddHost("b");
        var log = new List<string>();
        var s = new RpcServer { Log = line => { lock (log) log.Add(line); } };
        s.Register(new RpcProgram("test", Prog, 1, 1)
            .Add(1, 0, "null", (RpcCall _, ref XdrReader _, XdrWriter _) => AcceptStat.SUCCESS)
            .Add(1, 1, "bug", (RpcCall _, ref XdrReader _, XdrWriter _) =>
                throw (panic ? new VfsPanicException("lock order: rank 3 after rank 5") : new InvalidOperationException("a bug")),
                idempotent: false));
        Assert.Equal(Errno.OK, s.Listen(b, "b", 7, out _));
        var c = new RpcClient(a, "b", 7, Prog, 1, new RpcClientOptions { Timeout = TimeSpan.FromMilliseconds(50), Retrans = 2 });
        try
        {
            Assert.Equal(Errno.EIO, c.Call(c.NewCall(1, OpaqueAuth.None), out _));
            Assert.Equal(Errno.OK, c.Call(c.NewCall(0, OpaqueAuth.None), out var ok));
            ok.Release();
            Assert.Equal(1, s.Faults);
            string line = Assert.Single(log);
            Assert.Contains("test v1 bug from a", line);
            Assert.Contains(panic ? "panic: lock order" : "a bug", line);
        }
        finally
        {
            c.Close();
            s.Shutdown(abort: true);
            clock.AutoAdvance = false;
        }
    }
}
