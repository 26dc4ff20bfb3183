// Vfs.Cli / shell: newfs, fsck, mount, umount, share, unshare, dmesg -- making, attaching and exporting
// file systems on the current host, Solaris style: mount -F TYPE [-o OPTIONS] SPECIAL DIR.
using UnixVfs.Core;
using UnixVfs.Mirror;
using UnixVfs.Nfs.Server;
using UnixVfs.Ufs;

namespace UnixVfs.Cli.Shell;

internal static class MountCommands
{
    public static void Register(Shell sh)
    {
        sh.Register("newfs", "newfs IMAGE SIZE", "make a UFS2 file system in a block file of the real host", Newfs);
        sh.Register("fsck", "fsck [-y|-n] IMAGE", "check (and with -y repair) a UFS2 image that is not mounted", Fsck);
        sh.Register("mount", "mount [-F TYPE [-o OPTIONS] SPECIAL DIR]", "list mounts, or mount ufs, tmpfs, nfs or mfs", Mount);
        sh.Register("umount", "umount [-f] DIR", "unmount", Umount);
        sh.Register("share", "share [-o ro,rw=CLIENT:...,anon=UID,root] [PATH]", "list shares, or export a directory over NFS", Share);
        sh.Register("unshare", "unshare PATH", "stop exporting a directory", (c, a) =>
        {
            if (a.Length != 1)
                throw new ShellError("usage: unshare PATH");
            ShellContext.Check(c.Host.Server.Unshare(a[0]), a[0]);
        });
        sh.Register("dmesg", "dmesg", "the kernel's messages on this host", (c, a) =>
        {
            foreach (var m in c.K.Messages)
                c.Out.WriteLine(m);
        });
    }

    private static void Newfs(ShellContext c, string[] a)
    {
        if (a.Length != 2)
            throw new ShellError("usage: newfs IMAGE SIZE");
        if (!Ufs.Newfs.TryParseSize(a[1], out long size))
            throw new ShellError($"{a[1]}: not a size (say 64m, 1g)");
        ShellContext.Check(FileBlockDevice.Create(c.World.Image(a[0]), size, out var dev), a[0]);
        using (dev)
        {
            var err = Ufs.Newfs.Make(dev!, new NewfsOptions { Size = size }, c.K.Now(), out var result, out var why);
            if (err != Errno.OK)
                throw new ShellError($"{a[0]}: {why ?? err.Message()}");
            c.Out.WriteLine($"{a[0]}: {result}");
        }
    }

    private static void Fsck(ShellContext c, string[] a)
    {
        bool repair = a.Contains("-y");
        var images = a.Where(x => x is not ("-y" or "-n")).ToArray();
        if (images.Length != 1)
            throw new ShellError("usage: fsck [-y|-n] IMAGE");
        ShellContext.Check(FileBlockDevice.Open(c.World.Image(images[0]), !repair, out var dev), images[0]);
        using (dev)
        {
            var err = Ufs.Fsck.Run(dev!, repair, out var report, c.K.Clock);
            c.Out.WriteLine(report.ToString().TrimEnd());
            ShellContext.Check(err, images[0]);
        }
    }

    private static void Mount(ShellContext c, string[] a)
    {
        if (a.Length == 0)
        {
            foreach (var v in c.K.Mounts)
                c.Out.WriteLine($"{v.MntPt} on {v.Resource} type {v.FstypeName}{(v.Options.Length > 0 ? " (" + v.Options + ")" : "")}");
            return;
        }
        string? type = null, options = "";
        var rest = new List<string>();
        for (int i = 0; i < a.Length; i++)
        {
            if (a[i] == "-F" && i + 1 < a.Length)
                type = a[++i];
            else if (a[i] == "-o" && i + 1 < a.Length)
                options = a[++i];
            else
                rest.Add(a[i]);
        }
        if (type is null || rest.Count != 2)
            throw new ShellError("usage: mount -F TYPE [-o OPTIONS] SPECIAL DIR");
        string spec = rest[0], dir = rest[1];
        if (c.K.Vfssw.Find(type, out _) is null)
            throw new ShellError($"{type}: no such file system type (known: {string.Join(", ", c.K.Vfssw.Types.Select(t => t.Name))})");
        var flags = OptionsOnce(options).Has("ro") ? MountFlags.MS_RDONLY : MountFlags.None;
        object? data = null;
        MfsMountData? mfs = null;
        if (type == "nfs" && spec.Contains(':') && Nfs.Net.TcpNetwork.TryParseAddress(spec[..spec.LastIndexOf(':')], out _))
            data = c.World.Tcp;
        if (type == "mfs")
            data = mfs = new MfsMountData();
        if (type == "ufs")
            spec = c.World.Image(spec);
        int logged = c.K.Messages.Count;
        var err = c.P.Mount(spec, dir, type, flags, options, data);
        if (err != Errno.OK)
        {
            var why = c.K.Messages.Skip(logged).LastOrDefault() ?? mfs?.Error;
            throw new ShellError($"{spec} on {dir}: {err.Message()} ({err}){(string.IsNullOrEmpty(why) ? "" : ": " + why)}");
        }
        if (mfs?.Merge is { } merge)
        {
            c.Out.WriteLine($"mfs: merged {merge}");
            foreach (var conflict in merge.Conflicts)
                c.Out.WriteLine("mfs: conflict: " + conflict);
        }
    }

