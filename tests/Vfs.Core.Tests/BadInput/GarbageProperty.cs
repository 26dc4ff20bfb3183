// Tests of Vfs.Core: garbage in, errno out. Every system call of a Process is thrown random arguments
// -- strange paths, NULs, huge and negative numbers, any flag bits, null -- and must answer with an
// errno (never an exception), and a call that fails must leave the whole tree exactly as it was.
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static UnixVfs.Core.Tests.TestHost;

namespace UnixVfs.Core.Tests.BadInput;

/// <summary>One system call with its (possibly absurd) arguments.</summary>
public sealed record GarbageCall(string Name, object?[] Args)
{
    public override string ToString() => $"{Name}({string.Join(", ", Args.Select(Show))})";

    private static string Show(object? a) => a switch
    {
        null => "null",
        string s => "\"" + (s.Length > 40 ? s[..20] + $"...({s.Length} chars)" : s).Replace("\0", "\\0") + "\"",
        byte[] b => $"byte[{b.Length}]",
        Timespec[] t => "[" + string.Join(", ", t) + "]",
        _ => a.ToString()!,
    };
}

public sealed class GarbageScript(IEnumerable<GarbageCall> calls)
{
    public IReadOnlyList<GarbageCall> Calls { get; } = calls.ToArray();

    public override string ToString() => string.Join('\n', Calls.Select((c, i) => $"  {i,3}: {c}"));
}

public class GarbageProperty
{
    [Property(MaxTest = 300, EndSize = 40, QuietOnSuccess = true)]
    public Property Any_arguments_to_any_system_call_give_an_errno_and_a_failed_call_changes_nothing() =>
        Prop.ForAll(Arb.From(Scripts, Shrink), (GarbageScript s) => Run(s));

    private static void Run(GarbageScript s)
    {
        var h = new TestHost();
        var p = h.Root;
        Ok(p.Mkdir("/m/d", Dir755));
        h.WriteFile("/m/f", "contents");
        Ok(p.Symlink("f", "/m/l"));
        Ok(p.Symlink("loop", "/m/loop"));
        Ok(p.Open("/m/f", OFlags.O_RDWR, 0, out _));
        Ok(p.Open("/m/d", OFlags.O_RDONLY, 0, out _));
        for (int i = 0; i < s.Calls.Count; i++)
        {
            var call = s.Calls[i];
            string before = TreeSnapshot.Take(h.Kernel);
            Errno err;
            try
            {
                err = Invoke(p, call);
            }
            catch (Exception e)
            {
                throw new InvalidOperationException($"call {i}, {call}, threw {e.GetType().Name}: {e.Message}", e);
            }
            Assert.True(Enum.IsDefined(err), $"call {i}, {call}, returned {(int)err}, which is no errno");
            if (err != Errno.OK)
            {
                string after = TreeSnapshot.Take(h.Kernel);
                Assert.True(before == after, $"call {i}, {call}, failed with {err} but changed the tree:\n{Diff(before, after)}");
            }
        }
        foreach (int fd in p.OpenDescriptors)
            Ok(p.Close(fd));
        Ok(p.Chdir("/"));
    }

    private static string Diff(string before, string after)
    {
        var b = before.Split('\n').ToHashSet();
        var a = after.Split('\n').ToHashSet();
        return string.Join('\n', b.Except(a).Select(l => "- " + l).Concat(a.Except(b).Select(l => "+ " + l)));
    }

