// Vfs.Nfs / transports: the one interface both networks implement -- a place to listen and to
// connect, and connections that carry whole RPC records.
//
// Two implementations: TcpNetwork (real sockets, record marking on the byte stream) and SimHost,
// a host's attachment to a SimNetwork (deterministic, seeded latency, loss, partitions, crashes).
// The RPC client and server see only this interface, so everything above it -- portmapper, MOUNT,
// NFS server and client -- runs unchanged over either.
//
// The calls block. A server runs a thread per connection reading records and hands each request
// to the thread pool; a client runs a thread per connection reading replies. Nothing waits on a
// thread-pool thread for I/O to complete, so a pool busy with requests cannot starve the replies
// they wait for (an NFS server exporting an NFS-imported directory does exactly that).
using System.Buffers;
using UnixVfs.Core;
using UnixVfs.Nfs.Xdr;

namespace UnixVfs.Nfs.Net;

/// <summary>A network attachment: where servers listen and from where clients connect.</summary>
public interface IRpcNetwork
{
    /// <summary>The clock RPC timeouts (and, on a simulated network, latencies) are measured by.</summary>
    TimeProvider Clock { get; }

    /// <summary>
    /// Starts listening on <paramref name="address"/>:<paramref name="port"/> (port 0 picks a free one).
    /// Returns OK, EADDRINUSE, EADDRNOTAVAIL-like EINVAL (an address this attachment does not have), ENETDOWN.
    /// </summary>
    Errno Listen(string address, int port, out IRpcListener? listener);

    /// <summary>
    /// Connects to <paramref name="address"/>:<paramref name="port"/>, waiting at most <paramref name="timeout"/>.
    /// Returns OK, ECONNREFUSED (nothing listens), EHOSTUNREACH (down or partitioned), ETIMEDOUT, EINVAL (bad address).
    /// </summary>
    Errno Connect(string address, int port, TimeSpan timeout, out IRpcConnection? connection);

    /// <summary>
    /// True when a peer's <paramref name="address"/> (a connection's RemoteAddress) is this host itself: a loopback
    /// address on TCP, the host's own name on a simulated network. The portmapper takes SET and UNSET only from here.
    /// </summary>
    bool IsLocal(string address);

    /// <summary>
    /// Binds a datagram endpoint for RPC over UDP on <paramref name="address"/>:<paramref name="port"/>. Returns OK,
    /// EADDRINUSE, EINVAL, or EOPNOTSUPP on a network without datagrams (the simulated one).
    /// </summary>
    Errno ListenDatagram(string address, int port, out UdpEndpoint? endpoint)
    {
        endpoint = null;
        return Errno.EOPNOTSUPP;
    }

    /// <summary>True when the network carries datagrams (RPC over UDP): real sockets do, the simulated network does not.</summary>
    bool Datagrams => false;

    /// <summary>
    /// Opens a client's datagram "connection" to <paramref name="address"/>:<paramref name="port"/> for RPC over UDP
    /// (proto=udp). Returns OK, EINVAL (bad address), or EOPNOTSUPP on a network without datagrams (the simulated one).
    /// </summary>
    Errno ConnectDatagram(string address, int port, out IRpcConnection? connection)
    {
        connection = null;
        return Errno.EOPNOTSUPP;
    }
}

/// <summary>A listening endpoint.</summary>
public interface IRpcListener
{
    /// <summary>The port listened on (the one chosen, when 0 was asked for).</summary>
    int Port { get; }

    /// <summary>Waits for the next connection. Returns OK, or ECONNABORTED once the listener is closed (or its host crashed).</summary>
    Errno Accept(out IRpcConnection? connection);

    /// <summary>Stops listening; a blocked Accept returns ECONNABORTED.</summary>
    void Close();
}

/// <summary>A connection carrying whole records in both directions.</summary>
public interface IRpcConnection
{
    /// <summary>The peer's address: an IP address in dotted form, or a simulated host's name.</summary>
    string RemoteAddress { get; }

    /// <summary>The peer's port.</summary>
    int RemotePort { get; }

    /// <summary>The longest record Send takes: a datagram's room over UDP, no limit of its own over a stream.</summary>
    int MaxRecord => int.MaxValue;

