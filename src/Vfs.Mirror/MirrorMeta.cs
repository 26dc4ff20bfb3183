// Vfs.Mirror: the mirror's metadata on every copy (beyond the patent) -- who the copy belongs to, and which
// generation of the data it holds, kept in the copy itself so that it survives the mirroring host.
//
// WHERE. A directory ".mfs" at the top of each copy holds one file, "meta". The mirror hides the name:
// a lookup of /.mfs through the mirror finds nothing, readdir leaves it out, nothing can be made under that
// name, and the merge, the resync and verify skip it (MirrorDataCopy.ReadDir with top: true).
//
// FORMAT (text, one "key value" a line; version 1):
//     mfs-meta 1
//     mirror   <uuid>            the mirror's identity, the same on every copy
//     copy     <uuid>            this copy's identity
//     members  <uuid>,<uuid>     every copy's identity, in copy order (X first)
//     current  <16 hex>          the generation of the data this copy holds
//     bitmap   <16 hex>          the generation at which a copy left while this one went on (0: none)
//     history  <16 hex>,<16 hex> the two generations before current, newest first
//     state    clean|dirty       dirty from mount to a clean unmount
//     synced   <sec>.<nsec>      the last time every copy was known identical (optional: older records lack it)
//     left     <sec>.<nsec>      when the copy named by bitmap's generation left (optional; only with a bitmap)
//     holders  <host>=<uuid>,... the hosts whose mirror has this copy mounted, each with the copy it takes for its
//                                truth (its first); a host leaves the list at a clean unmount (optional; older
//                                records lack it; a host name is written %-escaped, as in a URI)
// An unknown version, or a file that does not parse, is reported and the mount refused (unless -o force).
//
// HOLDERS. Several hosts may mirror the same copies (Fig. 7: each master mirrors its own disk with the other's), and
// each writes the records. The holders line is how one host's mount learns that another's mirror is, or was when it
// went down, writing the copies, and which copy that mirror takes for its truth (MirrorGenerations.Follow).
//
// GENERATIONS (after DRBD's UUIDs). All copies of a mirror in sync share one current generation. When a
// copy leaves (MarkUnavailable), every copy that goes on moves current to history, sets bitmap to the old
// current (the point from which the copy away misses updates), and takes a new current; the copy away keeps
// the old one. When a resync completes (MarkAvailable) the copies share the survivors' current again and
// bitmap returns to 0. So a copy's current says how far its data goes, and two copies whose currents differ
// and neither of which is in the other's bitmap/history have changed apart.
//
// CRASH SAFETY. "meta" is replaced whole: written to "meta.tmp", fsynced, renamed over "meta", and the
// directory fsynced. A crash leaves the old record or the new one, never a mix; a stray meta.tmp is ignored.
//
// IDENTIFIERS come from the kernel's seeded Random (Kernel.Random64), so a run from the same seed makes the
// same identifiers every time; nothing uses Guid.NewGuid.
using System.Globalization;
using System.Text;

namespace UnixVfs.Mirror;

/// <summary>The metadata record of one copy (the parsed ".mfs/meta").</summary>
public sealed record MirrorMeta
{
    public const string DirName = ".mfs";
    public const string FileName = "meta";
    private const string TempName = "meta.tmp";
    public const int Version = 1;

    public Guid Mirror { get; init; }
    public Guid Copy { get; init; }
    public IReadOnlyList<Guid> Members { get; init; } = [];
    public ulong Current { get; init; }
    public ulong Bitmap { get; init; }
    public IReadOnlyList<ulong> History { get; init; } = [];
    public bool Clean { get; init; }
    /// <summary>The last time the mirror knew every copy to be identical (MirrorHistory.cs), or null.</summary>
    public Timespec? Synced { get; init; }
    /// <summary>While bitmap is set: when the first copy away left, the last time this copy and it agreed; or null.</summary>
    public Timespec? Left { get; init; }
    /// <summary>The hosts whose mirror has this copy mounted, in the order they mounted it.</summary>
    public IReadOnlyList<MirrorHolder> Holders { get; init; } = [];

    /// <summary>This record with <paramref name="host"/>'s entry replaced by <paramref name="holder"/>, or removed (null).</summary>
    public MirrorMeta WithHolder(string host, MirrorHolder? holder) =>
        this with { Holders = [.. Holders.Where(h => h.Host != host), .. holder is { } me ? [me] : Array.Empty<MirrorHolder>()] };

