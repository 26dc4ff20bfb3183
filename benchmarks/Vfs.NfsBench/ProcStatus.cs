// benchmarks/Vfs.NfsBench: a server process's memory as the kernel counts it (/proc/PID/status), the reset
// of its peak (clear_refs 5, Linux 4.0+) so that a peak can be taken over one load alone, and its CPU time
// (/proc/PID/stat), which counts the threads that have ended too: a `vfs serve` connection's thread ends with it.
namespace UnixVfs.NfsBench;

internal static class ProcStatus
{
    /// <summary>A field of /proc/PID/status in KiB (VmRSS: resident now; VmHWM: the peak since the last reset).</summary>
    public static long Kib(int pid, string field)
    {
        foreach (var l in File.ReadAllLines($"/proc/{pid}/status"))
            if (l.StartsWith(field + ":", StringComparison.Ordinal))
                return long.Parse(l[(field.Length + 1)..].Trim().Split(' ')[0]);
        throw new InvalidOperationException($"no {field} in /proc/{pid}/status");
    }

    /// <summary>utime + stime of the whole process, in ms (the kernel's clock ticks, 10 ms each).</summary>
    public static long CpuMs(int pid)
    {
        // The fields after the command name, which may hold spaces and parentheses: state is the first, utime the 12th.
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(f[11]) + long.Parse(f[12])) * 10;
    }

    /// <summary>Makes VmHWM the resident size of now.</summary>
    public static void ResetPeak(int pid) => File.WriteAllText($"/proc/{pid}/clear_refs", "5");
}
