// Test helper: a server host exporting a tmpfs (or what a test mounts) and a client host that mounts it, over the
// simulated network or real TCP on 127.0.0.1. Everything a test makes, Dispose takes down.
using UnixVfs.Core;
using UnixVfs.Nfs.Client;
using UnixVfs.Nfs.Net;
using UnixVfs.Nfs.Server;
using UnixVfs.Testing;

namespace UnixVfs.Nfs.Tests;

internal sealed class TestBed : IDisposable
{
    public Kernel ServerKernel { get; }
    public Process ServerProc { get; }
    public NfsServer Server { get; }
    public Kernel ClientKernel { get; }
    public Process Client { get; }
    public SimNetwork? Sim { get; }
    public IRpcNetwork ClientNet { get; }
    private readonly List<Kernel> _more = new();
    private readonly List<Process> _procs = new();

    /// <param name="tcp">Real TCP on 127.0.0.1 instead of the simulated network.</param>
    /// <param name="export">Options of the export of /export (Path is filled in).</param>
    /// <param name="seed">The simulated network's seed.</param>
    /// <param name="profile">The simulated network's links.</param>
    /// <param name="serverOptions">The server's options (address and ports are filled in).</param>
    /// <param name="mountExport">Mounts what /export serves, instead of a tmpfs: given the server's kernel and a root process.</param>
    public TestBed(bool tcp = false, ExportOptions? export = null, int seed = 1, SimLinkProfile? profile = null, NfsServerOptions? serverOptions = null,
        Func<Kernel, Process, Errno>? mountExport = null)
    {
        ServerKernel = new Kernel("server");
        ServerProc = ServerKernel.CreateProcess();
        Check(ServerProc.Mkdir("/export", 0x1ED));
        Check(mountExport?.Invoke(ServerKernel, ServerProc) ?? ServerProc.Mount("swap", "/export", "tmpfs", options: "mode=0777"));
        IRpcNetwork serverNet;
        string address;
        if (tcp)
        {
            serverNet = ClientNet = TcpNetwork.Default;
            address = "127.0.0.1";
        }
        else
        {
            Sim = new SimNetwork(seed, profile: profile);
            serverNet = Sim.AddHost("server");
            ClientNet = Sim.AddHost("client");
            address = "server";
        }
        var so = serverOptions ?? new NfsServerOptions();
        Server = new NfsServer(ServerKernel, serverNet, so with
        {
            Address = address,
            NfsPort = tcp ? 0 : so.NfsPort,
            MountPort = 0,
            PortmapPort = tcp ? 0 : so.PortmapPort,
        });
        Check(Server.Share((export ?? new ExportOptions { Path = "/export" }) with { Path = "/export" }));
        Check(Server.Start());
        ClientKernel = new Kernel("client");
        Check(NfsClient.Install(ClientKernel, ClientNet));
        Client = ClientKernel.CreateProcess();
        Check(Client.Mkdir("/mnt", 0x1ED));
    }

    public string Host => Sim is null ? "127.0.0.1" : "server";

    /// <summary>The option string naming the server's ports.</summary>
    public string Ports => $"port={Server.NfsPort},mountport={Server.MountPort}";

    /// <summary>Mounts the export on <paramref name="dir"/> of the client with extra <paramref name="options"/>.</summary>
    public Errno Mount(string dir = "/mnt", string options = "", Process? p = null) =>
        (p ?? Client).Mount($"{Host}:/export", dir, "nfs", options: string.Join(',', new[] { Ports, options }.Where(s => s.Length > 0)));

    /// <summary>Another client host on the same network, with nfs installed and /mnt made.</summary>
    public Process NewClient(string name)
    {
        var k = new Kernel(name);
        var net = Sim is null ? (IRpcNetwork)TcpNetwork.Default : Sim.AddHost(name);
        Check(NfsClient.Install(k, net));
        var p = k.CreateProcess();
        Check(p.Mkdir("/mnt", 0x1ED));
        _more.Add(k);
        _procs.Add(p);
        return p;
    }

    public static void Check(Errno e)
    {
        if (e != Errno.OK)
            throw new InvalidOperationException($"setup failed: {e}");
    }

    /// <summary>
    /// Takes everything down and checks what must be left behind: the client processes' descriptors closed, every
    /// client mount gone without force (an NFS unmount is EBUSY while a vnode of it is held), and, on the server,
    /// no hold on any vnode of the export once it is unshared.
    /// </summary>
    public void Dispose()
    {
        foreach (var p in _procs)
            p.Exit();
        Client.Exit();
        var busy = new List<string>();
        foreach (var k in _more.Append(ClientKernel))
            foreach (var v in k.Mounts.Where(v => v.FstypeName == "nfs").Reverse().ToList())
                if (k.Unmount(v, UnmountFlags.None, Cred.Kcred) is var err && err != Errno.OK)
                {
                    busy.Add($"{k.Hostname}:{v.MntPt}: {err}");
                    k.Unmount(v, UnmountFlags.MS_FORCE, Cred.Kcred);
                }
        Server.Crash();
        foreach (var path in Server.Exports.Select(e => e.Options.Path).ToList())
            Server.Unshare(path); // each share holds its root
        Assert.True(busy.Count == 0, "client mounts left busy: " + string.Join(", ", busy));
        Holds.AssertBalanced(ServerKernel, "/export");
    }
}
