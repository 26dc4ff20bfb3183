// Tests of Vfs.Core's lock-order checker (Witness): an acquisition against the ranks fails before it waits,
// naming both locks with the stack where each was taken (the first one's while KeepStacks is on); the rules for
// two locks of one class; recursion; and a lock released by another thread than the one that took it. The whole
// test suite runs with the checker on (Debug builds), which is what shows that the order written in
// docs/architecture.md is the order the code keeps.
using System.Runtime.CompilerServices;

namespace UnixVfs.Core.Tests.KernelTests;

public class WitnessTests
{
    private static readonly LockClass Outer = new("test outer", 10);
    private static readonly LockClass Inner = new("test inner", 20);

    private sealed record Keyed(long Key);

    private static readonly LockClass Serial = new("test serializer", 5);
    private static readonly LockClass Nodes = new("test node", 30, DupRule.Ascending, o => ((Keyed)o).Key, Serial);

    [Fact]
    public void The_checker_is_on_in_the_builds_tests_run()
    {
        Assert.True(Witness.Enabled);
    }

    [Fact]
    public void Taking_two_ranked_locks_in_order_passes_and_leaves_nothing_held()
    {
        var a = new KMutex(Outer);
        var b = new KMutex(Inner);
        using (a.Enter())
        using (b.Enter())
            Assert.Equal([Outer, Inner], Witness.HeldByThisThread());
        Assert.Empty(Witness.HeldByThisThread());
    }

    [Fact]
    public void Taking_two_ranked_locks_out_of_order_fails_with_both_stacks()
    {
        var a = new KMutex(Outer);
        var b = new KMutex(Inner);
        var scope = TakeInnerFirst(b);
        try
        {
            var e = Assert.Throws<VfsPanicException>(() => ThenTakeOuter(a));
            Assert.Contains("lock order reversal", e.Message);
            Assert.Contains("\"test outer\"", e.Message);
            Assert.Contains("\"test inner\"", e.Message);
            // The stack where the held lock was taken, and the stack where the new one is being taken.
            int held = e.Message.IndexOf(nameof(TakeInnerFirst), StringComparison.Ordinal);
            int taking = e.Message.IndexOf(nameof(ThenTakeOuter), StringComparison.Ordinal);
            Assert.True(held > 0 && taking > held, e.Message);
            Assert.False(a.IsHeld); // it failed before waiting: nothing was taken
        }
        finally
        {
            scope.Dispose();
        }
        Assert.Empty(Witness.HeldByThisThread());
    }

