// Vfs.Sim: the system calls a history is made of, how to generate realistic histories of several processes,
// and how to shrink a failing one to a readable one.
//
// Paths come from a small name space (a, b, c, up to three deep, under /m), and each call is drawn
// knowing what the calls before it made, so that collisions -- creating what exists, removing what is
// open, renaming onto links and into subtrees, linking directories -- happen often.
// Descriptors are named by slot: the k-th open descriptor at the time of the call (modulo how many
// are open), or, for a negative slot, a number nothing is open on. Removing a call from a sequence
// therefore never leaves a dangling reference; it only changes which file a slot reaches.
using FsCheck;
using FsCheck.Fluent;
using UnixVfs.Sim.Model;

namespace UnixVfs.Sim.History;

/// <summary>One system call with its arguments.</summary>
public abstract record Op
{
    /// <summary>Simpler versions of this call, for shrinking.</summary>
    public virtual IEnumerable<Op> Shrink() => [];
}

public sealed record OpenOp(string Path, OFlags Flags) : Op
{
    public override string ToString() => $"open(\"{Path}\", {FlagText(Flags)})";

    public override IEnumerable<Op> Shrink()
    {
        foreach (var f in new[] { OFlags.O_EXCL, OFlags.O_TRUNC, OFlags.O_APPEND, OFlags.O_NOFOLLOW, OFlags.O_DIRECTORY })
            if ((Flags & f) != 0)
                yield return this with { Flags = Flags & ~f };
        foreach (var p in OpGen.ShorterPaths(Path))
            yield return this with { Path = p };
    }

    public static string FlagText(OFlags f)
    {
        var parts = new List<string> { (f & OFlags.O_ACCMODE) switch { OFlags.O_WRONLY => "O_WRONLY", OFlags.O_RDWR => "O_RDWR", _ => "O_RDONLY" } };
        foreach (var x in new[] { OFlags.O_CREAT, OFlags.O_EXCL, OFlags.O_TRUNC, OFlags.O_APPEND, OFlags.O_DIRECTORY, OFlags.O_NOFOLLOW })
            if ((f & x) != 0)
                parts.Add(x.ToString());
        return string.Join('|', parts);
    }
}

public sealed record CloseOp(int Slot) : Op
{
    public override string ToString() => $"close(fd#{Slot})";
}

public sealed record WriteOp(int Slot, int Length, byte Fill) : Op
{
    public override string ToString() => $"write(fd#{Slot}, {Length} x 0x{Fill:X2})";
    public override IEnumerable<Op> Shrink() => OpGen.Smaller(Length, 1).Select(n => this with { Length = n });
}

public sealed record PwriteOp(int Slot, int Length, byte Fill, long Offset) : Op
{
    public override string ToString() => $"pwrite(fd#{Slot}, {Length} x 0x{Fill:X2}, {Offset})";
    public override IEnumerable<Op> Shrink() =>
        OpGen.Smaller(Length, 1).Select(n => this with { Length = n })
            .Concat(OpGen.Smaller(Offset, 0).Select(o => this with { Offset = o }));
}

public sealed record ReadOp(int Slot, int Length) : Op
{
    public override string ToString() => $"read(fd#{Slot}, {Length})";
    public override IEnumerable<Op> Shrink() => OpGen.Smaller(Length, 0).Select(n => this with { Length = n });
}

public sealed record PreadOp(int Slot, int Length, long Offset) : Op
{
    public override string ToString() => $"pread(fd#{Slot}, {Length}, {Offset})";
    public override IEnumerable<Op> Shrink() =>
        OpGen.Smaller(Length, 0).Select(n => this with { Length = n })
            .Concat(OpGen.Smaller(Offset, 0).Select(o => this with { Offset = o }));
}

