// Vfs.Nfs / server: an NFS server host -- the portmapper, MOUNT v3 and NFSv3 programs serving
// the exports of one Kernel over one network.
//
// The server exports vnode subtrees of any file system in its Kernel (tmpfs, ufs, an mfs) and
// names none of them: every file is reached through VOP_*/VFS_* calls, handles are made with
// VOP_FID and resolved with VFS_VGET, and directories are read with VOP_READDIR's dirent64
// records and cookies (see Nfs3Service).
//
// Life cycle. Start listens on the configured ports (0 picks free ones at the first Start, kept
// for later ones; the ports bound are in NfsPort, MountPort, PortmapPort) and draws a new write
// verifier, as a boot does. Stop closes
// everything gracefully; Crash drops every connection at once with nothing more answered, as a host
// that loses power. Start again after either is a reboot: the same exports, the same handle key (so
// clients' handles still work), a new write verifier (so clients resend writes they had not
// committed) and an empty duplicate request cache.
//
// LOCK ORDER: _lock (the RPC server and the export table) is the server's outermost: a vnode released under
// it may run VOP_INACTIVE, which takes the exported file system's locks, and it is never taken while holding
// one. The MOUNT service's table lock is a leaf. The calls themselves run on the RPC service threads, which
// hold none of these while they call VOP_* (so no thread holds a client's rnode locks and a server's at once).
using UnixVfs.Core;
using UnixVfs.Nfs.Net;
using UnixVfs.Nfs.Portmap;
using UnixVfs.Nfs.Protocol;
using UnixVfs.Nfs.Rpc;

namespace UnixVfs.Nfs.Server;

/// <summary>Where and how an NFS server listens.</summary>
public sealed record NfsServerOptions
{
    /// <summary>The address to listen on: an IP address on TCP, the host's name on a simulated network.</summary>
    public string Address { get; init; } = "127.0.0.1";

    /// <summary>The NFS port (2049 is the standard one; 0 picks a free one).</summary>
    public int NfsPort { get; init; } = 2049;

    /// <summary>The MOUNT port (0 picks a free one).</summary>
    public int MountPort { get; init; }

    /// <summary>The portmapper port (111 is the standard one; 0 picks a free one; -1 runs no portmapper).</summary>
    public int PortmapPort { get; init; } = 111;

    /// <summary>The key file handles are signed with (at least 16 bytes). Keep it to keep handles valid across restarts; null draws a random one.</summary>
    public byte[]? HandleKey { get; init; }

    /// <summary>The largest READ and WRITE (FSINFO rtmax and wtmax), and the most bytes of a READDIR reply.</summary>
    public int MaxIo { get; init; } = 1024 * 1024;

    /// <summary>The most connections open at once (RpcServer.MaxConnections); more are accepted and closed at once.</summary>
    public int MaxConnections { get; init; } = 1024;

    /// <summary>How long a connection may send no whole call before it is closed (RpcServer.IdleTimeout).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(6);

    /// <summary>Read the next range of a file ahead for a client that reads it in order, one READ at a time (ReadAhead.cs).</summary>
    public bool ReadAhead { get; init; } = true;
}

/// <summary>An NFS server: exports of a Kernel, served over a network.</summary>
public sealed class NfsServer
{
    private readonly object _lock = new();
    private readonly Dictionary<uint, Export> _exports = new();
    private readonly Nfs3Service _nfs;
    private readonly MountService _mount;
    private readonly Portmapper _pmap;
    private RpcServer? _rpc;

    public NfsServer(Kernel kernel, IRpcNetwork network, NfsServerOptions? options = null)
    {
        Kernel = kernel;
        Network = network;
        Options = options ?? new NfsServerOptions();
        HandleKey = Options.HandleKey?.ToArray() ?? FileHandles.NewKey();
        Handles = new FileHandles(HandleKey);
        _nfs = new Nfs3Service(this);
        _mount = new MountService(this);
        _pmap = new Portmapper(IsLocal);
    }

