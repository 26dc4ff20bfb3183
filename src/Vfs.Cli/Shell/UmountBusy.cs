// Vfs.Cli / shell: why umount said EBUSY. umount(2) only answers EBUSY; the shell looks at what holds the
// file system -- the file system's own reason in the kernel's messages (a mirror's undelivered log), a mount
// inside it, a process's current directory or open file in it, an NFS share of it, a mirror using it as a
// copy -- and names the first it finds, with what to do about it.
using UnixVfs.Core;
using UnixVfs.Mirror;

namespace UnixVfs.Cli.Shell;

internal static class UmountBusy
{
    /// <summary>Why <paramref name="vfs"/> is busy, in one phrase; <paramref name="fsMessage"/> is what its VFS_UNMOUNT logged, if anything.</summary>
    public static string Why(ShellContext c, Vfs vfs, string? fsMessage)
    {
        const string Refused = "not unmounted: ";
        if (fsMessage is not null && fsMessage.Contains(Refused, StringComparison.Ordinal))
            return fsMessage[(fsMessage.IndexOf(Refused, StringComparison.Ordinal) + Refused.Length)..];
        var k = c.K;
        foreach (var v in k.Mounts)
            if (!ReferenceEquals(v, vfs) && v.Covered.Any(cv => ReferenceEquals(cv.Vfs, vfs)))
                return $"{v.MntPt} is mounted inside it (umount {v.MntPt} first)";
        foreach (var p in k.Processes)
        {
            if (p.Lookupname(".", false, out var cwd) == Errno.OK)
            {
                bool inside = ReferenceEquals(cwd!.Vfs, vfs);
                cwd.Rele();
                if (inside)
                    return $"it is the current directory of pid {p.Pid} ({p.CwdPath}; cd / first)";
            }
            foreach (int fd in p.OpenDescriptors)
                if (p.Getf(fd, out var fp) == Errno.OK && ReferenceEquals(fp!.Vnode.Vfs, vfs))
                    return $"pid {p.Pid} has a file open in it (fd {fd}, {MirrorNames.Braced(vfs, fp.Vnode.Path ?? "?")}; close {fd} first)";
        }
        foreach (var e in c.Host.Server.Exports)
            if (c.P.Lookupname(e.Options.Path, true, out var ep) == Errno.OK)
            {
                bool shared = ReferenceEquals(ep!.Vfs, vfs);
                ep.Rele();
                if (shared)
                    return $"it is shared over NFS as {e.Options.Path} (unshare {e.Options.Path} first)";
            }
        foreach (var v in k.Mounts)
            if (v.Data is MfsVfs mi && mi.Copies.FirstOrDefault(cp => ReferenceEquals(cp.Vfs, vfs)) is { } copy)
                return $"it is copy {copy.Name} of the mirror on {MirrorNames.Of(v)} (umount the mirror first)";
        return fsMessage ?? "files of it are still in use";
    }
}
