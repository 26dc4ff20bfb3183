// Tests of the nfs client file system against our server: the system calls on an NFS mount
// behave as on a local file system, over both transports.
using System.Text;
using UnixVfs.Core;
using UnixVfs.Nfs.Client;
using UnixVfs.Nfs.Net;
using UnixVfs.Nfs.Server;

namespace UnixVfs.Nfs.Tests;

public class NfsClientTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Files_written_through_the_client_are_on_the_server_and_read_back(bool tcp)
    {
        using var bed = new TestBed(tcp);
        var p = bed.Client;
        Assert.Equal(Errno.OK, bed.Mount());
        Assert.Equal(Errno.OK, p.Mkdir("/mnt/d", 0x1ED));
        Assert.Equal(Errno.OK, p.Open("/mnt/d/f", OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int fd));
        var data = new byte[3 * 1024 * 1024 + 17];
        new Random(5).NextBytes(data);
        Assert.Equal(Errno.OK, p.Write(fd, data, out int n));
        Assert.Equal(data.Length, n);
        Assert.Equal(Errno.OK, p.Close(fd));

        Assert.Equal(Errno.OK, bed.ServerProc.Stat("/export/d/f", out var st));
        Assert.Equal(data.Length, st!.Size);
        Assert.Equal(Errno.OK, bed.ServerProc.Open("/export/d/f", OFlags.O_RDONLY, 0, out int sfd));
        var back = new byte[data.Length + 10];
        Assert.Equal(Errno.OK, bed.ServerProc.Pread(sfd, back, 0, out n));
        Assert.Equal(data.Length, n);
        Assert.True(back.AsSpan(0, n).SequenceEqual(data));
        bed.ServerProc.Close(sfd);

        Assert.Equal(Errno.OK, p.Open("/mnt/d/f", OFlags.O_RDONLY, 0, out fd));
        var mine = new byte[data.Length];
        int total = 0;
        while (total < mine.Length)
        {
            Assert.Equal(Errno.OK, p.Read(fd, mine.AsMemory(total, Math.Min(100_000, mine.Length - total)), out n));
            if (n == 0)
                break;
            total += n;
        }
        Assert.Equal(data.Length, total);
        Assert.True(mine.AsSpan().SequenceEqual(data));
        Assert.Equal(Errno.OK, p.Close(fd));
        Assert.Equal(Errno.OK, p.Umount("/mnt"));
    }

    private static void WriteFile(Process p, string path, byte[] data, OFlags extra = 0)
    {
        Assert.Equal(Errno.OK, p.Open(path, OFlags.O_CREAT | OFlags.O_WRONLY | OFlags.O_TRUNC | extra, 0x1A4, out int fd));
        Assert.Equal(Errno.OK, p.Write(fd, data, out _));
        Assert.Equal(Errno.OK, p.Close(fd));
    }

    /// <summary>A bed over TCP, or over a simulated link whose records take 0-1 ms each, so that calls in flight are answered in any order.</summary>
    private static TestBed ReorderingBed(bool tcp) =>
        new(tcp, profile: tcp ? null : new SimLinkProfile(TimeSpan.Zero, TimeSpan.FromMilliseconds(1), 0));

    /// <summary>Runs <paramref name="body"/> on <paramref name="count"/> threads at once; fails with what they reported.</summary>
    private static void InThreads(int count, Action<int, System.Collections.Concurrent.ConcurrentQueue<string>> body)
    {
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var threads = Enumerable.Range(0, count).Select(t => new Thread(() => body(t, failures))).ToList();
        threads.ForEach(th => th.Start());
        threads.ForEach(th => th.Join());
        Assert.True(failures.IsEmpty, string.Join("; ", failures));
    }

    private static string ReadText(Process p, string path)
    {
        Assert.Equal(Errno.OK, p.Open(path, OFlags.O_RDONLY, 0, out int fd));
        var buf = new byte[4096];
        Assert.Equal(Errno.OK, p.Read(fd, buf, out int n));
        Assert.Equal(Errno.OK, p.Close(fd));
        return Encoding.UTF8.GetString(buf, 0, n);
    }

    [Theory]
    [InlineData(OFlags.O_DSYNC)]
    [InlineData(OFlags.O_SYNC)]
    public void A_synchronous_write_is_one_stable_WRITE_and_no_COMMIT_unless_earlier_writes_wait(OFlags sync)
    {
        using var bed = new TestBed();
        var p = bed.Client;
        Assert.Equal(Errno.OK, bed.Mount());
        WriteFile(p, "/mnt/f", new byte[20_000]);
        var exported = bed.ServerKernel.Mounts.Single(v => v.MntPt == "/export").Stats;
        long writes = exported.Calls(VopName.Write), fsyncs = exported.Calls(VopName.Fsync);

        Assert.Equal(Errno.OK, p.Open("/mnt/f", OFlags.O_WRONLY | sync, 0, out int fd));
        var block = Encoding.UTF8.GetBytes(new string('s', 4096));
        Assert.Equal(Errno.OK, p.Pwrite(fd, block, 8192, out int n));
        Assert.Equal(4096, n);
        Assert.Equal(writes + 1, exported.Calls(VopName.Write));
        Assert.Equal(fsyncs, exported.Calls(VopName.Fsync));
        var back = new byte[4096];
        Assert.Equal(Errno.OK, bed.ServerProc.Open("/export/f", OFlags.O_RDONLY, 0, out int sfd));
        Assert.Equal(Errno.OK, bed.ServerProc.Pread(sfd, back, 8192, out _));
        Assert.Equal(block, back);

        // Data written before without O_SYNC is sent and committed with it: the old path, with its COMMIT.
        Assert.Equal(Errno.OK, p.Open("/mnt/f", OFlags.O_WRONLY, 0, out int plain));
        Assert.Equal(Errno.OK, p.Pwrite(plain, block, 0, out _));
        Assert.Equal(Errno.OK, p.Pwrite(fd, block, 12288, out n));
        Assert.Equal(4096, n);
        Assert.Equal(fsyncs + 1, exported.Calls(VopName.Fsync));
        Assert.Equal(Errno.OK, bed.ServerProc.Pread(sfd, back, 0, out _));
        Assert.Equal(block, back);
        bed.ServerProc.Close(sfd);
        Assert.Equal(Errno.OK, p.Close(plain));
        Assert.Equal(Errno.OK, p.Close(fd));
    }

    [Fact]
    public void Utimes_after_a_write_still_in_the_clients_cache_keeps_the_time_it_set()
    {
        // The simulator's finding (Fig. 7 seed 20264295): the cached write went out after the SETATTR of the times
        // and the server stamped its own time over them. As Linux's nfs_setattr does, the client writes a regular
        // file's dirty data before a SETATTR.
        using var bed = new TestBed();
        var p = bed.Client;
        Assert.Equal(Errno.OK, bed.Mount());
        Assert.Equal(Errno.OK, p.Open("/mnt/f", OFlags.O_CREAT | OFlags.O_WRONLY, 0x1A4, out int fd));
        Assert.Equal(Errno.OK, p.Write(fd, Encoding.UTF8.GetBytes("written before the utimes"), out _));
        var set = new Timespec(1_676_669_558, 0);
        Assert.Equal(Errno.OK, p.Utimens("/mnt/f", [set, set]));
        Assert.Equal(Errno.OK, p.Close(fd));
        Assert.Equal(Errno.OK, bed.ServerProc.Stat("/export/f", out var st));
        Assert.Equal(set, st!.Mtime);
        Assert.Equal("written before the utimes", ReadText(p, "/mnt/f"));
    }

    [Fact]
    public void Close_to_open_a_second_client_sees_what_the_first_closed_despite_its_attribute_cache()
    {
        using var bed = new TestBed();
        var a = bed.Client;
        var b = bed.NewClient("client-b");
        Assert.Equal(Errno.OK, bed.Mount(options: "actimeo=600"));
        Assert.Equal(Errno.OK, bed.Mount(options: "actimeo=600", p: b));
        WriteFile(a, "/mnt/shared", Encoding.UTF8.GetBytes("version one"));
        Assert.Equal("version one", ReadText(b, "/mnt/shared"));
        WriteFile(a, "/mnt/shared", Encoding.UTF8.GetBytes("version two, longer"));
        Assert.Equal("version two, longer", ReadText(b, "/mnt/shared"));
    }

    [Fact]
    public void The_attribute_cache_answers_stat_without_the_server_until_it_expires_and_noac_always_asks()
    {
        using var bed = new TestBed();
        var p = bed.Client;
        Assert.Equal(Errno.OK, bed.Mount(options: "actimeo=600"));
        Assert.Equal(Errno.OK, p.Mkdir("/mnt2", 0x1ED));
        Assert.Equal(Errno.OK, bed.Mount("/mnt2", "noac"));
        WriteFile(bed.ServerProc, "/export/f", new byte[10]);
        Assert.Equal(Errno.OK, p.Stat("/mnt/f", out var st));
        Assert.Equal(10, st!.Size);
        Assert.Equal(Errno.OK, p.Stat("/mnt/f", out st));   // the name is cached now, and the search permission with it
        Assert.Equal(Errno.OK, p.Stat("/mnt2/f", out st));
        WriteFile(bed.ServerProc, "/export/f", new byte[20]);
        long calls = bed.Server.Rpc!.Calls;
        Assert.Equal(Errno.OK, p.Stat("/mnt/f", out st));
        Assert.Equal(10, st!.Size);
        Assert.Equal(calls, bed.Server.Rpc.Calls);
        Assert.Equal(Errno.OK, p.Stat("/mnt2/f", out st));
        Assert.Equal(20, st!.Size);
    }

    [Fact]
    public void A_soft_mount_returns_etimedout_after_its_retries_when_the_server_host_is_down_and_recovers_after_restart()
    {
        using var bed = new TestBed();
        var p = bed.Client;
        Assert.Equal(Errno.OK, bed.Mount(options: "soft,timeo=1,retrans=2,noac"));
        WriteFile(p, "/mnt/f", Encoding.UTF8.GetBytes("before the crash"));
        var server = bed.Sim!.Host("server")!;
        server.Crash();
        var t0 = DateTime.UtcNow;
        Assert.Equal(Errno.ETIMEDOUT, p.Stat("/mnt/f", out _));
        Assert.True(DateTime.UtcNow - t0 >= TimeSpan.FromMilliseconds(100 + 200 + 400 - 20));
        server.Restart();
        TestBed.Check(bed.Server.Start());
        Assert.Equal("before the crash", ReadText(p, "/mnt/f"));
    }

    [Fact]
    public void A_hard_mount_waits_for_the_server_to_come_back()
    {
        using var bed = new TestBed();
        var p = bed.Client;
        Assert.Equal(Errno.OK, bed.Mount(options: "hard,timeo=1,noac"));
        WriteFile(p, "/mnt/f", new byte[5]);
        var server = bed.Sim!.Host("server")!;
        server.Crash();
        var stat = new Background(() => p.Stat("/mnt/f", out _));
        Assert.False(stat.Join(700));
        server.Restart();
        TestBed.Check(bed.Server.Start());
        Assert.True(stat.Join(30_000));
        Assert.Equal(Errno.OK, stat.Result);
    }

    [Fact]
    public void The_client_reconnects_after_a_tcp_server_restarts_on_its_ports()
    {
        using var bed = new TestBed(tcp: true);
        var p = bed.Client;
        Assert.Equal(Errno.OK, bed.Mount(options: "soft,timeo=2,retrans=4,noac"));
        WriteFile(p, "/mnt/f", Encoding.UTF8.GetBytes("kept"));
        bed.Server.Crash();
        TestBed.Check(bed.Server.Start());
        Assert.Equal("kept", ReadText(p, "/mnt/f"));
        WriteFile(p, "/mnt/g", Encoding.UTF8.GetBytes("new"));
        Assert.Equal(Errno.OK, bed.ServerProc.Stat("/export/g", out _));
    }

    [Fact]
    public void Unstable_writes_are_sent_again_when_the_commit_shows_the_server_restarted()
    {
        using var bed = new TestBed();
        var p = bed.Client;
        Assert.Equal(Errno.OK, bed.Mount(options: "hard,timeo=2"));
        Assert.Equal(Errno.OK, p.Open("/mnt/f", OFlags.O_CREAT | OFlags.O_WRONLY, 0x1A4, out int fd));
        var data = new byte[3 << 20];
        new Random(1).NextBytes(data);
        Assert.Equal(Errno.OK, p.Write(fd, data, out _));
        long before = bed.Server.Nfs.WriteBytes;
        bed.Server.Crash();
        TestBed.Check(bed.Server.Start());
        Assert.Equal(Errno.OK, p.Close(fd));
        Assert.True(bed.Server.Nfs.WriteBytes >= before + data.Length, "the uncommitted data was not written again");
        Assert.Equal(Errno.OK, bed.ServerProc.Stat("/export/f", out var st));
        Assert.Equal(data.Length, st!.Size);
    }

    [Fact]
    public void Writes_sent_again_after_a_server_restart_do_not_land_on_newer_ones()
    {
        using var bed = new TestBed();
        var p = bed.Client;
        Assert.Equal(Errno.OK, bed.Mount(options: "hard,timeo=2"));
        Assert.Equal(Errno.OK, p.Open("/mnt/f", OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int fd));
        Assert.Equal(Errno.OK, p.Pwrite(fd, Enumerable.Repeat((byte)1, 8192).ToArray(), 0, out _));
        Assert.Equal(Errno.OK, p.Fstat(fd, out _)); // sends the first write; it is answered, not yet committed
        bed.Server.Crash();
        TestBed.Check(bed.Server.Start());
        Assert.Equal(Errno.OK, p.Pwrite(fd, Enumerable.Repeat((byte)2, 8192).ToArray(), 4096, out _));
        Assert.Equal(Errno.OK, p.Close(fd)); // the COMMIT shows the restart: the first write is sent again

        Assert.Equal(Errno.OK, bed.ServerProc.Open("/export/f", OFlags.O_RDONLY, 0, out int sfd));
        var back = new byte[12288];
        Assert.Equal(Errno.OK, bed.ServerProc.Pread(sfd, back, 0, out int n));
        Assert.Equal(Errno.OK, bed.ServerProc.Close(sfd));
        Assert.Equal(12288, n);
        Assert.All(back.AsSpan(0, 4096).ToArray(), b => Assert.Equal(1, b));
        Assert.All(back.AsSpan(4096).ToArray(), b => Assert.Equal(2, b));
    }

    [Fact]
    public void On_a_lossy_network_retransmissions_and_the_duplicate_request_cache_keep_every_operation_exactly_once()
    {
        using var bed = new TestBed(seed: 77, profile: new Net.SimLinkProfile(TimeSpan.Zero, TimeSpan.FromMilliseconds(2), 0.1));
        var p = bed.Client;
        Assert.Equal(Errno.OK, bed.Mount(options: "hard,timeo=1"));
        for (int i = 0; i < 12; i++)
        {
            Assert.Equal(Errno.OK, p.Mkdir($"/mnt/d{i}", 0x1ED));
            WriteFile(p, $"/mnt/d{i}/f", Encoding.UTF8.GetBytes($"file {i}"), OFlags.O_EXCL);
            Assert.Equal(Errno.OK, p.Rename($"/mnt/d{i}/f", $"/mnt/d{i}/g"));
            Assert.Equal(Errno.OK, p.Unlink($"/mnt/d{i}/g"));
            Assert.Equal(Errno.OK, p.Rmdir($"/mnt/d{i}"));
        }
        Assert.True(bed.Server.Rpc!.DuplicateHits > 0, "the network lost nothing that mattered: raise the loss");
    }

    [Fact]
    public void Mount_refuses_bad_specs_options_unknown_paths_and_clients_not_allowed()
    {
        using var bed = new TestBed(export: new Server.ExportOptions { Path = "/export", Clients = ["client"] });
        var p = bed.Client;
        Assert.Equal(Errno.EINVAL, p.Mount("no-colon", "/mnt", "nfs"));
        Assert.Equal(Errno.EINVAL, p.Mount("server:/export", "/mnt", "nfs", options: "bogus=1"));
        Assert.Equal(Errno.EINVAL, p.Mount("server:/export", "/mnt", "nfs", options: "vers=4"));
        Assert.Equal(Errno.EINVAL, p.Mount("server:/export", "/mnt", "nfs", options: "soft,hard"));
        Assert.Equal(Errno.ENOENT, p.Mount("server:/nowhere", "/mnt", "nfs", options: bed.Ports));
        var other = bed.NewClient("other");
        Assert.Equal(Errno.EACCES, bed.Mount(p: other));
        Assert.Equal(Errno.OK, p.Mount("server:/export", "/mnt", "nfs", options: "soft,timeo=2,retrans=2"));   // through the portmapper
        Assert.Equal(Errno.OK, p.Umount("/mnt"));
        bed.Sim!.Host("server")!.Crash();
        Assert.Equal(Errno.ETIMEDOUT, p.Mount("server:/export", "/mnt", "nfs", options: "soft,timeo=1,retrans=1," + bed.Ports));
    }

    /// <summary>
    /// Found by the shell's fuzz: `mount -F nfs nosuch:/u /n` never returned, since the mount's own calls were hard
    /// too. The mount gives up as mount(8) does; hard is for the calls made through it once it is made. Virtual time:
    /// the timeouts pass only while the mount waits.
    /// </summary>
    [Fact]
    public void A_hard_mount_of_a_host_nobody_knows_or_a_server_that_is_down_gives_up_with_etimedout()
    {
        var clock = new VirtualClock { AutoAdvance = true };
        var net = new SimNetwork(1, clock);
        var serverKernel = new Kernel("server", clock);
        var sp = serverKernel.CreateProcess();
        TestBed.Check(sp.Mkdir("/export", 0x1ED));
        TestBed.Check(sp.Mount("swap", "/export", "tmpfs"));
        var serverHost = net.AddHost("server");
        var server = new NfsServer(serverKernel, serverHost, new NfsServerOptions { Address = "server", MountPort = 0 });
        TestBed.Check(server.Share(new ExportOptions { Path = "/export" }));
        TestBed.Check(server.Start());
        var k = new Kernel("client", clock);
        TestBed.Check(NfsClient.Install(k, net.AddHost("client")));
        var p = k.CreateProcess();
        TestBed.Check(p.Mkdir("/mnt", 0x1ED));
        try
        {
            long t0 = clock.GetTimestamp();
            Assert.Equal(Errno.ETIMEDOUT, p.Mount("nosuch:/export", "/mnt", "nfs", options: "hard,timeo=1,retrans=2"));
            // Three tries of MNT, each asking the portmapper three times, every time waiting 100, 200 and 400 ms.
            Assert.Equal(TimeSpan.FromMilliseconds(3 * (100 + 200 + 400)), clock.GetElapsedTime(t0));
            serverHost.Crash();
            Assert.Equal(Errno.ETIMEDOUT, p.Mount("server:/export", "/mnt", "nfs", options: $"hard,timeo=1,retrans=1,port={server.NfsPort},mountport={server.MountPort}"));
            serverHost.Restart();
            TestBed.Check(server.Start());
            TestBed.Check(p.Mount("server:/export", "/mnt", "nfs", options: $"hard,timeo=1,port={server.NfsPort},mountport={server.MountPort}"));
            TestBed.Check(p.Mkdir("/mnt/d", 0x1ED));
            TestBed.Check(p.Umount("/mnt"));
        }
        finally
        {
            server.Stop();
            clock.AutoAdvance = false;
        }
    }

    [Fact]
    public void Unmount_is_busy_while_a_file_is_open_and_a_forced_unmount_frees_a_hung_hard_mount()
    {
        using var bed = new TestBed();
        var p = bed.Client;
        Assert.Equal(Errno.OK, bed.Mount(options: "hard,timeo=1"));
        Assert.Equal(Errno.OK, p.Open("/mnt/f", OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int fd));
        Assert.Equal(Errno.EBUSY, p.Umount("/mnt"));
        Assert.Equal(Errno.OK, p.Close(fd));
        bed.Sim!.Host("server")!.Crash();
        var hung = new Background(() => p.Stat("/mnt/g", out _));
        Assert.False(hung.Join(300));
        Assert.Equal(Errno.OK, p.Umount("/mnt", UnmountFlags.MS_FORCE));
        Assert.True(hung.Join(10_000));
        Assert.Equal(Errno.EIO, hung.Result);
    }

    [Fact]
    public void Names_attributes_links_and_directories_look_the_same_through_nfs_as_on_the_server()
    {
        using var bed = new TestBed();
        var p = bed.Client;
        Assert.Equal(Errno.OK, bed.Mount());
        Assert.Equal(Errno.OK, p.Mkdir("/mnt/a", 0x1C0));
        WriteFile(p, "/mnt/a/f", new byte[1234]);
        Assert.Equal(Errno.OK, p.Link("/mnt/a/f", "/mnt/a/hard"));
        Assert.Equal(Errno.OK, p.Symlink("f", "/mnt/a/sym"));
        Assert.Equal(Errno.OK, p.Readlink("/mnt/a/sym", out var target));
        Assert.Equal("f", target);
        Assert.Equal(Errno.OK, p.Stat("/mnt/a/sym", out var viaLink));
        Assert.Equal(1234, viaLink!.Size);
        Assert.Equal(Errno.OK, p.Truncate("/mnt/a/f", 100));
        Assert.Equal(Errno.OK, p.Chmod("/mnt/a/f", 0x124));
        Assert.Equal(Errno.EACCES, p.Truncate("/mnt/a/f", 0));
        foreach (var name in new[] { "a", "a/f", "a/hard" })
        {
            Assert.Equal(Errno.OK, p.Stat("/mnt/" + name, out var mine));
            Assert.Equal(Errno.OK, bed.ServerProc.Stat("/export/" + name, out var theirs));
            Assert.Equal((theirs!.Ino, theirs.Mode, theirs.Nlink, theirs.Size, theirs.Uid, theirs.Mtime),
                (mine!.Ino, mine.Mode, mine.Nlink, mine.Size, mine.Uid, mine.Mtime));
        }
        Assert.Equal(Errno.EEXIST, p.Mkdir("/mnt/a", 0x1ED));
        Assert.Equal(Errno.ENOTEMPTY, p.Rmdir("/mnt/a"));
        Assert.Equal(Errno.EISDIR, p.Unlink("/mnt/a"));
        Assert.Equal(Errno.ENOENT, p.Stat("/mnt/a/none", out _));
        Assert.Equal(Errno.OK, p.Statvfs("/mnt", out var sv));
        Assert.Equal("nfs", sv!.Basetype);
    }

    [Fact]
    public void A_file_cut_short_and_extended_again_reads_zeros_where_it_was_cut()
    {
        using var bed = new TestBed();
        var p = bed.Client;
        Assert.Equal(Errno.OK, bed.Mount());
        WriteFile(p, "/mnt/f", Enumerable.Repeat((byte)7, 100).ToArray());
        Assert.Equal(new string('\a', 100), ReadText(p, "/mnt/f"));
        Assert.Equal(Errno.OK, p.Truncate("/mnt/f", 10));
        Assert.Equal(Errno.OK, p.Truncate("/mnt/f", 100));
        Assert.Equal(new string('\a', 10) + new string('\0', 90), ReadText(p, "/mnt/f"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_read_after_a_write_sees_the_write_even_where_a_read_ahead_was_in_flight(bool tcp)
    {
        using var bed = new TestBed(tcp);
        var p = bed.Client;
        Assert.Equal(Errno.OK, bed.Mount());
        WriteFile(p, "/mnt/f", Enumerable.Repeat((byte)1, 4 << 20).ToArray());
        Assert.Equal(Errno.OK, p.Open("/mnt/f", OFlags.O_RDWR, 0, out int fd));
        var buf = new byte[4096];
        // Reading block 0 sends READs ahead for the next blocks; the write then changes one of them.
        Assert.Equal(Errno.OK, p.Pread(fd, buf, 0, out _));
        Assert.Equal(Errno.OK, p.Pwrite(fd, Enumerable.Repeat((byte)2, 4096).ToArray(), (1 << 20) + 100, out _));
        Assert.Equal(Errno.OK, p.Pread(fd, buf, (1 << 20) + 100, out int n));
        Assert.Equal(4096, n);
        Assert.All(buf, b => Assert.Equal(2, b));
        Assert.Equal(Errno.OK, p.Close(fd));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Overlapping_writes_in_flight_at_once_land_in_the_order_they_were_made(bool tcp)
    {
        using var bed = new TestBed(tcp);
        var p = bed.Client;
        Assert.Equal(Errno.OK, bed.Mount());
        Assert.Equal(Errno.OK, p.Open("/mnt/f", OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int fd));
        var last = new byte[12288];
        for (int round = 0; round < 40; round++)
        {
            // Each write starts where the last did not end, so each goes out on its own while the previous is in flight.
            for (int i = 0; i < 8; i++)
            {
                var data = Enumerable.Repeat((byte)(round * 8 + i), 8192).ToArray();
                int off = (i % 2) * 4096;
                Assert.Equal(Errno.OK, p.Pwrite(fd, data, off, out _));
                data.CopyTo(last, off);
            }
            Assert.Equal(Errno.OK, p.Fsync(fd));
            Assert.Equal(Errno.OK, bed.ServerProc.Open("/export/f", OFlags.O_RDONLY, 0, out int sfd));
            var onServer = new byte[last.Length];
            Assert.Equal(Errno.OK, bed.ServerProc.Pread(sfd, onServer, 0, out int n));
            Assert.Equal(Errno.OK, bed.ServerProc.Close(sfd));
            Assert.Equal(last.Length, n);
            Assert.True(onServer.AsSpan().SequenceEqual(last), $"round {round}: the server holds older bytes than the client wrote last");
        }
        Assert.Equal(Errno.OK, p.Close(fd));
    }

    [Fact]
    public void Replies_that_arrive_out_of_order_do_not_roll_the_cached_attributes_back()
    {
        // Each record takes 0-2 ms on this network, so the two WRITEs in flight are answered in either order.
        using var bed = new TestBed(profile: new SimLinkProfile(TimeSpan.Zero, TimeSpan.FromMilliseconds(2), 0));
        var p = bed.Client;
        Assert.Equal(Errno.OK, bed.Mount());
        var far = Enumerable.Repeat((byte)9, 14336).ToArray();
        for (int i = 0; i < 30; i++)
        {
            Assert.Equal(Errno.OK, p.Open($"/mnt/f{i}", OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int fd));
            Assert.Equal(Errno.OK, p.Pwrite(fd, far, (2 << 20) + 1, out _));
            Assert.Equal(Errno.OK, p.Pwrite(fd, new byte[2048], 4097, out _)); // sends the first; both are in flight at the read
            var buf = new byte[1024];
            Assert.Equal(Errno.OK, p.Pread(fd, buf, (2 << 20) + 1, out int n));
            Assert.True(n == 1024, $"file {i}: read {n} bytes where 1024 were written");
            Assert.All(buf, b => Assert.Equal(9, b));
            Assert.Equal(Errno.OK, p.Close(fd));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Threads_writing_and_reading_their_own_parts_of_one_file_each_read_back_what_they_wrote(bool tcp)
    {
        // Four threads share one file and one read block (the parts are 64 KiB of a 1 MiB block), so each thread's
        // reads, writes and flushes cross the others' READs and WRITEs in flight and the caches they leave.
        using var bed = ReorderingBed(tcp);
        var p = bed.Client;
        Assert.Equal(Errno.OK, bed.Mount());
        Assert.Equal(Errno.OK, p.Open("/mnt/shared", OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int fd));
        const int part = 64 * 1024;
        Assert.Equal(Errno.OK, p.Pwrite(fd, new byte[4 * part], 0, out _));
        InThreads(4, (t, failures) =>
        {
            var rng = new Random(t);
            var mine = new byte[part];
            var back = new byte[part];
            for (int i = 0; i < 150 && failures.IsEmpty; i++)
            {
                int off = rng.Next(part), len = rng.Next(1, Math.Min(part - off, 9000) + 1);
                var data = new byte[len];
                rng.NextBytes(data);
                var err = p.Pwrite(fd, data, (long)t * part + off, out int n);
                if (err != Errno.OK || n != len)
                {
                    failures.Enqueue($"thread {t} write {i}: {err} {n}");
                    return;
                }
                data.CopyTo(mine, off);
                if (rng.Next(4) == 0 && p.Fsync(fd) is var ferr && ferr != Errno.OK)
                    failures.Enqueue($"thread {t} fsync {i}: {ferr}");
                err = p.Pread(fd, back, (long)t * part, out n);
                if (err != Errno.OK || n != part || !back.AsSpan().SequenceEqual(mine))
                    failures.Enqueue($"thread {t} read {i}: {err} {n} bytes, first difference at {back.AsSpan().CommonPrefixLength(mine)} " +
                        $"(its last write: {len} bytes at {off})");
            }
        });
        Assert.Equal(Errno.OK, p.Close(fd));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Threads_appending_to_one_file_each_land_every_record_whole_and_once(bool tcp)
    {
        using var bed = ReorderingBed(tcp);
        var p = bed.Client;
        Assert.Equal(Errno.OK, bed.Mount());
        Assert.Equal(Errno.OK, p.Open("/mnt/log", OFlags.O_CREAT | OFlags.O_WRONLY | OFlags.O_APPEND, 0x1A4, out int fd));
        const int record = 100, each = 50;
        InThreads(4, (t, failures) =>
        {
            for (int i = 0; i < each; i++)
            {
                var r = Encoding.ASCII.GetBytes($"{t}:{i:D3}:".PadRight(record - 1, (char)('a' + t)) + "\n");
                if (p.Write(fd, r, out int n) is var err && (err != Errno.OK || n != record))
                    failures.Enqueue($"thread {t} record {i}: {err} {n}");
            }
        });
        Assert.Equal(Errno.OK, p.Close(fd));
        Assert.Equal(Errno.OK, p.Open("/mnt/log", OFlags.O_RDONLY, 0, out fd));
        var all = new byte[4 * each * record + 1];
        Assert.Equal(Errno.OK, p.Pread(fd, all, 0, out int total));
        Assert.Equal(Errno.OK, p.Close(fd));
        Assert.Equal(4 * each * record, total);
        var lines = Encoding.ASCII.GetString(all, 0, total).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4 * each, lines.Length);
        Assert.All(lines, l => Assert.Equal(l.Split(':')[2], new string((char)('a' + int.Parse(l.Split(':')[0])), record - 1 - 6)));
        Assert.Equal(4 * each, lines.Distinct().Count());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Names_removed_while_another_thread_lists_the_directory_are_gone_afterwards(bool tcp)
    {
        // A listing sent before a REMOVE and answered after it carries the removed name; it must not put it back.
        using var bed = ReorderingBed(tcp);
        var p = bed.Client;
        Assert.Equal(Errno.OK, bed.Mount());
        Assert.Equal(Errno.OK, p.Mkdir("/mnt/d", 0x1ED));
        var stop = false;
        var lister = new Thread(() =>
        {
            var buf = new byte[8192];
            while (!Volatile.Read(ref stop))
            {
                if (p.Open("/mnt/d", OFlags.O_RDONLY | OFlags.O_DIRECTORY, 0, out int dfd) != Errno.OK)
                    continue;
                while (p.Getdents(dfd, buf, out int n) == Errno.OK && n > 0) { }
                p.Close(dfd);
            }
        });
        lister.Start();
        for (int i = 0; i < 200; i++)
        {
            Assert.Equal(Errno.OK, p.Open($"/mnt/d/f{i}", OFlags.O_CREAT | OFlags.O_WRONLY, 0x1A4, out int fd));
            Assert.Equal(Errno.OK, p.Close(fd));
            Assert.Equal(Errno.OK, p.Unlink($"/mnt/d/f{i}"));
        }
        Volatile.Write(ref stop, true);
        lister.Join();
        var back = Enumerable.Range(0, 200).Where(i => p.Stat($"/mnt/d/f{i}", out _) != Errno.ENOENT).ToList();
        Assert.True(back.Count == 0, $"removed names still found: {string.Join(", ", back.Take(10))}");
    }

    [Fact]
    public void Three_hosts_on_one_simulated_network_share_one_export()
    {
        using var bed = new TestBed();
        var clients = new[] { bed.Client, bed.NewClient("c2"), bed.NewClient("c3") };
        foreach (var c in clients)
            Assert.Equal(Errno.OK, bed.Mount(p: c, options: "noac"));
        Parallel.For(0, clients.Length, i => WriteFile(clients[i], $"/mnt/from-{i}", Encoding.UTF8.GetBytes($"host {i}")));
        for (int i = 0; i < clients.Length; i++)
            for (int j = 0; j < clients.Length; j++)
                Assert.Equal($"host {j}", ReadText(clients[i], $"/mnt/from-{j}"));
    }

    /// <summary>A system call running on a thread of its own, for tests that need one to block.</summary>
    private sealed class Background
    {
        private readonly Thread _t;

        public Background(Func<Errno> call)
        {
            _t = new Thread(() => Result = call()) { IsBackground = true };
            _t.Start();
        }

        public Errno Result { get; private set; } = Errno.EINTR;

        public bool Join(int ms) => _t.Join(ms);
    }
}
