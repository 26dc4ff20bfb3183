// Interop: a capture of our traffic on the loopback interface, decoded by tshark, shows NFS,
// MOUNT and Portmap and not one malformed packet. The traffic is our client against our server
// (portmapper included) and libnfs's nfs-ls and nfs-cp against our server.
using System.Diagnostics;
using System.Text;
using UnixVfs.Core;
using UnixVfs.Nfs.Client;
using UnixVfs.Nfs.Net;
using UnixVfs.Nfs.Server;

namespace UnixVfs.Nfs.Tests;

[Collection("interop")]
public class CaptureTests
{
    [Fact]
    public void Tshark_decodes_our_traffic_as_nfs_mount_and_portmap_with_nothing_malformed()
    {
        Peers.Require(true, "dumpcap", "tshark", "nfs-ls", "nfs-cp");
        var sk = new Kernel("server");
        var sp = sk.CreateProcess();
        TestBed.Check(sp.Mkdir("/export", 0x1ED));
        TestBed.Check(sp.Mount("swap", "/export", "tmpfs", options: "mode=0777"));
        var server = new NfsServer(sk, TcpNetwork.Default, new NfsServerOptions { NfsPort = 0, MountPort = 0, PortmapPort = 0 });
        TestBed.Check(server.Share(new ExportOptions { Path = "/export" }));
        TestBed.Check(server.Start());
        var dir = Peers.TempDir("capture");
        var pcap = Path.Combine(dir, "nfs.pcapng");
        int[] ports = [server.NfsPort, server.MountPort, server.PortmapPort];
        var dumpcap = System.Diagnostics.Process.Start(new ProcessStartInfo(Peers.Which("dumpcap")!)
        {
            ArgumentList = { "-i", "lo", "-B", "256", "-f", string.Join(" or ", ports.Select(p => $"tcp port {p}")), "-w", pcap },
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        try
        {
            var started = new StringBuilder();
            while (!started.ToString().Contains("Capturing on") && !dumpcap.HasExited)
                started.AppendLine(dumpcap.StandardError.ReadLine());
            Assert.False(dumpcap.HasExited, "dumpcap did not start: " + started);
            var dumpcapSays = dumpcap.StandardError.ReadToEndAsync();
            // dumpcap says it is capturing a little before it is: knock on the portmapper until a packet shows in the file.
            long Size() => File.Exists(pcap) ? new FileInfo(pcap).Length : 0;
            // Knocks until the file grows past what it held: dumpcap writes packets in order, so once a knock is in the
            // file, so is everything sent before it.
            void KnockUntilWritten(string what)
            {
                var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
                while (DateTime.UtcNow < deadline && Size() == 0)
                    Thread.Sleep(50);
                long before = Size();
                while (DateTime.UtcNow < deadline && Size() <= before)
                {
                    var knock = new Rpc.RpcClient(TcpNetwork.Default, "127.0.0.1", server.PortmapPort, Portmap.Portmapper.Program, 2, new Rpc.RpcClientOptions());
                    if (knock.Call(knock.NewCall(0, Rpc.OpaqueAuth.None), out var res) == Errno.OK)
                        res.Release();
                    knock.Close();
                    Thread.Sleep(300);
                }
                Assert.True(Size() > before, $"dumpcap wrote no packet {what} in 20 s");
            }
            KnockUntilWritten("at the start");

            var ck = new Kernel("client");
            TestBed.Check(NfsClient.Install(ck, TcpNetwork.Default));
            var p = ck.CreateProcess();
            TestBed.Check(p.Mkdir("/mnt", 0x1ED));
            TestBed.Check(p.Mount("127.0.0.1:/export", "/mnt", "nfs", options: $"pmapport={server.PortmapPort}"));
            TestBed.Check(p.Mkdir("/mnt/d", 0x1ED));
            TestBed.Check(p.Open("/mnt/d/f", OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int fd));
            TestBed.Check(p.Write(fd, new byte[300_000], out _));
            TestBed.Check(p.Fsync(fd));
            TestBed.Check(p.Pread(fd, new byte[1000], 5, out _));
            TestBed.Check(p.Close(fd));
            TestBed.Check(p.Chmod("/mnt/d/f", 0x180));
            TestBed.Check(p.Symlink("f", "/mnt/d/l"));
            TestBed.Check(p.Readlink("/mnt/d/l", out _));
            TestBed.Check(p.Link("/mnt/d/f", "/mnt/d/h"));
            TestBed.Check(p.Rename("/mnt/d/h", "/mnt/d/h2"));
            TestBed.Check(p.Open("/mnt/d", OFlags.O_RDONLY | OFlags.O_DIRECTORY, 0, out fd));
            TestBed.Check(p.Getdents(fd, new byte[4096], out _));
            p.Close(fd);
            TestBed.Check(p.Statvfs("/mnt", out _));
            TestBed.Check(p.Access("/mnt/d/f", AccessOk.R_OK));
            TestBed.Check(p.Unlink("/mnt/d/h2"));
            TestBed.Check(p.Unlink("/mnt/d/l"));
            TestBed.Check(p.Unlink("/mnt/d/f"));
            TestBed.Check(p.Rmdir("/mnt/d"));
            TestBed.Check(p.Umount("/mnt"));

            var url = server.Url("/export");
            File.WriteAllBytes(Path.Combine(dir, "in"), new byte[2_500_000]);
            Assert.Equal(0, Peers.Run("nfs-cp", [Path.Combine(dir, "in"), url.Replace("/export?", "/export/in?")]).Exit);
            Assert.Equal(0, Peers.Run("nfs-ls", [url]).Exit);
            KnockUntilWritten("after the calls"); // the capture holds every packet of the calls before it stops
        }
        finally
        {
            Peers.Run("kill", ["-INT", dumpcap.Id.ToString()]);
            if (!dumpcap.WaitForExit(10_000))
                dumpcap.Kill();
            server.Stop();
        }

        var decode = new List<string> { "-r", pcap, "-o", "tcp.try_heuristic_first:TRUE" };
        foreach (var port in ports)
            decode.AddRange(["-d", $"tcp.port=={port},rpc"]);
        var (code, protos, err) = Peers.Run("tshark", [.. decode, "-T", "fields", "-e", "_ws.col.Protocol"]);
        Assert.True(code == 0, err);
        var counts = protos.Split('\n', StringSplitOptions.RemoveEmptyEntries).GroupBy(s => s.Trim()).ToDictionary(g => g.Key, g => g.Count());
        var summary = string.Join(", ", counts.Select(kv => $"{kv.Key}={kv.Value}"));
        Assert.True(counts.ContainsKey("NFS"), "no NFS decoded: " + summary);
        Assert.True(counts.ContainsKey("MOUNT"), "no MOUNT decoded: " + summary);
        Assert.True(counts.ContainsKey("Portmap"), "no Portmap decoded: " + summary);
        var (_, malformed, _) = Peers.Run("tshark", [.. decode, "-Y", "_ws.malformed || _ws.expert.severity == error", "-T", "fields", "-e", "frame.number", "-e", "_ws.col.Info"]);
        Assert.True(malformed.Trim().Length == 0, "malformed packets:\n" + malformed);
        Directory.Delete(dir, true);
    }
}
