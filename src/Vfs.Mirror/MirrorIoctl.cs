// Vfs.Mirror: the mirror's control requests (ioctl on any file or directory of a mirror), the way an
// administrator tells the mirror that a copy goes down for maintenance and comes back (patent B.7 case a):
//
//   MFS_IOC_STATUS   fills an MfsStatus: each copy's state, reason, log and counters     (anyone)
//   MFS_IOC_OFFLINE  takes a copy out of use; updates are logged for it                 (root)
//   MFS_IOC_ONLINE   brings a copy back: resync from its log (or in full), then reads   (root)
//   MFS_IOC_RESYNC   a full resync of a copy from an available one, now                 (root)
//   MFS_IOC_VERIFY   compares the copies and fills a VerifyReport                        (root)
//   MFS_IOC_RESOLVE  settles one name from the copy chosen (split brain, MirrorSplitBrain)  (root)
//   MFS_IOC_HEALINFO fills a HealInfo: what each copy is owed, names and ranges           (anyone)
//   MFS_IOC_SCRUB    compares every copy in use online, repairs on request (MirrorScrub)  (root)
//
// The argument is the request object itself (MfsStatus, MfsCopyRequest, VerifyReport); results are
// written into it. MfsAdm.cs wraps these for programs and the shell's `mfsadm`.
namespace UnixVfs.Mirror;

/// <summary>The mirror's ioctl commands.</summary>
public static class MfsIoctl
{
    public const int MFS_IOC_STATUS = 0x4D460001;
    public const int MFS_IOC_OFFLINE = 0x4D460002;
    public const int MFS_IOC_ONLINE = 0x4D460003;
    public const int MFS_IOC_RESYNC = 0x4D460004;
    public const int MFS_IOC_VERIFY = 0x4D460005;
    public const int MFS_IOC_RESOLVE = 0x4D460006;
    public const int MFS_IOC_HEALINFO = 0x4D460007;
    public const int MFS_IOC_SCRUB = 0x4D460008;
}

/// <summary>A copy's state as MFS_IOC_STATUS reports it.</summary>
public sealed record CopyStatus(string Name, string Path, string Fstype, CopyState State, string Reason, Timespec Since,
    int LogEntries, bool LogOverflowed, long BytesChanged, long Reads, long Writes, long BytesRead, long BytesWritten, long Failures,
    ResyncProgress? Progress = null, long ChecksumErrors = 0, long ChecksumRepairs = 0);

/// <summary>The argument of MFS_IOC_STATUS, filled in by the mirror.</summary>
public sealed class MfsStatus
{
    public string MountPoint = "";
    public MirrorMode Mode;
    public MirrorRole Role;
    public string ReadPolicy = "";
    public string Active = "";
    public int Mnodes;
    /// <summary>-o checksum is on (CopyStatus.ChecksumErrors and ChecksumRepairs count).</summary>
    public bool Checksum;
    public List<CopyStatus> Copies { get; } = new();
    public MergeReport? MountMerge;
    public ResyncReport? LastResync;
    public List<MfsEvent> Events { get; } = new();
    /// <summary>The names of a split brain waiting for `mfsadm resolve`.</summary>
    public List<string> SplitBrain { get; } = new();
    /// <summary>With witness=: the witness's directory and its state as read now (MirrorWitness.Describe); else "".</summary>
    public string Witness = "";
}

/// <summary>The argument of MFS_IOC_OFFLINE, MFS_IOC_ONLINE and MFS_IOC_RESYNC.</summary>
public sealed class MfsCopyRequest
{
    /// <summary>The copy: "x", "y", "z", ... (or "X", "Y").</summary>
    public string Copy = "";

    /// <summary>ONLINE/RESYNC: wait for the resync to finish (otherwise it runs in the background).</summary>
    public bool Wait = true;

    /// <summary>ONLINE: resync in full even if the log did not overflow.</summary>
    public bool Full;

    /// <summary>
    /// ONLINE with witness=: go on without the witness's word (mfsadm online --force). Of the copy in use of a mirror the
    /// witness left read-only: it goes on alone. Of the copy away: it rejoins even though the witness cannot tell which
    /// side went on -- taking its versions when this side was read-only.
    /// </summary>
    public bool Force;

    /// <summary>ONLINE/RESYNC with Wait: told how far the resync has got, after each batch (MirrorProgress.cs).</summary>
    public Action<ResyncProgress>? Progress;

    /// <summary>Filled in when a resync finished while the call waited.</summary>
    public ResyncReport? Report;

    /// <summary>A one-line reason when the request is refused.</summary>
    public string Error = "";

    /// <summary>ONLINE: what a comparison of the copies decided, one line each (MirrorSplitBrain.cs).</summary>
    public List<string> Lines { get; } = new();
}

