// benchmarks/Vfs.NfsBench: the end-to-end NFS ratios of issue 4, measured side by side in one run
// on loopback, each ratio the median of the ratios of several rounds:
//
//   1. libnfs nfs-cp reading and writing a SIZE MiB file: our server (tmpfs) / nfs-ganesha (host disk)
//   2. our client reading and writing a SIZE MiB file from nfs-ganesha / nfs-cp doing the same
//   3. 64 concurrent clients doing GETATTR and READ against our server for SECONDS s, against one
//      client doing the same: operations per second, and errors
//
//   dotnet run -c Release --project benchmarks/Vfs.NfsBench -- [--size-mib 256] [--rounds 3] [--seconds 10] [--clients 64]
//       [--calls-only]     only measurement 3, the small-call rates (no ganesha, no nfs-cp)
//
// Needs root, nfs-ganesha, rpcbind and libnfs-utils (test.sh installs them). Local files live in
// /dev/shm so that local disk speed is out of every measurement.
using System.Diagnostics;
using UnixVfs.Core;
using UnixVfs.Nfs.Client;
using UnixVfs.Nfs.Net;
using UnixVfs.Nfs.Protocol;
using UnixVfs.Nfs.Rpc;
using UnixVfs.Nfs.Server;
using UnixVfs.Nfs.Tests;

int sizeMib = 256, rounds = 3, seconds = 10, clients = 64;
bool callsOnly = args.Contains("--calls-only");
args = args.Where(a => a != "--calls-only").ToArray();
for (int i = 0; i + 1 < args.Length; i += 2)
{
    int v = int.Parse(args[i + 1]);
    switch (args[i])
    {
        case "--size-mib": sizeMib = v; break;
        case "--rounds": rounds = v; break;
        case "--seconds": seconds = v; break;
        case "--clients": clients = v; break;
        default: Console.Error.WriteLine($"nfsbench: unknown option {args[i]}"); return 2;
    }
}
var cannot = GaneshaServer.CannotRun() ?? (GaneshaServer.Which("nfs-cp") is null ? "nfs-cp not installed" : null);
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
var data = new byte[size];
new Random(1).NextBytes(data);
File.WriteAllBytes(src, data);

// Our server: a tmpfs exported over TCP on 127.0.0.1.
var sk = new Kernel("bench-server");
var sp = sk.CreateProcess();
Check(sp.Mkdir("/export", 0x1ED));
Check(sp.Mount("swap", "/export", "tmpfs", options: $"mode=0777,size={Math.Max(1024, sizeMib * 4)}m"));
Check(sp.Open("/export/file.bin", OFlags.O_CREAT | OFlags.O_WRONLY, 0x1B6, out int sfd));
Check(sp.Write(sfd, data, out _));
sp.Close(sfd);
var server = new NfsServer(sk, TcpNetwork.Default, new NfsServerOptions { NfsPort = 0, MountPort = 0, PortmapPort = -1 });
Check(server.Share(new ExportOptions { Path = "/export", RootSquash = false }));
Check(server.Start());
string ours = $"nfs://127.0.0.1/export/{{0}}?nfsport={server.NfsPort}&mountport={server.MountPort}&version=3";
if (callsOnly)
{
    var (o1, e1) = Load(1, seconds);
    var (on, en) = Load(clients, seconds);
    Console.WriteLine($"| GETATTR+READ against our server, {seconds} s | ops/s | errors |");
    Console.WriteLine("|---|---:|---:|");
    Console.WriteLine($"| 1 client | {o1:F0} | {e1} |");
    Console.WriteLine($"| {clients} clients | {on:F0} | {en} |");
    Console.WriteLine($"load average at the end: {LoadAverage()}");
    server.Stop();
    Directory.Delete(shm, true);
    return e1 + en == 0 ? 0 : 1;
}

using var ganesha = GaneshaServer.Start();
File.Copy(src, Path.Combine(ganesha.ExportDir, "file.bin"));
string theirs = $"nfs://127.0.0.1{ganesha.ExportDir}/{{0}}?nfsport={ganesha.NfsPort}&mountport={ganesha.MountPort}&version=3";

// Our client, mounted on ganesha.
var ck = new Kernel("bench-client");
Check(NfsClient.Install(ck, TcpNetwork.Default));
var cp = ck.CreateProcess();
Check(cp.Mkdir("/mnt", 0x1ED));
Check(cp.Mount($"127.0.0.1:{ganesha.ExportDir}", "/mnt", "nfs", options: $"port={ganesha.NfsPort},mountport={ganesha.MountPort}"));

