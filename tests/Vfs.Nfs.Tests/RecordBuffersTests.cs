// The server's record buffers (RecordBuffers.cs): what a large record is charged to the budget, and how much
// the idle list keeps, over a real loopback TCP connection where a connection is involved.
using UnixVfs.Core;
using UnixVfs.Nfs.Net;

namespace UnixVfs.Nfs.Tests;

public class RecordBuffersTests
{
    [Fact]
    public void A_1_MiB_WRITE_record_is_charged_its_length_rounded_to_64_KiB_not_to_a_power_of_two()
    {
        var net = new TcpNetwork(budget: new BufferBudget(64L << 20));
        Assert.Equal(Errno.OK, net.Listen("127.0.0.1", 0, out var listener));
        try
        {
            Assert.Equal(Errno.OK, net.Connect("127.0.0.1", listener!.Port, TimeSpan.FromSeconds(30), out var client));
            Assert.Equal(Errno.OK, listener.Accept(out var server));
            var record = new byte[(1 << 20) + 200];   // a 1 MiB WRITE and its header
            new Random(7).NextBytes(record);
            var sender = new Thread(() => client!.Send(record));
            sender.Start();
            Assert.Equal(Errno.OK, server!.Receive(out var got));
            sender.Join();
            Assert.True(got.Span.SequenceEqual(record));
            Assert.Equal((1 << 20) + (64 << 10), net.Budget.Used);   // 2 MiB from a pool of powers of two
            got.Release();
            Assert.Equal(0, net.Budget.Used);
            client!.Close();
            server.Close();
        }
        finally
        {
            listener!.Close();
        }
    }

    [Fact]
    public void Idle_large_buffers_stay_within_their_bound_and_the_next_large_record_takes_one()
    {
        var pool = new RecordBuffers(maxIdle: 4L << 20);
        var rented = Enumerable.Range(0, 10).Select(_ => pool.Rent((1 << 20) + 200)).ToList();
        Assert.All(rented, a => Assert.Equal((1 << 20) + (64 << 10), a.Length));
        foreach (var a in rented)
            pool.Return(a);
        Assert.Equal(3L * ((1 << 20) + (64 << 10)), pool.IdleBytes);   // three fit under 4 MiB; the other seven were dropped
        var again = pool.Rent(1 << 20);
        Assert.Contains(rented, a => ReferenceEquals(a, again));
        Assert.Equal(2L * ((1 << 20) + (64 << 10)), pool.IdleBytes);
        var small = pool.Rent(4096);   // a small record's buffer is the shared pool's, never kept here
        pool.Return(small);
        Assert.Equal(2L * ((1 << 20) + (64 << 10)), pool.IdleBytes);
    }
}
