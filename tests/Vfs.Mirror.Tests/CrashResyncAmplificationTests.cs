// Tests of Vfs.Mirror: what a resync after a crash of the mirroring host writes. The intent log kept for a copy away
// records whole 4 MiB extents (MirrorIntentLog.cs), so the log rebuilt after the crash is wider than what was
// written; the resync compares those extents before it copies (MirrorDataCopy.CopyDiffering) and writes only the
// bytes that differ: bytes copied / bytes written stays at most 2 even for tiny files (issue 13's resync target).
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace UnixVfs.Mirror.Tests;

public class CrashResyncAmplificationTests
{
    [Fact]
    public void Ten_7_byte_writes_into_small_files_copy_at_most_140_bytes_after_a_crash()
    {
        using var f = new MirrorFixture();
        f.Mount();
        for (int i = 0; i < 10; i++)
            f.WriteFile($"/X/y/f{i}", "initial contents\n");
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        for (int i = 0; i < 10; i++)
        {
            MirrorFixture.Ok(f.P.Open($"/X/y/f{i}", OFlags.O_WRONLY, 0, out int fd));
            MirrorFixture.Ok(f.P.Pwrite(fd, "CRASHED"u8.ToArray(), 0, out _));
            MirrorFixture.Ok(f.P.Close(fd));
        }
        MirrorFixture.Ok(f.P.Umount("/X/y", UnmountFlags.MS_FORCE), "crash");

        var mi = f.Mount();
        Assert.Equal(CopyState.Unavailable, mi.Copies[1].State);
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out var report), error);
        Assert.InRange(report!.Stats.BytesCopied, 70, 140);
        Assert.Equal(170, report.Stats.BytesCompared);   // the logged extents, clipped to the files' ends
        for (int i = 0; i < 10; i++)
            Assert.Equal("CRASHED contents\n", f.Lower(1, $"f{i}"));
        Assert.True(f.Verify().Identical);
    }

    [Fact]
    public void Scattered_writes_into_one_logged_extent_copy_only_the_changed_blocks_after_a_crash()
    {
        using var f = new MirrorFixture();
        f.Mount();
        var data = new byte[MirrorIntentLog.Extent];
        new Random(7).NextBytes(data);
        MirrorFixture.Ok(f.P.Open("/X/y/big", OFlags.O_CREAT | OFlags.O_WRONLY, 0x1A4, out int fd));
        MirrorFixture.Ok(f.P.Write(fd, data, out _));
        MirrorFixture.Ok(f.P.Close(fd));
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        MirrorFixture.Ok(f.P.Open("/X/y/big", OFlags.O_WRONLY, 0, out fd));
        var block = new byte[4096];
        for (int i = 0; i < 16; i++)   // one logged extent, 16 scattered 4 KiB writes of new bytes
        {
            new Random(100 + i).NextBytes(block);
            MirrorFixture.Ok(f.P.Pwrite(fd, block, i * 64 * 4096L + 100, out _));
        }
        MirrorFixture.Ok(f.P.Close(fd));
        MirrorFixture.Ok(f.P.Umount("/X/y", UnmountFlags.MS_FORCE), "crash");

        f.Mount();
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out var report), error);
        Assert.InRange(report!.Stats.BytesCopied, 1, 2 * 16 * 4096);
        Assert.True(f.Verify().Identical);
    }

    /// <summary>Two byte strings: what the source holds, and the target's (shorter, equal or longer) with some bytes changed.</summary>
    public sealed record Pair(byte[] Want, byte[] Have);

    public static class Pairs
    {
        public static Arbitrary<Pair> Arb()
        {
            var gen = from n in Gen.Choose(0, 3000)
                      from m in Gen.Choose(0, 3000)
                      from seed in Gen.Choose(0, 100_000)
                      from changes in Gen.Choose(0, 12)
                      select Make(n, m, seed, changes);
            return FsCheck.Fluent.Arb.From(gen);
        }

        private static Pair Make(int n, int m, int seed, int changes)
        {
            var r = new Random(seed);
            var want = new byte[n];
            r.NextBytes(want);
            var have = new byte[m];
            want.AsSpan(0, Math.Min(n, m)).CopyTo(have);
            for (int c = 0; c < changes && m > 0; c++)
            {
                int at = r.Next(m), len = r.Next(1, 40);
                for (int i = at; i < Math.Min(m, at + len); i++)
                    have[i] ^= (byte)r.Next(1, 256);
            }
            return new Pair(want, have);
        }
    }

    [Property(Arbitrary = [typeof(Pairs)], MaxTest = 200, Replay = "(1213,4455)", QuietOnSuccess = true)]
    public bool The_differing_runs_make_the_target_equal_and_leave_no_differing_byte_out_and_no_run_empty(Pair p)
    {
        var runs = MirrorDataCopy.Differing(p.Want, p.Have);
        var fixedUp = new byte[p.Want.Length];
        p.Have.AsSpan(0, Math.Min(p.Have.Length, p.Want.Length)).CopyTo(fixedUp);
        int last = -1;
        foreach (var (s, e) in runs)
        {
            if (s <= last || e <= s || e > p.Want.Length)
                return false;   // sorted, disjoint, non-empty, inside
            p.Want.AsSpan(s, e - s).CopyTo(fixedUp.AsSpan(s));
            last = e;
        }
        int differing = Enumerable.Range(0, p.Want.Length).Count(i => i >= p.Have.Length || p.Want[i] != p.Have[i]);
        long copied = runs.Sum(r => (long)(r.End - r.Start));
        return fixedUp.AsSpan().SequenceEqual(p.Want) && (differing == 0) == (runs.Count == 0) && copied >= differing;
    }
}
