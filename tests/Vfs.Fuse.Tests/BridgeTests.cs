// The bridge in-process, over a tmpfs: what if the host kernel forgets the nodes it looked up, asks for
// something the bridge does not do, or the mount goes away with files still known? The lookup counts
// must bring the node table back to the root alone, and closing the bridge must release every hold, so the
// served file system unmounts without EBUSY.
using UnixVfs.Core;

namespace UnixVfs.Fuse.Tests;

public class BridgeTests
{
    /// <summary>
    /// A tmpfs at /data in a new kernel, served by a bridge on a new host directory <paramref name="name"/>, for
    /// <paramref name="body"/>; then the bridge is unmounted and closed, and nothing may be left mounted or held (the
    /// served file system unmounts without EBUSY).
    /// </summary>
    private static void OnTmpfsBridge(string name, FuseOptions options, Action<Process, string, FuseBridge> body)
    {
        var k = new Kernel("bridge");
        var p = k.CreateProcess();
        Assert.Equal(Errno.OK, p.Mkdir("/data", 0x1ED));
        Assert.Equal(Errno.OK, p.Mount("swap", "/data", "tmpfs", options: "mode=0777"));
        Assert.Equal(Errno.OK, p.Lookupname("/data", true, out var root));
        var mnt = HostTools.TempDir(name);
        Assert.Equal(Errno.OK, FuseBridge.Mount(root!, mnt, options, out var bridge, out _));
        bridge!.Start();
        try
        {
            body(p, mnt, bridge);
        }
        finally
        {
            bridge.Unmount();
            Assert.True(bridge.Wait(HostTools.HangGuard));
            bridge.Close();
        }
        root!.Rele();
        Assert.False(HostTools.IsMounted(mnt));
        Assert.Equal(Errno.OK, k.UnmountAll()); // EBUSY if the bridge had kept a hold
    }

    [Fact]
    public void Lookup_counts_are_honoured_and_every_hold_is_released()
    {
        OnTmpfsBridge("bridge", new FuseOptions { EntryTimeout = TimeSpan.Zero, AttrTimeout = TimeSpan.Zero }, (p, mnt, bridge) =>
        {
            HostTools.Bash(mnt, "mkdir -p a/b/c && for i in $(seq 1 50); do echo $i > a/b/c/f$i; done && ls -lR > /dev/null && ln a/b/c/f1 hard && ln -s f1 soft");
            Assert.True(bridge.Counts.Nodes > 50, $"{bridge.Counts.Nodes} nodes after 50 files were made");
            Assert.Equal("1\n", File.ReadAllText(Path.Combine(mnt, "hard")));

            // A user attribute never set: ENODATA from GETXATTR (XattrTests covers the rest of them).
            var x = HostTools.Run("python3", "-c", $"import os\ntry:\n  os.getxattr('{mnt}/hard', 'user.x')\nexcept OSError as e:\n  print(e.errno)");
            Assert.Equal("61", x.Out.Trim());

            // Remove everything, then make the host kernel drop its unused dentries and inodes: it sends
            // FORGET (or BATCH_FORGET) for every node, and the table is back to the root alone.
            HostTools.Bash(mnt, "rm -rf a hard soft");
            for (int i = 0; i < 600 && bridge.Counts.Nodes > 1; i++)
            {
                File.WriteAllText("/proc/sys/vm/drop_caches", "2");
                Thread.Sleep(100); // a hang guard's poll: the verdict is the count, whenever it arrives
            }
            Assert.Equal(1, bridge.Counts.Nodes);
            Assert.Equal(0, bridge.Counts.Handles);
        });
    }

