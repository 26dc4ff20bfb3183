// Vfs.Mirror.Bench: the mirror's end-to-end ratios, each measured side by side in one run, medians of several
// rounds (the machine is shared):
//
//   read     sequential read of a 256 MiB file after a remount (8 times) through a mirror of two UFS images, against
//            the same UFS alone
//   write    sequential write (1 MiB writes, then fsync) of 256 MiB through the mirror, against one UFS alone; and
//            beside it the physical limit: two host files written and fsync'd at once on the same disk, against one
//            (both copies' images share this disk, so no mirror can do better than that ratio)
//   log      the same writes with copy y offline, so every write also goes to y's persistent intent log, against one
//            UFS alone; and a 4 KiB pwrite at random offsets, mirror with y away against UFS alone (time per write)
//   sync     a 4 KiB O_DSYNC write through a mirror of a local UFS and an NFS import over loopback TCP, against
//            the slower copy's own latency, round by round; and each copy's time inside the mirror
//   checksum the same mirror of two UFS images with -o checksum and without it: sequential write (1 MiB writes, then
//            fsync) and sequential read after a remount (targets: read >= 0.9, write >= 0.75 of the mirror without);
//            beside the read, the most any read that hashes every byte can reach here (XxHash3's rate against the
//            read's), and the ratios of the two sides' fastest read passes and of the 5th percentiles of their 1 MiB
//            read(2)s' own times (a read's undisturbed cost: on a host others load, the pass ratios swing 0.4-1.8)
//   randwrite 4 KiB pwrites at random offsets of a 256 MiB file, each image with a 640 MiB buffer cache, after a
//            sequential write and one uncounted random pass: a mirror of two UFS images against one UFS alone, in
//            process (no FUSE), time and process CPU per write, the two sides taking turns; run only when named, and
//            the first (cold) pass, which fills both buffer caches, is printed apart
//   resync   10 files changed in a 100,000-file tree while a copy was away: what the resync touches
//   host     no Vfs code at all: a 32 KiB pwrite + fsync of a host file back to back, after 1 ms idle, and while
//            another thread is busy (as one copy's work runs beside the other's flush), to show what the host charges
//
//     dotnet run -c Release --project benchmarks/Vfs.Mirror.Bench [-- read|write|log|checksum|sync|randwrite|resync|host ...] [--rounds N] [--mib N]
//         [--no-verify]   (resync: skip the verify of the 100,100 names after each resync, minutes on a loaded host)
//
// Every ratio is the median of the rounds' own ratios (each round measures both sides back to back), with their range.
using System.Diagnostics;
using Process = UnixVfs.Core.Process;
using UnixVfs.Core;
using UnixVfs.Mirror;
using UnixVfs.Nfs.Client;
using UnixVfs.Nfs.Net;
using UnixVfs.Nfs.Server;
using UnixVfs.Ufs;

var which = args.Where(a => !a.StartsWith("--") && !int.TryParse(a, out _)).ToHashSet();
int rounds = Arg("--rounds", 5), mib = Arg("--mib", 256);
bool All(string s) => which.Count == 0 || which.Contains(s);
var dir = Path.Combine(Path.GetTempPath(), "vfs-mirror-bench-" + Environment.ProcessId);
Directory.CreateDirectory(dir);
try
{
    if (All("read") || All("write"))
        ReadWrite(dir, rounds, mib);
    if (All("log"))
        LogWrites(dir, rounds, mib);
    if (All("checksum"))
        Checksum(dir, rounds, mib);
    if (All("sync"))
    {
        SyncWrite(dir, rounds, remoteOnSameDisk: false);
        SyncWrite(dir, rounds, remoteOnSameDisk: true);
    }
    if (which.Contains("randwrite"))
        RandWrite(dir, rounds, mib);
    if (All("resync"))
        Resync(verify: !args.Contains("--no-verify"));
    if (All("host"))
        HostFlush(dir, rounds);
}
finally
{
    Directory.Delete(dir, recursive: true);
}

int Arg(string name, int dflt)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1]) : dflt;
}

static void Ok(Errno e, string what)
{
    if (e != Errno.OK)
        throw new InvalidOperationException($"{what}: {e}");
}

static double Median(List<double> xs)
{
    var s = xs.OrderBy(x => x).ToList();
    return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
}

