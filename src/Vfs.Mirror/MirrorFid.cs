// Vfs.Mirror: file identifiers for mirror files (VOP_FID, VFS_VGET), so that a mirror can be exported
// over NFS (patent B.8, Figs. 7, 9, 10) with handles that survive the server host restarting, and any copy
// going out of use or becoming primary.
//
// A mirror fid carries the fid of the file in as many copies as fit in the caller's space (an NFS server
// keeps some of a 64-byte handle for itself) -- [0x4D][n] then, per copy, [index][length][bytes] -- in copy
// order, never primary first: which copy is primary changes, and the fid must not change with it (a client's
// handle of the exported root went stale when the primary went offline). A copy out of use is listed when the
// mnode still knows its vnode. A file made while a copy was away is named by the others only, also once the copy
// has it back: the copy records the file the mirror made in it late (CopyFids.MadeLate), and the fid leaves it out,
// so that the file keeps the handle the clients hold (an NFS client keeps one vnode per handle).
//
// VFS_VGET asks each listed copy that takes updates for its vnode and wraps them in the file's mnode
// (MnodeHash.MakeMnode finds the existing one if the file is in use). A copy in use that the fid leaves out because
// it got the file late finds its file by the listed copy's fid, which its record of the file keeps (so the file is
// reached while the listed copy does not answer: Finding 10). A copy that did not fit is found later by
// MirrorSubr.Resolve, which locates the file by its identity in a copy that did. When no listed copy takes updates
// (the handle names only copies now offline), a listed copy still identifies the file: the copy left out for room,
// when the listed one failed and remembered the file by it (CopyFids.RememberNamedAlone: a failed copy is not asked,
// since its answers may reflect an operation it half did; Finding 16), or else its path in the listed copy, looked up
// through the mirror (MirrorLocate.Lookup). A handle naming a failed copy alone is given again by the same record.
namespace UnixVfs.Mirror;

internal static class MirrorFid
{
    private const byte Magic = 0x4D;

    public static Errno MfsFid(Vnode vp, int maxlen, out Fid? fid, CallerContext? ct)
    {
        fid = null;
        var m = MirrorSubr.Mn(vp);
        var mi = m.Mfs;
        maxlen = Math.Min(maxlen, Fid.MaxFidSize);
        if (maxlen < 4)
            return Errno.ENOSPC;
        Span<byte> buf = stackalloc byte[Fid.MaxFidSize];
        buf[0] = Magic;
        int len = 2, n = 0;
        for (int pass = 0; pass < 2 && n == 0; pass++) // the copies made late too when nothing else names the file
        {
            foreach (var c in mi.Copies)
            {
                if (maxlen - len - 2 <= 0 || FirstFid(m, c, maxlen - len - 2, ct) is not { } lf
                    || lf.Length > maxlen - len - 2 || pass == 0 && c.Fids.IsLate(c, lf))
                    continue;
                buf[len] = (byte)c.Index;
                buf[len + 1] = (byte)lf!.Length;
                lf.Data.CopyTo(buf[(len + 2)..]);
                len += 2 + lf.Length;
                n++;
            }
        }
        if (n == 0)
            return Errno.ENOSPC;
        buf[1] = (byte)n;
        fid = new Fid(buf[..len]);
        if (n < mi.Copies.Count)
            RememberNamedAlone(m, fid, ct);
        return Errno.OK;
    }

    /// <summary>
    /// Fid <paramref name="fid"/> of <paramref name="m"/> leaves out copies in use whose fids did not fit: each copy it
    /// names remembers its fid for the file by theirs (CopyFids.RememberNamedAlone), so that while it is away a later
    /// mnode of the file is given this fid again, and the handle is found in them. Only what the mnode knows of a copy
    /// left out is used, and nothing is read from it (FirstKnown): a LOOKUP's reply must not wait for a copy it does not
    /// name, whose host may be down.
    /// </summary>
    private static void RememberNamedAlone(Mnode m, Fid fid, CallerContext? ct)
    {
        var mi = m.Mfs;
        var named = new Fid?[mi.Copies.Count];
        var d = fid.Data;
        for (int k = 0, pos = 2; k < d[1]; k++, pos += 2 + d[pos + 1])
            named[d[pos]] = new Fid(d.Slice(pos + 2, d[pos + 1]));
        foreach (var left in mi.Copies)
        {
            if (named[left.Index] is not null || !left.TakesUpdates || Volatile.Read(ref m.Copies[left.Index]) is not { } lv
                || Vop.Fid(lv, Fid.MaxFidSize, out var now, ct) != Errno.OK)
                continue;
            var there = left.Fids.FirstKnown(now!);
            foreach (var c in mi.Copies)
                if (named[c.Index] is { } here)
                    c.Fids.RememberNamedAlone(left.Index, there, here);
        }
    }

