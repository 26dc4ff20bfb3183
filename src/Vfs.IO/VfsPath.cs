// Vfs.IO: IPath -- System.IO.Path, whose string rules are the same for the model (both are Unix paths),
// except where Path asks the disk or the environment: GetFullPath resolves against the process's cwd,
// Exists is stat(2) in the model, and the temporary directory is the model's /tmp, where GetTempFileName
// creates its file with a name from the Kernel's seeded source.
using System.Diagnostics.CodeAnalysis;

namespace UnixVfs.IO;

internal sealed class VfsPath(VfsFileSystem fs) : PathWrapper(fs)
{
    private const string TempDir = "/tmp/";

    public override string GetFullPath(string path) => fs.FullPath(path);

    public override bool Exists([NotNullWhen(true)] string? path) => fs.TryStat(path) is not null;

    public override string GetTempPath() => TempDir;

    /// <summary>Creates an empty file tmpXXXXXX.tmp in /tmp (mode 0600) and returns its path.</summary>
    public override string GetTempFileName()
    {
        for (int attempt = 0; ; attempt++)
        {
            string path = $"{TempDir}tmp{fs.Process.Kernel.Random64() & 0xFFFFFF:X6}.tmp";
            var err = fs.Process.Open(path, OFlags.O_CREAT | OFlags.O_EXCL | OFlags.O_WRONLY, 0x180, out int fd);
            if (err == Errno.OK)
            {
                IOErrors.Check(fs.Process.Close(fd), path);
                return path;
            }
            if (err != Errno.EEXIST || attempt == 100)
                IOErrors.Check(err, path, isDirectory: err == Errno.ENOENT);
        }
    }
}
