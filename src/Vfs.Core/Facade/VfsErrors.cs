// Vfs.Core / the .NET edge: the one place an Errno becomes a .NET exception.
//
// Inside the layers an errno is data. Embedding code that would rather write
// `fs.ReadAllBytes(path)` than check an Errno after every call uses the facade (FileSystemFacade,
// VfsFileStream), and the facade turns a failure into the exception System.IO would throw for the
// same errno on Linux -- the mapping of dotnet/runtime's Interop.GetExceptionForIoErrno, with one
// deliberate difference: EINVAL is an ArgumentException (the caller passed something the system
// call refuses), where the runtime gives a bare IOException. Every exception made here carries the
// errno in Exception.Data (read it back with ErrnoOf); the IOExceptions also carry it as HResult,
// as the runtime's do, so `catch (IOException e) when (e.HResult == (int)Errno.EEXIST)` works.
// The reverse direction, a host exception to an errno, is BlockDevices/HostErrno.cs.
namespace UnixVfs.Core;

/// <summary>Errno to .NET exception, for code at the edge of the model.</summary>
public static class VfsErrors
{
    private const string DataKey = "errno";

    /// <summary>
    /// Throws the exception <see cref="ToException"/> gives for <paramref name="e"/>, or returns if it is OK.
    /// <paramref name="isDirectory"/> says that <paramref name="path"/> names (or should name) a directory,
    /// which makes ENOENT a DirectoryNotFoundException rather than a FileNotFoundException.
    /// </summary>
    public static void Check(Errno e, string? path = null, bool isDirectory = false)
    {
        if (e != Errno.OK)
            throw ToException(e, path, isDirectory);
    }

    /// <summary>
    /// The exception System.IO throws for errno <paramref name="e"/> on Linux:
    /// ENOENT: FileNotFoundException, or DirectoryNotFoundException when <paramref name="isDirectory"/>;
    /// EACCES, EPERM, EBADF, EISDIR: UnauthorizedAccessException (the errno in an inner IOException);
    /// ENAMETOOLONG: PathTooLongException; EINVAL: ArgumentException; ECANCELED: OperationCanceledException;
    /// EFBIG: ArgumentOutOfRangeException; EEXIST, EAGAIN, ENOSPC and every other errno: IOException with
    /// HResult set to the errno. OK is not an error: asking for its exception is an ArgumentOutOfRangeException itself.
    /// </summary>
    public static Exception ToException(Errno e, string? path = null, bool isDirectory = false)
    {
        bool hasPath = !string.IsNullOrEmpty(path);
        Exception ex = e switch
        {
            Errno.OK => throw new ArgumentOutOfRangeException(nameof(e), "OK is not an error"),
            Errno.ENOENT when isDirectory => hasPath
                ? new DirectoryNotFoundException($"Could not find a part of the path '{path}'.")
                : new DirectoryNotFoundException("Could not find a part of the path."),
            Errno.ENOENT => hasPath
                ? new FileNotFoundException($"Could not find file '{path}'.", path)
                : new FileNotFoundException("Unable to find the specified file."),
            Errno.EACCES or Errno.EPERM or Errno.EBADF or Errno.EISDIR => hasPath
                ? new UnauthorizedAccessException($"Access to the path '{path}' is denied.", IOError(e, null))
                : new UnauthorizedAccessException("Access to the path is denied.", IOError(e, null)),
            Errno.ENAMETOOLONG => hasPath
                ? new PathTooLongException($"The path '{path}' is too long, or a component of the specified path is too long.")
                : new PathTooLongException("The specified file name or path is too long, or a component of the specified path is too long."),
            Errno.EINVAL => new ArgumentException(WithPath(e.Message(), path)),
            Errno.ECANCELED => new OperationCanceledException(),
            Errno.EFBIG => new ArgumentOutOfRangeException("value", WithPath("Specified file length was too large for the file system.", path)),
            Errno.EEXIST when hasPath => new IOException($"The file '{path}' already exists.", (int)e),
            Errno.EAGAIN => new IOException(hasPath
                ? $"The process cannot access the file '{path}' because it is being used by another process."
                : "The process cannot access the file because it is being used by another process.", (int)e),
            _ => IOError(e, path),
        };
        ex.Data[DataKey] = e;
        return ex;
    }

    /// <summary>The errno an exception made by <see cref="ToException"/> stands for, or null for any other exception.</summary>
    public static Errno? ErrnoOf(Exception ex) => ex.Data[DataKey] is Errno e ? e : null;

    private static IOException IOError(Errno e, string? path) => new(WithPath(e.Message(), path), (int)e);

    private static string WithPath(string message, string? path) =>
        string.IsNullOrEmpty(path) ? message : $"{message} : '{path}'";
}
