// Tests of Vfs.Ufs against the reference file system: random sequences of system calls run on tmpfs and
// on UFS side by side must return the same errnos and leave the same trees -- also after UFS is
// unmounted and mounted again -- and fsck must find every UFS image consistent.
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using UnixVfs.Core;
using static UnixVfs.Ufs.Tests.Kit;

namespace UnixVfs.Ufs.Tests;

public class ModelPropertyTests
{
    public enum Kind { Create, Write, Truncate, Mkdir, Rmdir, Unlink, Rename, Link, Symlink, Read, Remount }

    /// <summary>One system call with its arguments (paths are relative to the file system's root).</summary>
    public sealed record Op(Kind Kind, string A, string B, int N, int Seed)
    {
        public override string ToString() => Kind switch
        {
            Kind.Write => $"write({A}, off={N % 70_000}, len={N / 70_000 % 50_000})",
            Kind.Truncate => $"truncate({A}, {N % 400_000})",
            Kind.Rename or Kind.Link => $"{Kind.ToString().ToLowerInvariant()}({A}, {B})",
            Kind.Symlink => $"symlink({B} -> {A})",
            _ => $"{Kind.ToString().ToLowerInvariant()}({A})",
        };
    }

    private static readonly string[] Dirs = ["", "d1/", "d1/d2/", "d3/"];
    private static readonly string[] Names = ["a", "b", "c", "d1", "d2", "d3", "long-" + new string('n', 100)];

    private static Gen<string> PathGen =>
        from d in Gen.Elements(Dirs)
        from n in Gen.Elements(Names)
        select d + n;

    private static Gen<Op> OpGen =>
        from k in Gen.Frequency(
            (6, Gen.Constant(Kind.Create)), (8, Gen.Constant(Kind.Write)), (3, Gen.Constant(Kind.Truncate)),
            (4, Gen.Constant(Kind.Mkdir)), (2, Gen.Constant(Kind.Rmdir)), (3, Gen.Constant(Kind.Unlink)),
            (4, Gen.Constant(Kind.Rename)), (3, Gen.Constant(Kind.Link)), (2, Gen.Constant(Kind.Symlink)),
            (2, Gen.Constant(Kind.Read)), (1, Gen.Constant(Kind.Remount)))
        from a in PathGen
        from b in PathGen
        from n in Gen.Choose(0, int.MaxValue)
        from seed in Gen.Choose(0, 1000)
        select new Op(k, a, b, n, seed);

    private static Arbitrary<Op[]> Programs =>
        Arb.From(OpGen.ListOf().Select(l => l.ToArray()).Where(a => a.Length is > 0 and <= 150));

    private static Errno Apply(Process p, string root, Op op, out byte[]? data)
    {
        data = null;
        string a = root + op.A, b = root + op.B;
        switch (op.Kind)
        {
            case Kind.Create:
                {
                    var err = p.Open(a, OFlags.O_CREAT | OFlags.O_WRONLY, 0x1A4, out int fd);
                    return err != Errno.OK ? err : p.Close(fd);
                }
            case Kind.Write:
                {
                    var err = p.Open(a, OFlags.O_WRONLY, 0, out int fd);
                    if (err != Errno.OK)
                        return err;
                    var buf = Bytes(op.N / 70_000 % 50_000, op.Seed);
                    err = p.Pwrite(fd, buf, op.N % 70_000, out _);
                    p.Close(fd);
                    return err;
                }
            case Kind.Truncate: return p.Truncate(a, op.N % 400_000);
            case Kind.Mkdir: return p.Mkdir(a, 0x1ED);
            case Kind.Rmdir: return p.Rmdir(a);
            case Kind.Unlink: return p.Unlink(a);
            case Kind.Rename: return p.Rename(a, b);
            case Kind.Link: return p.Link(a, b);
            case Kind.Symlink: return p.Symlink(op.Seed % 2 == 0 ? op.A : new string('s', 100 + op.Seed), b);
            case Kind.Read:
                {
                    var err = p.Open(a, OFlags.O_RDONLY, 0, out int fd);
                    if (err != Errno.OK)
                        return err;
                    var buf = new byte[500_000];
                    err = p.Read(fd, buf, out int n);
                    p.Close(fd);
                    data = buf.AsSpan(0, n).ToArray();
                    return err;
                }
            default: return Errno.OK;
        }
    }

    /// <summary>A description of a tree: every path with its type, size, link count and contents.</summary>
    private static List<string> Describe(Process p, string dir, string rel = "")
    {
        var lines = new List<string>();
        foreach (var d in List(p, dir, 1024).OrderBy(d => d.Name, StringComparer.Ordinal))
        {
            if (d.Name == "lost+found")
                continue;
            string path = dir + "/" + d.Name;
            Ok(p.Lstat(path, out var st));
            string what = st!.Type switch
            {
                VType.VREG => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(ReadFile(p, path))),
                VType.VLNK => p.Readlink(path, out var t) == Errno.OK ? t : "?",
                _ => "",
            };
            lines.Add($"{rel}{d.Name} {st.Type} size={(st.Type == VType.VDIR ? 0 : st.Size)} nlink={st.Nlink} perm={st.Perm:x} {what}");
            if (st.Type == VType.VDIR)
                lines.AddRange(Describe(p, path, rel + d.Name + "/"));
        }
        return lines;
    }

    [Property(MaxTest = 150, EndSize = 100, QuietOnSuccess = true)]
    public Property Ufs_behaves_like_tmpfs_and_stays_consistent() =>
        Prop.ForAll(Programs, ops =>
        {
            var dev = NewMemoryImage(24L << 20, bsize: 8192, fsize: 1024);
            var k = new Kernel("model");
            Ok(k.Vfssw.Install(UfsVfsops.Def));
            var p = k.CreateProcess();
            Ok(p.Mkdir("/ref", 0x1ED));
            Ok(p.Mkdir("/ufs", 0x1ED));
            Ok(p.Mount("swap", "/ref", "tmpfs"));
            Ok(p.Mount("img", "/ufs", "ufs", MountFlags.None, "", dev));
            for (int i = 0; i < ops.Length; i++)
            {
                var op = ops[i];
                if (op.Kind == Kind.Remount)
                {
                    Ok(p.Umount("/ufs"), $"umount at step {i}");
                    AssertClean(Kit.Fsck(dev));
                    Ok(p.Mount("img", "/ufs", "ufs", MountFlags.None, "", dev), $"mount at step {i}");
                    continue;
                }
                var want = Apply(p, "/ref/", op, out var wantData);
                var got = Apply(p, "/ufs/", op, out var gotData);
                Assert.True(want == got, $"step {i} {op}: tmpfs {want}, ufs {got}");
                if (wantData is not null)
                    Assert.True(wantData.AsSpan().SequenceEqual(gotData), $"step {i} {op}: data differs");
            }
            Assert.Equal(Describe(p, "/ref"), Describe(p, "/ufs"));
            Ok(p.Umount("/ufs"));
            AssertClean(Kit.Fsck(dev));
            Ok(p.Mount("img", "/ufs", "ufs", MountFlags.None, "", dev));
            Assert.Equal(Describe(p, "/ref"), Describe(p, "/ufs"));
            Ok(p.Umount("/ufs"));
            return true;
        });
}
