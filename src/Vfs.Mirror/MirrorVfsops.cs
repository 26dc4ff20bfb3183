// Vfs.Mirror: the vfs operations of the Mirror File System -- the MFS mount protocol (patent B.1), the
// unmount protocol (B.2), root, statvfs, vget.
//
// MOUNT. `mount -F mfs [-o options] DIR_X DIR_Y` (library: Process.Mount("DIR_X", "DIR_Y", "mfs", ...)):
//   1. look up both directories (more than two: "DIR_X,DIR_Z" as the special, for an N-way mirror);
//      refuse a directory twice, one inside another (the mirror would contain itself), a non-directory,
//      a directory inside a mirror of this host (the lock order has one band for a mirror: LockRank), and
//      fewer than two copies -- each with EINVAL/ENOTDIR/EBUSY and a one-line reason in MfsMountData.Error;
//   2. merge the copies (MirrorMerge): two-way by timestamp for peers, from X for role=master; beyond the
//      patent, copies with a shared history by it (MirrorSplitBrain), and with a copy behind only the copies in
//      use (MirrorRecovery). A copy that cannot be read (an unreachable NFS server) fails the mount here, before
//      anything is covered;
//   3. make the root mnode from the copies' directories ("the directory b/y becomes the root directory
//      of the mirror file system");
//   4. cover every copy's directory, not just DIR_Y: both old path names, /A/b and /X/y, now lead into
//      the mirror, and neither directory's contents is hidden (B.1 a-d; Kernel.CoverVnode).
// With -o hide (Fig. 8) the special lists every copy ("DIR1,DIR2") and the mount directory is a third
// directory whose previous contents are hidden, as any mount hides them; only it is covered.
//
// UNMOUNT reverts both directories to their own file systems: the kernel uncovers every directory the
// mirror covered. It is refused (EBUSY) while mirror files are in use, and while a copy has updates in its
// dirty log that only a resync can deliver (unless forced), since the next mount's merge cannot see deletions.
namespace UnixVfs.Mirror;

/// <summary>The binary mount argument of the mirror (MountArgs.Data): a progress callback in, a reason out.</summary>
public sealed class MfsMountData
{
    /// <summary>Called as the mount-time merge goes.</summary>
    public Action<MergeProgress>? Progress { get; init; }

    /// <summary>Set to a one-line reason when the mount is refused.</summary>
    public string Error { get; set; } = "";

    /// <summary>What the mount-time merge did, once the mount succeeded.</summary>
    public MergeReport? Merge { get; set; }
}

/// <summary>The Mirror File System's vfs operations and its vfssw entry.</summary>
public static class MirrorVfsops
{
    /// <summary>The vfssw entry: <c>kernel.Vfssw.Install(MirrorVfsops.Def)</c>, then mount with fstype "mfs".</summary>
    public static readonly VfsDef Def = new("mfs", VfsOps.MakeOrPanic("mfs",
    [
        new(VfsopName.Mount, (VfsMountFn)MfsMount),
        new(VfsopName.Unmount, (VfsUnmountFn)MfsUnmount),
        new(VfsopName.Root, (VfsRootFn)MfsRoot),
        new(VfsopName.Statvfs, (VfsStatvfsFn)MfsStatvfs),
        new(VfsopName.Sync, (VfsSyncFn)MfsSync),
        new(VfsopName.Vget, (VfsVgetFn)MfsVget),
    ])) { Stacked = true, VnodeTables = [MirrorVnops.Ops] };

    private static Errno MfsMount(Vfs vfsp, Vnode mvp, MountArgs uap, Cred cr)
    {
        var data = uap.Data as MfsMountData ?? new MfsMountData();
        var err = Mount(vfsp, mvp, uap, data, out string reason);
        if (err != Errno.OK)
        {
            data.Error = reason.Length > 0 ? reason : err.Message();
            vfsp.Kernel.Log($"mfs: {uap.Spec} {uap.Dir}: {data.Error}");
        }
        return err;
    }

