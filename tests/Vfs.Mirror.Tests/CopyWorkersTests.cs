// Tests of Vfs.Mirror's copy workers (CopyWorkers.cs): the caller of RunAll runs itself each copy no worker has
// started once it is done with the first, waits only for the copies a worker is writing, and no copy runs twice.
// Which thread runs a work is decided by events the test sets, never by a clock; the Join limits below only turn a
// RunAll that waits for a held worker (a deadlock) into a failure instead of a test run that never ends.
namespace UnixVfs.Mirror.Tests;

public class CopyWorkersTests
{
    private static readonly TimeSpan Deadlock = TimeSpan.FromSeconds(60);

    /// <summary>Holds the only worker of <paramref name="w"/> in a work until <paramref name="gate"/> is set; returns the caller's thread.</summary>
    private static Thread HoldTheWorker(CopyWorkers w, ManualResetEventSlim gate)
    {
        var started = new ManualResetEventSlim();   // not disposed here: the holding caller may still be returning from its Wait
        // The caller's own part waits until the worker has started the other, so the worker is the one held.
        var caller = new Thread(() => w.RunAll(() => started.Wait(), [() => { started.Set(); gate.Wait(); }]));
        caller.Start();
        started.Wait();
        return caller;
    }

    [Fact]
    public void A_copy_no_worker_has_started_is_run_by_the_caller_after_its_own()
    {
        using var w = new CopyWorkers(1, "test");
        using var gate = new ManualResetEventSlim();
        var holder = HoldTheWorker(w, gate);

        int ranOn = 0, order = 0, firstAt = 0, otherAt = 0;
        var call = new Thread(() => w.RunAll(
            () => firstAt = ++order,
            [() => { ranOn = Environment.CurrentManagedThreadId; otherAt = ++order; }]));
        call.Start();
        bool returned = call.Join(Deadlock);   // before the fix: waits for the held worker
        gate.Set();
        Assert.True(holder.Join(Deadlock));
        Assert.True(returned, "RunAll waited for a worker that had not started the copy");
        Assert.Equal(call.ManagedThreadId, ranOn);
        Assert.Equal((1, 2), (firstAt, otherAt));
    }

    [Fact]
    public void A_copy_a_worker_has_started_is_waited_for_and_runs_once()
    {
        using var w = new CopyWorkers(1, "test");
        using var started = new ManualResetEventSlim();
        using var gate = new ManualResetEventSlim();
        int runs = 0, ranOn = 0;
        var call = new Thread(() => w.RunAll(
            () =>
            {
                started.Wait();   // the worker has claimed the other copy before the caller is done with its own
                gate.Set();
            },
            [() =>
            {
                Interlocked.Increment(ref runs);
                ranOn = Environment.CurrentManagedThreadId;
                started.Set();
                gate.Wait();
            }]));
        call.Start();
        Assert.True(call.Join(Deadlock));
        Assert.Equal(1, runs);
        Assert.NotEqual(call.ManagedThreadId, ranOn);
    }

    [Fact]
    public void A_copy_taken_back_that_throws_is_rethrown_to_the_caller()
    {
        using var w = new CopyWorkers(1, "test");
        using var gate = new ManualResetEventSlim();
        var holder = HoldTheWorker(w, gate);
        Exception? thrown = null;
        var call = new Thread(() =>
        {
            try
            {
                w.RunAll(() => { }, [() => throw new InvalidOperationException("copy 1")]);
            }
            catch (Exception e) { thrown = e; }
        });
        call.Start();
        bool returned = call.Join(Deadlock);
        gate.Set();
        Assert.True(holder.Join(Deadlock));
        Assert.True(returned);
        Assert.Equal("copy 1", Assert.IsType<InvalidOperationException>(thrown).Message);
    }
}
