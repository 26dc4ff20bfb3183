// Vfs.Nfs / ONC RPC: a server's service threads -- the nfsd threads of a Unix server.
//
// Calls run here rather than on the .NET thread pool because a call may block for as long as a disk or
// another server takes, and a pool whose threads all block makes new ones only slowly. Threads are made
// as calls arrive, up to a limit, and end after a while without work, so an idle server holds none.
namespace UnixVfs.Nfs.Rpc;

internal sealed class ServiceThreads(int max, string name)
{
    private static readonly TimeSpan IdleLife = TimeSpan.FromSeconds(10);

    private readonly object _lock = new();
    private readonly Queue<Action> _queue = new();
    private int _threads, _idle;

    /// <summary>
    /// Runs <paramref name="call"/> on a service thread, now if one is free, else when one is. Returns false, queueing
    /// nothing, when there is no service thread and none can be made (the process is at a thread or memory limit):
    /// the caller then runs the call itself.
    /// </summary>
    public bool TryRun(Action call)
    {
        lock (_lock)
        {
            if (_idle == 0 && _threads < max)
            {
                try
                {
                    new Thread(Loop) { IsBackground = true, Name = $"{name} service" }.Start();
                    _threads++;
                }
                catch (OutOfMemoryException) when (_threads == 0)
                {
                    return false;
                }
                catch (OutOfMemoryException)
                {
                    // The threads there are will take it.
                }
            }
            _queue.Enqueue(call);
            if (_idle > 0)
                Monitor.Pulse(_lock);
            return true;
        }
    }

    private void Loop()
    {
        while (true)
        {
            Action call;
            lock (_lock)
            {
                while (_queue.Count == 0)
                {
                    _idle++;
                    bool woken = Monitor.Wait(_lock, IdleLife);
                    _idle--;
                    if (!woken && _queue.Count == 0)
                    {
                        _threads--;
                        return;
                    }
                }
                call = _queue.Dequeue();
            }
            call();
        }
    }
}