    private static Errno Mount(Vfs vfsp, Vnode mvp, MountArgs uap, MfsMountData data, out string reason)
    {
        reason = "";
        if (uap.Caller is null)
        {
            reason = "a mirror is mounted by a process";
            return Errno.EINVAL;
        }
        var specs = uap.Spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        bool hide = MountOptions.Parse(uap.Options).Has("hide");
        var paths = hide ? specs : [.. specs, uap.Dir];
        if (paths.Length < 2)
        {
            reason = hide ? "-o hide needs every copy in the special: DIR1,DIR2" : "a mirror needs two directories: mount -F mfs DIR_X DIR_Y";
            return Errno.EINVAL;
        }
        if (paths.Length > MfsOptions.MaxCopies)
        {
            reason = $"a mirror has at most {MfsOptions.MaxCopies} copies (x, y, z, w down to a), not {paths.Length}";
            return Errno.EINVAL;
        }
        var err = MfsOptions.Parse(uap.Options, paths.Length, out var options, out reason);
        if (err != Errno.OK)
            return err;

        var roots = new Vnode?[paths.Length];
        MirrorWitness? witness = null;
        try
        {
            for (int i = 0; i < paths.Length; i++)
            {
                if (!hide && i == paths.Length - 1)
                {
                    roots[i] = mvp;
                    mvp.Hold();
                }
                else if ((err = uap.Caller.Lookupname(paths[i], true, out roots[i])) != Errno.OK)
                {
                    reason = $"{paths[i]}: {err.Message()}";
                    return err;
                }
                if (roots[i]!.Type != VType.VDIR)
                {
                    reason = $"{paths[i]}: not a directory";
                    return Errno.ENOTDIR;
                }
                if (i < paths.Length - 1 && !hide && roots[i]!.VfsMountedHere is not null)
                {
                    reason = $"{paths[i]}: something is already mounted there";
                    return Errno.EBUSY;
                }
            }
            if ((err = CheckDistinct(paths, roots!, out reason)) != Errno.OK)
                return err;
            for (int i = 0; i < paths.Length; i++)
                if (roots[i]!.Vfs.FstypeName == MirrorVfsops.Def.Name)
                {
                    // The lock order (LockRank) has one band for a mirror, above every file system: a mirror's
                    // locks taken under another's would be out of order. Stacked through NFS (Figs. 9, 10), each
                    // mirror runs under its own NFS server's calls and the order holds.
                    reason = $"{paths[i]}: inside a mirror: a copy cannot be a mirror of this host (stack mirrors through NFS, as Figs. 9 and 10 do)";
                    return Errno.EINVAL;
                }
            if ((err = MirrorGenerations.Establish(vfsp.Kernel, paths, roots!, options!.Force, out var generations, out reason)) != Errno.OK)
                return err;
            int authority = -1; // the copy a witness names as the one that went on alone: its versions win
            bool claimedElsewhere = false; // ... by another host's mirror, which may still be going on alone
            if (options.Witness is { } wpath)
            {
                if ((err = MirrorWitness.Open(uap.Caller, wpath, roots!, generations!.Mirror, options.Force, out witness, out var record, out reason)) != Errno.OK)
                    return err;
                if (record is { Alone: true } && record.Mirror == generations.Mirror)
                {
                    authority = generations.Metas.Select(m => m.Copy).ToList().IndexOf(record.Holder);
                    claimedElsewhere = record.Host != vfsp.Kernel.Hostname;
                }
            }

            MirrorSplitBrain? split = null;
            bool byHistory = ByHistory(roots!, options!, generations!, out err);
            if (err != Errno.OK)
            {
                reason = $"looking for changes made to a copy behind failed: {err.Message()} ({err}); nothing was mounted";
                return err;
            }
            // The copies the mount brings together: all of them, unless a copy is behind and was not changed since (its
            // log is replayed at online). Then the copies that went on, if the host went down while they were in use: a
            // crash can tear an update between them, kept on one's disk and lost from another's cache (Fixed 121).
            var gens = generations!;
            var all = Enumerable.Range(0, paths.Length).ToArray();
            var compared = byHistory || !gens.AnyBehind ? all
                : gens.CrashedInUse ? all.Where(i => gens.Behind[i] < 0).ToArray() : [];
            bool sharedHistory = byHistory || (gens.AnyBehind && options!.Role == MirrorRole.Peer
                && options.Mode == MirrorMode.Mirror && gens.Synced is not null);
            if (options!.NoMerge || compared.Length < 2)
            {
                // nothing to bring together
            }
            else if (sharedHistory)
            {
                bool crashed = compared.Length == all.Length ? gens.Crashed : gens.CrashedInUse;
                if ((err = MergeByHistory(vfsp.Kernel, uap.Dir, roots!, compared, crashed, options, gens, authority, data, out split, out reason)) != Errno.OK)
                    return err;
            }
            else if ((err = MergeByTimes(vfsp.Kernel, uap.Dir, paths, roots!, compared, options, gens, authority, data, out reason)) != Errno.OK)
                return err;
            if (gens.AnyBehind && !byHistory && !options.NoMerge)
                MirrorRecovery.MergeLostFound(vfsp.Kernel, uap.Dir, roots!);

            var copies = paths.Select((p, i) => new MirrorMember(i, p, roots[i]!, new DirtyLog(options.LogSize, options.LogRanges))).ToArray();
            MirrorRecovery.MarkBehind(copies, generations!);
            foreach (var c in split is null ? [] : copies.Skip(1))
            {
                c.State = CopyState.Unavailable; // reads come from X alone until the split brain is settled
                c.Reason = MirrorSplitBrain.SplitReason(split!.Pending.Count);
            }
            var mi = new MfsVfs(vfsp, options, copies) { MountMerge = data.Merge, Generations = generations!, SplitBrain = split, Witness = witness };
            witness = null; // the mirror's from here: Teardown lets it go
            foreach (var c in copies)
            {
                c.Since = vfsp.Kernel.Newest();
                c.Root.Hold(); // the mount's own hold on each copy's directory; the root mnode's holds are separate
            }
            var rootLowers = roots.Select(r => { r!.Hold(); return r; }).ToArray();
            var rootVp = mi.Mnodes.MakeMnode(mi, rootLowers, null, "");
            rootVp.Flag |= VnodeFlags.VROOT;
            rootVp.Path = uap.Dir;
            mi.Root = MirrorSubr.Mn(rootVp);
            vfsp.Data = mi;
            vfsp.Bsize = roots.Min(r => r!.Vfs.Bsize);
            vfsp.Resource = string.Join(',', paths.Take(hide ? paths.Length : paths.Length - 1));

            if (!hide)
                for (int i = 0; i < paths.Length - 1; i++)
                    if ((err = vfsp.Kernel.CoverVnode(vfsp, roots[i]!)) != Errno.OK)
                    {
                        reason = $"{paths[i]}: cannot cover it: {err.Message()}";
                        Teardown(mi);
                        return err;
                    }
            if (options.AutoResync > TimeSpan.Zero)
                mi.AutoResync = new MirrorAutoResync(mi, options.AutoResync);
            if (split is not null)
            {
                // Nothing is written to the copies while the split brain waits: they keep the records it was found by.
                vfsp.Flag |= VfsFlags.VFS_RDONLY;
                return Errno.OK;
            }
            generations!.WriteAll(mi);
            MirrorRecovery.LoadLogs(mi);
            if (mi.Witness is not null && !generations.AnyBehind && !claimedElsewhere)
                mi.Witness.Synced(mi); // the copies are one again: either side may claim the witness when the other is lost
            return Errno.OK;
        }
        finally
        {
            witness?.Dispose();
            foreach (var r in roots)
                r?.Rele();
        }
    }

