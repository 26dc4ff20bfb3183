// Vfs.Nfs / portmapper: asking a host's portmapper (ours, or rpcbind) where a program listens.
using UnixVfs.Core;
using UnixVfs.Nfs.Net;
using UnixVfs.Nfs.Rpc;

namespace UnixVfs.Nfs.Portmap;

/// <summary>PMAPPROC_GETPORT as a client.</summary>
public static class PortmapClient
{
    /// <summary>The standard portmapper port.</summary>
    public const int DefaultPort = 111;

    /// <summary>
    /// Asks the portmapper at <paramref name="host"/>:<paramref name="pmapPort"/> for the TCP port of
    /// <paramref name="prog"/> version <paramref name="vers"/>. Returns OK with the port, ENOENT (not registered),
    /// or the errnos of an RPC call (ETIMEDOUT, ECONNREFUSED-as-ETIMEDOUT, EPROTO, ...).
    /// </summary>
    public static Errno GetPort(IRpcNetwork net, string host, int pmapPort, uint prog, uint vers, RpcClientOptions options, out int port)
    {
        port = 0;
        var c = new RpcClient(net, host, pmapPort, Portmapper.Program, Portmapper.Version, options with { Datagram = false });
        try
        {
            var w = c.NewCall(Portmapper.PMAPPROC_GETPORT, OpaqueAuth.None);
            new PmapMapping(prog, vers, options.Datagram ? Portmapper.IPPROTO_UDP : Portmapper.IPPROTO_TCP, 0).Encode(w);
            var err = c.Call(w, out var res);
            if (err != Errno.OK)
                return err;
            var r = res.Reader();
            uint p = r.ReadUInt32();
            bool bad = r.Failed || p > 65535;
            res.Release();
            if (bad)
                return Errno.EPROTO;
            if (p == 0)
                return Errno.ENOENT;
            port = (int)p;
            return Errno.OK;
        }
        finally
        {
            c.Close();
        }
    }
}
