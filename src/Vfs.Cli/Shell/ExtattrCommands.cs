// Vfs.Cli / shell: FreeBSD's extended-attribute commands (getextattr(8) and kin) over the extattr_* system calls:
//     getextattr [-hqx] NAMESPACE NAME FILE...        "FILE<tab>VALUE" per file (-q the value alone, -x in hex)
//     setextattr [-h] NAMESPACE NAME VALUE FILE...
//     lsextattr [-hq] NAMESPACE FILE...                "FILE<tab>NAME<tab>NAME..." (-q the names alone)
//     rmextattr [-h] NAMESPACE NAME FILE...
// NAMESPACE is "user" or "system"; -h acts on a symbolic link itself (the _link system calls).
using System.Text;
using UnixVfs.Core;

namespace UnixVfs.Cli.Shell;

internal static class ExtattrCommands
{
    public static void Register(Shell sh)
    {
        sh.Register("getextattr", "getextattr [-hqx] NAMESPACE NAME FILE...", "print an extended attribute", Get);
        sh.Register("setextattr", "setextattr [-h] NAMESPACE NAME VALUE FILE...", "set an extended attribute", Set);
        sh.Register("lsextattr", "lsextattr [-hq] NAMESPACE FILE...", "list extended attributes", List);
        sh.Register("rmextattr", "rmextattr [-h] NAMESPACE NAME FILE...", "remove an extended attribute", Remove);
    }

    /// <summary>The leading -flags (any of <paramref name="allowed"/>), the namespace, and the <paramref name="fixedArgs"/>
    /// operands after it; at least one file must follow.</summary>
    private static (string Flags, ExtattrNamespace Ns, string[] Fixed, string[] Files) Parse(string[] a, string allowed, int fixedArgs)
    {
        var flags = new StringBuilder();
        int i = 0;
        for (; i < a.Length && a[i].Length > 1 && a[i][0] == '-'; i++)
            foreach (var f in a[i][1..])
                flags.Append(allowed.Contains(f) ? f : throw new ShellError($"unknown option -{f}"));
        if (a.Length - i < 2 + fixedArgs)
            throw new ShellError("missing operand");
        if (Extattr.ParseNamespace(a[i], out var ns) != Errno.OK)
            throw new ShellError($"{a[i]}: no such namespace (user or system)");
        return (flags.ToString(), ns, a[(i + 1)..(i + 1 + fixedArgs)], a[(i + 1 + fixedArgs)..]);
    }

    private static void Get(ShellContext c, string[] args)
    {
        var (flags, ns, fx, files) = Parse(args, "hqx", 1);
        foreach (var file in files)
        {
            bool link = flags.Contains('h');
            var err = link ? c.P.ExtattrGetLink(file, ns, fx[0], null, out int size) : c.P.ExtattrGetFile(file, ns, fx[0], null, out size);
            var value = new byte[size];
            if (err == Errno.OK)
                err = link ? c.P.ExtattrGetLink(file, ns, fx[0], value, out size) : c.P.ExtattrGetFile(file, ns, fx[0], value, out size);
            ShellContext.Check(err, $"{file}: {fx[0]}");
            string text = flags.Contains('x') ? Convert.ToHexString(value, 0, size).ToLowerInvariant() : Encoding.UTF8.GetString(value, 0, size);
            c.Out.WriteLine(flags.Contains('q') ? text : $"{file}\t{text}");
        }
    }

    private static void Set(ShellContext c, string[] args)
    {
        var (flags, ns, fx, files) = Parse(args, "h", 2);
        var value = Encoding.UTF8.GetBytes(fx[1]);
        foreach (var file in files)
            ShellContext.Check(flags.Contains('h') ? c.P.ExtattrSetLink(file, ns, fx[0], value) : c.P.ExtattrSetFile(file, ns, fx[0], value),
                $"{file}: {fx[0]}");
    }

    private static void List(ShellContext c, string[] args)
    {
        var (flags, ns, _, files) = Parse(args, "hq", 0);
        foreach (var file in files)
        {
            bool link = flags.Contains('h');
            var err = link ? c.P.ExtattrListLink(file, ns, null, out int size) : c.P.ExtattrListFile(file, ns, null, out size);
            var list = new byte[size];
            if (err == Errno.OK)
                err = link ? c.P.ExtattrListLink(file, ns, list, out size) : c.P.ExtattrListFile(file, ns, list, out size);
            ShellContext.Check(err, file);
            var names = string.Join('\t', Extattr.DecodeList(list.AsSpan(0, size)));
            c.Out.WriteLine(flags.Contains('q') ? names : $"{file}\t{names}");
        }
    }

    private static void Remove(ShellContext c, string[] args)
    {
        var (flags, ns, fx, files) = Parse(args, "h", 1);
        foreach (var file in files)
            ShellContext.Check(flags.Contains('h') ? c.P.ExtattrDeleteLink(file, ns, fx[0]) : c.P.ExtattrDeleteFile(file, ns, fx[0]),
                $"{file}: {fx[0]}");
    }
}
