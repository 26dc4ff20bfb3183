// Tests of Vfs.IO: the same System.IO usage on the real disk and on VfsFileSystem over tmpfs, UFS2 and a mirror of
// two UFS2 must give the same record -- every result and every exception (type, and for an IOException its errno).
// The real disk is the reference: where the model and Linux differ, the model is wrong.
namespace UnixVfs.IO.Tests;

public sealed class AgreementTests
{
    public static TheoryData<string> Models() => [.. Target.ModelNames];

    /// <summary>Runs the usage on the real disk and on the model, and returns both records.</summary>
    internal static (Outcomes Disk, Outcomes Model) Both(string model, Func<IFileSystem, string, Outcomes> usage)
    {
        using var disk = Target.Disk();
        using var vfs = Target.Model(model);
        string droot = disk.NewRoot(), vroot = vfs.NewRoot();
        var want = usage(disk.Fs, droot);
        var got = usage(vfs.Fs, vroot);
        disk.Clean(droot);
        vfs.Clean(vroot);
        return (want, got);
    }

    internal static void AssertSame(Outcomes want, Outcomes got, string model)
    {
        for (int i = 0; i < Math.Min(want.Lines.Count, got.Lines.Count); i++)
            Assert.True(want.Lines[i] == got.Lines[i],
                $"step {i} differs on {model}:\n  disk:  {want.Lines[i]}\n  model: {got.Lines[i]}\n\nthe model's whole record:\n{got}");
        Assert.Equal(want.Lines.Count, got.Lines.Count);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Ordinary_usage_gives_what_the_real_disk_gives(string model)
    {
        var (want, got) = Both(model, Usage.Run);
        Assert.True(want.Lines.Count > 150, "the usage ran to its end");
        AssertSame(want, got, model);
    }

    /// <summary>Found by RandomOpsProperty: File.Copy(b, b, overwrite: true) truncated b to nothing; System.IO refuses it.</summary>
    [Theory]
    [MemberData(nameof(Models))]
    public void Copying_a_file_onto_itself_is_refused_and_keeps_its_bytes(string model)
    {
        var (want, got) = Both(model, (fs, root) =>
        {
            var o = new Outcomes(root);
            string b = fs.Path.Combine(root, "b");
            o.Do("write", () => fs.File.WriteAllText(b, "a"));
            o.Do("copy onto itself", () => fs.File.Copy(b, b, overwrite: true));
            o.Do("read", () => fs.File.ReadAllText(b));
            return o;
        });
        Assert.Equal("read = a", got.Lines[^1]);
        AssertSame(want, got, model);
    }

    [Fact]
    public void A_mirror_written_through_IFileSystem_holds_the_same_files_in_both_copies()
    {
        using var vfs = Target.Model("mirror");
        var fs = vfs.Fs;
        fs.Directory.CreateDirectory("/A/b/docs/2026");
        fs.File.WriteAllText("/A/b/docs/2026/q1.txt", "quarterly");
        fs.File.Copy("/A/b/docs/2026/q1.txt", "/A/b/docs/q1-copy.txt");
        // The other name of the mirror shows the same tree (both directories lead into it, patent B.3).
        Assert.Equal("quarterly", fs.File.ReadAllText("/X/y/docs/q1-copy.txt"));
        Assert.Equal(["/X/y/docs/2026/q1.txt", "/X/y/docs/q1-copy.txt"],
            fs.Directory.GetFiles("/X/y/docs", "*.txt", SearchOption.AllDirectories).Order(StringComparer.Ordinal));
        var p = ((VfsFileSystem)fs).Process;
        Assert.Equal(Errno.OK, UnixVfs.Mirror.MfsAdm.Verify(p, "/A/b", out var verify));
        Assert.True(verify!.Identical, verify.ToString());
    }
}
