// Vfs.Cli: what `vfs serve --world FILE --path PATH` and `vfs serve --mirror A.img,B.img[,C.img]` serve --
// a world file (WorldFile.cs) run in a new shell world, whose first host's Kernel then serves the path over
// NFSv3 (ServeCommand.cs does the serving, as for --image and --tmpfs).
//
// With --world the exported path is --path itself (NFS clients mount it by that name); with --mirror the
// copies are mirrored onto the --export path.
using UnixVfs.Cli.Shell;

namespace UnixVfs.Cli;

internal static class ServeWorld
{
    /// <summary>
    /// The world --world or --mirror asks for, or null (and true) when neither was given. False, with the
    /// reason, for a bad combination: --image or --tmpfs beside them, or --world without --path.
    /// </summary>
    public static bool TryGet(FileInfo? world, string? path, string? mirror, bool imageOrTmpfs, string export, out WorldSource? src, out string error)
    {
        src = null;
        error = "";
        if (world is null && mirror is null)
        {
            if (path is not null)
                error = "--path goes with --world";
            return path is null;
        }
        if (imageOrTmpfs)
        {
            error = "give exactly one of --image FILE, --tmpfs, --world FILE --path PATH and --mirror A.img,B.img[,C.img]";
            return false;
        }
        return WorldSource.TryGet(world, path, null, mirror, export, out src, out error);
    }

    /// <summary>Runs the world; on success the first host holds the path <paramref name="export"/> to share.</summary>
    public static bool Build(WorldSource src, out ShellWorld? world, out string export, out string error)
    {
        export = src.Path;
        if (!src.Build(out world, out var root, out error))
            return false;
        root!.Rele(); // the NFS server looks the path up itself when it shares it
        return true;
    }
}
