// Vfs.Nfs / server: READ's read-ahead -- the next range of a file read in order, read while the client takes in
// this one.
//
// WHY. A client that reads a file in order with one READ outstanding (libnfs's nfs-cp, and any client that waits for
// each reply) leaves the server idle while it takes each reply in, and then waits while the server reads the next
// range. So after such a READ's reply has gone out whole, the connection's reader thread reads the next range, as
// large, into the buffer the next reply will be built in, at the place where that reply's data will lie
// (RpcCall.AfterReply, XdrWriter.Ahead). When the next call is that READ, its data is in place already. The bytes are
// copied once, as without it (VOP_READ into the reply); only earlier, while the client is busy.
//
// WHEN THE BYTES ARE USED. Only by the next READ served on this thread with this writer (its Resets: one more record
// begun in it since), after that READ's own checks (the handle, the export, the caller's access), when it asks for
// the same file (its file system, number and generation) at the same offset, no more bytes than were read ahead (or
// any number, when they end at the end of the file: nfs-cp asks for just what is left), its data starts at the same
// place of its reply, and the file is unchanged: its change count (va_seq), size, mtime and ctime are what they were
// just before the range was read. A write or a truncate moves the change count after it has changed the bytes, under
// the file's lock (UFS's di_modrev, tmpfs's tn_seq; a mirror gives its primary copy's), so a change that overlapped
// the read is seen, and the bytes used are the file's at the time of that check, as a VOP_READ then would give. A
// file system that keeps no change count leaves va_seq 0, and its files are not read ahead.
//
// WHAT IT COSTS. No more work per byte; one range read for nothing when the client stops or jumps elsewhere. Only
// after a READ that began where this thread's last READ of the file ended (a client that reads the same range again
// and again, or at random, is never read ahead), of at least MinCount bytes, and never at the end of the file. No
// memory: the reply buffer is the thread's anyway. The vnode is held only while the range is read; after that the
// file is known by its attributes, so a file removed in the meantime is freed as it would be. The read stamps the
// file's atime, as the READ it anticipates does a moment later.
//
// One per thread: the reader thread of a connection serves that connection's lone calls, and the RPC server runs the
// read-ahead only there (RpcServer.Serve). State is the thread's own, so nothing here is locked.
using UnixVfs.Core;
using UnixVfs.Nfs.Rpc;
using UnixVfs.Nfs.Xdr;

namespace UnixVfs.Nfs.Server;

/// <summary>The next range of a file read in order, read ahead into the next reply (file comment).</summary>
internal sealed class ReadAhead : IAfterReply
{
    /// <summary>The least READ count read ahead after: below it a READ costs little more than its call.</summary>
    public const int MinCount = 64 * 1024;

    [ThreadStatic] private static ReadAhead? t_mine;

    /// <summary>This thread's.</summary>
    public static ReadAhead Mine => t_mine ??= new ReadAhead();

    private Nfs3Service? _service;  // whose counters
    private FileKey _last;          // the file of this thread's last READ, and where it ended: "in order"
    private long _lastEnd;

    /// <summary>
    /// A file, as its attributes name it: the file system, the file's number and its generation. A file system may
    /// give one file a new vnode from call to call (a mirror lets go of its mnode when the last hold goes), so a file
    /// is known by these rather than by its vnode.
    /// </summary>
    private readonly record struct FileKey(ulong Fsid, ulong NodeId, uint Gen)
    {
        public static FileKey Of(Vattr va) => new(va.Fsid, va.NodeId, va.Gen);
    }

    // The range to read (Plan, for Run): the vnode held from Plan to the end of Run or Drop.
    private Vnode? _vp;
    private Cred? _cr;
    private long _offset;
    private int _count, _at;

    // The range read (Run, for Take), with the file's attributes just before it was read.
    private XdrWriter? _writer;
    private FileKey _file;
    private int _resets, _got;
    private uint _seq;
    private long _size;
    private Timespec _mtime, _ctime;

