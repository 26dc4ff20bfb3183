// benchmarks/Vfs.NfsBench: the end-to-end NFS ratios of issues 4 and 12, measured side by side in one run on
// loopback, each ratio the median of the ratios of several rounds. Our servers are `vfs serve` processes, one
// serving a tmpfs and one a UFS2 image made by `vfs newfs`; ganesha exports a host directory on the file system
// the image is on (/dev/shm unless --store-dir says otherwise).
// The groups of rows (--only takes any of them, comma-separated; all by default):
//
//   tmpfs   libnfs nfs-cp reading and writing a SIZE MiB file: our server (tmpfs) / nfs-ganesha
//   image   the same against our server on the UFS image / nfs-ganesha
//   client  our client (a Kernel in this process) reading and writing a SIZE MiB file from ganesha / nfs-cp
//   small   FILES times CREATE + a 100-byte FILE_SYNC WRITE, files/s: our server (tmpfs, image) / ganesha
//   commit  the median time of a COMMIT after an UNSTABLE 1 MiB WRITE: our server (image) / ganesha
//   rss     peak resident memory (VmHWM) under 8 clients doing GETATTR + 64 KiB READ: our server (image) / ganesha
//   calls   CLIENTS concurrent clients doing GETATTR and READ against our server (tmpfs) for SECONDS s, against
//           one client doing the same: operations per second, and errors. With --in-process the server is a
//           tmpfs in the harness's own process, as c0e914a's harness had it (issue 16's A/B against that tree,
//           benchmarks/nfs-calls-ab.sh), and the rows also give the process's CPU time and bytes allocated per call
//
//   dotnet run -c Release --project benchmarks/Vfs.NfsBench -- [--size-mib 256] [--rounds 3] [--seconds 10]
//       [--clients 64] [--files 500] [--only tmpfs,image,client,small,commit,rss,calls] [--calls-only] [--in-process]
//       [--store-dir /dev/shm] [--no-read-ahead]
//
// --no-read-ahead starts our servers with it (`vfs serve --no-read-ahead`: no READ read ahead for a client reading
// in order, src/Vfs.Nfs/Server/ReadAhead.cs), for the A/B of that change.
// --store-dir is where the two servers that keep their files on the host keep them: the image server's image and
// ganesha's export, side by side, so that both read their bytes from the same host page cache and a COMMIT of
// either is an fsync on the same file system. By default both are in /dev/shm (memory); `--store-dir /tmp` puts
// both on the root disk's ext4. (Before stop 26 ganesha's export was always in /tmp, ext4, while the image was in
// /dev/shm: a 1 MiB pread from shmem's 4 KiB pages costs some 3x one from ext4's large folios on this VM, a cost
// only the image server paid; docs/benchmarks.md, "Stop 26".)
//
// Each nfs-cp and small-file measurement also takes its server's CPU time (utime + stime of the whole process, from
// /proc/PID/stat), printed per measurement after the ratios: a wall-clock ratio on this 2-core machine moves with the
// other work on it, the server's CPU per 256 MiB copy or per FILES files much less (docs/benchmarks.md, "Stop 31").
//
// The small-file, COMMIT and RSS loads are our RpcClient (CallLoads.cs), the same code against every server.
// Needs root, nfs-ganesha, rpcbind and libnfs-utils (test.sh installs them). The harness's own files (the source
// of the copies, nfs-cp's output) live in /dev/shm, so that local disk speed is in no measurement.
using System.Diagnostics;
using UnixVfs.Core;
using UnixVfs.Nfs.Client;
using UnixVfs.Nfs.Net;
using UnixVfs.Nfs.Tests;
using UnixVfs.NfsBench;

