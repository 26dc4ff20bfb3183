// Vfs.Ufs: allocation of blocks, fragments and inodes in cylinder groups (FreeBSD ffs_alloc.c).
//
// The ideas of the Fast File System, as McKusick et al. laid them out:
//   - A new directory goes to a cylinder group with many free inodes and few directories (for a
//     top-level directory, spread over the disk; below that, near its parent: Orlov's refinement), so
//     that unrelated trees land apart and related files land together (DirPref).
//   - A file's inode goes into its directory's group; its first blocks go into the inode's group, and
//     every next block right after the previous one (BlkPref), so a file is contiguous on disk and
//     sequential I/O clusters. A very large file moves on to a fresh group every fs_maxbpg blocks.
//   - When the preferred group is full, the search rehashes quadratically over the groups, then
//     tries them all (HashAlloc).
//   - A file's last block, while the file has only direct blocks, may be a run of fragments rather
//     than a whole block; it grows in place when the following fragments are free (FragExtend) or is
//     moved to a larger run (Realloccg). Fragment runs are taken from partly used blocks first, the
//     best fitting size first (cg_frsum says which sizes exist).
// Every change to a group updates its maps, its counts, cg_frsum, the cluster summary, the in-core
// Cs[] and the superblock's totals together, under the mount's AllocLock.
using UnixVfs.Core;

namespace UnixVfs.Ufs;

/// <summary>Block and inode allocation (<c>ffs_alloc.c</c>).</summary>
internal static class UfsAlloc
{
    /// <summary>A per-group allocator for HashAlloc; <paramref name="size"/> is the request's size (for inodes, as in
    /// FreeBSD, whether it is a directory).</summary>
    private delegate Errno CgAllocator(UfsMount ump, int cg, long pref, int size, out long result);

    /// <summary>
    /// ffs_alloc: a new run of <paramref name="size"/> bytes (whole fragments, at most a block) for inode
    /// <paramref name="ip"/>, near <paramref name="bpref"/>; di_blocks grows by it. Returns OK, ENOSPC, EIO.
    /// </summary>
    public static Errno Alloc(Inode ip, long bpref, int size, Cred cr, out long bno)
    {
        bno = 0;
        var ump = ip.Ump;
        var fs = ump.Fs;
        using (ump.AllocLock.Enter())
        {
            if (size == fs.Bsize && fs.CsNbfree == 0)
                return NoSpace(ump);
            if (!cr.IsSuperUser && fs.Freespace(fs.Minfree) - fs.Numfrags(size) < 0)
                return NoSpace(ump);
            int cg = bpref > 0 && bpref < fs.Size ? fs.Dtog(bpref) : fs.InoToCg(ip.Number);
            var err = HashAlloc(ump, cg, bpref, size, AllocCg, out bno);
            if (err != Errno.OK)
                return err;
            if (bno == 0)
                return NoSpace(ump);
        }
        ip.Din.Blocks += size / Fs.DevBsize;
        return Errno.OK;
    }

    private static Errno NoSpace(UfsMount ump)
    {
        ump.Complain("file system full");
        return Errno.ENOSPC;
    }

    /// <summary>
    /// ffs_realloccg: grows the fragment run at <paramref name="bprev"/> from <paramref name="osize"/> to
    /// <paramref name="nsize"/> bytes, in place when the next fragments are free, else by moving its contents to
    /// a new run (the old one is freed). di_blocks grows by the difference. Returns OK, ENOSPC, EIO.
    /// </summary>
    public static Errno Realloccg(Inode ip, long bprev, long bpref, int osize, int nsize, Cred cr, out long bno)
    {
        bno = 0;
        var ump = ip.Ump;
        var fs = ump.Fs;
        using (ump.AllocLock.Enter())
        {
            if (!cr.IsSuperUser && fs.Freespace(fs.Minfree) - fs.Numfrags(nsize - osize) < 0)
                return NoSpace(ump);
            var err = FragExtend(ump, bprev, osize, nsize, out bool grown);
            if (err != Errno.OK)
                return err;
            if (grown)
            {
                bno = bprev;
                ip.Din.Blocks += (nsize - osize) / Fs.DevBsize;
                return Errno.OK;
            }
            err = HashAlloc(ump, fs.Dtog(bprev), bpref > 0 ? bpref : bprev, nsize, AllocCg, out bno);
            if (err != Errno.OK)
                return err;
            if (bno == 0)
                return NoSpace(ump);
        }
        var e = MoveFrags(ump, bprev, bno, osize);
        if (e != Errno.OK)
        {
            Blkfree(ump, bno, nsize);
            bno = 0;
            return e;
        }
        Blkfree(ump, bprev, osize);
        ip.Din.Blocks += (nsize - osize) / Fs.DevBsize;
        return Errno.OK;
    }

