// Vfs.Nfs / transports: one send that never blocks, on a socket .NET keeps in blocking mode.
//
// A server posts its replies (TcpConnection.Post): a reply goes out at once when the socket takes it, and
// otherwise waits for the connection's sender thread, so that a client that does not read holds up no
// service thread. "Send what the socket takes now" is sendmsg(2) with MSG_DONTWAIT. .NET has no such
// flag, and its asynchronous sends have a cost here: the first asynchronous operation on a socket makes
// its descriptor non-blocking for good, after which every blocking Receive on it waits through the
// runtime's epoll thread, one more wake-up per call. That halved one client's small-call rate
// (docs/benchmarks.md, "The NFS server's small calls"). So the call goes to the C library directly, with
// the descriptor's own flags untouched. Elsewhere than Linux it sends nothing, and every reply takes the
// sender thread's path. A blocking Send (a client's call) starts with the same gathered sendmsg and sends
// what the socket did not take with blocking sends: Socket.Send of a buffer list pins and allocates per call.
using System.Net.Sockets;
using System.Runtime.InteropServices;
using UnixVfs.Core;

namespace UnixVfs.Nfs.Net;

internal static unsafe partial class SendNow
{
    private const int MSG_DONTWAIT = 0x40, MSG_NOSIGNAL = 0x4000;   // linux/socket.h
    private const int EINTR = 4, EAGAIN = 11;

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public byte* Base;
        public nuint Len;
    }

    /// <summary>struct msghdr of the LP64 Linux ABI (x86-64 and arm64 alike).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public void* Name;
        public uint NameLen;
        public IoVec* Iov;
        public nuint IovLen;
        public void* Control;
        public nuint ControlLen;
        public int Flags;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint sendmsg(SafeSocketHandle fd, MsgHdr* msg, int flags);

    /// <summary>
    /// Sends as much of <paramref name="mark"/> followed by <paramref name="body"/> as <paramref name="sock"/> takes
    /// without waiting, gathered into one sendmsg. Returns OK with the bytes taken in <paramref name="sent"/> (0 when
    /// the send buffer is full), or ECONNRESET when the connection is broken.
    /// </summary>
    public static Errno Try(Socket sock, ReadOnlySpan<byte> mark, ReadOnlySpan<byte> body, out int sent)
    {
        sent = 0;
        if (!OperatingSystem.IsLinux())
            return Errno.OK;
        fixed (byte* m = mark)
        fixed (byte* b = body)
        {
            var iov = stackalloc IoVec[2];
            iov[0] = new IoVec { Base = m, Len = (nuint)mark.Length };
            iov[1] = new IoVec { Base = b, Len = (nuint)body.Length };
            var msg = new MsgHdr { Iov = iov, IovLen = 2 };
            while (true)
            {
                nint n;
                try { n = sendmsg(sock.SafeHandle, &msg, MSG_DONTWAIT | MSG_NOSIGNAL); }
                catch (ObjectDisposedException) { return Errno.ECONNRESET; }
                if (n >= 0)
                {
                    sent = (int)n;
                    return Errno.OK;
                }
                int e = Marshal.GetLastPInvokeError();
                if (e == EAGAIN)
                    return Errno.OK;
                if (e != EINTR)
                    return Errno.ECONNRESET;
            }
        }
    }
}
