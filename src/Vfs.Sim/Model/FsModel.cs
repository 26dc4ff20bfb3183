// Vfs.Sim: the reference model of a POSIX file system tree -- what every file system, and every copy of a mirror,
// is checked against (Invariants.cs, Conformance).
//
// The model is deliberately naive: a tree of dictionaries, file contents as byte lists, link
// counts computed the textbook way, and path resolution written out step by step. Each system call
// returns the errno Linux would give a root process, checked in the order Linux checks it (with the
// few documented choices of this kernel: O_NOFOLLOW's ELOOP before O_DIRECTORY's ENOTDIR, pwrite at
// its offset even with O_APPEND, unlink of a directory EISDIR). Several processes share the tree, each with
// its own descriptors and credentials (Use selects whose); modes, owners and groups are tracked for chmod and chown.
//
// Credentials: a process is root unless SetCred made it another user. For a user the model knows the rules of
// lookup (search permission on every directory walked: EACCES), chmod (owner only: EPERM), chown (owner only, to
// their own uid and one of their groups: EPERM) and utimes (explicit times: owner only, EPERM; NULL times: owner or
// write permission, EACCES); histories give such a process no other calls (OpGen's guests).
//
// Times: the model knows a node's mtime only when an explicit utimes set it (MtimeKnown), until a call that may
// stamp it again (any write or truncate of the file, any change of a directory's entries, a rename of the node).
//
// Durability (Synced): at each fsync that returns OK the file's bytes are recorded with the names of its path, and
// every later change of its bytes or size is kept as what a byte or the size may also be after a power cut
// (MFile.Synced; Invariants.PowerCutKeepsSynced says precisely what it demands).
using System.Runtime.InteropServices;

namespace UnixVfs.Sim.Model;

/// <summary>A node of the model: a file, a directory or a symbolic link.</summary>
public abstract class MNode
{
    /// <summary>An identity for "same file" comparisons (hard links share it), numbered per model.</summary>
    public int Id { get; init; }

    /// <summary>The permission bits (chmod).</summary>
    public uint Mode { get; set; }

    /// <summary>The owner and group (chown); new nodes get their creator's.</summary>
    public uint Uid { get; set; }
    public uint Gid { get; set; }

    /// <summary>The modification time an explicit utimes set, while no later call may have stamped it; else null.</summary>
    public Timespec? Mtime { get; set; }
}

/// <summary>
/// What a file's last fsync made durable: its bytes then and the path it was fsync'd under (null when it had no
/// name), and what each byte and the size may also be after a power cut: the values later calls gave them.
/// </summary>
public sealed class SyncRecord
{
    public required byte[] Data;
    public required string? Path;

    /// <summary>How many names had been removed (FsModel.RemovedNames) when the fsync returned.</summary>
    public required int RemovedAtSync;

    /// <summary>Every size the file had since the fsync.</summary>
    public readonly HashSet<long> Sizes = new();

    /// <summary>The bytes written since the fsync, at their offsets.</summary>
    public readonly List<(long Offset, byte[] Data)> Writes = new();

    /// <summary>
    /// True when <paramref name="b"/> may be byte <paramref name="i"/> of the file after a power cut: the fsync'd byte;
    /// a zero where the fsync'd file ended or a later truncate cut; or a byte a later write put there.
    /// </summary>
    public bool Allows(long i, byte b) =>
        (i < Data.Length && Data[i] == b)
        || (b == 0 && (i >= Data.Length || Sizes.Any(s => s <= i)))
        || Writes.Any(w => i >= w.Offset && i < w.Offset + w.Data.Length && w.Data[i - w.Offset] == b);
}

public sealed class MFile : MNode
{
    public List<byte> Data = new();
    public int Nlink = 1;

    /// <summary>What the file's last fsync made durable, or null when it was never fsync'd.</summary>
    public SyncRecord? Synced;

    /// <summary>Records a change: <paramref name="written"/> at <paramref name="offset"/> (none for a truncate) and the new size.</summary>
    internal void Changed(long offset, byte[]? written)
    {
        Mtime = null;
        if (Synced is null)
            return;
        Synced.Sizes.Add(Data.Count);
        if (written is { Length: > 0 })
            Synced.Writes.Add((offset, written));
    }
}

public sealed class MDir : MNode
{
    public readonly SortedDictionary<string, MNode> Entries = new(StringComparer.Ordinal);
    public MDir? Parent;
    public bool Removed;

