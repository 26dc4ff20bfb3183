// Vfs.Mirror: finding a file's place in the mirror again when all the mirror knows of it is its vnode in one
// copy -- an mnode made by VFS_VGET (an NFS client's handle) for a file no lookup has reached since.
//
// The mirror needs the file in every copy, and copies are matched by name. So: find the file's path in a copy
// that has it -- a directory by walking ".." up to the copy's top, naming each step from its parent's entries;
// a file by searching the copy's tree for the inode, each of its names (bounded; a fid carries every copy that
// fits, so this is the fallback when one did not) -- then look that path up through the mirror from its root, a
// path the copy's log left alone first. The lookups make the usual mnodes, with parents, and MnodeHash.MakeMnode
// gives this mnode its missing copies.
namespace UnixVfs.Mirror;

internal static class MirrorLocate
{
    /// <summary>How many directory entries a search for a file may examine before giving up.</summary>
    private const int SearchLimit = 200_000;

    private static Cred Cr => Cred.Kcred;

    /// <summary>Gives a parentless, non-root mnode its place (parent and name). Returns OK, or ENOENT when the file cannot be found.</summary>
    public static Errno Locate(Mnode m)
    {
        var mi = m.Mfs;
        MirrorMember? known = null;
        Vnode? lv = null;
        using (m.Lock.Enter())
            foreach (var c in mi.Copies)
                if (m.Copies[c.Index] is { } v && c.ServesReads)
                {
                    known = c;
                    lv = v;
                    break;
                }
        if (known is null)
            return Errno.ENOENT;
        var err = Lookup(mi, known, lv!, out var vp, out _);
        if (err != Errno.OK)
            return err;
        bool same = ReferenceEquals(vp!.Data, m);
        vp.Rele();
        return same && m.Parent is not null ? Errno.OK : Errno.ENOENT;
    }

    /// <summary>
    /// The mirror's vnode (held) for the file that is <paramref name="lv"/> in copy <paramref name="c"/>: its path in
    /// that copy, looked up through the mirror. For a copy out of use (VFS_VGET of a handle that names only it), the
    /// path is one the file had when the copy left; when the copy's log says that a name on it may have changed
    /// since (<paramref name="sure"/> false), another file may have the path in the mirror now, and one of another type
    /// is not taken for it (Fig. 10, seed 20264226: a symbolic link renamed over while the copy was away). A file with
    /// several links is looked for under each of its names in the copy, and one whose path the log left alone is taken
    /// first (Finding 27: a file renamed over one name of a file with two was taken for that file, and its handle sent
    /// a client's reads of the other name to the new file). Returns OK, ENOENT, or a lookup error.
    /// </summary>
    public static Errno Lookup(MfsVfs mi, MirrorMember c, Vnode lv, out Vnode? vp, out bool sure)
    {
        vp = null;
        sure = false;
        List<List<string>>? paths;
        Errno err;
        if (lv.Type == VType.VDIR)
        {
            err = PathOfDir(c.Root, lv, out var path);
            paths = path is null ? null : [path];
        }
        else
            err = PathsOfFile(c.Root, lv, out paths);
        if (err != Errno.OK)
            return err;
        Vnode? unsure = null; // the first path the log changed that leads to a file of the type, taken if no other does
        foreach (var path in paths!)
        {
            err = LookupPath(mi, c, path, out var cur, out bool changed);
            if (err == Errno.ENOENT)
                continue;
            if (err != Errno.OK)
            {
                unsure?.Rele();
                return err;
            }
            if (!changed)
            {
                unsure?.Rele();
                vp = cur;
                sure = true;
                return Errno.OK;
            }
            if (cur!.Type == lv.Type && unsure is null)
                unsure = cur;
            else
                cur.Rele();
        }
        vp = unsure;
        return unsure is null ? Errno.ENOENT : Errno.OK;
    }

    /// <summary>
    /// The mirror's vnode (held) at <paramref name="path"/> from its root; <paramref name="changed"/>: copy
    /// <paramref name="c"/>'s log says that a name on it may have changed since the copy left. For a copy away, each
    /// directory on the path is also found in the copy, and one the mirror still knows -- an mnode holds it, or a rename
    /// moved it while the copy was away (MirrorFid.RememberBeforeMove) -- is followed to where the mirror has it now:
    /// its old name may be another file's (Finding 42: a directory renamed while X was offline, and a new file made
    /// under its old name).
    /// </summary>
    private static Errno LookupPath(MfsVfs mi, MirrorMember c, List<string> path, out Vnode? vp, out bool changed)
    {
        vp = null;
        changed = false;
        var cur = mi.Root.Vnode;
        cur.Hold();
        var there = c.TakesUpdates ? null : c.Root; // the copy's directory at this step, while the walk follows the copy
        there?.Hold();
        try
        {
            foreach (var name in path)
            {
                Vnode? next = null;
                if (there is not null)
                {
                    var down = Vop.Lookup(there, name, out var inCopy, LookupFlags.None, null, Cr) == Errno.OK ? inCopy : null;
                    there.Rele();
                    there = down;
                    if (there is not null && there.Type == VType.VDIR)
                        next = Known(mi, c, there);
                }
                if (next is null)
                {
                    changed |= !c.TakesUpdates && !c.Log.NameUnchanged(MirrorSubr.Mn(cur), name);
                    var err = Vop.Lookup(cur, name, out next, LookupFlags.None, null, Cr);
                    if (err != Errno.OK)
                        return err;
                }
                cur.Rele();
                cur = next!;
            }
            vp = cur;
            cur = null!;
            return Errno.OK;
        }
        finally
        {
            cur?.Rele();
            there?.Rele();
        }
    }

