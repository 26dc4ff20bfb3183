// Tests of Vfs.Core: Kernel.PinTime -- an operation that updates several files at once stamps them with one time.
namespace UnixVfs.Core.Tests;

public class TimePinTests
{
    [Fact]
    public void A_pinned_time_is_what_every_stamp_on_the_thread_gets_until_the_pin_goes()
    {
        var k = new Kernel("test", new StepClock()); // one second more at every reading
        var before = k.Now();
        Timespec pinned;
        using (k.PinTime())
        {
            pinned = k.Now();
            Assert.True(pinned > before);
            Assert.Equal(pinned, k.Now());
            using (k.PinTime()) // nested: the outer time stays
                Assert.Equal(pinned, k.Now());
            Assert.Equal(pinned, k.Now());
        }
        Assert.True(k.Now() > pinned);
    }

    [Fact]
    public void A_pin_is_one_kernels_and_one_threads()
    {
        var a = new Kernel("a", new StepClock());
        var b = new Kernel("b", new StepClock());
        using (a.PinTime())
        {
            var t = a.Now();
            Assert.NotEqual(b.Now(), b.Now()); // another host's calls on this thread keep their own clock
            using (b.PinTime()) // b's host serving a call of a's on this thread
                Assert.Equal(b.Now(), b.Now());
            Assert.Equal(t, a.Now()); // and a's time is back when the call returns
            Timespec other = default, again = default;
            var thread = new Thread(() => (other, again) = (a.Now(), a.Now()));
            thread.Start();
            thread.Join();
            Assert.NotEqual(other, again);
        }
    }

    [Fact]
    public void Newest_reads_the_clock_under_a_pin()
    {
        var k = new Kernel("test", new StepClock());
        using var _ = k.PinTime();
        Assert.True(k.Newest() > k.Now());
    }
}