    /// <summary>
    /// True when the copies share a history (every record has a synced time) and are to be compared by it rather than
    /// by timestamps: always for peers in mirror mode, unless a copy behind was not touched since (its log is replayed).
    /// </summary>
    private static bool ByHistory(Vnode[] roots, MfsOptions o, MirrorGenerations gens, out Errno err)
    {
        err = Errno.OK;
        if (o.NoMerge || o.Role != MirrorRole.Peer || o.Mode != MirrorMode.Mirror || gens.Synced is not { } since)
            return false;
        for (int i = 0; i < roots.Length; i++)
            if (gens.Behind[i] >= 0)
            {
                if ((err = MirrorHistory.ChangedSince(roots[i], since, out bool changed)) != Errno.OK || changed)
                    return err == Errno.OK;
            }
        return !gens.AnyBehind;
    }

    /// <summary>
    /// The patent's mount merge (B.1) of the copies <paramref name="copies"/> (indices of <paramref name="roots"/>): two-way
    /// by timestamp for peers, one way from the truth for role=master. The truth is X, unless a witness says another copy
    /// went on alone (<paramref name="authority"/>), or another host's mirror of these copies holds them (Fig. 7): its
    /// truth, which it may have written further than this host's disk holds. (X behind: the first copy compared.)
    /// </summary>
    private static Errno MergeByTimes(Kernel k, string dir, string[] paths, Vnode[] roots, int[] copies, MfsOptions o,
        MirrorGenerations gens, int authority, MfsMountData data, out string reason)
    {
        reason = "";
        var merge = new MirrorMerge(copies.Select(MfsOptions.CopyName).ToArray(), data.Progress);
        merge.Report.Stats.Writing = MirrorSumFile.Rewriting(roots);
        int master = authority >= 0 ? authority : gens.Follow >= 0 ? gens.Follow : 0;
        if (authority < 0 && gens.Follow > 0 && o.Role == MirrorRole.Master)
            k.Log($"mfs {dir}: {gens.FollowHost}'s mirror holds these copies too: merging from {paths[master]}, its truth");
        int source = Math.Max(0, Array.IndexOf(copies, master));
        var compared = copies.Select(i => roots[i]).ToArray();
        var err = o.Role == MirrorRole.Master
            ? merge.OneWay(compared, source, Enumerable.Range(0, copies.Length).Where(i => i != source).ToArray())
            : merge.TwoWay(compared);
        if (err != Errno.OK)
        {
            reason = $"merging the copies failed: {err.Message()} ({err}); nothing was mounted";
            return err;
        }
        data.Merge = merge.Report;
        return Errno.OK;
    }

