// Vfs.Cli / shell: looking inside the kernel -- ops (print an ops table), trace (show every VOP call of each
// command, by layer and depth), mnodes (a mirror's mnode hash and its chains).
using UnixVfs.Core;
using UnixVfs.Mirror;

namespace UnixVfs.Cli.Shell;

internal static class KernelCommands
{
    public static void Register(Shell sh)
    {
        sh.Register("ops", "ops TYPE|TABLE|PATH", "print a file system type's vfsops and vnodeops (from the vfssw), or a file's vnodeops", Ops);
        sh.Register("trace", "trace on|off | trace --perfetto FILE", "show the VOP calls each command makes, on every host; write them for Perfetto", Trace);
        sh.Register("mnodes", "mnodes PATH", "print the mnode hash of the mirror holding PATH", Mnodes);
    }

    private static void Ops(ShellContext c, string[] a)
    {
        if (a.Length != 1)
            throw new ShellError("usage: ops TYPE|TABLE|PATH");
        if (a[0].Contains('/') || a[0] == ".")
        {
            ShellContext.Check(c.P.Lookupname(a[0], false, out var vp), a[0]);
            var ops = vp!.RealOps;
            vp.Rele();
            PrintTable(c, ops);
            return;
        }
        // A type name shows its vfssw entry: the vfsops and the regular file's vnodeops; a table name ("ufs-dir") that table.
        var types = c.K.Vfssw.Types;
        var def = c.K.Vfssw.Find(a[0], out int index);
        var table = types.SelectMany(t => t.VnodeTables).FirstOrDefault(t => t.Name == a[0]);
        if (def is null && table is null)
            throw new ShellError($"{a[0]}: no such file system type or ops table (types: {string.Join(", ", types.Select(t => t.Name))}; " +
                $"tables: {string.Join(", ", types.SelectMany(t => t.VnodeTables).Select(t => t.Name))})");
        if (def is not null)
        {
            c.Out.WriteLine($"vfsops \"{def.Ops.Name}\" (vfssw[{index}]):");
            foreach (var (name, fn) in def.Ops.Slots)
                c.Out.WriteLine($"  vfs_{name,-10} {fn.Method.Name}");
            if (def.VnodeTables.Count > 1)
                c.Out.WriteLine($"its other vnodeops: {string.Join(", ", def.VnodeTables.Skip(1).Select(t => "ops " + t.Name))}");
        }
        if (table is not null)
            PrintTable(c, table);
    }

    private static void PrintTable(ShellContext c, VnodeOps ops)
    {
        c.Out.WriteLine($"vnodeops \"{ops.Name}\":");
        foreach (var (name, _) in ops.Slots)
            c.Out.WriteLine($"  vop_{name,-10} {(ops.IsDefault(name) ? "(default)" : ops.Name + "_" + name)}");
    }

    private static void Trace(ShellContext c, string[] a)
    {
        var w = c.World;
        if (a.Length == 2 && a[0] == "--perfetto")
        {
            var log = w.LastTrace ?? throw new ShellError("nothing traced yet (trace on, then the commands, then trace --perfetto FILE)");
            string file = w.Image(a[1]);
            try
            {
                using var stream = File.Create(file);
                PerfettoTrace.Write(log, stream);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ShellError($"{file}: {e.Message}");
            }
            c.Out.WriteLine($"trace: {log.Commands.Sum(t => t.Calls.Count)} calls of {log.Commands.Count} commands written to {file} (open it in ui.perfetto.dev or chrome://tracing)");
            return;
        }
        if (a.Length != 1 || a[0] is not ("on" or "off"))
            throw new ShellError("usage: trace on|off | trace --perfetto FILE");
        w.Tracing?.Detach();
        w.Tracing = null;
        if (a[0] == "off")
            return;
        var tracing = new ShellTrace();
        foreach (var h in w.Hosts)
            tracing.Attach(h);
        w.Tracing = w.LastTrace = tracing;
    }

    private static void Mnodes(ShellContext c, string[] a)
    {
        if (a.Length != 1)
            throw new ShellError("usage: mnodes PATH");
        var (vfs, mi) = MirrorNames.Holding(c, a[0]);
        c.Out.WriteLine($"mnode hash of the mirror on {MirrorNames.Of(vfs)}: {mi.Mnodes.Count} mnodes");
        for (int i = 0; i < mi.Copies.Count; i++)
        {
            c.Out.WriteLine($"  chains of copy {mi.Copies[i].Name}:");
            foreach (var (bucket, chain) in mi.Mnodes.Chains(i))
                c.Out.WriteLine($"    [{bucket,4}] " + string.Join(" -> ", chain.Select(m => $"{m.PathFromRoot} (v_count {m.Vnode.Count})")));
        }
    }
}
