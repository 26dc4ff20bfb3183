// Vfs.Nfs / client: the vfs operations of the nfs file system type -- mount, unmount, root,
// statvfs, sync, vget -- and how a Kernel gets the type (NfsClient.Install).
//
// MOUNT. `mount -F nfs -o OPTIONS HOST:/path DIR` (NfsMountOptions.cs for the options): the MOUNT
// port comes from mountport= or the host's portmapper (pmapport=, 111 by default), MNT returns the
// root file handle, then the NFS port (port= or the portmapper), FSINFO for the transfer sizes and
// GETATTR of the root. The network the host is reached through is the one the type was installed
// with, unless the mount passes another as its data argument (MountArgs.Data: any IRpcNetwork).
//
// UNMOUNT flushes and commits every file's written data, tells the server (UMNT, one try: a dead
// server must not keep an unmount waiting) and closes the connections. It is EBUSY while files are
// in use, unless forced; a forced unmount first closes the connections, so that calls waiting on a
// server that does not answer (a hard mount) return EIO at once.
using UnixVfs.Core;
using UnixVfs.Nfs.Net;
using UnixVfs.Nfs.Portmap;
using UnixVfs.Nfs.Protocol;
using UnixVfs.Nfs.Rpc;
using UnixVfs.Nfs.Xdr;

namespace UnixVfs.Nfs.Client;

/// <summary>Gives a Kernel the nfs file system type.</summary>
public static class NfsClient
{
    /// <summary>The type's name, as mount -F names it.</summary>
    public const string FsType = "nfs";

    /// <summary>
    /// Installs the "nfs" type in <paramref name="kernel"/>'s vfssw; its mounts reach servers through
    /// <paramref name="network"/> (a TcpNetwork, or the kernel's SimHost on a simulated network).
    /// Returns OK, or EEXIST when the kernel already has an nfs type.
    /// </summary>
    public static Errno Install(Kernel kernel, IRpcNetwork network) =>
        kernel.Vfssw.Install(new VfsDef(FsType, NfsVfsops.MakeOps(network)) { VnodeTables = [NfsVnops.FileOps, NfsVnops.DirOps, NfsVnops.LinkOps] });
}

/// <summary>The nfs vfs operations.</summary>
internal static class NfsVfsops
{
    public static VfsOps MakeOps(IRpcNetwork network) => VfsOps.MakeOrPanic(NfsClient.FsType,
    [
        new(VfsopName.Mount, (VfsMountFn)((v, mvp, uap, cr) => NfsMount(v, uap, cr, uap.Data as IRpcNetwork ?? network))),
        new(VfsopName.Unmount, (VfsUnmountFn)NfsUnmount),
        new(VfsopName.Root, (VfsRootFn)NfsRoot),
        new(VfsopName.Statvfs, (VfsStatvfsFn)NfsStatvfs),
        new(VfsopName.Sync, (VfsSyncFn)NfsSync),
        new(VfsopName.Vget, (VfsVgetFn)NfsVget),
    ]);

    private static MountInfo Mi(Vfs vfsp) => (MountInfo)vfsp.Data!;

    /// <summary>A port: fixed by an option, or asked of the portmapper at every (re)connect.</summary>
    private static Func<(Errno, int)> PortOf(IRpcNetwork net, NfsMountOptions o, int fixedPort, uint prog, uint vers, RpcClientOptions ro) =>
        fixedPort != 0
            ? () => (Errno.OK, fixedPort)
            : () => (PortmapClient.GetPort(net, o.Host, o.PmapPort, prog, vers, ro, out int p), p);

    private static Errno NfsMount(Vfs vfsp, MountArgs uap, Cred cr, IRpcNetwork net)
    {
        var err = NfsMountOptions.Parse(uap.Spec, uap.Options, out var o, out var why);
        if (err != Errno.OK)
        {
            vfsp.Kernel.Log($"nfs: {uap.Spec}: {why}");
            return err;
        }
        if (o!.Udp && !net.Datagrams)
            return Errno.EPROTONOSUPPORT; // proto=udp on the simulated network, which has no datagrams
        if (uap.ParsedOptions.Has("ro"))
            vfsp.Flag |= VfsFlags.VFS_RDONLY;
        // A simulated host's calls are serial: write-behind and read-ahead put no second call into its world (RpcClient.cs).
        var ro = new RpcClientOptions
        {
            Timeout = TimeSpan.FromMilliseconds(100.0 * o.Timeo), Retrans = o.Retrans, Hard = o.Hard, Datagram = o.Udp,
            Serial = vfsp.Kernel.Simulated,
        };
        // The mount itself gives up as a soft mount does, whatever its hard option says (mount(8)'s retry): a server
        // that does not answer, a host the network does not know, a wrong port fail it with ETIMEDOUT instead of
        // hanging it. hard is for the calls made through the mount once it is made.
        var atMount = ro with { Hard = false };
        var mi = new MountInfo(vfsp, o, net);
        var mountRpc = new RpcClient(net, o.Host, PortOf(net, o, o.MountPort, Mount3.Program, Mount3.Version, atMount), Mount3.Program, Mount3.Version, atMount);
        var nfsRpc = new RpcClient(net, o.Host, PortOf(net, o, o.Port, Nfs3.Program, Nfs3.Version, atMount), Nfs3.Program, Nfs3.Version, atMount);
        try
        {
            err = Mnt(mountRpc, mi.Auth(cr), o.Path, out var rootFh);
            if (err != Errno.OK)
                return err;
            mi.Nfs = new Nfs3Client(nfsRpc, mi.Auth);
            err = mi.Nfs.Fsinfo(cr, rootFh!, out var info);
            if (err != Errno.OK)
                return err;
            mi.Rsize = Clamp(o.Rsize, info.Rtmax);
            mi.Wsize = Clamp(o.Wsize, info.Wtmax);
            long sent = mi.AttrGen();
            err = mi.Nfs.Getattr(cr, rootFh!, out var rootAttr);
            if (err != Errno.OK)
                return err;
            if (rootAttr!.Type != VType.VDIR)
                return Errno.ENOTDIR;
            vfsp.Data = mi;
            vfsp.Bsize = (uint)mi.Rsize;
            err = mi.MakeNode(rootFh!, rootAttr, sent, cr, out var root);
            if (err != Errno.OK)
                return err;
            root!.Flag |= VnodeFlags.VROOT;
            mi.Root = (Rnode)root.Data!;
            nfsRpc.Options = ro;
            return Errno.OK;
        }
        finally
        {
            mountRpc.Close();
            if (err != Errno.OK)
            {
                nfsRpc.Close();
                vfsp.Data = null;
            }
        }
    }

