// Tests of the docs: docs/writing-a-file-system.md's "Adding an op" done as it says. Its ```csharp VnodeIf entry is
// put at the end of src/Vfs.Core/VnodeIf.cs and Vfs.Core's sources are compiled with the op-spec generator (the
// one this build made), so the entry must compile, and the generated code must hold what step 2 says appears.
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace UnixVfs.Docs.Tests;

public sealed class NewOpExampleTests
{
    private const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    private static bool IsEntry(DocBlocks.Block b) => b.Kind == BlockKinds.CSharp && b.Args == BlockKinds.VnodeIfEntry;

    public static TheoryData<string> Documents() => DocBlocks.DocumentsWith(IsEntry);

    [Fact]
    public void Writing_a_file_system_shows_an_entry_to_build() =>
        Assert.Contains(DocBlocks.Read(Path.Combine(Repo.Root, "docs", "writing-a-file-system.md")), IsEntry);

    [Theory]
    [MemberData(nameof(Documents))]
    public void Each_vnodeif_entry_builds_into_vfs_core_and_the_generator_writes_its_op(string document)
    {
        foreach (var entry in DocBlocks.Read(Path.Combine(Repo.Root, document)).Where(IsEntry))
        {
            var op = CSharpSyntaxTree.ParseText("interface I {\n" + entry.Text + "}").GetRoot()
                .DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax>().Single().Identifier.Text;
            var compilation = CoreWith(entry.Text, out var checkedTrees);
            var errors = checkedTrees.SelectMany(t => compilation.GetSemanticModel(t).GetDiagnostics())
                .Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            Assert.True(errors.Count == 0, $"{entry.Where(document)}: Vfs.Core does not build with the entry:\n{string.Join("\n", errors.Take(20))}");
            Assert.NotNull(compilation.GetTypeByMetadataName($"UnixVfs.Core.Vop{op}"));
            foreach (var type in new[] { "VnodeOps", "VopName", "VopSlot", "Vop" })
                Assert.True(compilation.GetTypeByMetadataName($"UnixVfs.Core.{type}")!.GetMembers(op).Length > 0, $"{entry.Where(document)}: no {type}.{op} was generated");
        }
    }

    /// <summary>
    /// Vfs.Core's sources with <paramref name="entry"/> at the end of the VnodeIf interface, after its generator ran;
    /// <paramref name="checkedTrees"/> are VnodeIf.cs and what the generator wrote, the files the entry can break
    /// (binding only these, not every method body of Vfs.Core, keeps the test short).
    /// </summary>
    private static Compilation CoreWith(string entry, out List<SyntaxTree> checkedTrees)
    {
        SyntaxTree? vnodeIf = null;
        string core = Path.Combine(Repo.Root, "src", "Vfs.Core");
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = new List<SyntaxTree> { CSharpSyntaxTree.ParseText(ImplicitUsings, parse) };
        foreach (var file in Directory.GetFiles(core, "*.cs", SearchOption.AllDirectories))
        {
            string rel = Path.GetRelativePath(core, file);
            if (rel.StartsWith("obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal) || rel.StartsWith("bin" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                continue;
            string text = File.ReadAllText(file);
            if (rel == "VnodeIf.cs")
            {
                int close = text.LastIndexOf('}');
                text = text[..close] + "\n" + entry + "}\n";
            }
            trees.Add(CSharpSyntaxTree.ParseText(text, parse, path: file));
            if (rel == "VnodeIf.cs")
                vnodeIf = trees[^1];
        }
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => !Path.GetFileName(p).StartsWith("vfs.", StringComparison.OrdinalIgnoreCase))
            .Select(p => MetadataReference.CreateFromFile(p));
        var compilation = CSharpCompilation.Create("Vfs.Core", trees, references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        string generatorPath = Path.Combine(Repo.Root, "src", "Vfs.Core.Generators", "bin", Repo.Configuration, "netstandard2.0", "Vfs.Core.Generators.dll");
        var generator = (IIncrementalGenerator)Activator.CreateInstance(
            Assembly.LoadFrom(generatorPath).GetTypes().Single(t => typeof(IIncrementalGenerator).IsAssignableFrom(t)))!;
        CSharpGeneratorDriver.Create(generator).WithUpdatedParseOptions(parse)
            .RunGeneratorsAndUpdateCompilation(compilation, out var generated, out var diagnostics);
        Assert.DoesNotContain(diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        checkedTrees = [vnodeIf!, .. generated.SyntaxTrees.Except(compilation.SyntaxTrees)];
        return generated;
    }
}
