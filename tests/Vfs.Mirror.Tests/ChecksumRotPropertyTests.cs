// Tests of Vfs.Mirror: -o checksum against bit rot in a UFS copy's data blocks (issue 13's "bit rot injected into one
// copy's blocks"). A few files are written through the mirror; with the copy's UFS unmounted, bytes of their data are
// flipped on its block device at random places; after the remount, every read through the mirror returns the bytes
// written, and scrub --repair (or the reads themselves) leaves the rotten copy's files right on its disk again.
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace UnixVfs.Mirror.Tests;

public class ChecksumRotPropertyTests
{
    /// <summary>Rot at a fraction (per mille) of one file's bytes.</summary>
    public sealed record Rot(int File, int PerMille);

    /// <summary>The files' sizes, the copy that rots (0 X on disk A, 1 Y on disk X), where, and whether reads come before the scrub.</summary>
    public sealed record RotCase(int[] Sizes, int Rotting, Rot[] Rots, bool ReadFirst)
    {
        public override string ToString() =>
            $"sizes {string.Join(",", Sizes)}, rotting {MfsOptions.CopyName(Rotting)}, rot {string.Join(" ", Rots.Select(r => $"{r.File}@{r.PerMille}"))}, {(ReadFirst ? "read" : "scrub")} first";
    }

    public static class RotCases
    {
        public static Arbitrary<RotCase> Cases()
        {
            var rot = from file in Gen.Choose(0, 2) from at in Gen.Choose(0, 999) select new Rot(file, at);
            var gen = from n in Gen.Choose(1, 3)
                      from sizes in Gen.Choose(64, 300_000).ArrayOf(n)
                      from rotting in Gen.Elements(0, 1)
                      from k in Gen.Choose(1, 4)
                      from rots in rot.ArrayOf(k)
                      from readFirst in Gen.Elements(false, true)
                      select new RotCase(sizes, rotting, rots.Select(r => r with { File = r.File % n }).ToArray(), readFirst);
            return Arb.From(gen);
        }
    }

    [Property(Arbitrary = [typeof(RotCases)], MaxTest = 8, Replay = "(4711,1203)", QuietOnSuccess = true)]
    public bool Reads_return_the_written_bytes_despite_rot_in_one_UFS_copy_and_scrub_repair_heals_it(RotCase c)
    {
        using var f = new MirrorFixture(fstype: "ufs");
        f.Mount("checksum");
        var files = c.Sizes.Select((n, i) => ChecksumTests.Data(n, 100 + i)).ToArray();
        for (int i = 0; i < files.Length; i++)
            ChecksumTests.WriteAll(f.P, $"/A/b/f{i}", files[i]);

        string disk = MirrorFixture.Disks[c.Rotting];
        ChecksumTests.Remount(f, "checksum", () =>
        {
            var done = new List<(int File, int At)>();
            foreach (var r in c.Rots)
            {
                var data = files[r.File];
                int at = (int)((long)(data.Length - 64) * r.PerMille / 1000);
                if (done.Any(d => d.File == r.File && Math.Abs(d.At - at) < 64))
                    continue;   // its bytes are rotten already: they would not be found on the disk
                ChecksumTests.RotDevice(f.Devices[disk], data.AsSpan(at, 64));
                done.Add((r.File, at));
            }
        }, disk);
        if (!Enumerable.Range(0, files.Length).Any(i => !ChecksumTests.LowerBytes(f, c.Rotting, $"f{i}").SequenceEqual(files[i])))
            return false;   // the rot must be there to be found

        bool reads = true;
        if (c.ReadFirst)
            reads = ReadsRight(f, files);
        MirrorFixture.Ok(MfsAdm.Scrub(f.P, "/A/b", repair: true, 0, out var error, out var report), error);
        reads &= ReadsRight(f, files);
        return reads && report.Refused == 0 && f.Verify().Identical
            && Enumerable.Range(0, files.Length).All(i => ChecksumTests.LowerBytes(f, c.Rotting, $"f{i}").SequenceEqual(files[i]));
    }

    private static bool ReadsRight(MirrorFixture f, byte[][] files)
    {
        for (int i = 0; i < files.Length; i++)
            if (ChecksumTests.ReadAll(f.P, $"/A/b/f{i}", out var got) != Errno.OK || !got.SequenceEqual(files[i]))
                return false;
        return true;
    }
}
