// benchmarks/Vfs.NfsBench: our server on a tmpfs inside the harness's own process, as the harness of c0e914a
// ran it (--in-process), so that the small-call rows can be set beside that tree's `--calls-only` run by run, and
// so that the CPU time and the bytes allocated per call are the server's and the client's alone, one process.
using UnixVfs.Core;
using UnixVfs.Nfs.Net;
using UnixVfs.Nfs.Server;

namespace UnixVfs.NfsBench;

internal sealed class InProcessServer : IDisposable
{
    private readonly NfsServer _server;

    /// <summary>A tmpfs of <paramref name="sizeMib"/> MiB at /export holding file.bin (<paramref name="data"/>), shared to 127.0.0.1, root not squashed.</summary>
    public InProcessServer(byte[] data, int sizeMib)
    {
        var k = new Kernel("bench-server");
        var p = k.CreateProcess();
        NfsExport.Check(p.Mkdir("/export", 0x1ED));
        NfsExport.Check(p.Mount("swap", "/export", "tmpfs", options: $"mode=0777,size={Math.Max(1024, sizeMib * 4)}m"));
        NfsExport.Check(p.Open("/export/file.bin", OFlags.O_CREAT | OFlags.O_WRONLY, 0x1B6, out int fd));
        NfsExport.Check(p.Write(fd, data, out _));
        NfsExport.Check(p.Close(fd));
        _server = new NfsServer(k, TcpNetwork.Default, new NfsServerOptions { NfsPort = 0, MountPort = 0, PortmapPort = -1 });
        NfsExport.Check(_server.Share(new ExportOptions { Path = "/export", RootSquash = false }));
        NfsExport.Check(_server.Start());
    }

    public int NfsPort => _server.NfsPort;
    public int MountPort => _server.MountPort;

    public void Dispose() => _server.Stop();
}