    /// <summary>
    /// The mount's merge for copies with a shared history (MirrorSplitBrain.cs), of the copies <paramref name="copies"/>
    /// (indices of <paramref name="roots"/>): what one copy changed goes to the others, what several changed is decided by
    /// the split-brain policy, or -- splitbrain=refuse -- left waiting in <paramref name="split"/>; unless the host went
    /// down while they were in use together (<paramref name="crashed"/>): then it is an update the crash tore, and the
    /// newest wins. The copies are in sync once every copy was compared and nothing waits.
    /// </summary>
    private static Errno MergeByHistory(Kernel k, string dir, Vnode[] roots, int[] copies, bool crashed, MfsOptions o, MirrorGenerations gens,
        int authority, MfsMountData data, out MirrorSplitBrain? split, out string reason)
    {
        split = null;
        reason = "";
        var names = copies.Select(MfsOptions.CopyName).ToArray();
        var report = new MergeReport();
        var since = Array.ConvertAll(copies, _ => gens.Synced!.Value);
        var err = MirrorSplitBrain.Run(copies.Select(i => roots[i]).ToArray(), names, copies, since, o, crashed,
            (line, discarded) =>
            {
                k.Log($"mfs {dir}: split brain: {line}");
                if (discarded is int c)
                    MirrorMetrics.Discarded(k.Hostname, dir, MfsOptions.CopyName(c)); // c: the copy's index in the mirror
            }, null, report, out var pending, Array.IndexOf(copies, authority));
        if (err != Errno.OK)
        {
            reason = $"comparing the copies failed: {err.Message()} ({err}); nothing was mounted";
            return err;
        }
        data.Merge = report;
        if (pending.Count > 0)
            split = new MirrorSplitBrain { Since = since, Copies = copies, Pending = pending };
        else if (copies.Length == roots.Length)
            gens.AllInSync();
        return Errno.OK;
    }

    /// <summary>EINVAL when a directory is given twice or lies inside another one given (the mirror would contain itself).</summary>
    private static Errno CheckDistinct(string[] paths, Vnode[] roots, out string reason)
    {
        reason = "";
        for (int i = 0; i < roots.Length; i++)
            for (int j = 0; j < roots.Length; j++)
            {
                if (i == j || !ReferenceEquals(roots[i].Vfs, roots[j].Vfs))
                    continue;
                if (i < j && Vop.Cmp(roots[i], roots[j]))
                {
                    reason = $"{paths[i]} and {paths[j]} are the same directory: a directory cannot mirror itself";
                    return Errno.EINVAL;
                }
                if (Secpolicy.DirCheckPath(roots[i], roots[j], Cred.Kcred) == Errno.EINVAL)
                {
                    reason = $"{paths[j]} is inside {paths[i]}: a mirror cannot contain its own copy";
                    return Errno.EINVAL;
                }
            }
        return Errno.OK;
    }

