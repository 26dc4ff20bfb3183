// Vfs.Nfs / server: the NFSv3 program (RFC 1813), program 100003 version 3, over any vnode subtree.
//
// The procedure table is below, one registration per line with its number; each procedure lives
// with its group in a file of its own:
//
//   Nfs3ProcAttr.cs      GETATTR, SETATTR, ACCESS
//   Nfs3ProcLookup.cs    LOOKUP, READLINK
//   Nfs3ProcIo.cs        READ, WRITE, COMMIT
//   Nfs3ProcCreate.cs    CREATE, MKDIR, SYMLINK, MKNOD
//   Nfs3ProcRemove.cs    REMOVE, RMDIR, RENAME, LINK
//   Nfs3ProcReaddir.cs   READDIR, READDIRPLUS
//   Nfs3ProcFsinfo.cs    FSSTAT, FSINFO, PATHCONF
//   Nfs3Stable.cs        what every procedure that changes names or attributes makes stable before it replies
//
// Every procedure follows the same steps: decode all the arguments (GARBAGE_ARGS if they do not
// decode, before anything is touched); turn each file handle into a held vnode (Resolve: the
// handle's MAC, its export, whether this client may use that export, VFS_VGET); map the caller's
// AUTH_SYS credential through the export (root squash); call the VOPs, so the file system's own
// permission checks decide; encode the result, with weak cache consistency data (the attributes
// before and after) for everything that modifies. Errnos become nfsstat3 in one place
// (Protocol/Nfs3Status.cs).
//
// The server is stateless, as NFSv3 means it to be: it keeps no open files. Reads and writes take
// the vnode's VOP_RWLOCK around VOP_READ/VOP_WRITE, as the system calls do; no VOP_OPEN/VOP_CLOSE
// is made for them (Solaris's rfs3_read/rfs3_write do the same).
using UnixVfs.Core;
using UnixVfs.Nfs.Protocol;
using UnixVfs.Nfs.Rpc;
using UnixVfs.Nfs.Xdr;

namespace UnixVfs.Nfs.Server;

/// <summary>The NFSv3 program of an <see cref="NfsServer"/>.</summary>
public sealed partial class Nfs3Service
{
    private readonly NfsServer _server;
    private long _readBytes, _writeBytes, _readAheads, _readAheadHits;

    internal Nfs3Service(NfsServer server) => _server = server;

    /// <summary>Bytes returned by READ since the server was made.</summary>
    public long ReadBytes => Interlocked.Read(ref _readBytes);

    /// <summary>Bytes accepted by WRITE since the server was made.</summary>
    public long WriteBytes => Interlocked.Read(ref _writeBytes);

    /// <summary>Ranges read ahead for a client reading a file in order (ReadAhead.cs).</summary>
    public long ReadAheads => Interlocked.Read(ref _readAheads);

    /// <summary>READs answered from a range read ahead.</summary>
    public long ReadAheadHits => Interlocked.Read(ref _readAheadHits);

    internal void CountReadAhead() => Interlocked.Increment(ref _readAheads);

    internal void CountReadAheadHit() => Interlocked.Increment(ref _readAheadHits);

