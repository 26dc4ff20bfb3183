// Tests of names as bytes through every layer (docs/architecture.md, "Names are bytes"): a file whose name is any
// 1-255 bytes -- most of them not UTF-8 -- is made, listed, looked up by the name readdir gave, read and removed,
// and a symlink whose target is that name leads to it, on a tmpfs, a UFS, an NFS import of a UFS on another host
// (our client against our server) and a mirror of two UFS copies, each copy of which holds the same bytes.
// What if FreeBSD wrote "g\x81"? Before names were bytes, readdir gave "g\uFFFD", and nothing could reach the file.
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using UnixVfs.Testing;

namespace UnixVfs.Mirror.Tests;

public sealed class ByteNameTests : IDisposable
{
    private readonly MirrorFixture _f = new(fstype: "ufs");
    private Process P => _f.P;

    /// <summary>The directories the property runs in, one per layer.</summary>
    private static readonly string[] Dirs = ["/t", "/u", "/n", "/X/y"];

    public ByteNameTests()
    {
        Ok(P.Mkdir("/t", 0x1ED));
        Ok(P.Mount("swap", "/t", "tmpfs"));
        Ok(P.Mkdir("/u", 0x1ED));
        Ok(P.Mount("diskU", "/u", "ufs", MountFlags.None, "", NewUfs(_f.K)));
        Ok(P.Mkdir("/n", 0x1ED));
        ImportUfs();
        _f.Mount();
    }

    private static MemoryBlockDevice NewUfs(Kernel k)
    {
        var dev = new MemoryBlockDevice(16L << 20);
        Ok(UnixVfs.Ufs.Newfs.Make(dev, new UnixVfs.Ufs.NewfsOptions { Size = 16L << 20 }, k.Now(), out _, out _));
        return dev;
    }

    /// <summary>Mounts srv:/export, a UFS exported by another host over the simulated network, on /n.</summary>
    private void ImportUfs()
    {
        var net = new UnixVfs.Nfs.Net.SimNetwork(seed: 14);
        var server = new Kernel("srv");
        server.Vfssw.Install(UnixVfs.Ufs.UfsVfsops.Def);
        var sp = server.CreateProcess();
        Ok(sp.Mkdir("/export", 0x1ED));
        Ok(sp.Mount("disk", "/export", "ufs", MountFlags.None, "", NewUfs(server)));
        var nfsd = new UnixVfs.Nfs.Server.NfsServer(server, net.AddHost("srv"),
            new UnixVfs.Nfs.Server.NfsServerOptions { Address = "srv", PortmapPort = -1, MountPort = 635 });
        Ok(nfsd.Share(new UnixVfs.Nfs.Server.ExportOptions { Path = "/export", RootSquash = false }));
        Ok(nfsd.Start());
        Ok(UnixVfs.Nfs.Client.NfsClient.Install(_f.K, net.AddHost("mirror-host")));
        Ok(P.Mount("srv:/export", "/n", "nfs", MountFlags.None, "port=2049,mountport=635"));
    }

    [Property(MaxTest = 30, Replay = "(20261202,5)")]
    public Property Every_byte_name_readdir_returns_is_reached_by_lookup_in_every_layer() =>
        Prop.ForAll(ByteNames.Arbitrary, name =>
        {
            foreach (var dir in Dirs)
                RoundTrip(dir, name);
        });

    [Fact]
    public void A_Latin1_name_from_FreeBSD_is_listed_as_its_bytes_and_can_be_removed()
    {
        byte[] name = [(byte)'g', 0x81];
        foreach (var dir in Dirs)
            RoundTrip(dir, name);
    }