var results = new Dictionary<string, List<double>>();
void Record(string name, double mibps) => (results.TryGetValue(name, out var l) ? l : results[name] = new()).Add(mibps);

// Each measurement starts with the garbage of the one before collected, so that no step pays for another's.
double Clean(Func<double> measure)
{
    GC.Collect();
    GC.WaitForPendingFinalizers();
    return measure();
}

// The two writers to ganesha find its host's page cache in the same state: each starts right after the file the
// other wrote is removed through ganesha, which closes it and frees its pages. (A file removed in the host directory
// instead stays open in ganesha's descriptor cache, pages and all, and the next writer has to fault in fresh memory:
// on this VM that costs more than the copy.)
string? lastGaneshaFile = null;
void RemoveLastGaneshaFile()
{
    if (lastGaneshaFile is not null)
        Check(cp.Unlink(lastGaneshaFile));
    lastGaneshaFile = null;
}

// The measurements, by name.
string? wrote = null;   // our server's latest nfs-cp target, removed before the next one is written
var measure = new Dictionary<string, Func<int, double>>
{
    ["nfs-cp read, our server"] = _ => NfsCp(string.Format(ours, "file.bin"), Path.Combine(shm, "out.bin")),
    ["nfs-cp read, ganesha"] = _ => NfsCp(string.Format(theirs, "file.bin"), Path.Combine(shm, "out.bin")),
    ["nfs-cp write, our server"] = r =>
    {
        if (wrote is not null)
            Check(sp.Unlink(wrote));
        wrote = $"/export/w{r}.bin";
        // nfs-cp creates its target exclusively: a new name every time.
        return NfsCp(src, string.Format(ours, $"w{r}.bin"));
    },
    ["nfs-cp write, ganesha"] = r =>
    {
        RemoveLastGaneshaFile();
        lastGaneshaFile = $"/mnt/w{r}.bin";
        return NfsCp(src, string.Format(theirs, $"w{r}.bin"));
    },
    ["our client read, ganesha"] = _ => Timed(() => ClientRead("/mnt/file.bin")),
    ["our client write, ganesha"] = r =>
    {
        RemoveLastGaneshaFile();
        lastGaneshaFile = $"/mnt/ours{r}.bin";
        return Timed(() => ClientWrite($"/mnt/ours{r}.bin"));
    },
};
// Each ratio's two sides run back to back, in turns first (so neither always finds the machine as the other left
// it); the ratio reported is the median of the rounds' ratios, each taken within one round.
(string Name, string Ours, string Theirs)[] pairs =
[
    ("nfs-cp read: our server / ganesha", "nfs-cp read, our server", "nfs-cp read, ganesha"),
    ("nfs-cp write: our server / ganesha", "nfs-cp write, our server", "nfs-cp write, ganesha"),
    ("read from ganesha: our client / nfs-cp", "our client read, ganesha", "nfs-cp read, ganesha"),
    ("write to ganesha: our client / nfs-cp", "our client write, ganesha", "nfs-cp write, ganesha"),
];
var ratios = pairs.ToDictionary(p => p.Name, _ => new List<double>());

// Round 0 warms up (the JIT, the servers' caches) and is not counted.
for (int r = 0; r <= rounds; r++)
{
    var line = new List<string>();
    foreach (var (name, a, b) in pairs)
    {
        double va = 0, vb = 0;
        foreach (var side in r % 2 == 0 ? new[] { a, b } : new[] { b, a })
        {
            double v = Clean(() => measure[side](r));
            if (side == a) va = v; else vb = v;
            Record(side, v);
        }
        ratios[name].Add(va / vb);
        line.Add($"{name} {va:F0}/{vb:F0} = {va / vb:F2}");
    }
    Console.WriteLine($"round {r}/{rounds}{(r == 0 ? " (warm-up)" : "")}: " + string.Join(", ", line));
    if (r == 0)
    {
        results.Clear();
        foreach (var l in ratios.Values)
            l.Clear();
    }
}
if (wrote is not null)
    Check(sp.Unlink(wrote));
RemoveLastGaneshaFile();

