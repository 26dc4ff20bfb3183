// Vfs.Sim conformance: one history of system calls on a fresh instance of a file system, checked against the
// reference model (Model/FsModel.cs) -- the errno and value of every call (History/CallRunner.cs), the tree under
// /m and under every available copy after every call (ModelTree.cs), and at the end: every descriptor closes, every
// copy equals the model once the disturbances are repaired, the inodes in use are what the model keeps alive,
// /m unmounts (no vnode still held), what stays behind is clean, and a remount shows the same tree.
//
// The histories come from Vfs.Sim's generators (History/Ops.cs) through FsCheck, so a failure shrinks to a short
// script; DisturbOp adds the file system's own disturbances (a mirror's copy offline or online) to them.
using FsCheck;
using FsCheck.Fluent;
using UnixVfs.Sim.History;
using UnixVfs.Sim.Model;

namespace UnixVfs.Sim.Conformance;

/// <summary>A disturbance of the file system under test between two calls (FsInstance.Disturbances[Which % count]).</summary>
public sealed record DisturbOp(int Which) : Op
{
    public override string ToString() => $"disturbance #{Which}";
}

/// <summary>Runs histories on file systems and says how they differ from the model.</summary>
public static class HistoryCheck
{
    /// <summary>
    /// Namespace histories: OpGen's calls of <paramref name="processes"/> processes, at most <paramref name="maxCalls"/>
    /// long, with the file system's disturbances interleaved (about one call in 15).
    /// </summary>
    public static Arbitrary<Script> Histories(FsUnderTest fs, int maxCalls, int processes) =>
        Arb.From(
            Gen.Sized(size => Gen.Choose(1, Math.Clamp(size, 1, maxCalls)))
                .SelectMany(n => Gen.Choose(0, int.MaxValue).Select(seed => Disturbed(fs, OpGen.Generate(seed, n, processes, fs.KeepOpenFilesLinked), seed))),
            OpGen.ShrinkScript);

    private static Script Disturbed(FsUnderTest fs, Script s, int seed)
    {
        if (fs.DisturbanceKinds == 0)
            return s;
        var r = new Random(seed ^ 0x5EED);
        var calls = new List<Call>();
        foreach (var c in s.Calls)
        {
            if (r.Next(15) == 0)
                calls.Add(new Call(0, new DisturbOp(r.Next(fs.DisturbanceKinds))));
            calls.Add(c);
        }
        return new Script(calls);
    }

    /// <summary>
    /// Data histories: one process's reads, writes and truncations of one file at offsets up to 3 MB, half of them
    /// short and near the 1 MiB boundaries (where an NFS client's blocks and UFS's indirect blocks begin), with
    /// fsyncs and reopenings plain, O_DSYNC or O_SYNC.
    /// </summary>
    public static Arbitrary<Script> DataHistories(int maxCalls) =>
        Arb.From(
            Gen.Sized(size => Gen.Choose(1, Math.Clamp(size, 1, maxCalls)))
                .SelectMany(n => Gen.Choose(0, int.MaxValue).Select(seed => DataScript(seed, n))),
            OpGen.ShrinkScript);

    private const string DataFile = FsModel.Mnt + "/data";

    private static Script DataScript(int seed, int n)
    {
        var r = new Random(seed);
        var ops = new List<Op> { new OpenOp(DataFile, OFlags.O_RDWR | OFlags.O_CREAT) };
        for (int i = 0; i < n; i++)
        {
            bool near = r.Next(2) == 0;
            long off = near ? ((long)r.Next(4) << 20) + r.Next(-1, 4) * 4096L + 1 : r.Next(3_000_000);
            int len = near ? r.Next(1, 17) * 1024 : r.Next(1, 2_200_000);
            switch (r.Next(6))
            {
                case 0 or 1: ops.Add(new PwriteOp(0, len, (byte)r.Next(1, 256), Math.Max(0, off))); break;
                case 2: ops.Add(new PreadOp(0, len, Math.Max(0, off))); break;
                case 3: ops.Add(new FtruncateOp(0, Math.Max(0, off))); break;
                case 4: ops.Add(new FsyncOp(0)); break;
                default:
                    ops.Add(new CloseOp(0));
                    var sync = r.Next(3) switch { 0 => OFlags.O_DSYNC, 1 => OFlags.O_SYNC, _ => (OFlags)0 };
                    ops.Add(new OpenOp(DataFile, OFlags.O_RDWR | sync));
                    break;
            }
        }
        return new Script(ops);
    }

