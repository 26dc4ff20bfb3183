// Vfs.Nfs / transports: a reply sent while it is being made (a streamed READ).
//
// A 1 MiB READ reply is made by reading the file into the reply buffer and then sent. A client that keeps one
// READ in flight (libnfs's nfs-cp) waits through the whole read before the first byte reaches it, and the
// server waits through the client's copy of the last reply before the next call comes. A streamed reply
// overlaps the two: the procedure fixes the record's length first (the READ's count is known from the size
// before the data is read), sends the record mark, the header and each piece of data as soon as it is in the
// buffer, and the client copies one piece while the server reads the next.
//
// Rules, so that a stream never interleaves with another reply nor waits for a slow client:
//   - only a connection's lone call streams (RpcCall.CanStream): it runs on the connection's reading thread
//     while no other call of the connection runs and nothing is read from it, so nothing else posts meanwhile;
//   - only while nothing of the connection is unsent (no sender thread is carrying an earlier reply);
//   - every piece goes with a send that never waits (SendNow). When the socket takes less than a piece, the
//     stream stops: the procedure makes the rest of the reply in the buffer, and Post with the bytes already
//     sent hands the remainder to the connection's sender thread, as any reply that does not go at once;
//   - once part of a record has gone, its length cannot change: a procedure that cannot make the rest
//     (a device error, or a truncate that came between its pieces) breaks the connection off (Abort), and the
//     client retransmits on a new connection.
using UnixVfs.Core;
using UnixVfs.Nfs.Xdr;

namespace UnixVfs.Nfs.Net;

/// <summary>A connection that can send a reply's record before the whole of it is made.</summary>
internal interface IStreamingConnection
{
    /// <summary>
    /// Sends, without waiting, the start of a reply record of <paramref name="recordLength"/> bytes whose first
    /// <paramref name="body"/>.Length bytes are made: the record mark and then the body, from byte
    /// <paramref name="sent"/> of the two on (0 at the first piece). Advances <paramref name="sent"/> by what the
    /// socket took. True when it took everything given; false when it took less, something else of this connection
    /// is unsent, or the connection is closed or broken (the stream stops; Post finishes the record).
    /// </summary>
    bool TrySendPart(ReadOnlySpan<byte> body, int recordLength, ref int sent);

    /// <summary>
    /// Post for a reply whose first <paramref name="sent"/> bytes (record mark included) went out by
    /// TrySendPart: sends the rest as Post sends a reply. Returns what Post returns.
    /// </summary>
    Errno Post(XdrWriter w, int sent, out bool kept);
}
