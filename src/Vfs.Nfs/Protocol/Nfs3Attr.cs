// Vfs.Nfs / NFSv3 protocol: file attributes on the wire -- fattr3, sattr3, the weak cache
// consistency data (wcc_attr, pre_op_attr, post_op_attr, wcc_data) -- to and from Vattr.
//
//   fattr3   = type, mode, nlink, uid, gid, size, used, rdev (major, minor), fsid, fileid, atime, mtime, ctime
//   sattr3   = [mode] [uid] [gid] [size] atime:(DONT_CHANGE | SET_TO_SERVER_TIME | SET_TO_CLIENT_TIME t) mtime:(...)
//   wcc_data = pre_op_attr (size, mtime, ctime before the operation) and post_op_attr (fattr3 after it)
//
// Weak cache consistency lets a client that knows the "before" attributes tell whether the change
// it sees is only its own: the server reports both around every operation that modifies an object.
using UnixVfs.Core;
using UnixVfs.Nfs.Xdr;

namespace UnixVfs.Nfs.Protocol;

/// <summary>Encoders and decoders of NFSv3 attributes.</summary>
public static class Nfs3Attr
{
    /// <summary>The attributes fattr3 carries, as a VOP_GETATTR mask.</summary>
    public const AttrMask Fattr3Mask = AttrMask.AT_TYPE | AttrMask.AT_MODE | AttrMask.AT_NLINK | AttrMask.AT_UID | AttrMask.AT_GID
        | AttrMask.AT_SIZE | AttrMask.AT_NBLOCKS | AttrMask.AT_RDEV | AttrMask.AT_FSID | AttrMask.AT_NODEID | AttrMask.AT_TIMES;

    public static Ftype3 ToFtype(VType t) => t switch
    {
        VType.VDIR => Ftype3.NF3DIR,
        VType.VBLK => Ftype3.NF3BLK,
        VType.VCHR => Ftype3.NF3CHR,
        VType.VLNK => Ftype3.NF3LNK,
        VType.VSOCK => Ftype3.NF3SOCK,
        VType.VFIFO => Ftype3.NF3FIFO,
        _ => Ftype3.NF3REG,
    };

    /// <summary>The vnode type of an ftype3, VNON for a value out of range.</summary>
    public static VType FromFtype(Ftype3 t) => t switch
    {
        Ftype3.NF3REG => VType.VREG,
        Ftype3.NF3DIR => VType.VDIR,
        Ftype3.NF3BLK => VType.VBLK,
        Ftype3.NF3CHR => VType.VCHR,
        Ftype3.NF3LNK => VType.VLNK,
        Ftype3.NF3SOCK => VType.VSOCK,
        Ftype3.NF3FIFO => VType.VFIFO,
        _ => VType.VNON,
    };

    /// <summary>gnu_dev_major/minor: a device number's two halves, as specdata3 carries them.</summary>
    public static (uint Major, uint Minor) SplitDev(ulong dev) =>
        ((uint)(((dev >> 8) & 0xfff) | ((dev >> 32) & ~0xfffUL)), (uint)((dev & 0xff) | ((dev >> 12) & ~0xffUL)));

    /// <summary>gnu_dev_makedev.</summary>
    public static ulong MakeDev(uint major, uint minor) =>
        ((ulong)(minor & 0xff)) | ((ulong)(major & 0xfff) << 8) | ((ulong)(minor & ~0xffu) << 12) | ((ulong)(major & ~0xfffu) << 32);

    public static void WriteTime(XdrWriter w, Timespec t)
    {
        w.WriteUInt32((uint)t.Sec);
        w.WriteUInt32((uint)t.Nsec);
    }

    public static Timespec ReadTime(ref XdrReader r)
    {
        uint sec = r.ReadUInt32(), nsec = r.ReadUInt32();
        if (nsec >= Timespec.NanosPerSecond)
            r.Fail();
        return new Timespec(sec, nsec);
    }

    /// <summary>Writes a fattr3 from attributes VOP_GETATTR filled with <see cref="Fattr3Mask"/>.</summary>
    public static void WriteFattr(XdrWriter w, Vattr va)
    {
        w.WriteUInt32((uint)ToFtype(va.Type));
        w.WriteUInt32(va.Mode & ModeBits.ModeMask);
        w.WriteUInt32(va.Nlink);
        w.WriteUInt32(va.Uid);
        w.WriteUInt32(va.Gid);
        w.WriteUInt64((ulong)va.Size);
        w.WriteUInt64((ulong)va.Nblocks * 512);
        var (maj, min) = SplitDev(va.Rdev);
        w.WriteUInt32(maj);
        w.WriteUInt32(min);
        w.WriteUInt64(va.Fsid);
        w.WriteUInt64(va.NodeId);
        WriteTime(w, va.Atime);
        WriteTime(w, va.Mtime);
        WriteTime(w, va.Ctime);
    }

    /// <summary>Reads a fattr3 into a Vattr (mask <see cref="Fattr3Mask"/>); a bad type fails the reader.</summary>
    public static Vattr ReadFattr(ref XdrReader r)
    {
        var va = new Vattr(Fattr3Mask);
        va.Type = FromFtype((Ftype3)r.ReadUInt32());
        if (va.Type == VType.VNON)
            r.Fail();
        va.Mode = r.ReadUInt32() & ModeBits.ModeMask;
        va.Nlink = r.ReadUInt32();
        va.Uid = r.ReadUInt32();
        va.Gid = r.ReadUInt32();
        va.Size = (long)r.ReadUInt64();
        va.Nblocks = (long)(r.ReadUInt64() / 512);
        uint maj = r.ReadUInt32(), min = r.ReadUInt32();
        va.Rdev = MakeDev(maj, min);
        va.Fsid = r.ReadUInt64();
        va.NodeId = r.ReadUInt64();
        va.Atime = ReadTime(ref r);
        va.Mtime = ReadTime(ref r);
        va.Ctime = ReadTime(ref r);
        va.Blksize = 4096;
        return va;
    }