    /// <summary>
    /// The mirror made <paramref name="made"/> in copy <paramref name="c"/> after the other copies had it (a resync, or
    /// lookup's repair, copied it in from <paramref name="source"/>, the file in copy <paramref name="from"/>): the copy
    /// records it with the fid the source's copy first gave for the file, and the file's fid goes on leaving that copy
    /// out. A handle naming the file by the source's copy alone finds it in c by that record (Vget), with no word from
    /// the source's copy, which may be the one that no longer answers (Finding 10).
    /// </summary>
    internal static void MadeLate(MirrorMember c, Vnode made, MirrorMember from, Vnode source)
    {
        var err = Vop.Fid(made, Fid.MaxFidSize, out var fid);
        Fid? there = Vop.Fid(source, Fid.MaxFidSize, out var sf) == Errno.OK ? from.Fids.First(from, sf!) : null;
        if (err == Errno.OK)
            err = c.Fids.MadeLate(c, fid!, from.Index, there);
        if (err != Errno.OK)
            c.Mirror.Announce(c, $"a file made in this copy late, and its record not kept ({err}): it may get a second handle");
    }

    /// <summary>
    /// The fid copy <paramref name="c"/> first gave for <paramref name="m"/>'s file (a file made again in it is named by
    /// the fid it had first), or null: its vnode looked up in a copy that takes updates, the one known in another, else
    /// what the copy gave for it before an mnode of the file let go of it while the copy was away (RememberAway).
    /// </summary>
    private static Fid? FirstFid(Mnode m, MirrorMember c, int room, CallerContext? ct)
    {
        Vnode? lv;
        if (c.TakesUpdates)
        {
            if (MirrorSubr.Resolve(m, c, out lv) != Errno.OK)
                return null;
        }
        else
        {
            using (m.Lock.Enter())
                lv = m.Copies[c.Index];
            if (lv is null)
                return AwayFid(m, c, ct);
        }
        return Vop.Fid(lv!, room, out var now, ct) == Errno.OK ? c.Fids.First(c, now!) : null;
    }

    /// <summary>
    /// The fid copy <paramref name="away"/> (out of use) gave for <paramref name="m"/>'s file, which the mnode does not
    /// know there: remembered when an earlier mnode of the file let go of it, or by a copy in use that got the file late
    /// from it (MadeLate), or else the file at the same path in the copy when its log says that no name on the way
    /// changed since the copy left (the file the copy had then). Only a copy taken offline for maintenance is asked: one
    /// that failed may not answer, and a handle must not wait for it.
    /// </summary>
    private static Fid? AwayFid(Mnode m, MirrorMember away, CallerContext? ct)
    {
        foreach (var k in m.Mfs.UpdateCopies())
        {
            if (MirrorSubr.Resolve(m, k, out var kv) != Errno.OK || Vop.Fid(kv!, Fid.MaxFidSize, out var there, ct) != Errno.OK)
                continue;
            var first = k.Fids.First(k, there!);
            if (away.Fids.Twin(k.Index, first) is { } fid)
                return fid;
            if (k.Fids.LateFrom(k, first) is var (from, made) && from == away.Index)
                return made;
        }
        if (away.Reason != MirrorIoctl.Maintenance || UnchangedPath(m, away) is not { } names)
            return null;
        var lv = away.Root;
        lv.Hold();
        foreach (var name in names)
        {
            var err = Vop.Lookup(lv, name, out var next, LookupFlags.None, null, Cred.Kcred, ct);
            lv.Rele();
            if (err != Errno.OK)
                return null;
            lv = next!;
        }
        try
        {
            return lv.Type == m.Vnode.Type && Vop.Fid(lv, Fid.MaxFidSize, out var fid, ct) == Errno.OK ? away.Fids.First(away, fid!) : null;
        }
        finally
        {
            lv.Rele();
        }
    }