    /// <summary>The largest size at most <paramref name="asked"/> the server allows, a multiple of 512 (4096 when it can be).</summary>
    private static int Clamp(int asked, uint serverMax)
    {
        long n = serverMax == 0 ? asked : Math.Min(asked, serverMax);
        n = n >= 4096 ? n & ~4095L : Math.Max(512, n & ~511L);
        return (int)n;
    }

    /// <summary>MOUNTPROC3_MNT: the root handle of <paramref name="path"/>. Returns OK or the MOUNT status as an errno.</summary>
    private static Errno Mnt(RpcClient rpc, OpaqueAuth auth, string path, out byte[]? fh)
    {
        fh = null;
        var w = rpc.NewCall(Mount3.MNT, auth);
        w.WriteString(path);
        var err = rpc.Call(w, out var res);
        if (err != Errno.OK)
            return err;
        try
        {
            var r = res.Reader();
            var st = (MountStat3)r.ReadUInt32();
            if (r.Failed)
                return Errno.EPROTO;
            if (st != MountStat3.MNT3_OK)
                return Nfs3Status.MountToErrno(st);
            var h = r.ReadOpaque(Nfs3.FhSize).ToArray();
            if (r.Failed || h.Length == 0)
                return Errno.EPROTO;
            fh = h;
            return Errno.OK;
        }
        finally
        {
            res.Release();
        }
    }

    private static Errno NfsUnmount(Vfs vfsp, UnmountFlags flag, Cred cr)
    {
        var mi = Mi(vfsp);
        bool force = (flag & UnmountFlags.MS_FORCE) != 0;
        if (force)
            mi.Nfs.Rpc.Close();
        else if (mi.Busy())
            return Errno.EBUSY;
        if (!force)
        {
            var err = Flush(mi);
            if (err != Errno.OK)
                return err;
            Umnt(mi, cr);
        }
        mi.Root.Vnode.Rele();
        mi.Nfs.Rpc.Close();
        return Errno.OK;
    }

    /// <summary>MOUNTPROC3_UMNT, tried once with a short timeout: the server's mount list is advisory.</summary>
    private static void Umnt(MountInfo mi, Cred cr)
    {
        var o = mi.Options;
        var ro = new RpcClientOptions { Timeout = TimeSpan.FromMilliseconds(100.0 * Math.Min(o.Timeo, 10)), Retrans = 0 };
        var rpc = new RpcClient(mi.Network, o.Host, PortOf(mi.Network, o, o.MountPort, Mount3.Program, Mount3.Version, ro), Mount3.Program, Mount3.Version, ro);
        var w = rpc.NewCall(Mount3.UMNT, mi.Auth(cr));
        w.WriteString(o.Path);
        if (rpc.Call(w, out var res) == Errno.OK)
            res.Release();
        rpc.Close();
    }

    private static Errno Flush(MountInfo mi)
    {
        Errno first = Errno.OK;
        foreach (var rn in mi.Rnodes)
        {
            var err = NfsVnops.FlushIfDirty(rn, commit: true);
            if (first == Errno.OK)
                first = err;
        }
        return first;
    }

    private static Errno NfsRoot(Vfs vfsp, out Vnode? vp)
    {
        vp = Mi(vfsp).Root.Vnode;
        vp.Hold();
        return Errno.OK;
    }

    private static Errno NfsStatvfs(Vfs vfsp, Statvfs sp)
    {
        var mi = Mi(vfsp);
        var err = mi.Nfs.Fsstat(Cred.Kcred, mi.Root.Fh, sp);
        if (err != Errno.OK)
            return err;
        sp.Fsid = vfsp.Fsid;
        sp.Basetype = NfsClient.FsType;
        sp.Namemax = Limits.NameMax;
        sp.Flag = vfsp.IsReadOnly ? Statvfs.ST_RDONLY : 0;
        return Errno.OK;
    }

    private static Errno NfsSync(Vfs vfsp, SyncFlags flag, Cred cr) => Flush(Mi(vfsp));

    private static Errno NfsVget(Vfs vfsp, out Vnode? vp, Fid fid)
    {
        vp = null;
        if (fid.Length == 0 || fid.Length > Nfs3.FhSize)
            return Errno.EINVAL;
        return Mi(vfsp).MakeNode(fid.Data.ToArray(), null, 0, Cred.Kcred, out vp);
    }
}
