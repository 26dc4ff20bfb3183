// Tests of Vfs.Core: the interposers (VopInterposer.cs and its generated VopInterposer.g.cs) pass every call
// on unchanged. For every vnode op, called through its VOP_* dispatcher on a vfs with both a tracer and a
// fault injector attached (as Vnode.Ops stacks them): each argument reaches the file system as given, each
// out and ref parameter comes back as the file system set it, and so does the result. A refused call never
// reaches the file system and leaves its outs at their defaults. And a stack trace taken inside a traced,
// fault-checked call shows only named methods: no lambda, no DynamicMethod.
using System.Diagnostics;
using System.Linq.Expressions;
using System.Reflection;
using System.Reflection.Emit;
using static UnixVfs.Core.Tests.TestHost;

namespace UnixVfs.Core.Tests.Dispatch;

public class InterposerTests
{
    /// <summary>
    /// A file system that only takes notes: every op writes down which slot was called and the arguments it was
    /// given (null for an out), sets each out and ref parameter to SampleArgs.OutSentinel and returns EXDEV (true
    /// for a bool op). Its ops are built with expression trees: this is test scaffolding, not a dispatch path.
    /// </summary>
    private sealed class Recorder
    {
        public string? Slot;
        public object?[]? Seen;

        public void See(string slot, object?[] args) => (Slot, Seen) = (slot, args);

        public VnodeOps Table(Vnode replacement) => VnodeOps.MakeOrPanic("recorder",
            VnodeOps.MakeOrPanic("shape", []).Slots.Select(s => new FsOperationDef(s.Name, Recording(s.Func.GetType(), replacement))));

        private Delegate Recording(Type slotType, Vnode replacement)
        {
            var invoke = slotType.GetMethod("Invoke")!;
            var infos = invoke.GetParameters();
            var ps = infos.Select(p => Expression.Parameter(p.ParameterType, p.Name)).ToArray();
            var body = new List<Expression>
            {
                Expression.Call(Expression.Constant(this), typeof(Recorder).GetMethod(nameof(See))!, Expression.Constant(slotType.Name),
                    Expression.NewArrayInit(typeof(object), ps.Select((p, i) =>
                        infos[i].IsOut ? Expression.Constant(null) : (Expression)Expression.Convert(p, typeof(object))))),
            };
            foreach (var p in ps.Where(p => p.IsByRef))
                body.Add(Expression.Assign(p, Expression.Constant(SampleArgs.OutSentinel(p.Type, replacement), p.Type)));
            var ret = invoke.ReturnType;
            body.Add(ret == typeof(Errno) ? Expression.Constant(Errno.EXDEV) : ret == typeof(bool) ? Expression.Constant(true) : Expression.Empty());
            return Expression.Lambda(slotType, Expression.Block(ret, body), ps).Compile();
        }
    }

    /// <summary>A vnode whose table is a Recorder's, on a vfs with a tracer and a fault injector attached.</summary>
    private sealed class Bed : IDisposable
    {
        public readonly TestHost Host = new();
        public readonly Recorder Rec = new();
        public readonly VopTracer Tracer = new();
        public readonly VopFaults Faults = new();
        public readonly Vnode Vp;
        public readonly Vnode Other;

        public Bed()
        {
            Other = Vnode.Alloc(VnodeOps.MakeOrPanic("other", []), Host.Tmp, VType.VREG, null);
            Vp = Vnode.Alloc(Rec.Table(Other), Host.Tmp, VType.VREG, null);
            Host.Tmp.Faults = Faults;
            Host.Kernel.Trace(Tracer);
        }

        /// <summary>Every VOP_* dispatcher, in slot order.</summary>
        public static IEnumerable<MethodInfo> Dispatchers =>
            VnodeOps.MakeOrPanic("shape", []).Slots.Select(s => typeof(Vop).GetMethod(char.ToUpperInvariant(s.Name[0]) + s.Name[1..])!);

        public void Dispose()
        {
            Host.Kernel.Trace(null);
            Host.Tmp.Faults = null;
            Vp.Rele();
            Other.Rele();
        }
    }