    /// <summary>
    /// After a READ of <paramref name="vp"/> that moved <paramref name="got"/> of the <paramref name="count"/> bytes asked
    /// at <paramref name="offset"/>, its data at <paramref name="at"/> of its reply and <paramref name="va"/> the file's
    /// attributes after it: returns the work that reads the next range ahead (for RpcCall.AfterReply), holding the vnode
    /// for it, or null when there is none to read.
    /// </summary>
    public IAfterReply? Plan(Nfs3Service service, Vnode vp, Vattr va, long offset, int got, int count, int at, Cred cr)
    {
        var file = FileKey.Of(va);
        bool inOrder = offset > 0 && file == _last && offset == _lastEnd;
        (_last, _lastEnd) = (file, offset + got);
        if (!inOrder || got != count || count < MinCount || va.Seq == 0 || offset + got >= va.Size)
            return null;
        vp.Hold();
        (_service, _vp, _cr, _offset, _count, _at) = (service, vp, cr, offset + got, count, at);
        return this;
    }

    /// <summary>Reads the planned range into <paramref name="next"/>, where the next READ's data will lie.</summary>
    public void Run(XdrWriter next)
    {
        var vp = _vp!;
        var va = new Vattr(AttrMask.AT_FSID | AttrMask.AT_NODEID | AttrMask.AT_GEN | AttrMask.AT_SIZE | AttrMask.AT_MTIME | AttrMask.AT_CTIME | AttrMask.AT_SEQ);
        _writer = null;
        Vop.Rwlock(vp, RwLockType.Reader);
        try
        {
            if (Vop.Getattr(vp, va, AttrFlags.None, _cr!) != Errno.OK)
                return;
            var uio = new Uio(next.Ahead(_at, _count), _offset, UioRw.UIO_READ);
            if (Vop.Read(vp, uio, FileFlags.None, _cr!) != Errno.OK)
                return;
            (_writer, _file, _resets, _got) = (next, FileKey.Of(va), next.Resets, (int)(_count - uio.Resid));
            (_seq, _size, _mtime, _ctime) = (va.Seq, va.Size, va.Mtime, va.Ctime);
            _service!.CountReadAhead();
        }
        finally
        {
            Vop.Rwunlock(vp, RwLockType.Reader);
            Release();
        }
    }

    /// <summary>The read-ahead is not run: lets the vnode go.</summary>
    public void Drop() => Release();

    private void Release()
    {
        var vp = _vp!;
        (_vp, _cr) = (null, null);
        vp.Rele();
    }

    /// <summary>
    /// READ's question before it reads: are the (at most) <paramref name="count"/> bytes of <paramref name="vp"/> at
    /// <paramref name="offset"/> in <paramref name="res"/> at <paramref name="at"/> already, read ahead, and still the
    /// file's? True with <paramref name="got"/> (the bytes there for this READ) when they are; <paramref name="after"/> then holds the
    /// file's attributes now. A read-ahead is asked about once: whatever the answer, it is gone.
    /// </summary>
    public bool Take(XdrWriter res, Vnode vp, long offset, int count, int at, Vattr after, Cred cr, out int got)
    {
        got = 0;
        var w = _writer;
        _writer = null;
        if (w is null || !ReferenceEquals(w, res) || res.Resets != _resets + 1 || offset != _offset || at != _at)
            return false;
        // Fewer bytes than were read ahead are their beginning (a client asks for just what is left of the file at its
        // end); more are there only when the read-ahead stopped at the end of the file.
        if (count > _got && _offset + _got < _size)
            return false;
        if (Vop.Getattr(vp, after, AttrFlags.None, cr) != Errno.OK || FileKey.Of(after) != _file
            || after.Seq != _seq || after.Size != _size || after.Mtime != _mtime || after.Ctime != _ctime)
            return false;
        got = Math.Min(count, _got);
        _service!.CountReadAheadHit();
        return true;
    }
}
