// Vfs.Sim: a block device that writes every read, write and flush to a world's trace (the "disk I/O" of the
// simulator's contract), then passes it to the device below.
namespace UnixVfs.Sim;

/// <summary>Traces every I/O of the device it wraps.</summary>
public sealed class TracedBlockDevice(IBlockDevice inner, string name, SimTrace trace) : IBlockDevice
{
    public int SectorSize => inner.SectorSize;
    public long Size => inner.Size;
    public bool IsReadOnly => inner.IsReadOnly;

    /// <summary>Reads, writes and flushes done.</summary>
    public long Operations { get; private set; }

    public Errno Read(long offset, Span<byte> buffer)
    {
        var err = inner.Read(offset, buffer);
        if (Note())
            trace.Add("disk", $"{name} read {offset} {buffer.Length} = {err}");
        return err;
    }

    public Errno Write(long offset, ReadOnlySpan<byte> buffer)
    {
        var err = inner.Write(offset, buffer);
        if (Note())
            trace.Add("disk", $"{name} write {offset} {buffer.Length} = {err}");
        return err;
    }

    public Errno Flush()
    {
        var err = inner.Flush();
        if (Note())
            trace.Add("disk", $"{name} flush = {err}");
        return err;
    }

    /// <summary>Counts one I/O; true when the trace records it (its line is made only then: not while an invariant looks).</summary>
    private bool Note()
    {
        Operations++;
        return !trace.Paused;
    }

    public void Dispose() => inner.Dispose();
}
