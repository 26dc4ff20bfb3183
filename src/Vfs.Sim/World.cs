// Vfs.Sim: a world -- the hosts, disks, NFS links and mirrors of one simulated configuration, built from a seed.
//
// A world is written as a short text (a file for `vfs sim --world FILE`, or one of the built-in figures), one
// directive per line, '#' starting a comment:
//
//   host NAME                          a host: a Kernel on the world's virtual clock, seeded from the world's seed
//   disk HOST PATH ufs|tmpfs [MB]      newfs (a copy-on-write memory device behind a FaultyBlockDevice; DiskImages) and mount, or a tmpfs
//   export HOST PATH                   share PATH of HOST over NFSv3 (one NFS server per host, on the simulated network)
//   import HOST SERVER:PATH AT [OPTS]  mount -F nfs SERVER:PATH AT on HOST
//   mirror HOST SPEC AT [OPTS]         mount -F mfs SPEC AT on HOST (SPEC: the other copies' directories, comma-separated)
//   procs HOST N [guests G]            the history's N processes run on HOST, under /m (the model's root); the last G
//                                      of them are not root (OpGen.CredOf) and make attribute calls only
//   link A B MIN-US MAX-US LOSS        the profile of the network link between A and B
//   subject HOST PATH                  the mirror whose copies the invariants compare with the model (by default the
//                                      mirror on /m of the process host, if /m is one)
//   history keep-open-files-linked     histories never remove the last name of a file (or a directory) a process has open
//                                      (for file systems without silly rename: the NFS client)
//
// Every host's Kernel is Simulated (the mirror writes its copies on the calling thread, NFS calls are serial) and runs
// on one Driven VirtualClock with auto-advance, so RPC timeouts and latencies pass in virtual time and the world's
// threads run one at a time, in the order of the clock's timers (VirtualClock.cs); every random choice (the
// network's fates, each kernel's Random) comes from the world's seed, a disk's newfs id from its name. Everything
// the world does is written to its Trace: every VOP through every host's tracer, every disk read/write/flush after
// newfs (whose image the disk shares, below the trace: DiskImages), every RPC record's fate, every fault.
using System.Globalization;
using UnixVfs.Mirror;
using UnixVfs.Nfs.Client;
using UnixVfs.Nfs.Net;
using UnixVfs.Nfs.Server;
using UnixVfs.Ufs;

namespace UnixVfs.Sim;

/// <summary>One host of a world.</summary>
public sealed class SimHostNode
{
    internal SimHostNode(string name, Kernel kernel, SkewedClock clock, SimHost net)
    {
        Name = name;
        Kernel = kernel;
        Clock = clock;
        Net = net;
        Admin = kernel.CreateProcess();
    }

    public string Name { get; }
    public Kernel Kernel { get; }

    /// <summary>The host's view of the world's clock (a skew may be set on it).</summary>
    public SkewedClock Clock { get; }

    /// <summary>The host's attachment to the world's network.</summary>
    public SimHost Net { get; }

    /// <summary>A root process for setting up and administering the host.</summary>
    public Process Admin { get; }

    /// <summary>The host's NFS server, once something is exported.</summary>
    public NfsServer? Nfsd { get; internal set; }

    public override string ToString() => Name;
}

/// <summary>A disk of a world: a UFS on a faulty memory device (or a tmpfs, Device null).</summary>
public sealed record SimDisk(SimHostNode Host, string Path, string Fstype, FaultyBlockDevice? Device, TracedBlockDevice? Traced);

/// <summary>A mirror of a world.</summary>
public sealed record SimMirror(SimHostNode Host, string At, MfsVfs Mfs);

/// <summary>A simulated configuration: hosts, disks, NFS links, mirrors, and the processes a history runs in.</summary>
public sealed class World : IDisposable
{
    /// <summary>Where the processes see the file system under test, and the model's root.</summary>
    public const string Top = Model.FsModel.Mnt;

    private readonly List<SimHostNode> _hosts = new();
    private readonly List<SimDisk> _disks = new();
    private readonly List<SimMirror> _mirrors = new();
    private readonly Dictionary<int, Process> _procs = new();
    private readonly List<string[]> _directives = new();

    private World(int seed, string text)
    {
        Seed = seed;
        Text = text;
        Clock = new VirtualClock { Driven = true, AutoAdvance = true };
        Trace = new SimTrace(Clock);
        Network = new SimNetwork(seed, Clock);
        Network.RecordSent += e => Trace.Add("rpc", $"{e.From}->{e.To} #{e.Seq} {e.Length}B {e.Fate} {e.Latency.Ticks}");
    }

