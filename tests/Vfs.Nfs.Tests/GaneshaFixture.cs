// Test helper: an nfs-ganesha server (FSAL_VFS, NFSv3 only) exporting a temporary host directory
// on 127.0.0.1, started on first use and stopped when the interop tests are done. Ganesha will not
// start without a portmapper to register with, so rpcbind is started too when none is running
// (and stopped again if we started it).
using System.Diagnostics;
using System.Net.Sockets;
using UnixVfs.Core;
using UnixVfs.Nfs.Net;
using UnixVfs.Nfs.Protocol;
using UnixVfs.Nfs.Rpc;

namespace UnixVfs.Nfs.Tests;

[CollectionDefinition("interop")]
public sealed class InteropCollection : ICollectionFixture<GaneshaFixture>;

public sealed class GaneshaFixture : IDisposable
{
    private readonly object _lock = new();
    private System.Diagnostics.Process? _ganesha, _rpcbind;
    private string? _dir;

    public string ExportDir { get; private set; } = "";
    public int NfsPort { get; private set; }
    public int MountPort { get; private set; }

    /// <summary>Starts ganesha (once); fails the calling test, saying why, if it cannot.</summary>
    public void Start()
    {
        lock (_lock)
        {
            if (_ganesha is not null)
                return;
            Peers.Require(true, "ganesha.nfsd", "rpcbind");
            if (!PortOpen(111))
            {
                _rpcbind = System.Diagnostics.Process.Start(new ProcessStartInfo(Peers.Which("rpcbind")!, "-f -w") { UseShellExecute = false })!;
                for (int i = 0; i < 50 && !PortOpen(111); i++)
                    Thread.Sleep(100);
                Assert.True(PortOpen(111), "rpcbind did not start listening on port 111");
            }
            _dir = Peers.TempDir("ganesha");
            ExportDir = Path.Combine(_dir, "export");
            Directory.CreateDirectory(ExportDir);
            Directory.CreateDirectory(Path.Combine(_dir, "recovery"));
            NfsPort = Peers.FreePort();
            MountPort = Peers.FreePort();
            var conf = Path.Combine(_dir, "ganesha.conf");
            File.WriteAllText(conf, $$"""
                NFS_CORE_PARAM {
                    Protocols = 3;
                    NFS_Port = {{NfsPort}};
                    MNT_Port = {{MountPort}};
                    Bind_addr = 127.0.0.1;
                    Enable_NLM = false;
                    Enable_RQUOTA = false;
                }
                NFSV4 { Graceless = true; RecoveryRoot = {{_dir}}/recovery; }
                NFS_KRB5 { Active_krb5 = false; }
                EXPORT {
                    Export_Id = 77;
                    Path = {{ExportDir}};
                    Pseudo = {{ExportDir}};
                    Access_Type = RW;
                    Squash = No_Root_Squash;
                    SecType = sys;
                    Protocols = 3;
                    Transports = TCP;
                    FSAL { Name = VFS; }
                }
                LOG { Default_Log_Level = WARN; }
                """);
            _ganesha = System.Diagnostics.Process.Start(new ProcessStartInfo(Peers.Which("ganesha.nfsd")!)
            {
                ArgumentList = { "-F", "-L", Path.Combine(_dir, "ganesha.log"), "-f", conf, "-p", Path.Combine(_dir, "ganesha.pid") },
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            _ganesha.StandardOutput.ReadToEndAsync();
            _ganesha.StandardError.ReadToEndAsync();
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (!Answers() && DateTime.UtcNow < deadline && !_ganesha.HasExited)
                Thread.Sleep(200);
            if (!Answers())
            {
                var log = File.Exists(Path.Combine(_dir, "ganesha.log")) ? File.ReadAllText(Path.Combine(_dir, "ganesha.log")) : "";
                Assert.Fail("nfs-ganesha did not start answering NFS NULL on 127.0.0.1:" + NfsPort + "\n" + log[^Math.Min(log.Length, 2000)..]);
            }
        }
    }

    private bool Answers()
    {
        var c = new RpcClient(TcpNetwork.Default, "127.0.0.1", NfsPort, Nfs3.Program, Nfs3.Version, new RpcClientOptions { Timeout = TimeSpan.FromMilliseconds(300), Retrans = 0 });
        var err = c.Call(c.NewCall(Nfs3.NULL, OpaqueAuth.None), out var res);
        if (err == Errno.OK)
            res.Release();
        c.Close();
        return err == Errno.OK;
    }

    private static bool PortOpen(int port)
    {
        try
        {
            using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.Connect("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        foreach (var p in new[] { _ganesha, _rpcbind })
        {
            if (p is null || p.HasExited)
                continue;
            p.Kill();
            p.WaitForExit(10_000);
        }
        if (_dir is not null)
            try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
