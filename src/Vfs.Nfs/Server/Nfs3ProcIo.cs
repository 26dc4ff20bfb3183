// Vfs.Nfs / server: READ, WRITE and COMMIT -- the data path.
//
// READ reads straight into the reply: the opaque data item is opened in the reply buffer and
// VOP_READ's Uio points at it, so the bytes are copied once, from the file system to the buffer
// the socket sends. A READ of more than a piece (StreamPiece) that is its connection's lone call is
// streamed: its count is fixed from the size, and each piece goes out as soon as it is read, so the
// client copies one piece while the next is read (Net/IStreamingConnection.cs). WRITE hands
// VOP_WRITE a Uio over the data as it lies in the received record.
//
// Stability: an UNSTABLE write is done without FSYNC/FDSYNC and answered UNSTABLE; DATA_SYNC and
// FILE_SYNC pass FDSYNC or FSYNC to VOP_WRITE and are answered as asked. COMMIT is VOP_FSYNC. Every
// WRITE and COMMIT reply carries the server's write verifier, which changes when the server
// restarts: a client that sees it change resends what it had not committed.
using UnixVfs.Core;
using UnixVfs.Nfs.Protocol;
using UnixVfs.Nfs.Rpc;
using UnixVfs.Nfs.Xdr;

namespace UnixVfs.Nfs.Server;

public sealed partial class Nfs3Service
{
    /// <summary>READ: fh, offset, count -> status, attrs, count, eof, data.</summary>
    private AcceptStat Read(RpcCall call, ref XdrReader args, XdrWriter res)
    {
        var fh = ReadFh(ref args);
        ulong offset = args.ReadUInt64();
        uint count = args.ReadUInt32();
        if (!args.AtEnd)
            return AcceptStat.GARBAGE_ARGS;
        if (!Resolved(call, fh, res, Fail.PostOp, out var o, out var st))
            return AcceptStat.SUCCESS;
        try
        {
            var va = Attrs(o.Vp, o.Cred);
            st = o.Vp.Type switch
            {
                VType.VDIR => NfsStat3.NFS3ERR_ISDIR,
                VType.VREG => offset > long.MaxValue ? NfsStat3.NFS3ERR_INVAL : NfsStat3.NFS3_OK,
                _ => NfsStat3.NFS3ERR_INVAL,
            };
            // As for WRITE, the owner reads whatever the mode (what it opened may since have been chmod'ed).
            if (st == NfsStat3.NFS3_OK && (va is null || va.Uid != o.Cred.Uid))
                st = Map(Vop.Access(o.Vp, AccessMode.VREAD, AccessFlags.None, o.Cred));
            res.WriteUInt32((uint)st);
            Nfs3Attr.WritePostOp(res, va);
            if (st != NfsStat3.NFS3_OK)
                return AcceptStat.SUCCESS;
            // At most MaxIo, and what the transport can carry back (a datagram over UDP), less the other results.
            int n = (int)Math.Min(Math.Min(count, (uint)_server.Options.MaxIo), (uint)Math.Max(0, call.MaxResults - (res.Length + 8)));
            int countAt = res.Reserve();
            int eofAt = res.Reserve();
            var data = res.BeginOpaque(n);
            var uio = new Uio(data, (long)offset, UioRw.UIO_READ);
            // Several pieces' worth of data, to a client that waits for it (a lone call), are streamed.
            int want = va is null ? 0 : (int)Math.Clamp(va.Size - (long)offset, 0, n);
            bool stream = want > StreamPiece && call.CanStream && !BrokenOffAt(va!, (long)offset);
            Vop.Rwlock(o.Vp, RwLockType.Reader);
            int got;
            Errno err;
            if (stream)
            {
                err = ReadStreamed(call, o.Vp, o.Cred, uio, data[..want], res, countAt, eofAt, va!.Size, out got);
            }
            else
            {
                err = Vop.Read(o.Vp, uio, FileFlags.None, o.Cred);
                got = (int)(n - uio.Resid);
            }
            Vop.Rwunlock(o.Vp, RwLockType.Reader);
            if (call.Streamed < 0)
            {
                // Broken off part way: no reply. The client's retransmission of this READ is not streamed.
                Volatile.Write(ref _brokenOff, new BrokenOffRead(va!.Fsid, va.NodeId, (long)offset));
                Interlocked.Increment(ref _brokenOffReads);
                return AcceptStat.SUCCESS;
            }
            res.EndOpaque(got);
            if (call.Streamed > 0)
            {
                // Its count and eof went out with its start (ReadStreamed).
                Interlocked.Increment(ref _streamedReads);
                Interlocked.Add(ref _readBytes, got);
                return AcceptStat.SUCCESS;
            }
            if (err != Errno.OK && got == 0)
            {
                // Rewrite as a failure: status and the attributes only.
                res.Truncate(countAt - (va is null ? 8 : 92));
                res.WriteUInt32((uint)Map(err));
                Nfs3Attr.WritePostOp(res, va);
                return AcceptStat.SUCCESS;
            }
            // The size after the read decides eof. va's attributes are in the reply already, so its object takes them.
            long size = va?.Size ?? 0;
            var after = va ?? new Vattr(AttrMask.AT_SIZE);
            if (Vop.Getattr(o.Vp, after, AttrFlags.None, o.Cred) == Errno.OK)
                size = after.Size;
            res.Patch(countAt, (uint)got);
            res.Patch(eofAt, (long)offset + got >= size ? 1u : 0u);
            Interlocked.Add(ref _readBytes, got);
            return AcceptStat.SUCCESS;
        }
        finally
        {
            o.Rele();
        }
    }