int sizeMib = 256, rounds = 3, seconds = 10, clients = 64, files = 500;
string[] groups = ["tmpfs", "image", "client", "small", "commit", "rss", "calls"];
var only = groups.ToHashSet();
bool inProcess = false;
string[] serveOptions = [];
string? storeDirArg = null;
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--calls-only")
    {
        only = ["calls"];
        continue;
    }
    if (args[i] == "--in-process")
    {
        inProcess = true;
        continue;
    }
    if (args[i] == "--no-read-ahead")
    {
        serveOptions = ["--no-read-ahead"];
        continue;
    }
    if (i + 1 == args.Length)
        return Usage($"{args[i]} needs a value");
    if (args[i] == "--store-dir")
    {
        storeDirArg = args[++i];
        if (!Directory.Exists(storeDirArg))
            return Usage($"--store-dir: no directory '{storeDirArg}'");
        continue;
    }
    if (args[i] == "--only")
    {
        only = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        if (only.Except(groups).FirstOrDefault() is { } unknown)
            return Usage($"--only: no group '{unknown}' (groups: {string.Join(',', groups)})");
        continue;
    }
    if (!int.TryParse(args[i + 1], out int v) || v < 1)
        return Usage($"{args[i]} needs a positive number, not '{args[i + 1]}'");
    switch (args[i++])
    {
        case "--size-mib": sizeMib = v; break;
        case "--rounds": rounds = v; break;
        case "--seconds": seconds = v; break;
        case "--clients": clients = v; break;
        case "--files": files = v; break;
        default: return Usage($"unknown option {args[i - 1]}");
    }
}
bool Wants(params string[] any) => any.Any(only.Contains);
bool needNfsCp = Wants("tmpfs", "image", "client");
var cannot = Wants("tmpfs", "image", "client", "small", "commit", "rss") ? GaneshaServer.CannotRun() : null;
cannot ??= needNfsCp && GaneshaServer.Which("nfs-cp") is null ? "nfs-cp not installed" : null;
if (cannot is not null)
{
    Console.Error.WriteLine($"nfsbench: cannot run: {cannot}");
    return 1;
}

long size = (long)sizeMib << 20;
// The files of a run that was killed stay in memory until removed: remove those of runs no longer running.
foreach (var stale in Directory.EnumerateDirectories("/dev/shm", "vfs-nfsbench-*"))
    if (int.TryParse(Path.GetFileName(stale)["vfs-nfsbench-".Length..], out int pid) && !Directory.Exists($"/proc/{pid}"))
        Directory.Delete(stale, true);
var shm = Path.Combine("/dev/shm", "vfs-nfsbench-" + Environment.ProcessId);
Directory.CreateDirectory(shm);
var src = Path.Combine(shm, "src.bin");
var store = storeDirArg is null ? shm : Path.Combine(storeDirArg, "vfs-nfsbench-" + Environment.ProcessId);
Directory.CreateDirectory(store);
var data = new byte[size];
new Random(1).NextBytes(data);
File.WriteAllBytes(src, data);
Console.WriteLine($"load average at the start: {LoadAverage()}; the image and ganesha's export in {store}");
long callErrors = 0;
try
{
    Measure();
}
finally
{
    Directory.Delete(shm, true);
    if (store != shm)
        Directory.Delete(store, true);
}
return callErrors == 0 ? 0 : 1;