public sealed record LseekOp(int Slot, long Offset, Whence Whence) : Op
{
    public override string ToString() => $"lseek(fd#{Slot}, {Offset}, {Whence})";
    public override IEnumerable<Op> Shrink() => OpGen.Smaller(Offset, 0).Select(o => this with { Offset = o });
}

public sealed record FtruncateOp(int Slot, long Length) : Op
{
    public override string ToString() => $"ftruncate(fd#{Slot}, {Length})";
    public override IEnumerable<Op> Shrink() => OpGen.Smaller(Length, 0).Select(n => this with { Length = n });
}

public sealed record FstatOp(int Slot) : Op
{
    public override string ToString() => $"fstat(fd#{Slot})";
}

public sealed record TruncateOp(string Path, long Length) : Op
{
    public override string ToString() => $"truncate(\"{Path}\", {Length})";
    public override IEnumerable<Op> Shrink() =>
        OpGen.Smaller(Length, 0).Select(n => this with { Length = n })
            .Concat(OpGen.ShorterPaths(Path).Select(p => this with { Path = p }));
}

public sealed record MkdirOp(string Path) : Op
{
    public override string ToString() => $"mkdir(\"{Path}\")";
    public override IEnumerable<Op> Shrink() => OpGen.ShorterPaths(Path).Select(p => this with { Path = p });
}

public sealed record RmdirOp(string Path) : Op
{
    public override string ToString() => $"rmdir(\"{Path}\")";
    public override IEnumerable<Op> Shrink() => OpGen.ShorterPaths(Path).Select(p => this with { Path = p });
}

public sealed record UnlinkOp(string Path) : Op
{
    public override string ToString() => $"unlink(\"{Path}\")";
    public override IEnumerable<Op> Shrink() => OpGen.ShorterPaths(Path).Select(p => this with { Path = p });
}

public sealed record RenameOp(string From, string To) : Op
{
    public override string ToString() => $"rename(\"{From}\", \"{To}\")";
    public override IEnumerable<Op> Shrink() =>
        OpGen.ShorterPaths(From).Select(p => this with { From = p })
            .Concat(OpGen.ShorterPaths(To).Select(p => this with { To = p }));
}

public sealed record LinkOp(string Existing, string New) : Op
{
    public override string ToString() => $"link(\"{Existing}\", \"{New}\")";
    public override IEnumerable<Op> Shrink() =>
        OpGen.ShorterPaths(Existing).Select(p => this with { Existing = p })
            .Concat(OpGen.ShorterPaths(New).Select(p => this with { New = p }));
}

public sealed record SymlinkOp(string Target, string LinkPath) : Op
{
    public override string ToString() => $"symlink(\"{Target}\", \"{LinkPath}\")";
    public override IEnumerable<Op> Shrink() => OpGen.ShorterPaths(LinkPath).Select(p => this with { LinkPath = p });
}

public sealed record ReadlinkOp(string Path) : Op
{
    public override string ToString() => $"readlink(\"{Path}\")";
}

public sealed record StatOp(string Path, bool Follow) : Op
{
    public override string ToString() => $"{(Follow ? "stat" : "lstat")}(\"{Path}\")";
    public override IEnumerable<Op> Shrink() => OpGen.ShorterPaths(Path).Select(p => this with { Path = p });
}

public sealed record ChmodOp(string Path, uint Mode) : Op
{
    public override string ToString() => $"chmod(\"{Path}\", 0{Convert.ToString(Mode, 8)})";
    public override IEnumerable<Op> Shrink() => OpGen.ShorterPaths(Path).Select(p => this with { Path = p });
}