// "median (min-max)" of the rounds' ratios.
static string Ratio(List<double> ratios) => $"{Median(ratios):F2} (rounds {ratios.Min():F2}-{ratios.Max():F2})";

// MiB/s per file writing the bytes to n host files at once (one thread each, 1 MiB writes, then fsync): no Vfs code.
static double HostWrite(string dir, long bytes, int n)
{
    var buf = new byte[1 << 20];
    new Random(1).NextBytes(buf);
    var paths = Enumerable.Range(0, n).Select(i => Path.Combine(dir, $"host{i}.bin")).ToList();
    var sw = Stopwatch.StartNew();
    Parallel.ForEach(paths, new ParallelOptions { MaxDegreeOfParallelism = n }, path =>
    {
        using var f = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None);
        for (long done = 0; done < bytes; done += buf.Length)
            f.Write(buf);
        f.Flush(flushToDisk: true);
    });
    sw.Stop();
    foreach (var path in paths)
        File.Delete(path);
    return bytes / (1024.0 * 1024) / sw.Elapsed.TotalSeconds;
}

static Kernel NewKernel(string name)
{
    var k = new Kernel(name);
    k.Vfssw.Install(UfsVfsops.Def);
    k.Vfssw.Install(MirrorVfsops.Def);
    return k;
}

static void NewUfs(Process p, string image, string mountpoint, long size)
{
    Ok(FileBlockDevice.Create(image, size, out var dev), "create " + image);
    using (dev)
        Ok(Newfs.Make(dev!, new NewfsOptions { Size = size }, p.Kernel.Now(), out _, out _), "newfs " + image);
    Ok(p.Mkdir(mountpoint, 0x1ED), "mkdir " + mountpoint);
    Ok(p.Mount(image, mountpoint, "ufs"), "mount " + image);
}

// MiB/s writing the bytes to the path in 1 MiB writes, then fsync.
static double WriteFile(Process p, string path, long bytes)
{
    var buf = new byte[1 << 20];
    new Random(1).NextBytes(buf);
    Ok(p.Open(path, OFlags.O_CREAT | OFlags.O_WRONLY | OFlags.O_TRUNC, 0x1A4, out int fd), "open " + path);
    var sw = Stopwatch.StartNew();
    for (long done = 0; done < bytes; done += buf.Length)
        Ok(p.Write(fd, buf, out _), "write");
    var tw = sw.Elapsed;
    Ok(p.Fsync(fd), "fsync");
    sw.Stop();
    if (Environment.GetEnvironmentVariable("BENCH_DETAIL") is not null)
        Console.WriteLine($"  {path}: writes {tw.TotalMilliseconds:F0} ms, fsync {(sw.Elapsed - tw).TotalMilliseconds:F0} ms");
    Ok(p.Close(fd), "close");
    return bytes / (1024.0 * 1024) / sw.Elapsed.TotalSeconds;
}

// Seconds reading the path to its end in 1 MiB reads.
static double ReadSeconds(Process p, string path, List<double>? perRead = null)
{
    var buf = new byte[1 << 20];
    Ok(p.Open(path, OFlags.O_RDONLY, 0, out int fd), "open " + path);
    long total = 0;
    var sw = Stopwatch.StartNew();
    while (true)
    {
        long t0 = Stopwatch.GetTimestamp();
        Ok(p.Read(fd, buf, out int n), "read");
        if (n == 0)
            break;
        perRead?.Add(Stopwatch.GetElapsedTime(t0).TotalSeconds);
        total += n;
    }
    sw.Stop();
    Ok(p.Close(fd), "close");
    return sw.Elapsed.TotalSeconds;
}

static void Remount(Process p, string image, string mountpoint)
{
    Ok(p.Umount(mountpoint), "umount " + mountpoint);
    Ok(p.Mount(image, mountpoint, "ufs"), "mount " + image);
}

