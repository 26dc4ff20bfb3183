// Vfs.Core: a fault-injecting block device, a decorator over any other.
//
// It holds every write in a volatile cache until Flush, as a disk with a write cache does, and
// can be told to fail:
//   FailReadsAt / FailWritesAt   EIO for I/O touching chosen byte ranges;
//   FailAfter(n)                 EIO for every operation after the next n;
//   Crash(mode, rng)             the power goes out: unflushed writes are lost (LoseAll), or a random
//                                subset of them reaches the disk, in any order, one of them torn
//                                part-way at a sector boundary (Reorder); after a crash every call is EIO;
//   CrashAfterWrites(n)          crash as the n-th write from now is issued (that write is torn or lost).
// The inner device then holds exactly what survived, ready to be mounted (or fsck'd) again.
//
// The cache holds a copy of each unflushed write in an array rented from ArrayPool<byte>.Shared (as long as the
// write or longer), given back when the flush has passed it down or the crash has dropped it: a simulator flushes
// its disks every few calls, and fresh copies were most of what a write cost it (docs/benchmarks.md, stop 24).
using System.Buffers;

namespace UnixVfs.Core;

/// <summary>What survives a <see cref="FaultyBlockDevice.Crash"/>.</summary>
public enum CrashMode
{
    /// <summary>Nothing written since the last flush survives.</summary>
    LoseAll,
    /// <summary>A random subset of unflushed writes survives, in any order, one of them torn.</summary>
    Reorder,
}

/// <summary>A block device that fails on request.</summary>
public sealed class FaultyBlockDevice : IBlockDevice
{
    private readonly IBlockDevice _inner;
    private readonly object _lock = new();
    private readonly List<(long Offset, byte[] Data, int Length)> _pending = new(); // Data[..Length] is the write; Data is rented
    private readonly Dictionary<long, (byte[] Data, int At)> _cache = new(); // sector -> where in _pending its newest unflushed content is
    private readonly List<(long Start, long End)> _badReads = new();
    private readonly List<(long Start, long End)> _badWrites = new();
    private long _opsUntilFailure = -1;
    private long _writesUntilCrash = -1;
    private CrashMode _autoCrashMode;
    private Random _autoCrashRng = new(0);

    public FaultyBlockDevice(IBlockDevice inner) => _inner = inner;

    public int SectorSize => _inner.SectorSize;
    public long Size => _inner.Size;
    public bool IsReadOnly => _inner.IsReadOnly;

    /// <summary>True once the device has crashed: every call fails with EIO.</summary>
    public bool Crashed { get; private set; }

    /// <summary>Operations (reads, writes, flushes) issued so far.</summary>
    public long Operations { get; private set; }

    /// <summary>Writes not yet flushed.</summary>
    public int PendingWrites { get { lock (_lock) return _pending.Count; } }

    /// <summary>Reads touching [offset, offset+length) fail with EIO.</summary>
    public void FailReadsAt(long offset, long length) { lock (_lock) _badReads.Add((offset, offset + length)); }

    /// <summary>Writes touching [offset, offset+length) fail with EIO.</summary>
    public void FailWritesAt(long offset, long length) { lock (_lock) _badWrites.Add((offset, offset + length)); }

    /// <summary>After <paramref name="operations"/> more operations, every operation fails with EIO.</summary>
    public void FailAfter(long operations) { lock (_lock) _opsUntilFailure = operations; }

    /// <summary>Removes every injected failure (a crash is not undone).</summary>
    public void Heal()
    {
        lock (_lock)
        {
            _badReads.Clear();
            _badWrites.Clear();
            _opsUntilFailure = -1;
            _writesUntilCrash = -1;
        }
    }

    /// <summary>Crashes as the <paramref name="writes"/>-th write from now is issued.</summary>
    public void CrashAfterWrites(long writes, CrashMode mode, Random rng)
    {
        lock (_lock)
        {
            _writesUntilCrash = writes;
            _autoCrashMode = mode;
            _autoCrashRng = rng;
        }
    }

    public Errno Read(long offset, Span<byte> buffer)
    {
        lock (_lock)
        {
            var err = Admit(offset, buffer.Length, _badReads);
            if (err != Errno.OK)
                return err;
            err = _inner.Read(offset, buffer);
            if (err != Errno.OK || _cache.Count == 0)
                return err;
            int ss = SectorSize;
            for (int i = 0; i < buffer.Length; i += ss)
                if (_cache.TryGetValue((offset + i) / ss, out var sector))
                    sector.Data.AsSpan(sector.At, ss).CopyTo(buffer.Slice(i, ss));
            return Errno.OK;
        }
    }

    public Errno Write(long offset, ReadOnlySpan<byte> buffer)
    {
        lock (_lock)
        {
            var err = Admit(offset, buffer.Length, _badWrites);
            if (err != Errno.OK)
                return err;
            if (_inner.IsReadOnly)
                return Errno.EROFS;
            var data = ArrayPool<byte>.Shared.Rent(buffer.Length);
            buffer.CopyTo(data);
            _pending.Add((offset, data, buffer.Length));
            int ss = SectorSize;
            for (int i = 0; i < buffer.Length; i += ss)
                _cache[(offset + i) / ss] = (data, i);
            if (_writesUntilCrash > 0 && --_writesUntilCrash == 0)
            {
                CrashLocked(_autoCrashMode, _autoCrashRng);
                return Errno.EIO;
            }
            return Errno.OK;
        }
    }

    public Errno Flush()
    {
        lock (_lock)
        {
            var err = Admit(0, 0, null);
            if (err != Errno.OK)
                return err;
            foreach (var (off, data, length) in _pending)
            {
                err = _inner.Write(off, data.AsSpan(0, length));
                if (err != Errno.OK)
                    return err;
            }
            DropPending();
            return _inner.Flush();
        }
    }

    /// <summary>The power goes out now (see the file comment).</summary>
    public void Crash(CrashMode mode, Random rng)
    {
        lock (_lock)
            CrashLocked(mode, rng);
    }

    private void CrashLocked(CrashMode mode, Random rng)
    {
        if (Crashed)
            return;
        Crashed = true;
        if (mode == CrashMode.Reorder && _pending.Count > 0)
        {
            var order = _pending.ToArray();
            rng.Shuffle(order);
            int torn = rng.Next(order.Length);
            for (int i = 0; i < order.Length; i++)
            {
                if (rng.Next(2) == 0)
                    continue;
                var (off, data, len) = order[i];
                if (i == torn && len > SectorSize)
                    len = SectorSize * rng.Next(1, len / SectorSize);
                _inner.Write(off, data.AsSpan(0, len));
            }
        }
        _inner.Flush();
        DropPending();
    }

    /// <summary>Forgets every unflushed write and gives its copy back to the pool. Caller holds the lock.</summary>
    private void DropPending()
    {
        _cache.Clear();
        foreach (var (_, data, _) in _pending)
            ArrayPool<byte>.Shared.Return(data);
        _pending.Clear();
    }

    private Errno Admit(long offset, int length, List<(long Start, long End)>? bad)
    {
        if (Crashed)
            return Errno.EIO;
        Operations++;
        if (_opsUntilFailure == 0)
            return Errno.EIO;
        if (_opsUntilFailure > 0)
            _opsUntilFailure--;
        var err = length == 0 ? Errno.OK : BlockDeviceChecks.CheckRange(this, offset, length);
        if (err != Errno.OK)
            return err;
        if (bad is not null)
            foreach (var (s, e) in bad)
                if (offset < e && offset + length > s)
                    return Errno.EIO;
        return Errno.OK;
    }

    public void Dispose() => _inner.Dispose();
}