    internal RpcProgram ToProgram() => new RpcProgram("nfs", Nfs3.Program, Nfs3.Version, Nfs3.Version)
        .Add(Nfs3.Version, Nfs3.NULL, "NULL", Null)                                                     // 0
        .Add(Nfs3.Version, Nfs3.GETATTR, "GETATTR", Getattr, needsAuthSys: true)                         // 1
        .Add(Nfs3.Version, Nfs3.SETATTR, "SETATTR", Setattr, needsAuthSys: true)                         // 2
        .Add(Nfs3.Version, Nfs3.LOOKUP, "LOOKUP", Lookup, needsAuthSys: true)                            // 3
        .Add(Nfs3.Version, Nfs3.ACCESS, "ACCESS", Access, needsAuthSys: true)                            // 4
        .Add(Nfs3.Version, Nfs3.READLINK, "READLINK", Readlink, needsAuthSys: true)                      // 5
        .Add(Nfs3.Version, Nfs3.READ, "READ", Read, needsAuthSys: true)                                  // 6
        .Add(Nfs3.Version, Nfs3.WRITE, "WRITE", Write, needsAuthSys: true)                               // 7
        .Add(Nfs3.Version, Nfs3.CREATE, "CREATE", Create, needsAuthSys: true, idempotent: false)         // 8
        .Add(Nfs3.Version, Nfs3.MKDIR, "MKDIR", Mkdir, needsAuthSys: true, idempotent: false)            // 9
        .Add(Nfs3.Version, Nfs3.SYMLINK, "SYMLINK", Symlink, needsAuthSys: true, idempotent: false)      // 10
        .Add(Nfs3.Version, Nfs3.MKNOD, "MKNOD", Mknod, needsAuthSys: true, idempotent: false)            // 11
        .Add(Nfs3.Version, Nfs3.REMOVE, "REMOVE", Remove, needsAuthSys: true, idempotent: false)         // 12
        .Add(Nfs3.Version, Nfs3.RMDIR, "RMDIR", Rmdir, needsAuthSys: true, idempotent: false)            // 13
        .Add(Nfs3.Version, Nfs3.RENAME, "RENAME", Rename, needsAuthSys: true, idempotent: false)         // 14
        .Add(Nfs3.Version, Nfs3.LINK, "LINK", Link, needsAuthSys: true, idempotent: false)               // 15
        .Add(Nfs3.Version, Nfs3.READDIR, "READDIR", Readdir, needsAuthSys: true)                         // 16
        .Add(Nfs3.Version, Nfs3.READDIRPLUS, "READDIRPLUS", Readdirplus, needsAuthSys: true)             // 17
        .Add(Nfs3.Version, Nfs3.FSSTAT, "FSSTAT", Fsstat, needsAuthSys: true)                            // 18
        .Add(Nfs3.Version, Nfs3.FSINFO, "FSINFO", Fsinfo, needsAuthSys: true)                            // 19
        .Add(Nfs3.Version, Nfs3.PATHCONF, "PATHCONF", Pathconf, needsAuthSys: true)                      // 20
        .Add(Nfs3.Version, Nfs3.COMMIT, "COMMIT", Commit, needsAuthSys: true);                           // 21

    private static AcceptStat Null(RpcCall call, ref XdrReader args, XdrWriter res) =>
        args.AtEnd ? AcceptStat.SUCCESS : AcceptStat.GARBAGE_ARGS;

    /// <summary>A resolved file handle: the vnode (held), its export, the caller's mapped credential, and whether the export is read-only to the caller.</summary>
    private readonly record struct Obj(Vnode Vp, Export Export, Cred Cred, bool ReadOnly)
    {
        public void Rele() => Vp.Rele();
    }

    /// <summary>
    /// Turns a file handle into a held vnode. Returns NFS3_OK; NFS3ERR_BADHANDLE (malformed or forged);
    /// NFS3ERR_STALE (unknown export, file gone, or a directory no longer inside its export);
    /// NFS3ERR_ACCES (this client may not use the handle's export).
    /// </summary>
    private NfsStat3 Resolve(RpcCall call, ReadOnlySpan<byte> fh, out Obj obj)
    {
        obj = default;
        var st = _server.Handles.Open(fh, out uint id, out var fid);
        if (st != NfsStat3.NFS3_OK)
            return st;
        var exp = _server.FindExport(id);
        if (exp is null)
            return NfsStat3.NFS3ERR_STALE;
        if (!exp.Allows(call.ClientAddress))
            return NfsStat3.NFS3ERR_ACCES;
        var err = VfsOp.Vget(exp.Vfs, out var vp, fid!);
        if (err != Errno.OK)
            return err == Errno.EINVAL ? NfsStat3.NFS3ERR_BADHANDLE : NfsStat3.NFS3ERR_STALE;
        if (vp!.Type == VType.VDIR && !InExport(exp, vp))
        {
            vp.Rele();
            return NfsStat3.NFS3ERR_STALE;
        }
        obj = new Obj(vp, exp, exp.MapCred(call.Auth, call.ClientAddress), exp.Options.ReadOnlyFor(call.ClientAddress));
        return NfsStat3.NFS3_OK;
    }

    /// <summary>
    /// The subtree check for directories: true when walking ".." from <paramref name="vp"/> reaches the export's
    /// root. (A directory renamed out of an exported subtree must not stay reachable through old handles.
    /// Files are not checked -- they have no single parent -- as with Linux's default no_subtree_check.)
    /// </summary>
    private static bool InExport(Export exp, Vnode vp)
    {
        if (exp.Root.IsRoot)
            return true;
        var cur = vp;
        cur.Hold();
        try
        {
            for (int depth = 0; depth < 4096; depth++)
            {
                if (Vop.Cmp(cur, exp.Root))
                    return true;
                if (cur.IsRoot || Vop.Lookup(cur, "..", out var up, LookupFlags.None, null, Cred.Kcred) != Errno.OK)
                    return false;
                cur.Rele();
                cur = up!;
            }
            return false;
        }
        finally
        {
            cur.Rele();
        }
    }

