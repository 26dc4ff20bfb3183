// Vfs.Cli: `vfs serve` -- serves one file system over NFSv3 until interrupted.
//
//   vfs serve (--image FILE | --tmpfs) [--export /export] [--address 127.0.0.1]
//             [--nfs-port N] [--mount-port M] [--portmap-port P] [--key-file F] [--ro]
//
// A Kernel is made for the server host, the file system is mounted on the export path (a UFS
// image, or an empty tmpfs) and shared to everyone who can reach the address, with root squashed.
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
        var cmd = new Command("serve", "Serve a file system over NFSv3 until interrupted") { image, tmpfs, export, address, nfsPort, mountPort, pmapPort, keyFile, ro };
        cmd.SetAction(r => Run(r.GetValue(image), r.GetValue(tmpfs), r.GetValue(export)!, r.GetValue(address)!, r.GetValue(nfsPort),
            r.GetValue(mountPort), r.GetValue(pmapPort), r.GetValue(keyFile), r.GetValue(ro)));
        return cmd;
    }

    private static int Run(FileInfo? image, bool tmpfs, string export, string address, int nfsPort, int mountPort, int pmapPort, FileInfo? keyFile, bool ro)
    {
        if ((image is null) == !tmpfs)
            return Fail("give exactly one of --image FILE and --tmpfs");
        if (!export.StartsWith('/') || export == "/")
            return Fail($"--export must be an absolute path below /, not '{export}'");
        if (!TcpNetwork.TryParseAddress(address, out _))
            return Fail($"--address must be an IP address, not '{address}'");
        var kernel = new Kernel("nfs-server");
        var p = kernel.CreateProcess();
        var err = MakeDirs(p, export);
        if (err != Errno.OK)
            return Fail($"mkdir {export}: {err.Message()}");
        if (image is not null)
        {
            if (!image.Exists)
                return Fail($"{image.FullName}: no such file");
            err = p.Mount(image.FullName, export, "ufs");
            if (err == Errno.ENODEV)
                return Fail("this build has no ufs file system type to mount the image with");
            if (err != Errno.OK)
                return Fail($"mount {image.FullName}: {err.Message()}");
            keyFile ??= new FileInfo(image.FullName + ".nfskey");
        }
        else if ((err = p.Mount("swap", export, "tmpfs", options: "mode=0777")) != Errno.OK)
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
        if ((err = server.Share(new ExportOptions { Path = export, ReadOnly = ro })) != Errno.OK)
            return Fail($"share {export}: {err.Message()}");
        if ((err = server.Start()) != Errno.OK)
            return Fail($"listen on {address}: {err.Message()} (ports {nfsPort}, {mountPort}, {pmapPort})");

        Console.WriteLine($"serving {(image?.FullName ?? "tmpfs")} as {export}: nfs port {server.NfsPort}, mount port {server.MountPort}"
            + (pmapPort >= 0 ? $", portmap port {server.PortmapPort}" : ""));
        Console.WriteLine(server.Url(export));
        Console.Out.Flush();

        using var done = new ManualResetEventSlim();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; done.Set(); };
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; done.Set(); });
        done.Wait();
        server.Stop();
        kernel.Sync();
        err = kernel.UnmountAll(UnmountFlags.MS_FORCE);
        Console.WriteLine("stopped");
        return err == Errno.OK ? 0 : Fail($"unmount: {err.Message()}");
    }

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
