// Vfs.Sim: making one call of a history on a real process and on the model side by side, and saying whether
// they agree (errno, and the value: bytes read or written, the offset, the descriptor, the attributes).
using UnixVfs.Sim.Model;

namespace UnixVfs.Sim.History;

/// <summary>What one call did on both sides.</summary>
/// <param name="Line">The call with its real result, as a transcript line.</param>
/// <param name="Want">The model's errno.</param>
/// <param name="Got">The real errno.</param>
/// <param name="Problem">Null when both sides agree on everything, else how they differ.</param>
public sealed record CallOutcome(string Line, Errno Want, Errno Got, string? Problem);

/// <summary>Runs calls on a process and the model.</summary>
public static class CallRunner
{
    /// <summary>Makes <paramref name="op"/> on <paramref name="p"/> and on <paramref name="m"/> (whose current process must be p's).</summary>
    public static CallOutcome Step(Process p, FsModel m, Op op)
    {
        switch (op)
        {
            case OpenOp o:
            {
                int expectFd = OpGen.LowestFree(m);
                var want = m.Open(o.Path, o.Flags, expectFd);
                var got = p.Open(o.Path, o.Flags, FsModel.FileMode, out int fd);
                return Result($"{o} = {Show(got, fd)}", want, got, got == Errno.OK && fd != expectFd ? $"fd {fd}, expected {expectFd}" : null);
            }
            case CloseOp c:
            {
                int fd = OpGen.Fd(m, c.Slot);
                return Result($"close({fd})", m.Close(fd), p.Close(fd), null);
            }
            case WriteOp w:
            {
                int fd = OpGen.Fd(m, w.Slot);
                var data = Fill(w.Fill, w.Length);
                var want = m.Write(fd, data, out int wn);
                var got = p.Write(fd, data, out int n);
                return Result($"write({fd}, {w.Length} x 0x{w.Fill:X2}) = {Show(got, n)}", want, got, n != wn ? $"wrote {n}, expected {wn}" : null);
            }
            case PwriteOp w:
            {
                int fd = OpGen.Fd(m, w.Slot);
                var data = Fill(w.Fill, w.Length);
                var want = m.Pwrite(fd, data, w.Offset, out int wn);
                var got = p.Pwrite(fd, data, w.Offset, out int n);
                return Result($"pwrite({fd}, {w.Length} x 0x{w.Fill:X2}, {w.Offset}) = {Show(got, n)}", want, got, n != wn ? $"wrote {n}, expected {wn}" : null);
            }
            case ReadOp r:
            {
                int fd = OpGen.Fd(m, r.Slot);
                var want = m.Read(fd, r.Length, out var wdata);
                var buf = new byte[r.Length];
                var got = p.Read(fd, buf, out int n);
                return Result($"read({fd}, {r.Length}) = {Show(got, n)}", want, got, SameData(buf.AsSpan(0, n), wdata));
            }
            case PreadOp r:
            {
                int fd = OpGen.Fd(m, r.Slot);
                var want = m.Pread(fd, r.Length, r.Offset, out var wdata);
                var buf = new byte[r.Length];
                var got = p.Pread(fd, buf, r.Offset, out int n);
                return Result($"pread({fd}, {r.Length}, {r.Offset}) = {Show(got, n)}", want, got, SameData(buf.AsSpan(0, n), wdata));
            }
            case LseekOp l:
            {
                int fd = OpGen.Fd(m, l.Slot);
                var want = m.Lseek(fd, l.Offset, l.Whence, out long woff);
                var got = p.Lseek(fd, l.Offset, l.Whence, out long off);
                // A directory's size is each file system's own (UFS: a multiple of 512; the model: 0), so where
                // SEEK_END lands in one is not compared, and the model's offset follows the real one.
                if (l.Whence == Whence.SEEK_END && m.Fds.TryGetValue(fd, out var dof) && dof.Node is MDir)
                {
                    if (got == Errno.OK)
                        dof.Offset = off;
                    return Result($"lseek({fd}, {l.Offset}, {l.Whence}) = {Show(got, off)}", got, got, null);
                }
                return Result($"lseek({fd}, {l.Offset}, {l.Whence}) = {Show(got, off)}", want, got, got == Errno.OK && off != woff ? $"offset {off}, expected {woff}" : null);
            }
            case FtruncateOp t:
            {
                int fd = OpGen.Fd(m, t.Slot);
                return Result($"ftruncate({fd}, {t.Length})", m.Ftruncate(fd, t.Length), p.Ftruncate(fd, t.Length), null);
            }
            case FstatOp f:
            {
                int fd = OpGen.Fd(m, f.Slot);
                var want = m.Fds.TryGetValue(fd, out var of) ? Errno.OK : Errno.EBADF;
                var got = p.Fstat(fd, out var st);
                return Result($"fstat({fd})", want, got, got == Errno.OK && want == Errno.OK ? SameStat(st!, of!.Node) : null);
            }
            case FsyncOp f:
            {
                int fd = OpGen.Fd(m, f.Slot);
                return Result($"fsync({fd})", m.Fsync(fd), p.Fsync(fd), null);
            }
            case TruncateOp t:
                return Result(t.ToString(), m.Truncate(t.Path, t.Length), p.Truncate(t.Path, t.Length), null);
            case MkdirOp d:
                return Result(d.ToString(), m.Mkdir(d.Path), p.Mkdir(d.Path, FsModel.DirMode), null);
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
            case ChmodOp c:
                return Result(c.ToString(), m.Chmod(c.Path, c.Mode), p.Chmod(c.Path, c.Mode), null);
            case ChownOp c:
                return Result(c.ToString(), m.Chown(c.Path, c.Uid, c.Gid), p.Chown(c.Path, c.Uid, c.Gid), null);
            case UtimesOp u:
                return Result(u.ToString(), m.Utimes(u.Path, u.Times?[1]), p.Utimens(u.Path, u.Times), null);
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

    private static byte[] Fill(byte b, int n)
    {
        var a = new byte[n];
        a.AsSpan().Fill(b);
        return a;
    }

    private static CallOutcome Result(string line, Errno want, Errno got, string? detail)
    {
        string shown = line.Contains(" = ") ? line : $"{line} = {got}";
        if (want != got)
            return new CallOutcome(shown, want, got, $"{shown}: the model says {want}");
        return new CallOutcome(shown, want, got, want == Errno.OK && detail is not null ? $"{shown}: {detail}" : null);
    }

    private static string Show(Errno e, long value) => e == Errno.OK ? value.ToString() : e.ToString();

    private static string? SameData(ReadOnlySpan<byte> got, byte[] want) =>
        got.SequenceEqual(want) ? null : $"read {got.Length} bytes that differ from the model's {want.Length}";

    private static string? SameStat(Stat st, MNode node)
    {
        var (type, size, nlink) = FsModel.Describe(node);
        if (st.Type != type || st.Nlink != nlink || (size >= 0 && st.Size != size))
            return $"stat says {st.Type} size={st.Size} nlink={st.Nlink}, the model {type} size={size} nlink={nlink}";
        if (st.Uid != node.Uid || st.Gid != node.Gid)
            return $"stat says owner {st.Uid}:{st.Gid}, the model {node.Uid}:{node.Gid}";
        return null;
    }
}