    /// <summary>
    /// Sends one record; safe to call from several threads (records are never interleaved).
    /// Returns OK, ECONNRESET (the peer is gone), ENOBUFS (over the maximum record size), ENOTCONN (closed).
    /// </summary>
    Errno Send(ReadOnlyMemory<byte> record);

    /// <summary>
    /// Waits for the next record; one thread at a time. Returns OK with a record the caller must Release,
    /// ECONNRESET (closed by the peer, or broken), ENOBUFS (a record over the maximum: the connection is closed),
    /// EPROTO (a record cut short), ECONNABORTED (closed locally).
    /// </summary>
    Errno Receive(out RpcRecord record);

    /// <summary>True when a Receive would find data without waiting (a record, or part of one, has arrived).</summary>
    bool HasPending { get; }

    /// <summary>
    /// Sends a reply without ever waiting for a slow peer. What cannot be sent at once is queued, and then the
    /// connection keeps <paramref name="w"/> (<paramref name="kept"/> is true) and the caller must not touch it
    /// again. Returns what Send returns. A transport whose Send never waits sends it as Send does.
    /// </summary>
    Errno Post(XdrWriter w, out bool kept)
    {
        kept = false;
        return Send(w.Written);
    }

    /// <summary>
    /// A server side's calls as busy work of a VirtualClock (the simulated network counts a call from its arrival to its
    /// reply), which the thread serving one lends while it waits for time (VirtualClock.Serving); null elsewhere.
    /// </summary>
    VirtualClock.IBusyWork? Work => null;

    /// <summary>A server side received a record it will not answer (a retransmission of a call still running, or no call).</summary>
    void Unanswered() { }

    /// <summary>Bytes of posted replies not yet sent.</summary>
    long Unsent => 0;

    /// <summary>Waits until at most <paramref name="bytes"/> are unsent or the connection is closed, for at most <paramref name="timeout"/>.</summary>
    void WaitUnsent(long bytes, TimeSpan timeout) { }

    /// <summary>Closes the connection; a blocked Receive returns ECONNABORTED.</summary>
    void Close();

    /// <summary>Closes at once, as a crash would: nothing more is sent and the peer sees a reset.</summary>
    void Abort();
}

/// <summary>A received record in a pooled buffer; whoever receives it calls Release once done.</summary>
public readonly struct RpcRecord
{
    private readonly byte[]? _buf;
    private readonly BufferBudget? _budget;

    public RpcRecord(byte[] buffer, int length)
    {
        _buf = buffer;
        Length = length;
    }

    /// <summary>A record whose buffer (all of it) is charged to <paramref name="budget"/>, and goes back to its Buffers, at Release.</summary>
    internal RpcRecord(byte[] buffer, int length, BufferBudget? budget)
        : this(buffer, length) => _budget = budget;

    /// <summary>A record holding a copy of <paramref name="data"/> in a pooled buffer.</summary>
    public static RpcRecord CopyOf(ReadOnlySpan<byte> data)
    {
        var b = ArrayPool<byte>.Shared.Rent(Math.Max(1, data.Length));
        data.CopyTo(b);
        return new RpcRecord(b, data.Length);
    }

    /// <summary>The record's length in bytes.</summary>
    public int Length { get; }

    /// <summary>The record's bytes.</summary>
    public ReadOnlyMemory<byte> Memory => _buf is null ? default : _buf.AsMemory(0, Length);

    /// <summary>The record's bytes as writable memory (the server lets VOP_WRITE read straight out of it).</summary>
    public Memory<byte> WritableMemory => _buf is null ? default : _buf.AsMemory(0, Length);

    public ReadOnlySpan<byte> Span => _buf is null ? default : _buf.AsSpan(0, Length);

    /// <summary>Returns the buffer to the pool; the record must not be used afterwards.</summary>
    public void Release()
    {
        if (_buf is null)
            return;
        if (_budget is null)
        {
            ArrayPool<byte>.Shared.Return(_buf);
            return;
        }
        _budget.Give(_buf.Length);
        _budget.Buffers.Return(_buf);
    }
}
