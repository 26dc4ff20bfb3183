// Vfs.Mirror: the threads that carry an update to the other copies while the calling thread does the first.
//
// A write goes to all copies at once (patent B.4c, and fast: a mirrored write should cost about one copy's
// time, not the sum). The extra copies are written by a few dedicated threads per mirror rather than by the
// .NET thread pool: an NFS server runs each request on a pool thread, and a request that waited for pool work
// to be scheduled could wait for a thread the pool has not made yet -- with every pool thread doing the same.
// These workers never wait for each other, so they cannot starve. On a simulated host (Kernel.Simulated) there
// are none: every copy is written on the calling thread, one after the other, so a run's events keep one order.
//
// The workers wait without spinning: a copy comes to them once per mirrored write or fsync, whose gaps no spin
// can bridge, and on a busy host its spins would take the CPU the copies need. They sleep on a WakeWord, not a
// monitor: a hand-over is then one wake-up, where Monitor.Pulse took up to four (WakeWord.cs says why, and what one
// costs on a virtual machine). The caller, once done with its own copy, spins a little (DoneSpins) before it sleeps
// for the copies a worker is writing: that worker has started, so it is usually a fraction of a copy behind, and a
// sleeping caller would add its own wake-up to the write. Measured on the FUSE bridge's 1 MiB write (docs/benchmarks.md,
// "Stop 28: the mirror's hand-over"): mfs/ufs 0.81 and 0.83 with the spin against 0.73 and 0.79 without, in the same runs.
//
// THE CALLER TAKES BACK WHAT NO WORKER HAS STARTED. When the caller is done with the first copy, it runs
// itself each copy no worker has taken yet (CopyWork.Claim: whoever claims a work first runs it, the other passes
// it by), and waits only for the copies a worker is already writing. Waiting for a worker that has not been
// given a CPU yet (the host's other cores busy: fio, the kernel's writeback, the JIT, other processes) would
// cost its wake-up and then the whole copy besides; so a mirrored write never takes longer than its copies
// one after the other, and takes about one copy's time when a core is free.
//
// LOCK ORDER: _lock is a leaf, held only inside this file and never across a copy's work or a sleep.
using System.Runtime.ExceptionServices;

namespace UnixVfs.Mirror;

internal sealed class CopyWorkers : IDisposable
{
    private readonly object _lock = new();
    private readonly Queue<CopyWork> _queue = new(); // under _lock
    private bool _closing;                           // set under _lock by Dispose: workers end once _queue is empty
    private readonly WakeWord _wake = new();         // the workers sleep on it; set after works are queued, and by Dispose
    private readonly bool _inline;
    private readonly List<Thread> _threads = new();

    /// <param name="threads">How many workers; 0 runs every copy's work on the calling thread.</param>
    /// <param name="name">The name the workers are given (for a debugger or a stack dump).</param>
    public CopyWorkers(int threads, string name)
    {
        _inline = threads == 0;
        for (int i = 0; i < threads; i++)
        {
            var t = new Thread(Work) { IsBackground = true, Name = $"{name} copy worker {i}" };
            _threads.Add(t);
            t.Start();
        }
    }

    /// <summary>True while any worker thread is alive (after Dispose returns: never).</summary>
    public bool Running => _threads.Any(t => t.IsAlive);

    private void Work()
    {
        while (true)
        {
            _wake.Arm();   // before looking: a work queued after the look sets the word, and Sleep returns
            CopyWork? work = null;
            lock (_lock)
            {
                if (_queue.Count > 0)
                    work = _queue.Dequeue();
                else if (_closing)
                    return;
            }
            if (work is null)
                _wake.Sleep();
            else if (work.Claim())
                work.Run();
        }
    }

    /// <summary>
    /// One copy's work of a RunAll, run once: by the worker that dequeues it or by the caller taking it back, whichever
    /// claims it first. It runs in the caller's execution context, records a failure for the caller to rethrow, and
    /// counts itself done in the batch.
    /// </summary>
    private sealed class CopyWork(Action body, ExecutionContext? context, Batch batch, Action<Exception> failed)
    {
        private int _claimed;   // 0, then 1 for good (Interlocked)

        public bool Claim() => Interlocked.Exchange(ref _claimed, 1) == 0;

        public void Run()
        {
            try
            {
                if (context is null)
                    body();
                else
                    ExecutionContext.Run(context, static w => ((Action)w!)(), body);
            }
            catch (Exception e) { failed(e); }
            finally { batch.Done(); }
        }
    }

    /// <summary>The works of one RunAll still running; the caller sleeps on its own thread's word until none is left.</summary>
    private sealed class Batch(int works, WakeWord caller)
    {
        private int _left = works;   // Interlocked

        public void Done()
        {
            if (Interlocked.Decrement(ref _left) == 0)
                caller.Set();
        }

        /// <remarks>
        /// The word is the calling thread's, shared by its RunAlls one after the other (and nested, for a mirror over a
        /// mirror): a Set meant for another of them at most wakes this one early, so the count, not the word, decides.
        /// </remarks>
        public void Wait()
        {
            for (int spin = 0; spin < DoneSpins && Volatile.Read(ref _left) > 0; spin++)
                Thread.SpinWait(100);
            while (Volatile.Read(ref _left) > 0)
            {
                caller.Arm();
                if (Volatile.Read(ref _left) == 0)
                    return;
                caller.Sleep();
            }
        }
    }

    [ThreadStatic] private static WakeWord? t_done;

    /// <summary>
    /// How long a caller spins for copies a worker is writing before it sleeps: 50 SpinWait(100)s, 130-180 us on this
    /// project's machine (the file comment; docs/benchmarks.md, "Stop 28: the mirror's hand-over").
    /// </summary>
    private const int DoneSpins = 50;

    /// <summary>
    /// Runs <paramref name="first"/> here and each of <paramref name="others"/> on a worker, or here after
    /// <paramref name="first"/> when no worker has started it yet (the file comment); returns when all are done.
    /// </summary>
    public void RunAll(Action first, IReadOnlyList<Action> others)
    {
        if (others.Count == 0 || _inline)
        {
            RunHere(first, others);
            return;
        }
        var done = new Batch(others.Count, t_done ??= new WakeWord());
        ExceptionDispatchInfo? failure = null;
        // The caller's execution context goes along, so that what it carries (a tracer's nesting depth) holds on the worker too.
        var context = ExecutionContext.Capture();
        var works = new CopyWork[others.Count];
        for (int i = 0; i < works.Length; i++)
            works[i] = new CopyWork(others[i], context, done, e => failure = ExceptionDispatchInfo.Capture(e));
        bool queued;
        lock (_lock)
        {
            queued = !_closing;   // after Dispose no worker would take them
            if (queued)
                foreach (var work in works)
                    _queue.Enqueue(work);
        }
        if (!queued)
        {
            RunHere(first, others);
            return;
        }
        _wake.Set(works.Length);
        first();
        foreach (var work in works)
            if (work.Claim())
                work.Run();
        done.Wait();
        failure?.Throw();
    }

    private static void RunHere(Action first, IReadOnlyList<Action> others)
    {
        first();
        foreach (var work in others)
            work();
    }

    /// <summary>Lets the workers finish what is queued and waits for every one of them to end.</summary>
    public void Dispose()
    {
        lock (_lock)
            _closing = true;
        _wake.Set(_threads.Count, force: true);
        foreach (var t in _threads)
            if (t != Thread.CurrentThread)
                t.Join();
    }
}