    [Fact]
    public void A_request_the_bridge_does_not_implement_gets_ENOSYS_and_the_kernel_stops_asking()
    {
        // LSEEK (SEEK_DATA/SEEK_HOLE) is one of the opcodes the bridge leaves out. fuse.ko takes ENOSYS, and only
        // ENOSYS, as "not implemented": it remembers it (no_lseek) and answers every later SEEK_DATA itself from the
        // size it holds. Any other answer would fail the lseek, or be asked again each time. So 100 lseeks that all
        // succeed, for one LSEEK request, show the ENOSYS. (The attribute timeout is long: no GETATTR between.)
        var hour = TimeSpan.FromHours(1);
        OnTmpfsBridge("bridge-enosys", new FuseOptions { EntryTimeout = hour, AttrTimeout = hour }, (p, mnt, bridge) =>
        {
            long before = bridge.Requests;
            var r = HostTools.Run("python3", "-c",
                $"import os\nfd = os.open('{mnt}/f', os.O_CREAT | os.O_RDWR, 0o644)\nos.write(fd, b'x' * 8192)\n" +
                "print(sorted({os.lseek(fd, 4096, os.SEEK_DATA) for _ in range(100)}))\nos.close(fd)");
            Assert.Equal(0, r.Exit);
            Assert.Equal("[4096]", r.Out.Trim());
            long requests = bridge.Requests - before;
            // LOOKUP, CREATE, WRITE, one LSEEK, FLUSH, RELEASE, and perhaps a GETATTR or two: not one per lseek.
            Assert.True(requests < 20, $"{requests} requests for 100 lseeks: the kernel kept asking, so the answer was not ENOSYS");
        });
    }

    [Fact]
    public void A_write_is_one_request_not_a_getxattr_and_a_write()
    {
        // Without FUSE_HANDLE_KILLPRIV_V2 fuse.ko asks GETXATTR security.capability before every WRITE
        // (file_remove_privs), doubling the requests of small writes. With it the first write finds no
        // capability and no set-id bit and the kernel stops asking (S_NOSEC) until attributes change; the
        // attribute timeout is long here so that no GETATTR reply, which clears S_NOSEC, comes between.
        var hour = TimeSpan.FromHours(1);
        OnTmpfsBridge("bridge-writes", new FuseOptions { EntryTimeout = hour, AttrTimeout = hour }, (p, mnt, bridge) =>
        {
            const int writes = 200;
            long before = bridge.Requests;
            var r = HostTools.Run("python3", "-c",
                $"import os\nfd = os.open('{mnt}/f', os.O_CREAT | os.O_WRONLY, 0o644)\n" +
                $"for i in range({writes}):\n  os.pwrite(fd, b'x' * 4096, i * 4096)\nos.close(fd)");
            Assert.Equal(0, r.Exit);
            long requests = bridge.Requests - before;
            // LOOKUP, CREATE, the writes, FLUSH, RELEASE and a few GETATTRs: well under one extra request per write.
            Assert.True(requests < writes + writes / 4, $"{requests} requests for {writes} writes");
            Assert.Equal(Errno.OK, p.Stat("/data/f", out var st));
            Assert.Equal(writes * 4096L, st!.Size);
        });
    }

    [Fact]
    public void Files_still_open_and_known_when_the_mount_goes_are_closed_and_released()
    {
        var k = new Kernel("bridge");
        var p = k.CreateProcess();
        Assert.Equal(Errno.OK, p.Mkdir("/data", 0x1ED));
        Assert.Equal(Errno.OK, p.Mount("swap", "/data", "tmpfs", options: "mode=0777"));
        Assert.Equal(Errno.OK, p.Lookupname("/data", true, out var root));
        var mnt = HostTools.TempDir("bridge-open");
        Assert.Equal(Errno.OK, FuseBridge.Mount(root!, mnt, new FuseOptions(), out var bridge, out _));
        bridge!.Start();
        var f = new FileStream(Path.Combine(mnt, "held"), FileMode.Create);
        f.Write("still open"u8);
        f.Flush();
        Assert.Equal(1, bridge.Counts.Handles);
        // A lazy unmount (what SIGTERM does to a busy mount): the open file keeps the session alive until it is closed.
        Assert.Equal(0, HostTools.Run("umount", "-l", mnt).Exit);
        Assert.False(bridge.Wait(TimeSpan.Zero));
        f.Dispose();
        Assert.True(bridge.Wait(HostTools.HangGuard));
        bridge.Close();
        root!.Rele();
        Assert.Equal(Errno.OK, p.Stat("/data/held", out var st));
        Assert.Equal(10, st!.Size);
        Assert.Equal(Errno.OK, k.UnmountAll());
    }
}
