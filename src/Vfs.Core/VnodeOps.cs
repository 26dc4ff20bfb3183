// Vfs.Core: the vnode operations table (struct vnodeops).
//
// File systems must never construct a VnodeOps themselves: they call VnodeOps.Make with a
// template (vn_make_ops). A table is immutable once made, has a name (vnop_name) and one typed
// delegate per slot; Slots lists them by name for printing (the shell's `ops TYPE`) and for
// wrapping (the tracing table in VopTrace.cs). Every slot is non-null: what a template leaves out
// holds the default from the master table (VfsOpReg.cs).
namespace UnixVfs.Core;

/// <summary>A vnode operations table (<c>vnodeops_t</c>).</summary>
public sealed class VnodeOps
{
    private readonly Delegate[] _slots;

    /// <summary><c>vnop_name</c>: the file system (and table) this is, e.g. "ufs", "ufs-dir".</summary>
    public string Name { get; }

    public VopOpen Open { get; }
    public VopClose Close { get; }
    public VopRead Read { get; }
    public VopWrite Write { get; }
    public VopIoctl Ioctl { get; }
    public VopSetfl Setfl { get; }
    public VopGetattr Getattr { get; }
    public VopSetattr Setattr { get; }
    public VopAccess Access { get; }
    public VopLookup Lookup { get; }
    public VopCreate Create { get; }
    public VopRemove Remove { get; }
    public VopLink Link { get; }
    public VopRename Rename { get; }
    public VopMkdir Mkdir { get; }
    public VopRmdir Rmdir { get; }
    public VopReaddir Readdir { get; }
    public VopSymlink Symlink { get; }
    public VopReadlink Readlink { get; }
    public VopFsync Fsync { get; }
    public VopInactive Inactive { get; }
    public VopFid Fid { get; }
    public VopRwlock Rwlock { get; }
    public VopRwunlock Rwunlock { get; }
    public VopSeek Seek { get; }
    public VopCmp Cmp { get; }
    public VopRealvp Realvp { get; }
    public VopPathconf Pathconf { get; }

    private VnodeOps(string name, Delegate[] s)
    {
        Name = name;
        _slots = s;
        int i = 0;
        Open = (VopOpen)s[i++]; Close = (VopClose)s[i++]; Read = (VopRead)s[i++]; Write = (VopWrite)s[i++];
        Ioctl = (VopIoctl)s[i++]; Setfl = (VopSetfl)s[i++]; Getattr = (VopGetattr)s[i++]; Setattr = (VopSetattr)s[i++];
        Access = (VopAccess)s[i++]; Lookup = (VopLookup)s[i++]; Create = (VopCreate)s[i++]; Remove = (VopRemove)s[i++];
        Link = (VopLink)s[i++]; Rename = (VopRename)s[i++]; Mkdir = (VopMkdir)s[i++]; Rmdir = (VopRmdir)s[i++];
        Readdir = (VopReaddir)s[i++]; Symlink = (VopSymlink)s[i++]; Readlink = (VopReadlink)s[i++]; Fsync = (VopFsync)s[i++];
        Inactive = (VopInactive)s[i++]; Fid = (VopFid)s[i++]; Rwlock = (VopRwlock)s[i++]; Rwunlock = (VopRwunlock)s[i++];
        Seek = (VopSeek)s[i++]; Cmp = (VopCmp)s[i++]; Realvp = (VopRealvp)s[i++]; Pathconf = (VopPathconf)s[i++];
    }

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
        ops = new VnodeOps(name, slots);
        return Errno.OK;
    }

    /// <summary>Like <see cref="Make"/>, for a file system's static table: a bad template is a bug, so it panics.</summary>
    public static VnodeOps MakeOrPanic(string name, IEnumerable<FsOperationDef> template)
    {
        var err = OpsVector.Build(VfsOpReg.VnodeOpTable, template, out var slots, out var problem);
        if (err != Errno.OK)
            throw new VfsPanicException($"vn_make_ops({name}): {problem}");
        return new VnodeOps(name, slots);
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

    /// <summary>A table of the same ops with each slot replaced by <paramref name="wrap"/>(name, slot) (interposition).</summary>
    internal VnodeOps Rewrap(string name, Func<string, Delegate, Delegate> wrap) =>
        new(name, VfsOpReg.VnodeOpTable.Select((e, i) => wrap(e.Name, _slots[i])).ToArray());

    public override string ToString() => Name;
}
