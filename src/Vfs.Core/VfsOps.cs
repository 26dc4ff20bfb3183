// Vfs.Core: the vfs operations table (struct vfsops).
//
// As with vnodes, a file system writes a template and calls VfsOps.Make; the kernel then calls the
// table only through VfsOp.* (VfsOp.cs). The ops, their signatures and their contracts are listed once,
// in VfsIf.cs; the typed slots (VfsOps.Root, ...) and the delegate types (VfsRootFn, ...) are generated
// from it (VfsOps.g.cs, VfsOpDelegates.g.cs).
namespace UnixVfs.Core;

/// <summary>Why VFS_MOUNTROOT is called (<c>enum whymountroot</c>).</summary>
public enum WhyMountroot
{
    ROOT_INIT = 0,
    ROOT_REMOUNT = 1,
    ROOT_UNMOUNT = 2,
}

/// <summary>A vfs operations table (<c>vfsops_t</c>).</summary>
public sealed partial class VfsOps
{
    /// <summary>The file system type this table belongs to.</summary>
    public string Name { get; }

    /// <summary>vfs_makefsops: builds a table from a template; EINVAL as for <see cref="VnodeOps.Make"/>.</summary>
    public static Errno Make(string name, IEnumerable<FsOperationDef> template, out VfsOps? ops)
    {
        ops = null;
        var err = OpsVector.Build(VfsOpReg.VfsOpTable, template, out var slots, out _);
        if (err != Errno.OK)
            return err;
        ops = FromVector(name, slots);
        return Errno.OK;
    }

    /// <summary>Like <see cref="Make"/>, for a file system's static table: a bad template is a bug, so it panics.</summary>
    public static VfsOps MakeOrPanic(string name, IEnumerable<FsOperationDef> template)
    {
        var err = OpsVector.Build(VfsOpReg.VfsOpTable, template, out var slots, out var problem);
        if (err != Errno.OK)
            throw new VfsPanicException($"vfs_makefsops({name}): {problem}");
        return FromVector(name, slots);
    }

    /// <summary>Every slot by op name, in master-table order.</summary>
    public IEnumerable<(string Name, Delegate Func)> Slots =>
        VfsOpReg.VfsOpTable.Select((e, i) => (e.Name, _slots[i]));

    public override string ToString() => Name;
}
