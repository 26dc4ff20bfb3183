// Vfs.Mirror: the mirror's identity and its copies' generations while mounted (beyond the patent; the record's
// format and the generation rules are in MirrorMeta.cs).
//
// At mount, Establish reads every copy's record and refuses (unless -o force) two directories that belong to
// different mirrors, or a copy whose record names a mirror the others do not. A copy without a record is new
// to the mirror and joins it. A copy whose current generation is another copy's bitmap is BEHIND it: it left
// while that copy went on, and the mirroring host went down before its resync. Such a mount does no merge by
// timestamps (which would bring back what was removed meanwhile); the copy behind starts out unavailable, with
// the dirty log the copy ahead kept for it (MirrorIntentLog.cs), and `mfsadm online` replays just that. Otherwise
// the merge makes every copy hold the same data, and they all take one new current generation, marked dirty. From then on the mirror calls Left when a copy goes away, Joined when a
// resync brings one back, and Close at a clean unmount; each rewrites the records of the copies that take
// updates (a copy that is away cannot be written, and keeps the generation it left with).
//
// OTHER HOSTS' MIRRORS of the same copies (Fig. 7) write these records too. Each record lists the hosts whose mirror
// has the copy mounted (MirrorMeta's holders): a mount adds this host, a clean unmount takes it out, and every write
// of a record starts from the holders the copy lists, read just before (Establish, Reread), so the other hosts'
// entries stay. A mount that finds another host listed learns which copy that host's mirror takes for its truth
// (Follow): a role=master mount merges one way from that copy rather than from its own first, because the other
// mirror may be live and may have written its truth further than this host's disk holds (its client still holding
// the writes for this host's disk, or this host having lost power); the copies that host's mirror writes are left as
// they are (docs/verification.md, Fixed 56).
//
// LOCK ORDER: _lock is a leaf. It is taken after MfsVfs's state lock has been let go (the callers change
// a copy's state first, then tell this class), and no VOP is called while holding it: the records are
// computed under it and written after.
namespace UnixVfs.Mirror;

internal sealed class MirrorGenerations
{
    private readonly object _lock = new();
    private readonly Kernel _k;
    private readonly MirrorMeta[] _metas;
    private bool _holding = true; // this host is among the records' holders: from the mount to a clean unmount (_lock)

    private MirrorGenerations(Kernel k, MirrorMeta[] metas)
    {
        _k = k;
        _metas = metas;
    }

    /// <summary>The record each copy holds (or will hold once written), by copy index.</summary>
    public IReadOnlyList<MirrorMeta> Metas
    {
        get { lock (_lock) return _metas.ToArray(); }
    }

    /// <summary>The mirror's identity.</summary>
    public Guid Mirror => _metas[0].Mirror;

    /// <summary>By copy index: the index of a copy this one is behind (it left while that one went on), or -1.</summary>
    public int[] Behind { get; private init; } = [];

    /// <summary>True when some copy is behind another: the mount replays logs instead of merging.</summary>
    public bool AnyBehind => Behind.Any(b => b >= 0);

    /// <summary>
    /// When every copy had a record with a synced time: the last time they were all known identical (MirrorHistory.cs)
    /// -- for a copy that went on while another left, the time that one left (a copy behind it agreed with it until
    /// then); otherwise its synced time; the earliest of these. Null for copies with no shared history: they are merged
    /// by the patent's timestamps.
    /// </summary>
    public Timespec? Synced { get; private init; }

    /// <summary>Every copy was in use when the mirroring host went down: the same generation, none marked clean.</summary>
    public bool Crashed { get; private init; }

    /// <summary>
    /// The copies not behind were in use together when the mirroring host went down: the same generation, none marked
    /// clean (Crashed, when no copy is behind).
    /// </summary>
    public bool CrashedInUse { get; private init; }

    /// <summary>
    /// The index of the copy that another host's mirror of these copies takes for its truth (the first such host the
    /// records list), or -1 when no other host holds them.
    /// </summary>
    public int Follow { get; private init; } = -1;

    /// <summary>The host whose mirror Follow names the truth of, or null.</summary>
    public string? FollowHost { get; private init; }

