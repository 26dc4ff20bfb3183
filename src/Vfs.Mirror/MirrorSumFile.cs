// Vfs.Mirror: a file's extent checksums as one copy keeps them (-o checksum; beyond the patent).
//
// WHERE. ".mfs/sums/<fid>" in each copy (MirrorMeta.cs: the .mfs directory the mirror hides), one file per file of
// the copy, named by the hex of the copy's own VOP_FID of it -- inode number and generation on UFS -- so a rename
// or a second hard link does not move it, and a new file on a reused inode (another generation) does not find it.
//
// FORMAT (little-endian; version 1):
//     0   8  "MFSSUMS1"
//     8   4  state: 1 clean, 2 in flight (written since; not to be trusted)
//     12  4  extent shift (16: 64 KiB)
//     16  8  the size of the file in this copy when the sums were written
//     24  8  its mtime then, seconds       32  8  nanoseconds
//     40  8  the number of sums n
//     48  8  XxHash3 of bytes 0-47 and of the sums (a torn write shows as a mismatch)
//     56  8n the sums, extent 0 first (0: not known)
//
// WHEN TO TRUST IT. Only when it parses, its own hash holds, its state is clean, and the copy's file has the size and
// mtime it records. The state protects against a crash: before the first update after a flush the mirror marks the
// file in flight and fsyncs it (MirrorChecksum.BeforeUpdate), so a crash between an update and the next flush leaves
// sums that are not used. The size and mtime protect against the data changing behind the sums' back: a write
// straight into the copy leaves the copy's file another mtime, and its sums are not used for it. A resync, a merge or a
// split-brain settlement gives the file the source's mtime, which may be the very one recorded: each marks the file's
// sum file in flight before it writes (Rewriting). An untrusted file costs nothing but the checks it would have given:
// its extents are unknown.
//
// CRASH SAFETY. A flush writes the whole file in place and fsyncs it; a crash in between leaves a file whose own hash
// fails, which is not trusted. Marking in flight writes 4 bytes and fsyncs.
using System.Buffers.Binary;
using System.IO.Hashing;

namespace UnixVfs.Mirror;

internal static class MirrorSumFile
{
    public const string DirName = "sums";
    private const int HeaderSize = 56;
    private const uint Clean = 1, InFlight = 2;
    private static ReadOnlySpan<byte> Magic => "MFSSUMS1"u8;

    /// <summary>The name of copy file <paramref name="lv"/>'s sum file (the hex of its fid).</summary>
    public static Errno Key(Vnode lv, out string key)
    {
        key = "";
        var err = Vop.Fid(lv, Fid.MaxFidSize, out var fid);
        if (err != Errno.OK)
            return err;
        key = Convert.ToHexStringLower(fid!.Data);
        return Errno.OK;
    }

    /// <summary>
    /// Reads copy file <paramref name="lv"/>'s sums from <paramref name="root"/>'s .mfs/sums. OK with null when it has
    /// none, or none to trust (see the file comment).
    /// </summary>
    public static Errno Read(Vnode root, Vnode lv, out long size, out ulong[]? sums)
    {
        sums = null;
        size = 0;
        var err = Key(lv, out var key);
        if (err != Errno.OK)
            return err;
        var va = new Vattr(AttrMask.AT_SIZE | AttrMask.AT_MTIME);
        if ((err = Vop.Getattr(lv, va, AttrFlags.None, Cred.Kcred)) != Errno.OK)
            return err;
        if ((err = Open(root, key, create: false, out var vp)) != Errno.OK)
            return err == Errno.ENOENT ? Errno.OK : err;
        try
        {
            var fa = new Vattr(AttrMask.AT_SIZE);
            if ((err = Vop.Getattr(vp!, fa, AttrFlags.None, Cred.Kcred)) != Errno.OK)
                return err;
            if (fa.Size < HeaderSize || fa.Size > Array.MaxLength)
                return Errno.OK;
            var buf = new byte[fa.Size];
            var uio = new Uio(buf, 0, UioRw.UIO_READ);
            if ((err = Vop.Read(vp!, uio, FileFlags.None, Cred.Kcred)) != Errno.OK)
                return err;
            if (uio.Resid != 0 || !Parse(buf, out long recSize, out var mtime, out var parsed)
                || recSize != va.Size || mtime != va.Mtime || parsed.Length != ExtentSums.Count(recSize))
                return Errno.OK;
            size = recSize;
            sums = parsed;
            return Errno.OK;
        }
        finally
        {
            vp!.Rele();
        }
    }