    /// <summary>
    /// The names from the mirror's root down to <paramref name="m"/>, when copy <paramref name="away"/>'s log says none
    /// of them changed since it left; else null. An mnode on the way made from a handle alone (no parent) is given its
    /// place first (MirrorLocate.Locate).
    /// </summary>
    private static List<string>? UnchangedPath(Mnode m, MirrorMember away)
    {
        var names = new List<string>();
        for (var x = m; !ReferenceEquals(x, m.Mfs.Root);)
        {
            Mnode? p;
            string name;
            using (x.Lock.Enter())
                (p, name) = (x.Parent, x.Name);
            if (p is null)
            {
                if (MirrorLocate.Locate(x) != Errno.OK)
                    return null;
                continue;
            }
            if (!away.Log.NameUnchanged(p, name))
                return null;
            names.Add(name);
            x = p;
        }
        names.Reverse();
        return names;
    }

    /// <summary>
    /// An mnode lets go of its lower vnodes <paramref name="lowers"/>: for each copy out of use among them, the copy
    /// remembers the fid it gave for the file by the file's fids in the copies in use, so that a later mnode of the file
    /// names it by the same fid (a client's handle names the file by it) until the copy is back.
    /// </summary>
    internal static void LetGo(MfsVfs mi, Vnode?[] lowers)
    {
        foreach (var c in mi.Copies)
        {
            if (c.TakesUpdates || lowers[c.Index] is not { } lv || Vop.Fid(lv, Fid.MaxFidSize, out var here) != Errno.OK)
                continue;
            foreach (var k in mi.Copies)
                if (k.TakesUpdates && lowers[k.Index] is { } kv && Vop.Fid(kv, Fid.MaxFidSize, out var there) == Errno.OK)
                    c.Fids.RememberAway(k.Index, k.Fids.First(k, there!), c.Fids.First(c, here!));
        }
    }

    /// <summary>
    /// The file, held, that copy <paramref name="c"/> gave for the source's file <paramref name="sv"/> when an mnode of it
    /// let go of it while the copy was away (RememberAway), or null: its twin there, for the resync (MirrorResync.KnownTwin).
    /// </summary>
    internal static Vnode? AwayTwin(MirrorMember src, MirrorMember c, Vnode sv)
    {
        if (!c.Fids.AnyTwins || Vop.Fid(sv, Fid.MaxFidSize, out var there) != Errno.OK
            || c.Fids.Twin(src.Index, src.Fids.First(src, there!)) is not { } fid)
            return null;
        return VgetCopy(c, fid, out var lv) == Errno.OK ? lv : null;
    }

    /// <summary>
    /// The file, held, that the mirror made late in copy <paramref name="c"/> from the source's file <paramref name="sv"/>
    /// (CopyFids.MadeLate), or null: its twin there, which a handle naming the file by the source alone finds
    /// (LateTwin), so the resync keeps it for the file.
    /// </summary>
    internal static Vnode? LateTwinOf(MirrorMember src, MirrorMember c, Vnode sv)
    {
        if (Vop.Fid(sv, Fid.MaxFidSize, out var there) != Errno.OK || c.Fids.LateFor(src.Index, src.Fids.First(src, there!)) is not { } here)
            return null;
        return VgetCopy(c, here, out var lv) == Errno.OK ? lv : null;
    }

    /// <summary>
    /// True when the mirror made copy <paramref name="c"/>'s file <paramref name="tv"/> late (CopyFids.MadeLate): copied in
    /// whole, or a directory the resync's moves made empty for a file moved into it (MirrorResync.MakeParents).
    /// </summary>
    internal static bool MadeLateIn(MirrorMember c, Vnode tv) =>
        Vop.Fid(tv, Fid.MaxFidSize, out var here) == Errno.OK && c.Fids.LateFrom(c, c.Fids.First(c, here!)) is not null;

