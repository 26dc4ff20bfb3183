// Vfs.Sim: power faults -- a disk's power cut at any write, and a host's crash and restart (its kernel rebooting).
//
//   power-cut HOST:/PATH N           the disk loses power as its N-th write from now is issued (FaultyBlockDevice.
//   power-cut-reorder HOST:/PATH N   CrashAfterWrites): that write and every unflushed one are lost (LoseAll), or a
//                                    random subset of them reaches the disk, in any order, one torn (Reorder). From
//                                    then on the disk answers EIO: a mirror takes its copy out of use.
//   restart HOST MODE                the host's power goes out and comes back: it leaves the network, every disk not
//                                    yet cut loses its unflushed writes (MODE 0 LoseAll, 1 Reorder), the processes
//                                    die, every mount is dropped, the host comes back on the network, each UFS is
//                                    fsck -y'd, fsck -n'd and mounted again, each import and mirror mounted again, each
//                                    export shared again (World.Reboot). The model then takes what survived
//                                    (SimContext.Restart), after Invariants.PowerCutKeepsSynced has checked it.
// A generated plan cuts the power of the process host when it has a disk of its own (Figs. 5, 6's master, 7's x, the
// 3-way mirror, a single UFS). Kind power: a cut at a write of one of its mirror's UFS copies' disks, then a restart
// any number of calls later (the copy is out of use meanwhile). Kind crash: a restart alone, of that host or of a
// host with a UFS disk that serves over NFS (RestartTargets: its disk, or a mirror too). A server's restart must
// change nothing its clients see: what it answered to CREATE, REMOVE, RENAME and the rest is on its disk before the
// reply (RFC 1813 §1.6), and data its clients wrote UNSTABLE and have not had committed they write again when COMMIT
// shows the new write verifier; so the model stays as it is, and the copies on that server must still match it.
// Nothing else is broken meanwhile.
using UnixVfs.Ufs;

namespace UnixVfs.Sim;

/// <summary>Power faults: planning them and doing them to a world.</summary>
public static class PowerFaults
{
    /// <summary>True when <paramref name="action"/> is a power fault's.</summary>
    public static bool Handles(string action) => action is "power-cut" or "power-cut-reorder" or "restart";

    /// <summary>Does power fault <paramref name="f"/> to <paramref name="w"/>. Returns OK, or EINVAL with <paramref name="error"/>.</summary>
    public static Errno Apply(World w, Fault f, out string error)
    {
        error = "";
        var rng = new Random(World.StableHash($"{w.Seed} {f}"));
        switch (f.Action)
        {
            case "power-cut" or "power-cut-reorder":
            {
                var disk = w.Disks.FirstOrDefault(d => $"{d.Host.Name}:{d.Path}" == f.Target && d.Device is not null);
                if (disk is null || f.Arg < 1)
                {
                    error = $"{f}: expected a UFS disk HOST:/PATH and a write count of 1 or more";
                    return Errno.EINVAL;
                }
                disk.Device!.CrashAfterWrites(f.Arg, f.Action == "power-cut" ? CrashMode.LoseAll : CrashMode.Reorder, rng);
                return Errno.OK;
            }
            case "restart":
            {
                if (w.HostNamed(f.Target) is not { } h || f.Arg is not (0 or 1))
                {
                    error = $"{f}: expected a host and a mode (0 LoseAll, 1 Reorder)";
                    return Errno.EINVAL;
                }
                return w.Reboot(h, f.Arg == 0 ? CrashMode.LoseAll : CrashMode.Reorder, rng, out error);
            }
            default:
                error = $"{f}: not a power fault";
                return Errno.EINVAL;
        }
    }

    /// <summary>
    /// The end of a run: a host with a disk whose power was cut, and no restart after it (a plan written so, or shrunk),
    /// restarts now (LoseAll), so that every copy can come back.
    /// </summary>
    public static void Repair(World w)
    {
        foreach (var h in w.Hosts.Where(h => w.Disks.Any(d => d.Host == h && d.Device is { Crashed: true })).ToList())
            if (w.Reboot(h, CrashMode.LoseAll, new Random(World.StableHash($"{w.Seed} repair {h.Name}")), out var error) != Errno.OK)
                w.Trace.Add("repair", error);
    }

    /// <summary>The UFS disks of the process host's mirror, when it is on the process host: where a cut at a write leaves a copy.</summary>
    internal static List<SimDisk> CutDisks(World w) =>
        w.Mirror is { } m && m.Host == w.ProcessHost
            ? w.Disks.Where(d => d.Host == m.Host && d.Device is not null
                && m.Mfs.Copies.Any(c => c.Vfs.FstypeName == "ufs" && c.Vfs.MntPt == d.Path)).ToList()
            : [];

    /// <summary>
    /// The host a power cut at a write can restart: the process host, when it has a disk of its own -- also when it
    /// imports (Fig. 6's master: its NFS client dies with it and mounts again) or exports (Fig. 7's x: its NFS server is
    /// restarted too, World.Reboot). Findings 12 and 13 of docs/verification.md kept those out until Fixed 53 and 54.
    /// </summary>
    internal static SimHostNode? Target(World w)
    {
        var h = w.ProcessHost;
        return w.Disks.Any(d => d.Host == h && d.Device is not null) ? h : null;
    }

    /// <summary>
    /// The hosts a restart alone can be made of: Target, and every other host with a UFS disk that serves over NFS --
    /// its disk (the slave of Fig. 6, a and b of Fig. 8), the world's mirror too (x of Figs. 9 and 10, whose clients'
    /// handles must go on naming the same files after the mirror's crash recovery), or a mirror of its own of the same
    /// copies (y of Figs. 7, 9 and 10, whose remount must follow the world's mirror, live: docs/verification.md, Fixed 56).
    /// </summary>
    internal static List<SimHostNode> RestartTargets(World w)
    {
        var servers = w.Hosts.Where(h => h != w.ProcessHost && h.Nfsd is not null
            && w.Disks.Any(d => d.Host == h && d.Device is not null));
        return (Target(w) is { } t ? servers.Prepend(t) : servers).ToList();
    }

    /// <summary>
    /// The faults of one power cut of <paramref name="h"/> from <paramref name="start"/> to <paramref name="end"/>: a cut
    /// at a write of a disk under the host's mirror (if it has one), and the restart.
    /// </summary>
    internal static IEnumerable<Fault> Plan(World w, SimHostNode h, Random r, int start, int end, bool cut)
    {
        int mode = r.Next(2);
        var disks = CutDisks(w);
        if (cut)
        {
            var d = disks[r.Next(disks.Count)];
            yield return new Fault(start, mode == 0 ? "power-cut" : "power-cut-reorder", $"{h.Name}:{d.Path}", r.Next(1, 60));
            yield return new Fault(end, "restart", h.Name, mode);
        }
        else
            yield return new Fault(start, "restart", h.Name, mode);
    }
}
