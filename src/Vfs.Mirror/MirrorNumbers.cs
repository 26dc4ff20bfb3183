// Vfs.Mirror: the numbers the mirror gave its files (va_nodeid), kept by the files' fids in the other copies, so that
// a file keeps its number when another copy answers for it -- the copy that numbered it failed or left -- also in an
// mnode made after the move (Finding 41: an NFS client held a file's number from before the first copy's disk failed,
// the file's mnode having let go of it, and a lookup after the failure showed the second copy's number for it).
//
// A file is numbered by the copy that answers its mnode's first getattr (MirrorSubr.FileId, Mnode.FileId). Each time a
// copy numbers a file, the mirror records that number by the file's fid in each other copy in use whose vnode the mnode
// knows (Numbered). An mnode's first getattr, answered by a copy, asks the record by the file's fid in that copy
// (Find): a number recorded by a copy that no longer serves reads is the file's number still. The fid carries the
// copy's generation number, so a key never meets another file on a reused inode. Kept in memory only: after the
// mirror's host restarts, files are numbered by the copy that answers, as an NFS client that lived through the restart
// expects of a server whose copy failed meanwhile.
//
// Each record also keeps the fid of the file in the copy that numbered it (its giver). Copy k numbering a file n again
// with the same fid there is the same file: the keys it brings join the record's (an mnode made from a handle may not
// know the file in every copy; Fig. 10, seed 861111: a record dropped by such an mnode left a linked symlink without
// its number when X's disk failed). With another fid, or none, copy k gave n to another file.
//
// INVARIANT. A number is recorded for at most one file: _numbers[(copy, fid)] = (k, n) exactly when (copy, fid) is in
// _records[(k, n)].Keys. Recording (k, n) for another file than the record's giver drops the record: copy k gave n to
// this file now, so the file that had it is gone from k. Mnode.CopyReplaced drops the record of the number it lets go
// of. No copy answers with a number it recorded while it is out of use, so nothing else is given that number meanwhile.
// Bounded: past Limit files, the oldest records go, and those files are numbered by the copy that answers, as before.
//
// LOCK ORDER. _lock is a leaf: no vnode op is called while it is held (the fids are made before it is taken).
namespace UnixVfs.Mirror;

internal sealed class MirrorNumbers
{
    /// <summary>The files whose numbers are kept; past it the oldest go.</summary>
    public const int Limit = 65_536;

    private readonly object _lock = new();
    private readonly Dictionary<(int Copy, Fid Fid), (int Copy, ulong Number)> _numbers = new();
    private readonly Dictionary<(int Copy, ulong Number), Numbering> _records = new();
    private readonly Queue<((int Copy, ulong Number) Number, long Seq)> _order = new();
    private long _seq;

    /// <summary>Per copy, how many records are keyed by its fids: a copy with none is not asked for a fid.</summary>
    private readonly int[] _keyed;

    private readonly int _limit;

    public MirrorNumbers(int copies, int limit = Limit) => (_keyed, _limit) = (new int[copies], limit);

    /// <summary>One number's record: the file's fid in the copy that gave it, and its fids in the other copies.</summary>
    private sealed record Numbering(Fid? Giver, List<(int Copy, Fid Fid)> Keys, long Seq);

    /// <summary>
    /// The number the mirror recorded for the file that copy <paramref name="copy"/> holds as <paramref name="lv"/>, given
    /// by copy <paramref name="by"/> (<paramref name="number"/> its own) which serves no reads now; false when there is none.
    /// </summary>
    public bool Find(MfsVfs mi, int copy, Vnode lv, out int by, out ulong number)
    {
        (by, number) = (0, 0);
        return Keyed(copy) && Vop.Fid(lv, Fid.MaxFidSize, out var fid) == Errno.OK
            && Lookup(copy, fid!, out by, out number) && !mi.Copies[by].ServesReads;
    }

