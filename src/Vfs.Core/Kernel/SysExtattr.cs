// Vfs.Core: the extended-attribute system calls of FreeBSD (kern/vfs_extattr.c): extattr_get, _set, _list and
// _delete, each in a _file (follows a final symbolic link), _link (does not) and _fd form.
//
// The arguments are checked here (Extattr.CheckName, the value's length); who may do what is the file
// system's decision (Extattr.CheckCred in its VOP). As in FreeBSD, get and list with a null buffer return
// the size needed, and with a short buffer return as much as fits (the count says how much).
namespace UnixVfs.Core;

public sealed partial class Process
{
    /// <summary>extattr_get_file(2): copies the value of <paramref name="name"/> into <paramref name="data"/> (as much as
    /// fits) and sets *n to the bytes copied; with a null buffer *n is the value's length. Returns OK, ENOATTR
    /// (ENODATA), ENOENT, EACCES, EPERM (system namespace), EINVAL, ENAMETOOLONG, EOPNOTSUPP, EIO.</summary>
    public Errno ExtattrGetFile(string path, ExtattrNamespace ns, string name, byte[]? data, out int n) =>
        ExtattrGetPath(path, true, ns, name, data, out n);

    /// <summary>extattr_get_link(2): extattr_get_file of a symbolic link itself.</summary>
    public Errno ExtattrGetLink(string path, ExtattrNamespace ns, string name, byte[]? data, out int n) =>
        ExtattrGetPath(path, false, ns, name, data, out n);

    /// <summary>extattr_get_fd(2): extattr_get_file of an open file. Returns EBADF besides extattr_get_file's errors.</summary>
    public Errno ExtattrGetFd(int fd, ExtattrNamespace ns, string name, byte[]? data, out int n)
    {
        int got = 0;
        var err = WithFd(fd, vp => ExtattrGet(vp, ns, name, data, out got));
        n = got;
        return err;
    }

    /// <summary>extattr_set_file(2): sets <paramref name="name"/> to <paramref name="data"/>, creating or replacing it.
    /// Returns OK, ENOENT, EACCES, EPERM, EROFS, ENOSPC, EINVAL (a bad name or namespace, a value over
    /// Extattr.MaxValueLen), ENAMETOOLONG, EOPNOTSUPP, EIO.</summary>
    public Errno ExtattrSetFile(string path, ExtattrNamespace ns, string name, ReadOnlyMemory<byte> data) =>
        WithVnode(path, true, vp => ExtattrSet(vp, ns, name, data));

    /// <summary>extattr_set_link(2): extattr_set_file of a symbolic link itself.</summary>
    public Errno ExtattrSetLink(string path, ExtattrNamespace ns, string name, ReadOnlyMemory<byte> data) =>
        WithVnode(path, false, vp => ExtattrSet(vp, ns, name, data));

    /// <summary>extattr_set_fd(2).</summary>
    public Errno ExtattrSetFd(int fd, ExtattrNamespace ns, string name, ReadOnlyMemory<byte> data) =>
        WithFd(fd, vp => ExtattrSet(vp, ns, name, data));

    /// <summary>extattr_list_file(2): the names of namespace <paramref name="ns"/> as length-prefixed strings
    /// (Extattr.DecodeList reads them) into <paramref name="data"/>, as much as fits; *n as extattr_get_file's.
    /// Returns OK, ENOENT, EACCES, EPERM, EINVAL, EOPNOTSUPP, EIO.</summary>
    public Errno ExtattrListFile(string path, ExtattrNamespace ns, byte[]? data, out int n) =>
        ExtattrListPath(path, true, ns, data, out n);

    /// <summary>extattr_list_link(2).</summary>
    public Errno ExtattrListLink(string path, ExtattrNamespace ns, byte[]? data, out int n) =>
        ExtattrListPath(path, false, ns, data, out n);

    /// <summary>extattr_list_fd(2).</summary>
    public Errno ExtattrListFd(int fd, ExtattrNamespace ns, byte[]? data, out int n)
    {
        int got = 0;
        var err = WithFd(fd, vp => ExtattrList(vp, ns, data, out got));
        n = got;
        return err;
    }

    /// <summary>extattr_delete_file(2). Returns OK, ENOATTR (ENODATA), ENOENT, EACCES, EPERM, EROFS, EINVAL, EOPNOTSUPP, EIO.</summary>
    public Errno ExtattrDeleteFile(string path, ExtattrNamespace ns, string name) =>
        WithVnode(path, true, vp => ExtattrDelete(vp, ns, name));

    /// <summary>extattr_delete_link(2).</summary>
    public Errno ExtattrDeleteLink(string path, ExtattrNamespace ns, string name) =>
        WithVnode(path, false, vp => ExtattrDelete(vp, ns, name));

    /// <summary>extattr_delete_fd(2).</summary>
    public Errno ExtattrDeleteFd(int fd, ExtattrNamespace ns, string name) =>
        WithFd(fd, vp => ExtattrDelete(vp, ns, name));

    private Errno ExtattrGetPath(string path, bool follow, ExtattrNamespace ns, string name, byte[]? data, out int n)
    {
        int got = 0;
        var err = WithVnode(path, follow, vp => ExtattrGet(vp, ns, name, data, out got));
        n = got;
        return err;
    }

    private Errno ExtattrListPath(string path, bool follow, ExtattrNamespace ns, byte[]? data, out int n)
    {
        int got = 0;
        var err = WithVnode(path, follow, vp => ExtattrList(vp, ns, data, out got));
        n = got;
        return err;
    }

    private Errno ExtattrGet(Vnode vp, ExtattrNamespace ns, string name, byte[]? data, out int n)
    {
        n = 0;
        var err = Extattr.CheckName(ns, name);
        if (err != Errno.OK)
            return err;
        var uio = data is null ? null : new Uio(data, 0, UioRw.UIO_READ);
        err = Vop.Getextattr(vp, ns, name, uio, out long size, Cred);
        if (err == Errno.OK)
            n = uio is null ? (int)size : data!.Length - (int)uio.Resid;
        return err;
    }

    private Errno ExtattrSet(Vnode vp, ExtattrNamespace ns, string name, ReadOnlyMemory<byte> data)
    {
        var err = Extattr.CheckName(ns, name);
        if (err != Errno.OK)
            return err;
        if (data.Length > Extattr.MaxValueLen)
            return Errno.EINVAL;
        var uio = new Uio(System.Runtime.InteropServices.MemoryMarshal.AsMemory(data), 0, UioRw.UIO_WRITE);
        return Vop.Setextattr(vp, ns, name, uio, Cred);
    }

    private Errno ExtattrList(Vnode vp, ExtattrNamespace ns, byte[]? data, out int n)
    {
        n = 0;
        if (!Extattr.ValidNamespace(ns))
            return Errno.EINVAL;
        var uio = data is null ? null : new Uio(data, 0, UioRw.UIO_READ);
        var err = Vop.Listextattr(vp, ns, uio, out long size, Cred);
        if (err == Errno.OK)
            n = uio is null ? (int)size : data!.Length - (int)uio.Resid;
        return err;
    }

    private Errno ExtattrDelete(Vnode vp, ExtattrNamespace ns, string name)
    {
        var err = Extattr.CheckName(ns, name);
        return err != Errno.OK ? err : Vop.Deleteextattr(vp, ns, name, Cred);
    }

    private Errno WithFd(int fd, Func<Vnode, Errno> op)
    {
        var err = Getf(fd, out var fp);
        return err != Errno.OK ? err : op(fp!.Vnode);
    }
}