static double MedianOf(List<double> l) => l.Order().ElementAt(l.Count / 2);
double Median(string k) => MedianOf(results[k]);
var lines = new List<string>
{
    $"| measurement ({sizeMib} MiB, median of {rounds} rounds) | MiB/s |",
    "|---|---:|",
};
lines.AddRange(results.Keys.Select(k => $"| {k} | {Median(k):F0} |"));
lines.Add("");
lines.Add("| ratio (median of the rounds' ratios) | value | rounds' range | target |");
lines.Add("|---|---:|---:|---:|");
foreach (var (name, _, _) in pairs)
    lines.Add($"| {name} | {MedianOf(ratios[name]):F2} | {ratios[name].Min():F2}-{ratios[name].Max():F2} | >= 1.0 |");

var (one, oneErr) = Load(1, seconds);
var (many, manyErr) = Load(clients, seconds);
lines.Add("");
lines.Add($"| GETATTR+READ against our server, {seconds} s | ops/s | errors |");
lines.Add("|---|---:|---:|");
lines.Add($"| 1 client | {one:F0} | {oneErr} |");
lines.Add($"| {clients} clients | {many:F0} | {manyErr} |");
lines.Add($"| scaling ({clients} / 1) | {many / one:F2} | |");
lines.Add("");
lines.Add($"load average at the end (other work on the machine): {LoadAverage()}");
Console.WriteLine();
foreach (var l in lines)
    Console.WriteLine(l);

ck.UnmountAll(UnmountFlags.MS_FORCE);
server.Stop();
Directory.Delete(shm, true);
return manyErr + oneErr == 0 ? 0 : 1;

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

(double OpsPerSec, long Errors) Load(int n, int secs)
{
    var fh = RootAndFile(out var rootFh);
    long ops = 0, errors = 0;
    var stop = DateTime.UtcNow + TimeSpan.FromSeconds(secs);
    var threads = Enumerable.Range(0, n).Select(i => new Thread(() =>
    {
        var c = new RpcClient(TcpNetwork.Default, "127.0.0.1", server.NfsPort, Nfs3.Program, Nfs3.Version, new RpcClientOptions { Timeout = TimeSpan.FromSeconds(30), Retrans = 1 });
        var auth = new AuthSys(0, $"load{i}", 1000, 1000, []).ToOpaqueAuth();
        var rng = new Random(i);
        long mine = 0, bad = 0;
        while (DateTime.UtcNow < stop)
        {
            var w = c.NewCall(Nfs3.GETATTR, auth);
            w.WriteOpaque(fh);
            bad += Ok(c.Call(w, out var res), res) ? 0 : 1;
            w = c.NewCall(Nfs3.READ, auth);
            w.WriteOpaque(fh);
            w.WriteUInt64((ulong)rng.NextInt64(0, size - 65536));
            w.WriteUInt32(65536);
            bad += Ok(c.Call(w, out res), res) ? 0 : 1;
            mine += 2;
        }
        c.Close();
        Interlocked.Add(ref ops, mine);
        Interlocked.Add(ref errors, bad);
    })).ToList();
    var sw = Stopwatch.StartNew();
    threads.ForEach(t => t.Start());
    threads.ForEach(t => t.Join());
    return (ops / sw.Elapsed.TotalSeconds, errors);
}

static bool Ok(Errno err, RpcResult res)
{
    if (err != Errno.OK)
        return false;
    var r = res.Reader();
    bool ok = (NfsStat3)r.ReadUInt32() == NfsStat3.NFS3_OK;
    res.Release();
    return ok;
}

byte[] RootAndFile(out byte[] root)
{
    var m = new RpcClient(TcpNetwork.Default, "127.0.0.1", server.MountPort, Mount3.Program, Mount3.Version, new RpcClientOptions());
    var w = m.NewCall(Mount3.MNT, new AuthSys(0, "bench", 0, 0, []).ToOpaqueAuth());
    w.WriteString("/export");
    Check(m.Call(w, out var res));
    var r = res.Reader();
    r.ReadUInt32();
    root = r.ReadOpaque().ToArray();
    res.Release();
    m.Close();
    var c = new RpcClient(TcpNetwork.Default, "127.0.0.1", server.NfsPort, Nfs3.Program, Nfs3.Version, new RpcClientOptions());
    w = c.NewCall(Nfs3.LOOKUP, new AuthSys(0, "bench", 0, 0, []).ToOpaqueAuth());
    w.WriteOpaque(root);
    w.WriteString("file.bin");
    Check(c.Call(w, out res));
    r = res.Reader();
    r.ReadUInt32();
    var fh = r.ReadOpaque().ToArray();
    res.Release();
    c.Close();
    return fh;
}

static string LoadAverage() =>
    File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

static void Check(Errno e)
{
    if (e != Errno.OK)
        throw new InvalidOperationException($"nfsbench: {e.Message()} ({e})");
}
