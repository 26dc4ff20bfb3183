// Vfs.Cli: `vfs serve` -- serves one file system over NFSv3 until interrupted.
//
//   vfs serve (--image FILE | --tmpfs | --mirror A.img,B.img[,C.img]) [--export /export] [--address 127.0.0.1]
//   vfs serve --world FILE --path PATH [...]      a path of a world file (ServeWorld.cs), exported by its name
//             [--nfs-port N] [--mount-port M] [--portmap-port P] [--key-file F] [--ro]
//
// A Kernel is made for the server host, the file system is mounted on the export path (a UFS
// image, or an empty tmpfs) and shared to everyone who can reach the address, with root squashed
// unless --no-root-squash says otherwise (an image's root directory is usually root's, mode 0755).
// The URL printed is what a libnfs client mounts (it names both ports, so no portmapper is asked).
// File handles are signed with a key kept in a file (FILE.nfskey next to an image, or --key-file),
// so that clients' handles still work after the server is restarted on the same image.
using System.CommandLine;
using System.Runtime.InteropServices;
using UnixVfs.Core;
using UnixVfs.Nfs.Net;
using UnixVfs.Nfs.Server;

namespace UnixVfs.Cli;

internal static class ServeCommand
{
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
        var world = new Option<FileInfo?>("--world") { Description = "A world file (vfs shell lines that build hosts, disks, mirrors); serves its --path" };
        var path = new Option<string?>("--path") { Description = "With --world: the directory of the world to serve (exported by that name)" };
        var mirror = new Option<string?>("--mirror") { Description = "Serve a mirror of UFS images A.img,B.img[,C.img] as the export" };
        var cmd = new Command("serve", "Serve a file system over NFSv3 until interrupted") { image, tmpfs, export, address, nfsPort, mountPort, pmapPort, keyFile, ro, noSquash, world, path, mirror };
        cmd.SetAction(r => ServeWorld.TryGet(r.GetValue(world), r.GetValue(path), r.GetValue(mirror), r.GetValue(image) is not null || r.GetValue(tmpfs), r.GetValue(export)!, out var src, out var why)
            ? Run(r.GetValue(image), r.GetValue(tmpfs), src, r.GetValue(export)!, r.GetValue(address)!, r.GetValue(nfsPort),
                r.GetValue(mountPort), r.GetValue(pmapPort), r.GetValue(keyFile), r.GetValue(ro), r.GetValue(noSquash))
            : Fail(why));
        return cmd;
    }

    private static int Run(FileInfo? image, bool tmpfs, WorldSource? source, string export, string address, int nfsPort, int mountPort, int pmapPort, FileInfo? keyFile, bool ro, bool noRootSquash)
    {
        if (source is null && (image is null) == !tmpfs)
            return Fail("give exactly one of --image FILE, --tmpfs, --world FILE --path PATH and --mirror A.img,B.img[,C.img]");
        if (!export.StartsWith('/') || export == "/")
            return Fail($"--export must be an absolute path below /, not '{export}'");
        if (!TcpNetwork.TryParseAddress(address, out _))
            return Fail($"--address must be an IP address, not '{address}'");
        Shell.ShellWorld? world = null;
        if (source is not null && !ServeWorld.Build(source, out world, out export, out var why))
            return Fail(why);
        var kernel = world?.Current.Kernel ?? new Kernel("nfs-server");
        if (world is null)
            kernel.Vfssw.Install(UnixVfs.Ufs.UfsVfsops.Def);
        var p = kernel.CreateProcess();
        var err = MakeDirs(p, export);
        if (err != Errno.OK)
            return Fail($"mkdir {export}: {err.Message()}");
        if (image is not null)
        {
            if (!image.Exists)
                return Fail($"{image.FullName}: no such file");
            err = p.Mount(image.FullName, export, "ufs");
            if (err != Errno.OK)
                return Fail($"mount {image.FullName}: {err.Message()}{Reason(kernel)}");
            keyFile ??= new FileInfo(image.FullName + ".nfskey");
        }
        else if (world is null && (err = p.Mount("swap", export, "tmpfs", options: "mode=0777")) != Errno.OK)
            return Fail($"mount tmpfs: {err.Message()}");

        byte[]? key = null;
        if (keyFile is not null)
        {
            if (keyFile.Exists)
            {
                key = File.ReadAllBytes(keyFile.FullName);
                if (key.Length < 16)
                    return Fail($"{keyFile.FullName}: a key file holds at least 16 bytes");
            }
            else
            {
                key = FileHandles.NewKey();
                File.WriteAllBytes(keyFile.FullName, key);
            }
        }
        var server = new NfsServer(kernel, TcpNetwork.Default, new NfsServerOptions
        {
            Address = address, NfsPort = nfsPort, MountPort = mountPort, PortmapPort = pmapPort, HandleKey = key,
        });
        if ((err = server.Share(new ExportOptions { Path = export, ReadOnly = ro, RootSquash = !noRootSquash })) != Errno.OK)
            return Fail($"share {export}: {err.Message()}");
        if ((err = server.Start()) != Errno.OK)
            return Fail($"listen on {address}: {err.Message()} (ports {nfsPort}, {mountPort}, {pmapPort})");

        Console.WriteLine($"serving {(image?.FullName ?? source?.Describe ?? "tmpfs")} as {export}: nfs port {server.NfsPort}, mount port {server.MountPort}"
            + (pmapPort >= 0 ? $", portmap port {server.PortmapPort}" : ""));
        Console.WriteLine(server.Url(export));
        Console.Out.Flush();

        // SIGINT (^C) and SIGTERM stop the server cleanly: connections closed, the file system synced and unmounted.
        using var stop = new ManualResetEventSlim();
        using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Set(); });
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Set(); });
        stop.Wait();
        server.Stop();
        kernel.Sync();
        err = world is null ? kernel.UnmountAll(UnmountFlags.MS_FORCE) : WorldFile.Teardown(world, out _);
        Console.WriteLine("stopped");
        return err == Errno.OK ? 0 : Fail($"unmount: {err.Message()}");
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
