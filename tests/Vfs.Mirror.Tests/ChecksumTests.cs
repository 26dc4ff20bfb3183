// Tests of Vfs.Mirror: -o checksum (MirrorChecksum.cs) -- bit rot below one copy is read from the other copy and
// repaired, rot on every copy is EIO and never garbage, the checksums survive a remount and stay right across
// truncates, holes, a crash window and a resync, and scrub takes the copy whose extents pass as the right side.
// Rot is injected two ways: bytes flipped in the block device under a copy's UFS (the real thing), and bytes written
// straight into a copy's file with its mtime put back (fast, for the property).
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace UnixVfs.Mirror.Tests;

public class ChecksumTests
{
    private const int Ext = ExtentSums.ExtentSize;

    internal static byte[] Data(int n, int seed)
    {
        var b = new byte[n];
        new Random(seed).NextBytes(b);
        return b;
    }

    internal static void WriteAll(Process p, string path, byte[] data)
    {
        MirrorFixture.Ok(p.Open(path, OFlags.O_CREAT | OFlags.O_WRONLY | OFlags.O_TRUNC, 0x1A4, out int fd), "open " + path);
        MirrorFixture.Ok(p.Write(fd, data, out int n), "write");
        Assert.Equal(data.Length, n);
        MirrorFixture.Ok(p.Close(fd));
    }

    internal static Errno ReadAll(Process p, string path, out byte[] data)
    {
        data = [];
        var err = p.Open(path, OFlags.O_RDONLY, 0, out int fd);
        if (err != Errno.OK)
            return err;
        var ms = new MemoryStream();
        var buf = new byte[100_000];   // not a multiple of the extent: reads straddle extents
        try
        {
            while (true)
            {
                if ((err = p.Read(fd, buf, out int n)) != Errno.OK)
                    return err;
                if (n == 0)
                    break;
                ms.Write(buf, 0, n);
            }
        }
        finally
        {
            p.Close(fd);
        }
        data = ms.ToArray();
        return Errno.OK;
    }

    /// <summary>Flips one byte of <paramref name="dev"/> where <paramref name="pattern"/> (found exactly once) starts.</summary>
    internal static void RotDevice(MemoryBlockDevice dev, ReadOnlySpan<byte> pattern)
    {
        var image = new byte[dev.Size];
        MirrorFixture.Ok(dev.Read(0, image));
        int at = image.AsSpan().IndexOf(pattern);
        Assert.True(at >= 0, "the file's bytes are not on the device");
        Assert.Equal(at, image.AsSpan().LastIndexOf(pattern));
        int sector = (at + 5) / dev.SectorSize * dev.SectorSize;
        var block = image.AsSpan(sector, dev.SectorSize).ToArray();
        block[at + 5 - sector] ^= 0x5A;
        MirrorFixture.Ok(dev.Write(sector, block));   // a device is written in whole sectors
    }

    /// <summary>Unmounts the mirror and the UFS of <paramref name="disks"/>, runs <paramref name="damage"/> on their devices, mounts all again.</summary>
    internal static MfsVfs Remount(MirrorFixture f, string options, Action? damage = null, params string[] disks)
    {
        MirrorFixture.Ok(f.P.Umount("/X/y"), "umount mfs");
        foreach (var d in disks)
            MirrorFixture.Ok(f.P.Umount("/" + d), "umount " + d);
        damage?.Invoke();
        foreach (var d in disks)
            MirrorFixture.Ok(f.P.Mount("disk" + d, "/" + d, "ufs", MountFlags.None, "", f.Devices[d]), "mount " + d);
        return f.Mount(options);
    }

    /// <summary>Flips one byte of a copy's file straight through its vnode, then gives it back its mtime (rot that no inode shows).</summary>
    internal static void RotFile(MirrorFixture f, int copy, string name, long offset)
    {
        var vp = f.LowerVnode(copy, name)!;
        try
        {
            var va = new Vattr(AttrMask.AT_MTIME | AttrMask.AT_SIZE);
            MirrorFixture.Ok(Vop.Getattr(vp, va, AttrFlags.None, Cred.Kcred));
            var b = new byte[1];
            MirrorFixture.Ok(Vop.Read(vp, new Uio(b, offset, UioRw.UIO_READ), FileFlags.None, Cred.Kcred));
            b[0] ^= 0x81;
            MirrorFixture.Ok(Vop.Write(vp, new Uio(b, offset, UioRw.UIO_WRITE), FileFlags.None, Cred.Kcred));
            MirrorFixture.Ok(Vop.Setattr(vp, new Vattr(AttrMask.AT_MTIME) { Mtime = va.Mtime }, AttrFlags.ATTR_UTIME, Cred.Kcred));
        }
        finally
        {
            vp.Rele();
        }
    }

