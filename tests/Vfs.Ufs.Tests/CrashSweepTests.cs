// Tests of Vfs.Ufs after a crash at EVERY write of a fixed workload (issue 14, item 7). A dry run counts the
// device writes W the workload makes; then for each k in 1..W, in both crash modes (LoseAll: nothing since
// the last flush survives; Reorder: a random subset, in any order, one write torn), the power goes out as the
// k-th write is issued. After each cut fsck -y must leave nothing a second fsck -n finds, and every file whose
// fsync returned must hold exactly its fsync'd bytes. The workload has what issue 14 lists: creates (some
// fsync'd) with renames and unlinks; write-temp, fsync, rename-over, fsync; a nested new directory with an
// fsync'd file; a 2 MiB file, a truncate, an rmdir. Small blocks and a small cache make many small writes (the
// cache's clusters and the write's runs of whole blocks are at most 8 KiB).
using UnixVfs.Core;
using static UnixVfs.Ufs.Tests.Kit;

namespace UnixVfs.Ufs.Tests;

public class CrashSweepTests
{
    private readonly Xunit.Abstractions.ITestOutputHelper _out;

    public CrashSweepTests(Xunit.Abstractions.ITestOutputHelper output) => _out = output;

    private const string Options = "cachesize=64k";
    private static readonly byte[] Big = Bytes(2 << 20, 8);

    private static MemoryBlockDevice Fresh() => NewMemoryImage(6L << 20, bsize: 4096, fsize: 512, density: 65536);

    [Theory]
    [InlineData(CrashMode.LoseAll)]
    [InlineData(CrashMode.Reorder)]
    public void A_crash_at_every_write_of_the_workload_loses_no_fsynced_byte(CrashMode mode)
    {
        int writes = CountWrites();
        // Over 500 while each whole block of the 2 MiB file was a write of its own; since a run of them is one write
        // (UfsRdwr.WriteRun: two 4 KiB blocks, this cache's MaxCluster), 318.
        Assert.True(writes >= 300, $"the workload makes only {writes} device writes");
        _out.WriteLine($"{mode}: a crash at each of {writes} writes");
        for (int k = 1; k <= writes; k++)
            CrashAt(k, mode);
    }

    private static int CountWrites()
    {
        var mem = Fresh();
        var counter = new CountingDevice(mem);
        var h = new Host("dry");
        Ok(h.Mount("mem", Options, dev: counter));
        counter.Writes = 0;
        Workload(h.P);
        return counter.Writes;
    }

    private static void CrashAt(int k, CrashMode mode)
    {
        var mem = Fresh();
        var dev = new FaultyBlockDevice(mem);
        var h = new Host("before");
        Ok(h.Mount("mem", Options, dev: dev));
        dev.CrashAfterWrites(k, mode, new Random(k));
        var synced = Workload(h.P);
        if (!dev.Crashed)
            dev.Crash(mode, new Random(k));

        var repair = Kit.Fsck(mem, repair: true);
        Assert.True(repair.Unfixed == 0, $"{mode} at write {k}: fsck -y left problems:\n{string.Join("\n", repair.Lines)}");
        var again = Kit.Fsck(mem);
        Assert.True(again.Clean, $"{mode} at write {k}: after fsck -y, fsck -n finds:\n{string.Join("\n", again.Problems)}\n(first run:\n{string.Join("\n", repair.Lines)})");
        var after = new Host("after");
        Ok(after.Mount("mem", "ro", dev: mem), after.Log);
        foreach (var (path, data) in synced)
        {
            Ok(after.P.Stat(path, out var st), $"{mode} at write {k}: {path}, fsync'd, is gone");
            Assert.True(data.AsSpan().SequenceEqual(ReadFile(after.P, path)), $"{mode} at write {k}: {path} lost its fsync'd data");
        }
        Ok(after.Umount());
    }

