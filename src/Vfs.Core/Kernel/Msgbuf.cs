// Vfs.Core: the kernel message buffer (cmn_err and dmesg): where a file system explains a refusal.
//
// An operation returns only an Errno; when a file system has more to say -- why an image would not
// mount, which directory block is mangled -- it logs one line here, as a kernel would on its console.
// The buffer keeps the newest MsgbufLines lines; the shell's `dmesg` and tests read them back.
namespace UnixVfs.Core;

public sealed partial class Kernel
{
    /// <summary>The most lines the message buffer keeps.</summary>
    public const int MsgbufLines = 1000;

    private readonly Queue<string> _msgbuf = new();

    /// <summary>cmn_err: appends one line to the message buffer (the oldest line goes when it is full).</summary>
    public void Log(string message)
    {
        lock (_msgbuf)
        {
            if (_msgbuf.Count == MsgbufLines)
                _msgbuf.Dequeue();
            _msgbuf.Enqueue(message);
        }
    }

    /// <summary>dmesg: the lines in the message buffer, oldest first.</summary>
    public IReadOnlyList<string> Messages
    {
        get { lock (_msgbuf) return _msgbuf.ToArray(); }
    }
}
