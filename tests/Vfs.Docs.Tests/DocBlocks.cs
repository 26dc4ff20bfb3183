// Tests of the docs: the code blocks of a Markdown file, and the C# ones put together as one program.
//
// A block is fenced (```KIND ARGS, at any indentation, as inside a list item) or indented (four spaces after a
// blank line, outside a list). Its kind is the first word of the fence's info string, and says which test runs
// it (BlockKinds); an indented block has no info string, so no kind, and fails BlockKindTests.
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
    /// <summary>
    /// One code block: its kind (the info string's first word: "csharp", "sh", ""), the rest of the info string,
    /// its text (the fence's indentation removed), and the line its fence or first indented line is on.
    /// </summary>
    public sealed record Block(string Kind, string Args, string Text, int Line, bool Indented = false)
    {
        public string Where(string document) => $"{document}:{Line}";
    }

    [GeneratedRegex(@"^(\s*)```(\S*)\s*(.*?)\s*$")]
    private static partial Regex Fence();

    [GeneratedRegex(@"^\s*([-*+]|\d+\.)\s")]
    private static partial Regex ListItem();

    public static List<Block> Read(string markdownPath)
    {
        var blocks = new List<Block>();
        var lines = File.ReadAllLines(markdownPath);
        bool inList = false;
        for (int i = 0; i < lines.Length; i++)
        {
            var m = Fence().Match(lines[i]);
            if (m.Success)
            {
                int start = i, indent = m.Groups[1].Length;
                var text = new StringBuilder();
                for (i++; i < lines.Length && !lines[i].TrimStart().StartsWith("```", StringComparison.Ordinal); i++)
                    text.AppendLine(lines[i].Length >= indent && lines[i][..indent].Trim().Length == 0 ? lines[i][indent..] : lines[i].TrimStart());
                blocks.Add(new Block(m.Groups[2].Value, m.Groups[3].Value, text.ToString(), start + 1));
                continue;
            }
            if (lines[i].Trim().Length == 0)
                continue;
            bool afterBlank = i > 0 && lines[i - 1].Trim().Length == 0;
            if (!lines[i].StartsWith(' '))
                inList = ListItem().IsMatch(lines[i]);
            else if (afterBlank && !inList && lines[i].StartsWith("    ", StringComparison.Ordinal))
            {
                int start = i;
                var text = new StringBuilder();
                for (; i < lines.Length && (lines[i].StartsWith("    ", StringComparison.Ordinal) || lines[i].Trim().Length == 0); i++)
                    text.AppendLine(lines[i].Length >= 4 ? lines[i][4..] : "");
                blocks.Add(new Block("", "", text.ToString().TrimEnd() + "\n", start + 1, Indented: true));
                i--;
            }
        }
        return blocks;
    }

    /// <summary>Every Markdown file whose code blocks are tested: README.md, docs/**/*.md, src/*/README.md.</summary>
    public static IEnumerable<string> Documents() =>
        new[] { Path.Combine(Repo.Root, "README.md") }
            .Concat(Directory.GetFiles(Path.Combine(Repo.Root, "docs"), "*.md", SearchOption.AllDirectories))
            .Concat(Directory.GetFiles(Path.Combine(Repo.Root, "src"), "README.md", SearchOption.AllDirectories))
            .Order(StringComparer.Ordinal);

    /// <summary>The documents, relative to the repository, that have a block <paramref name="which"/> picks.</summary>
    public static TheoryData<string> DocumentsWith(Func<Block, bool> which)
    {
        var data = new TheoryData<string>();
        foreach (var doc in Documents())
            if (Read(doc).Any(which))
                data.Add(Path.GetRelativePath(Repo.Root, doc));
        return data;
    }

    /// <summary>The document's C# program blocks (```csharp with no argument) as one program's source: usings, then statements, then types.</summary>
    public static string Program(string markdownPath)
    {
        var code = string.Join("\n", Read(markdownPath).Where(b => b.Kind == BlockKinds.CSharp && b.Args.Length == 0).Select(b => b.Text));
        var unit = CSharpSyntaxTree.ParseText(code).GetCompilationUnitRoot();
        var usings = unit.Usings.Select(u => u.ToFullString().Trim());
        var statements = unit.Members.OfType<GlobalStatementSyntax>().Select(s => s.ToFullString());
        var types = unit.Members.Where(m => m is not GlobalStatementSyntax).Select(m => m.ToFullString());
        return string.Join("\n", usings) + "\n\n" + string.Concat(statements) + "\n" + string.Concat(types);
    }
}
