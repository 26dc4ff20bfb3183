// benchmarks/Vfs.FuseBench: fio through the FUSE bridge against bindfs, the ratios of issue 15, measured
// side by side in one run; each ratio is the median of the ratios of several rounds.
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
//
// The bridge serves a world file written here: each image mounted with `-o cachesize=CACHESIZE` (UFS's
// buffer cache budget; the default 64m is a quarter of the file), the mirror with `-o hide` on /data.
// Needs root, fuse3, fio and bindfs (test.sh installs them). The images and bindfs's directory are in
// the same directory of the same host disk, so both sides pay for the same storage.
using System.Diagnostics;
using System.Text.Json;

string dir = "/work/shared/data/fusebench";
int sizeMib = 256, seconds = 10, rounds = 3;
string cachesize = "64m";
for (int i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--dir": dir = args[i + 1]; break;
        case "--size-mib": sizeMib = int.Parse(args[i + 1]); break;
        case "--seconds": seconds = int.Parse(args[i + 1]); break;
        case "--rounds": rounds = int.Parse(args[i + 1]); break;
        case "--cachesize": cachesize = args[i + 1]; break;
        default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
    }
}
string vfsDll = Path.Combine(AppContext.BaseDirectory, "vfs.dll");
string[] targets = ["bindfs", "ufs", "mfs"];
string[] jobs = ["seq-write", "seq-read", "rand-read", "rand-write"];
Directory.CreateDirectory(dir);
var results = targets.ToDictionary(t => t, _ => jobs.ToDictionary(j => j, _ => new List<double>()));

for (int round = 1; round <= rounds; round++)
{
    foreach (var target in targets)
    {
        var mnt = Path.Combine(dir, $"mnt-{target}");
        Directory.CreateDirectory(mnt);
        using var mount = Mount(target, mnt);
        foreach (var job in jobs)
        {
            double v = Fio(job, mnt);
            results[target][job].Add(v);
            Console.WriteLine($"round {round} {target,-6} {job,-10} {v,10:F0} {(job.StartsWith("seq") ? "MiB/s" : "IOPS")}");
        }
    }
}

Console.WriteLine();
Console.WriteLine($"fio, {sizeMib} MiB file, {seconds} s random jobs, {rounds} rounds, UFS cachesize={cachesize}: median (range)");
foreach (var target in targets)
    Console.WriteLine($"  {target,-6} " + string.Join("  ", jobs.Select(j => $"{j} {Median(results[target][j]):F0} ({results[target][j].Min():F0}-{results[target][j].Max():F0})")));
Console.WriteLine("same-run ratios, median of the rounds' ratios (range):");
foreach (var (num, den, target) in new[] { ("ufs", "bindfs", "0.7 seq, 0.5 IOPS"), ("mfs", "ufs", "0.8") })
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

// Mounts one target on mnt; disposing it unmounts (and for the bridge waits for `vfs mount-host` to exit).
IDisposable Mount(string target, string mnt)
{
    if (target == "bindfs")
    {
        var src = Path.Combine(dir, "bindfs-src");
        if (Directory.Exists(src))
            Directory.Delete(src, true);
        Directory.CreateDirectory(src);
        Run("bindfs", src, mnt);
        return new Unmounter(() => Run("umount", mnt));
    }
    var images = target == "ufs" ? new[] { "ufs.img" } : ["mfs-a.img", "mfs-b.img"];
    foreach (var img in images)
        Run("dotnet", vfsDll, "newfs", Path.Combine(dir, img), "-s", $"{sizeMib * 2 + 256}M");
    var world = new List<string> { "mkdir -p /data" };
    if (target == "ufs")
        world.Add($"mount -F ufs -o cachesize={cachesize} {Path.Combine(dir, images[0])} /data");
    else
    {
        for (int i = 0; i < images.Length; i++)
            world.AddRange([$"mkdir -p /copies/{i}", $"mount -F ufs -o cachesize={cachesize} {Path.Combine(dir, images[i])} /copies/{i}"]);
        world.Add("mount -F mfs -o hide /copies/0,/copies/1 /data");
    }
    var worldFile = Path.Combine(dir, $"{target}.vfs");
    File.WriteAllLines(worldFile, world);
    var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
    foreach (var a in new[] { vfsDll, "mount-host", "--world", worldFile, "--path", "/data", mnt })
        psi.ArgumentList.Add(a);
    var p = Process.Start(psi)!;
    var first = p.StandardOutput.ReadLine();
    if (first is null || !first.StartsWith("mounted", StringComparison.Ordinal))
        throw new InvalidOperationException($"vfs mount-host: {first}");
    return new Unmounter(() =>
    {
        Run("kill", "-TERM", p.Id.ToString());
        p.WaitForExit();
    });
}

double Fio(string job, string mnt)
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
    return job.StartsWith("seq") ? side.GetProperty("bw").GetDouble() / 1024.0 : side.GetProperty("iops").GetDouble();
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
