// Vfs.Core / the .NET edge: a Stream over an open file descriptor of a Process.
//
// Every member is one system call on the descriptor -- Read is read(2), Write is write(2) (repeated
// until everything is written), Seek and Position are lseek(2), Length is fstat(2), SetLength is
// ftruncate(2), Flush is fsync(2), Dispose is close(2) -- and every failure becomes an exception
// through VfsErrors. Nothing is buffered: what Write returns from is in the file system, and two
// streams over one file see each other's writes at once. The descriptor's offset is the stream's
// Position, so a stream and direct system calls on the same descriptor stay in step.
using System.Buffers;

namespace UnixVfs.Core;

/// <summary>A <see cref="Stream"/> over an open file of a <see cref="Process"/>; disposing it closes the descriptor.</summary>
public sealed class VfsFileStream : Stream
{
    private readonly Process _proc;
    private readonly string? _path;
    private readonly bool _canRead, _canWrite, _canSeek;
    private int _fd;

    /// <summary>
    /// Wraps descriptor <paramref name="fd"/> of <paramref name="proc"/>; the stream owns it from now on and
    /// closes it when disposed. <paramref name="path"/> only names the file in exception messages.
    /// Throws the exception of EBADF if the descriptor is not open.
    /// </summary>
    public VfsFileStream(Process proc, int fd, string? path = null)
    {
        _proc = proc ?? throw new ArgumentNullException(nameof(proc));
        _path = path;
        VfsErrors.Check(proc.Getf(fd, out var fp), path);
        _fd = fd;
        _canRead = (fp!.Flag & FileFlags.FREAD) != 0;
        _canWrite = (fp.Flag & FileFlags.FWRITE) != 0;
        _canSeek = fp.Vnode.Type == VType.VREG;
    }

    /// <summary>
    /// open(2)s <paramref name="path"/> in <paramref name="proc"/> with <paramref name="flags"/> (and
    /// <paramref name="mode"/> for a file it creates) and wraps the descriptor.
    /// Throws what <see cref="VfsErrors.ToException"/> gives for open's errno.
    /// </summary>
    public static VfsFileStream Open(Process proc, string path, OFlags flags, uint mode = 0x1B6)
    {
        var err = proc.Open(path, flags, mode, out int fd);
        if (err != Errno.OK)
            throw FileSystemFacade.OpenException(proc, err, path, flags);
        return new VfsFileStream(proc, fd, path);
    }

    /// <summary>The descriptor (-1 once disposed).</summary>
    public int Fd => _fd;

    /// <summary>The process whose descriptor this is.</summary>
    public Process Process => _proc;

    public override bool CanRead => _fd >= 0 && _canRead;
    public override bool CanWrite => _fd >= 0 && _canWrite;

    /// <summary>True for a regular file: only those have a length and a meaningful offset.</summary>
    public override bool CanSeek => _fd >= 0 && _canSeek;

    /// <summary>The file's size now (fstat).</summary>
    public override long Length
    {
        get
        {
            RequireSeek();
            Check(_proc.Fstat(_fd, out var st));
            return st!.Size;
        }
    }

    /// <summary>The descriptor's offset.</summary>
    public override long Position
    {
        get
        {
            RequireSeek();
            Check(_proc.Lseek(_fd, 0, Whence.SEEK_CUR, out long off));
            return off;
        }
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            Seek(value, SeekOrigin.Begin);
        }
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        RequireSeek();
        var whence = origin switch
        {
            SeekOrigin.Begin => Whence.SEEK_SET,
            SeekOrigin.Current => Whence.SEEK_CUR,
            SeekOrigin.End => Whence.SEEK_END,
            _ => throw new ArgumentException("Invalid seek origin.", nameof(origin)),
        };
        var err = _proc.Lseek(_fd, offset, whence, out long off);
        if (err == Errno.EINVAL)
            throw new IOException("An attempt was made to move the position before the beginning of the stream.", (int)err);
        Check(err);
        return off;
    }

    public override void SetLength(long value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        RequireSeek();
        if (!_canWrite)
            throw new NotSupportedException("Stream does not support writing.");
        Check(_proc.Ftruncate(_fd, value));
        if (Position > value)
            Seek(value, SeekOrigin.Begin); // as FileStream: a position past the new end moves to it
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadCore(buffer.AsMemory(offset, count));
    }

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            RequireRead();
            return 0;
        }
        // read(2) fills Memory (a Uio crosses layers and cannot hold a Span): read into a pooled buffer and copy.
        var rented = ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            int n = ReadCore(rented.AsMemory(0, buffer.Length));
            rented.AsSpan(0, n).CopyTo(buffer);
            return n;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public override int ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        return Read(one) == 1 ? one[0] : -1;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled<int>(cancellationToken);
        try
        {
            return ValueTask.FromResult(ReadCore(buffer));
        }
        catch (Exception e)
        {
            return ValueTask.FromException<int>(e);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        WriteCore(buffer.AsMemory(offset, count));
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            RequireWrite();
            return;
        }
        var rented = ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            buffer.CopyTo(rented);
            WriteCore(rented.AsMemory(0, buffer.Length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public override void WriteByte(byte value) => Write([value]);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled(cancellationToken);
        try
        {
            WriteCore(buffer);
            return ValueTask.CompletedTask;
        }
        catch (Exception e)
        {
            return ValueTask.FromException(e);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>fsync(2): the file's data and attributes reach stable storage.</summary>
    public override void Flush()
    {
        ObjectDisposedException.ThrowIf(_fd < 0, this);
        Check(_proc.Fsync(_fd));
    }

    public override Task FlushAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
            return Task.FromCanceled(cancellationToken);
        try
        {
            Flush();
            return Task.CompletedTask;
        }
        catch (Exception e)
        {
            return Task.FromException(e);
        }
    }

    /// <summary>
    /// close(2)s the descriptor. A close that reports an error (a file system that writes back on close, such as
    /// an NFS client, may) throws after the descriptor is gone, so that a lost write is never silent.
    /// </summary>
    protected override void Dispose(bool disposing)
    {
        int fd = _fd;
        _fd = -1;
        base.Dispose(disposing);
        if (fd >= 0)
            Check(_proc.Close(fd));
    }

    private int ReadCore(Memory<byte> buffer)
    {
        RequireRead();
        Check(_proc.Read(_fd, buffer, out int n));
        return n;
    }

    private void WriteCore(ReadOnlyMemory<byte> buffer)
    {
        RequireWrite();
        while (!buffer.IsEmpty)
        {
            Check(_proc.Write(_fd, buffer, out int n));
            if (n == 0)
                throw VfsErrors.ToException(Errno.EIO, _path);
            buffer = buffer[n..];
        }
    }

    private void RequireRead()
    {
        ObjectDisposedException.ThrowIf(_fd < 0, this);
        if (!_canRead)
            throw new NotSupportedException("Stream does not support reading.");
    }

    private void RequireWrite()
    {
        ObjectDisposedException.ThrowIf(_fd < 0, this);
        if (!_canWrite)
            throw new NotSupportedException("Stream does not support writing.");
    }

    private void RequireSeek()
    {
        ObjectDisposedException.ThrowIf(_fd < 0, this);
        if (!_canSeek)
            throw new NotSupportedException("Stream does not support seeking.");
    }

    private void Check(Errno e) => VfsErrors.Check(e, _path);
}
