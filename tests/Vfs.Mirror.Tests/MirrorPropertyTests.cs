// Tests of Vfs.Mirror: the property that matters most -- random histories of system calls through the
// mirror, with copies taken down and brought back at random points, leave every available copy identical
// to a reference file system that saw the same calls, and every call returns what the reference returned:
// over two tmpfs, over two UFS images, and over a tmpfs and an NFS import from another host.
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace UnixVfs.Mirror.Tests;

/// <summary>One step of a history.</summary>
public sealed record MirrorStep(string Kind, string Path, string Other, int Number, bool ViaY)
{
    public override string ToString() => Kind switch
    {
        "write" => $"write {Path} @{Number} \"{(Other.Length > 12 ? Other[..12] + "..." : Other)}\"",
        "rename" or "link" => $"{Kind} {Path} {Other}",
        "symlink" => $"symlink {Other} {Path}",
        "truncate" => $"truncate {Path} {Number}",
        "offline" or "online" => $"{Kind} {Other}",
        _ => $"{Kind} {Path}",
    } + (ViaY ? " (via /X/y)" : "");
}

public static class MirrorHistories
{
    private static readonly string[] Paths = ["a", "b", "d", "d/a", "d/b", "d/e", "e", "e/a"];

    public static Arbitrary<MirrorStep[]> Histories()
    {
        var path = Gen.Elements(Paths);
        var data = Gen.Elements("x", "hello", "0123456789", new string('z', 5000));
        var via = Gen.Elements(false, true);
        var step = Gen.Frequency(
            (6, from p in path from d in data from n in Gen.Choose(0, 6000) from v in via select new MirrorStep("write", p, d, n, v)),
            (2, from p in path from n in Gen.Choose(0, 6000) from v in via select new MirrorStep("truncate", p, "", n, v)),
            (3, from p in path from v in via select new MirrorStep("mkdir", p, "", 0, v)),
            (2, from p in path from v in via select new MirrorStep("rmdir", p, "", 0, v)),
            (3, from p in path from v in via select new MirrorStep("unlink", p, "", 0, v)),
            (3, from p in path from q in path from v in via select new MirrorStep("rename", p, q, 0, v)),
            (1, from p in path from q in path from v in via select new MirrorStep("link", p, q, 0, v)),
            (1, from p in path from q in path from v in via select new MirrorStep("symlink", p, q, 0, v)),
            (1, from p in path from n in Gen.Choose(0, 7) from v in via select new MirrorStep("chmod", p, "", 0x180 | n, v)),
            (1, from c in Gen.Elements("x", "y") select new MirrorStep("offline", "", c, 0, false)),
            (2, from c in Gen.Elements("x", "y") select new MirrorStep("online", "", c, 0, false)));
        return Arb.From(step.ArrayOf().Select(a => a.Take(40).ToArray()), Shrink);
    }

    private static IEnumerable<MirrorStep[]> Shrink(MirrorStep[] steps)
    {
        for (int i = 0; i < steps.Length; i++)
            yield return steps.Where((_, j) => j != i).ToArray();
    }
}

public class MirrorPropertyTests
{
    [Property(Arbitrary = [typeof(MirrorHistories)], MaxTest = 150)]
    public bool Random_histories_keep_every_available_copy_identical_to_the_reference(MirrorStep[] history) =>
        Run(history, "tmpfs");

    [Property(Arbitrary = [typeof(MirrorHistories)], MaxTest = 40)]
    public bool Random_histories_over_two_UFS_images_keep_the_copies_identical_to_the_reference(MirrorStep[] history) =>
        Run(history, "ufs");

    [Property(Arbitrary = [typeof(MirrorHistories)], MaxTest = 40)]
    public bool Random_histories_over_a_tmpfs_and_an_NFS_import_keep_the_copies_identical_to_the_reference(MirrorStep[] history) =>
        Run(history, "nfs");

    /// <summary>Found by the property: a hard-linked symlink renamed over another symlink with the same target while a copy was away.</summary>
    [Fact]
    public void A_name_renamed_over_an_alike_file_while_a_copy_was_away_comes_back_as_the_same_hard_link()
    {
        Assert.True(Run([new("symlink", "b", "b", 0, false), new("link", "b", "a", 0, false), new("symlink", "e", "b", 0, false),
            new("offline", "", "y", 0, false), new("rename", "b", "e", 0, false)], "tmpfs"));
    }

    private static bool Run(MirrorStep[] history, string fstype)
    {
        using var f = new MirrorFixture(fstype: fstype);
        MirrorFixture.Ok(f.P.Mkdir("/ref", 0x1ED));
        MirrorFixture.Ok(f.P.Mount("swap", "/ref", "tmpfs"));
        var mi = f.Mount();
        for (int i = 0; i < history.Length; i++)
        {
            var s = history[i];
            string root = s.ViaY ? "/X/y/" : "/A/b/";
            if (s.Kind is "offline" or "online")
            {
                if (s.Kind == "offline")
                    MfsAdm.Offline(f.P, "/A/b", s.Other, out _);
                else
                    MfsAdm.Online(f.P, "/A/b", s.Other, out _, out _);
            }
            else
            {
                var got = Apply(f.P, root, s);
                var want = Apply(f.P, "/ref/", s);
                if (got != want)
                    throw new Xunit.Sdk.XunitException($"step {i} ({s}): mirror returned {got}, reference {want}");
            }
            var reference = Snapshot(f, "/ref");
            var view = TreeSnapshot.Take(mi.Root.Vnode);
            Assert.Equal(reference, view);
            foreach (var c in mi.Copies.Where(c => c.State == CopyState.Available))
                Assert.Equal(reference, TreeSnapshot.Take(c.Root));
        }
        foreach (var c in mi.Copies.Where(c => c.State == CopyState.Unavailable))
            MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", c.Name.ToLowerInvariant(), out var error, out _), error);
        var final = Snapshot(f, "/ref");
        foreach (var c in mi.Copies)
            Assert.Equal(final, TreeSnapshot.Take(c.Root));
        return true;
    }

    private static List<string> Snapshot(MirrorFixture f, string path)
    {
        MirrorFixture.Ok(f.P.Lookupname(path, true, out var vp));
        try { return TreeSnapshot.Take(vp!); }
        finally { vp!.Rele(); }
    }

    private static Errno Apply(Process p, string root, MirrorStep s)
    {
        string path = root + s.Path, other = root + s.Other;
        switch (s.Kind)
        {
            case "write":
            {
                var err = p.Open(path, OFlags.O_CREAT | OFlags.O_WRONLY, 0x1A4, out int fd);
                if (err != Errno.OK)
                    return err;
                err = p.Pwrite(fd, Encoding.ASCII.GetBytes(s.Other), s.Number, out _);
                p.Close(fd);
                return err;
            }
            case "truncate": return p.Truncate(path, s.Number);
            case "mkdir": return p.Mkdir(path, 0x1ED);
            case "rmdir": return p.Rmdir(path);
            case "unlink": return p.Unlink(path);
            case "rename": return p.Rename(path, other);
            case "link": return p.Link(path, other);
            case "symlink": return p.Symlink(s.Other, path);
            case "chmod": return p.Chmod(path, (uint)s.Number);
            default: throw new InvalidOperationException(s.Kind);
        }
    }
}