    /// <summary>
    /// True when the mirror made copy <paramref name="c"/>'s file <paramref name="tv"/> late from a file of the source
    /// other than <paramref name="sv"/>: handles of that file find tv as its twin (LateTwin), so tv must not become sv's.
    /// </summary>
    internal static bool LateOther(MirrorMember src, MirrorMember c, Vnode sv, Vnode tv)
    {
        if (Vop.Fid(tv, Fid.MaxFidSize, out var here) != Errno.OK || c.Fids.LateFrom(c, c.Fids.First(c, here!)) is not var (k, there)
            || k != src.Index)
            return false;
        return Vop.Fid(sv, Fid.MaxFidSize, out var now) == Errno.OK && !src.Fids.First(src, now!).Equals(there);
    }

    /// <summary>
    /// Copy <paramref name="c"/>, back and being resynced, is given to <paramref name="m"/> where the mnode does not know
    /// its file there but the copy remembered it by the file's fid in a copy in use (CopyFids.Twin): an mnode made while
    /// c was out, through another copy alone (VFS_VGET of a handle naming c, which does not ask a copy that failed), is
    /// then found in c by the resync's moves as one that was looked up while c was there.
    /// </summary>
    internal static void BindTwin(MfsVfs mi, MirrorMember c, Mnode m)
    {
        if (!c.Fids.AnyTwins || Volatile.Read(ref m.Copies[c.Index]) is not null)
            return;
        foreach (var k in mi.UpdateCopies())
        {
            if (ReferenceEquals(k, c) || Volatile.Read(ref m.Copies[k.Index]) is not { } kv || Vop.Fid(kv, Fid.MaxFidSize, out var there) != Errno.OK
                || c.Fids.Twin(k.Index, k.Fids.First(k, there!)) is not { } here || VgetCopy(c, here, out var lv) != Errno.OK)
                continue;
            if (lv!.Type == m.Vnode.Type && Volatile.Read(ref m.Copies[c.Index]) is null)
                mi.Mnodes.SetCopy(m, c.Index, lv);
            else
                lv.Rele();
            return;
        }
    }

    /// <summary>
    /// True when copy <paramref name="c"/> remembered its file <paramref name="tv"/> (RememberAway) for a file of the source
    /// other than <paramref name="sv"/>.
    /// </summary>
    internal static bool AwayOther(MirrorMember src, MirrorMember c, Vnode sv, Vnode tv)
    {
        if (!c.Fids.AnyTwins || Vop.Fid(tv, Fid.MaxFidSize, out var here) != Errno.OK
            || c.Fids.TwinThereIn(c.Fids.First(c, here!), src.Index) is not { } there)
            return false;
        return Vop.Fid(sv, Fid.MaxFidSize, out var now) == Errno.OK && !src.Fids.First(src, now!).Equals(there);
    }

    /// <summary>
    /// True when copy <paramref name="c"/> remembered its file <paramref name="tv"/> when an mnode let go of it while the
    /// copy was away (RememberAway), and the copy in use it was remembered by still has that file.
    /// </summary>
    internal static bool AwayLives(MirrorMember c, Vnode tv)
    {
        if (!c.Fids.AnyTwins || Vop.Fid(tv, Fid.MaxFidSize, out var here) != Errno.OK || c.Fids.TwinThere(c.Fids.First(c, here!)) is not var (k, there)
            || VgetCopy(c.Mirror.Copies[k], there, out var kv) != Errno.OK)
            return false;
        var va = new Vattr(AttrMask.AT_NLINK);
        bool lives = Vop.Getattr(kv!, va, AttrFlags.None, Cred.Kcred) == Errno.OK && va.Nlink > 0;
        kv!.Rele();
        return lives;
    }