/// <summary>chown(2); uint.MaxValue ((uid_t)-1) keeps that id.</summary>
public sealed record ChownOp(string Path, uint Uid, uint Gid) : Op
{
    public override string ToString() => $"chown(\"{Path}\", {Id(Uid)}, {Id(Gid)})";
    public override IEnumerable<Op> Shrink() => OpGen.ShorterPaths(Path).Select(p => this with { Path = p });
    private static string Id(uint id) => id == uint.MaxValue ? "-1" : id.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>utimes(2): both times set to <paramref name="Mtime"/> seconds, or, when null, utimes(path, NULL): both "now".</summary>
public sealed record UtimesOp(string Path, long? Mtime) : Op
{
    public override string ToString() => $"utimes(\"{Path}\", {(Mtime is { } t ? t.ToString(System.Globalization.CultureInfo.InvariantCulture) : "NULL")})";
    public override IEnumerable<Op> Shrink() => OpGen.ShorterPaths(Path).Select(p => this with { Path = p });

    /// <summary>The times the call passes (null for NULL).</summary>
    public Timespec[]? Times => Mtime is { } t ? [new Timespec(t, 0), new Timespec(t, 0)] : null;
}

public sealed record FsyncOp(int Slot) : Op
{
    public override string ToString() => $"fsync(fd#{Slot})";
}

/// <summary>One call of a history: which process makes it, and what it is.</summary>
public sealed record Call(int Pid, Op Op)
{
    public override string ToString() => $"[{Pid}] {Op}";
}

/// <summary>
/// A history: the calls of several processes in the order the seeded scheduler interleaved them; prints one per
/// line so that a shrunk counterexample reads as a script.
/// </summary>
public sealed class Script
{
    private readonly Call[] _calls;

    public Script(IEnumerable<Call> calls) => _calls = calls.ToArray();

    /// <summary>A history of one process.</summary>
    public Script(IEnumerable<Op> ops) : this(ops.Select(o => new Call(1, o))) { }

    public IReadOnlyList<Call> Calls => _calls;

    public override string ToString() =>
        $"{_calls.Length} calls:\n" + string.Join('\n', _calls.Select((c, i) => $"  {i,3}: {c}"));
}

/// <summary>
/// Generators and shrinkers. A script is generated call by call against a model of what the calls so far
/// have made, so that most calls name things that exist (and the rest name things that do not): FsCheck
/// draws the seeds and the length, the model makes each call plausible.
/// </summary>
public static class OpGen
{
    private static readonly string[] Names = ["a", "b", "c"];

    /// <summary>Histories of one process, as long as FsCheck's size.</summary>
    public static Gen<Script> Scripts => Histories(1);

