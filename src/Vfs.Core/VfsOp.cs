// Vfs.Core: VFS_* -- the only way anyone calls a vfs operation (fsop_* of illumos).
//
// Layer: between the kernel (Kernel/Mount.cs, lookuppn) and a file system's VfsOps table. Like Vop.*, each
// method dispatches through vfsp.Op and counts the call in the vfs's VopStats. None of them does more than
// that, so all of them are generated from VfsIf.cs (VfsOp.g.cs in obj/.../generated/); a VFS_* wrapper
// that needs more is written here by hand, and the generator then leaves that op out.
namespace UnixVfs.Core;

/// <summary>The VFS_* dispatchers.</summary>
public static partial class VfsOp;
