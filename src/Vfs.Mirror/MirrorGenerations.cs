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
// LOCK ORDER: _lock is a leaf. It is taken after MfsVfs's state lock has been let go (the callers change
// a copy's state first, then tell this class), and no VOP is called while holding it: the records are
// computed under it and written after.
namespace UnixVfs.Mirror;

internal sealed class MirrorGenerations
{
    private readonly object _lock = new();
    private readonly Random _rng;
    private readonly MirrorMeta[] _metas;

    private MirrorGenerations(Random rng, MirrorMeta[] metas)
    {
        _rng = rng;
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
        var rng = new Random(Seed(k, paths));
        var known = found.Select((m, i) => (m, i)).Where(x => x.m is not null).ToArray();
        var mirror = known.Length > 0 ? known[0].m!.Mirror : NewId(rng);
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
            metas[i] = own ?? new MirrorMeta { Mirror = mirror, Copy = NewId(rng) };
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
            Array.Fill(behind, -1); // each went on without the other: no copy is the one to follow; merge them
        ulong current = NewGeneration(rng);
        var members = metas.Select(m => m.Copy).ToArray();
        bool anyBehind = behind.Any(b => b >= 0);
        for (int i = 0; i < metas.Length; i++)
            if (behind[i] < 0)
                metas[i] = metas[i].NextGeneration(current, anyBehind ? metas[i].Bitmap : 0) with { Members = members, Clean = false };
        gens = new MirrorGenerations(rng, metas) { Behind = behind };
        return Errno.OK;
    }

    /// <summary>Writes the record of every copy in use (mount).</summary>
    public void WriteAll(MfsVfs mi) => WriteTo(mi, mi.Copies.Where(c => c.TakesUpdates));

    /// <summary>Copy <paramref name="gone"/> left: the copies that go on take a new generation, remembering the old one as the bitmap.</summary>
    public void Left(MfsVfs mi, MirrorMember gone)
    {
        var goingOn = mi.Copies.Where(c => c.TakesUpdates).ToArray();
        lock (_lock)
        {
            ulong next = NewGeneration(_rng);
            foreach (var c in goingOn)
            {
                var m = _metas[c.Index];
                _metas[c.Index] = m.NextGeneration(next, m.Bitmap != 0 ? m.Bitmap : m.Current);
            }
        }
        WriteTo(mi, goingOn);
    }

    /// <summary>Copy <paramref name="back"/> finished its resync: it takes the others' generation; with no copy away, the bitmap is cleared.</summary>
    public void Joined(MfsVfs mi, MirrorMember back)
    {
        var inUse = mi.Copies.Where(c => c.TakesUpdates).ToArray();
        bool allBack = inUse.Length == mi.Copies.Count;
        lock (_lock)
        {
            var source = inUse.FirstOrDefault(c => c.Index != back.Index) ?? back;
            var s = _metas[source.Index];
            _metas[back.Index] = _metas[back.Index] with { Current = s.Current, History = s.History, Bitmap = allBack ? 0 : s.Bitmap };
            if (allBack)
                foreach (var c in inUse)
                    _metas[c.Index] = _metas[c.Index] with { Bitmap = 0 };
        }
        WriteTo(mi, inUse);
    }

    /// <summary>A clean unmount: every copy in use is marked clean.</summary>
    public void Close(MfsVfs mi)
    {
        var inUse = mi.Copies.Where(c => c.TakesUpdates).ToArray();
        lock (_lock)
            foreach (var c in inUse)
                _metas[c.Index] = _metas[c.Index] with { Clean = true };
        WriteTo(mi, inUse);
    }

    private void WriteTo(MfsVfs mi, IEnumerable<MirrorMember> copies)
    {
        foreach (var c in copies)
        {
            MirrorMeta m;
            lock (_lock)
                m = _metas[c.Index];
            var err = m.Write(c.Root);
            if (err != Errno.OK)
                mi.Announce(c, $"could not write {MirrorMeta.DirName}/{MirrorMeta.FileName}: {err}");
        }
    }

    private static Guid NewId(Random rng)
    {
        Span<byte> b = stackalloc byte[16];
        rng.NextBytes(b);
        b[7] = (byte)((b[7] & 0x0F) | 0x40); // version 4 (random), as RFC 9562 lays it out in .NET's byte order
        b[8] = (byte)((b[8] & 0x3F) | 0x80); // the RFC's variant
        return new Guid(b);
    }

    private static ulong NewGeneration(Random rng) => (ulong)rng.NextInt64() | 1; // never 0, which means "none"

    /// <summary>A seed from the host, the copies and the kernel's clock (virtual in a simulation): FNV-1a, stable across runs.</summary>
    private static int Seed(Kernel k, string[] paths)
    {
        ulong h = 14695981039346656037;
        foreach (char ch in $"{k.Hostname}|{string.Join(',', paths)}|{k.Clock.GetUtcNow().UtcTicks}")
            h = (h ^ ch) * 1099511628211;
        return (int)(h ^ (h >> 32));
    }
}