    /// <summary>post_op_attr: the attributes if known.</summary>
    public static void WritePostOp(XdrWriter w, Vattr? va)
    {
        w.WriteBool(va is not null);
        if (va is not null)
            WriteFattr(w, va);
    }

    public static Vattr? ReadPostOp(ref XdrReader r) => r.ReadBool() ? ReadFattr(ref r) : null;

    /// <summary>pre_op_attr: size, mtime and ctime before the operation, if known.</summary>
    public static void WritePreOp(XdrWriter w, Vattr? va)
    {
        w.WriteBool(va is not null);
        if (va is null)
            return;
        w.WriteUInt64((ulong)va.Size);
        WriteTime(w, va.Mtime);
        WriteTime(w, va.Ctime);
    }

    /// <summary>Reads a pre_op_attr (size, mtime, ctime), or null.</summary>
    public static Vattr? ReadPreOp(ref XdrReader r)
    {
        if (!r.ReadBool())
            return null;
        var va = new Vattr(AttrMask.AT_SIZE | AttrMask.AT_MTIME | AttrMask.AT_CTIME) { Size = (long)r.ReadUInt64() };
        va.Mtime = ReadTime(ref r);
        va.Ctime = ReadTime(ref r);
        return va;
    }

    /// <summary>wcc_data.</summary>
    public static void WriteWcc(XdrWriter w, Vattr? before, Vattr? after)
    {
        WritePreOp(w, before);
        WritePostOp(w, after);
    }

    /// <summary>Reads wcc_data; returns the "after" attributes (the client caches those).</summary>
    public static Vattr? ReadWcc(ref XdrReader r, out Vattr? before)
    {
        before = ReadPreOp(ref r);
        return ReadPostOp(ref r);
    }

    /// <summary>
    /// Reads a sattr3 into a VOP_SETATTR Vattr. <paramref name="flags"/> gets ATTR_UTIME when a time is the
    /// client's own (which only the owner may set); SET_TO_SERVER_TIME becomes <paramref name="now"/>.
    /// </summary>
    public static Vattr ReadSattr(ref XdrReader r, Timespec now, out AttrFlags flags)
    {
        flags = AttrFlags.None;
        var va = new Vattr();
        if (r.ReadBool()) { va.Mask |= AttrMask.AT_MODE; va.Mode = r.ReadUInt32() & ModeBits.ModeMask; }
        if (r.ReadBool()) { va.Mask |= AttrMask.AT_UID; va.Uid = r.ReadUInt32(); }
        if (r.ReadBool()) { va.Mask |= AttrMask.AT_GID; va.Gid = r.ReadUInt32(); }
        if (r.ReadBool())
        {
            va.Mask |= AttrMask.AT_SIZE;
            ulong size = r.ReadUInt64();
            if (size > long.MaxValue)
                r.Fail();
            va.Size = (long)size;
        }
        for (int i = 0; i < 2; i++)
        {
            var how = (TimeHow)r.ReadUInt32();
            Timespec t;
            switch (how)
            {
                case TimeHow.DONT_CHANGE:
                    continue;
                case TimeHow.SET_TO_SERVER_TIME:
                    t = now;
                    break;
                case TimeHow.SET_TO_CLIENT_TIME:
                    t = ReadTime(ref r);
                    flags |= AttrFlags.ATTR_UTIME;
                    break;
                default:
                    r.Fail();
                    return va;
            }
            if (i == 0) { va.Mask |= AttrMask.AT_ATIME; va.Atime = t; }
            else { va.Mask |= AttrMask.AT_MTIME; va.Mtime = t; }
        }
        return va;
    }

    /// <summary>
    /// Writes a sattr3 for the attributes masked in <paramref name="va"/>; times are sent as the client's own
    /// unless <paramref name="serverTime"/> says "now" is meant.
    /// </summary>
    public static void WriteSattr(XdrWriter w, Vattr va, bool serverTime = false)
    {
        var m = va.Mask;
        w.WriteBool((m & AttrMask.AT_MODE) != 0);
        if ((m & AttrMask.AT_MODE) != 0) w.WriteUInt32(va.Mode & ModeBits.ModeMask);
        w.WriteBool((m & AttrMask.AT_UID) != 0);
        if ((m & AttrMask.AT_UID) != 0) w.WriteUInt32(va.Uid);
        w.WriteBool((m & AttrMask.AT_GID) != 0);
        if ((m & AttrMask.AT_GID) != 0) w.WriteUInt32(va.Gid);
        w.WriteBool((m & AttrMask.AT_SIZE) != 0);
        if ((m & AttrMask.AT_SIZE) != 0) w.WriteUInt64((ulong)va.Size);
        foreach (var (bit, t) in new[] { (AttrMask.AT_ATIME, va.Atime), (AttrMask.AT_MTIME, va.Mtime) })
        {
            if ((m & bit) == 0)
                w.WriteUInt32((uint)TimeHow.DONT_CHANGE);
            else if (serverTime)
                w.WriteUInt32((uint)TimeHow.SET_TO_SERVER_TIME);
            else
            {
                w.WriteUInt32((uint)TimeHow.SET_TO_CLIENT_TIME);
                WriteTime(w, t);
            }
        }
    }
}
