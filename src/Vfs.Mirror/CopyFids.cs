// Vfs.Mirror: one copy's record of its files made again -- the fid a file had in this copy when the mirror
// first knew it, and the fid of the file that is that file in this copy now -- so that a mirror fid, which is
// made of copies' fids (MirrorFid.cs), names its file for as long as the file lives, however often a resync
// makes it again in one copy (docs/mirror.md, "File handles").
//
// While the copy is away it keeps, in memory, the fids it gave for the files whose mnodes let go of them meanwhile,
// or that a rename moved (their paths no longer lead there), keyed by the files' fids in a copy in use: the next mnode
// of such a file finds its fid here (MirrorFid.LetGo, RememberBeforeMove), and the copy's resync finds the file's twin
// in the copy here (MirrorFid.AwayTwin: a name made for the file becomes a link to it, not a second file).
// Whether the copy is away or not, it also keeps, in memory and bounded, the fids it gave for the files whose mirror
// fid named it and left out a copy in use for room, keyed by the file's fid in that copy (RememberNamedAlone): while
// it is away -- failed, and not asked -- those handles are given again and found through the other copy (Finding 16).
// Twin and TwinThere ask both tables.
// It also keeps the copy's files made late: files, directories and links the mirror made in this copy after the
// others had them (a resync or lookup's repair copied them in). A mirror fid leaves such a copy out, since the
// handles given out before named the file by the others alone (docs/mirror.md, "File handles"). Each is kept with
// the fid the copy it was copied from first gave for the file, so that such a handle finds the file here without
// asking that copy, which may be the one that no longer answers (Finding 10), and names that copy while it is away.
//
// WHERE. ".mfs/fids/<hex of the first fid>" in the copy (MirrorMeta.cs: the .mfs directory the mirror hides),
// holding the bytes of the current fid. One record per file made again in this copy while an mnode knew its
// old file; a file made again twice keeps one record, rewritten (the fid in between is nobody's key). The files
// made late are ".mfs/fids/made-late", appended to: per file a length byte and its fid, then the index of the copy it
// was copied from, a length byte and the fid that copy first gave for it (length 0: not known), not fsynced (the
// resync's own fsyncs take it; one lost in a crash gives its file a second handle, the first still valid). Loaded
// whole at the mirror's first use of them after a mount, so the records survive the mirror's host and a remount.
// A copy written before the sources were kept has ".mfs/fids/late" instead, the fids alone; it is still read (its
// files' sources are not known) and never written.
//
// INVARIANT. Forward and Back are inverses: Forward[first] = now exactly when Back[now] = first; so are the late
// table's two ways, for the files whose source's fid is known: LateFor[(copy, there)] = here exactly when
// Late[here] = (copy, there); and so are the away and named-alone tables' ways: Away[(copy, there)] = here exactly
// when AwayIn[(here, copy)] = there, while AwayBack[here] holds one of those copies' (the last remembered). A record
// only ever maps a fid this copy gave the mirror for a file to the fid of the file the mirror made in its place for
// the same mnode, or a file made late to the file it was copied from; the file system's generation numbers keep a
// key from meeting another file on a reused inode.
//
// LOCK ORDER. _lock is a leaf: no vnode op is called while it is held (loading and writing the records happen
// outside it; two loads at once read the same records, and the second finds the table already loaded). _append
// is taken before the late file's own vnode locks and serialises its appends; nothing else is taken under it. Its
// holder writes a copy's file, maybe over NFS, so it may wait for time: it is taken by VirtualClock.EnterMonitor.
namespace UnixVfs.Mirror;

internal sealed class CopyFids
{
    public const string DirName = "fids";
    private const string LateName = "made-late";
    private const string FirstLateName = "late";   // the first format: each file's fid alone

