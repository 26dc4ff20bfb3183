// What if ordinary programs work on a mirror of two UFS images mounted on the host? cp, tar, diff, mv,
// ln, chmod, chown, touch, truncate, git and sqlite run on the mount; afterwards both images must hold
// the same tree, pass fsck -n, and the mirror's own verify must find no difference.
using Xunit.Abstractions;

namespace UnixVfs.Fuse.Tests;

public class RealToolsTests(ITestOutputHelper output)
{
    private static string RepoSrc()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Vfs.sln")))
                return Path.Combine(d.FullName, "src");
        throw new InvalidOperationException("no Vfs.sln above the test's directory");
    }

    [Fact]
    public void Tools_on_a_mirror_of_two_ufs_images_leave_identical_clean_copies()
    {
        var dir = HostTools.TempDir("tools");
        var a = HostTools.NewImage(dir, "a.img", 192);
        var b = HostTools.NewImage(dir, "b.img", 192);
        var mnt = Path.Combine(dir, "mnt");
        Directory.CreateDirectory(mnt);
        // A copy of the source tree without build output, so the test copies the same thing however built.
        var src = Path.Combine(dir, "src");
        HostTools.Bash(dir, $"tar -C {Path.GetDirectoryName(RepoSrc())} -cf - --exclude=bin --exclude=obj src | tar -xf -");

        using (var m = MountHost.Start(mnt, "--mirror", $"{a},{b}"))
        {
            HostTools.Bash(mnt, $"cp -a {src} src && diff -r {src} src");
            HostTools.Bash(mnt, "mkdir t && tar cf - src | (cd t && tar xf -) && diff -r src t/src");
            HostTools.Bash(mnt, "mv t/src moved && test ! -e t/src && diff -r src moved");
            HostTools.Bash(mnt, "echo data > f && ln f hard && ln -s f soft && test \"$(stat -c %h f)\" = 2 && test \"$(readlink soft)\" = f && test \"$(cat soft)\" = data");
            HostTools.Bash(mnt, "chmod 640 f && test \"$(stat -c %a hard)\" = 640 && chown 1234:5678 f && test \"$(stat -c %u:%g hard)\" = 1234:5678");
            HostTools.Bash(mnt, "touch -d '2001-02-03 04:05:06 UTC' f && test \"$(stat -c %Y hard)\" = 981173106");
            HostTools.Bash(mnt, "truncate -s 100000 f && test \"$(stat -c %s f)\" = 100000 && truncate -s 3 f && test \"$(cat f)\" = dat");
            HostTools.Bash(mnt, "git init -q repo && cp -a src/Vfs.Fuse repo/ && cd repo && git add . && "
                + "git -c user.email=t@example.org -c user.name=t commit -qm fuse && git fsck --strict && test \"$(git ls-files | wc -l)\" -gt 10");
            var rows = HostTools.Bash(mnt, "python3 -c \"import sqlite3; c=sqlite3.connect('db.sqlite'); c.execute('PRAGMA synchronous=FULL'); "
                + "c.execute('create table t(i integer primary key, s text)'); "
                + "[c.execute('insert into t(s) values (?)', ('row %d' % i,)) or (i % 500 == 499 and c.commit()) for i in range(10000)]; "
                + "c.commit(); print(c.execute('select count(*), sum(i) from t').fetchone())\"");
            Assert.Equal("(10000, 50005000)", rows.Trim());
            var stop = m.Stop();
            Assert.True(stop.Exit == 0, stop.ToString());
            Assert.Contains("unmounted", stop.Out);
        }
        Assert.False(HostTools.IsMounted(mnt));

        foreach (var img in new[] { a, b })
        {
            var (clean, report) = HostTools.Fsck(img);
            Assert.True(clean, $"{img}: {report}");
        }
        var ta = ImageTree.Read(a);
        var tb = ImageTree.Read(b);
        output.WriteLine($"{ta.Count} names in each copy");
        Assert.True(ta.Count > 100, "the copies hold the tree");
        Assert.Equal(ta, tb);
        Assert.Contains(ta, l => l.StartsWith("/db.sqlite VREG", StringComparison.Ordinal));
        Assert.Contains(ta, l => l.StartsWith("/soft VLNK 777", StringComparison.Ordinal) && l.EndsWith("-> f", StringComparison.Ordinal));
        var verify = ImageTree.Verify(a, b);
        Assert.Empty(verify.Differences);
        Directory.Delete(dir, recursive: true);
    }
}
