// benchmarks/Vfs.NfsBench: the loads of single NFS calls, each run through NfsExport against any server:
//   - GETATTR + 64 KiB READ of file.bin from N concurrent clients (one connection each) for a while;
//   - the small-file loop: CREATE + a 100-byte FILE_SYNC WRITE per file (what libnfs sends for create, write,
//     close: its writes are FILE_SYNC and its close sends nothing), in a fresh directory;
//   - COMMIT after an UNSTABLE 1 MiB WRITE, timed alone.
using System.Diagnostics;
using UnixVfs.Core;
using UnixVfs.Nfs.Protocol;
using UnixVfs.Nfs.Rpc;

namespace UnixVfs.NfsBench;

internal static class CallLoads
{
    /// <summary>What a call load measured: calls per second, calls that failed, and this process's CPU time and bytes allocated per call.</summary>
    public readonly record struct Rate(double OpsPerSec, long Errors, double CpuUsPerCall, double BytesPerCall);

    /// <summary>
    /// GETATTR and READ calls per second from <paramref name="clients"/> clients, and the calls that failed; with this
    /// process's CPU time and allocations per call (the client's alone, or the client's and the server's when the
    /// server runs in this process).
    /// </summary>
    public static Rate GetattrRead(NfsExport e, int clients, int seconds, long fileSize)
    {
        var fh = e.Lookup("file.bin");
        long ops = 0, errors = 0;
        var stop = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
        var threads = Enumerable.Range(0, clients).Select(i => new Thread(() =>
        {
            var c = e.NewRpc();
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
                w.WriteUInt64((ulong)rng.NextInt64(0, Math.Max(1, fileSize - 65536)));
                w.WriteUInt32(65536);
                bad += Ok(c.Call(w, out res), res) ? 0 : 1;
                mine += 2;
            }
            c.Close();
            Interlocked.Add(ref ops, mine);
            Interlocked.Add(ref errors, bad);
        })).ToList();
        var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        var sw = Stopwatch.StartNew();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        double secs = sw.Elapsed.TotalSeconds;
        var used = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu;
        long calls = Math.Max(1, ops);
        return new Rate(ops / secs, errors, used.TotalMicroseconds / calls, (double)(GC.GetTotalAllocatedBytes(precise: true) - allocated) / calls);
    }

    private static bool Ok(Errno err, RpcResult res)
    {
        if (err != Errno.OK)
            return false;
        var r = res.Reader();
        bool ok = (NfsStat3)r.ReadUInt32() == NfsStat3.NFS3_OK;
        res.Release();
        return ok;
    }

    /// <summary>Files made per second: <paramref name="files"/> times CREATE + 100-byte FILE_SYNC WRITE in a new directory <paramref name="dir"/>.</summary>
    public static double SmallFiles(NfsExport e, string dir, int files)
    {
        var payload = new byte[100];
        new Random(files).NextBytes(payload);
        var dfh = e.Mkdir(dir);
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < files; i++)
            e.Write(e.Create(dfh, $"f{i}"), 0, payload, StableHow.FILE_SYNC);
        return files / sw.Elapsed.TotalSeconds;
    }

    /// <summary>The median milliseconds of a COMMIT, each after an UNSTABLE 1 MiB WRITE to file <paramref name="file"/>.</summary>
    public static double CommitMs(NfsExport e, string file, byte[] data, int times)
    {
        var fh = e.Create(e.RootFh, file);
        var took = new List<double>();
        for (int i = 0; i < times; i++)
        {
            e.Write(fh, (long)(i % 8) << 20, data.AsSpan(0, 1 << 20), StableHow.UNSTABLE);
            var sw = Stopwatch.StartNew();
            e.Commit(fh);
            took.Add(sw.Elapsed.TotalMilliseconds);
        }
        e.Remove(file);
        return took.Order().ElementAt(took.Count / 2);
    }
}
