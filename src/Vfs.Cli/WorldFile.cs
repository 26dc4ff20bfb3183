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
    /// <summary>Where --image and --mirror put the served directory.</summary>
    public const string ShortcutPath = "/data";

    /// <summary>
    /// Runs <paramref name="lines"/> in a new shell world. On failure returns false with
    /// "<paramref name="source"/>:LINE: what failed"; the world is torn down again.
    /// </summary>
    public static bool Load(IEnumerable<string> lines, string source, out ShellWorld world, out string error)
    {
        var log = new StringWriter();
        world = new ShellWorld(log);
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

    /// <summary>One UFS image mounted on /data.</summary>
    public static string[] ForImage(string image) =>
        [$"mkdir -p {ShortcutPath}", $"mount -F ufs {Quote(image)} {ShortcutPath}"];

    /// <summary>
    /// A mirror of two or three UFS images: each image on /copies/N, the copies mirrored onto /data with the
    /// mirror's "hide" option (Fig. 8 of the patent), so /data is the one path that leads into the mirror.
    /// </summary>
    public static string[] ForMirror(IReadOnlyList<string> images)
    {
        var lines = new List<string> { $"mkdir -p {ShortcutPath}" };
        var copies = new List<string>();
        for (int i = 0; i < images.Count; i++)
        {
            lines.Add($"mkdir -p /copies/{i}");
            lines.Add($"mount -F ufs {Quote(images[i])} /copies/{i}");
            copies.Add($"/copies/{i}");
        }
        lines.Add($"mount -F mfs -o hide {string.Join(',', copies)} {ShortcutPath}");
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
                h.Server.Stop();
            var err = h.Kernel.UnmountAll();
            if (err != Errno.OK)
                err = h.Kernel.UnmountAll(UnmountFlags.MS_FORCE);
            if (err != Errno.OK && first == Errno.OK)
            {
                first = err;
                error = $"unmount on {h.Name}: {err.Message()}";
            }
        }
        return first;
    }

    private static string Quote(string s) => s.Contains(' ') ? $"\"{s}\"" : s;
}
