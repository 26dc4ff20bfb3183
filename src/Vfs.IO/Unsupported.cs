// Vfs.IO: the parts of IFileSystem the model has no counterpart for. Each says so with a
// NotSupportedException naming what is missing, rather than pretending: a SafeFileHandle is an
// operating-system descriptor (the model's descriptors are a Process's), the model raises no change
// notifications, keeps no version resources and no access-control lists.
using Microsoft.Win32.SafeHandles;

namespace UnixVfs.IO;

internal static class Unsupported
{
    internal static NotSupportedException Handle() =>
        new("A VfsFileSystem has no operating-system file handles: open a stream (File.Open) instead.");

    internal static NotSupportedException Acl() => new("The Vfs model keeps no access-control lists; use the Unix mode (UnixFileMode).");

    internal sealed class WatcherFactory(IFileSystem fs) : IFileSystemWatcherFactory
    {
        public IFileSystem FileSystem => fs;
        public IFileSystemWatcher New() => throw Watch();
        public IFileSystemWatcher New(string path) => throw Watch();
        public IFileSystemWatcher New(string path, string filter) => throw Watch();
        public IFileSystemWatcher? Wrap(FileSystemWatcher? fileSystemWatcher) => throw Watch();
        private static NotSupportedException Watch() => new("The Vfs model raises no file-system change notifications.");
    }

    internal sealed class VersionInfoFactory(IFileSystem fs) : IFileVersionInfoFactory
    {
        public IFileSystem FileSystem => fs;
        public IFileVersionInfo GetVersionInfo(string fileName) => throw new NotSupportedException("The Vfs model reads no version resources.");
    }

    internal sealed class RandomAccessOps(IFileSystem fs) : IRandomAccess
    {
        public IFileSystem FileSystem => fs;
        public void FlushToDisk(SafeFileHandle handle) => throw Handle();
        public long GetLength(SafeFileHandle handle) => throw Handle();
        public int Read(SafeFileHandle handle, Span<byte> buffer, long fileOffset) => throw Handle();
        public long Read(SafeFileHandle handle, IReadOnlyList<Memory<byte>> buffers, long fileOffset) => throw Handle();
        public ValueTask<int> ReadAsync(SafeFileHandle handle, Memory<byte> buffer, long fileOffset, CancellationToken cancellationToken = default) => throw Handle();
        public ValueTask<long> ReadAsync(SafeFileHandle handle, IReadOnlyList<Memory<byte>> buffers, long fileOffset, CancellationToken cancellationToken = default) => throw Handle();
        public void SetLength(SafeFileHandle handle, long length) => throw Handle();
        public void Write(SafeFileHandle handle, ReadOnlySpan<byte> buffer, long fileOffset) => throw Handle();
        public void Write(SafeFileHandle handle, IReadOnlyList<ReadOnlyMemory<byte>> buffers, long fileOffset) => throw Handle();
        public ValueTask WriteAsync(SafeFileHandle handle, ReadOnlyMemory<byte> buffer, long fileOffset, CancellationToken cancellationToken = default) => throw Handle();
        public ValueTask WriteAsync(SafeFileHandle handle, IReadOnlyList<ReadOnlyMemory<byte>> buffers, long fileOffset, CancellationToken cancellationToken = default) => throw Handle();
    }
}
