// Vfs.Mirror: split brain -- copies updated independently -- detected, decided by policy, reported (beyond the patent).
//
// WHEN. At mount, for copies whose records share a history (MirrorMeta.Synced), instead of the patent's timestamp
// merge; and at `mfsadm online` of a copy that was changed behind the mirror's back while it was away. The facts come
// from MirrorHistory: every name the copies hold differently, and which copies changed it since they last agreed.
//
// DECISION, name by name:
//   changed by one copy      that copy's version goes to the others: its update, nothing is lost;
//   changed by none          the copies differed before they last agreed: the newest wins (the patent's rule), reported;
//   only the times differ    the newest time is taken (the bytes are the same; nothing is lost);
//   changed by several       SPLIT BRAIN. The policy (mount option splitbrain=, after DRBD's after-sb-* and Gluster's
//                            favorite-child-policy) decides:
//       refuse (default)     nothing is changed; the mirror is mounted read-only on X with the other copies out of use
//                            (or the copy stays away, at online), and the names are listed. `mfsadm resolve PATH --take
//                            x|y|newest` settles one name; when none is left, the copies are brought together and rejoin;
//       newest               the version with the newest mtime (a removal at its directory's mtime), file by file;
//       prefer               the copy named by prefer=x|y (the newest of the others where it did not change the name);
//       fewest-changes       the copy that changed the most names wins; the one with fewer changes is discarded
//                            where the two collide (names only it changed still reach the others).
//   After a crash with every copy in use (same generation, none clean), a name changed by several copies that differs is
//   an update the crash tore, not a split brain: the newest wins, reported. So too between the copies that were in use
//   when a copy was away at the crash (MirrorGenerations.CrashedInUse).
// NEVER SILENT. Every decision that discards a copy's version is a line in the mount's merge report (the shell prints
// it) or the request's reply, a line in the kernel's message buffer, and a count on mfs.splitbrain.discarded.
//
// LOCK ORDER: at online and resolve the whole decision runs with the mirror quiesced (MfsVfs.Quiesce as writer), so
// no update can reach a copy between the comparison and the copying; nothing here takes another mirror lock.
namespace UnixVfs.Mirror;

/// <summary>What a mirror does with a name both copies changed while apart (mount option splitbrain=).</summary>
public enum SplitBrainPolicy
{
    Refuse,
    Newest,
    Prefer,
    FewestChanges,
}

/// <summary>A split brain waiting for `mfsadm resolve` (MfsVfs.SplitBrain).</summary>
internal sealed class MirrorSplitBrain
{
    /// <summary>When the compared copies last agreed: by position in Copies, a time on that copy's clock (CopyClock.cs).</summary>
    public required Timespec[] Since { get; init; }

    /// <summary>The copies compared (indices of MfsVfs.Copies), X first.</summary>
    public required int[] Copies { get; init; }

    /// <summary>The names changed by several copies, not settled yet. Guarded by the mirror's quiesce lock.</summary>
    public required List<string> Pending { get; init; }

    /// <summary>The policy's name as the reports show it.</summary>
    public static string PolicyName(MfsOptions o) => o.SplitBrain switch
    {
        SplitBrainPolicy.Prefer => "prefer=" + MfsOptions.CopyName(o.PreferCopy).ToLowerInvariant(),
        SplitBrainPolicy.FewestChanges => "splitbrain=fewest-changes",
        var p => "splitbrain=" + p.ToString().ToLowerInvariant(),
    };

