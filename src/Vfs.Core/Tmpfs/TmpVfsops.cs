// Vfs.Core / tmpfs: the vfs operations -- mount, unmount, root, statvfs, vget, mountroot.
//
// tmpfs keeps everything in memory and is the reference file system: simple, complete, and the
// model the property tests compare every other file system against. Options (-o): size=N[k|m|g]
// (default 1g), nr_inodes=N (default 1,000,000), mode=OCTAL, uid=N, gid=N for the root directory.
namespace UnixVfs.Core.Tmpfs;

/// <summary>The tmpfs vfs operations and its vfssw entry.</summary>
public static class TmpVfsops
{
    private const long DefaultSize = 1L << 30;
    private const long DefaultNodes = 1_000_000;

    /// <summary>The vfssw entry: install it in a vfssw (BootConfig.Default installs it and mounts it as root).</summary>
    public static readonly VfsDef Def = new("tmpfs", VfsOps.MakeOrPanic("tmpfs",
    [
        new(VfsopName.Mount, (VfsMountFn)TmpMount),
        new(VfsopName.Unmount, (VfsUnmountFn)TmpUnmount),
        new(VfsopName.Root, (VfsRootFn)TmpRoot),
        new(VfsopName.Statvfs, (VfsStatvfsFn)TmpStatvfs),
        new(VfsopName.Vget, (VfsVgetFn)TmpVget),
        new(VfsopName.Mountroot, (VfsMountrootFn)TmpMountroot),
    ])) { VnodeTables = [TmpVnops.FileOps, TmpVnops.DirOps, TmpVnops.LinkOps] };

    private static Errno TmpMount(Vfs vfsp, Vnode mvp, MountArgs uap, Cred cr)
    {
        var opts = uap.ParsedOptions;
        var err = ParseOptions(opts, out long size, out long nodes, out uint mode, out long uid, out long gid);
        if (err != Errno.OK)
        {
            vfsp.Kernel.Log($"tmpfs: {uap.Spec}: {opts.Why}");
            return err;
        }
        Init(vfsp, size, nodes, mode, (uint)uid, (uint)gid);
        return Errno.OK;
    }

    /// <summary>The mount options, checked: OK, or EINVAL with the reason in <paramref name="opts"/>' Why.</summary>
    private static Errno ParseOptions(MountOptions opts, out long size, out long nodes, out uint mode, out long uid, out long gid)
    {
        (size, nodes, mode, uid, gid) = (0, 0, 0x3FF, 0, 0); // mode 01777, as /tmp
        if (opts.AnyUnknown("size", "nr_inodes", "mode", "uid", "gid", "ro", "rw"))
            return Errno.EINVAL;
        if (!TryParseSize(opts.Get("size"), out size) || size < TmpNode.PageSize)
            return opts.Refuse($"size={opts.Get("size")}: give a size of at least {TmpNode.PageSize} bytes, with k, m or g");
        var err = opts.GetInt("nr_inodes", DefaultNodes, 2, int.MaxValue, out nodes);
        if (err != Errno.OK)
            return err;
        if (opts.Get("mode") is { } m)
        {
            try { mode = Convert.ToUInt32(m, 8) & ModeBits.ModeMask; }
            catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
            {
                return opts.Refuse($"mode={m}: give the permissions in octal");
            }
        }
        if ((err = opts.GetInt("uid", 0, 0, uint.MaxValue - 1, out uid)) != Errno.OK)
            return err;
        return opts.GetInt("gid", 0, 0, uint.MaxValue - 1, out gid);
    }

    private static Errno TmpMountroot(Vfs vfsp, WhyMountroot why)
    {
        if (why != WhyMountroot.ROOT_INIT)
            return Errno.ENOSYS;
        Init(vfsp, DefaultSize, DefaultNodes, 0x1ED, 0, 0); // 0755
        return Errno.OK;
    }

    private static void Init(Vfs vfsp, long size, long nodes, uint mode, uint uid, uint gid)
    {
        var tm = new TmpMount(vfsp, size, nodes);
        var root = tm.MakeNode(VType.VDIR, TmpVnops.DirOps)!;
        root.InitDirectory(root);
        root.Mode = mode;
        root.Uid = uid;
        root.Gid = gid;
        root.Nlink = 2;
        root.Atime = root.Mtime = root.Ctime = vfsp.Now();
        root.Vnode.Flag |= VnodeFlags.VROOT;
        tm.Root = root;
        vfsp.Data = tm;
        vfsp.Bsize = TmpNode.PageSize;
    }

    private static Errno TmpUnmount(Vfs vfsp, UnmountFlags flag, Cred cr)
    {
        var tm = (TmpMount)vfsp.Data!;
        if (tm.Busy() && (flag & UnmountFlags.MS_FORCE) == 0)
            return Errno.EBUSY;
        return Errno.OK;
    }

    private static Errno TmpRoot(Vfs vfsp, out Vnode? vp)
    {
        var tm = (TmpMount)vfsp.Data!;
        vp = tm.Root.Vnode;
        vp.Hold();
        return Errno.OK;
    }

    private static Errno TmpStatvfs(Vfs vfsp, Statvfs sp)
    {
        var tm = (TmpMount)vfsp.Data!;
        ulong total = (ulong)(tm.MaxBytes / TmpNode.PageSize);
        ulong used = (ulong)Math.Max(0, Volatile.Read(ref tm.PagesUsed));
        sp.Bsize = sp.Frsize = TmpNode.PageSize;
        sp.Blocks = total;
        sp.Bfree = sp.Bavail = total > used ? total - used : 0;
        sp.Files = (ulong)tm.MaxNodes;
        sp.Ffree = sp.Favail = (ulong)Math.Max(0, tm.MaxNodes - tm.NodeCount);
        sp.Fsid = vfsp.Fsid;
        sp.Basetype = "tmpfs";
        sp.Flag = vfsp.IsReadOnly ? Statvfs.ST_RDONLY : 0;
        sp.Namemax = Limits.NameMax;
        return Errno.OK;
    }

    private static Errno TmpVget(Vfs vfsp, out Vnode? vp, Fid fid)
    {
        vp = null;
        if (!fid.TryGetInode(out ulong ino, out uint gen))
            return Errno.EINVAL;
        var n = ((TmpMount)vfsp.Data!).Find(ino);
        if (n is null)
            return Errno.ESTALE;
        if (n.Gen != gen || n.Nlink == 0)
        {
            n.Vnode.Rele();
            return Errno.ESTALE;
        }
        vp = n.Vnode;
        return Errno.OK;
    }

    /// <summary>Parses "1g", "512m", "65536" into bytes; null means the default.</summary>
    private static bool TryParseSize(string? s, out long bytes)
    {
        bytes = DefaultSize;
        if (s is null)
            return true;
        long mul = 1;
        char last = s.Length > 0 ? char.ToLowerInvariant(s[^1]) : '\0';
        if (last is 'k' or 'm' or 'g')
        {
            mul = last == 'k' ? 1L << 10 : last == 'm' ? 1L << 20 : 1L << 30;
            s = s[..^1];
        }
        if (!long.TryParse(s, out long n) || n <= 0 || n > long.MaxValue / mul)
            return false;
        bytes = n * mul;
        return true;
    }
}