    /// <summary>The bytes of <paramref name="name"/> in copy <paramref name="copy"/>, read under the mirror.</summary>
    internal static byte[] LowerBytes(MirrorFixture f, int copy, string name)
    {
        var vp = f.LowerVnode(copy, name)!;
        try
        {
            var va = new Vattr(AttrMask.AT_SIZE);
            MirrorFixture.Ok(Vop.Getattr(vp, va, AttrFlags.None, Cred.Kcred));
            var buf = new byte[va.Size];
            var uio = new Uio(buf, 0, UioRw.UIO_READ);
            MirrorFixture.Ok(Vop.Read(vp, uio, FileFlags.None, Cred.Kcred));
            return buf[..(int)(buf.Length - uio.Resid)];
        }
        finally
        {
            vp.Rele();
        }
    }

    /// <summary>The sums a file of these bytes must have.</summary>
    private static ulong[] Expected(byte[] content) =>
        Enumerable.Range(0, (int)ExtentSums.Count(content.Length))
            .Select(e => ExtentSums.Hash(content.AsSpan(e * Ext, ExtentSums.LengthIn(e, content.Length)))).ToArray();

    /// <summary>The sums copy <paramref name="copy"/> keeps for <paramref name="name"/> (null: none it trusts).</summary>
    private static ulong[]? Stored(MirrorFixture f, int copy, string name)
    {
        var vp = f.LowerVnode(copy, name)!;
        try
        {
            MirrorFixture.Ok(MirrorSumFile.Read(f.Mfs.Copies[copy].Root, vp, out _, out var sums));
            return sums;
        }
        finally
        {
            vp.Rele();
        }
    }

    [Fact]
    public void Bit_rot_under_one_UFS_copy_is_read_from_the_other_copy_and_repaired()
    {
        using var f = new MirrorFixture(fstype: "ufs");
        f.Mount("checksum");
        var data = Data(200_000, 1);
        WriteAll(f.P, "/A/b/f", data);

        var mi = Remount(f, "checksum", () => RotDevice(f.Devices["A"], data.AsSpan(70_000, 64)), "A");
        Assert.NotEqual(data, LowerBytes(f, 0, "f"));   // X (read=x) holds the rot

        MirrorFixture.Ok(ReadAll(f.P, "/A/b/f", out var got));
        Assert.Equal(data, got);
        Assert.Equal((1, 1, 0, 0), (mi.Copies[0].ChecksumErrors, mi.Copies[0].ChecksumRepairs, mi.Copies[1].ChecksumErrors, mi.Copies[1].ChecksumRepairs));
        Assert.Contains(f.K.Messages, m => m.Contains("copy X: checksum: /f: extent 1 (bytes 65536-131072) failed its checksum; repaired from Y"));
        MirrorFixture.Ok(MfsAdm.Status(f.P, "/A/b", out var st));
        Assert.True(st!.Checksum);
        Assert.Equal((1L, 1L), (st.Copies[0].ChecksumErrors, st.Copies[0].ChecksumRepairs));
        // Repaired on the disk itself: a remount reads it right, with nothing more to repair.
        mi = Remount(f, "checksum", null, "A");
        Assert.Equal(data, LowerBytes(f, 0, "f"));
        MirrorFixture.Ok(ReadAll(f.P, "/A/b/f", out got));
        Assert.Equal(data, got);
        Assert.Equal(0, mi.Copies[0].ChecksumErrors);
        Assert.True(f.Verify().Identical);
    }

