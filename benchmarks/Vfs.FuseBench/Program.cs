// benchmarks/Vfs.FuseBench: fio through the FUSE bridge against bindfs, the ratios of issue 15, measured
// side by side in one run; each ratio is the median of the ratios of several rounds. Beside each figure
// the harness reports the CPU time the file system's process (bindfs, or `vfs mount-host`) spent per
// operation (/proc/PID/stat utime+stime across the job): on a loaded machine throughput follows the
// scheduler, while the CPU an operation costs the server changes much less.
//
//   targets  bindfs    Debian's bindfs (C, libfuse) over a host directory: the reference
//            ufs       `vfs mount-host --image` of one UFS image
//            mfs       `vfs mount-host --mirror` of two UFS images
//   jobs     seq-write  1 MiB writes of a SIZE MiB file, fsync at the end (MiB/s)
//            seq-read   1 MiB reads of that file (MiB/s)
//            rand-read  4 KiB random reads of it for SECONDS s (IOPS)
//            rand-write 4 KiB random writes to it for SECONDS s, fsync at the end (IOPS)
//
//   dotnet run -c Release --project benchmarks/Vfs.FuseBench -- [--dir /work/shared/data/fusebench]
//       [--size-mib 256] [--seconds 10] [--rounds 3] [--cachesize 64m]
//       [--targets bindfs,ufs,mfs] [--jobs seq-write,seq-read,rand-read,rand-write] [--base BASE/vfs.dll]
//       [--warmup MIB]
//
// --targets and --jobs run a subset (a random job alone runs on the file fio lays out first, whose writing the
// server's CPU then includes: keep seq-write in). --base adds, for each bridge target T, a target T@base served by
// another build's vfs.dll, run right after T in every round, for same-run A/B of two builds. --warmup writes three new
// files of MIB MiB (1 MiB writes, fsync) on each new mount, half a second apart, before the jobs, and keeps them
// (removed, their blocks and the image's host pages would be the ones the job's file is given, already touched):
// a new `vfs mount-host` otherwise compiles its write path during seq-write (tier 0 at the first calls, then the
// hot methods again at tier 1 on the runtime's background thread), which takes a 256 MiB job's CPU and, on two cores,
// the core a mirror's second copy wants (docs/benchmarks.md, stop 25). The default, 0, measures a new server.
//
// The bridge serves a world file written here: each image mounted with `-o cachesize=CACHESIZE` (UFS's
// buffer cache budget; the default 64m is a quarter of the file), the mirror with `-o hide` on /data.
// Needs root, fuse3, fio and bindfs (test.sh installs them). The images and bindfs's directory are in
// the same directory of the same host disk, so both sides pay for the same storage.
using System.Diagnostics;
using System.Text.Json;

string dir = "/work/shared/data/fusebench";
int sizeMib = 256, seconds = 10, rounds = 3, warmupMib = 0;
string cachesize = "64m";
string? baseDll = null;
string[] targets = ["bindfs", "ufs", "mfs"];
string[] jobs = ["seq-write", "seq-read", "rand-read", "rand-write"];
for (int i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--dir": dir = args[i + 1]; break;
        case "--size-mib": sizeMib = int.Parse(args[i + 1]); break;
        case "--seconds": seconds = int.Parse(args[i + 1]); break;
        case "--rounds": rounds = int.Parse(args[i + 1]); break;
        case "--cachesize": cachesize = args[i + 1]; break;
        case "--targets": targets = args[i + 1].Split(','); break;
        case "--jobs": jobs = args[i + 1].Split(','); break;
        case "--base": baseDll = Path.GetFullPath(args[i + 1]); break;
        case "--warmup": warmupMib = int.Parse(args[i + 1]); break;
        default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
    }
}
string vfsDll = Path.Combine(AppContext.BaseDirectory, "vfs.dll");
const double TicksPerSecond = 100; // USER_HZ, what /proc/PID/stat counts in on Linux
if (baseDll is not null)
    targets = [.. targets.SelectMany(t => t == "bindfs" ? new[] { t } : [t, t + "@base"])];
Directory.CreateDirectory(dir);
var results = targets.ToDictionary(t => t, _ => jobs.ToDictionary(j => j, _ => new List<double>()));
var cpuPerOp = targets.ToDictionary(t => t, _ => jobs.ToDictionary(j => j, _ => new List<double>()));

