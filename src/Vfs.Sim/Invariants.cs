// Vfs.Sim: invariants as a public API -- what must hold after every call of a history and at the end of a run.
//
// An invariant is a class with a name and one or both of AfterCall and AtEnd, each returning null when it holds
// and a sentence saying what is wrong when it does not. The simulator calls every invariant it is given (the
// built-in ones below unless told otherwise) and counts each call as one check. A researcher's own invariant is
// a subclass in a few lines (docs/verification.md shows one); it sees the world, the model, the call just made
// and its outcome.
using UnixVfs.Mirror;
using UnixVfs.Sim.History;
using UnixVfs.Sim.Model;

namespace UnixVfs.Sim;

/// <summary>What an invariant sees.</summary>
public sealed class SimContext
{
    internal SimContext(World world, FsModel model)
    {
        World = world;
        Model = model;
        world.Restarted += Restart;
    }

    /// <summary>
    /// What went wrong at a restart of the process host: an fsync'd byte that did not survive
    /// (Invariants.PowerCutKeepsSynced.Check), or a tree that could not be read back.
    /// </summary>
    public IReadOnlyList<string> PowerProblems => _powerProblems;

    private readonly List<string> _powerProblems = new();

    /// <summary>
    /// After the process host rebooted: /m is a new mount, what survived is checked against what was fsync'd, and the
    /// model takes it (every descriptor closed, the tree read back) -- the model cannot say which unsynced change a power
    /// cut keeps, only that the fsync'd ones are kept.
    /// </summary>
    private void Restart(SimHostNode h)
    {
        if (h != World.ProcessHost)
            return;
        FaultJustApplied = true;
        var err = h.Admin.Lookupname(World.Top, true, out var top);
        if (err != Errno.OK)
        {
            _powerProblems.Add($"after the restart of {h.Name}, {World.Top}: {err}");
            return;
        }
        top!.Rele(); // the mount holds its root
        Top = top;
        if (Invariants.PowerCutKeepsSynced.Check(top, Model) is { } lost)
            _powerProblems.Add(lost);
        Model.Reboot();
        err = ModelTree.Load(top, Model, out var tree);
        if (err != Errno.OK)
            _powerProblems.Add($"after the restart of {h.Name}, reading {World.Top} back: {err}");
        else
            Model.Replace(tree);
    }

    public World World { get; }
    public FsModel Model { get; }

    /// <summary>The call just made (AfterCall), or null (AtEnd).</summary>
    public Call? Call { get; internal set; }

    /// <summary>What the call did on the file system and on the model.</summary>
    public CallOutcome? Outcome { get; internal set; }

    /// <summary>Virtual time the call took.</summary>
    public TimeSpan CallTime { get; internal set; }

    /// <summary>Calls made so far.</summary>
    public int Index { get; internal set; }

    /// <summary>
    /// True when a per-call check should look at everything (every Simulator.FullCheckEvery calls, after a fault, at
    /// the end); otherwise it may look only at what the call touched.
    /// </summary>
    public bool Full { get; internal set; } = true;

    /// <summary>
    /// True when the copies are compared with the model after this call: every Simulator.CheckEvery calls, and whenever
    /// Full. A comparison then covers what every call since the last one touched (Recent).
    /// </summary>
    public bool Due { get; internal set; } = true;

    /// <summary>The calls made since the copies were last compared, this one included.</summary>
    public IReadOnlyList<Call> Recent => RecentCalls;

    internal readonly List<Call> RecentCalls = new();

    internal bool FaultJustApplied;

    /// <summary>The vnode of /m on the process host, held by the context (the file system under test, or the mirror).</summary>
    public Vnode Top { get; internal set; } = null!;
}

/// <summary>A property of a run. Override AfterCall, AtEnd or both; return null when it holds.</summary>
public abstract class Invariant
{
    public abstract string Name { get; }

    /// <summary>Checked after every call of the history.</summary>
    public virtual string? AfterCall(SimContext c) => null;

    /// <summary>Checked once at the end, after every fault is healed and every copy is back online.</summary>
    public virtual string? AtEnd(SimContext c) => null;

    /// <summary>True when AfterCall is overridden (only those are counted per call).</summary>
    internal bool PerCall => GetType().GetMethod(nameof(AfterCall))!.DeclaringType != typeof(Invariant);

