// Vfs.Mirror: file identifiers for mirror files (VOP_FID, VFS_VGET), so that a mirror can be exported
// over NFS (patent B.8, Figs. 7, 9, 10) with handles that survive the server host restarting, and any copy
// going out of use or becoming primary.
//
// A mirror fid carries the fid of the file in as many copies as fit in the caller's space (an NFS server
// keeps some of a 64-byte handle for itself) -- [0x4D][n] then, per copy, [index][length][bytes] -- in copy
// order, never primary first: which copy is primary changes, and the fid must not change with it (a client's
// handle of the exported root went stale when the primary went offline). A copy out of use is listed when the
// mnode still knows its vnode. A file made while a copy was away is named by the others only, and once the copy has
// it back a new fid may lead with it: the old fid stays valid all the same, since VFS_VGET takes any listed copy.
//
// VFS_VGET asks each listed copy that takes updates for its vnode and wraps them in the file's mnode
// (MnodeHash.MakeMnode finds the existing one if the file is in use). A copy that did not fit is found later by
// MirrorSubr.Resolve, which locates the file by its identity in a copy that did. When no listed copy takes
// updates (the handle names only copies now offline), a listed copy still identifies the file: its path in that
// copy is looked up through the mirror (MirrorLocate.Lookup).
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
        foreach (var c in mi.Copies)
        {
            if (maxlen - len - 2 <= 0 || Known(m, c, out var lv) != Errno.OK
                || Vop.Fid(lv!, maxlen - len - 2, out var now, ct) != Errno.OK)
                continue;
            var lf = c.Fids.First(c, now!); // a file made again in the copy is named by the fid it had first
            if (lf.Length > maxlen - len - 2)
                continue;
            buf[len] = (byte)c.Index;
            buf[len + 1] = (byte)lf!.Length;
            lf.Data.CopyTo(buf[(len + 2)..]);
            len += 2 + lf.Length;
            n++;
        }
        if (n == 0)
            return Errno.ENOSPC;
        buf[1] = (byte)n;
        fid = new Fid(buf[..len]);
        return Errno.OK;
    }

    /// <summary>The vnode of <paramref name="m"/> in copy <paramref name="c"/>: looked up in a copy that takes updates, the one known in another.</summary>
    private static Errno Known(Mnode m, MirrorMember c, out Vnode? lv)
    {
        if (c.TakesUpdates)
            return MirrorSubr.Resolve(m, c, out lv);
        using (m.Lock.Enter())
            lv = m.Copies[c.Index];
        return lv is null ? Errno.ENOENT : Errno.OK;
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
        if (lowers.Any(v => v is not null))
        {
            vp = mi.Mnodes.MakeMnode(mi, lowers, null, "");
            return Errno.OK;
        }
        // Only copies out of use are listed: one of them still says which file is meant.
        foreach (var c in mi.Copies)
        {
            if (listed[c.Index] is not var (p, l) || VgetCopy(c, new Fid(d.Slice(p, l)), out var lv) != Errno.OK)
                continue;
            var err = MirrorLocate.Lookup(mi, c, lv!, out vp);
            if (err == Errno.OK && MirrorSubr.Mn(vp!) is var m && Volatile.Read(ref m.Copies[c.Index]) is null)
            {
                // The lookup made the mnode from the copies in use; the handle says which file it is in this copy.
                // Known there, it gives the same fid again, and a resync that makes the file again records it.
                mi.Mnodes.SetCopy(m, c.Index, lv);
                return Errno.OK;
            }
            lv!.Rele();
            if (err == Errno.OK)
                return Errno.OK;
        }
        return Errno.ESTALE;
    }

    /// <summary>The file copy <paramref name="c"/> first gave <paramref name="first"/> for: the file made in its place if it was made again.</summary>
    private static Errno VgetCopy(MirrorMember c, Fid first, out Vnode? lv) =>
        VfsOp.Vget(c.Vfs, out lv, c.Fids.Now(c, first) ?? first);

    /// <summary>
    /// Mnode <paramref name="m"/>'s file in copy <paramref name="copy"/> went from <paramref name="old"/> to
    /// <paramref name="now"/> (both held by the caller). A file forgotten (a resync removed or replaced it) is
    /// remembered by its fid; when the mnode has a file there again and it is another file (the resync made it
    /// again), the copy records it, so that a fid given out with the old file still names this one.
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
        if (forgotten is null || Vop.Fid(now, Fid.MaxFidSize, out var nf) != Errno.OK || nf!.Equals(forgotten))
            return;
        var err = c.Fids.Remade(c, forgotten, nf);
        if (err != Errno.OK)
            m.Mfs.Announce(c, $"{m.Name}: made again, and its record not kept ({err}): a handle of its old file is stale");
    }
}