    /// <summary>
    /// Compares the copies under <paramref name="roots"/> (named <paramref name="names"/>, mirror copy indices
    /// <paramref name="copies"/>) since <paramref name="since"/> (by root, on each copy's clock) and brings them
    /// together by <paramref name="o"/>'s policy.
    /// With splitbrain=refuse and a name changed by several copies, changes nothing and returns those names in
    /// <paramref name="pending"/>. Every line of <paramref name="report"/> also goes to <paramref name="say"/>. With an
    /// <paramref name="authority"/> (an index of <paramref name="roots"/>: the copy a witness says went on alone), that
    /// copy's version of every name that differs is taken, and every other version discarded is reported.
    /// </summary>
    public static Errno Run(Vnode[] roots, string[] names, int[] copies, Timespec[] since, MfsOptions o, bool crashed,
        Action<string, int?> say, Action<int, Vnode>? replaced, MergeReport report, out List<string> pending, int authority = -1,
        MirrorChanged? logged = null)
    {
        pending = new List<string>();
        var linked = new List<string>();
        var err = MirrorHistory.Diff(roots, since, out var diffs, linked: linked);
        if (err != Errno.OK)
            return err;
        report.Scanned += diffs.Count;
        var conflicts = diffs.Where(d => authority < 0 && IsConflict(d, crashed)).ToList();
        if (o.SplitBrain == SplitBrainPolicy.Refuse && conflicts.Count > 0)
        {
            foreach (var d in conflicts)
            {
                pending.Add(d.Path);
                string line = $"{d.Path}: changed in {Both(d, names)} while apart ({d.What}): split brain, not settled "
                    + $"(mfsadm resolve {d.Path} --take {string.Join('|', Changers(d).Select(i => names[i].ToLowerInvariant()))}|newest)";
                report.Conflicts.Add(line);
                say(line, null);
            }
            return Errno.OK;
        }
        var changes = new int[roots.Length];
        foreach (var d in diffs)
            for (int i = 0; i < roots.Length; i++)
                if (d.ChangedBy(i))
                    changes[i]++;
        int prefer = Array.IndexOf(copies, o.PreferCopy);
        // a file with other links that the copies hold at a path that differs, or alike elsewhere, is linked to there, never copied (Finding 21)
        var twins = MirrorHistory.Twins(roots, diffs, linked);
        try
        {
            foreach (var d in diffs)
            {
                int all = (1 << roots.Length) - 1;
                int w = d.Newest(all);
                string why = "";
                if (d.TimesOnly)
                {
                    // the bytes agree: the newest time is taken, nothing is lost
                }
                else if (authority >= 0)
                {
                    w = authority;
                    why = $"the witness says {names[w]}'s side went on alone; the other side could not acknowledge updates";
                }
                else if (d.Changers == 1)
                    w = Changers(d).Single();
                else if (d.DirectoryAttrs && d.Changers > 1)
                {
                    // A directory's ctime moves with its entries and its name too, so both sides "changed" it whenever
                    // both made or renamed anything there: not a split brain. The attributes the mirror itself set
                    // while the other copy was away are kept; else the newest.
                    w = logged is { } l && d.ChangedBy(l.Side) && l.Holds(roots[l.Side], d.Path) ? l.Side : d.Newest(d.ChangedMask);
                    why = $"a directory's own attributes differ, and its times cannot tell who changed them; {names[w]}'s are kept";
                }
                else if (d.Changers == 0)
                    why = "differed before the copies last agreed; the newest is kept (the patent's rule)";
                else if (crashed)
                {
                    w = d.Newest(d.ChangedMask);
                    why = "torn by a crash with every copy in use; the newest is kept";
                }
                else
                {
                    w = Decide(d, o.SplitBrain, prefer, changes);
                    why = $"changed in {Both(d, names)} while apart; {PolicyName(o)} keeps {names[w]}'s";
                }
                if ((err = MirrorHistory.Settle(roots, names, d, w, Enumerable.Range(0, roots.Length), replaced, report.Stats, twins)) != Errno.OK)
                    return err;
                for (int i = 0; i < roots.Length; i++)
                    if (i != w && (d.MaybeRemovedMask & (1 << i)) != 0 && d.Present[w])
                    {
                        string line = $"{d.Path}: {names[w]}'s version is kept (made or changed while apart); {names[i]} lacks it in a "
                            + "directory it changed too: if it removed it, that removal is undone";
                        report.Conflicts.Add(line);
                        say(line, copies[i]);
                    }
                if (why.Length == 0)
                    continue;
                for (int i = 0; i < roots.Length; i++)
                    if (i != w && (d.Changers == 0 || d.ChangedBy(i)))
                    {
                        string line = $"{d.Path}: {why}; {names[i]}'s {(d.Present[i] ? "version" : "removal")} is discarded ({d.What})";
                        report.Conflicts.Add(line);
                        say(line, copies[i]);
                    }
            }
            return Errno.OK;
        }
        finally
        {
            foreach (var t in twins)
                t.Dispose();
        }
    }