    /// <summary>True when AtEnd is overridden.</summary>
    internal bool AtTheEnd => GetType().GetMethod(nameof(AtEnd))!.DeclaringType != typeof(Invariant);

    public override string ToString() => Name;
}

/// <summary>The built-in invariants.</summary>
public static class Invariants
{
    /// <summary>Every call returns what the model returns: errno and value.</summary>
    public sealed class ModelResults : Invariant
    {
        public override string Name => "calls return what the model returns";
        public override string? AfterCall(SimContext c) => c.Outcome!.Problem;
    }

    /// <summary>After each call the file system under /m, and every available copy of its mirror, equals the model.</summary>
    public sealed class CopiesMatchModel : Invariant
    {
        public override string Name => "every available copy equals the model";

        /// <summary>
        /// When c.Due: the whole tree when c.Full, else the directories holding the names the recent calls mention
        /// (each compared with its entries, one level deep, in one walk down each tree): a call changes nothing else.
        /// </summary>
        public override string? AfterCall(SimContext c)
        {
            if (!c.Due)
                return null;
            List<string>? dirs = null;
            if (!c.Full)
            {
                dirs = [""];
                foreach (var call in c.Recent)
                    Touched(call.Op, dirs);
            }
            if (Compare(c.Top, c.Model, dirs) is { } view)
                return $"/m: {view}";
            foreach (var copy in Available(c.World))
            {
                // A copy that does not answer (a partitioned NFS copy the mirror has not yet sent anything to) is not
                // compared: the mirror notices at the next update, and the end of the run compares it after resync.
                // Its attributes and names may come from a client's cache, so a copy is also passed over when the
                // comparison failed because an NFS call did not get through.
                if (Vop.Getattr(copy.Root, new Vattr(AttrMask.AT_TYPE), AttrFlags.None, Cred.Kcred) != Errno.OK)
                    continue;
                if (Compare(copy.Root, c.Model, dirs) is { } p && !Unreachable.Any(e => p.Contains(e.ToString(), StringComparison.Ordinal)))
                    return $"copy {copy.Name} ({copy.Path}): {p}";
            }
            return null;
        }

        /// <summary>The errnos of a copy that did not answer (a partition, a host down), as a comparison reports them.</summary>
        private static readonly Errno[] Unreachable = [Errno.ETIMEDOUT, Errno.ENOTCONN, Errno.EHOSTDOWN, Errno.EHOSTUNREACH, Errno.ECONNREFUSED];

        private static string? Compare(Vnode root, FsModel m, List<string>? dirs)
        {
            return dirs is null ? ModelTree.Compare(root, m) : ModelTree.CompareDirectories(root, dirs, m);
        }

        /// <summary>Adds to <paramref name="dirs"/> (once each) every path an op names and its parent (under /m, as "a/b"; the top is "").</summary>
        private static void Touched(Op op, List<string> dirs)
        {
            var paths = op switch
            {
                OpenOp o => [o.Path],
                TruncateOp t => [t.Path],
                MkdirOp d => [d.Path],
                RmdirOp d => [d.Path],
                UnlinkOp u => [u.Path],
                RenameOp r => [r.From, r.To],
                LinkOp l => [l.Existing, l.New],
                SymlinkOp s => [s.LinkPath],
                ChmodOp ch => [ch.Path],
                ChownOp ch => [ch.Path],
                UtimesOp u => [u.Path],
                _ => new List<string>(),
            };
            foreach (var p in paths)
            {
                var rel = p.Length > FsModel.Mnt.Length ? p[(FsModel.Mnt.Length + 1)..] : "";
                int slash = rel.LastIndexOf('/');
                AddOnce(dirs, slash < 0 ? "" : rel[..slash]);
                AddOnce(dirs, rel);
            }
        }

        private static void AddOnce(List<string> dirs, string dir)
        {
            if (!dirs.Contains(dir))
                dirs.Add(dir);
        }
    }

    /// <summary>After recovery and resync every copy equals the model, and mfsadm verify finds the copies identical.</summary>
    public sealed class ResyncRestoresCopies : Invariant
    {
        public override string Name => "after resync every copy equals the model and verify is clean";