    /// <summary>Parses "-o" options, refusing one given twice: which of the two was meant cannot be known.</summary>
    private static MountOptions OptionsOnce(string options)
    {
        var o = MountOptions.Parse(options);
        var twice = o.All.GroupBy(kv => kv.Key).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null)
            throw new ShellError($"option \"{twice.Key}\" given {twice.Count()} times ({string.Join(", ", twice.Select(kv => kv.Value is null ? kv.Key : kv.Key + "=" + kv.Value))}): give it once");
        return o;
    }

    private static void Umount(ShellContext c, string[] a)
    {
        bool force = a.Contains("-f");
        var dirs = a.Where(x => x != "-f").ToArray();
        if (dirs.Length != 1)
            throw new ShellError("usage: umount [-f] DIR");
        string dir = dirs[0];
        ShellContext.Check(c.P.Lookupname(dir, true, out var vp), dir);
        var vfs = vp!.Vfs;
        bool isRoot = vp.IsRoot;
        vp.Rele();
        if (!isRoot)
            throw new ShellError($"{dir}: not a mount point (mount lists them)");
        if (ReferenceEquals(vfs, c.K.RootVfs))
            throw new ShellError($"{dir}: the root file system stays mounted");
        int logged = c.K.Messages.Count;
        var err = c.P.Umount(dir, force ? UnmountFlags.MS_FORCE : UnmountFlags.None);
        if (err == Errno.EBUSY)
            throw new ShellError($"{dir}: {err.Message()} ({err}): {UmountBusy.Why(c, vfs, c.K.Messages.Skip(logged).LastOrDefault())}");
        ShellContext.Check(err, dir);
    }

    private static void Share(ShellContext c, string[] a)
    {
        var server = c.Host.Server;
        if (a.Length == 0)
        {
            foreach (var e in server.Exports.OrderBy(e => e.Options.Path, StringComparer.Ordinal))
                c.Out.WriteLine($"{e.Options.Path,-24} {(e.Options.ReadOnly ? "ro" : "rw")}={string.Join(':', e.Options.Clients)}" +
                    $"{(e.Options.RootSquash ? $",anon={e.Options.AnonUid}" : ",root")}");
            return;
        }
        string options = "";
        string? path = null;
        for (int i = 0; i < a.Length; i++)
        {
            if (a[i] == "-o" && i + 1 < a.Length)
                options = a[++i];
            else if (path is null)
                path = a[i];
            else
                throw new ShellError("usage: share [-o OPTIONS] PATH");
        }
        if (path is null)
            throw new ShellError("usage: share [-o OPTIONS] PATH");
        var o = OptionsOnce(options);
        var unknown = o.Unknown("ro", "rw", "anon", "root").ToList();
        if (unknown.Count > 0)
            throw new ShellError($"unknown share option \"{unknown[0]}\"");
        var export = new ExportOptions
        {
            Path = path,
            ReadOnly = o.Has("ro"),
            Clients = o.Get("rw") is { } rw ? rw.Split(':', StringSplitOptions.RemoveEmptyEntries) : o.Get("ro") is { } ro ? ro.Split(':') : ["*"],
            RootSquash = !o.Has("root"),
            AnonUid = o.Get("anon") is { } anon ? uint.Parse(anon) : 65534,
        };
        ShellContext.Check(server.Share(export), path);
        if (!server.IsRunning)
            ShellContext.Check(server.Start(), $"starting the NFS server of {c.Host.Name}");
    }
}