    private static Errno Invoke(Process p, GarbageCall c)
    {
        var a = c.Args;
        string S(int i) => (string)a[i]!;
        int I(int i) => (int)a[i]!;
        long L(int i) => (long)a[i]!;
        uint U(int i) => (uint)a[i]!;
        byte[] B(int i) => (byte[])a[i]!;
        return c.Name switch
        {
            "open" => p.Open(S(0), (OFlags)I(1), U(2), out _),
            "close" => p.Close(I(0)),
            "dup" => p.Dup(I(0), out _),
            "read" => p.Read(I(0), B(1), out _),
            "write" => p.Write(I(0), B(1), out _),
            "pread" => p.Pread(I(0), B(1), L(2), out _),
            "pwrite" => p.Pwrite(I(0), B(1), L(2), out _),
            "lseek" => p.Lseek(I(0), L(1), (Whence)I(2), out _),
            "fsync" => p.Fsync(I(0)),
            "fdatasync" => p.Fdatasync(I(0)),
            "ftruncate" => p.Ftruncate(I(0), L(1)),
            "fstat" => p.Fstat(I(0), out _),
            "fchmod" => p.Fchmod(I(0), U(1)),
            "getdents" => p.Getdents(I(0), B(1), out _),
            "ioctl" => p.Ioctl(I(0), I(1), a[2], out _),
            "stat" => p.Stat(S(0), out _),
            "lstat" => p.Lstat(S(0), out _),
            "chmod" => p.Chmod(S(0), U(1)),
            "chown" => p.Chown(S(0), U(1), U(2)),
            "lchown" => p.Lchown(S(0), U(1), U(2)),
            "utimens" => p.Utimens(S(0), (Timespec[]?)a[1], (AtFlags)I(2)),
            "statvfs" => p.Statvfs(S(0), out _),
            "mkdir" => p.Mkdir(S(0), U(1)),
            "rmdir" => p.Rmdir(S(0)),
            "unlink" => p.Unlink(S(0)),
            "rename" => p.Rename(S(0), S(1)),
            "link" => p.Link(S(0), S(1)),
            "symlink" => p.Symlink(S(0), S(1)),
            "readlink" => p.Readlink(S(0), B(1), out _),
            "truncate" => p.Truncate(S(0), L(1)),
            "access" => p.Access(S(0), (AccessOk)I(1)),
            "chdir" => p.Chdir(S(0)),
            "getcwd" => p.Getcwd(out _),
            "mount" => p.Mount(S(0), S(1), S(2), (MountFlags)I(3), S(4), a[5]),
            "umount" => p.Umount(S(0), (UnmountFlags)I(1)),
            "sync" => p.Sync(),
            _ => throw new ArgumentException(c.Name),
        };
    }

    // ---- generators ----

    private static readonly string[] PathPool =
    [
        "/m/f", "/m/d", "/m/l", "/m/loop", "/m/d/new", "/m/new", "/m", "/", "", ".", "..", "/m/f/", "/m/f/x", "/m/d/../f",
        "/m/\0", "a\0b", "\0", "/m/" + new string('x', 255), "/m/" + new string('x', 256), new string('/', 4095),
        new string('/', 4096), "/m/" + string.Concat(Enumerable.Repeat("d/", 2100)), "/m/\uD800", "/m/é", "/m/d/.", "/m/d/..",
        "relative", "//m//f", null!,
    ];

    private static Gen<string> Str =>
        Gen.Frequency(
            (6, Gen.Elements(PathPool)),
            (3, Gen.Choose(0, 12).SelectMany(n => Gen.ArrayOf(Gen.Elements('a', 'f', 'd', '/', '.', '\0', 'é', ' ', '\uD800', 'm'), n))
                .Select(cs => new string(cs))),
            (1, Gen.Elements("/m/", "/m/d/").SelectMany(prefix => Gen.Choose(0, 5000).Select(n => prefix + new string('y', n)))));

    private static Gen<int> Int =>
        Gen.Frequency(
            (4, Gen.Choose(-3, 20)),
            (2, Gen.Elements(int.MinValue, int.MaxValue, -1, 1023, 1024, 0x4000_0000)),
            (2, Gen.Choose(int.MinValue, int.MaxValue)));

    private static Gen<int> OpenFlags =>
        Gen.Frequency(
            (3, Gen.Elements(OFlags.O_RDONLY, OFlags.O_RDWR | OFlags.O_CREAT, OFlags.O_WRONLY | OFlags.O_TRUNC, OFlags.O_RDWR | OFlags.O_CREAT | OFlags.O_EXCL,
                OFlags.O_DIRECTORY, OFlags.O_CREAT | OFlags.O_DIRECTORY, OFlags.O_NOFOLLOW | OFlags.O_RDWR, OFlags.O_APPEND | OFlags.O_WRONLY).Select(f => (int)f)),
            (2, Int));

    private static Gen<long> Long =>
        Gen.Frequency(
            (4, Gen.Choose(-5, 20000).Select(i => (long)i)),
            (2, Gen.Elements(long.MinValue, long.MaxValue, long.MaxValue - 1, -1L, 1L << 40, (long)int.MaxValue * 4096)),
            (1, Gen.Choose(int.MinValue, int.MaxValue).Select(i => (long)i << 20)));