    /// <summary>
    /// Runs <paramref name="s"/> on a fresh instance of <paramref name="fs"/> beside the model. Null when they agree
    /// on everything, else what differed first, with the transcript of the calls so far.
    /// </summary>
    /// <param name="fs">The file system.</param>
    /// <param name="s">The history.</param>
    /// <param name="compareEveryCall">Compare the trees after every call (else only at the end: big data histories).</param>
    public static string? Run(FsUnderTest fs, Script s, bool compareEveryCall = true)
    {
        using var inst = fs.Create();
        var k = inst.Kernel;
        var admin = k.CreateProcess();
        var procs = new SortedDictionary<int, Process>();
        var model = new FsModel();
        var log = new List<string>();
        string Fail(string problem) => problem + "\n calls so far (real results):\n" + string.Join('\n', log);
        long inodes = InodesInUse(admin);
        Vnode? top = null;
        try
        {
            FsUnderTest.Need(admin.Lookupname(FsModel.Mnt, true, out top), "lookup " + FsModel.Mnt);
            for (int i = 0; i < s.Calls.Count; i++)
            {
                var call = s.Calls[i];
                if (call.Op is DisturbOp d)
                {
                    var derr = inst.Disturbances.Count == 0 ? Errno.OK : inst.Disturbances[d.Which % inst.Disturbances.Count]();
                    log.Add($"  {i,3}: {d} = {derr}");
                }
                else
                {
                    if (!procs.TryGetValue(call.Pid, out var p))
                    {
                        procs[call.Pid] = p = k.CreateProcess();
                        p.Umask = 0; // the modes the model gives new nodes are the ones asked for
                    }
                    model.Use(call.Pid);
                    var o = CallRunner.Step(p, model, call.Op);
                    log.Add($"  {i,3}: [{call.Pid}] {o.Line}");
                    if (o.Problem is not null)
                        return Fail($"call {i}: {o.Problem}");
                }
                if (compareEveryCall && Compare(top!, inst, model) is { } diff)
                    return Fail($"after call {i}: {diff}");
            }
            foreach (var (pid, fd) in model.AllFds().ToList())
            {
                model.Use(pid);
                if (procs[pid].Close(fd) is var cerr && cerr != Errno.OK)
                    return Fail($"at the end: close({fd}) of process {pid} returned {cerr}");
                model.Close(fd);
            }
            if (inst.Repair?.Invoke() is { } unrepaired)
                return Fail("at the end: the repair failed: " + unrepaired);
            if (Compare(top!, inst, model) is { } end)
                return Fail("at the end: " + end);
            if (fs.CountsInodes && inodes >= 0 && InodesInUse(admin) is var live && live - inodes != model.LiveNodes() - 1)
                return Fail($"at the end: {live - inodes} inodes in use besides the root, the model keeps {model.LiveNodes() - 1} alive");
            foreach (var p in procs.Values)
                p.Exit();
            procs.Clear();
            top!.Rele();
            top = null;
            if (UnmountAndCheck(admin, inst) is { } left)
                return Fail("at the end: " + left);
            if (inst.Remount is null)
                return null;
            FsUnderTest.Need(inst.Remount(admin), "remount " + FsModel.Mnt);
            FsUnderTest.Need(admin.Lookupname(FsModel.Mnt, true, out top), "lookup " + FsModel.Mnt);
            if (ModelTree.Compare(top!, model) is { } after)
                return Fail("after a remount: " + after);
            top!.Rele();
            top = null;
            return UnmountAndCheck(admin, inst) is { } again ? Fail("after a remount: " + again) : null;
        }
        finally
        {
            top?.Rele();
            foreach (var p in procs.Values)
                p.Exit();
            admin.Exit();
        }
    }

    /// <summary>/m, then every available copy (and other name), compared with the model; null when all agree.</summary>
    private static string? Compare(Vnode top, FsInstance inst, FsModel model)
    {
        if (ModelTree.Compare(top, model) is { } view)
            return $"{FsModel.Mnt}: {view}";
        var copies = inst.Copies().ToList();
        try
        {
            for (int n = 0; n < copies.Count; n++)
                if (ModelTree.Compare(copies[n], model) is { } c)
                    return $"copy {n}: {c}";
            return null;
        }
        finally
        {
            foreach (var copy in copies)
                copy.Rele();
        }
    }

    /// <summary>Checks that nothing but the mount holds a vnode under /m, unmounts it (EBUSY: one is still held), and checks what stays behind.</summary>
    internal static string? UnmountAndCheck(Process admin, FsInstance inst)
    {
        FsUnderTest.Need(admin.Lookupname(FsModel.Mnt, true, out var root), "lookup " + FsModel.Mnt);
        var held = Held(admin.Kernel, root!, FsModel.Mnt);
        root!.Rele();
        if (held is not null)
            return held;
        var err = admin.Umount(FsModel.Mnt);
        if (err != Errno.OK)
            return $"umount {FsModel.Mnt} returned {err}: something still holds a vnode";
        return inst.AfterUnmount?.Invoke();
    }

    /// <summary>
    /// Null when every vnode under <paramref name="dir"/> has only the holds this walk takes once the DNLC lets go of its
    /// names: one, and a root one more (the mount's). A hold left over is a leak a history made.
    /// </summary>
    private static string? Held(Kernel k, Vnode dir, string path)
    {
        k.Dnlc.Purge();
        if (dir.Count != (dir.IsRoot ? 2 : 1))
            return $"{path}: {dir.Count} holds after the history, expected {(dir.IsRoot ? 2 : 1)}";
        if (dir.Type != VType.VDIR)
            return null;
        if (ModelTree.Names(dir, out var names) != Errno.OK)
            return $"{path}: readdir failed";
        foreach (var name in names)
        {
            if (Vop.Lookup(dir, name, out var vp, LookupFlags.None, null, Cred.Kcred) != Errno.OK)
                continue; // a mirror's .mfs, listed by the copy but not looked up by the mirror
            var problem = Held(k, vp!, path + "/" + name);
            vp!.Rele();
            if (problem is not null)
                return problem;
        }
        return null;
    }

    /// <summary>Inodes in use on /m by statvfs, or -1 when the file system does not count them.</summary>
    private static long InodesInUse(Process p) =>
        p.Statvfs(FsModel.Mnt, out var sv) == Errno.OK && sv!.Files > 0 ? (long)(sv.Files - sv.Ffree) : -1;
}
