// Tests of Vfs.Ufs after a crash: a workload of creates, writes, renames, truncates and unlinks runs on a
// fault-injecting device that loses the power at a random write -- unflushed writes survive in a random
// subset and order, one of them torn. Then fsck -y must leave a consistent file system (a second fsck
// finds nothing), it must mount read-write, and every file fsync'd before the crash must hold exactly
// the bytes it held when fsync (or a later O_DSYNC write into it) returned.
using UnixVfs.Core;
using static UnixVfs.Ufs.Tests.Kit;

namespace UnixVfs.Ufs.Tests;

public class CrashTests
{
    public static IEnumerable<object[]> Seeds => Enumerable.Range(1, 40).Select(i => new object[] { i });

    [Theory]
    [MemberData(nameof(Seeds))]
    public void After_a_crash_fsck_repairs_everything_and_fsynced_files_keep_their_data(int seed) =>
        CrashAndCheck(seed, NewMemoryImage(24L << 20, bsize: 8192, fsize: 1024));

    public static IEnumerable<object[]> FileSeeds => Enumerable.Range(1, 8).Select(i => new object[] { i });

    /// <summary>
    /// The same on an image file whose device hints the host's writeback every 16 KiB (FileBlockDevice.WritebackInterval):
    /// what survives, and what fsck and the next mount see, is what the fault injector let through, in its order.
    /// </summary>
    [Theory]
    [MemberData(nameof(FileSeeds))]
    public void After_a_crash_on_an_image_file_with_writeback_hints_fsynced_files_keep_their_data(int seed)
    {
        using var s = new Scratch();
        Ok(FileBlockDevice.Open(NewImage(s, 24L << 20, bsize: 8192, fsize: 1024), readOnly: false, out var file));
        using (file)
        {
            file!.WritebackInterval = 16 << 10;
            CrashAndCheck(seed, file);
            Assert.True(file.WritebackHints > 0 || !OperatingSystem.IsLinux(), "no writeback hint was given");
        }
    }

    private static void CrashAndCheck(int seed, IBlockDevice disk)
    {
        var rng = new Random(seed);
        var dev = new FaultyBlockDevice(disk);
        var h = new Host("before");
        Ok(h.Mount("mem", "cachesize=256k", dev: dev));
        Ok(h.P.Mkdir("/mnt/keep", 0x1ED));
        Ok(h.P.Mkdir("/mnt/work", 0x1ED));
        Ok(h.P.Sync());
        dev.CrashAfterWrites(rng.Next(1, 600), CrashMode.Reorder, new Random(seed * 7919));
        var synced = Workload(h.P, rng);
        if (!dev.Crashed)
            dev.Crash(CrashMode.Reorder, new Random(seed));

        var repair = Kit.Fsck(disk, repair: true);
        Assert.True(repair.Unfixed == 0, $"seed {seed}: fsck -y left problems:\n{string.Join("\n", repair.Lines)}");
        var again = Kit.Fsck(disk);
        Assert.True(again.Clean, $"seed {seed}: after fsck -y, fsck -n still finds:\n{string.Join("\n", again.Problems)}\n(first run:\n{string.Join("\n", repair.Lines)})");

        var after = new Host("after");
        Ok(after.Mount("mem", dev: disk), after.Log);
        foreach (var (path, data) in synced)
            Assert.True(data.AsSpan().SequenceEqual(ReadFile(after.P, path)), $"seed {seed}: {path} lost its fsync'd data");
        ReadEverything(after.P, "/mnt");
        WriteFile(after.P, "/mnt/work/afterwards", Bytes(20_000, seed));
        Ok(after.Umount());
        AssertClean(Kit.Fsck(disk));
    }

    /// <summary>
    /// fsync of one file writes inode blocks that hold other files' dinodes. A file written, not fsync'd, over blocks
    /// a removed file's 0xAA bytes had filled, and then another file fsync'd, and the power cut: the first file must
    /// come back as it was before (empty) or with its bytes, never holding the removed file's. Before, the fsync wrote
    /// its dinode, which pointed at blocks whose data was still only in the cache.
    /// </summary>
    [Theory]
    [InlineData(CrashMode.LoseAll)]
    [InlineData(CrashMode.Reorder)]
    public void An_fsync_never_leaves_another_files_inode_pointing_at_data_not_yet_written(CrashMode mode)
    {
        var mem = NewMemoryImage(8L << 20, bsize: 8192, fsize: 1024);
        var dev = new FaultyBlockDevice(mem);
        var h = new Host("before");
        Ok(h.Mount("mem", dev: dev));
        WriteFile(h.P, "/mnt/old", Enumerable.Repeat((byte)0xAA, 64 << 10).ToArray());
        Ok(h.P.Sync());
        Ok(h.P.Unlink("/mnt/old"));
        Ok(h.P.Sync());
        var fresh = Bytes(40_000, 5);
        Ok(h.P.Open("/mnt/b", OFlags.O_CREAT | OFlags.O_WRONLY, 0x1A4, out int fd));
        Ok(h.P.Write(fd, fresh, out _));
        Ok(h.P.Open("/mnt/a", OFlags.O_CREAT | OFlags.O_WRONLY, 0x1A4, out int fa));
        Ok(h.P.Write(fa, Bytes(100, 6), out _));
        Ok(h.P.Fsync(fa));
        dev.Crash(mode, new Random(3));

        Assert.Equal(0, Kit.Fsck(mem, repair: true).Unfixed);
        var after = new Host("after");
        Ok(after.Mount("mem", dev: mem), after.Log);
        var back = ReadFile(after.P, "/mnt/b");
        Assert.DoesNotContain((byte)0xAA, back.Where((b, i) => b != fresh[i]));
        Assert.True(back.Length == 0 || back.AsSpan().SequenceEqual(fresh), $"b came back with {back.Length} bytes, not 0 or its {fresh.Length}");
    }

