// Tests of the nfs client file system against our server: the system calls on an NFS mount
// behave as on a local file system, over both transports.
using System.Text;
using UnixVfs.Core;

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
}
