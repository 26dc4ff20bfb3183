// Vfs.Mirror: write coherency -- holding every copy's rwlock while a write reaches them (patent B.6).
//
// "The MFS's vop_write() operation acquires the locks by calling the vop_rwlock() operation of the
// first vnode, then acquires the lock for second vnode. Both locks of vnode have to be secured before
// the writing can proceed. If only one lock is granted, and the other one is held by another process,
// the MFS releases the first lock it is holding to avoid a deadlock ... [then] uses a backoff algorithm
// to wait for a period of time before trying to acquire the locks on both vnodes again."
//
// LockAll does exactly that for N copies: it waits for the first copy's lock, then only tries the
// others (VOP_RWLOCK with CC_DONTBLOCK returns EAGAIN instead of waiting); on any refusal it lets go of
// everything and sleeps for a random time that doubles with each failed round (randomised
// exponential backoff, capped; the random number and the wait come from the first vnode's Kernel, so a
// simulated run replays them), so two writers that cross -- one holding a, wanting b; the other holding
// b, wanting a -- cannot deadlock and do not livelock in step. Every lower file system must honour
// CC_DONTBLOCK in VOP_RWLOCK (the generic fs_rwlock does).
//
// LOCK ORDER of the mirror (outermost first; each a ranked lock the witness checks, Core/Witness, but the first two):
//     autoresync's gate           MirrorAutoResync: one round at a time
//     OnlineLock                  MfsVfs: one copy brought back at a time (MirrorIoctl.Online)
//     Quiesce                     MfsVfs: shared by every updating operation, exclusive while a copy rejoins
//     RenameLock                  MfsVfs: serialises renames, the only holders of two DirLocks
//     DirLock                     Mnode: a directory's names across the copies; two only under RenameLock
//     the copies' rwlocks         LockAll below: the first waited for, the others only tried
//     then whatever each copy's file system takes inside its own VOP (its rename lock, inodes, ...)
// then, below everything the copies take, the mnode hash's lock and under it an mnode's own Lock (ranked
// leaves: nothing ranked is taken under them, and the witness checks that). The mirror vnode's own VOP_RWLOCK
// takes nothing (MirrorVnops.MfsRwlock): the copies' rwlocks, taken here, are what orders its reads and writes.
namespace UnixVfs.Mirror;

internal static class MirrorLock
{
    /// <summary>The lock classes of the order above.</summary>
    public static readonly LockClass QuiesceClass = new("mfs quiesce", LockRank.Quiesce);
    public static readonly LockClass RenameClass = new("mfs rename", LockRank.MirrorRename);
    public static readonly LockClass DirClass = new("mfs dirlock", LockRank.MirrorDir, DupRule.Serialized, serializer: RenameClass);
    public static readonly LockClass HashClass = new("mfs mnode hash", LockRank.MnodeHash);
    public static readonly LockClass MnodeClass = new("mfs mnode", LockRank.Mnode);

    private const int MaxBackoffMicros = 20_000;

    /// <summary>
    /// Takes <paramref name="type"/> locks on every vnode in <paramref name="vps"/>, first one waiting, the others
    /// trying; every round that has to back off is counted in <paramref name="mi"/>'s Backoffs.
    /// </summary>
    public static void LockAll(ReadOnlySpan<Vnode> vps, RwLockType type, MfsVfs? mi = null)
    {
        if (vps.Length == 0)
            return;
        for (int round = 0; ; round++)
        {
            Vop.Rwlock(vps[0], type);
            int got = 1;
            while (got < vps.Length && Vop.Rwlock(vps[got], type, CallerContext.DontBlock) == Errno.OK)
                got++;
            if (got == vps.Length)
                return;
            for (int i = got - 1; i >= 0; i--)
                Vop.Rwunlock(vps[i], type);
            mi?.CountBackoff();
            Backoff(vps[0].Vfs.Kernel, round);
        }
    }

    /// <summary>Releases what LockAll took.</summary>
    public static void UnlockAll(ReadOnlySpan<Vnode> vps, RwLockType type)
    {
        for (int i = vps.Length - 1; i >= 0; i--)
            Vop.Rwunlock(vps[i], type);
    }

    /// <summary>Waits a random time in [0, 2^round * 50 us), at most 20 ms.</summary>
    private static void Backoff(Kernel k, int round)
    {
        int cap = (int)Math.Min(MaxBackoffMicros, 50L << Math.Min(round, 20));
        k.Delay(TimeSpan.FromMicroseconds(k.Random(cap)));
    }
}
