// Tests of Vfs.Core: made-up arguments for any op, so that a test can call every op of a table (or every
// dispatcher) without writing each call out. Each argument is distinct and recognisable: the vnode the op is
// called on, a second vnode, "name3", 103, a fresh Uio... Out parameters start as a non-default value so that
// a test sees whether the call set them.
using System.Reflection;
using System.Runtime.CompilerServices;

namespace UnixVfs.Core.Tests.Dispatch;

internal sealed class SampleArgs
{
    private readonly ParameterInfo[] _params;

    private SampleArgs(ParameterInfo[] ps, object?[] values)
    {
        _params = ps;
        Values = values;
    }

    /// <summary>The arguments, in order; after a call through reflection, outs and refs hold what the call left.</summary>
    public object?[] Values { get; }

    /// <summary>Arguments for the slot type <paramref name="slotType"/>.</summary>
    public static SampleArgs For(Type slotType, Vnode vp, Vfs vfsp, Vnode? other = null) =>
        For(slotType.GetMethod("Invoke")!, vp, vfsp, other);

    /// <summary>Arguments for <paramref name="m"/>: a dispatcher, or a delegate's Invoke.</summary>
    public static SampleArgs For(MethodInfo m, Vnode vp, Vfs vfsp, Vnode? other = null)
    {
        var ps = m.GetParameters();
        var values = new object?[ps.Length];
        for (int i = 0; i < ps.Length; i++)
        {
            var t = ps[i].ParameterType.IsByRef ? ps[i].ParameterType.GetElementType()! : ps[i].ParameterType;
            values[i] = i == 0 && t == typeof(Vnode) ? vp
                : t == typeof(Vfs) ? vfsp
                : ps[i].IsOut ? OutSentinel(t, other ?? vp)
                : Value(t, i, other ?? vp);
        }
        return new SampleArgs(ps, values);
    }

    /// <summary>The indexes of the out parameters.</summary>
    public IEnumerable<int> Outs => Enumerable.Range(0, _params.Length).Where(i => _params[i].IsOut);

    /// <summary>The indexes of the out and ref parameters.</summary>
    public IEnumerable<int> ByRef => Enumerable.Range(0, _params.Length).Where(i => _params[i].ParameterType.IsByRef);

    /// <summary>Every out parameter holds its type's default (null, 0, false).</summary>
    public void AssertOutsAreDefault(string op)
    {
        foreach (int i in Outs)
        {
            var t = _params[i].ParameterType.GetElementType()!;
            Assert.True(Equals(t.IsValueType ? Activator.CreateInstance(t) : null, Values[i]), $"{op}: out {_params[i].Name} is {Values[i]}");
        }
    }

    /// <summary>What an out parameter holds before the call: anything but its default.</summary>
    public static object OutSentinel(Type t, Vnode other) =>
        t == typeof(Vnode) ? other
        : t == typeof(int) ? 77
        : t == typeof(long) ? 4321L
        : t == typeof(bool) ? true
        : t == typeof(Fid) ? new Fid([9, 8, 7])
        : throw new ArgumentException("no out sentinel for " + t);

    private static object Value(Type t, int i, Vnode other) =>
        t == typeof(Vnode) ? other
        : t == typeof(string) ? "name" + i
        : t == typeof(int) ? 100 + i
        : t == typeof(long) ? 1000L + i
        : t == typeof(bool) ? true
        : t == typeof(Cred) ? new Cred(1000 + (uint)i, 100)
        : t == typeof(CallerContext) ? new CallerContext { Pid = i }
        : t == typeof(Uio) ? new Uio(new byte[8], 3, UioRw.UIO_READ)
        : t == typeof(Vattr) ? new Vattr(AttrMask.AT_SIZE)
        : t == typeof(Fid) ? new Fid([1, 2, (byte)i])
        : t == typeof(object) ? new object()
        : t.IsEnum ? Enum.ToObject(t, 1)
        : RuntimeHelpers.GetUninitializedObject(t); // MountArgs, Statvfs: carried, never read by a stub or a recorder
}
