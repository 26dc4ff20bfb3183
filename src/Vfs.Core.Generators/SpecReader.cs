// Vfs.Core.Generators: reads an interface marked [OpSpec] into a Spec (OpSpec.cs).
//
// Types, modifiers and default values are taken as the spec writes them (the generated code lives in
// the spec's namespace, so they mean the same there); the doc comment is copied line for line; the
// [OpDefault] and [Unheld] marks are read from the method's symbol.
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace UnixVfs.Core.Generators;

internal static class SpecReader
{
    public static Spec Read(GeneratorAttributeSyntaxContext ctx, CancellationToken ct)
    {
        var iface = (InterfaceDeclarationSyntax)ctx.TargetNode;
        var symbol = (INamedTypeSymbol)ctx.TargetSymbol;
        var named = ctx.Attributes[0].NamedArguments.ToDictionary(kv => kv.Key, kv => kv.Value.Value);
        string Str(string key) => named.TryGetValue(key, out var v) && v is string s ? s : "";
        bool Flag(string key) => named.TryGetValue(key, out var v) && v is true;

        var ops = ImmutableArray.CreateBuilder<Op>();
        foreach (var method in iface.Members.OfType<MethodDeclarationSyntax>())
        {
            ct.ThrowIfCancellationRequested();
            var m = ctx.SemanticModel.GetDeclaredSymbol(method, ct);
            if (m is null)
                continue;
            ops.Add(ReadOp(method, m));
        }
        return new Spec(symbol.ContainingNamespace.ToDisplayString(), symbol.Name, Str("Table"), Str("Dispatcher"), Str("Macro"),
            Str("Delegate"), Str("Names"), Str("Slots"), Str("MasterTable"), Str("StatsPrefix"), Str("OpsOf"), Str("VfsOf"),
            Flag("HoldCheck"), Flag("Interposed"), new EquatableArray<Op>(ops.ToImmutable()));
    }

    private static Op ReadOp(MethodDeclarationSyntax method, IMethodSymbol m)
    {
        var ps = method.ParameterList.Parameters
            .Select(p => new OpParam(p.Modifiers.ToString(), p.Type!.ToString(), p.Identifier.Text, p.Default?.Value.ToString()))
            .ToImmutableArray();
        string? errno = "ENOSYS", generic = null;
        bool unheld = false;
        foreach (var a in m.GetAttributes())
        {
            switch (a.AttributeClass?.Name)
            {
                case "OpDefaultAttribute" when a.ConstructorArguments.Length == 1:
                    var arg = a.ConstructorArguments[0];
                    if (arg.Value is string fn)
                        (errno, generic) = (null, fn);
                    else
                        errno = EnumMemberName(arg);
                    break;
                case "UnheldAttribute":
                    unheld = true;
                    break;
            }
        }
        return new Op(method.Identifier.Text, method.ReturnType.ToString(), new EquatableArray<OpParam>(ps),
            new EquatableArray<string>(DocLines(method)), errno, generic, unheld);
    }

    /// <summary>The name of an enum constant (Errno.ENOTTY gives "ENOTTY").</summary>
    private static string EnumMemberName(TypedConstant c) =>
        c.Type!.GetMembers().OfType<IFieldSymbol>().First(f => f.HasConstantValue && Equals(f.ConstantValue, c.Value)).Name;

    /// <summary>The /// lines before the method, trimmed of their indentation.</summary>
    private static ImmutableArray<string> DocLines(MethodDeclarationSyntax method)
    {
        var lines = new List<string>();
        foreach (var trivia in method.GetLeadingTrivia())
        {
            if (!trivia.IsKind(SyntaxKind.SingleLineDocumentationCommentTrivia))
                continue;
            foreach (var raw in trivia.ToFullString().Split('\n'))
            {
                var line = raw.Trim();
                if (line.Length == 0)
                    continue;
                lines.Add(line.StartsWith("///") ? line : "/// " + line);
            }
        }
        return lines.ToImmutableArray();
    }
}
