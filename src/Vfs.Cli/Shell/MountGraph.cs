// Vfs.Cli / shell: `graph` -- a host's mount table as a Graphviz picture (DOT).
//
// What it draws, one cluster per vfs in mount-list order:
//   - the vfs (its type, resource and mount point) and the vfs list (vfs_next);
//   - each covered directory, drawn in the vfs it belongs to, with its v_vfsmountedhere edge to the vfs that
//     covers it, and the vfs's vfs_vnodecovered edge back (a mirror covers two directories, /A and /B);
//   - for a mirror, its mnodes and, for each copy, the hash chains that find them, and from each mnode
//     to its lower vnode in each copy (X, Y, ...), drawn in the lower vfs.
// The picture is deterministic: nodes are numbered in drawing order, mnodes sorted by path, and a hash bucket
// is not named, since buckets hash the vnode's identity (`mnodes` prints them); only what a script decides
// is shown, so a walkthrough's picture can be compared with the committed one.
using System.Text;
using UnixVfs.Core;
using UnixVfs.Mirror;

namespace UnixVfs.Cli.Shell;

internal static class MountGraph
{
    /// <summary>The DOT of <paramref name="k"/>'s mount table; image paths under <paramref name="imageDir"/> are shown relative to it.</summary>
    public static string Dot(Kernel k, string imageDir)
    {
        var mounts = k.Mounts;
        var vnodes = new Dictionary<Vnode, string>(ReferenceEqualityComparer.Instance);
        var members = mounts.ToDictionary(v => v, _ => new List<string>());
        var edges = new List<string>();

        string VnodeId(Vnode vp)
        {
            if (!vnodes.TryGetValue(vp, out var id))
            {
                vnodes.Add(vp, id = "vn" + vnodes.Count);
                if (members.TryGetValue(vp.Vfs, out var list))
                    list.Add($"{id} [label={Quote($"{vp.Path ?? "?"}\n{vp.RealOps.Name} vnode")}];");
            }
            return id;
        }

        string VfsId(Vfs v) => "vfs" + mounts.ToList().IndexOf(v);

        for (int i = 0; i < mounts.Count; i++)
        {
            var v = mounts[i];
            if (v.Next is { } next && mounts.Contains(next))
                edges.Add($"{VfsId(v)} -> {VfsId(next)} [label=\"vfs_next\", style=dotted, constraint=false];");
            foreach (var cv in v.Covered)
            {
                string id = VnodeId(cv);
                edges.Add($"{id} -> {VfsId(v)} [label=\"v_vfsmountedhere\", color=blue, fontcolor=blue];");
                if (ReferenceEquals(cv, v.VnodeCovered))
                    edges.Add($"{VfsId(v)} -> {id} [label=\"vfs_vnodecovered\", style=dashed];");
            }
            if (v.Data is MfsVfs mi)
                Mnodes(v, mi, members[v], edges, VnodeId);
        }

        var dot = new StringBuilder();
        dot.AppendLine($"digraph {Quote("mount table of " + k.Hostname)} {{");
        dot.AppendLine("  rankdir=LR;");
        dot.AppendLine("  node [shape=box, fontname=\"Helvetica\", fontsize=10];");
        dot.AppendLine("  edge [fontname=\"Helvetica\", fontsize=9];");
        dot.AppendLine($"  label={Quote("mount table of " + k.Hostname)};");
        for (int i = 0; i < mounts.Count; i++)
        {
            var v = mounts[i];
            dot.AppendLine($"  subgraph cluster_{i} {{");
            dot.AppendLine("    style=rounded;");
            dot.AppendLine($"    label={Quote($"{v.FstypeName} on {(v.Data is MfsVfs ? MirrorNames.Of(v) : v.MntPt)}")};");
            dot.AppendLine($"    {VfsId(v)} [style=filled, fillcolor=\"#e8eef8\", label={Quote($"vfs {i}: {v.FstypeName}\n{Resource(v, imageDir)} on {v.MntPt}")}];");
            foreach (var line in members[v])
                dot.AppendLine("    " + line);
            dot.AppendLine("  }");
        }
        foreach (var e in edges)
            dot.AppendLine("  " + e);
        dot.AppendLine("}");
        return dot.ToString();
    }

    private static void Mnodes(Vfs v, MfsVfs mi, List<string> members, List<string> edges, Func<Vnode, string> vnodeId)
    {
        string vfs = "vfs" + v.Kernel.Mounts.ToList().IndexOf(v);
        var all = Enumerable.Range(0, mi.Copies.Count)
            .SelectMany(i => mi.Mnodes.Chains(i).SelectMany(ch => ch.Chain))
            .Distinct()
            .OrderBy(m => m.PathFromRoot, StringComparer.Ordinal)
            .ToList();
        var ids = new Dictionary<Mnode, string>();
        foreach (var m in all)
        {
            ids[m] = $"{vfs}_m{ids.Count}";
            members.Add($"{ids[m]} [shape=ellipse, label={Quote($"mnode {m.PathFromRoot}\n{m.Vnode.RealOps.Name} vnode")}];");
        }
        for (int i = 0; i < mi.Copies.Count; i++)
        {
            var copy = mi.Copies[i];
            string hash = $"{vfs}_hash{copy.Name}";
            members.Add($"{hash} [shape=folder, label={Quote($"hash chains of copy {copy.Name}")}];");
            foreach (var m in mi.Mnodes.Chains(i).SelectMany(ch => ch.Chain).OrderBy(m => m.PathFromRoot, StringComparer.Ordinal))
                edges.Add($"{hash} -> {ids[m]} [label=\"chain\", style=dotted];");
            foreach (var m in all)
                if (m.Copies[i] is { } lower)
                    edges.Add($"{ids[m]} -> {vnodeId(lower)} [label={Quote(copy.Name)}, color=darkgreen, fontcolor=darkgreen];");
        }
    }

    private static string Resource(Vfs v, string imageDir)
    {
        string dir = Path.TrimEndingDirectorySeparator(imageDir) + Path.DirectorySeparatorChar;
        return v.Resource.StartsWith(dir, StringComparison.Ordinal) ? v.Resource[dir.Length..] : v.Resource;
    }

    /// <summary>A DOT string: quotes and backslashes of the text escaped, newlines as \n.</summary>
    private static string Quote(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (char ch in s)
            sb.Append(ch switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                _ => ch.ToString(),
            });
        return sb.Append('"').ToString();
    }
}
