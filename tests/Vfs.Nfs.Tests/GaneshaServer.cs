// A running nfs-ganesha (FSAL_VFS, NFSv3 only, on 127.0.0.1) exporting a fresh host directory (in the
// host's temporary directory unless the caller names another), for the interop tests and the benchmark
// harness (which links this file and puts the export next to the image it compares ganesha with). Ganesha will
// not start without a portmapper to register with, so rpcbind is started too when none is
// listening on port 111, and stopped again with ganesha. Plain code, no test framework: failures
// are exceptions whose message says what went wrong.
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using UnixVfs.Core;
using UnixVfs.Nfs.Net;
using UnixVfs.Nfs.Protocol;
using UnixVfs.Nfs.Rpc;

namespace UnixVfs.Nfs.Tests;

public sealed class GaneshaServer : IDisposable
{
    private readonly System.Diagnostics.Process _ganesha;
    private readonly System.Diagnostics.Process? _rpcbind;
    private readonly UnixVfs.Testing.PortmapPortLock _port111;
    private readonly string _dir;

    private GaneshaServer(System.Diagnostics.Process ganesha, System.Diagnostics.Process? rpcbind, UnixVfs.Testing.PortmapPortLock port111,
        string dir, string export, int nfsPort, int mountPort)
    {
        _port111 = port111;
        _ganesha = ganesha;
        _rpcbind = rpcbind;
        _dir = dir;
        ExportDir = export;
        NfsPort = nfsPort;
        MountPort = mountPort;
    }

    /// <summary>The exported host directory.</summary>
    public string ExportDir { get; }
    public int NfsPort { get; }
    public int MountPort { get; }

    /// <summary>Why ganesha cannot run here (not root, not installed), or null.</summary>
    public static string? CannotRun()
    {
        var missing = new[] { "ganesha.nfsd", "rpcbind" }.Where(p => Which(p) is null).ToList();
        if (missing.Count > 0)
            return $"{string.Join(", ", missing)} not installed (./test.sh installs the Debian peers when run as root)";
        return Environment.UserName == "root" ? null : "nfs-ganesha and rpcbind need root";
    }

    public static string? Which(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Concat(["/usr/sbin", "/sbin"])
            .Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);

    /// <summary>
    /// Starts rpcbind if need be, then ganesha exporting a fresh directory made under <paramref name="under"/> (the
    /// host's temporary directory when null), and waits until it answers NFS NULL. Throws InvalidOperationException
    /// saying why it could not.
    /// </summary>
    public static GaneshaServer Start(string? under = null)
    {
        if (CannotRun() is { } why)
            throw new InvalidOperationException("nfs-ganesha cannot run: " + why);
        // Ganesha registers with the portmapper on port 111 and keeps using it: no other test may take the port meanwhile.
        var port111 = UnixVfs.Testing.PortmapPortLock.Take();
        System.Diagnostics.Process? rpcbind = null;
        if (!PortOpen(111))
        {
            rpcbind = System.Diagnostics.Process.Start(new ProcessStartInfo(Which("rpcbind")!, "-f -w") { UseShellExecute = false })!;
            for (int i = 0; i < 50 && !PortOpen(111); i++)
                Thread.Sleep(100);
            if (!PortOpen(111))
            {
                port111.Dispose();
                throw new InvalidOperationException("rpcbind did not start listening on port 111");
            }
        }
        var dir = Path.Combine(under ?? Path.GetTempPath(), "vfs-ganesha-" + Guid.NewGuid().ToString("N")[..12]);
        var export = Path.Combine(dir, "export");
        Directory.CreateDirectory(export);
        Directory.CreateDirectory(Path.Combine(dir, "recovery"));
        int nfsPort = FreePort(), mountPort = FreePort();
        var conf = Path.Combine(dir, "ganesha.conf");
        File.WriteAllText(conf, $$"""
            NFS_CORE_PARAM {
                Protocols = 3;
                NFS_Port = {{nfsPort}};
                MNT_Port = {{mountPort}};
                Bind_addr = 127.0.0.1;
                Enable_NLM = false;
                Enable_RQUOTA = false;
            }
            NFSV4 { Graceless = true; RecoveryRoot = {{dir}}/recovery; }
            NFS_KRB5 { Active_krb5 = false; }
            EXPORT {
                Export_Id = 77;
                Path = {{export}};
                Pseudo = {{export}};
                Access_Type = RW;
                Squash = No_Root_Squash;
                SecType = sys;
                Protocols = 3;
                Transports = TCP;
                FSAL { Name = VFS; }
            }
            LOG { Default_Log_Level = WARN; }
            """);
        var log = Path.Combine(dir, "ganesha.log");
        var g = System.Diagnostics.Process.Start(new ProcessStartInfo(Which("ganesha.nfsd")!)
        {
            ArgumentList = { "-F", "-L", log, "-f", conf, "-p", Path.Combine(dir, "ganesha.pid") },
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        g.StandardOutput.ReadToEndAsync();
        g.StandardError.ReadToEndAsync();
        var server = new GaneshaServer(g, rpcbind, port111, dir, export, nfsPort, mountPort);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!Answers(nfsPort) && DateTime.UtcNow < deadline && !g.HasExited)
            Thread.Sleep(200);
        if (!Answers(nfsPort))
        {
            var text = File.Exists(log) ? File.ReadAllText(log) : "";
            server.Dispose();
            throw new InvalidOperationException($"nfs-ganesha did not answer NFS NULL on 127.0.0.1:{nfsPort}\n{text[^Math.Min(text.Length, 2000)..]}");
        }
        return server;
    }

    private static bool Answers(int port)
    {
        var c = new RpcClient(TcpNetwork.Default, "127.0.0.1", port, Nfs3.Program, Nfs3.Version, new RpcClientOptions { Timeout = TimeSpan.FromMilliseconds(300), Retrans = 0 });
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
            s.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>A TCP port free on 127.0.0.1 right now.</summary>
    public static int FreePort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
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
        _port111.Dispose();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
