// Tests of the NFS client against a server whose host loses power: the export is a UFS on a FaultyBlockDevice, and a
// power cycle keeps on its disk only what was flushed (fsck -y, mount, serve again with the same handle key and a new
// write verifier). What the client wrote UNSTABLE and had not had committed is then gone from the server, and the
// client must put it back before anyone reads the server's older bytes, and must never put back bytes a truncation
// cut. Both were found by the simulator once it could restart an NFS server host (docs/verification.md, Fixed 49).
using UnixVfs.Core;
using UnixVfs.Nfs.Server;
using UnixVfs.Ufs;

namespace UnixVfs.Nfs.Tests;

public class ServerPowerCycleTests
{
    private readonly MemoryBlockDevice _mem = new(16L << 20);
    private FaultyBlockDevice _dev;

    public ServerPowerCycleTests()
    {
        Assert.Equal(Errno.OK, Newfs.Make(_mem, new NewfsOptions { Bsize = 8192, Fsize = 1024, Id = 0x5eed }, new Timespec(1_700_000_000, 0), out _, out _));
        _dev = new FaultyBlockDevice(_mem);
    }

    private TestBed Bed() => new(mountExport: (k, p) =>
    {
        k.Vfssw.Install(UfsVfsops.Def);
        var err = p.Mount("disk", "/export", "ufs", MountFlags.None, "", _dev);
        return err == Errno.OK ? p.Chmod("/export", 0x1FF) : err;
    });

    /// <summary>The server's host loses power and comes back: its NFS server dies, its disk keeps what was flushed, fsck -y, mount, serve.</summary>
    private void PowerCycle(TestBed bed)
    {
        bed.Server.Crash();
        TestBed.Check(bed.Server.Unshare("/export"));
        _dev.Crash(CrashMode.LoseAll, new Random(1));
        TestBed.Check(bed.ServerProc.Umount("/export", UnmountFlags.MS_FORCE));
        TestBed.Check(Fsck.Run(_mem, repair: true, out var report));
        Assert.Equal(0, report.Unfixed);
        _dev = new FaultyBlockDevice(_mem);
        TestBed.Check(bed.ServerProc.Mount("disk", "/export", "ufs", MountFlags.None, "", _dev));
        TestBed.Check(bed.Server.Share(new ExportOptions { Path = "/export" }));
        TestBed.Check(bed.Server.Start());
    }

    /// <summary>
    /// Writes <paramref name="data"/> to a new /mnt/f and has it sent UNSTABLE (the fstat flushes it: answered, not
    /// committed), then power-cycles the server, which comes back without it. Returns the descriptor, still open.
    /// </summary>
    private int SentThenLost(TestBed bed, string options, byte[] data)
    {
        var p = bed.Client;
        TestBed.Check(bed.Mount(options: options));
        TestBed.Check(p.Open("/mnt/f", OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int fd));
        TestBed.Check(p.Write(fd, data, out _));
        TestBed.Check(p.Fstat(fd, out _));
        PowerCycle(bed);
        TestBed.Check(bed.ServerProc.Stat("/export/f", out var lost));
        Assert.Equal(0, lost!.Size);
        return fd;
    }

    /// <summary>
    /// After the server lost the data, the next stat and a read must still show it. Before, the client took the
    /// restarted server's size (0) and read its bytes until the COMMIT at close put the data back.
    /// </summary>
    [Fact]
    public void Data_a_restarted_server_lost_before_its_commit_is_written_again_before_a_stat_or_read_answers()
    {
        using var bed = Bed();
        var p = bed.Client;
        var data = Bytes(9000, 9);
        int fd = SentThenLost(bed, "hard,timeo=2,noac", data);

        TestBed.Check(p.Stat("/mnt/f", out var st));
        Assert.Equal(data.Length, st!.Size);
        Assert.Equal(data, ReadAll(p, fd, data.Length));
        TestBed.Check(p.Close(fd));
        TestBed.Check(bed.ServerProc.Stat("/export/f", out var onServer));
        Assert.Equal(data.Length, onServer!.Size);
    }

    /// <summary>
    /// The same with the attributes cached (no GETATTR before the read): the READ is the first call after the restart,
    /// and reconnects; the client then puts its data back and reads again rather than hand out the server's bytes.
    /// </summary>
    [Fact]
    public void A_read_that_reconnects_to_a_restarted_server_reads_the_data_it_lost_after_it_is_written_again()
    {
        using var bed = Bed();
        var data = Bytes(9000, 10);
        int fd = SentThenLost(bed, "hard,timeo=2,acregmin=600,acregmax=600", data);

        Assert.Equal(data, ReadAll(bed.Client, fd, data.Length));
        TestBed.Check(bed.Client.Close(fd));
    }

    private static byte[] Bytes(int n, int seed)
    {
        var b = new byte[n];
        new Random(seed).NextBytes(b);
        return b;
    }

    /// <summary>pread of <paramref name="n"/> bytes at 0; what came back.</summary>
    private static byte[] ReadAll(Process p, int fd, int n)
    {
        var back = new byte[n];
        TestBed.Check(p.Pread(fd, back, 0, out int got));
        return back[..got];
    }

    /// <summary>
    /// Written and sent before the server lost it, then truncated to 0 and written past a hole: the COMMIT at close sees
    /// the new verifier. Before, it wrote the old buffer again over the hole the truncation had made.
    /// </summary>
    [Fact]
    public void A_truncation_after_a_server_restart_is_not_undone_by_writes_sent_again()
    {
        using var bed = Bed();
        var p = bed.Client;
        int fd = SentThenLost(bed, "hard,timeo=2,noac", Enumerable.Repeat((byte)0xEA, 11).ToArray());

        TestBed.Check(p.Ftruncate(fd, 0));
        TestBed.Check(p.Pwrite(fd, Enumerable.Repeat((byte)0x2A, 100).ToArray(), 16, out _));
        TestBed.Check(p.Close(fd));
        TestBed.Check(bed.ServerProc.Open("/export/f", OFlags.O_RDONLY, 0, out int sfd));
        var back = new byte[200];
        TestBed.Check(bed.ServerProc.Pread(sfd, back, 0, out int n));
        TestBed.Check(bed.ServerProc.Close(sfd));
        Assert.Equal(116, n);
        Assert.All(back.AsSpan(0, 16).ToArray(), b => Assert.Equal(0, b));
        Assert.All(back.AsSpan(16, 100).ToArray(), b => Assert.Equal(0x2A, b));
    }
}