/// <summary>The argument of MFS_IOC_RESOLVE.</summary>
public sealed class MfsResolveRequest
{
    /// <summary>The name to settle: from the mirror's top ("/d/f"), or relative to the directory the ioctl is issued on.</summary>
    public string Path = "";

    /// <summary>The copy whose version is taken ("x", "y", ...), or "newest".</summary>
    public string Take = "";

    /// <summary>What was decided, one line each: every version discarded is named.</summary>
    public List<string> Lines { get; } = new();

    /// <summary>A one-line reason when the request is refused.</summary>
    public string Error = "";
}

internal static class MirrorIoctl
{
    /// <summary>The reason of a copy taken offline on purpose (autoresync leaves it alone).</summary>
    public const string Maintenance = "offline for maintenance";

    public static Errno MfsIoctl(Vnode vp, int cmd, object? arg, FileFlags flag, Cred cr, out int rval, CallerContext? ct)
    {
        rval = 0;
        var mi = MirrorSubr.Mi(vp);
        switch (cmd)
        {
            case UnixVfs.Mirror.MfsIoctl.MFS_IOC_STATUS:
                if (arg is not MfsStatus st)
                    return Errno.EINVAL;
                FillStatus(mi, st);
                return Errno.OK;
            case UnixVfs.Mirror.MfsIoctl.MFS_IOC_VERIFY:
                if (arg is not VerifyReport vr)
                    return Errno.EINVAL;
                if (!cr.IsSuperUser)
                    return Errno.EPERM;
                var r = MirrorVerify.Run(mi);
                vr.Compared = r.Compared;
                vr.Differences.AddRange(r.Differences);
                return Errno.OK;
            case UnixVfs.Mirror.MfsIoctl.MFS_IOC_HEALINFO:
                if (arg is not HealInfo hi)
                    return Errno.EINVAL;
                MirrorHealInfo.Fill(mi, hi);
                return Errno.OK;
            case UnixVfs.Mirror.MfsIoctl.MFS_IOC_SCRUB:
                if (arg is not ScrubRequest sr)
                    return Errno.EINVAL;
                if (!cr.IsSuperUser)
                    return Errno.EPERM;
                return MirrorScrub.Run(mi, sr);
            case UnixVfs.Mirror.MfsIoctl.MFS_IOC_RESOLVE:
                if (arg is not MfsResolveRequest rr)
                    return Errno.EINVAL;
                if (!cr.IsSuperUser)
                    return Errno.EPERM;
                if (mi.Options.Mode == MirrorMode.ActivePassive)
                {
                    rr.Error = "an active/passive client keeps no copies to resolve: its servers do";
                    return Errno.EINVAL;
                }
                if (!rr.Path.StartsWith('/'))
                    rr.Path = MirrorSubr.Mn(vp).PathFromRoot.TrimEnd('/') + "/" + rr.Path; // relative to the directory asked
                return MirrorSplitBrain.Resolve(mi, rr);
            case UnixVfs.Mirror.MfsIoctl.MFS_IOC_OFFLINE:
            case UnixVfs.Mirror.MfsIoctl.MFS_IOC_ONLINE:
            case UnixVfs.Mirror.MfsIoctl.MFS_IOC_RESYNC:
                if (arg is not MfsCopyRequest req)
                    return Errno.EINVAL;
                if (!cr.IsSuperUser)
                    return Errno.EPERM;
                var c = FindCopy(mi, req.Copy);
                if (c is null)
                {
                    req.Error = $"no copy \"{req.Copy}\" (this mirror has {string.Join(", ", mi.Copies.Select(x => x.Name.ToLowerInvariant()))})";
                    return Errno.EINVAL;
                }
                return cmd switch
                {
                    UnixVfs.Mirror.MfsIoctl.MFS_IOC_OFFLINE => Offline(mi, c, req),
                    UnixVfs.Mirror.MfsIoctl.MFS_IOC_ONLINE => Online(mi, c, req, full: req.Full),
                    _ => Resync(mi, c, req),
                };
            default:
                return Errno.ENOTTY;
        }
    }

    private static MirrorMember? FindCopy(MfsVfs mi, string name) =>
        name.Length == 1 && MfsOptions.CopyIndex(char.ToLowerInvariant(name[0])) is int i && i < mi.Copies.Count ? mi.Copies[i] : null;

    private static Errno Offline(MfsVfs mi, MirrorMember c, MfsCopyRequest req)
    {
        if (c.State == CopyState.Unavailable)
        {
            req.Error = $"copy {c.Name} is already unavailable";
            return Errno.EALREADY;
        }
        if (!mi.MarkUnavailable(c, Maintenance))
        {
            req.Error = $"copy {c.Name} is the last copy in use";
            return Errno.EBUSY;
        }
        return Errno.OK;
    }

