// Vfs.Nfs / server: READDIR and READDIRPLUS.
//
// Both read the directory with VOP_READDIR, whose dirent64 records carry the file system's own
// cookies, and hand those cookies to the client unchanged: an entry's cookie is where to resume
// after it (d_off). A file system's cookies stay valid across unrelated creates and removes (the
// contract in docs/writing-a-file-system.md), so a client may come back with any cookie it was
// given, even after the server restarted. The cookie verifier is fixed per directory (derived from
// its handle's MAC): a cookie presented with another directory's verifier is NFS3ERR_BAD_COOKIE.
//
// Replies are filled up to the client's size limits (count; READDIRPLUS also dircount for the
// names alone and maxcount for everything); if not even one entry fits the answer is
// NFS3ERR_TOOSMALL. Limits larger than the server's MaxIo, or than a datagram over UDP, are clamped
// (RFC 1813 lets a server return fewer bytes than asked), so that a reply always fits in a record the
// transport can send: a client asking 4 MiB of a 7,000-entry directory gets its first 1 MiB, not silence. READDIRPLUS looks
// each name up to send its attributes and handle too.
using UnixVfs.Core;
using UnixVfs.Nfs.Protocol;
using UnixVfs.Nfs.Rpc;
using UnixVfs.Nfs.Xdr;

namespace UnixVfs.Nfs.Server;

public sealed partial class Nfs3Service
{
    /// <summary>READDIR: dir, cookie, cookieverf, count -> status, dir attrs, cookieverf, entries, eof.</summary>
    private AcceptStat Readdir(RpcCall call, ref XdrReader args, XdrWriter res)
    {
        var fh = ReadFh(ref args);
        ulong cookie = args.ReadUInt64();
        ulong verf = args.ReadUInt64();
        uint count = args.ReadUInt32();
        if (!args.AtEnd)
            return AcceptStat.GARBAGE_ARGS;
        return ReadDirectory(call, fh, cookie, verf, count, count, plus: false, res);
    }

    /// <summary>READDIRPLUS: dir, cookie, cookieverf, dircount, maxcount -> as READDIR, each entry with attrs and handle.</summary>
    private AcceptStat Readdirplus(RpcCall call, ref XdrReader args, XdrWriter res)
    {
        var fh = ReadFh(ref args);
        ulong cookie = args.ReadUInt64();
        ulong verf = args.ReadUInt64();
        uint dircount = args.ReadUInt32();
        uint maxcount = args.ReadUInt32();
        if (!args.AtEnd)
            return AcceptStat.GARBAGE_ARGS;
        return ReadDirectory(call, fh, cookie, verf, dircount == 0 ? maxcount : dircount, maxcount, plus: true, res);
    }

    /// <summary>The cookie verifier of the directory whose handle is <paramref name="fh"/>: part of its MAC, so fixed per directory.</summary>
    private static ulong CookieVerf(ReadOnlySpan<byte> fh) =>
        fh.Length >= 16 ? System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(fh[^16..]) : 0;

    private AcceptStat ReadDirectory(RpcCall call, ReadOnlySpan<byte> fh, ulong cookie, ulong verf, uint dircount, uint maxcount, bool plus, XdrWriter res)
    {
        if (!Resolved(call, fh, res, Fail.PostOp, out var d, out var st))
            return AcceptStat.SUCCESS;
        try
        {
            var dva = Attrs(d.Vp, d.Cred);
            ulong myVerf = CookieVerf(fh);
            if (d.Vp.Type != VType.VDIR)
                st = NfsStat3.NFS3ERR_NOTDIR;
            else if (cookie != 0 && verf != 0 && verf != myVerf)
                st = NfsStat3.NFS3ERR_BAD_COOKIE;
            else if (cookie > long.MaxValue)
                st = NfsStat3.NFS3ERR_BAD_COOKIE;
            if (st != NfsStat3.NFS3_OK)
            {
                res.WriteUInt32((uint)st);
                Nfs3Attr.WritePostOp(res, dva);
                return AcceptStat.SUCCESS;
            }
            int start = res.Length;
            res.WriteUInt32((uint)NfsStat3.NFS3_OK);
            Nfs3Attr.WritePostOp(res, dva);
            res.WriteUInt64(myVerf);
            long limit = Math.Min((uint)_server.Options.MaxIo, (long)call.MaxResults);        // a datagram, over UDP
            long maxBytes = Math.Min(maxcount, limit) - 8;   // room kept for the list's end and eof
            long dirBudget = Math.Min(dircount, limit);
            long dirUsed = 0;
            int entries = 0;
            bool eof = false, full = false;
            long next = (long)cookie;
            var buf = new byte[32 * 1024];
            while (!full && !eof)
            {
                var uio = new Uio(buf, next, UioRw.UIO_READ);
                Vop.Rwlock(d.Vp, RwLockType.Reader);
                var err = Vop.Readdir(d.Vp, uio, d.Cred, out bool vopEof);
                Vop.Rwunlock(d.Vp, RwLockType.Reader);
                if (err != Errno.OK)
                {
                    res.Truncate(start);
                    res.WriteUInt32((uint)Map(err));
                    Nfs3Attr.WritePostOp(res, dva);
                    return AcceptStat.SUCCESS;
                }
                var list = Dirent64.Parse(buf.AsSpan(0, (int)(buf.Length - uio.Resid)));
                foreach (var de in list)
                {
                    int nameBytes = System.Text.Encoding.UTF8.GetByteCount(de.Name);
                    long dirSize = 4 + 8 + 4 + XdrWriter.Pad(nameBytes) + 8;
                    Vattr? eva = null;
                    byte[]? efh = null;
                    long size = dirSize;
                    if (plus)
                    {
                        if (LookupIn(d, de.Name, out var evp) == Errno.OK)
                        {
                            eva = Attrs(evp!, d.Cred);
                            efh = MakeFh(d.Export, evp!);
                            evp!.Rele();
                        }
                        size += (eva is null ? 4 : 88) + (efh is null ? 4 : 8 + XdrWriter.Pad(efh.Length));
                    }
                    if (res.Length - start + size > maxBytes || dirUsed + dirSize > dirBudget)
                    {
                        full = true;
                        break;
                    }
                    res.WriteBool(true);
                    res.WriteUInt64(eva?.NodeId ?? de.Ino);
                    res.WriteString(de.Name);
                    res.WriteUInt64((ulong)de.Off);
                    if (plus)
                    {
                        Nfs3Attr.WritePostOp(res, eva);
                        WritePostOpFh(res, efh);
                    }
                    dirUsed += dirSize;
                    entries++;
                    next = de.Off;
                }
                if (!full && (vopEof || list.Count == 0))
                    eof = true;
            }
            if (entries == 0 && !eof)
            {
                res.Truncate(start);
                res.WriteUInt32((uint)NfsStat3.NFS3ERR_TOOSMALL);
                Nfs3Attr.WritePostOp(res, dva);
                return AcceptStat.SUCCESS;
            }
            res.WriteBool(false);
            res.WriteBool(eof);
            return AcceptStat.SUCCESS;
        }
        finally
        {
            d.Rele();
        }
    }
}
