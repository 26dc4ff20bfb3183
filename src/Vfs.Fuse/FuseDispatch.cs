// Vfs.Fuse: the dispatch table -- one opcode, one handler -- and INIT.
//
// A handler reads its fuse_*_in struct from the request, makes its VOP calls, writes its fuse_*_out
// struct into the reply and returns an Errno; a failure's reply is the header alone with -errno.
// Handlers for nodes (FuseEntryOps.cs), attributes (FuseAttrOps.cs), file I/O (FuseIoOps.cs) and
// directories (FuseDirOps.cs), extended attributes (FuseXattrOps.cs) are in their own files. What is not here
// gets ENOSYS, which fuse.ko remembers for the opcodes it can do without (locks, ioctl, poll, lseek, copy_file_range).
using UnixVfs.Core;

namespace UnixVfs.Fuse;

public sealed partial class FuseBridge
{
    /// <summary>
    /// Handles one request. Returns false for those that take no reply (FORGET, BATCH_FORGET, INTERRUPT);
    /// otherwise <paramref name="err"/> and the body in <paramref name="rp"/> are the answer, and
    /// <paramref name="after"/> holds the notifications to send once it is written.
    /// </summary>
    private bool Handle(FuseRequest rq, FuseReply rp, List<FuseNotification> after, List<ulong> entered, out Errno err)
    {
        err = Errno.OK;
        var op = (FuseOpcode)rq.Opcode;
        switch (op)
        {
            case FuseOpcode.FORGET:
                if (rq.ArgLen >= 8)
                    _nodes.Forget(rq.NodeId, rq.ArgU64(0));
                return false;
            case FuseOpcode.BATCH_FORGET:
                BatchForget(rq);
                return false;
            case FuseOpcode.INTERRUPT:
                return false; // every request here is answered promptly; an interrupt changes nothing
        }
        var r = new Req(rq, rp, after, entered);
        try
        {
            err = op switch
            {
                FuseOpcode.INIT => Init(r),
                FuseOpcode.DESTROY => Errno.OK,
                FuseOpcode.LOOKUP => Lookup(r),
                FuseOpcode.GETATTR => Getattr(r),
                FuseOpcode.SETATTR => Setattr(r),
                FuseOpcode.READLINK => Readlink(r),
                FuseOpcode.SYMLINK => Symlink(r),
                FuseOpcode.MKNOD => Mknod(r),
                FuseOpcode.MKDIR => Mkdir(r),
                FuseOpcode.UNLINK => Unlink(r),
                FuseOpcode.RMDIR => Rmdir(r),
                FuseOpcode.RENAME => Rename(r, 8, 0),
                FuseOpcode.RENAME2 => Rename(r, 16, rq.ArgLen >= 16 ? rq.ArgU32(8) : uint.MaxValue),
                FuseOpcode.LINK => Link(r),
                FuseOpcode.OPEN => Open(r),
                FuseOpcode.READ => Read(r),
                FuseOpcode.WRITE => Write(r),
                FuseOpcode.STATFS => Statfs(r),
                FuseOpcode.RELEASE => Release(r),
                FuseOpcode.FSYNC => Fsync(r),
                FuseOpcode.FLUSH => Errno.OK, // the last close is RELEASE (VOP_CLOSE); nothing is buffered here
                FuseOpcode.OPENDIR => Opendir(r),
                FuseOpcode.READDIR => Readdir(r, plus: false),
                FuseOpcode.READDIRPLUS => Readdir(r, plus: true),
                FuseOpcode.RELEASEDIR => Release(r),
                FuseOpcode.FSYNCDIR => Fsync(r),
                FuseOpcode.ACCESS => Access(r),
                FuseOpcode.CREATE => Create(r),
                FuseOpcode.SETXATTR => Setxattr(r),
                FuseOpcode.GETXATTR => Getxattr(r),
                FuseOpcode.LISTXATTR => Listxattr(r),
                FuseOpcode.REMOVEXATTR => Removexattr(r),
                FuseOpcode.FALLOCATE => Errno.EOPNOTSUPP, // the model reserves no blocks ahead; glibc then writes zeros
                _ => Errno.ENOSYS,
            };
        }
        catch (ArgumentOutOfRangeException)
        {
            err = Errno.EINVAL; // a request shorter than its struct
        }
        if (err != Errno.OK)
        {
            Unenter(r);
            rp.Clear();
            after.Clear();
        }
        return true;
    }

