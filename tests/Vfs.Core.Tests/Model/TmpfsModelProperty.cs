// Tests of Vfs.Core: the model-based property -- any sequence of system calls on tmpfs gives the errno,
// the data and the tree the reference model (FsModel.cs) says it should, and leaves nothing behind.
//
// After every call the whole tree under /m is compared with the model: names, types, sizes, link counts,
// file contents, link targets, and which names are the same file. At the end every descriptor is closed,
// the number of live inodes must be what the model keeps alive, no vnode may be held, and the file
// system must unmount. A failure shrinks to a short script and reports, call by call, what happened.
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace UnixVfs.Core.Tests.Model;

public class TmpfsModelProperty
{
    [Property(MaxTest = 1000, EndSize = 100, QuietOnSuccess = true)]
    public Property Random_system_call_sequences_on_tmpfs_match_the_model() =>
        Prop.ForAll(OpGen.Arbitrary, (Script s) => ModelRun.Check(s));

    [Fact]
    public void The_generated_scripts_reach_the_interesting_cases()
    {
        // A property over scripts that mostly fail early would prove little: sample scripts as the property
        // draws them and require that every call succeeds often and the errnos worth testing all occur.
        var seen = new Dictionary<(string Op, Errno Err), int>();
        foreach (var s in OpGen.Scripts.Sample(60, new Rnd(20240101), 40))
            ModelRun.Check(s, observe: (op, err) => seen[(op.GetType().Name, err)] = seen.GetValueOrDefault((op.GetType().Name, err)) + 1);
        var report = string.Join(", ", seen.OrderBy(kv => kv.Key.Op).Select(kv => $"{kv.Key.Op}:{kv.Key.Err}={kv.Value}"));
        foreach (var op in new[] { nameof(OpenOp), nameof(CloseOp), nameof(WriteOp), nameof(PwriteOp), nameof(ReadOp), nameof(PreadOp),
                     nameof(LseekOp), nameof(FtruncateOp), nameof(FstatOp), nameof(TruncateOp), nameof(MkdirOp), nameof(RmdirOp),
                     nameof(UnlinkOp), nameof(RenameOp), nameof(LinkOp), nameof(SymlinkOp), nameof(ReadlinkOp), nameof(StatOp) })
            Assert.True(seen.GetValueOrDefault((op, Errno.OK)) >= 5, $"{op} rarely succeeds: {report}");
        foreach (var err in new[] { Errno.ENOENT, Errno.EEXIST, Errno.ENOTDIR, Errno.EISDIR, Errno.ENOTEMPTY, Errno.EINVAL,
                     Errno.ELOOP, Errno.EBADF, Errno.EPERM })
            Assert.True(seen.Where(kv => kv.Key.Err == err).Sum(kv => kv.Value) >= 3, $"{err} rarely occurs: {report}");
        Assert.True(seen.GetValueOrDefault((nameof(RenameOp), Errno.EINVAL)) > 0, "no rename into a subtree: " + report);
    }

    [Fact]
    public void The_runner_notices_a_model_that_disagrees()
    {
        // The same script checked against a model with one wrong rule must fail: the property has teeth.
        var s = new Script([new MkdirOp("/m/a"), new MkdirOp("/m/a")]);
        ModelRun.Check(s);
        var e = Assert.Throws<ModelMismatchException>(() => ModelRun.Check(s, tamper: m => m.Root.Entries.Clear()));
        Assert.Contains("mkdir(\"/m/a\")", e.Message);
    }
}

public sealed class ModelMismatchException(string message) : Exception(message);

/// <summary>Runs a script against a fresh kernel and the model side by side.</summary>
public static class ModelRun
{
    private const uint FileMode = 0x1B6, DirMode = 0x1FF;

    /// <param name="s">The calls to make.</param>
    /// <param name="tamper">Applied to the model after the first call (to show the check can fail).</param>
    /// <param name="observe">Told each call and its errno.</param>
    public static void Check(Script s, Action<FsModel>? tamper = null, Action<Op, Errno>? observe = null)
    {
        var h = new TestHost();
        var p = h.Root;
        var model = new FsModel();
        var log = new List<string>();
        var checker = h.Kernel.CreateProcess();
        try
        {
            for (int i = 0; i < s.Ops.Count; i++)
            {
                var op = s.Ops[i];
                var (line, problem, errno) = Step(p, model, op);
                observe?.Invoke(op, errno);
                log.Add($"  {i,3}: {line}");
                if (i == 0)
                    tamper?.Invoke(model);
                problem ??= CompareTree(checker, model);
                if (problem is not null)
                    Fail(log, $"after call {i}: {problem}");
            }
            foreach (var fd in model.Fds.Keys.ToList())
            {
                Assert.Equal(Errno.OK, p.Close(fd));
                model.Close(fd);
            }
            Assert.Equal(Errno.OK, p.Statvfs("/m", out var sv));
            long live = (long)(sv!.Files - sv.Ffree);
            if (live != model.LiveNodes())
                Fail(log, $"at the end: {live} inodes in use, the model keeps {model.LiveNodes()} alive");
            checker.Exit();
            Holds.AssertBalanced(h.Kernel, "/m");
            Assert.Equal(Errno.OK, p.Umount("/m"));
        }
        catch (ModelMismatchException)
        {
            throw;
        }
        catch (Exception e) when (e is not ModelMismatchException)
        {
            Fail(log, e.ToString());
        }
    }