    /// <summary>The data a streamed READ reads and sends at a time.</summary>
    public const int StreamPiece = 256 * 1024;

    /// <summary>A READ whose streamed reply was broken off (fsid, fileid, offset): its retransmission is not streamed.</summary>
    private sealed record BrokenOffRead(ulong Fsid, ulong NodeId, long Offset);

    private BrokenOffRead? _brokenOff;

    private bool BrokenOffAt(Vattr va, long offset) =>
        Volatile.Read(ref _brokenOff) is { } b && b.Fsid == va.Fsid && b.NodeId == va.NodeId && b.Offset == offset;

    /// <summary>
    /// Reads the <paramref name="data"/>.Length bytes the attributes promise at uio.Offset into the open opaque item
    /// of <paramref name="res"/>, a piece at a time, sending the reply up to each piece as it is read (RpcCall.StreamReply;
    /// Net/IStreamingConnection.cs): the count, eof and the opaque's length are fixed before the first piece goes.
    /// When the file gives fewer bytes (an error, or a truncate that came between pieces) after a piece went out,
    /// the call is broken off. Returns the first error, with the bytes read in <paramref name="got"/>. Caller holds
    /// the vnode's rwlock as a reader.
    /// </summary>
    private static Errno ReadStreamed(RpcCall call, Vnode vp, Cred cr, Uio uio, Memory<byte> data, XdrWriter res,
        int countAt, int eofAt, long size, out int got)
    {
        int want = data.Length;
        long offset = uio.Offset;
        int dataAt = res.Length;   // the opaque's bytes; its length word is the one before
        int recordLength = dataAt + XdrWriter.Pad(want);
        res.Patch(countAt, (uint)want);
        res.Patch(eofAt, offset + want >= size ? 1u : 0u);
        res.Patch(dataAt - 4, (uint)want);
        bool streaming = true;
        got = 0;
        while (got < want)
        {
            int piece = Math.Min(StreamPiece, want - got);
            uio.Reset(data.Slice(got, piece), offset + got, UioRw.UIO_READ);
            var err = Vop.Read(vp, uio, FileFlags.None, cr);
            int read = piece - (int)uio.Resid;
            got += read;
            if (err != Errno.OK || read < piece)
            {
                if (call.Streamed > 0)
                    call.BreakOff();
                return err;
            }
            // The last piece goes with the reply's end (Post); a piece the socket did not take all of ends the stream.
            if (streaming && got < want)
                streaming = call.StreamReply(res, dataAt + got, recordLength);
        }
        return Errno.OK;
    }

