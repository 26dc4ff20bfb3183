// Vfs.Mirror: the dirty log of a copy that is away, kept on every copy that goes on (beyond the patent), so that
// it survives a crash of the mirroring host -- DRBD's "bitmap" in the form of the mirror's own DirtyLog.
//
// WHERE. ".mfs/log-<copy id>" (MirrorMeta.cs) on every copy that takes updates, one file per copy away. It is
// made empty when the copy leaves (MirrorGenerations.Left), appended to for every update the copy misses, and
// removed when the copy's resync completes (Joined). A copy's dirty log in memory (DirtyLog) and this file say
// the same thing; the file is what a remount after a crash reads (MirrorRecovery.cs).
//
// WRITE-AHEAD. An update's record is appended and fsynced BEFORE the update is sent to the copies that take it
// (MirrorSubr.Apply logs the copies away first), so no update can reach a copy without its record being on disk.
// A record for an update that then failed everywhere only costs its resync a comparison.
//
// FORMAT. One record a line, fields with their lengths so that any name (spaces, newlines) round-trips, and a check:
//     <kind> <offset> <length> <n>:<path of the mnode from the mirror's top> <n>:<name or empty> <check>
// kind is the DirtyKind number, or "overflow" (too much to log: the copy needs a full resync); check is the FNV-1a
// hash of what comes before it, 8 hex digits. A record cut short by a crash is the last one and is ignored -- its
// update was not sent yet. Anything else that does not read -- a check that does not match, a field that is not a
// number, text after a record that does not -- is damage: the log says less than was logged, and the copy is given
// a full resync instead (MirrorRecovery.LoadLogs).
//
// EXTENTS. A data record covers its write's range rounded out to 4 MiB extents, and a record already in the file
// is not written again: the writes that follow into an extent already logged cost no I/O at all, as writes into
// DRBD's hot activity-log extents do. Without it every write of a mirror with a copy away waited for a record's
// fsync (a 4 KiB pwrite took milliseconds). A crash's resync then copies whole extents of the files written: at
// most 4 MiB more per extent than was changed, and never past a file's end -- and it compares before it copies
// (Rebuilt, MirrorDataCopy.CopyDiffering): of those extents, only the bytes that differ between the copies are
// written, so ten 7-byte writes into ten small files copy 70 bytes, not the ten files.
//
// BOUND. After LogSize records the file takes one "overflow" record and no more, as the DirtyLog degrades. The
// records already written are remembered per copy away (_written) up to the same bound. A copy whose file system
// could not be synced as it left takes one at once (MfsVfs.MarkUnavailable): its cache may have held updates it had
// acknowledged, that no record covers and its disk never got.
//
// LOCK ORDER: _lock is a leaf, held across the append and fsync of one record so that records do not interleave.
// Those go to the copies, maybe over NFS, so its holder may wait for time: it is taken by VirtualClock.EnterMonitor.
using System.Globalization;

namespace UnixVfs.Mirror;

/// <summary>One record of a persisted dirty log.</summary>
internal readonly record struct IntentRecord(DirtyKind Kind, long Offset, long Length, string Path, string? Name, bool Overflow);

internal sealed class MirrorIntentLog
{
    private readonly object _lock = new();
    private readonly MfsVfs _mi;
    private readonly Dictionary<int, int> _counts = new();
    private readonly HashSet<(int Copy, string Record)> _written = new();   // records in each away copy's file
    private readonly HashSet<int> _rebuilt = new();                          // copies whose DirtyLog came from a file

    /// <summary>The extent a data record's range is rounded out to.</summary>
    public const long Extent = 4L << 20;

    public MirrorIntentLog(MfsVfs mi) => _mi = mi;

    public static string FileName(Guid copy) => "log-" + copy.ToString("N");

    /// <summary>Copy <paramref name="away"/> left: an empty log for it on every copy that goes on.</summary>
    public void Start(MirrorMember away)
    {
        using (VirtualClock.EnterMonitor(_lock))
        {
            _counts[away.Index] = 0;
            _written.RemoveWhere(w => w.Copy == away.Index);
            _rebuilt.Remove(away.Index);
            foreach (var c in _mi.UpdateCopies())
                Report(c, WithFile(c, away, truncate: true, (vp, size) => Vop.Fsync(vp, FileFlags.FSYNC, Cred.Kcred)));
        }
    }

    /// <summary>
    /// After a remount: copy <paramref name="away"/>'s log files already hold <paramref name="records"/> records, and
    /// its DirtyLog is rebuilt from them (MirrorRecovery.LoadLogs).
    /// </summary>
    public void Resume(MirrorMember away, int records)
    {
        using (VirtualClock.EnterMonitor(_lock))
        {
            _counts[away.Index] = records;
            _rebuilt.Add(away.Index);
        }
    }

    /// <summary>
    /// True when copy <paramref name="away"/>'s DirtyLog was rebuilt from its log file after a crash, until its resync
    /// completes: its data ranges are whole extents, wider than what was written, and the resync compares before it
    /// copies them.
    /// </summary>
    public bool Rebuilt(MirrorMember away)
    {
        using (VirtualClock.EnterMonitor(_lock))
            return _rebuilt.Contains(away.Index);
    }

