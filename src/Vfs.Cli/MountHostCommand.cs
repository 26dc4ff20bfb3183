// Vfs.Cli: `vfs mount-host` -- a path of a world of simulated hosts, mounted on a real host directory
// through FUSE (Vfs.Fuse), until Ctrl-C, SIGTERM or `umount HOSTDIR`.
//
//   vfs mount-host --world FILE --path PATH HOSTDIR     a world file (WorldFile.cs) and the path to serve
//   vfs mount-host --image A.img HOSTDIR                one UFS image
//   vfs mount-host --mirror A.img,B.img[,C.img] HOSTDIR a mirror of two or three UFS images
//       [--threads N] [--entry-timeout SEC] [--attr-timeout SEC]
//
// On the way out the FUSE mount goes first, then the world: every host is synced and unmounted, so
// each image is flushed and passes `vfs fsck -n`. Every failure is one line on stderr and exit 1.
using System.CommandLine;
using System.Runtime.InteropServices;
using UnixVfs.Core;
using UnixVfs.Fuse;

namespace UnixVfs.Cli;

internal static class MountHostCommand
{
    public static Command Build()
    {
        var hostDir = new Argument<string>("hostdir") { Description = "The empty host directory to mount on" };
        var world = new Option<FileInfo?>("--world") { Description = "A world file: `vfs shell` lines that build hosts, disks and mirrors" };
        var path = new Option<string?>("--path") { Description = "With --world: the directory of the world to mount" };
        var image = new Option<string?>("--image") { Description = "Mount one UFS image" };
        var mirror = new Option<string?>("--mirror") { Description = "Mount a mirror of UFS images: A.img,B.img[,C.img]" };
        var threads = new Option<int>("--threads") { Description = "Request threads", DefaultValueFactory = _ => 4 };
        var entry = new Option<double>("--entry-timeout") { Description = "Seconds the host may cache a name", DefaultValueFactory = _ => 1.0 };
        var attr = new Option<double>("--attr-timeout") { Description = "Seconds the host may cache attributes", DefaultValueFactory = _ => 1.0 };
        var cmd = new Command("mount-host", "Mount a path of simulated hosts on a real directory through FUSE, until interrupted or unmounted")
            { hostDir, world, path, image, mirror, threads, entry, attr };
        cmd.SetAction(r =>
        {
            if (!WorldSource.TryGet(r.GetValue(world), r.GetValue(path), r.GetValue(image), r.GetValue(mirror), WorldFile.ShortcutPath, out var src, out var why))
                return Fail(why);
            var options = new FuseOptions
            {
                Threads = r.GetValue(threads),
                EntryTimeout = TimeSpan.FromSeconds(r.GetValue(entry)),
                AttrTimeout = TimeSpan.FromSeconds(r.GetValue(attr)),
            };
            return Run(src!, Path.GetFullPath(r.GetValue(hostDir)!), options);
        });
        return cmd;
    }

    private static int Run(WorldSource src, string hostDir, FuseOptions options)
    {
        if (options.Threads is < 1 or > 64)
            return Fail("--threads must be between 1 and 64");
        if (options.EntryTimeout < TimeSpan.Zero || options.AttrTimeout < TimeSpan.Zero)
            return Fail("timeouts cannot be negative");
        if (!Directory.Exists(hostDir))
            return Fail(File.Exists(hostDir) ? $"{hostDir}: not a directory" : $"{hostDir}: no such directory");
        if (Directory.EnumerateFileSystemEntries(hostDir).Any())
            return Fail($"{hostDir}: directory not empty");
        if (!File.Exists("/dev/fuse"))
            return Fail("/dev/fuse: no such device on this host (is the fuse module loaded?)");
        if (!src.Build(out var world, out var root, out var why))
            return Fail(why);

        var err = FuseBridge.Mount(root!, hostDir, options, out var bridge, out var where);
        if (err != Errno.OK)
        {
            root!.Rele();
            WorldFile.Teardown(world!, out _);
            return Fail($"mount {where}: {err.Message()}");
        }
        bridge!.Start();

        // SIGINT (^C) and SIGTERM unmount; so does `umount HOSTDIR` from outside, which ends the session by itself.
        // Taken before "mounted" is printed: a ^C that follows the line must find them, or .NET's default ends the
        // process and leaves the host a dead mount.
        using var stop = new ManualResetEventSlim();
        using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Set(); });
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Set(); });
        Console.WriteLine($"mounted {src.Describe} on {hostDir}");
        Console.Out.Flush();
        if (WaitHandle.WaitAny([stop.WaitHandle, bridge.Ended]) == 0)
            bridge.Unmount();
        if (!bridge.Wait(TimeSpan.FromSeconds(30)))
            Console.Error.WriteLine($"vfs mount-host: {hostDir} is still in use; detached, closing the world anyway");
        bridge.Close();
        root!.Rele();
        err = WorldFile.Teardown(world!, out why);
        Console.WriteLine($"unmounted {hostDir}");
        return err == Errno.OK ? 0 : Fail(why);
    }

    private static int Fail(string msg)
    {
        Console.Error.WriteLine($"vfs mount-host: {msg}");
        return 1;
    }
}
