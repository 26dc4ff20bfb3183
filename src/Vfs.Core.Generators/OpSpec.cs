// Vfs.Core.Generators: what the generator reads from an op spec (Vfs.Core/VnodeIf.cs, VfsIf.cs), as plain
// values. The generator compares them between builds (records and EquatableArray compare by value), so an
// edit that does not change the spec does not make it write anything again.
using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;

namespace UnixVfs.Core.Generators;

/// <summary>One argument of an op: <c>ref Vnode vp</c> is ("ref", "Vnode", "vp", null).</summary>
internal sealed record OpParam(string Modifier, string Type, string Name, string? Default)
{
    public bool IsOut => Modifier == "out";

    /// <summary>As it is declared: "ref Vnode vp", with " = null" when <paramref name="withDefault"/>.</summary>
    public string Declaration(bool withDefault) =>
        (Modifier.Length > 0 ? Modifier + " " : "") + Type + " " + Name + (withDefault && Default is not null ? " = " + Default : "");

    /// <summary>As it is passed on: "ref vp".</summary>
    public string Argument => (Modifier.Length > 0 ? Modifier + " " : "") + Name;
}

/// <summary>One op: a method of the spec.</summary>
/// <param name="Name">"Read": the slot's and the dispatcher's name; lower-cased, the op's name.</param>
/// <param name="Returns">"Errno", "void" or "bool".</param>
/// <param name="Params">Its arguments, in order; the first is the vnode (or vfs) it is called on.</param>
/// <param name="Doc">The XML doc lines (each starting with ///), the op's contract.</param>
/// <param name="DefaultErrno">The errno its default stub returns ("ENOSYS" when the spec names none), or null.</param>
/// <param name="DefaultGeneric">The FsSubr method that is its default, or null.</param>
/// <param name="Unheld">The dispatcher does not check the vnode's hold.</param>
internal sealed record Op(string Name, string Returns, EquatableArray<OpParam> Params, EquatableArray<string> Doc,
    string? DefaultErrno, string? DefaultGeneric, bool Unheld)
{
    public string OpName => Name.ToLowerInvariant();

    public string Declarations(bool withDefaults) => string.Join(", ", Params.Select(p => p.Declaration(withDefaults)));

    public string Arguments => string.Join(", ", Params.Select(p => p.Argument));
}

/// <summary>One spec: an interface marked [OpSpec], with what its attribute says.</summary>
internal sealed record Spec(string Namespace, string Interface, string Table, string Dispatcher, string Macro, string DelegateFormat,
    string Names, string Slots, string MasterTable, string StatsPrefix, string OpsOf, string VfsOf, bool HoldCheck, bool Interposed,
    EquatableArray<Op> Ops)
{
    public string Delegate(Op op) => string.Format(DelegateFormat, op.Name);
}

/// <summary>An immutable array compared by its items (ImmutableArray compares by reference).</summary>
internal readonly struct EquatableArray<T>(ImmutableArray<T> items) : IEquatable<EquatableArray<T>>, IEnumerable<T>
    where T : IEquatable<T>
{
    private readonly ImmutableArray<T> _items = items;

    public int Length => _items.IsDefault ? 0 : _items.Length;

    public T this[int i] => _items[i];

    public bool Equals(EquatableArray<T> other) => this.SequenceEqual(other);

    public override bool Equals(object? obj) => obj is EquatableArray<T> other && Equals(other);

    public override int GetHashCode() => this.Aggregate(17, (h, x) => h * 31 + x.GetHashCode());

    public IEnumerator<T> GetEnumerator() => (_items.IsDefault ? ImmutableArray<T>.Empty : _items).AsEnumerable().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
