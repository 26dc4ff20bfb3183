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
//
// The wrapping table is generated from the op list (VnodeIf.cs) into VopInterposer.g.cs: a class
// Interposed with one plain method per op, which a debugger steps into and a stack trace names
// (VopInterposer.Interposed.Read). For each op it reads:
//     state = Enter(layer, op, vp, second argument, out refuse);
//     if (refuse != OK) { outs = default; Exit(state, refuse); return refuse; }
//     try { result = inner.Op(every argument as given); } finally { Exit(state, result); }
// It reads no clock: an interposer that times calls does so in Enter and Exit (VopTracer), so one that does not (the
// fault injector, a simulated world's untimed tracer) costs no clock read per call.
using System.Runtime.CompilerServices;

namespace UnixVfs.Core;

/// <summary>A wrapper of vnode ops tables that sees every call.</summary>
public abstract partial class VopInterposer
{
    private readonly ConditionalWeakTable<VnodeOps, VnodeOps> _wrapped = new();

    // The tables wrapped last, one per slot by the table's identity hash, asked before _wrapped: every VOP dispatched
    // through an interposed vfs asks for its table's wrapper (Vnode.Ops), and a vfs's vnodes use a few tables over and
    // over. A slot holds its table strongly, so at most Slots tables stay alive beyond their last vnode; a slot is
    // replaced whole (one reference) and a wrapper never changes, so a reader needs no lock.
    private const int Slots = 16;
    private readonly Recent?[] _recent = new Recent?[Slots];

    private sealed class Recent(VnodeOps ops, VnodeOps wrapped)
    {
        public readonly VnodeOps Ops = ops;
        public readonly VnodeOps Wrapped = wrapped;
    }

    /// <summary>The wrapping table of <paramref name="ops"/> (built once per table and kept).</summary>
    public VnodeOps Wrap(VnodeOps ops)
    {
        ref Recent? slot = ref _recent[RuntimeHelpers.GetHashCode(ops) & (Slots - 1)];
        if (Volatile.Read(ref slot) is { } recent && ReferenceEquals(recent.Ops, ops))
            return recent.Wrapped;
        var wrapped = _wrapped.GetValue(ops, Interpose);
        Volatile.Write(ref slot, new Recent(ops, wrapped));
        return wrapped;
    }

    /// <summary>
    /// Called before op <paramref name="op"/> of table <paramref name="layer"/> on <paramref name="vp"/> (its main
    /// argument in <paramref name="arg"/>). Set <paramref name="refuse"/> to an errno to fail the call without
    /// making it. The returned state is handed to Exit.
    /// </summary>
    protected abstract object? Enter(string layer, string op, Vnode vp, object? arg, out Errno refuse);

    /// <summary>Called after the call (or its refusal) with Enter's state and what the call returned.</summary>
    protected abstract void Exit(object? state, Errno result);
}
