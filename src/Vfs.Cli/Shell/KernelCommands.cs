// Vfs.Cli / shell: looking inside the kernel -- ops (print an ops table), trace (show every VOP call of each
// command, by layer and depth), mnodes (a mirror's mnode hash and its chains).
using UnixVfs.Core;
using UnixVfs.Mirror;

namespace UnixVfs.Cli.Shell;

internal static class KernelCommands
{
    public static void Register(Shell sh)
    {
        sh.Register("ops", "ops TYPE|PATH", "print the vnode ops table of a file system type (or of a file)", Ops);
        sh.Register("trace", "trace on|off", "show the VOP calls each command makes, on every host", Trace);
        sh.Register("mnodes", "mnodes PATH", "print the mnode hash of the mirror holding PATH", Mnodes);
    }

    private static void Ops(ShellContext c, string[] a)
    {
        if (a.Length != 1)
            throw new ShellError("usage: ops TYPE|PATH");
        Vnode? vp;
        if (a[0].Contains('/') || a[0] == ".")
            ShellContext.Check(c.P.Lookupname(a[0], false, out vp), a[0]);
        else
        {
            var vfs = c.K.Mounts.FirstOrDefault(v => v.FstypeName == a[0])
                ?? throw new ShellError($"{a[0]}: no file system of that type is mounted on {c.Host.Name} (mounted: {string.Join(", ", c.K.Mounts.Select(v => v.FstypeName).Distinct())})");
            ShellContext.Check(VfsOp.Root(vfs, out vp), a[0]);
        }
        try
        {
            var ops = vp!.RealOps;
            c.Out.WriteLine($"vnodeops \"{ops.Name}\":");
            foreach (var (name, _) in ops.Slots)
                c.Out.WriteLine($"  vop_{name,-10} {(ops.IsDefault(name) ? "(default)" : ops.Name + "_" + name)}");
        }
        finally
        {
            vp!.Rele();
        }
    }

    private static void Trace(ShellContext c, string[] a)
    {
        if (a.Length != 1 || a[0] is not ("on" or "off"))
            throw new ShellError("usage: trace on|off");
        var tracer = a[0] == "on" ? new VopTracer() : null;
        c.World.Tracer = tracer;
        foreach (var h in c.World.Hosts)
            h.Kernel.Trace(tracer);
    }

    private static void Mnodes(ShellContext c, string[] a)
    {
        if (a.Length != 1)
            throw new ShellError("usage: mnodes PATH");
        ShellContext.Check(c.P.Lookupname(a[0], true, out var vp), a[0]);
        var vfs = vp!.Vfs;
        vp.Rele();
        if (vfs.Data is not MfsVfs mi)
            throw new ShellError($"{a[0]}: not in a mirror");
        c.Out.WriteLine($"mnode hash of the mirror on {vfs.MntPt}: {mi.Mnodes.Count} mnodes");
        for (int i = 0; i < mi.Copies.Count; i++)
        {
            c.Out.WriteLine($"  chains of copy {mi.Copies[i].Name}:");
            foreach (var (bucket, chain) in mi.Mnodes.Chains(i))
                c.Out.WriteLine($"    [{bucket,4}] " + string.Join(" -> ", chain.Select(m => $"{m.PathFromRoot} (v_count {m.Vnode.Count})")));
        }
    }
}
