// Vfs.Core/Observability: interposition on ops tables -- a table that wraps another and sees every call go by.
//
// Layer: observability. Sits between the VOP_* dispatchers (Vop.cs, which reach it through Vnode.Ops) and
// the file system's own table; the tracer (VopTrace.cs) and the fault injector (VopFaults.cs) are built on it.
//
// An interposer builds, once per table, a table of the same ops whose every slot first calls Enter
// (which may refuse the call with an errno, or let it through) and after the call Exit. Two are
// built in: VopTracer records every call (the shell's `trace on`, the demo's VOP trace), VopFaults
// makes chosen ops fail (a disk going bad, a server going away) for tests of the layers above.
// A vfs dispatches through them when they are attached to it (Vfs.Tracer, Vfs.Faults; see Vnode.Ops),
// so no file system changes and nothing costs anything while none is attached.
using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace UnixVfs.Core;

/// <summary>A wrapper of vnode ops tables that sees every call.</summary>
public abstract class VopInterposer
{
    private readonly ConditionalWeakTable<VnodeOps, VnodeOps> _wrapped = new();

    /// <summary>The wrapping table of <paramref name="ops"/> (built once per table and kept).</summary>
    public VnodeOps Wrap(VnodeOps ops) => _wrapped.GetValue(ops, o => o.Rewrap(o.Name, (name, slot) => WrapSlot(o.Name, name, slot)));

    /// <summary>
    /// Called before op <paramref name="op"/> of table <paramref name="layer"/> on <paramref name="vp"/> (its main
    /// argument in <paramref name="arg"/>). Set <paramref name="refuse"/> to an errno to fail the call without
    /// making it. The returned state is handed to Exit.
    /// </summary>
    protected abstract object? Enter(string layer, string op, Vnode vp, object? arg, out Errno refuse);

    /// <summary>Called after the call (or its refusal) with what it returned and when it started (Stopwatch ticks).</summary>
    protected abstract void Exit(object? state, Errno result, long startTicks);

    private static readonly MethodInfo EnterMethod = typeof(VopInterposer).GetMethod(nameof(Enter), BindingFlags.NonPublic | BindingFlags.Instance)!;
    private static readonly MethodInfo ExitMethod = typeof(VopInterposer).GetMethod(nameof(Exit), BindingFlags.NonPublic | BindingFlags.Instance)!;
    private static readonly MethodInfo Timestamp = typeof(System.Diagnostics.Stopwatch).GetMethod(nameof(System.Diagnostics.Stopwatch.GetTimestamp))!;

    /// <summary>
    /// Builds (params) => { start = now; state = Enter(..., out refuse);
    ///                      if (refuse != OK) { outs = default; result = refuse; }
    ///                      else try { result = slot(params); } finally { Exit(state, result, start); } ... }.
    /// </summary>
    private Delegate WrapSlot(string layer, string op, Delegate slot)
    {
        var type = slot.GetType();
        var invoke = type.GetMethod("Invoke")!;
        var infos = invoke.GetParameters();
        var ps = infos.Select(p => Expression.Parameter(p.ParameterType, p.Name)).ToArray();
        var ret = invoke.ReturnType;
        var self = Expression.Constant(this);
        var state = Expression.Variable(typeof(object), "state");
        var start = Expression.Variable(typeof(long), "start");
        var refuse = Expression.Variable(typeof(Errno), "refuse");
        var result = Expression.Variable(ret == typeof(void) ? typeof(int) : ret, "result");
        var errno = ret == typeof(Errno) ? (Expression)result : Expression.Constant(Errno.OK);
        Expression arg = ps.Length > 1 && !ps[1].IsByRef ? Expression.Convert(ps[1], typeof(object)) : Expression.Constant(null);
        var call = Expression.Invoke(Expression.Constant(slot), ps);

        var refused = new List<Expression>();
        foreach (var (p, info) in ps.Zip(infos))
            if (info.IsOut)
                refused.Add(Expression.Assign(p, Expression.Default(p.Type)));
        if (ret == typeof(Errno))
            refused.Add(Expression.Assign(result, refuse));
        refused.Add(Expression.Call(self, ExitMethod, state, refuse, start));

        var body = Expression.Block(ret, [state, start, refuse, result],
            Expression.Assign(start, Expression.Call(Timestamp)),
            Expression.Assign(state, Expression.Call(self, EnterMethod, Expression.Constant(layer), Expression.Constant(op), ps[0], arg, refuse)),
            Expression.IfThenElse(
                Expression.NotEqual(refuse, Expression.Constant(Errno.OK)),
                Expression.Block(refused),
                Expression.TryFinally(
                    ret == typeof(void) ? call : Expression.Assign(result, call),
                    Expression.Call(self, ExitMethod, state, errno, start))),
            ret == typeof(void) ? Expression.Empty() : result);
        return Expression.Lambda(type, body, ps).Compile(preferInterpretation: true);
    }
}
