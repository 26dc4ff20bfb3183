// Vfs.IO: IDirectoryInfo -- a directory's path with System.IO.DirectoryInfo's members, each the IDirectory
// call of the same name; the enumerations hand back infos over the same file system.
namespace UnixVfs.IO;

internal sealed class VfsDirectoryInfo : VfsFileSystemInfo, IDirectoryInfo
{
    internal VfsDirectoryInfo(VfsFileSystem fs, string path) : base(fs, path)
    {
    }

    private VfsDirectory Dir => (VfsDirectory)Fs.Directory;

    public override bool Exists => Stat?.Type == VType.VDIR;
    private protected override bool IsDirectory => true;

    public IDirectoryInfo? Parent =>
        System.IO.Path.GetDirectoryName(System.IO.Path.TrimEndingDirectorySeparator(FullName)) is { } p ? new VfsDirectoryInfo(Fs, p) : null;
    public IDirectoryInfo Root => new VfsDirectoryInfo(Fs, "/");

    public void Create()
    {
        Dir.CreateDirectory(FullName);
        Refresh();
    }

    public IDirectoryInfo CreateSubdirectory(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (System.IO.Path.IsPathRooted(path))
            throw new ArgumentException($"Second path fragment must not be a drive or UNC name. (Parameter '{nameof(path)}')", nameof(path));
        return Dir.CreateDirectory(System.IO.Path.Join(FullName, path));
    }

    public override void Delete() => Delete(recursive: false);

    public void Delete(bool recursive)
    {
        Dir.Delete(FullName, recursive);
        Refresh();
    }

    public void MoveTo(string destDirName)
    {
        Dir.Move(FullName, destDirName);
        FullName = Fs.FullPath(destDirName).TrimEnd('/') + "/"; // System.IO ends a moved directory's FullName with '/'
        Refresh();
    }

    private IEnumerable<IFileSystemInfo> Infos(string pattern, EnumerationOptions options, VfsSearch.Kinds kinds) =>
        VfsSearch.Enumerate(Fs, FullName, pattern, options, kinds)
            .Select(f => f.IsDirectory ? (IFileSystemInfo)new VfsDirectoryInfo(Fs, f.Path) : new VfsFileInfo(Fs, f.Path));

    private IEnumerable<IDirectoryInfo> Dirs(string pattern, EnumerationOptions options) =>
        Infos(pattern, options, VfsSearch.Kinds.Directories).Cast<IDirectoryInfo>();

    private IEnumerable<IFileInfo> Files(string pattern, EnumerationOptions options) =>
        Infos(pattern, options, VfsSearch.Kinds.Files).Cast<IFileInfo>();

    public IEnumerable<IDirectoryInfo> EnumerateDirectories() => EnumerateDirectories("*");
    public IEnumerable<IDirectoryInfo> EnumerateDirectories(string searchPattern) => Dirs(searchPattern, VfsSearch.Compatible);
    public IEnumerable<IDirectoryInfo> EnumerateDirectories(string searchPattern, SearchOption searchOption) => Dirs(searchPattern, VfsSearch.Options(searchOption));
    public IEnumerable<IDirectoryInfo> EnumerateDirectories(string searchPattern, EnumerationOptions enumerationOptions) => Dirs(searchPattern, enumerationOptions);
    public IEnumerable<IFileInfo> EnumerateFiles() => EnumerateFiles("*");
    public IEnumerable<IFileInfo> EnumerateFiles(string searchPattern) => Files(searchPattern, VfsSearch.Compatible);
    public IEnumerable<IFileInfo> EnumerateFiles(string searchPattern, SearchOption searchOption) => Files(searchPattern, VfsSearch.Options(searchOption));
    public IEnumerable<IFileInfo> EnumerateFiles(string searchPattern, EnumerationOptions enumerationOptions) => Files(searchPattern, enumerationOptions);
    public IEnumerable<IFileSystemInfo> EnumerateFileSystemInfos() => EnumerateFileSystemInfos("*");
    public IEnumerable<IFileSystemInfo> EnumerateFileSystemInfos(string searchPattern) => Infos(searchPattern, VfsSearch.Compatible, VfsSearch.Kinds.Both);
    public IEnumerable<IFileSystemInfo> EnumerateFileSystemInfos(string searchPattern, SearchOption searchOption) => Infos(searchPattern, VfsSearch.Options(searchOption), VfsSearch.Kinds.Both);
    public IEnumerable<IFileSystemInfo> EnumerateFileSystemInfos(string searchPattern, EnumerationOptions enumerationOptions) => Infos(searchPattern, enumerationOptions, VfsSearch.Kinds.Both);
    public IDirectoryInfo[] GetDirectories() => [.. EnumerateDirectories()];
    public IDirectoryInfo[] GetDirectories(string searchPattern) => [.. EnumerateDirectories(searchPattern)];
    public IDirectoryInfo[] GetDirectories(string searchPattern, SearchOption searchOption) => [.. EnumerateDirectories(searchPattern, searchOption)];
    public IDirectoryInfo[] GetDirectories(string searchPattern, EnumerationOptions enumerationOptions) => [.. EnumerateDirectories(searchPattern, enumerationOptions)];
    public IFileInfo[] GetFiles() => [.. EnumerateFiles()];
    public IFileInfo[] GetFiles(string searchPattern) => [.. EnumerateFiles(searchPattern)];
    public IFileInfo[] GetFiles(string searchPattern, SearchOption searchOption) => [.. EnumerateFiles(searchPattern, searchOption)];
    public IFileInfo[] GetFiles(string searchPattern, EnumerationOptions enumerationOptions) => [.. EnumerateFiles(searchPattern, enumerationOptions)];
    public IFileSystemInfo[] GetFileSystemInfos() => [.. EnumerateFileSystemInfos()];
    public IFileSystemInfo[] GetFileSystemInfos(string searchPattern) => [.. EnumerateFileSystemInfos(searchPattern)];
    public IFileSystemInfo[] GetFileSystemInfos(string searchPattern, SearchOption searchOption) => [.. EnumerateFileSystemInfos(searchPattern, searchOption)];
    public IFileSystemInfo[] GetFileSystemInfos(string searchPattern, EnumerationOptions enumerationOptions) => [.. EnumerateFileSystemInfos(searchPattern, enumerationOptions)];
}