    /// <summary>The host whose file systems are served.</summary>
    public Kernel Kernel { get; }

    public IRpcNetwork Network { get; }

    public NfsServerOptions Options { get; }

    /// <summary>The key handles are signed with (save it to reuse on restart).</summary>
    public byte[] HandleKey { get; }

    internal FileHandles Handles { get; }

    /// <summary>The ports bound by the last Start.</summary>
    public int NfsPort { get; private set; }
    public int MountPort { get; private set; }
    public int PortmapPort { get; private set; }

    /// <summary>The write verifier of this boot: it changes with every Start.</summary>
    public ulong WriteVerifier { get; private set; }

    /// <summary>True between Start and Stop/Crash.</summary>
    public bool IsRunning
    {
        get { lock (_lock) return _rpc is not null; }
    }

    /// <summary>The RPC server of this boot (for statistics), or null when stopped.</summary>
    public RpcServer? Rpc
    {
        get { lock (_lock) return _rpc; }
    }

    /// <summary>The portmapper's table.</summary>
    public Portmapper Portmapper => _pmap;

    /// <summary>The NFS and MOUNT programs' statistics.</summary>
    public Nfs3Service Nfs => _nfs;

    /// <summary>
    /// share: exports the directory <paramref name="options"/>.Path. Returns OK, ENOENT, ENOTDIR, EEXIST (already
    /// shared, or another export's id collides), EINVAL (a relative path).
    /// </summary>
    public Errno Share(ExportOptions options)
    {
        if (!options.Path.StartsWith('/'))
            return Errno.EINVAL;
        var p = Kernel.CreateProcess();
        try
        {
            var err = p.Lookupname(options.Path, true, out var vp);
            if (err != Errno.OK)
                return err;
            if (vp!.Type != VType.VDIR)
            {
                vp.Rele();
                return Errno.ENOTDIR;
            }
            var exp = new Export(options, vp, Export.IdFor(options.Path));
            lock (_lock)
            {
                if (_exports.ContainsKey(exp.Id))
                {
                    vp.Rele();
                    return Errno.EEXIST;
                }
                _exports.Add(exp.Id, exp);
            }
            return Errno.OK;
        }
        finally
        {
            p.Exit();
        }
    }

    /// <summary>unshare: stops exporting <paramref name="path"/>; its handles become stale. Returns OK or ENOENT.</summary>
    public Errno Unshare(string path)
    {
        Export? exp;
        lock (_lock)
        {
            exp = _exports.Values.FirstOrDefault(e => e.Options.Path == path);
            if (exp is null)
                return Errno.ENOENT;
            _exports.Remove(exp.Id);
        }
        _mount.Forget(path);
        exp.Root.Rele();
        return Errno.OK;
    }

    /// <summary>The exports, in no particular order.</summary>
    public IReadOnlyList<Export> Exports
    {
        get { lock (_lock) return _exports.Values.ToArray(); }
    }

    internal Export? FindExport(uint id)
    {
        lock (_lock)
            return _exports.GetValueOrDefault(id);
    }