    private static Gen<uint> UInt => Gen.Frequency(
        (3, Gen.Elements(0u, 0x1FFu, 0x1A4u, 0xFFFu, uint.MaxValue, 0xFFFF_F000u, 1000u)),
        (1, Gen.Choose(int.MinValue, int.MaxValue).Select(i => (uint)i)));

    private static Gen<byte[]> Buffer => Gen.Frequency((5, Gen.Choose(0, 64)), (1, Gen.Constant(8192))).Select(n => new byte[n]);

    private static Gen<Timespec> Time => Gen.Elements(
        new Timespec(0, Timespec.UtimeNow), new Timespec(0, Timespec.UtimeOmit), new Timespec(0, -1), new Timespec(1, 1_000_000_000),
        new Timespec(long.MaxValue, 0), new Timespec(long.MinValue, 0), new Timespec(-5, 3), new Timespec(1234, 5678));

    private static Gen<Timespec[]?> Times => Gen.Frequency(
        (1, Gen.Constant<Timespec[]?>(null)),
        (4, Gen.Choose(0, 3).SelectMany(n => Gen.ArrayOf(Time, n)).Select(t => (Timespec[]?)t)));

    private static Gen<object?> IoctlArg => Gen.Elements<object?>(null, "arg", 42, new byte[3], new object());

    private static Gen<object?[]> Args(params Gen<object?>[] gens) =>
        gens.Aggregate(Gen.Constant(Array.Empty<object?>()), (acc, g) => acc.SelectMany(xs => g.Select(x => xs.Append(x).ToArray())));

    private static Gen<object?> O<T>(Gen<T> g) => g.Select(x => (object?)x);

    private static Gen<GarbageCall> Call(string name, params Gen<object?>[] args) => Args(args).Select(a => new GarbageCall(name, a));

    private static Gen<GarbageCall> AnyCall => Gen.OneOf(
        Call("open", O(Str), O(OpenFlags), O(UInt)),
        Call("close", O(Int)),
        Call("dup", O(Int)),
        Call("read", O(Int), O(Buffer)),
        Call("write", O(Int), O(Buffer)),
        Call("pread", O(Int), O(Buffer), O(Long)),
        Call("pwrite", O(Int), O(Buffer), O(Long)),
        Call("lseek", O(Int), O(Long), O(Int)),
        Call("fsync", O(Int)),
        Call("fdatasync", O(Int)),
        Call("ftruncate", O(Int), O(Long)),
        Call("fstat", O(Int)),
        Call("fchmod", O(Int), O(UInt)),
        Call("getdents", O(Int), O(Buffer)),
        Call("ioctl", O(Int), O(Int), IoctlArg),
        Call("stat", O(Str)),
        Call("lstat", O(Str)),
        Call("chmod", O(Str), O(UInt)),
        Call("chown", O(Str), O(UInt), O(UInt)),
        Call("lchown", O(Str), O(UInt), O(UInt)),
        Call("utimens", O(Str), O(Times), O(Gen.Elements(0, 0x100, -1))),
        Call("statvfs", O(Str)),
        Call("mkdir", O(Str), O(UInt)),
        Call("rmdir", O(Str)),
        Call("unlink", O(Str)),
        Call("rename", O(Str), O(Str)),
        Call("link", O(Str), O(Str)),
        Call("symlink", O(Str), O(Str)),
        Call("readlink", O(Str), O(Buffer)),
        Call("truncate", O(Str), O(Long)),
        Call("access", O(Str), O(Int)),
        Call("chdir", O(Str)),
        Call("getcwd"),
        Call("mount", O(Gen.Elements("swap", "", null!)), O(Str), O(Gen.Elements("tmpfs", "nosuch", "", null!)), O(Int),
            O(Gen.Elements("", "size=", "size=-5", "size=1k", "nr_inodes=x", "mode=8", "uid=4294967296", "ro,rw,,", null!)), IoctlArg),
        Call("umount", O(Str), O(Int)),
        Call("sync"));

    private static Gen<GarbageScript> Scripts =>
        Gen.Sized(n => Gen.Choose(1, Math.Max(1, n)).SelectMany(k => Gen.ArrayOf(AnyCall, k))).Select(c => new GarbageScript(c));

    private static IEnumerable<GarbageScript> Shrink(GarbageScript s)
    {
        var c = s.Calls;
        for (int chunk = c.Count / 2; chunk >= 1; chunk /= 2)
            for (int start = 0; start + chunk <= c.Count; start += chunk)
                yield return new GarbageScript(c.Take(start).Concat(c.Skip(start + chunk)));
    }
}