    [Fact]
    public void Byte_names_made_while_a_copy_was_away_reach_it_through_the_dirty_log_and_the_resync()
    {
        byte[][] names = [[(byte)'g', 0x81], [0xFF, 0xFE], [0xC3, 0xA9, 0xC3], [(byte)'d', 0xED, 0xB2, 0x81]];
        Ok(MfsAdm.Offline(P, "/A/b", "y", out _));
        foreach (var name in names)
        {
            Ok(P.Mkdir("/X/y/" + FsName.Decode(name), 0x1ED));
            Ok(P.Symlink(FsName.Decode(name), "/X/y/" + FsName.Decode(name) + "/link"));
        }
        Ok(MfsAdm.Online(P, "/A/b", "y", out var error, out _), error);
        var hex = names.Select(Convert.ToHexString).Order().ToArray();
        for (int copy = 0; copy < 2; copy++)
        {
            Assert.Equal(hex, _f.LowerNames(copy, "/").Select(n => Convert.ToHexString(FsName.Encode(n)!)).Order());
            foreach (var name in names)
                Assert.Equal(["link"], _f.LowerNames(copy, FsName.Decode(name)));
        }
        Assert.True(_f.Verify().Identical, string.Join("\n", _f.Verify().Differences));
    }

    /// <summary>
    /// Makes <paramref name="dir"/>/name holding its own bytes, then uses only what readdir returns: lstat, open and
    /// read, a symlink to it followed, unlink; and the directory is empty again.
    /// </summary>
    private void RoundTrip(string dir, byte[] name)
    {
        string what = $"{dir}/{ByteNames.Hex(name)}";
        Ok(P.Open(dir + "/" + FsName.Decode(name), OFlags.O_CREAT | OFlags.O_EXCL | OFlags.O_WRONLY, 0x1A4, out int fd), "create " + what);
        Ok(P.Write(fd, name, out _));
        Ok(P.Close(fd));

        var listed = Names(dir);
        Assert.True(listed.Length == 1, $"{what}: readdir gave {listed.Length} names");
        string got = listed[0];
        Assert.True(FsName.Encode(got) is { } bytes && bytes.AsSpan().SequenceEqual(name), $"{what}: readdir gave {FsName.Visible(got)}");
        if (dir == "/X/y")
            for (int copy = 0; copy < 2; copy++)
                Assert.True(_f.LowerNames(copy, "/").Select(FsName.Encode).Any(b => b!.AsSpan().SequenceEqual(name)), $"{what}: copy {copy} lacks it");

        string path = dir + "/" + got;
        Ok(P.Lstat(path, out var st), "lstat " + what);
        Assert.Equal(VType.VREG, st!.Type);
        Assert.Equal(name.Length, st.Size);
        Assert.Equal(name, Read(path));

        string link = dir + "/" + (got == "l" ? "m" : "l");
        Ok(P.Symlink(got, link), "symlink to " + what);
        Ok(P.Readlink(link, out var target));
        Assert.Equal(got, target);
        Assert.Equal(name, Read(link));
        Ok(P.Unlink(link));

        Ok(P.Unlink(path), "unlink " + what);
        Assert.Empty(Names(dir));
    }

    private byte[] Read(string path)
    {
        Ok(P.Open(path, OFlags.O_RDONLY, 0, out int fd), "open " + path);
        var buf = new byte[512];
        Ok(P.Read(fd, buf, out int n));
        Ok(P.Close(fd));
        return buf[..n];
    }

    /// <summary>The names getdents returns, without ".", ".." and the mirror's own .mfs.</summary>
    private string[] Names(string dir)
    {
        Ok(P.Open(dir, OFlags.O_RDONLY | OFlags.O_DIRECTORY, 0, out int fd));
        var names = new List<string>();
        var buf = new byte[8192];
        while (true)
        {
            Ok(P.Getdents(fd, buf, out int n));
            if (n == 0)
                break;
            names.AddRange(Dirent64.Parse(buf.AsSpan(0, n)).Select(d => d.Name));
        }
        Ok(P.Close(fd));
        return names.Where(n => n is not ("." or ".." or "lost+found" or MirrorMeta.DirName)).ToArray();
    }

    private static void Ok(Errno e, string what = "") => MirrorFixture.Ok(e, what);

    public void Dispose()
    {
        var p = _f.K.CreateProcess();
        foreach (var mnt in new[] { "/n", "/u", "/t" })
            Ok(p.Umount(mnt), "umount " + mnt);
        p.Exit();
        _f.Dispose();
    }
}