    /// <summary>Copies <paramref name="bytes"/> of file contents from the fragments at <paramref name="from"/> to those at <paramref name="to"/>.</summary>
    private static Errno MoveFrags(UfsMount ump, long from, long to, int bytes)
    {
        var fs = ump.Fs;
        var err = ump.Bc.Bread(fs.Blknum(from), out var src);
        if (err != Errno.OK)
            return err;
        err = ump.Bc.Bread(fs.Blknum(to), out var dst);
        if (err != Errno.OK)
        {
            ump.Bc.Brelse(src!);
            return err;
        }
        src!.Data.AsSpan(fs.Fragnum(from) * fs.Fsize, bytes).CopyTo(dst!.Data.AsSpan(fs.Fragnum(to) * fs.Fsize));
        dst.Flags |= src.Flags & BufFlags.B_META;
        dst.SetOwner(src.Owner);
        ump.Bc.Bdwrite(dst);
        ump.Bc.Brelse(src);
        return Errno.OK;
    }

    /// <summary>ffs_fragextend: extends the run at <paramref name="bprev"/> in place if the fragments after it are free. Caller holds AllocLock.</summary>
    private static Errno FragExtend(UfsMount ump, long bprev, int osize, int nsize, out bool grown)
    {
        grown = false;
        var fs = ump.Fs;
        int cg = fs.Dtog(bprev);
        int ofrags = fs.Numfrags(osize), frags = fs.Numfrags(nsize);
        if (ump.Cs[cg].Nffree < frags - ofrags)
            return Errno.OK;
        int bbase = fs.Fragnum(bprev);
        if (bbase + frags > fs.Frag)
            return Errno.OK;
        var err = ump.GetCg(cg, out var bp);
        if (err != Errno.OK)
            return err;
        var cgp = new Cg(bp!.Data);
        var map = cgp.Blksfree(fs);
        int bno = fs.Dtogd(bprev);
        for (int i = ofrags; i < frags; i++)
            if (!Cg.IsSet(map, bno + i))
            {
                ump.Bc.Brelse(bp);
                return Errno.OK;
            }
        // The free run after the old fragments ends at i; it shrinks from (i - ofrags) to (i - frags).
        int end = frags;
        while (end < fs.Frag - bbase && Cg.IsSet(map, bno + end))
            end++;
        cgp.SetFrsum(end - ofrags, cgp.Frsum(end - ofrags) - 1);
        if (end != frags)
            cgp.SetFrsum(end - frags, cgp.Frsum(end - frags) + 1);
        for (int i = ofrags; i < frags; i++)
            Cg.ClrBit(map, bno + i);
        AdjustFrags(ump, cgp, cg, -(frags - ofrags));
        CgBdwrite(ump, cgp, bp);
        grown = true;
        return Errno.OK;
    }

