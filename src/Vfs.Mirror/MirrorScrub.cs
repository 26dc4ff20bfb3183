// Vfs.Mirror: mfsadm scrub [--repair] [--rate MiB/s] -- every copy in use compared online, byte for byte, while
// applications keep working (beyond the patent; after ZFS's scrub and md's check/repair).
//
// PASS 1, online: the copies that serve reads are walked side by side (MirrorHistory.Diff with no "since", so every
// file's contents are hashed: equal size and mtime do not pass for equal data). No mirror lock is held, so a name
// an application is changing at that moment may show as a difference: each is only a candidate.
// RATE: with --rate, after every chunk read the scrub waits, on the host's clock (Kernel.Delay), until the bytes read
// so far (from every copy) could have been read at that rate -- virtual time under a simulator, never the wall clock.
// PASS 2, each candidate with the mirror quiesced (MfsVfs.Quiesce as writer): compared again; what still differs is
// reported, and with --repair settled from the right copy. Modification times alone are not compared: a file being
// written has each copy's own until its last close brings them together (docs/mirror.md, Known limits).
//   - first, with -o checksum, the checksums (MirrorChecksum.Check): a copy whose extent fails its checksum is wrong
//     there, even with two copies; --repair rewrites each such extent from a copy where it passes (an extent that
//     passes nowhere is refused). What still differs after that goes on to the rules below;
//   - the majority: with three or more copies, a version more than half of them hold;
//   - else the copies whose generation is the mirror's current one, where the others' is not;
//   - else no copy can be called right (two copies, both current, that disagree): the file is listed, refused, for
//     `mfsadm resolve PATH --take x|y` to settle.
// Every repair discards a copy's version: it is a line of the report, a kernel message and a count on
// mfs.splitbrain.discarded, as every such decision is.
namespace UnixVfs.Mirror;

/// <summary>One difference scrub found and what became of it.</summary>
public sealed record ScrubDifference(string Path, string What, string Outcome);

/// <summary>What a scrub did.</summary>
public sealed class ScrubReport
{
    public long BytesRead;
    public TimeSpan Elapsed;
    public int Repaired;
    public int Refused;
    public List<ScrubDifference> Differences { get; } = new();

    public override string ToString() =>
        $"{BytesRead} bytes compared in {Elapsed.TotalSeconds:F1} s: {Differences.Count} differences, {Repaired} repaired, {Refused} refused";
}

/// <summary>The argument of MFS_IOC_SCRUB.</summary>
public sealed class ScrubRequest
{
    /// <summary>Settle each difference from the right copy, where one can be told.</summary>
    public bool Repair;

    /// <summary>MiB per second of the host's clock to read at most (all copies together); 0 for no limit.</summary>
    public double RateMiB;

    /// <summary>Filled in by the mirror.</summary>
    public ScrubReport Report { get; } = new();

    /// <summary>A one-line reason when the request is refused.</summary>
    public string Error = "";
}

internal static class MirrorScrub
{
    public static Errno Run(MfsVfs mi, ScrubRequest req)
    {
        if (req.RateMiB < 0 || double.IsNaN(req.RateMiB))
        {
            req.Error = "--rate must be a positive number of MiB/s";
            return Errno.EINVAL;
        }
        var copies = mi.Copies.Where(c => c.ServesReads).ToArray();
        if (copies.Length < 2)
        {
            req.Error = "scrub compares copies in use, and fewer than two are";
            return Errno.EBUSY;
        }
        var k = mi.Vfs.Kernel;
        var report = req.Report;
        long t0 = k.Clock.GetTimestamp();
        double rate = req.RateMiB * 1048576;
        void Read(long n)
        {
            report.BytesRead += n;
            if (rate <= 0)
                return;
            var due = TimeSpan.FromSeconds(report.BytesRead / rate) - k.Clock.GetElapsedTime(t0);
            k.Delay(due);
        }

        var roots = copies.Select(c => c.Root).ToArray();
        var err = MirrorHistory.Diff(roots, new Timespec[roots.Length], out var candidates, read: Read);
        if (err != Errno.OK)
        {
            req.Error = $"reading the copies failed: {err} ({err.Message()})";
            return err;
        }
        foreach (var path in candidates.Where(d => !d.TimesOnly).Select(d => d.Path))
        {
            mi.Quiesce.Enter(RwLockType.Writer);
            try
            {
                if ((err = Confirm(mi, copies, path, req.Repair, report)) != Errno.OK)
                {
                    req.Error = $"{path}: {err} ({err.Message()})";
                    return err;
                }
            }
            finally
            {
                mi.Quiesce.Exit(RwLockType.Writer);
            }
        }
        report.Elapsed = k.Clock.GetElapsedTime(t0);
        mi.Announce(null, "scrub: " + report);
        return Errno.OK;
    }