        public override string? AtEnd(SimContext c)
        {
            foreach (var m in c.World.Mirrors)
                foreach (var copy in m.Mfs.Copies)
                {
                    if (copy.State != CopyState.Available)
                        return $"copy {copy.Name} of {m.Host.Name}:{m.At} is {copy.State} after the repair: {copy.Reason}";
                    if (m == c.World.Mirror && ModelTree.Compare(copy.Root, c.Model) is { } p)
                        return $"copy {copy.Name} ({copy.Path}) after resync: {p}";
                }
            foreach (var m in c.World.Mirrors)
            {
                var err = MfsAdm.Verify(m.Host.Admin, m.At, out var report);
                if (err != Errno.OK)
                    return $"mfsadm verify {m.Host.Name}:{m.At} returned {err}";
                if (!report!.Identical)
                    return $"mfsadm verify {m.Host.Name}:{m.At}: {report}: " + string.Join("; ", report.Differences.Take(5).Select(d => $"{d.Path}: {d.What}"));
            }
            return null;
        }
    }

    /// <summary>No deadlock or livelock: every call finishes within a bound of virtual time.</summary>
    public sealed class CallsFinish(TimeSpan bound) : Invariant
    {
        public CallsFinish() : this(TimeSpan.FromMinutes(10)) { }

        public override string Name => "every call finishes within " + bound;
        public override string? AfterCall(SimContext c) =>
            c.CallTime <= bound ? null : $"{c.Call} took {c.CallTime} of virtual time";
    }

    /// <summary>Holds balance: with every descriptor closed, /m unmounts (nothing below it is still held), and so does each mirror.</summary>
    public sealed class HoldsBalance : Invariant
    {
        public override string Name => "every vnode is released at shutdown";

        public override string? AtEnd(SimContext c)
        {
            var h = c.World.ProcessHost;
            var err = h.Admin.Umount(World.Top);
            if (err != Errno.OK)
                return $"umount {h.Name}:{World.Top} returned {err}: something still holds a vnode";
            return null;
        }
    }

    /// <summary>
    /// After a power cut, every byte that was fsync'd survives, and fsck -y then fsck -n is clean. Precisely, at each
    /// restart of the process host (PowerFaults.cs), for every file whose last fsync returned OK (FsModel.Fsync):
    /// when no name on the path it was fsync'd under has been removed or renamed since (FsModel.RemovedNames), that path
    /// names a regular file whose size is its size at the fsync or one a later call gave it, and each of whose bytes is
    /// the fsync'd byte, a byte a later write put there, or a zero where the fsync'd file ended or a later truncate cut
    /// (SyncRecord.Allows). A change made after the fsync may or may not have survived, so either is accepted; what did
    /// survive becomes the model's state (SimContext.Restart). And fsck -n finds nothing after fsck -y on any disk.
    /// </summary>
    public sealed class PowerCutKeepsSynced : Invariant
    {
        public override string Name => "after a power cut every fsync'd byte survives and fsck -y then fsck -n is clean";

        public override string? AfterCall(SimContext c) => c.World.FsckProblems.FirstOrDefault() ?? c.PowerProblems.FirstOrDefault();

        /// <summary>Null when every fsync'd file under <paramref name="top"/> holds what the rule above allows, else the first that does not.</summary>
        public static string? Check(Vnode top, FsModel m)
        {
            foreach (var f in Files(m.Root).Concat(m.OpenNodes().OfType<MFile>()).Distinct())
            {
                if (f.Synced is not { Path: { } path } rec
                    || m.RemovedNames.Skip(rec.RemovedAtSync).Any(r => r == path || path.StartsWith(r + "/", StringComparison.Ordinal)))
                    continue;
                var err = Lookup(top, path, out var vp);
                if (err != Errno.OK)
                    return $"{path}, fsync'd with {rec.Data.Length} bytes, is gone after the power cut: {err}";
                try
                {
                    var va = new Vattr(AttrMask.AT_ALL);
                    err = Vop.Getattr(vp!, va, AttrFlags.None, Cred.Kcred);
                    if (err != Errno.OK || va.Type != VType.VREG)
                        return $"{path}, fsync'd, is {(err != Errno.OK ? err.ToString() : va.Type.ToString())} after the power cut";
                    if (va.Size != rec.Data.Length && !rec.Sizes.Contains(va.Size))
                        return $"{path}: {va.Size} bytes after the power cut; fsync'd with {rec.Data.Length}, later sizes [{string.Join(' ', rec.Sizes)}]";
                    var buf = new byte[va.Size];
                    var uio = new Uio(buf, 0, UioRw.UIO_READ);
                    err = Vop.Read(vp!, uio, FileFlags.None, Cred.Kcred);
                    if (err != Errno.OK || uio.Resid != 0)
                        return $"{path}: read after the power cut returned {err} with {uio.Resid} bytes short";
                    for (long i = 0; i < buf.Length; i++)
                        if (!rec.Allows(i, buf[i]))
                            return $"{path}: byte {i} is 0x{buf[i]:X2} after the power cut; fsync'd {(i < rec.Data.Length ? $"0x{rec.Data[i]:X2}" : "past the end")}, and no later call put it there";
                }
                finally
                {
                    vp!.Rele();
                }
            }
            return null;
        }