    private readonly object _lock = new(), _append = new();
    private readonly Dictionary<Fid, Fid> _forward = new(), _back = new();
    private readonly Dictionary<Fid, (int Copy, Fid There)?> _late = new();
    private readonly Dictionary<(int Copy, Fid There), Fid> _lateFor = new();
    private readonly Dictionary<(int Copy, Fid Fid), Fid> _away = new();
    private readonly Dictionary<Fid, (int Copy, Fid Fid)> _awayBack = new();
    private readonly Dictionary<(Fid Here, int Copy), Fid> _awayIn = new();
    private readonly Dictionary<(int Copy, Fid Fid), Fid> _namedAlone = new();
    private readonly Dictionary<Fid, (int Copy, Fid Fid)> _namedAloneBack = new();
    private readonly Dictionary<(Fid Here, int Copy), Fid> _namedAloneIn = new();
    private readonly Queue<(int Copy, Fid Fid)> _namedAloneOrder = new();
    private bool _loaded;

    /// <summary>The fid of the file that is now, in this copy, the file a mirror fid named as <paramref name="first"/>; null when it was never made again.</summary>
    public Fid? Now(MirrorMember c, Fid first)
    {
        Load(c);
        lock (_lock)
            return _forward.GetValueOrDefault(first);
    }

    /// <summary>The fid this copy first gave for the file whose fid is <paramref name="now"/>: itself unless the file was made again.</summary>
    public Fid First(MirrorMember c, Fid now)
    {
        Load(c);
        lock (_lock)
            return _back.GetValueOrDefault(now) ?? now;
    }

    /// <summary>
    /// First without reading the records from the copy: as far as those already read say (before they are, the fid
    /// itself, which differs from First only for a file made again in this copy).
    /// </summary>
    public Fid FirstKnown(Fid now)
    {
        lock (_lock)
            return _back.GetValueOrDefault(now) ?? now;
    }

    /// <summary>
    /// While this copy is out of use, an mnode let go of its file here, which this copy first gave <paramref name="here"/>
    /// for and copy <paramref name="copy"/> (in use) <paramref name="there"/>: kept in memory until the copy leaves again.
    /// </summary>
    public void RememberAway(int copy, Fid there, Fid here)
    {
        lock (_lock)
        {
            _away[(copy, there)] = here;
            _awayBack[here] = (copy, there);
            _awayIn[(here, copy)] = there;
        }
    }

    /// <summary>The other way: a copy in use and the fid it first gave for the file this copy first gave <paramref name="here"/> for, or null.</summary>
    public (int Copy, Fid Fid)? AwayThere(Fid here)
    {
        lock (_lock)
            return _awayBack.TryGetValue(here, out var t) ? t : null;
    }

    /// <summary>What RememberAway kept for the file copy <paramref name="copy"/> first gave <paramref name="there"/> for, or null.</summary>
    public Fid? Away(int copy, Fid there)
    {
        lock (_lock)
            return _away.GetValueOrDefault((copy, there));
    }

    /// <summary>The copy leaves: what was remembered while it was away the last time is forgotten.</summary>
    public void Left()
    {
        lock (_lock)
        {
            _away.Clear();
            _awayBack.Clear();
            _awayIn.Clear();
        }
    }

    /// <summary>How many files NamedAlone keeps, at most; the oldest are forgotten first.</summary>
    public const int NamedAloneLimit = 65_536;

    /// <summary>
    /// A mirror fid named this copy's file <paramref name="here"/> and left out copy <paramref name="copy"/>, whose fid
    /// for it, <paramref name="there"/>, did not fit (Fig. 9: an NFS copy's handle beside a UFS fid): kept in memory,
    /// the newest NamedAloneLimit, also while this copy is away -- which is when they are needed. A later mnode of the
    /// file, made while this copy is away, names it by this copy's fid again (MirrorFid.AwayFid), and VFS_VGET finds the
    /// file of such a handle in the copy that was left out, without asking this one, which may not answer
    /// (docs/verification.md, Finding 16).
    /// </summary>
    public void RememberNamedAlone(int copy, Fid there, Fid here)
    {
        lock (_lock)
        {
            if (_namedAlone.TryGetValue((copy, there), out var known) && known.Equals(here))
                return;
            _namedAlone[(copy, there)] = here;
            _namedAloneBack[here] = (copy, there);
            _namedAloneIn[(here, copy)] = there;
            _namedAloneOrder.Enqueue((copy, there));
            while (_namedAloneOrder.Count > NamedAloneLimit && _namedAloneOrder.TryDequeue(out var oldest))
                if (_namedAlone.Remove(oldest, out var h))
                {
                    _namedAloneBack.Remove(h);
                    _namedAloneIn.Remove((h, oldest.Copy));
                }
        }
    }

