// Vfs.Nfs / transports: RPC over UDP (RFC 5531 section 10: one datagram is one record, no marking),
// for the portmapper and MOUNT, which stock tools (rpcinfo, showmount, mount.nfs) reach over UDP, and
// for NFS itself when a client mounts with proto=udp.
//
// A datagram endpoint is bound to the same port number as its TCP listener. Each datagram received
// is a call; its reply goes back to the sender as one datagram through a UdpPeer, a one-call
// "connection" whose RemoteAddress and RemotePort are the sender's, so the dispatcher, the duplicate
// request cache and the portmapper's privileged-port rule work as they do over TCP. A datagram
// longer than MaxDatagram is dropped (it was cut by the receive); a reply longer is not sent (UDP
// offers no more room), so NFS clamps what a reply carries to the connection's MaxRecord: a READ or
// READDIR over UDP returns less than asked, as RFC 1813 allows.
//
// The client side is a UdpConnection: a connected datagram socket that never breaks. A call or a reply
// lost, or nothing listening (an ICMP port unreachable), is silence, and silence is what the RPC
// client's timeout and retransmission (same xid) already handle.
using System.Buffers;
using System.Net;
using System.Net.Sockets;
using UnixVfs.Core;

namespace UnixVfs.Nfs.Net;

/// <summary>A bound UDP socket receiving RPC calls.</summary>
public sealed class UdpEndpoint
{
    /// <summary>The largest datagram taken or sent: what UDP over IPv4 carries.</summary>
    public const int MaxDatagram = 65507;

    private readonly Socket _sock;

    private UdpEndpoint(Socket sock) => _sock = sock;

    /// <summary>The port bound.</summary>
    public int Port => ((IPEndPoint)_sock.LocalEndPoint!).Port;

    /// <summary>Binds <paramref name="address"/>:<paramref name="port"/>. Returns OK, EADDRINUSE, EINVAL.</summary>
    public static Errno Bind(string address, int port, out UdpEndpoint? endpoint)
    {
        endpoint = null;
        if (!TcpNetwork.TryParseAddress(address, out var ip) || port < 0 || port > 65535)
            return Errno.EINVAL;
        var s = new Socket(ip!.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            s.Bind(new IPEndPoint(ip, port));
        }
        catch (SocketException e)
        {
            s.Dispose();
            return e.SocketErrorCode == SocketError.AddressAlreadyInUse ? Errno.EADDRINUSE : Errno.EINVAL;
        }
        endpoint = new UdpEndpoint(s);
        return Errno.OK;
    }

    /// <summary>
    /// Waits for the next call. Returns OK with the record (the caller releases it) and the peer to answer through;
    /// EAGAIN for a datagram to skip (over the maximum, or an error of one peer); ECONNABORTED once closed.
    /// </summary>
    public Errno Receive(out RpcRecord record, out IRpcConnection? peer)
    {
        record = default;
        peer = null;
        var buf = ArrayPool<byte>.Shared.Rent(MaxDatagram + 1);
        try
        {
            EndPoint from = new IPEndPoint(_sock.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
            int n = _sock.ReceiveFrom(buf, ref from);
            if (n > MaxDatagram)
                return Errno.EAGAIN;
            record = new RpcRecord(buf, n);
            buf = null;
            peer = new UdpPeer(_sock, (IPEndPoint)from);
            return Errno.OK;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.MessageSize)
        {
            return Errno.EAGAIN;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return Errno.ECONNABORTED;
        }
        finally
        {
            if (buf is not null)
                ArrayPool<byte>.Shared.Return(buf);
        }
    }

    /// <summary>Stops receiving; a blocked Receive returns ECONNABORTED.</summary>
    public void Close() => _sock.Dispose();

    /// <summary>The sender of one datagram, answered with one datagram.</summary>
    private sealed class UdpPeer(Socket sock, IPEndPoint to) : IRpcConnection
    {
        public string RemoteAddress { get; } = (to.Address.IsIPv4MappedToIPv6 ? to.Address.MapToIPv4() : to.Address).ToString();
        public int RemotePort => to.Port;
        public bool HasPending => false;
        public int MaxRecord => MaxDatagram;

        public Errno Send(ReadOnlyMemory<byte> record)
        {
            if (record.Length > MaxDatagram)
                return Errno.ENOBUFS;
            try
            {
                sock.SendTo(record.Span, SocketFlags.None, to);
                return Errno.OK;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return Errno.ECONNRESET;
            }
        }

        public Errno Receive(out RpcRecord record)
        {
            record = default;
            return Errno.ENOTCONN;
        }

        public void Close() { }

        public void Abort() { }
    }
}

/// <summary>A client's RPC "connection" over UDP (proto=udp): each call one datagram, each reply one datagram.</summary>
public sealed class UdpConnection : IRpcConnection
{
    private readonly Socket _sock;

    private UdpConnection(Socket sock, IPEndPoint to)
    {
        _sock = sock;
        RemoteAddress = to.Address.ToString();
        RemotePort = to.Port;
    }

    /// <summary>A socket connected to <paramref name="address"/>:<paramref name="port"/>. Returns OK or EINVAL.</summary>
    public static Errno Connect(string address, int port, out IRpcConnection? connection)
    {
        connection = null;
        if (!TcpNetwork.TryParseAddress(address, out var ip) || port <= 0 || port > 65535)
            return Errno.EINVAL;
        var s = new Socket(ip!.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        var to = new IPEndPoint(ip, port);
        try
        {
            s.Connect(to);
        }
        catch (SocketException)
        {
            s.Dispose();
            return Errno.EINVAL;
        }
        connection = new UdpConnection(s, to);
        return Errno.OK;
    }

    public string RemoteAddress { get; }
    public int RemotePort { get; }
    public int MaxRecord => UdpEndpoint.MaxDatagram;

    public bool HasPending
    {
        get
        {
            try { return _sock.Available > 0; }
            catch (ObjectDisposedException) { return false; }
        }
    }

    /// <summary>Sends one call. A refusal (nothing listening yet) is a loss: OK, and the timeout retransmits.</summary>
    public Errno Send(ReadOnlyMemory<byte> record)
    {
        if (record.Length > UdpEndpoint.MaxDatagram)
            return Errno.ENOBUFS;
        try
        {
            _sock.Send(record.Span);
            return Errno.OK;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.ConnectionReset)
        {
            return Errno.OK;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return Errno.ENOTCONN;
        }
    }

    /// <summary>Waits for the next reply; skips what cannot be one (cut, or an ICMP error). ECONNABORTED once closed.</summary>
    public Errno Receive(out RpcRecord record)
    {
        record = default;
        while (true)
        {
            var buf = ArrayPool<byte>.Shared.Rent(UdpEndpoint.MaxDatagram + 1);
            try
            {
                int n = _sock.Receive(buf);
                if (n > UdpEndpoint.MaxDatagram)
                    continue;
                record = new RpcRecord(buf, n);
                buf = null;
                return Errno.OK;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.ConnectionReset
                                                or SocketError.MessageSize)
            {
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return Errno.ECONNABORTED;
            }
            finally
            {
                if (buf is not null)
                    ArrayPool<byte>.Shared.Return(buf);
            }
        }
    }

    public void Close() => _sock.Dispose();

    public void Abort() => _sock.Dispose();
}