static void ReadWrite(string dir, int rounds, int mib)
{
    const int ReadPasses = 8;
    long bytes = (long)mib << 20, size = Math.Max(1L << 30, 3 * bytes);
    var k = NewKernel("bench");
    var p = k.CreateProcess();
    string alone = Path.Combine(dir, "alone.img"), x = Path.Combine(dir, "x.img"), y = Path.Combine(dir, "y.img");
    NewUfs(p, alone, "/alone", size);
    NewUfs(p, x, "/x", size);
    NewUfs(p, y, "/y", size);
    List<double> wRatio = [], rRatio = [], limit = [];
    for (int r = 0; r < rounds; r++)
    {
        // One round: the same bytes through UFS alone and through the mirror, then each read back after a remount; and
        // the host's own limit for two writers at once.
        double wa = WriteFile(p, "/alone/f", bytes);
        Ok(p.Mount("/x", "/y", "mfs", MountFlags.None, "nomerge"), "mount mfs");
        double wm = WriteFile(p, "/x/f", bytes);
        Ok(p.Umount("/y"), "umount mfs");
        double one = HostWrite(dir, bytes, 1), two = HostWrite(dir, bytes, 2);
        // A read of the file after a remount takes some 20 ms here (the images sit in the host's page cache), too short
        // to measure once: each side reads it ReadPasses times, each after its own remount, the sides taking turns,
        // after one pass each that is not counted (it brings every method of both read paths to its final code).
        double ta = 0, tm = 0;
        for (int pass = -1; pass < ReadPasses; pass++)
        {
            Remount(p, alone, "/alone");
            double sa = ReadSeconds(p, "/alone/f");
            Remount(p, x, "/x");
            Remount(p, y, "/y");
            Ok(p.Mount("/x", "/y", "mfs", MountFlags.None, "nomerge"), "mount mfs");
            double sm = ReadSeconds(p, "/x/f");
            Ok(p.Umount("/y"), "umount mfs");
            if (pass >= 0)
            {
                ta += sa;
                tm += sm;
            }
        }
        double ra = ReadPasses * bytes / (1024.0 * 1024) / ta, rm = ReadPasses * bytes / (1024.0 * 1024) / tm;
        wRatio.Add(wm / wa);
        rRatio.Add(rm / ra);
        limit.Add(two / one);
        Console.WriteLine($"round {r + 1}: write alone {wa:F0} MiB/s, mirror {wm:F0} MiB/s ({wm / wa:F2}); host files 1 at a time {one:F0}, 2 at once {two:F0} MiB/s each ({two / one:F2}); read alone {ra:F0} MiB/s, mirror {rm:F0} MiB/s ({rm / ra:F2})");
    }
    double lim = Median(limit);
    Console.WriteLine($"write {mib} MiB + fsync, mirror of two UFS / UFS alone: {Ratio(wRatio)}; physical limit (2 host files at once / 1): {Ratio(limit)}; mirror / limit {Median(wRatio) / lim:F2} (target >= 0.80, or >= 0.95 of the limit where it is below 0.80)");
    Console.WriteLine($"read {mib} MiB after remount, mirror of two UFS / UFS alone: {Ratio(rRatio)} (target >= 0.95)");
    k.UnmountAll(UnmountFlags.MS_FORCE);
}

// The persistent intent log's cost: copy y is offline, so each write is recorded in y's log (MirrorIntentLog.cs) before
// x takes it.
static void LogWrites(string dir, int rounds, int mib)
{
    long bytes = (long)mib << 20, size = Math.Max(1L << 30, 3 * bytes);
    var k = NewKernel("bench");
    var p = k.CreateProcess();
    NewUfs(p, Path.Combine(dir, "alone.img"), "/alone", size);
    NewUfs(p, Path.Combine(dir, "x.img"), "/x", size);
    NewUfs(p, Path.Combine(dir, "y.img"), "/y", size);
    Ok(p.Mount("/x", "/y", "mfs", MountFlags.None, "nomerge"), "mount mfs");
    Ok(MfsAdm.Offline(p, "/x", "y", out _), "offline y");
    List<double> seq = [], rnd = [];
    for (int r = 0; r < rounds; r++)
    {
        double a = WriteFile(p, "/alone/f", bytes), m = WriteFile(p, "/x/f", bytes);
        double ta = RandomWrites(p, "/alone/f", bytes), tm = RandomWrites(p, "/x/f", bytes);
        seq.Add(m / a);
        rnd.Add(tm / ta);
        Console.WriteLine($"round {r + 1}: sequential alone {a:F0} MiB/s, mirror with y away {m:F0} MiB/s ({m / a:F2}); 4 KiB random pwrite alone {ta:F1} us, mirror with y away {tm:F1} us ({tm / ta:F2})");
    }
    Console.WriteLine($"write {mib} MiB + fsync with the log active, mirror / UFS alone: {Ratio(seq)} (target >= 0.80)");
    Console.WriteLine($"4 KiB random pwrite with the log active, mirror / UFS alone (time per write): {Ratio(rnd)} (target <= 1.30)");
    k.UnmountAll(UnmountFlags.MS_FORCE);
}

