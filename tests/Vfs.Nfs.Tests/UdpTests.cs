// Tests of NFS over UDP (proto=udp): the client and the server speak RPC in datagrams on real sockets
// on 127.0.0.1, data and long directory listings come through whole (the server returns what a datagram
// carries, the client asks again from there), and the transport is refused clearly where it cannot be.
using UnixVfs.Core;
using UnixVfs.Nfs.Client;

namespace UnixVfs.Nfs.Tests;

public class UdpTests
{
    [Fact]
    public void A_client_mounted_with_proto_udp_moves_data_and_long_listings_in_datagrams()
    {
        using var bed = new TestBed(tcp: true);
        var p = bed.Client;
        Assert.Equal(Errno.OK, bed.ServerProc.Mkdir("/export/big", 0x1FF));
        for (int i = 0; i < 700; i++)   // with attributes and handles ~170 KiB: a READDIRPLUS of them all would not fit a datagram
        {
            Assert.Equal(Errno.OK, bed.ServerProc.Open($"/export/big/{i:D5}-" + new string('n', 100), OFlags.O_CREAT | OFlags.O_WRONLY, 0x1A4, out int sfd));
            bed.ServerProc.Close(sfd);
        }
        long before = bed.Server.Rpc!.DatagramCalls;
        Assert.Equal(Errno.OK, bed.Mount(options: "proto=udp"));

        var data = new byte[(1 << 20) + 17];
        new Random(7).NextBytes(data);
        Assert.Equal(Errno.OK, p.Open("/mnt/f", OFlags.O_CREAT | OFlags.O_WRONLY, 0x1A4, out int fd));
        Assert.Equal(Errno.OK, p.Write(fd, data, out int n));
        Assert.Equal(data.Length, n);
        Assert.Equal(Errno.OK, p.Close(fd));
        Assert.Equal(Errno.OK, bed.ServerProc.Stat("/export/f", out var st));
        Assert.Equal(data.Length, st!.Size);

        // A fresh mount, so that the reads and the listing go over the wire rather than from the client's caches.
        Assert.Equal(Errno.OK, p.Umount("/mnt"));
        Assert.Equal(Errno.OK, bed.Mount(options: "proto=udp"));
        Assert.Equal(Errno.OK, p.Open("/mnt/f", OFlags.O_RDONLY, 0, out fd));
        var back = new byte[data.Length];
        int total = 0;
        while (total < back.Length && p.Read(fd, back.AsMemory(total), out n) == Errno.OK && n > 0)
            total += n;
        Assert.Equal(Errno.OK, p.Close(fd));
        Assert.Equal(data.Length, total);
        Assert.True(back.AsSpan().SequenceEqual(data));
        var names = new FileSystemFacade(p).EnumerateEntries("/mnt/big").Select(d => d.Name).Where(s => s is not ("." or "..")).ToList();
        Assert.Equal(700, names.Distinct().Count());

        // 1 MiB each way in 32 KiB READs and WRITEs, and the listing in many replies: all of it in datagrams.
        Assert.True(bed.Server.Rpc.DatagramCalls - before >= 64 + 3, $"{bed.Server.Rpc.DatagramCalls - before} datagram calls");
    }

    [Fact]
    public void Proto_udp_is_refused_where_there_are_no_datagrams_and_bad_transports_and_sizes_are_einval()
    {
        using var bed = new TestBed(tcp: false);
        Assert.Equal(Errno.EPROTONOSUPPORT, bed.Mount(options: "proto=udp"));
        Assert.Equal(Errno.EINVAL, bed.Mount(options: "proto=sctp"));
        Assert.Equal(Errno.EINVAL, bed.Mount(options: "proto=udp,rsize=65536"));
        Assert.Equal(Errno.OK, NfsMountOptions.Parse("h:/x", "proto=udp", out var o));
        Assert.True(o!.Udp);
        Assert.Equal(NfsMountOptions.MaxUdpIo, o.Rsize);
        Assert.Equal(NfsMountOptions.MaxUdpIo, o.Wsize);
        Assert.Equal(Errno.ENOENT, bed.Client.Lstat("/mnt/f", out _)); // nothing was mounted
    }
}
