// Tests of Vfs.Mirror: the records the mirror keeps in each copy's .mfs come back from disk, and a disk can damage
// them (issue 11, item 6: what comes from outside). After a crash with a copy away -- so that each copy holds the
// generation record and the copy in use holds the log of the one away -- one of those files is damaged at random
// (bits flipped, cut short, lengthened, zeroed, a number made huge, or replaced by text), and the mirror is mounted
// again. The mount
// either succeeds or refuses with an errno and a reason; a mounted mirror then answers mfsadm status, online and
// verify, and unmounts, its copies alike unless the damage was a log cut short (which reads as a crash's). Nothing
// throws, nothing hangs. The counts are printed.
using System.Text;
using Xunit.Abstractions;

namespace UnixVfs.Mirror.Tests;

public class RecordFuzzTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_damaged_record_in_a_copys_mfs_is_refused_with_a_reason_or_mounted_and_nothing_throws(int seed)
    {
        var rng = new Random(seed);
        var outcomes = new SortedDictionary<string, int>();
        for (int i = 0; i < 60; i++)
        {
            var outcome = OneCase(rng, out string what);
            output.WriteLine($"case {i}: {what}: {outcome}");
            var key = outcome.Split(':')[0];
            outcomes[key] = outcomes.GetValueOrDefault(key) + 1;
        }
        output.WriteLine($"seed {seed}: {string.Join(", ", outcomes.Select(o => $"{o.Key} x{o.Value}"))}");
        Assert.True(outcomes.Keys.Count(k => k.StartsWith("refused")) > 0, "no damage was ever refused: the fuzz reached nothing");
    }

    private static string OneCase(Random rng, out string what)
    {
        using var f = new MirrorFixture();
        f.Mount();
        f.WriteFile("/X/y/a", "before");
        MirrorFixture.Ok(f.P.Mkdir("/X/y/d", 0x1ED));
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        f.WriteFile("/X/y/a", "written while y was away");
        f.WriteFile("/X/y/d/b", "new");
        MirrorFixture.Ok(f.P.Umount("/X/y", UnmountFlags.MS_FORCE), "crash");

        // One record of one copy, damaged.
        string copy = rng.Next(2) == 0 ? "/A/b" : "/X/y";
        var files = Names(f, copy + "/.mfs");
        var name = files[rng.Next(files.Count)];
        var path = $"{copy}/.mfs/{name}";
        var bytes = Read(f, path);
        var kind = Damage(rng, ref bytes);
        what = $"{path} ({bytes.Length} bytes after): {kind}";
        Write(f, path, bytes);

        var data = new MfsMountData();
        var err = f.P.Mount("/A/b", "/X/y", "mfs", MountFlags.None, "", data);
        if (err != Errno.OK)
        {
            Assert.False(string.IsNullOrWhiteSpace(data.Error), $"{what}: the mount refused with {err} and no reason");
            return $"refused {err}: {data.Error}";
        }
        var verr = MfsAdm.Status(f.P, "/A/b", out _);
        MfsAdm.Online(f.P, "/A/b", "y", out _, out _);
        var v = MfsAdm.Verify(f.P, "/A/b", out var report);
        MirrorFixture.Ok(f.P.Umount("/X/y", UnmountFlags.MS_FORCE), "umount");
        // A log cut short reads as one a crash cut short: what it lost cannot be told. Any other damage is, and the
        // copy's full resync leaves the copies alike.
        if (kind != "cut short")
            Assert.True(report?.Identical == true, $"{what}: mounted, and the copies differ after the resync");
        return $"mounted: status {verr}, verify {v} {(report?.Identical == true ? "identical" : "differs")}";
    }

    /// <summary>Numbers at the ends of int, uint, long and past them.</summary>
    private static readonly string[] Huge = ["2147483647", "2147483648", "4294967295", "9223372036854775807", "99999999999999999999"];

    private static string Damage(Random rng, ref byte[] b)
    {
        switch (rng.Next(6))
        {
            case 0:
                for (int i = rng.Next(1, 9); i > 0 && b.Length > 0; i--)
                    b[rng.Next(b.Length)] ^= (byte)(1 << rng.Next(8));
                return "bits flipped";
            case 1:
                Array.Resize(ref b, rng.Next(b.Length + 1));
                return "cut short";
            case 2:
            {
                int n = b.Length;
                Array.Resize(ref b, n + rng.Next(1, 200));
                rng.NextBytes(b.AsSpan(n));
                return "lengthened";
            }
            case 3:
                Array.Clear(b);
                return "zeroed";
            case 4:
            {
                // A number -- a length, an offset, a generation -- made huge: one run of digits replaced.
                var text = Encoding.Latin1.GetString(b);
                var runs = System.Text.RegularExpressions.Regex.Matches(text, "[0-9]+");
                if (runs.Count == 0)
                    goto case 3;
                var run = runs[rng.Next(runs.Count)];
                var huge = Huge[rng.Next(Huge.Length)];
                b = Encoding.Latin1.GetBytes(text[..run.Index] + huge + text[(run.Index + run.Length)..]);
                return $"a number made huge ({huge})";
            }
            default:
                b = Encoding.UTF8.GetBytes(rng.Next(2) == 0 ? "generation 99999999999999999999 copy x\n" : "\u0001garbage\nlog -1 /a 0 -5\n");
                return "replaced by text";
        }
    }

    private static List<string> Names(MirrorFixture f, string dir)
    {
        MirrorFixture.Ok(f.P.Open(dir, OFlags.O_RDONLY | OFlags.O_DIRECTORY, 0, out int fd));
        var names = new List<string>();
        var buf = new byte[8192];
        while (f.P.Getdents(fd, buf, out int n) == Errno.OK && n > 0)
            names.AddRange(Dirent64.Parse(buf.AsSpan(0, n)).Select(d => d.Name).Where(x => x is not ("." or "..")));
        MirrorFixture.Ok(f.P.Close(fd));
        var files = names.Where(x => f.P.Lstat($"{dir}/{x}", out var st) == Errno.OK && st!.Type == VType.VREG).ToList();
        Assert.NotEmpty(files);
        return files;
    }

    private static byte[] Read(MirrorFixture f, string path)
    {
        MirrorFixture.Ok(f.P.Stat(path, out var st));
        var b = new byte[st!.Size];
        MirrorFixture.Ok(f.P.Open(path, OFlags.O_RDONLY, 0, out int fd));
        MirrorFixture.Ok(f.P.Pread(fd, b, 0, out int n));
        MirrorFixture.Ok(f.P.Close(fd));
        return b[..n];
    }

    private static void Write(MirrorFixture f, string path, byte[] b)
    {
        MirrorFixture.Ok(f.P.Open(path, OFlags.O_WRONLY | OFlags.O_TRUNC, 0, out int fd));
        MirrorFixture.Ok(f.P.Write(fd, b, out _));
        MirrorFixture.Ok(f.P.Close(fd));
    }
}
