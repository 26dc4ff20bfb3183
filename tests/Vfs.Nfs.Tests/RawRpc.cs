// Test helper: a client that speaks bytes to a TCP server, for the tests that must send what no
// well-behaved client would (fragments, oversized marks, garbage, truncated records).
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using UnixVfs.Nfs.Net;
using UnixVfs.Nfs.Rpc;
using UnixVfs.Nfs.Xdr;

namespace UnixVfs.Nfs.Tests;

internal sealed class RawRpc : IDisposable
{
    private readonly Socket _s;

    /// <param name="port">The server's port on 127.0.0.1.</param>
    /// <param name="localPort">The port to connect from (below 1024: a privileged one, which needs root); 0 for any.</param>
    /// <param name="receiveTimeoutMs">How long a receive waits before the test counts the server as hung; 0 waits for ever
    /// (for a reader thread that the test stops by disposing the connection).</param>
    public RawRpc(int port, int localPort = 0, int receiveTimeoutMs = 60_000)
    {
        _s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveTimeout = receiveTimeoutMs };
        if (localPort != 0)
        {
            _s.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _s.Bind(new IPEndPoint(IPAddress.Loopback, localPort));
        }
        _s.Connect(new IPEndPoint(IPAddress.Loopback, port));
    }

    /// <summary>shutdown(SHUT_WR): no more calls, replies still welcome (a half-close).</summary>
    public void ShutdownSend() => _s.Shutdown(SocketShutdown.Send);

    /// <summary>A call record: header with the given fields and AUTH_SYS root (or <paramref name="cred"/>), then the arguments.</summary>
    public static byte[] Call(uint xid, uint prog, uint vers, uint proc, Action<XdrWriter>? args = null, OpaqueAuth? cred = null, uint rpcvers = 2)
    {
        var w = new XdrWriter();
        w.WriteUInt32(xid);
        w.WriteUInt32(0);
        w.WriteUInt32(rpcvers);
        w.WriteUInt32(prog);
        w.WriteUInt32(vers);
        w.WriteUInt32(proc);
        (cred ?? new AuthSys(0, "test", 0, 0, []).ToOpaqueAuth()).Encode(w);
        OpaqueAuth.None.Encode(w);
        args?.Invoke(w);
        return w.WrittenSpan.ToArray();
    }

    /// <summary>Sends raw bytes as they are.</summary>
    public void SendRaw(ReadOnlySpan<byte> bytes) => _s.Send(bytes);

    /// <summary>Sends a record in fragments of at most <paramref name="fragment"/> bytes.</summary>
    public void Send(byte[] record, int fragment = int.MaxValue)
    {
        int off = 0;
        do
        {
            int n = Math.Min(fragment, record.Length - off);
            var mark = new byte[4];
            RecordMarking.WriteMark(mark, n, last: off + n == record.Length);
            _s.Send(mark);
            _s.Send(record.AsSpan(off, n));
            off += n;
        } while (off < record.Length);
    }

    /// <summary>The next reply record, or null when the server closed the connection.</summary>
    public byte[]? Receive()
    {
        var ms = new MemoryStream();
        while (true)
        {
            var mark = new byte[4];
            if (!Fill(mark))
                return null;
            uint m = BinaryPrimitives.ReadUInt32BigEndian(mark);
            var body = new byte[m & 0x7fffffff];
            if (!Fill(body))
                return null;
            ms.Write(body);
            if ((m & 0x80000000) != 0)
                return ms.ToArray();
        }
    }

    /// <summary>True when the server has closed the connection (a read sees end of stream or a reset).</summary>
    public bool ClosedByPeer()
    {
        try
        {
            var b = new byte[1];
            return _s.Receive(b) == 0;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            return true;
        }
    }

    private bool Fill(byte[] b)
    {
        int off = 0;
        while (off < b.Length)
        {
            int n;
            try { n = _s.Receive(b, off, b.Length - off, SocketFlags.None); }
            catch (SocketException) { return false; }
            catch (ObjectDisposedException) { return false; }   // the test closed this connection under its reader
            if (n == 0)
                return false;
            off += n;
        }
        return true;
    }

    /// <summary>Sends a record and decodes the reply header.</summary>
    public RpcReplyHeader Roundtrip(byte[] record, out byte[] reply)
    {
        Send(record);
        reply = Receive() ?? throw new InvalidOperationException("connection closed");
        Assert.True(RpcReplyHeader.TryDecode(reply, out var h));
        return h;
    }

    public void Dispose() => _s.Dispose();
}
