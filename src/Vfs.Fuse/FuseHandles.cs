// Vfs.Fuse: open files and directories -- the file handles (fh) the bridge gives OPEN, CREATE and OPENDIR.
//
// A handle is the bridge's open file (the kernel's struct file): the vnode VOP_OPEN returned, held
// once, the flags it was opened with and the credential of the process that opened it. READ, WRITE,
// FSYNC, READDIR and RELEASE name the handle and run with that credential, as I/O on a descriptor
// does: the permission check was made once, at open. RELEASE is VOP_CLOSE and drops the hold.
//
// LOCK ORDER: the table lock is a leaf.
namespace UnixVfs.Fuse;

using UnixVfs.Core;

/// <summary>One open file: what VOP_OPEN returned, held once.</summary>
internal sealed record FuseOpenFile(Vnode Vp, FileFlags Flags, Cred Cred);

internal sealed class FuseHandles
{
    private readonly object _lock = new();
    private readonly Dictionary<ulong, FuseOpenFile> _open = new();
    private ulong _next = 1;

    /// <summary>The number of open handles.</summary>
    public int Count
    {
        get { lock (_lock) return _open.Count; }
    }

    /// <summary>Records an open file (its hold moves into the table) and returns its fh.</summary>
    public ulong Add(FuseOpenFile f)
    {
        lock (_lock)
        {
            ulong fh = _next++;
            _open.Add(fh, f);
            return fh;
        }
    }

    /// <summary>The open file <paramref name="fh"/>, or null (a handle the bridge never gave).</summary>
    public FuseOpenFile? Get(ulong fh)
    {
        lock (_lock)
            return _open.GetValueOrDefault(fh);
    }

    /// <summary>Takes <paramref name="fh"/> out of the table; the caller closes it and releases its hold.</summary>
    public FuseOpenFile? Remove(ulong fh)
    {
        lock (_lock)
            return _open.Remove(fh, out var f) ? f : null;
    }

    /// <summary>Takes every handle out (the mount is gone and the kernel will send no RELEASE).</summary>
    public List<FuseOpenFile> RemoveAll()
    {
        lock (_lock)
        {
            var all = _open.Values.ToList();
            _open.Clear();
            return all;
        }
    }
}
