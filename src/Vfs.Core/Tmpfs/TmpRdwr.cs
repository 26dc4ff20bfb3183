// Vfs.Core / tmpfs: reading, writing and truncating file data held in 4 KiB pages.
//
// A page that was never written is a hole and reads as zeros; truncation frees whole pages past the
// new end and zeroes the tail of the last one, so that a later extension reads zeros there too.
namespace UnixVfs.Core.Tmpfs;

internal static partial class TmpVnops
{
    /// <summary>The largest file tmpfs holds: 2^31 - 1 pages, just under 8 TiB.</summary>
    private const long MaxFileSize = (long)int.MaxValue * TmpNode.PageSize;

    private static Errno TmpRead(Vnode vp, Uio uio, FileFlags ioflag, Cred cr, CallerContext? ct)
    {
        var n = Node(vp);
        if (uio.Offset < 0)
            return Errno.EINVAL;
        using (n.Lock.Enter())
        {
            long off = uio.Offset;
            long avail = n.Size - off;
            if (avail > 0)
            {
                long todo = Math.Min(avail, uio.Resid);
                while (todo > 0)
                {
                    long pi = off / TmpNode.PageSize;
                    int po = (int)(off % TmpNode.PageSize);
                    int len = (int)Math.Min(todo, TmpNode.PageSize - po);
                    if (n.Pages.TryGetValue(pi, out var page))
                        uio.MoveOut(page.Span.Slice(po, len));
                    else
                        uio.MoveZeros(len);
                    off += len;
                    todo -= len;
                }
            }
            n.Atime = Now(n);
        }
        return Errno.OK;
    }

    /// <summary>VOP_SEEKDATA: a page never written is a hole.</summary>
    private static Errno TmpSeekdata(Vnode vp, long off, bool hole, out long result, Cred cr, CallerContext? ct)
    {
        var n = Node(vp);
        result = 0;
        using (n.Lock.Enter())
        {
            if (off < 0 || off >= n.Size)
                return Errno.ENXIO;
            long last = (n.Size - 1) / TmpNode.PageSize;
            long pi = off / TmpNode.PageSize;
            if (hole)
            {
                while (pi <= last && n.Pages.ContainsKey(pi))
                    pi++;
                result = pi > last ? n.Size : Math.Max(off, pi * TmpNode.PageSize);
                return Errno.OK;
            }
            long next = long.MaxValue;
            foreach (long k in n.Pages.Keys)
                if (k >= pi && k < next && k <= last)
                    next = k;
            if (next == long.MaxValue)
                return Errno.ENXIO;
            result = Math.Max(off, next * TmpNode.PageSize);
            return Errno.OK;
        }
    }

    private static Errno TmpWrite(Vnode vp, Uio uio, FileFlags ioflag, Cred cr, CallerContext? ct)
    {
        var n = Node(vp);
        if (vp.Vfs.IsReadOnly)
            return Errno.EROFS;
        using (n.Lock.Enter())
        {
            if ((ioflag & FileFlags.FAPPEND) != 0)
                uio.Offset = n.Size;
            if (uio.Offset < 0)
                return Errno.EINVAL;
            if (uio.Resid == 0)
                return Errno.OK;
            long limit = Math.Min(uio.Limit, MaxFileSize);
            if (uio.Offset >= limit)
                return Errno.EFBIG;
            var err = Errno.OK;
            while (uio.Resid > 0)
            {
                if (uio.Offset >= limit)
                    break;
                long pi = uio.Offset / TmpNode.PageSize;
                int po = (int)(uio.Offset % TmpNode.PageSize);
                int len = (int)Math.Min(Math.Min(uio.Resid, TmpNode.PageSize - po), limit - uio.Offset);
                if (!n.Pages.TryGetValue(pi, out var page))
                {
                    if (!n.Mount.ReservePage())
                    {
                        err = Errno.ENOSPC;
                        break;
                    }
                    page = n.Mount.Pages.Alloc();
                    if (len != TmpNode.PageSize)
                        page.Span.Clear();
                    n.Pages.Add(pi, page);
                    n.PagesAllocated++;
                }
                uio.MoveIn(page.Span.Slice(po, len));
                if (uio.Offset > n.Size)
                    n.Size = uio.Offset;
            }
            var now = Now(n);
            n.Mtime = n.Ctime = now;
            n.Seq++;
            if (!cr.IsSuperUser && (n.Mode & (ModeBits.S_ISUID | ModeBits.S_ISGID)) != 0)
                n.Mode &= ~(ModeBits.S_ISUID | ModeBits.S_ISGID);
            return err;
        }
    }

    /// <summary>tmpnode_trunc: sets the size, freeing or zeroing what lies past it. Caller holds n.Lock.</summary>
    private static Errno Truncate(TmpNode n, long size)
    {
        if (size < 0)
            return Errno.EINVAL;
        if (size > MaxFileSize)
            return Errno.EFBIG;
        if (size < n.Size)
        {
            long keep = (size + TmpNode.PageSize - 1) / TmpNode.PageSize;
            n.Mount.FreePages(n, keep);
            int tail = (int)(size % TmpNode.PageSize);
            if (tail != 0 && n.Pages.TryGetValue(keep - 1, out var last))
                last.Span[tail..].Clear();
        }
        n.Size = size;
        return Errno.OK;
    }
}
