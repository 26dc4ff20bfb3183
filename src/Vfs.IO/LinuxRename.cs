// Vfs.IO: rename(2) with the errno Linux gives where it checks in another order than the model's Process.Rename.
//
// Linux looks up the parents of both names before either name itself, so a file where the target's directory
// should be is ENOTDIR even when the source is missing (the model looks the source up first: ENOENT); and it
// refuses a target directory that is an ancestor of the source with ENOTEMPTY before it compares their types
// (the model's file systems say EISDIR). System.IO turns these errnos into different exceptions, so the
// IFileSystem over the model asks these two questions first, by path, and calls rename(2) only after them.
namespace UnixVfs.IO;

internal static class LinuxRename
{
    internal static Errno Rename(VfsFileSystem fs, string from, string to)
    {
        string src = fs.FullPath(from).TrimEnd('/'), dst = fs.FullPath(to).TrimEnd('/');
        string? dstParent = System.IO.Path.GetDirectoryName(dst);
        if (dstParent is not null)
        {
            var err = fs.Process.Stat(dstParent, out var pst);
            if (err == Errno.ENOTDIR || (err == Errno.OK && pst!.Type != VType.VDIR))
                return Errno.ENOTDIR;
        }
        if (dst.Length > 0 && src.StartsWith(dst + "/", StringComparison.Ordinal) && fs.TryStat(dst)?.Type == VType.VDIR)
            return Errno.ENOTEMPTY;
        return fs.Process.Rename(src, dst);
    }
}
