// Vfs.Mirror: copying files, directories and links from one copy to another through VOP_* calls --
// the machinery under the mount merge, the resync and lookup's repair.
//
// Everything goes through the lower file systems' own vnode operations with the kernel's credentials,
// so a copy can be a UFS, an NFS import or anything else. Data moves in 1 MiB chunks, each under both
// files' rwlocks (MirrorLock), so an application writing the same file through the mirror meanwhile
// lands either before or after a chunk, never in the middle. Only the source's data is read: VOP_SEEKDATA
// finds its data extents, and its holes are never read or written across -- in the target they stay
// holes, or, where an older target holds data in them, that data is overwritten with zeros (there is no
// VOP to punch a hole). A file system that cannot tell (NFSv3) says "all data", and then chunks of zeros
// are still skipped when copying into a new file. Hard links inside one copy stay hard links in the
// other when a HardLinks map is given. What was copied is counted in CopyStats.
using System.Buffers;

namespace UnixVfs.Mirror;

/// <summary>What a copy moved.</summary>
public sealed class CopyStats
{
    public long Files;
    public long Directories;
    public long Symlinks;
    public long Removed;
    /// <summary>Names made as hard links to a file the target already held (no data copied).</summary>
    public long Linked;
    /// <summary>Files made again because the target's could not be rewritten in place (a bad block under it).</summary>
    public long Recreated;
    public long BytesCopied;
    /// <summary>Bytes read from both copies and compared, to copy only those that differ (CopyDiffering).</summary>
    public long BytesCompared;

    /// <summary>
    /// Called with each target file before data is copied into it, or null: its sum file is marked in flight
    /// (MirrorSumFile.Rewriting), and a resync records the files it writes, whose writes a copy's file system may hold and
    /// send late (CopyUnflushed.ResyncWrote). Not added by Add.
    /// </summary>
    internal Action<Vnode>? Writing;

    public void Add(CopyStats o)
    {
        Files += o.Files;
        Directories += o.Directories;
        Symlinks += o.Symlinks;
        Removed += o.Removed;
        Linked += o.Linked;
        Recreated += o.Recreated;
        BytesCopied += o.BytesCopied;
        BytesCompared += o.BytesCompared;
    }
}

/// <summary>
/// Files already copied, or known to have their twin in the copy (MirrorMerge.FindTargetLink): (fsid, ino) in the source
/// -> the copy's vnode (held), for a further name of the source's file to become a link to it -- also a file with one
/// link, whose twin keeps an old name that the replay removes (a link made and the old name renamed over while the copy
/// was away). A merge or a resync removes names after it fills the table (a directory
/// gone from the source is removed with every file in it), so an entry's file may have lost its last name in the copy
/// since: such a twin is forgotten when it is looked for, since a link to it would fail (ENOENT) and the copy would stay
/// out of use; the source's file is then copied again, and that copy becomes the twin.
/// A resync also knows twins it never copied (Known): a file of the copy that the mirror's mnode holds for the source's,
/// wherever it is named now, asked for a source file the table lacks -- also deep in a directory copied whole.
/// </summary>
internal sealed class HardLinks : IDisposable
{
    private readonly Dictionary<(ulong, ulong), Vnode> _seen = new();
    private readonly Dictionary<Vnode, int> _twins = new(ReferenceEqualityComparer.Instance); // _seen's values, counted (VOP_CMP is identity)

    /// <summary>
    /// Given a source's file, the copy's file known to be its twin, held, or null (MirrorResync.KnownTwin); null when
    /// only what was copied counts. Set by the merge that fills the table, for as long as it runs.
    /// </summary>
    public Func<Vnode, Vnode?>? Known { get; set; }

    /// <summary>
    /// Given a source's file, its attributes and the twin Known gave for it, makes the twin what the source's file is;
    /// null when the twin's changes come some other way (the log's replay brings each file's own). Set with Known.
    /// </summary>
    public Func<Vnode, Vattr, Vnode, Errno>? MakeAlike { get; set; }