    private static bool IsConflict(HistoryDiff d, bool crashed) => d.Changers > 1 && !d.TimesOnly && !d.DirectoryAttrs && !crashed;

    /// <summary>
    /// What the mirror changed through copy <paramref name="Side"/> (an index of the compared copies) while others were
    /// away: that copy's files whose mnodes the away copies' logs hold attribute entries for (chmod, chown, utimes,
    /// renames). By file, not by path: the mnode's path may be stale (the other master of Fig. 10 renamed it).
    /// </summary>
    public sealed record MirrorChanged(IReadOnlySet<Vnode> Files, int Side)
    {
        /// <summary>True when the file at <paramref name="path"/> under <paramref name="root"/> is one of <see cref="Files"/>.</summary>
        public bool Holds(Vnode root, string path)
        {
            if (MirrorHistory.LookupPath(root, path, out var vp) != Errno.OK)
                return false;
            bool held = Files.Contains(vp!);
            vp!.Rele();
            return held;
        }
    }

    private static IEnumerable<int> Changers(HistoryDiff d) => Enumerable.Range(0, d.Present.Length).Where(d.ChangedBy);

    private static string Both(HistoryDiff d, string[] names) => string.Join(" and in ", Changers(d).Select(i => names[i]));

    /// <summary>The winner of a name changed by several copies, by policy (not refuse).</summary>
    private static int Decide(HistoryDiff d, SplitBrainPolicy policy, int prefer, int[] changes)
    {
        switch (policy)
        {
            case SplitBrainPolicy.Prefer when prefer >= 0 && d.ChangedBy(prefer):
                return prefer;
            case SplitBrainPolicy.FewestChanges:
                int w = -1;
                foreach (int i in Changers(d))
                    if (w < 0 || changes[i] > changes[w])
                        w = i;
                return w;
            default:
                return d.Newest(d.ChangedMask);
        }
    }

    /// <summary>
    /// `mfsadm online` of copy <paramref name="c"/>: when it was changed behind the mirror's back while away, or a split
    /// brain is waiting, the copies are compared and brought together here instead of by replaying the log.
    /// <paramref name="handled"/> false: nothing of the kind, replay the log as usual.
    /// </summary>
    public static Errno Online(MfsVfs mi, MirrorMember c, MfsCopyRequest req, out bool handled)
    {
        handled = true;
        int authority = -1;
        if (mi.Witness is { } witness && mi.SplitBrain is null)
        {
            var werr = witness.Rejoin(mi, c, req.Force, out authority, out req.Error);
            if (werr != Errno.OK)
                return werr;
        }
        bool taken = authority == c.Index; // this side was refused by the witness: the copy back has the versions to keep
        if (mi.SplitBrain is null && !taken)
        {
            // the mirror's own writes the copy's file system held when it left are sent now, and are no change
            var late = c.Unflushed.FlushLate(c);
            var err = MirrorHistory.ChangedSince(c.Root, c.Clock.Leaving(c.Since), out bool changed, late);
            if (err != Errno.OK)
            {
                req.Error = $"copy {c.Name}: cannot look for changes made while it was away: {err}";
                return err;
            }
            if (!changed)
            {
                handled = false;
                return Errno.OK;
            }
        }
        mi.Quiesce.Enter(RwLockType.Writer);
        try
        {
            var copies = mi.SplitBrain?.Copies ?? mi.Copies.Where(x => x.TakesUpdates || ReferenceEquals(x, c)).Select(x => x.Index).ToArray();
            // the time c left, on each copy's own clock: for c, no later than a time it stamped before it left; for the
            // others, just before it, so that what they stamped in that very instant, after c left, counts as changed
            var since = mi.SplitBrain?.Since
                ?? Array.ConvertAll(copies, i => i == c.Index ? c.Clock.Leaving(c.Since) : mi.Copies[i].Clock.Before(c.Since));
            return Reconcile(mi, since, copies, req.Lines, out req.Error, Array.IndexOf(copies, authority));
        }
        finally
        {
            mi.Quiesce.Exit(RwLockType.Writer);
        }
    }

