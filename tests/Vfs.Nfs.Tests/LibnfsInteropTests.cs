// Interop: libnfs (nfs-ls, nfs-cp, nfs-cat, and a small client of our own against libnfs-dev)
// against our server over real TCP on 127.0.0.1. What libnfs sees must be what our own system
// calls see on the server.
using System.Text;
using UnixVfs.Core;
using UnixVfs.Nfs.Net;
using UnixVfs.Nfs.Server;

namespace UnixVfs.Nfs.Tests;

[Collection("interop")]
public class LibnfsInteropTests : IDisposable
{
    private readonly Kernel _k = new("server");
    private readonly Process _p;
    private readonly NfsServer _server;

    public LibnfsInteropTests()
    {
        Peers.Require(false, "nfs-ls", "nfs-cp", "nfs-cat");
        _p = _k.CreateProcess();
        TestBed.Check(_p.Mkdir("/export", 0x1ED));
        TestBed.Check(_p.Mount("swap", "/export", "tmpfs", options: "mode=0777"));
        _server = new NfsServer(_k, TcpNetwork.Default, new NfsServerOptions { NfsPort = 0, MountPort = 0, PortmapPort = -1 });
        TestBed.Check(_server.Share(new ExportOptions { Path = "/export" }));
        TestBed.Check(_server.Start());
    }

    public void Dispose() => _server.Stop();

    private string Url(string file = "") =>
        $"nfs://127.0.0.1/export{file}?nfsport={_server.NfsPort}&mountport={_server.MountPort}&version=3";

    private void WriteLocal(string path, byte[] data)
    {
        TestBed.Check(_p.Open(path, OFlags.O_CREAT | OFlags.O_WRONLY | OFlags.O_TRUNC, 0x1A4, out int fd));
        TestBed.Check(_p.Write(fd, data, out _));
        TestBed.Check(_p.Close(fd));
    }

    private byte[] ReadLocal(string path)
    {
        TestBed.Check(_p.Stat(path, out var st));
        var b = new byte[st!.Size];
        TestBed.Check(_p.Open(path, OFlags.O_RDONLY, 0, out int fd));
        TestBed.Check(_p.Pread(fd, b, 0, out int n));
        _p.Close(fd);
        Assert.Equal(b.Length, n);
        return b;
    }

    [Fact]
    public void Nfs_ls_lists_what_the_server_holds()
    {
        TestBed.Check(_p.Mkdir("/export/sub", 0x1ED));
        WriteLocal("/export/alpha", Encoding.ASCII.GetBytes("a"));
        WriteLocal("/export/beta", new byte[12345]);
        var (code, output, err) = Peers.Run("nfs-ls", [Url()]);
        Assert.True(code == 0, err);
        var seen = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToDictionary(f => f[^1], f => long.Parse(f[^2]));
        TestBed.Check(_p.Open("/export", OFlags.O_RDONLY | OFlags.O_DIRECTORY, 0, out int fd));
        var buf = new byte[8192];
        TestBed.Check(_p.Getdents(fd, buf, out int nb));
        _p.Close(fd);
        var mine = Dirent64.Parse(buf.AsSpan(0, nb)).Where(d => d.Name is not ("." or "..")).ToDictionary(
            d => d.Name, d => { TestBed.Check(_p.Stat("/export/" + d.Name, out var st)); return st!.Size; });
        Assert.Equal(mine.OrderBy(kv => kv.Key), seen.Where(kv => kv.Key is not ("." or "..")).OrderBy(kv => kv.Key));
    }

    [Fact]
    public void Nfs_cp_copies_a_few_mib_in_and_out_unchanged()
    {
        var dir = Peers.TempDir("cp");
        var src = Path.Combine(dir, "in.bin");
        var data = new byte[5 * 1024 * 1024 + 4321];
        new Random(42).NextBytes(data);
        File.WriteAllBytes(src, data);
        var (code, _, err) = Peers.Run("nfs-cp", [src, Url("/copied.bin")]);
        Assert.True(code == 0, err);
        Assert.True(ReadLocal("/export/copied.bin").AsSpan().SequenceEqual(data), "the server holds other bytes than nfs-cp sent");

        var back = Path.Combine(dir, "out.bin");
        (code, _, err) = Peers.Run("nfs-cp", [Url("/copied.bin"), back]);
        Assert.True(code == 0, err);
        Assert.Equal(0, Peers.Run("cmp", [src, back]).Exit);

        WriteLocal("/export/hello.txt", Encoding.ASCII.GetBytes("hello from the vnode layer\n"));
        (code, var text, err) = Peers.Run("nfs-cat", [Url("/hello.txt")]);
        Assert.True(code == 0, err);
        Assert.Equal("hello from the vnode layer\n", text);
        Directory.Delete(dir, true);
    }

    [Fact]
    public void Mkdir_stat_rename_and_remove_through_libnfs_match_our_system_calls()
    {
        var op = Peers.Nfsop;
        var url = Url();
        Assert.Equal(0, Peers.Run(op, [url, "mkdir", "/made"]).Exit);
        TestBed.Check(_p.Stat("/export/made", out var st));
        Assert.Equal(VType.VDIR, st!.Type);

        WriteLocal("/export/made/f", new byte[777]);
        var (code, output, err) = Peers.Run(op, [url, "stat", "/made/f"]);
        Assert.True(code == 0, err);
        TestBed.Check(_p.Stat("/export/made/f", out st));
        Assert.Equal($"size=777 mode={Convert.ToString(st!.Mode, 8)} nlink=1 ino={st.Ino} uid={st.Uid} gid={st.Gid}", output.Trim());

        Assert.Equal(0, Peers.Run(op, [url, "rename", "/made/f", "/made/g"]).Exit);
        Assert.Equal(Errno.ENOENT, _p.Stat("/export/made/f", out _));
        Assert.Equal(Errno.OK, _p.Stat("/export/made/g", out _));

        (code, _, err) = Peers.Run(op, [url, "rmdir", "/made"]);
        Assert.NotEqual(0, code);
        Assert.Contains("NOTEMPTY", err.ToUpperInvariant().Replace(" ", ""));
        Assert.Equal(0, Peers.Run(op, [url, "unlink", "/made/g"]).Exit);
        Assert.Equal(0, Peers.Run(op, [url, "rmdir", "/made"]).Exit);
        Assert.Equal(Errno.ENOENT, _p.Stat("/export/made", out _));
    }
}
