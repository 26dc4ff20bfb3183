// Vfs.Nfs / ONC RPC v2 (RFC 5531): the message header -- call, accepted and denied replies --
// and its encoding and decoding.
//
//   rpc_msg    = xid, CALL call_body | REPLY reply_body
//   call_body  = rpcvers (2), prog, vers, proc, cred, verf, then the procedure's arguments
//   reply_body = MSG_ACCEPTED verf accept_stat [mismatch_info] [results]
//              | MSG_DENIED   RPC_MISMATCH mismatch_info | AUTH_ERROR auth_stat
//
// Names and numbers are the RFC's. The arguments and results are not part of the header: the
// server's dispatcher decodes the header and hands the rest of the record to the procedure, and
// the client hands the rest of a reply to whoever made the call.
using UnixVfs.Nfs.Xdr;

namespace UnixVfs.Nfs.Rpc;

/// <summary><c>msg_type</c>.</summary>
public enum MsgType : uint { CALL = 0, REPLY = 1 }

/// <summary><c>reply_stat</c>.</summary>
public enum ReplyStat : uint { MSG_ACCEPTED = 0, MSG_DENIED = 1 }

/// <summary><c>accept_stat</c>: how an accepted call went.</summary>
public enum AcceptStat : uint
{
    SUCCESS = 0,
    /// <summary>The program is not served here.</summary>
    PROG_UNAVAIL = 1,
    /// <summary>The program is, but not this version (the reply carries the range served).</summary>
    PROG_MISMATCH = 2,
    /// <summary>The program has no such procedure.</summary>
    PROC_UNAVAIL = 3,
    /// <summary>The arguments did not decode.</summary>
    GARBAGE_ARGS = 4,
    /// <summary>The server failed (out of memory, ...).</summary>
    SYSTEM_ERR = 5,
}

/// <summary><c>reject_stat</c>: why a call was denied.</summary>
public enum RejectStat : uint { RPC_MISMATCH = 0, AUTH_ERROR = 1 }

/// <summary><c>auth_stat</c>.</summary>
public enum AuthStat : uint
{
    AUTH_OK = 0,
    AUTH_BADCRED = 1,
    AUTH_REJECTEDCRED = 2,
    AUTH_BADVERF = 3,
    AUTH_REJECTEDVERF = 4,
    AUTH_TOOWEAK = 5,
    AUTH_INVALIDRESP = 6,
    AUTH_FAILED = 7,
}

/// <summary><c>auth_flavor</c>.</summary>
public enum AuthFlavor : uint { AUTH_NONE = 0, AUTH_SYS = 1, AUTH_SHORT = 2, AUTH_DH = 3, RPCSEC_GSS = 6 }

/// <summary><c>opaque_auth</c>: a flavor and up to 400 bytes of body.</summary>
public readonly record struct OpaqueAuth(AuthFlavor Flavor, ReadOnlyMemory<byte> Body)
{
    /// <summary>MAX_AUTH_BYTES.</summary>
    public const int MaxBody = 400;

    /// <summary>AUTH_NONE with an empty body.</summary>
    public static readonly OpaqueAuth None = new(AuthFlavor.AUTH_NONE, ReadOnlyMemory<byte>.Empty);

    public void Encode(XdrWriter w)
    {
        w.WriteUInt32((uint)Flavor);
        w.WriteOpaque(Body.Span);
    }

    /// <summary>Decodes an opaque_auth; a body over 400 bytes fails the reader.</summary>
    public static OpaqueAuth Decode(ref XdrReader r, ReadOnlyMemory<byte> record)
    {
        var flavor = (AuthFlavor)r.ReadUInt32();
        int start = r.Position + 4;
        var body = r.ReadOpaque(MaxBody);
        return new OpaqueAuth(flavor, r.Failed ? ReadOnlyMemory<byte>.Empty : record.Slice(start, body.Length));
    }
}

/// <summary>The header of a call (<c>call_body</c> with its xid).</summary>
public readonly record struct RpcCallHeader(uint Xid, uint RpcVers, uint Prog, uint Vers, uint Proc, OpaqueAuth Cred, OpaqueAuth Verf)
{
    /// <summary>The only RPC version there is.</summary>
    public const uint RpcVersion = 2;

    /// <summary>Writes the header of a call (version 2) with its credential and an AUTH_NONE verifier.</summary>
    public static void Encode(XdrWriter w, uint xid, uint prog, uint vers, uint proc, OpaqueAuth cred)
    {
        w.WriteUInt32(xid);
        w.WriteUInt32((uint)MsgType.CALL);
        w.WriteUInt32(RpcVersion);
        w.WriteUInt32(prog);
        w.WriteUInt32(vers);
        w.WriteUInt32(proc);
        cred.Encode(w);
        OpaqueAuth.None.Encode(w);
    }

    /// <summary>
    /// Decodes a call header from the front of <paramref name="record"/>. Returns false when the record is not a
    /// call or is cut short (no reply is possible then); otherwise the reader is left at the first byte of the arguments.
    /// </summary>
    public static bool TryDecode(ref XdrReader r, ReadOnlyMemory<byte> record, out RpcCallHeader h)
    {
        h = default;
        uint xid = r.ReadUInt32();
        var type = (MsgType)r.ReadUInt32();
        if (r.Failed || type != MsgType.CALL)
            return false;
        uint rpcvers = r.ReadUInt32(), prog = r.ReadUInt32(), vers = r.ReadUInt32(), proc = r.ReadUInt32();
        var cred = OpaqueAuth.Decode(ref r, record);
        var verf = OpaqueAuth.Decode(ref r, record);
        if (r.Failed)
            return false;
        h = new RpcCallHeader(xid, rpcvers, prog, vers, proc, cred, verf);
        return true;
    }
}

