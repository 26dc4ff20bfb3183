// Vfs.Nfs / client: the rnode -- the client's per-file state (struct rnode), kept in the vnode's Data.
//
//   Fh          the file handle, which is the file's identity: the mount keeps one rnode per handle,
//               so the same file always yields the same vnode (MountInfo's rnode table).
//   Attr        the attribute cache: the last attributes heard from the server, valid until
//               AttrExpires. Any reply carrying attributes refreshes it. When attributes arrive that
//               differ in mtime or size from the cached ones and the change was not our own (weak
//               cache consistency: the reply's "before" attributes match what we had), cached data
//               is thrown away -- read blocks, and for a directory its DNLC names and cookie verifier.
//   Blocks      read blocks of rsize bytes, filled by READ and by read-ahead (NfsRdwr.cs).
//   dirty data  write-behind buffers, WRITEs in flight, WRITEs that heard no answer (kept to be sent
//               again) and written-but-uncommitted data (NfsRdwr.cs).
//   Access      ACCESS results per credential, for as long as the attributes are valid.
//
// Lock protects Attr, AttrExpires, UnsentEnd, Blocks, Access and CookieVerf, and is never held across an RPC.
// WriteLock serialises the write-behind state and is held across the WRITEs and COMMITs it waits for;
// ReadLock serialises the readers and is held across the READ its holder waits for (EndRead). So only
// this file's writers wait on a slow server behind WriteLock, and only its readers behind ReadLock.
//
// LOCK ORDER (outermost first; ranked KMutexes, checked by the witness in every test run):
//     the vnode's rwlock  (VOP_RWLOCK, fs_rwlock: LockRank.Rwlock)
//     WriteLock           (LockRank.RnodeWrite)
//     ReadLock            (LockRank.RnodeRead)
//     Lock                (LockRank.Rnode)
//     the DNLC's lock     (a leaf)
// One rnode's locks at a time: no thread holds two rnodes' locks of one class. The mount's rnode table
// (MountInfo) is a plain monitor below all of these.
using UnixVfs.Core;

namespace UnixVfs.Nfs.Client;

/// <summary>A cached read block: rsize bytes of the file (fewer at its end), in a pooled buffer.</summary>
internal sealed class ReadBlock
{
    public required long Index;
    public required byte[] Data;
    public int Length;
    /// <summary>The data version (Rnode.DataVersion) the block was read in; an older one is stale.</summary>
    public long Version;
}

/// <summary>A buffer of written data on its way to the server.</summary>
internal sealed class WriteBuf
{
    public required byte[] Data;
    public required long Offset;
    public int Length;
    public required Cred Cred;
    public Rpc.RpcPending? Pending;
    /// <summary>The attribute generation (MountInfo.AttrGen) taken when the WRITE was sent.</summary>
    public long Sent;
    public ulong Verifier;
    /// <summary>RpcClient.Reconnects when its WRITE was sent: a connection made since may be to a server that restarted without it.</summary>
    public long Epoch;
}

/// <summary>The client's state of one file (<c>struct rnode</c>).</summary>
internal sealed class Rnode
{
    public Rnode(MountInfo mi, byte[] fh)
    {
        Mi = mi;
        Fh = fh;
    }

    public MountInfo Mi { get; }

    /// <summary>The file handle.</summary>
    public byte[] Fh { get; }

    public Vnode Vnode = null!;

    /// <summary>The classes of the rnode's three locks (see the lock order above).</summary>
    public static readonly LockClass WriteClass = new("nfs rnode write", LockRank.RnodeWrite);
    public static readonly LockClass ReadClass = new("nfs rnode read", LockRank.RnodeRead);
    public static readonly LockClass LockClass = new("nfs rnode", LockRank.Rnode);

    public KMutex Lock { get; } = new(LockClass);

    /// <summary>The attribute cache (its Fsid is the local vfs's), or null before the first reply.</summary>
    public Vattr? Attr;

    /// <summary>When Attr stops being trusted (a timestamp of the network's clock).</summary>
    public long AttrExpires;

    /// <summary>The attribute generation (MountInfo.AttrGen) at which Attr was cached from a reply.</summary>
    public long AttrGen;

    /// <summary>
    /// Of a directory: the attribute generation at which this client last took a name out of it. A LOOKUP or READDIR
    /// sent before then may have been answered before the name went, so its names are not left in the DNLC.
    /// </summary>
    public long NameGoneGen;

    /// <summary>Bumped every time cached data is thrown away; blocks of an older version are not used.</summary>
    public long DataVersion;

    public readonly Dictionary<long, ReadBlock> Blocks = new();

    /// <summary>Serialises the readers of this file, who alone begin and end its READs.</summary>
    public readonly KMutex ReadLock = new(ReadClass);

    /// <summary>READs sent ahead of the reader and not yet collected, by block, with the data version they were sent in. Under ReadLock.</summary>
    public readonly Dictionary<long, (Rpc.RpcPending Pending, long Version, long Sent)> ReadsInFlight = new();

    /// <summary>The block read last, to recognise sequential reading.</summary>
    public long LastBlock = -1;

    /// <summary>ACCESS3 bits granted per (uid, gid), with their expiry.</summary>
    public readonly Dictionary<(uint, uint), (uint Granted, uint Asked, long Expires)> Access = new();

    /// <summary>The directory's cookie verifier from its last READDIR(PLUS).</summary>
    public ulong CookieVerf;

    // Write-behind, under WriteLock.
    public readonly KMutex WriteLock = new(WriteClass);
    public WriteBuf? Filling;
    public readonly List<WriteBuf> InFlight = new();
    /// <summary>
    /// Buffers whose WRITE heard no answer (a soft mount's ETIMEDOUT), in the order they were sent: kept, and sent again
    /// at the next flush. Each holds, in its range, the newest bytes written through this client but those still in
    /// Filling (NfsRdwr.SendLocked copies every later buffer's bytes into the kept ones it overlaps).
    /// </summary>
    public readonly List<WriteBuf> Retained = new();
    public readonly List<WriteBuf> Uncommitted = new();
    public long UncommittedBytes;
    /// <summary>A COMMIT sent without waiting, and the written buffers it covers (kept until it answers).</summary>
    public (Rpc.RpcPending Pending, List<WriteBuf> Covered, long Sent)? CommitInFlight;
    /// <summary>The first error of an asynchronous write, reported by the next write, fsync or close.</summary>
    public Errno WriteError;

    /// <summary>
    /// Under Lock, and written under WriteLock too (so a holder of WriteLock reads it without Lock): the end of what was
    /// written through this client while any of it may not have reached the server (HasUnsent), else 0. A reply's
    /// smaller size is not cached (NfsVnops.CacheAttr): the server answered without those bytes, as Linux's
    /// nfs_update_inode keeps i_size while the inode has writes outstanding.
    /// </summary>
    public long UnsentEnd;

    /// <summary>
    /// True while written data has not reached the server (buffered, in flight, or kept after a WRITE that heard
    /// nothing). Only true under WriteLock: a flush
    /// takes a WRITE off InFlight before its answer is in.
    /// </summary>
    public bool HasUnsent => Filling is not null || InFlight.Count > 0 || Retained.Count > 0;

    /// <summary>True while anything written is not yet committed (under WriteLock, as HasUnsent).</summary>
    public bool Dirty => HasUnsent || Uncommitted.Count > 0 || CommitInFlight is not null;

    public override string ToString() => $"rnode {Convert.ToHexString(Fh)}";
}
