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
// INVARIANT. A number is recorded for at most one file: _numbers[(copy, fid)] = (k, n) exactly when (copy, fid) is in
// _keys[(k, n)]. Recording (k, n) for a file drops every record of (k, n) for another file: copy k gave n to this file
// now, so the file that had it is gone from k. Mnode.CopyReplaced drops the record of the number it lets go of. No
// copy answers with a number it recorded while it is out of use, so nothing else is given that number meanwhile.
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
    private readonly Dictionary<(int Copy, ulong Number), (List<(int Copy, Fid Fid)> Keys, long Seq)> _keys = new();
    private readonly Queue<((int Copy, ulong Number) Number, long Seq)> _order = new();
    private long _seq;

    /// <summary>Per copy, how many records are keyed by its fids: a copy with none is not asked for a fid.</summary>
    private readonly int[] _keyed;

    private readonly int _limit;

    public MirrorNumbers(int copies, int limit = Limit) => (_keyed, _limit) = (new int[copies], limit);

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
        var keys = new List<(int Copy, Fid Fid)>(mi.CopyCount - 1);
        foreach (var c in mi.Copies)
            if (c.Index != by && c.TakesUpdates && Volatile.Read(ref m.Copies[c.Index]) is { } lv
                && Vop.Fid(lv, Fid.MaxFidSize, out var fid) == Errno.OK)
                keys.Add((c.Index, fid!));
        Record(by, number, keys);
    }

    /// <summary>Copy <paramref name="by"/> gave a file <paramref name="number"/>: recorded by the file's fids <paramref name="keys"/> in other copies, in copy order.</summary>
    internal void Record(int by, ulong number, List<(int Copy, Fid Fid)> keys)
    {
        lock (_lock)
        {
            if (_keys.TryGetValue((by, number), out var had) && Same(had.Keys, keys))
                return;
            DropLocked((by, number));
            if (keys.Count == 0)
                return;
            foreach (var key in keys)
            {
                if (_numbers.TryGetValue(key, out var old))
                    Unkey(old, key);
                else
                    _keyed[key.Copy]++;
                _numbers[key] = (by, number);
            }
            _keys[(by, number)] = (keys, ++_seq);
            _order.Enqueue(((by, number), _seq));
            while (_order.Count > _limit && _order.TryDequeue(out var oldest))
                if (_keys.TryGetValue(oldest.Number, out var r) && r.Seq == oldest.Seq)
                    DropLocked(oldest.Number);
        }
    }

    /// <summary>Copy <paramref name="by"/> may give <paramref name="number"/> to another file now: its record goes.</summary>
    public void Forget(int by, ulong number)
    {
        lock (_lock)
            DropLocked((by, number));
    }

    private void DropLocked((int, ulong) number)
    {
        if (!_keys.Remove(number, out var r))
            return;
        foreach (var key in r.Keys)
            if (_numbers.Remove(key))
                _keyed[key.Copy]--;
    }

    /// <summary>Key <paramref name="key"/> moves from <paramref name="number"/>'s record to another's.</summary>
    private void Unkey((int, ulong) number, (int, Fid) key)
    {
        if (_keys.TryGetValue(number, out var r))
        {
            r.Keys.Remove(key);
            if (r.Keys.Count == 0)
                _keys.Remove(number);
        }
    }

    /// <summary>True when <paramref name="a"/> and <paramref name="b"/> hold the same keys (in copy order, as Numbered makes them).</summary>
    private static bool Same(List<(int Copy, Fid Fid)> a, List<(int Copy, Fid Fid)> b)
    {
        if (a.Count != b.Count)
            return false;
        for (int i = 0; i < a.Count; i++)
            if (a[i].Copy != b[i].Copy || !a[i].Fid.Equals(b[i].Fid))
                return false;
        return true;
    }
}
