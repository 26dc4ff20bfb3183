// Tests of Vfs.IO: random sequences of System.IO calls over a handful of names, run on the real disk and on a
// VfsFileSystem, must give the same results and the same exceptions step by step, and leave the same tree.
// FsCheck shrinks a difference to the shortest sequence that shows it.
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace UnixVfs.IO.Tests;

public sealed class RandomOpsProperty
{
    public enum Kind { Write, Append, Read, DeleteFile, Mkdir, Rmdir, RmdirR, MoveFile, MoveFileOver, MoveDir, Copy, CopyOver, Length, Exists, List }

    public sealed record Op(Kind Kind, string A, string B)
    {
        public override string ToString() => $"{Kind} {A} {B}";
    }

    private static readonly string[] Names = ["a", "b", "d", "d/a", "d/e", "d/e/a", "f.txt"];

    private static readonly Arbitrary<Op[]> Programs =
        (from kind in Gen.Elements(Enum.GetValues<Kind>())
         from a in Gen.Elements(Names)
         from b in Gen.Elements(Names)
         select new Op(kind, a, b)).ArrayOf().ToArbitrary();

    private static void Step(IFileSystem fs, string root, Op op, Outcomes o)
    {
        string a = fs.Path.Combine(root, op.A), b = fs.Path.Combine(root, op.B);
        switch (op.Kind)
        {
            case Kind.Write: o.Do(op.ToString(), () => fs.File.WriteAllText(a, op.B)); break;
            case Kind.Append: o.Do(op.ToString(), () => fs.File.AppendAllText(a, op.B)); break;
            case Kind.Read: o.Do(op.ToString(), () => fs.File.ReadAllText(a)); break;
            case Kind.DeleteFile: o.Do(op.ToString(), () => fs.File.Delete(a)); break;
            case Kind.Mkdir: o.Do(op.ToString(), () => fs.Directory.CreateDirectory(a)); break;
            case Kind.Rmdir: o.Do(op.ToString(), () => fs.Directory.Delete(a)); break;
            case Kind.RmdirR: o.Do(op.ToString(), () => fs.Directory.Delete(a, recursive: true)); break;
            case Kind.MoveFile: o.Do(op.ToString(), () => fs.File.Move(a, b)); break;
            case Kind.MoveFileOver: o.Do(op.ToString(), () => fs.File.Move(a, b, overwrite: true)); break;
            case Kind.MoveDir: o.Do(op.ToString(), () => fs.Directory.Move(a, b)); break;
            case Kind.Copy: o.Do(op.ToString(), () => fs.File.Copy(a, b)); break;
            case Kind.CopyOver: o.Do(op.ToString(), () => fs.File.Copy(a, b, overwrite: true)); break;
            case Kind.Length: o.Do(op.ToString(), () => fs.FileInfo.New(a).Length); break;
            case Kind.Exists: o.Do(op.ToString(), () => $"{fs.File.Exists(a)} {fs.Directory.Exists(a)}"); break;
            case Kind.List: o.Do(op.ToString(), () => fs.Directory.GetFileSystemEntries(root, "*", SearchOption.AllDirectories)); break;
        }
    }

    private static Outcomes Run(IFileSystem fs, string root, Op[] ops)
    {
        var o = new Outcomes(root);
        foreach (var op in ops)
            Step(fs, root, op, o);
        o.Do("tree", () => fs.Directory.GetFileSystemEntries(root, "*", SearchOption.AllDirectories)
            .Select(p => fs.File.Exists(p) ? $"{p}={fs.File.ReadAllText(p)}" : p));
        return o;
    }

    private static Property Agrees(string model) =>
        Prop.ForAll(Programs, ops =>
        {
            var (want, got) = AgreementTests.Both(model, (fs, root) => Run(fs, root, ops));
            AgreementTests.AssertSame(want, got, model);
        });

    [Property(MaxTest = 60, Replay = "(20261202,17)", QuietOnSuccess = true)]
    public Property Random_calls_on_tmpfs_agree_with_the_real_disk() => Agrees("tmpfs");

    [Property(MaxTest = 30, Replay = "(20261202,29)", QuietOnSuccess = true)]
    public Property Random_calls_on_ufs_agree_with_the_real_disk() => Agrees("ufs");

    [Property(MaxTest = 30, Replay = "(20261202,41)", QuietOnSuccess = true)]
    public Property Random_calls_on_a_mirror_agree_with_the_real_disk() => Agrees("mirror");
}
