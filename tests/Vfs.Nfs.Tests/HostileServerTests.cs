// Tests of the NFS client against a server whose replies lie (issue 11, item 6: NFS records in both directions). The
// client mounts a real server over the simulated network, in virtual time, through a LyingNetwork that changes a
// quarter of the replies -- cut short or lengthened, a length or a file type made wrong, another file's handle, the
// attributes sent backwards, bits flipped -- while one process makes a seeded history of system calls on the mount.
// Whatever comes back, every call returns (a result or an errno), nothing throws, nothing hangs, and once the server
// tells the truth again, the mount works: a new file is written, read back and removed. The counts are printed.
using UnixVfs.Core;
using UnixVfs.Nfs.Client;
using UnixVfs.Nfs.Net;
using UnixVfs.Nfs.Server;
using Xunit.Abstractions;

namespace UnixVfs.Nfs.Tests;

public class HostileServerTests(ITestOutputHelper output)
{
    private static readonly string[] Paths = ["/mnt/a", "/mnt/b", "/mnt/d", "/mnt/d/a", "/mnt/d/b", "/mnt/d/e", "/mnt/d/e/a"];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Every_call_returns_an_errno_whatever_the_server_answers_and_the_mount_works_once_it_tells_the_truth(int seed)
    {
        var clock = new VirtualClock { AutoAdvance = true };
        var net = new SimNetwork(seed, clock);
        var serverKernel = new Kernel("server", clock);
        var sp = serverKernel.CreateProcess();
        Ok(sp.Mkdir("/export", 0x1ED));
        Ok(sp.Mount("swap", "/export", "tmpfs", options: "mode=0777"));
        var server = new NfsServer(serverKernel, net.AddHost("server"), new NfsServerOptions { Address = "server", MountPort = 0 });
        Ok(server.Share(new ExportOptions { Path = "/export" }));
        Ok(server.Start());
        var liar = new LyingNetwork(net.AddHost("client"), seed);
        var clientKernel = new Kernel("client", clock);
        Ok(NfsClient.Install(clientKernel, liar));
        var p = clientKernel.CreateProcess();
        Ok(p.Mkdir("/mnt", 0x1ED));
        Ok(p.Mount("server:/export", "/mnt", "nfs", options: $"port={server.NfsPort},mountport={server.MountPort},soft,timeo=1,retrans=2,actimeo=0"));
        try
        {
            liar.Lying = true;
            var results = new SortedDictionary<string, int>();
            var rng = new Random(seed);
            for (int i = 0; i < 600; i++)
            {
                var (what, err) = Step(p, rng);
                results[$"{what} {err}"] = results.GetValueOrDefault($"{what} {err}") + 1;
            }
            liar.Lying = false;
            output.WriteLine($"seed {seed}: {liar.Replies} replies, lies: {string.Join(", ", liar.Lies.Select(l => $"{l.Key} {l.Value}"))}");
            output.WriteLine($"calls: {string.Join(", ", results.Select(r => $"{r.Key} x{r.Value}"))}");
            Assert.True(liar.Lies.Values.Sum() > 100, "the server told too few lies to test anything");
            Assert.All(LyingNetwork.Kinds, k => Assert.True(liar.Lies[k] > 0, $"no lie of kind {k}"));

            // The truth again: a new name, written, read back, removed.
            var data = new byte[20_000];
            new Random(seed).NextBytes(data);
            Ok(p.Open("/mnt/after", OFlags.O_CREAT | OFlags.O_RDWR | OFlags.O_EXCL, 0x1A4, out int fd));
            Ok(p.Write(fd, data, out int n));
            Assert.Equal(data.Length, n);
            var back = new byte[data.Length];
            Ok(p.Pread(fd, back, 0, out n));
            Assert.Equal(data, back[..n]);
            Ok(p.Close(fd));
            Ok(p.Unlink("/mnt/after"));
        }
        finally
        {
            liar.Lying = false;
            p.Umount("/mnt", UnmountFlags.MS_FORCE);
            server.Stop();
            clock.AutoAdvance = false;
        }
    }

    /// <summary>One system call on the mount, drawn from <paramref name="rng"/>: its name and what it returned.</summary>
    private static (string, Errno) Step(Process p, Random rng)
    {
        string a = Paths[rng.Next(Paths.Length)], b = Paths[rng.Next(Paths.Length)];
        var buf = new byte[rng.Next(1, 9000)];
        switch (rng.Next(12))
        {
            case 0:
                return ("mkdir", p.Mkdir(a, 0x1ED));
            case 1:
            {
                var err = p.Open(a, OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int fd);
                if (err != Errno.OK)
                    return ("create", err);
                err = p.Pwrite(fd, buf, rng.Next(0, 30_000), out _);
                var cerr = p.Close(fd);
                return ("write", err != Errno.OK ? err : cerr);
            }
            case 2:
            {
                var err = p.Open(a, OFlags.O_RDONLY, 0, out int fd);
                if (err != Errno.OK)
                    return ("open", err);
                err = p.Pread(fd, buf, rng.Next(0, 30_000), out _);
                p.Close(fd);
                return ("read", err);
            }
            case 3:
                return ("stat", p.Stat(a, out _));
            case 4:
            {
                var err = p.Open(a, OFlags.O_RDONLY | OFlags.O_DIRECTORY, 0, out int fd);
                if (err != Errno.OK)
                    return ("opendir", err);
                for (int i = 0; i < 4 && (err = p.Getdents(fd, buf, out int n)) == Errno.OK && n > 0; i++)
                {
                }
                p.Close(fd);
                return ("getdents", err);
            }
            case 5:
                return ("rename", p.Rename(a, b));
            case 6:
                return ("unlink", p.Unlink(a));
            case 7:
                return ("rmdir", p.Rmdir(a));
            case 8:
                return ("symlink", p.Symlink("d/a", a));
            case 9:
                return ("readlink", p.Readlink(a, out _));
            case 10:
                return ("truncate", p.Truncate(a, rng.Next(0, 40_000)));
            default:
                return ("chmod", p.Chmod(a, (uint)rng.Next(0x200)));
        }
    }

    private static void Ok(Errno e) => Assert.Equal(Errno.OK, e);
}
