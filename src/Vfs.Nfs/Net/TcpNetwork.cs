// Vfs.Nfs / transports: RPC over real TCP sockets, with record marking (RecordMarking.cs).
//
// Addresses are IP addresses (or "localhost"); a listener binds exactly the address it is given,
// so a test server on 127.0.0.1 is not reachable from anywhere else. Sockets have Nagle off (an
// RPC is a request and a reply; waiting to coalesce them only adds latency) and large buffers
// (1 MiB READs and WRITEs). A record is sent as one fragment, mark and body in one gathered send.
// "Crashing" a connection (Abort) closes it with a reset, as a host that died and came back would.
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using UnixVfs.Core;

namespace UnixVfs.Nfs.Net;

/// <summary>RPC over TCP/IP.</summary>
public sealed class TcpNetwork : IRpcNetwork
{
    /// <summary>A network with the default maximum record size and the system clock.</summary>
    public static readonly TcpNetwork Default = new();

    /// <param name="maxRecord">The largest record a connection accepts; a peer announcing more is disconnected.</param>
    public TcpNetwork(int maxRecord = RecordMarking.DefaultMaxRecord) => MaxRecord = maxRecord;

    /// <summary>The largest record accepted.</summary>
    public int MaxRecord { get; }

    public TimeProvider Clock => TimeProvider.System;

    /// <summary>Parses "127.0.0.1", "::1" or "localhost"; false for anything else (no name service here).</summary>
    public static bool TryParseAddress(string address, out IPAddress? ip)
    {
        if (address == "localhost")
        {
            ip = IPAddress.Loopback;
            return true;
        }
        return IPAddress.TryParse(address, out ip);
    }

    public Errno Listen(string address, int port, out IRpcListener? listener)
    {
        listener = null;
        if (!TryParseAddress(address, out var ip) || port < 0 || port > 65535)
            return Errno.EINVAL;
        var s = new Socket(ip!.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            s.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            s.Bind(new IPEndPoint(ip, port));
            s.Listen(512);
        }
        catch (SocketException e)
        {
            s.Dispose();
            return e.SocketErrorCode == SocketError.AddressAlreadyInUse ? Errno.EADDRINUSE : Errno.EINVAL;
        }
        listener = new TcpListenerEndpoint(s, MaxRecord);
        return Errno.OK;
    }

    public Errno Connect(string address, int port, TimeSpan timeout, out IRpcConnection? connection)
    {
        connection = null;
        if (!TryParseAddress(address, out var ip) || port <= 0 || port > 65535)
            return Errno.EINVAL;
        var s = new Socket(ip!.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            using var cts = new CancellationTokenSource(timeout);
            s.ConnectAsync(new IPEndPoint(ip, port), cts.Token).AsTask().GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            s.Dispose();
            return Errno.ETIMEDOUT;
        }
        catch (SocketException e)
        {
            s.Dispose();
            return e.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => Errno.ECONNREFUSED,
                SocketError.TimedOut => Errno.ETIMEDOUT,
                SocketError.HostUnreachable or SocketError.NetworkUnreachable => Errno.EHOSTUNREACH,
                _ => Errno.ECONNREFUSED,
            };
        }
        connection = new TcpConnection(s, MaxRecord);
        return Errno.OK;
    }

    private sealed class TcpListenerEndpoint(Socket sock, int maxRecord) : IRpcListener
    {
        public int Port { get; } = ((IPEndPoint)sock.LocalEndPoint!).Port;

        public Errno Accept(out IRpcConnection? connection)
        {
            connection = null;
            try
            {
                connection = new TcpConnection(sock.Accept(), maxRecord);
                return Errno.OK;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                return Errno.ECONNABORTED;
            }
        }

        public void Close() => sock.Dispose();
    }
}

/// <summary>One TCP connection carrying marked records.</summary>
public sealed class TcpConnection : IRpcConnection
{
    private readonly Socket _sock;
    private readonly RecordReader _reader;
    private readonly object _sendLock = new();
    private readonly byte[] _mark = new byte[4];
    private readonly ArraySegment<byte>[] _gather = new ArraySegment<byte>[2];
    private readonly int _max;
    private volatile bool _closed;

    internal TcpConnection(Socket sock, int maxRecord)
    {
        _sock = sock;
        _max = maxRecord;
        sock.NoDelay = true;
        sock.SendBufferSize = 4 << 20;
        sock.ReceiveBufferSize = 4 << 20;
        _reader = new RecordReader(sock, maxRecord);
        var ep = (IPEndPoint)sock.RemoteEndPoint!;
        var ip = ep.Address.IsIPv4MappedToIPv6 ? ep.Address.MapToIPv4() : ep.Address;
        RemoteAddress = ip.ToString();
        RemotePort = ep.Port;
    }

    public string RemoteAddress { get; }
    public int RemotePort { get; }

    public bool HasPending
    {
        get
        {
            try { return !_closed && (_reader.Buffered > 0 || _sock.Available > 0); }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { return false; }
        }
    }

    public Errno Send(ReadOnlyMemory<byte> record)
    {
        if (record.Length > _max)
            return Errno.ENOBUFS;
        lock (_sendLock)
        {
            if (_closed)
                return Errno.ENOTCONN;
            try
            {
                RecordMarking.WriteMark(_mark, record.Length);
                if (MemoryMarshal.TryGetArray(record, out var body))
                {
                    // Mark and body gathered into one sendmsg: one segment train on the wire, and the peer is
                    // woken once per record rather than first for a lone four-byte mark.
                    _gather[0] = new ArraySegment<byte>(_mark);
                    _gather[1] = body;
                    int sent = _sock.Send(_gather);
                    if (sent < 4)
                        SendAll(_mark.AsSpan(sent));
                    SendAll(body.AsSpan(Math.Max(0, sent - 4)));
                }
                else
                {
                    SendAll(_mark);
                    SendAll(record.Span);
                }
                return Errno.OK;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return Errno.ECONNRESET;
            }
        }
    }

    private void SendAll(ReadOnlySpan<byte> b)
    {
        while (!b.IsEmpty)
            b = b[_sock.Send(b)..];
    }

    public Errno Receive(out RpcRecord record)
    {
        record = default;
        if (_closed)
            return Errno.ECONNABORTED;
        var err = _reader.Read(out record);
        if (err != Errno.OK && _closed)
            return Errno.ECONNABORTED;
        if (err is Errno.ENOBUFS or Errno.EPROTO)
            Close();
        return err;
    }

    public void Close()
    {
        if (_closed)
            return;
        _closed = true;
        try { _sock.Shutdown(SocketShutdown.Both); } catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        _sock.Dispose();
    }

    public void Abort()
    {
        if (_closed)
            return;
        _closed = true;
        try { _sock.LingerState = new LingerOption(true, 0); } catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        _sock.Dispose();
    }
}