    /// <summary>Writes copy file <paramref name="lv"/>'s sums, clean, into <paramref name="root"/>'s .mfs/sums, and fsyncs them.</summary>
    public static Errno Write(Vnode root, Vnode lv, long size, ulong[] sums)
    {
        var err = Key(lv, out var key);
        if (err != Errno.OK)
            return err;
        var va = new Vattr(AttrMask.AT_SIZE | AttrMask.AT_MTIME | AttrMask.AT_NLINK);
        if ((err = Vop.Getattr(lv, va, AttrFlags.None, Cred.Kcred)) != Errno.OK)
            return err;
        if (va.Nlink == 0)
            return Errno.OK; // removed, open still: no sums for a file no name leads to
        if (va.Size != size)
            return Errno.OK; // this copy's file is not the size the sums describe: leave it without (its old sums are in flight)
        var buf = Format(size, va.Mtime, sums);
        if ((err = Open(root, key, create: true, out var vp)) != Errno.OK)
            return err;
        try
        {
            var uio = new Uio(buf, 0, UioRw.UIO_WRITE);
            if ((err = Vop.Write(vp!, uio, FileFlags.None, Cred.Kcred)) != Errno.OK)
                return err;
            if ((err = Vop.Setattr(vp!, new Vattr(AttrMask.AT_SIZE) { Size = buf.Length }, AttrFlags.None, Cred.Kcred)) != Errno.OK)
                return err;
            return Vop.Fsync(vp!, FileFlags.FSYNC, Cred.Kcred);
        }
        finally
        {
            vp!.Rele();
        }
    }

    /// <summary>Marks copy file <paramref name="lv"/>'s sums in flight (if it has any) and fsyncs the mark.</summary>
    public static Errno MarkInFlight(Vnode root, Vnode lv)
    {
        var err = Key(lv, out var key);
        if (err != Errno.OK)
            return err;
        if ((err = Open(root, key, create: false, out var vp)) != Errno.OK)
            return err == Errno.ENOENT ? Errno.OK : err;
        try
        {
            var mark = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(mark, InFlight);
            var uio = new Uio(mark, 8, UioRw.UIO_WRITE);
            if ((err = Vop.Write(vp!, uio, FileFlags.None, Cred.Kcred)) != Errno.OK)
                return err;
            return Vop.Fsync(vp!, FileFlags.FSYNC, Cred.Kcred);
        }
        finally
        {
            vp!.Rele();
        }
    }

    /// <summary>
    /// What a merge or a resync calls before it writes data into a copy's file outside the mirror's write path
    /// (CopyStats.Writing): the file's sum file, in the copy of <paramref name="roots"/> that holds the file, is marked in
    /// flight. A merge gives the file the winner's size and mtime at the end, which may be the very ones its sum file
    /// records: trusted still, those sums would call the new bytes bad on every copy that took them (Fixed 131). A
    /// copy that cannot be marked fails the write that follows too, and leaves.
    /// </summary>
    public static Action<Vnode> Rewriting(params Vnode[] roots) => lv =>
    {
        foreach (var root in roots)
            if (ReferenceEquals(root.Vfs, lv.Vfs))
                MarkInFlight(root, lv);
    };

    public static byte[] Format(long size, Timespec mtime, ulong[] sums)
    {
        var buf = new byte[HeaderSize + 8 * sums.Length];
        var b = buf.AsSpan();
        Magic.CopyTo(b);
        BinaryPrimitives.WriteUInt32LittleEndian(b[8..], Clean);
        BinaryPrimitives.WriteUInt32LittleEndian(b[12..], ExtentSums.Shift);
        BinaryPrimitives.WriteInt64LittleEndian(b[16..], size);
        BinaryPrimitives.WriteInt64LittleEndian(b[24..], mtime.Sec);
        BinaryPrimitives.WriteInt64LittleEndian(b[32..], mtime.Nsec);
        BinaryPrimitives.WriteInt64LittleEndian(b[40..], sums.Length);
        for (int i = 0; i < sums.Length; i++)
            BinaryPrimitives.WriteUInt64LittleEndian(b[(HeaderSize + 8 * i)..], sums[i]);
        BinaryPrimitives.WriteUInt64LittleEndian(b[48..], SelfHash(b));
        return buf;
    }