    /// <summary>What RememberNamedAlone kept for the file copy <paramref name="copy"/> first gave <paramref name="there"/> for, or null.</summary>
    public Fid? NamedAlone(int copy, Fid there)
    {
        lock (_lock)
            return _namedAlone.GetValueOrDefault((copy, there));
    }

    /// <summary>The other way: the copy left out and its fid for the file this copy first gave <paramref name="here"/> for, or null.</summary>
    public (int Copy, Fid Fid)? NamedAloneThere(Fid here)
    {
        lock (_lock)
            return _namedAloneBack.TryGetValue(here, out var t) ? t : null;
    }

    /// <summary>
    /// This copy's fid for the file copy <paramref name="copy"/> first gave <paramref name="there"/> for, as far as the
    /// copy knows it without being asked: kept while it was away (RememberAway), or kept when a mirror fid named it alone
    /// (RememberNamedAlone); or null.
    /// </summary>
    public Fid? Twin(int copy, Fid there) => Away(copy, there) ?? NamedAlone(copy, there);

    /// <summary>The other way: a copy and the fid it first gave for the file this copy first gave <paramref name="here"/> for, or null.</summary>
    public (int Copy, Fid Fid)? TwinThere(Fid here) => AwayThere(here) ?? NamedAloneThere(here);

    /// <summary>
    /// TwinThere for copy <paramref name="copy"/> alone: the fid it first gave for the file this copy first gave
    /// <paramref name="here"/> for, or null. TwinThere gives one copy's; the file is remembered by every copy in use
    /// that had it, and a 3-way mirror's resync asks by its source (Fixed 89).
    /// </summary>
    public Fid? TwinThereIn(Fid here, int copy)
    {
        lock (_lock)
            return _awayIn.GetValueOrDefault((here, copy)) ?? _namedAloneIn.GetValueOrDefault((here, copy));
    }

    /// <summary>True when Twin may know anything.</summary>
    public bool AnyTwins
    {
        get
        {
            lock (_lock)
                return _away.Count > 0 || _namedAlone.Count > 0;
        }
    }

    /// <summary>True when the file this copy first gave <paramref name="first"/> for was made in it late (MadeLate).</summary>
    public bool IsLate(MirrorMember c, Fid first)
    {
        Load(c);
        lock (_lock)
            return _late.ContainsKey(first);
    }

    /// <summary>
    /// The fid of the file made late in this copy (MadeLate) for the file copy <paramref name="copy"/> first gave
    /// <paramref name="there"/> for, or null; also null while the records are not loaded (this copy's resync or a
    /// VOP_FID that asked it loads them): VFS_VGET asks a copy the handle does not name, and loading the records of one
    /// over NFS would make it wait for that copy, which may not answer (and on Fig. 10, where handles have room for one
    /// copy, it would send every mount's first handle's calls to the other copy).
    /// </summary>
    public Fid? LateFor(int copy, Fid there)
    {
        lock (_lock)
            return _lateFor.GetValueOrDefault((copy, there));
    }

    /// <summary>
    /// The other way: the copy the file this copy first gave <paramref name="here"/> for was copied from when it was made
    /// here late, and the fid that copy first gave for it; null when it was not made late or that is not known.
    /// </summary>
    public (int Copy, Fid There)? LateFrom(MirrorMember c, Fid here)
    {
        Load(c);
        lock (_lock)
            return _late.GetValueOrDefault(here);
    }