// -o checksum's cost (MirrorChecksum.cs): one mirror of two UFS images, mounted without and with checksum in turn, each
// writing its own file WritePasses times and, after the images are remounted (nothing cached), reading it back Passes
// times, the two sides taking turns pass by pass, so neither always runs on a warmer machine or right after the other.
static void Checksum(string dir, int rounds, int mib)
{
    const int Passes = 8, WritePasses = 4;
    long bytes = (long)mib << 20, size = Math.Max(1L << 30, 3 * bytes);
    var k = NewKernel("bench");
    var p = k.CreateProcess();
    string x = Path.Combine(dir, "x.img"), y = Path.Combine(dir, "y.img");
    NewUfs(p, x, "/x", size);
    NewUfs(p, y, "/y", size);
    double Through(string options, Func<double> io)
    {
        Ok(p.Mount("/x", "/y", "mfs", MountFlags.None, options), "mount mfs -o " + options);
        double rate = io();
        Ok(p.Umount("/y"), "umount mfs");
        return rate;
    }
    // Seconds per side over the passes, the sides taking turns (the order flips every pass, so neither always runs
    // right after the other), after a pass each that is not counted (it brings the hash and both paths to their final
    // code: a first write hashed with tier-0 code of System.IO.Hashing).
    // Also the fastest pass of each side: on a host others load, the pass that ran least disturbed.
    double fastestPlain = 0, fastestSums = 0;
    (double Plain, double Sums) Alternate(int passes, Func<bool, double> seconds)
    {
        double tp = 0, tc = 0;
        (fastestPlain, fastestSums) = (double.MaxValue, double.MaxValue);
        for (int pass = -1; pass < passes; pass++)
            foreach (bool sums in (pass & 1) == 0 ? [false, true] : new[] { true, false })
            {
                double s = seconds(sums);
                if (pass < 0)
                    continue;
                if (sums)
                    (tc, fastestSums) = (tc + s, Math.Min(fastestSums, s));
                else
                    (tp, fastestPlain) = (tp + s, Math.Min(fastestPlain, s));
            }
        return (tp, tc);
    }
    double MiB(int passes, double seconds) => passes * bytes / (1024.0 * 1024) / seconds;
    List<double> wRatio = [], rRatio = [], bound = [], rFastest = [], rCalls = [];
    // Each 1 MiB read(2)'s own time, per side: the 5th percentile is what a read costs when nothing disturbs it.
    List<double> callsPlain = [], callsSums = [];
    static double P5(List<double> xs) => xs.Order().ElementAt(xs.Count / 20);
    for (int r = 0; r < rounds; r++)
    {
        callsPlain.Clear();
        callsSums.Clear();
        var (wtp, wtc) = Alternate(WritePasses, sums => bytes / (1024.0 * 1024) /
            (sums ? Through("nomerge,checksum", () => WriteFile(p, "/x/sums", bytes)) : Through("nomerge", () => WriteFile(p, "/x/plain", bytes))));
        // Reads: each pass after a remount of both images (nothing cached in the UFS).
        var (rtp, rtc) = Alternate(Passes, sums =>
        {
            Remount(p, x, "/x");
            Remount(p, y, "/y");
            return sums ? Through("nomerge,checksum", () => ReadSeconds(p, "/x/sums", callsSums)) : Through("nomerge", () => ReadSeconds(p, "/x/plain", callsPlain));
        });
        double wp = MiB(WritePasses, wtp), wc = MiB(WritePasses, wtc), rp = MiB(Passes, rtp), rc = MiB(Passes, rtc);
        rFastest.Add(fastestPlain / fastestSums);
        rCalls.Add(P5(callsPlain) / P5(callsSums));
        // The most a read that hashes every byte it returns can reach on one thread: its time is the plain read's plus
        // the hash's, 1 / (1 + read rate / hash rate).
        double hash = HashRate(bytes);
        wRatio.Add(wc / wp);
        rRatio.Add(rc / rp);
        bound.Add(1 / (1 + rp / hash));
        Console.WriteLine($"round {r + 1}: write mirror {wp:F0} MiB/s, with checksum {wc:F0} MiB/s ({wc / wp:F2}); read after remount mirror {rp:F0} MiB/s, " +
            $"with checksum {rc:F0} MiB/s ({rc / rp:F2}), fastest passes {MiB(1, fastestPlain):F0} and {MiB(1, fastestSums):F0} MiB/s ({rFastest[^1]:F2}), " +
            $"1 MiB read(2)s' 5th percentile {P5(callsPlain) * 1e6:F0} and {P5(callsSums) * 1e6:F0} us ({rCalls[^1]:F2}); " +
            $"XxHash3 of 64 KiB extents {hash:F0} MiB/s, bound for the read {bound[^1]:F2}");
    }
    Console.WriteLine($"write {mib} MiB + fsync, mirror -o checksum / mirror: {Ratio(wRatio)} (target >= 0.75)");
    Console.WriteLine($"read {mib} MiB after remount, mirror -o checksum / mirror: {Ratio(rRatio)} (target >= 0.90); " +
        $"bound for any read that hashes every byte on its thread, 1 / (1 + read rate / hash rate): {Ratio(bound)}; " +
        $"the fastest read passes' ratio: {Ratio(rFastest)}; the 1 MiB read(2)s' 5th percentiles' ratio: {Ratio(rCalls)}");
    k.UnmountAll(UnmountFlags.MS_FORCE);
}