    [Fact]
    public void An_O_DSYNC_write_is_on_the_disk_when_it_returns()
    {
        var mem = NewMemoryImage(8L << 20, bsize: 8192, fsize: 1024);
        var dev = new FaultyBlockDevice(mem);
        var h = new Host("before");
        Ok(h.Mount("mem", dev: dev));
        var data = Bytes(40_000, 1);
        WriteFile(h.P, "/mnt/f", data);
        Ok(h.P.Sync());
        Ok(h.P.Open("/mnt/f", OFlags.O_WRONLY | OFlags.O_DSYNC, 0, out int fd));
        var over = Bytes(5000, 2);      // over blocks the file has: the data alone is flushed
        Ok(h.P.Pwrite(fd, over, 10_000, out _));
        over.CopyTo(data, 10_000);
        var tail = Bytes(3000, 3);      // past its end: the new size and blocks are flushed too
        Ok(h.P.Pwrite(fd, tail, data.Length, out _));
        data = [.. data, .. tail];
        dev.Crash(CrashMode.LoseAll, new Random(1));

        // Only the summary totals can be wrong: fsync leaves the summary area and the superblock to sync.
        Assert.All(Kit.Fsck(mem).Problems, p => Assert.Contains("SUMMARY", p));
        Assert.Equal(0, Kit.Fsck(mem, repair: true).Unfixed);
        AssertClean(Kit.Fsck(mem));
        var after = new Host("after");
        Ok(after.Mount("mem", dev: mem), after.Log);
        Assert.Equal(data, ReadFile(after.P, "/mnt/f"));
    }

    [Fact]
    public void An_O_DSYNC_write_that_cannot_reach_the_disk_fails_with_EIO()
    {
        var mem = NewMemoryImage(8L << 20, bsize: 8192, fsize: 1024);
        var dev = new FaultyBlockDevice(mem);
        var h = new Host();
        Ok(h.Mount("mem", dev: dev));
        // Written in pieces smaller than a block, so that its blocks stay cached (a whole block the cache does not
        // hold goes straight to the device) and the plain write below needs no read from the dead disk.
        Ok(h.P.Open("/mnt/f", OFlags.O_CREAT | OFlags.O_WRONLY, 0x1A4, out int w));
        var piece = Bytes(1000, 1);
        for (int off = 0; off < 40_000; off += piece.Length)
            Ok(h.P.Pwrite(w, piece, off, out _));
        Ok(h.P.Close(w));
        Ok(h.P.Sync());
        Ok(h.P.Open("/mnt/f", OFlags.O_WRONLY, 0, out int plain));
        Ok(h.P.Open("/mnt/f", OFlags.O_WRONLY | OFlags.O_DSYNC, 0, out int dsync));
        dev.FailAfter(0);
        Ok(h.P.Pwrite(plain, Bytes(100, 2), 0, out int n));       // write-behind: the error comes with the next sync
        Assert.Equal(100, n);
        Assert.Equal(Errno.EIO, h.P.Pwrite(dsync, Bytes(100, 3), 0, out _));
        Assert.Equal(Errno.EIO, h.P.Fsync(plain));
    }

