// Tests of Vfs.Mirror: the quiesce lock (QuiesceLock.cs), whose readers take no interlocked instruction -- a writer
// still waits for every reader in, readers wait while a writer is in, and a thread that has used more locks than it
// remembers still has its reads seen. Each test waits for a state it can
// see (Writing, an event set by the other thread), never for a time; the timeouts only keep a broken lock from hanging
// the run.
namespace UnixVfs.Mirror.Tests;

public class QuiesceLockTests
{
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(30);

    private static QuiesceLock NewLock() => new(MirrorLock.QuiesceClass);

    private static Thread Run(Action a)
    {
        var t = new Thread(() => a()) { IsBackground = true };
        t.Start();
        return t;
    }

    /// <summary>A writer on its own thread: In is set once it holds the lock; it leaves when Leave is set.</summary>
    private sealed class Writer
    {
        public readonly ManualResetEventSlim In = new(), Leave = new();
        public readonly Thread Thread;

        /// <summary>Starts it and returns once it has announced itself (Writing).</summary>
        public Writer(QuiesceLock q)
        {
            Thread = Run(() =>
            {
                q.Enter(RwLockType.Writer);
                In.Set();
                Leave.Wait(Hang);
                q.Exit(RwLockType.Writer);
            });
            Assert.True(SpinWait.SpinUntil(() => q.Writing, Hang));
        }

        public void Finish()
        {
            Leave.Set();
            Assert.True(Thread.Join(Hang));
        }
    }

    [Fact]
    public void A_writer_waits_for_the_reader_in_and_a_reader_waits_for_the_writer()
    {
        var q = NewLock();
        q.Enter(RwLockType.Reader);
        var w = new Writer(q);
        Assert.False(w.In.IsSet, "the writer got in past a reader");
        q.Exit(RwLockType.Reader);
        Assert.True(w.In.Wait(Hang), "the writer never got in after the reader left");

        var gotIn = new ManualResetEventSlim();
        var reader = Run(() =>
        {
            q.Enter(RwLockType.Reader);
            gotIn.Set();
            q.Exit(RwLockType.Reader);
        });
        Assert.False(gotIn.IsSet, "a reader got in while the writer was in");
        w.Finish();
        Assert.True(reader.Join(Hang), "the reader never got in after the writer left");
        Assert.True(gotIn.IsSet);
        Assert.False(q.Writing);
    }

    /// <summary>Every update enters by EnterShared and leaves by the Hold it was given (MfsVfs.EnterOp), not by Exit.</summary>
    [Fact]
    public void A_reader_that_leaves_by_its_hold_is_waited_for_and_then_lets_the_writer_in()
    {
        var q = NewLock();
        var hold = q.EnterShared();
        var w = new Writer(q);
        Assert.False(w.In.IsSet, "the writer got in past a reader that entered by EnterShared");
        hold.Exit();
        Assert.True(w.In.Wait(Hang), "the writer never got in after the reader left by its hold");
        w.Finish();
    }

    [Fact]
    public void A_thread_that_used_more_locks_than_it_remembers_is_still_seen_as_a_reader()
    {
        var locks = Enumerable.Range(0, 6).Select(_ => NewLock()).ToArray();
        var holding = new ManualResetEventSlim();
        var leave = new ManualResetEventSlim();
        var reader = Run(() =>
        {
            foreach (var l in locks) // the first lock's slot is given back when the fifth comes
            {
                l.Enter(RwLockType.Reader);
                l.Exit(RwLockType.Reader);
            }
            locks[0].Enter(RwLockType.Reader); // its slot taken again
            holding.Set();
            leave.Wait(Hang);
            locks[0].Exit(RwLockType.Reader);
        });
        Assert.True(holding.Wait(Hang));
        var w = new Writer(locks[0]);
        Assert.False(w.In.IsSet, "the writer got in past a reader whose slot was given back and taken again");
        leave.Set();
        Assert.True(reader.Join(Hang));
        Assert.True(w.In.Wait(Hang));
        w.Finish();
    }
}
