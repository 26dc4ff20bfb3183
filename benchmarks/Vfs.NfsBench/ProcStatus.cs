// benchmarks/Vfs.NfsBench: a server process's memory as the kernel counts it (/proc/PID/status), and the reset
// of its peak (clear_refs 5, Linux 4.0+) so that a peak can be taken over one load alone.
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

    /// <summary>Makes VmHWM the resident size of now.</summary>
    public static void ResetPeak(int pid) => File.WriteAllText($"/proc/{pid}/clear_refs", "5");
}
