// Vfs.Mirror: extended attributes of mirrored files -- the four extattr vnode ops, and the copy and compare that
// resync, merge and verify use to keep the copies' attributes equal.
//
// An attribute is part of a file's metadata, so the ops follow setattr and getattr (MirrorVnops.cs): get and
// list ask the primary copy; set and delete go to every copy that takes updates, and a copy that misses one
// records DirtyKind.Attr, whose resync (MirrorDataCopy.CopyAttrs with the source vnode) makes the target's
// attributes those of the source in every namespace. A delete that finds the attribute gone on one copy
// (ENOATTR) leaves the copies consistent, as remove's ENOENT does. A lower file system without extended
// attributes (EOPNOTSUPP, NFSv3) has nothing to copy or compare, and the mirror refuses a set while any copy
// that takes updates is such a file system, so that the copies never differ by it.
namespace UnixVfs.Mirror;

internal static class MirrorExtattr
{
    private static readonly Cred Cr = Cred.Kcred;

    private static readonly ExtattrNamespace[] Namespaces = [ExtattrNamespace.User, ExtattrNamespace.System];

    public static Errno MfsGetextattr(Vnode vp, ExtattrNamespace ns, string name, Uio? uio, out long size, Cred cr, CallerContext? ct)
    {
        long got = 0;
        var err = MirrorSubr.ReadOp(MirrorOp.Query("getextattr", MirrorSubr.Mn(vp)),
            MirrorSubr.NoData((c, lv) => Vop.Getextattr(lv, ns, name, uio, out got, cr, ct)));
        size = got;
        return err;
    }

    public static Errno MfsListextattr(Vnode vp, ExtattrNamespace ns, Uio? uio, out long size, Cred cr, CallerContext? ct)
    {
        long got = 0;
        var err = MirrorSubr.ReadOp(MirrorOp.Query("listextattr", MirrorSubr.Mn(vp)),
            MirrorSubr.NoData((c, lv) => Vop.Listextattr(lv, ns, uio, out got, cr, ct)));
        size = got;
        return err;
    }

    public static Errno MfsSetextattr(Vnode vp, ExtattrNamespace ns, string name, Uio uio, Cred cr, CallerContext? ct)
    {
        var m = MirrorSubr.Mn(vp);
        using var _ = m.Mfs.EnterOp();
        if (!EveryCopyKeepsThem(m, ns))
            return Errno.EOPNOTSUPP;
        var op = new MirrorOp("setextattr", OpTarget.Updates, m, DirtyKind.Attr);
        return MirrorSubr.Apply(op, MirrorSubr.NoData((c, lv) => Vop.Setextattr(lv, ns, name, uio.Duplicate(), cr, ct)));
    }

    public static Errno MfsDeleteextattr(Vnode vp, ExtattrNamespace ns, string name, Cred cr, CallerContext? ct)
    {
        var m = MirrorSubr.Mn(vp);
        using var _ = m.Mfs.EnterOp();
        var op = new MirrorOp("deleteextattr", OpTarget.Updates, m, DirtyKind.Attr, Consistent: Errno.ENODATA);
        return MirrorSubr.Apply(op, MirrorSubr.NoData((c, lv) => Vop.Deleteextattr(lv, ns, name, cr, ct)));
    }

    /// <summary>True unless a copy that takes updates has no extended attributes (EOPNOTSUPP: an NFSv3 import), in
    /// which case a set would leave the copies different, and is refused before any copy is changed.</summary>
    private static bool EveryCopyKeepsThem(Mnode m, ExtattrNamespace ns)
    {
        foreach (var c in m.Mfs.UpdateCopies())
            if (MirrorSubr.Resolve(m, c, out var lv) == Errno.OK && Vop.Listextattr(lv!, ns, null, out _, Cr) == Errno.EOPNOTSUPP)
                return false;
        return true;
    }