    /// <summary>Histories of <paramref name="processes"/> processes, as long as FsCheck's size.</summary>
    public static Gen<Script> Histories(int processes) =>
        Gen.Sized(size => Gen.Choose(1, Math.Max(1, size)).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, int.MaxValue), n)))
            .Select(seeds => Build(seeds, processes));

    /// <summary>
    /// The history of <paramref name="calls"/> calls that <paramref name="seed"/> makes: the same seed gives the same
    /// history on every run and machine (the simulator's replay depends on it).
    /// </summary>
    /// <param name="seed">The seed.</param>
    /// <param name="calls">How many calls.</param>
    /// <param name="processes">How many processes make them.</param>
    /// <param name="keepOpenFilesLinked">Never remove the last name of a file or directory some process has open (a call that would is drawn again).</param>
    /// <param name="guests">How many of the processes (the last ones) are not root (CredOf): they make attribute calls only.</param>
    public static Script Generate(int seed, int calls, int processes, bool keepOpenFilesLinked = false, int guests = 0)
    {
        var r = new Random(seed);
        var seeds = new int[calls];
        for (int i = 0; i < calls; i++)
            seeds[i] = r.Next();
        return Build(seeds, processes, keepOpenFilesLinked, guests);
    }

    private static Script Build(int[] seeds, int processes, bool keepOpenFilesLinked = false, int guests = 0)
    {
        var m = new FsModel();
        for (int pid = processes - guests + 1; pid <= processes; pid++)
            m.SetCred(pid, CredOf(pid, processes, guests));
        var calls = new List<Call>();
        foreach (int seed in seeds)
        {
            var r = new Random(seed);
            int pid = 1 + r.Next(processes);
            m.Use(pid);
            if (!m.Cred.IsSuperUser)
            {
                var gop = GuestNext(new Drawing(m), r, m.Cred.Uid);
                calls.Add(new Call(pid, gop));
                ApplyToModel(m, gop);
                continue;
            }
            var drawing = new Drawing(m);
            var op = Next(drawing, r);
            while (keepOpenFilesLinked && m.WouldOrphanOpenFile(RemovedName(op)))
                op = Next(drawing, r);
            calls.Add(new Call(pid, op));
            ApplyToModel(m, op);
        }
        return new Script(calls);
    }

    /// <summary>
    /// Whether <paramref name="history"/> keeps open files linked: no call in it removes the last name of a file or
    /// directory some process holds open. Generate's histories with keepOpenFilesLinked do; a shrink that drops a close
    /// may not, and then replays what the world's rule rules out (over NFS: docs/verification.md, Findings 6).
    /// </summary>
    public static bool KeepsOpenFilesLinked(Script history, int processes, int guests = 0)
    {
        var m = new FsModel();
        for (int pid = processes - guests + 1; pid <= processes; pid++)
            m.SetCred(pid, CredOf(pid, processes, guests));
        foreach (var call in history.Calls)
        {
            m.Use(call.Pid);
            if (m.WouldOrphanOpenFile(RemovedName(call.Op)))
                return false;
            ApplyToModel(m, call.Op);
        }
        return true;
    }

    /// <summary>The name <paramref name="op"/> removes or replaces, if it removes one.</summary>
    internal static string? RemovedName(Op op) => op switch { UnlinkOp u => u.Path, RmdirOp d => d.Path, RenameOp rn => rn.To, _ => null };

    /// <summary>A call that is likely to be interesting in the state <paramref name="d"/> draws from.</summary>
    private static Op Next(Drawing d, Random r)
    {
        var m = d.Model;
        int pick = r.Next(100);
        if (m.Fds.Count == 0 && pick < 45)
            pick = r.Next(2) == 0 ? 0 : r.Next(51, 100); // nothing open: open something, or change a name
        return pick switch
        {
            < 18 => new OpenOp(PathFor(d, r, 50), Flags(r)),
            < 24 => new CloseOp(Slot(m, r)),
            < 33 => new WriteOp(Slot(m, r), Length(r), (byte)r.Next(1, 256)),
            < 37 => new PwriteOp(Slot(m, r), Length(r), (byte)r.Next(1, 256), Offset(r)),
            < 42 => new ReadOp(Slot(m, r), Length(r)),
            < 45 => new PreadOp(Slot(m, r), Length(r), Offset(r)),
            < 47 => r.Next(3) switch
            {
                0 => new LseekOp(Slot(m, r), Offset(r), Whence.SEEK_SET),
                1 => new LseekOp(Slot(m, r), r.Next(-300, 300), Whence.SEEK_CUR),
                _ => new LseekOp(Slot(m, r), r.Next(-300, 300), Whence.SEEK_END),
            },
            < 49 => new FtruncateOp(Slot(m, r), Offset(r)),
            < 51 => new FstatOp(Slot(m, r)),
            < 53 => new TruncateOp(PathFor(d, r, 70, n => n is MFile), Offset(r)),
            < 62 => new MkdirOp(PathFor(d, r, 30)),
            < 67 => new RmdirOp(PathFor(d, r, 75, n => n is MDir)),
            < 73 => new UnlinkOp(PathFor(d, r, 75, n => n is not MDir)),
            < 83 => new RenameOp(PathFor(d, r, 80), PathFor(d, r, 45)),
            < 88 => new LinkOp(PathFor(d, r, 80, n => n is not MDir), PathFor(d, r, 30)),
            < 92 => new SymlinkOp(LinkTarget(d, r), PathFor(d, r, 25)),
            < 93 => new ReadlinkOp(PathFor(d, r, 70, n => n is MLink)),
            < 94 => new ChmodOp(PathFor(d, r, 80), (uint)(0x180 | r.Next(0x80))),
            < 95 => new FsyncOp(Slot(m, r)),
            _ => StatOrAttr(new StatOp(PathFor(d, r, 60), r.Next(2) == 0), m, r),
        };
    }

    /// <summary>
    /// Most stat calls become chown or utimes of the same path, or an fsync (what a power cut must keep: a quarter of
    /// them), drawn after the stat's own arguments, so that every seed's other calls stay what they were before.
    /// A utimes sets "now" (NULL) one time in three, else a time anywhere in 2020-2023, which may lie ahead of the
    /// world's clock (its epoch is 2001): Fixed 20 and Fixed 21 of docs/verification.md were found so.
    /// </summary>
    private static Op StatOrAttr(StatOp st, FsModel m, Random r) => r.Next(8) switch
    {
        < 2 => new ChownOp(st.Path, Ids[r.Next(Ids.Length)], Gids[r.Next(Gids.Length)]),
        < 4 => new UtimesOp(st.Path, r.Next(3) == 0 ? null : 1_600_000_000L + r.Next(100_000_000)),
        < 7 => new FsyncOp(Slot(m, r)),
        _ => st,
    };

    private static readonly uint[] Ids = [0, 1000, 1001, uint.MaxValue];
    private static readonly uint[] Gids = [0, 100, 101, uint.MaxValue];

    /// <summary>The calls of a guest (a process that is not root): attributes only (FsModel's rules for users).</summary>
    private static Op GuestNext(Drawing d, Random r, uint uid) => r.Next(4) switch
    {
        0 => new ChownOp(PathFor(d, r, 90), r.Next(2) == 0 ? uid : Ids[r.Next(Ids.Length)], Gids[r.Next(Gids.Length)]),
        1 => new UtimesOp(PathFor(d, r, 90), r.Next(2) == 0 ? null : 1_600_000_000L + r.Next(100_000_000)),
        2 => new ChmodOp(PathFor(d, r, 90), (uint)(0x180 | r.Next(0x80))),
        _ => new StatOp(PathFor(d, r, 60), r.Next(2) == 0),
    };

    /// <summary>
    /// The credentials of process <paramref name="pid"/> of <paramref name="processes"/> when the last
    /// <paramref name="guests"/> are guests: uid 1000 + pid, gid 100, also in group 101; else root.
    /// </summary>
    public static Cred CredOf(int pid, int processes, int guests) =>
        pid > processes - guests ? new Cred((uint)(1000 + pid), 100, 101) : Cred.Kcred;

    /// <summary>
    /// A path that exists with probability <paramref name="existingPercent"/> (mostly one of the kind
    /// <paramref name="prefer"/> likes), else a new name in an existing directory, or any path of the name space.
    /// </summary>
    private static string PathFor(Drawing d, Random r, int existingPercent, Func<MNode, bool>? prefer = null)
    {
        var existing = d.Existing;
        if (existing.Count > 0 && r.Next(100) < existingPercent)
        {
            var liked = existing;
            if (prefer is not null)
            {
                liked = new List<(string, MNode)>(existing.Count);
                foreach (var x in existing)
                    if (prefer(x.Node))
                        liked.Add(x);
            }
            var from = liked.Count > 0 && r.Next(10) < 7 ? liked : existing;
            string e = from[r.Next(from.Count)].Path;
            // Sometimes a name inside what exists: a new name in a directory, or a path through a file or link.
            return r.Next(6) == 0 && e.AsSpan().Count('/') < 4 ? e + "/" + Names[r.Next(Names.Length)] : e;
        }
        if (r.Next(10) < 6)
        {
            var dirs = d.Dirs;
            return dirs[r.Next(dirs.Count)] + "/" + Names[r.Next(Names.Length)];
        }
        int depth = r.Next(10) switch { < 5 => 1, < 8 => 2, _ => 3 };
        var path = FsModel.Mnt;
        for (int i = 0; i < depth; i++)
            path += "/" + Names[r.Next(Names.Length)];
        return path;
    }

    /// <summary>
    /// The model as one call is drawn from it: what exists (every path down to three levels, in name order) and the
    /// directories a new name may go in (those, then the top), each listed at most once per call -- drawing a call
    /// does not change the model, and a call draws up to three paths.
    /// </summary>
    private sealed class Drawing(FsModel m)
    {
        private List<(string Path, MNode Node)>? _existing;
        private List<string>? _dirs;

        public FsModel Model => m;

        public List<(string Path, MNode Node)> Existing => _existing ??= Paths(m);

        public List<string> Dirs
        {
            get
            {
                if (_dirs is null)
                {
                    _dirs = new List<string>();
                    foreach (var (path, node) in Existing)
                        if (node is MDir)
                            _dirs.Add(path);
                    _dirs.Add(FsModel.Mnt);
                }
                return _dirs;
            }
        }
    }

    private static List<(string Path, MNode Node)> Paths(FsModel m)
    {
        var list = new List<(string, MNode)>();
        void Walk(MDir d, string path, int depth)
        {
            foreach (var (name, child) in d.Entries)
            {
                string p = path + "/" + name;
                list.Add((p, child));
                if (child is MDir cd && depth < 3)
                    Walk(cd, p, depth + 1);
            }
        }
        Walk(m.Root, FsModel.Mnt, 1);
        return list;
    }

    /// <summary>A link's text: absolute into the name space, or relative to the link's directory.</summary>
    private static string LinkTarget(Drawing d, Random r) => r.Next(10) switch
    {
        < 5 => PathFor(d, r, 60),
        < 8 => Names[r.Next(Names.Length)],
        _ => Names[r.Next(Names.Length)] + "/" + Names[r.Next(Names.Length)],
    };

    private static int Slot(FsModel m, Random r) => r.Next(15) == 0 ? -1 : r.Next(Math.Max(1, m.Fds.Count));

    /// <summary>Sizes that straddle page boundaries often.</summary>
    private static int Length(Random r) => r.Next(10) switch
    {
        < 6 => r.Next(1, 21),
        < 8 => r.Next(1, 9001),
        _ => new[] { 4095, 4096, 4097, 8192 }[r.Next(4)],
    };

    private static long Offset(Random r) => r.Next(20) switch
    {
        < 12 => r.Next(0, 13001),
        < 19 => new[] { 0L, 4095L, 4096L, 4097L, 8191L, 8192L }[r.Next(6)],
        _ => -1,
    };

    private static OFlags Flags(Random r)
    {
        var f = new[] { OFlags.O_RDONLY, OFlags.O_WRONLY, OFlags.O_RDWR }[r.Next(3)];
        if (r.Next(100) < 60) f |= OFlags.O_CREAT;
        if (r.Next(100) < 15) f |= OFlags.O_EXCL;
        if (r.Next(100) < 20) f |= OFlags.O_TRUNC;
        if (r.Next(100) < 20) f |= OFlags.O_APPEND;
        if (r.Next(100) < 8) f |= OFlags.O_DIRECTORY;
        if (r.Next(100) < 10) f |= OFlags.O_NOFOLLOW;
        return f;
    }

    /// <summary>Makes <paramref name="op"/> on the model alone (descriptors numbered as the real process numbers them).</summary>
    public static void ApplyToModel(FsModel m, Op op)
    {
        switch (op)
        {
            case OpenOp o: m.Open(o.Path, o.Flags, LowestFree(m)); break;
            case CloseOp c: m.Close(Fd(m, c.Slot)); break;
            case WriteOp w: m.Write(Fd(m, w.Slot), new byte[w.Length], out _); break;
            case PwriteOp w: m.Pwrite(Fd(m, w.Slot), new byte[w.Length], w.Offset, out _); break;
            case ReadOp rd: m.Read(Fd(m, rd.Slot), rd.Length, out _); break;
            case PreadOp rd: m.Pread(Fd(m, rd.Slot), rd.Length, rd.Offset, out _); break;
            case LseekOp l: m.Lseek(Fd(m, l.Slot), l.Offset, l.Whence, out _); break;
            case FtruncateOp t: m.Ftruncate(Fd(m, t.Slot), t.Length); break;
            case TruncateOp t: m.Truncate(t.Path, t.Length); break;
            case MkdirOp d: m.Mkdir(d.Path); break;
            case RmdirOp d: m.Rmdir(d.Path); break;
            case UnlinkOp u: m.Unlink(u.Path); break;
            case RenameOp rn: m.Rename(rn.From, rn.To); break;
            case LinkOp l: m.Link(l.Existing, l.New); break;
            case SymlinkOp s: m.Symlink(s.Target, s.LinkPath); break;
            case ChmodOp c: m.Chmod(c.Path, c.Mode); break;
            case ChownOp c: m.Chown(c.Path, c.Uid, c.Gid); break;
            case UtimesOp u: m.Utimes(u.Path, u.Times?[1]); break;
            case FsyncOp f: m.Fsync(Fd(m, f.Slot)); break;
        }
    }

    /// <summary>The descriptor a slot names in the model's current process (900, which nothing has open, for a negative slot).</summary>
    public static int Fd(FsModel m, int slot)
    {
        if (slot < 0 || m.Fds.Count == 0)
            return 900;
        return m.Fds.Keys.ElementAt(slot % m.Fds.Count);
    }

    /// <summary>The descriptor open(2) returns next in the model's current process.</summary>
    public static int LowestFree(FsModel m)
    {
        int fd = 0;
        while (m.Fds.ContainsKey(fd))
            fd++;
        return fd;
    }

    /// <summary>Shrinks by dropping runs of calls (halves first, then single calls), then by simplifying one call.</summary>
    public static IEnumerable<Script> ShrinkScript(Script s)
    {
        var calls = s.Calls;
        for (int chunk = calls.Count / 2; chunk >= 1; chunk /= 2)
            for (int start = 0; start + chunk <= calls.Count; start += chunk)
                yield return new Script(calls.Take(start).Concat(calls.Skip(start + chunk)));
        for (int i = 0; i < calls.Count; i++)
            foreach (var simpler in calls[i].Op.Shrink())
                yield return new Script(calls.Take(i).Append(calls[i] with { Op = simpler }).Concat(calls.Skip(i + 1)));
    }

    /// <summary>Histories of one process, shrinking (FsCheck).</summary>
    public static Arbitrary<Script> Arbitrary => Arb.From(Scripts, ShrinkScript);

    /// <summary>Histories of <paramref name="processes"/> processes, shrinking (FsCheck).</summary>
    public static Arbitrary<Script> ArbitraryOf(int processes) => Arb.From(Histories(processes), ShrinkScript);

    /// <summary>The same path with a component less (from the front), down to one.</summary>
    public static IEnumerable<string> ShorterPaths(string path)
    {
        var parts = path[(FsModel.Mnt.Length + 1)..].Split('/');
        if (parts.Length > 1)
            yield return FsModel.Mnt + "/" + string.Join('/', parts.Skip(1));
        if (parts[^1] != "a")
            yield return FsModel.Mnt + "/" + string.Join('/', parts[..^1].Append("a"));
    }

    public static IEnumerable<int> Smaller(int n, int min)
    {
        if (n > min)
            yield return min;
        if (n / 2 > min)
            yield return n / 2;
    }

    public static IEnumerable<long> Smaller(long n, long min)
    {
        if (n != min)
            yield return min;
        if (n / 2 > min)
            yield return n / 2;
    }
}
