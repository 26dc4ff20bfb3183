// Tests of the nfs client: a write-behind WRITE that heard no answer (a soft mount across a partition) keeps its
// buffer and is sent again at the next flush, after reporting its error (NfsRdwr.cs, "A WRITE THAT HEARD NO ANSWER";
// docs/verification.md, Fixed 43).
using UnixVfs.Core;

namespace UnixVfs.Nfs.Tests;

public class NfsWriteErrorTests
{
    private static byte[] Bytes(byte b, int n) => Enumerable.Repeat(b, n).ToArray();

    private static byte[] ServerFile(TestBed bed, string path)
    {
        Assert.Equal(Errno.OK, bed.ServerProc.Stat(path, out var st));
        var back = new byte[st!.Size];
        Assert.Equal(Errno.OK, bed.ServerProc.Open(path, OFlags.O_RDONLY, 0, out int fd));
        Assert.Equal(Errno.OK, bed.ServerProc.Pread(fd, back, 0, out int n));
        Assert.Equal(Errno.OK, bed.ServerProc.Close(fd));
        Assert.Equal(back.Length, n);
        return back;
    }

    [Fact]
    public void A_write_whose_WRITE_heard_no_answer_is_sent_again_once_the_link_heals()
    {
        using var bed = new TestBed();
        var p = bed.Client;
        Assert.Equal(Errno.OK, bed.Mount(options: "soft,timeo=1,retrans=1"));
        Assert.Equal(Errno.OK, p.Open("/mnt/f", OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int fd));
        Assert.Equal(Errno.OK, p.Pwrite(fd, Bytes(7, 8192), 0, out _)); // in the client's write-behind buffer
        bed.Sim!.Partition(["client"], ["server"]);
        Assert.Equal(Errno.ETIMEDOUT, p.Fsync(fd));                    // the WRITE heard nothing: reported once
        bed.Sim.Heal();
        Assert.Equal(Errno.OK, p.Fsync(fd));                           // the kept buffer goes now
        Assert.Equal(Errno.OK, p.Close(fd));

        Assert.Equal(Bytes(7, 8192), ServerFile(bed, "/export/f"));
    }

    [Fact]
    public void A_write_kept_after_its_WRITE_heard_no_answer_does_not_land_on_a_newer_one()
    {
        using var bed = new TestBed();
        var p = bed.Client;
        Assert.Equal(Errno.OK, bed.Mount(options: "soft,timeo=1,retrans=1"));
        Assert.Equal(Errno.OK, p.Open("/mnt/f", OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int fd));
        Assert.Equal(Errno.OK, p.Pwrite(fd, Bytes(1, 8192), 0, out _));
        bed.Sim!.Partition(["client"], ["server"]);
        Assert.Equal(Errno.ETIMEDOUT, p.Fsync(fd));                    // [0, 8192) of 1s kept
        bed.Sim.Heal();
        Assert.Equal(Errno.OK, p.Pwrite(fd, Bytes(2, 4096), 4096, out _));
        // Not continuing the buffer above, this write sends it: [4096, 8192) of 2s reaches the server before the kept
        // buffer is sent again, and must not be covered by its older 1s.
        Assert.Equal(Errno.OK, p.Pwrite(fd, Bytes(3, 100), 20000, out _));
        Assert.Equal(Errno.OK, p.Close(fd));

        var back = ServerFile(bed, "/export/f");
        Assert.Equal(20100, back.Length);
        Assert.Equal(Bytes(1, 4096), back[..4096]);
        Assert.Equal(Bytes(2, 4096), back[4096..8192]);
        Assert.Equal(Bytes(3, 100), back[20000..]);
    }
}
