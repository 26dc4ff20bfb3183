// Benchmarks of Vfs.Ufs: the end-to-end ratios of issue 3, each measured side by side in one run.
//
//   dotnet run -c Release --project benchmarks/Vfs.Ufs.Bench -- [--runs 5] [--dir /tmp] [--mib 256] [--files 100000]
//
// 1. Sequential write: MiB of data in 1 MiB write(2)s through the system-call layer into a UFS image on
//    the host disk, then fsync(2) -- against the same bytes written to a host file with FileStream and
//    Flush(true). Ratio = UFS throughput / FileStream throughput (at least 0.5 wanted).
// 2. Sequential read of that file after unmount and mount, in 1 MiB reads, against FileStream reading its
//    file back (both from the host's page cache). Ratio as above (at least 0.5 wanted).
// 3. Peak working set during the UFS write, against the buffer cache's budget + 100 MiB.
// 4. Creating N and N/10 empty files in one directory: time(N) / time(N/10) (at most 12 wanted).
// Every figure is the median of the runs; the runs alternate the contenders so that neither always goes first.
using System.Diagnostics;
using UnixVfs.Core;
using UnixVfs.Ufs;
using Process = UnixVfs.Core.Process;

var runs = Arg("--runs", 5);
var dir = ArgS("--dir", Path.GetTempPath());
var mib = Arg("--mib", 256);
var files = Arg("--files", 100_000);
Directory.CreateDirectory(dir);
var data = new byte[1 << 20];
new Random(1).NextBytes(data);

// Warm up (JIT tiering, the host's caches) before anything is measured.
{
    int saved = mib;
    mib = 32;
    HostFile();
    Ufs();
    mib = saved;
    Creates(files / 20);
}

var write = new List<double>();
var read = new List<double>();
var peak = new List<double>();
var fsW = new List<double>();
var fsR = new List<double>();
var ufsW = new List<double>();
var ufsR = new List<double>();
for (int r = 0; r < runs; r++)
{
    var (hw, hr) = HostFile();
    var (uw, ur, pk) = Ufs();
    fsW.Add(mib / hw); fsR.Add(mib / hr); ufsW.Add(mib / uw); ufsR.Add(mib / ur);
    write.Add(hw / uw);
    read.Add(hr / ur);
    peak.Add(pk);
    Console.WriteLine($"run {r + 1}: write FileStream {mib / hw:F0} MiB/s, ufs {mib / uw:F0} MiB/s (ratio {hw / uw:F2}); " +
                      $"read FileStream {mib / hr:F0} MiB/s, ufs {mib / ur:F0} MiB/s (ratio {hr / ur:F2}); peak {pk:F0} MiB");
}
var small = new List<double>();
var large = new List<double>();
var ratio = new List<double>();
for (int r = 0; r < runs; r++)
{
    double t1 = Creates(files / 10), t2 = Creates(files);
    small.Add(t1);
    large.Add(t2);
    ratio.Add(t2 / t1);
    Console.WriteLine($"run {r + 1}: {files / 10} creates {t1:F2} s, {files} creates {t2:F2} s (ratio {t2 / t1:F1})");
}
Console.WriteLine();
Console.WriteLine($"| measure ({runs} runs, medians) | FileStream | ufs | ratio | wanted |");
Console.WriteLine("|---|---|---|---|---|");
Console.WriteLine($"| sequential write {mib} MiB + fsync | {Median(fsW):F0} MiB/s | {Median(ufsW):F0} MiB/s | {Median(write):F2} | >= 0.5 |");
Console.WriteLine($"| sequential read after remount | {Median(fsR):F0} MiB/s | {Median(ufsR):F0} MiB/s | {Median(read):F2} | >= 0.5 |");
Console.WriteLine($"| peak working set during the write | | {Median(peak):F0} MiB | budget 64 MiB + 100 MiB = 164 MiB | <= 164 MiB |");
Console.WriteLine($"| create {files / 10} / {files} files in one directory | | {Median(small):F2} s / {Median(large):F2} s | {Median(ratio):F1} | <= 12 |");
return 0;