    /// <summary>Runs random operations until the device dies (EIO) or the workload ends; returns the files fsync'd and left alone since.</summary>
    private static Dictionary<string, byte[]> Workload(Process p, Random rng)
    {
        var synced = new Dictionary<string, byte[]>();
        var files = new List<string>();
        var dirs = new List<string> { "/mnt/work" };
        for (int step = 0; step < 400; step++)
        {
            Errno err = Errno.OK;
            int pick = rng.Next(100);
            if (pick < 15)
            {
                // A file in /keep, written and fsync'd: from then on it must survive.
                var path = $"/mnt/keep/k{step}";
                var data = Bytes(rng.Next(0, 90_000), step);
                err = p.Open(path, OFlags.O_CREAT | OFlags.O_WRONLY, 0x1A4, out int fd);
                if (err == Errno.OK)
                {
                    err = p.Write(fd, data, out int n);
                    if (err == Errno.OK && n != data.Length)
                        err = Errno.EIO;
                    if (err == Errno.OK)
                        err = p.Fsync(fd);
                    p.Close(fd);
                }
                if (err == Errno.OK)
                    synced[path] = data;
            }
            else if (pick < 20 && synced.Count > 0)
            {
                // An O_DSYNC write into a kept file, over its own blocks or past its end: stable when it returns.
                var path = synced.Keys.ElementAt(rng.Next(synced.Count));
                var old = synced[path];
                int off = rng.Next(0, old.Length + 1);
                var chunk = Bytes(rng.Next(1, 12_000), step);
                err = p.Open(path, OFlags.O_WRONLY | OFlags.O_DSYNC, 0, out int fd);
                if (err == Errno.OK)
                {
                    err = p.Pwrite(fd, chunk, off, out int n);
                    if (err == Errno.OK && n != chunk.Length)
                        err = Errno.EIO;
                    p.Close(fd);
                }
                if (err == Errno.OK)
                {
                    var now = new byte[Math.Max(old.Length, off + chunk.Length)];
                    old.CopyTo(now, 0);
                    chunk.CopyTo(now, off);
                    synced[path] = now;
                }
                else
                    synced.Remove(path);
            }
            else if (pick < 40)
            {
                var path = $"{dirs[rng.Next(dirs.Count)]}/f{step}";
                err = p.Open(path, OFlags.O_CREAT | OFlags.O_WRONLY, 0x1A4, out int fd);
                if (err == Errno.OK)
                {
                    err = p.Write(fd, Bytes(rng.Next(0, 60_000), step), out _);
                    p.Close(fd);
                    files.Add(path);
                }
            }
            else if (pick < 55 && files.Count > 0)
            {
                var path = files[rng.Next(files.Count)];
                err = p.Open(path, OFlags.O_WRONLY | OFlags.O_APPEND, 0, out int fd);
                if (err == Errno.OK)
                {
                    err = p.Write(fd, Bytes(rng.Next(1, 20_000), step), out _);
                    p.Close(fd);
                }
            }
            else if (pick < 63 && files.Count > 0)
                err = p.Truncate(files[rng.Next(files.Count)], rng.Next(0, 30_000));
            else if (pick < 73 && files.Count > 0)
            {
                int i = rng.Next(files.Count);
                var to = $"{dirs[rng.Next(dirs.Count)]}/r{step}";
                err = p.Rename(files[i], to);
                if (err == Errno.OK)
                    files[i] = to;
            }
            else if (pick < 85 && files.Count > 0)
            {
                int i = rng.Next(files.Count);
                err = p.Unlink(files[i]);
                if (err == Errno.OK)
                    files.RemoveAt(i);
            }
            else if (pick < 93)
            {
                var d = $"{dirs[rng.Next(dirs.Count)]}/d{step}";
                err = p.Mkdir(d, 0x1ED);
                if (err == Errno.OK)
                    dirs.Add(d);
            }
            else if (pick < 97 && dirs.Count > 1)
            {
                // Move a directory (and whatever is below it) under another name in /mnt/work.
                int i = rng.Next(1, dirs.Count);
                var to = $"/mnt/work/m{step}";
                err = p.Rename(dirs[i], to);
                if (err == Errno.OK)
                {
                    var from = dirs[i];
                    dirs = dirs.Select(x => x == from || x.StartsWith(from + "/", StringComparison.Ordinal) ? to + x[from.Length..] : x).ToList();
                    files = files.Select(x => x.StartsWith(from + "/", StringComparison.Ordinal) ? to + x[from.Length..] : x).ToList();
                }
            }
            else
                err = p.Sync();
            if (err == Errno.EIO)
                break;
            Assert.True(err is Errno.OK or Errno.ENOENT or Errno.EEXIST or Errno.ENOTEMPTY or Errno.EINVAL or Errno.ENOSPC,
                $"step {step}: unexpected {err}");
        }
        return synced;
    }

    /// <summary>Reads every file and link below <paramref name="dir"/>: nothing may fail.</summary>
    private static void ReadEverything(Process p, string dir)
    {
        foreach (var d in List(p, dir))
        {
            var path = dir + "/" + d.Name;
            Ok(p.Lstat(path, out var st), path);
            if (st!.Type == VType.VDIR)
                ReadEverything(p, path);
            else if (st.Type == VType.VREG)
                ReadFile(p, path);
            else if (st.Type == VType.VLNK)
                Ok(p.Readlink(path, out _), path);
        }
    }
}
