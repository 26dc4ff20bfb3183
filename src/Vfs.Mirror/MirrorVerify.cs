// Vfs.Mirror: mfsadm verify -- compares the copies and reports every difference (beyond the patent).
//
// Walks all copies side by side from their roots, through the lower file systems directly, and for
// each name compares presence, type, mode, owner, size, link count and, for regular files, the
// modification time and a SHA-256 of the contents; for symbolic links, the target. Directory times are
// not compared: each copy's directories change as their own file system sees fit. Every difference is
// listed; an empty list means the copies are identical.
using System.Buffers;
using System.Security.Cryptography;

namespace UnixVfs.Mirror;

/// <summary>One difference between copies.</summary>
public sealed record VerifyDifference(string Path, string What);

/// <summary>What verify found.</summary>
public sealed class VerifyReport
{
    public long Compared;
    public List<VerifyDifference> Differences { get; } = new();
    public bool Identical => Differences.Count == 0;

    public override string ToString() => Identical ? $"{Compared} names compared: copies identical"
        : $"{Compared} names compared: {Differences.Count} differences";
}

internal static class MirrorVerify
{
    private static Cred Cr => Cred.Kcred;

    public static VerifyReport Run(MfsVfs mi)
    {
        var report = new VerifyReport();
        var names = mi.Copies.Select(c => c.Name).ToArray();
        Walk(mi.Copies.Select(c => (Vnode?)c.Root).ToArray(), "/", names, report);
        return report;
    }

    private static void Walk(Vnode?[] dirs, string path, string[] names, VerifyReport report)
    {
        var all = new SortedSet<string>(StringComparer.Ordinal);
        var present = new HashSet<string>[dirs.Length];
        for (int i = 0; i < dirs.Length; i++)
        {
            present[i] = new HashSet<string>();
            if (dirs[i] is null)
                continue;
            var err = MirrorDataCopy.ReadDir(dirs[i]!, out var entries, top: path == "/");
            if (err != Errno.OK)
            {
                report.Differences.Add(new(path, $"{names[i]}: cannot read directory: {err}"));
                continue;
            }
            foreach (var d in entries)
            {
                present[i].Add(d.Name);
                all.Add(d.Name);
            }
        }
        foreach (var name in all)
        {
            string p = path == "/" ? "/" + name : path + "/" + name;
            report.Compared++;
            var vps = new Vnode?[dirs.Length];
            var vas = new Vattr?[dirs.Length];
            try
            {
                for (int i = 0; i < dirs.Length; i++)
                {
                    if (!present[i].Contains(name))
                    {
                        report.Differences.Add(new(p, $"missing in {names[i]}"));
                        continue;
                    }
                    var va = new Vattr(AttrMask.AT_ALL);
                    if (Vop.Lookup(dirs[i]!, name, out vps[i], LookupFlags.None, null, Cr) != Errno.OK
                        || Vop.Getattr(vps[i]!, va, AttrFlags.None, Cr) != Errno.OK)
                    {
                        report.Differences.Add(new(p, $"{names[i]}: cannot look up"));
                        continue;
                    }
                    vas[i] = va;
                }
                int r = Array.FindIndex(vas, v => v is not null);
                if (r < 0)
                    continue;
                for (int i = 0; i < dirs.Length; i++)
                    if (i != r && vas[i] is { } v)
                        CompareAttrs(p, names[r], vas[r]!, names[i], v, report);
                MirrorExtattr.Compare(p, vps, names, report);
                if (vas[r]!.Type == VType.VREG)
                    CompareContents(p, vps, vas, names, report);
                else if (vas[r]!.Type == VType.VLNK)
                    CompareTargets(p, vps, names, report);
                else if (vas[r]!.Type == VType.VDIR)
                    Walk(vps.Select((v, i) => vas[i]?.Type == VType.VDIR ? v : null).ToArray(), p, names, report);
            }
            finally
            {
                foreach (var v in vps)
                    v?.Rele();
            }
        }
    }

    private static void CompareAttrs(string p, string ra, Vattr a, string rb, Vattr b, VerifyReport report)
    {
        void Diff(string what, object x, object y) => report.Differences.Add(new(p, $"{what}: {ra} {x}, {rb} {y}"));
        if (a.Type != b.Type) { Diff("type", a.Type, b.Type); return; }
        if (a.Mode != b.Mode) Diff("mode", Convert.ToString(a.Mode, 8), Convert.ToString(b.Mode, 8));
        if (a.Uid != b.Uid) Diff("uid", a.Uid, b.Uid);
        if (a.Gid != b.Gid) Diff("gid", a.Gid, b.Gid);
        if (a.Type == VType.VDIR)
            return;
        if (a.Size != b.Size) Diff("size", a.Size, b.Size);
        if (a.Nlink != b.Nlink) Diff("links", a.Nlink, b.Nlink);
        if (a.Type == VType.VREG && a.Mtime != b.Mtime) Diff("mtime", a.Mtime, b.Mtime);
    }

    private static void CompareContents(string p, Vnode?[] vps, Vattr?[] vas, string[] names, VerifyReport report)
    {
        string? first = null, firstName = null;
        for (int i = 0; i < vps.Length; i++)
        {
            if (vps[i] is null || vas[i]?.Type != VType.VREG)
                continue;
            var h = Hash(vps[i]!, out var err);
            if (h is null)
            {
                report.Differences.Add(new(p, $"{names[i]}: cannot read: {err}"));
                continue;
            }
            if (first is null)
            {
                first = h;
                firstName = names[i];
            }
            else if (h != first)
                report.Differences.Add(new(p, $"contents: {firstName} sha256 {first[..16]}..., {names[i]} sha256 {h[..16]}..."));
        }
    }

    private static void CompareTargets(string p, Vnode?[] vps, string[] names, VerifyReport report)
    {
        string? first = null;
        for (int i = 0; i < vps.Length; i++)
        {
            if (vps[i] is null || MirrorDataCopy.ReadLink(vps[i]!, out var t) != Errno.OK)
                continue;
            if (first is null)
                first = t;
            else if (t != first)
                report.Differences.Add(new(p, $"link target: {first} vs {names[i]} {t}"));
        }
    }

    /// <summary>The SHA-256 of a file's contents, or null with the read's errno. <paramref name="read"/> is told each chunk's bytes.</summary>
    internal static string? Hash(Vnode vp, out Errno err, Action<long>? read = null)
    {
        const int Chunk = 1 << 20;
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buf = ArrayPool<byte>.Shared.Rent(Chunk); // pooled: a fresh 1 MiB per file would fill the large-object heap
        try
        {
            long off = 0;
            while (true)
            {
                var uio = new Uio(buf.AsMemory(0, Chunk), off, UioRw.UIO_READ);
                err = Vop.Read(vp, uio, FileFlags.None, Cr);
                if (err != Errno.OK)
                    return null;
                int n = (int)(Chunk - uio.Resid);
                if (n == 0)
                    return Convert.ToHexString(sha.GetHashAndReset());
                sha.AppendData(buf, 0, n);
                off += n;
                read?.Invoke(n);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buf);
        }
    }
}