// MiB/s of XxHash3 over 64 KiB extents of a 1 MiB buffer (as a checksummed read hashes the caller's buffer it just
// filled), as many bytes as the file, after a pass that is not counted.
static double HashRate(long bytes)
{
    var buf = new byte[1 << 20];
    new Random(3).NextBytes(buf);
    ulong sink = 0;
    double seconds = 0;
    for (int pass = 0; pass < 2; pass++)
    {
        var sw = Stopwatch.StartNew();
        for (long done = 0; done < bytes; done += buf.Length)
            for (int at = 0; at < buf.Length; at += 1 << 16)
                sink ^= System.IO.Hashing.XxHash3.HashToUInt64(buf.AsSpan(at, 1 << 16));
        seconds = sw.Elapsed.TotalSeconds;
    }
    GC.KeepAlive(sink);
    return bytes / (1024.0 * 1024) / seconds;
}

// Microseconds per 4 KiB pwrite at 4,096 seeded random offsets within the file's first bytes (no fsync).
static double RandomWrites(Process p, string path, long bytes)
{
    var buf = new byte[4096];
    var rng = new Random(7);
    Ok(p.Open(path, OFlags.O_WRONLY, 0, out int fd), "open " + path);
    const int n = 4096;
    var sw = Stopwatch.StartNew();
    for (int i = 0; i < n; i++)
        Ok(p.Pwrite(fd, buf, rng.NextInt64(bytes / 4096) * 4096, out _), "pwrite");
    sw.Stop();
    Ok(p.Close(fd), "close");
    return sw.Elapsed.TotalMicroseconds / n;
}