    /// <summary>
    /// Starts serving (or restarts after Stop/Crash): listens on the configured ports and registers MOUNT and NFS with
    /// the portmapper. Returns OK, EADDRINUSE, EINVAL (a bad address), ENETDOWN.
    /// </summary>
    public Errno Start()
    {
        lock (_lock)
        {
            if (_rpc is not null)
                Shutdown(abort: true);
            var rpc = new RpcServer { MaxConnections = Options.MaxConnections, IdleTimeout = Options.IdleTimeout, Log = Kernel.Log };
            rpc.Register(_nfs.ToProgram());
            rpc.Register(_mount.ToProgram());
            if (Options.PortmapPort >= 0)
                rpc.Register(_pmap.ToProgram());
            // A port left to the system is chosen at the first start and kept for every restart, so that
            // clients told the port (a URL, a port= option) find the server again.
            var err = rpc.Listen(Network, Options.Address, Options.NfsPort != 0 ? Options.NfsPort : NfsPort, out int nfsPort);
            int mountPort = 0, pmapPort = 0;
            if (err == Errno.OK)
                err = rpc.Listen(Network, Options.Address, Options.MountPort != 0 ? Options.MountPort : MountPort, out mountPort);
            if (err == Errno.OK && Options.PortmapPort >= 0)
                err = rpc.Listen(Network, Options.Address, Options.PortmapPort != 0 ? Options.PortmapPort : PortmapPort, out pmapPort);
            if (err != Errno.OK)
            {
                rpc.Shutdown(abort: true);
                return err;
            }
            NfsPort = nfsPort;
            MountPort = mountPort;
            PortmapPort = pmapPort;
            _pmap.Unset(Nfs3.Program, Nfs3.Version);
            _pmap.Unset(Mount3.Program, Mount3.Version);
            _pmap.Unset(Mount3.Program, 1);
            _pmap.Set(new PmapMapping(Nfs3.Program, Nfs3.Version, Portmapper.IPPROTO_TCP, (uint)nfsPort));
            _pmap.Set(new PmapMapping(Mount3.Program, Mount3.Version, Portmapper.IPPROTO_TCP, (uint)mountPort));
            if (Options.PortmapPort >= 0)
                _pmap.Set(new PmapMapping(Portmapper.Program, Portmapper.Version, Portmapper.IPPROTO_TCP, (uint)pmapPort));
            // The portmapper, MOUNT and NFS over UDP too, on the same port numbers, where the network has datagrams
            // (rpcinfo and showmount ask over UDP; a client may mount with proto=udp). Over UDP a READ or READDIR
            // returns what a datagram carries (RpcCall.MaxResults), and FSINFO's limits stay those of TCP.
            if (rpc.ListenDatagram(Network, Options.Address, nfsPort) == Errno.OK)
                _pmap.Set(new PmapMapping(Nfs3.Program, Nfs3.Version, Portmapper.IPPROTO_UDP, (uint)nfsPort));
            if (rpc.ListenDatagram(Network, Options.Address, mountPort) == Errno.OK)
                _pmap.Set(new PmapMapping(Mount3.Program, Mount3.Version, Portmapper.IPPROTO_UDP, (uint)mountPort));
            if (Options.PortmapPort >= 0 && rpc.ListenDatagram(Network, Options.Address, pmapPort) == Errno.OK)
                _pmap.Set(new PmapMapping(Portmapper.Program, Portmapper.Version, Portmapper.IPPROTO_UDP, (uint)pmapPort));
            WriteVerifier = (ulong)Kernel.Random64();
            _rpc = rpc;
            return Errno.OK;
        }
    }

    /// <summary>
    /// Stops serving: closes listeners and connections; exports stay shared. With <paramref name="drain"/>, then waits
    /// up to that long for the calls still in service to return, so that an unmount after it does not find their
    /// vnodes held (outside _lock: a call in service may take it).
    /// </summary>
    public void Stop(TimeSpan drain = default)
    {
        RpcServer? rpc;
        lock (_lock)
        {
            rpc = _rpc;
            Shutdown(abort: false);
        }
        if (drain > TimeSpan.Zero)
            rpc?.WaitForCalls(drain);
    }

    /// <summary>Stops as a crash would: every connection is dropped at once and nothing more is answered.</summary>
    public void Crash()
    {
        lock (_lock)
            Shutdown(abort: true);
    }

    private void Shutdown(bool abort)
    {
        _rpc?.Shutdown(abort);
        _rpc = null;
    }

    /// <summary>The URL a libnfs client mounts <paramref name="exportPath"/> with (both ports named: no portmapper needed).</summary>
    public string Url(string exportPath) =>
        $"nfs://{Options.Address}{exportPath}?nfsport={NfsPort}&mountport={MountPort}&version=3";

    private bool IsLocal(string address) => address == Options.Address || Network.IsLocal(address);
}