    /// <summary>This record after a new generation: current goes to history, <paramref name="bitmap"/> is set.</summary>
    public MirrorMeta NextGeneration(ulong current, ulong bitmap) =>
        this with { Current = current, Bitmap = bitmap, History = [Current, .. History.Take(1)] };

    public string Format()
    {
        var sb = new StringBuilder();
        sb.Append("mfs-meta ").Append(Version).Append('\n');
        sb.Append("mirror ").Append(Mirror).Append('\n');
        sb.Append("copy ").Append(Copy).Append('\n');
        sb.Append("members ").Append(string.Join(',', Members)).Append('\n');
        sb.Append("current ").Append(Current.ToString("x16")).Append('\n');
        sb.Append("bitmap ").Append(Bitmap.ToString("x16")).Append('\n');
        sb.Append("history ").Append(string.Join(',', History.Select(h => h.ToString("x16")))).Append('\n');
        sb.Append("state ").Append(Clean ? "clean" : "dirty").Append('\n');
        if (Synced is { } t)
            sb.Append("synced ").Append(FormatTime(t)).Append('\n');
        if (Left is { } l)
            sb.Append("left ").Append(FormatTime(l)).Append('\n');
        if (Holders.Count > 0)
            sb.Append("holders ").Append(string.Join(',', Holders.Select(h => Uri.EscapeDataString(h.Host) + "=" + h.Truth))).Append('\n');
        return sb.ToString();
    }