    /// <summary>WRITE: fh, offset, count, stable_how, data -> status, wcc_data, count, committed, verifier.</summary>
    private AcceptStat Write(RpcCall call, ref XdrReader args, XdrWriter res)
    {
        var fh = ReadFh(ref args);
        ulong offset = args.ReadUInt64();
        uint count = args.ReadUInt32();
        var stable = (StableHow)args.ReadUInt32();
        int dataAt = args.Position + 4;
        var data = args.ReadOpaque(_server.Options.MaxIo + 4096);
        if (!args.AtEnd || stable > StableHow.FILE_SYNC || count > data.Length)
            return AcceptStat.GARBAGE_ARGS;
        if (!Resolved(call, fh, res, Fail.Wcc, out var o, out var st))
            return AcceptStat.SUCCESS;
        try
        {
            var before = Attrs(o.Vp, o.Cred);
            st = o.ReadOnly ? NfsStat3.NFS3ERR_ROFS
                : o.Vp.Type == VType.VDIR ? NfsStat3.NFS3ERR_ISDIR
                : o.Vp.Type != VType.VREG ? NfsStat3.NFS3ERR_INVAL
                : offset > long.MaxValue ? NfsStat3.NFS3ERR_FBIG
                : count > _server.Options.MaxIo ? NfsStat3.NFS3ERR_INVAL
                : NfsStat3.NFS3_OK;
            // The owner may write whatever the mode: the client checked at open time, and a file created 0444
            // must still take the data written through the descriptor that created it. Everyone else needs
            // write permission, as for open(2).
            if (st == NfsStat3.NFS3_OK && (before is null || before.Uid != o.Cred.Uid))
                st = Map(Vop.Access(o.Vp, AccessMode.VWRITE, AccessFlags.None, o.Cred));
            long written = 0;
            if (st == NfsStat3.NFS3_OK)
            {
                var uio = new Uio(call.Record.WritableMemory.Slice(dataAt, (int)count), (long)offset, UioRw.UIO_WRITE);
                var ioflag = stable switch
                {
                    StableHow.FILE_SYNC => FileFlags.FSYNC,
                    StableHow.DATA_SYNC => FileFlags.FDSYNC,
                    _ => FileFlags.None,
                };
                Vop.Rwlock(o.Vp, RwLockType.Writer);
                var err = Vop.Write(o.Vp, uio, ioflag, o.Cred);
                Vop.Rwunlock(o.Vp, RwLockType.Writer);
                written = count - uio.Resid;
                if (err != Errno.OK && written == 0)
                    st = Map(err);
            }
            res.WriteUInt32((uint)st);
            Nfs3Attr.WriteWcc(res, before, Attrs(o.Vp, o.Cred));
            if (st == NfsStat3.NFS3_OK)
            {
                res.WriteUInt32((uint)written);
                res.WriteUInt32((uint)stable);
                res.WriteUInt64(_server.WriteVerifier);
                Interlocked.Add(ref _writeBytes, written);
            }
            return AcceptStat.SUCCESS;
        }
        finally
        {
            o.Rele();
        }
    }

    /// <summary>COMMIT: fh, offset, count -> status, wcc_data, verifier.</summary>
    private AcceptStat Commit(RpcCall call, ref XdrReader args, XdrWriter res)
    {
        var fh = ReadFh(ref args);
        args.ReadUInt64();
        args.ReadUInt32();
        if (!args.AtEnd)
            return AcceptStat.GARBAGE_ARGS;
        if (!Resolved(call, fh, res, Fail.Wcc, out var o, out var st))
            return AcceptStat.SUCCESS;
        try
        {
            var before = Attrs(o.Vp, o.Cred);
            st = o.Vp.Type != VType.VREG ? NfsStat3.NFS3ERR_INVAL : Map(Vop.Fsync(o.Vp, FileFlags.FSYNC, o.Cred));
            res.WriteUInt32((uint)st);
            Nfs3Attr.WriteWcc(res, before, Attrs(o.Vp, o.Cred));
            if (st == NfsStat3.NFS3_OK)
                res.WriteUInt64(_server.WriteVerifier);
            return AcceptStat.SUCCESS;
        }
        finally
        {
            o.Rele();
        }
    }
}