for (int round = 1; round <= rounds; round++)
{
    foreach (var target in targets)
    {
        var mnt = Path.Combine(dir, $"mnt-{target.Replace('@', '-')}");
        Directory.CreateDirectory(mnt);
        using var mount = Mount(target, mnt, out int serverPid);
        if (warmupMib > 0)
            Warmup(mnt);
        foreach (var job in jobs)
        {
            long before = CpuTicks(serverPid);
            var (v, ios) = Fio(job, mnt);
            double us = (CpuTicks(serverPid) - before) * 1e6 / TicksPerSecond / Math.Max(ios, 1);
            results[target][job].Add(v);
            cpuPerOp[target][job].Add(us);
            Console.WriteLine($"round {round} {target,-6} {job,-10} {v,10:F0} {(job.StartsWith("seq") ? "MiB/s" : "IOPS "),-5}  server CPU {us,8:F1} us/op");
        }
    }
}

Console.WriteLine();
Console.WriteLine($"fio, {sizeMib} MiB file, {seconds} s random jobs, {rounds} rounds, UFS cachesize={cachesize}, warm-up {warmupMib} MiB x 3: median (range)");
foreach (var target in targets)
    Console.WriteLine($"  {target,-6} " + string.Join("  ", jobs.Select(j => $"{j} {Median(results[target][j]):F0} ({results[target][j].Min():F0}-{results[target][j].Max():F0})")));
Console.WriteLine("server CPU per operation (one 1 MiB or 4 KiB fio I/O, fsync included), median us (range):");
foreach (var target in targets)
    Console.WriteLine($"  {target,-6} " + string.Join("  ", jobs.Select(j => $"{j} {Median(cpuPerOp[target][j]):F1} ({cpuPerOp[target][j].Min():F1}-{cpuPerOp[target][j].Max():F1})")));
Console.WriteLine("same-run ratios, median of the rounds' ratios (range):");
var pairs = new[] { ("ufs", "bindfs", "0.7 seq, 0.5 IOPS"), ("mfs", "ufs", "0.8"), ("ufs@base", "bindfs", "0.7 seq, 0.5 IOPS"), ("mfs@base", "ufs@base", "0.8") };
foreach (var (num, den, target) in pairs.Where(p => targets.Contains(p.Item1) && targets.Contains(p.Item2)))
{
    foreach (var job in jobs)
    {
        var ratios = results[num][job].Zip(results[den][job], (a, b) => a / b).ToList();
        Console.WriteLine($"  {num}/{den,-6} {job,-10} {Median(ratios):F2} ({ratios.Min():F2}-{ratios.Max():F2})   target >= {target}");
    }
}
return 0;

static double Median(List<double> xs)
{
    var s = xs.OrderBy(x => x).ToList();
    return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
}

// utime + stime of a process and all its threads, in clock ticks (proc(5): fields 14 and 15 of /proc/PID/stat).
static long CpuTicks(int pid)
{
    var stat = File.ReadAllText($"/proc/{pid}/stat");
    var f = stat[(stat.LastIndexOf(')') + 2)..].Split(' '); // after "pid (comm) ", the third field is f[0]
    return long.Parse(f[11]) + long.Parse(f[12]);
}