    /// <summary>
    /// Reads the copies' records and decides the mirror's identity. EINVAL with a one-line reason when the copies
    /// belong to different mirrors or a record cannot be read, unless <paramref name="force"/>: then the first
    /// copy's mirror identity wins and the others are taken into it.
    /// </summary>
    public static Errno Establish(Kernel k, string[] paths, Vnode[] roots, bool force, out MirrorGenerations? gens, out string reason)
    {
        gens = null;
        reason = "";
        var found = new MirrorMeta?[roots.Length];
        for (int i = 0; i < roots.Length; i++)
        {
            var err = MirrorMeta.Read(roots[i], out found[i], out var why);
            if (err == Errno.EINVAL && !force)
            {
                reason = $"{paths[i]}: {MirrorMeta.DirName}/{MirrorMeta.FileName}: {why}; nothing was mounted (-o force mounts it anyway)";
                return err;
            }
            if (err != Errno.OK && err != Errno.EINVAL)
            {
                reason = $"{paths[i]}: cannot read {MirrorMeta.DirName}/{MirrorMeta.FileName}: {err.Message()} ({err}); nothing was mounted";
                return err;
            }
        }
        var known = found.Select((m, i) => (m, i)).Where(x => x.m is not null).ToArray();
        var mirror = known.Length > 0 ? known[0].m!.Mirror : NewId(k);
        foreach (var (m, i) in known)
            if (m!.Mirror != mirror && !force)
            {
                reason = $"{paths[known[0].i]} belongs to mirror {mirror} and {paths[i]} to mirror {m.Mirror}: "
                    + "these are copies of different mirrors (-o force makes them one)";
                return Errno.EINVAL;
            }
        var metas = new MirrorMeta[roots.Length];
        for (int i = 0; i < roots.Length; i++)
        {
            var own = found[i] is { } m && m.Mirror == mirror ? m : null;
            metas[i] = own ?? new MirrorMeta { Mirror = mirror, Copy = NewId(k) };
        }
        var behind = new int[metas.Length];
        for (int i = 0; i < metas.Length; i++)
        {
            behind[i] = -1;
            for (int j = 0; j < metas.Length && found[i] is not null; j++)
                if (j != i && found[j] is { } ahead && ahead.Mirror == mirror && found[i]!.Current != 0
                    && ahead.Bitmap == found[i]!.Current && ahead.Current != found[i]!.Current)
                    behind[i] = j;
        }
        if (behind.All(b => b >= 0))
            Array.Fill(behind, -1); // each went on without the other: no copy is the one to follow; compare them
        Timespec? synced = null;
        if (found.All(m => m?.Synced is not null && m.Mirror == mirror))
            synced = found.Where((_, i) => behind[i] < 0).Min(m => m!.Bitmap != 0 && m.Left is { } left ? left : m.Synced!.Value);
        bool crashed = found.All(m => m is not null && !m.Clean && m.Current == found[0]!.Current);
        var inUse = found.Where((_, i) => behind[i] < 0).ToArray();
        bool crashedInUse = found.All(m => m is not null) && inUse.All(m => !m!.Clean && m.Current == inUse[0]!.Current);
        var other = found.Where(m => m?.Mirror == mirror).SelectMany(m => m!.Holders)
            .Where(h => h.Host != k.Hostname && metas.Any(m => m.Copy == h.Truth)).Select(h => (MirrorHolder?)h).FirstOrDefault();
        int follow = other is { } o ? Array.FindIndex(metas, m => m.Copy == o.Truth) : -1;
        var me = new MirrorHolder(k.Hostname, metas[0].Copy);
        for (int i = 0; i < metas.Length; i++)
            metas[i] = metas[i].WithHolder(k.Hostname, me);
        ulong current = NewGeneration(k);
        var members = metas.Select(m => m.Copy).ToArray();
        bool anyBehind = behind.Any(b => b >= 0);
        for (int i = 0; i < metas.Length; i++)
            if (behind[i] < 0)
                metas[i] = metas[i].NextGeneration(current, anyBehind ? metas[i].Bitmap : 0) with
                {
                    Members = members,
                    Clean = false,
                    Left = anyBehind ? metas[i].Left : null,
                };
        gens = new MirrorGenerations(k, metas) { Behind = behind, Synced = synced, Crashed = crashed, CrashedInUse = crashedInUse, Follow = follow, FollowHost = other?.Host };
        return Errno.OK;
    }

    /// <summary>
    /// Writes the record of every copy in use (mount). With no copy behind, the merge has made them identical:
    /// that is their synced time.
    /// </summary>
    public void WriteAll(MfsVfs mi)
    {
        if (!AnyBehind)
            lock (_lock)
                for (int i = 0; i < _metas.Length; i++)
                    _metas[i] = _metas[i] with { Synced = _k.Newest() };
        WriteTo(mi, mi.Copies.Where(c => c.TakesUpdates));
    }

    /// <summary>
    /// The mount compared the copies by their history and made them identical (MirrorSplitBrain.cs): none is behind
    /// any more, and they all take one new generation.
    /// </summary>
    public void AllInSync()
    {
        ulong current = NewGeneration(_k);
        lock (_lock)
            for (int i = 0; i < _metas.Length; i++)
                _metas[i] = _metas[i].NextGeneration(current, 0) with { Left = null, Members = _metas.Select(m => m.Copy).ToArray(), Clean = false };
        Array.Fill(Behind, -1);
    }