    /// <summary>ffs_alloccg: a block or fragment run from group <paramref name="cg"/>, or 0 if it has none. Caller holds AllocLock.</summary>
    private static Errno AllocCg(UfsMount ump, int cg, long bpref, int size, out long bno)
    {
        bno = 0;
        var fs = ump.Fs;
        if (ump.Cs[cg].Nbfree == 0 && size == fs.Bsize)
            return Errno.OK;
        var err = ump.GetCg(cg, out var bp);
        if (err != Errno.OK)
            return err;
        var cgp = new Cg(bp!.Data);
        if (size == fs.Bsize)
        {
            bno = cgp.Nbfree == 0 ? 0 : AllocCgBlk(ump, cgp, cg, bpref);
            Finish(ump, cgp, bp, bno);
            return Errno.OK;
        }
        int frags = fs.Numfrags(size);
        int allocsiz = frags;
        while (allocsiz < fs.Frag && cgp.Frsum(allocsiz) == 0)
            allocsiz++;
        var map = cgp.Blksfree(fs);
        if (allocsiz == fs.Frag)
        {
            // No run of fragments fits: cut a whole block and give back its tail.
            if (cgp.Nbfree == 0)
            {
                ump.Bc.Brelse(bp);
                return Errno.OK;
            }
            bno = AllocCgBlk(ump, cgp, cg, bpref);
            if (bno != 0)
            {
                int start = fs.Dtogd(bno);
                for (int i = frags; i < fs.Frag; i++)
                    Cg.SetBit(map, start + i);
                int rest = fs.Frag - frags;
                AdjustFrags(ump, cgp, cg, rest);
                cgp.SetFrsum(rest, cgp.Frsum(rest) + 1);
            }
            Finish(ump, cgp, bp, bno);
            return Errno.OK;
        }
        long at = MapSearch(ump, cgp, bpref, allocsiz);
        if (at < 0)
        {
            ump.Complain($"cylinder group {cg}: cg_frsum promises a run of {allocsiz} fragments the map does not have");
            ump.Bc.Brelse(bp);
            return Errno.EIO;
        }
        for (int i = 0; i < frags; i++)
            Cg.ClrBit(map, at + i);
        AdjustFrags(ump, cgp, cg, -frags);
        cgp.SetFrsum(allocsiz, cgp.Frsum(allocsiz) - 1);
        if (frags != allocsiz)
            cgp.SetFrsum(allocsiz - frags, cgp.Frsum(allocsiz - frags) + 1);
        bno = fs.CgBase(cg) + at;
        Finish(ump, cgp, bp, bno);
        return Errno.OK;
    }

    private static void Finish(UfsMount ump, Cg cgp, Buf bp, long result)
    {
        if (result == 0)
        {
            ump.Bc.Brelse(bp);
            return;
        }
        CgBdwrite(ump, cgp, bp);
    }

    /// <summary>ffs_alloccgblk: a whole block from the group, the preferred one if free, else the next free one after the rotor.</summary>
    private static long AllocCgBlk(UfsMount ump, Cg cgp, int cg, long bpref)
    {
        var fs = ump.Fs;
        var map = cgp.Blksfree(fs);
        long nblks = fs.Fragstoblks(cgp.Ndblk);
        long pref = bpref > 0 && fs.Dtog(bpref) == cg ? fs.Fragstoblks(fs.Dtogd(bpref)) : fs.Fragstoblks(cgp.Rotor);
        if (pref < 0 || pref >= nblks)
            pref = 0; // the rotor is a hint, and a damaged one is ignored
        long blk = -1;
        if (Cg.IsBlock(fs, map, pref))
            blk = pref;
        else
        {
            blk = FindFreeBlock(fs, map, pref, nblks);
            if (blk < 0)
                blk = FindFreeBlock(fs, map, 0, pref);
            if (blk < 0)
            {
                ump.Complain($"cylinder group {cg}: cg_nbfree says {cgp.Nbfree} free blocks, the map has none");
                return 0;
            }
            cgp.Rotor = (int)fs.Blkstofrags(blk);
        }
        Cg.ClrBlock(fs, map, blk);
        cgp.ClusterAcct(fs, blk, -1);
        cgp.Nbfree--;
        ump.Cs[cg].Nbfree--;
        fs.CsNbfree--;
        ump.SummaryDirty = true;
        return fs.CgBase(cg) + fs.Blkstofrags(blk);
    }

    /// <summary>The first entirely free block in [from, to) of the group's map, or -1.</summary>
    private static long FindFreeBlock(Fs fs, ReadOnlySpan<byte> map, long from, long to)
    {
        if (fs.Frag == 8)
        {
            // A free block is a byte of all ones: let the vectorised search find it.
            if (from >= to)
                return -1;
            int i = map[(int)from..(int)to].IndexOf((byte)0xff);
            return i < 0 ? -1 : from + i;
        }
        for (long h = from; h < to; h++)
            if (Cg.IsBlock(fs, map, h))
                return h;
        return -1;
    }

