// Vfs.Nfs / portmapper: program 100000 version 2 (RFC 1833), the minimal one stock clients need.
//
// A client that knows only a host asks its portmapper where a program listens (GETPORT) before
// calling it. Ours answers for the programs registered with it -- the NFS server registers MOUNT
// and NFS with the ports it got -- and lists them (DUMP). CALLIT is not served.
//
// Threat: a process that can change the table can point NFS or MOUNT at a port of its own and
// collect every client's calls. So, as rpcbind does: SET and UNSET over RPC are accepted only from
// this host (loopback, or the simulated host itself) and from a privileged source port (below 1024,
// which only root can bind), and never touch the registrations the server made in process (Set and
// Unset called directly): those belong to the server for as long as it runs.
using UnixVfs.Nfs.Rpc;
using UnixVfs.Nfs.Xdr;

namespace UnixVfs.Nfs.Portmap;

/// <summary>A registration: program, version, protocol and port (<c>struct mapping</c>).</summary>
public readonly record struct PmapMapping(uint Prog, uint Vers, uint Prot, uint Port)
{
    public void Encode(XdrWriter w)
    {
        w.WriteUInt32(Prog);
        w.WriteUInt32(Vers);
        w.WriteUInt32(Prot);
        w.WriteUInt32(Port);
    }

    public static PmapMapping Decode(ref XdrReader r) => new(r.ReadUInt32(), r.ReadUInt32(), r.ReadUInt32(), r.ReadUInt32());
}

/// <summary>The portmapper program and its table of registrations.</summary>
public sealed class Portmapper
{
    public const uint Program = 100000;
    public const uint Version = 2;
    public const uint IPPROTO_TCP = 6;
    public const uint IPPROTO_UDP = 17;

    public const uint PMAPPROC_NULL = 0, PMAPPROC_SET = 1, PMAPPROC_UNSET = 2, PMAPPROC_GETPORT = 3, PMAPPROC_DUMP = 4;

    /// <summary>The highest privileged port: a SET or UNSET must come from one at or below it.</summary>
    public const int MaxPrivilegedPort = 1023;

    private readonly List<PmapMapping> _map = new();
    private readonly HashSet<PmapMapping> _own = new();   // made in process: not changed over RPC
    private readonly Func<string, bool> _isLocal;

    /// <param name="isLocal">Whether a client address is this host's own (may SET and UNSET from a privileged port).</param>
    public Portmapper(Func<string, bool> isLocal) => _isLocal = isLocal;

    /// <summary>Registers (or re-registers) a program's port as the server's own; false when that prog/vers/prot has another port.</summary>
    public bool Set(PmapMapping m) => Set(m, own: true);

    private bool Set(PmapMapping m, bool own)
    {
        lock (_map)
        {
            if (_map.Any(x => x.Prog == m.Prog && x.Vers == m.Vers && x.Prot == m.Prot && x.Port != m.Port))
                return false;
            if (!_map.Contains(m))
                _map.Add(m);
            if (own)
                _own.Add(m);
            return true;
        }
    }

    /// <summary>Removes every registration of a program version; true when there was one.</summary>
    public bool Unset(uint prog, uint vers) => Unset(prog, vers, own: true);

    private bool Unset(uint prog, uint vers, bool own)
    {
        lock (_map)
        {
            if (!own && _map.Any(x => x.Prog == prog && x.Vers == vers && _own.Contains(x)))
                return false;
            _own.RemoveWhere(x => x.Prog == prog && x.Vers == vers);
            return _map.RemoveAll(x => x.Prog == prog && x.Vers == vers) > 0;
        }
    }

    /// <summary>May this call change the table: from this host, from a privileged port.</summary>
    private bool MayChange(RpcCall call) =>
        _isLocal(call.ClientAddress) && call.Connection.RemotePort is > 0 and <= MaxPrivilegedPort;

    /// <summary>The port of a program version over a protocol, or 0.</summary>
    public uint GetPort(uint prog, uint vers, uint prot)
    {
        lock (_map)
            return _map.FirstOrDefault(x => x.Prog == prog && x.Vers == vers && x.Prot == prot).Port;
    }

    /// <summary>Every registration.</summary>
    public IReadOnlyList<PmapMapping> Mappings
    {
        get { lock (_map) return _map.ToArray(); }
    }

    /// <summary>The RPC program serving this table.</summary>
    public RpcProgram ToProgram() => new RpcProgram("portmap", Program, Version, Version)
        .Add(Version, PMAPPROC_NULL, "NULL", Null)
        .Add(Version, PMAPPROC_SET, "SET", SetProc, idempotent: false)
        .Add(Version, PMAPPROC_UNSET, "UNSET", UnsetProc, idempotent: false)
        .Add(Version, PMAPPROC_GETPORT, "GETPORT", GetPortProc)
        .Add(Version, PMAPPROC_DUMP, "DUMP", DumpProc);

    private static AcceptStat Null(RpcCall call, ref XdrReader args, XdrWriter res) =>
        args.AtEnd ? AcceptStat.SUCCESS : AcceptStat.GARBAGE_ARGS;

    private AcceptStat SetProc(RpcCall call, ref XdrReader args, XdrWriter res)
    {
        var m = PmapMapping.Decode(ref args);
        if (!args.AtEnd)
            return AcceptStat.GARBAGE_ARGS;
        res.WriteBool(MayChange(call) && Set(m, own: false));
        return AcceptStat.SUCCESS;
    }

    private AcceptStat UnsetProc(RpcCall call, ref XdrReader args, XdrWriter res)
    {
        var m = PmapMapping.Decode(ref args);
        if (!args.AtEnd)
            return AcceptStat.GARBAGE_ARGS;
        res.WriteBool(MayChange(call) && Unset(m.Prog, m.Vers, own: false));
        return AcceptStat.SUCCESS;
    }

    private AcceptStat GetPortProc(RpcCall call, ref XdrReader args, XdrWriter res)
    {
        var m = PmapMapping.Decode(ref args);
        if (!args.AtEnd)
            return AcceptStat.GARBAGE_ARGS;
        res.WriteUInt32(GetPort(m.Prog, m.Vers, m.Prot));
        return AcceptStat.SUCCESS;
    }

    private AcceptStat DumpProc(RpcCall call, ref XdrReader args, XdrWriter res)
    {
        if (!args.AtEnd)
            return AcceptStat.GARBAGE_ARGS;
        foreach (var m in Mappings)
        {
            res.WriteBool(true);
            m.Encode(res);
        }
        res.WriteBool(false);
        return AcceptStat.SUCCESS;
    }
}
