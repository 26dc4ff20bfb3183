// Vfs.Mirror: a mount after a crash of the mirroring host (beyond the patent). When the copies' generations show
// that a copy is behind another (MirrorGenerations.Establish), the mount does not merge them by timestamps; the
// copy behind starts out unavailable, and its dirty log is rebuilt from the log file the copy ahead kept for it
// (MirrorIntentLog.cs): every logged name, range and attribute change, found again by its path through the
// mirror. `mfsadm online` then replays just that, removals included, so nothing deleted comes back. A copy
// behind whose log cannot be read is marked for a full one-way resync from the copy ahead instead.
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
            var err = MirrorIntentLog.Read(ahead.Root, mi.Generations.Metas[i].Copy, out var records);
            if (err != Errno.OK || records is null)
            {
                mi.IntentLog.Start(c);
                c.Log.MarkOverflowed();
                mi.IntentLog.Overflow(c);
                mi.Announce(c, $"behind {ahead.Name} with no readable log ({(err == Errno.OK ? "none" : err.ToString())}): it needs a full resync");
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
