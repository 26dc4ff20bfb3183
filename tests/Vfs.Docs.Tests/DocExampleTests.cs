// Tests of the docs: every C# example of README.md, docs/**/*.md and the package READMEs is compiled (with Roslyn,
// against the assemblies this test is built with) and run, so an example that no longer compiles, or that fails
// when run (a failed call, an exception), fails here. A document's blocks are one program (DocBlocks.Program);
// the fragments of docs/ may leave out the usings of the UnixVfs namespaces, which are given to every program
// as a console project's implicit usings are.
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace UnixVfs.Docs.Tests;

public sealed class DocExampleTests
{
    private const string GlobalUsings = """
        global using System;
        global using System.IO;
        global using System.Linq;
        global using System.Collections.Generic;
        global using System.Threading;
        global using System.Threading.Tasks;
        global using UnixVfs.Core;
        global using UnixVfs.Ufs;
        global using UnixVfs.Nfs.Client;
        global using UnixVfs.Nfs.Server;
        global using UnixVfs.Nfs.Net;
        global using UnixVfs.Mirror;
        global using UnixVfs.Sim;
        global using UnixVfs.IO;
        global using System.IO.Abstractions;
        """;

    private static List<string> WithExamples() =>
        [.. DocBlocks.Documents().Where(d => DocBlocks.Read(d).Any(b => b.Kind == BlockKinds.CSharp && b.Args.Length == 0)).Select(d => Path.GetRelativePath(Repo.Root, d))];

    public static TheoryData<string> Documents() => [.. WithExamples()];

    [Fact]
    public void The_readme_and_the_docs_have_csharp_examples_to_run() => Assert.Contains("README.md", WithExamples());

    [Theory]
    [MemberData(nameof(Documents))]
    public void Each_documents_csharp_examples_compile_and_run(string document)
    {
        string source = DocBlocks.Program(Path.Combine(Repo.Root, document));
        var assembly = Compile(document, source);
        var entry = assembly.EntryPoint!;
        try
        {
            entry.Invoke(null, entry.GetParameters().Length == 0 ? [] : [Array.Empty<string>()]);
        }
        catch (TargetInvocationException e)
        {
            Assert.Fail($"{document}: the example threw {e.InnerException}\n\n{source}");
        }
    }

    private static Assembly Compile(string name, string source)
    {
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Concat(Directory.GetFiles(AppContext.BaseDirectory, "*.dll"))
            .DistinctBy(Path.GetFileName)
            .Select(p => MetadataReference.CreateFromFile(p));
        var compilation = CSharpCompilation.Create(
            "doc_" + Path.GetFileNameWithoutExtension(name),
            [CSharpSyntaxTree.ParseText(GlobalUsings), CSharpSyntaxTree.ParseText(source, path: name)],
            references,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        var errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(result.Success, $"{name}: the examples do not compile:\n{string.Join("\n", errors)}\n\n{source}");
        image.Position = 0;
        return new AssemblyLoadContext(name, isCollectible: true).LoadFromStream(image);
    }
}