    /// <summary>
    /// The mirror made the file <paramref name="made"/> in this copy after the other copies had it, copying it from the
    /// file copy <paramref name="from"/> first gave <paramref name="there"/> for (null: not known): records it (in the
    /// table and appended to the late file), so that a mirror fid goes on naming the file by the others, and a fid naming
    /// it by the source finds it here.
    /// </summary>
    public Errno MadeLate(MirrorMember c, Fid made, int from, Fid? there)
    {
        Load(c);
        lock (_lock)
        {
            if (!_late.TryAdd(made, there is null ? null : (from, there)))
                return Errno.OK;
            if (there is not null)
                _lateFor[(from, there)] = made;
        }
        var rec = new byte[1 + made.Length + 2 + (there?.Length ?? 0)];
        rec[0] = (byte)made.Length;
        made.Data.CopyTo(rec.AsSpan(1));
        rec[1 + made.Length] = (byte)from;
        rec[2 + made.Length] = (byte)(there?.Length ?? 0);
        there?.Data.CopyTo(rec.AsSpan(3 + made.Length));
        return WithRecord(c, LateName, vp =>
        {
            using (VirtualClock.EnterMonitor(_append))
                return Vop.Write(vp, new Uio(rec, 0, UioRw.UIO_WRITE), FileFlags.FAPPEND, Cred.Kcred);
        });
    }

    /// <summary>
    /// The file this copy held as <paramref name="old"/> was made again as <paramref name="now"/> (the same mnode's
    /// file): records it in the table and in the copy, fsynced.
    /// </summary>
    public Errno Remade(MirrorMember c, Fid old, Fid now)
    {
        Load(c);
        Fid first;
        lock (_lock)
        {
            first = _back.Remove(old, out var f) ? f : old;
            if (first.Equals(now))
            {
                _forward.Remove(first);
                return Errno.OK; // back to the first file: nothing to forward
            }
            _forward[first] = now;
            _back[now] = first;
        }
        var buf = now.Data.ToArray();
        return WithRecord(c, Convert.ToHexStringLower(first.Data), vp =>
        {
            Errno err;
            if ((err = Vop.Setattr(vp, new Vattr(AttrMask.AT_SIZE) { Size = 0 }, AttrFlags.None, Cred.Kcred)) != Errno.OK
                || (err = Vop.Write(vp, new Uio(buf, 0, UioRw.UIO_WRITE), FileFlags.None, Cred.Kcred)) != Errno.OK)
                return err;
            return Vop.Fsync(vp, FileFlags.FSYNC, Cred.Kcred);
        });
    }