    /// <summary>Brings copy <paramref name="c"/> back (MFS_IOC_ONLINE, and autoresync: MirrorAutoResync.cs).</summary>
    internal static Errno Online(MfsVfs mi, MirrorMember c, MfsCopyRequest req, bool full)
    {
        // One at a time: `mfsadm online` and autoresync's rejoin could otherwise both find the copy unavailable, search
        // it and start two resyncs of it (Fixed 115 let autoresync's rounds run beside the world's calls).
        using (VirtualClock.EnterMonitor(mi.OnlineLock))
            return OnlineLocked(mi, c, req, full);
    }

    private static Errno OnlineLocked(MfsVfs mi, MirrorMember c, MfsCopyRequest req, bool full)
    {
        if (req.Force && mi.Witness is { ReadOnly: true } w && c.State == CopyState.Available)
            return w.Force(mi, c, req.Lines);
        if (c.State != CopyState.Unavailable)
        {
            req.Error = $"copy {c.Name} is not unavailable (it is {c.State})";
            return Errno.EALREADY;
        }
        if (mi.Options.Mode == MirrorMode.ActivePassive)
        {
            // Fig. 10: the servers resync themselves; the client just starts using the copy again as the passive one.
            // What its log holds (ranges its NFS client held when it left) is the servers' business then: kept, it
            // would make every later unmount refuse, owing a resync this mirror never runs (Finding 23).
            mi.MarkResyncing(c);
            mi.Quiesce.Enter(RwLockType.Writer);
            try
            {
                c.Log.Clear();
                mi.MarkAvailable(c);
            }
            finally { mi.Quiesce.Exit(RwLockType.Writer); }
            return Errno.OK;
        }
        var err = MirrorSplitBrain.Online(mi, c, req, out bool handled);
        if (handled)
            return err;
        mi.MarkResyncing(c);
        return StartResync(mi, c, req, full);
    }

    private static Errno Resync(MfsVfs mi, MirrorMember c, MfsCopyRequest req)
    {
        if (mi.Options.Mode == MirrorMode.ActivePassive)
        {
            req.Error = "an active/passive client does not resync: its servers do";
            return Errno.EINVAL;
        }
        if (c.State == CopyState.Resyncing)
        {
            req.Error = $"copy {c.Name} is already being resynced";
            return Errno.EALREADY;
        }
        if (!mi.Copies.Any(x => x.State == CopyState.Available && !ReferenceEquals(x, c)))
        {
            req.Error = $"no other copy is available to resync {c.Name} from";
            return Errno.EBUSY;
        }
        mi.MarkResyncing(c);
        return StartResync(mi, c, req, full: true);
    }

    private static Errno StartResync(MfsVfs mi, MirrorMember c, MfsCopyRequest req, bool full)
    {
        if (!req.Wait)
        {
            mi.ResyncTask = Task.Run(() => MirrorResync.Run(mi, c, full, out _));
            return Errno.OK;
        }
        var err = MirrorResync.Run(mi, c, full, out var report, req.Progress);
        req.Report = report;
        if (err != Errno.OK)
            req.Error = $"resync of {c.Name} failed: {err}";
        return err;
    }

    private static void FillStatus(MfsVfs mi, MfsStatus st)
    {
        st.MountPoint = mi.Vfs.MntPt;
        st.Mode = mi.Options.Mode;
        st.Role = mi.Options.Role;
        st.ReadPolicy = mi.Options.Read == ReadPolicy.Balance ? "balance" : MfsOptions.CopyName(mi.Options.ReadCopy).ToLowerInvariant();
        st.Active = mi.Active.Name;
        st.Mnodes = mi.Mnodes.Count;
        st.Checksum = mi.Options.Checksum;
        st.MountMerge = mi.MountMerge;
        st.LastResync = mi.LastResync;
        st.Events.AddRange(mi.Events);
        mi.Quiesce.Enter(RwLockType.Reader);
        try
        {
            if (mi.SplitBrain is { } sb)
                st.SplitBrain.AddRange(sb.Pending);
        }
        finally
        {
            mi.Quiesce.Exit(RwLockType.Reader);
        }
        if (mi.Witness is { } witness)
            st.Witness = $"{witness.Path}: {witness.Describe(mi)}";
        foreach (var c in mi.Copies)
            st.Copies.Add(new CopyStatus(c.Name, c.Path, c.Vfs.FstypeName, c.State, c.Reason, c.Since, c.Log.Count, c.Log.Overflowed,
                c.Log.BytesChanged, c.Reads, c.Writes, c.BytesRead, c.BytesWritten, c.Failures, c.Progress,
                c.ChecksumErrors, c.ChecksumRepairs));
    }
}
