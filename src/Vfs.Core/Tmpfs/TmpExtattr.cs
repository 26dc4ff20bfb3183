// Vfs.Core / tmpfs: extended attributes, kept in memory in the tmpnode (a dictionary by namespace and name).
//
// The rules are FreeBSD's (Extattr.CheckCred: the system namespace for the superuser, the user namespace for
// those who may read or write the file). A node's attributes hold at most NodeBudget bytes of names and values
// (ENOSPC past it), so no caller can make tmpfs hold unbounded memory through one file. Setting or deleting
// an attribute changes the node's ctime, as a chmod does.
namespace UnixVfs.Core.Tmpfs;

internal static partial class TmpVnops
{
    /// <summary>The most bytes of attribute names and values one node holds.</summary>
    public const long NodeBudget = 1 << 20;

    private static Errno TmpGetextattr(Vnode vp, ExtattrNamespace ns, string name, Uio? uio, out long size, Cred cr, CallerContext? ct)
    {
        size = 0;
        var n = Node(vp);
        using (n.Lock.Enter())
        {
            var err = Extattr.CheckCred(cr, ns, AccessMode.VREAD, want => AccessLocked(n, want, cr));
            if (err != Errno.OK)
                return err;
            if (n.Extattrs is null || !n.Extattrs.TryGetValue((ns, name), out var value))
                return Errno.ENODATA;
            return Extattr.CopyOut(value, uio, out size);
        }
    }

    private static Errno TmpSetextattr(Vnode vp, ExtattrNamespace ns, string name, Uio uio, Cred cr, CallerContext? ct)
    {
        var n = Node(vp);
        if (vp.Vfs.IsReadOnly)
            return Errno.EROFS;
        using (n.Lock.Enter())
        {
            var err = Extattr.CheckCred(cr, ns, AccessMode.VWRITE, want => AccessLocked(n, want, cr));
            if (err != Errno.OK || (err = Extattr.CopyIn(uio, out var value)) != Errno.OK)
                return err;
            n.Extattrs ??= new();
            long old = n.Extattrs.TryGetValue((ns, name), out var prev) ? name.Length * 2 + prev.Length : 0;
            long bytes = n.ExtattrBytes - old + name.Length * 2 + value.Length;
            if (bytes > NodeBudget)
                return Errno.ENOSPC;
            n.Extattrs[(ns, name)] = value;
            n.ExtattrBytes = bytes;
            n.Ctime = Now(n);
            n.Seq++;
            return Errno.OK;
        }
    }

    private static Errno TmpListextattr(Vnode vp, ExtattrNamespace ns, Uio? uio, out long size, Cred cr, CallerContext? ct)
    {
        size = 0;
        var n = Node(vp);
        using (n.Lock.Enter())
        {
            var err = Extattr.CheckCred(cr, ns, AccessMode.VREAD, want => AccessLocked(n, want, cr));
            if (err != Errno.OK)
                return err;
            IEnumerable<string> names = n.Extattrs is null ? [] : n.Extattrs.Keys.Where(k => k.Ns == ns).Select(k => k.Name).Order(StringComparer.Ordinal);
            return Extattr.CopyOut(Extattr.EncodeList(names), uio, out size);
        }
    }

    private static Errno TmpDeleteextattr(Vnode vp, ExtattrNamespace ns, string name, Cred cr, CallerContext? ct)
    {
        var n = Node(vp);
        if (vp.Vfs.IsReadOnly)
            return Errno.EROFS;
        using (n.Lock.Enter())
        {
            var err = Extattr.CheckCred(cr, ns, AccessMode.VWRITE, want => AccessLocked(n, want, cr));
            if (err != Errno.OK)
                return err;
            if (n.Extattrs is null || !n.Extattrs.Remove((ns, name), out var prev))
                return Errno.ENODATA;
            n.ExtattrBytes -= name.Length * 2 + prev.Length;
            n.Ctime = Now(n);
            n.Seq++;
            return Errno.OK;
        }
    }
}
