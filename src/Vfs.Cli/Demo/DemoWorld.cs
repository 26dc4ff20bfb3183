// Vfs.Cli / demo: the world a figure runs in -- its hosts, their network, their UFS images -- and the
// set-up steps every figure shares: make a UFS, share a directory, import one, stop and start a host, and at
// the end unmount everything and fsck every image.
//
// Two kinds of network: real TCP on 127.0.0.1 (vfs demo: every server on its own ephemeral ports, clients
// told the ports), and the simulated network of Vfs.Nfs (the xunit scenario tests: deterministic, no sockets).
// Images are block files in a temporary directory, or memory devices for the tests.
using UnixVfs.Core;
using UnixVfs.Nfs.Net;
using UnixVfs.Nfs.Server;
using UnixVfs.Ufs;

namespace UnixVfs.Cli.Demo;

/// <summary>Which network a scenario's hosts talk NFS over.</summary>
public enum DemoNetwork
{
    /// <summary>Real TCP on 127.0.0.1.</summary>
    Tcp,
    /// <summary>The deterministic simulated network.</summary>
    Simulated,
}

/// <summary>The hosts, network and images of one scenario.</summary>
public sealed class DemoWorld : IDisposable
{
    private readonly List<DemoHost> _hosts = new();
    private readonly List<(string Label, IBlockDevice Dev)> _images = new();
    private readonly SimNetwork? _sim;
    private readonly string? _imageDir;

    /// <param name="network">TCP on loopback, or simulated.</param>
    /// <param name="imageDir">Where UFS images are made as files; null keeps them in memory.</param>
    public DemoWorld(DemoNetwork network, string? imageDir)
    {
        Network = network;
        _imageDir = imageDir;
        if (network == DemoNetwork.Simulated)
            _sim = new SimNetwork(seed: 5);
    }

    public DemoNetwork Network { get; }

    public IReadOnlyList<DemoHost> Hosts => _hosts;

    /// <summary>The soft-mount options figures use, so a server that stops answering is noticed in about a second.</summary>
    public const string SoftOptions = "soft,timeo=3,retrans=1,actimeo=0";

    /// <summary>
    /// The soft-mount options of a client of a mirror server: longer than SoftOptions, so that the server can notice
    /// its own peer has stopped answering, and fail over, before the client gives up on the server.
    /// </summary>
    public const string ClientOptions = "soft,timeo=10,retrans=1,actimeo=0";

    public DemoHost AddHost(string name)
    {
        DemoHost h = Network == DemoNetwork.Tcp
            ? new DemoHost(name, TcpNetwork.Default, new NfsServerOptions { Address = "127.0.0.1", NfsPort = 0, MountPort = 0, PortmapPort = -1 })
            : new DemoHost(name, _sim!.AddHost(name), new NfsServerOptions { Address = name, NfsPort = 2049, MountPort = 635, PortmapPort = -1 });
        _hosts.Add(h);
        return h;
    }

    /// <summary>newfs a 64 MiB UFS2 image and mount it on <paramref name="dir"/> of <paramref name="h"/>.</summary>
    public Errno NewUfs(DemoHost h, string dir, string label)
    {
        const long size = 64L << 20;
        IBlockDevice dev;
        if (_imageDir is null)
            dev = new MemoryBlockDevice(size);
        else
        {
            var err0 = FileBlockDevice.Create(Path.Combine(_imageDir, label + ".img"), size, out var fdev);
            if (err0 != Errno.OK)
                return err0;
            dev = fdev!;
        }
        _images.Add((label, dev));
        var err = Newfs.Make(dev, new NewfsOptions { Size = size, Volname = label }, h.Kernel.Now(), out _, out _);
        if (err == Errno.OK)
            err = h.MkdirP(dir);
        return err == Errno.OK ? h.P.Mount(label, dir, "ufs", MountFlags.None, "", dev) : err;
    }

    /// <summary>share -o root PATH on <paramref name="h"/> (a mirror server needs root on the file systems it mirrors).</summary>
    public Errno Share(DemoHost h, string path)
    {
        var err = h.Server.Share(new ExportOptions { Path = path, RootSquash = false });
        if (err == Errno.OK && !h.Server.IsRunning)
            err = h.Server.Start();
        return err;
    }

    /// <summary>mount -F nfs -o soft,... SERVER:EXPORT DIR on <paramref name="client"/>.</summary>
    public Errno Import(DemoHost client, DemoHost server, string export, string dir, string options = SoftOptions)
    {
        var err = client.MkdirP(dir);
        if (err != Errno.OK)
            return err;
        string spec = Network == DemoNetwork.Tcp ? $"127.0.0.1:{export}" : $"{server.Name}:{export}";
        string opts = Network == DemoNetwork.Tcp ? $"{options},port={server.Server.NfsPort},mountport={server.Server.MountPort}" : $"{options},port=2049,mountport=635";
        return client.P.Mount(spec, dir, "nfs", MountFlags.None, opts);
    }

    /// <summary>The host stops answering: its NFS server drops every connection and listens no more (a power cut, seen from the network).</summary>
    public void Stop(DemoHost h)
    {
        h.Server.Crash();
        if (h.Net is SimHost sh)
            sh.Crash();
    }

    /// <summary>The host is back: same disks, same exports, same ports.</summary>
    public Errno Start(DemoHost h)
    {
        if (h.Net is SimHost sh)
            sh.Restart();
        return h.Server.Start();
    }

    /// <summary>
    /// The end of a figure: stop the servers, unmount everything on every host (mirrors first, then imports,
    /// then disks), and check every UFS image with fsck. Returns one line per image.
    /// </summary>
    public List<(string Image, bool Clean, string Detail)> UnmountAndFsck()
    {
        foreach (var h in _hosts)
            if (h.Server.IsRunning)
                h.Server.Stop();
        foreach (var type in new[] { "mfs", "nfs", "ufs" })
            foreach (var h in _hosts)
                foreach (var v in h.Kernel.Mounts.Where(v => v.FstypeName == type).Reverse())
                    h.Kernel.Unmount(v, UnmountFlags.MS_FORCE, Cred.Kcred);
        var results = new List<(string, bool, string)>();
        foreach (var (label, dev) in _images)
        {
            var err = Fsck.Run(dev, repair: false, out var report);
            results.Add((label, err == Errno.OK && report.Clean,
                err != Errno.OK ? err.ToString() : report.Clean ? "clean" : string.Join("; ", report.Problems.Take(3))));
        }
        return results;
    }

    public void Dispose()
    {
        foreach (var h in _hosts)
            if (h.Server.IsRunning)
                h.Server.Crash();
        foreach (var (_, dev) in _images)
            dev.Dispose();
    }
}
