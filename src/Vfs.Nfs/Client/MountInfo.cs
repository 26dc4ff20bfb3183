// Vfs.Nfs / client: the per-mount state (struct mntinfo): where the server is, the options, the
// RPC clients, the transfer sizes, and the rnode table.
//
// The rnode table maps file handles to rnodes, so one file is one vnode however it is reached
// (LOOKUP, READDIRPLUS, VFS_VGET). An rnode leaves the table when its vnode's last hold goes
// (VOP_INACTIVE, following the DropLastHold protocol of docs/writing-a-file-system.md): the table
// never forgets a file that is in use, and never keeps one that is not.
using System.Runtime.CompilerServices;
using UnixVfs.Core;
using UnixVfs.Nfs.Net;
using UnixVfs.Nfs.Rpc;

namespace UnixVfs.Nfs.Client;

/// <summary>Compares file handles by content.</summary>
internal sealed class FhComparer : IEqualityComparer<byte[]>
{
    public static readonly FhComparer Instance = new();
    public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);
    public int GetHashCode(byte[] obj)
    {
        var h = new HashCode();
        h.AddBytes(obj);
        return h.ToHashCode();
    }
}

/// <summary>A mounted NFS file system (<c>struct mntinfo</c>).</summary>
internal sealed class MountInfo
{
    private readonly Dictionary<byte[], Rnode> _rnodes = new(FhComparer.Instance);
    private readonly ConditionalWeakTable<Cred, OpaqueAuthBox> _auth = new();

    private sealed class OpaqueAuthBox(OpaqueAuth a)
    {
        public OpaqueAuth Auth { get; } = a;
    }

    public MountInfo(Vfs vfsp, NfsMountOptions options, IRpcNetwork network)
    {
        Vfs = vfsp;
        Options = options;
        Network = network;
    }

    public Vfs Vfs { get; }
    public NfsMountOptions Options { get; }
    public IRpcNetwork Network { get; }
    public TimeProvider Clock => Network.Clock;
    public Nfs3Client Nfs = null!;
    public Rnode Root = null!;

    /// <summary>The READ and WRITE sizes in use (the options clamped to the server's FSINFO).</summary>
    public int Rsize, Wsize;

    private long _attrGen;

    /// <summary>
    /// The next attribute generation: taken just before sending a call whose reply carries attributes, and again
    /// when attributes are cached (Rnode.AttrGen), so that a reply can tell whether the attributes cached since it was
    /// sent may be newer than its own (NfsVnops.CacheAttr).
    /// </summary>
    public long AttrGen() => Interlocked.Increment(ref _attrGen);

    /// <summary>How many blocks ahead a sequential reader is read ahead.</summary>
    public int ReadAhead = 4;

    /// <summary>The most WRITEs of one file in flight at once.</summary>
    public int MaxWritesInFlight = 8;

    /// <summary>Written-but-uncommitted data of one file beyond which a COMMIT is sent, without waiting, so that its buffers can be reused.</summary>
    public long CommitEvery = 32L << 20;

    private readonly System.Collections.Concurrent.ConcurrentBag<byte[]> _buffers = new();
    private const int MaxPooledBuffers = 64;

    /// <summary>
    /// A buffer of at least rsize and wsize bytes for a read block or a write. The mount keeps its own pool of
    /// them: fresh memory is slow to come by (the page faults of a new allocation cost more than the copy), and
    /// a sequential writer or reader needs the same few dozen over and over.
    /// </summary>
    public byte[] RentBuffer() => _buffers.TryTake(out var b) ? b : new byte[Math.Max(Rsize, Wsize)];

    /// <summary>Gives a buffer from RentBuffer back.</summary>
    public void ReturnBuffer(byte[] b)
    {
        if (_buffers.Count < MaxPooledBuffers)
            _buffers.Add(b);
    }

    /// <summary>The AUTH_SYS credential sent for <paramref name="cr"/>.</summary>
    public OpaqueAuth Auth(Cred cr) =>
        _auth.GetValue(cr, c => new OpaqueAuthBox(AuthSys.FromCred(c, Vfs.Kernel.Hostname).ToOpaqueAuth())).Auth;

    /// <summary>
    /// makenfs3node: the vnode of handle <paramref name="fh"/>, held once; an rnode already in the table is reused
    /// (its attributes refreshed from <paramref name="attr"/>), otherwise one is made (the attributes are fetched
    /// if not given, for the type). <paramref name="sent"/> is the attribute generation taken before the call that
    /// returned <paramref name="attr"/>. Returns OK or the GETATTR's errno.
    /// </summary>
    public Errno MakeNode(byte[] fh, Vattr? attr, long sent, Cred cr, out Vnode? vp)
    {
        vp = null;
        lock (_rnodes)
        {
            if (_rnodes.TryGetValue(fh, out var rn))
            {
                rn.Vnode.Hold();
                vp = rn.Vnode;
            }
        }
        if (vp is not null)
        {
            if (attr is not null)
                NfsVnops.CacheAttr(Node(vp), attr, own: false, sent);
            return Errno.OK;
        }
        if (attr is null)
        {
            sent = AttrGen();
            var err = Nfs.Getattr(cr, fh, out attr);
            if (err != Errno.OK)
                return err;
        }
        lock (_rnodes)
        {
            if (_rnodes.TryGetValue(fh, out var rn))
            {
                rn.Vnode.Hold();
                vp = rn.Vnode;
            }
            else
            {
                rn = new Rnode(this, fh);
                rn.Vnode = Vnode.Alloc(NfsVnops.OpsFor(attr!.Type), Vfs, attr.Type, rn);
                _rnodes.Add(fh, rn);
                vp = rn.Vnode;
            }
        }
        NfsVnops.CacheAttr(Node(vp), attr!, own: false, sent);
        return Errno.OK;
    }

    private static Rnode Node(Vnode vp) => (Rnode)vp.Data!;

    /// <summary>VOP_INACTIVE's table part: drops the last hold and, if nobody re-held the vnode, forgets the rnode.</summary>
    public void Inactive(Rnode rn)
    {
        lock (_rnodes)
        {
            if (!rn.Vnode.DropLastHold())
                return;
            if (_rnodes.TryGetValue(rn.Fh, out var cur) && ReferenceEquals(cur, rn))
                _rnodes.Remove(rn.Fh);
        }
    }

    /// <summary>Every rnode in the table.</summary>
    public IReadOnlyList<Rnode> Rnodes
    {
        get { lock (_rnodes) return _rnodes.Values.ToArray(); }
    }

    /// <summary>True while any vnode but the root (held by the mount) is held.</summary>
    public bool Busy()
    {
        lock (_rnodes)
            return _rnodes.Values.Any(r => r.Vnode.Count > (ReferenceEquals(r, Root) ? 1 : 0));
    }
}
