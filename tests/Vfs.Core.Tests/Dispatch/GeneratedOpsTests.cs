// Tests of Vfs.Core: what the op-spec generator (src/Vfs.Core.Generators) wrote agrees with the specs it
// was given (VnodeIf.cs, VfsIf.cs). For every op of a spec: a delegate type with the spec's signature, a
// typed slot in the table, a name, a row in the master table holding a default, a dispatcher with the same
// arguments, a counter in VopStats, and typed stubs. The specs are internal, so they are found by name.
using System.Reflection;

namespace UnixVfs.Core.Tests.Dispatch;

public class GeneratedOpsTests
{
    private static readonly Assembly Core = typeof(Vop).Assembly;

    public static TheoryData<string> Specs => new() { "VnodeIf", "VfsIf" };

    /// <summary>What the generator made from one spec: the table, the dispatchers, the names, how slot types are named.</summary>
    private sealed record Shape(Type Spec, Type Table, Type Dispatcher, Type Names, string DelegateFormat, string StatsPrefix);

    private static Shape ShapeOf(string spec) => spec switch
    {
        "VnodeIf" => new(Core.GetType("UnixVfs.Core.VnodeIf", throwOnError: true)!, typeof(VnodeOps), typeof(Vop), typeof(VopName), "UnixVfs.Core.Vop{0}", ""),
        _ => new(Core.GetType("UnixVfs.Core.VfsIf", throwOnError: true)!, typeof(VfsOps), typeof(VfsOp), typeof(VfsopName), "UnixVfs.Core.Vfs{0}Fn", "vfs_"),
    };

    /// <summary>The spec's ops in the order it lists them.</summary>
    private static MethodInfo[] Ops(Type spec) => spec.GetMethods().OrderBy(m => m.MetadataToken).ToArray();

    private static string Signature(MethodInfo m) =>
        m.ReturnType.Name + "(" + string.Join(", ", m.GetParameters().Select(p => p.ParameterType.Name + " " + p.Name)) + ")";

    [Theory]
    [MemberData(nameof(Specs))]
    public void Every_op_of_the_spec_has_a_delegate_type_with_its_signature_a_slot_a_name_and_a_dispatcher(string spec)
    {
        var s = ShapeOf(spec);
        var ops = Ops(s.Spec);
        Assert.NotEmpty(ops);
        foreach (var op in ops)
        {
            var slotType = Core.GetType(string.Format(s.DelegateFormat, op.Name));
            Assert.True(slotType is not null && slotType.IsSubclassOf(typeof(Delegate)), $"no delegate type for {op.Name}");
            Assert.Equal(Signature(op), Signature(slotType.GetMethod("Invoke")!));

            Assert.Equal(slotType, s.Table.GetProperty(op.Name)?.PropertyType);
            Assert.Equal(op.Name.ToLowerInvariant(), s.Names.GetField(op.Name)?.GetValue(null));

            var dispatcher = s.Dispatcher.GetMethod(op.Name, BindingFlags.Public | BindingFlags.Static);
            Assert.True(dispatcher is not null, $"no {s.Dispatcher.Name}.{op.Name}");
            Assert.Equal(Signature(op), Signature(dispatcher));
        }
    }

    [Fact]
    public void The_vnode_table_lists_the_spec_ops_in_order_and_an_empty_template_holds_every_default()
    {
        var ops = VnodeOps.MakeOrPanic("empty", []);
        Assert.Equal(Ops(ShapeOf("VnodeIf").Spec).Select(m => m.Name.ToLowerInvariant()), ops.Slots.Select(s => s.Name));
        foreach (var (name, func) in ops.Slots)
        {
            Assert.NotNull(func);
            Assert.True(ops.IsDefault(name), name);
            Assert.Same(func, typeof(VnodeOps).GetProperty(Capitalised(name))!.GetValue(ops));
        }
    }

    [Fact]
    public void The_vfs_table_lists_the_spec_ops_in_order_with_a_default_in_every_slot()
    {
        var ops = VfsOps.MakeOrPanic("empty", []);
        Assert.Equal(Ops(ShapeOf("VfsIf").Spec).Select(m => m.Name.ToLowerInvariant()), ops.Slots.Select(s => s.Name));
        foreach (var (name, func) in ops.Slots)
            Assert.Same(func, typeof(VfsOps).GetProperty(Capitalised(name))!.GetValue(ops));
    }

    [Theory]
    [MemberData(nameof(Specs))]
    public void Every_op_has_a_counter_in_VopStats_under_its_name(string spec)
    {
        var s = ShapeOf(spec);
        var st = new TestHost().Tmp.Stats;
        foreach (var op in Ops(s.Spec))
            Assert.True(st.Calls(s.StatsPrefix + op.Name.ToLowerInvariant()) >= 0);
        Assert.Equal(Ops(ShapeOf("VnodeIf").Spec).Length + Ops(ShapeOf("VfsIf").Spec).Length,
            typeof(VopStats).GetField("Names", BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null) is string[] names ? names.Length : -1);
    }

    [Theory]
    [MemberData(nameof(Specs))]
    public void Every_slot_type_has_typed_stubs_that_return_their_errno_or_panic(string spec)
    {
        var s = ShapeOf(spec);
        var vfsp = new TestHost(mountTmpfs: false).Kernel.RootVfs;
        var vp = Vnode.Alloc(VnodeOps.MakeOrPanic("x", []), vfsp, VType.VREG, null);
        foreach (var op in Ops(s.Spec))
        {
            var slotType = Core.GetType(string.Format(s.DelegateFormat, op.Name))!;
            var args = SampleArgs.For(slotType, vp, vfsp);
            var nosys = (Delegate)typeof(FsSubr).GetMethod(nameof(FsSubr.Nosys))!.MakeGenericMethod(slotType).Invoke(null, null)!;
            var result = nosys.DynamicInvoke(args.Values);
            if (op.ReturnType == typeof(Errno))
                Assert.Equal(Errno.ENOSYS, result);
            args.AssertOutsAreDefault(op.Name);

            var panic = (Delegate)typeof(FsSubr).GetMethod(nameof(FsSubr.Panic))!.MakeGenericMethod(slotType).Invoke(null, null)!;
            var e = Assert.Throws<TargetInvocationException>(() => panic.DynamicInvoke(SampleArgs.For(slotType, vp, vfsp).Values));
            Assert.IsType<VfsPanicException>(e.InnerException);
        }
        Assert.Throws<ArgumentException>(() => FsSubr.Nosys<Func<int>>());
        vp.Rele();
    }

    private static string Capitalised(string name) => char.ToUpperInvariant(name[0]) + name[1..];
}
