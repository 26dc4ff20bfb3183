// Tests of conformance: the file systems of this repository as the suite sees them -- tmpfs, UFS on a memory
// device, the NFS client over the simulated network and over TCP on 127.0.0.1 (a server exporting a tmpfs), and the
// mirror over two tmpfs and over two UFS. Each builds a fresh instance on /m of a kernel of its own.
using UnixVfs.Mirror;
using UnixVfs.Nfs.Client;
using UnixVfs.Nfs.Net;
using UnixVfs.Nfs.Server;
using UnixVfs.Sim.Conformance;
using UnixVfs.Testing;
using UnixVfs.Ufs;
using static UnixVfs.Sim.Conformance.FsUnderTest;

namespace UnixVfs.Conformance.Tests;

public static class Targets
{
    public static readonly FsUnderTest Tmpfs = Local("tmpfs", p => p.Mount("swap", "/m", "tmpfs"));

    /// <summary>UFS2 on a 24 MiB memory device (8 KiB blocks, 1 KiB fragments); fsck -n after every unmount, and a remount.</summary>
    public static readonly FsUnderTest Ufs = new("ufs", () =>
    {
        var k = new Kernel("ufs", new VirtualClock());
        k.Vfssw.Install(UfsVfsops.Def);
        var p = k.CreateProcess();
        var dev = NewUfs(k);
        Need(p.Mkdir("/m", 0x1ED), "mkdir /m");
        Need(p.Mount("img", "/m", "ufs", MountFlags.None, "", dev), "mount ufs");
        p.Exit();
        return new FsInstance
        {
            Kernel = k,
            Remount = q => q.Mount("img", "/m", "ufs", MountFlags.None, "", dev),
            AfterUnmount = () => Fsck(dev),
        };
    });

    public static readonly FsUnderTest NfsSim = Nfs(tcp: false);
    public static readonly FsUnderTest NfsTcp = Nfs(tcp: true);

    /// <summary>
    /// A server exporting a tmpfs and a client kernel mounting it on /m. The client has no silly rename (docs/nfs.md),
    /// so the histories never remove the last name of an open file, and the open-unlinked check is not run.
    /// </summary>
    private static FsUnderTest Nfs(bool tcp) => new(tcp ? "nfs-tcp" : "nfs-sim", () =>
    {
        var server = new Kernel("server", new VirtualClock());
        var sp = server.CreateProcess();
        Need(sp.Mkdir("/export", 0x1ED), "mkdir /export");
        Need(sp.Mount("swap", "/export", "tmpfs"), "mount tmpfs");
        sp.Exit();
        IRpcNetwork serverNet, clientNet;
        if (tcp)
            serverNet = clientNet = TcpNetwork.Default;
        else
        {
            var sim = new SimNetwork(1);
            serverNet = sim.AddHost("server");
            clientNet = sim.AddHost("client");
        }
        var nfsd = new NfsServer(server, serverNet, new NfsServerOptions
        {
            Address = tcp ? "127.0.0.1" : "server",
            NfsPort = tcp ? 0 : 2049,
            MountPort = 0,
            PortmapPort = tcp ? 0 : -1,
        });
        Need(nfsd.Share(new ExportOptions { Path = "/export", RootSquash = false }), "share /export");
        Need(nfsd.Start(), "start the server");
        var k = new Kernel("client", new VirtualClock());
        Need(NfsClient.Install(k, clientNet), "install nfs");
        var p = k.CreateProcess();
        Need(p.Mkdir("/m", 0x1ED), "mkdir /m");
        Need(p.Mount($"{(tcp ? "127.0.0.1" : "server")}:/export", "/m", "nfs", options: $"port={nfsd.NfsPort},mountport={nfsd.MountPort}"), "mount nfs");
        p.Exit();
        return new FsInstance
        {
            Kernel = k,
            TearDown = () =>
            {
                foreach (var v in k.Mounts.Where(v => v.FstypeName == "nfs").ToList())
                    k.Unmount(v, UnmountFlags.MS_FORCE, Cred.Kcred);
                nfsd.Crash();
                nfsd.Unshare("/export");
            },
        };
    })
    {
        KeepOpenFilesLinked = true,
        Excluded = new Dictionary<string, string>
        {
            ["open-unlinked"] = "the NFS client has no silly rename: an unlinked open file is gone on the server (docs/nfs.md)",
        },
    };