    [Fact]
    public void Without_kept_stacks_the_order_is_still_checked_and_the_report_names_both_locks()
    {
        // (in this class, whose tests run one at a time: KeepStacks is process-wide)
        var a = new KMutex(Outer);
        var b = new KMutex(Inner);
        Witness.KeepStacks = false;
        KMutex.Scope scope;
        try
        {
            scope = TakeInnerFirst(b);
        }
        finally
        {
            Witness.KeepStacks = true;
        }
        try
        {
            var e = Assert.Throws<VfsPanicException>(() => ThenTakeOuter(a));
            Assert.Contains("lock order reversal", e.Message);
            Assert.Contains("\"test outer\"", e.Message);
            Assert.Contains("\"test inner\"", e.Message);
            Assert.Contains("not kept", e.Message);
            Assert.DoesNotContain(nameof(TakeInnerFirst), e.Message);
            Assert.Contains(nameof(ThenTakeOuter), e.Message);
        }
        finally
        {
            scope.Dispose();
        }
        Assert.Empty(Witness.HeldByThisThread());
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static KMutex.Scope TakeInnerFirst(KMutex b) => b.Enter();

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThenTakeOuter(KMutex a)
    {
        using (a.Enter()) { }
    }

    [Fact]
    public void A_ranked_rwlock_is_checked_and_a_try_is_never_an_order_violation()
    {
        var outer = new RwLock(Outer);
        var inner = new RwLock(Inner);
        inner.Enter(RwLockType.Reader);
        try
        {
            Assert.Throws<VfsPanicException>(() => outer.Enter(RwLockType.Writer));
            Assert.False(outer.WriteHeld);
            Assert.True(outer.TryEnter(RwLockType.Writer)); // a try cannot wait, so it cannot deadlock
            outer.Exit(RwLockType.Writer);
        }
        finally
        {
            inner.Exit(RwLockType.Reader);
        }
    }

    [Fact]
    public void Two_locks_of_a_class_without_a_rule_fail_as_duplicates()
    {
        var a = new KMutex(Inner);
        var b = new KMutex(Inner);
        using (a.Enter())
        {
            var e = Assert.Throws<VfsPanicException>(() => { using (b.Enter()) { } });
            Assert.Contains("duplicate lock of same type", e.Message);
        }
    }

    [Fact]
    public void Two_vnode_rwlocks_second_only_by_try_as_the_mirror_takes_them()
    {
        var a = new RwLock(Vnode.RwlockClass);
        var b = new RwLock(Vnode.RwlockClass);
        a.Enter(RwLockType.Writer);
        try
        {
            Assert.Throws<VfsPanicException>(() => b.Enter(RwLockType.Writer));
            Assert.True(b.TryEnter(RwLockType.Writer));
            b.Exit(RwLockType.Writer);
        }
        finally
        {
            a.Exit(RwLockType.Writer);
        }
        // The layer above (the mirror's vnode) before the copies below.
        var upper = new RwLock(Vnode.UpperRwlockClass);
        upper.Enter(RwLockType.Writer);
        a.Enter(RwLockType.Writer);
        a.Exit(RwLockType.Writer);
        upper.Exit(RwLockType.Writer);
        a.Enter(RwLockType.Reader);
        Assert.Throws<VfsPanicException>(() => upper.Enter(RwLockType.Reader));
        a.Exit(RwLockType.Reader);
    }

    [Fact]
    public void An_ascending_class_takes_keys_in_order_or_any_order_under_its_serializer()
    {
        var low = new KMutex(Nodes, new Keyed(3));
        var high = new KMutex(Nodes, new Keyed(7));
        using (low.Enter())
        using (high.Enter())
        {
        }
        using (high.Enter())
        {
            var e = Assert.Throws<VfsPanicException>(() => { using (low.Enter()) { } });
            Assert.Contains("out of key order", e.Message);
        }
        var serial = new KMutex(Serial);
        using (serial.Enter())
        using (high.Enter())
        using (low.Enter())
            Assert.Equal([Serial, Nodes, Nodes], Witness.HeldByThisThread());
    }

    [Fact]
    public void Tmpfs_rmdir_of_a_directory_moved_under_a_newer_parent_keeps_the_order()
    {
        // Found by the checker in the tmpfs model property: rmdir locks parent then child, rename locks two
        // directories by node id; a directory moved under a newer parent has the smaller id, so the two could
        // wait for each other. rmdir now runs under the rename lock, as in ufs.
        var k = new Kernel("witness");
        var p = k.CreateProcess();
        Assert.Equal(Errno.OK, p.Mkdir("/c", 0x1ED));
        Assert.Equal(Errno.OK, p.Mkdir("/p", 0x1ED));
        Assert.Equal(Errno.OK, p.Rename("/c", "/p/c"));
        Assert.Equal(Errno.OK, p.Rmdir("/p/c"));
        Assert.Equal(Errno.ENOENT, p.Lookupname("/p/c", true, out _));
        p.Exit();
    }

    [Fact]
    public void The_lock_of_an_object_nobody_can_reach_yet_is_not_checked_but_what_is_taken_under_it_is()
    {
        var held = new KMutex(Nodes, new Keyed(9));
        var fresh = new KMutex(Nodes, new Keyed(2));
        using (held.Enter())
        using (fresh.EnterNew())
        {
            Assert.Equal([Nodes, Nodes], Witness.HeldByThisThread());
            Assert.Throws<VfsPanicException>(() => { using (new KMutex(Outer).Enter()) { } });
        }
    }

    [Fact]
    public void A_mutex_recurses_and_a_rwlock_does_not()
    {
        var m = new KMutex(Outer);
        using (m.Enter())
        using (m.Enter())
            Assert.Equal(2, Witness.HeldByThisThread().Count);
        Assert.Empty(Witness.HeldByThisThread());

        var l = new RwLock(Outer);
        l.Enter(RwLockType.Reader);
        var e = Assert.Throws<VfsPanicException>(() => l.Enter(RwLockType.Reader));
        Assert.Contains("recursing", e.Message);
        l.Exit(RwLockType.Reader);
    }

    [Fact]
    public void A_lock_released_by_another_thread_is_no_longer_held_by_its_taker()
    {
        var l = new RwLock(Inner);
        l.Enter(RwLockType.Writer);
        var other = new Thread(() => l.Exit(RwLockType.Writer));
        other.Start();
        other.Join();
        Assert.Empty(Witness.HeldByThisThread());
        using (new KMutex(Outer).Enter()) { } // an outer lock is fine again
    }
}