static void RandWrite(string dir, int rounds, int mib)
{
    long bytes = (long)mib << 20, size = Math.Max(1L << 30, 3 * bytes);
    var k = NewKernel("bench");
    var p = k.CreateProcess();
    foreach (var (img, mnt) in new[] { ("alone.img", "/alone"), ("x.img", "/x"), ("y.img", "/y") })
    {
        Ok(FileBlockDevice.Create(Path.Combine(dir, img), size, out var dev), "create " + img);
        using (dev)
            Ok(Newfs.Make(dev!, new NewfsOptions { Size = size }, k.Now(), out _, out _), "newfs " + img);
        Ok(p.Mkdir(mnt, 0x1ED), "mkdir " + mnt);
        Ok(p.Mount(Path.Combine(dir, img), mnt, "ufs", MountFlags.None, "cachesize=640m"), "mount " + img);
    }
    Ok(p.Mount("/x", "/y", "mfs", MountFlags.None, "nomerge"), "mount mfs");
    WriteFile(p, "/alone/f", bytes);
    WriteFile(p, "/x/f", bytes);
    const int n = 200_000;
    (double Us, double CpuUs) Pass(string path, int seed)
    {
        var buf = new byte[4096];
        var rng = new Random(seed);
        Ok(p.Open(path, OFlags.O_WRONLY, 0, out int fd), "open " + path);
        var cpu0 = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < n; i++)
            Ok(p.Pwrite(fd, buf, rng.NextInt64(bytes / 4096) * 4096, out _), "pwrite");
        sw.Stop();
        var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu0;
        Ok(p.Close(fd), "close");
        return (sw.Elapsed.TotalMicroseconds / n, cpu.TotalMicroseconds / n);
    }
    var ca = Pass("/alone/f", 1);
    var cm = Pass("/x/f", 1);
    Console.WriteLine($"cold pass: alone {ca.Us:F2} us ({ca.CpuUs:F2} us CPU), mirror {cm.Us:F2} us ({cm.CpuUs:F2} us CPU)");
    List<double> time = [], cpu = [];
    for (int r = 0; r < rounds; r++)
    {
        var a = Pass("/alone/f", r + 2);
        var m = Pass("/x/f", r + 2);
        time.Add(m.Us / a.Us);
        cpu.Add(m.CpuUs / a.CpuUs);
        Console.WriteLine($"round {r + 1}: 4 KiB random pwrite alone {a.Us:F2} us ({a.CpuUs:F2} us CPU), mirror {m.Us:F2} us ({m.CpuUs:F2} us CPU): {m.Us / a.Us:F2}");
    }
    Console.WriteLine($"4 KiB random pwrite, warm, mirror / UFS alone: time {Ratio(time)}, CPU {Ratio(cpu)}");
    k.UnmountAll(UnmountFlags.MS_FORCE);
}

// The NFS server's disk is either a device of its own (as a server elsewhere on the network has), or an image on
// this host's disk next to the local copy's, where the two copies' flushes queue behind each other.
static void SyncWrite(string dir, int rounds, bool remoteOnSameDisk)
{
    var server = NewKernel("server");
    var sp = server.CreateProcess();
    if (remoteOnSameDisk)
        NewUfs(sp, Path.Combine(dir, "remote.img"), "/export", 256L << 20);
    else
    {
        var dev = new MemoryBlockDevice(256L << 20);
        Ok(Newfs.Make(dev, new NewfsOptions { Size = 256L << 20 }, server.Now(), out _, out _), "newfs remote");
        Ok(sp.Mkdir("/export", 0x1ED), "mkdir");
        Ok(sp.Mount("remote", "/export", "ufs", MountFlags.None, "", dev), "mount remote");
    }
    var nfsd = new NfsServer(server, TcpNetwork.Default, new NfsServerOptions { Address = "127.0.0.1", NfsPort = 0, MountPort = 0, PortmapPort = -1 });
    Ok(nfsd.Share(new ExportOptions { Path = "/export", RootSquash = false }), "share");
    Ok(nfsd.Start(), "start nfsd");
    var client = NewKernel("client");
    NfsClient.Install(client, TcpNetwork.Default);
    var p = client.CreateProcess();
    NewUfs(p, Path.Combine(dir, "local.img"), "/local", 256L << 20);
    Ok(p.Mkdir("/remote", 0x1ED), "mkdir");
    Ok(p.Mount("127.0.0.1:/export", "/remote", "nfs", MountFlags.None, $"port={nfsd.NfsPort},mountport={nfsd.MountPort}"), "mount nfs");
    Ok(p.Mkdir("/local/m", 0x1ED), "mkdir");
    Ok(p.Mkdir("/remote/m", 0x1ED), "mkdir");
    Ok(p.Mkdir("/local/alone", 0x1ED), "mkdir");
    Ok(p.Mkdir("/remote/alone", 0x1ED), "mkdir");

    double Latency(string path, int ops)
    {
        var buf = new byte[4096];
        Ok(p.Open(path, OFlags.O_CREAT | OFlags.O_WRONLY | OFlags.O_DSYNC, 0x1A4, out int fd), "open " + path);
        var samples = new List<double>(ops);
        for (int i = 0; i < ops; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            Ok(p.Pwrite(fd, buf, (i % 256) * 4096L, out _), "pwrite");
            samples.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
        }
        Ok(p.Close(fd), "close");
        return Median(samples);
    }

    // How long each copy's write took as it ran inside the mirror (the mirror's own mfs.copy.duration), to tell what
    // the layer adds from what the copies cost each other when they run at once on this host's cores and disk.
    var inside = new Dictionary<string, List<double>> { ["X"] = new(), ["Y"] = new() };
    using var listener = new System.Diagnostics.Metrics.MeterListener();
    listener.InstrumentPublished = (i, l) => { if (i.Meter.Name == "UnixVfs.Mirror") l.EnableMeasurementEvents(i); };
    listener.SetMeasurementEventCallback<double>((i, v, tags, _) =>
    {
        string? copy = null, op = null;
        foreach (var t in tags)
            if (t.Key == "copy") copy = t.Value as string;
            else if (t.Key == "op") op = t.Value as string;
        if (i.Name == "mfs.copy.duration" && op == "write" && copy is not null && inside.TryGetValue(copy, out var l))
            lock (l)
                l.Add(v);
    });
    listener.Start();

    var ratio = new List<double>(); var added = new List<double>();
    for (int r = 0; r < rounds; r++)
    {
        double local = Latency("/local/alone/f", 400);
        double remote = Latency("/remote/alone/f", 400);
        Ok(p.Mount("/local/m", "/remote/m", "mfs", MountFlags.None, "nomerge"), "mount mfs");
        foreach (var l in inside.Values)
            l.Clear();
        double mirror = Latency("/local/m/f", 400);
        Ok(p.Umount("/remote/m"), "umount mfs");
        double x = Median(inside["X"]), y = Median(inside["Y"]);
        ratio.Add(mirror / Math.Max(local, remote));
        added.Add(mirror - Math.Max(x, y));
        Console.WriteLine($"round {r + 1}: 4 KiB O_DSYNC write{(remoteOnSameDisk ? " (same disk)" : "")}: local UFS {local:F0} us, NFS {remote:F0} us, " +
            $"mirror {mirror:F0} us = {ratio[^1]:F2} of the slower; inside the mirror X {x:F0} us, Y {y:F0} us");
    }
    Console.WriteLine($"4 KiB O_DSYNC write, the NFS server's disk {(remoteOnSameDisk ? "an image on this host's disk" : "a device of its own")}: " +
        $"mirror / slower copy alone {Median(ratio):F2} (rounds {ratio.Min():F2}-{ratio.Max():F2}; target <= 1.20); " +
        $"the mirror's time above the slower copy as it ran inside it {Median(added):F0} us");
    client.UnmountAll(UnmountFlags.MS_FORCE);
    nfsd.Stop();
    server.UnmountAll(UnmountFlags.MS_FORCE);
}

