// Vfs.Cli / shell: the world a shell session runs in -- its hosts on one simulated network (plus real TCP
// for NFS servers given by IP address), the current host, and the session's output.
using UnixVfs.Core;
using UnixVfs.Nfs.Net;

namespace UnixVfs.Cli.Shell;

/// <summary>The hosts of a shell session.</summary>
internal sealed class ShellWorld
{
    private readonly Dictionary<string, ShellHost> _hosts = new(StringComparer.Ordinal);

    /// <param name="output">Where commands write.</param>
    /// <param name="imageDir">Where relative image names live (default: the current directory).</param>
    /// <param name="seed">The simulated network's seed.</param>
    /// <param name="collectMetrics">
    /// Keep the totals `mfsadm stats` shows. A listener makes every VOP and every copy call record a measurement, so a
    /// world that only builds what `vfs serve` or `vfs mount-host` then serves is made without one.
    /// </param>
    public ShellWorld(TextWriter output, string? imageDir = null, int seed = 1, bool collectMetrics = true)
    {
        Output = output;
        Metrics = collectMetrics ? new MetricsCollector() : null;
        ImageDir = imageDir ?? Directory.GetCurrentDirectory();
        Sim = new SimNetwork(seed);
        Current = AddHost("localhost");
    }

    public TextWriter Output { get; }

    /// <summary>Where relative image names (newfs, fsck, mount -F ufs) live on the real host.</summary>
    public string ImageDir { get; }

    /// <summary>An image name as a path on the real host.</summary>
    public string Image(string name) => Path.IsPathRooted(name) ? name : Path.Combine(ImageDir, name);

    /// <summary>The network the shell's hosts talk NFS over.</summary>
    public SimNetwork Sim { get; }

    /// <summary>Real TCP, for `mount -F nfs 127.0.0.1:/path ...`.</summary>
    public TcpNetwork Tcp { get; } = TcpNetwork.Default;

    /// <summary>The host commands run on (`host use`).</summary>
    public ShellHost Current { get; set; }

    public IEnumerable<ShellHost> Hosts => _hosts.Values;

    /// <summary>The totals of every host's metrics (VopMetrics, the mirror's copy metrics), for `mfsadm stats`; null when not kept.</summary>
    public MetricsCollector? Metrics { get; }

    /// <summary>The tracing `trace on` started on every host, or null while tracing is off.</summary>
    public ShellTrace? Tracing { get; set; }

    /// <summary>The calls of the last tracing, kept after `trace off` for `trace --perfetto FILE`.</summary>
    public ShellTrace? LastTrace { get; set; }

    public ShellHost AddHost(string name)
    {
        var h = new ShellHost(name, Sim);
        _hosts.Add(name, h);
        Tracing?.Attach(h);
        return h;
    }

    /// <summary>The Graphviz program `graph --svg` renders with.</summary>
    public string DotProgram { get; init; } = "dot";

    public ShellHost? Host(string name) => _hosts.GetValueOrDefault(name);
}
