// Vfs.Mirror: a mount after a crash of the mirroring host (beyond the patent). When the copies' generations show
// that a copy is behind another (MirrorGenerations.Establish), the mount does not merge them by timestamps; the
// copy behind starts out unavailable, and its dirty log is rebuilt from the log file the copy ahead kept for it
// (MirrorIntentLog.cs): every logged name, range and attribute change, found again by its path through the
// mirror. `mfsadm online` then replays just that, removals included, so nothing deleted comes back. A copy
// behind whose log cannot be read is marked for a full one-way resync from the copy ahead instead. The copies that
// went on are still compared among themselves when the host went down while they were in use (MirrorVfsops.Mount):
// a crash may have torn a write between them that none of them had flushed.
namespace UnixVfs.Mirror;

internal static class MirrorRecovery
{
    /// <summary>The state and reason a copy behind starts out with, before the mirror's data is made.</summary>
    public static void MarkBehind(MirrorMember[] copies, MirrorGenerations gens)
    {
        for (int i = 0; i < copies.Length; i++)
            if (gens.Behind[i] is int ahead and >= 0)
            {
                copies[i].State = CopyState.Unavailable;
                copies[i].Reason = $"behind {copies[ahead].Name}: it left and the host went down before its resync";
            }
    }

    /// <summary>Rebuilds the dirty log of every copy behind from the log file of the copy it is behind.</summary>
    public static void LoadLogs(MfsVfs mi)
    {
        var behind = mi.Generations.Behind;
        for (int i = 0; i < behind.Length; i++)
        {
            if (behind[i] < 0)
                continue;
            var c = mi.Copies[i];
            var ahead = mi.Copies[behind[i]];
            var err = MirrorIntentLog.Read(ahead.Root, mi.Generations.Metas[i].Copy, out var records, out bool damaged);
            if (err != Errno.OK || records is null || damaged)
            {
                mi.IntentLog.Start(c);
                c.Log.MarkOverflowed();
                mi.IntentLog.Overflow(c);
                string why = damaged ? "damaged" : err == Errno.OK ? "none" : err.ToString();
                mi.Announce(c, $"behind {ahead.Name} with no readable log ({why}): it needs a full resync");
                continue;
            }
            mi.IntentLog.Resume(c, records.Count);
            foreach (var r in records)
            {
                if (r.Overflow)
                {
                    c.Log.MarkOverflowed();
                    break;
                }
                if (Find(mi, r.Path, out var vp) != Errno.OK)
                    continue; // gone since: the names record of a directory above it covers it
                c.Log.Record(MirrorSubr.Mn(vp!), r.Kind, r.Offset, r.Length, r.Name);
                vp!.Rele();
            }
            mi.Announce(c, $"behind {ahead.Name}: {records.Count} logged updates from before the host went down, "
                + $"to be replayed (mfsadm online {c.Name.ToLowerInvariant()})");
        }
    }

    /// <summary>The directory at the top of a UFS copy where its fsck puts what it finds without a name.</summary>
    private const string LostFound = "lost+found";

    /// <summary>
    /// After a crash each copy is checked by fsck on its own, and fsck salvages what it finds without a name (a file
    /// removed while open, say) into that copy's lost+found alone: behind the mirror's back, each copy its own way. When
    /// the mount merges nothing else (a copy is behind), the lost+found directories the copies have are still merged
    /// both ways, as a mount merges every name (B.1), so that the copies agree on it (Finding 50: after a power cut and
    /// a restart, `mfsadm verify` found a file in one copy's lost+found and not in the others').
    /// </summary>
    public static void MergeLostFound(Kernel kernel, string dir, Vnode[] roots)
    {
        var found = new List<(int Copy, Vnode Dir)>();
        try
        {
            for (int i = 0; i < roots.Length; i++)
                if (Vop.Lookup(roots[i], LostFound, out var vp, LookupFlags.None, null, Cred.Kcred) == Errno.OK)
                {
                    if (vp!.Type == VType.VDIR)
                        found.Add((i, vp));
                    else
                        vp.Rele();
                }
            if (found.Count < 2)
                return;
            var merge = new MirrorMerge(found.Select(f => MfsOptions.CopyName(f.Copy)).ToArray(), null);
            merge.Report.Stats.Writing = MirrorSumFile.Rewriting(roots);
            var err = merge.TwoWay(found.Select(f => f.Dir).ToArray());
            var stats = merge.Report.Stats;
            if (err != Errno.OK || stats.Files + stats.Directories + stats.Symlinks + stats.Removed > 0)
                kernel.Log($"mfs {dir}: the copies' {LostFound} after the crash: {(err == Errno.OK ? merge.Report : $"{err.Message()} ({err})")}");
        }
        finally
        {
            foreach (var (_, d) in found)
                d.Rele();
        }
    }

    /// <summary>The mirror vnode of <paramref name="path"/> (from the mirror's top), held.</summary>
    private static Errno Find(MfsVfs mi, string path, out Vnode? vp)
    {
        vp = mi.Root.Vnode;
        vp.Hold();
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var err = Vop.Lookup(vp, part, out var next, LookupFlags.None, null, Cred.Kcred);
            vp.Rele();
            if (err != Errno.OK)
            {
                vp = null;
                return err;
            }
            vp = next!;
        }
        return Errno.OK;
    }
}
