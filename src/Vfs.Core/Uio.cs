// Vfs.Core: the I/O request that crosses the layers on every read, write, readdir and readlink (uio_t).
//
// A Uio describes the caller's buffers (a list of IoVec segments over Memory<byte>), the file
// offset and how many bytes are still wanted (Resid). A file system moves data with MoveOut
// (file -> caller, for reads) or MoveIn (caller -> file, for writes); both advance Offset, shrink
// Resid and step through the segments, as uiomove() does. Nothing here allocates after the Uio
// exists: the system-call layer keeps one Uio per thread and Resets it for each call.
namespace UnixVfs.Core;

/// <summary>The direction of a <see cref="Uio"/> (<c>enum uio_rw</c>).</summary>
public enum UioRw
{
    /// <summary>UIO_READ: data flows from the file system to the caller's buffers.</summary>
    UIO_READ = 0,
    /// <summary>UIO_WRITE: data flows from the caller's buffers to the file system.</summary>
    UIO_WRITE = 1,
}

/// <summary>One segment of a <see cref="Uio"/> (<c>iovec_t</c>).</summary>
public struct IoVec
{
    /// <summary>The part of the segment not yet moved (<c>iov_base</c>/<c>iov_len</c>).</summary>
    public Memory<byte> Base;

    public IoVec(Memory<byte> b) => Base = b;

    public readonly int Length => Base.Length;
}

/// <summary>An I/O request (<c>uio_t</c>): caller buffers, file offset and residual count.</summary>
public sealed class Uio
{
    private IoVec[] _iov;
    private int _iovcnt;
    private int _cur;

    /// <summary><c>uio_loffset</c>: the file offset (for directories, the readdir cookie).</summary>
    public long Offset;

    /// <summary><c>uio_resid</c>: bytes still to move.</summary>
    public long Resid;

    /// <summary>The direction (set by the creator, read by the file system).</summary>
    public UioRw Rw { get; private set; }

    /// <summary><c>uio_llimit</c>: the largest offset a write may reach (RLIMIT_FSIZE); long.MaxValue when unlimited.</summary>
    public long Limit = long.MaxValue;

    /// <summary>A request over one buffer.</summary>
    public Uio(Memory<byte> buffer, long offset, UioRw rw)
    {
        _iov = new IoVec[1];
        Reset(buffer, offset, rw);
    }

    /// <summary>A scatter/gather request over several buffers (readv/writev).</summary>
    public Uio(IReadOnlyList<Memory<byte>> buffers, long offset, UioRw rw)
    {
        _iov = new IoVec[Math.Max(1, buffers.Count)];
        long resid = 0;
        for (int i = 0; i < buffers.Count; i++)
        {
            _iov[i] = new IoVec(buffers[i]);
            resid += buffers[i].Length;
        }
        _iovcnt = buffers.Count;
        _cur = 0;
        Offset = offset;
        Resid = resid;
        Rw = rw;
        SkipEmptySegments();
    }

    /// <summary>Reuses this Uio for a new single-buffer request without allocating.</summary>
    public void Reset(Memory<byte> buffer, long offset, UioRw rw)
    {
        if (_iov.Length < 1)
            _iov = new IoVec[1];
        _iov[0] = new IoVec(buffer);
        _iovcnt = 1;
        _cur = 0;
        Offset = offset;
        Resid = buffer.Length;
        Rw = rw;
        Limit = long.MaxValue;
    }

    /// <summary>The segments not yet consumed, the current one first (each already trimmed of what was moved).</summary>
    public ReadOnlySpan<IoVec> Iov => _iov.AsSpan(_cur, _iovcnt - _cur);

    /// <summary>
    /// A copy with its own segment cursor over the same buffers, same Offset and Resid. A layer
    /// that sends one write to several lower vnodes (the mirror) gives each its own duplicate.
    /// </summary>
    public Uio Duplicate()
    {
        var d = (Uio)MemberwiseClone();
        d._iov = (IoVec[])_iov.Clone();
        return d;
    }

