// Vfs.Cli / shell: the names of a mirror. `mount -F mfs /A /B` covers both directories, so the mirror has two
// names, /A and /B, although the kernel records one mount point (/B, the directory mounted on); with -o hide
// it covers one directory and has one name. mfsadm, trace and graph show every name, so that a write made
// through /A is not shown as made through /B.
using UnixVfs.Core;
using UnixVfs.Mirror;

namespace UnixVfs.Cli.Shell;

internal static class MirrorNames
{
    /// <summary>The paths that lead into the mirror, in copy order (X's first), or the mount point alone.</summary>
    public static IReadOnlyList<string> All(Vfs v)
    {
        if (v.Data is not MfsVfs mi)
            return [v.MntPt];
        var covered = v.Covered;
        var names = mi.Copies.Where(cp => covered.Any(cv => ReferenceEquals(cv, cp.Root))).Select(cp => cp.Path).ToList();
        return names.Count > 1 ? names : [v.MntPt];
    }

    /// <summary>"/A and /B" (or "/data").</summary>
    public static string Of(Vfs v) => string.Join(" and ", All(v));

    /// <summary>A path inside the mirror shown under every name: "/B/f" -> "{/A,/B}/f"; the path itself for one name.</summary>
    public static string Braced(Vfs v, string path)
    {
        var names = All(v);
        if (names.Count < 2 || !(path == v.MntPt || path.StartsWith(v.MntPt + "/", StringComparison.Ordinal)))
            return path;
        return "{" + string.Join(',', names) + "}" + path[v.MntPt.Length..];
    }

    /// <summary>The mirror holding <paramref name="path"/> on the current host; one error for every path that is not in one.</summary>
    public static (Vfs Vfs, MfsVfs Mirror) Holding(ShellContext c, string path)
    {
        ShellContext.Check(c.P.Lookupname(path, true, out var vp), path);
        var vfs = vp!.Vfs;
        vp.Rele();
        return vfs.Data is MfsVfs mi ? (vfs, mi)
            : throw new ShellError($"{path}: not in a mirror ({vfs.FstypeName} on {vfs.MntPt}; mount -F mfs makes one)");
    }
}
