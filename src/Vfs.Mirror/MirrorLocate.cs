// Vfs.Mirror: finding a file's place in the mirror again when all the mirror knows of it is its vnode in one
// copy -- an mnode made by VFS_VGET (an NFS client's handle) for a file no lookup has reached since.
//
// The mirror needs the file in every copy, and copies are matched by name. So: find the file's path in a copy
// that has it -- a directory by walking ".." up to the copy's top, naming each step from its parent's entries;
// a file by searching the copy's tree for the inode (bounded; a fid carries every copy that fits, so this is
// the fallback when one did not) -- then look that path up through the mirror from its root. The lookups make
// the usual mnodes, with parents, and MnodeHash.MakeMnode gives this mnode its missing copies.
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
    /// path is the one the file had when the copy left; when the copy's log says that a name on it may have changed
    /// since (<paramref name="sure"/> false), another file may have the path in the mirror now, and one of another type
    /// is not taken for it (Fig. 10, seed 20264226: a symbolic link renamed over while the copy was away). Returns OK,
    /// ENOENT, or a lookup error.
    /// </summary>
    public static Errno Lookup(MfsVfs mi, MirrorMember c, Vnode lv, out Vnode? vp, out bool sure)
    {
        vp = null;
        sure = false;
        var err = lv.Type == VType.VDIR ? PathOfDir(c.Root, lv, out var path) : PathOfFile(c.Root, lv, out path);
        if (err != Errno.OK)
            return err;
        var cur = mi.Root.Vnode;
        cur.Hold();
        bool changed = false;
        foreach (var name in path!)
        {
            changed |= !c.TakesUpdates && !c.Log.NameUnchanged(MirrorSubr.Mn(cur), name);
            err = Vop.Lookup(cur, name, out var next, LookupFlags.None, null, Cr);
            cur.Rele();
            if (err != Errno.OK)
                return err;
            cur = next!;
        }
        if (changed && cur.Type != lv.Type)
        {
            cur.Rele();
            return Errno.ENOENT;
        }
        vp = cur;
        sure = !changed;
        return Errno.OK;
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

    /// <summary>The names from <paramref name="root"/> to file <paramref name="vp"/>, by a breadth-first search for its inode.</summary>
    private static Errno PathOfFile(Vnode root, Vnode vp, out List<string>? path)
    {
        path = null;
        var va = new Vattr(AttrMask.AT_NODEID);
        var err = Vop.Getattr(vp, va, AttrFlags.None, Cr);
        if (err != Errno.OK)
            return err;
        var queue = new Queue<(Vnode Dir, List<string> Path)>();
        root.Hold();
        queue.Enqueue((root, new List<string>()));
        int examined = 0;
        try
        {
            while (queue.Count > 0)
            {
                var (dir, dpath) = queue.Dequeue();
                try
                {
                    if (MirrorDataCopy.ReadDir(dir, out var entries) != Errno.OK)
                        continue;
                    foreach (var d in entries)
                    {
                        if (++examined > SearchLimit)
                            return Errno.ENOENT;
                        if (d.Ino != va.NodeId && d.Type is not (VType.VDIR or VType.VNON))
                            continue;
                        if (Vop.Lookup(dir, d.Name, out var child, LookupFlags.None, null, Cr) != Errno.OK)
                            continue;
                        if (ReferenceEquals(child, vp) || (d.Ino == va.NodeId && Vop.Cmp(child!, vp)))
                        {
                            child!.Rele();
                            path = [.. dpath, d.Name];
                            return Errno.OK;
                        }
                        if (child!.Type == VType.VDIR)
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
            return Errno.ENOENT;
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
