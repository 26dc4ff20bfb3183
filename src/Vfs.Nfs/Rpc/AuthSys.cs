// Vfs.Nfs / ONC RPC: the AUTH_SYS credential (RFC 5531 appendix A, authsys_parms) and its
// mapping to and from a Cred.
//
//   authsys_parms = stamp, machinename<255>, uid, gid, gids<16>
//
// AUTH_SYS proves nothing -- the server believes what the client says -- which is why an export
// squashes root by default (Export.cs). Decoding is strict: a body with a longer name, more than
// sixteen groups or bytes left over is AUTH_BADCRED.
using UnixVfs.Core;
using UnixVfs.Nfs.Xdr;

namespace UnixVfs.Nfs.Rpc;

/// <summary>An AUTH_SYS credential (<c>authsys_parms</c>).</summary>
public sealed record AuthSys(uint Stamp, string MachineName, uint Uid, uint Gid, uint[] Gids)
{
    /// <summary>The longest machine name allowed.</summary>
    public const int MaxMachineName = 255;

    /// <summary>The most supplementary groups allowed.</summary>
    public const int MaxGids = 16;

    /// <summary>The credential a process with <paramref name="cr"/> on host <paramref name="machine"/> sends.</summary>
    public static AuthSys FromCred(Cred cr, string machine) =>
        new(0, machine.Length > MaxMachineName ? machine[..MaxMachineName] : machine, cr.Uid, cr.Gid, cr.Groups.Take(MaxGids).ToArray());

    /// <summary>The Cred the server acts with for this credential (before any squashing).</summary>
    public Cred ToCred() => new(Uid, Gid, Gids);

    /// <summary>This credential as an <c>opaque_auth</c>.</summary>
    public OpaqueAuth ToOpaqueAuth()
    {
        var w = new XdrWriter(64);
        w.WriteUInt32(Stamp);
        w.WriteString(MachineName);
        w.WriteUInt32(Uid);
        w.WriteUInt32(Gid);
        w.WriteUInt32((uint)Gids.Length);
        foreach (var g in Gids)
            w.WriteUInt32(g);
        return new OpaqueAuth(AuthFlavor.AUTH_SYS, w.Written.ToArray());
    }

    /// <summary>Decodes the body of an AUTH_SYS opaque_auth; false (AUTH_BADCRED) when malformed.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> body, out AuthSys? cred)
    {
        cred = null;
        var r = new XdrReader(body);
        uint stamp = r.ReadUInt32();
        string machine = r.ReadString(MaxMachineName);
        uint uid = r.ReadUInt32(), gid = r.ReadUInt32();
        uint n = r.ReadUInt32();
        if (n > MaxGids)
            return false;
        var gids = new uint[n];
        for (int i = 0; i < n; i++)
            gids[i] = r.ReadUInt32();
        if (!r.AtEnd)
            return false;
        cred = new AuthSys(stamp, machine, uid, gid, gids);
        return true;
    }
}