// The host alone: the same pwrite + fsync (one UFS block, as an O_DSYNC overwrite makes), issued back to back by one
// thread; issued after the process has been idle for 1 ms; and issued right after waking another thread that then
// keeps a core busy for 40 or 160 us (as one copy's work runs while the other copy flushes). No Vfs code runs here.
static void HostFlush(string dir, int rounds)
{
    var path = Path.Combine(dir, "host.bin");
    using var h = File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite);
    var buf = new byte[32768];
    for (int i = 0; i < 256; i++)
        RandomAccess.Write(h, buf, i * 32768L);
    RandomAccess.FlushToDisk(h);
    var work = new System.Collections.Concurrent.BlockingCollection<Action>();
    new Thread(() => { foreach (var a in work.GetConsumingEnumerable()) a(); }) { IsBackground = true }.Start();
    double Flushes(bool idleFirst, double busyMicros)
    {
        var samples = new List<double>();
        for (int i = 0; i < 400; i++)
        {
            if (idleFirst)
                Thread.Sleep(1);
            using var done = new CountdownEvent(1);
            if (busyMicros > 0)
                work.Add(() => { long b = Stopwatch.GetTimestamp(); while (Stopwatch.GetElapsedTime(b).TotalMicroseconds < busyMicros) { } done.Signal(); });
            else
                done.Signal();
            long t0 = Stopwatch.GetTimestamp();
            RandomAccess.Write(h, buf, (i % 256) * 32768L);
            RandomAccess.FlushToDisk(h);
            samples.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
            done.Wait();
        }
        return Median(samples);
    }
    for (int r = 0; r < rounds; r++)
        Console.WriteLine($"host round {r + 1}: 32 KiB pwrite + fsync back to back {Flushes(false, 0):F0} us, after 1 ms idle {Flushes(true, 0):F0} us, " +
            $"another thread busy 40 us {Flushes(false, 40):F0} us, busy 160 us {Flushes(false, 160):F0} us");
    work.CompleteAdding();
}