    /// <summary>
    /// Brings copies <paramref name="copies"/> together since <paramref name="since"/> (with the mirror quiesced): either
    /// every one of them is in use again, or a split brain is left waiting (EBUSY with the names).
    /// </summary>
    private static Errno Reconcile(MfsVfs mi, Timespec[] since, int[] copies, List<string> lines, out string error, int authority = -1)
    {
        error = "";
        var roots = copies.Select(i => mi.Copies[i].Root).ToArray();
        var names = copies.Select(i => mi.Copies[i].Name).ToArray();
        var report = new MergeReport();
        var away = copies.Select(i => mi.Copies[i]).Where(x => !x.TakesUpdates).ToArray();
        int side = Array.FindIndex(copies, i => mi.Copies[i].TakesUpdates);
        var logged = side < 0 ? null : new MirrorChanged(away.SelectMany(x => x.Log.Logged(DirtyKind.Attr))
            .Select(m => Volatile.Read(ref m.Copies[copies[side]])).OfType<Vnode>().ToHashSet<Vnode>(ReferenceEqualityComparer.Instance), side);
        var err = Run(roots, names, copies, since, mi.Options, crashed: false, (line, discarded) => Say(mi, line, discarded),
            (k, vp) => mi.Mnodes.ForgetLower(copies[k], vp), report, out var pending, authority, logged);
        lines.AddRange(report.Conflicts);
        if (err != Errno.OK)
        {
            error = $"comparing the copies failed: {err} ({err.Message()})";
            return err;
        }
        if (pending.Count > 0)
        {
            mi.SplitBrain = new MirrorSplitBrain { Since = since, Copies = copies, Pending = pending };
            foreach (var x in away)
                x.Reason = SplitReason(pending.Count);
            error = $"split brain: {pending.Count} names changed in more than one copy: {string.Join(", ", pending.Take(10))}"
                + $"{(pending.Count > 10 ? ", ..." : "")}; settle each with mfsadm resolve PATH --take x|y|newest";
            return Errno.EBUSY;
        }
        mi.SplitBrain = null;
        foreach (var x in away)
        {
            x.Log.Clear();
            mi.MarkAvailable(x);
        }
        mi.Vfs.Flag &= ~VfsFlags.VFS_RDONLY;
        mi.Announce(null, $"copies {string.Join(", ", names)} brought together: {report.Stats.Files} files, {report.Stats.Directories} directories copied, "
            + $"{report.Stats.Removed} removed, {report.Conflicts.Count} versions discarded");
        return Errno.OK;
    }

    /// <summary>The reason a copy kept out of use by a split brain shows.</summary>
    public static string SplitReason(int names) =>
        $"split brain: {names} names changed in more than one copy (mfsadm resolve PATH --take x|y|newest)";