    /// <summary>Copy <paramref name="gone"/> left: the copies that go on take a new generation, remembering the old one as the bitmap.</summary>
    public void Left(MfsVfs mi, MirrorMember gone)
    {
        var goingOn = mi.Copies.Where(c => c.TakesUpdates).ToArray();
        Reread(goingOn);
        lock (_lock)
        {
            ulong next = NewGeneration(_k);
            foreach (var c in goingOn)
            {
                var m = _metas[c.Index];
                _metas[c.Index] = m.NextGeneration(next, m.Bitmap != 0 ? m.Bitmap : m.Current) with { Left = m.Bitmap != 0 ? m.Left : _k.Newest() };
            }
        }
        WriteTo(mi, goingOn);
    }

    /// <summary>Copy <paramref name="back"/> finished its resync: it takes the others' generation; with no copy away, the bitmap is cleared.</summary>
    public void Joined(MfsVfs mi, MirrorMember back)
    {
        var inUse = mi.Copies.Where(c => c.TakesUpdates).ToArray();
        bool allBack = inUse.Length == mi.Copies.Count;
        Reread(inUse);
        lock (_lock)
        {
            var source = inUse.FirstOrDefault(c => c.Index != back.Index) ?? back;
            var s = _metas[source.Index];
            _metas[back.Index] = _metas[back.Index] with { Current = s.Current, History = s.History, Bitmap = allBack ? 0 : s.Bitmap };
            if (allBack)
                foreach (var c in inUse)
                    _metas[c.Index] = _metas[c.Index] with { Bitmap = 0, Synced = _k.Newest(), Left = null };
        }
        WriteTo(mi, inUse);
    }

    /// <summary>
    /// Takes the records <paramref name="copies"/> hold now (where readable and this mirror's), which a change of
    /// generations starts from. Another host's mirror of the same copies (Fig. 7: each master mirrors its disk with the
    /// other's) rewrites them too -- its mount gives them a generation of its own -- so a record this mount wrote last
    /// may not be the one on the copy; a bitmap taken from it would name a generation the copy away never held, and after
    /// a crash of this host no copy would be found behind (docs/verification.md, Fixed 53). With
    /// <paramref name="holdersOnly"/> (a clean unmount) only their holders are taken, so that another host's mirror that
    /// mounted them since stays listed, and the rest is this mirror's view. Called without _lock (the reads are VOPs).
    /// </summary>
    private void Reread(MirrorMember[] copies, bool holdersOnly = false)
    {
        foreach (var c in copies)
        {
            if (MirrorMeta.Read(c.Root, out var m, out _) != Errno.OK || m is null || m.Mirror != Mirror)
                continue;
            lock (_lock)
                if (m.Copy == _metas[c.Index].Copy)
                    _metas[c.Index] = holdersOnly ? _metas[c.Index] with { Holders = m.Holders } : m;
        }
    }

    /// <summary>A clean unmount: every copy in use is marked clean.</summary>
    public void Close(MfsVfs mi)
    {
        var inUse = mi.Copies.Where(c => c.TakesUpdates).ToArray();
        Reread(inUse, holdersOnly: true);
        lock (_lock)
        {
            _holding = false;
            foreach (var c in inUse)
                _metas[c.Index] = _metas[c.Index] with { Clean = true, Synced = inUse.Length == mi.Copies.Count ? _k.Newest() : _metas[c.Index].Synced };
        }
        WriteTo(mi, inUse);
    }

    /// <summary>
    /// Writes the records of <paramref name="copies"/>, with this host in their holders or, after a clean unmount, out of
    /// them. The other hosts' entries are those the copies listed when last read (Establish, Reread).
    /// </summary>
    private void WriteTo(MfsVfs mi, IEnumerable<MirrorMember> copies)
    {
        foreach (var c in copies)
        {
            MirrorMeta m;
            lock (_lock)
                m = _metas[c.Index] = _metas[c.Index].WithHolder(_k.Hostname, _holding ? new MirrorHolder(_k.Hostname, _metas[0].Copy) : null);
            var before = _k.ReadClock(); // not a write's pinned time
            var err = m.Write(c.Root, out var stamped);
            if (err != Errno.OK)
                mi.Announce(c, $"could not write {MirrorMeta.DirName}/{MirrorMeta.FileName}: {err}");
            else
                c.Clock.Measured(stamped, before);
        }
    }

    private static Guid NewId(Kernel k)
    {
        Span<byte> b = stackalloc byte[16];
        BitConverter.TryWriteBytes(b, k.Random64());
        BitConverter.TryWriteBytes(b[8..], k.Random64());
        b[7] = (byte)((b[7] & 0x0F) | 0x40); // version 4 (random), as RFC 9562 lays it out in .NET's byte order
        b[8] = (byte)((b[8] & 0x3F) | 0x80); // the RFC's variant
        return new Guid(b);
    }

    private static ulong NewGeneration(Kernel k) => (ulong)k.Random64() | 1; // never 0, which means "none"
}