    [Fact]
    public void A_traced_fault_checked_call_passes_on_every_argument_and_every_out_and_ref_parameter()
    {
        using var bed = new Bed();
        bed.Faults.Fail(null, Errno.EIO, match: v => ReferenceEquals(v, bed.Other)); // a rule, but not for this vnode
        var called = new List<string>();
        foreach (var vop in Bed.Dispatchers)
        {
            var args = SampleArgs.For(vop, bed.Vp, bed.Host.Tmp, bed.Other);
            var given = (object?[])args.Values.Clone();
            bed.Rec.Slot = null;
            var result = vop.Invoke(null, args.Values);

            Assert.Equal("Vop" + vop.Name, bed.Rec.Slot);
            var seen = bed.Rec.Seen!;
            foreach (int i in Enumerable.Range(0, given.Length).Except(args.Outs))
                Assert.True(Equals(given[i], seen[i]), $"{vop.Name}: argument {i} arrived as {seen[i]}, given {given[i]}");
            foreach (int i in args.ByRef)
            {
                var t = vop.GetParameters()[i].ParameterType.GetElementType()!;
                Assert.True(Equals(SampleArgs.OutSentinel(t, bed.Other), args.Values[i]), $"{vop.Name}: {vop.GetParameters()[i].Name} came back as {args.Values[i]}");
            }
            object? expected = vop.ReturnType == typeof(Errno) ? Errno.EXDEV : vop.ReturnType == typeof(bool) ? true : null;
            Assert.Equal(expected, result);
            called.Add(vop.Name.ToLowerInvariant());
        }
        Assert.Equal(called, bed.Tracer.Events.Select(e => e.Op));
        Assert.All(bed.Tracer.Events, e => Assert.Equal("recorder", e.Layer));
        Assert.Equal(0, bed.Faults.Injected);
    }

    [Fact]
    public void A_refused_call_never_reaches_the_file_system_and_leaves_its_outs_at_their_defaults()
    {
        using var bed = new Bed();
        bed.Faults.FailAll(Errno.EIO);
        var exempt = new[] { VopName.Inactive, VopName.Rwlock, VopName.Rwunlock }; // VopFaults never fails these
        int refused = 0;
        foreach (var vop in Bed.Dispatchers.Where(m => !exempt.Contains(m.Name.ToLowerInvariant())))
        {
            var args = SampleArgs.For(vop, bed.Vp, bed.Host.Tmp, bed.Other);
            var given = (object?[])args.Values.Clone();
            bed.Rec.Slot = null;
            var result = vop.Invoke(null, args.Values);

            Assert.Null(bed.Rec.Slot);
            Assert.Equal(vop.ReturnType == typeof(Errno) ? Errno.EIO : (object)false, result);
            args.AssertOutsAreDefault(vop.Name);
            foreach (int i in args.ByRef.Except(args.Outs))
                Assert.Equal(given[i], args.Values[i]); // a ref the file system never saw is unchanged
            refused++;
        }
        Assert.Equal(refused, bed.Faults.Injected);
        // The tracer, outside the injector, sees each refusal (cmp answers a bool, so its event says OK: it answered false).
        Assert.All(bed.Tracer.Events.Where(e => e.Op != VopName.Cmp), e => Assert.Equal(Errno.EIO, e.Result));
        Assert.Equal(refused, bed.Tracer.Events.Count);
    }

    private static StackTrace? s_stack;

    private static Errno ReadAndKeepTheStack(Vnode vp, Uio uio, FileFlags ioflag, Cred cr, CallerContext? ct)
    {
        s_stack = new StackTrace();
        return Errno.OK;
    }

    [Fact]
    public void A_stack_trace_inside_a_traced_fault_checked_call_shows_only_named_methods()
    {
        var h = new TestHost();
        var vp = Vnode.Alloc(VnodeOps.MakeOrPanic("named", [new(VopName.Read, (VopRead)ReadAndKeepTheStack)]), h.Tmp, VType.VREG, null);
        h.Tmp.Faults = new VopFaults();
        h.Kernel.Trace(new VopTracer());
        try
        {
            Ok(Vop.Read(vp, new Uio(new byte[1], 0, UioRw.UIO_READ), 0, Cred.Kcred));
        }
        finally
        {
            h.Kernel.Trace(null);
            h.Tmp.Faults = null;
            vp.Rele();
        }

        var methods = s_stack!.GetFrames()
            .Select(f => f.GetMethod())
            .TakeWhile(m => m?.Name != nameof(A_stack_trace_inside_a_traced_fault_checked_call_shows_only_named_methods))
            .ToList();
        foreach (var m in methods)
        {
            Assert.NotNull(m);
            Assert.False(m is DynamicMethod || m.DeclaringType is null, $"an unnamed frame: {m}");
            Assert.DoesNotContain("lambda", m.Name);
            Assert.DoesNotContain('<', m.DeclaringType!.FullName!);
            Assert.DoesNotContain('<', m.Name);
        }
        var names = methods.Select(m => m!.DeclaringType!.FullName + "." + m.Name).ToList();
        Assert.Equal(typeof(InterposerTests).FullName + "." + nameof(ReadAndKeepTheStack), names[0]);
        Assert.Equal(2, names.Count(n => n == "UnixVfs.Core.VopInterposer+Interposed.Read")); // the fault injector, then the tracer
    }
}
