// Vfs.Core: extended attributes as FreeBSD has them (sys/extattr.h, kern/vfs_extattr.c): the namespaces,
// the limits, the permission rule every file system applies, and the list format of VOP_LISTEXTATTR.
//
// An extended attribute is a (namespace, name) -> bytes pair kept with a file. The user namespace is the
// file's to share: reading needs read access to the file, changing needs write access. The system namespace
// belongs to the kernel and the superuser only (priv_check PRIV_VFS_EXTATTR_SYSTEM). A file system calls
// CheckCred at the top of each extattr op, as FreeBSD's ffs does through extattr_check_cred; the system calls
// (SysExtattr.cs) check the arguments (CheckName) before any VOP.
//
// A missing attribute is ENOATTR; this kernel's errno space is Linux's, where ENOATTR is ENODATA.
using System.Text;

namespace UnixVfs.Core;

/// <summary>EXTATTR_NAMESPACE_*: the namespace of an extended attribute.</summary>
public enum ExtattrNamespace : byte
{
    /// <summary>EXTATTR_NAMESPACE_EMPTY: no namespace; never valid in a request.</summary>
    Empty = 0,
    /// <summary>EXTATTR_NAMESPACE_USER: the file's readers and writers may use it.</summary>
    User = 1,
    /// <summary>EXTATTR_NAMESPACE_SYSTEM: the superuser only.</summary>
    System = 2,
}

/// <summary>The rules and formats shared by every implementation of the extattr VOPs.</summary>
public static class Extattr
{
    /// <summary>EXTATTR_MAXNAMELEN: the longest attribute name, in UTF-8 bytes.</summary>
    public const int MaxNameLen = Limits.NameMax;

    /// <summary>The largest value one request may carry (Linux's XATTR_SIZE_MAX; UFS2 holds less, see docs/ufs.md).</summary>
    public const int MaxValueLen = 64 * 1024;

    /// <summary>The namespaces a request may name.</summary>
    public static bool ValidNamespace(ExtattrNamespace ns) => ns is ExtattrNamespace.User or ExtattrNamespace.System;

    /// <summary>FreeBSD's names of the namespaces ("user", "system"), as getextattr(8) takes them.</summary>
    public static string NamespaceName(ExtattrNamespace ns) => ns switch
    {
        ExtattrNamespace.User => "user",
        ExtattrNamespace.System => "system",
        _ => "empty",
    };

    /// <summary>extattr_string_to_namespace: "user" or "system". Returns OK or EINVAL.</summary>
    public static Errno ParseNamespace(string s, out ExtattrNamespace ns)
    {
        ns = s switch { "user" => ExtattrNamespace.User, "system" => ExtattrNamespace.System, _ => ExtattrNamespace.Empty };
        return ns == ExtattrNamespace.Empty ? Errno.EINVAL : Errno.OK;
    }

    /// <summary>The checks of a request's namespace and name: EINVAL for a bad namespace, an empty name or a NUL in
    /// it; ENAMETOOLONG beyond EXTATTR_MAXNAMELEN bytes. Returns OK otherwise.</summary>
    public static Errno CheckName(ExtattrNamespace ns, string name)
    {
        if (!ValidNamespace(ns) || name.Length == 0 || name.Contains('\0') || !FsName.IsNameString(name))
            return Errno.EINVAL;
        return FsName.ByteCount(name) > MaxNameLen ? Errno.ENAMETOOLONG : Errno.OK;
    }

    /// <summary>
    /// extattr_check_cred: may <paramref name="cr"/> read (VREAD) or change (VWRITE) attributes of namespace
    /// <paramref name="ns"/>? The system namespace needs the superuser (EPERM otherwise); the user namespace needs
    /// <paramref name="want"/> on the file itself, which <paramref name="access"/> (the file system's own VOP_ACCESS
    /// check) answers. Returns OK, EPERM, EACCES, EINVAL (no such namespace).
    /// </summary>
    public static Errno CheckCred(Cred cr, ExtattrNamespace ns, AccessMode want, Func<AccessMode, Errno> access) => ns switch
    {
        ExtattrNamespace.System => cr.IsSuperUser ? Errno.OK : Errno.EPERM,
        ExtattrNamespace.User => access(want),
        _ => Errno.EINVAL,
    };

    /// <summary>The VOP_LISTEXTATTR format of <paramref name="names"/>: for each, one byte of length and its UTF-8 bytes.</summary>
    public static byte[] EncodeList(IEnumerable<string> names)
    {
        var list = new List<byte>();
        foreach (var name in names)
        {
            var b = FsName.Encode(name)!;
            list.Add((byte)b.Length);
            list.AddRange(b);
        }
        return list.ToArray();
    }

    /// <summary>The names in a VOP_LISTEXTATTR list (the inverse of EncodeList); a truncated last entry is dropped.</summary>
    public static List<string> DecodeList(ReadOnlySpan<byte> list)
    {
        var names = new List<string>();
        for (int i = 0; i < list.Length && i + 1 + list[i] <= list.Length; i += 1 + list[i])
            names.Add(FsName.Decode(list.Slice(i + 1, list[i])));
        return names;
    }

    /// <summary>Answers a get or list from bytes the file system holds: *size is their length, and with a
    /// <paramref name="uio"/> they are copied into it (at most its Resid). Returns OK or EINVAL (a write uio).</summary>
    public static Errno CopyOut(ReadOnlySpan<byte> value, Uio? uio, out long size)
    {
        size = value.Length;
        return uio is null ? Errno.OK : uio.MoveOut(value);
    }

    /// <summary>The value a VOP_SETEXTATTR carries: the uio's Resid bytes. Returns OK, EINVAL (longer than MaxValueLen, or a read uio).</summary>
    public static Errno CopyIn(Uio uio, out byte[] value)
    {
        value = [];
        if (uio.Resid > MaxValueLen || uio.Rw != UioRw.UIO_WRITE)
            return Errno.EINVAL;
        value = new byte[uio.Resid];
        return uio.MoveIn(value);
    }
}
