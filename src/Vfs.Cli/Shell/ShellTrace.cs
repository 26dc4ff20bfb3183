// Vfs.Cli / shell: `trace` -- one VopTracer on each host, the VOP calls of each command printed after it, and
// the session's calls kept for `trace --perfetto FILE` (PerfettoTrace.cs).
//
// Each host has its own tracer, so each host's calls nest by their own depth even while another host serves
// an NFS call in the middle of them. A mirror's vnodes are shown under every name of the mirror
// ("mfs.write({/A,/B}/q1, ...)", MirrorNames), and each call is put on a track -- its layer, and for a layer
// under a mirror the copy it went to ("ufs copy Y /B") -- while the mirror is still mounted to tell.
using UnixVfs.Core;
using UnixVfs.Mirror;

namespace UnixVfs.Cli.Shell;

/// <summary>One traced call as the session keeps it: which command, which host, which track.</summary>
internal sealed record TracedCall(int Command, string Host, string Track, VopTraceEvent Event, string Vnode);

/// <summary>A traced command: its line and its calls, host by host in host order.</summary>
internal sealed record TracedCommand(int Number, string Line, IReadOnlyList<TracedCall> Calls);

/// <summary>The tracing of a shell session.</summary>
internal sealed class ShellTrace
{
    /// <summary>The most calls the session keeps for --perfetto; older commands are dropped beyond it.</summary>
    public const int Capacity = 200_000;

    private readonly Dictionary<ShellHost, VopTracer> _tracers = new();
    private readonly List<TracedCommand> _commands = new();
    private int _kept;
    private int _number;

    /// <summary>The commands traced since `trace on`, oldest first.</summary>
    public IReadOnlyList<TracedCommand> Commands => _commands;

    /// <summary>Attaches a tracer of its own to <paramref name="host"/>.</summary>
    public void Attach(ShellHost host)
    {
        var tracer = new VopTracer();
        _tracers[host] = tracer;
        host.Kernel.Trace(tracer);
    }

    /// <summary>Takes every tracer off its host.</summary>
    public void Detach()
    {
        foreach (var host in _tracers.Keys)
            host.Kernel.Trace(null);
    }

    /// <summary>Before a command: forget what the tracers saw in between.</summary>
    public void Begin()
    {
        foreach (var t in _tracers.Values)
            t.Clear();
    }

    /// <summary>After a command: print its calls to <paramref name="output"/> and keep them.</summary>
    public void End(string line, IEnumerable<ShellHost> hosts, TextWriter output)
    {
        var calls = new List<TracedCall>();
        var traced = hosts.Where(h => _tracers.ContainsKey(h)).ToList();
        bool many = traced.Count(h => _tracers[h].Events.Count > 0) > 1;
        foreach (var host in traced)
        {
            var mirrors = host.Kernel.Mounts.Where(v => v.Data is MfsVfs).ToList();
            foreach (var ev in _tracers[host].Events)
            {
                var call = Describe(_number, host, mirrors, ev);
                calls.Add(call);
                string text = ev.ToString().Replace($"{ev.Layer}.{ev.Op}({ev.Vnode}", $"{ev.Layer}.{ev.Op}({call.Vnode}");
                output.WriteLine($"  trace: {(many ? host.Name + ": " : "")}{text}");
            }
        }
        if (calls.Count == 0)
            return;
        _commands.Add(new TracedCommand(_number++, line, calls));
        for (_kept += calls.Count; _kept > Capacity && _commands.Count > 1; _commands.RemoveAt(0))
            _kept -= _commands[0].Calls.Count;
    }

    private static TracedCall Describe(int command, ShellHost host, List<Vfs> mirrors, VopTraceEvent ev)
    {
        string layer = ev.Layer.Split('-')[0];
        foreach (var v in mirrors)
        {
            if (ev.Layer == v.FstypeName && Under(ev.Vnode, v.MntPt))
                return new TracedCall(command, host.Name, $"{layer} {MirrorNames.Of(v)}", ev, MirrorNames.Braced(v, ev.Vnode));
            foreach (var cp in ((MfsVfs)v.Data!).Copies)
                if (ev.Layer != v.FstypeName && Under(ev.Vnode, cp.Path))
                    return new TracedCall(command, host.Name, $"{layer} copy {cp.Name} {cp.Path}", ev, ev.Vnode);
        }
        return new TracedCall(command, host.Name, layer, ev, ev.Vnode);
    }

    private static bool Under(string path, string dir) =>
        path == dir || path.StartsWith(dir.EndsWith('/') ? dir : dir + "/", StringComparison.Ordinal);
}