    /// <summary>The attributes of <paramref name="vp"/> in <paramref name="ns"/>, by name; empty (and OK) when its file
    /// system has none. Returns OK or the first error.</summary>
    public static Errno ReadAll(Vnode vp, ExtattrNamespace ns, out SortedDictionary<string, byte[]> attrs)
    {
        attrs = new(StringComparer.Ordinal);
        var err = Vop.Listextattr(vp, ns, null, out long size, Cr);
        if (err == Errno.EOPNOTSUPP)
            return Errno.OK;
        var list = new byte[size];
        if (err != Errno.OK || (err = Vop.Listextattr(vp, ns, new Uio(list, 0, UioRw.UIO_READ), out _, Cr)) != Errno.OK)
            return err;
        foreach (var name in Extattr.DecodeList(list))
        {
            if ((err = Vop.Getextattr(vp, ns, name, null, out long len, Cr)) != Errno.OK)
                return err;
            var value = new byte[len];
            if ((err = Vop.Getextattr(vp, ns, name, new Uio(value, 0, UioRw.UIO_READ), out _, Cr)) != Errno.OK)
                return err;
            attrs[name] = value;
        }
        return Errno.OK;
    }

    /// <summary>Makes <paramref name="dst"/>'s attributes, in every namespace, those of <paramref name="src"/>: missing
    /// or different ones set, extra ones deleted. Returns OK, or the first error of either side.</summary>
    public static Errno Copy(Vnode src, Vnode dst)
    {
        foreach (var ns in Namespaces)
        {
            var err = ReadAll(src, ns, out var want);
            if (err != Errno.OK || (err = ReadAll(dst, ns, out var have)) != Errno.OK)
                return err;
            foreach (var name in have.Keys.Where(n => !want.ContainsKey(n)))
                if ((err = Vop.Deleteextattr(dst, ns, name, Cr)) != Errno.OK)
                    return err;
            foreach (var (name, value) in want)
                if ((!have.TryGetValue(name, out var old) || !old.AsSpan().SequenceEqual(value))
                    && (err = Vop.Setextattr(dst, ns, name, new Uio(value, 0, UioRw.UIO_WRITE), Cr)) != Errno.OK)
                    return err;
        }
        return Errno.OK;
    }

    /// <summary>
    /// True when <paramref name="a"/> and <paramref name="b"/> hold the same attributes in every namespace (a file system
    /// without them holds none). For the merge and the history's comparison: a change of attributes alone moves only
    /// the file's ctime. An attribute that cannot be read counts as a difference.
    /// </summary>
    public static bool Same(Vnode a, Vnode b)
    {
        foreach (var ns in Namespaces)
        {
            if (ListSize(a, ns) is not { } sa || ListSize(b, ns) is not { } sb)
                return false;
            if (sa == 0 && sb == 0)
                continue;
            if (ReadAll(a, ns, out var x) != Errno.OK || ReadAll(b, ns, out var y) != Errno.OK || x.Count != y.Count)
                return false;
            foreach (var (name, value) in x)
                if (!y.TryGetValue(name, out var other) || !other.AsSpan().SequenceEqual(value))
                    return false;
        }
        return true;
    }

    /// <summary>The size of a file's list of attribute names in <paramref name="ns"/> (0 without extended attributes), or null on an error.</summary>
    private static long? ListSize(Vnode vp, ExtattrNamespace ns) => Vop.Listextattr(vp, ns, null, out long size, Cr) switch
    {
        Errno.OK => size,
        Errno.EOPNOTSUPP => 0,
        _ => null,
    };

    /// <summary>Verify: reports each attribute that is missing from a copy or differs from the first copy's.</summary>
    public static void Compare(string p, Vnode?[] vps, string[] names, VerifyReport report)
    {
        foreach (var ns in Namespaces)
        {
            int r = -1;
            SortedDictionary<string, byte[]>? first = null;
            for (int i = 0; i < vps.Length; i++)
            {
                if (vps[i] is null)
                    continue;
                var err = ReadAll(vps[i]!, ns, out var attrs);
                if (err != Errno.OK)
                {
                    report.Differences.Add(new(p, $"{names[i]}: cannot read extended attributes: {err}"));
                    continue;
                }
                if (first is null)
                {
                    (r, first) = (i, attrs);
                    continue;
                }
                foreach (var name in first.Keys.Union(attrs.Keys))
                {
                    string what = $"extattr {Extattr.NamespaceName(ns)}.{name}";
                    if (!attrs.TryGetValue(name, out var v))
                        report.Differences.Add(new(p, $"{what}: missing in {names[i]}"));
                    else if (!first.TryGetValue(name, out var f))
                        report.Differences.Add(new(p, $"{what}: missing in {names[r]}"));
                    else if (!f.AsSpan().SequenceEqual(v))
                        report.Differences.Add(new(p, $"{what}: {names[r]} {f.Length} bytes, {names[i]} {v.Length} bytes differ"));
                }
            }
        }
    }
}
