// Vfs.Cli: world files -- the hosts, disks and mirrors that `vfs mount-host` and `vfs serve` put a path of
// on the real host, written as the lines of a `vfs shell --script` and run by the shell's own executor.
//
//     newfs a.img 256m              # any shell command: newfs, mount -F ufs|nfs|mfs, host add, share ...
//     newfs b.img 256m
//     mkdir -p /A /B
//     mount -F ufs a.img /A
//     mount -F ufs b.img /B
//     mount -F mfs /A /B            # then: vfs mount-host --world setup.vfs --path /B HOSTDIR
//
// The shortcuts --image and --mirror are world files too (ForImage, ForMirror). A line that fails stops
// the load, and the error names the file and the line. Teardown syncs every host and unmounts what the
// world mounted, so every image is flushed and left clean for fsck.
using UnixVfs.Cli.Shell;
using UnixVfs.Core;

namespace UnixVfs.Cli;

internal static class WorldFile
{
    /// <summary>Where `vfs mount-host --image` and `--mirror` put the served directory.</summary>
    public const string ShortcutPath = "/data";

    /// <summary>
    /// Runs <paramref name="lines"/> in a new shell world. On failure returns false with
    /// "<paramref name="source"/>:LINE: what failed"; the world is torn down again.
    /// </summary>
    public static bool Load(IEnumerable<string> lines, string source, out ShellWorld world, out string error)
    {
        var log = new StringWriter();
        world = new ShellWorld(log, collectMetrics: false);   // served, not inspected: no measurement per call
        var shell = new Shell.Shell(world);
        int n = 0;
        error = "";
        foreach (var line in lines)
        {
            n++;
            var text = line.Trim();
            if (text.Length == 0 || text.StartsWith('#'))
                continue;
            int before = log.GetStringBuilder().Length;
            if (shell.Execute(line))
                continue;
            var said = log.GetStringBuilder().ToString(before, log.GetStringBuilder().Length - before).Trim();
            error = $"{source}:{n}: {said.Split('\n').LastOrDefault()?.Trim()}";
            Teardown(world, out _);
            return false;
        }
        return true;
    }

    /// <summary>One UFS image mounted on <paramref name="at"/>.</summary>
    public static string[] ForImage(string image, string at) =>
        [$"mkdir -p {at}", $"mount -F ufs {Quote(image)} {at}"];

    /// <summary>
    /// A mirror of two or three UFS images: each image on /copies/N, the copies mirrored onto <paramref name="at"/>
    /// with the mirror's "hide" option (Fig. 8 of the patent), so that is the one path that leads into the mirror.
    /// </summary>
    public static string[] ForMirror(IReadOnlyList<string> images, string at)
    {
        var lines = new List<string> { $"mkdir -p {at}" };
        var copies = new List<string>();
        for (int i = 0; i < images.Count; i++)
        {
            lines.Add($"mkdir -p /copies/{i}");
            lines.Add($"mount -F ufs {Quote(images[i])} /copies/{i}");
            copies.Add($"/copies/{i}");
        }
        lines.Add($"mount -F mfs -o hide {string.Join(',', copies)} {at}");
        return lines.ToArray();
    }

    /// <summary>
    /// Syncs every host and unmounts everything each one mounted (the first host, where the served path lives,
    /// first: it may be a client of the others). Returns the first error.
    /// </summary>
    public static Errno Teardown(ShellWorld world, out string error)
    {
        error = "";
        var first = Errno.OK;
        var hosts = world.Hosts.ToList();
        foreach (var h in hosts)
            h.Kernel.Sync();
        foreach (var h in hosts)
        {
            if (h.Server.IsRunning)
                h.Server.Stop(drain: TimeSpan.FromSeconds(30));
            foreach (var path in h.Server.Exports.Select(e => e.Options.Path).ToList())
                h.Server.Unshare(path);
            var err = UnmountAll(h.Kernel, out var why);
            if (err != Errno.OK && first == Errno.OK)
            {
                first = err;
                error = why;
            }
        }
        return first;
    }

    /// <summary>
    /// Unmounts everything on one host. Without force first: by then nothing should hold a vnode, and an unmount
    /// is EBUSY only while something does, a leaked hold, which is reported. Then with force, so that every image
    /// is still flushed and closed.
    /// </summary>
    public static Errno UnmountAll(Kernel kernel, out string error)
    {
        error = "";
        var err = kernel.UnmountAll();
        if (err == Errno.OK)
            return err;
        error = $"unmount on {kernel.Hostname}: {err.Message()}" + (err == Errno.EBUSY ? " (a vnode is still held); forced" : "");
        kernel.UnmountAll(UnmountFlags.MS_FORCE);
        return err;
    }

    private static string Quote(string s) => s.Contains(' ') ? $"\"{s}\"" : s;
}

/// <summary>What `vfs mount-host` or `vfs serve` puts on the host: a world (from a file or a shortcut) and the path in it.</summary>
internal sealed record WorldSource(string[] Lines, string Origin, string Path, string Describe)
{
    /// <summary>Exactly one of --world (with --path), --image or --mirror; the shortcuts mount on <paramref name="at"/>.</summary>
    public static bool TryGet(FileInfo? world, string? path, string? image, string? mirror, string at, out WorldSource? src, out string error)
    {
        src = null;
        error = "";
        int given = (world is null ? 0 : 1) + (image is null ? 0 : 1) + (mirror is null ? 0 : 1);
        if (given != 1)
        {
            error = "give exactly one of --world FILE, --image A.img and --mirror A.img,B.img[,C.img]";
            return false;
        }
        if (world is not null)
        {
            if (path is null || !path.StartsWith('/'))
            {
                error = "--world needs --path /ABSOLUTE/PATH, the directory of the world to serve";
                return false;
            }
            if (!world.Exists)
            {
                error = $"{world.FullName}: no such file";
                return false;
            }
            src = new WorldSource(File.ReadAllLines(world.FullName), world.Name, path, $"{world.Name}:{path}");
            return true;
        }
        if (path is not null)
        {
            error = $"--path goes with --world; --image and --mirror serve {at}";
            return false;
        }
        if (image is not null)
        {
            if (!File.Exists(image))
            {
                error = $"{image}: no such file";
                return false;
            }
            src = new WorldSource(WorldFile.ForImage(System.IO.Path.GetFullPath(image), at), "--image", at, image);
            return true;
        }
        var images = mirror!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (images.Length is < 2 or > 3)
        {
            error = "--mirror takes two or three images: A.img,B.img[,C.img]";
            return false;
        }
        if (images.FirstOrDefault(i => !File.Exists(i)) is { } missing)
        {
            error = $"{missing}: no such file";
            return false;
        }
        src = new WorldSource(WorldFile.ForMirror(images.Select(System.IO.Path.GetFullPath).ToArray(), at), "--mirror", at, $"mirror of {string.Join(", ", images)}");
        return true;
    }

    /// <summary>Runs the world and looks up the path; on OK <paramref name="root"/> is held once.</summary>
    public bool Build(out ShellWorld? world, out Vnode? root, out string error)
    {
        root = null;
        if (!WorldFile.Load(Lines, Origin, out var w, out error))
        {
            world = null;
            return false;
        }
        world = w;
        var err = w.Current.Process.Lookupname(Path, true, out root);
        if (err == Errno.OK && root!.Type != VType.VDIR)
        {
            root.Rele();
            root = null;
            err = Errno.ENOTDIR;
        }
        if (err == Errno.OK)
            return true;
        error = $"--path {Path}: {err.Message()}";
        WorldFile.Teardown(w, out _);
        world = null;
        return false;
    }
}