    /// <summary>
    /// TryGet, or else the twin Known gives for the source's file <paramref name="src"/> (of attributes
    /// <paramref name="va"/>), if it has the file's type: it is made alike (MakeAlike) and added, for the file's further
    /// names. A twin that cannot be made alike is not taken.
    /// </summary>
    public bool TryGet(Vattr va, Vnode src, out Vnode? vp)
    {
        if (TryGet(va, out vp))
            return true;
        if (Known?.Invoke(src) is not { } known)
            return false;
        if (known.Type == va.Type && (MakeAlike is null || MakeAlike(src, va, known) == Errno.OK))
            Add(va, known);
        known.Rele();
        return TryGet(va, out vp);
    }

    /// <summary>The copy's file for the source's file <paramref name="va"/>, if one was copied and still has a name there.</summary>
    public bool TryGet(Vattr va, out Vnode? vp)
    {
        if (!_seen.TryGetValue((va.Fsid, va.NodeId), out vp))
            return false;
        var tva = new Vattr(AttrMask.AT_NLINK);
        if (Vop.Getattr(vp, tva, AttrFlags.None, Cred.Kcred) == Errno.OK && tva.Nlink > 0)
            return true;
        Forget(va); // removed from the copy (ESTALE from an NFS copy)
        vp = null;
        return false;
    }

    /// <summary>Makes <paramref name="vp"/> the twin of the source's file <paramref name="va"/>, letting go of any twin it replaces.</summary>
    public void Add(Vattr va, Vnode vp)
    {
        vp.Hold();
        Forget(va);
        _seen[(va.Fsid, va.NodeId)] = vp;
        _twins[vp] = _twins.GetValueOrDefault(vp) + 1;
    }

    /// <summary>True when <paramref name="vp"/> is the twin of a source's file already.</summary>
    public bool Claimed(Vnode vp) => _twins.ContainsKey(vp);

    /// <summary>Forgets the target file of the source file <paramref name="va"/> (it is being removed).</summary>
    public void Forget(Vattr va)
    {
        if (!_seen.Remove((va.Fsid, va.NodeId), out var vp))
            return;
        if (--_twins[vp] == 0)
            _twins.Remove(vp);
        vp.Rele();
    }

    public void Dispose()
    {
        foreach (var v in _seen.Values)
            v.Rele();
        _seen.Clear();
        _twins.Clear();
    }
}

internal static class MirrorDataCopy
{
    private const int Chunk = 1 << 20;

    /// <summary>Equal bytes that end a run of differing ones in CopyDiffering: closer runs are written as one.</summary>
    private const int Gap = 512;
    private static Cred Cr => Cred.Kcred;

    /// <summary>
    /// Copies <paramref name="src"/> (named <paramref name="nm"/>) into directory <paramref name="dstDir"/> under the same
    /// name. <paramref name="made"/> is called with (the source's vnode, the vnode made) for each file, directory and
    /// link made in the target (not the names linked to one made before).
    /// </summary>
    public static Errno CopyEntry(Vnode srcDir, string nm, Vnode src, Vnode dstDir, CopyStats st, HardLinks? links = null, Action<Vnode, Vnode>? made = null)
    {
        var va = new Vattr(AttrMask.AT_ALL);
        var err = Vop.Getattr(src, va, AttrFlags.None, Cr);
        if (err != Errno.OK)
            return err;
        switch (va.Type)
        {
            case VType.VDIR:
            {
                err = Vop.Mkdir(dstDir, nm, new Vattr(AttrMask.AT_TYPE | AttrMask.AT_MODE) { Type = VType.VDIR, Mode = va.Mode }, out var dd, Cr);
                if (err == Errno.OK)
                    made?.Invoke(src, dd!);
                else if (err == Errno.EEXIST)
                    err = Vop.Lookup(dstDir, nm, out dd, LookupFlags.None, null, Cr);
                if (err != Errno.OK)
                    return err;
                try
                {
                    st.Directories++;
                    err = CopyTree(src, dd!, st, links, made);
                    return err != Errno.OK ? err : CopyAttrs(va, dd!, false, src);
                }
                finally
                {
                    dd!.Rele();
                }
            }
            case VType.VLNK:
            {
                if (links is not null && links.TryGet(va, src, out var alreadyLink))
                    return Link(dstDir, alreadyLink!, nm, st);
                err = ReadLink(src, out var target);
                if (err != Errno.OK)
                    return err;
                err = Vop.Symlink(dstDir, nm, new Vattr(AttrMask.AT_TYPE | AttrMask.AT_MODE) { Type = VType.VLNK, Mode = 0x1FF }, target, Cr);
                if (err != Errno.OK)
                    return err;
                st.Symlinks++;
                if (Vop.Lookup(dstDir, nm, out var lv, LookupFlags.None, null, Cr) == Errno.OK)
                {
                    made?.Invoke(src, lv!);
                    SetOwner(va, lv!);
                    if (va.Nlink > 1)
                        links?.Add(va, lv!);
                    lv!.Rele();
                }
                return Errno.OK;
            }
            default:
            {
                if (links is not null && links.TryGet(va, src, out var already))
                    return Link(dstDir, already!, nm, st);
                var cva = new Vattr(AttrMask.AT_TYPE | AttrMask.AT_MODE | AttrMask.AT_SIZE) { Type = va.Type, Mode = va.Mode, Rdev = va.Rdev, Size = 0 };
                err = Vop.Create(dstDir, nm, cva, VcExcl.NONEXCL, AccessMode.VWRITE, out var dv, Cr, FileFlags.FWRITE);
                if (err != Errno.OK)
                    return err;
                try
                {
                    st.Files++;
                    made?.Invoke(src, dv!);
                    if (va.Type == VType.VREG)
                    {
                        err = CopyData(src, dv!, 0, va.Size, st, fresh: true);
                        if (err != Errno.OK)
                            return err;
                    }
                    links?.Add(va, dv!);
                    return CopyAttrs(va, dv!, va.Type == VType.VREG, src);
                }
                finally
                {
                    dv!.Rele();
                }
            }
        }
    }

