// Vfs.IO: IFileInfo -- a file's path with System.IO.FileInfo's members, each the IFile call of the same name.
namespace UnixVfs.IO;

internal sealed class VfsFileInfo(VfsFileSystem fs, string path) : VfsFileSystemInfo(fs, path), IFileInfo
{
    private VfsFile File => (VfsFile)Fs.File;

    public override bool Exists => Stat is { } st && st.Type != VType.VDIR;
    private protected override bool IsDirectory => false;

    /// <summary>The size in bytes; a missing file (or a directory) is FileNotFoundException, as in System.IO.</summary>
    public long Length => Exists ? Stat!.Size : throw VfsErrors.ToException(Errno.ENOENT, FullName);

    public string? DirectoryName => System.IO.Path.GetDirectoryName(FullName);
    public IDirectoryInfo? Directory => DirectoryName is { } d ? new VfsDirectoryInfo(Fs, d) : null;

    public bool IsReadOnly
    {
        get => (Attributes & FileAttributes.ReadOnly) != 0;
        set => Attributes = value ? Attributes | FileAttributes.ReadOnly : Attributes & ~FileAttributes.ReadOnly;
    }

    public override void Delete()
    {
        File.Delete(FullName);
        Refresh();
    }

    public IFileInfo CopyTo(string destFileName) => CopyTo(destFileName, overwrite: false);

    public IFileInfo CopyTo(string destFileName, bool overwrite)
    {
        File.Copy(FullName, destFileName, overwrite);
        return new VfsFileInfo(Fs, destFileName);
    }

    public void MoveTo(string destFileName) => MoveTo(destFileName, overwrite: false);

    public void MoveTo(string destFileName, bool overwrite)
    {
        File.Move(FullName, destFileName, overwrite);
        FullName = Fs.FullPath(destFileName);
        Refresh();
    }

    public IFileInfo Replace(string destinationFileName, string? destinationBackupFileName) =>
        Replace(destinationFileName, destinationBackupFileName, ignoreMetadataErrors: false);

    public IFileInfo Replace(string destinationFileName, string? destinationBackupFileName, bool ignoreMetadataErrors)
    {
        File.Replace(FullName, destinationFileName, destinationBackupFileName, ignoreMetadataErrors);
        return new VfsFileInfo(Fs, destinationFileName);
    }

    public FileSystemStream Create() => Refreshed(File.Create(FullName));
    public FileSystemStream Open(FileMode mode) => Refreshed(File.Open(FullName, mode));
    public FileSystemStream Open(FileMode mode, FileAccess access) => Refreshed(File.Open(FullName, mode, access));
    public FileSystemStream Open(FileMode mode, FileAccess access, FileShare share) => Refreshed(File.Open(FullName, mode, access, share));
    public FileSystemStream Open(FileStreamOptions options) => Refreshed(File.Open(FullName, options));
    public FileSystemStream OpenRead() => File.OpenRead(FullName);
    public FileSystemStream OpenWrite() => Refreshed(File.OpenWrite(FullName));
    public StreamReader OpenText() => File.OpenText(FullName);
    public StreamWriter CreateText() => File.CreateText(FullName);
    public StreamWriter AppendText() => File.AppendText(FullName);

    public void Encrypt() => File.Encrypt(FullName);
    public void Decrypt() => File.Decrypt(FullName);

    private T Refreshed<T>(T result)
    {
        Refresh();
        return result;
    }
}