    /// <summary>True when a record is keyed by a fid of copy <paramref name="copy"/> (Find asks it for no fid otherwise).</summary>
    internal bool Keyed(int copy) => Volatile.Read(ref _keyed[copy]) != 0;

    /// <summary>The number recorded for the file whose fid in copy <paramref name="copy"/> is <paramref name="fid"/>: given by copy <paramref name="by"/>.</summary>
    internal bool Lookup(int copy, Fid fid, out int by, out ulong number)
    {
        lock (_lock)
        {
            bool found = _numbers.TryGetValue((copy, fid), out var n);
            (by, number) = n;
            return found;
        }
    }

    /// <summary>Copy <paramref name="by"/> numbered <paramref name="m"/>'s file <paramref name="number"/>: recorded by its fids in the other copies in use.</summary>
    public void Numbered(Mnode m, int by, ulong number)
    {
        var mi = m.Mfs;
        Fid? giver = null;
        var keys = new List<(int Copy, Fid Fid)>(mi.CopyCount - 1);
        foreach (var c in mi.Copies)
        {
            if (Volatile.Read(ref m.Copies[c.Index]) is not { } lv || (c.Index != by && !c.TakesUpdates)
                || Vop.Fid(lv, Fid.MaxFidSize, out var fid) != Errno.OK)
                continue;
            if (c.Index == by)
                giver = fid;
            else
                keys.Add((c.Index, fid!));
        }
        Record(by, number, giver, keys);
    }

    /// <summary>
    /// Copy <paramref name="by"/> gave a file <paramref name="number"/>: the file's fid there is <paramref name="giver"/>
    /// (null: not known), its fids in other copies <paramref name="keys"/>, in copy order.
    /// </summary>
    internal void Record(int by, ulong number, Fid? giver, List<(int Copy, Fid Fid)> keys)
    {
        lock (_lock)
        {
            if (_records.TryGetValue((by, number), out var had) && giver is not null && giver.Equals(had.Giver))
            {
                foreach (var key in keys)
                    if (!_numbers.TryGetValue(key, out var n) || n != (by, number))
                    {
                        Key(key, (by, number));
                        had.Keys.Add(key);
                    }
                return;
            }
            DropLocked((by, number));
            if (keys.Count == 0)
                return;
            foreach (var key in keys)
                Key(key, (by, number));
            _records[(by, number)] = new Numbering(giver, keys, ++_seq);
            _order.Enqueue(((by, number), _seq));
            while (_order.Count > _limit && _order.TryDequeue(out var oldest))
                if (_records.TryGetValue(oldest.Number, out var r) && r.Seq == oldest.Seq)
                    DropLocked(oldest.Number);
        }
    }

    /// <summary>Key <paramref name="key"/> names <paramref name="number"/> now, taken from the record it named before, if any. Under _lock.</summary>
    private void Key((int Copy, Fid Fid) key, (int, ulong) number)
    {
        if (_numbers.TryGetValue(key, out var old))
            Unkey(old, key);
        else
            _keyed[key.Copy]++;
        _numbers[key] = number;
    }

    /// <summary>Copy <paramref name="by"/> may give <paramref name="number"/> to another file now: its record goes.</summary>
    public void Forget(int by, ulong number)
    {
        lock (_lock)
            DropLocked((by, number));
    }

    private void DropLocked((int, ulong) number)
    {
        if (!_records.Remove(number, out var r))
            return;
        foreach (var key in r.Keys)
            if (_numbers.Remove(key))
                _keyed[key.Copy]--;
    }

    /// <summary>Key <paramref name="key"/> moves from <paramref name="number"/>'s record to another's.</summary>
    private void Unkey((int, ulong) number, (int, Fid) key)
    {
        if (_records.TryGetValue(number, out var r))
        {
            r.Keys.Remove(key);
            if (r.Keys.Count == 0)
                _records.Remove(number);
        }
    }
}
