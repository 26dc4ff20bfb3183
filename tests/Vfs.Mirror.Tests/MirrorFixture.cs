// Tests of Vfs.Mirror: a host with two "disks" at /A and /X (tmpfs, UFS, or /X an NFS import), directories /A/b and /X/y on them
// (the patent's Fig. 3), and helpers to look at each copy directly, under the mirror. Disposing it unmounts every
// mirror and checks what a mirror must leave behind: no copy worker thread, and no hold on any vnode of a copy.
using System.Text;
using UnixVfs.Testing;

namespace UnixVfs.Mirror.Tests;

internal sealed class MirrorFixture : IDisposable
{
    private readonly int _disks;

    public Kernel K { get; }

    /// <summary>With fstype "nfs": the host that exports /X (its /export is a tmpfs), or null.</summary>
    public Kernel? Server { get; private set; }
    public Process P { get; }

    /// <summary>With fstype "ufs": each disk's block device ("A", "X", "Z"), to be looked at or damaged under UFS.</summary>
    public Dictionary<string, MemoryBlockDevice> Devices { get; } = new();

    /// <summary>With "ufs": each disk's faults, between its file system and its device (healthy until told).</summary>
    public Dictionary<string, FaultyBlockDevice> DiskFaults { get; } = new();

    /// <param name="copies">How many disks (and copy directories) to make.</param>
    /// <param name="fstype">
    /// "tmpfs", "ufs" for UFS2 file systems on memory block devices, or "nfs" for /X imported over the simulated
    /// network from a tmpfs on another host (/A stays a tmpfs).
    /// </param>
    /// <param name="clock">The host's clock (a VirtualClock for tests that compare file times), or the system's.</param>
    /// <param name="serverClock">With "nfs": the clock of the host that exports /X (its file times), or the system's.</param>
    public MirrorFixture(int copies = 2, string fstype = "tmpfs", TimeProvider? clock = null, TimeProvider? serverClock = null)
    {
        K = new Kernel("mirror-host", clock);
        K.Vfssw.Install(MirrorVfsops.Def);
        K.Vfssw.Install(UnixVfs.Ufs.UfsVfsops.Def);
        P = K.CreateProcess();
        _disks = copies;
        foreach (var d in Disks.Take(copies))
        {
            Ok(P.Mkdir("/" + d, 0x1ED));
            if (fstype == "nfs" && d == "X")
                ImportX(serverClock);
            else if (fstype == "ufs")
            {
                var dev = new MemoryBlockDevice(32L << 20);
                Devices[d] = dev;
                Ok(UnixVfs.Ufs.Newfs.Make(dev, new UnixVfs.Ufs.NewfsOptions { Size = 32L << 20 }, K.Now(), out _, out _), "newfs");
                Ok(P.Mount("disk" + d, "/" + d, "ufs", MountFlags.None, "", DiskFaults[d] = new FaultyBlockDevice(dev)));
            }
            else
                Ok(P.Mount("swap", "/" + d, "tmpfs"));
        }
        Ok(P.Mkdir("/A/b", 0x1ED));
        Ok(P.Mkdir("/X/y", 0x1ED));
        if (copies > 2)
            Ok(P.Mkdir("/Z/z", 0x1ED));
    }

    /// <summary>
    /// Mounts srv:/export on /X: a tmpfs exported by another host over the simulated network, whose records take
    /// 0-1 ms each, so that the calls the client has in flight are answered in any order.
    /// </summary>
    private void ImportX(TimeProvider? serverClock)
    {
        var net = new UnixVfs.Nfs.Net.SimNetwork(seed: 1, profile: new UnixVfs.Nfs.Net.SimLinkProfile(TimeSpan.Zero, TimeSpan.FromMilliseconds(1), 0));
        var server = Server = new Kernel("srv", serverClock);
        var sp = server.CreateProcess();
        Ok(sp.Mkdir("/export", 0x1ED));
        Ok(sp.Mount("swap", "/export", "tmpfs"));
        var nfsd = new UnixVfs.Nfs.Server.NfsServer(server, net.AddHost("srv"),
            new UnixVfs.Nfs.Server.NfsServerOptions { Address = "srv", PortmapPort = -1, MountPort = 635 });
        Ok(nfsd.Share(new UnixVfs.Nfs.Server.ExportOptions { Path = "/export", RootSquash = false }));
        Ok(nfsd.Start());
        Ok(UnixVfs.Nfs.Client.NfsClient.Install(K, net.AddHost("mirror-host")));
        Ok(P.Mount("srv:/export", "/X", "nfs", MountFlags.None, "port=2049,mountport=635"), "mount nfs");
    }

    public static readonly string[] Disks = ["A", "X", "Z"];
    public static readonly string[] CopyDirs = ["/A/b", "/X/y", "/Z/z"];

    /// <summary>mount -F mfs /A/b /X/y (or an N-way mirror), returning the mirror's private data.</summary>
    public MfsVfs Mount(string options = "", int copies = 2, MfsMountData? data = null)
    {
        string spec = copies == 2 ? "/A/b" : "/A/b,/Z/z";
        var err = P.Mount(spec, "/X/y", "mfs", MountFlags.None, options, data);
        Assert.True(err == Errno.OK, $"mount failed: {err} {data?.Error}");
        return Mfs;
    }