    /// <summary>
    /// The mirror's vnode (held) of the directory that copy <paramref name="c"/>, away, holds as <paramref name="dir"/>,
    /// when the mirror knows it: an mnode holds it, or the copy remembered it by a copy in use when a rename moved it
    /// (CopyFids.TwinThere); else null.
    /// </summary>
    private static Vnode? Known(MfsVfs mi, MirrorMember c, Vnode dir)
    {
        if (mi.Mnodes.HoldByLower(c.Index, dir) is { } held)
            return held;
        if (Vop.Fid(dir, Fid.MaxFidSize, out var fid) != Errno.OK || c.Fids.TwinThere(c.Fids.First(c, fid!)) is not var (k, first)
            || MirrorFid.Naming(k, first) is not { } named)
            return null;
        return MirrorFid.Vget(mi, named, out var vp) == Errno.OK ? vp : null;
    }

    /// <summary>The names from <paramref name="root"/> down to directory <paramref name="dir"/>, by walking "..".</summary>
    private static Errno PathOfDir(Vnode root, Vnode dir, out List<string>? path)
    {
        path = new List<string>();
        var cur = dir;
        cur.Hold();
        try
        {
            while (!Vop.Cmp(cur, root))
            {
                var err = Vop.Lookup(cur, "..", out var parent, LookupFlags.None, null, Cr);
                if (err != Errno.OK)
                    return err;
                if (ReferenceEquals(parent, cur))
                {
                    parent!.Rele();
                    return Errno.ENOENT; // reached a file system root that is not the copy's top: outside the copy
                }
                err = NameIn(parent!, cur, out var name);
                cur.Rele();
                cur = parent!;
                if (err != Errno.OK)
                    return err;
                path.Insert(0, name);
            }
            return Errno.OK;
        }
        finally
        {
            cur.Rele();
        }
    }

    /// <summary>
    /// The paths from <paramref name="root"/> to file <paramref name="vp"/>, shallowest first, by a breadth-first search
    /// for its inode that stops once it has found as many as the file has links.
    /// </summary>
    private static Errno PathsOfFile(Vnode root, Vnode vp, out List<List<string>>? paths)
    {
        paths = null;
        var va = new Vattr(AttrMask.AT_NODEID | AttrMask.AT_NLINK);
        var err = Vop.Getattr(vp, va, AttrFlags.None, Cr);
        if (err != Errno.OK)
            return err;
        var found = new List<List<string>>();
        var queue = new Queue<(Vnode Dir, List<string> Path)>();
        root.Hold();
        queue.Enqueue((root, new List<string>()));
        int examined = 0;
        try
        {
            while (queue.Count > 0 && found.Count < Math.Max(1L, va.Nlink) && examined <= SearchLimit)
            {
                var (dir, dpath) = queue.Dequeue();
                try
                {
                    if (MirrorDataCopy.ReadDir(dir, out var entries) != Errno.OK)
                        continue;
                    foreach (var d in entries)
                    {
                        if (++examined > SearchLimit)
                            break;
                        if (d.Ino != va.NodeId && d.Type is not (VType.VDIR or VType.VNON))
                            continue;
                        if (Vop.Lookup(dir, d.Name, out var child, LookupFlags.None, null, Cr) != Errno.OK)
                            continue;
                        if (ReferenceEquals(child, vp) || (d.Ino == va.NodeId && Vop.Cmp(child!, vp)))
                        {
                            child!.Rele();
                            found.Add([.. dpath, d.Name]);
                        }
                        else if (child!.Type == VType.VDIR)
                            queue.Enqueue((child, [.. dpath, d.Name]));
                        else
                            child.Rele();
                    }
                }
                finally
                {
                    dir.Rele();
                }
            }
            paths = found;
            return found.Count > 0 ? Errno.OK : Errno.ENOENT;
        }
        finally
        {
            while (queue.Count > 0)
                queue.Dequeue().Dir.Rele();
        }
    }

    /// <summary>The name under which <paramref name="dir"/> holds <paramref name="vp"/>.</summary>
    private static Errno NameIn(Vnode dir, Vnode vp, out string name)
    {
        name = "";
        var va = new Vattr(AttrMask.AT_NODEID);
        var err = Vop.Getattr(vp, va, AttrFlags.None, Cr);
        if (err != Errno.OK || (err = MirrorDataCopy.ReadDir(dir, out var entries)) != Errno.OK)
            return err;
        foreach (var d in entries.Where(d => d.Ino == va.NodeId))
        {
            if (Vop.Lookup(dir, d.Name, out var child, LookupFlags.None, null, Cr) != Errno.OK)
                continue;
            bool same = Vop.Cmp(child!, vp);
            child!.Rele();
            if (same)
            {
                name = d.Name;
                return Errno.OK;
            }
        }
        return Errno.ENOENT;
    }
}
