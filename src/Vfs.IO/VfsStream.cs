// Vfs.IO: the FileSystemStream IFile.Open returns -- a VfsFileStream (Vfs.Core: one system call per member,
// no buffering, Dispose is close(2)) under the name System.IO.Abstractions gives every file stream.
namespace UnixVfs.IO;

internal sealed class VfsStream(VfsFileStream inner, string fullPath) : FileSystemStream(inner, fullPath, isAsync: false)
{
    /// <summary>The descriptor's stream.</summary>
    internal VfsFileStream Inner { get; } = inner;
}
