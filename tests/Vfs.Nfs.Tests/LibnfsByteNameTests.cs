// Interop: names are bytes on the wire (filename3 is opaque, RFC 1813), checked with a client nobody here wrote.
// libnfs's nfs-ls must list the bytes of a file the server made with any name, nfs-cat must read it by those bytes,
// and nfs-cp must make a file whose name the server's own system calls then find as the same bytes. What if a name
// is not UTF-8? Before names were bytes, the server refused it (NFS3ERR_INVAL) and listed U+FFFD for what it held.
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using UnixVfs.Core;
using UnixVfs.Nfs.Net;
using UnixVfs.Nfs.Server;
using UnixVfs.Testing;

namespace UnixVfs.Nfs.Tests;

[Collection("interop")]
public class LibnfsByteNameTests : IDisposable
{
    private readonly Kernel _k = new("server");
    private readonly Process _p;
    private readonly NfsServer _server;
    private readonly string _dir = Peers.TempDir("names");

    public LibnfsByteNameTests()
    {
        Peers.Require(false, "nfs-ls", "nfs-cp", "nfs-cat");
        _p = _k.CreateProcess();
        TestBed.Check(_p.Mkdir("/export", 0x1ED));
        TestBed.Check(_p.Mount("swap", "/export", "tmpfs", options: "mode=0777"));
        _server = new NfsServer(_k, TcpNetwork.Default, new NfsServerOptions { NfsPort = 0, MountPort = 0, PortmapPort = -1 });
        TestBed.Check(_server.Share(new ExportOptions { Path = "/export" }));
        TestBed.Check(_server.Start());
    }

    public void Dispose()
    {
        _server.Stop();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>Byte names a URL can carry as they are (none of the bytes libnfs's URL parser or nfs-ls's lines give a meaning), one byte
    /// short of NAME_MAX so that the copy made beside each, its name and "c", is a legal name too.</summary>
    private static Arbitrary<byte[]> UrlNames() =>
        Arb.From(ByteNames.Names.Where(n => n.Length < 255 && n.AsSpan().IndexOfAny("?&#%;:@=\n\r\t "u8) < 0)); // room for the copy's "c"

    /// <summary>The bytes as a printf format: every byte an octal escape.</summary>
    private static string Printf(byte[] name) => string.Concat(name.Select(b => $"\\{Convert.ToString(b, 8).PadLeft(3, '0')}"));

    [Property(MaxTest = 10, Replay = "(20261202,13)")]
    public Property Nfs_ls_cat_and_cp_carry_any_byte_name_exactly() =>
        Prop.ForAll(UrlNames(), name =>
        {
            string server = "/export/" + FsName.Decode(name);
            TestBed.Check(_p.Open(server, OFlags.O_CREAT | OFlags.O_WRONLY, 0x1A4, out int fd));
            TestBed.Check(_p.Write(fd, name, out _));
            TestBed.Check(_p.Close(fd));
            string query = $"?nfsport={_server.NfsPort}&mountport={_server.MountPort}&version=3";
            string url = "nfs://127.0.0.1/export", ls = Path.Combine(_dir, "ls"), cat = Path.Combine(_dir, "cat");
            var (code, _, err) = Peers.Run("bash", ["-euc",
                $"printf -v n '{Printf(name)}'; nfs-ls '{url}{query}' > {ls}; nfs-cat \"{url}/$n{query}\" > {cat}; " +
                $"printf 'copied' > {_dir}/in; nfs-cp {_dir}/in \"{url}/${{n}}c{query}\""]);
            Assert.True(code == 0, err);

            var lines = File.ReadAllBytes(ls);
            Assert.True(lines.AsSpan().IndexOf([(byte)' ', .. name, (byte)'\n']) >= 0, $"nfs-ls did not list {ByteNames.Hex(name)}: {Encoding.Latin1.GetString(lines)}");
            Assert.Equal(name, File.ReadAllBytes(cat));
            string copied = "/export/" + FsName.Decode([.. name, (byte)'c']);
            TestBed.Check(_p.Lstat(copied, out var st));
            Assert.Equal(6, st!.Size);
            TestBed.Check(_p.Unlink(copied));
            TestBed.Check(_p.Unlink(server));
        });
}
