// Vfs.IO: the factories of IFileSystem -- FileInfo.New, DirectoryInfo.New, FileStream.New, DriveInfo.New --
// over the same VfsFileSystem. Wrap (a real System.IO object into this file system) has no meaning for a
// model whose files are not on the host, and says so.
using Microsoft.Win32.SafeHandles;

namespace UnixVfs.IO;

internal sealed class VfsFileInfoFactory(VfsFileSystem fs) : IFileInfoFactory
{
    public IFileSystem FileSystem => fs;
    public IFileInfo New(string fileName) => new VfsFileInfo(fs, fileName);
    public IFileInfo? Wrap(FileInfo? fileInfo) => throw NoWrap.Of("FileInfo");
}

internal sealed class VfsDirectoryInfoFactory(VfsFileSystem fs) : IDirectoryInfoFactory
{
    public IFileSystem FileSystem => fs;
    public IDirectoryInfo New(string path) => new VfsDirectoryInfo(fs, path);
    public IDirectoryInfo? Wrap(DirectoryInfo? directoryInfo) => throw NoWrap.Of("DirectoryInfo");
}

internal sealed class VfsFileStreamFactory(VfsFileSystem fs) : IFileStreamFactory
{
    public IFileSystem FileSystem => fs;
    private VfsFile File => (VfsFile)fs.File;

    public FileSystemStream New(string path, FileMode mode) => File.Open(path, mode);
    public FileSystemStream New(string path, FileMode mode, FileAccess access) => File.OpenStream(path, mode, access);
    public FileSystemStream New(string path, FileMode mode, FileAccess access, FileShare share) => File.OpenStream(path, mode, access);
    public FileSystemStream New(string path, FileMode mode, FileAccess access, FileShare share, int bufferSize) => File.OpenStream(path, mode, access);
    public FileSystemStream New(string path, FileMode mode, FileAccess access, FileShare share, int bufferSize, bool useAsync) => File.OpenStream(path, mode, access);
    public FileSystemStream New(string path, FileMode mode, FileAccess access, FileShare share, int bufferSize, FileOptions options) => File.OpenStream(path, mode, access);
    public FileSystemStream New(string path, FileStreamOptions options) => File.Open(path, options);
    public FileSystemStream New(SafeFileHandle handle, FileAccess access) => throw Unsupported.Handle();
    public FileSystemStream New(SafeFileHandle handle, FileAccess access, int bufferSize) => throw Unsupported.Handle();
    public FileSystemStream New(SafeFileHandle handle, FileAccess access, int bufferSize, bool isAsync) => throw Unsupported.Handle();
    public FileSystemStream Wrap(FileStream fileStream) => throw NoWrap.Of("FileStream");
}

/// <summary>The model's one drive: "/" of the process, its numbers from statvfs(2).</summary>
internal sealed class VfsDriveInfoFactory(VfsFileSystem fs) : IDriveInfoFactory
{
    public IFileSystem FileSystem => fs;
    public IDriveInfo[] GetDrives() => [new VfsDriveInfo(fs, "/")];
    public IDriveInfo New(string driveName) => new VfsDriveInfo(fs, driveName);
    public IDriveInfo? Wrap(DriveInfo? driveInfo) => throw NoWrap.Of("DriveInfo");
}

internal sealed class VfsDriveInfo(VfsFileSystem fs, string name) : IDriveInfo
{
    public IFileSystem FileSystem => fs;
    public string Name { get; } = name;

    private Statvfs Sv
    {
        get
        {
            IOErrors.Check(fs.Process.Statvfs(Name, out var sv), Name, isDirectory: true);
            return sv!;
        }
    }

    public long AvailableFreeSpace => (long)(Sv.Bavail * Sv.Frsize);
    public long TotalFreeSpace => (long)(Sv.Bfree * Sv.Frsize);
    public long TotalSize => (long)(Sv.Blocks * Sv.Frsize);
    public string DriveFormat => Sv.Basetype;
    public DriveType DriveType => Sv.Basetype switch { "nfs" => DriveType.Network, "tmpfs" => DriveType.Ram, _ => DriveType.Fixed };
    public bool IsReady => fs.Process.Statvfs(Name, out _) == Errno.OK;
    public IDirectoryInfo RootDirectory => new VfsDirectoryInfo(fs, Name);

    [System.Diagnostics.CodeAnalysis.AllowNull]
    public string VolumeLabel
    {
        get => Name;
        set => throw new PlatformNotSupportedException("The volume label cannot be set on this platform.");
    }
}

internal static class NoWrap
{
    internal static NotSupportedException Of(string what) =>
        new($"A VfsFileSystem cannot wrap a System.IO.{what}: that object is on the host's disk, not in the model.");
}
