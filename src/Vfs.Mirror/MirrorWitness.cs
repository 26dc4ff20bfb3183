// Vfs.Mirror: a witness for two copies (beyond the patent; after Gluster's arbiter and DRBD's quorum tiebreaker).
//
// WHY. Two copies cut apart cannot tell "the other copy is down" from "the other side goes on without me". In the
// patent's two-masters configurations (Figs. 7, 9) each host then goes on writing its own copy, and the copies split.
// With `-o witness=PATH` a third, small location -- a directory reached through the host's name space: a local tmpfs
// or UFS, or an NFS import of a third host -- decides. It holds no data, only who may go on.
//
// THE RULE. While both copies are in use nothing asks the witness: a witness that cannot be reached then costs nothing.
// When one copy becomes unreachable (a failure, a partition, offline), the mirror CLAIMS the witness for the copy it
// keeps ("I go on alone; the other copy is behind") BEFORE it acknowledges anything written to that copy alone:
//     the record says both in sync  -> the claim is taken: this side goes on taking writes;
//     it already names this copy    -> this side goes on (it held it before);
//     it names the other copy       -> the other side went on: this mirror turns READ-ONLY (writes EROFS, reads work);
//     it cannot be read or written  -> this side cannot prove it is the survivor: READ-ONLY as well.
// The update that found the copy gone is then not acknowledged (EROFS) although the copy kept may hold it.
// `mfsadm online --force PATH COPY` on the copy kept makes a read-only side go on anyway (the administrator says the
// other side is down, as DRBD's primary --force): the witness is claimed for it if it can be reached.
//
// REJOIN. When the copy comes back (`mfsadm online`, autoresync), the witness decides the direction (Rejoin):
//     this side went on (claimed, or forced)      -> the copy kept is the authority: the log is replayed onto the copy
//                                                    back; what that copy holds that differs is discarded (reported);
//     this side was read-only, the record names
//     the copy coming back                        -> refused (EBUSY) until the mirror that went on has brought this
//                                                    side's copy back: two resyncs of one pair must not cross;
//     this side was read-only, the record is sync -> the copy coming back is the authority (the side that went on has
//                                                    rejoined already, or nobody went on): the copy kept takes its
//                                                    versions, each discarded one reported.
// When every copy is in use again the record returns to "sync".
//
// FORMAT. The directory holds "mfs-witness", a text record replaced whole (written to a temporary name, fsynced,
// then renamed), and "claim-N" names:
//     mfs-witness 1
//     mirror   <uuid>           the mirror's identity (a witness of another mirror is refused unless -o force)
//     epoch    <n>              how many times the record has changed
//     state    sync|alone
//     holder   <copy uuid>      (alone) the copy that went on
//     current  <16 hex>         the generation of the copy that went on (alone), or of the copies (sync)
//     since    <sec>.<nsec>     when the state was taken
//     nonce    <16 hex>         the writer's random number: tells its own record from another's
//     host     <name>           the host whose mirror wrote it
// A change from epoch N is a compare-and-swap: the new record is written and fsynced under a temporary name, then
// hard-linked to "claim-N" -- link(2) is exclusive on every file system and over NFS, so of two hosts claiming from
// the same record exactly one wins (EEXIST for the other, which reads the winner's record) -- then renamed over
// "mfs-witness". A reader follows claim-N of the record it read, so a crash between the link and the rename leaves
// the claim taken. The last 16 claims are kept, older ones removed.
//
// CONCURRENT UPDATES. From the instant a copy is taken out of use (MfsVfs.MarkUnavailable, under its state lock: Begin)
// until the claim is decided, other updates already go to the copy kept alone; each waits for the decision before it is
// acknowledged (Settle), so none is acknowledged by a side the witness then refuses.
//
// LOCK ORDER: _lock is a leaf held across one claim (its VOPs go to the witness's file system, never to the mirror);
// Settle waits on it holding the waiting op's mirror locks, which a claim never takes. Its holder may wait for time (a
// witness imported over NFS), so it is taken by VirtualClock.EnterMonitor and waited on by VirtualClock.WaitMonitor.
using System.Globalization;
using System.Text;

namespace UnixVfs.Mirror;

/// <summary>One version of the witness's record.</summary>
public sealed record WitnessRecord(Guid Mirror, long Epoch, bool Alone, Guid Holder, ulong Current, Timespec Since, ulong Nonce, string Host = "")
{
    public const int Version = 1;

