// Vfs.Core/Observability: the tracing table -- an interposer (VopInterposer.cs) that records every vnode op it sees.
//
// Layer: observability. An interposer (VopInterposer.cs) between the dispatchers (Vop.cs) and a file
// system's table; attached by Kernel.Trace. It records calls and never changes one.
//
// Each event notes the op, the layer (the table's name: "mfs", "ufs", "tmpfs-dir"...), the vnode, the
// main argument, the result and the time taken. Calls nest: a mirror write that calls two UFS writes
// records three events, the inner two one level deeper, in call order. Kernel.Trace attaches a tracer to
// every vfs of a host.
using System.Diagnostics;

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
    /// <summary>How long it took, including every call it made (zero from a tracer that is not Timed).</summary>
    public TimeSpan Duration { get; internal set; }

    /// <summary>When the call started (Stopwatch ticks), for Duration; 0 when the tracer is not Timed.</summary>
    internal long StartTicks { get; init; }

    public override string ToString() =>
        $"{new string(' ', 2 * Depth)}{Layer}.{Op}({Vnode}{(Detail.Length > 0 ? ", " + Detail : "")}) = {Result} [{Duration.TotalMicroseconds:F0} us]";
}

/// <summary>Records the vnode operations of the vfs it is attached to.</summary>
public sealed class VopTracer : VopInterposer
{
    // The nesting depth of the calls in progress, carried with the execution context so that a layer that hands
    // part of a call to another thread (the mirror writes its second copy on a worker) still nests it.
    private static readonly AsyncLocal<int> s_depth = new();

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

    /// <summary>
    /// Whether each event's Duration is measured (two reads of the host's clock per recorded call). A simulated world's
    /// tracer is not timed: its trace is of virtual time, and its runs reach no host clock.
    /// </summary>
    public bool Timed { get; init; } = true;

    /// <summary>
    /// While this returns false a call passes through unrecorded: no event, and its nesting is not counted (a call it
    /// makes that is recorded nests as if it had been made by the unrecorded call's caller). A simulated world's tracer
    /// stops recording while the invariants look at the world, whose calls its trace leaves out anyway. Null: always.
    /// </summary>
    public Func<bool>? Recording { get; init; }

    // Enter's state for a call made while Recording said no: Exit then does nothing either.
    private static readonly object s_unrecorded = new();

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

    protected override object? Enter(string layer, string op, Vnode vp, object? arg, out Errno refuse)
    {
        refuse = Errno.OK;
        if (Recording is { } recording && !recording())
            return s_unrecorded;
        int depth = s_depth.Value;
        s_depth.Value = depth + 1;
        var ev = new VopTraceEvent
        {
            Depth = depth, Op = op, Layer = layer, Vnode = vp.Path is { } path ? FsName.Visible(path) : vp.Data?.ToString() ?? "?",
            Detail = Describe(arg), StartTicks = Timed ? Stopwatch.GetTimestamp() : 0,
        };
        lock (_events)
        {
            if (_events.Count >= _capacity)
                _events.RemoveAt(0);
            _events.Add(ev);
        }
        return ev;
    }

    protected override void Exit(object? state, Errno result)
    {
        if (ReferenceEquals(state, s_unrecorded))
            return;
        var ev = (VopTraceEvent)state!;
        s_depth.Value = ev.Depth;
        ev.Result = result;
        if (Timed)
            ev.Duration = Stopwatch.GetElapsedTime(ev.StartTicks);
        Live?.Invoke(ev);
    }

    private static string Describe(object? arg) => arg switch
    {
        string s => "\"" + FsName.Visible(s) + "\"",
        Uio u => $"off={u.Offset} len={u.Resid}",
        Vattr va => "mask=" + va.Mask,
        _ => "",
    };
}