    [Fact]
    public void Bit_rot_in_the_same_extent_of_both_copies_is_EIO_never_garbage()
    {
        using var f = new MirrorFixture(fstype: "ufs");
        f.Mount("checksum");
        var data = Data(150_000, 2);
        WriteAll(f.P, "/A/b/f", data);

        var mi = Remount(f, "checksum", () =>
        {
            RotDevice(f.Devices["A"], data.AsSpan(140_000, 64));
            RotDevice(f.Devices["X"], data.AsSpan(140_100, 64));
        }, "A", "X");

        Assert.Equal(Errno.EIO, ReadAll(f.P, "/A/b/f", out _));
        MirrorFixture.Ok(f.P.Open("/A/b/f", OFlags.O_RDONLY, 0, out int fd));
        var head = new byte[Ext];
        MirrorFixture.Ok(f.P.Read(fd, head, out int n));   // the extents before it are still served
        Assert.Equal(data.AsSpan(0, Ext).ToArray(), head[..n]);
        MirrorFixture.Ok(f.P.Close(fd));
        Assert.Contains(f.K.Messages, m => m.Contains("checksum: /f: extent 2 (bytes 131072-150000) fails its checksum on every copy (X, Y): EIO"));
        Assert.True(mi.Copies[0].ChecksumErrors >= 1 && mi.Copies[1].ChecksumErrors >= 1);
        Assert.Equal(0, mi.Copies[0].ChecksumRepairs + mi.Copies[1].ChecksumRepairs);
    }

    [Fact]
    public void Checksums_survive_unmount_and_remount_and_stay_right_across_truncates_holes_and_extensions()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount("checksum");
        var content = Data(3 * Ext + 100, 3);
        WriteAll(f.P, "/A/b/f", content);
        MirrorFixture.Ok(f.P.Open("/A/b/f", OFlags.O_RDWR, 0, out int fd));
        void Pwrite(byte[] b, long at)
        {
            MirrorFixture.Ok(f.P.Pwrite(fd, b, at, out _));
            if (content.Length < at + b.Length)
                Array.Resize(ref content, (int)(at + b.Length));
            b.CopyTo(content, at);
        }
        void Truncate(long size)
        {
            MirrorFixture.Ok(f.P.Ftruncate(fd, size));
            Array.Resize(ref content, (int)size);
        }
        Pwrite(Data(4096, 4), 10_000);              // inside extent 0: dirty until the flush
        Truncate(Ext + 5000);                       // shrinks into extent 1
        Truncate(2 * Ext + 7);                      // grows: extent 1 gets zeros after its old end, extent 2 is a hole
        Pwrite(Data(Ext, 5), 5 * Ext);              // a whole extent past the end: 2's end, 3 and 4 are holes
        Pwrite(Data(10, 6), 7 * Ext - 5);           // across the boundary of 6 and 7, past the end
        MirrorFixture.Ok(f.P.Fsync(fd));
        MirrorFixture.Ok(f.P.Close(fd));
        Assert.Equal(Expected(content), Stored(f, 0, "f"));
        Assert.Equal(Expected(content), Stored(f, 1, "f"));

