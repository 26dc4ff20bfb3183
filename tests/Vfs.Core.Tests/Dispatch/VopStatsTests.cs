// Tests of Vfs.Core: a vfs's operation counters (VopStats) are exact however many threads count at once -- each
// thread adds to a row of its own, and a reader sums the rows -- and a thread's counts stay after it has ended.
namespace UnixVfs.Core.Tests.Dispatch;

public class VopStatsTests
{
    [Fact]
    public void Calls_counted_by_many_threads_at_once_add_up_exactly_and_outlive_the_threads()
    {
        var h = new TestHost();
        TestHost.Ok(h.Root.Open("/m/f", OFlags.O_CREAT | OFlags.O_RDWR, TestHost.File644, out int fd));
        TestHost.Ok(h.Root.Lookupname("/m/f", true, out var vp));
        var st = h.Tmp.Stats;
        long getattrs = st.Calls("getattr"), writes = st.Calls("write"), bytes = st.WriteBytes;
        const int Threads = 8, Each = 5_000;
        using var go = new Barrier(Threads);
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            var va = new Vattr(AttrMask.AT_SIZE);
            var p = h.Kernel.CreateProcess();
            TestHost.Ok(p.Open("/m/f", OFlags.O_WRONLY, 0, out int wfd));
            go.SignalAndWait();
            for (int i = 0; i < Each; i++)
            {
                TestHost.Ok(Vop.Getattr(vp!, va, AttrFlags.None, Cred.Kcred));
                TestHost.Ok(p.Pwrite(wfd, new byte[3], t * 3, out _));
            }
            TestHost.Ok(p.Close(wfd));
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        // Every thread has ended: what they counted is still there, to the call and to the byte.
        Assert.Equal(getattrs + Threads * Each, st.Calls("getattr"));
        Assert.Equal(writes + Threads * Each, st.Calls("write"));
        Assert.Equal(bytes + Threads * Each * 3, st.WriteBytes);
        Assert.Contains(st.NonZero, o => o.Op == "write" && o.Calls == writes + Threads * Each && o.Errors == 0);
        vp!.Rele();
        TestHost.Ok(h.Root.Close(fd));
    }
}
