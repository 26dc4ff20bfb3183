// Vfs.Nfs / portmapper: program 100000 version 2 (RFC 1833), the minimal one stock clients need.
//
// A client that knows only a host asks its portmapper where a program listens (GETPORT) before
// calling it. Ours answers for the programs registered with it -- the NFS server registers MOUNT
// and NFS with the ports it got -- and lists them (DUMP). SET and UNSET are accepted only from the
// portmapper's own host, so a remote client cannot redirect another's calls. CALLIT is not served.
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

    private readonly List<PmapMapping> _map = new();
    private readonly Func<string, bool> _isLocal;

    /// <param name="isLocal">Whether a client address is this host's own (may SET and UNSET).</param>
    public Portmapper(Func<string, bool> isLocal) => _isLocal = isLocal;

    /// <summary>Registers (or re-registers) a program's port; false when that prog/vers/prot has another port.</summary>
    public bool Set(PmapMapping m)
    {
        lock (_map)
        {
            if (_map.Any(x => x.Prog == m.Prog && x.Vers == m.Vers && x.Prot == m.Prot && x.Port != m.Port))
                return false;
            if (!_map.Contains(m))
                _map.Add(m);
            return true;
        }
    }

    /// <summary>Removes every registration of a program version; true when there was one.</summary>
    public bool Unset(uint prog, uint vers)
    {
        lock (_map)
            return _map.RemoveAll(x => x.Prog == prog && x.Vers == vers) > 0;
    }

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
        res.WriteBool(_isLocal(call.ClientAddress) && Set(m));
        return AcceptStat.SUCCESS;
    }

    private AcceptStat UnsetProc(RpcCall call, ref XdrReader args, XdrWriter res)
    {
        var m = PmapMapping.Decode(ref args);
        if (!args.AtEnd)
            return AcceptStat.GARBAGE_ARGS;
        res.WriteBool(_isLocal(call.ClientAddress) && Unset(m.Prog, m.Vers));
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
