// Vfs.Core: the marks an op spec (VnodeIf.cs, VfsIf.cs) is written with. The generator in
// src/Vfs.Core.Generators reads them; nothing reads them at run time.
//
// Layer: below the dispatch. A spec says which ops a table has; the generator turns it into the table
// (VnodeOps, VfsOps), its dispatchers (Vop, VfsOp), names, master table, stubs and interposer.
namespace UnixVfs.Core;

/// <summary>
/// Marks an interface as the op list of one kind of ops table. Each method is one op; the names below tell the
/// generator what to call the things it writes from them.
/// </summary>
[AttributeUsage(AttributeTargets.Interface)]
internal sealed class OpSpecAttribute : Attribute
{
    /// <summary>The table class, a sealed partial class with a Name property ("VnodeOps").</summary>
    public string Table { get; init; } = "";

    /// <summary>The static partial class of dispatchers ("Vop"). An op it declares by hand is not generated.</summary>
    public string Dispatcher { get; init; } = "";

    /// <summary>The dispatcher's macro prefix, for the docs ("VOP_").</summary>
    public string Macro { get; init; } = "";

    /// <summary>The delegate type of an op's slot, {0} being the op ("Vop{0}").</summary>
    public string Delegate { get; init; } = "";

    /// <summary>The class of op-name constants ("VopName").</summary>
    public string Names { get; init; } = "";

    /// <summary>The class of slot numbers ("VopSlot").</summary>
    public string Slots { get; init; } = "";

    /// <summary>The master table's field in VfsOpReg ("VnodeOpTable").</summary>
    public string MasterTable { get; init; } = "";

    /// <summary>What VopStats calls an op of this table: the prefix before its name ("" or "vfs_").</summary>
    public string StatsPrefix { get; init; } = "";

    /// <summary>How a dispatcher reaches the table from the op's first argument, {0} being that argument ("{0}.Ops").</summary>
    public string OpsOf { get; init; } = "";

    /// <summary>How a dispatcher reaches the vfs whose VopStats count the call ("{0}.Vfs"; "{0}" when it is the vfs).</summary>
    public string VfsOf { get; init; } = "";

    /// <summary>The dispatcher checks (DEBUG builds) that the op's first vnode is held: Vop.Check.</summary>
    public bool HoldCheck { get; init; }

    /// <summary>VopInterposer wraps this table (the tracer, the fault injector).</summary>
    public bool Interposed { get; init; }
}

/// <summary>
/// What a table's slot holds when its template leaves the op out. Without this mark: ENOSYS (fs_nosys).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class OpDefaultAttribute : Attribute
{
    /// <summary>A stub that returns <paramref name="returns"/> (outs set to their defaults).</summary>
    public OpDefaultAttribute(Errno returns) => Returns = returns;

    /// <summary>A generic op of FsSubr, named with nameof: <c>[OpDefault(nameof(FsSubr.FsSeek))]</c>.</summary>
    public OpDefaultAttribute(string generic) => Generic = generic;

    public Errno Returns { get; }

    public string? Generic { get; }
}

/// <summary>The dispatcher does not check that the op's vnode is held (see <see cref="OpSpecAttribute.HoldCheck"/>).</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class UnheldAttribute : Attribute;
