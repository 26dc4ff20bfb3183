// Tests of the docs: every code block of README.md, docs/**/*.md and the package READMEs has a kind
// (BlockKinds), so that each one is run by a test or declared unrunnable; and the arguments a kind takes name
// what exists.
namespace UnixVfs.Docs.Tests;

public sealed class BlockKindTests
{
    private static IEnumerable<(string Document, DocBlocks.Block Block)> AllBlocks() =>
        DocBlocks.Documents().SelectMany(d => DocBlocks.Read(d).Select(b => (Path.GetRelativePath(Repo.Root, d), b)));

    /// <summary>What is wrong with a block's kind and arguments, or null.</summary>
    private static string? Problem(string document, DocBlocks.Block b)
    {
        if (b.Indented)
            return "an indented block: fence it with its kind (```sh, ```text, ...)";
        if (!BlockKinds.All.Contains(b.Kind))
            return $"a block of no known kind \"{b.Kind}\": give its fence one of {string.Join(", ", BlockKinds.All)}";
        if (b.Kind == BlockKinds.CSharp && b.Args is not ("" or BlockKinds.VnodeIfEntry))
            return $"```csharp takes no argument but {BlockKinds.VnodeIfEntry}";
        if (b.Kind is BlockKinds.Session or BlockKinds.Trace && !File.Exists(Path.Combine(Repo.Root, b.Args)))
            return $"```{b.Kind} names a script that does not exist: \"{b.Args}\"";
        if (b.Kind == BlockKinds.Vfs && b.Args.Length > 0 && !DocBlocks.Read(Path.Combine(Repo.Root, document))
                .Any(s => s.Kind == BlockKinds.Sh && s.Text.Contains(b.Args, StringComparison.Ordinal)))
            return $"```vfs {b.Args}: no ```sh block of the document uses {b.Args}, so nothing runs it";
        return null;
    }

    [Fact]
    public void Every_code_block_has_a_kind_that_a_test_runs_or_declares_unrunnable()
    {
        var problems = AllBlocks().Select(x => (x, Problem(x.Document, x.Block))).Where(p => p.Item2 is not null)
            .Select(p => $"{p.x.Block.Where(p.x.Document)}: {p.Item2}").ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Each_runnable_kind_is_used_so_its_test_runs_something()
    {
        var used = AllBlocks().Select(x => x.Block.Kind).ToHashSet();
        Assert.All(BlockKinds.All, k => Assert.Contains(k, used));
    }

    [Fact]
    public void An_indented_block_a_bare_fence_and_an_unknown_kind_are_found()
    {
        string md = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(md, [
                "Text.", "", "    vfs newfs x.img --size 1M", "", "- a list item", "", "    its second paragraph", "",
                "```", "bare", "```", "", "1. step", "", "   ```csharp", "   int x = 1;", "   ```", "", "```console", "$ ls", "```"]);
            var blocks = DocBlocks.Read(md);
            Assert.Equal([(3, ""), (9, ""), (15, "csharp"), (19, "console")], blocks.Select(b => (b.Line, b.Kind)));
            Assert.True(blocks[0].Indented);
            Assert.Equal("vfs newfs x.img --size 1M\n", blocks[0].Text.Replace("\r", ""));
            Assert.Equal("int x = 1;\n", blocks[2].Text.Replace("\r", ""));
            Assert.Equal(3, blocks.Count(b => Problem("x.md", b) is not null));
        }
        finally
        {
            File.Delete(md);
        }
    }
}
