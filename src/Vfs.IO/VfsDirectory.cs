// Vfs.IO: IDirectory -- System.IO.Directory's static helpers as system calls of the file system's process.
//
// CreateDirectory is mkdir -p, Delete is rmdir(2) (after removing everything below, when recursive),
// Move is rename(2) with System.IO's rule that the target must not exist, and the current directory is
// the process's cwd (getcwd(2), chdir(2)). The enumerations are VfsSearch's.
namespace UnixVfs.IO;

internal sealed class VfsDirectory(VfsFileSystem fs) : IDirectory
{
    public IFileSystem FileSystem => fs;

    public IDirectoryInfo CreateDirectory(string path) => CreateDirectory(path, (UnixFileMode)0x1FF);

    public IDirectoryInfo CreateDirectory(string path, UnixFileMode unixCreateMode)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        IOErrors.Call(path, () => fs.Facade.CreateDirectory(path, (uint)unixCreateMode));
        return new VfsDirectoryInfo(fs, path);
    }

    /// <summary>A new directory named <paramref name="prefix"/> and eight random characters (from the Kernel's seeded source) in /tmp.</summary>
    public IDirectoryInfo CreateTempSubdirectory(string? prefix = null)
    {
        const string chars = "abcdefghijklmnopqrstuvwxyz0123456789";
        string tmp = fs.Path.GetTempPath();
        for (int attempt = 0; ; attempt++)
        {
            var name = new char[8];
            for (int i = 0; i < name.Length; i++)
                name[i] = chars[fs.Process.Kernel.Random(chars.Length)];
            string path = System.IO.Path.Join(tmp, prefix + new string(name));
            var err = fs.Process.Mkdir(path, 0x1C0); // 0700, as Directory.CreateTempSubdirectory makes it
            if (err == Errno.OK)
                return new VfsDirectoryInfo(fs, path);
            if (err != Errno.EEXIST || attempt == 100)
                IOErrors.Check(err, path, isDirectory: true);
        }
    }

    public IFileSystemInfo CreateSymbolicLink(string path, string pathToTarget)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentException.ThrowIfNullOrEmpty(pathToTarget);
        IOErrors.Call(path, () => fs.Facade.CreateSymbolicLink(path, pathToTarget));
        return new VfsDirectoryInfo(fs, path);
    }

    public IFileSystemInfo? ResolveLinkTarget(string linkPath, bool returnFinalTarget) =>
        VfsLinks.Resolve(fs, linkPath, returnFinalTarget, isDirectory: true);

    public void Delete(string path) => Delete(path, recursive: false);

    public void Delete(string path, bool recursive)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var st = fs.TryStat(path, followLinks: false);
        if (st is null)
            IOErrors.Check(Errno.ENOENT, fs.FullPath(path), isDirectory: true);
        if (st!.Type != VType.VDIR)
            IOErrors.Check(Errno.ENOTDIR, fs.FullPath(path));
        IOErrors.Call(path, () => fs.Facade.DeleteDirectory(path, recursive));
    }

    public bool Exists(string? path) => fs.TryStat(path) is { } st && st.Type == VType.VDIR;

    /// <summary>
    /// rename(2), with System.IO's rules on Linux: the paths must differ, an existing target is refused (IOException, or
    /// DirectoryNotFoundException when the source is missing too), a missing source is DirectoryNotFoundException, a file in the way (ENOTDIR) is a plain IOException, and any
    /// other refusal an IOException carrying the errno.
    /// </summary>
    public void Move(string sourceDirName, string destDirName)
    {
        ArgumentException.ThrowIfNullOrEmpty(sourceDirName);
        ArgumentException.ThrowIfNullOrEmpty(destDirName);
        string src = fs.FullPath(sourceDirName), dst = fs.FullPath(destDirName);
        if (src.TrimEnd('/') == dst.TrimEnd('/'))
            throw new IOException("Source and destination path must be different.");
        if (fs.TryStat(dst, followLinks: false) is not null)
        {
            if (fs.TryStat(src, followLinks: false) is null)
                VfsErrors.Check(Errno.ENOENT, src, isDirectory: true);
            throw new IOException($"Cannot create '{dst}' because a file or directory with the same name already exists."); // no errno in HResult, as in System.IO
        }
        var err = LinuxRename.Rename(fs, src, dst);
        switch (err)
        {
            case Errno.OK:
                return;
            case Errno.ENOENT:
                VfsErrors.Check(err, src, isDirectory: true);
                return;
            case Errno.ENOTDIR:
                throw new IOException($"Could not find a part of the path '{src}'.");
            default:
                throw new IOException(err.Message(), (int)err);
        }
    }

    public string GetCurrentDirectory()
    {
        IOErrors.Check(fs.Process.Getcwd(out string cwd));
        return cwd;
    }

    public void SetCurrentDirectory(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        IOErrors.Check(fs.Process.Chdir(path), path, isDirectory: true);
    }

    public string GetDirectoryRoot(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return "/";
    }

    public string[] GetLogicalDrives() => ["/"];

    public IDirectoryInfo? GetParent(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string? parent = System.IO.Path.GetDirectoryName(fs.FullPath(path));
        return parent is null ? null : new VfsDirectoryInfo(fs, parent);
    }

    // ---- enumeration ----

    private IEnumerable<string> Paths(string path, string pattern, EnumerationOptions options, VfsSearch.Kinds kinds) =>
        VfsSearch.Enumerate(fs, path, pattern, options, kinds).Select(f => f.Path);

    public IEnumerable<string> EnumerateDirectories(string path) => EnumerateDirectories(path, "*");
    public IEnumerable<string> EnumerateDirectories(string path, string searchPattern) => Paths(path, searchPattern, VfsSearch.Compatible, VfsSearch.Kinds.Directories);
    public IEnumerable<string> EnumerateDirectories(string path, string searchPattern, SearchOption searchOption) => Paths(path, searchPattern, VfsSearch.Options(searchOption), VfsSearch.Kinds.Directories);
    public IEnumerable<string> EnumerateDirectories(string path, string searchPattern, EnumerationOptions enumerationOptions) => Paths(path, searchPattern, enumerationOptions, VfsSearch.Kinds.Directories);
    public IEnumerable<string> EnumerateFiles(string path) => EnumerateFiles(path, "*");
    public IEnumerable<string> EnumerateFiles(string path, string searchPattern) => Paths(path, searchPattern, VfsSearch.Compatible, VfsSearch.Kinds.Files);
    public IEnumerable<string> EnumerateFiles(string path, string searchPattern, SearchOption searchOption) => Paths(path, searchPattern, VfsSearch.Options(searchOption), VfsSearch.Kinds.Files);
    public IEnumerable<string> EnumerateFiles(string path, string searchPattern, EnumerationOptions enumerationOptions) => Paths(path, searchPattern, enumerationOptions, VfsSearch.Kinds.Files);
    public IEnumerable<string> EnumerateFileSystemEntries(string path) => EnumerateFileSystemEntries(path, "*");
    public IEnumerable<string> EnumerateFileSystemEntries(string path, string searchPattern) => Paths(path, searchPattern, VfsSearch.Compatible, VfsSearch.Kinds.Both);
    public IEnumerable<string> EnumerateFileSystemEntries(string path, string searchPattern, SearchOption searchOption) => Paths(path, searchPattern, VfsSearch.Options(searchOption), VfsSearch.Kinds.Both);
    public IEnumerable<string> EnumerateFileSystemEntries(string path, string searchPattern, EnumerationOptions enumerationOptions) => Paths(path, searchPattern, enumerationOptions, VfsSearch.Kinds.Both);
    public string[] GetDirectories(string path) => [.. EnumerateDirectories(path)];
    public string[] GetDirectories(string path, string searchPattern) => [.. EnumerateDirectories(path, searchPattern)];
    public string[] GetDirectories(string path, string searchPattern, SearchOption searchOption) => [.. EnumerateDirectories(path, searchPattern, searchOption)];
    public string[] GetDirectories(string path, string searchPattern, EnumerationOptions enumerationOptions) => [.. EnumerateDirectories(path, searchPattern, enumerationOptions)];
    public string[] GetFiles(string path) => [.. EnumerateFiles(path)];
    public string[] GetFiles(string path, string searchPattern) => [.. EnumerateFiles(path, searchPattern)];
    public string[] GetFiles(string path, string searchPattern, SearchOption searchOption) => [.. EnumerateFiles(path, searchPattern, searchOption)];
    public string[] GetFiles(string path, string searchPattern, EnumerationOptions enumerationOptions) => [.. EnumerateFiles(path, searchPattern, enumerationOptions)];
    public string[] GetFileSystemEntries(string path) => [.. EnumerateFileSystemEntries(path)];
    public string[] GetFileSystemEntries(string path, string searchPattern) => [.. EnumerateFileSystemEntries(path, searchPattern)];
    public string[] GetFileSystemEntries(string path, string searchPattern, SearchOption searchOption) => [.. EnumerateFileSystemEntries(path, searchPattern, searchOption)];
    public string[] GetFileSystemEntries(string path, string searchPattern, EnumerationOptions enumerationOptions) => [.. EnumerateFileSystemEntries(path, searchPattern, enumerationOptions)];

    // ---- times ----

    public DateTime GetCreationTimeUtc(string path) => VfsAttributes.GetUtc(fs.TryStat(path), VfsAttributes.Time.Creation);
    public DateTime GetLastAccessTimeUtc(string path) => VfsAttributes.GetUtc(fs.TryStat(path), VfsAttributes.Time.Access);
    public DateTime GetLastWriteTimeUtc(string path) => VfsAttributes.GetUtc(fs.TryStat(path), VfsAttributes.Time.Write);
    public DateTime GetCreationTime(string path) => GetCreationTimeUtc(path).ToLocalTime();
    public DateTime GetLastAccessTime(string path) => GetLastAccessTimeUtc(path).ToLocalTime();
    public DateTime GetLastWriteTime(string path) => GetLastWriteTimeUtc(path).ToLocalTime();
    public void SetCreationTime(string path, DateTime creationTime) => VfsAttributes.SetUtc(fs, path, VfsAttributes.Time.Creation, creationTime, true);
    public void SetCreationTimeUtc(string path, DateTime creationTimeUtc) => VfsAttributes.SetUtc(fs, path, VfsAttributes.Time.Creation, creationTimeUtc, true);
    public void SetLastAccessTime(string path, DateTime lastAccessTime) => VfsAttributes.SetUtc(fs, path, VfsAttributes.Time.Access, lastAccessTime, true);
    public void SetLastAccessTimeUtc(string path, DateTime lastAccessTimeUtc) => VfsAttributes.SetUtc(fs, path, VfsAttributes.Time.Access, lastAccessTimeUtc, true);
    public void SetLastWriteTime(string path, DateTime lastWriteTime) => VfsAttributes.SetUtc(fs, path, VfsAttributes.Time.Write, lastWriteTime, true);
    public void SetLastWriteTimeUtc(string path, DateTime lastWriteTimeUtc) => VfsAttributes.SetUtc(fs, path, VfsAttributes.Time.Write, lastWriteTimeUtc, true);
}