    /// <summary>Appends a record for copy <paramref name="away"/> to every copy that takes updates, and fsyncs it.</summary>
    public void Append(MirrorMember away, Mnode m, DirtyKind kind, long offset, long length, string? name)
    {
        if (_mi.Options.Mode == MirrorMode.ActivePassive)
            return;
        if ((kind & DirtyKind.Data) != 0 && length > 0)
        {
            long end = Math.Min(offset + length, long.MaxValue - Extent);
            offset = offset / Extent * Extent;
            length = (end + Extent - 1) / Extent * Extent - offset;
        }
        using (VirtualClock.EnterMonitor(_lock))
        {
            _counts.TryGetValue(away.Index, out int n);
            if (n > _mi.Options.LogSize)
                return; // already overflowed
            string line = n == _mi.Options.LogSize ? Sealed("overflow 0 0 0: 0:") : Format(m.PathFromRoot, kind, offset, length, name);
            if (n < _mi.Options.LogSize && !_written.Add((away.Index, line)))
                return; // the file already holds this record
            _counts[away.Index] = n + 1;
            var bytes = FsName.Encode(line)!;
            foreach (var c in _mi.UpdateCopies())
                Report(c, WithFile(c, away, truncate: false, (vp, size) =>
                {
                    var uio = new Uio(bytes, size, UioRw.UIO_WRITE);
                    var err = Vop.Write(vp, uio, FileFlags.None, Cred.Kcred);
                    return err != Errno.OK ? err : Vop.Fsync(vp, FileFlags.FSYNC, Cred.Kcred);
                }));
        }
    }

    /// <summary>
    /// One overflow record, and no more records: a remount after a crash gives the copy a full resync (its replay
    /// failed; or its file system's cache could not be written out as it left, MfsVfs.MarkUnavailable).
    /// </summary>
    public void Overflow(MirrorMember away)
    {
        using (VirtualClock.EnterMonitor(_lock))
            _counts[away.Index] = _mi.Options.LogSize;
        Append(away, _mi.Root, DirtyKind.None, 0, 0, null);
    }

    /// <summary>Copy <paramref name="back"/> is in sync again: its log is removed from every copy.</summary>
    public void Finish(MirrorMember back)
    {
        using (VirtualClock.EnterMonitor(_lock))
        {
            _counts.Remove(back.Index);
            _written.RemoveWhere(w => w.Copy == back.Index);
            _rebuilt.Remove(back.Index);
            string file = FileName(_mi.Generations.Metas[back.Index].Copy);
            foreach (var c in _mi.Copies.Where(c => c.TakesUpdates))
                if (Vop.Lookup(c.Root, MirrorMeta.DirName, out var dir, LookupFlags.None, null, Cred.Kcred) == Errno.OK)
                {
                    var err = Vop.Remove(dir!, file, Cred.Kcred);
                    if (err == Errno.OK)
                        err = Vop.Fsync(dir!, FileFlags.FSYNC, Cred.Kcred);
                    dir!.Rele();
                    if (err is not (Errno.OK or Errno.ENOENT))
                        Report(c, err);
                }
        }
    }

    private Errno WithFile(MirrorMember on, MirrorMember away, bool truncate, Func<Vnode, long, Errno> op)
    {
        var err = Vop.Lookup(on.Root, MirrorMeta.DirName, out var dir, LookupFlags.None, null, Cred.Kcred);
        if (err != Errno.OK)
            return err;
        try
        {
            var va = new Vattr(AttrMask.AT_TYPE | AttrMask.AT_MODE) { Type = VType.VREG, Mode = 0x180 };
            if (truncate)
            {
                va.Mask |= AttrMask.AT_SIZE;
                va.Size = 0;
            }
            err = Vop.Create(dir!, FileName(_mi.Generations.Metas[away.Index].Copy), va, VcExcl.NONEXCL, AccessMode.VWRITE, out var vp, Cred.Kcred, FileFlags.None);
            if (err != Errno.OK)
                return err;
            try
            {
                var size = new Vattr(AttrMask.AT_SIZE);
                err = Vop.Getattr(vp!, size, AttrFlags.None, Cred.Kcred);
                return err != Errno.OK ? err : op(vp!, size.Size);
            }
            finally
            {
                vp!.Rele();
            }
        }
        finally
        {
            dir!.Rele();
        }
    }

    private void Report(MirrorMember c, Errno err)
    {
        if (err != Errno.OK)
            _mi.Vfs.Kernel.Log($"mfs {_mi.Vfs.MntPt}: copy {c.Name}: could not write its dirty log file: {err}");
    }

    /// <summary>The line of one record (FORMAT).</summary>
    internal static string Format(string path, DirtyKind kind, long offset, long length, string? name) =>
        Sealed($"{(int)kind} {offset} {length} {path.Length}:{path} {(name ?? "").Length}:{name}");

