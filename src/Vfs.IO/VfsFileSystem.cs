// Vfs.IO: System.IO.Abstractions' IFileSystem over one Process of a Kernel.
//
// Code written against IFileSystem (the TestableIO interfaces that many .NET programs and their tests
// already use) runs unchanged on the model: on tmpfs, on UFS2 in a block file, on an NFS import, on a
// mirror, with faults injected underneath. Every call becomes the system calls of the process this
// file system was made for -- its credentials, cwd and umask -- and every failure becomes the exception
// System.IO throws on Linux for the same errno (Vfs.Core's VfsErrors). Paths are that process's paths:
// absolute from its root, relative from its cwd (Directory.GetCurrentDirectory/SetCurrentDirectory are
// getcwd(2)/chdir(2)). Nothing is cached here; an IFileInfo reads its attributes with stat(2) once, as
// System.IO's does, until Refresh.
//
// What the model has no counterpart for says so with NotSupportedException: operating-system handles
// (SafeFileHandle, RandomAccess), file-system watchers, version resources and access-control lists.
namespace UnixVfs.IO;

/// <summary>An <see cref="IFileSystem"/> whose every call is a system call of <see cref="Process"/>.</summary>
public sealed class VfsFileSystem : IFileSystem
{
    /// <summary>
    /// A file system over <paramref name="process"/>'s view of its Kernel. With <paramref name="currentDirectory"/>,
    /// the process first chdir(2)s there, so relative paths start at that directory (any path of the Kernel:
    /// a mount point of UFS, an NFS import, a mirror).
    /// </summary>
    public VfsFileSystem(Process process, string? currentDirectory = null)
    {
        Process = process ?? throw new ArgumentNullException(nameof(process));
        Facade = new FileSystemFacade(process);
        if (currentDirectory is not null)
            IOErrors.Check(process.Chdir(currentDirectory), currentDirectory, isDirectory: true);
        File = new VfsFile(this);
        Directory = new VfsDirectory(this);
        FileInfo = new VfsFileInfoFactory(this);
        DirectoryInfo = new VfsDirectoryInfoFactory(this);
        FileStream = new VfsFileStreamFactory(this);
        DriveInfo = new VfsDriveInfoFactory(this);
        Path = new VfsPath(this);
        FileSystemWatcher = new Unsupported.WatcherFactory(this);
        FileVersionInfo = new Unsupported.VersionInfoFactory(this);
        RandomAccess = new Unsupported.RandomAccessOps(this);
    }

    /// <summary>The process every call is made as.</summary>
    public Process Process { get; }

    /// <summary>The System.IO-like helpers of Vfs.Core over the same process (mkdir -p, directory removal, rename rules).</summary>
    internal FileSystemFacade Facade { get; }

    public IDirectory Directory { get; }
    public IDirectoryInfoFactory DirectoryInfo { get; }
    public IDriveInfoFactory DriveInfo { get; }
    public IFile File { get; }
    public IFileInfoFactory FileInfo { get; }
    public IFileStreamFactory FileStream { get; }
    public IFileSystemWatcherFactory FileSystemWatcher { get; }
    public IFileVersionInfoFactory FileVersionInfo { get; }
    public IPath Path { get; }
    public IRandomAccess RandomAccess { get; }

    public object GetAccessControl() => throw Unsupported.Acl();
    public object GetAccessControl(IFileSystemAclSupport.AccessControlSections includeSections) => throw Unsupported.Acl();
    public void SetAccessControl(object value) => throw Unsupported.Acl();

    /// <summary>
    /// The absolute, normalised form of <paramref name="path"/> for this process: relative to its cwd,
    /// "." and ".." folded by name as System.IO.Path.GetFullPath does (no lookup, no symbolic links followed).
    /// </summary>
    internal string FullPath(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (System.IO.Path.IsPathRooted(path))
            return System.IO.Path.GetFullPath(path);
        IOErrors.Check(Process.Getcwd(out string cwd));
        return System.IO.Path.GetFullPath(path, cwd);
    }

    /// <summary>stat(2) (or lstat(2)) without an exception: null if the path cannot be reached.</summary>
    internal Stat? TryStat(string? path, bool followLinks = true)
    {
        if (string.IsNullOrEmpty(path))
            return null;
        var err = followLinks ? Process.Stat(path, out var st) : Process.Lstat(path, out st);
        return err == Errno.OK ? st : null;
    }
}