    /// <summary>Parses a record. Returns null with a one-line reason when it is not a version-1 record.</summary>
    public static MirrorMeta? Parse(string text, out string reason)
    {
        if (Fields(text, "mfs-meta", Version, "a mirror metadata record", out reason) is not { } kv)
            return null;
        try
        {
            return new MirrorMeta
            {
                Mirror = Guid.Parse(kv["mirror"]),
                Copy = Guid.Parse(kv["copy"]),
                Members = kv["members"].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Guid.Parse).ToArray(),
                Current = ulong.Parse(kv["current"], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                Bitmap = ulong.Parse(kv["bitmap"], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                History = kv["history"].Split(',', StringSplitOptions.RemoveEmptyEntries)
                    .Select(h => ulong.Parse(h, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToArray(),
                Clean = kv["state"] switch
                {
                    "clean" => true,
                    "dirty" => false,
                    var s => throw new FormatException($"state {s}"),
                },
                Synced = kv.TryGetValue("synced", out var synced) ? ParseTime(synced) : null,
                Left = kv.TryGetValue("left", out var left) ? ParseTime(left) : null,
                Holders = kv.TryGetValue("holders", out var holders) ? ParseHolders(holders) : [],
            };
        }
        catch (KeyNotFoundException)
        {
            reason = $"malformed record: a line is missing ({string.Join(", ", new[] { "mirror", "copy", "members", "current", "bitmap", "history", "state" }.Where(k => !kv.ContainsKey(k)))})";
            return null;
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            reason = $"malformed record: a value that does not read ({Shown(e.Message)})";
            return null;
        }
    }

    /// <summary>At most 40 characters of <paramref name="text"/>, every one visible, for a one-line reason.</summary>
    private static string Shown(string text)
    {
        var visible = FsName.Visible(text.Length > 40 ? text[..40] : text);
        return text.Length > 40 ? visible + "..." : visible;
    }

    /// <summary>
    /// The "key value" lines of a record whose first key is <paramref name="magic"/> with value <paramref name="version"/>
    /// (this record and the witness's, MirrorWitness.cs); null with a one-line reason otherwise.
    /// </summary>
    internal static Dictionary<string, string>? Fields(string text, string magic, int version, string what, out string reason)
    {
        reason = "";
        var kv = new Dictionary<string, string>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            int sp = line.IndexOf(' ');
            if (sp <= 0)
            {
                reason = $"malformed line \"{Shown(line)}\"";
                return null;
            }
            kv[line[..sp]] = line[(sp + 1)..];
        }
        if (!kv.TryGetValue(magic, out var v) || v != version.ToString(CultureInfo.InvariantCulture))
        {
            reason = v is null ? $"not {what}" : $"version {v} is not one this mirror knows ({version})";
            return null;
        }
        return kv;
    }

    private static MirrorHolder[] ParseHolders(string s) =>
        s.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(h =>
        {
            int eq = h.LastIndexOf('=');
            if (eq <= 0)
                throw new FormatException($"holder {h}");
            return new MirrorHolder(Uri.UnescapeDataString(h[..eq]), Guid.Parse(h[(eq + 1)..]));
        }).ToArray();

    internal static string FormatTime(Timespec t) =>
        t.Sec.ToString(CultureInfo.InvariantCulture) + "." + t.Nsec.ToString("D9", CultureInfo.InvariantCulture);

    internal static Timespec ParseTime(string s)
    {
        int dot = s.IndexOf('.');
        if (dot <= 0)
            throw new FormatException($"time {s}");
        return new Timespec(long.Parse(s[..dot], CultureInfo.InvariantCulture), long.Parse(s[(dot + 1)..], CultureInfo.InvariantCulture));
    }

    /// <summary>Reads copy <paramref name="root"/>'s record. OK with null when the copy has none (never part of a mirror).</summary>
    public static Errno Read(Vnode root, out MirrorMeta? meta, out string reason)
    {
        meta = null;
        reason = "";
        var err = Vop.Lookup(root, DirName, out var dir, LookupFlags.None, null, Cred.Kcred);
        if (err == Errno.ENOENT)
            return Errno.OK;
        if (err != Errno.OK)
            return err;
        try
        {
            err = Vop.Lookup(dir!, FileName, out var file, LookupFlags.None, null, Cred.Kcred);
            if (err == Errno.ENOENT)
                return Errno.OK; // the directory was made, the first record never renamed into place
            if (err != Errno.OK)
                return err;
            try
            {
                var buf = new byte[4096];
                var uio = new Uio(buf, 0, UioRw.UIO_READ);
                if ((err = Vop.Read(file!, uio, FileFlags.None, Cred.Kcred)) != Errno.OK)
                    return err;
                meta = Parse(Encoding.UTF8.GetString(buf, 0, (int)(buf.Length - uio.Resid)), out reason);
                return meta is null ? Errno.EINVAL : Errno.OK;
            }
            finally
            {
                file!.Rele();
            }
        }
        finally
        {
            dir!.Rele();
        }
    }

    /// <summary>
    /// Replaces copy <paramref name="root"/>'s record: write meta.tmp, fsync it, rename it over meta, fsync the directory.
    /// <paramref name="stamped"/> is the directory's ctime after the rename: a time on the copy's own clock (CopyClock.cs).
    /// </summary>
    public Errno Write(Vnode root, out Timespec stamped)
    {
        stamped = default;
        var cr = Cred.Kcred;
        var err = Vop.Mkdir(root, DirName, new Vattr(AttrMask.AT_TYPE | AttrMask.AT_MODE) { Type = VType.VDIR, Mode = 0x1C0 }, out var dir, cr);
        if (err == Errno.EEXIST)
            err = Vop.Lookup(root, DirName, out dir, LookupFlags.None, null, cr);
        if (err != Errno.OK)
            return err;
        try
        {
            var va = new Vattr(AttrMask.AT_TYPE | AttrMask.AT_MODE | AttrMask.AT_SIZE) { Type = VType.VREG, Mode = 0x180, Size = 0 };
            if ((err = Vop.Create(dir!, TempName, va, VcExcl.NONEXCL, AccessMode.VWRITE, out var tmp, cr, FileFlags.None)) != Errno.OK)
                return err;
            try
            {
                var uio = new Uio(Encoding.UTF8.GetBytes(Format()), 0, UioRw.UIO_WRITE);
                if ((err = Vop.Write(tmp!, uio, FileFlags.None, cr)) != Errno.OK)
                    return err;
                if (uio.Resid != 0)
                    return Errno.EIO;
                if ((err = Vop.Fsync(tmp!, FileFlags.FSYNC, cr)) != Errno.OK)
                    return err;
            }
            finally
            {
                tmp!.Rele();
            }
            if ((err = Vop.Rename(dir!, TempName, dir!, FileName, cr)) != Errno.OK)
                return err;
            if ((err = Vop.Fsync(dir!, FileFlags.FSYNC, cr)) != Errno.OK)
                return err;
            var stamp = new Vattr(AttrMask.AT_CTIME);
            err = Vop.Getattr(dir!, stamp, AttrFlags.None, cr);
            stamped = stamp.Ctime;
            return err;
        }
        finally
        {
            dir!.Rele();
        }
    }
}

/// <summary>A host whose mirror has a copy mounted, and the copy (by identity) that mirror takes for its truth.</summary>
public readonly record struct MirrorHolder(string Host, Guid Truth);
