// Vfs.Core.Generators: the op list is written once (Vfs.Core/VnodeIf.cs for vnodes, VfsIf.cs for vfs), and
// this generator writes everything that repeats it, as FreeBSD's vnode_if.awk turns vnode_if.src into
// vnode_if.h. From each interface marked [OpSpec] it writes, into the compilation of Vfs.Core:
//
//     <Dispatcher>Delegates.g.cs   the delegate type of each slot, with the op's contract (VopRead)
//     <Table>.g.cs                 the table's typed slots, its constructor, FromVector (VnodeOps.Read)
//     <Names>.g.cs                 the op names and slot numbers (VopName.Read = "read", VopSlot.Read = 2)
//     <Dispatcher>.g.cs            each VOP_*/VFS_* dispatcher the hand-written part does not declare
//     VopInterposer.g.cs           for an [OpSpec(Interposed = true)] table: the wrapper, one method per op
// and, from all the specs together:
//     VfsOpReg.g.cs                the master tables: name, slot type, default and error function of each op
//     FsSubr.g.cs                  the typed stubs: FsSubr.Returning<T>(errno) and FsSubr.Panic<T>()
//     VopStats.g.cs                the counters' names
//
// Everything it writes is plain C#: no reflection, no expression trees, nothing made at run time. With
// EmitCompilerGeneratedFiles (Vfs.Core.csproj) the files are left under obj/<config>/net10.0/generated/.
// The class names it fills in (VfsOpReg, FsSubr, VopStats, VopInterposer, OpRegEntry, VopMetrics, Errno)
// are Vfs.Core's own: this generator serves that one project.
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace UnixVfs.Core.Generators;

[Generator(LanguageNames.CSharp)]
public sealed class OpSpecGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var specs = context.SyntaxProvider.ForAttributeWithMetadataName(
                "UnixVfs.Core.OpSpecAttribute",
                static (node, _) => node is InterfaceDeclarationSyntax,
                static (ctx, ct) => SpecReader.Read(ctx, ct))
            .Collect();

        // "Vop.Read" for every method of a static partial class: a dispatcher written by hand.
        var handWritten = context.SyntaxProvider.CreateSyntaxProvider(
                static (node, _) => node is MethodDeclarationSyntax { Parent: ClassDeclarationSyntax c }
                    && c.Modifiers.Any(SyntaxKind.PartialKeyword) && c.Modifiers.Any(SyntaxKind.StaticKeyword),
                static (ctx, _) =>
                {
                    var m = (MethodDeclarationSyntax)ctx.Node;
                    return ((ClassDeclarationSyntax)m.Parent!).Identifier.Text + "." + m.Identifier.Text;
                })
            .Collect();

        context.RegisterSourceOutput(specs.Combine(handWritten), static (spc, input) =>
        {
            var all = input.Left.OrderBy(s => s.StatsPrefix.Length).ThenBy(s => s.Table).ToList();
            if (all.Count == 0)
                return;
            var byHand = new HashSet<string>(input.Right);
            int statsBase = 0;
            foreach (var spec in all)
            {
                spc.AddSource(spec.Dispatcher + "Delegates.g.cs", Emit.Delegates(spec));
                spc.AddSource(spec.Table + ".g.cs", Emit.Table(spec));
                spc.AddSource(spec.Names + ".g.cs", Emit.Names(spec, statsBase));
                spc.AddSource(spec.Dispatcher + ".g.cs", Emit.Dispatchers(spec, statsBase, byHand));
                if (spec.Interposed)
                    spc.AddSource("VopInterposer.g.cs", Emit.Interposer(spec));
                statsBase += spec.Ops.Length;
            }
            spc.AddSource("VfsOpReg.g.cs", Emit.MasterTables(all));
            spc.AddSource("FsSubr.g.cs", Emit.Stubs(all));
            spc.AddSource("VopStats.g.cs", Emit.StatsNames(all));
        });
    }
}