    private static void Fail(List<string> log, string problem) =>
        throw new ModelMismatchException(problem + "\n calls so far (real results):\n" + string.Join('\n', log));

    public static int Fd(FsModel m, int slot)
    {
        if (slot < 0 || m.Fds.Count == 0)
            return 900;
        return m.Fds.Keys.ElementAt(slot % m.Fds.Count);
    }

    public static int LowestFree(FsModel m)
    {
        int fd = 0;
        while (m.Fds.ContainsKey(fd))
            fd++;
        return fd;
    }

    /// <summary>Makes one call on both sides; returns the transcript line and, if they disagree, why.</summary>
    private static (string Line, string? Problem, Errno Got) Step(Process p, FsModel m, Op op)
    {
        switch (op)
        {
            case OpenOp o:
            {
                int expectFd = LowestFree(m);
                var want = m.Open(o.Path, o.Flags, expectFd);
                var got = p.Open(o.Path, o.Flags, FileMode, out int fd);
                return Result($"{o} = {Show(got, fd)}", want, got, got == Errno.OK && fd != expectFd ? $"fd {fd}, expected {expectFd}" : null);
            }
            case CloseOp c:
            {
                int fd = Fd(m, c.Slot);
                return Result($"close({fd})", m.Close(fd), p.Close(fd), null);
            }
            case WriteOp w:
            {
                int fd = Fd(m, w.Slot);
                var data = Enumerable.Repeat(w.Fill, w.Length).ToArray();
                var want = m.Write(fd, data, out int wn);
                var got = p.Write(fd, data, out int n);
                return Result($"write({fd}, {w.Length} x 0x{w.Fill:X2}) = {Show(got, n)}", want, got, n != wn ? $"wrote {n}, expected {wn}" : null);
            }
            case PwriteOp w:
            {
                int fd = Fd(m, w.Slot);
                var data = Enumerable.Repeat(w.Fill, w.Length).ToArray();
                var want = m.Pwrite(fd, data, w.Offset, out int wn);
                var got = p.Pwrite(fd, data, w.Offset, out int n);
                return Result($"pwrite({fd}, {w.Length} x 0x{w.Fill:X2}, {w.Offset}) = {Show(got, n)}", want, got, n != wn ? $"wrote {n}, expected {wn}" : null);
            }
            case ReadOp r:
            {
                int fd = Fd(m, r.Slot);
                var want = m.Read(fd, r.Length, out var wdata);
                var buf = new byte[r.Length];
                var got = p.Read(fd, buf, out int n);
                return Result($"read({fd}, {r.Length}) = {Show(got, n)}", want, got, SameData(buf.AsSpan(0, n), wdata));
            }
            case PreadOp r:
            {
                int fd = Fd(m, r.Slot);
                var want = m.Pread(fd, r.Length, r.Offset, out var wdata);
                var buf = new byte[r.Length];
                var got = p.Pread(fd, buf, r.Offset, out int n);
                return Result($"pread({fd}, {r.Length}, {r.Offset}) = {Show(got, n)}", want, got, SameData(buf.AsSpan(0, n), wdata));
            }
            case LseekOp l:
            {
                int fd = Fd(m, l.Slot);
                var want = m.Lseek(fd, l.Offset, l.Whence, out long woff);
                var got = p.Lseek(fd, l.Offset, l.Whence, out long off);
                return Result($"lseek({fd}, {l.Offset}, {l.Whence}) = {Show(got, off)}", want, got, got == Errno.OK && off != woff ? $"offset {off}, expected {woff}" : null);
            }
            case FtruncateOp t:
            {
                int fd = Fd(m, t.Slot);
                return Result($"ftruncate({fd}, {t.Length})", m.Ftruncate(fd, t.Length), p.Ftruncate(fd, t.Length), null);
            }
            case FstatOp f:
            {
                int fd = Fd(m, f.Slot);
                var want = m.Fds.TryGetValue(fd, out var of) ? Errno.OK : Errno.EBADF;
                var got = p.Fstat(fd, out var st);
                return Result($"fstat({fd})", want, got, got == Errno.OK ? SameStat(st!, of!.Node) : null);
            }
            case TruncateOp t:
                return Result(t.ToString(), m.Truncate(t.Path, t.Length), p.Truncate(t.Path, t.Length), null);
            case MkdirOp d:
                return Result(d.ToString(), m.Mkdir(d.Path), p.Mkdir(d.Path, DirMode), null);
            case RmdirOp d:
                return Result(d.ToString(), m.Rmdir(d.Path), p.Rmdir(d.Path), null);
            case UnlinkOp u:
                return Result(u.ToString(), m.Unlink(u.Path), p.Unlink(u.Path), null);
            case RenameOp r:
                return Result(r.ToString(), m.Rename(r.From, r.To), p.Rename(r.From, r.To), null);
            case LinkOp l:
                return Result(l.ToString(), m.Link(l.Existing, l.New), p.Link(l.Existing, l.New), null);
            case SymlinkOp s:
                return Result(s.ToString(), m.Symlink(s.Target, s.LinkPath), p.Symlink(s.Target, s.LinkPath), null);
            case ReadlinkOp r:
            {
                var want = m.Readlink(r.Path, out string wt);
                var got = p.Readlink(r.Path, out string t);
                return Result($"{r} = {(got == Errno.OK ? "\"" + t + "\"" : got.ToString())}", want, got, got == Errno.OK && t != wt ? $"target \"{t}\", expected \"{wt}\"" : null);
            }
            case StatOp s:
            {
                var want = m.Stat(s.Path, s.Follow, out var node);
                var got = s.Follow ? p.Stat(s.Path, out var st) : p.Lstat(s.Path, out st);
                return Result(s.ToString(), want, got, got == Errno.OK && want == Errno.OK ? SameStat(st!, node!) : null);
            }
            default:
                throw new ArgumentException("unknown op " + op);
        }
    }

    private static (string, string?, Errno) Result(string line, Errno want, Errno got, string? detail)
    {
        string shown = line.Contains(" = ") ? line : $"{line} = {got}";
        if (want != got)
            return (shown, $"{shown}: the model says {want}", got);
        return (shown, want == Errno.OK && detail is not null ? $"{shown}: {detail}" : null, got);
    }

    private static string Show(Errno e, long value) => e == Errno.OK ? value.ToString() : e.ToString();

    private static string? SameData(ReadOnlySpan<byte> got, byte[] want) =>
        got.SequenceEqual(want) ? null : $"read {got.Length} bytes that differ from the model's {want.Length}";

    private static string? SameStat(Stat st, MNode node)
    {
        var (type, size, nlink) = FsModel.Describe(node);
        if (st.Type != type || st.Nlink != nlink || (size >= 0 && st.Size != size))
            return $"stat says {st.Type} size={st.Size} nlink={st.Nlink}, the model {type} size={size} nlink={nlink}";
        return null;
    }

    /// <summary>Compares the real tree under /m with the model's, including which names are one file.</summary>
    private static string? CompareTree(Process chk, FsModel m)
    {
        var inoOf = new Dictionary<int, ulong>();
        var idOf = new Dictionary<ulong, int>();
        return Compare(chk, FsModel.Mnt, m.Root, inoOf, idOf);
    }

    private static string? Compare(Process chk, string path, MNode node, Dictionary<int, ulong> inoOf, Dictionary<ulong, int> idOf)
    {
        if (chk.Lstat(path, out var st) != Errno.OK)
            return $"{path} is missing";
        var problem = SameStat(st!, node);
        if (problem is not null)
            return $"{path}: {problem}";
        if (inoOf.TryGetValue(node.Id, out ulong ino) ? ino != st!.Ino : idOf.TryGetValue(st!.Ino, out int id) && id != node.Id)
            return $"{path}: the model and the file system disagree about which names are the same file";
        inoOf[node.Id] = st.Ino;
        idOf[st.Ino] = node.Id;
        switch (node)
        {
            case MFile f:
                if (chk.Open(path, OFlags.O_RDONLY, 0, out int fd) != Errno.OK)
                    return $"{path}: cannot open";
                var data = TestHost.ReadAll(chk, fd);
                chk.Close(fd);
                return data.AsSpan().SequenceEqual(f.Data.ToArray()) ? null : $"{path}: contents differ";
            case MLink l:
                chk.Readlink(path, out string target);
                return target == l.Target ? null : $"{path}: links to \"{target}\", the model to \"{l.Target}\"";
            case MDir d:
                var names = new FileSystemFacade(chk).EnumerateEntries(path).Select(e => e.Name).Order(StringComparer.Ordinal).ToList();
                if (!names.SequenceEqual(d.Entries.Keys))
                    return $"{path} holds [{string.Join(' ', names)}], the model [{string.Join(' ', d.Entries.Keys)}]";
                foreach (var (name, child) in d.Entries)
                    if (Compare(chk, path + "/" + name, child, inoOf, idOf) is { } p)
                        return p;
                return null;
        }
        return null;
    }
}