    public int Seed { get; }

    /// <summary>The text the world was built from.</summary>
    public string Text { get; }

    public VirtualClock Clock { get; }
    public SimNetwork Network { get; }
    public SimTrace Trace { get; }
    public IReadOnlyList<SimHostNode> Hosts => _hosts;
    public IReadOnlyList<SimDisk> Disks => _disks;
    public IReadOnlyList<SimMirror> Mirrors => _mirrors;

    /// <summary>The host the history's processes run on.</summary>
    public SimHostNode ProcessHost { get; private set; } = null!;

    /// <summary>The history's processes by pid (1..N).</summary>
    public IReadOnlyDictionary<int, Process> Processes => _procs;

    /// <summary>The mirror whose copies are compared with the model: the subject line's, or the one on /m of the process host.</summary>
    public SimMirror? Mirror => _subject is { } s
        ? _mirrors.FirstOrDefault(m => m.Host.Name == s.Host && m.At == s.Path)
        : _mirrors.FirstOrDefault(m => m.Host == ProcessHost && m.At == Top);

    /// <summary>How many of the processes (the last ones) are not root: OpGen.Generate's guests.</summary>
    public int Guests { get; private set; }

    private int _procCount;

    /// <summary>The history rule of the world: never remove the last name of an open file.</summary>
    public bool KeepOpenFilesLinked { get; private set; }

    private (string Host, string Path)? _subject;

