// Vfs.Core: what a Kernel loads at boot and which file system it mounts as root (/etc/system's
// "moddir" and "rootfs").
//
// The Kernel installs every module's file system type in its vfssw, then finds the root type there by
// name and mounts it with VFS_MOUNTROOT (vfs_mountroot), so the kernel itself names no file system.
// The default boots like a diskless host: tmpfs, mounted on "/" from "swap".
namespace UnixVfs.Core;

/// <summary>The file system types a Kernel installs at boot, and the one it mounts as root.</summary>
/// <param name="Modules">The types installed in the vfssw at boot (modload), in order.</param>
/// <param name="RootFstype">The name of the type mounted as root (rootfs.bo_fstype); it must be among the modules.</param>
/// <param name="RootResource">What the root vfs says was mounted (vfs_resource).</param>
public sealed record BootConfig(IReadOnlyList<VfsDef> Modules, string RootFstype, string RootResource)
{
    /// <summary>tmpfs installed and mounted as root, from "swap".</summary>
    public static BootConfig Default { get; } = new([Tmpfs.TmpVfsops.Def], Tmpfs.TmpVfsops.Def.Name, "swap");
}
