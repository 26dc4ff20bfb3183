// Vfs.Nfs / server: READ, WRITE and COMMIT -- the data path.
//
// READ reads straight into the reply: the opaque data item is opened in the reply buffer and
// VOP_READ's Uio points at it, so the bytes are copied once, from the file system to the buffer
// the socket sends. For a client reading a file in order one READ at a time, the next range is read
// the same way once the reply has gone out, into the buffer of the next reply (ReadAhead.cs), and the
// next READ finds its data there. WRITE hands VOP_WRITE a Uio over the data as it lies in the received record.
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
            var data = res.BeginOpaque(n, out int at);
            // The size after the read decides eof. va's attributes are in the reply already, so its object takes them.
            var after = va ?? new Vattr(AttrMask.AT_SIZE);
            var ahead = ReadAhead.Mine;
            bool fresh = false;
            var err = Errno.OK;
            if (!ahead.Take(res, o.Vp, (long)offset, n, at, after, o.Cred, out int got))
            {
                var uio = new Uio(data, (long)offset, UioRw.UIO_READ);
                Vop.Rwlock(o.Vp, RwLockType.Reader);
                err = Vop.Read(o.Vp, uio, FileFlags.None, o.Cred);
                Vop.Rwunlock(o.Vp, RwLockType.Reader);
                got = (int)(n - uio.Resid);
                fresh = true;
            }
            res.EndOpaque(got);
            if (err != Errno.OK && got == 0)
            {
                // Rewrite as a failure: status and the attributes only.
                res.Truncate(countAt - (va is null ? 8 : 92));
                res.WriteUInt32((uint)Map(err));
                Nfs3Attr.WritePostOp(res, va);
                return AcceptStat.SUCCESS;
            }
            long size = va?.Size ?? 0;
            if (!fresh || Vop.Getattr(o.Vp, after, AttrFlags.None, o.Cred) == Errno.OK)
                size = after.Size;
            res.Patch(countAt, (uint)got);
            res.Patch(eofAt, (long)offset + got >= size ? 1u : 0u);
            Interlocked.Add(ref _readBytes, got);
            if (_server.Options.ReadAhead && err == Errno.OK)
                call.AfterReply = ahead.Plan(this, o.Vp, after, (long)offset, got, n, at, o.Cred);
            return AcceptStat.SUCCESS;
        }
        finally
        {
            o.Rele();
        }
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
