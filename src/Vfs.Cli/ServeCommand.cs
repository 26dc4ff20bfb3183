// Vfs.Cli: `vfs serve` -- serves one file system over NFSv3 until interrupted.
//
//   vfs serve (--image FILE | --tmpfs | --mirror A.img,B.img[,C.img]) [--export /export] [--address 127.0.0.1]
//   vfs serve --world FILE --path PATH [...]      a path of a world file (ServeWorld.cs), exported by its name
//             [--nfs-port N] [--mount-port M] [--portmap-port P] [--key-file F] [--ro] [--no-root-squash]
//             [--clients rw=A:B,ro=C,root=D] [--max-buffer-mib 64] [--idle-timeout 360] [--max-connections 1024]
//             [--no-read-ahead]
//
// A Kernel is made for the server host, the file system is mounted on the export path (a UFS
// image, or an empty tmpfs) and shared, with root squashed unless --no-root-squash says otherwise
// (an image's root directory is usually root's, mode 0755). --clients gives the access lists of a
// dfstab share line: rw= and ro= name who may mount (everyone when neither is given) and ro= who may
// only read; root= whose root stays root. Each list is addresses and CIDR ranges joined by ':'.
// The URL printed is what a libnfs client mounts (it names both ports, so no portmapper is asked).
// File handles are signed with a key kept in a file (FILE.nfskey next to an image, or --key-file),
// so that clients' handles still work after the server is restarted on the same image. Whoever reads
// the key can forge a handle to any file, so the file is made 0600 and a key file that others may
// read or write is refused.
//
// Each option is one line in Build and one field of ServeArgs; Run reads the fields.
using System.CommandLine;
using System.Runtime.InteropServices;
using UnixVfs.Core;
using UnixVfs.Nfs.Net;
using UnixVfs.Nfs.Server;

namespace UnixVfs.Cli;

internal static class ServeCommand
{
    /// <summary>What `vfs serve` was asked to do.</summary>
    private sealed record ServeArgs
    {
        public FileInfo? Image { get; init; }
        public bool Tmpfs { get; init; }
        public string Export { get; init; } = "/export";
        public string Address { get; init; } = "127.0.0.1";
        public int NfsPort { get; init; }
        public int MountPort { get; init; }
        public int PortmapPort { get; init; }
        public FileInfo? KeyFile { get; init; }
        public bool ReadOnly { get; init; }
        public bool NoRootSquash { get; init; }
        public string? Clients { get; init; }
        public int MaxBufferMib { get; init; }
        public int IdleTimeoutSeconds { get; init; }
        public int MaxConnections { get; init; }
        public bool NoReadAhead { get; init; }
        /// <summary>--world FILE --path PATH or --mirror A.img,B.img: what is served instead of --image/--tmpfs.</summary>
        public WorldSource? Source { get; init; }
    }

    public static Command Build()
    {
        var image = new Option<FileInfo?>("--image") { Description = "A UFS2 image to serve" };
        var tmpfs = new Option<bool>("--tmpfs") { Description = "Serve an empty tmpfs" };
        var export = new Option<string>("--export") { Description = "The exported path", DefaultValueFactory = _ => "/export" };
        var address = new Option<string>("--address") { Description = "The address to listen on", DefaultValueFactory = _ => "127.0.0.1" };
        var nfsPort = new Option<int>("--nfs-port") { Description = "The NFS port (0: any free one)", DefaultValueFactory = _ => 2049 };
        var mountPort = new Option<int>("--mount-port") { Description = "The MOUNT port (0: any free one)", DefaultValueFactory = _ => 0 };
        var pmapPort = new Option<int>("--portmap-port") { Description = "The portmapper port (0: any free one, -1: none)", DefaultValueFactory = _ => 111 };
        var keyFile = new Option<FileInfo?>("--key-file") { Description = "Where the file handle key is kept (default: IMAGE.nfskey; none for --tmpfs)" };
        var ro = new Option<bool>("--ro") { Description = "Export read-only" };
        var noSquash = new Option<bool>("--no-root-squash") { Description = "Let a client's root act as root on the exported files" };
        var clients = new Option<string?>("--clients") { Description = "Access lists as in dfstab: rw=A:B,ro=C,root=D (addresses and CIDR ranges; default: everyone may write)" };
        var maxBuffer = new Option<int>("--max-buffer-mib") { Description = "The most MiB of buffers held for clients at once", DefaultValueFactory = _ => (int)(BufferBudget.DefaultLimit >> 20) };
        var idle = new Option<int>("--idle-timeout") { Description = "Seconds a connection may send no call before it is closed", DefaultValueFactory = _ => 360 };
        var maxConns = new Option<int>("--max-connections") { Description = "The most connections at once; more are closed at once", DefaultValueFactory = _ => 1024 };
        var noReadAhead = new Option<bool>("--no-read-ahead") { Description = "Do not read ahead for a client that reads a file in order" };
        var world = new Option<FileInfo?>("--world") { Description = "A world file (vfs shell lines that build hosts, disks, mirrors); serves its --path" };
        var path = new Option<string?>("--path") { Description = "With --world: the directory of the world to serve (exported by that name)" };
        var mirror = new Option<string?>("--mirror") { Description = "Serve a mirror of UFS images A.img,B.img[,C.img] as the export" };
        var cmd = new Command("serve", "Serve a file system over NFSv3 until interrupted")
        {
            image, tmpfs, export, address, nfsPort, mountPort, pmapPort, keyFile, ro, noSquash, clients, maxBuffer, idle, maxConns,
            noReadAhead, world, path, mirror,
        };
        cmd.SetAction(r => !ServeWorld.TryGet(r.GetValue(world), r.GetValue(path), r.GetValue(mirror),
                r.GetValue(image) is not null || r.GetValue(tmpfs), r.GetValue(export)!, out var source, out var why)
            ? Fail(why)
            : Run(new ServeArgs
        {
            Source = source,
            Image = r.GetValue(image), Tmpfs = r.GetValue(tmpfs), Export = r.GetValue(export)!, Address = r.GetValue(address)!,
            NfsPort = r.GetValue(nfsPort), MountPort = r.GetValue(mountPort), PortmapPort = r.GetValue(pmapPort),
            KeyFile = r.GetValue(keyFile), ReadOnly = r.GetValue(ro), NoRootSquash = r.GetValue(noSquash), Clients = r.GetValue(clients),
            MaxBufferMib = r.GetValue(maxBuffer), IdleTimeoutSeconds = r.GetValue(idle), MaxConnections = r.GetValue(maxConns),
            NoReadAhead = r.GetValue(noReadAhead),
        }));
        return cmd;
    }