    private static Errno Link(Vnode dstDir, Vnode target, string nm, CopyStats st)
    {
        var err = Vop.Link(dstDir, target, nm, Cr);
        if (err == Errno.OK)
            st.Linked++;
        return err;
    }

    /// <summary>Copies every entry of directory <paramref name="srcDir"/> into <paramref name="dstDir"/> (<paramref name="made"/> as in CopyEntry).</summary>
    public static Errno CopyTree(Vnode srcDir, Vnode dstDir, CopyStats st, HardLinks? links, Action<Vnode, Vnode>? made = null)
    {
        var err = ReadDir(srcDir, out var entries);
        if (err != Errno.OK)
            return err;
        foreach (var d in entries)
        {
            err = Vop.Lookup(srcDir, d.Name, out var sv, LookupFlags.None, null, Cr);
            if (err == Errno.ENOENT)
                continue;
            if (err != Errno.OK)
                return err;
            err = CopyEntry(srcDir, d.Name, sv!, dstDir, st, links, made);
            sv!.Rele();
            if (err != Errno.OK)
                return err;
        }
        return Errno.OK;
    }

    /// <summary>
    /// Copies bytes [start, end) of <paramref name="src"/> to the same offsets of <paramref name="dst"/> (sizes are the
    /// caller's business: CopyAttrs), reading only the source's data extents (file comment). With
    /// <paramref name="fresh"/> (dst was just created empty) its holes need nothing, and chunks of zeros are left as
    /// holes too. Each step -- a chunk of data, or a piece of a hole -- is taken under both files' rwlocks, unless the
    /// caller already holds them (<paramref name="locked"/>).
    /// </summary>
    public static Errno CopyData(Vnode src, Vnode dst, long start, long end, CopyStats st, bool fresh = false, bool locked = false)
    {
        var buf = ArrayPool<byte>.Shared.Rent(Chunk); // pooled: a fresh 1 MiB per file would fill the large-object heap
        try
        {
            return CopyData(src, dst, start, end, st, fresh, locked, buf);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buf);
        }
    }

    /// <summary>CopyData with its chunk buffer (Chunk bytes or more).</summary>
    private static Errno CopyData(Vnode src, Vnode dst, long start, long end, CopyStats st, bool fresh, bool locked, byte[] buf)
    {
        st.Writing?.Invoke(dst);
        var pair = locked ? Array.Empty<Vnode>() : new[] { src, dst };
        for (long off = start; off < end;)
        {
            MirrorLock.LockAll(pair, RwLockType.Writer);
            try
            {
                var err = NextExtent(src, off, end, hole: false, out long data);
                if (err != Errno.OK)
                    return err;
                long next = data;
                if (data > off)
                {
                    if (!fresh)
                        err = ZeroData(dst, off, data, buf, st, out next);
                }
                else if ((err = NextExtent(src, off, end, hole: true, out long hole)) == Errno.OK)
                    err = CopyChunk(src, dst, off, (int)Math.Min(Chunk, hole - off), buf, fresh, st, out next);
                if (err != Errno.OK)
                    return err;
                off = next;
            }
            finally
            {
                MirrorLock.UnlockAll(pair, RwLockType.Writer);
            }
        }
        return Errno.OK;
    }

    /// <summary>
    /// Makes bytes [start, end) of <paramref name="dst"/> those of <paramref name="src"/> by comparing before copying, as
    /// DRBD's checksum-based resync does: both are read a chunk at a time, and only the runs of bytes that differ are
    /// written (runs less than Gap bytes apart as one), so a range known only to be wider than what changed (a crash's
    /// intent log records whole extents, MirrorIntentLog.cs) costs reads, not writes. Where dst ends first, the rest is
    /// a difference; holes read as zeros on both sides. The caller holds both files' rwlocks.
    /// </summary>
    public static Errno CopyDiffering(Vnode src, Vnode dst, long start, long end, CopyStats st)
    {
        st.Writing?.Invoke(dst);
        var sbuf = new byte[(int)Math.Min(Chunk, Math.Max(0, end - start))];
        var dbuf = new byte[sbuf.Length];
        for (long off = start; off < end;)
        {
            int n = (int)Math.Min(sbuf.Length, end - off);
            var ru = new Uio(sbuf.AsMemory(0, n), off, UioRw.UIO_READ);
            var err = Vop.Read(src, ru, FileFlags.None, Cr);
            if (err != Errno.OK)
                return err;
            int got = (int)(n - ru.Resid);
            if (got == 0)
                return Errno.OK; // the source ended early (it shrank)
            var du = new Uio(dbuf.AsMemory(0, got), off, UioRw.UIO_READ);
            if ((err = Vop.Read(dst, du, FileFlags.None, Cr)) != Errno.OK)
                return err;
            st.BytesCompared += got;
            foreach (var (s, e) in Differing(sbuf.AsSpan(0, got), dbuf.AsSpan(0, (int)(got - du.Resid))))
            {
                var wu = new Uio(sbuf.AsMemory(s, e - s), off + s, UioRw.UIO_WRITE);
                if ((err = Vop.Write(dst, wu, FileFlags.None, Cr)) != Errno.OK)
                    return err;
                st.BytesCopied += e - s;
            }
            off += got;
        }
        return Errno.OK;
    }

    /// <summary>
    /// Makes the whole of regular file <paramref name="dst"/>, whose attributes are already <paramref name="src"/>'s, the
    /// same as it by comparing every byte (a full resync after a crash: a copy's disk may have lost data blocks whose
    /// inode reached it), under both files' rwlocks. The times are set back to the source's where a byte was written.
    /// </summary>
    public static Errno RewriteDiffering(Vnode src, Vnode dst, CopyStats st)
    {
        var pair = new[] { src, dst };
        MirrorLock.LockAll(pair, RwLockType.Writer);
        try
        {
            var va = new Vattr(AttrMask.AT_ALL);
            long copied = st.BytesCopied;
            var err = Vop.Getattr(src, va, AttrFlags.None, Cr);
            if (err == Errno.OK)
                err = CopyDiffering(src, dst, 0, va.Size, st);
            return err != Errno.OK || st.BytesCopied == copied ? err : CopyAttrs(va, dst, size: true, src: src);
        }
        finally
        {
            MirrorLock.UnlockAll(pair, RwLockType.Writer);
        }
    }

    /// <summary>
    /// The runs [s, e) where <paramref name="want"/> and <paramref name="have"/> differ (past the end of a shorter
    /// <paramref name="have"/>, all of want differs), runs less than Gap equal bytes apart taken as one.
    /// </summary>
    internal static List<(int Start, int End)> Differing(ReadOnlySpan<byte> want, ReadOnlySpan<byte> have)
    {
        var runs = new List<(int Start, int End)>();
        int n = Math.Min(want.Length, have.Length);
        for (int i = 0; (i += want[i..n].CommonPrefixLength(have[i..n])) < n;)
        {
            int s = i;
            while (i < n)
            {
                if (want[i] != have[i])
                {
                    i++;
                    continue;
                }
                int same = want[i..n].CommonPrefixLength(have[i..n]);
                if (same >= Gap || i + same == n)
                    break;
                i += same;
            }
            runs.Add((s, i));
        }
        if (n < want.Length)
        {
            if (runs.Count > 0 && runs[^1].End == n)
                runs[^1] = (runs[^1].Start, want.Length);
            else
                runs.Add((n, want.Length));
        }
        return runs;
    }

    /// <summary>
    /// Where the next data (or hole) of <paramref name="vp"/> at or after <paramref name="off"/> begins, no further than
    /// <paramref name="end"/> (ENXIO, nothing more before the end of the file, is <paramref name="end"/>).
    /// </summary>
    private static Errno NextExtent(Vnode vp, long off, long end, bool hole, out long found)
    {
        var err = Vop.Seekdata(vp, off, hole, out found, Cr);
        if (err == Errno.ENXIO)
            (found, err) = (end, Errno.OK);
        found = Math.Min(found, end);
        return err;
    }

    /// <summary>Copies up to <paramref name="n"/> bytes at <paramref name="off"/>; <paramref name="next"/> is the offset after them (the end of the file stops it).</summary>
    private static Errno CopyChunk(Vnode src, Vnode dst, long off, int n, byte[] buf, bool fresh, CopyStats st, out long next)
    {
        next = long.MaxValue;
        var ru = new Uio(buf.AsMemory(0, n), off, UioRw.UIO_READ);
        var err = Vop.Read(src, ru, FileFlags.None, Cr);
        if (err != Errno.OK)
            return err;
        int got = (int)(n - ru.Resid);
        if (got == 0)
            return Errno.OK; // the source ended early (it shrank): nothing more to copy
        next = off + got;
        if (fresh && buf.AsSpan(0, got).IndexOfAnyExcept((byte)0) < 0)
            return Errno.OK;
        var wu = new Uio(buf.AsMemory(0, got), off, UioRw.UIO_WRITE);
        err = Vop.Write(dst, wu, FileFlags.None, Cr);
        if (err == Errno.OK)
            st.BytesCopied += got;
        return err;
    }

    /// <summary>
    /// The source has a hole in [<paramref name="off"/>, <paramref name="end"/>): overwrites with zeros the first piece
    /// (at most a chunk) of data <paramref name="dst"/> holds there; <paramref name="next"/> is where to go on from.
    /// </summary>
    private static Errno ZeroData(Vnode dst, long off, long end, byte[] buf, CopyStats st, out long next)
    {
        next = end;
        var err = NextExtent(dst, off, end, hole: false, out long data);
        if (err != Errno.OK || data >= end)
            return err;
        if ((err = NextExtent(dst, data, end, hole: true, out long hole)) != Errno.OK)
            return err;
        int n = (int)Math.Min(Chunk, hole - data);
        buf.AsSpan(0, n).Clear();
        var wu = new Uio(buf.AsMemory(0, n), data, UioRw.UIO_WRITE);
        if ((err = Vop.Write(dst, wu, FileFlags.None, Cr)) != Errno.OK)
            return err;
        st.BytesCopied += n;
        next = data + n;
        return Errno.OK;
    }

    /// <summary>Gives <paramref name="dst"/> the mode, owner, times (and, if asked, the size) in <paramref name="va"/>, and
    /// the extended attributes of <paramref name="src"/> when it is given (MirrorExtattr.Copy).</summary>
    public static Errno CopyAttrs(Vattr va, Vnode dst, bool size, Vnode? src = null)
    {
        if (src is not null)
        {
            var err = MirrorExtattr.Copy(src, dst);
            if (err != Errno.OK)
                return err;
        }
        var set = new Vattr(AttrMask.AT_MODE | AttrMask.AT_UID | AttrMask.AT_GID | AttrMask.AT_ATIME | AttrMask.AT_MTIME)
        {
            Mode = va.Mode,
            Uid = va.Uid,
            Gid = va.Gid,
            Atime = va.Atime,
            Mtime = va.Mtime,
        };
        if (size)
        {
            set.Mask |= AttrMask.AT_SIZE;
            set.Size = va.Size;
        }
        return Vop.Setattr(dst, set, AttrFlags.ATTR_UTIME, Cr);
    }

    private static void SetOwner(Vattr va, Vnode dst) =>
        Vop.Setattr(dst, new Vattr(AttrMask.AT_UID | AttrMask.AT_GID) { Uid = va.Uid, Gid = va.Gid }, AttrFlags.None, Cr);

    /// <summary>
    /// Removes <paramref name="nm"/> from <paramref name="dir"/>, a whole subtree if it is a directory. With
    /// <paramref name="park"/>, each file that is no directory is given to it (dir, name, the file) instead of removed.
    /// </summary>
    public static Errno RemoveEntry(Vnode dir, string nm, CopyStats st, Func<Vnode, string, Vnode, Errno>? park = null)
    {
        var err = Vop.Lookup(dir, nm, out var vp, LookupFlags.None, null, Cr);
        if (err != Errno.OK)
            return err == Errno.ENOENT ? Errno.OK : err;
        try
        {
            if (vp!.Type != VType.VDIR)
            {
                st.Removed++;
                return park is null ? Vop.Remove(dir, nm, Cr) : park(dir, nm, vp);
            }
            err = ReadDir(vp, out var entries);
            if (err != Errno.OK)
                return err;
            foreach (var d in entries)
                if ((err = RemoveEntry(vp, d.Name, st, park)) != Errno.OK)
                    return err;
            st.Removed++;
            return Vop.Rmdir(dir, nm, null, Cr);
        }
        finally
        {
            vp!.Rele();
        }
    }

    /// <summary>
    /// Every entry of a directory but "." and "..", and for the top directory of a copy (<paramref name="top"/>) but
    /// the mirror's own metadata (.mfs: MirrorMeta.cs), which no merge, resync or verify may copy or compare.
    /// </summary>
    public static Errno ReadDir(Vnode dir, out List<Dirent> entries, bool top = false)
    {
        entries = new List<Dirent>();
        var buf = new byte[32 * 1024];
        long cookie = 0;
        while (true)
        {
            var uio = new Uio(buf, cookie, UioRw.UIO_READ);
            var err = Vop.Readdir(dir, uio, Cr, out bool eof);
            if (err != Errno.OK)
                return err;
            int n = (int)(buf.Length - uio.Resid);
            foreach (var d in Dirent64.Parse(buf.AsSpan(0, n)))
                if (d.Name is not ("." or "..") && !(top && d.Name == MirrorMeta.DirName))
                    entries.Add(d);
            if (eof || n == 0 || uio.Offset == cookie)
                return Errno.OK;
            cookie = uio.Offset;
        }
    }

    /// <summary>The whole of the small file <paramref name="name"/> in <paramref name="dir"/> (a record of the mirror's metadata).</summary>
    public static Errno ReadFile(Vnode dir, string name, out byte[] data)
    {
        data = [];
        var err = Vop.Lookup(dir, name, out var vp, LookupFlags.None, null, Cr);
        if (err != Errno.OK)
            return err;
        try
        {
            var va = new Vattr(AttrMask.AT_SIZE);
            if ((err = Vop.Getattr(vp!, va, AttrFlags.None, Cr)) != Errno.OK)
                return err;
            var buf = new byte[va.Size];
            var uio = new Uio(buf, 0, UioRw.UIO_READ);
            if ((err = Vop.Read(vp!, uio, FileFlags.None, Cr)) != Errno.OK)
                return err;
            data = buf.AsSpan(0, (int)(buf.Length - uio.Resid)).ToArray();
            return Errno.OK;
        }
        finally
        {
            vp!.Rele();
        }
    }

    /// <summary>The target of a symbolic link.</summary>
    public static Errno ReadLink(Vnode vp, out string target)
    {
        target = "";
        var buf = new byte[Limits.PathMax];
        var uio = new Uio(buf, 0, UioRw.UIO_READ);
        var err = Vop.Readlink(vp, uio, Cr);
        if (err == Errno.OK)
            target = FsName.Decode(buf.AsSpan(0, (int)(buf.Length - uio.Resid)));
        return err;
    }
}
