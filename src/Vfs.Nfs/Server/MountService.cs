// Vfs.Nfs / server: the MOUNT protocol, version 3 (RFC 1813 appendix I), program 100005.
//
//   NULL                    nothing
//   MNT dirpath             the root file handle of an export (or of a directory inside one) and the
//                           auth flavors accepted; MNT3ERR_ACCES for a client the export does not allow
//   DUMP                    the (client, directory) pairs mounted
//   UMNT dirpath, UMNTALL   forget one or all of the caller's mounts
//   EXPORT                  every export with the clients allowed
//
// The mount list is advisory, as in every implementation: NFS itself is stateless, and a client
// that never unmounts keeps working handles.
using UnixVfs.Core;
using UnixVfs.Nfs.Protocol;
using UnixVfs.Nfs.Rpc;
using UnixVfs.Nfs.Xdr;

namespace UnixVfs.Nfs.Server;

/// <summary>The MOUNT v3 program of an <see cref="NfsServer"/>.</summary>
internal sealed class MountService(NfsServer server)
{
    private readonly List<(string Client, string Dir)> _mounts = new();

    public RpcProgram ToProgram() => new RpcProgram("mount", Mount3.Program, Mount3.Version, Mount3.Version)
        .Add(Mount3.Version, Mount3.NULL, "NULL", Null)
        .Add(Mount3.Version, Mount3.MNT, "MNT", Mnt)
        .Add(Mount3.Version, Mount3.DUMP, "DUMP", Dump)
        .Add(Mount3.Version, Mount3.UMNT, "UMNT", Umnt)
        .Add(Mount3.Version, Mount3.UMNTALL, "UMNTALL", Umntall)
        .Add(Mount3.Version, Mount3.EXPORT, "EXPORT", ExportProc);

    /// <summary>Drops the mount list entries of an export that is no longer shared.</summary>
    public void Forget(string path)
    {
        lock (_mounts)
            _mounts.RemoveAll(m => m.Dir == path || m.Dir.StartsWith(path.TrimEnd('/') + "/", StringComparison.Ordinal));
    }

    private static AcceptStat Null(RpcCall call, ref XdrReader args, XdrWriter res) =>
        args.AtEnd ? AcceptStat.SUCCESS : AcceptStat.GARBAGE_ARGS;

    private AcceptStat Mnt(RpcCall call, ref XdrReader args, XdrWriter res)
    {
        string path = args.ReadString(Mount3.PathLen);
        if (!args.AtEnd)
            return AcceptStat.GARBAGE_ARGS;
        var st = Resolve(call, path, out var fh);
        res.WriteUInt32((uint)st);
        if (st == MountStat3.MNT3_OK)
        {
            res.WriteOpaque(fh);
            res.WriteUInt32(1);
            res.WriteUInt32((uint)AuthFlavor.AUTH_SYS);
            lock (_mounts)
                if (!_mounts.Contains((call.ClientAddress, path)))
                    _mounts.Add((call.ClientAddress, path));
        }
        return AcceptStat.SUCCESS;
    }

    /// <summary>The handle of <paramref name="path"/>: an export, or a directory below one reached without "..".</summary>
    private MountStat3 Resolve(RpcCall call, string path, out byte[] fh)
    {
        fh = [];
        var norm = "/" + string.Join('/', path.Split('/', StringSplitOptions.RemoveEmptyEntries));
        var exp = server.Exports
            .Where(e => norm == e.Options.Path.TrimEnd('/') || norm == e.Options.Path
                || norm.StartsWith(e.Options.Path.TrimEnd('/') + "/", StringComparison.Ordinal))
            .OrderByDescending(e => e.Options.Path.Length).FirstOrDefault();
        if (exp is null)
            return MountStat3.MNT3ERR_NOENT;
        if (!exp.Allows(call.ClientAddress))
            return MountStat3.MNT3ERR_ACCES;
        var cr = exp.MapCred(call.Auth, call.ClientAddress);
        var rest = norm.Length > exp.Options.Path.TrimEnd('/').Length
            ? norm[(exp.Options.Path.TrimEnd('/').Length + 1)..].Split('/')
            : [];
        var vp = exp.Root;
        vp.Hold();
        try
        {
            foreach (var comp in rest)
            {
                if (comp is "." or "..")
                    return MountStat3.MNT3ERR_INVAL;
                var err = Vop.Lookup(vp, comp, out var next, LookupFlags.None, null, cr);
                if (err != Errno.OK)
                    return Nfs3Status.MountFromErrno(err);
                vp.Rele();
                vp = next!;
            }
            if (vp.Type != VType.VDIR)
                return MountStat3.MNT3ERR_NOTDIR;
            var e = Vop.Fid(vp, FileHandles.MaxFid, out var fid);
            if (e != Errno.OK)
                return Nfs3Status.MountFromErrno(e);
            e = server.Handles.Make(exp.Id, fid!, out var h);
            if (e != Errno.OK)
                return Nfs3Status.MountFromErrno(e);
            fh = h!;
            return MountStat3.MNT3_OK;
        }
        finally
        {
            vp.Rele();
        }
    }

    private AcceptStat Dump(RpcCall call, ref XdrReader args, XdrWriter res)
    {
        if (!args.AtEnd)
            return AcceptStat.GARBAGE_ARGS;
        lock (_mounts)
            foreach (var (client, dir) in _mounts)
            {
                res.WriteBool(true);
                res.WriteString(client.Length > Mount3.NameLen ? client[..Mount3.NameLen] : client);
                res.WriteString(dir);
            }
        res.WriteBool(false);
        return AcceptStat.SUCCESS;
    }

    private AcceptStat Umnt(RpcCall call, ref XdrReader args, XdrWriter res)
    {
        string path = args.ReadString(Mount3.PathLen);
        if (!args.AtEnd)
            return AcceptStat.GARBAGE_ARGS;
        lock (_mounts)
            _mounts.Remove((call.ClientAddress, path));
        return AcceptStat.SUCCESS;
    }

    private AcceptStat Umntall(RpcCall call, ref XdrReader args, XdrWriter res)
    {
        if (!args.AtEnd)
            return AcceptStat.GARBAGE_ARGS;
        lock (_mounts)
            _mounts.RemoveAll(m => m.Client == call.ClientAddress);
        return AcceptStat.SUCCESS;
    }

    private AcceptStat ExportProc(RpcCall call, ref XdrReader args, XdrWriter res)
    {
        if (!args.AtEnd)
            return AcceptStat.GARBAGE_ARGS;
        foreach (var e in server.Exports.OrderBy(e => e.Options.Path, StringComparer.Ordinal))
        {
            res.WriteBool(true);
            res.WriteString(e.Options.Path);
            foreach (var c in e.Options.Clients)
            {
                res.WriteBool(true);
                res.WriteString(c);
            }
            res.WriteBool(false);
        }
        res.WriteBool(false);
        return AcceptStat.SUCCESS;
    }
}
