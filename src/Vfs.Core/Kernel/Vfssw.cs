// Vfs.Core: the file system type switch (vfssw), one per Kernel.
//
// A file system type is installed once per host, like a kernel module being loaded: its name
// and its vfs operations table. mount(2) finds the type by name here; Vfs.Fstype is the index.
namespace UnixVfs.Core;

/// <summary>A file system type (<c>vfsdef_t</c>): its name and vfs operations.</summary>
public sealed class VfsDef
{
    public VfsDef(string name, VfsOps ops)
    {
        Name = name;
        Ops = ops;
    }

    /// <summary>The type name used by mount -F ("ufs", "nfs", "tmpfs", "mfs").</summary>
    public string Name { get; }

    /// <summary>The vfs operations of every mount of this type.</summary>
    public VfsOps Ops { get; }

    /// <summary>
    /// True for a layer stacked on other file systems (the mirror): its vnodes' generic rwlocks, where it uses them, are
    /// taken before those of the vnodes below, and the lock-order checker ranks them so (LockRank.UpperRwlock).
    /// </summary>
    public bool Stacked { get; init; }

    /// <summary>The vnode operations tables its vnodes use, the regular file's first: what `ops TYPE` shows without a mount.</summary>
    public IReadOnlyList<VnodeOps> VnodeTables { get; init; } = [];

    public override string ToString() => Name;
}

/// <summary>The installed file system types of one Kernel.</summary>
public sealed class Vfssw
{
    private readonly List<VfsDef> _types = new();

    /// <summary>Installs a type (modload). Returns OK, or EEXIST if a type of that name is installed.</summary>
    public Errno Install(VfsDef def)
    {
        lock (_types)
        {
            if (_types.Any(t => t.Name == def.Name))
                return Errno.EEXIST;
            _types.Add(def);
            return Errno.OK;
        }
    }

    /// <summary>vfs_getvfssw: the type named <paramref name="name"/> and its index, or null and -1.</summary>
    public VfsDef? Find(string name, out int index)
    {
        lock (_types)
        {
            index = _types.FindIndex(t => t.Name == name);
            return index < 0 ? null : _types[index];
        }
    }

    /// <summary>Every installed type, in install order.</summary>
    public IReadOnlyList<VfsDef> Types
    {
        get { lock (_types) return _types.ToArray(); }
    }
}
