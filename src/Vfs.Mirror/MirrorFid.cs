// Vfs.Mirror: file identifiers for mirror files (VOP_FID, VFS_VGET), so that a mirror can be exported
// over NFS (patent B.8, Figs. 7, 9, 10) with handles that survive the server host restarting.
//
// A mirror fid carries the fid of the file in as many copies as fit in the caller's space (an NFS server
// keeps some of a 64-byte handle for itself) -- [0x4D][n] then, per copy, [index][length][bytes] -- primary
// copy first. VFS_VGET asks each listed copy that takes updates for its vnode and wraps them in the file's
// mnode (MnodeHash.MakeMnode finds the existing one if the file is in use). A copy that did not fit is
// found later by MirrorSubr.Resolve, which locates the file by its identity in a copy that did.
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
        var primary = mi.PrimaryCopy();
        foreach (var c in mi.Copies.Where(c => c.TakesUpdates).OrderBy(c => ReferenceEquals(c, primary) ? 0 : 1))
        {
            if (maxlen - len - 2 <= 0 || MirrorSubr.Resolve(m, c, out var lv) != Errno.OK
                || Vop.Fid(lv!, maxlen - len - 2, out var lf, ct) != Errno.OK)
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

    public static Errno Vget(MfsVfs mi, Fid fid, out Vnode? vp)
    {
        vp = null;
        var d = fid.Data;
        if (d.Length < 2 || d[0] != Magic)
            return Errno.EINVAL;
        var lowers = new Vnode?[mi.Copies.Count];
        int pos = 2;
        for (int k = 0; k < d[1]; k++)
        {
            if (pos + 2 > d.Length)
                return Release(lowers, Errno.EINVAL);
            int i = d[pos], l = d[pos + 1];
            if (i >= lowers.Length || pos + 2 + l > d.Length || lowers[i] is not null)
                return Release(lowers, Errno.EINVAL);
            var c = mi.Copies[i];
            if (c.TakesUpdates && VfsOp.Vget(c.Vfs, out var lv, new Fid(d.Slice(pos + 2, l))) == Errno.OK)
                lowers[i] = lv;
            pos += 2 + l;
        }
        if (lowers.All(v => v is null))
            return Errno.ESTALE;
        vp = mi.Mnodes.MakeMnode(mi, lowers, null, "");
        return Errno.OK;
    }

    private static Errno Release(Vnode?[] vps, Errno err)
    {
        foreach (var v in vps)
            v?.Rele();
        return err;
    }
}
