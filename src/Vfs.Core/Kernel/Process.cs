// Vfs.Core: a process -- credentials, current directory, umask and descriptor table -- and the
// home of the system calls (Sys*.cs), which are methods of the process making them.
//
// System calls are mostly argument checking, since we don't trust the caller: they validate
// flags, descriptors and paths, look names up (Lookup.cs), and turn each request into VOP_* calls.
// Every one returns an Errno and never throws for a bad argument; a failed call changes nothing.
// The next layer down is Lookup.cs and Vop.cs; the layer up is Facade/ (Stream and System.IO-like
// helpers) or any embedding code.
namespace UnixVfs.Core;

/// <summary>A process of a <see cref="Kernel"/>: the caller of system calls.</summary>
public sealed partial class Process
{
    /// <summary>RLIMIT_NOFILE: the most descriptors a process may have open.</summary>
    public const int MaxFiles = 1024;

    private readonly object _fdLock = new();
    private OpenFile?[] _ofiles = new OpenFile?[16];
    private readonly object _cwdLock = new();
    private Vnode _cwd;
    private MountTrail? _cwdTrail;
    private bool _exited;

    [ThreadStatic] private static Uio? t_uio;

    internal Process(Kernel kernel, int pid, Cred cred)
    {
        Kernel = kernel;
        Pid = pid;
        Cred = cred;
        _cwd = kernel.RootDir;
        _cwd.Hold();
    }

    /// <summary>The host this process runs on.</summary>
    public Kernel Kernel { get; }

    /// <summary>The process id.</summary>
    public int Pid { get; }

    /// <summary>The credentials every call is made with (<c>p_cred</c>); settable, as setuid(2) would.</summary>
    public Cred Cred { get; set; }

    /// <summary>The file mode creation mask (<c>u_cmask</c>).</summary>
    public uint Umask { get; set; } = 0x12; // 022

    /// <summary>The current directory as the path it was entered by, for display (getcwd(2) walks the tree instead).</summary>
    public string CwdPath { get; private set; } = "/";

    /// <summary>The open descriptors, lowest first.</summary>
    public IReadOnlyList<int> OpenDescriptors
    {
        get
        {
            lock (_fdLock)
                return Enumerable.Range(0, _ofiles.Length).Where(i => _ofiles[i] is not null).ToArray();
        }
    }

    /// <summary>exit(2): closes every descriptor and lets go of the current directory.</summary>
    public void Exit()
    {
        lock (_fdLock)
        {
            if (_exited)
                return;
            _exited = true;
        }
        foreach (var fd in OpenDescriptors)
            Close(fd);
        lock (_cwdLock)
            _cwd.Rele();
        Kernel.ProcessExited(this);
    }

    /// <summary>getf: the open file of <paramref name="fd"/>. Returns OK or EBADF.</summary>
    public Errno Getf(int fd, out OpenFile? fp)
    {
        lock (_fdLock)
        {
            fp = (uint)fd < (uint)_ofiles.Length ? _ofiles[fd] : null;
            return fp is null ? Errno.EBADF : Errno.OK;
        }
    }

    /// <summary>ufalloc: the lowest free descriptor, bound to <paramref name="fp"/>. Returns OK or EMFILE.</summary>
    private Errno Fdalloc(OpenFile fp, out int fd)
    {
        lock (_fdLock)
        {
            fd = -1;
            if (_exited)
                return Errno.EBADF;
            for (int i = 0; i < _ofiles.Length; i++)
                if (_ofiles[i] is null)
                {
                    _ofiles[i] = fp;
                    fd = i;
                    return Errno.OK;
                }
            if (_ofiles.Length >= MaxFiles)
                return Errno.EMFILE;
            fd = _ofiles.Length;
            Array.Resize(ref _ofiles, Math.Min(MaxFiles, _ofiles.Length * 2));
            _ofiles[fd] = fp;
            return Errno.OK;
        }
    }

    /// <summary>True when another descriptor can be allocated.</summary>
    private bool FdAvailable()
    {
        lock (_fdLock)
            return !_exited && (_ofiles.Length < MaxFiles || Array.IndexOf(_ofiles, null) >= 0);
    }

    /// <summary>The per-thread Uio the read/write path reuses, so a read or write allocates nothing.</summary>
    private static Uio ThreadUio(Memory<byte> buf, long offset, UioRw rw)
    {
        var u = t_uio;
        if (u is null)
            return t_uio = new Uio(buf, offset, rw);
        u.Reset(buf, offset, rw);
        return u;
    }

    private void SetCwd(Vnode vp, MountTrail? trail, string path)
    {
        Vnode old;
        lock (_cwdLock)
        {
            old = _cwd;
            _cwd = vp;
            _cwdTrail = trail;
            CwdPath = path;
        }
        old.Rele();
    }

    /// <summary>The current directory vnode (not held; for layers that need "the caller's cwd", such as VOP_RMDIR's cdir).</summary>
    internal Vnode Cwd
    {
        get { lock (_cwdLock) return _cwd; }
    }

    public override string ToString() => $"pid {Pid} on {Kernel.Hostname} ({Cred})";
}
