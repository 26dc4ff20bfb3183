// Vfs.Sim: comparing a real directory tree with the model -- through VOP_* calls from any vnode (a mirror's
// copy, a file system's root, an NFS import), so the same check serves every file system and every copy.
//
// Compared: the names in each directory, each name's type, permission bits, owner and group, link count, size, the
// modification time where the model knows it (an explicit utimes since the last change), a file's bytes, a link's text, and which names are one file (hard links: the model's node ids and the file system's node ids
// must pair up one to one). A lost+found (UFS has one) and a .mfs (the mirror's own records in each copy) in the top
// directory are not compared: the model has neither.
using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using UnixVfs.Sim.Model;

namespace UnixVfs.Sim;

/// <summary>Compares a vnode tree with the model's tree.</summary>
public static class ModelTree
{
    /// <summary>The longest link text a comparison reads (a page, as readlink's buffer).</summary>
    private const int LinkMax = 4096;

    /// <summary>Null when the tree under <paramref name="root"/> is the model's, else the first difference.</summary>
    public static string? Compare(Vnode root, FsModel model)
    {
        var ids = new Dictionary<int, ulong>();
        var nodes = new Dictionary<ulong, int>();
        return CompareDir(root, "", model.Root, ids, nodes);
    }

    /// <summary>
    /// Compares each of the directories <paramref name="dirs"/> ("a/b", "" for the top; no link followed) with the
    /// model's: its names and each entry's attributes and contents, without descending into subdirectories. One walk
    /// down from <paramref name="root"/> reaches them all, so a directory on the way to several is looked up once; a
    /// directory the model does not have is not compared (nothing to compare). Null when they all agree.
    /// </summary>
    public static string? CompareDirectories(Vnode root, IReadOnlyList<string> dirs, FsModel model)
    {
        root.Hold();
        try
        {
            return Visit(root, "", model.Root, dirs, new Dictionary<int, ulong>(), new Dictionary<ulong, int>());
        }
        finally
        {
            root.Rele();
        }
    }

    /// <summary>
    /// Compares <paramref name="rel"/> if it is one of <paramref name="dirs"/>, then visits each subdirectory on the way
    /// to another. Each directory pairs the model's node ids with the file system's by itself: <paramref name="ids"/>
    /// and <paramref name="nodes"/> are emptied before each (made once a walk).
    /// </summary>
    private static string? Visit(Vnode vp, string rel, MDir m, IReadOnlyList<string> dirs, Dictionary<int, ulong> ids, Dictionary<ulong, int> nodes)
    {
        bool wanted = false;
        foreach (var d in dirs)
            wanted |= d == rel;
        if (wanted)
        {
            ids.Clear();
            nodes.Clear();
            if (CompareDir(vp, rel.Length == 0 ? "" : "/" + rel, m, ids, nodes, deep: false) is { } problem)
                return problem;
        }
        foreach (var (name, node) in m.Entries)
        {
            if (node is not MDir sub)
                continue;
            string childRel = rel.Length == 0 ? name : rel + "/" + name;
            bool onTheWay = false;
            foreach (var d in dirs)
                onTheWay |= d.Length >= childRel.Length && d.StartsWith(childRel, StringComparison.Ordinal)
                    && (d.Length == childRel.Length || d[childRel.Length] == '/');
            if (!onTheWay)
                continue;
            var err = Vop.Lookup(vp, name, out var child, LookupFlags.None, null, Cred.Kcred);
            if (err != Errno.OK)
                return $"/{rel}: lookup of {name} returned {err}";
            try
            {
                if (Visit(child!, childRel, sub, dirs, ids, nodes) is { } p)
                    return p;
            }
            finally
            {
                child!.Rele();
            }
        }
        return null;
    }

    private static string? CompareDir(Vnode dir, string path, MDir m, Dictionary<int, ulong> ids, Dictionary<ulong, int> nodes, bool deep = true)
    {
        var err = Names(dir, out var names);
        if (err != Errno.OK)
            return $"{path}/: readdir returned {err}";
        if (path.Length == 0)
        {
            names.Remove("lost+found");
            names.Remove(".mfs");
        }
        if (!SameNames(names, m.Entries))
            return $"{path}/ holds [{string.Join(' ', names)}], the model [{string.Join(' ', m.Entries.Keys)}]";
        foreach (var (name, node) in m.Entries)
        {
            err = Vop.Lookup(dir, name, out var vp, LookupFlags.None, null, Cred.Kcred);
            if (err != Errno.OK)
                return $"{path}/{name}: lookup returned {err}";
            try
            {
                if (CompareNode(vp!, path, name, node, ids, nodes, deep) is { } problem)
                    return problem;
            }
            finally
            {
                vp!.Rele();
            }
        }
        return null;
    }

