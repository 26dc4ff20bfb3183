// Vfs.Core: one entry of a file system's ops template (fs_operation_def_t) and the builder that
// turns a template into a full vector (fs_build_vector).
//
// A file system never constructs a VnodeOps or VfsOps itself. It writes a template, a list of
// (name, delegate) pairs for the ops it implements, and hands it to VnodeOps.Make / VfsOps.Make.
// The builder looks each name up in the master table (VfsOpReg, generated from
// VnodeIf.cs and VfsIf.cs), checks that the delegate has
// exactly that slot's type, resolves the FsDefault/FsError placeholders, and fills every op the
// template leaves out with its default. A null entry, an unknown name, a name given twice or a
// delegate of the wrong type make Make return EINVAL and build nothing.
namespace UnixVfs.Core;

/// <summary>One entry of an ops template: an op name (VopName/VfsopName) and its implementation.</summary>
public readonly record struct FsOperationDef(string Name, Delegate? Func)
{
    /// <summary>fs_default: use the master table's default for this op.</summary>
    public static readonly Delegate FsDefault = new Action(static () => { });

    /// <summary>fs_error: use the master table's error function for this op (ENOSYS).</summary>
    public static readonly Delegate FsError = new Action(static () => { });
}

/// <summary>A row of a master translation table: an op's name, its slot type, its default and its error function.</summary>
internal sealed record OpRegEntry(string Name, Type SlotType, Delegate Default, Delegate Error);

/// <summary>fs_build_vector: resolves a template against a master table.</summary>
internal static class OpsVector
{
    public static Errno Build(OpRegEntry[] master, IEnumerable<FsOperationDef> template, out Delegate[] slots, out string? problem)
    {
        slots = new Delegate[master.Length];
        problem = null;
        foreach (var def in template)
        {
            int i = Array.FindIndex(master, e => e.Name == def.Name);
            if (i < 0)
            {
                problem = $"unknown operation \"{def.Name}\"";
                return Errno.EINVAL;
            }
            if (slots[i] is not null)
            {
                problem = $"operation \"{def.Name}\" given twice";
                return Errno.EINVAL;
            }
            if (def.Func is null)
            {
                problem = $"operation \"{def.Name}\" is null";
                return Errno.EINVAL;
            }
            var e = master[i];
            if (ReferenceEquals(def.Func, FsOperationDef.FsDefault))
                slots[i] = e.Default;
            else if (ReferenceEquals(def.Func, FsOperationDef.FsError))
                slots[i] = e.Error;
            else if (def.Func.GetType() != e.SlotType)
            {
                problem = $"operation \"{def.Name}\" is a {def.Func.GetType().Name}, not a {e.SlotType.Name}";
                return Errno.EINVAL;
            }
            else
                slots[i] = def.Func;
        }
        for (int i = 0; i < slots.Length; i++)
            slots[i] ??= master[i].Default;
        return Errno.OK;
    }
}
