// Vfs.Mirror: the hashes of one checksummed read's extents, made by the reader and a copy worker together
// (-o checksum, MirrorChecksum.ReadChecked; beyond the patent).
//
// A checksummed read of whole extents into the caller's buffer reads it from the copy in pieces of Piece bytes.
// After each piece the reader publishes the extents the buffer now holds whole; a copy worker, offered the job before
// the first piece (so that its wake-up overlaps the read), hashes published extents while the reader reads the next
// piece. When everything is read, the reader hashes what the worker has not claimed and joins the job. A read then
// costs about the copy's read plus the hash of its last piece, where one thread pays the read and then the whole hash.
//
// The reader waits only for an extent the worker is hashing, never for a worker that has not come or is between
// extents: a worker that wakes after the reader has claimed everything finds nothing to claim and leaves; a worker
// that waits too long for the next piece (the reader descheduled on a busy host) leaves the rest to the reader.
// At worst the job costs the pieces' extra lower reads.
//
// Nothing is checked less: every extent with a known sum is hashed, by one thread or the other, from the very bytes
// the caller is given, and the reader compares the hashes after the join.
//
// STATE (Volatile and Interlocked; the job's monitor only for the reader's wait):
//   _published   extents the buffer holds whole; raised only by the reader, after its lower read returned
//   _claimed     extents taken by either thread (Interlocked); never more than _published, nor than _end
//   _hashed      claimed extents whose hash is made (Interlocked, after the hash is written)
//   _end         extents to hash: int.MaxValue until the reader has read everything, then _published
//   _hashes[i]   written by the thread that claimed extent i, before it counts it in _hashed; the reader reads
//                them once _hashed reaches _end
// A worker touches the buffer only for an extent it claimed, and the reader returns only once every claimed extent
// is hashed: no worker touches the caller's buffer after the read returns. The last hash (_hashed reaching _end)
// wakes the reader if it waits; _end is set with a full fence and _hashed raised with one, so either the last
// hasher sees the final _end and wakes the reader, or the reader sees the last hash and does not wait.
namespace UnixVfs.Mirror;

internal sealed class ReadHashJob
{
    /// <summary>
    /// Bytes per lower read of a pipelined read: four extents. Smaller pieces shorten the last piece's hash, which no
    /// one overlaps, but add lower reads (docs/benchmarks.md, Stop 24).
    /// </summary>
    public const int Piece = 4 * ExtentSums.ExtentSize;

    /// <summary>How long the worker waits for the next piece (SpinWait rounds, spinning then yielding) before it leaves the rest to the reader.</summary>
    private const int Patience = 40;

    private readonly Memory<byte> _buf;
    private readonly ulong[] _want;
    private readonly int[] _length;
    private readonly ulong[] _hashes;
    private int _published, _claimed, _hashed, _end = int.MaxValue;

    /// <summary>A job for <paramref name="buf"/>, the caller's buffer: whole extents, from extent <paramref name="first"/> of the file on, whose sums are in <paramref name="sums"/>.</summary>
    private ReadHashJob(Memory<byte> buf, ExtentSums sums, long first)
    {
        int n = buf.Length >> ExtentSums.Shift;
        _buf = buf;
        _want = new ulong[n];
        _length = new int[n];
        _hashes = new ulong[n];
        sums.GetRange(first, _want, _length);
    }

    /// <summary>A job for <paramref name="buf"/>, offered to <paramref name="workers"/>; null when they take no offers (a simulated host).</summary>
    public static ReadHashJob? Offer(Memory<byte> buf, ExtentSums sums, long first, CopyWorkers workers)
    {
        var job = new ReadHashJob(buf, sums, first);
        return workers.Offer(job.Help) ? job : null;
    }

    /// <summary>Extent <paramref name="i"/>'s (of the buffer) sum, 0 when not known, as the table held it when the job began.</summary>
    public ulong Want(int i) => _want[i];

    /// <summary>Extent <paramref name="i"/>'s length in the file.</summary>
    public int Length(int i) => _length[i];

    /// <summary>The hash of extent <paramref name="i"/>'s bytes; only after Finish, and only for an extent the buffer held whole.</summary>
    public ulong Hash(int i) => _hashes[i];

    /// <summary>The reader: the first <paramref name="got"/> bytes of the buffer are read; the extents they hold whole may be hashed.</summary>
    public void Published(int got)
    {
        int n = _published;
        while (n < _length.Length && (n << ExtentSums.Shift) + _length[n] <= got)
            n++;
        Volatile.Write(ref _published, n);
    }

    /// <summary>
    /// The reader, after its last piece (or a failed one) read <paramref name="got"/> bytes in all: hashes what is
    /// left and waits for the extent the worker is hashing, if any. After it no worker touches the buffer.
    /// </summary>
    public void Finish(int got)
    {
        Published(got);
        Interlocked.Exchange(ref _end, _published);
        while (HashNext())
        {
        }
        var spin = new SpinWait();
        while (Volatile.Read(ref _hashed) != _end && !spin.NextSpinWillYield)
            spin.SpinOnce();   // the worker is in its last extent's hash: a microsecond or two
        lock (this)
            while (Volatile.Read(ref _hashed) != _end)
                Monitor.Wait(this);
    }

    /// <summary>The worker: hashes published extents until all are claimed, or the next piece is too long in coming.</summary>
    private void Help()
    {
        var spin = new SpinWait();
        while (Volatile.Read(ref _claimed) < Volatile.Read(ref _end))
        {
            if (HashNext())
                spin.Reset();
            else if (spin.Count >= Patience)
                return;
            else
                spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    /// <summary>Claims and hashes the next published extent; false when none is there to claim.</summary>
    private bool HashNext()
    {
        int c = Volatile.Read(ref _claimed);
        while (c < Volatile.Read(ref _published))
        {
            int seen = Interlocked.CompareExchange(ref _claimed, c + 1, c);
            if (seen == c)
            {
                if (_want[c] != 0)
                    _hashes[c] = ExtentSums.Hash(_buf.Span.Slice(c << ExtentSums.Shift, _length[c]));
                if (Interlocked.Increment(ref _hashed) == Volatile.Read(ref _end))
                    lock (this)
                        Monitor.PulseAll(this);
                return true;
            }
            c = seen;
        }
        return false;
    }
}