    public static readonly FsUnderTest MirrorTmpfs = Mirror("mirror-tmpfs", ufs: false);
    public static readonly FsUnderTest MirrorUfs = Mirror("mirror-ufs", ufs: true);

    /// <summary>
    /// The mirror of /A/b and /m, mounted on /m (so /A/b is the same mirror, compared with the model after every
    /// call too). Its disturbances take either copy offline or bring it back; the end of a history brings every copy back (a resync) and compares both with the
    /// model. Its .mfs records are files of its own, so the inode count is not compared.
    /// </summary>
    private static FsUnderTest Mirror(string name, bool ufs) => new(name, () =>
    {
        var k = new Kernel(name, new VirtualClock());
        k.Vfssw.Install(MirrorVfsops.Def);
        k.Vfssw.Install(UfsVfsops.Def);
        var p = k.CreateProcess();
        var devs = new List<MemoryBlockDevice>();
        foreach (var d in new[] { "/A", "/m" })
        {
            Need(p.Mkdir(d, 0x1ED), "mkdir " + d);
            if (ufs)
            {
                devs.Add(NewUfs(k));
                Need(p.Mount("disk" + d, d, "ufs", MountFlags.None, "", devs[^1]), "mount ufs on " + d);
            }
            else
                Need(p.Mount("swap", d, "tmpfs"), "mount tmpfs on " + d);
        }
        Need(p.Mkdir("/A/b", 0x1ED), "mkdir /A/b");
        Need(p.Mount("/A/b", "/m", "mfs"), "mount mfs");
        var mfs = (MfsVfs)k.Mounts.Single(v => v.FstypeName == "mfs").Data!;
        var admin = k.CreateProcess();
        Func<Errno> Offline(string c) => () => MfsAdm.Offline(admin, "/m", c, out _);
        Func<Errno> Online(string c) => () => MfsAdm.Online(admin, "/m", c, out _, out _);
        return new FsInstance
        {
            Kernel = k,
            Copies = () =>
            {
                // Every available copy, and the mirror as /A/b names it (the histories go through /m).
                var roots = mfs.Copies.Where(c => c.State == CopyState.Available).Select(c => c.Root).ToList();
                roots.ForEach(vp => vp.Hold());
                Need(admin.Lookupname("/A/b", true, out var other), "lookup /A/b");
                return roots.Append(other!);
            },
            Disturbances = [Offline("x"), Offline("y"), Online("x"), Online("y")],
            Repair = () =>
            {
                foreach (var c in mfs.Copies.Where(c => c.State != CopyState.Available))
                    if (MfsAdm.Online(admin, "/m", c.Name, out var error, out _) != Errno.OK)
                        return $"mfsadm online {c.Name}: {error}";
                return null;
            },
            AfterUnmount = () =>
            {
                // The copies are plain file systems again: nothing of them may still be held, and a UFS copy must be clean.
                foreach (var d in new[] { "/A", "/m" })
                    Holds.AssertBalanced(k, d);
                if (!ufs)
                    return null;
                foreach (var d in new[] { "/A", "/m" })
                    Need(admin.Umount(d), "umount " + d);
                return devs.Select(Fsck).FirstOrDefault(r => r is not null);
            },
            TearDown = admin.Exit,
        };
    })
    {
        DisturbanceKinds = 4,
        CountsInodes = false,
        HiddenTopDirectories = 1, // .mfs
    };

    private static MemoryBlockDevice NewUfs(Kernel k)
    {
        var dev = new MemoryBlockDevice(24L << 20);
        Need(Newfs.Make(dev, new NewfsOptions { Bsize = 8192, Fsize = 1024, Size = 24L << 20 }, k.Now(), out _, out var why), "newfs " + why);
        return dev;
    }

    private static string? Fsck(MemoryBlockDevice dev)
    {
        Need(UnixVfs.Ufs.Fsck.Run(dev, false, out var report), "fsck");
        return report.Clean ? null : "fsck -n found: " + string.Join("; ", report.Problems);
    }
}
