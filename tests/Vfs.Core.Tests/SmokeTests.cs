// Tests of Vfs.Core: a first end-to-end pass through the system calls into tmpfs.
using System.Text;
using UnixVfs.Core;

namespace UnixVfs.Core.Tests;

public class SmokeTests
{
    [Fact]
    public void What_is_written_through_the_syscalls_reads_back()
    {
        var k = new Kernel("smoke");
        var p = k.CreateProcess();
        Assert.Equal(Errno.OK, p.Mkdir("/mnt", 0x1ED));
        Assert.Equal(Errno.OK, p.Mount("swap", "/mnt", "tmpfs"));
        Assert.Equal(Errno.OK, p.Open("/mnt/f", OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int fd));
        Assert.Equal(Errno.OK, p.Write(fd, Encoding.ASCII.GetBytes("hello"), out int n));
        Assert.Equal(5, n);
        var buf = new byte[16];
        Assert.Equal(Errno.OK, p.Pread(fd, buf, 0, out n));
        Assert.Equal("hello", Encoding.ASCII.GetString(buf, 0, n));
        Assert.Equal(Errno.OK, p.Close(fd));
        Assert.Equal(Errno.OK, p.Getcwd(out var cwd));
        Assert.Equal("/", cwd);
        Assert.Equal(Errno.OK, p.Chdir("/mnt"));
        Assert.Equal(Errno.OK, p.Getcwd(out cwd));
        Assert.Equal("/mnt", cwd);
        Assert.Equal(Errno.EBUSY, p.Umount("/mnt"));
        Assert.Equal(Errno.OK, p.Chdir("/"));
        Assert.Equal(Errno.OK, p.Umount("/mnt"));
        Assert.Equal(Errno.ENOENT, p.Stat("/mnt/f", out _));
    }
}
