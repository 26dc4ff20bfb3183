// Vfs.Nfs / transports: RPC over real TCP sockets, with record marking (RecordMarking.cs).
//
// Addresses are IP addresses (or "localhost"); a listener binds exactly the address it is given,
// so a test server on 127.0.0.1 is not reachable from anywhere else. Sockets have Nagle off (an
// RPC is a request and a reply; waiting to coalesce them only adds latency) and large buffers
// (1 MiB READs and WRITEs). A record is sent as one fragment, mark and body in one gathered send.
// "Crashing" a connection (Abort) closes it with a reset, as a host that died and came back would.
//
// A server's replies are posted, not sent (Post): what the socket takes without waiting goes out at
// once from the posting thread (SendNow.cs), and the rest waits in the connection's queue for the
// connection's sender thread, made then and gone once the queue is empty, so a client that never reads
// its replies holds up nobody's service thread. The RPC server stops reading calls
// from a connection whose queue is long (Unsent, WaitUnsent). Connections a listener accepts charge
// the buffers of the records they receive to the network's BufferBudget. An Accept that finds the
// process out of file descriptors says EMFILE, and the listener stays open.
using System.Net;
using System.Net.Sockets;
using UnixVfs.Core;
using UnixVfs.Nfs.Xdr;

namespace UnixVfs.Nfs.Net;

/// <summary>RPC over TCP/IP.</summary>
public sealed class TcpNetwork : IRpcNetwork
{
    /// <summary>A network with the default maximum record size and the system clock.</summary>
    public static readonly TcpNetwork Default = new();

    /// <param name="maxRecord">The largest record a connection accepts; a peer announcing more is disconnected.</param>
    /// <param name="budget">What accepted connections' buffers are charged to (default: 64 MiB on the system clock).</param>
    /// <param name="clock">The clock of timeouts (default: the system clock).</param>
    public TcpNetwork(int maxRecord = RecordMarking.DefaultMaxRecord, BufferBudget? budget = null, TimeProvider? clock = null)
    {
        MaxRecord = maxRecord;
        Clock = clock ?? TimeProvider.System;
        Budget = budget ?? new BufferBudget(BufferBudget.DefaultLimit, Clock);
    }

    /// <summary>The largest record accepted.</summary>
    public int MaxRecord { get; }

    /// <summary>The buffers of accepted (server-side) connections.</summary>
    public BufferBudget Budget { get; }

    public TimeProvider Clock { get; }

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

    public bool IsLocal(string address) => IPAddress.TryParse(address, out var ip) && IPAddress.IsLoopback(ip);

    public Errno ListenDatagram(string address, int port, out UdpEndpoint? endpoint) => UdpEndpoint.Bind(address, port, out endpoint);

    public bool Datagrams => true;