    /// <summary>Parses a clean record whose own hash holds; false for anything else.</summary>
    public static bool Parse(ReadOnlySpan<byte> b, out long size, out Timespec mtime, out ulong[] sums)
    {
        size = 0;
        mtime = default;
        sums = [];
        if (b.Length < HeaderSize || !b[..8].SequenceEqual(Magic) || BinaryPrimitives.ReadUInt32LittleEndian(b[8..]) != Clean
            || BinaryPrimitives.ReadUInt32LittleEndian(b[12..]) != ExtentSums.Shift)
            return false;
        long n = BinaryPrimitives.ReadInt64LittleEndian(b[40..]);
        if (n < 0 || n != (b.Length - HeaderSize) / 8 || (b.Length - HeaderSize) % 8 != 0
            || BinaryPrimitives.ReadUInt64LittleEndian(b[48..]) != SelfHash(b))
            return false;
        size = BinaryPrimitives.ReadInt64LittleEndian(b[16..]);
        mtime = new Timespec(BinaryPrimitives.ReadInt64LittleEndian(b[24..]), BinaryPrimitives.ReadInt64LittleEndian(b[32..]));
        sums = new ulong[n];
        for (int i = 0; i < n; i++)
            sums[i] = BinaryPrimitives.ReadUInt64LittleEndian(b[(HeaderSize + 8 * i)..]);
        return size >= 0;
    }

    private static ulong SelfHash(ReadOnlySpan<byte> b)
    {
        var h = new XxHash3();
        h.Append(b[..48]);
        h.Append(b[HeaderSize..]);
        return h.GetCurrentHashAsUInt64();
    }

    /// <summary>Opens (or makes) .mfs/sums/<paramref name="key"/> in copy <paramref name="root"/>, held.</summary>
    private static Errno Open(Vnode root, string key, bool create, out Vnode? vp)
    {
        vp = null;
        var cr = Cred.Kcred;
        var err = MetaDir(root, DirName, create, out var dir);
        if (err != Errno.OK)
            return err;
        try
        {
            if (!create)
                return Vop.Lookup(dir!, key, out vp, LookupFlags.None, null, cr);
            var va = new Vattr(AttrMask.AT_TYPE | AttrMask.AT_MODE) { Type = VType.VREG, Mode = 0x180 };
            return Vop.Create(dir!, key, va, VcExcl.NONEXCL, AccessMode.VWRITE, out vp, cr, FileFlags.None);
        }
        finally
        {
            dir!.Rele();
        }
    }

    /// <summary>Opens (or, with <paramref name="create"/>, makes: mode 0700) directory .mfs/<paramref name="name"/> in copy <paramref name="root"/>, held.</summary>
    internal static Errno MetaDir(Vnode root, string name, bool create, out Vnode? dir)
    {
        dir = null;
        var cr = Cred.Kcred;
        var err = Vop.Lookup(root, MirrorMeta.DirName, out var meta, LookupFlags.None, null, cr);
        if (err != Errno.OK)
            return err;
        try
        {
            err = Vop.Lookup(meta!, name, out dir, LookupFlags.None, null, cr);
            if (err == Errno.ENOENT && create)
            {
                err = Vop.Mkdir(meta!, name, new Vattr(AttrMask.AT_TYPE | AttrMask.AT_MODE) { Type = VType.VDIR, Mode = 0x1C0 }, out dir, cr);
                if (err == Errno.EEXIST)
                    err = Vop.Lookup(meta!, name, out dir, LookupFlags.None, null, cr);
            }
            return err;
        }
        finally
        {
            meta!.Rele();
        }
    }
}