    /// <summary>
    /// <paramref name="m"/>'s file is about to be renamed: for each copy out of use whose file the mnode does not know,
    /// the fid that copy gives for it now (AwayFid: by its unchanged path) is remembered as when an mnode lets go of it,
    /// since after the rename its path no longer leads there, and a handle naming that copy alone would be stale while
    /// the copy is away (Fig. 10, seed 20262278: the client's mirror then took the copy out and went on through the
    /// other master, which repaired the copy behind the first's back). Called before the rename's directory locks:
    /// finding the path may look names up through the mirror.
    /// </summary>
    internal static void RememberBeforeMove(Mnode m)
    {
        var mi = m.Mfs;
        foreach (var c in mi.Copies)
        {
            if (c.TakesUpdates || Volatile.Read(ref m.Copies[c.Index]) is not null || AwayFid(m, c, null) is not { } here)
                continue;
            foreach (var k in mi.UpdateCopies())
                if (MirrorSubr.Resolve(m, k, out var kv) == Errno.OK && Vop.Fid(kv!, Fid.MaxFidSize, out var there) == Errno.OK)
                    c.Fids.RememberAway(k.Index, k.Fids.First(k, there!), here);
        }
    }

    /// <summary>A mirror fid naming copy <paramref name="copy"/> alone, by <paramref name="first"/>, the fid it first gave for the file; null when it does not fit.</summary>
    internal static Fid? Naming(int copy, Fid first)
    {
        if (first.Length > Fid.MaxFidSize - 4)
            return null;
        Span<byte> b = stackalloc byte[4 + first.Length];
        (b[0], b[1], b[2], b[3]) = (Magic, 1, (byte)copy, (byte)first.Length);
        first.Data.CopyTo(b[4..]);
        return new Fid(b);
    }

    public static Errno Vget(MfsVfs mi, Fid fid, out Vnode? vp)
    {
        vp = null;
        var d = fid.Data;
        if (d.Length < 2 || d[0] != Magic)
            return Errno.EINVAL;
        var listed = new (int Pos, int Length)?[mi.Copies.Count];
        int pos = 2;
        for (int k = 0; k < d[1]; k++)
        {
            if (pos + 2 > d.Length)
                return Errno.EINVAL;
            int i = d[pos], l = d[pos + 1];
            if (i >= listed.Length || pos + 2 + l > d.Length || listed[i] is not null)
                return Errno.EINVAL;
            listed[i] = (pos + 2, l);
            pos += 2 + l;
        }
        var lowers = new Vnode?[mi.Copies.Count];
        foreach (var c in mi.Copies)
            if (c.TakesUpdates && listed[c.Index] is var (p, l) && VgetCopy(c, new Fid(d.Slice(p, l)), out var lv) == Errno.OK)
                lowers[c.Index] = lv;
        // A copy in use that the handle leaves out may have got the file late (MadeLate): it finds its file by a listed
        // copy's fid, without asking that copy, whose host may be down (Finding 10: the file was found only by its path
        // in the listed copy, whose READDIR timed out, and the call failed although the copy in use had the file).
        foreach (var c in mi.Copies)
            if (c.TakesUpdates && listed[c.Index] is null && LateTwin(c, d, listed) is { } here && VgetCopy(c, here, out var lv) == Errno.OK)
                lowers[c.Index] = lv;
        if (lowers.Any(v => v is not null))
        {
            vp = mi.Mnodes.MakeMnode(mi, lowers, null, "");
            return Errno.OK;
        }
        // Only copies out of use are listed. A handle that left copies in use out for room finds its file in them, by
        // what the copy it names remembered (RememberNamedAlone), when that copy failed: it may not answer. (One taken
        // offline for maintenance is asked below, so that the mnode knows its file there, which its resync then keeps.)
        foreach (var c in mi.Copies)
            if (listed[c.Index] is var (p, l) && !c.TakesUpdates && c.Reason != MirrorIoctl.Maintenance
                && NamedAloneThere(mi, c, new Fid(d.Slice(p, l)), out vp) == Errno.OK)
                return Errno.OK;
        // Otherwise one of them still says which file is meant -- the mnode that knows that file there, or the file
        // whose mnode let go of it after the copy left (RememberAway), or else its path there.
        foreach (var c in mi.Copies)
        {
            if (listed[c.Index] is not var (p, l))
                continue;
            if (VgetCopy(c, new Fid(d.Slice(p, l)), out var lv) != Errno.OK)
            {
                // The file is gone from this copy in use, and no record says it was made again there: a resync removed
                // it while no mnode held it, and made the file anew under its name in the source (Finding 46). The twin
                // in a copy the handle left out for room is the file.
                if (c.TakesUpdates && NamedAloneThere(mi, c, new Fid(d.Slice(p, l)), out vp) == Errno.OK)
                    return Errno.OK;
                continue;
            }
            if (mi.Mnodes.HoldByLower(c.Index, lv!) is { } known)
            {
                lv!.Rele();
                vp = known;
                return Errno.OK;
            }
            if (c.Fids.AwayThere(c.Fids.First(c, new Fid(d.Slice(p, l)))) is var (k, kfid) && mi.Copies[k].TakesUpdates
                && VgetCopy(mi.Copies[k], kfid, out var kv) == Errno.OK)
            {
                var klowers = new Vnode?[mi.Copies.Count];
                klowers[k] = kv;
                vp = mi.Mnodes.MakeMnode(mi, klowers, null, "");
                if (Volatile.Read(ref MirrorSubr.Mn(vp).Copies[c.Index]) is null)
                    mi.Mnodes.SetCopy(MirrorSubr.Mn(vp), c.Index, lv);
                else
                    lv!.Rele();
                return Errno.OK;
            }
            var err = MirrorLocate.Lookup(mi, c, lv!, out vp, out bool sure);
            if (err == Errno.OK && !sure || err == Errno.ENOENT)
            {
                // Its path there leads nowhere now (a directory on it renamed, the name removed and the file left under
                // another), or to a file that may be another (a name the log changed): the twin in a copy in use that
                // this copy remembered, if any, is the file (docs/verification.md, Fixed 66 and 68).
                if (NamedAloneThere(mi, c, new Fid(d.Slice(p, l)), out var twin) == Errno.OK)
                {
                    vp?.Rele();
                    vp = twin;
                    sure = true;
                    err = Errno.OK;
                }
            }
            if (err != Errno.OK)
                vp = null;
            if (vp is not null && sure && MirrorSubr.Mn(vp) is var m && Volatile.Read(ref m.Copies[c.Index]) is null)
            {
                // The lookup made the mnode from the copies in use; the handle says which file it is in this copy.
                // Known there, it gives the same fid again, and a resync that makes the file again records it. Only
                // when the path is sure to be the file's: a file renamed over meanwhile must not be bound to another.
                mi.Mnodes.SetCopy(m, c.Index, lv);
                return Errno.OK;
            }
            lv!.Rele();
            if (vp is not null)
                return Errno.OK;
        }
        return Errno.ESTALE;
    }