// Mounts one target on mnt; disposing it unmounts (and for the bridge waits for `vfs mount-host` to exit).
IDisposable Mount(string target, string mnt, out int serverPid)
{
    if (target == "bindfs")
    {
        var src = Path.Combine(dir, "bindfs-src");
        if (Directory.Exists(src))
            Directory.Delete(src, true);
        Directory.CreateDirectory(src);
        var b = Process.Start(new ProcessStartInfo("bindfs") { ArgumentList = { "-f", src, mnt }, UseShellExecute = false })!;
        WaitMounted(mnt);
        serverPid = b.Id;
        return new Unmounter(() =>
        {
            Run("umount", mnt);
            b.WaitForExit();
        });
    }
    var dll = target.EndsWith("@base", StringComparison.Ordinal) ? baseDll! : vfsDll;
    bool ufs = target.StartsWith("ufs", StringComparison.Ordinal);
    var images = ufs ? new[] { "ufs.img" } : ["mfs-a.img", "mfs-b.img"];
    foreach (var img in images)
        Run("dotnet", dll, "newfs", Path.Combine(dir, img), "-s", $"{sizeMib * 2 + 256}M");
    var world = new List<string> { "mkdir -p /data" };
    if (ufs)
        world.Add($"mount -F ufs -o cachesize={cachesize} {Path.Combine(dir, images[0])} /data");
    else
    {
        for (int i = 0; i < images.Length; i++)
            world.AddRange([$"mkdir -p /copies/{i}", $"mount -F ufs -o cachesize={cachesize} {Path.Combine(dir, images[i])} /copies/{i}"]);
        world.Add("mount -F mfs -o hide /copies/0,/copies/1 /data");
    }
    var worldFile = Path.Combine(dir, $"{target.Replace('@', '-')}.vfs");
    File.WriteAllLines(worldFile, world);
    var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
    foreach (var a in new[] { dll, "mount-host", "--world", worldFile, "--path", "/data", mnt })
        psi.ArgumentList.Add(a);
    var p = Process.Start(psi)!;
    var first = p.StandardOutput.ReadLine();
    if (first is null || !first.StartsWith("mounted", StringComparison.Ordinal))
        throw new InvalidOperationException($"vfs mount-host: {first}");
    serverPid = p.Id;
    return new Unmounter(() =>
    {
        Run("kill", "-TERM", p.Id.ToString());
        p.WaitForExit();
    });
}

// bindfs -f stays in the foreground: wait until its mount shows in /proc/self/mounts.
static void WaitMounted(string mnt)
{
    for (int i = 0; i < 600 && !File.ReadAllLines("/proc/self/mounts").Any(l => l.Split(' ')[1] == mnt); i++)
        Thread.Sleep(50);
}

// --warmup: three new files written sequentially, each fsync'd, half a second apart (time for the runtime's background
// compiler to finish what the last one asked for); each is new so that block allocation is warmed as well. They stay.
void Warmup(string mnt)
{
    for (int pass = 0; pass < 3; pass++)
    {
        Run("fio", "--name=warmup", "--directory=" + mnt, $"--filename=warmup{pass}", "--ioengine=psync", "--rw=write", "--bs=1M",
            $"--size={warmupMib}M", "--end_fsync=1", "--output-format=json");
        Thread.Sleep(500);
    }
}

// One fio job: MiB/s or IOPS, and how many I/Os it made.
(double Value, long Ios) Fio(string job, string mnt)
{
    var common = new List<string> { "--name=" + job, "--directory=" + mnt, "--filename=bench", "--ioengine=psync", "--output-format=json", $"--size={sizeMib}M" };
    common.AddRange(job switch
    {
        "seq-write" => ["--rw=write", "--bs=1M", "--end_fsync=1"],
        "seq-read" => ["--rw=read", "--bs=1M"],
        "rand-read" => ["--rw=randread", "--bs=4k", "--time_based", $"--runtime={seconds}"],
        _ => ["--rw=randwrite", "--bs=4k", "--time_based", $"--runtime={seconds}", "--end_fsync=1"],
    });
    var json = Run("fio", [.. common]);
    var j = JsonDocument.Parse(json).RootElement.GetProperty("jobs")[0];
    var side = j.GetProperty(job.Contains("read") ? "read" : "write");
    double v = job.StartsWith("seq") ? side.GetProperty("bw").GetDouble() / 1024.0 : side.GetProperty("iops").GetDouble();
    return (v, side.GetProperty("total_ios").GetInt64());
}

static string Run(string program, params string[] args)
{
    var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
    foreach (var a in args)
        psi.ArgumentList.Add(a);
    using var p = Process.Start(psi)!;
    var stdout = p.StandardOutput.ReadToEndAsync();
    var err = p.StandardError.ReadToEnd();
    p.WaitForExit();
    if (p.ExitCode != 0)
        throw new InvalidOperationException($"{program} {string.Join(' ', args)}: exit {p.ExitCode}: {err}");
    return stdout.Result;
}

sealed class Unmounter(Action undo) : IDisposable
{
    public void Dispose() => undo();
}