    /// <summary><paramref name="body"/> with its check and the newline that ends a record.</summary>
    private static string Sealed(string body) => $"{body} {Check(body):x8}\n";

    /// <summary>FNV-1a over the characters of <paramref name="body"/>.</summary>
    private static uint Check(ReadOnlySpan<char> body)
    {
        uint h = 2166136261;
        foreach (char ch in body)
            h = (h ^ ch) * 16777619;
        return h;
    }

    /// <summary>Reads copy <paramref name="root"/>'s log for copy <paramref name="away"/>: null when there is none.</summary>
    public static Errno Read(Vnode root, Guid away, out List<IntentRecord>? records) => Read(root, away, out records, out _);

    /// <summary>As Read; <paramref name="damaged"/> is true when the log holds more than it could read (Parse).</summary>
    public static Errno Read(Vnode root, Guid away, out List<IntentRecord>? records, out bool damaged)
    {
        records = null;
        damaged = false;
        var err = Vop.Lookup(root, MirrorMeta.DirName, out var dir, LookupFlags.None, null, Cred.Kcred);
        if (err != Errno.OK)
            return err == Errno.ENOENT ? Errno.OK : err;
        try
        {
            err = MirrorDataCopy.ReadFile(dir!, FileName(away), out var data);
            if (err != Errno.OK)
                return err == Errno.ENOENT ? Errno.OK : err;
            records = Parse(FsName.Decode(data), out damaged);
            return Errno.OK;
        }
        finally
        {
            dir!.Rele();
        }
    }

    /// <summary>How reading a record ended: read, cut short by the end of the text (a crash), or not a record (damage).</summary>
    private enum Got { Record, Short, Bad }

    /// <summary>
    /// The records of a log's text, up to the first one that does not read. <paramref name="damaged"/> is false when
    /// that is the end of the text, or a last record cut short by it; true when it is anything else.
    /// </summary>
    public static List<IntentRecord> Parse(string text, out bool damaged)
    {
        var list = new List<IntentRecord>();
        int i = 0;
        var got = Got.Record;
        while (i < text.Length && (got = Next(text, ref i, out var record)) == Got.Record)
            list.Add(record);
        damaged = got == Got.Bad;
        return list;
    }

    private static Got Next(string s, ref int i, out IntentRecord record)
    {
        record = default;
        int start = i;
        Got g;
        if ((g = Field(s, ref i, out var kind)) != Got.Record || (g = Field(s, ref i, out var off)) != Got.Record
            || (g = Field(s, ref i, out var len)) != Got.Record || (g = Counted(s, ref i, out var path)) != Got.Record
            || (g = Counted(s, ref i, out var name)) != Got.Record)
            return g;
        int body = i - 1; // the space before the check
        if (i + 9 > s.Length)
            return Got.Short;
        if (s[i + 8] != '\n' || !uint.TryParse(s.AsSpan(i, 8), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint check)
            || check != Check(s.AsSpan(start, body - start)))
            return Got.Bad;
        i += 9;
        if (kind == "overflow")
        {
            record = new IntentRecord(DirtyKind.None, 0, 0, "", null, true);
            return Got.Record;
        }
        if (!int.TryParse(kind, CultureInfo.InvariantCulture, out int k) || !long.TryParse(off, CultureInfo.InvariantCulture, out long o)
            || !long.TryParse(len, CultureInfo.InvariantCulture, out long l))
            return Got.Bad;
        record = new IntentRecord((DirtyKind)k, o, l, path, name.Length == 0 ? null : name, false);
        return Got.Record;
    }

    /// <summary>A field up to the next space: a number, or "overflow". Any other character is not a record, even cut short.</summary>
    private static Got Field(string s, ref int i, out string field)
    {
        field = "";
        int end = i;
        while (end < s.Length && (char.IsAsciiDigit(s[end]) || char.IsAsciiLetterLower(s[end]) || s[end] == '-'))
            end++;
        if (end == s.Length)
            return Got.Short;
        if (s[end] != ' ' || end == i)
            return Got.Bad;
        field = s[i..end];
        i = end + 1;
        return Got.Record;
    }

    /// <summary>A counted field "n:value" and the space after it.</summary>
    private static Got Counted(string s, ref int i, out string value)
    {
        value = "";
        int colon = i;
        while (colon < s.Length && char.IsAsciiDigit(s[colon]))
            colon++;
        if (colon == s.Length)
            return Got.Short;
        if (s[colon] != ':' || !int.TryParse(s.AsSpan(i, colon - i), CultureInfo.InvariantCulture, out int n))
            return Got.Bad;
        long space = (long)colon + 1 + n; // where the space after the value is; past the text: a record cut short (in
                                          // a long, so that a damaged length near int's end cannot wrap below it)
        if (space >= s.Length)
            return Got.Short;
        if (s[(int)space] != ' ')
            return Got.Bad;
        value = s.Substring(colon + 1, n);
        i = (int)space + 1;
        return Got.Record;
    }
}
