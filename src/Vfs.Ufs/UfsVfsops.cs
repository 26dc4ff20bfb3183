// Vfs.Ufs: the vfs operations of UFS -- mount, unmount, root, statvfs, sync, vget -- and its vfssw entry.
//
// MOUNT. mount -F ufs IMAGE DIR opens IMAGE as a block file (or uses the IBlockDevice handed in as
// the mount's data argument), finds and checks the superblock, reads the cylinder-group summaries and
// every group header, and brings in the root directory. Anything wrong is EINVAL (not a UFS2 file
// system, bad options) or EIO (damaged metadata) with a one-line reason in the kernel's message log.
// Options: ro, rw, cachesize=N[k|m|g] (the buffer cache's budget, default 64m), force (mount an
// unclean file system read-write). One image is mounted at most once per kernel (EBUSY).
//
// CLEAN FLAG. A read-write mount clears fs_clean on the device at once and sets it again only at a
// successful unmount, so an image that was not unmounted (a crash) says so: it can then be mounted
// read-only, or read-write after `vfs fsck -y` (or with -o force), as FreeBSD requires.
//
// SYNC ORDER. Sync writes every dirty data block and flushes the device, then the metadata (group
// headers, inode blocks, directories, indirect blocks, the summary area) and the superblock, and
// flushes again: no inode on disk points at data that is not there. Fsync does the same for one file's
// data and every dirty metadata block, but leaves the summary area and the superblock to sync.
using UnixVfs.Core;

namespace UnixVfs.Ufs;

/// <summary>The UFS vfs operations and its vfssw entry.</summary>
public static class UfsVfsops
{
    /// <summary>The vfssw entry: <c>kernel.Vfssw.Install(UfsVfsops.Def)</c>, then mount with fstype "ufs".</summary>
    public static readonly VfsDef Def = new("ufs", VfsOps.MakeOrPanic("ufs",
    [
        new(VfsopName.Mount, (VfsMountFn)UfsMountVfs),
        new(VfsopName.Unmount, (VfsUnmountFn)UfsUnmount),
        new(VfsopName.Root, (VfsRootFn)UfsRoot),
        new(VfsopName.Statvfs, (VfsStatvfsFn)UfsStatvfs),
        new(VfsopName.Sync, (VfsSyncFn)UfsSync),
        new(VfsopName.Vget, (VfsVgetFn)UfsVget),
    ])) { VnodeTables = [UfsVnops.FileOps, UfsVnops.DirOps, UfsVnops.LinkOps, UfsVnops.SpecOps] };

    private static UfsMount Ump(Vfs vfsp) => (UfsMount)vfsp.Data!;

    private static Errno UfsMountVfs(Vfs vfsp, Vnode mvp, MountArgs uap, Cred cr)
    {
        var kernel = vfsp.Kernel;
        var opts = uap.ParsedOptions;
        var unknown = opts.Unknown("ro", "rw", "cachesize", "force").ToList();
        if (unknown.Count > 0)
        {
            kernel.Log($"ufs: {uap.Spec}: unknown mount option \"{unknown[0]}\"");
            return Errno.EINVAL;
        }
        bool ro = vfsp.IsReadOnly || opts.Has("ro");
        long cache = BufCache.DefaultBudget;
        if (opts.Has("cachesize") && !Newfs.TryParseSize(opts.Get("cachesize"), out cache))
        {
            kernel.Log($"ufs: {uap.Spec}: bad cachesize \"{opts.Get("cachesize")}\"");
            return Errno.EINVAL;
        }

        IBlockDevice dev;
        bool owns;
        string image;
        if (uap.Data is IBlockDevice given)
        {
            dev = given;
            owns = false;
            image = uap.Spec.Length > 0 ? uap.Spec : given.ToString() ?? "device";
        }
        else
        {
            try { image = Path.GetFullPath(uap.Spec); }
            catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
            {
                kernel.Log($"ufs: bad image path \"{uap.Spec}\"");
                return Errno.EINVAL;
            }
            var oerr = FileBlockDevice.Open(image, ro, out var fdev);
            if (oerr != Errno.OK)
            {
                kernel.Log($"ufs: {image}: cannot open: {oerr.Message()}");
                return oerr;
            }
            dev = fdev!;
            owns = true;
        }
        foreach (var v in kernel.Mounts)
            if (v.Data is UfsMount other && (ReferenceEquals(other.Dev, dev) || other.Image == image))
            {
                kernel.Log($"ufs: {image}: already mounted on {v.MntPt}");
                if (owns)
                    dev.Dispose();
                return Errno.EBUSY;
            }
        var err = MountDevice(vfsp, uap, dev, owns, image, ro, cache, opts.Has("force"));
        if (err != Errno.OK && owns)
            dev.Dispose();
        return err;
    }