    /// <summary>The fixed workload; stops at the first EIO (the crash). Returns each fsync'd file's contents.</summary>
    private static Dictionary<string, byte[]> Workload(Process p)
    {
        var synced = new Dictionary<string, byte[]>();
        var steps = new List<Func<Errno>>
        {
            // Creates, some fsync'd, with renames and unlinks.
            () => Put(p, "/mnt/a", Bytes(3000, 1), fsync: true, synced),
            () => Put(p, "/mnt/b", Bytes(9000, 2), fsync: false, synced),
            () => Put(p, "/mnt/c", Bytes(20_000, 3), fsync: true, synced),
            () => p.Rename("/mnt/b", "/mnt/b2"),
            () => UnlinkSynced(p, "/mnt/a", synced),
            () => Put(p, "/mnt/d", Bytes(500, 4), fsync: true, synced),
            // Write a temporary file, fsync it, rename it over the old one, fsync again.
            () => Put(p, "/mnt/config", Bytes(6000, 5), fsync: true, synced),
            () => Put(p, "/mnt/config.tmp", Bytes(7000, 6), fsync: true, synced),
            () => RenameOver(p, "/mnt/config.tmp", "/mnt/config", synced),
            // A nested new directory with an fsync'd file.
            () => p.Mkdir("/mnt/n1", 0x1ED),
            () => p.Mkdir("/mnt/n1/n2", 0x1ED),
            () => Put(p, "/mnt/n1/n2/deep", Bytes(12_000, 7), fsync: true, synced),
            // A 2 MiB file, a truncate, an rmdir.
            () => Put(p, "/mnt/big", Big, fsync: true, synced),
            () => TruncateSynced(p, "/mnt/big", 300_000, synced),
            () => p.Mkdir("/mnt/gone", 0x1ED),
            () => Put(p, "/mnt/gone/x", Bytes(100, 9), fsync: false, synced),
            () => p.Unlink("/mnt/gone/x"),
            () => p.Rmdir("/mnt/gone"),
            () => p.Sync(),
        };
        foreach (var step in steps)
            if (step() == Errno.EIO)
                break;
        return synced;
    }

    /// <summary>Creates <paramref name="path"/> with <paramref name="data"/>; with fsync, records it once fsync returned.</summary>
    private static Errno Put(Process p, string path, byte[] data, bool fsync, Dictionary<string, byte[]> synced)
    {
        synced.Remove(path);
        var err = p.Open(path, OFlags.O_CREAT | OFlags.O_TRUNC | OFlags.O_WRONLY, 0x1A4, out int fd);
        if (err != Errno.OK)
            return err;
        err = p.Write(fd, data, out int n);
        if (err == Errno.OK && n != data.Length)
            err = Errno.EIO;
        if (err == Errno.OK && fsync && (err = p.Fsync(fd)) == Errno.OK)
            synced[path] = data;
        p.Close(fd);
        return err;
    }

    /// <summary>rename(from, to) then fsync of the file under its new name: from then on <paramref name="to"/> holds its bytes.</summary>
    private static Errno RenameOver(Process p, string from, string to, Dictionary<string, byte[]> synced)
    {
        var data = synced[from];
        synced.Remove(from);
        synced.Remove(to);
        var err = p.Rename(from, to);
        if (err != Errno.OK)
            return err;
        if ((err = p.Open(to, OFlags.O_RDONLY, 0, out int fd)) != Errno.OK)
            return err;
        if ((err = p.Fsync(fd)) == Errno.OK)
            synced[to] = data;
        p.Close(fd);
        return err;
    }

    private static Errno UnlinkSynced(Process p, string path, Dictionary<string, byte[]> synced)
    {
        synced.Remove(path);
        return p.Unlink(path);
    }

    private static Errno TruncateSynced(Process p, string path, int length, Dictionary<string, byte[]> synced)
    {
        var data = synced[path];
        synced.Remove(path);
        var err = p.Open(path, OFlags.O_WRONLY, 0, out int fd);
        if (err != Errno.OK)
            return err;
        if ((err = p.Ftruncate(fd, length)) == Errno.OK && (err = p.Fsync(fd)) == Errno.OK)
            synced[path] = data[..length];
        p.Close(fd);
        return err;
    }

    /// <summary>Counts the writes that reach a device (a gathered write is one, as FaultyBlockDevice counts it).</summary>
    private sealed class CountingDevice(IBlockDevice inner) : IBlockDevice
    {
        public int Writes;
        public int SectorSize => inner.SectorSize;
        public long Size => inner.Size;
        public bool IsReadOnly => inner.IsReadOnly;
        public Errno Read(long offset, Span<byte> buffer) => inner.Read(offset, buffer);
        public Errno Write(long offset, ReadOnlySpan<byte> buffer)
        {
            Writes++;
            return inner.Write(offset, buffer);
        }
        public Errno Flush() => inner.Flush();
        public void Dispose() => inner.Dispose();
    }
}