    /// <summary>Builds the world <paramref name="text"/> describes. Returns OK, or EINVAL with <paramref name="error"/> (the line and why).</summary>
    public static Errno Build(string text, int seed, out World? world, out string error)
    {
        var w = new World(seed, text);
        world = null;
        int lineNo = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNo++;
            var line = raw.Split('#')[0].Trim();
            if (line.Length == 0)
                continue;
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            w._directives.Add(words);
            var err = w.Directive(words, out error);
            if (err != Errno.OK)
            {
                error = $"line {lineNo} ({line}): {error}";
                w.Dispose();
                return err;
            }
        }
        if (w._subject is not null && w.Mirror is null)
        {
            error = $"subject {w._subject}: no mirror there";
            w.Dispose();
            return Errno.EINVAL;
        }
        if (w._procs.Count == 0)
        {
            error = "no 'procs HOST N' line: the history has nowhere to run";
            w.Dispose();
            return Errno.EINVAL;
        }
        w.Trace.Add("world", $"built from seed {seed}: {w._hosts.Count} hosts, {w._disks.Count} disks, {w._mirrors.Count} mirrors");
        world = w;
        error = "";
        return Errno.OK;
    }

    private Errno Directive(string[] a, out string error)
    {
        error = "";
        switch (a[0])
        {
            case "host" when a.Length == 2:
                return AddHost(a[1], out error);
            case "disk" when a.Length is 4 or 5:
                return AddDisk(a, out error);
            case "export" when a.Length == 3:
                return Export(a[1], a[2], out error);
            case "import" when a.Length is 4 or 5:
                return Import(a, out error);
            case "mirror" when a.Length is 4 or 5:
                return AddMirror(a, out error);
            case "procs" when a.Length == 3 || (a.Length == 5 && a[3] == "guests"):
                return AddProcs(a[1], a[2], a.Length == 5 ? a[4] : "0", out error);
            case "link" when a.Length == 6:
                return Link(a, out error);
            case "subject" when a.Length == 3:
                _subject = (a[1], a[2]);
                return Errno.OK;
            case "history" when a.Length == 2 && a[1] == "keep-open-files-linked":
                KeepOpenFilesLinked = true;
                return Errno.OK;
            default:
                error = "unknown directive, or wrong number of words";
                return Errno.EINVAL;
        }
    }

    private Errno Host(string name, out SimHostNode? h, out string error)
    {
        h = _hosts.FirstOrDefault(x => x.Name == name);
        error = h is null ? $"no host '{name}'" : "";
        return h is null ? Errno.EINVAL : Errno.OK;
    }

    private Errno AddHost(string name, out string error)
    {
        error = "";
        if (_hosts.Any(h => h.Name == name))
        {
            error = $"host '{name}' exists";
            return Errno.EINVAL;
        }
        var clock = new SkewedClock(Clock);
        var k = new Kernel(name, clock, seed: StableHash($"{Seed} {_hosts.Count} {name}")) { Simulated = true };
        k.Vfssw.Install(UfsVfsops.Def);
        k.Vfssw.Install(MirrorVfsops.Def);
        var net = Network.AddHost(name);
        var err = NfsClient.Install(k, net);
        if (err != Errno.OK)
            return err;
        k.Trace(new VopTracer(capacity: 1, live: ev => TraceVop(name, ev)) { Recording = () => !Trace.Paused, Timed = false });
        _hosts.Add(new SimHostNode(name, k, clock, net));
        return Errno.OK;
    }

    /// <summary>Writes a host's VOP to the trace (the tracer makes no event while the trace is paused: while an invariant looks).</summary>
    private void TraceVop(string host, VopTraceEvent ev) => Trace.AddVop(host, ev);

    private Errno AddDisk(string[] a, out string error)
    {
        var err = Host(a[1], out var h, out error);
        if (err != Errno.OK)
            return err;
        string path = a[2], fstype = a[3];
        int mb = 16;
        if (a.Length == 5 && (!int.TryParse(a[4], NumberStyles.None, CultureInfo.InvariantCulture, out mb) || mb is < 4 or > 1024))
        {
            error = "size: a number of MB from 4 to 1024";
            return Errno.EINVAL;
        }
        err = MkdirP(h!.Admin, path);
        if (err is not (Errno.OK or Errno.EEXIST))
            return Fail(err, "mkdir " + path, out error);
        if (fstype == "tmpfs")
        {
            err = h.Admin.Mount("swap", path, "tmpfs");
            if (err != Errno.OK)
                return Fail(err, "mount tmpfs", out error);
            _disks.Add(new SimDisk(h, path, fstype, null, null));
            return Errno.OK;
        }
        if (fstype != "ufs")
        {
            error = $"fstype '{fstype}': expected ufs or tmpfs";
            return Errno.EINVAL;
        }
        string name = $"{h.Name}:{path}";
        err = DiskImages.Newfs((long)mb << 20, StableHash(name), h.Kernel.Now(), out var memory, out var why);
        if (err != Errno.OK)
            return Fail(err, "newfs: " + why, out error);
        var traced = new TracedBlockDevice(memory!, name, Trace);
        var dev = new FaultyBlockDevice(traced);
        err = h.Admin.Mount(name, path, "ufs", MountFlags.None, "", dev);
        if (err != Errno.OK)
            return Fail(err, "mount ufs", out error);
        _disks.Add(new SimDisk(h, path, fstype, dev, traced));
        return Errno.OK;
    }

    /// <summary>
    /// A host's kernel reboots after its power went out (PowerFaults.cs): it leaves the network (every connection of its
    /// NFS server and clients dropped, nothing more sent or answered), every disk of the host not yet crashed loses its
    /// unflushed writes (<paramref name="mode"/>), the history's processes on it die, every mount is dropped (umount -f:
    /// with the disks and the network gone, nothing it would write reaches a disk -- a mirror's records on a copy over
    /// NFS stay as the crash left them), the host comes back on the network, and its world lines run again --
    /// each UFS disk fsck -y'd, then fsck -n'd (whatever the second finds is added to FsckProblems) and mounted; a tmpfs
    /// comes back empty; each import mounted again (its NFS client died with the host); each mirror is mounted again;
    /// each export shared again by a new server, with the same handle key and a new write verifier, on the same ports,
    /// so that its clients' handles and mounts go on working. Returns OK, or EINVAL with <paramref name="error"/>.
    /// </summary>
    internal Errno Reboot(SimHostNode h, CrashMode mode, Random rng, out string error)
    {
        error = "";
        if (h.Nfsd is { } nfsd)
        {
            nfsd.Crash();
            foreach (var path in nfsd.Exports.Select(e => e.Options.Path).ToList())
                nfsd.Unshare(path); // each share holds its root
            h.Nfsd = null;
        }
        h.Net.Crash();
        foreach (var d in _disks.Where(d => d.Host == h))
            d.Device?.Crash(mode, rng);
        if (h == ProcessHost)
            foreach (var p in _procs.Values)
                p.Exit();
        h.Kernel.UnmountAll(UnmountFlags.MS_FORCE);
        h.Net.Restart();
        _mirrors.RemoveAll(m => m.Host == h);
        foreach (var words in _directives.Where(d => d.Length > 1 && d[1] == h.Name))
        {
            var err = words[0] switch
            {
                "disk" => Remount(h, words[2], _fsckProblems, out error),
                "mirror" => AddMirror(words, out error),
                "export" => Export(h.Name, words[2], out error),
                "import" => Import(words, out error),
                _ => Errno.OK,
            };
            if (err != Errno.OK)
            {
                error = $"restart {h.Name}: {string.Join(' ', words)}: {error}";
                return err;
            }
        }
        if (h == ProcessHost)
            StartProcesses();
        Trace.Add("restart", $"{h.Name} up: {_fsckProblems.Count} problems after fsck -y so far");
        Restarted?.Invoke(h);
        return Errno.OK;
    }

    /// <summary>A disk after a reboot: a UFS fsck -y'd, checked again with fsck -n, and mounted; a tmpfs mounted empty.</summary>
    private Errno Remount(SimHostNode h, string path, List<string> problems, out string error)
    {
        error = "";
        int i = _disks.FindIndex(d => d.Host == h && d.Path == path);
        var old = _disks[i];
        if (old.Traced is null)
            return h.Admin.Mount("swap", path, "tmpfs") is var terr && terr == Errno.OK ? Errno.OK : Fail(terr, "mount tmpfs", out error);
        string name = $"{h.Name}:{path}";
        var dev = new FaultyBlockDevice(old.Traced);
        var err = Ufs.Fsck.Run(dev, repair: true, out var fixedReport, h.Clock);
        if (err != Errno.OK)
            return Fail(err, $"fsck -y {name}: {fixedReport.Summary}", out error);
        Trace.Add("fsck", $"{name} -y: {fixedReport.Problems.Count} problems, {fixedReport.Unfixed} unfixed");
        err = Ufs.Fsck.Run(dev, repair: false, out var check, h.Clock);
        if (err != Errno.OK || !check.Clean)
            problems.Add($"fsck -n {name} after fsck -y: {(err != Errno.OK ? err.ToString() : string.Join("; ", check.Problems.Take(5)))}");
        err = h.Admin.Mount(name, path, "ufs", MountFlags.None, "", dev);
        if (err != Errno.OK)
            return Fail(err, "mount ufs", out error);
        _disks[i] = old with { Device = dev };
        return Errno.OK;
    }

    /// <summary>What fsck -n found after a reboot's fsck -y, on any disk, so far (Invariants.PowerCutKeepsSynced reports them).</summary>
    public IReadOnlyList<string> FsckProblems => _fsckProblems;

    private readonly List<string> _fsckProblems = new();

    /// <summary>Raised when a host has rebooted (Reboot), its file systems mounted again.</summary>
    public event Action<SimHostNode>? Restarted;

    private Errno Export(string host, string path, out string error)
    {
        var err = Host(host, out var h, out error);
        if (err != Errno.OK)
            return err;
        if (h!.Nfsd is null)
        {
            // The handle key comes from the seed and the host's name, not from the system's random source: handles
            // (and so the trace) are the same on every run, and the same after a reboot, as with `vfs serve`'s key file.
            var key = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{Seed} nfsd {h.Name}"));
            h.Nfsd = new NfsServer(h.Kernel, h.Net, new NfsServerOptions { Address = h.Name, PortmapPort = -1, MountPort = 635, HandleKey = key });
            err = h.Nfsd.Start();
            if (err != Errno.OK)
                return Fail(err, "start the NFS server", out error);
        }
        err = h.Nfsd.Share(new ExportOptions { Path = path, RootSquash = false });
        return err == Errno.OK ? Errno.OK : Fail(err, "share " + path, out error);
    }

    private Errno Import(string[] a, out string error)
    {
        var err = Host(a[1], out var h, out error);
        if (err != Errno.OK)
            return err;
        err = MkdirP(h!.Admin, a[3]);
        if (err is not (Errno.OK or Errno.EEXIST))
            return Fail(err, "mkdir " + a[3], out error);
        string options = "port=2049,mountport=635," + (a.Length == 5 ? a[4] : "hard");
        err = h.Admin.Mount(a[2], a[3], "nfs", MountFlags.None, options);
        return err == Errno.OK ? Errno.OK : Fail(err, $"mount -F nfs {a[2]} {a[3]}", out error);
    }

    private Errno AddMirror(string[] a, out string error)
    {
        var err = Host(a[1], out var h, out error);
        if (err != Errno.OK)
            return err;
        // The model cannot judge these: with errors=return a call that every available copy took may still fail (with
        // the errno of the copy that could not take it), and on a read-only mirror every update fails.
        if (a.Length == 5 && a[4].Split(',').FirstOrDefault(o => o is "errors=return" or "ro") is { } unjudged)
        {
            error = $"{unjudged}: a mirror whose calls the model cannot judge (the simulator checks errors=continue, rw mirrors)";
            return Errno.EINVAL;
        }
        err = MkdirP(h!.Admin, a[3]);
        if (err is not (Errno.OK or Errno.EEXIST))
            return Fail(err, "mkdir " + a[3], out error);
        var data = new MfsMountData();
        err = h.Admin.Mount(a[2], a[3], "mfs", MountFlags.None, a.Length == 5 ? a[4] : "", data);
        if (err != Errno.OK)
            return Fail(err, $"mount -F mfs {a[2]} {a[3]}: {data.Error}", out error);
        var mfs = (MfsVfs)h.Kernel.Mounts.Last(v => v.FstypeName == "mfs").Data!;
        _mirrors.Add(new SimMirror(h, a[3], mfs));
        return Errno.OK;
    }

    private Errno AddProcs(string host, string count, string guests, out string error)
    {
        var err = Host(host, out var h, out error);
        if (err != Errno.OK)
            return err;
        if (!int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n is < 1 or > 16)
        {
            error = "procs: a number from 1 to 16";
            return Errno.EINVAL;
        }
        if (!int.TryParse(guests, NumberStyles.None, CultureInfo.InvariantCulture, out int g) || g >= n)
        {
            error = "guests: fewer than the processes";
            return Errno.EINVAL;
        }
        Guests = g;
        err = h!.Admin.Stat(Top, out var st);
        if (err != Errno.OK || st!.Type != VType.VDIR)
            return Fail(err == Errno.OK ? Errno.ENOTDIR : err, $"{h.Name}:{Top} must be a directory", out error);
        ProcessHost = h;
        _procCount = n;
        StartProcesses();
        return Errno.OK;
    }

    /// <summary>The history's processes, 1..N, on the process host, with their credentials.</summary>
    private void StartProcesses()
    {
        int n = _procCount;
        _procs.Clear();
        for (int pid = 1; pid <= n; pid++)
        {
            var p = ProcessHost.Kernel.CreateProcess(History.OpGen.CredOf(pid, n, Guests));
            p.Umask = 0;
            _procs[pid] = p;
        }
    }

    /// <summary>A model for this world's processes: each with the credentials its real process has.</summary>
    public Model.FsModel NewModel()
    {
        var m = new Model.FsModel();
        for (int pid = _procs.Count; pid >= 1; pid--)
            m.SetCred(pid, _procs[pid].Cred);
        return m;
    }

    private Errno Link(string[] a, out string error)
    {
        error = "";
        if (!int.TryParse(a[3], out int min) || !int.TryParse(a[4], out int max) || min < 0 || max < min
            || !double.TryParse(a[5], NumberStyles.Float, CultureInfo.InvariantCulture, out double loss) || loss is < 0 or >= 1)
        {
            error = "link A B MIN-US MAX-US LOSS (0 <= LOSS < 1)";
            return Errno.EINVAL;
        }
        Network.SetLink(a[1], a[2], new SimLinkProfile(TimeSpan.FromMicroseconds(min), TimeSpan.FromMicroseconds(max), loss));
        return Errno.OK;
    }

    /// <summary>mkdir -p: every missing directory of <paramref name="path"/>; EEXIST when the last one was there.</summary>
    private static Errno MkdirP(Process p, string path)
    {
        var err = Errno.EEXIST;
        int i = 0;
        while ((i = path.IndexOf('/', i + 1)) > 0 || i == -1)
        {
            string prefix = i < 0 ? path : path[..i];
            err = p.Mkdir(prefix, 0x1ED);
            if (err is not (Errno.OK or Errno.EEXIST))
                return err;
            if (i < 0)
                break;
        }
        return err;
    }

    private static Errno Fail(Errno err, string what, out string error)
    {
        error = $"{what}: {err}";
        return err == Errno.OK ? Errno.EINVAL : err;
    }

    /// <summary>The host named <paramref name="name"/>, or null.</summary>
    public SimHostNode? HostNamed(string name) => _hosts.FirstOrDefault(h => h.Name == name);

    /// <summary>FNV-1a: a seed from a name, the same on every run and machine.</summary>
    internal static int StableHash(string s)
    {
        uint h = 2166136261;
        foreach (char ch in s)
            h = (h ^ ch) * 16777619;
        return (int)h;
    }

    /// <summary>Stops every host's NFS server and the clock's timekeeper.</summary>
    public void Dispose()
    {
        foreach (var p in _procs.Values)
            p.Exit();
        _procs.Clear();
        foreach (var h in _hosts)
            h.Nfsd?.Stop();
        Clock.AutoAdvance = false;
    }
}