    public Errno ConnectDatagram(string address, int port, out IRpcConnection? connection) =>
        UdpConnection.Connect(address, port, out connection);

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
        listener = new TcpListenerEndpoint(s, MaxRecord, Budget);
        return Errno.OK;
    }

    public Errno Connect(string address, int port, TimeSpan timeout, out IRpcConnection? connection)
    {
        connection = null;
        if (!TryParseAddress(address, out var ip) || port <= 0 || port > 65535)
            return Errno.EINVAL;
        var s = new Socket(ip!.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        var err = ConnectWithin(s, new IPEndPoint(ip, port), timeout);
        if (err != SocketError.Success)
        {
            s.Dispose();
            return err switch
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

    /// <summary>
    /// connect(2) with a timeout, on a descriptor that stays blocking. .NET on Linux keeps a socket's descriptor
    /// non-blocking for good once it has been made so, by an asynchronous operation (ConnectAsync included) or by
    /// Blocking = false even when set back to true; every "blocking" Receive on it is then emulated: a recvmsg that
    /// says EAGAIN, a wait for the runtime's epoll thread, which hands the readiness to a thread-pool thread, which
    /// wakes the receiver -- two wake-ups more per reply, and thread-pool threads spinning for work in between
    /// (docs/benchmarks.md, "Stop 28: the NFS server's handoffs per call"). So the connect itself blocks, bounded by
    /// SO_SNDTIMEO, which Linux applies to a blocking connect (it then fails with EINPROGRESS, which .NET reports as
    /// TimedOut); the option is cleared again once connected, so that sends are not bounded by it.
    /// </summary>
    private static SocketError ConnectWithin(Socket s, IPEndPoint ep, TimeSpan timeout)
    {
        try
        {
            bool bounded = timeout >= TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan;
            if (bounded)
                SetSendTimeout(s, timeout < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : timeout);
            s.Connect(ep);
            if (bounded)
                SetSendTimeout(s, TimeSpan.Zero);
            return SocketError.Success;
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode is SocketError.InProgress or SocketError.WouldBlock ? SocketError.TimedOut : e.SocketErrorCode;
        }
    }

    /// <summary>SO_SNDTIMEO (zero: none) set on the descriptor itself, as a struct timeval of the LP64 Linux ABI.</summary>
    private static void SetSendTimeout(Socket s, TimeSpan t)
    {
        if (!OperatingSystem.IsLinux())
        {
            s.SendTimeout = (int)t.TotalMilliseconds;
            return;
        }
        const int SOL_SOCKET = 1, SO_SNDTIMEO = 21;   // asm-generic/socket.h
        Span<long> tv = [(long)t.TotalSeconds, t.Microseconds + 1000L * t.Milliseconds];
        s.SetRawSocketOption(SOL_SOCKET, SO_SNDTIMEO, System.Runtime.InteropServices.MemoryMarshal.AsBytes(tv));
    }

    private sealed class TcpListenerEndpoint(Socket sock, int maxRecord, BufferBudget budget) : IRpcListener
    {
        public int Port { get; } = ((IPEndPoint)sock.LocalEndPoint!).Port;

        public Errno Accept(out IRpcConnection? connection)
        {
            connection = null;
            Socket? s = null;
            try
            {
                s = sock.Accept();
                connection = new TcpConnection(s, maxRecord, budget);
                return Errno.OK;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable)
            {
                return Errno.EMFILE;
            }
            catch (SocketException) when (s is not null)
            {
                s.Dispose();   // the peer left before we looked at it
                return Errno.EAGAIN;
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
    private readonly byte[] _mark = new byte[4];
    private readonly int _max;
    private volatile bool _closed;

    // The send side. _sendLock covers everything below; a blocking Send waits until the queue is empty.
    // Invariant: _sending is null exactly when nothing waits to be sent (the queue is then empty too), and
    // while it is not null a sender thread is running (_senderRunning) that will send it and the queue.
    private readonly object _sendLock = new();
    private readonly Queue<XdrWriter> _queue = new();   // replies waiting behind the one being sent
    private XdrWriter? _sending;                        // the reply the sender thread is carrying, or null
    private int _sendingOffset;                         // bytes of _sending's record, mark included, already sent
    private bool _senderRunning;                        // the sender thread has started and not yet ended
    private long _unsent;                               // bytes of _sending and _queue

    internal TcpConnection(Socket sock, int maxRecord, BufferBudget? budget = null)
    {
        _sock = sock;
        _max = maxRecord;
        sock.NoDelay = true;
        sock.SendBufferSize = 4 << 20;
        sock.ReceiveBufferSize = 4 << 20;
        _reader = new RecordReader(sock, maxRecord, budget, () => _closed);
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

    public long Unsent
    {
        get { lock (_sendLock) return _unsent; }
    }

    public void WaitUnsent(long bytes, TimeSpan timeout)
    {
        lock (_sendLock)
            if (_unsent > bytes && !_closed)
                Monitor.Wait(_sendLock, timeout);
    }

    public Errno Send(ReadOnlyMemory<byte> record)
    {
        if (record.Length > _max)
            return Errno.ENOBUFS;
        lock (_sendLock)
        {
            while (_sending is not null && !_closed)
                Monitor.Wait(_sendLock);
            if (_closed)
                return Errno.ENOTCONN;
            try
            {
                // Mark and body gathered into one sendmsg: one segment train on the wire, and the peer is woken once
                // per record rather than first for a lone four-byte mark. What the socket does not take at once
                // follows with blocking sends.
                RecordMarking.WriteMark(_mark, record.Length);
                if (SendNow.Try(_sock, _mark, record.Span, out int sent) != Errno.OK)
                    return Errno.ECONNRESET;
                if (sent < 4)
                    SendAll(_mark.AsSpan(sent));
                SendAll(record.Span[Math.Max(0, sent - 4)..]);
                return Errno.OK;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return Errno.ECONNRESET;
            }
        }
    }

    public Errno Post(XdrWriter w, out bool kept)
    {
        kept = false;
        if (w.Length > _max)
            return Errno.ENOBUFS;
        lock (_sendLock)
        {
            if (_closed)
                return Errno.ENOTCONN;
            if (_sending is null)
            {
                // Nothing ahead of it: what the socket takes now goes from this thread, the rest from the sender's.
                RecordMarking.WriteMark(_mark, w.Length);
                if (SendNow.Try(_sock, _mark, w.WrittenSpan, out int sent) != Errno.OK)
                    return Errno.ECONNRESET;
                if (sent == 4 + w.Length)
                    return Errno.OK;
                _sending = w;
                _sendingOffset = sent;
            }
            else
            {
                _queue.Enqueue(w);
            }
            kept = true;
            _unsent += w.Length;
            if (!_senderRunning)
                StartSender();
            return Errno.OK;
        }
    }

    /// <summary>Starts this connection's sender thread. Called with _sendLock held.</summary>
    private void StartSender()
    {
        try
        {
            new Thread(SenderLoop) { IsBackground = true, Name = $"rpc send {RemoteAddress}:{RemotePort}" }.Start();
            _senderRunning = true;
        }
        catch (OutOfMemoryException)
        {
            // No thread to finish the reply with, and part of it may be on the wire: the stream cannot go on.
            DropQueue();
            Abort();
        }
    }

    /// <summary>
    /// The sender thread: sends _sending from where it stands, then each queued reply, with blocking sends, and ends
    /// when nothing is left (or the connection breaks).
    /// </summary>
    private void SenderLoop()
    {
        var mark = new byte[4];
        while (true)
        {
            XdrWriter w;
            int from;
            lock (_sendLock)
            {
                if (_sending is null || _closed)
                {
                    _senderRunning = false;
                    return;
                }
                w = _sending;
                from = _sendingOffset;
            }
            try
            {
                RecordMarking.WriteMark(mark, w.Length);
                if (from < 4)
                    SendAll(mark.AsSpan(from));
                SendAll(w.WrittenSpan[Math.Max(0, from - 4)..]);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                lock (_sendLock)
                {
                    DropQueue();
                    _senderRunning = false;
                }
                return;
            }
            lock (_sendLock)
                if (_sending == w)
                    SentOne(w);
        }
    }

    /// <summary>_sending has gone out: the next queued reply (if any) is the one to send. Called with _sendLock held.</summary>
    private void SentOne(XdrWriter w)
    {
        _unsent -= w.Length;
        _sending = _queue.Count > 0 ? _queue.Dequeue() : null;
        _sendingOffset = 0;
        Monitor.PulseAll(_sendLock);
    }

    /// <summary>The connection broke or closed: nothing queued will go. Called with _sendLock held.</summary>
    private void DropQueue()
    {
        _unsent = 0;
        _queue.Clear();
        _sending = null;
        Monitor.PulseAll(_sendLock);
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
        if (err != Errno.OK)
            _reader.Dispose();
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
        lock (_sendLock)
            DropQueue();
    }

    public void Abort()
    {
        if (_closed)
            return;
        _closed = true;
        try { _sock.LingerState = new LingerOption(true, 0); } catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        _sock.Dispose();
        lock (_sendLock)
            DropQueue();
    }
}