(double Write, double Read) HostFile()
{
    var path = Path.Combine(dir, "bench-host.bin");
    var sw = Stopwatch.StartNew();
    using (var fs = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None))
    {
        for (int i = 0; i < mib; i++)
            fs.Write(data);
        fs.Flush(flushToDisk: true);
    }
    double w = sw.Elapsed.TotalSeconds;
    var buf = new byte[1 << 20];
    sw.Restart();
    using (var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None, 1, FileOptions.None))
        while (fs.Read(buf) > 0) { }
    double rd = sw.Elapsed.TotalSeconds;
    File.Delete(path);
    return (w, rd);
}

(double Write, double Read, double PeakMiB) Ufs()
{
    var image = Path.Combine(dir, "bench-ufs.img");
    Check(FileBlockDevice.Create(image, (long)mib * 2 << 20, out var dev), "create image");
    Check(Newfs.Make(dev!, new NewfsOptions(), new Timespec(0, 0), out _, out _), "newfs");
    dev!.Dispose();
    var k = new Kernel("bench");
    k.Vfssw.Install(UfsVfsops.Def);
    var p = k.CreateProcess();
    Check(p.Mkdir("/mnt", 0x1ED), "mkdir");
    Check(p.Mount(image, "/mnt", "ufs"), "mount");
    GC.Collect();
    long peakBytes = 0;
    var sampling = true;
    var sampler = new Thread(() =>
    {
        var me = System.Diagnostics.Process.GetCurrentProcess();
        while (Volatile.Read(ref sampling))
        {
            me.Refresh();
            peakBytes = Math.Max(peakBytes, me.WorkingSet64);
            Thread.Sleep(5);
        }
    });
    sampler.Start();
    var sw = Stopwatch.StartNew();
    Check(p.Open("/mnt/big", OFlags.O_CREAT | OFlags.O_WRONLY, 0x1A4, out int fd), "open");
    for (int i = 0; i < mib; i++)
        Check(p.Write(fd, data, out _), "write");
    Check(p.Fsync(fd), "fsync");
    double w = sw.Elapsed.TotalSeconds;
    Volatile.Write(ref sampling, false);
    sampler.Join();
    Check(p.Close(fd), "close");
    Check(p.Umount("/mnt"), "umount");
    Check(p.Mount(image, "/mnt", "ufs"), "mount");
    var buf = new byte[1 << 20];
    sw.Restart();
    Check(p.Open("/mnt/big", OFlags.O_RDONLY, 0, out fd), "open");
    while (true)
    {
        Check(p.Read(fd, buf, out int n), "read");
        if (n == 0)
            break;
    }
    double rd = sw.Elapsed.TotalSeconds;
    Check(p.Close(fd), "close");
    Check(p.Umount("/mnt"), "umount");
    File.Delete(image);
    return (w, rd, peakBytes / 1048576.0);
}

double Creates(int n)
{
    var image = Path.Combine(dir, "bench-creates.img");
    Check(FileBlockDevice.Create(image, 1L << 30, out var dev), "create image");
    Check(Newfs.Make(dev!, new NewfsOptions { Density = 4096 }, new Timespec(0, 0), out _, out _), "newfs");
    dev!.Dispose();
    var k = new Kernel("bench");
    k.Vfssw.Install(UfsVfsops.Def);
    var p = k.CreateProcess();
    Check(p.Mkdir("/mnt", 0x1ED), "mkdir");
    Check(p.Mount(image, "/mnt", "ufs"), "mount");
    Check(p.Mkdir("/mnt/d", 0x1ED), "mkdir");
    var sw = Stopwatch.StartNew();
    for (int i = 0; i < n; i++)
    {
        Check(p.Open($"/mnt/d/file-{i:D6}", OFlags.O_CREAT | OFlags.O_EXCL | OFlags.O_WRONLY, 0x1A4, out int fd), "create");
        Check(p.Close(fd), "close");
    }
    double t = sw.Elapsed.TotalSeconds;
    Check(p.Umount("/mnt"), "umount");
    File.Delete(image);
    return t;
}

static double Median(List<double> xs)
{
    var s = xs.Order().ToList();
    return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
}

static void Check(Errno e, string what)
{
    if (e != Errno.OK)
        throw new InvalidOperationException($"{what}: {e}");
}

int Arg(string name, int dflt)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out int v) ? v : dflt;
}

string ArgS(string name, string dflt)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : dflt;
}