    /// <summary>
    /// ffs_mapsearch: the group-relative fragment where a maximal free run of exactly <paramref name="allocsiz"/>
    /// fragments starts (in a block that is not entirely free), searching from the preferred block or cg_frotor; -1 if none.
    /// </summary>
    private static long MapSearch(UfsMount ump, Cg cgp, long bpref, int allocsiz)
    {
        var fs = ump.Fs;
        var map = cgp.Blksfree(fs);
        long nblks = fs.Fragstoblks(cgp.Ndblk);
        int cg = cgp.Cgx;
        long start = bpref > 0 && fs.Dtog(bpref) == cg ? fs.Fragstoblks(fs.Dtogd(bpref)) : fs.Fragstoblks(cgp.Frotor);
        if (start < 0 || start >= nblks)
            start = 0;
        for (long k = 0; k < nblks; k++)
        {
            long h = (start + k) % nblks;
            int bits = Cg.BlockBits(fs, map, h);
            if (bits == 0 || bits == (1 << fs.Frag) - 1)
                continue;
            int run = 0;
            for (int i = 0; i <= fs.Frag; i++)
            {
                if (i < fs.Frag && (bits & (1 << i)) != 0)
                {
                    run++;
                    continue;
                }
                if (run == allocsiz)
                {
                    long at = fs.Blkstofrags(h) + i - run;
                    cgp.Frotor = (int)fs.Blkstofrags(h);
                    return at;
                }
                run = 0;
            }
        }
        return -1;
    }

    /// <summary>Adds <paramref name="n"/> to the group's free fragment count everywhere it is kept.</summary>
    private static void AdjustFrags(UfsMount ump, Cg cgp, int cg, int n)
    {
        cgp.Nffree += n;
        ump.Cs[cg].Nffree += n;
        ump.Fs.CsNffree += n;
        ump.SummaryDirty = true;
    }

    /// <summary>
    /// Stamps the group's time and lets its buffer go as a delayed write of the group alone (its fs_cgsize bytes at the
    /// start of the block; the rest of the block holds nothing).
    /// </summary>
    private static void CgBdwrite(UfsMount ump, Cg cgp, Buf bp)
    {
        cgp.Time = ump.Now().Sec;
        ump.Bc.Bdwrite(bp, 0, ump.Fs.Cgsize);
    }

    /// <summary>
    /// ffs_hashalloc: tries group <paramref name="icg"/>, then a quadratic rehash, then every group in turn.
    /// <paramref name="result"/> is 0 when no group could satisfy the request. Caller holds AllocLock.
    /// </summary>
    private static Errno HashAlloc(UfsMount ump, int icg, long pref, int size, CgAllocator allocator, out long result)
    {
        int ncg = ump.Fs.Ncg;
        var err = allocator(ump, icg, pref, size, out result);
        if (err != Errno.OK || result != 0)
            return err;
        int cg = icg;
        for (int i = 1; i < ncg; i *= 2)
        {
            cg += i;
            if (cg >= ncg)
                cg -= ncg;
            err = allocator(ump, cg, 0, size, out result);
            if (err != Errno.OK || result != 0)
                return err;
        }
        cg = (icg + 2) % ncg;
        for (int i = 2; i < ncg; i++)
        {
            err = allocator(ump, cg, 0, size, out result);
            if (err != Errno.OK || result != 0)
                return err;
            if (++cg == ncg)
                cg = 0;
        }
        result = 0;
        return Errno.OK;
    }

    /// <summary>
    /// ffs_blkfree: returns <paramref name="size"/> bytes at <paramref name="bno"/> to their group. Freeing what is
    /// already free, or an address outside the file system, is logged (fsck will sort it out) and otherwise ignored.
    /// A whole block's cached buffer is dropped: nothing it held need reach the disk. It is dropped under AllocLock
    /// and before the block is marked free, while no other file can be given the block: dropped after, it could be
    /// the next owner's freshly written buffer, whose data would then never reach the disk (ConcurrencyTests found
    /// whole blocks of a file reading back as an older file's bytes).
    /// </summary>
    public static void Blkfree(UfsMount ump, long bno, int size)
    {
        var fs = ump.Fs;
        int frags = fs.Numfrags(size);
        if (!fs.ValidRange(bno, frags) || fs.Fragnum(bno) + frags > fs.Frag)
        {
            ump.Complain($"freeing bad block {bno} (size {size})");
            return;
        }
        using (ump.AllocLock.Enter())
        {
            if (size == fs.Bsize)
                ump.Bc.Invalidate(bno);
            BlkfreeLocked(ump, bno, size);
        }
    }