        MirrorFixture.Ok(f.P.Umount("/X/y"));
        f.Mount("checksum");
        Assert.Equal(Expected(content), Stored(f, 0, "f"));
        RotFile(f, 0, "f", 5 * Ext + 3);
        MirrorFixture.Ok(ReadAll(f.P, "/A/b/f", out var got));
        Assert.Equal(content, got);
        Assert.Equal(1, f.Mfs.Copies[0].ChecksumRepairs);
        Assert.Equal(Expected(content), Stored(f, 0, "f"));   // the repair gave the file its times back: its sums still hold
        Assert.NotSame(mi, f.Mfs);
    }

    [Fact]
    public void A_write_marks_the_sum_files_in_flight_until_the_flush_so_a_crash_leaves_no_stale_sums()
    {
        using var f = new MirrorFixture();
        f.Mount("checksum");
        var content = Data(2 * Ext, 7);
        WriteAll(f.P, "/A/b/f", content);
        Assert.Equal(Expected(content), Stored(f, 1, "f"));

        MirrorFixture.Ok(f.P.Open("/A/b/f", OFlags.O_RDWR, 0, out int fd));
        var change = Data(100, 8);
        MirrorFixture.Ok(f.P.Pwrite(fd, change, 5, out _));
        change.CopyTo(content, 5);
        // Were the host to crash now, the copies' sum files would not be used: they say "in flight".
        Assert.Null(Stored(f, 0, "f"));
        Assert.Null(Stored(f, 1, "f"));
        MirrorFixture.Ok(f.P.Fsync(fd));
        Assert.Equal(Expected(content), Stored(f, 0, "f"));
        Assert.Equal(Expected(content), Stored(f, 1, "f"));
        MirrorFixture.Ok(f.P.Close(fd));
    }

    [Fact]
    public void A_copy_brought_back_by_a_resync_is_checked_against_the_sums_of_what_it_missed()
    {
        using var f = new MirrorFixture();
        f.Mount("checksum");
        var content = Data(2 * Ext, 9);
        WriteAll(f.P, "/A/b/f", content);
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        content = Data(2 * Ext + 300, 10);
        WriteAll(f.P, "/A/b/f", content);
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out _), error);
        Assert.Null(Stored(f, 1, "f"));   // Y's old sums describe its old bytes: the resync's new mtime sets them aside

        MirrorFixture.Ok(f.P.Umount("/X/y"));
        f.Mount("checksum,read=y");
        RotFile(f, 1, "f", Ext + 17);
        MirrorFixture.Ok(ReadAll(f.P, "/A/b/f", out var got));
        Assert.Equal(content, got);
        Assert.Equal(1, f.Mfs.Copies[1].ChecksumRepairs);
        Assert.True(f.Verify().Identical);
    }

    /// <summary>
    /// Fixed 131 (a world of one's own, `kitchen`, seed 2111067: after a restart the merge rewrote two copies' file from
    /// the third's, with the mtime their sum files recorded, and every read of it was EIO): a resync that rewrites a
    /// file in place and gives it back the very size and mtime its old sums record sets those sums aside too.
    /// </summary>
    [Fact]
    public void A_resync_that_rewrites_a_file_to_the_size_and_mtime_its_old_sums_record_sets_them_aside()
    {
        using var f = new MirrorFixture();
        f.Mount("checksum");
        WriteAll(f.P, "/A/b/f", Data(2 * Ext, 12));
        MirrorFixture.Ok(f.P.Stat("/A/b/f", out var st));
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        var content = Data(2 * Ext, 13);
        WriteAll(f.P, "/A/b/f", content);
        MirrorFixture.Ok(f.P.Utimens("/A/b/f", [st!.Mtime, st.Mtime]));
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out _), error);
        Assert.Equal(content, LowerBytes(f, 1, "f"));
        Assert.Null(Stored(f, 1, "f"));

        // Y alone serves reads: its sums, were they trusted still, would call every extent bad.
        MirrorFixture.Ok(f.P.Umount("/X/y"));
        f.Mount("checksum");
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "x", out _));
        MirrorFixture.Ok(ReadAll(f.P, "/A/b/f", out var got));
        Assert.Equal(content, got);
    }

    [Fact]
    public void Scrub_takes_the_copy_whose_extents_pass_their_checksums_even_with_two_copies()
    {
        using var f = new MirrorFixture();
        f.Mount("checksum");
        var content = Data(3 * Ext, 11);
        WriteAll(f.P, "/A/b/f", content);
        RotFile(f, 1, "f", 2 * Ext + 1);   // Y: never read (read=x), found only by scrub
        RotFile(f, 0, "f", 10);            // X: another extent

        MirrorFixture.Ok(MfsAdm.Scrub(f.P, "/A/b", repair: false, 0, out var error, out var report), error);
        Assert.Equal(("/f", "2 extents fail their checksums", "the copies whose extents pass their checksums are right"),
            (report.Differences[0].Path, report.Differences[0].What, report.Differences[0].Outcome));

        MirrorFixture.Ok(MfsAdm.Scrub(f.P, "/A/b", repair: true, 0, out error, out report), error);
        Assert.Equal((1, 0), (report.Repaired, report.Refused));
        Assert.Equal("repaired 2 extents from the copies where they pass", Assert.Single(report.Differences).Outcome);
        Assert.True(f.Verify().Identical);
        Assert.Equal(content, LowerBytes(f, 1, "f"));
    }

    [Fact]
    public void Checksum_is_refused_with_active_passive_and_unknown_without_it()
    {
        Assert.Equal(Errno.EINVAL, MfsOptions.Parse("checksum,mode=active-passive", 2, out _, out var reason));
        Assert.Contains("checksum is for mode=mirror", reason);
        MirrorFixture.Ok(MfsOptions.Parse("checksum", 2, out var o, out _));
        Assert.True(o!.Checksum);
        MirrorFixture.Ok(MfsOptions.Parse("", 2, out o, out _));
        Assert.False(o!.Checksum);
    }

    /// <summary>One step of a history: a write, a truncate, a read, or one byte of rot in the rotting copy.</summary>
    public sealed record SumStep(string Kind, int Offset, int Length, int Seed)
    {
        public override string ToString() => $"{Kind} {Offset} {Length}";
    }

    /// <summary>A history: the copy that rots (0 X, 1 Y) and the steps.</summary>
    public sealed record SumHistory(int Rotting, SumStep[] Steps)
    {
        public override string ToString() => $"rotting {MfsOptions.CopyName(Rotting)}: {string.Join("; ", Steps.Select(s => s.ToString()))}";
    }

    public static class SumHistories
    {
        public static Arbitrary<SumHistory> Histories()
        {
            var step = from kind in Gen.Frequency((4, Gen.Constant("write")), (1, Gen.Constant("truncate")), (3, Gen.Constant("read")), (3, Gen.Constant("rot")))
                       from off in Gen.Choose(0, 5 * Ext)
                       from len in Gen.Choose(1, 2 * Ext)
                       from seed in Gen.Choose(0, 1000)
                       select new SumStep(kind, off, len, seed);
            var gen = from rotting in Gen.Elements(0, 1)
                      from steps in step.ArrayOf()
                      select new SumHistory(rotting, steps.Take(14).ToArray());
            return Arb.From(gen, h => Enumerable.Range(0, h.Steps.Length).Select(i => h with { Steps = h.Steps.Where((_, j) => j != i).ToArray() }));
        }
    }

    [Property(Arbitrary = [typeof(SumHistories)], MaxTest = 30, Replay = "(2026,1203)", QuietOnSuccess = true)]
    public bool Every_read_equals_the_model_despite_rot_in_one_copy_and_scrub_leaves_the_copies_identical(SumHistory h)
    {
        using var f = new MirrorFixture();
        f.Mount("checksum");
        var model = Array.Empty<byte>();
        WriteAll(f.P, "/A/b/f", model);
        MirrorFixture.Ok(f.P.Open("/A/b/f", OFlags.O_RDWR, 0, out int fd));
        try
        {
            foreach (var s in h.Steps)
            {
                switch (s.Kind)
                {
                    case "write":
                        var b = Data(s.Length, s.Seed);
                        MirrorFixture.Ok(f.P.Pwrite(fd, b, s.Offset, out _));
                        if (model.Length < s.Offset + s.Length)
                            Array.Resize(ref model, s.Offset + s.Length);
                        b.CopyTo(model, s.Offset);
                        break;
                    case "truncate":
                        MirrorFixture.Ok(f.P.Ftruncate(fd, s.Offset));
                        Array.Resize(ref model, s.Offset);
                        break;
                    case "read":
                        var buf = new byte[s.Length];
                        MirrorFixture.Ok(f.P.Pread(fd, buf, s.Offset, out int n));
                        if (!buf.AsSpan(0, n).SequenceEqual(model.AsSpan(Math.Min(s.Offset, model.Length), Math.Clamp(model.Length - s.Offset, 0, s.Length))))
                            return false;
                        break;
                    case "rot" when model.Length > 0:
                        MirrorFixture.Ok(f.P.Fsync(fd));   // rot strikes data at rest: its sums are made
                        RotFile(f, h.Rotting, "f", s.Offset % model.Length);
                        break;
                }
            }
        }
        finally
        {
            MirrorFixture.Ok(f.P.Close(fd));
        }
        MirrorFixture.Ok(ReadAll(f.P, "/A/b/f", out var all));
        MirrorFixture.Ok(MfsAdm.Scrub(f.P, "/A/b", repair: true, 0, out var error, out var report), error);
        return all.SequenceEqual(model) && report.Refused == 0 && f.Verify().Identical
            && LowerBytes(f, h.Rotting, "f").SequenceEqual(model);
    }
}
