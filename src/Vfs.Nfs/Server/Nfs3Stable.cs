// Vfs.Nfs / server: the procedures that change names are synchronous.
//
// RFC 1813 §1.6: "The following data modifying procedures are synchronous: WRITE (with stable flag set to
// FILE_SYNC), CREATE, MKDIR, SYMLINK, MKNOD, REMOVE, RMDIR, RENAME, LINK, and COMMIT." A client that got a reply
// may forget the call: if the server then loses power, a file it was told exists must still exist, and a name it
// was told is gone must stay gone. So, as Linux's nfsd does with commit_metadata, each of them ends with VOP_FSYNC
// of what it changed: the object made or linked, then its directory (both directories for RENAME). SETATTR does
// the same, as nfsd's does (a truncation, a new owner or mode). An fsync that fails is the reply's status, as in
// nfsd; the change itself stays made (the client sees an error and looks again).
//
// What it costs depends on the file system. A tmpfs's fsync does nothing. A UFS writes its dirty metadata blocks
// and flushes the device once; the second fsync, of the directory, finds nothing left to write and no flush to do
// (BufCache.FlushDevice).
using UnixVfs.Core;

namespace UnixVfs.Nfs.Server;

public sealed partial class Nfs3Service
{
    /// <summary>
    /// Makes what a procedure changed stable: VOP_FSYNC of <paramref name="obj"/>, then of <paramref name="dir"/> and
    /// of <paramref name="dir2"/> (each when there is one; dir2 when it is not dir). Returns OK or the first error.
    /// </summary>
    private static Errno CommitMetadata(Cred cr, Vnode? obj, Vnode? dir, Vnode? dir2 = null)
    {
        var err = Errno.OK;
        foreach (var vp in (ReadOnlySpan<Vnode?>)[obj, dir, ReferenceEquals(dir2, dir) ? null : dir2])
            if (vp is not null && err == Errno.OK)
                err = Vop.Fsync(vp, FileFlags.FSYNC, cr);
        return err;
    }

    /// <summary><paramref name="err"/>, the outcome of a change; when it is OK, CommitMetadata's outcome instead.</summary>
    private static Errno Committed(Errno err, Cred cr, Vnode? obj, Vnode? dir, Vnode? dir2 = null) =>
        err == Errno.OK ? CommitMetadata(cr, obj, dir, dir2) : err;
}