    public string Format()
    {
        var sb = new StringBuilder();
        sb.Append("mfs-witness ").Append(Version).Append('\n');
        sb.Append("mirror ").Append(Mirror).Append('\n');
        sb.Append("epoch ").Append(Epoch.ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append("state ").Append(Alone ? "alone" : "sync").Append('\n');
        if (Alone)
            sb.Append("holder ").Append(Holder).Append('\n');
        sb.Append("current ").Append(Current.ToString("x16")).Append('\n');
        sb.Append("since ").Append(MirrorMeta.FormatTime(Since)).Append('\n');
        sb.Append("nonce ").Append(Nonce.ToString("x16")).Append('\n');
        if (Host.Length > 0)
            sb.Append("host ").Append(Host).Append('\n');
        return sb.ToString();
    }

    /// <summary>Parses a record; null with a one-line reason when it is not a version-1 witness record.</summary>
    public static WitnessRecord? Parse(string text, out string reason)
    {
        if (MirrorMeta.Fields(text, "mfs-witness", Version, "a mirror witness record", out reason) is not { } kv)
            return null;
        try
        {
            bool alone = kv["state"] switch
            {
                "alone" => true,
                "sync" => false,
                var s => throw new FormatException($"state {s}"),
            };
            return new WitnessRecord(Guid.Parse(kv["mirror"]), long.Parse(kv["epoch"], CultureInfo.InvariantCulture), alone,
                alone ? Guid.Parse(kv["holder"]) : Guid.Empty, ulong.Parse(kv["current"], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                MirrorMeta.ParseTime(kv["since"]),
                ulong.Parse(kv["nonce"], NumberStyles.HexNumber, CultureInfo.InvariantCulture), kv.GetValueOrDefault("host", ""));
        }
        catch (Exception e) when (e is KeyNotFoundException or FormatException or OverflowException)
        {
            reason = $"malformed record: {e.Message}";
            return null;
        }
    }
}

/// <summary>The witness of a mirror of two copies (mount option witness=PATH).</summary>
internal sealed class MirrorWitness : IDisposable
{
    public const string FileName = "mfs-witness";
    private const int ClaimsKept = 16;
    private const int MaxFollow = 64;

    private readonly object _lock = new();
    private readonly Kernel _k;

    /// <summary>The directory given by witness=, as given.</summary>
    public string Path { get; }

    /// <summary>The witness directory (held from mount to unmount).</summary>
    private readonly Vnode _dir;

    private MirrorWitness(Kernel k, string path, Vnode dir)
    {
        _k = k;
        Path = path;
        _dir = dir;
    }

    /// <summary>
    /// Why this mirror is read-only for want of the witness's word ("" while it is not): the claim that failed.
    /// Set by Claim, cleared when the copies are back together or by Force.
    /// </summary>
    public string ReadOnlyReason { get; private set; } = "";

    /// <summary>True while the mirror is read-only because it could not claim the witness.</summary>
    public bool ReadOnly => ReadOnlyReason.Length > 0;

    private int _claiming; // claims begun and not yet decided; guarded by _lock for the wait

    /// <summary>A copy is being taken out of use (called under MfsVfs's state lock): updates wait for the claim (Settle).</summary>
    public void Begin() => Interlocked.Increment(ref _claiming);

    /// <summary>Returns once no claim is being decided: an update acknowledged after this was decided with the witness's word.</summary>
    public void Settle()
    {
        if (Volatile.Read(ref _claiming) == 0)
            return;
        using (VirtualClock.EnterMonitor(_lock))
            while (_claiming > 0)
                VirtualClock.WaitMonitor(_lock);
    }

    private void Decided()
    {
        Interlocked.Decrement(ref _claiming);
        Monitor.PulseAll(_lock);
    }

    /// <summary>
    /// Looks the witness directory up and reads its record. EINVAL with a one-line reason when the path is not a
    /// directory, or the record belongs to another mirror (unless <paramref name="force"/>) or cannot be parsed. A
    /// witness that cannot be read (an unreachable server) is not a reason to refuse the mount: it is needed only when a
    /// copy is lost, and status shows it. <paramref name="found"/> is the record read, or null.
    /// </summary>
    public static Errno Open(Process caller, string path, Vnode[] copies, Guid mirror, bool force, out MirrorWitness? w, out WitnessRecord? found,
        out string reason)
    {
        w = null;
        found = null;
        reason = "";
        var err = caller.Lookupname(path, true, out var dir);
        if (err != Errno.OK)
        {
            reason = $"witness={path}: {err.Message()}";
            return err;
        }
        if (dir!.Type != VType.VDIR)
        {
            dir.Rele();
            reason = $"witness={path}: not a directory";
            return Errno.ENOTDIR;
        }
        foreach (var root in copies)
            if (ReferenceEquals(root.Vfs, dir.Vfs) && Secpolicy.DirCheckPath(root, dir, Cred.Kcred) == Errno.EINVAL)
            {
                dir.Rele();
                reason = $"witness={path} is inside a copy of the mirror: a witness must be a third place, lost with neither copy";
                return Errno.EINVAL;
            }
        w = new MirrorWitness(caller.Kernel, path, dir);
        err = w.Read(out found, out var why);
        if (err == Errno.EINVAL && !force)
        {
            reason = $"witness={path}: {FileName}: {why}; nothing was mounted (-o force takes it over)";
        }
        else if (found is not null && found.Mirror != mirror && !force)
        {
            reason = $"witness={path} belongs to mirror {found.Mirror}, not to mirror {mirror} of these copies (-o force takes it over)";
            err = Errno.EINVAL;
        }
        else
            return Errno.OK;
        w.Dispose();
        w = null;
        return err;
    }

    /// <summary>
    /// The record as it stands: mfs-witness, then every claim taken from it. OK with null when there is none yet;
    /// EINVAL with <paramref name="why"/> when it cannot be parsed; another errno when it cannot be read.
    /// </summary>
    public Errno Read(out WitnessRecord? record, out string why)
    {
        record = null;
        why = "";
        var err = ReadFile(FileName, out var text);
        if (err == Errno.ENOENT)
            text = null;
        else if (err != Errno.OK)
            return err;
        if (text is not null && (record = WitnessRecord.Parse(text, out why)) is null)
            return Errno.EINVAL;
        for (int i = 0; i < MaxFollow; i++)
        {
            err = ReadFile(ClaimName(record?.Epoch ?? 0), out var claimed);
            if (err == Errno.ENOENT)
                return Errno.OK;
            if (err != Errno.OK)
                return err;
            if ((record = WitnessRecord.Parse(claimed!, out why)) is null)
                return Errno.EINVAL;
        }
        why = $"more than {MaxFollow} claims after the record";
        return Errno.EINVAL;
    }

    /// <summary>
    /// Copy <paramref name="gone"/> of <paramref name="mi"/> became unreachable: claims the witness for the other copy.
    /// True when this side may go on; false when it may not -- the mirror is then read-only, with the reason announced.
    /// </summary>
    public bool Claim(MfsVfs mi, MirrorMember gone)
    {
        var kept = mi.Copies.First(c => !ReferenceEquals(c, gone));
        var me = mi.Generations.Metas[kept.Index].Copy;
        string why;
        using (VirtualClock.EnterMonitor(_lock))
        {
            try
            {
                var err = Change(mi, r => r is { Alone: true } && r.Holder != me ? null : true, alone: true, me, kept, out var now);
                if (err == Errno.OK)
                {
                    ReadOnlyReason = "";
                    mi.Announce(kept, $"witness {Path}: claimed: {kept.Name} goes on alone, {gone.Name} is behind (epoch {now!.Epoch})");
                    return true;
                }
                why = err == Errno.EBUSY
                    ? $"the witness {Path} says copy {NameOf(mi, now!.Holder)} went on alone (since {now.Since}): the other side takes the writes"
                    : $"the witness {Path} cannot be reached ({err}): {kept.Name} cannot prove it is the survivor";
                ReadOnlyReason = why;
                mi.Vfs.Flag |= VfsFlags.VFS_RDONLY; // before the updates waiting in Settle look
            }
            finally
            {
                Decided();
            }
        }
        mi.Announce(kept, $"read-only: {why} (mfsadm online --force {mi.Vfs.MntPt} {kept.Name.ToLowerInvariant()} makes it go on anyway)");
        return false;
    }

    /// <summary>
    /// `mfsadm online --force` of the copy kept while the mirror is read-only: it goes on alone without the witness's
    /// word. The witness is claimed for it if it can be written at all (even over the other side's claim), and the
    /// mirror is writable again. The copy away then rejoins from this side.
    /// </summary>
    public Errno Force(MfsVfs mi, MirrorMember kept, List<string> lines)
    {
        var gone = mi.Copies.First(c => !ReferenceEquals(c, kept));
        var me = mi.Generations.Metas[kept.Index].Copy;
        Errno err;
        using (VirtualClock.EnterMonitor(_lock))
        {
            err = Change(mi, _ => true, alone: true, me, kept, out _);
            ReadOnlyReason = "";
        }
        string line = $"forced: {kept.Name} goes on alone without the witness's word; "
            + (err == Errno.OK ? $"the witness {Path} now names it" : $"the witness {Path} could not be written ({err})")
            + $"; if {gone.Name}'s side went on too, its updates since are discarded when {gone.Name} rejoins (reported)";
        lines.Add(line);
        mi.Announce(kept, line);
        mi.Generations.Left(mi, gone);
        mi.Vfs.Flag &= ~VfsFlags.VFS_RDONLY;
        return Errno.OK;
    }

    /// <summary>
    /// Decides the direction of copy <paramref name="back"/>'s rejoin (file comment, REJOIN): OK with the index of the
    /// copy whose versions win, or EBUSY with <paramref name="error"/> when this side must wait (or force).
    /// </summary>
    public Errno Rejoin(MfsVfs mi, MirrorMember back, bool force, out int authority, out string error)
    {
        var kept = mi.Copies.First(c => !ReferenceEquals(c, back));
        authority = kept.Index;
        error = "";
        if (!ReadOnly)
            return Errno.OK; // this side went on alone (claimed or forced)
        authority = back.Index;
        if (force)
            return Errno.OK;
        var err = Read(out var r, out var why);
        if (err != Errno.OK)
        {
            error = $"copy {back.Name}: the witness {Path} cannot be read ({err}{(why.Length > 0 ? ": " + why : "")}): which side went on "
                + $"is unknown; this mirror stays read-only (mfsadm online --force brings {back.Name} back taking its versions)";
            return Errno.EBUSY;
        }
        if (r is { Alone: true } && r.Holder == mi.Generations.Metas[back.Index].Copy)
        {
            error = $"copy {back.Name}: the witness {Path} says its side went on alone (since {r.Since}): the mirror that went on "
                + $"must bring {kept.Name} back first; this mirror stays read-only until then";
            return Errno.EBUSY;
        }
        if (r is { Alone: true } && r.Holder == mi.Generations.Metas[kept.Index].Copy)
            authority = kept.Index;
        return Errno.OK;
    }

    /// <summary>Every copy is in use again: the record returns to sync, and the mirror is no longer read-only for the witness.</summary>
    public void Synced(MfsVfs mi)
    {
        Errno err;
        using (VirtualClock.EnterMonitor(_lock))
        {
            ReadOnlyReason = "";
            err = Change(mi, _ => true, alone: false, Guid.Empty, mi.Copies[0], out _);
        }
        if (err != Errno.OK)
            mi.Announce(null, $"witness {Path}: could not record that the copies are in sync ({err}); it still names the copy that went on alone");
    }

    /// <summary>The witness's state for mfsadm status: the record as read now, or why it cannot be read.</summary>
    public string Describe(MfsVfs mi)
    {
        var err = Read(out var r, out var why);
        string state = err != Errno.OK ? $"unreachable ({err}{(why.Length > 0 ? ": " + why : "")})"
            : r is null ? "empty"
            : r.Alone ? $"{NameOf(mi, r.Holder)} went on alone since {r.Since} (epoch {r.Epoch})"
            : $"sync (epoch {r.Epoch})";
        return ReadOnly ? $"{state}; this mirror is read-only: {ReadOnlyReason}" : state;
    }

    /// <summary>The letter of the copy with identity <paramref name="id"/>, or the id when it is not one of this mirror's.</summary>
    private static string NameOf(MfsVfs mi, Guid id)
    {
        var metas = mi.Generations.Metas;
        for (int i = 0; i < metas.Count; i++)
            if (metas[i].Copy == id)
                return mi.Copies[i].Name;
        return id.ToString();
    }

    /// <summary>
    /// Moves the record on from what it is now, when <paramref name="allowed"/> says so (null: refused, EBUSY with the
    /// record in <paramref name="now"/>). Retries when another writer's claim wins the race, and judges again.
    /// </summary>
    private Errno Change(MfsVfs mi, Func<WitnessRecord?, bool?> allowed, bool alone, Guid holder, MirrorMember gen, out WitnessRecord? now)
    {
        now = null;
        for (int attempt = 0; attempt < 4; attempt++)
        {
            var err = Read(out var r, out _);
            if (err == Errno.EINVAL)
                r = null; // a record that cannot be parsed (taken over with -o force) is replaced
            else if (err != Errno.OK)
                return err;
            now = r;
            if (allowed(r) is null)
                return Errno.EBUSY;
            var next = new WitnessRecord(mi.Generations.Mirror, (r?.Epoch ?? 0) + 1, alone, holder,
                mi.Generations.Metas[gen.Index].Current, _k.Newest(), (ulong)_k.Random64(), _k.Hostname);
            if ((err = Swap(r?.Epoch ?? 0, next, out var winner)) != Errno.OK)
                return err;
            now = winner;
            if (winner.Nonce == next.Nonce)
                return Errno.OK;
        }
        return Errno.EBUSY;
    }

    /// <summary>
    /// The compare-and-swap (file comment, FORMAT): <paramref name="next"/> replaces the record of epoch
    /// <paramref name="from"/> unless another writer's claim was first; <paramref name="winner"/> is the record that won.
    /// </summary>
    private Errno Swap(long from, WitnessRecord next, out WitnessRecord winner)
    {
        winner = next;
        var cr = Cred.Kcred;
        string tmp = $"{FileName}.tmp-{next.Nonce:x16}";
        var va = new Vattr(AttrMask.AT_TYPE | AttrMask.AT_MODE | AttrMask.AT_SIZE) { Type = VType.VREG, Mode = 0x1A4, Size = 0 };
        var err = Vop.Create(_dir, tmp, va, VcExcl.NONEXCL, AccessMode.VWRITE, out var vp, cr, FileFlags.None);
        if (err != Errno.OK)
            return err;
        try
        {
            var uio = new Uio(Encoding.UTF8.GetBytes(next.Format()), 0, UioRw.UIO_WRITE);
            if ((err = Vop.Write(vp!, uio, FileFlags.None, cr)) != Errno.OK)
                return err;
            if (uio.Resid != 0)
                return Errno.EIO;
            if ((err = Vop.Fsync(vp!, FileFlags.FSYNC, cr)) != Errno.OK)
                return err;
            err = Vop.Link(_dir, vp!, ClaimName(from), cr);
            if (err == Errno.EEXIST)
            {
                // Another writer claimed this epoch first -- or this is our own link, retransmitted over NFS.
                Vop.Remove(_dir, tmp, cr);
                if ((err = ReadFile(ClaimName(from), out var text)) != Errno.OK)
                    return err;
                winner = WitnessRecord.Parse(text!, out _) ?? next with { Nonce = 0 };
                return Errno.OK;
            }
            if (err != Errno.OK)
                return err;
        }
        finally
        {
            vp!.Rele();
        }
        if ((err = Vop.Rename(_dir, tmp, _dir, FileName, cr)) != Errno.OK)
            return err;
        err = Vop.Fsync(_dir, FileFlags.FSYNC, cr);
        if (from >= ClaimsKept)
            Vop.Remove(_dir, ClaimName(from - ClaimsKept), cr); // an old claim; gone already is fine
        return err;
    }

    private static string ClaimName(long epoch) => "claim-" + epoch.ToString(CultureInfo.InvariantCulture);

    /// <summary>The text of file <paramref name="name"/> in the witness directory (a record is far below 4 KiB).</summary>
    private Errno ReadFile(string name, out string? text)
    {
        text = null;
        var err = Vop.Lookup(_dir, name, out var vp, LookupFlags.None, null, Cred.Kcred);
        if (err != Errno.OK)
            return err;
        try
        {
            var buf = new byte[4096];
            var uio = new Uio(buf, 0, UioRw.UIO_READ);
            if ((err = Vop.Read(vp!, uio, FileFlags.None, Cred.Kcred)) != Errno.OK)
                return err;
            text = Encoding.UTF8.GetString(buf, 0, (int)(buf.Length - uio.Resid));
            return Errno.OK;
        }
        finally
        {
            vp!.Rele();
        }
    }

    public void Dispose() => _dir.Rele();
}
