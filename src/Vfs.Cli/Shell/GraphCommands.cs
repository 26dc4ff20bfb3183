// Vfs.Cli / shell: `graph [--svg FILE | --dot FILE]` -- the current host's mount table as a picture
// (MountGraph.cs): DOT on the output, DOT into a file, or SVG rendered by Graphviz's `dot`. Without `dot`
// installed, --svg writes the DOT beside the SVG's name and says so. FILE is a file of the real host; a
// relative name is in the --images directory, like newfs's images.
using System.ComponentModel;
using System.Diagnostics;

namespace UnixVfs.Cli.Shell;

internal static class GraphCommands
{
    public static void Register(Shell sh) =>
        sh.Register("graph", "graph [--svg FILE | --dot FILE]", "draw this host's mount table, vnodes and mnodes (Graphviz)", Graph);

    private static void Graph(ShellContext c, string[] a)
    {
        string dot = MountGraph.Dot(c.K, c.World.ImageDir);
        if (a.Length == 0)
        {
            c.Out.Write(dot);
            return;
        }
        if (a.Length != 2 || a[0] is not ("--svg" or "--dot"))
            throw new ShellError("usage: graph [--svg FILE | --dot FILE]");
        string file = c.World.Image(a[1]);
        if (a[0] == "--dot")
        {
            WriteFile(file, dot);
            return;
        }
        var err = Render(c.World.DotProgram, dot, file, out string why);
        if (err == RenderResult.NoDot)
        {
            string dotFile = Path.ChangeExtension(file, ".dot");
            WriteFile(dotFile, dot);
            c.Out.WriteLine($"graph: Graphviz's dot is not installed: wrote the DOT to {dotFile} instead (apt-get install graphviz renders it)");
        }
        else if (err == RenderResult.Failed)
            throw new ShellError($"{file}: dot failed: {why}");
    }

    private enum RenderResult { Ok, NoDot, Failed }

    /// <summary>Runs `dot -Tsvg -o FILE` on <paramref name="dot"/>.</summary>
    private static RenderResult Render(string program, string dot, string file, out string why)
    {
        why = "";
        var psi = new ProcessStartInfo(program, ["-Tsvg", "-o", file])
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        System.Diagnostics.Process? p;
        try
        {
            p = System.Diagnostics.Process.Start(psi);
        }
        catch (Win32Exception)
        {
            return RenderResult.NoDot;
        }
        if (p is null)
            return RenderResult.NoDot;
        using (p)
        {
            var errors = p.StandardError.ReadToEndAsync();
            p.StandardInput.Write(dot);
            p.StandardInput.Close();
            p.WaitForExit();
            why = errors.GetAwaiter().GetResult().Trim();
            return p.ExitCode == 0 ? RenderResult.Ok : RenderResult.Failed;
        }
    }

    private static void WriteFile(string file, string text)
    {
        try
        {
            File.WriteAllText(file, text);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ShellError($"{file}: {e.Message}");
        }
    }
}