    /// <summary>Blkfree's work in the group; when the group's header cannot be read the free is deferred. Caller holds AllocLock.</summary>
    private static void BlkfreeLocked(UfsMount ump, long bno, int size)
    {
        var fs = ump.Fs;
        int frags = fs.Numfrags(size);
        int cg = fs.Dtog(bno);
        if (ump.GetCg(cg, out var bp) != Errno.OK)
        {
            ump.DeferredBlkfree.Add((bno, size));
            return;
        }
        var cgp = new Cg(bp!.Data);
        var map = cgp.Blksfree(fs);
        long cgbno = fs.Dtogd(bno);
        if (size == fs.Bsize)
        {
            long blk = fs.Fragstoblks(cgbno);
            if (!Cg.IsFullyUsed(fs, map, blk))
            {
                ump.Complain($"freeing free block {bno}");
                ump.Bc.Brelse(bp);
                return;
            }
            Cg.SetBlock(fs, map, blk);
            cgp.ClusterAcct(fs, blk, 1);
            cgp.Nbfree++;
            ump.Cs[cg].Nbfree++;
            fs.CsNbfree++;
        }
        else
        {
            long bbase = cgbno - fs.Fragnum(cgbno);
            long blk = fs.Fragstoblks(bbase);
            cgp.FragAcct(fs, Cg.BlockBits(fs, map, blk), -1);
            for (int i = 0; i < frags; i++)
            {
                if (Cg.IsSet(map, cgbno + i))
                {
                    ump.Complain($"freeing free fragment {bno + i}");
                    continue;
                }
                Cg.SetBit(map, cgbno + i);
                AdjustFrags(ump, cgp, cg, 1);
            }
            cgp.FragAcct(fs, Cg.BlockBits(fs, map, blk), 1);
            if (Cg.IsBlock(fs, map, blk))
            {
                // The block is whole again: count it as a block, not as fragments.
                AdjustFrags(ump, cgp, cg, -fs.Frag);
                cgp.ClusterAcct(fs, blk, 1);
                cgp.Nbfree++;
                ump.Cs[cg].Nbfree++;
                fs.CsNbfree++;
            }
        }
        ump.SummaryDirty = true;
        CgBdwrite(ump, cgp, bp);
    }

    /// <summary>Applies the frees that had to wait for a failed read (orphaned indirect trees, then Blkfree's and Vfree's);
    /// those that fail again stay deferred.</summary>
    public static void ApplyDeferredFrees(UfsMount ump)
    {
        (long Bno, int Level)[] trees;
        using (ump.AllocLock.Enter())
        {
            trees = ump.DeferredTrees.ToArray();
            ump.DeferredTrees.Clear();
        }
        foreach (var (bno, level) in trees)
            if (!UfsBmap.FreeOrphanTree(ump, bno, level))
                using (ump.AllocLock.Enter())
                    ump.DeferredTrees.Add((bno, level));
        using (ump.AllocLock.Enter())
        {
            if (ump.DeferredBlkfree.Count == 0 && ump.DeferredVfree.Count == 0)
                return;
            var blocks = ump.DeferredBlkfree.ToArray();
            var inodes = ump.DeferredVfree.ToArray();
            ump.DeferredBlkfree.Clear();
            ump.DeferredVfree.Clear();
            foreach (var (bno, size) in blocks)
                BlkfreeLocked(ump, bno, size);
            foreach (var (ino, isDir) in inodes)
                VfreeLocked(ump, ino, isDir);
        }
    }

    /// <summary>
    /// ffs_valloc: a free inode number for a new file of type <paramref name="type"/> made in directory
    /// <paramref name="pip"/>: a directory goes where DirPref says, anything else into its directory's group.
    /// Returns OK, ENOSPC, EIO.
    /// </summary>
    public static Errno Valloc(Inode pip, VType type, out uint ino)
    {
        ino = 0;
        var ump = pip.Ump;
        var fs = ump.Fs;
        using (ump.AllocLock.Enter())
        {
            if (fs.CsNifree <= 0)
            {
                ump.Complain("out of inodes");
                return Errno.ENOSPC;
            }
            long ipref = type == VType.VDIR ? (long)DirPref(ump, pip) * fs.Ipg : pip.Number;
            int cg = (int)(ipref / fs.Ipg);
            var err = HashAlloc(ump, cg, ipref, type == VType.VDIR ? 1 : 0, NodeAllocCg, out long result);
            if (err != Errno.OK)
                return err;
            if (result == 0)
            {
                ump.Complain("out of inodes");
                return Errno.ENOSPC;
            }
            ino = (uint)result;
            return Errno.OK;
        }
    }

