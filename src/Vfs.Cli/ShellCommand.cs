// Vfs.Cli: `vfs shell [--script FILE]` -- the interactive shell over simulated hosts (Shell/).
using System.CommandLine;
using UnixVfs.Cli.Shell;

namespace UnixVfs.Cli;

internal static class ShellCommand
{
    public static Command Build()
    {
        var script = new Option<FileInfo?>("--script") { Description = "Run the commands in FILE instead of reading them interactively" };
        var cmd = new Command("shell", "An interactive shell over one or more simulated hosts: mount, share, mirror, trace") { script };
        cmd.SetAction(r => Run(r.GetValue(script)));
        return cmd;
    }

    private static int Run(FileInfo? script)
    {
        var world = new ShellWorld(Console.Out);
        var shell = new UnixVfs.Cli.Shell.Shell(world);
        if (script is null)
            return shell.Run(Console.In, interactive: !Console.IsInputRedirected);
        if (!script.Exists)
        {
            Console.Error.WriteLine($"vfs shell: {script.FullName}: no such file");
            return 2;
        }
        using var reader = script.OpenText();
        return shell.Run(reader, interactive: false);
    }
}
