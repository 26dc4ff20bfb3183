// Vfs.IO: what IFileInfo and IDirectoryInfo share -- a full path, and its attributes read with stat(2) at
// the first question and kept until Refresh, as System.IO's FileSystemInfo keeps them. Setting an
// attribute or a time is a system call at once (and forgets what was read).
namespace UnixVfs.IO;

internal abstract class VfsFileSystemInfo : IFileSystemInfo
{
    private protected readonly VfsFileSystem Fs;
    private Stat? _stat;
    private bool _read;

    private protected VfsFileSystemInfo(VfsFileSystem fs, string path)
    {
        Fs = fs;
        FullName = fs.FullPath(path);
    }

    public IFileSystem FileSystem => Fs;

    /// <summary>The absolute path (a directory's keeps the trailing '/' it was given, as System.IO's does).</summary>
    public string FullName { get; private protected set; }

    public string Name => FullName == "/" ? "/" : System.IO.Path.GetFileName(FullName.TrimEnd('/'));
    public string Extension => System.IO.Path.GetExtension(FullName);
    public abstract bool Exists { get; }
    private protected abstract bool IsDirectory { get; }

    /// <summary>stat(2) of the path as first read (following symbolic links), or null if it cannot be reached.</summary>
    private protected Stat? Stat
    {
        get
        {
            if (!_read)
            {
                _stat = Fs.TryStat(FullName);
                _read = true;
            }
            return _stat;
        }
    }

    public void Refresh() => _read = false;

    public FileAttributes Attributes
    {
        get => Stat is null ? (FileAttributes)(-1) : VfsAttributes.Get(Fs, FullName);
        set
        {
            VfsAttributes.Set(Fs, FullName, value, IsDirectory);
            Refresh();
        }
    }

    public UnixFileMode UnixFileMode
    {
        get => Stat is null ? (UnixFileMode)(-1) : (UnixFileMode)Stat.Perm;
        set
        {
            VfsAttributes.SetMode(Fs, FullName, value, IsDirectory);
            Refresh();
        }
    }

    public DateTime CreationTimeUtc { get => VfsAttributes.GetUtc(Stat, VfsAttributes.Time.Creation); set => SetTime(VfsAttributes.Time.Creation, value); }
    public DateTime LastAccessTimeUtc { get => VfsAttributes.GetUtc(Stat, VfsAttributes.Time.Access); set => SetTime(VfsAttributes.Time.Access, value); }
    public DateTime LastWriteTimeUtc { get => VfsAttributes.GetUtc(Stat, VfsAttributes.Time.Write); set => SetTime(VfsAttributes.Time.Write, value); }
    public DateTime CreationTime { get => CreationTimeUtc.ToLocalTime(); set => SetTime(VfsAttributes.Time.Creation, value); }
    public DateTime LastAccessTime { get => LastAccessTimeUtc.ToLocalTime(); set => SetTime(VfsAttributes.Time.Access, value); }
    public DateTime LastWriteTime { get => LastWriteTimeUtc.ToLocalTime(); set => SetTime(VfsAttributes.Time.Write, value); }

    private void SetTime(VfsAttributes.Time which, DateTime value)
    {
        VfsAttributes.SetUtc(Fs, FullName, which, value, IsDirectory);
        Refresh();
    }

    /// <summary>The target of the symbolic link at this path, or null if it is not one.</summary>
    public string? LinkTarget =>
        Fs.TryStat(FullName, followLinks: false)?.Type == VType.VLNK && Fs.Process.Readlink(FullName, out string target) == Errno.OK
            ? target : null;

    public void CreateAsSymbolicLink(string pathToTarget)
    {
        ArgumentException.ThrowIfNullOrEmpty(pathToTarget);
        IOErrors.Call(FullName, () => Fs.Facade.CreateSymbolicLink(FullName, pathToTarget));
        Refresh();
    }

    public IFileSystemInfo? ResolveLinkTarget(bool returnFinalTarget) => VfsLinks.Resolve(Fs, FullName, returnFinalTarget, IsDirectory);

    public abstract void Delete();

    public override string ToString() => FullName;
}
