// Vfs.Core: the per-mount structure (struct vfs).
//
// The kernel allocates a Vfs for every mount, hands it to the file system's VFS_MOUNT, and keeps
// it on its mount list (a singly linked list through Next, headed by the root vfs). The file
// system keeps its per-mount state in Data. Ownership:
//   Next, VnodeCovered, Covered, MntPt     the Kernel's mount code, under its mount lock.
//   Data, Bsize, Fsid, Flag (but UNMOUNTED) the file system, from VFS_MOUNT on.
//   Stats                                  Vop/VfsOp dispatch.
//   Tracer                                 Kernel.Trace; null when tracing is off.
namespace UnixVfs.Core;

/// <summary>A mounted file system (<c>struct vfs</c>).</summary>
public sealed class Vfs
{
    private readonly List<Vnode> _alsoCovered = new();

    internal Vfs(Kernel kernel, VfsOps op, int fstype, string fstypeName)
    {
        Kernel = kernel;
        Op = op;
        Fstype = fstype;
        FstypeName = fstypeName;
        Stats = new VopStats();
    }

    /// <summary>The host this vfs is mounted in (the kernel's globals, per host rather than per process).</summary>
    public Kernel Kernel { get; }

    /// <summary><c>vfs_next</c>: the next vfs on the kernel's mount list.</summary>
    public Vfs? Next { get; internal set; }

    /// <summary><c>vfs_op</c>.</summary>
    public VfsOps Op { get; }

    /// <summary>
    /// <c>vfs_vnodecovered</c>: the directory this vfs is mounted on (null for the root vfs). For a
    /// vfs that covers several directories (the mirror), the one named as the mount point; ".." from the
    /// root leads back through whichever directory the walk came in by (Lookup.cs).
    /// </summary>
    public Vnode? VnodeCovered { get; internal set; }

    /// <summary>Every directory whose <c>v_vfsmountedhere</c> is this vfs, VnodeCovered first.</summary>
    public IReadOnlyList<Vnode> Covered
    {
        get
        {
            lock (_alsoCovered)
                return VnodeCovered is null ? _alsoCovered.ToArray() : [VnodeCovered, .. _alsoCovered];
        }
    }

    internal void AddCovered(Vnode vp) { lock (_alsoCovered) _alsoCovered.Add(vp); }
    internal void ClearCovered() { lock (_alsoCovered) _alsoCovered.Clear(); }

    /// <summary><c>vfs_flag</c>.</summary>
    public VfsFlags Flag;

    /// <summary><c>vfs_bsize</c>: the native block size.</summary>
    public uint Bsize = 4096;

    /// <summary><c>vfs_fstype</c>: the index of the type in the kernel's vfssw.</summary>
    public int Fstype { get; }

    /// <summary>The type's name ("ufs", "nfs", "tmpfs", "mfs").</summary>
    public string FstypeName { get; }

    /// <summary><c>vfs_fsid</c>: unique among the kernel's mounted file systems.</summary>
    public ulong Fsid;

    /// <summary><c>vfs_data</c>: the file system's private per-mount data.</summary>
    public object? Data;

    /// <summary><c>vfs_dev</c>: the device, for file systems that have one.</summary>
    public ulong Dev;

    /// <summary><c>vfs_resource</c>: what was mounted (an image path, "server:/path", "swap", a directory pair).</summary>
    public string Resource = "";

    /// <summary><c>vfs_mntpt</c>: the path it was mounted on.</summary>
    public string MntPt = "";

    /// <summary>The mount options as given (mntopts), for mount(1) output and for the file system to keep.</summary>
    public string Options = "";

    /// <summary>Per-op statistics (<c>vfs_vskap</c>/vopstats), updated by every Vop.* and VfsOp.* call.</summary>
    public VopStats Stats { get; }

    /// <summary>The tracer recording every op on this vfs's vnodes, or null (see VopTrace.cs).</summary>
    public VopTracer? Tracer { get; internal set; }

    /// <summary>The fault injector failing chosen ops on this vfs's vnodes, or null (see VopFaults.cs).</summary>
    public VopFaults? Faults { get; set; }

    /// <summary>True for a layer stacked on other vfs (VfsDef.Stacked): its vnodes' locks rank before theirs.</summary>
    public bool Stacked { get; internal init; }

    /// <summary>The host's directory name lookup cache, for the file system's VOP_LOOKUP and name operations.</summary>
    public Dnlc Dnlc => Kernel.Dnlc;

    /// <summary>gethrestime of the host: the time file systems stamp with.</summary>
    public Timespec Now() => Kernel.Now();

    /// <summary>True for a read-only mount.</summary>
    public bool IsReadOnly => (Flag & VfsFlags.VFS_RDONLY) != 0;

    public override string ToString() => $"{FstypeName} {Resource} on {MntPt}";
}