    private static int Run(ServeArgs a)
    {
        if (a.Source is null && (a.Image is null) == !a.Tmpfs)
            return Fail("give exactly one of --image FILE, --tmpfs, --world FILE --path PATH and --mirror A.img,B.img[,C.img]");
        if (!a.Export.StartsWith('/') || a.Export == "/")
            return Fail($"--export must be an absolute path below /, not '{a.Export}'");
        if (!TcpNetwork.TryParseAddress(a.Address, out _))
            return Fail($"--address must be an IP address, not '{a.Address}'");
        if (a.MaxBufferMib < 1 || a.IdleTimeoutSeconds < 1 || a.MaxConnections < 1)
            return Fail("--max-buffer-mib, --idle-timeout and --max-connections must be at least 1");
        var share = new ExportOptions { Path = a.Export, ReadOnly = a.ReadOnly, RootSquash = !a.NoRootSquash };
        if (a.Clients is not null && !TryParseClients(a.Clients, share, out share, out var why))
            return Fail($"--clients: {why}");

        Shell.ShellWorld? world = null;
        if (a.Source is not null)
        {
            if (!ServeWorld.Build(a.Source, out world, out var exported, out var worldWhy))
                return Fail(worldWhy);
            a = a with { Export = exported };
            share = share with { Path = exported };
        }
        var kernel = world?.Current.Kernel ?? new Kernel("nfs-server");
        if (world is null)
            kernel.Vfssw.Install(UnixVfs.Ufs.UfsVfsops.Def);
        var p = kernel.CreateProcess();
        var err = MakeDirs(p, a.Export);
        if (err != Errno.OK)
            return Fail($"mkdir {a.Export}: {err.Message()}");
        var keyFile = a.KeyFile;
        if (a.Image is { } image)
        {
            if (!image.Exists)
                return Fail($"{image.FullName}: no such file");
            err = p.Mount(image.FullName, a.Export, "ufs");
            if (err != Errno.OK)
                return Fail($"mount {image.FullName}: {err.Message()}{Reason(kernel)}");
            keyFile ??= new FileInfo(image.FullName + ".nfskey");
        }
        else if (world is null && (err = p.Mount("swap", a.Export, "tmpfs", options: "mode=0777")) != Errno.OK)
            return Fail($"mount tmpfs: {err.Message()}");

        byte[]? key = null;
        if (keyFile is not null && !TryKey(keyFile, out key, out var keyWhy))
            return Fail(keyWhy);
        var network = new TcpNetwork(budget: new BufferBudget((long)a.MaxBufferMib << 20));
        var server = new NfsServer(kernel, network, new NfsServerOptions
        {
            Address = a.Address, NfsPort = a.NfsPort, MountPort = a.MountPort, PortmapPort = a.PortmapPort, HandleKey = key,
            IdleTimeout = TimeSpan.FromSeconds(a.IdleTimeoutSeconds), MaxConnections = a.MaxConnections,
            ReadAhead = !a.NoReadAhead,
        });
        if ((err = server.Share(share)) != Errno.OK)
            return Fail($"share {a.Export}: {err.Message()}");
        if ((err = server.Start()) != Errno.OK)
            return Fail($"listen on {a.Address}: {err.Message()} (ports {a.NfsPort}, {a.MountPort}, {a.PortmapPort})");

        // SIGINT (^C) and SIGTERM stop the server cleanly: connections closed, the file system synced and unmounted.
        // Set up before the line that says it serves, so that a signal sent as soon as that line is read is handled.
        using var stop = new ManualResetEventSlim();
        using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Set(); });
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Set(); });
        Console.WriteLine($"serving {(a.Image?.FullName ?? a.Source?.Describe ?? "tmpfs")} as {a.Export}: nfs port {server.NfsPort}, mount port {server.MountPort}"
            + (a.PortmapPort >= 0 ? $", portmap port {server.PortmapPort}" : ""));
        Console.WriteLine(server.Url(a.Export));
        Console.Out.Flush();

        stop.Wait();
        server.Stop(drain: TimeSpan.FromSeconds(30)); // the calls in service let go of their vnodes before the unmount
        server.Unshare(a.Export);
        kernel.Sync();
        string unmountWhy;
        err = world is null ? WorldFile.UnmountAll(kernel, out unmountWhy) : WorldFile.Teardown(world, out unmountWhy);
        Console.WriteLine($"stopped (peak buffers {network.Budget.Peak >> 20} MiB of {network.Budget.Limit >> 20}; "
            + $"ranges read ahead {server.Nfs.ReadAheads}, used {server.Nfs.ReadAheadHits})");
        return err == Errno.OK ? 0 : Fail(unmountWhy);
    }

    /// <summary>
    /// Parses "rw=A:B,ro=C,root=D" into <paramref name="share"/>'s lists: who may mount (rw and ro; everyone when
    /// neither is given), who may only read, whose root stays root.
    /// </summary>
    private static bool TryParseClients(string spec, ExportOptions basis, out ExportOptions share, out string why)
    {
        share = basis;
        why = "";
        List<string> rw = [], ro = [], root = [];
        foreach (var part in spec.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = part.IndexOf('=');
            var list = eq < 0 ? null : part[..eq] switch { "rw" => rw, "ro" => ro, "root" => root, _ => null };
            if (list is null)
            {
                why = $"'{part}' is not rw=LIST, ro=LIST or root=LIST";
                return false;
            }
            foreach (var c in part[(eq + 1)..].Split(':', StringSplitOptions.RemoveEmptyEntries))
            {
                if (!IsAddressOrCidr(c))
                {
                    why = $"'{c}' is not an address or a CIDR range";
                    return false;
                }
                list.Add(c);
            }
        }
        share = basis with
        {
            Clients = rw.Count + ro.Count == 0 ? ["*"] : [.. rw, .. ro],
            ReadOnlyClients = ro,
            RootClients = root,
        };
        return true;
    }

    private static bool IsAddressOrCidr(string c)
    {
        int slash = c.IndexOf('/');
        if (slash < 0)
            return System.Net.IPAddress.TryParse(c, out _);
        return System.Net.IPAddress.TryParse(c[..slash], out var ip) && int.TryParse(c[(slash + 1)..], out int bits)
            && bits >= 0 && bits <= (ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
    }

    /// <summary>
    /// The handle key in <paramref name="file"/>: read when it exists (refused if group or others may read or write it),
    /// else made, 0600 from the start. Returns false with the one line to say.
    /// </summary>
    private static bool TryKey(FileInfo file, out byte[]? key, out string why)
    {
        key = null;
        why = "";
        if (file.Exists)
        {
            var open = file.UnixFileMode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite);
            if (open != 0)
            {
                why = $"{file.FullName}: the handle key may be read or written by others (mode {Convert.ToString((int)file.UnixFileMode, 8)}); chmod 600 it";
                return false;
            }
            key = File.ReadAllBytes(file.FullName);
            if (key.Length < 16)
            {
                why = $"{file.FullName}: a key file holds at least 16 bytes";
                return false;
            }
            return true;
        }
        key = FileHandles.NewKey();
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var f = new FileStream(file.FullName, options))
            f.Write(key);
        return true;
    }

    /// <summary>The kernel's last message (UFS says there why an image does not mount), as a suffix, or nothing.</summary>
    private static string Reason(Kernel k) => k.Messages.LastOrDefault() is { } m ? $" ({m})" : "";

    private static Errno MakeDirs(Process p, string path)
    {
        var sofar = "";
        foreach (var c in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            sofar += "/" + c;
            var err = p.Mkdir(sofar, 0x1ED);
            if (err is not (Errno.OK or Errno.EEXIST))
                return err;
        }
        return Errno.OK;
    }

    private static int Fail(string msg)
    {
        Console.Error.WriteLine($"vfs serve: {msg}");
        return 1;
    }
}