void Measure()
{
    // Our two servers, each its own process, and ganesha; each with file.bin (SIZE MiB) in its export.
    using var tmpfsServe = Wants("tmpfs", "small") || (Wants("calls") && !inProcess) ? VfsServe.Start(["--tmpfs", .. serveOptions]) : null;
    using var inProcessServer = Wants("calls") && inProcess ? new InProcessServer(data, sizeMib) : null;
    var img = Path.Combine(store, "ufs.img");
    if (Wants("image", "small", "commit", "rss"))
        VfsServe.Run("newfs", img, "--size", $"{2 * sizeMib + 256}M");
    using var imageServe = Wants("image", "small", "commit", "rss") ? VfsServe.Start(["--image", img, .. serveOptions]) : null;
    using var ganesha = Wants("tmpfs", "image", "client", "small", "commit", "rss") ? GaneshaServer.Start(store) : null;
    using var onTmpfs = tmpfsServe is null ? null : new NfsExport(tmpfsServe.NfsPort, tmpfsServe.MountPort, "/export");
    using var onCalls = inProcessServer is null ? onTmpfs : new NfsExport(inProcessServer.NfsPort, inProcessServer.MountPort, "/export");
    using var onImage = imageServe is null ? null : new NfsExport(imageServe.NfsPort, imageServe.MountPort, "/export");
    using var onGanesha = ganesha is null ? null : new NfsExport(ganesha.NfsPort, ganesha.MountPort, ganesha.ExportDir);
    onTmpfs?.Put("file.bin", data);   // (the in-process server was made with it)
    onImage?.Put("file.bin", data);
    if (ganesha is not null)
        File.Copy(src, Path.Combine(ganesha.ExportDir, "file.bin"));

    // Our client, mounted on ganesha.
    Kernel? ck = null;
    UnixVfs.Core.Process cp = null!;
    if (Wants("client"))
    {
        ck = new Kernel("bench-client");
        Check(NfsClient.Install(ck, TcpNetwork.Default));
        cp = ck.CreateProcess();
        Check(cp.Mkdir("/mnt", 0x1ED));
        Check(cp.Mount($"127.0.0.1:{ganesha!.ExportDir}", "/mnt", "nfs", options: $"port={ganesha.NfsPort},mountport={ganesha.MountPort}"));
    }

    // A writer finds its server as the one before it left it: it starts right after the file the last writer
    // to that server wrote is removed through the server, which closes it and frees its pages. (A file removed in
    // ganesha's host directory instead stays open in its descriptor cache, pages and all, and the next writer has
    // to fault in fresh memory: on this VM that costs more than the copy.) Every write is to a new name: nfs-cp
    // creates its target exclusively.
    var lastWritten = new Dictionary<NfsExport, string>();
    int written = 0;
    string NextTarget(NfsExport e)
    {
        if (lastWritten.Remove(e, out var last))
            e.Remove(last);
        return lastWritten[e] = $"w{written++}.bin";
    }
    double NfsCpWrite(NfsExport e) => NfsCp(src, e.Url(NextTarget(e)));
    int dirs = 0;
    double PeakRssMib(NfsExport e, int serverPid)
    {
        ProcStatus.ResetPeak(serverPid);
        Interlocked.Add(ref callErrors, CallLoads.GetattrRead(e, 8, Math.Max(1, seconds / 2), size).Errors);
        return ProcStatus.Kib(serverPid, "VmHWM") / 1024.0;
    }
    int ganeshaPid = ganesha is null ? 0 : int.Parse(File.ReadAllText(Path.Combine(Path.GetDirectoryName(ganesha.ExportDir)!, "ganesha.pid")).Trim());

    // The measurements, by name, with their units; an nfs-cp or small-file row also names the server it measures (its
    // pid), whose CPU time over the measurement is taken too: unlike the rates, that hardly moves with the other work
    // on the machine.
    int tmpfsPid = tmpfsServe?.Pid ?? 0, imagePid = imageServe?.Pid ?? 0;
    var measure = new Dictionary<string, (string Unit, Func<double> Run, int ServerPid)>
    {
        ["nfs-cp read, our server (tmpfs)"] = ("MiB/s", () => NfsCp(onTmpfs!.Url("file.bin"), Path.Combine(shm, "out.bin")), tmpfsPid),
        ["nfs-cp read, our server (image)"] = ("MiB/s", () => NfsCp(onImage!.Url("file.bin"), Path.Combine(shm, "out.bin")), imagePid),
        ["nfs-cp read, ganesha"] = ("MiB/s", () => NfsCp(onGanesha!.Url("file.bin"), Path.Combine(shm, "out.bin")), ganeshaPid),
        ["nfs-cp write, our server (tmpfs)"] = ("MiB/s", () => NfsCpWrite(onTmpfs!), tmpfsPid),
        ["nfs-cp write, our server (image)"] = ("MiB/s", () => NfsCpWrite(onImage!), imagePid),
        ["nfs-cp write, ganesha"] = ("MiB/s", () => NfsCpWrite(onGanesha!), ganeshaPid),
        ["our client read, ganesha"] = ("MiB/s", () => Timed(() => ClientRead("/mnt/file.bin")), 0),
        ["our client write, ganesha"] = ("MiB/s", () =>
        {
            var name = NextTarget(onGanesha!);
            return Timed(() => ClientWrite("/mnt/" + name));
        }, 0),
        ["small files, our server (tmpfs)"] = ("files/s", () => CallLoads.SmallFiles(onTmpfs!, $"small{dirs++}", files), tmpfsPid),
        ["small files, our server (image)"] = ("files/s", () => CallLoads.SmallFiles(onImage!, $"small{dirs++}", files), imagePid),
        ["small files, ganesha"] = ("files/s", () => CallLoads.SmallFiles(onGanesha!, $"small{dirs++}", files), ganeshaPid),
        ["COMMIT after a 1 MiB UNSTABLE WRITE, our server (image)"] = ("ms", () => CallLoads.CommitMs(onImage!, "commit.bin", data, 16), 0),
        ["COMMIT after a 1 MiB UNSTABLE WRITE, ganesha"] = ("ms", () => CallLoads.CommitMs(onGanesha!, "commit.bin", data, 16), 0),
        ["peak RSS under 8 clients, our server (image)"] = ("MiB", () => PeakRssMib(onImage!, imageServe!.Pid), 0),
        ["peak RSS under 8 clients, ganesha"] = ("MiB", () => PeakRssMib(onGanesha!, ganeshaPid), 0),
    };
    // Each ratio's two sides run back to back, in turns first (so neither always finds the machine as the other
    // left it); the ratio reported is the median of the rounds' ratios, each taken within one round.
    (string Group, string Name, string Ours, string Theirs, string Target)[] pairs =
    [
        ("tmpfs", "nfs-cp read: our server (tmpfs) / ganesha", "nfs-cp read, our server (tmpfs)", "nfs-cp read, ganesha", ">= 1.0"),
        ("tmpfs", "nfs-cp write: our server (tmpfs) / ganesha", "nfs-cp write, our server (tmpfs)", "nfs-cp write, ganesha", ">= 1.0"),
        ("image", "nfs-cp read: our server (image) / ganesha", "nfs-cp read, our server (image)", "nfs-cp read, ganesha", ">= 1.0"),
        ("image", "nfs-cp write: our server (image) / ganesha", "nfs-cp write, our server (image)", "nfs-cp write, ganesha", ">= 1.0"),
        ("client", "read from ganesha: our client / nfs-cp", "our client read, ganesha", "nfs-cp read, ganesha", ">= 1.0"),
        ("client", "write to ganesha: our client / nfs-cp", "our client write, ganesha", "nfs-cp write, ganesha", ">= 1.0"),
        ("small", "small files/s: our server (tmpfs) / ganesha", "small files, our server (tmpfs)", "small files, ganesha", ">= 1.0"),
        ("small", "small files/s: our server (image) / ganesha", "small files, our server (image)", "small files, ganesha", ">= 1.0"),
        ("commit", "COMMIT time: our server (image) / ganesha", "COMMIT after a 1 MiB UNSTABLE WRITE, our server (image)", "COMMIT after a 1 MiB UNSTABLE WRITE, ganesha", "<= 1.5"),
        ("rss", "peak RSS, 8 clients: our server (image) / ganesha", "peak RSS under 8 clients, our server (image)", "peak RSS under 8 clients, ganesha", "<= 4.0"),
    ];
    pairs = pairs.Where(p => Wants(p.Group)).ToArray();
    var results = new Dictionary<string, List<double>>();
    var serverCpu = new Dictionary<string, List<double>>();   // ms per measurement, each counted round's
    var ratios = pairs.ToDictionary(p => p.Name, _ => new List<double>());

    // Round 0 warms up (the JIT, the servers' caches) and is not counted.
    for (int r = 0; pairs.Length > 0 && r <= rounds; r++)
    {
        var line = new List<string>();
        foreach (var (_, name, a, b, _) in pairs)
        {
            double va = 0, vb = 0;
            foreach (var side in r % 2 == 0 ? new[] { a, b } : new[] { b, a })
            {
                // Each measurement starts with the garbage of the one before collected, so that no step pays for another's.
                GC.Collect();
                GC.WaitForPendingFinalizers();
                int pid = measure[side].ServerPid;
                long cpu = pid == 0 ? 0 : ProcStatus.CpuMs(pid);
                double v = measure[side].Run();
                if (side == a) va = v; else vb = v;
                if (r > 0)
                    (results.TryGetValue(side, out var l) ? l : results[side] = []).Add(v);
                if (r > 0 && pid != 0)
                    (serverCpu.TryGetValue(side, out var c) ? c : serverCpu[side] = []).Add(ProcStatus.CpuMs(pid) - cpu);
            }
            if (r > 0)
                ratios[name].Add(va / vb);
            line.Add($"{name} {va:F1}/{vb:F1} = {va / vb:F2}");
        }
        Console.WriteLine($"round {r}/{rounds}{(r == 0 ? " (warm-up)" : "")}: " + string.Join(", ", line));
    }
    foreach (var e in lastWritten)
        e.Key.Remove(e.Value);

    var lines = new List<string>();
    if (pairs.Length > 0)
    {
        lines.Add($"| measurement ({sizeMib} MiB files, {files} small files; median of {rounds} rounds) | value | unit |");
        lines.Add("|---|---:|---|");
        lines.AddRange(pairs.SelectMany(p => new[] { p.Ours, p.Theirs }).Distinct().Select(k => $"| {k} | {MedianOf(results[k]):F1} | {measure[k].Unit} |"));
        lines.Add("");
        lines.Add("| ratio (median of the rounds' ratios) | value | rounds' range | target |");
        lines.Add("|---|---:|---:|---:|");
        foreach (var (_, name, _, _, target) in pairs)
            lines.Add($"| {name} | {MedianOf(ratios[name]):F2} | {ratios[name].Min():F2}-{ratios[name].Max():F2} | {target} |");
        if (serverCpu.Count > 0)
        {
            lines.Add("");
            lines.Add($"| the server's CPU (utime + stime) per measurement: a {sizeMib} MiB copy, or {files} small files | mean | range | unit |");
            lines.Add("|---|---:|---:|---|");
            lines.AddRange(serverCpu.Select(c => $"| {c.Key} | {c.Value.Average():F0} | {c.Value.Min():F0}-{c.Value.Max():F0} | ms |"));
        }
    }
    if (Wants("calls"))
    {
        var one = CallLoads.GetattrRead(onCalls!, 1, seconds, size);
        var many = CallLoads.GetattrRead(onCalls!, clients, seconds, size);
        callErrors += one.Errors + many.Errors;
        string where = inProcess ? "in this process" : "vfs serve --tmpfs";
        lines.Add("");
        lines.Add($"| GETATTR + 64 KiB READ against our server ({where}), {seconds} s | ops/s | errors | CPU µs per call | bytes allocated per call |");
        lines.Add("|---|---:|---:|---:|---:|");
        lines.Add($"| 1 client | {one.OpsPerSec:F0} | {one.Errors} | {one.CpuUsPerCall:F1} | {one.BytesPerCall:F0} |");
        lines.Add($"| {clients} clients ({clients} connections) | {many.OpsPerSec:F0} | {many.Errors} | {many.CpuUsPerCall:F1} | {many.BytesPerCall:F0} |");
        lines.Add($"| scaling ({clients} / 1) | {many.OpsPerSec / one.OpsPerSec:F2} | target >= 1.5 | | |");
        if (!inProcess)
            lines.Add("(CPU and bytes per call: the harness's, the client side alone)");
    }
    lines.Add("");
    lines.Add($"load average at the end (other work on the machine): {LoadAverage()}; errors of the call loads: {callErrors}");
    Console.WriteLine();
    foreach (var l in lines)
        Console.WriteLine(l);
    ck?.UnmountAll(UnmountFlags.MS_FORCE);

    double Timed(Action a)
    {
        var sw = Stopwatch.StartNew();
        a();
        return sizeMib / sw.Elapsed.TotalSeconds;
    }

    void ClientRead(string path)
    {
        Check(cp.Open(path, OFlags.O_RDONLY, 0, out int fd));
        var buf = new byte[1 << 20];
        long total = 0;
        while (cp.Read(fd, buf, out int n) == Errno.OK && n > 0)
            total += n;
        Check(cp.Close(fd));
        if (total != size)
            throw new InvalidOperationException($"read {total} bytes of {size}");
    }

    void ClientWrite(string path)
    {
        Check(cp.Open(path, OFlags.O_CREAT | OFlags.O_WRONLY | OFlags.O_TRUNC, 0x1A4, out int fd));
        for (long off = 0; off < size; off += 1 << 20)
            Check(cp.Write(fd, data.AsMemory((int)off, (int)Math.Min(1 << 20, size - off)), out _));
        Check(cp.Close(fd));
    }
}

double NfsCp(string from, string to)
{
    if (File.Exists(to))
        File.Delete(to);
    var sw = Stopwatch.StartNew();
    var p = System.Diagnostics.Process.Start(new ProcessStartInfo(GaneshaServer.Which("nfs-cp")!) { ArgumentList = { from, to }, RedirectStandardOutput = true, RedirectStandardError = true })!;
    var err = p.StandardError.ReadToEndAsync();
    p.StandardOutput.ReadToEnd();
    p.WaitForExit();
    sw.Stop();
    if (p.ExitCode != 0)
        throw new InvalidOperationException($"nfs-cp {from} {to}: {err.Result}");
    return sizeMib / sw.Elapsed.TotalSeconds;
}

static double MedianOf(List<double> l) => l.Order().ElementAt(l.Count / 2);

static string LoadAverage() =>
    File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

static int Usage(string why)
{
    Console.Error.WriteLine($"nfsbench: {why}");
    return 2;
}

static void Check(Errno e) => NfsExport.Check(e);