    /// <summary>
    /// ffs_nodealloccg: an inode from group <paramref name="cg"/> (<paramref name="isDir"/> is 1 for a directory),
    /// the preferred one if free, else the first free one after cg_irotor; 0 if the group has none. Inode blocks
    /// past cg_initediblk are zeroed (with fresh generation numbers) before their first inode is handed out.
    /// Caller holds AllocLock.
    /// </summary>
    private static Errno NodeAllocCg(UfsMount ump, int cg, long ipref, int isDir, out long result)
    {
        result = 0;
        var fs = ump.Fs;
        if (ump.Cs[cg].Nifree == 0)
            return Errno.OK;
        var err = ump.GetCg(cg, out var bp);
        if (err != Errno.OK)
            return err;
        var cgp = new Cg(bp!.Data);
        if (cgp.Nifree == 0)
        {
            ump.Bc.Brelse(bp);
            return Errno.OK;
        }
        var map = cgp.Inosused(fs);
        long pref = ipref > 0 && ipref / fs.Ipg == cg ? ipref % fs.Ipg : -1;
        if (pref < 0 || Cg.IsSet(map, pref) || (cg == 0 && pref < Fs.RootIno))
        {
            int rotor = cgp.Irotor >= 0 && cgp.Irotor < fs.Ipg ? cgp.Irotor : 0; // a hint: a damaged one is ignored
            pref = FindClearBit(map, rotor, fs.Ipg);
            if (pref < 0)
                pref = FindClearBit(map, 0, rotor);
            if (cg == 0)
                while (pref >= 0 && pref < Fs.RootIno)
                    pref = FindClearBit(map, pref + 1, fs.Ipg);
            if (pref < 0)
            {
                ump.Complain($"cylinder group {cg}: cg_nifree says {cgp.Nifree} free inodes, the map has none");
                ump.Bc.Brelse(bp);
                return Errno.EIO;
            }
            cgp.Irotor = (int)pref;
        }
        while (cgp.Initediblk < fs.Ipg && pref + fs.Inopb > cgp.Initediblk)
        {
            err = InitInodeBlock(ump, cg, cgp.Initediblk);
            if (err != Errno.OK)
            {
                ump.Bc.Brelse(bp);
                return err;
            }
            cgp.Initediblk += fs.Inopb;
        }
        Cg.SetBit(map, pref);
        cgp.Nifree--;
        ump.Cs[cg].Nifree--;
        fs.CsNifree--;
        if (isDir != 0)
        {
            cgp.Ndir++;
            ump.Cs[cg].Ndir++;
            fs.CsNdir++;
        }
        ump.SummaryDirty = true;
        CgBdwrite(ump, cgp, bp);
        result = (long)cg * fs.Ipg + pref;
        return Errno.OK;
    }

    /// <summary>Zeroes the inode block holding group-relative inode <paramref name="first"/>, giving each dinode a random generation number.</summary>
    public static Errno InitInodeBlock(UfsMount ump, int cg, int first)
    {
        var fs = ump.Fs;
        var err = ump.Bc.Getblk(fs.Cgimin(cg) + fs.Blkstofrags(first / fs.Inopb), out var ibp);
        if (err != Errno.OK)
            return err;
        Array.Clear(ibp.Data);
        for (int i = 0; i < fs.Inopb; i++)
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(ibp.Data.AsSpan(i * Dinode.Size + 80), ump.Rng.Next(1, int.MaxValue));
        ibp.Flags |= BufFlags.B_META;
        ump.Bc.Bdwrite(ibp);
        return Errno.OK;
    }

    private static long FindClearBit(ReadOnlySpan<byte> map, long from, long to)
    {
        for (long i = from; i < to; i++)
        {
            if ((i & 7) == 0 && i + 8 <= to && map[(int)(i >> 3)] == 0xff)
            {
                i += 7;
                continue;
            }
            if (!Cg.IsSet(map, i))
                return i;
        }
        return -1;
    }

    /// <summary>ffs_vfree: returns inode <paramref name="ino"/> to its group. Freeing a free inode is logged and ignored.</summary>
    public static void Vfree(UfsMount ump, uint ino, bool isDir)
    {
        using (ump.AllocLock.Enter())
            VfreeLocked(ump, ino, isDir);
    }

