// Vfs.Cli / shell: `vfs shell` -- an interactive shell over one or more simulated hosts, or a script of
// its commands (--script). Each command is a method in one of the *Commands.cs files, registered in the
// table below with its usage; this file reads lines, splits them, runs the command and reports failures.
//
// A failing command prints one line ("mount: /x: No such file or directory (ENOENT)") and the shell goes
// on; a script's exit status is non-zero if any command failed. Output redirection ("> FILE", ">> FILE")
// writes a command's output into a file of the current host.
using System.Text;
using UnixVfs.Core;

namespace UnixVfs.Cli.Shell;

/// <summary>A command failed; the message is what the user sees.</summary>
internal sealed class ShellError(string message) : Exception(message);

/// <summary>What a command runs with.</summary>
internal sealed class ShellContext(ShellWorld world, TextWriter output)
{
    public ShellWorld World { get; } = world;
    public TextWriter Out { get; } = output;
    public ShellHost Host => World.Current;
    public Process P => World.Current.Process;
    public Kernel K => World.Current.Kernel;

    /// <summary>Throws a ShellError naming <paramref name="what"/> unless <paramref name="e"/> is OK.</summary>
    public static void Check(Errno e, string what)
    {
        if (e != Errno.OK)
            throw new ShellError($"{FsName.Visible(what)}: {e.Message()} ({e})");
    }
}

/// <summary>The shell.</summary>
internal sealed class Shell
{
    private delegate void Handler(ShellContext ctx, string[] args);

    private sealed record Command(string Usage, string Help, Handler Run);

    private readonly Dictionary<string, Command> _commands = new(StringComparer.Ordinal);

    public Shell(ShellWorld world)
    {
        World = world;
        Register("help", "help", "list the commands", (c, a) => Help(c));
        HostCommands.Register(this);
        FileCommands.Register(this);
        ExtattrCommands.Register(this);
        MountCommands.Register(this);
        MirrorCommands.Register(this);
        KernelCommands.Register(this);
        GraphCommands.Register(this);
    }

    public ShellWorld World { get; }

    /// <summary>How many commands failed so far.</summary>
    public int Failures { get; private set; }

    public void Register(string name, string usage, string help, Action<ShellContext, string[]> run) =>
        _commands[name] = new Command(usage, help, (c, a) => run(c, a));

    /// <summary>Runs one line. Returns false when it failed (the reason has been printed).</summary>
    public bool Execute(string line)
    {
        var parsed = ShellLine.Parse(line, out var error);
        if (parsed is null)
            return Fail($"syntax: {error}");
        if (parsed.Words.Length == 0)
            return true;
        string name = parsed.Words[0];
        if (!_commands.TryGetValue(name, out var cmd))
            return Fail($"{name}: unknown command (try help)");
        var output = parsed.RedirectTo is null ? World.Output : new StringWriter();
        var ctx = new ShellContext(World, output);
        var tracing = World.Tracing;
        tracing?.Begin();
        try
        {
            cmd.Run(ctx, parsed.Words[1..]);
            if (parsed.RedirectTo is not null)
                WriteRedirect(ctx, parsed.RedirectTo, output.ToString()!, parsed.Append);
            return true;
        }
        catch (ShellError e)
        {
            return Fail($"{name}: {e.Message}");
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            return Fail($"{name}: {e.Message} (usage: {cmd.Usage})");
        }
        catch (Exception e) when (e is not VfsPanicException)
        {
            return Fail($"{name}: {e.GetType().Name}: {e.Message}");
        }
        finally
        {
            tracing?.End(line.Trim(), World.Hosts, World.Output);
        }
    }

    /// <summary>What Tab completes at the end of <paramref name="before"/> (the line up to the cursor).</summary>
    public Completion Complete(string before) => ShellCompletion.Complete(before, _commands.Keys, new ShellContext(World, TextWriter.Null));

    /// <summary>The prompt of an interactive shell.</summary>
    public string Prompt => $"{World.Current.Name}# ";

    /// <summary>Reads commands until end of input; with a prompt when interactive.</summary>
    public int Run(TextReader input, bool interactive)
    {
        while (true)
        {
            if (interactive)
            {
                World.Output.Write(Prompt);
                World.Output.Flush();
            }
            var line = input.ReadLine();
            if (line is null || line.Trim() is "exit" or "quit")
                break;
            if (!interactive && line.Trim().Length > 0 && !line.TrimStart().StartsWith('#'))
                World.Output.WriteLine($"{World.Current.Name}# {line}");
            Execute(line);
        }
        return Failures == 0 ? 0 : 1;
    }

    private bool Fail(string message)
    {
        Failures++;
        World.Output.WriteLine(message);
        return false;
    }

    private static void WriteRedirect(ShellContext ctx, string path, string text, bool append)
    {
        var flags = OFlags.O_CREAT | OFlags.O_WRONLY | (append ? OFlags.O_APPEND : OFlags.O_TRUNC);
        ShellContext.Check(ctx.P.Open(path, flags, 0x1A4, out int fd), path);
        try
        {
            ShellContext.Check(ctx.P.Write(fd, Encoding.UTF8.GetBytes(text), out _), path);
        }
        finally
        {
            ctx.P.Close(fd);
        }
    }

    private void Help(ShellContext ctx)
    {
        foreach (var (name, cmd) in _commands.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            ctx.Out.WriteLine($"  {cmd.Usage,-58} {cmd.Help}");
    }
}
