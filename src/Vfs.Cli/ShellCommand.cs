// Vfs.Cli: `vfs shell [--script FILE]` -- the interactive shell over simulated hosts (Shell/).
using System.CommandLine;
using UnixVfs.Cli.Shell;

namespace UnixVfs.Cli;

internal static class ShellCommand
{
    public static Command Build()
    {
        var script = new Option<FileInfo?>("--script") { Description = "Run the commands in FILE instead of reading them interactively" };
        var images = new Option<DirectoryInfo?>("--images") { Description = "Where newfs makes (and mount -F ufs finds) images given by relative names; default: the current directory" };
        var cmd = new Command("shell", "An interactive shell over one or more simulated hosts: mount, share, mirror, trace") { script, images };
        cmd.SetAction(r => Run(r.GetValue(script), r.GetValue(images)));
        return cmd;
    }

    private static int Run(FileInfo? script, DirectoryInfo? images)
    {
        if (images is { Exists: false })
        {
            Console.Error.WriteLine($"vfs shell: {images.FullName}: no such directory");
            return 2;
        }
        var world = new ShellWorld(Console.Out, images?.FullName);
        var shell = new UnixVfs.Cli.Shell.Shell(world);
        if (script is null && Console.IsInputRedirected)
            return shell.Run(Console.In, interactive: false);
        if (script is null)
            return shell.Run(new LineEditor(() => Console.ReadKey(intercept: true), Console.Out, () => shell.Prompt, shell.Complete), interactive: true);
        if (!script.Exists)
        {
            Console.Error.WriteLine($"vfs shell: {script.FullName}: no such file");
            return 2;
        }
        using var reader = script.OpenText();
        return shell.Run(reader, interactive: false);
    }
}