    /// <summary>
    /// One request being handled: the message, its reply, the notifications to send after it, the node ids
    /// whose lookups it counted (taken back if the reply cannot be delivered), and the caller's credential.
    /// </summary>
    private readonly struct Req(FuseRequest rq, FuseReply rp, List<FuseNotification> after, List<ulong> entered)
    {
        public FuseRequest In => rq;
        public FuseReply Out => rp;
        public List<FuseNotification> After => after;
        public List<ulong> Entered => entered;
        public ulong NodeId => rq.NodeId;
        public Cred Cred() => FuseCred.Of(rq.Uid, rq.Gid, rq.Pid);
    }

    /// <summary>
    /// INIT: fuse_init_in (major, minor, max_readahead, flags) -> fuse_init_out. The bridge asks for
    /// asynchronous reads, big writes, readdirplus, max_pages, AUTO_INVAL_DATA (the kernel drops a
    /// file's cached pages when its mtime changes, so a write made beside the mount is seen) and
    /// HANDLE_KILLPRIV: the file system clears set-id bits on write and chown itself, as the model's
    /// file systems do (Secpolicy). Without it fuse.ko sends that clearing as a chmod in the writer's
    /// name, which the model rightly refuses to a writer who is not the owner. HANDLE_KILLPRIV_V2 is the
    /// same promise (the kernel also marks a write, truncate or chown that must clear them, which the
    /// model's rules already decide alike), and with it fuse.ko sets SB_NOSEC: once a file is known to
    /// have no set-id bits and no security.capability, its writes stop asking GETXATTR for that name
    /// first -- a round trip per WRITE, half of all requests of 4 KiB random writes.
    /// </summary>
    private Errno Init(Req r)
    {
        uint major = r.In.ArgU32(0), minor = r.In.ArgU32(4), readahead = r.In.ArgU32(8), flags = r.In.ArgU32(12);
        if (major != FuseProto.KernelVersion)
            return Errno.EPROTO;
        const uint want = FuseProto.FUSE_ASYNC_READ | FuseProto.FUSE_BIG_WRITES | FuseProto.FUSE_AUTO_INVAL_DATA
            | FuseProto.FUSE_DO_READDIRPLUS | FuseProto.FUSE_READDIRPLUS_AUTO | FuseProto.FUSE_MAX_PAGES
            | FuseProto.FUSE_HANDLE_KILLPRIV | FuseProto.FUSE_HANDLE_KILLPRIV_V2;
        var o = r.Out;
        o.U32(FuseProto.KernelVersion);
        o.U32(Math.Min(minor, FuseProto.KernelMinor));
        o.U32(readahead);
        o.U32(flags & want);
        o.U32(16 | (12 << 16));          // max_background, congestion_threshold
        o.U32((uint)Options.MaxWrite);   // max_write
        o.U32(1);                        // time_gran: nanoseconds
        o.U32((uint)(Options.MaxWrite / 4096)); // max_pages, map_alignment 0
        for (int i = 0; i < 8; i++)
            o.U32(0);                    // flags2, unused[7]
        return Errno.OK;
    }

    /// <summary>BATCH_FORGET: fuse_batch_forget_in (count) then count fuse_forget_one (nodeid, nlookup).</summary>
    private void BatchForget(FuseRequest rq)
    {
        uint count = rq.ArgLen >= 8 ? rq.ArgU32(0) : 0;
        for (int i = 0; i < count && 8 + 16 * (i + 1) <= rq.ArgLen; i++)
            _nodes.Forget(rq.ArgU64(8 + 16 * i), rq.ArgU64(16 + 16 * i));
    }

    /// <summary>The node a request names, held for the call; ESTALE when the kernel names one it does not hold.</summary>
    private Errno Node(ulong id, out Vnode vp)
    {
        var v = _nodes.Get(id);
        vp = v!;
        return v is null ? Errno.ESTALE : Errno.OK;
    }
}
