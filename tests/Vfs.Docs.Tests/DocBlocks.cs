// Tests of the docs: the fenced code blocks of a Markdown file, and the C# ones put together as one program.
//
// A document's ```csharp blocks are read in order as one program, as a reader types them one after another:
// their using directives go first, their statements form the top-level program, and the types they declare
// follow it (C# wants top-level statements before any type).
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace UnixVfs.Docs.Tests;

internal static partial class DocBlocks
{
    /// <summary>One fenced block: its info string ("csharp", "sh", ""), its text, the line its fence opens on.</summary>
    public sealed record Block(string Lang, string Text, int Line);

    [GeneratedRegex(@"^```(\S*)\s*$")]
    private static partial Regex Fence();

    public static List<Block> Read(string markdownPath)
    {
        var blocks = new List<Block>();
        var lines = File.ReadAllLines(markdownPath);
        for (int i = 0; i < lines.Length; i++)
        {
            var m = Fence().Match(lines[i]);
            if (!m.Success)
                continue;
            int start = i;
            var text = new StringBuilder();
            for (i++; i < lines.Length && !lines[i].StartsWith("```", StringComparison.Ordinal); i++)
                text.AppendLine(lines[i]);
            blocks.Add(new Block(m.Groups[1].Value, text.ToString(), start + 1));
        }
        return blocks;
    }

    /// <summary>Every Markdown file whose C# examples must compile and run: README.md, docs/*.md, src/*/README.md.</summary>
    public static IEnumerable<string> Documents() =>
        new[] { Path.Combine(Repo.Root, "README.md") }
            .Concat(Directory.GetFiles(Path.Combine(Repo.Root, "docs"), "*.md"))
            .Concat(Directory.GetFiles(Path.Combine(Repo.Root, "src"), "README.md", SearchOption.AllDirectories))
            .Order(StringComparer.Ordinal);

    /// <summary>The document's C# blocks as one program's source: usings, then statements, then types.</summary>
    public static string Program(string markdownPath)
    {
        var code = string.Join("\n", Read(markdownPath).Where(b => b.Lang == "csharp").Select(b => b.Text));
        var unit = CSharpSyntaxTree.ParseText(code).GetCompilationUnitRoot();
        var usings = unit.Usings.Select(u => u.ToFullString().Trim());
        var statements = unit.Members.OfType<GlobalStatementSyntax>().Select(s => s.ToFullString());
        var types = unit.Members.Where(m => m is not GlobalStatementSyntax).Select(m => m.ToFullString());
        return string.Join("\n", usings) + "\n\n" + string.Concat(statements) + "\n" + string.Concat(types);
    }
}
