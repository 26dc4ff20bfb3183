// Vfs.Core: the tracing table -- a VnodeOps that wraps any other, records each call and forwards it.
//
// VopTracer.Wrap(table) builds, once per table, a table of the same ops whose every slot notes
// the op, the layer (the table's name), the vnode and the main argument, calls the original,
// then notes the result and the time taken. Calls nest: a mirror write that calls two UFS writes
// records three events, the inner two one level deeper, in call order. Turning tracing on for a
// vfs (Kernel.Trace) makes its vnodes dispatch through the wrapped table (Vnode.Ops), so nothing
// in any file system changes and nothing costs anything while tracing is off.
using System.Diagnostics;
using System.Linq.Expressions;
using System.Runtime.CompilerServices;

namespace UnixVfs.Core;

/// <summary>One traced vnode operation.</summary>
public sealed class VopTraceEvent
{
    /// <summary>Nesting depth: 0 for a call made by the kernel, 1 for a call made by a layer inside it, ...</summary>
    public int Depth { get; init; }
    /// <summary>The op ("read", "lookup", ...).</summary>
    public required string Op { get; init; }
    /// <summary>The table the call went through ("mfs", "ufs", "tmpfs-dir", ...): the layer.</summary>
    public required string Layer { get; init; }
    /// <summary>The vnode's path hint or identity.</summary>
    public required string Vnode { get; init; }
    /// <summary>The main argument: a name, or the offset and length of an I/O.</summary>
    public string Detail { get; init; } = "";
    /// <summary>What the op returned (OK for ops that return nothing).</summary>
    public Errno Result { get; internal set; }
    /// <summary>How long it took, including every call it made.</summary>
    public TimeSpan Duration { get; internal set; }

    public override string ToString() =>
        $"{new string(' ', 2 * Depth)}{Layer}.{Op}({Vnode}{(Detail.Length > 0 ? ", " + Detail : "")}) = {Result} [{Duration.TotalMicroseconds:F0} us]";
}

/// <summary>Records the vnode operations of the vfs it is attached to.</summary>
public sealed class VopTracer
{
    [ThreadStatic] private static int t_depth;

    private readonly ConditionalWeakTable<VnodeOps, VnodeOps> _wrapped = new();
    private readonly List<VopTraceEvent> _events = new();
    private readonly int _capacity;

    /// <param name="capacity">How many events to keep; the oldest are dropped beyond it.</param>
    /// <param name="live">Called with each event as it completes, if given.</param>
    public VopTracer(int capacity = 100_000, Action<VopTraceEvent>? live = null)
    {
        _capacity = capacity;
        Live = live;
    }

    /// <summary>Called with each event as it completes.</summary>
    public Action<VopTraceEvent>? Live { get; set; }

    /// <summary>The events recorded so far, in call order.</summary>
    public IReadOnlyList<VopTraceEvent> Events
    {
        get { lock (_events) return _events.ToArray(); }
    }

    /// <summary>Forgets every recorded event.</summary>
    public void Clear()
    {
        lock (_events) _events.Clear();
    }

    /// <summary>The tracing wrapper of <paramref name="ops"/> (built once per table and kept).</summary>
    public VnodeOps Wrap(VnodeOps ops) => _wrapped.GetValue(ops, o => o.Rewrap(o.Name, (name, slot) => WrapSlot(o.Name, name, slot)));

    internal VopTraceEvent Begin(string layer, string op, Vnode vp, object? arg)
    {
        var ev = new VopTraceEvent { Depth = t_depth++, Op = op, Layer = layer, Vnode = vp.Path ?? vp.Data?.ToString() ?? "?", Detail = Describe(arg) };
        lock (_events)
        {
            if (_events.Count >= _capacity)
                _events.RemoveAt(0);
            _events.Add(ev);
        }
        return ev;
    }

    internal void End(VopTraceEvent ev, Errno result, long startTicks)
    {
        t_depth--;
        ev.Result = result;
        ev.Duration = Stopwatch.GetElapsedTime(startTicks);
        Live?.Invoke(ev);
    }

    private static string Describe(object? arg) => arg switch
    {
        string s => "\"" + s + "\"",
        Uio u => $"off={u.Offset} len={u.Resid}",
        Vattr va => "mask=" + va.Mask,
        _ => "",
    };

    /// <summary>Builds (params) => { ev = Begin(..); try { return slot(params); } finally { End(ev, result); } }.</summary>
    private Delegate WrapSlot(string layer, string op, Delegate slot)
    {
        var type = slot.GetType();
        var invoke = type.GetMethod("Invoke")!;
        var ps = invoke.GetParameters().Select(p => Expression.Parameter(p.ParameterType, p.Name)).ToArray();
        var ret = invoke.ReturnType;
        var ev = Expression.Variable(typeof(VopTraceEvent), "ev");
        var start = Expression.Variable(typeof(long), "start");
        var result = Expression.Variable(ret == typeof(void) ? typeof(int) : ret, "result");
        Expression arg = ps.Length > 1 && !ps[1].IsByRef ? Expression.Convert(ps[1], typeof(object)) : Expression.Constant(null);
        var call = Expression.Invoke(Expression.Constant(slot), ps);
        var errno = ret == typeof(Errno) ? (Expression)result : Expression.Constant(Errno.OK);
        var body = Expression.Block(ret, [ev, start, result],
            Expression.Assign(start, Expression.Call(typeof(Stopwatch).GetMethod(nameof(Stopwatch.GetTimestamp))!)),
            Expression.Assign(ev, Expression.Call(Expression.Constant(this), typeof(VopTracer).GetMethod(nameof(Begin), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!,
                Expression.Constant(layer), Expression.Constant(op), ps[0], arg)),
            Expression.TryFinally(
                ret == typeof(void) ? call : Expression.Assign(result, call),
                Expression.Call(Expression.Constant(this), typeof(VopTracer).GetMethod(nameof(End), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!,
                    ev, errno, start)),
            ret == typeof(void) ? Expression.Empty() : result);
        return Expression.Lambda(type, body, ps).Compile();
    }
}