    private static Errno MountDevice(Vfs vfsp, MountArgs uap, IBlockDevice dev, bool owns, string image, bool ro, long cache, bool force)
    {
        var kernel = vfsp.Kernel;
        if (ByteOrder.IsSwapped(dev))
        {
            var serr = ByteSwappedDevice.Open(dev, owns, out var swapped, out string? swhy);
            if (serr != Errno.OK)
            {
                kernel.Log($"ufs: {image}: byte-swapped UFS2: {swhy}");
                return serr;
            }
            kernel.Log($"ufs: {image}: {ByteOrder.MountedReadOnly}");
            dev = swapped!;
            ro = true;
            vfsp.Flag |= VfsFlags.VFS_RDONLY;
        }
        if (!ro && dev.IsReadOnly)
        {
            kernel.Log($"ufs: {image}: device is read-only");
            return Errno.EROFS;
        }
        var err = Superblock.Read(dev, out var fs, out long sbloc, out string? why);
        if (err != Errno.OK)
        {
            kernel.Log($"ufs: {image}: {why}");
            return err;
        }
        if ((err = Superblock.ReadCsum(dev, fs!, out var csum, out why)) != Errno.OK)
        {
            kernel.Log($"ufs: {image}: {why}");
            return err;
        }
        if (!ro && (fs!.Flags & Fs.FS_SUJ) != 0)
        {
            kernel.Log($"ufs: {image}: has a soft-updates journal this kernel cannot replay; mount read-only");
            return Errno.EPERM;
        }
        if (!ro && (fs!.Clean == 0 || (fs.Flags & Fs.FS_NEEDSFSCK) != 0) && !force)
        {
            kernel.Log($"ufs: {image}: file system is not clean; run fsck (or mount read-only)");
            return Errno.EPERM;
        }
        fs!.CsNdir = fs.CsNbfree = fs.CsNifree = fs.CsNffree = 0;
        foreach (var s in csum!)
        {
            fs.CsNdir += s.Ndir;
            fs.CsNbfree += s.Nbfree;
            fs.CsNifree += s.Nifree;
            fs.CsNffree += s.Nffree;
        }
        var ump = new UfsMount(vfsp, dev, owns, fs, csum, cache, ro, image);
        vfsp.Data = ump;
        for (int c = 0; c < fs!.Ncg; c++)
        {
            if ((err = ump.GetCg(c, out var bp)) != Errno.OK)
            {
                vfsp.Data = null;
                return err;
            }
            ump.Bc.Brelse(bp!);
        }
        if ((err = ump.Icache.Iget(Fs.RootIno, out var root)) != Errno.OK || !root!.IsDir)
        {
            root?.Vnode.Rele();
            kernel.Log($"ufs: {image}: root inode is not a directory");
            vfsp.Data = null;
            return Errno.EIO;
        }
        ump.Root = root;
        vfsp.Bsize = (uint)fs.Bsize;
        vfsp.Dev = ((ulong)(uint)fs.Id0 << 32) | (uint)fs.Id1;
        if (!ro)
        {
            fs.Clean = 0;
            fs.Flags &= ~(Fs.FS_DOSOFTDEP | Fs.FS_METACKHASH | Fs.FS_UNCLEAN);
            fs.Metackhash = 0;
            fs.Mtime = ump.Now().Sec;
            fs.Fsmnt = uap.Dir;
            fs.Sblockloc = sbloc;
            if ((err = WriteSuper(ump)) == Errno.OK)
                err = dev.Flush();
            if (err != Errno.OK)
            {
                root.Vnode.Rele();
                vfsp.Data = null;
                kernel.Log($"ufs: {image}: cannot write the superblock: {err.Message()}");
                return err;
            }
        }
        return Errno.OK;
    }

    private static Errno UfsUnmount(Vfs vfsp, UnmountFlags flag, Cred cr)
    {
        var ump = Ump(vfsp);
        if (ump.Icache.Busy() && (flag & UnmountFlags.MS_FORCE) == 0)
            return Errno.EBUSY;
        var err = Errno.OK;
        if (!ump.ReadOnly)
        {
            err = SyncAll(ump);
            if (err == Errno.OK)
            {
                ump.Fs.Clean = 1;
                err = WriteSuper(ump);
                if (err == Errno.OK)
                    err = ump.Bc.FlushDevice();
            }
            if (err != Errno.OK)
                ump.Complain($"unmount could not write everything ({err.Message()}); fsck before the next read-write mount");
        }
        ump.Root.Vnode.Rele();
        ump.Bc.Purge();
        if (ump.OwnsDevice)
            ump.Dev.Dispose();
        return Errno.OK;
    }

    private static Errno UfsRoot(Vfs vfsp, out Vnode? vp)
    {
        vp = Ump(vfsp).Root.Vnode;
        vp.Hold();
        return Errno.OK;
    }

