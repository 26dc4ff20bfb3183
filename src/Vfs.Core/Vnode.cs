// Vfs.Core: the vnode (struct vnode), one per active file, directory or symlink of any file system.
//
// A vnode is the file-system-independent face of a file: the kernel and every layer above a file
// system see only vnodes and call them only through Vop.* (VOP_*), which dispatches through Ops.
// The file system keeps its own per-file state (an inode, an rnode, an mnode) in Data.
//
// Ownership and locking, field by field:
//   Count            changed only by Hold/Rele/DropLastHold (atomically).
//   VfsMountedHere   set and cleared by the Kernel's mount code under its mount lock.
//   Ops, Vfs, Type   fixed at Alloc (Type may change only while the file system owns the only hold).
//   Data, Rdev       owned by the file system.
//   Path             a hint (v_path), written by Vop.Lookup; never trusted for access decisions.
//
// LOCK ORDER: v_lock (Lock) is whatever the file system makes it. The generic rwlock behind VOP_RWLOCK
// (RwLock) is ranked: a stacking layer's vnode's before the vnodes below it, and two of one
// rank only by try (docs/architecture.md, "Lock order").
//
// IMPORTANT: vnodes are created ONLY by Vnode.Alloc (vn_alloc).
//
// Reference counting. Every pointer to a vnode that outlives a call is a hold. The canonical
// sequence is
//     Vop.Lookup(dvp, name, out var vp, ...)   // vp comes back held once
//     ... use vp ...
//     vp.Rele();                               // the last Rele calls VOP_INACTIVE
// Rele does not drop the count from 1 to 0 itself: it calls VOP_INACTIVE with the count still 1,
// and the file system's inactive calls DropLastHold under the lock of its own vnode table. If a
// lookup found the vnode in that table and held it in the meantime, DropLastHold only decrements
// and the vnode lives on (the vn_rele / fs_inactive protocol of illumos).
namespace UnixVfs.Core;

/// <summary>A vnode (<c>struct vnode</c>).</summary>
public sealed class Vnode
{
    private int _count;
    private VnodeOps _ops;
    private RwLock? _rwlock;

    private Vnode(VnodeOps ops, Vfs vfsp, VType type, object? data)
    {
        _ops = ops;
        Vfs = vfsp;
        Type = type;
        Data = data;
        _count = 1;
    }

    /// <summary>
    /// vn_alloc: a new vnode with one hold, belonging to <paramref name="vfsp"/>, dispatching through <paramref name="ops"/>.
    /// </summary>
    public static Vnode Alloc(VnodeOps ops, Vfs vfsp, VType type, object? data) =>
        new(ops ?? throw new ArgumentNullException(nameof(ops)), vfsp ?? throw new ArgumentNullException(nameof(vfsp)), type, data);

    /// <summary><c>v_lock</c>: protects the fields the file system says it protects.</summary>
    public object Lock => this;

    /// <summary><c>v_flag</c>.</summary>
    public VnodeFlags Flag;

    /// <summary><c>v_count</c>: the number of holds.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary><c>v_vfsmountedhere</c>: the vfs mounted on this directory, if any.</summary>
    public Vfs? VfsMountedHere;

    /// <summary>
    /// <c>v_op</c>: the operations table. When a fault injector or a tracer is attached to this vnode's vfs,
    /// the table is returned wrapped in them (faults inside, tracing outside), so every call through Vop.*
    /// passes them.
    /// </summary>
    public VnodeOps Ops
    {
        get
        {
            var vfsp = Vfs;
            var ops = _ops;
            if (vfsp.Faults is { } faults)
                ops = faults.Wrap(ops);
            if (vfsp.Tracer is { } tracer)
                ops = tracer.Wrap(ops);
            return ops;
        }
    }

    /// <summary>The table this vnode was made with, never a tracing wrapper (<c>vn_getops</c>).</summary>
    public VnodeOps RealOps => _ops;

    /// <summary>vn_setops: replaces the operations table (interposition).</summary>
    public void SetOps(VnodeOps ops) => _ops = ops ?? throw new ArgumentNullException(nameof(ops));

    /// <summary>vn_matchops: true when this vnode dispatches through <paramref name="ops"/>.</summary>
    public bool MatchOps(VnodeOps ops) => ReferenceEquals(_ops, ops);

    /// <summary><c>v_vfsp</c>: the vfs this vnode belongs to.</summary>
    public Vfs Vfs { get; }

    /// <summary><c>v_type</c>.</summary>
    public VType Type;

    /// <summary><c>v_rdev</c>: the device of a VCHR/VBLK vnode.</summary>
    public ulong Rdev;

    /// <summary><c>v_data</c>: the file system's private data (inode, rnode, mnode, tmpnode).</summary>
    public object? Data;

    /// <summary><c>v_path</c>: the path this vnode was last looked up by, or null; a hint for display only.</summary>
    public string? Path;

    /// <summary>
    /// The lock class of the generic rwlock of a file system's vnodes. Two of them are taken at once only by the
    /// mirror, which waits for one copy's and only tries the others' (MirrorLock), so a second one may only be tried.
    /// </summary>
    public static readonly LockClass RwlockClass = new("vnode rwlock", LockRank.Rwlock, DupRule.TryOnly);

    /// <summary>The lock class of the rwlock of a stacking layer's vnodes: taken before the layers' below.</summary>
    public static readonly LockClass UpperRwlockClass = new("upper vnode rwlock", LockRank.UpperRwlock, DupRule.TryOnly);

    /// <summary>The lock behind VOP_RWLOCK/VOP_RWUNLOCK in file systems that use the generic one (fs_rwlock), ranked by the witness.</summary>
    public RwLock RwLock
    {
        get
        {
            var l = _rwlock;
            if (l is not null)
                return l;
            Interlocked.CompareExchange(ref _rwlock, new RwLock(Vfs.Stacked ? UpperRwlockClass : RwlockClass, this), null);
            return _rwlock!;
        }
    }

    /// <summary>
    /// VN_HOLD: adds a hold. A file system may hold a vnode it keeps in its own table at zero
    /// holds (an inode cache); it must do so under that table's lock (see DropLastHold).
    /// </summary>
    public void Hold() => Interlocked.Increment(ref _count);

    /// <summary>
    /// VN_RELE: drops a hold; the last one calls VOP_INACTIVE (with the count still 1, see the file comment).
    /// </summary>
    public void Rele()
    {
        while (true)
        {
            int c = Volatile.Read(ref _count);
            if (c <= 0)
                throw new VfsPanicException($"vn_rele: vnode {this} has no holds");
            if (c == 1)
            {
                Vop.Inactive(this, Cred.Kcred);
                return;
            }
            if (Interlocked.CompareExchange(ref _count, c - 1, c) == c)
                return;
        }
    }

    /// <summary>
    /// Called by a file system's VOP_INACTIVE, under the lock of its vnode table: drops the last
    /// hold and returns true, or, if the vnode was held again meanwhile, drops one hold and returns false.
    /// </summary>
    public bool DropLastHold()
    {
        while (true)
        {
            int c = Volatile.Read(ref _count);
            if (c <= 0)
                throw new VfsPanicException($"inactive: vnode {this} has no holds");
            if (Interlocked.CompareExchange(ref _count, c - 1, c) == c)
                return c == 1;
        }
    }

    /// <summary>True for the root vnode of its vfs (VROOT).</summary>
    public bool IsRoot => (Flag & VnodeFlags.VROOT) != 0;

    public override string ToString() => $"{_ops.Name}:{Path ?? Data?.ToString() ?? "?"}";
}
