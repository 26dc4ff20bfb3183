// Interop: our nfs client against nfs-ganesha exporting a host directory. Every step taken
// through our system calls is checked on the host directory itself.
using System.Text;
using UnixVfs.Core;
using UnixVfs.Nfs.Client;
using UnixVfs.Nfs.Net;

namespace UnixVfs.Nfs.Tests;

[Collection("interop")]
public class GaneshaInteropTests : IDisposable
{
    private readonly GaneshaFixture _g;
    private readonly Kernel _k = new("client");
    private readonly Process _p;

    public GaneshaInteropTests(GaneshaFixture g)
    {
        _g = g;
        g.Start();
        TestBed.Check(NfsClient.Install(_k, TcpNetwork.Default));
        _p = _k.CreateProcess();
        TestBed.Check(_p.Mkdir("/mnt", 0x1ED));
        // No ports given: the client asks ganesha's rpcbind, as a stock client would.
        TestBed.Check(_p.Mount($"127.0.0.1:{g.ExportDir}", "/mnt", "nfs", options: "soft,timeo=20,retrans=3"));
    }

    public void Dispose() => _k.UnmountAll(UnmountFlags.MS_FORCE);

    private string Host(string rel) => Path.Combine(_g.ExportDir, rel);

    [Fact]
    public void Create_write_read_rename_readdir_and_remove_show_on_the_host_directory()
    {
        var dir = "d" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(Errno.OK, _p.Mkdir($"/mnt/{dir}", 0x1ED));
        Assert.True(Directory.Exists(Host(dir)));

        Assert.Equal(Errno.OK, _p.Open($"/mnt/{dir}/a.txt", OFlags.O_CREAT | OFlags.O_EXCL | OFlags.O_WRONLY, 0x1A4, out int fd));
        var text = Encoding.ASCII.GetBytes("written through the vnode layer to ganesha\n");
        Assert.Equal(Errno.OK, _p.Write(fd, text, out _));
        Assert.Equal(Errno.OK, _p.Close(fd));
        Assert.Equal(text, File.ReadAllBytes(Host($"{dir}/a.txt")));

        File.WriteAllText(Host($"{dir}/from-host.txt"), "made on the host");
        Assert.Equal(Errno.OK, _p.Open($"/mnt/{dir}/from-host.txt", OFlags.O_RDONLY, 0, out fd));
        var buf = new byte[100];
        Assert.Equal(Errno.OK, _p.Read(fd, buf, out int n));
        Assert.Equal("made on the host", Encoding.ASCII.GetString(buf, 0, n));
        _p.Close(fd);

        Assert.Equal(Errno.OK, _p.Rename($"/mnt/{dir}/a.txt", $"/mnt/{dir}/b.txt"));
        Assert.False(File.Exists(Host($"{dir}/a.txt")));
        Assert.True(File.Exists(Host($"{dir}/b.txt")));

        Assert.Equal(Errno.OK, _p.Open($"/mnt/{dir}", OFlags.O_RDONLY | OFlags.O_DIRECTORY, 0, out fd));
        var names = new List<string>();
        var dbuf = new byte[512];
        while (_p.Getdents(fd, dbuf, out int nb) == Errno.OK && nb > 0)
            names.AddRange(Dirent64.Parse(dbuf.AsSpan(0, nb)).Select(d => d.Name));
        _p.Close(fd);
        Assert.Equal(new[] { ".", "..", "b.txt", "from-host.txt" }, names.Order(StringComparer.Ordinal));
        Assert.Equal(Directory.GetFileSystemEntries(Host(dir)).Select(Path.GetFileName).Order(StringComparer.Ordinal),
            names.Where(x => x is not ("." or "..")).Order(StringComparer.Ordinal));

        Assert.Equal(Errno.OK, _p.Unlink($"/mnt/{dir}/b.txt"));
        Assert.Equal(Errno.OK, _p.Unlink($"/mnt/{dir}/from-host.txt"));
        Assert.Equal(Errno.ENOENT, _p.Stat($"/mnt/{dir}/b.txt", out _));
        Assert.Equal(Errno.OK, _p.Rmdir($"/mnt/{dir}"));
        Assert.False(Directory.Exists(Host(dir)));
    }

    [Fact]
    public void A_few_mib_written_by_our_client_are_the_host_files_bytes_and_read_back()
    {
        var data = new byte[6 * 1024 * 1024 + 999];
        new Random(3).NextBytes(data);
        var name = "big" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(Errno.OK, _p.Open($"/mnt/{name}", OFlags.O_CREAT | OFlags.O_WRONLY | OFlags.O_TRUNC, 0x1A4, out int fd));
        for (int off = 0; off < data.Length; off += 256 * 1024)
            Assert.Equal(Errno.OK, _p.Write(fd, data.AsMemory(off, Math.Min(256 * 1024, data.Length - off)), out _));
        Assert.Equal(Errno.OK, _p.Close(fd));
        Assert.True(File.ReadAllBytes(Host(name)).AsSpan().SequenceEqual(data));

        Assert.Equal(Errno.OK, _p.Open($"/mnt/{name}", OFlags.O_RDONLY, 0, out fd));
        var back = new byte[data.Length];
        int total = 0;
        while (_p.Read(fd, back.AsMemory(total, Math.Min(1 << 20, back.Length - total)), out int n) == Errno.OK && n > 0)
            total += n;
        _p.Close(fd);
        Assert.Equal(data.Length, total);
        Assert.True(back.AsSpan().SequenceEqual(data));
        Assert.Equal(Errno.OK, _p.Unlink($"/mnt/{name}"));
        Assert.False(File.Exists(Host(name)));
    }
}