    /// <summary>
    /// `mfsadm resolve PATH --take COPY|newest`: the copies in use (or in the waiting split brain) take one copy's
    /// version of PATH -- the newest one's with "newest" -- and every other version is reported as discarded. When the
    /// last name of a waiting split brain is settled, the copies are brought together and rejoin.
    /// </summary>
    public static Errno Resolve(MfsVfs mi, MfsResolveRequest req)
    {
        int take = -1;
        if (req.Take != "newest")
        {
            var tc = req.Take.Length == 1 && MfsOptions.CopyIndex(char.ToLowerInvariant(req.Take[0])) is int t && t < mi.Copies.Count ? t : -1;
            if (tc < 0)
            {
                req.Error = $"--take {req.Take}: expected {string.Join(", ", mi.Copies.Select(x => x.Name.ToLowerInvariant()))} or newest";
                return Errno.EINVAL;
            }
            take = tc;
        }
        string path = "/" + string.Join('/', req.Path.Split('/', StringSplitOptions.RemoveEmptyEntries));
        if (path == "/")
        {
            req.Error = "resolve settles one name below the mirror's top, not the top itself";
            return Errno.EINVAL;
        }
        mi.Quiesce.Enter(RwLockType.Writer);
        try
        {
            var sb = mi.SplitBrain;
            var copies = sb?.Copies ?? mi.Copies.Where(x => x.TakesUpdates).Select(x => x.Index).ToArray();
            int w = Array.IndexOf(copies, take);
            if (take >= 0 && w < 0)
            {
                req.Error = $"copy {mi.Copies[take].Name} is not in use: its version is not one to take";
                return Errno.EINVAL;
            }
            var roots = copies.Select(i => mi.Copies[i].Root).ToArray();
            var names = copies.Select(i => mi.Copies[i].Name).ToArray();
            var err = MirrorHistory.Diff(roots, sb?.Since ?? new Timespec[roots.Length], out var diffs, path);
            if (err != Errno.OK)
            {
                req.Error = $"{path}: cannot compare the copies: {err} ({err.Message()})";
                return err;
            }
            if (diffs.Count == 0)
                req.Lines.Add($"{path}: the copies agree; nothing to resolve");
            var stats = new CopyStats();
            int all = (1 << roots.Length) - 1;
            foreach (var d in diffs)
            {
                int winner = w >= 0 ? w : d.Newest(all);
                if ((err = MirrorHistory.Settle(roots, names, d, winner, Enumerable.Range(0, roots.Length),
                    (k, vp) => mi.Mnodes.ForgetLower(copies[k], vp), stats)) != Errno.OK)
                {
                    req.Error = $"{d.Path}: settling it failed: {err} ({err.Message()})";
                    return err;
                }
                for (int i = 0; i < roots.Length; i++)
                    if (i != winner && !d.TimesOnly)
                    {
                        string line = $"{d.Path}: resolved by taking {names[winner]}'s {(d.Present[winner] ? "version" : "removal")} ({req.Take}); "
                            + $"{names[i]}'s {(d.Present[i] ? "version" : "absence")} is discarded ({d.What})";
                        req.Lines.Add(line);
                        Say(mi, line, copies[i]);
                    }
            }
            if (sb is null)
                return Errno.OK;
            sb.Pending.RemoveAll(p => p == path || p.StartsWith(path + "/", StringComparison.Ordinal));
            if (sb.Pending.Count > 0)
            {
                foreach (var i in copies.Where(i => !mi.Copies[i].TakesUpdates))
                    mi.Copies[i].Reason = SplitReason(sb.Pending.Count);
                req.Lines.Add($"{sb.Pending.Count} names still in split brain");
                return Errno.OK;
            }
            err = Reconcile(mi, sb.Since, copies, req.Lines, out var error);
            req.Error = error;
            return err;
        }
        finally
        {
            mi.Quiesce.Exit(RwLockType.Writer);
        }
    }

    /// <summary>A decision's line: the mirror's event list and the kernel's message buffer, and the discard counter.</summary>
    private static void Say(MfsVfs mi, string line, int? discarded)
    {
        mi.Announce(null, "split brain: " + line);
        if (discarded is int copy)
            MirrorMetrics.Discarded(mi.Vfs.Kernel.Hostname, mi.Vfs.MntPt, MfsOptions.CopyName(copy));
    }
}