    public int Nlink
    {
        get
        {
            if (Removed)
                return 0;
            int n = 2;
            foreach (var child in Entries.Values)
                if (child is MDir)
                    n++;
            return n;
        }
    }
}

public sealed class MLink : MNode
{
    public required string Target;
    public int Nlink = 1;
}

/// <summary>An open file of the model: the node, the access and the offset.</summary>
public sealed class MOpenFile
{
    public required MNode Node;
    public required bool Read, Write, Append;
    public long Offset;
}

/// <summary>The model: a tree rooted at the tmpfs mount point, the open files, and the system calls.</summary>
public sealed class FsModel
{
    public const string Mnt = "/m";
    private const int MaxSymlinks = 40;

    /// <summary>The modes new nodes get (as the processes ask for them, with umask 0).</summary>
    public const uint FileMode = 0x1B6, DirMode = 0x1FF, LinkMode = 0x1FF;

    private readonly Dictionary<int, SortedDictionary<int, MOpenFile>> _fdsByPid = new();
    private readonly Dictionary<int, Cred> _creds = new();
    private int _nextId;

    /// <summary>The credentials of the current process (Use): root unless SetCred said otherwise.</summary>
    public Cred Cred { get; private set; } = Cred.Kcred;

    /// <summary>
    /// Every name a call removed or replaced (unlink, rmdir, rename's source and a target it replaced), as the path of
    /// real directories it had then ("/m/a/b"), in order: a power cut may or may not have lost each such change.
    /// </summary>
    public IReadOnlyList<string> RemovedNames => _removed;

    private readonly List<string> _removed = new();

    private void Removed(MDir dir, string name) => _removed.Add((ReferenceEquals(dir, Root) ? Mnt : PathOf(dir) ?? Mnt + "/?") + "/" + name);

    /// <summary>The nodes the processes have open.</summary>
    public IEnumerable<MNode> OpenNodes() => _fdsByPid.Values.SelectMany(fds => fds.Values.Select(of => of.Node));

    public MDir Root { get; }

    /// <summary>Open files of the current process (Use) by the descriptor the real process got for them.</summary>
    public SortedDictionary<int, MOpenFile> Fds { get; private set; } = null!;

    public FsModel()
    {
        Root = new MDir { Id = ++_nextId, Mode = DirMode };
        Root.Parent = Root;
        Use(1);
    }

    /// <summary>Makes <paramref name="pid"/> the process whose descriptors the calls use.</summary>
    public void Use(int pid)
    {
        if (!_fdsByPid.TryGetValue(pid, out var fds))
            _fdsByPid[pid] = fds = new SortedDictionary<int, MOpenFile>();
        Fds = fds;
        Cred = _creds.GetValueOrDefault(pid, Cred.Kcred);
    }

    /// <summary>Makes process <paramref name="pid"/> run as <paramref name="cred"/> (as the real process does).</summary>
    public void SetCred(int pid, Cred cred)
    {
        _creds[pid] = cred;
        Use(pid);
    }

    /// <summary>A host restart: every process's descriptors are gone, and the tree is what survived (Replace).</summary>
    public void Reboot()
    {
        foreach (var fds in _fdsByPid.Values)
            fds.Clear();
    }

    /// <summary>
    /// Makes the model's tree <paramref name="root"/>'s entries (a tree read back from a file system after a power
    /// cut: ModelTree.Load), with fresh node ids.
    /// </summary>
    public void Replace(MDir root)
    {
        Root.Entries.Clear();
        foreach (var (name, node) in root.Entries)
            Root.Entries[name] = node;
        foreach (var d in Root.Entries.Values.OfType<MDir>())
            d.Parent = Root;
        Root.Mode = root.Mode;
        Root.Uid = root.Uid;
        Root.Gid = root.Gid;
        Root.Mtime = null;
    }

    /// <summary>A new node id.</summary>
    internal int NextId() => ++_nextId;

    /// <summary>Every process's open files.</summary>
    public IEnumerable<(int Pid, int Fd)> AllFds() =>
        _fdsByPid.OrderBy(kv => kv.Key).SelectMany(kv => kv.Value.Keys.Select(fd => (kv.Key, fd)));

    private MFile NewFile() => new() { Id = ++_nextId, Mode = FileMode, Uid = Cred.Uid, Gid = Cred.Gid };

    /// <summary>The result of resolving a path: the directory holding the last component, its name, and what it names (null if nothing).</summary>
    public readonly record struct Where(Errno Err, MDir? Dir, string Name, MNode? Node);

