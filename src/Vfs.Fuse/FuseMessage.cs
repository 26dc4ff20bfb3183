// Vfs.Fuse: one request as read from /dev/fuse, and the reply being built for it.
//
// Each request thread owns one FuseRequest and one FuseReply, each a buffer big enough for the largest
// message (a WRITE or READ of max_write bytes plus headers), so the data path allocates nothing: WRITE's
// Uio points into the request buffer, READ's into the reply buffer.
using System.Buffers.Binary;
using UnixVfs.Core;

namespace UnixVfs.Fuse;

/// <summary>A request: fuse_in_header and what follows it.</summary>
internal sealed class FuseRequest(int size)
{
    public readonly byte[] Buf = new byte[size];
    public int Len;

    public uint Opcode => U32(4);
    public ulong Unique => BinaryPrimitives.ReadUInt64LittleEndian(Buf.AsSpan(8));
    public ulong NodeId => BinaryPrimitives.ReadUInt64LittleEndian(Buf.AsSpan(16));
    public uint Uid => U32(24);
    public uint Gid => U32(28);
    public uint Pid => U32(32);

    /// <summary>The bytes after the header.</summary>
    public int ArgLen => Len - FuseProto.InHeaderSize;

    /// <summary>A u32 at <paramref name="off"/> bytes into the message.</summary>
    public uint U32(int off) => BinaryPrimitives.ReadUInt32LittleEndian(Buf.AsSpan(off));

    /// <summary>A u32 at <paramref name="off"/> bytes into the arguments.</summary>
    public uint ArgU32(int off) => U32(FuseProto.InHeaderSize + off);

    /// <summary>A u64 at <paramref name="off"/> bytes into the arguments.</summary>
    public ulong ArgU64(int off) => BinaryPrimitives.ReadUInt64LittleEndian(Buf.AsSpan(FuseProto.InHeaderSize + off));

    /// <summary>
    /// The NUL-terminated name starting <paramref name="off"/> bytes into the arguments; <paramref name="next"/> is
    /// where the byte after its NUL lies. False when the message holds no NUL there (a malformed request).
    /// </summary>
    public bool ArgName(int off, out string name, out int next)
    {
        name = "";
        next = off;
        if (off < 0 || off >= ArgLen)
            return false;
        var s = Buf.AsSpan(FuseProto.InHeaderSize + off, ArgLen - off);
        int nul = s.IndexOf((byte)0);
        if (nul < 0)
            return false;
        name = FsName.Decode(s[..nul]);
        next = off + nul + 1;
        return true;
    }

    /// <summary>The arguments from <paramref name="off"/>, <paramref name="len"/> bytes, as memory a Uio can carry.</summary>
    public Memory<byte> ArgMemory(int off, int len) => Buf.AsMemory(FuseProto.InHeaderSize + off, len);
}

/// <summary>A reply (or a notification) being built: fuse_out_header, then the body.</summary>
internal sealed class FuseReply(int size)
{
    public readonly byte[] Buf = new byte[size];
    public int Len = FuseProto.OutHeaderSize;

    /// <summary>Starts an empty body.</summary>
    public void Clear() => Len = FuseProto.OutHeaderSize;

    public void U32(uint v)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(Buf.AsSpan(Len), v);
        Len += 4;
    }

    public void U64(ulong v)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(Buf.AsSpan(Len), v);
        Len += 8;
    }

    public void Bytes(ReadOnlySpan<byte> b)
    {
        b.CopyTo(Buf.AsSpan(Len));
        Len += b.Length;
    }

    /// <summary>Zero bytes up to the next multiple of 8 (FUSE_REC_ALIGN).</summary>
    public void Pad8()
    {
        int to = FuseProto.Align8(Len);
        Buf.AsSpan(Len, to - Len).Clear();
        Len = to;
    }

    /// <summary>The free space after the body, for a READ or READLINK to fill in place.</summary>
    public Memory<byte> Room(int max) => Buf.AsMemory(Len, Math.Min(max, Buf.Length - Len));

    /// <summary>How many more bytes fit.</summary>
    public int Free => Buf.Length - Len;

    /// <summary>struct fuse_attr of <paramref name="va"/>.</summary>
    public void Attr(Vattr va)
    {
        U64(va.NodeId);
        U64((ulong)va.Size);
        U64((ulong)va.Nblocks);
        U64((ulong)va.Atime.Sec);
        U64((ulong)va.Mtime.Sec);
        U64((ulong)va.Ctime.Sec);
        U32((uint)va.Atime.Nsec);
        U32((uint)va.Mtime.Nsec);
        U32((uint)va.Ctime.Nsec);
        U32(va.StMode);
        U32(va.Nlink);
        U32(va.Uid);
        U32(va.Gid);
        U32((uint)va.Rdev);
        U32(va.Blksize);
        U32(0);
    }

    /// <summary>A timeout as seconds and nanoseconds, the way fuse_entry_out and fuse_attr_out carry it.</summary>
    public static (ulong Sec, uint Nsec) Timeout(TimeSpan t) =>
        ((ulong)(t.Ticks / TimeSpan.TicksPerSecond), (uint)(t.Ticks % TimeSpan.TicksPerSecond * 100));

    /// <summary>struct fuse_entry_out: node <paramref name="nodeId"/> with attributes <paramref name="va"/>.</summary>
    public void Entry(ulong nodeId, Vattr va, TimeSpan entryValid, TimeSpan attrValid)
    {
        var (es, ens) = Timeout(entryValid);
        var (As, ans) = Timeout(attrValid);
        U64(nodeId);
        U64(va.Gen);
        U64(es);
        U64(As);
        U32(ens);
        U32(ans);
        Attr(va);
    }

    /// <summary>Fills the header (len, -errno or a notify code, unique) and returns the message.</summary>
    public ReadOnlySpan<byte> Finish(int error, ulong unique)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(Buf, (uint)Len);
        BinaryPrimitives.WriteInt32LittleEndian(Buf.AsSpan(4), error);
        BinaryPrimitives.WriteUInt64LittleEndian(Buf.AsSpan(8), unique);
        return Buf.AsSpan(0, Len);
    }
}
