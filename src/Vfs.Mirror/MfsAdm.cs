// Vfs.Mirror: mfsadm as a library -- status, offline, online, resync and verify of the mirror a path is in,
// through the mirror's ioctls, as a process of the host would issue them.
namespace UnixVfs.Mirror;

/// <summary>Administration of a mirror through its ioctls.</summary>
public static class MfsAdm
{
    /// <summary>The status of the mirror holding <paramref name="path"/>. Returns OK, ENOENT, ENOTTY (not a mirror).</summary>
    public static Errno Status(Process p, string path, out MfsStatus? status)
    {
        var st = new MfsStatus();
        var err = Ioctl(p, path, MfsIoctl.MFS_IOC_STATUS, st);
        status = err == Errno.OK ? st : null;
        return err;
    }

    /// <summary>Takes copy <paramref name="copy"/> ("x", "y", ...) offline for maintenance.</summary>
    public static Errno Offline(Process p, string path, string copy, out string error) =>
        CopyRequest(p, path, MfsIoctl.MFS_IOC_OFFLINE, new MfsCopyRequest { Copy = copy }, out error, out _);

    /// <summary>
    /// Brings copy <paramref name="copy"/> back; with <paramref name="wait"/>, returns when it is in sync, telling
    /// <paramref name="progress"/> how far it has got. With <paramref name="force"/> (a mirror with a witness): without
    /// the witness's word -- of the copy in use of a mirror the witness left read-only, it goes on alone (MfsCopyRequest.Force).
    /// </summary>
    public static Errno Online(Process p, string path, string copy, out string error, out ResyncReport? report, bool wait = true, bool full = false,
        Action<ResyncProgress>? progress = null, bool force = false) =>
        CopyRequest(p, path, MfsIoctl.MFS_IOC_ONLINE, new MfsCopyRequest { Copy = copy, Wait = wait, Full = full, Progress = progress, Force = force },
            out error, out report);

    /// <summary>Resyncs copy <paramref name="copy"/> in full from another available copy.</summary>
    public static Errno Resync(Process p, string path, string copy, out string error, out ResyncReport? report, bool wait = true,
        Action<ResyncProgress>? progress = null) =>
        CopyRequest(p, path, MfsIoctl.MFS_IOC_RESYNC, new MfsCopyRequest { Copy = copy, Wait = wait, Progress = progress }, out error, out report);

    /// <summary>Compares every copy in use of the mirror holding <paramref name="path"/>; with <paramref name="repair"/>, settles what it can.</summary>
    public static Errno Scrub(Process p, string path, bool repair, double rateMiB, out string error, out ScrubReport report)
    {
        var req = new ScrubRequest { Repair = repair, RateMiB = rateMiB };
        var err = Ioctl(p, path, MfsIoctl.MFS_IOC_SCRUB, req);
        error = req.Error.Length > 0 ? req.Error : err == Errno.OK ? "" : err.Message();
        report = req.Report;
        return err;
    }

    /// <summary>What each copy of the mirror holding <paramref name="path"/> is owed (mfsadm heal-info).</summary>
    public static Errno HealInfo(Process p, string path, out HealInfo? info)
    {
        var hi = new HealInfo();
        var err = Ioctl(p, path, MfsIoctl.MFS_IOC_HEALINFO, hi);
        info = err == Errno.OK ? hi : null;
        return err;
    }

    /// <summary>Compares the copies of the mirror holding <paramref name="path"/>.</summary>
    public static Errno Verify(Process p, string path, out VerifyReport? report)
    {
        var r = new VerifyReport();
        var err = Ioctl(p, path, MfsIoctl.MFS_IOC_VERIFY, r);
        report = err == Errno.OK ? r : null;
        return err;
    }

    /// <summary>
    /// Settles <paramref name="path"/> (a name in a mirror, which one copy may lack) by taking copy
    /// <paramref name="take"/>'s version ("x", "y", ...), or the newest one's ("newest"). The request goes to the
    /// name's directory, so the name itself need not be found through the mirror.
    /// </summary>
    public static Errno Resolve(Process p, string path, string take, out string error, out IReadOnlyList<string> lines)
    {
        string trimmed = path.TrimEnd('/');
        int slash = trimmed.LastIndexOf('/');
        string dir = slash < 0 ? "." : slash == 0 ? "/" : trimmed[..slash];
        var req = new MfsResolveRequest { Path = trimmed[(slash + 1)..], Take = take };
        var err = Ioctl(p, dir, MfsIoctl.MFS_IOC_RESOLVE, req);
        error = req.Error.Length > 0 ? req.Error : err == Errno.OK ? "" : err.Message();
        lines = req.Lines;
        return err;
    }

    private static Errno CopyRequest(Process p, string path, int cmd, MfsCopyRequest req, out string error, out ResyncReport? report)
    {
        var err = Ioctl(p, path, cmd, req);
        error = req.Error.Length > 0 ? req.Error : err == Errno.OK ? "" : err.Message();
        report = req.Report;
        return err;
    }

    private static Errno Ioctl(Process p, string path, int cmd, object arg)
    {
        var err = p.Open(path, OFlags.O_RDONLY, 0, out int fd);
        if (err != Errno.OK)
            return err;
        try
        {
            return p.Ioctl(fd, cmd, arg, out _);
        }
        finally
        {
            p.Close(fd);
        }
    }
}