    /// <summary>
    /// Resolves a path under the mount ("/m/a/b", or a link's relative text) as lookuppn does, following a final
    /// link when <paramref name="followLast"/>. A missing last component is OK with Node null.
    /// </summary>
    public Where Resolve(string path, bool followLast)
    {
        int links = 0;
        return Walk(Root, Components(path), followLast, ref links);
    }

    private static List<string> Components(string path)
    {
        if (!path.StartsWith(Mnt + "/", StringComparison.Ordinal) && path != Mnt && path.StartsWith('/'))
            throw new ArgumentException("the model knows only paths under " + Mnt + ": " + path);
        var rest = path.StartsWith('/') ? path[Mnt.Length..] : path;
        return rest.Split('/', StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    private Where Walk(MDir start, List<string> comps, bool followLast, ref int links)
    {
        MNode cur = start;
        MDir dir = start;
        if (comps.Count == 0)
            return new Where(Errno.OK, start, ".", start);
        for (int i = 0; i < comps.Count; i++)
        {
            if (cur is not MDir d)
                return new Where(Errno.ENOTDIR, null, "", null);
            if (!May(d, 1))
                return new Where(Errno.EACCES, null, "", null);
            dir = d;
            string comp = comps[i];
            bool last = i == comps.Count - 1;
            MNode? next = comp == "." ? d : comp == ".." ? d.Parent : d.Entries.GetValueOrDefault(comp);
            if (next is null)
                return last ? new Where(Errno.OK, d, comp, null) : new Where(Errno.ENOENT, null, "", null);
            if (next is MLink l && (!last || followLast))
            {
                if (++links > MaxSymlinks)
                    return new Where(Errno.ELOOP, null, "", null);
                var rest = Components(l.Target).Concat(comps.Skip(i + 1)).ToList();
                return Walk(l.Target.StartsWith('/') ? Root : d, rest, followLast, ref links);
            }
            if (last)
                return new Where(Errno.OK, d, comp, next);
            cur = next;
        }
        throw new InvalidOperationException("unreachable");
    }

    /// <summary>True when the current process has permission <paramref name="bit"/> (4 read, 2 write, 1 search) on <paramref name="n"/>.</summary>
    private bool May(MNode n, uint bit)
    {
        if (Cred.IsSuperUser)
            return true;
        uint shift = Cred.Uid == n.Uid ? 6u : Cred.GroupMember(n.Gid) ? 3u : 0u;
        return ((n.Mode >> (int)shift) & bit) != 0;
    }

    private bool Owns(MNode n) => Cred.IsSuperUser || Cred.Uid == n.Uid;

    /// <summary>Resolves a path that must name something: a missing last component is ENOENT.</summary>
    private Errno Find(string path, bool followLast, out Where w)
    {
        w = Resolve(path, followLast);
        return w.Err != Errno.OK ? w.Err : w.Node is null ? Errno.ENOENT : Errno.OK;
    }

    // ---- system calls; each returns the errno and changes the model only on success ----

    public Errno Open(string path, OFlags flags, int fd)
    {
        bool creat = (flags & OFlags.O_CREAT) != 0, excl = creat && (flags & OFlags.O_EXCL) != 0;
        if (creat && (flags & OFlags.O_DIRECTORY) != 0)
            return Errno.EINVAL;
        var acc = flags & OFlags.O_ACCMODE;
        bool rd = acc != OFlags.O_WRONLY, wr = acc != OFlags.O_RDONLY, trunc = (flags & OFlags.O_TRUNC) != 0;
        var w = Resolve(path, followLast: (flags & OFlags.O_NOFOLLOW) == 0 && !excl);
        if (w.Err != Errno.OK)
            return w.Err;
        var node = w.Node;
        if (node is null)
        {
            if (!creat)
                return Errno.ENOENT;
            node = NewFile();
            w.Dir!.Entries[w.Name] = node;
            w.Dir.Mtime = null;
        }
        else
        {
            if (excl)
                return Errno.EEXIST;
            if (creat && node is MDir)
                return Errno.EISDIR;
            if (node is MLink)
                return Errno.ELOOP;
            if ((flags & OFlags.O_DIRECTORY) != 0 && node is not MDir)
                return Errno.ENOTDIR;
            if (node is MDir && (wr || trunc))
                return Errno.EISDIR;
            if (trunc && node is MFile f)
            {
                f.Data.Clear();
                f.Changed(0, null);
            }
        }
        Fds[fd] = new MOpenFile { Node = node, Read = rd, Write = wr, Append = (flags & OFlags.O_APPEND) != 0 };
        return Errno.OK;
    }

    public Errno Close(int fd) => Fds.Remove(fd) ? Errno.OK : Errno.EBADF;

    public Errno Write(int fd, byte[] data, out int n) => WriteAt(fd, data, null, out n);

    public Errno Pwrite(int fd, byte[] data, long off, out int n) => WriteAt(fd, data, off, out n);

    private Errno WriteAt(int fd, byte[] data, long? pos, out int n)
    {
        n = 0;
        if (!Fds.TryGetValue(fd, out var of) || !of.Write)
            return Errno.EBADF;
        if (pos < 0)
            return Errno.EINVAL;
        var f = (MFile)of.Node;
        long at = pos ?? (of.Append ? f.Data.Count : of.Offset);
        f.Mtime = null;
        if (data.Length == 0)
            return Errno.OK;
        if (f.Data.Count < at + data.Length)
            Resize(f, at + data.Length);
        data.CopyTo(CollectionsMarshal.AsSpan(f.Data)[(int)at..]);
        f.Changed(at, data);
        n = data.Length;
        if (pos is null)
            of.Offset = at + n;
        return Errno.OK;
    }

    public Errno Read(int fd, int len, out byte[] data) => ReadAt(fd, len, null, out data);

    public Errno Pread(int fd, int len, long off, out byte[] data) => ReadAt(fd, len, off, out data);

    private Errno ReadAt(int fd, int len, long? pos, out byte[] data)
    {
        data = [];
        if (!Fds.TryGetValue(fd, out var of) || !of.Read)
            return Errno.EBADF;
        if (pos < 0)
            return Errno.EINVAL;
        if (of.Node is MDir)
            return Errno.EISDIR;
        var f = (MFile)of.Node;
        long at = pos ?? of.Offset;
        int n = (int)Math.Max(0, Math.Min(len, f.Data.Count - at));
        data = n == 0 ? [] : CollectionsMarshal.AsSpan(f.Data).Slice((int)at, n).ToArray();
        if (pos is null)
            of.Offset = at + n;
        return Errno.OK;
    }

    public Errno Lseek(int fd, long off, Whence whence, out long result)
    {
        result = -1;
        if (!Fds.TryGetValue(fd, out var of))
            return Errno.EBADF;
        long size = of.Node is MFile f ? f.Data.Count : 0;
        long baseOff = whence switch { Whence.SEEK_SET => 0, Whence.SEEK_CUR => of.Offset, _ => size };
        long to = baseOff + off;
        if (to < 0)
            return Errno.EINVAL;
        of.Offset = result = to;
        return Errno.OK;
    }

    public Errno Ftruncate(int fd, long len)
    {
        if (!Fds.TryGetValue(fd, out var of))
            return Errno.EBADF;
        if (len < 0 || !of.Write)
            return Errno.EINVAL;
        Resize((MFile)of.Node, len);
        return Errno.OK;
    }

    public Errno Truncate(string path, long len)
    {
        if (len < 0)
            return Errno.EINVAL;
        var err = Find(path, true, out var w);
        if (err != Errno.OK)
            return err;
        if (w.Node is MDir)
            return Errno.EISDIR;
        Resize((MFile)w.Node!, len);
        return Errno.OK;
    }

    /// <summary>Cuts or extends (with zeros) a file's data to <paramref name="len"/> bytes.</summary>
    private static void Resize(MFile f, long len)
    {
        int old = f.Data.Count;
        CollectionsMarshal.SetCount(f.Data, (int)len);
        if (len > old)
            CollectionsMarshal.AsSpan(f.Data)[old..].Clear(); // SetCount may show bytes an earlier cut left behind
        f.Changed(old, null);
    }

    public Errno Mkdir(string path)
    {
        var w = Resolve(path, followLast: false);
        if (w.Err != Errno.OK)
            return w.Err;
        if (w.Node is not null)
            return Errno.EEXIST;
        w.Dir!.Entries[w.Name] = new MDir { Id = ++_nextId, Mode = DirMode, Parent = w.Dir, Uid = Cred.Uid, Gid = Cred.Gid };
        w.Dir.Mtime = null;
        return Errno.OK;
    }

    public Errno Rmdir(string path)
    {
        var err = Find(path, false, out var w);
        if (err != Errno.OK)
            return err;
        if (w.Name == ".")
            return ReferenceEquals(w.Node, Root) ? Errno.EBUSY : Errno.EINVAL;
        if (w.Node is not MDir d)
            return Errno.ENOTDIR;
        if (ReferenceEquals(d, Root))
            return Errno.EBUSY;
        if (d.Entries.Count > 0)
            return Errno.ENOTEMPTY;
        Removed(w.Dir!, w.Name);
        w.Dir!.Entries.Remove(w.Name);
        w.Dir.Mtime = null;
        d.Removed = true;
        return Errno.OK;
    }

    public Errno Unlink(string path)
    {
        var err = Find(path, false, out var w);
        if (err != Errno.OK)
            return err;
        if (w.Node is MDir)
            return Errno.EISDIR;
        Removed(w.Dir!, w.Name);
        w.Dir!.Entries.Remove(w.Name);
        w.Dir.Mtime = null;
        Unref(w.Node!);
        return Errno.OK;
    }

    private static void Unref(MNode n)
    {
        switch (n)
        {
            case MFile f: f.Nlink--; break;
            case MLink l: l.Nlink--; break;
            case MDir d: d.Removed = true; break;
        }
    }

    public Errno Rename(string from, string to)
    {
        var err = Find(from, false, out var s);
        if (err != Errno.OK)
            return err;
        var t = Resolve(to, followLast: false);
        if (t.Err != Errno.OK)
            return t.Err;
        if (s.Name is "." or ".." || t.Name is "." or "..")
            return Errno.EINVAL;
        if (ReferenceEquals(s.Node, Root) || ReferenceEquals(t.Node, Root))
            return Errno.EBUSY;
        if (s.Node is MDir sd && !ReferenceEquals(s.Dir, t.Dir))
            for (var p = t.Dir!; ; p = p.Parent!)
            {
                if (ReferenceEquals(p, sd))
                    return Errno.EINVAL;
                if (ReferenceEquals(p, Root))
                    break;
            }
        if (t.Node is not null)
        {
            if (ReferenceEquals(t.Node, s.Node))
                return Errno.OK;
            if (s.Node is MDir)
            {
                if (t.Node is not MDir td)
                    return Errno.ENOTDIR;
                if (td.Entries.Count > 0)
                    return Errno.ENOTEMPTY;
            }
            else if (t.Node is MDir)
                return Errno.EISDIR;
            Unref(t.Node);
            Removed(t.Dir!, t.Name);
        }
        Removed(s.Dir!, s.Name);
        s.Dir!.Entries.Remove(s.Name);
        t.Dir!.Entries[t.Name] = s.Node!;
        if (s.Node is MDir moved)
            moved.Parent = t.Dir;
        s.Dir.Mtime = t.Dir.Mtime = s.Node!.Mtime = null;
        return Errno.OK;
    }

    public Errno Link(string existing, string newPath)
    {
        var err = Find(existing, false, out var s);
        if (err != Errno.OK)
            return err;
        var t = Resolve(newPath, followLast: false);
        if (t.Err != Errno.OK)
            return t.Err;
        if (t.Node is not null)
            return Errno.EEXIST;
        switch (s.Node)
        {
            case MDir: return Errno.EPERM;
            case MFile f: f.Nlink++; break;
            case MLink l: l.Nlink++; break;
        }
        t.Dir!.Entries[t.Name] = s.Node!;
        t.Dir.Mtime = null;
        return Errno.OK;
    }

    public Errno Symlink(string target, string linkPath)
    {
        var w = Resolve(linkPath, followLast: false);
        if (w.Err != Errno.OK)
            return w.Err;
        if (w.Node is not null)
            return Errno.EEXIST;
        w.Dir!.Entries[w.Name] = new MLink { Id = ++_nextId, Mode = LinkMode, Target = target, Uid = Cred.Uid, Gid = Cred.Gid };
        w.Dir.Mtime = null;
        return Errno.OK;
    }

    public Errno Readlink(string path, out string target)
    {
        target = "";
        var err = Find(path, false, out var w);
        if (err != Errno.OK)
            return err;
        if (w.Node is not MLink l)
            return Errno.EINVAL;
        target = l.Target;
        return Errno.OK;
    }

    public Errno Stat(string path, bool follow, out MNode? node)
    {
        node = null;
        var err = Find(path, follow, out var w);
        if (err != Errno.OK)
            return err;
        node = w.Node;
        return Errno.OK;
    }

    public Errno Chmod(string path, uint mode)
    {
        var err = Find(path, true, out var w);
        if (err != Errno.OK)
            return err;
        if (!Owns(w.Node!))
            return Errno.EPERM;
        w.Node!.Mode = mode & 0xFFF;
        return Errno.OK;
    }

    /// <summary>
    /// chown(2) (uint.MaxValue keeps an id): root may give any ids; a user only owns to themselves, and may change the
    /// group only to one of their own. Returns OK, ENOENT, ENOTDIR, EACCES, ELOOP, EPERM.
    /// </summary>
    public Errno Chown(string path, uint uid, uint gid)
    {
        var err = Find(path, true, out var w);
        if (err != Errno.OK)
            return err;
        var n = w.Node!;
        if (uid == uint.MaxValue && gid == uint.MaxValue)
            return Errno.OK;
        if (!Cred.IsSuperUser && (Cred.Uid != n.Uid || (uid != uint.MaxValue && uid != n.Uid)
                || (gid != uint.MaxValue && gid != n.Gid && !Cred.GroupMember(gid))))
            return Errno.EPERM;
        if (uid != uint.MaxValue)
            n.Uid = uid;
        if (gid != uint.MaxValue)
            n.Gid = gid;
        return Errno.OK;
    }

    /// <summary>
    /// utimes(2): <paramref name="mtime"/> null is utimes(path, NULL), both times "now" (the owner, root, or a process
    /// with write permission: else EACCES); explicit times (atime and mtime alike) are for the owner or root (EPERM).
    /// </summary>
    public Errno Utimes(string path, Timespec? mtime)
    {
        var err = Find(path, true, out var w);
        if (err != Errno.OK)
            return err;
        var n = w.Node!;
        if (!Owns(n))
        {
            if (mtime is not null)
                return Errno.EPERM;
            if (!May(n, 2))
                return Errno.EACCES;
        }
        n.Mtime = mtime;
        return Errno.OK;
    }

    /// <summary>fsync(2): only the descriptor is checked; a file's bytes now are what a power cut must keep (SyncRecord).</summary>
    public Errno Fsync(int fd)
    {
        if (!Fds.TryGetValue(fd, out var of))
            return Errno.EBADF;
        if (of.Node is MFile f)
            f.Synced = new SyncRecord { Data = f.Data.ToArray(), Path = PathOf(f), RemovedAtSync = _removed.Count };
        return Errno.OK;
    }

    /// <summary>A path (under Mnt) that names <paramref name="n"/> now, the first in name order, or null.</summary>
    public string? PathOf(MNode n)
    {
        string? Search(MDir d, string path)
        {
            foreach (var (name, child) in d.Entries)
            {
                if (ReferenceEquals(child, n))
                    return path + "/" + name;
                if (child is MDir cd && Search(cd, path + "/" + name) is { } found)
                    return found;
            }
            return null;
        }
        return Search(Root, Mnt);
    }

    /// <summary>True when removing the name <paramref name="path"/> (unlink, rmdir, or rename over it) would drop the last link of a file, or a directory, some process has open.</summary>
    public bool WouldOrphanOpenFile(string? path)
    {
        if (path is null)
            return false;
        var w = Resolve(path, followLast: false);
        if (w.Err != Errno.OK || w.Node is not (MFile { Nlink: 1 } or MDir))
            return false; // a directory has one name: over NFS, removing it while open makes it stale as a file would
        return _fdsByPid.Values.Any(fds => fds.Values.Any(of => ReferenceEquals(of.Node, w.Node)));
    }

    /// <summary>What stat(2) would report for a node: type, size, link count.</summary>
    public static (VType Type, long Size, uint Nlink) Describe(MNode n) => n switch
    {
        MFile f => (VType.VREG, f.Data.Count, (uint)f.Nlink),
        MDir d => (VType.VDIR, -1, (uint)d.Nlink),
        MLink l => (VType.VLNK, FsName.ByteCount(l.Target), (uint)l.Nlink),
        _ => throw new InvalidOperationException(),
    };

    /// <summary>Every node still alive: reachable from the root, or held by an open file.</summary>
    public int LiveNodes()
    {
        var seen = new HashSet<int>();
        void Visit(MNode n)
        {
            if (!seen.Add(n.Id))
                return;
            if (n is MDir d)
                foreach (var c in d.Entries.Values)
                    Visit(c);
        }
        Visit(Root);
        foreach (var fds in _fdsByPid.Values)
            foreach (var of in fds.Values)
                seen.Add(of.Node.Id);
        return seen.Count;
    }
}