/// <summary>Encoders of the server's replies.</summary>
public static class RpcReplyEncoder
{
    /// <summary>An accepted reply's header with <paramref name="stat"/>; SUCCESS is followed by the results.</summary>
    public static void Accepted(XdrWriter w, uint xid, AcceptStat stat)
    {
        w.WriteUInt32(xid);
        w.WriteUInt32((uint)MsgType.REPLY);
        w.WriteUInt32((uint)ReplyStat.MSG_ACCEPTED);
        OpaqueAuth.None.Encode(w);
        w.WriteUInt32((uint)stat);
    }

    /// <summary>PROG_MISMATCH with the versions served.</summary>
    public static void ProgMismatch(XdrWriter w, uint xid, uint low, uint high)
    {
        Accepted(w, xid, AcceptStat.PROG_MISMATCH);
        w.WriteUInt32(low);
        w.WriteUInt32(high);
    }

    /// <summary>MSG_DENIED RPC_MISMATCH: only version 2 is spoken.</summary>
    public static void RpcMismatch(XdrWriter w, uint xid)
    {
        w.WriteUInt32(xid);
        w.WriteUInt32((uint)MsgType.REPLY);
        w.WriteUInt32((uint)ReplyStat.MSG_DENIED);
        w.WriteUInt32((uint)RejectStat.RPC_MISMATCH);
        w.WriteUInt32(RpcCallHeader.RpcVersion);
        w.WriteUInt32(RpcCallHeader.RpcVersion);
    }

    /// <summary>MSG_DENIED AUTH_ERROR with why.</summary>
    public static void AuthError(XdrWriter w, uint xid, AuthStat why)
    {
        w.WriteUInt32(xid);
        w.WriteUInt32((uint)MsgType.REPLY);
        w.WriteUInt32((uint)ReplyStat.MSG_DENIED);
        w.WriteUInt32((uint)RejectStat.AUTH_ERROR);
        w.WriteUInt32((uint)why);
    }
}

/// <summary>
/// What a client learns from a reply's header: accepted with SUCCESS (the results follow at
/// <see cref="ResultsOffset"/>), accepted with another status, or denied.
/// </summary>
public readonly record struct RpcReplyHeader(uint Xid, ReplyStat Stat, AcceptStat Accept, RejectStat Reject, AuthStat Auth, uint Low, uint High, int ResultsOffset)
{
    /// <summary>True for an accepted reply with SUCCESS.</summary>
    public bool Success => Stat == ReplyStat.MSG_ACCEPTED && Accept == AcceptStat.SUCCESS;

    /// <summary>Reads the xid only (to match a reply to its call); false for a record too short or not a reply.</summary>
    public static bool TryPeekXid(ReadOnlySpan<byte> record, out uint xid)
    {
        var r = new XdrReader(record);
        xid = r.ReadUInt32();
        return (MsgType)r.ReadUInt32() == MsgType.REPLY && !r.Failed;
    }

    /// <summary>Decodes a reply header; false when malformed.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> record, out RpcReplyHeader h)
    {
        h = default;
        var r = new XdrReader(record);
        uint xid = r.ReadUInt32();
        if ((MsgType)r.ReadUInt32() != MsgType.REPLY)
            return false;
        var stat = (ReplyStat)r.ReadUInt32();
        if (stat == ReplyStat.MSG_ACCEPTED)
        {
            r.ReadUInt32();
            r.ReadOpaque(OpaqueAuth.MaxBody);
            var accept = (AcceptStat)r.ReadUInt32();
            uint low = 0, high = 0;
            if (accept == AcceptStat.PROG_MISMATCH)
            {
                low = r.ReadUInt32();
                high = r.ReadUInt32();
            }
            h = new RpcReplyHeader(xid, stat, accept, default, default, low, high, r.Position);
            return !r.Failed;
        }
        if (stat != ReplyStat.MSG_DENIED)
            return false;
        var reject = (RejectStat)r.ReadUInt32();
        if (reject == RejectStat.RPC_MISMATCH)
            h = new RpcReplyHeader(xid, stat, default, reject, default, r.ReadUInt32(), r.ReadUInt32(), r.Position);
        else
            h = new RpcReplyHeader(xid, stat, default, reject, (AuthStat)r.ReadUInt32(), 0, 0, r.Position);
        return !r.Failed;
    }
}
