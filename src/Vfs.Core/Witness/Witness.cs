// Vfs.Core / witness: the lock-order checker, in the manner of FreeBSD's WITNESS.
//
// Each thread keeps the list of ranked locks it holds, with where each was taken. Before a thread waits for
// a ranked lock, Check compares that lock's class with every lock on the list: a held lock of a higher rank
// is a "lock order reversal", a held lock of the same rank is judged by the class's DupRule (LockClass.cs),
// and the same lock again is recursion, allowed only for monitors (KMutex), which recurse. A violation
// throws VfsPanicException naming both locks, with the stack where the held one was taken and the stack
// where the new one is being taken, before anything waits: the test that did it fails at once, with the
// two places to look at, instead of deadlocking one run in a thousand.
//
// WITNESS learns the order between classes as it runs and reports a reversal of an order it has seen.
// This checker is given the order instead (LockRank), so the first acquisition against it fails even when
// the reverse order has never run: the order written in docs/architecture.md is the order checked.
//
// COST. The hooks (Check, Acquired, Released) are [Conditional("DEBUG")]: in a Release build the compiler
// drops every call, so the benchmarks and the CLI pay nothing. Debug builds, which every test run uses,
// check every acquisition of a ranked lock. The stack of every acquisition is kept (new StackTrace, without
// file names, turned into text only when a report needs it) unless KeepStacks is off: capturing it is most of a
// checked acquisition's cost (the simulator's long runs turn it off; their failures replay from a seed, with stacks).
//
// A lock may be released by another thread than the one that took it (RwLock has no owner, as krwlock_t):
// Released then finds it on the taker's list.
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;

namespace UnixVfs.Core;

/// <summary>The lock-order checker (FreeBSD <c>witness(4)</c>). Active in Debug builds only.</summary>
public static class Witness
{
    private sealed class Held(object lk, LockClass cls, object? owner, bool tried, StackTrace? stack)
    {
        public readonly object Lock = lk;
        public readonly LockClass Class = cls;
        public readonly object? Owner = owner;
        public readonly bool Tried = tried;
        public readonly StackTrace? Stack = stack;
    }

    private sealed class ThreadLocks
    {
        public readonly List<Held> List = new();
        public readonly string Thread = System.Threading.Thread.CurrentThread.Name ?? $"thread {Environment.CurrentManagedThreadId}";
    }

    [ThreadStatic] private static ThreadLocks? t_locks;
    private static readonly List<WeakReference<ThreadLocks>> s_threads = new();

    /// <summary>True when the hooks are compiled in (a Debug build).</summary>
    public static bool Enabled =>
#if DEBUG
        true;
#else
        false;
#endif

    /// <summary>
    /// True (the default) to keep the stack of every acquisition for a report's "1st taken at". Off, every order is
    /// still checked and a violation still names both locks and the stack taking the second; only the first one's
    /// stack reads "not kept". Process-wide.
    /// </summary>
    public static bool KeepStacks { get; set; } = true;

    /// <summary>
    /// Before waiting for <paramref name="lk"/> of class <paramref name="cls"/> (made for <paramref name="owner"/>):
    /// throws VfsPanicException if taking it now breaks the order.
    /// </summary>
    [Conditional("DEBUG")]
    public static void Check(object lk, LockClass cls, object? owner = null)
    {
        var mine = t_locks;
        if (mine is null)
            return;
        lock (mine)
            foreach (var h in mine.List)
                if (Violation(h, lk, cls, owner, mine.List) is { } why)
                    throw new VfsPanicException(Report(why, h, cls, lk));
    }

    /// <summary>After <paramref name="lk"/> was taken (waited for, or tried: <paramref name="tried"/>): records it as held.</summary>
    [Conditional("DEBUG")]
    public static void Acquired(object lk, LockClass cls, object? owner = null, bool tried = false)
    {
        var mine = t_locks ??= Register();
        var held = new Held(lk, cls, owner, tried, KeepStacks ? new StackTrace(1, false) : null);
        lock (mine)
            mine.List.Add(held);
    }

    /// <summary>After <paramref name="lk"/> was let go: forgets the newest record of it (on this thread, else on the thread that took it).</summary>
    [Conditional("DEBUG")]
    public static void Released(object lk)
    {
        if (t_locks is { } mine && Forget(mine, lk))
            return;
        lock (s_threads)
            foreach (var w in s_threads)
                if (w.TryGetTarget(out var other) && Forget(other, lk))
                    return;
        throw new VfsPanicException($"witness: releasing a lock no thread holds ({lk})");
    }

    /// <summary>The classes of the ranked locks this thread holds, oldest first (for assertions in tests).</summary>
    public static IReadOnlyList<LockClass> HeldByThisThread()
    {
        var mine = t_locks;
        if (mine is null)
            return [];
        lock (mine)
            return mine.List.Select(h => h.Class).ToArray();
    }

    private static string? Violation(Held h, object lk, LockClass cls, object? owner, List<Held> held)
    {
        if (ReferenceEquals(h.Lock, lk))
            return lk is KMutex ? null : "recursing on a lock that does not recurse";
        if (h.Class.Rank < cls.Rank)
            return null;
        if (h.Class.Rank > cls.Rank)
            return "lock order reversal";
        switch (cls.Dup)
        {
            case DupRule.TryOnly:
                return "waiting for a second lock of a class whose second lock may only be tried";
            case DupRule.Ascending:
                if (cls.Serializer is { } s && held.Any(x => ReferenceEquals(x.Class, s)))
                    return null;
                if (!ReferenceEquals(h.Class, cls) || h.Owner is null || owner is null)
                    return "acquiring duplicate lock of same rank";
                return cls.KeyOf!(h.Owner) < cls.KeyOf(owner) ? null : "acquiring duplicate lock of same type out of key order";
            case DupRule.Serialized:
                return held.Any(x => ReferenceEquals(x.Class, cls.Serializer)) ? null : "acquiring duplicate lock of same type without its serializer";
            default:
                return "acquiring duplicate lock of same type";
        }
    }

    private static string Report(string why, Held h, LockClass cls, object lk)
    {
        var sb = new StringBuilder();
        sb.Append($"witness: {why}: taking {cls} {lk} while holding {h.Class} {h.Lock}");
        if (h.Tried)
            sb.Append(" (taken by try)");
        sb.Append($"\n 1st {h.Class.Name} taken at:\n{h.Stack?.ToString() ?? "   (not kept: Witness.KeepStacks is off)"}");
        sb.Append($"\n 2nd {cls.Name} being taken at:\n{new StackTrace(2, false)}");
        return sb.ToString();
    }

    private static bool Forget(ThreadLocks t, object lk)
    {
        lock (t)
            for (int i = t.List.Count - 1; i >= 0; i--)
                if (ReferenceEquals(t.List[i].Lock, lk))
                {
                    t.List.RemoveAt(i);
                    return true;
                }
        return false;
    }

    private static ThreadLocks Register()
    {
        var t = new ThreadLocks();
        lock (s_threads)
        {
            s_threads.RemoveAll(w => !w.TryGetTarget(out _));
            s_threads.Add(new WeakReference<ThreadLocks>(t));
        }
        return t;
    }
}