    /// <summary>Runs <paramref name="write"/> on the record file <paramref name="name"/> of the copy's fids directory, made (0600) if missing.</summary>
    private static Errno WithRecord(MirrorMember c, string name, Func<Vnode, Errno> write)
    {
        var err = MirrorSumFile.MetaDir(c.Root, DirName, create: true, out var dir);
        if (err != Errno.OK)
            return err;
        try
        {
            var va = new Vattr(AttrMask.AT_TYPE | AttrMask.AT_MODE) { Type = VType.VREG, Mode = 0x180 };
            if ((err = Vop.Create(dir!, name, va, VcExcl.NONEXCL, AccessMode.VWRITE, out var vp, Cred.Kcred, FileFlags.None)) != Errno.OK)
                return err;
            try
            {
                return write(vp!);
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

    /// <summary>Reads the copy's records once, while the copy takes updates (a copy away is read when it is back).</summary>
    private void Load(MirrorMember c)
    {
        lock (_lock)
            if (_loaded)
                return;
        if (!c.TakesUpdates)
            return;
        var err = MirrorSumFile.MetaDir(c.Root, DirName, create: false, out var dir);
        var found = new List<(Fid First, Fid Now)>();
        var late = new List<(Fid Here, int From, Fid? There)>();
        if (err == Errno.OK)
        {
            try
            {
                if ((err = MirrorDataCopy.ReadDir(dir!, out var entries)) == Errno.OK)
                    foreach (var d in entries)
                        if (d.Name == LateName)
                            err = ReadLate(dir!, late);
                        else if (d.Name == FirstLateName)
                            err = ReadFirstLate(dir!, late);
                        else if (ReadRecord(dir!, d.Name, out var rec))
                            found.Add(rec);
            }
            finally
            {
                dir!.Rele();
            }
        }
        if (err != Errno.OK && err != Errno.ENOENT)
            return; // not readable now: asked again at the next use
        lock (_lock)
        {
            if (_loaded)
                return;
            foreach (var (first, now) in found)
                if (!_forward.ContainsKey(first))
                {
                    _forward[first] = now;
                    _back[now] = first;
                }
            foreach (var (here, from, there) in late)
                if (_late.TryAdd(here, there is null ? null : (from, there)) && there is not null)
                    _lateFor[(from, there)] = here;
            _loaded = true;
        }
    }

    /// <summary>
    /// The late file's records (the file's fid, the copy it came from and that copy's fid for it, each fid after its
    /// length byte); a torn last record (a crash while appending) is left out.
    /// </summary>
    private static Errno ReadLate(Vnode dir, List<(Fid Here, int From, Fid? There)> late)
    {
        var err = MirrorDataCopy.ReadFile(dir, LateName, out var data);
        for (int pos = 0; pos < data.Length;)
        {
            int n = data[pos], at = pos + 1 + n; // at: the source copy's index, then its fid's length byte
            if (n is 0 or > Fid.MaxFidSize || at + 2 > data.Length || data[at + 1] > Fid.MaxFidSize || at + 2 + data[at + 1] > data.Length)
                break;
            int m = data[at + 1];
            late.Add((new Fid(data.AsSpan(pos + 1, n)), data[at], m == 0 ? null : new Fid(data.AsSpan(at + 2, m))));
            pos = at + 2 + m;
        }
        return err;
    }

    /// <summary>The first format's late file: each file's fid after its length byte, the source not known.</summary>
    private static Errno ReadFirstLate(Vnode dir, List<(Fid Here, int From, Fid? There)> late)
    {
        var err = MirrorDataCopy.ReadFile(dir, FirstLateName, out var data);
        for (int pos = 0; pos < data.Length && data[pos] is > 0 and <= Fid.MaxFidSize && pos + 1 + data[pos] <= data.Length; pos += 1 + data[pos])
            late.Add((new Fid(data.AsSpan(pos + 1, data[pos])), 0, null));
        return err;
    }

    /// <summary>One record: its name is the hex of the first fid, its bytes the current fid. False for anything else.</summary>
    private static bool ReadRecord(Vnode dir, string name, out (Fid First, Fid Now) rec)
    {
        rec = default;
        Span<byte> first = stackalloc byte[Fid.MaxFidSize];
        if (name.Length == 0 || name.Length > 2 * Fid.MaxFidSize
            || Convert.FromHexString(name, first, out _, out int len) != System.Buffers.OperationStatus.Done
            || Vop.Lookup(dir, name, out var vp, LookupFlags.None, null, Cred.Kcred) != Errno.OK)
            return false;
        try
        {
            var buf = new byte[Fid.MaxFidSize + 1];
            var uio = new Uio(buf, 0, UioRw.UIO_READ);
            if (Vop.Read(vp!, uio, FileFlags.None, Cred.Kcred) != Errno.OK)
                return false;
            long n = buf.Length - uio.Resid;
            if (n == 0 || n > Fid.MaxFidSize)
                return false;
            rec = (new Fid(first[..len]), new Fid(buf.AsSpan(0, (int)n)));
            return true;
        }
        finally
        {
            vp!.Rele();
        }
    }
}
