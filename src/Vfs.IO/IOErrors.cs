// Vfs.IO: the errno-to-exception rule of this file system -- Vfs.Core's VfsErrors, plus the one thing System.IO
// does on top of it for path operations: ENOTDIR (a file where the path needs a directory, "a.txt/x") is
// reported as DirectoryNotFoundException, as for a missing directory. Every system call and facade call of
// Vfs.IO reports its failure through here.
namespace UnixVfs.IO;

internal static class IOErrors
{
    /// <summary>Throws System.IO's exception for <paramref name="e"/> on <paramref name="path"/>, or returns if it is OK.</summary>
    internal static void Check(Errno e, string? path = null, bool isDirectory = false)
    {
        if (e == Errno.ENOTDIR)
            throw VfsErrors.ToException(Errno.ENOENT, path, isDirectory: true);
        VfsErrors.Check(e, path, isDirectory);
    }

    /// <summary>Runs a call of Vfs.Core's facade, turning its ENOTDIR into the DirectoryNotFoundException of <paramref name="path"/>.</summary>
    internal static T Call<T>(string path, Func<T> call)
    {
        try
        {
            return call();
        }
        catch (IOException e) when (VfsErrors.ErrnoOf(e) == Errno.ENOTDIR)
        {
            throw VfsErrors.ToException(Errno.ENOENT, path, isDirectory: true);
        }
    }

    internal static void Call(string path, Action call) => Call(path, () =>
    {
        call();
        return true;
    });
}