    /// <summary>
    /// Makes this Uio a duplicate of <paramref name="src"/> (as Duplicate does), reusing its own segment array: a layer
    /// that keeps a spare Uio per thread duplicates without allocating.
    /// </summary>
    public void CopyFrom(Uio src)
    {
        if (_iov.Length < src._iovcnt)
            _iov = new IoVec[src._iovcnt];
        src._iov.AsSpan(0, src._iovcnt).CopyTo(_iov);
        _iovcnt = src._iovcnt;
        _cur = src._cur;
        Offset = src.Offset;
        Resid = src.Resid;
        Rw = src.Rw;
        Limit = src.Limit;
    }

    /// <summary>uiomove(UIO_READ): copies file data to the caller's buffers; moves min(src.Length, Resid) bytes.</summary>
    /// <returns>OK, or EINVAL if this Uio is not a read.</returns>
    public Errno MoveOut(ReadOnlySpan<byte> src)
    {
        if (Rw != UioRw.UIO_READ)
            return Errno.EINVAL;
        while (!src.IsEmpty && Resid > 0)
        {
            ref IoVec v = ref _iov[_cur];
            int n = Math.Min(src.Length, v.Length);
            src[..n].CopyTo(v.Base.Span);
            src = src[n..];
            Advance(ref v, n);
        }
        return Errno.OK;
    }

    /// <summary>uiomove(UIO_WRITE): copies from the caller's buffers into <paramref name="dst"/>; moves min(dst.Length, Resid) bytes.</summary>
    /// <returns>OK, or EINVAL if this Uio is not a write.</returns>
    public Errno MoveIn(Span<byte> dst)
    {
        if (Rw != UioRw.UIO_WRITE)
            return Errno.EINVAL;
        while (!dst.IsEmpty && Resid > 0)
        {
            ref IoVec v = ref _iov[_cur];
            int n = Math.Min(dst.Length, v.Length);
            v.Base.Span[..n].CopyTo(dst);
            dst = dst[n..];
            Advance(ref v, n);
        }
        return Errno.OK;
    }

    /// <summary>Reads a hole: fills min(count, Resid) bytes of the caller's buffers with zeros.</summary>
    public Errno MoveZeros(long count)
    {
        if (Rw != UioRw.UIO_READ)
            return Errno.EINVAL;
        while (count > 0 && Resid > 0)
        {
            ref IoVec v = ref _iov[_cur];
            int n = (int)Math.Min(count, v.Length);
            v.Base.Span[..n].Clear();
            count -= n;
            Advance(ref v, n);
        }
        return Errno.OK;
    }

    /// <summary>
    /// The caller's current segment, at most <paramref name="max"/> bytes, for a file system that
    /// wants to read from a device straight into it; follow with <see cref="Skip"/>.
    /// </summary>
    public Memory<byte> CurrentSegment(int max)
    {
        if (Resid == 0)
            return Memory<byte>.Empty;
        var b = _iov[_cur].Base;
        return b.Length > max ? b[..max] : b;
    }

    /// <summary>Advances over <paramref name="count"/> bytes that were moved by other means (uioskip).</summary>
    public void Skip(long count)
    {
        while (count > 0 && Resid > 0)
        {
            ref IoVec v = ref _iov[_cur];
            int n = (int)Math.Min(count, v.Length);
            count -= n;
            Advance(ref v, n);
        }
    }

    private void Advance(ref IoVec v, int n)
    {
        v.Base = v.Base[n..];
        Offset += n;
        Resid -= n;
        if (v.Length == 0)
        {
            _cur++;
            SkipEmptySegments();
        }
    }

    private void SkipEmptySegments()
    {
        while (_cur < _iovcnt && _iov[_cur].Length == 0)
            _cur++;
    }
}
