// Vfs.Core: the vnode operations table (struct vnodeops).
//
// File systems must never construct a VnodeOps themselves: they call VnodeOps.Make with a
// template (vn_make_ops). A table is immutable once made, has a name (vnop_name) and one typed
// delegate per slot; Slots lists them by name for printing (the shell's `ops TYPE`). Every slot is
// non-null: what a template leaves out holds the default from the master table (VfsOpReg.g.cs).
// The slots themselves (VnodeOps.Read, ...) and the constructor are generated from the op list in
// VnodeIf.cs (VnodeOps.g.cs); this file is what a table does beyond holding them.
namespace UnixVfs.Core;

/// <summary>A vnode operations table (<c>vnodeops_t</c>).</summary>
public sealed partial class VnodeOps
{
    /// <summary><c>vnop_name</c>: the file system (and table) this is, e.g. "ufs", "ufs-dir".</summary>
    public string Name { get; }

    /// <summary>
    /// vn_make_ops: builds a table named <paramref name="name"/> from <paramref name="template"/>.
    /// Returns OK, or EINVAL (with nothing built) for a null entry, an unknown name, a duplicate or a delegate of the wrong type.
    /// </summary>
    public static Errno Make(string name, IEnumerable<FsOperationDef> template, out VnodeOps? ops)
    {
        ops = null;
        var err = OpsVector.Build(VfsOpReg.VnodeOpTable, template, out var slots, out _);
        if (err != Errno.OK)
            return err;
        ops = FromVector(name, slots);
        return Errno.OK;
    }

    /// <summary>Like <see cref="Make"/>, for a file system's static table: a bad template is a bug, so it panics.</summary>
    public static VnodeOps MakeOrPanic(string name, IEnumerable<FsOperationDef> template)
    {
        var err = OpsVector.Build(VfsOpReg.VnodeOpTable, template, out var slots, out var problem);
        if (err != Errno.OK)
            throw new VfsPanicException($"vn_make_ops({name}): {problem}");
        return FromVector(name, slots);
    }

    /// <summary>Every slot by op name, in master-table order.</summary>
    public IEnumerable<(string Name, Delegate Func)> Slots =>
        VfsOpReg.VnodeOpTable.Select((e, i) => (e.Name, _slots[i]));

    /// <summary>True when slot <paramref name="name"/> holds the master table's default rather than the file system's own op.</summary>
    public bool IsDefault(string name)
    {
        int i = Array.FindIndex(VfsOpReg.VnodeOpTable, e => e.Name == name);
        return i >= 0 && ReferenceEquals(_slots[i], VfsOpReg.VnodeOpTable[i].Default);
    }

    public override string ToString() => Name;
}
