// Vfs.Core: one simulated host -- its file system types, mount list, root, DNLC, clock and processes.
//
// Several Kernels live in one .NET process: that is how the patent's networks are built (a
// master mirror server, a slave, a client, each a Kernel, talking NFS to each other). Nothing in
// the model is process-wide; everything a host owns hangs off its Kernel.
//
// At boot the kernel installs the file system types its BootConfig names and mounts the root type
// with VFS_MOUNTROOT, found in the vfssw by name (the default is tmpfs). Other file systems are
// mounted on directories of it with Process.Mount; see Mount.cs for mount and unmount.
//
// LOCK ORDER: the mount lock is outermost of all: it is held across VFS_MOUNT and VFS_UNMOUNT (a mirror's
// merge at mount runs under it) and never taken under another lock. The process list's lock is a leaf.
// The order of every ranked lock below it is in docs/architecture.md and Witness/LockClass.cs.
namespace UnixVfs.Core;

/// <summary>A simulated host (the kernel's globals: rootvfs, rootdir, vfssw, the DNLC).</summary>
public sealed partial class Kernel
{
    private readonly object _mountLock = new();   // held across VFS_MOUNT/VFS_UNMOUNT (an NFS mount's RPCs wait for time): VirtualClock.EnterMonitor
    private readonly List<Process> _procs = new();
    private int _nextPid = 1;
    private long _nextFsid = 0x100;
    private VopTracer? _tracer;

    /// <param name="hostname">The host's name (uname -n): appears in traces, NFS AUTH_SYS credentials and the demo.</param>
    /// <param name="clock">The source of file timestamps and of every wait; inject a manual one to make a run replay exactly.</param>
    /// <param name="seed">The seed of the host's random choices (KernelRandom.cs); by default one drawn from the host name.</param>
    /// <param name="boot">The file system types to install and the root to mount (BootConfig.Default when null).</param>
    public Kernel(string hostname = "localhost", TimeProvider? clock = null, int? seed = null, BootConfig? boot = null)
    {
        Hostname = hostname;
        Clock = clock ?? TimeProvider.System;
        _rng = new Random(seed ?? StableSeed(hostname));
        boot ??= BootConfig.Default;
        foreach (var def in boot.Modules)
            Vfssw.Install(def);
        (RootVfs, RootDir) = MountRoot(boot);
    }

    /// <summary>vfs_mountroot: mounts the root type named by <paramref name="boot"/> on "/", or panics.</summary>
    private (Vfs, Vnode) MountRoot(BootConfig boot)
    {
        var def = Vfssw.Find(boot.RootFstype, out int idx)
            ?? throw new VfsPanicException($"vfs_mountroot: no file system type {boot.RootFstype} for root");
        var vfsp = new Vfs(this, def.Ops, idx, def.Name) { Resource = boot.RootResource, MntPt = "/", Stacked = def.Stacked };
        if (VfsOp.Mountroot(vfsp, WhyMountroot.ROOT_INIT) != Errno.OK || VfsOp.Root(vfsp, out var root) != Errno.OK)
            throw new VfsPanicException("vfs_mountroot: cannot mount root");
        root!.Path = "/";
        return (vfsp, root);
    }

    /// <summary>The host name.</summary>
    public string Hostname { get; }

    /// <summary>
    /// A simulated host (set by Vfs.Sim): layers run on the calling thread what they would hand to threads of their
    /// own (the mirror's copy workers), and its NFS mounts make one call at a time (RpcClientOptions.Serial), so the
    /// same calls give the same events in the same order.
    /// </summary>
    public bool Simulated { get; init; }

    /// <summary>The clock file systems stamp times with.</summary>
    public TimeProvider Clock { get; }

    /// <summary>The installed file system types.</summary>
    public Vfssw Vfssw { get; } = new();

    /// <summary>The directory name lookup cache.</summary>
    public Dnlc Dnlc { get; } = new();

    /// <summary><c>rootvfs</c>: the root file system, head of the mount list.</summary>
    public Vfs RootVfs { get; }

    /// <summary><c>rootdir</c>: the root directory (held by the kernel for its lifetime).</summary>
    public Vnode RootDir { get; }

    /// <summary>Every mounted vfs, root first (the list headed by rootvfs).</summary>
    public IReadOnlyList<Vfs> Mounts
    {
        get
        {
            using (VirtualClock.EnterMonitor(_mountLock))
            {
                var list = new List<Vfs>();
                for (var v = RootVfs; v is not null; v = v.Next)
                    list.Add(v);
                return list;
            }
        }
    }

    /// <summary>A new process with credentials <paramref name="cred"/>, its cwd at the root.</summary>
    public Process CreateProcess(Cred? cred = null)
    {
        lock (_procs)
        {
            var p = new Process(this, _nextPid++, cred ?? Cred.Kcred);
            _procs.Add(p);
            return p;
        }
    }

    internal void ProcessExited(Process p)
    {
        lock (_procs) _procs.Remove(p);
    }

    /// <summary>The processes that have not exited.</summary>
    public IReadOnlyList<Process> Processes
    {
        get { lock (_procs) return _procs.ToArray(); }
    }

    /// <summary>A file system id no other vfs of this kernel has (vfs_make_fsid).</summary>
    public ulong NewFsid() => (ulong)Interlocked.Increment(ref _nextFsid);

    /// <summary>
    /// Records every vnode operation on every mounted vfs (and every vfs mounted later) with
    /// <paramref name="tracer"/>; null turns tracing off.
    /// </summary>
    public void Trace(VopTracer? tracer)
    {
        using (VirtualClock.EnterMonitor(_mountLock))
        {
            _tracer = tracer;
            for (var v = RootVfs; v is not null; v = v.Next)
                v.Tracer = tracer;
        }
    }

    /// <summary>The tracer set by <see cref="Trace"/>, or null.</summary>
    public VopTracer? Tracer => _tracer;

    /// <summary>sync(2): VFS_SYNC on every mounted vfs; the first error is returned, every vfs is tried.</summary>
    public Errno Sync(SyncFlags flags = SyncFlags.SYNC_ALL)
    {
        Errno first = Errno.OK;
        foreach (var v in Mounts)
        {
            var err = VfsOp.Sync(v, flags, Cred.Kcred);
            if (first == Errno.OK)
                first = err;
        }
        return first;
    }

    public override string ToString() => Hostname;
}
