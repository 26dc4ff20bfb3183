// Vfs.Nfs / server: exports (share) -- which directory, to whom, how.
//
// An export names a directory of the server's Kernel, the clients allowed to mount it, whether
// they may write, and how their AUTH_SYS identity becomes the Cred the file system checks:
//
//   clients      addresses ("127.0.0.1"), address ranges ("127.0.0.0/8"), simulated host names
//                ("client-a") or "*" for anyone. A client not listed gets MNT3ERR_ACCES from MOUNT
//                and NFS3ERR_ACCES for any handle of this export.
//   ro / rw      a read-only export answers NFS3ERR_ROFS to everything that would modify.
//   ro=list      clients (in the same forms) for whom the export is read-only, as share_nfs's ro=
//                and exports(5)'s per-client "ro": they may mount and read, not modify.
//   root squash  on by default: uid 0 (and gid 0) become the anonymous ids, since AUTH_SYS proves
//                nothing and root on one host must not be root on another's files.
//   root=list    clients whose root is root here (share_nfs's root=, exports(5)'s no_root_squash
//                for those clients alone).
//   anon         the anonymous uid/gid (65534, "nobody"), also used for AUTH_NONE calls.
//
// The export's id goes into every file handle. It is a hash of the exported path, so it stays the
// same when the server restarts with the same exports, and so do the handles.
using System.Net;
using System.Security.Cryptography;
using System.Text;
using UnixVfs.Core;
using UnixVfs.Nfs.Rpc;

namespace UnixVfs.Nfs.Server;

/// <summary>What to share and how (the options of share(1M) / an exports(5) line).</summary>
public sealed record ExportOptions
{
    /// <summary>The directory to export, a path in the server's Kernel.</summary>
    public required string Path { get; init; }

    /// <summary>Who may mount it: addresses, CIDR ranges, simulated host names, or "*".</summary>
    public IReadOnlyList<string> Clients { get; init; } = ["*"];

    /// <summary>Refuse every modification with NFS3ERR_ROFS.</summary>
    public bool ReadOnly { get; init; }

    /// <summary>Clients (of those allowed) for whom the export is read-only.</summary>
    public IReadOnlyList<string> ReadOnlyClients { get; init; } = [];

    /// <summary>Clients whose root is not squashed, even with RootSquash on.</summary>
    public IReadOnlyList<string> RootClients { get; init; } = [];

    /// <summary>Map uid 0 and gid 0 to the anonymous ids.</summary>
    public bool RootSquash { get; init; } = true;

    /// <summary>The anonymous uid.</summary>
    public uint AnonUid { get; init; } = 65534;

    /// <summary>The anonymous gid.</summary>
    public uint AnonGid { get; init; } = 65534;

    /// <summary>True when <paramref name="client"/> (an address or simulated host name) may use this export.</summary>
    public bool Allows(string client) => Matches(Clients, client);

    /// <summary>True when the export is read-only for <paramref name="client"/>.</summary>
    public bool ReadOnlyFor(string client) => ReadOnly || Matches(ReadOnlyClients, client);

    /// <summary>True when <paramref name="client"/> is in <paramref name="list"/>: by address, CIDR range, host name, or "*".</summary>
    public static bool Matches(IReadOnlyList<string> list, string client)
    {
        foreach (var c in list)
        {
            if (c == "*" || c == client)
                return true;
            int slash = c.IndexOf('/');
            if (slash > 0 && IPAddress.TryParse(client, out var ip) && IPAddress.TryParse(c[..slash], out var net)
                && int.TryParse(c[(slash + 1)..], out int bits) && ip.AddressFamily == net.AddressFamily)
            {
                var a = ip.GetAddressBytes();
                var b = net.GetAddressBytes();
                if (bits < 0 || bits > a.Length * 8)
                    continue;
                bool match = true;
                for (int i = 0; i < bits && match; i++)
                    match = ((a[i / 8] ^ b[i / 8]) & (0x80 >> (i % 8))) == 0;
                if (match)
                    return true;
            }
        }
        return false;
    }
}

/// <summary>A shared directory: its options, its root vnode (held while shared) and its id.</summary>
public sealed class Export
{
    internal Export(ExportOptions options, Vnode root, uint id)
    {
        Options = options;
        Root = root;
        Id = id;
    }

    public ExportOptions Options { get; }

    /// <summary>The exported directory (held by the export until unshared).</summary>
    public Vnode Root { get; }

    /// <summary>The vfs handles of this export are resolved in (the root's).</summary>
    public Vfs Vfs => Root.Vfs;

    /// <summary>The export's id in file handles: a stable hash of its path.</summary>
    public uint Id { get; }

    /// <summary>The id an export of <paramref name="path"/> gets.</summary>
    public static uint IdFor(string path)
    {
        Span<byte> h = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(path), h);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(h) | 1;
    }

    /// <summary>True when <paramref name="client"/> (an address or simulated host name) may use this export.</summary>
    public bool Allows(string client) => Options.Allows(client);

    /// <summary>The Cred a call with <paramref name="auth"/> from <paramref name="client"/> acts with here (root squashed, AUTH_NONE anonymous).</summary>
    public Cred MapCred(AuthSys? auth, string client)
    {
        var o = Options;
        if (auth is null)
            return new Cred(o.AnonUid, o.AnonGid);
        if (!o.RootSquash || ExportOptions.Matches(o.RootClients, client))
            return auth.ToCred();
        uint uid = auth.Uid == 0 ? o.AnonUid : auth.Uid;
        uint gid = auth.Gid == 0 ? o.AnonGid : auth.Gid;
        return new Cred(uid, gid, auth.Gids.Select(g => g == 0 ? o.AnonGid : g).ToArray());
    }

    public override string ToString() => Options.Path;
}
