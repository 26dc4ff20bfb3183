// Vfs.IO: ResolveLinkTarget -- readlink(2), once or until the chain ends, as System.IO does it: null for
// a path that is not a symbolic link, a missing path is FileNotFoundException (DirectoryNotFound for the
// Directory/DirectoryInfo forms), and a chain longer than the kernel's limit is ELOOP's IOException.
namespace UnixVfs.IO;

internal static class VfsLinks
{
    internal static IFileSystemInfo? Resolve(VfsFileSystem fs, string linkPath, bool returnFinalTarget, bool isDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(linkPath);
        string path = fs.FullPath(linkPath);
        var st = fs.TryStat(path, followLinks: false);
        if (st is null)
            IOErrors.Check(Errno.ENOENT, path, isDirectory);
        if (st!.Type != VType.VLNK)
            return null;
        for (int hops = 0; ; hops++)
        {
            if (hops == Limits.MaxSymlinks)
                IOErrors.Check(Errno.ELOOP, linkPath);
            IOErrors.Check(fs.Process.Readlink(path, out string target), path);
            path = System.IO.Path.GetFullPath(target, System.IO.Path.GetDirectoryName(path) ?? "/");
            st = fs.TryStat(path, followLinks: false);
            if (!returnFinalTarget || st is null || st.Type != VType.VLNK)
                break;
        }
        return st?.Type == VType.VDIR || (st is null && isDirectory)
            ? new VfsDirectoryInfo(fs, path) : new VfsFileInfo(fs, path);
    }
}