    public MfsVfs Mfs => (MfsVfs)K.Mounts.Single(v => v.FstypeName == "mfs").Data!;

    public static void Ok(Errno e, string what = "") => Assert.True(e == Errno.OK, $"{what} returned {e}");

    public void WriteFile(string path, string text, OFlags extra = OFlags.O_TRUNC)
    {
        Ok(P.Open(path, OFlags.O_CREAT | OFlags.O_WRONLY | extra, 0x1A4, out int fd), "open " + path);
        Ok(P.Write(fd, Encoding.UTF8.GetBytes(text), out _), "write " + path);
        Ok(P.Close(fd));
    }

    public string ReadFile(string path)
    {
        Ok(P.Open(path, OFlags.O_RDONLY, 0, out int fd), "open " + path);
        var buf = new byte[1 << 20];
        Ok(P.Read(fd, buf, out int n));
        Ok(P.Close(fd));
        return Encoding.UTF8.GetString(buf, 0, n);
    }

    /// <summary>The vnode of <paramref name="path"/> (relative to the copy's top) in copy <paramref name="copy"/>, held, or null.</summary>
    public Vnode? LowerVnode(int copy, string path)
    {
        var vp = Mfs.Copies[copy].Root;
        vp.Hold();
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var err = Vop.Lookup(vp, part, out var next, LookupFlags.None, null, Cred.Kcred);
            vp.Rele();
            if (err != Errno.OK)
                return null;
            vp = next!;
        }
        return vp;
    }

    /// <summary>The contents of a file in one copy, read under the mirror; null if the copy lacks it.</summary>
    public string? Lower(int copy, string path)
    {
        var vp = LowerVnode(copy, path);
        if (vp is null)
            return null;
        try
        {
            var buf = new byte[1 << 20];
            var uio = new Uio(buf, 0, UioRw.UIO_READ);
            Ok(Vop.Read(vp, uio, FileFlags.None, Cred.Kcred));
            return Encoding.UTF8.GetString(buf, 0, (int)(buf.Length - uio.Resid));
        }
        finally
        {
            vp.Rele();
        }
    }

    /// <summary>The names in a directory of one copy (at the top, without the mirror's own .mfs).</summary>
    public string[] LowerNames(int copy, string path)
    {
        var vp = LowerVnode(copy, path) ?? throw new InvalidOperationException($"{path} missing in copy {copy}");
        try
        {
            var buf = new byte[1 << 16];
            var uio = new Uio(buf, 0, UioRw.UIO_READ);
            Ok(Vop.Readdir(vp, uio, Cred.Kcred, out _));
            return Dirent64.Parse(buf.AsSpan(0, (int)(buf.Length - uio.Resid))).Select(d => d.Name)
                .Where(n => n is not ("." or "..") && !(path.Trim('/') == "" && n == MirrorMeta.DirName)).OrderBy(n => n, StringComparer.Ordinal).ToArray();
        }
        finally
        {
            vp.Rele();
        }
    }

    /// <summary>Attaches a fault injector to copy <paramref name="copy"/>'s file system.</summary>
    public VopFaults Faults(int copy)
    {
        var f = new VopFaults();
        Mfs.Copies[copy].Vfs.Faults = f;
        return f;
    }

    /// <summary>
    /// Every write to the file at <paramref name="path"/> of copy <paramref name="copy"/> fails with EIO from now on, as
    /// after a bad block under it: it cannot be rewritten in place. Returns the faults, to count what was injected.
    /// </summary>
    public VopFaults FailWritesTo(int copy, string path)
    {
        var bad = LowerVnode(copy, path)!;
        var faults = Faults(copy);
        faults.Fail(VopName.Write, Errno.EIO, match: vp => ReferenceEquals(vp, bad));
        bad.Rele(); // compared by reference only: the copy's file system keeps the vnode while the file is in use
        return faults;
    }

    public VerifyReport Verify()
    {
        Ok(MfsAdm.Verify(P, "/X/y", out var r));
        return r!;
    }

    /// <summary>
    /// Closes the test's descriptors, takes the fault injectors off, unmounts every mirror (forced when a copy still has
    /// a dirty log, which a plain umount refuses to drop), and asserts that each mirror's copy workers ended and that
    /// nothing holds a vnode of a disk beyond its mount (Holds.AssertBalanced).
    /// </summary>
    public void Dispose()
    {
        P.Exit();
        foreach (var v in K.Mounts)
            v.Faults = null;
        var p = K.CreateProcess();
        try
        {
            foreach (var v in K.Mounts.Where(v => v.FstypeName == "mfs").Reverse().ToList())
            {
                var mi = (MfsVfs)v.Data!;
                var err = p.Umount(v.MntPt);
                if (err == Errno.EBUSY && mi.Copies.Any(c => c.Log.Count > 0 || c.Log.Overflowed))
                    err = p.Umount(v.MntPt, UnmountFlags.MS_FORCE);
                Ok(err, "umount " + v.MntPt);
                Assert.False(mi.Workers.Running, $"{v.MntPt}: copy workers still running after unmount");
            }
        }
        finally
        {
            p.Exit();
        }
        foreach (var d in Disks.Take(_disks))
            Holds.AssertBalanced(K, "/" + d);
    }
}
