// Vfs.Nfs / ONC RPC: a program as the server's dispatcher sees it -- its number, the versions it
// serves and a table of procedures, one registration per line in the program's own file.
using UnixVfs.Nfs.Net;
using UnixVfs.Nfs.Xdr;

namespace UnixVfs.Nfs.Rpc;

/// <summary>
/// A procedure: decodes its arguments from <paramref name="args"/> (positioned after the call header),
/// writes its results to <paramref name="res"/> (after the accepted-reply header) and returns SUCCESS, or
/// GARBAGE_ARGS when the arguments did not decode (whatever it wrote is then discarded), or SYSTEM_ERR.
/// </summary>
public delegate AcceptStat RpcHandler(RpcCall call, ref XdrReader args, XdrWriter res);

/// <summary>One call being served: its header, who sent it and how it was authenticated.</summary>
public sealed class RpcCall
{
    internal RpcCall(RpcCallHeader header, IRpcConnection connection, RpcRecord record, AuthSys? auth)
    {
        Header = header;
        Connection = connection;
        Record = record;
        Auth = auth;
    }

    public RpcCallHeader Header { get; }

    /// <summary>The connection the call came on (its RemoteAddress is the client's address).</summary>
    public IRpcConnection Connection { get; }

    /// <summary>The whole received record; the arguments are slices of it (valid only while the call is served).</summary>
    public RpcRecord Record { get; }

    /// <summary>The AUTH_SYS credential, or null for AUTH_NONE.</summary>
    public AuthSys? Auth { get; }

    /// <summary>The client's address.</summary>
    public string ClientAddress => Connection.RemoteAddress;

    /// <summary>
    /// Work the procedure asks for once its reply is out, while the client reads it: run with the writer the
    /// connection's next reply will be built in. Honoured only for a call its connection's reader thread served itself
    /// (a client that waits for each reply, RpcServer's lone call) and whose reply the socket took whole; otherwise
    /// dropped (IAfterReply.Drop). (NFS READ reads the next range ahead into the next reply: Server/ReadAhead.cs.)
    /// </summary>
    public IAfterReply? AfterReply { get; set; }

    /// <summary>
    /// The most bytes of results the reply can carry: the transport's record limit (a datagram over UDP) less room
    /// for the reply header. Procedures that return data as asked (READ, READDIR) return no more than this.
    /// </summary>
    public int MaxResults => Connection.MaxRecord == int.MaxValue ? int.MaxValue : Connection.MaxRecord - ReplyHeaderRoom;

    /// <summary>An accepted reply's header with the largest verifier (RFC 5531: 400 bytes of body).</summary>
    private const int ReplyHeaderRoom = 24 + 400;
}

/// <summary>Work done after a reply has gone out (RpcCall.AfterReply).</summary>
public interface IAfterReply
{
    /// <summary>
    /// Runs on the reader thread of the call's connection, before it reads the next call. <paramref name="next"/> is
    /// the writer the next reply on this thread will be built in, the one whose reply just went out: its bytes are the
    /// socket's already, and it may be filled ahead (XdrWriter.Ahead).
    /// </summary>
    void Run(XdrWriter next);

    /// <summary>Called instead of Run when the work is not done: gives back what the procedure took for it.</summary>
    void Drop();
}

/// <summary>How a procedure is registered.</summary>
/// <param name="Name">The procedure's name, for traces.</param>
/// <param name="Handler">The code.</param>
/// <param name="NeedsAuthSys">AUTH_NONE is refused with AUTH_TOOWEAK.</param>
/// <param name="Idempotent">False when running it twice differs from running it once (CREATE, REMOVE, ...): the
/// server's duplicate request cache answers a retransmission with the first reply.</param>
public sealed record RpcProcedure(string Name, RpcHandler Handler, bool NeedsAuthSys, bool Idempotent);

/// <summary>An RPC program: number, version range and procedures.</summary>
public sealed class RpcProgram
{
    private readonly Dictionary<(uint Vers, uint Proc), RpcProcedure> _procs = new();

    public RpcProgram(string name, uint prog, uint versLow, uint versHigh)
    {
        Name = name;
        Prog = prog;
        VersLow = versLow;
        VersHigh = versHigh;
    }

    public string Name { get; }
    public uint Prog { get; }
    public uint VersLow { get; }
    public uint VersHigh { get; }

    /// <summary>Registers procedure <paramref name="proc"/> of version <paramref name="vers"/>.</summary>
    public RpcProgram Add(uint vers, uint proc, string name, RpcHandler handler, bool needsAuthSys = false, bool idempotent = true)
    {
        _procs.Add((vers, proc), new RpcProcedure(name, handler, needsAuthSys, idempotent));
        return this;
    }

    /// <summary>The procedure, or null (PROC_UNAVAIL).</summary>
    public RpcProcedure? Find(uint vers, uint proc) => _procs.GetValueOrDefault((vers, proc));
}