    private static Errno UfsStatvfs(Vfs vfsp, Statvfs sp)
    {
        var ump = Ump(vfsp);
        var fs = ump.Fs;
        using (ump.AllocLock.Enter())
        {
            long free = fs.Blkstofrags(fs.CsNbfree) + fs.CsNffree;
            sp.Bsize = (ulong)fs.Bsize;
            sp.Frsize = (ulong)fs.Fsize;
            sp.Blocks = (ulong)Math.Max(0, fs.Dsize);
            sp.Bfree = (ulong)Math.Max(0, free);
            sp.Bavail = (ulong)Math.Max(0, fs.Freespace(fs.Minfree));
            sp.Files = (ulong)Math.Max(0, fs.Ninodes - Fs.RootIno);
            sp.Ffree = sp.Favail = (ulong)Math.Max(0, fs.CsNifree);
        }
        sp.Fsid = vfsp.Fsid;
        sp.Basetype = "ufs";
        sp.Flag = ump.ReadOnly ? Statvfs.ST_RDONLY : 0;
        sp.Namemax = UfsDir.MaxNamLen;
        return Errno.OK;
    }

    private static Errno UfsSync(Vfs vfsp, SyncFlags flag, Cred cr)
    {
        var ump = Ump(vfsp);
        return ump.ReadOnly ? Errno.OK : SyncAll(ump);
    }

    /// <summary>
    /// ffs_sync: every changed inode to its buffer, data out and flushed, then the metadata, the summary area and the
    /// superblock out and flushed.
    /// </summary>
    private static Errno SyncAll(UfsMount ump)
    {
        UfsAlloc.ApplyDeferredFrees(ump);
        foreach (var ip in ump.Icache.Snapshot())
            using (ip.Lock.Enter())
                if ((ip.Flag & InodeFlags.IN_MODIFIED) != 0 && ip.Din.Mode != 0)
                    ip.Iupdat();
        var err = ump.Bc.Flush(bp => !bp.IsMeta);
        if (err == Errno.OK)
            err = ump.Bc.FlushDevice();
        if (err == Errno.OK)
            err = WriteCsum(ump);
        if (err == Errno.OK)
            err = ump.Bc.Flush(bp => bp.IsMeta);
        if (err == Errno.OK)
            err = WriteSuper(ump);
        if (err == Errno.OK)
            err = ump.Bc.FlushDevice();
        return err;
    }

    /// <summary>
    /// The second half of fsync: every dirty metadata block (group headers, inode blocks, directories, indirect
    /// blocks) written, then the device flushed. Not the summary area or the superblock: their totals are sync's and
    /// unmount's to write, as in FreeBSD's ffs_fsync, and after a crash fsck recomputes them (a read-write mount of a
    /// file system not unmounted needs fsck first: the clean flag). Returns OK or EIO.
    /// </summary>
    internal static Errno SyncMetadata(UfsMount ump)
    {
        var err = ump.Bc.Flush(bp => bp.IsMeta);
        return err == Errno.OK ? ump.Bc.FlushDevice() : err;
    }

    /// <summary>Copies the in-core cylinder-group summaries into the summary area's buffers (fs_csaddr).</summary>
    private static Errno WriteCsum(UfsMount ump)
    {
        var fs = ump.Fs;
        byte[] area;
        using (ump.AllocLock.Enter())
        {
            area = new byte[fs.Cssize];
            for (int c = 0; c < fs.Ncg; c++)
                ump.Cs[c].Write(area.AsSpan(c * Csum.Size));
        }
        int done = 0;
        long frag = fs.Csaddr;
        while (done < area.Length)
        {
            var err = ump.Bc.Bread(fs.Blknum(frag), out var bp);
            if (err != Errno.OK)
                return err;
            int at = fs.Fragnum(frag) * fs.Fsize;
            int n = Math.Min(area.Length - done, fs.Bsize - at);
            area.AsSpan(done, n).CopyTo(bp!.Data.AsSpan(at));
            bp.Flags |= BufFlags.B_META;
            ump.Bc.Bdwrite(bp, at, at + n);
            done += n;
            frag += fs.Numfrags(n);
        }
        return Errno.OK;
    }

    /// <summary>ffs_sbupdate: writes the superblock (with the current totals and time) to its place on the device.</summary>
    private static Errno WriteSuper(UfsMount ump)
    {
        var fs = ump.Fs;
        var buf = new byte[Fs.SblockSize];
        using (ump.AllocLock.Enter())
        {
            fs.Time = ump.Now().Sec;
            fs.Sblockactualloc = fs.Sblockloc;
            fs.Write(buf);
            ump.SummaryDirty = false;
        }
        return ump.Bc.WriteThrough(fs.Sblockloc, buf);
    }

    private static Errno UfsVget(Vfs vfsp, out Vnode? vp, Fid fid)
    {
        vp = null;
        if (!fid.TryGetInode(out ulong ino, out uint gen))
            return Errno.EINVAL;
        var ump = Ump(vfsp);
        if (ino >= (ulong)ump.Fs.Ninodes || ino < Fs.RootIno)
            return Errno.ESTALE;
        var err = ump.Icache.Iget((uint)ino, out var ip);
        if (err == Errno.ENOENT || err == Errno.EINVAL)
            return Errno.ESTALE;
        if (err != Errno.OK)
            return err;
        if ((uint)ip!.Din.Gen != gen || ip.Din.Nlink <= 0)
        {
            ip.Vnode.Rele();
            return Errno.ESTALE;
        }
        vp = ip.Vnode;
        return Errno.OK;
    }
}
