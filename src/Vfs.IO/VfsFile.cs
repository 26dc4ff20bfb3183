// Vfs.IO: IFile -- System.IO.File's static helpers as system calls of the file system's process.
//
// Everything that reads or writes a file goes through Open (open(2) wrapped in a VfsFileStream), so the
// text, line and byte helpers are only StreamReader/StreamWriter over it; the async ones complete
// synchronously, as the system calls below them do. The rules System.IO keeps on top of the calls are
// kept here too: opening a directory as a file is UnauthorizedAccessException, Copy and Move refuse an
// existing target unless told to overwrite, Move wants a source that is a file, and text is UTF-8
// without a byte-order mark unless an encoding says otherwise.
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace UnixVfs.IO;

internal sealed class VfsFile(VfsFileSystem fs) : IFile
{
    private const int CopyBufferSize = 81920;
    private static readonly Encoding Utf8NoBom = new UTF8Encoding(false);

    public IFileSystem FileSystem => fs;

    // ---- open ----

    /// <summary>
    /// File.Open: the facade's open(2) of <paramref name="mode"/> and <paramref name="access"/>; a directory opened
    /// as a file is refused as System.IO refuses it (EACCES as UnauthorizedAccessException).
    /// </summary>
    internal FileSystemStream OpenStream(string path, FileMode mode, FileAccess access)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var s = IOErrors.Call(path, () => fs.Facade.Open(path, mode, access));
        if (fs.Process.Fstat(s.Fd, out var st) == Errno.OK && st!.Type == VType.VDIR)
        {
            s.Dispose();
            throw VfsErrors.ToException(Errno.EACCES, fs.FullPath(path));
        }
        return new VfsStream(s, fs.FullPath(path));
    }

    public FileSystemStream Open(string path, FileMode mode) =>
        OpenStream(path, mode, mode == FileMode.Append ? FileAccess.Write : FileAccess.ReadWrite);
    public FileSystemStream Open(string path, FileMode mode, FileAccess access) => OpenStream(path, mode, access);
    public FileSystemStream Open(string path, FileMode mode, FileAccess access, FileShare share) => OpenStream(path, mode, access);
    public FileSystemStream Open(string path, FileStreamOptions options) => OpenStream(path, options.Mode, options.Access);
    public FileSystemStream OpenRead(string path) => OpenStream(path, FileMode.Open, FileAccess.Read);
    public FileSystemStream OpenWrite(string path) => OpenStream(path, FileMode.OpenOrCreate, FileAccess.Write);
    public FileSystemStream Create(string path) => OpenStream(path, FileMode.Create, FileAccess.ReadWrite);
    public FileSystemStream Create(string path, int bufferSize) => Create(path);
    public FileSystemStream Create(string path, int bufferSize, FileOptions options) => Create(path);
    public StreamReader OpenText(string path) => new(OpenRead(path), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
    public StreamWriter CreateText(string path) => new(Create(path), Utf8NoBom);
    public StreamWriter AppendText(string path) => new(OpenStream(path, FileMode.Append, FileAccess.Write), Utf8NoBom);

    // ---- whole-file reads ----

    public byte[] ReadAllBytes(string path)
    {
        using var s = OpenRead(path);
        var result = new MemoryStream();
        s.CopyTo(result);
        return result.ToArray();
    }

    public string ReadAllText(string path) => ReadAllText(path, Encoding.UTF8);

    public string ReadAllText(string path, Encoding encoding)
    {
        using var r = new StreamReader(OpenRead(path), encoding, detectEncodingFromByteOrderMarks: true);
        return r.ReadToEnd();
    }

    public string[] ReadAllLines(string path) => ReadAllLines(path, Encoding.UTF8);
    public string[] ReadAllLines(string path, Encoding encoding) => [.. ReadLines(path, encoding)];
    public IEnumerable<string> ReadLines(string path) => ReadLines(path, Encoding.UTF8);

    public IEnumerable<string> ReadLines(string path, Encoding encoding)
    {
        var r = new StreamReader(OpenRead(path), encoding, detectEncodingFromByteOrderMarks: true); // opened now, as File.ReadLines does
        return Lines(r);
    }

    private static IEnumerable<string> Lines(StreamReader r)
    {
        using (r)
            while (r.ReadLine() is { } line)
                yield return line;
    }

    // ---- whole-file writes ----

    public void WriteAllBytes(string path, byte[] bytes) => WriteAllBytes(path, (ReadOnlySpan<byte>)bytes);

    public void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        using var s = Create(path);
        s.Write(bytes);
    }

    public void AppendAllBytes(string path, byte[] bytes) => AppendAllBytes(path, (ReadOnlySpan<byte>)bytes);

    public void AppendAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        using var s = OpenStream(path, FileMode.Append, FileAccess.Write);
        s.Write(bytes);
    }

    public void WriteAllText(string path, string? contents) => WriteAllText(path, contents, Utf8NoBom);
    public void WriteAllText(string path, string? contents, Encoding encoding) => WriteText(path, FileMode.Create, contents, encoding);
    public void WriteAllText(string path, ReadOnlySpan<char> contents) => WriteAllText(path, contents.ToString());
    public void WriteAllText(string path, ReadOnlySpan<char> contents, Encoding encoding) => WriteAllText(path, contents.ToString(), encoding);
    public void AppendAllText(string path, string? contents) => AppendAllText(path, contents, Utf8NoBom);
    public void AppendAllText(string path, string? contents, Encoding encoding) => WriteText(path, FileMode.Append, contents, encoding);
    public void AppendAllText(string path, ReadOnlySpan<char> contents) => AppendAllText(path, contents.ToString());
    public void AppendAllText(string path, ReadOnlySpan<char> contents, Encoding encoding) => AppendAllText(path, contents.ToString(), encoding);
    public void WriteAllLines(string path, string[] contents) => WriteAllLines(path, (IEnumerable<string>)contents);
    public void WriteAllLines(string path, IEnumerable<string> contents) => WriteAllLines(path, contents, Utf8NoBom);
    public void WriteAllLines(string path, string[] contents, Encoding encoding) => WriteAllLines(path, (IEnumerable<string>)contents, encoding);
    public void WriteAllLines(string path, IEnumerable<string> contents, Encoding encoding) => WriteLines(path, FileMode.Create, contents, encoding);
    public void AppendAllLines(string path, IEnumerable<string> contents) => AppendAllLines(path, contents, Utf8NoBom);
    public void AppendAllLines(string path, IEnumerable<string> contents, Encoding encoding) => WriteLines(path, FileMode.Append, contents, encoding);

    private void WriteText(string path, FileMode mode, string? contents, Encoding encoding)
    {
        using var w = new StreamWriter(OpenStream(path, mode, FileAccess.Write), encoding);
        w.Write(contents);
    }

    private void WriteLines(string path, FileMode mode, IEnumerable<string> contents, Encoding encoding)
    {
        ArgumentNullException.ThrowIfNull(contents);
        using var w = new StreamWriter(OpenStream(path, mode, FileAccess.Write), encoding);
        foreach (var line in contents)
            w.WriteLine(line);
    }

    // ---- async: the system calls are synchronous, so each completes before it returns ----

    private static Task Run(Action a, CancellationToken ct)
    {
        if (ct.IsCancellationRequested)
            return Task.FromCanceled(ct);
        try
        {
            a();
            return Task.CompletedTask;
        }
        catch (Exception e)
        {
            return Task.FromException(e);
        }
    }

    private static Task<T> Run<T>(Func<T> f, CancellationToken ct)
    {
        if (ct.IsCancellationRequested)
            return Task.FromCanceled<T>(ct);
        try
        {
            return Task.FromResult(f());
        }
        catch (Exception e)
        {
            return Task.FromException<T>(e);
        }
    }

    public Task<byte[]> ReadAllBytesAsync(string path, CancellationToken cancellationToken = default) => Run(() => ReadAllBytes(path), cancellationToken);
    public Task<string> ReadAllTextAsync(string path, CancellationToken cancellationToken = default) => Run(() => ReadAllText(path), cancellationToken);
    public Task<string> ReadAllTextAsync(string path, Encoding encoding, CancellationToken cancellationToken = default) => Run(() => ReadAllText(path, encoding), cancellationToken);
    public Task<string[]> ReadAllLinesAsync(string path, CancellationToken cancellationToken = default) => Run(() => ReadAllLines(path), cancellationToken);
    public Task<string[]> ReadAllLinesAsync(string path, Encoding encoding, CancellationToken cancellationToken = default) => Run(() => ReadAllLines(path, encoding), cancellationToken);
    public IAsyncEnumerable<string> ReadLinesAsync(string path, CancellationToken cancellationToken = default) => ReadLinesAsync(path, Encoding.UTF8, cancellationToken);

    public IAsyncEnumerable<string> ReadLinesAsync(string path, Encoding encoding, CancellationToken cancellationToken = default) =>
        LinesAsync(ReadLines(path, encoding), cancellationToken);

    private static async IAsyncEnumerable<string> LinesAsync(IEnumerable<string> lines, [EnumeratorCancellation] CancellationToken ct)
    {
        foreach (var line in lines)
        {
            ct.ThrowIfCancellationRequested();
            yield return line;
        }
        await Task.CompletedTask;
    }

    public Task WriteAllBytesAsync(string path, byte[] bytes, CancellationToken cancellationToken = default) => Run(() => WriteAllBytes(path, bytes), cancellationToken);
    public Task WriteAllBytesAsync(string path, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default) => Run(() => WriteAllBytes(path, bytes.Span), cancellationToken);
    public Task AppendAllBytesAsync(string path, byte[] bytes, CancellationToken cancellationToken = default) => Run(() => AppendAllBytes(path, bytes), cancellationToken);
    public Task AppendAllBytesAsync(string path, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default) => Run(() => AppendAllBytes(path, bytes.Span), cancellationToken);
    public Task WriteAllTextAsync(string path, string? contents, CancellationToken cancellationToken = default) => Run(() => WriteAllText(path, contents), cancellationToken);
    public Task WriteAllTextAsync(string path, string? contents, Encoding encoding, CancellationToken cancellationToken = default) => Run(() => WriteAllText(path, contents, encoding), cancellationToken);
    public Task WriteAllTextAsync(string path, ReadOnlyMemory<char> contents, CancellationToken cancellationToken = default) => Run(() => WriteAllText(path, contents.Span), cancellationToken);
    public Task WriteAllTextAsync(string path, ReadOnlyMemory<char> contents, Encoding encoding, CancellationToken cancellationToken = default) => Run(() => WriteAllText(path, contents.Span, encoding), cancellationToken);
    public Task AppendAllTextAsync(string path, string? contents, CancellationToken cancellationToken = default) => Run(() => AppendAllText(path, contents), cancellationToken);
    public Task AppendAllTextAsync(string path, string? contents, Encoding encoding, CancellationToken cancellationToken = default) => Run(() => AppendAllText(path, contents, encoding), cancellationToken);
    public Task AppendAllTextAsync(string path, ReadOnlyMemory<char> contents, CancellationToken cancellationToken = default) => Run(() => AppendAllText(path, contents.Span), cancellationToken);
    public Task AppendAllTextAsync(string path, ReadOnlyMemory<char> contents, Encoding encoding, CancellationToken cancellationToken = default) => Run(() => AppendAllText(path, contents.Span, encoding), cancellationToken);
    public Task WriteAllLinesAsync(string path, IEnumerable<string> contents, CancellationToken cancellationToken = default) => Run(() => WriteAllLines(path, contents), cancellationToken);
    public Task WriteAllLinesAsync(string path, IEnumerable<string> contents, Encoding encoding, CancellationToken cancellationToken = default) => Run(() => WriteAllLines(path, contents, encoding), cancellationToken);
    public Task AppendAllLinesAsync(string path, IEnumerable<string> contents, CancellationToken cancellationToken = default) => Run(() => AppendAllLines(path, contents), cancellationToken);
    public Task AppendAllLinesAsync(string path, IEnumerable<string> contents, Encoding encoding, CancellationToken cancellationToken = default) => Run(() => AppendAllLines(path, contents, encoding), cancellationToken);

    // ---- names ----

    public bool Exists(string? path) => fs.TryStat(path) is { } st && st.Type != VType.VDIR;

    public void Delete(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        IOErrors.Call(path, () => fs.Facade.Delete(path));
    }

    public void Copy(string sourceFileName, string destFileName) => Copy(sourceFileName, destFileName, overwrite: false);

    /// <summary>
    /// Copies the bytes and the permission bits; an existing target without <paramref name="overwrite"/> is an IOException,
    /// and so is a target that is the source itself (EAGAIN, as System.IO's file lock on Linux reports it).
    /// </summary>
    public void Copy(string sourceFileName, string destFileName, bool overwrite)
    {
        ArgumentException.ThrowIfNullOrEmpty(sourceFileName);
        ArgumentException.ThrowIfNullOrEmpty(destFileName);
        using var src = OpenRead(sourceFileName);
        if (!overwrite && fs.TryStat(destFileName)?.Type == VType.VDIR)
            throw new IOException($"The target file '{fs.FullPath(destFileName)}' is a directory, not a file.");
        if (overwrite && fs.TryStat(sourceFileName) is { } from && fs.TryStat(destFileName) is { } to && from.Dev == to.Dev && from.Ino == to.Ino)
            throw VfsErrors.ToException(Errno.EAGAIN, fs.FullPath(destFileName)); // a copy onto itself: System.IO's lock refuses it before truncating
        using var dst = OpenStream(destFileName, overwrite ? FileMode.Create : FileMode.CreateNew, FileAccess.Write);
        src.CopyTo(dst, CopyBufferSize);
        var st = fs.TryStat(sourceFileName)!;
        IOErrors.Check(fs.Process.Fchmod(((VfsStream)dst).Inner.Fd, st.Perm), destFileName);
    }

    public void Move(string sourceFileName, string destFileName) => Move(sourceFileName, destFileName, overwrite: false);

    /// <summary>
    /// rename(2), with System.IO's rules on Linux: the source must be a file (else FileNotFoundException), an existing
    /// target is refused without <paramref name="overwrite"/> (EEXIST) unless it is the source itself, a directory
    /// as the target is EISDIR's IOException, and a missing or non-directory parent of the target is DirectoryNotFound.
    /// </summary>
    public void Move(string sourceFileName, string destFileName, bool overwrite)
    {
        ArgumentException.ThrowIfNullOrEmpty(sourceFileName);
        ArgumentException.ThrowIfNullOrEmpty(destFileName);
        var from = fs.TryStat(sourceFileName, followLinks: false);
        if (from is null || from.Type == VType.VDIR)
            VfsErrors.Check(Errno.ENOENT, fs.FullPath(sourceFileName)); // System.IO moves files only
        var to = fs.TryStat(destFileName, followLinks: false);
        if (to is not null && to.Dev == from!.Dev && to.Ino == from.Ino)
            return; // the same file: nothing to do
        var err = to is not null && !overwrite ? Errno.EEXIST : LinuxRename.Rename(fs, sourceFileName, destFileName);
        switch (err)
        {
            case Errno.OK:
                return;
            case Errno.EISDIR or Errno.ENOTEMPTY:
                throw new IOException($"{err.Message()} : '{fs.FullPath(destFileName)}'", (int)err);
            default:
                IOErrors.Check(err, fs.FullPath(destFileName), isDirectory: err == Errno.ENOENT); // the source is there: ENOENT is the target's directory
                return;
        }
    }

    /// <summary>File.Replace: the destination moves to the backup (if named), then the source takes the destination's name.</summary>
    public void Replace(string sourceFileName, string destinationFileName, string? destinationBackupFileName) =>
        Replace(sourceFileName, destinationFileName, destinationBackupFileName, ignoreMetadataErrors: false);

    public void Replace(string sourceFileName, string destinationFileName, string? destinationBackupFileName, bool ignoreMetadataErrors)
    {
        ArgumentException.ThrowIfNullOrEmpty(sourceFileName);
        ArgumentException.ThrowIfNullOrEmpty(destinationFileName);
        if (!Exists(sourceFileName))
            IOErrors.Check(Errno.ENOENT, fs.FullPath(sourceFileName));
        if (!Exists(destinationFileName))
            IOErrors.Check(Errno.ENOENT, fs.FullPath(destinationFileName));
        if (!string.IsNullOrEmpty(destinationBackupFileName))
            IOErrors.Check(fs.Process.Rename(destinationFileName, destinationBackupFileName), destinationBackupFileName);
        IOErrors.Check(fs.Process.Rename(sourceFileName, destinationFileName), destinationFileName);
    }

    public IFileSystemInfo CreateSymbolicLink(string path, string pathToTarget)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentException.ThrowIfNullOrEmpty(pathToTarget);
        IOErrors.Call(path, () => fs.Facade.CreateSymbolicLink(path, pathToTarget));
        return new VfsFileInfo(fs, path);
    }

    public IFileSystemInfo? ResolveLinkTarget(string linkPath, bool returnFinalTarget) =>
        VfsLinks.Resolve(fs, linkPath, returnFinalTarget, isDirectory: false);

    // ---- attributes and times ----

    public FileAttributes GetAttributes(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return VfsAttributes.Get(fs, path);
    }

    public void SetAttributes(string path, FileAttributes fileAttributes)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        VfsAttributes.Set(fs, path, fileAttributes, isDirectory: false);
    }

    public UnixFileMode GetUnixFileMode(string path) => VfsAttributes.GetMode(fs, path, isDirectory: false);
    public void SetUnixFileMode(string path, UnixFileMode mode) => VfsAttributes.SetMode(fs, path, mode, isDirectory: false);

    public DateTime GetCreationTimeUtc(string path) => VfsAttributes.GetUtc(fs.TryStat(path), VfsAttributes.Time.Creation);
    public DateTime GetLastAccessTimeUtc(string path) => VfsAttributes.GetUtc(fs.TryStat(path), VfsAttributes.Time.Access);
    public DateTime GetLastWriteTimeUtc(string path) => VfsAttributes.GetUtc(fs.TryStat(path), VfsAttributes.Time.Write);
    public DateTime GetCreationTime(string path) => GetCreationTimeUtc(path).ToLocalTime();
    public DateTime GetLastAccessTime(string path) => GetLastAccessTimeUtc(path).ToLocalTime();
    public DateTime GetLastWriteTime(string path) => GetLastWriteTimeUtc(path).ToLocalTime();
    public void SetCreationTime(string path, DateTime creationTime) => VfsAttributes.SetUtc(fs, path, VfsAttributes.Time.Creation, creationTime, false);
    public void SetCreationTimeUtc(string path, DateTime creationTimeUtc) => VfsAttributes.SetUtc(fs, path, VfsAttributes.Time.Creation, creationTimeUtc, false);
    public void SetLastAccessTime(string path, DateTime lastAccessTime) => VfsAttributes.SetUtc(fs, path, VfsAttributes.Time.Access, lastAccessTime, false);
    public void SetLastAccessTimeUtc(string path, DateTime lastAccessTimeUtc) => VfsAttributes.SetUtc(fs, path, VfsAttributes.Time.Access, lastAccessTimeUtc, false);
    public void SetLastWriteTime(string path, DateTime lastWriteTime) => VfsAttributes.SetUtc(fs, path, VfsAttributes.Time.Write, lastWriteTime, false);
    public void SetLastWriteTimeUtc(string path, DateTime lastWriteTimeUtc) => VfsAttributes.SetUtc(fs, path, VfsAttributes.Time.Write, lastWriteTimeUtc, false);

    // ---- what the model has no counterpart for ----

    public void Encrypt(string path) => throw new PlatformNotSupportedException("File encryption is not supported on this platform.");
    public void Decrypt(string path) => throw new PlatformNotSupportedException("File encryption is not supported on this platform.");
    public SafeFileHandle OpenHandle(string path, FileMode mode = FileMode.Open, FileAccess access = FileAccess.Read, FileShare share = FileShare.Read, FileOptions options = FileOptions.None, long preallocationSize = 0) => throw Unsupported.Handle();
    public FileAttributes GetAttributes(SafeFileHandle fileHandle) => throw Unsupported.Handle();
    public void SetAttributes(SafeFileHandle fileHandle, FileAttributes fileAttributes) => throw Unsupported.Handle();
    public UnixFileMode GetUnixFileMode(SafeFileHandle fileHandle) => throw Unsupported.Handle();
    public void SetUnixFileMode(SafeFileHandle fileHandle, UnixFileMode mode) => throw Unsupported.Handle();
    public DateTime GetCreationTime(SafeFileHandle fileHandle) => throw Unsupported.Handle();
    public DateTime GetCreationTimeUtc(SafeFileHandle fileHandle) => throw Unsupported.Handle();
    public DateTime GetLastAccessTime(SafeFileHandle fileHandle) => throw Unsupported.Handle();
    public DateTime GetLastAccessTimeUtc(SafeFileHandle fileHandle) => throw Unsupported.Handle();
    public DateTime GetLastWriteTime(SafeFileHandle fileHandle) => throw Unsupported.Handle();
    public DateTime GetLastWriteTimeUtc(SafeFileHandle fileHandle) => throw Unsupported.Handle();
    public void SetCreationTime(SafeFileHandle fileHandle, DateTime creationTime) => throw Unsupported.Handle();
    public void SetCreationTimeUtc(SafeFileHandle fileHandle, DateTime creationTimeUtc) => throw Unsupported.Handle();
    public void SetLastAccessTime(SafeFileHandle fileHandle, DateTime lastAccessTime) => throw Unsupported.Handle();
    public void SetLastAccessTimeUtc(SafeFileHandle fileHandle, DateTime lastAccessTimeUtc) => throw Unsupported.Handle();
    public void SetLastWriteTime(SafeFileHandle fileHandle, DateTime lastWriteTime) => throw Unsupported.Handle();
    public void SetLastWriteTimeUtc(SafeFileHandle fileHandle, DateTime lastWriteTimeUtc) => throw Unsupported.Handle();
}
