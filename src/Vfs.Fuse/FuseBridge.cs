// Vfs.Fuse: the FUSE bridge -- any vnode of a Kernel, served to the host kernel over /dev/fuse.
//
// The host kernel turns a program's system calls on the mount into FUSE requests; the bridge turns
// each request into VOP calls on the vnode it names and writes the answer back:
//
//     host program -> host VFS -> fuse.ko -> /dev/fuse -> FuseBridge (request threads)
//         -> Vop.* on the served vnode and what lies below it (an mfs, a UFS, an NFS client ...)
//
// The bridge speaks the protocol itself (FuseProto.cs has the layouts of linux/fuse.h) rather than
// through libfuse: it needs Vfs.Core alone, the whole protocol is in a few files a student can read,
// and every request is visible as the VOPs it becomes. docs/fuse.md says more.
//
// What the bridge keeps, and what it does not: the node table (FuseNodes) holds one vnode per node id
// the kernel knows, and the handle table (FuseHandles) one per open file. It keeps no attributes,
// names or data: every GETATTR, LOOKUP and READ asks the file system, so a mirror changing behind the
// bridge's back (a resync, a failover) is seen at the next request. The host kernel caches for the
// entry and attribute timeouts of FuseOptions; after link, rename, unlink and setattr the bridge tells
// it to drop what those changed (FuseNotify).
//
// Life: Mount opens /dev/fuse and mount(2)s it on a host directory; Start runs the request threads;
// Unmount (or `umount DIR` by anyone, or the process's death) ends the session: reads of /dev/fuse
// fail with ENODEV and the threads return; Close then closes the open files and releases every vnode.
using UnixVfs.Core;

namespace UnixVfs.Fuse;

/// <summary>A FUSE session: one host mount point served from one vnode.</summary>
public sealed partial class FuseBridge
{
    private const int ENODEV = 19, EINTR = 4, EAGAIN = 11, ENOENT = 2;

    private readonly int _fd;
    private readonly Vnode _root;
    private readonly FuseNodes _nodes;
    private readonly FuseHandles _handles = new();
    private readonly FuseNotify _notify;
    private readonly List<Thread> _threads = new();
    private readonly CountdownEvent _running;
    private long _requests;

    private FuseBridge(int fd, string mountPoint, Vnode root, FuseOptions options)
    {
        _fd = fd;
        _root = root;
        MountPoint = mountPoint;
        Options = options;
        _nodes = new FuseNodes(root);
        _notify = new FuseNotify(fd);
        _running = new CountdownEvent(options.Threads);
    }

    /// <summary>The host directory the bridge is mounted on.</summary>
    public string MountPoint { get; }

    public FuseOptions Options { get; }

    /// <summary>The Kernel whose clock stamps UTIME_NOW.</summary>
    private Kernel Kernel => _root.Vfs.Kernel;

    /// <summary>Requests answered so far.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Node ids the kernel holds (the root included) and files it has open: for tests of the counts.</summary>
    public (int Nodes, int Handles) Counts => (_nodes.Count, _handles.Count);

    /// <summary>
    /// Mounts <paramref name="root"/> (a directory, held by the caller) on the host directory <paramref name="mountPoint"/>
    /// with allow_other and default_permissions. The caller checks the directory first; this returns the errno of
    /// open("/dev/fuse") or mount(2): ENOENT/ENODEV (no FUSE on this host), EPERM (not root), ENOTDIR, EINVAL.
    /// </summary>
    public static Errno Mount(Vnode root, string mountPoint, FuseOptions options, out FuseBridge? bridge, out string where)
    {
        bridge = null;
        where = "/dev/fuse";
        if (root.Type != VType.VDIR)
            return Errno.ENOTDIR;
        int fd = Libc.open("/dev/fuse", Libc.O_RDWR | Libc.O_CLOEXEC);
        if (fd < 0)
            return (Errno)System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
        where = mountPoint;
        string data = $"fd={fd},rootmode=40000,user_id={Libc.getuid()},group_id={Libc.getgid()},allow_other,default_permissions,max_read={options.MaxWrite}";
        if (Libc.mount(options.Source, mountPoint, "fuse.vfs", Libc.MS_NOSUID | Libc.MS_NODEV, data) != 0)
        {
            var err = (Errno)System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            Libc.close(fd);
            return err;
        }
        bridge = new FuseBridge(fd, mountPoint, root, options);
        return Errno.OK;
    }

    /// <summary>Starts the request threads (and the notifier).</summary>
    public void Start()
    {
        _notify.Start();
        for (int i = 0; i < Options.Threads; i++)
        {
            var t = new Thread(Loop) { IsBackground = true, Name = $"fuse {MountPoint} {i}" };
            _threads.Add(t);
            t.Start();
        }
    }

    /// <summary>
    /// Unmounts the host directory. A busy mount is detached (umount -l): programs still inside it keep
    /// being served until they leave it.
    /// </summary>
    public void Unmount()
    {
        if (Libc.umount2(MountPoint, 0) != 0)
            Libc.umount2(MountPoint, Libc.MNT_DETACH);
    }

    /// <summary>Waits until the session has ended (every request thread returned); false if <paramref name="timeout"/> passed first.</summary>
    public bool Wait(TimeSpan timeout) => _running.Wait(timeout);

    /// <summary>A handle that is set when the session has ended.</summary>
    public WaitHandle Ended => _running.WaitHandle;

    /// <summary>
    /// After the session: closes every file the kernel left open (VOP_CLOSE), releases every vnode the
    /// node table holds, and closes /dev/fuse. The caller's hold on the root is untouched.
    /// </summary>
    public void Close()
    {
        _notify.Stop();
        foreach (var f in _handles.RemoveAll())
        {
            Vop.Close(f.Vp, f.Flags, 1, 0, f.Cred);
            f.Vp.Rele();
        }
        _nodes.ReleaseAll();
        Libc.close(_fd);
    }

    private void Loop()
    {
        var rq = new FuseRequest(Options.MaxWrite + 64 * 1024);
        var rp = new FuseReply(Options.MaxWrite + 64 * 1024);
        var after = new List<FuseNotification>();
        var entered = new List<ulong>();
        try
        {
            while (true)
            {
                int n = Libc.Read(_fd, rq.Buf);
                if (n == -EINTR || n == -EAGAIN || n == -ENOENT)
                    continue;
                if (n < 0)
                    return; // ENODEV: unmounted or aborted
                rq.Len = n;
                if (n < FuseProto.InHeaderSize)
                    continue;
                rp.Clear();
                after.Clear();
                entered.Clear();
                if (!Handle(rq, rp, after, entered, out var err))
                    continue;
                Interlocked.Increment(ref _requests);
                int w = Libc.Write(_fd, rp.Finish(err == Errno.OK ? 0 : -(int)err, rq.Unique));
                if (w == -ENODEV)
                    return;
                if (w < 0)
                {
                    // ENOENT: the request was interrupted and the kernel no longer waits for it, so the
                    // nodes this reply would have handed over never reached it.
                    foreach (var id in entered)
                        _nodes.Forget(id, 1);
                    continue;
                }
                foreach (var note in after)
                    _notify.Post(note);
            }
        }
        finally
        {
            _running.Signal();
        }
    }
}
