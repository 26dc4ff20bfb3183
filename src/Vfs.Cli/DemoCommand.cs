// Vfs.Cli: `vfs demo` -- shows the layers working: a tmpfs mounted in a simulated host, a file
// written and read back through the system calls, and the VOP trace of one write.
using System.CommandLine;
using System.Text;
using Spectre.Console;
using UnixVfs.Core;

namespace UnixVfs.Cli;

internal static class DemoCommand
{
    public static Command Build()
    {
        var cmd = new Command("demo", "Run the demonstration: mount, write and read through the system-call layer, and trace the VOPs of one write");
        cmd.SetAction(_ => Run());
        return cmd;
    }

    private static int Run()
    {
        var kernel = new Kernel("demo-host");
        var p = kernel.CreateProcess();
        Check(p.Mkdir("/tmp", 0x1FF), "mkdir /tmp");
        Check(p.Mount("swap", "/tmp", "tmpfs"), "mount -F tmpfs swap /tmp");
        Check(p.Open("/tmp/hello.txt", OFlags.O_CREAT | OFlags.O_RDWR | OFlags.O_TRUNC, 0x1A4, out int fd), "open");

        var tracer = new VopTracer();
        kernel.Trace(tracer);
        var text = Encoding.UTF8.GetBytes("Hello from the vnode layer\n");
        Check(p.Write(fd, text, out _), "write");
        kernel.Trace(null);

        var buf = new byte[256];
        Check(p.Pread(fd, buf, 0, out int n), "pread");
        Check(p.Close(fd), "close");
        Check(p.Stat("/tmp/hello.txt", out var st), "stat");

        var table = new Table().AddColumn("step").AddColumn("result");
        table.AddRow("mount -F tmpfs swap /tmp", "OK");
        table.AddRow("write /tmp/hello.txt", $"{text.Length} bytes");
        table.AddRow("read it back", Markup.Escape(Encoding.UTF8.GetString(buf, 0, n).TrimEnd()));
        table.AddRow("stat", Markup.Escape($"{ModeBits.ToLsString(st!.Type, st.Perm)} size={st.Size} ino={st.Ino}"));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("[bold]VOP trace of the write(2):[/]");
        foreach (var ev in tracer.Events)
            AnsiConsole.WriteLine("  " + ev);
        bool ok = n == text.Length && buf.AsSpan(0, n).SequenceEqual(text);
        AnsiConsole.MarkupLine(ok ? "[green]demo passed[/]" : "[red]demo FAILED: data read back differs[/]");
        return ok ? 0 : 1;
    }

    private static void Check(Errno e, string what)
    {
        if (e != Errno.OK)
            throw new InvalidOperationException($"{what}: {e.Message()} ({e})");
    }
}