    private static Errno MfsUnmount(Vfs vfsp, UnmountFlags flag, Cred cr)
    {
        var mi = (MfsVfs)vfsp.Data!;
        bool force = (flag & UnmountFlags.MS_FORCE) != 0;
        if (mi.ResyncTask is { IsCompleted: false } t)
        {
            if (!force)
                return Errno.EBUSY;
            t.Wait();
        }
        var owed = mi.Copies.Where(c => c.Log.Count > 0 || c.Log.Overflowed).ToArray();
        if (owed.Length > 0)
        {
            var what = string.Join(", ", owed.Select(c => $"copy {c.Name} has {(c.Log.Overflowed ? "more updates than its log holds" : $"{c.Log.Count} logged updates")}"));
            if (!force)
            {
                vfsp.Kernel.Log($"mfs {vfsp.MntPt}: not unmounted: {what} that only a resync can deliver "
                    + "(mfsadm online brings it back; umount -f keeps the log on the copies in use for the next mount)");
                return Errno.EBUSY;
            }
            vfsp.Kernel.Log($"mfs {vfsp.MntPt}: forced unmount: {what}; the log stays on the copies in use and the next mount replays it");
        }
        if (!force && (mi.Mnodes.Count > 1 || mi.Root.Vnode.Count > 1))
            return Errno.EBUSY;
        mi.Checksum?.FlushAll();   // a forced unmount leaves mnodes behind that never go inactive
        if (mi.SplitBrain is null && mi.Copies.All(c => c.Log.Count == 0 && !c.Log.Overflowed))
            mi.Generations.Close(mi); // nothing is owed to any copy: the copies are marked clean
        foreach (var c in mi.Copies)
            c.Log.Clear();
        Teardown(mi);
        return Errno.OK;
    }

    /// <summary>Lets go of the root mnode, the copies' directories and the files kept for their late writes, and stops the copy workers.</summary>
    private static void Teardown(MfsVfs mi)
    {
        mi.AutoResync?.Dispose();
        mi.Witness?.Dispose();
        mi.Workers.Dispose();
        mi.Root.Vnode.Rele();
        foreach (var c in mi.Copies)
        {
            c.Unflushed.Release();
            c.Root.Rele();
        }
    }

    private static Errno MfsRoot(Vfs vfsp, out Vnode? vp)
    {
        vp = ((MfsVfs)vfsp.Data!).Root.Vnode;
        vp.Hold();
        return Errno.OK;
    }

    /// <summary>The mirror holds what its smallest copy holds: the least free space and the fewest free inodes of the copies in use.</summary>
    private static Errno MfsStatvfs(Vfs vfsp, Statvfs sp)
    {
        var mi = (MfsVfs)vfsp.Data!;
        Statvfs? min = null;
        ulong minBytes = ulong.MaxValue;
        foreach (var c in mi.UpdateCopies())
        {
            var s = new Statvfs();
            if (VfsOp.Statvfs(c.Vfs, s) != Errno.OK)
                continue;
            ulong free = s.Bavail * Math.Max(1, s.Frsize);
            if (min is null || free < minBytes)
            {
                min = s;
                minBytes = free;
            }
            sp.Files = sp.Files == 0 ? s.Files : Math.Min(sp.Files, s.Files);
            sp.Ffree = sp.Ffree == 0 ? s.Ffree : Math.Min(sp.Ffree, s.Ffree);
        }
        if (min is null)
            return Errno.EIO;
        sp.Bsize = min.Bsize;
        sp.Frsize = min.Frsize;
        sp.Blocks = min.Blocks;
        sp.Bfree = min.Bfree;
        sp.Bavail = min.Bavail;
        sp.Favail = sp.Ffree;
        sp.Fsid = vfsp.Fsid;
        sp.Basetype = "mfs";
        sp.Flag = vfsp.IsReadOnly ? Statvfs.ST_RDONLY : 0;
        sp.Namemax = Limits.NameMax;
        return Errno.OK;
    }

    /// <summary>VFS_SYNC: the mirror keeps no data of its own, only the checksums of -o checksum (MirrorChecksum.cs).</summary>
    private static Errno MfsSync(Vfs vfsp, SyncFlags flag, Cred cr)
    {
        ((MfsVfs)vfsp.Data!).Checksum?.FlushAll();
        return Errno.OK;
    }

    private static Errno MfsVget(Vfs vfsp, out Vnode? vp, Fid fid) => MirrorFid.Vget((MfsVfs)vfsp.Data!, fid, out vp);
}
