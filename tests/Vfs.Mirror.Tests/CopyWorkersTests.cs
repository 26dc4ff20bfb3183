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

    /// <summary>
    /// Many callers hand works to two workers at once: each work runs exactly once and every RunAll returns. A wake-up
    /// lost between a caller's last look at its count and its sleep would leave that RunAll asleep for good (a caller's
    /// word serves its RunAlls in turn, and a worker's Done may come at any point of them); with the caller's Arm moved
    /// after its look, this test fails. (A worker's lost wake-up costs only parallelism: the caller takes the work back.)
    /// </summary>
    [Fact]
    public void Works_handed_over_from_many_callers_each_run_once_and_every_caller_returns()
    {
        const int Callers = 4, Rounds = 2000;
        using var w = new CopyWorkers(2, "test");
        var runs = new int[Callers * Rounds * 2];
        var callers = Enumerable.Range(0, Callers).Select(c => new Thread(() =>
        {
            for (int r = 0; r < Rounds; r++)
            {
                int at = (c * Rounds + r) * 2;
                // Spins of varied length, so that works are claimed by workers and by callers, and callers sleep for workers.
                int spin = (r * 7 + c) % 5 * 200;
                w.RunAll(() => Thread.SpinWait(spin), [
                    () => { Thread.SpinWait(1000 - spin); Interlocked.Increment(ref runs[at]); },
                    () => { Thread.SpinWait(spin / 2); Interlocked.Increment(ref runs[at + 1]); }]);
            }
        })).ToList();
        callers.ForEach(t => t.Start());
        Assert.All(callers, t => Assert.True(t.Join(Deadlock), "a RunAll never returned: a wake-up was lost"));
        Assert.All(runs, n => Assert.Equal(1, n));
    }

    [Fact]
    public void Dispose_ends_workers_that_sleep()
    {
        var w = new CopyWorkers(3, "test");
        w.RunAll(() => { }, [() => { }]);   // the workers have run and gone back to sleep (or are about to)
        var disposer = new Thread(w.Dispose);
        disposer.Start();
        Assert.True(disposer.Join(Deadlock), "Dispose waited for a worker that was never woken");
        Assert.False(w.Running);
    }

    [Fact]
    public void A_word_set_before_its_sleeper_sleeps_keeps_it_awake_and_a_set_later_wakes_it()
    {
        var word = new WakeWord();
        word.Arm();
        word.Set();
        var early = new Thread(word.Sleep);   // set since the Arm: returns at once
        early.Start();
        Assert.True(early.Join(Deadlock));

        word.Arm();
        using var sleeping = new ManualResetEventSlim();
        int woke = 0;
        var late = new Thread(() =>
        {
            sleeping.Set();
            while (Volatile.Read(ref woke) == 0)
                word.Sleep();   // a return before the Set (a signal) goes round again
        });
        late.Start();
        sleeping.Wait();
        Volatile.Write(ref woke, 1);
        word.Set();
        Assert.True(late.Join(Deadlock), "the sleeper was not woken by Set");
    }
}