    /// <summary>Compares one candidate again with the mirror quiesced; reports it and, asked to, repairs it.</summary>
    private static Errno Confirm(MfsVfs mi, MirrorMember[] copies, string path, bool repair, ScrubReport report)
    {
        var roots = copies.Select(c => c.Root).ToArray();
        var names = copies.Select(c => c.Name).ToArray();
        var err = MirrorHistory.Diff(roots, new Timespec[roots.Length], out var diffs, path);
        if (err != Errno.OK)
            return err;
        foreach (var d in diffs.Where(d => !d.TimesOnly))
        {
            bool healed = false;
            if (mi.Checksum is { } sums && sums.Check(copies, d.Path, repair, out int bad, out int fixedExtents, out int lost) && bad > 0)
            {
                healed = fixedExtents > 0;
                string outcome = !repair ? "the copies whose extents pass their checksums are right"
                    : lost > 0 ? $"refused: {lost} extents fail their checksums on every copy" : $"repaired {fixedExtents} extents from the copies where they pass";
                report.Differences.Add(new ScrubDifference(d.Path, $"{bad} extents fail their checksums", outcome));
                if (repair && lost > 0)
                    report.Refused++;
                else if (repair)
                    report.Repaired++;
            }
            var keys = new string[copies.Length];
            for (int i = 0; i < copies.Length; i++)
                if ((err = VersionKey(roots[i], d.Path, out keys[i])) != Errno.OK)
                    return err;
            if (healed && keys.Distinct().Count() == 1)
                continue;   // the checksums' repair made the copies alike
            int winner = Right(mi, copies, keys, out string why);
            if (!repair || winner < 0)
            {
                string refusal = winner < 0 ? $"no copy can be called right ({why}): mfsadm resolve {d.Path} --take "
                    + string.Join('|', names.Select(n => n.ToLowerInvariant())) : "";
                if (winner < 0 && repair)
                    report.Refused++;
                report.Differences.Add(new ScrubDifference(d.Path, d.What, repair ? "refused: " + refusal : winner < 0 ? refusal : $"{names[winner]} is right ({why})"));
                continue;
            }
            var losers = Enumerable.Range(0, copies.Length).Where(i => keys[i] != keys[winner]).ToArray();
            if ((err = MirrorHistory.Settle(roots, names, d, winner, losers, (i, vp) => mi.Mnodes.ForgetLower(copies[i].Index, vp), new CopyStats())) != Errno.OK)
                return err;
            report.Repaired++;
            report.Differences.Add(new ScrubDifference(d.Path, d.What, $"repaired from {names[winner]} ({why})"));
            foreach (int i in losers)
            {
                mi.Announce(null, $"scrub: {d.Path}: {d.What}; {names[i]}'s version is discarded, {names[winner]}'s taken ({why})");
                MirrorMetrics.Discarded(mi.Vfs.Kernel.Hostname, mi.Vfs.MntPt, names[i]);
            }
        }
        return Errno.OK;
    }

    /// <summary>The copy whose version is right, or -1 when none can be told; <paramref name="why"/> says by what rule.</summary>
    private static int Right(MfsVfs mi, MirrorMember[] copies, string[] keys, out string why)
    {
        foreach (var g in keys.GroupBy(k => k))
            if (g.Count() * 2 > keys.Length && copies.Length >= 3)
            {
                why = $"{g.Count()} of {keys.Length} copies agree";
                return Array.IndexOf(keys, g.Key);
            }
        var metas = mi.Generations.Metas;
        ulong current = metas[mi.PrimaryCopy().Index].Current;
        var currentKeys = Enumerable.Range(0, copies.Length).Where(i => metas[copies[i].Index].Current == current).Select(i => keys[i]).Distinct().ToArray();
        if (currentKeys.Length == 1 && currentKeys.Length < keys.Distinct().Count())
        {
            why = "its generation is the current one";
            return Array.IndexOf(keys, currentKeys[0]);
        }
        why = copies.Length >= 3 ? "no majority" : "two copies, both of the current generation";
        return -1;
    }

    /// <summary>What a copy holds at <paramref name="path"/>, as a string equal for equal versions.</summary>
    private static Errno VersionKey(Vnode root, string path, out string key)
    {
        key = "absent";
        var err = MirrorHistory.LookupPath(root, path, out var vp);
        if (err == Errno.ENOENT)
            return Errno.OK;
        if (err != Errno.OK)
            return err;
        try
        {
            var va = new Vattr(AttrMask.AT_ALL);
            if ((err = Vop.Getattr(vp!, va, AttrFlags.None, Cred.Kcred)) != Errno.OK)
                return err;
            key = $"{va.Type} {va.Mode} {va.Uid} {va.Gid} {va.Nlink} {va.Rdev}";
            if (va.Type == VType.VREG)
                key += $" {va.Size} {va.Mtime} {MirrorVerify.Hash(vp!, out err)}";
            else if (va.Type == VType.VLNK && MirrorDataCopy.ReadLink(vp!, out var target) == Errno.OK)
                key += " -> " + target;
            return err;
        }
        finally
        {
            vp!.Rele();
        }
    }
}