    /// <summary>
    /// The mirror's vnode (held) for the file that <paramref name="fid"/> names in copy <paramref name="c"/> (out of use),
    /// found through the fid of its twin in a copy in use that <paramref name="c"/> remembered when a handle left that
    /// copy out for room (RememberNamedAlone), without asking <paramref name="c"/>. A directory is given its place in the
    /// mirror through that copy (its path there, found by "..", looked up through the mirror), as a lookup would make it:
    /// the resync moves directories by their mnodes' places. (A file keeps none: finding one's path means searching the
    /// copy's tree, and a LOOKUP's reply must not wait for that; the resync finds a file by its twin.) ENOENT when
    /// nothing was remembered or the twin is gone.
    /// </summary>
    private static Errno NamedAloneThere(MfsVfs mi, MirrorMember c, Fid fid, out Vnode? vp)
    {
        vp = null;
        if (c.Fids.NamedAloneThere(fid) is not var (k, kfid) || !mi.Copies[k].TakesUpdates || VgetCopy(mi.Copies[k], kfid, out var kv) != Errno.OK)
            return Errno.ENOENT;
        if (mi.Mnodes.HoldByLower(k, kv!) is { } known)
            vp = known;
        else if (kv!.Type == VType.VDIR && MirrorLocate.Lookup(mi, mi.Copies[k], kv, out var located, out _) == Errno.OK)
            vp = located;
        else
        {
            var klowers = new Vnode?[mi.Copies.Count];
            klowers[k] = kv;
            vp = mi.Mnodes.MakeMnode(mi, klowers, null, "");
            return Errno.OK;
        }
        kv!.Rele();
        return Errno.OK;
    }