    /// <summary>What a procedure's reply carries after a failure status when its file handle does not resolve.</summary>
    private enum Fail { PostOp, Wcc, TwoWcc, PostOpWcc }

    /// <summary>
    /// Resolve, and on failure the whole reply: the status and the empty attributes the procedure's failure
    /// layout has (<paramref name="fail"/>). Returns false when the reply is complete.
    /// </summary>
    private bool Resolved(RpcCall call, ReadOnlySpan<byte> fh, XdrWriter res, Fail fail, out Obj obj, out NfsStat3 st)
    {
        st = Resolve(call, fh, out obj);
        if (st == NfsStat3.NFS3_OK)
            return true;
        res.WriteUInt32((uint)st);
        if (fail is Fail.PostOp or Fail.PostOpWcc)
            Nfs3Attr.WritePostOp(res, null);
        if (fail is Fail.Wcc or Fail.TwoWcc or Fail.PostOpWcc)
            Nfs3Attr.WriteWcc(res, null, null);
        if (fail is Fail.TwoWcc)
            Nfs3Attr.WriteWcc(res, null, null);
        return false;
    }

    /// <summary>Reads a file handle argument (at most NFS3_FHSIZE bytes; longer fails the reader).</summary>
    private static ReadOnlySpan<byte> ReadFh(ref XdrReader r) => r.ReadOpaque(Nfs3.FhSize);

    /// <summary>
    /// Reads a filename3: opaque bytes, carried to the VOPs as FsName decodes them. The status is
    /// NFS3ERR_NAMETOOLONG beyond NAME_MAX bytes, NFS3ERR_INVAL for an empty name or one with '/' or NUL; the
    /// reader fails only for an absurd length.
    /// </summary>
    private static NfsStat3 ReadName(ref XdrReader r, out string name)
    {
        name = "";
        var b = r.ReadOpaque(64 * 1024);
        if (r.Failed)
            return NfsStat3.NFS3_OK;
        if (b.Length > Limits.NameMax)
            return NfsStat3.NFS3ERR_NAMETOOLONG;
        if (b.IndexOf((byte)'/') >= 0 || b.IndexOf((byte)0) >= 0 || b.Length == 0)
            return NfsStat3.NFS3ERR_INVAL;
        name = FsName.Decode(b);
        return NfsStat3.NFS3_OK;
    }

    /// <summary>The attributes for a reply, or null when the file system cannot give them.</summary>
    private static Vattr? Attrs(Vnode vp, Cred cr)
    {
        var va = new Vattr(Nfs3Attr.Fattr3Mask);
        return Vop.Getattr(vp, va, AttrFlags.None, cr) == Errno.OK ? va : null;
    }

    /// <summary>The file handle of <paramref name="vp"/> within <paramref name="exp"/>, or null if it has none.</summary>
    private byte[]? MakeFh(Export exp, Vnode vp)
    {
        if (Vop.Fid(vp, FileHandles.MaxFid, out var fid) != Errno.OK)
            return null;
        return _server.Handles.Make(exp.Id, fid!, out var fh) == Errno.OK ? fh : null;
    }

    /// <summary>post_op_fh3.</summary>
    private static void WritePostOpFh(XdrWriter w, byte[]? fh)
    {
        w.WriteBool(fh is not null);
        if (fh is not null)
            w.WriteOpaque(fh);
    }

    private static NfsStat3 Map(Errno e) => Nfs3Status.FromErrno(e);

    /// <summary>
    /// VOP_LOOKUP as the server means it: "." is the directory; ".." of the export's root is the root
    /// itself (a client must never climb out of its export).
    /// </summary>
    private static Errno LookupIn(Obj dir, string name, out Vnode? vp)
    {
        if (name == ".." && Vop.Cmp(dir.Vp, dir.Export.Root))
        {
            vp = dir.Vp;
            vp.Hold();
            return Errno.OK;
        }
        return Vop.Lookup(dir.Vp, name, out vp, LookupFlags.None, null, dir.Cred);
    }
}