    /// <summary>Vfree's work in the group; when the group's header cannot be read the free is deferred. Caller holds AllocLock.</summary>
    private static void VfreeLocked(UfsMount ump, uint ino, bool isDir)
    {
        var fs = ump.Fs;
        int cg = fs.InoToCg(ino);
        if (ump.GetCg(cg, out var bp) != Errno.OK)
        {
            ump.DeferredVfree.Add((ino, isDir));
            return;
        }
        var cgp = new Cg(bp!.Data);
        var map = cgp.Inosused(fs);
        long i = ino % (uint)fs.Ipg;
        if (!Cg.IsSet(map, i))
        {
            ump.Complain($"freeing free inode {ino}");
            ump.Bc.Brelse(bp);
            return;
        }
        Cg.ClrBit(map, i);
        if (i < cgp.Irotor)
            cgp.Irotor = (int)i;
        cgp.Nifree++;
        ump.Cs[cg].Nifree++;
        fs.CsNifree++;
        if (isDir)
        {
            cgp.Ndir--;
            ump.Cs[cg].Ndir--;
            fs.CsNdir--;
        }
        ump.SummaryDirty = true;
        CgBdwrite(ump, cgp, bp);
    }

    /// <summary>
    /// ffs_dirpref (Orlov): the group for a new directory made in <paramref name="pip"/>. A directory in the root
    /// goes to the group with the fewest directories among those with at least average free inodes and blocks,
    /// searching from a random group; a deeper one stays near its parent unless that group is crowded. Caller holds AllocLock.
    /// </summary>
    private static int DirPref(UfsMount ump, Inode pip)
    {
        var fs = ump.Fs;
        int ncg = fs.Ncg;
        long avgifree = fs.CsNifree / ncg, avgbfree = fs.CsNbfree / ncg, avgndir = fs.CsNdir / ncg;
        if (pip.Number == Fs.RootIno)
        {
            int prefcg = ump.Rng.Next(ncg);
            int best = -1;
            int mindirs = int.MaxValue;
            for (int k = 0; k < ncg; k++)
            {
                int c = (prefcg + k) % ncg;
                var cs = ump.Cs[c];
                if (cs.Ndir < mindirs && cs.Nifree >= avgifree && cs.Nbfree >= avgbfree)
                {
                    best = c;
                    mindirs = cs.Ndir;
                }
            }
            if (best >= 0)
                return best;
        }
        int pcg = fs.InoToCg(pip.Number);
        long maxndir = Math.Min(avgndir + fs.Ipg / 16, fs.Ipg);
        long minifree = Math.Max(avgifree - avgifree / 4, 1);
        long minbfree = Math.Max(avgbfree - avgbfree / 4, 1);
        for (int k = 0; k < ncg; k++)
        {
            int c = (pcg + k) % ncg;
            var cs = ump.Cs[c];
            if (cs.Ndir < maxndir && cs.Nifree >= minifree && cs.Nbfree >= minbfree)
                return c;
        }
        for (int k = 0; k < ncg; k++)
        {
            int c = (pcg + k) % ncg;
            if (ump.Cs[c].Nifree >= avgifree)
                return c;
        }
        return pcg;
    }

    /// <summary>
    /// ffs_blkpref_ufs2: where logical block <paramref name="lbn"/> of <paramref name="ip"/> should go, given the
    /// address of the block before it in the same map (<paramref name="prev"/>, 0 if none): right after it, or
    /// at the start of the inode's group for the first blocks, or of a group with free space every fs_maxbpg blocks.
    /// </summary>
    public static long BlkPref(Inode ip, long lbn, long prev)
    {
        var ump = ip.Ump;
        var fs = ump.Fs;
        if (prev > 0 && lbn % fs.Maxbpg != 0)
            return prev + fs.Frag;
        int inocg = fs.InoToCg(ip.Number);
        if (lbn < Fs.NDADDR + fs.Nindir)
            return fs.Cgdmin(inocg);
        int start = (int)((inocg + lbn / fs.Maxbpg) % fs.Ncg);
        using (ump.AllocLock.Enter())
        {
            long avgbfree = fs.CsNbfree / fs.Ncg;
            for (int k = 0; k < fs.Ncg; k++)
            {
                int c = (start + k) % fs.Ncg;
                if (ump.Cs[c].Nbfree >= avgbfree && ump.Cs[c].Nbfree > 0)
                    return fs.Cgdmin(c);
            }
        }
        return fs.Cgdmin(start);
    }
}