    /// <summary>
    /// The fid copy <paramref name="c"/> first gave for the file it got late (MadeLate) from a copy that the handle
    /// <paramref name="d"/> lists at <paramref name="listed"/>, or null. Not when that copy has since got a file late
    /// from this one (Superseded).
    /// </summary>
    private static Fid? LateTwin(MirrorMember c, ReadOnlySpan<byte> d, (int Pos, int Length)?[] listed)
    {
        for (int k = 0; k < listed.Length; k++)
            if (listed[k] is var (p, l) && new Fid(d.Slice(p, l)) is var fid && c.Fids.LateFor(k, fid) is { } here
                && !Superseded(c.Mirror.Copies[k], c, here, fid))
                return here;
        return null;
    }

    /// <summary>
    /// True when copy <paramref name="k"/>, whose file <paramref name="fid"/> copy <paramref name="c"/> once made
    /// <paramref name="here"/> from, later got another file made from <paramref name="here"/>: a resync of k, after the
    /// file had moved in c while k was away, could not move k's file along and made a new one at the new place. The
    /// twins now are that new file and <paramref name="here"/>; <paramref name="fid"/> is another file of the mirror's,
    /// under its old name (Finding 44: a handle of a directory in k alone was given its old twin in c, now elsewhere, and
    /// the mnode paired two directories in different places; a READDIRPLUS through it gave a file the handle of a
    /// directory).
    /// </summary>
    private static bool Superseded(MirrorMember k, MirrorMember c, Fid here, Fid fid) =>
        k.Fids.LateFor(c.Index, here) is { } again && !again.Equals(fid);

    /// <summary>
    /// True when copy <paramref name="c"/> still has the file <paramref name="fid"/> names under some name. The mnode let go of
    /// it because the resync kept it as another file (a directory renamed over the one now in its place, Finding 17), not
    /// because the file was removed: the handles naming it name that other file now, and must not be sent on to the file
    /// made for the mnode.
    /// </summary>
    private static bool StillLinked(MirrorMember c, Fid fid)
    {
        if (VfsOp.Vget(c.Vfs, out var lv, fid) != Errno.OK)
            return false;
        var va = new Vattr(AttrMask.AT_NLINK);
        bool linked = Vop.Getattr(lv!, va, AttrFlags.None, Cred.Kcred) == Errno.OK && va.Nlink > 0;
        lv!.Rele();
        return linked;
    }

    /// <summary>The file copy <paramref name="c"/> first gave <paramref name="first"/> for: the file made in its place if it was made again.</summary>
    private static Errno VgetCopy(MirrorMember c, Fid first, out Vnode? lv) =>
        VfsOp.Vget(c.Vfs, out lv, c.Fids.Now(c, first) ?? first);

    /// <summary>
    /// Mnode <paramref name="m"/>'s file in copy <paramref name="copy"/> went from <paramref name="old"/> to
    /// <paramref name="now"/> (both held by the caller). A file forgotten (a resync removed or replaced it) is
    /// remembered by its fid; when the mnode has a file there again and it is another file (the resync made it
    /// again), the copy records it, so that a fid given out with the old file still names this one -- unless the old
    /// file still has a name in the copy (StillLinked): then it is another file of the mirror's, and its fid names that.
    /// </summary>
    internal static void CopyChanged(Mnode m, int copy, Vnode? old, Vnode? now)
    {
        var c = m.Mfs.Copies[copy];
        if (now is null)
        {
            if (old is not null && Vop.Fid(old, Fid.MaxFidSize, out var of) == Errno.OK)
                using (m.Lock.Enter())
                    m.Forgotten[copy] ??= of;
            return;
        }
        Fid? forgotten;
        using (m.Lock.Enter())
        {
            forgotten = m.Forgotten[copy];
            m.Forgotten[copy] = null;
        }
        if (forgotten is null || Vop.Fid(now, Fid.MaxFidSize, out var nf) != Errno.OK || nf!.Equals(forgotten) || StillLinked(c, forgotten))
            return;
        var err = c.Fids.Remade(c, forgotten, nf);
        if (err != Errno.OK)
            m.Mfs.Announce(c, $"{m.Name}: made again, and its record not kept ({err}): a handle of its old file is stale");
    }
}
