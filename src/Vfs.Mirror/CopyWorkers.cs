// Vfs.Mirror: the threads that carry an update to the other copies while the calling thread does the first.
//
// A write goes to all copies at once (patent B.4c, and fast: a mirrored write should cost about one copy's
// time, not the sum). The extra copies are written by a few dedicated threads per mirror rather than by the
// .NET thread pool: an NFS server runs each request on a pool thread, and a request that waited for pool work
// to be scheduled could wait for a thread the pool has not made yet -- with every pool thread doing the same.
// These workers never wait for each other, so they cannot starve. On a simulated host (Kernel.Simulated) there
// are none: every copy is written on the calling thread, one after the other, so a run's events keep one order.
using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace UnixVfs.Mirror;

internal sealed class CopyWorkers : IDisposable
{
    private readonly BlockingCollection<Action> _queue = new();
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
        foreach (var work in _queue.GetConsumingEnumerable())
            work();
    }

    /// <summary>Runs <paramref name="first"/> here and each of <paramref name="others"/> on a worker; returns when all are done.</summary>
    public void RunAll(Action first, IReadOnlyList<Action> others)
    {
        if (others.Count == 0 || _inline)
        {
            first();
            foreach (var work in others)
                work();
            return;
        }
        using var done = new CountdownEvent(others.Count);
        ExceptionDispatchInfo? failure = null;
        // The caller's execution context goes along, so that what it carries (a tracer's nesting depth) holds on the worker too.
        var context = ExecutionContext.Capture();
        foreach (var work in others)
            _queue.Add(() =>
            {
                try
                {
                    if (context is null)
                        work();
                    else
                        ExecutionContext.Run(context, static w => ((Action)w!)(), work);
                }
                catch (Exception e) { failure = ExceptionDispatchInfo.Capture(e); }
                finally { done.Signal(); }
            });
        first();
        done.Wait();
        failure?.Throw();
    }

    /// <summary>Lets the workers finish what is queued and waits for every one of them to end.</summary>
    public void Dispose()
    {
        _queue.CompleteAdding();
        foreach (var t in _threads)
            if (t != Thread.CurrentThread)
                t.Join();
    }
}
