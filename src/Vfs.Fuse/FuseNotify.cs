// Vfs.Fuse: telling the host kernel to forget what it cached (FUSE_NOTIFY_INVAL_INODE, _INVAL_ENTRY).
//
// After LINK, RENAME, UNLINK, RMDIR and SETATTR the attributes (nlink, ctime, mode ...) the kernel holds
// for the files involved may be stale, and so may names it looked up; the bridge tells it to drop them.
//
// A notification must not be written by the thread that answers the request: fuse.ko takes the
// directory's lock to drop a name, and holds that lock until the request's reply arrives, so the
// write would wait for itself. Notifications are therefore queued after the reply is written and sent
// by one notifier thread, in order. One for a node the kernel has already forgotten fails with ENOENT,
// which is harmless and ignored.
using System.Collections.Concurrent;
using UnixVfs.Core;

namespace UnixVfs.Fuse;

/// <summary>One notification: drop node <c>NodeId</c>'s attributes (Name null), or the name <c>Name</c> in directory <c>NodeId</c>.</summary>
internal readonly record struct FuseNotification(ulong NodeId, string? Name);

internal sealed class FuseNotify(int fd)
{
    private readonly BlockingCollection<FuseNotification> _queue = new();
    private Thread? _thread;

    public void Start()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "fuse notify" };
        _thread.Start();
    }

    public void Post(FuseNotification n)
    {
        if (!_queue.IsAddingCompleted)
            _queue.Add(n);
    }

    /// <summary>Sends what is queued and ends the thread.</summary>
    public void Stop()
    {
        _queue.CompleteAdding();
        _thread?.Join();
    }

    private void Run()
    {
        var msg = new FuseReply(4096 + 64);
        foreach (var n in _queue.GetConsumingEnumerable())
        {
            msg.Clear();
            FuseNotifyCode code;
            if (n.Name is null)
            {
                // fuse_notify_inval_inode_out: off -1 drops the attributes only, not the page cache.
                code = FuseNotifyCode.INVAL_INODE;
                msg.U64(n.NodeId);
                msg.U64(unchecked((ulong)-1L));
                msg.U64(0);
            }
            else
            {
                code = FuseNotifyCode.INVAL_ENTRY;
                var name = FsName.Encode(n.Name)!;
                msg.U64(n.NodeId);
                msg.U32((uint)name.Length);
                msg.U32(0);
                msg.Bytes(name);
                msg.Bytes([0]);
            }
            if (Libc.Write(fd, msg.Finish((int)code, 0)) == -19)
                return; // ENODEV: the session is over
        }
    }
}