    /// <summary>Compares the entry <paramref name="name"/> of the directory <paramref name="dir"/> ("" for the top) with the model's <paramref name="node"/>.</summary>
    private static string? CompareNode(Vnode vp, string dir, string name, MNode node, Dictionary<int, ulong> ids, Dictionary<ulong, int> nodes, bool deep)
    {
        var va = new Vattr(AttrMask.AT_ALL);
        var err = Vop.Getattr(vp, va, AttrFlags.None, Cred.Kcred);
        if (err != Errno.OK)
            return $"{dir}/{name}: getattr returned {err}";
        var (type, size, nlink) = FsModel.Describe(node);
        if (va.Type != type || va.Nlink != nlink || (size >= 0 && va.Size != size))
            return $"{dir}/{name}: {va.Type} size={va.Size} nlink={va.Nlink}, the model {type} size={size} nlink={nlink}";
        if (type != VType.VLNK && (va.Mode & 0xFFF) != node.Mode)
            return $"{dir}/{name}: mode {Convert.ToString(va.Mode & 0xFFF, 8)}, the model {Convert.ToString(node.Mode, 8)}";
        if (va.Uid != node.Uid || va.Gid != node.Gid)
            return $"{dir}/{name}: owner {va.Uid}:{va.Gid}, the model {node.Uid}:{node.Gid}";
        if (node.Mtime is { } mtime && va.Mtime != mtime)
            return $"{dir}/{name}: mtime {va.Mtime}, the model {mtime} (set by utimes)";
        if (ids.TryGetValue(node.Id, out ulong nid) ? nid != va.NodeId : nodes.TryGetValue(va.NodeId, out int id) && id != node.Id)
            return $"{dir}/{name}: the model and the file system disagree about which names are the same file";
        ids[node.Id] = va.NodeId;
        nodes[va.NodeId] = node.Id;
        switch (node)
        {
            case MFile f:
            {
                int want = f.Data.Count + 1;
                var buf = ArrayPool<byte>.Shared.Rent(want);
                try
                {
                    var uio = new Uio(buf.AsMemory(0, want), 0, UioRw.UIO_READ);
                    err = Vop.Read(vp, uio, FileFlags.None, Cred.Kcred);
                    int n = (int)(want - uio.Resid);
                    if (err != Errno.OK)
                        return $"{dir}/{name}: read returned {err}";
                    if (n != f.Data.Count || !buf.AsSpan(0, n).SequenceEqual(CollectionsMarshal.AsSpan(f.Data)))
                        return $"{dir}/{name}: {n} bytes that differ from the model's {f.Data.Count}";
                    return null;
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buf);
                }
            }
            case MLink l:
            {
                var buf = ArrayPool<byte>.Shared.Rent(LinkMax);
                try
                {
                    var uio = new Uio(buf.AsMemory(0, LinkMax), 0, UioRw.UIO_READ);
                    err = Vop.Readlink(vp, uio, Cred.Kcred);
                    string text = FsName.Decode(buf.AsSpan(0, (int)(LinkMax - uio.Resid)));
                    return err == Errno.OK && text == l.Target ? null : $"{dir}/{name}: links to \"{text}\" ({err}), the model to \"{l.Target}\"";
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buf);
                }
            }
            case MDir d:
                return deep ? CompareDir(vp, dir + "/" + name, d, ids, nodes) : null;
        }
        return null;
    }

    /// <summary>
    /// Reads the tree under <paramref name="root"/> into a model tree (new ids from <paramref name="model"/>): what a file
    /// system holds after a power cut becomes what the model expects from then on (FsModel.Replace). Hard links are
    /// one node (by node id), a link count is the names found, and mtimes are not known. Returns OK or the first errno.
    /// </summary>
    public static Errno Load(Vnode root, FsModel model, out MDir tree)
    {
        tree = new MDir { Id = model.NextId() };
        var byNode = new Dictionary<ulong, MNode>();
        var err = LoadDir(root, tree, top: true, model, byNode);
        if (err == Errno.OK)
            err = Attrs(root, tree, out _);
        return err;
    }

    private static Errno LoadDir(Vnode dir, MDir into, bool top, FsModel model, Dictionary<ulong, MNode> byNode)
    {
        var err = Names(dir, out var names);
        if (err != Errno.OK)
            return err;
        foreach (var name in names)
        {
            if (top && name is "lost+found" or ".mfs")
                continue;
            err = Vop.Lookup(dir, name, out var vp, LookupFlags.None, null, Cred.Kcred);
            if (err != Errno.OK)
                return err;
            try
            {
                err = LoadNode(vp!, into, model, byNode, out var node);
                if (err != Errno.OK)
                    return err;
                into.Entries[name] = node!;
            }
            finally
            {
                vp!.Rele();
            }
        }
        return Errno.OK;
    }

    private static Errno LoadNode(Vnode vp, MDir parent, FsModel model, Dictionary<ulong, MNode> byNode, out MNode? node)
    {
        var va = new Vattr(AttrMask.AT_ALL);
        var err = Vop.Getattr(vp, va, AttrFlags.None, Cred.Kcred);
        node = null;
        if (err != Errno.OK)
            return err;
        if (byNode.TryGetValue(va.NodeId, out node))
        {
            switch (node)
            {
                case MFile f: f.Nlink++; break;
                case MLink l: l.Nlink++; break;
            }
            return Errno.OK;
        }
        switch (va.Type)
        {
            case VType.VDIR:
            {
                var d = new MDir { Id = model.NextId(), Parent = parent };
                err = LoadDir(vp, d, top: false, model, byNode);
                node = d;
                break;
            }
            case VType.VLNK:
            {
                var buf = new byte[4096];
                var uio = new Uio(buf, 0, UioRw.UIO_READ);
                err = Vop.Readlink(vp, uio, Cred.Kcred);
                node = new MLink { Id = model.NextId(), Target = FsName.Decode(buf.AsSpan(0, (int)(buf.Length - uio.Resid))) };
                break;
            }
            default:
            {
                var buf = new byte[va.Size];
                var uio = new Uio(buf, 0, UioRw.UIO_READ);
                err = Vop.Read(vp, uio, FileFlags.None, Cred.Kcred);
                var f = new MFile { Id = model.NextId() };
                f.Data.AddRange(buf.AsSpan(0, (int)(buf.Length - uio.Resid)));
                node = f;
                break;
            }
        }
        if (err == Errno.OK)
            err = Attrs(vp, node, out _);
        byNode[va.NodeId] = node;
        return err;
    }

    private static Errno Attrs(Vnode vp, MNode n, out Vattr va)
    {
        va = new Vattr(AttrMask.AT_ALL);
        var err = Vop.Getattr(vp, va, AttrFlags.None, Cred.Kcred);
        n.Mode = va.Mode & 0xFFF;
        n.Uid = va.Uid;
        n.Gid = va.Gid;
        return err;
    }

    /// <summary>True when <paramref name="names"/> (in ordinal order) are the names of <paramref name="entries"/>.</summary>
    private static bool SameNames(List<string> names, SortedDictionary<string, MNode> entries)
    {
        if (names.Count != entries.Count)
            return false;
        int i = 0;
        foreach (var name in entries.Keys)
            if (!string.Equals(names[i++], name, StringComparison.Ordinal))
                return false;
        return true;
    }

    /// <summary>Adds the names of the dirent64 records in <paramref name="buf"/> (as Dirent64.Parse reads them), but . and .., to <paramref name="names"/>.</summary>
    private static void AddNames(ReadOnlySpan<byte> buf, List<string> names)
    {
        while (buf.Length >= Dirent64.NameOffset + 1)
        {
            int reclen = BinaryPrimitives.ReadUInt16LittleEndian(buf[16..]);
            if (reclen < Dirent64.NameOffset + 1 || reclen > buf.Length)
                break;
            var name = buf[Dirent64.NameOffset..reclen];
            int nul = name.IndexOf((byte)0);
            if (nul >= 0)
                name = name[..nul];
            if (!name.SequenceEqual("."u8) && !name.SequenceEqual(".."u8))
                names.Add(FsName.Decode(name));
            buf = buf[reclen..];
        }
    }

    /// <summary>The names in a directory, without . and .., in ordinal order.</summary>
    public static Errno Names(Vnode dir, out List<string> names)
    {
        names = new List<string>();
        long off = 0;
        const int size = 8192;
        var buf = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            while (true)
            {
                var uio = new Uio(buf.AsMemory(0, size), off, UioRw.UIO_READ);
                var err = Vop.Readdir(dir, uio, Cred.Kcred, out bool eof);
                if (err != Errno.OK)
                    return err;
                int n = (int)(size - uio.Resid);
                AddNames(buf.AsSpan(0, n), names);
                if (eof || n == 0)
                    break;
                off = uio.Offset;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buf);
        }
        names.Sort(StringComparer.Ordinal);
        return Errno.OK;
    }
}