static void Resync(bool verify)
{
    const int files = 100_000, changed = 10;
    var k = NewKernel("resync");
    var p = k.CreateProcess();
    foreach (var d in new[] { "/a", "/b" })
    {
        Ok(p.Mkdir(d, 0x1ED), "mkdir");
        Ok(p.Mount("swap", d, "tmpfs", MountFlags.None, "size=8g"), "mount tmpfs");
    }
    Ok(p.Mount("/a", "/b", "mfs", MountFlags.None, "nomerge"), "mount mfs");
    var sw = Stopwatch.StartNew();
    for (int d = 0; d < files / 1000; d++)
    {
        Ok(p.Mkdir($"/a/d{d}", 0x1ED), "mkdir");
        for (int f = 0; f < 1000; f++)
        {
            Ok(p.Open($"/a/d{d}/f{f}", OFlags.O_CREAT | OFlags.O_WRONLY, 0x1A4, out int fd), "create");
            Ok(p.Write(fd, "initial contents\n"u8.ToArray(), out _), "write");
            Ok(p.Close(fd), "close");
        }
    }
    Console.WriteLine($"resync: built a tree of {files} files through the mirror in {sw.Elapsed.TotalSeconds:F0} s");
    Ok(MfsAdm.Offline(p, "/a", "y", out _), "offline");
    for (int i = 0; i < changed; i++)
    {
        Ok(p.Open($"/a/d{i * 7}/f{i * 13}", OFlags.O_WRONLY, 0, out int fd), "open");
        Ok(p.Pwrite(fd, "CHANGED"u8.ToArray(), 0, out _), "pwrite");
        Ok(p.Close(fd), "close");
    }
    Ok(MfsAdm.Online(p, "/a", "y", out var why, out var report), "online: " + why);
    Console.WriteLine($"resync after {changed} changed files in a {files}-file tree: {report!.LowerOps} vnode operations on the copy, " +
        $"{report.Stats.BytesCopied} bytes copied for {report.BytesChanged} changed (amplification {report.Amplification:F2}), {report.Elapsed.TotalMilliseconds:F0} ms");
    if (verify)
    {
        Ok(MfsAdm.Verify(p, "/a", out var v), "verify");
        Console.WriteLine($"verify: {v}");
    }

    // The same after a crash of the mirroring host: what the mirror held in memory is gone (a forced unmount drops
    // it), so the remount finds y behind from the intent log kept on x, and the resync replays that log.
    Ok(MfsAdm.Offline(p, "/a", "y", out _), "offline");
    for (int i = 0; i < changed; i++)
    {
        Ok(p.Open($"/a/d{i * 11}/f{i * 17}", OFlags.O_WRONLY, 0, out int fd), "open");
        Ok(p.Pwrite(fd, "CRASHED"u8.ToArray(), 0, out _), "pwrite");
        Ok(p.Close(fd), "close");
    }
    Ok(p.Umount("/a", UnmountFlags.MS_FORCE), "crash");
    Ok(p.Mount("/a", "/b", "mfs", MountFlags.None, ""), "remount mfs");
    Ok(MfsAdm.Online(p, "/a", "y", out why, out report), "online after the crash: " + why);
    // After a crash only the persistent log is left, whose records are whole extents (MirrorIntentLog.Extent), so the
    // resync's own count of bytes changed is the extents'; the writes changed 7 bytes in each file, and the resync
    // compares the extents before it copies (MirrorDataCopy.CopyDiffering).
    Console.WriteLine($"resync after a crash, {changed} changed files in a {files}-file tree: {report!.LowerOps} vnode operations on the copy, " +
        $"{report.Stats.BytesCopied} bytes copied for {changed * 7} written (amplification {report.Stats.BytesCopied / (changed * 7.0):F2}; " +
        $"{report.BytesChanged} bytes of extents logged, {report.Stats.BytesCompared} compared), {report.Elapsed.TotalMilliseconds:F0} ms");
    if (verify)
    {
        Ok(MfsAdm.Verify(p, "/a", out var v), "verify");
        Console.WriteLine($"verify: {v}");
    }
}