        private static IEnumerable<MFile> Files(MDir d) =>
            d.Entries.Values.SelectMany(n => n switch { MFile f => [f], MDir sub => Files(sub), _ => Enumerable.Empty<MFile>() });
    }

    /// <summary>
    /// Readers never see the copies disagree after a write returns: after every write or pwrite that returned OK through
    /// a mirror on the process host, each copy of it in use that is on that host (not over NFS: a reader there goes
    /// through the client that took the write) holds, at the range the write wrote, the model's bytes -- the file is
    /// reached by its name in the model (a file with none is not checked). One lookup per path component and one read of
    /// the written bytes per copy: cheap enough for every write.
    /// </summary>
    public sealed class CopiesAgreeAfterWrite : Invariant
    {
        public override string Name => "readers never see the copies disagree after a write returns";

        public override string? AfterCall(SimContext c)
        {
            var (slot, length, offset) = c.Call?.Op switch
            {
                WriteOp w => (w.Slot, w.Length, (long?)null),
                PwriteOp w => (w.Slot, w.Length, w.Offset),
                _ => (0, 0, null),
            };
            if (length == 0 || c.Outcome!.Got != Errno.OK || c.World.Mirror is not { } m || m.Host != c.World.ProcessHost
                || !c.Model.Fds.TryGetValue(OpGen.Fd(c.Model, slot), out var of) || of.Node is not MFile f
                || c.Model.PathOf(f) is not { } path)
                return null;
            long at = offset ?? of.Offset - length;
            var want = f.Data.GetRange((int)at, length).ToArray();
            foreach (var copy in Available(c.World).Where(x => x.Vfs.FstypeName != "nfs"))
            {
                var err = Lookup(copy.Root, path, out var vp);
                if (err != Errno.OK)
                    return $"copy {copy.Name}: {path}: lookup returned {err} after {c.Call}";
                var buf = new byte[length];
                var uio = new Uio(buf, at, UioRw.UIO_READ);
                err = Vop.Read(vp!, uio, FileFlags.None, Cred.Kcred);
                vp!.Rele();
                if (err != Errno.OK || uio.Resid != 0 || !buf.AsSpan().SequenceEqual(want))
                    return $"copy {copy.Name}: {path}: reading the {length} bytes at {at} just written returned {err}, {length - uio.Resid} bytes, {(buf.AsSpan().SequenceEqual(want) ? "the same" : "not the written ones")} ({c.Call})";
            }
            return null;
        }
    }

    /// <summary>The vnode <paramref name="path"/> ("/m/a/b", real directories only) names under <paramref name="top"/>, held.</summary>
    private static Errno Lookup(Vnode top, string path, out Vnode? vp)
    {
        var cur = top;
        cur.Hold();
        foreach (var part in path[FsModel.Mnt.Length..].Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var err = Vop.Lookup(cur, part, out var next, LookupFlags.None, null, Cred.Kcred);
            cur.Rele();
            if (err != Errno.OK)
            {
                vp = null;
                return err;
            }
            cur = next!;
        }
        vp = cur;
        return Errno.OK;
    }

    /// <summary>The built-in invariants, in the order they are checked (HoldsBalance last: it unmounts /m).</summary>
    public static IReadOnlyList<Invariant> Default() =>
        [new ModelResults(), new CallsFinish(), new CopiesMatchModel(), new CopiesAgreeAfterWrite(), new PowerCutKeepsSynced(),
            new ResyncRestoresCopies(), new HoldsBalance()];

    internal static IEnumerable<MirrorMember> Available(World w) =>
        w.Mirror is null ? [] : w.Mirror.Mfs.Copies.Where(x => x.State == CopyState.Available);
}
