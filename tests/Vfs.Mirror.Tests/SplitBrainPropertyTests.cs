// Tests of Vfs.Mirror: the split-brain invariants over seeded random histories. The copies agree, then go apart in one of
// three ways (a clean unmount; Y offline and the host crashing; Y offline and brought back online), each side changes
// files on its own, and the copies are brought together under a random policy (a refusal is settled name by name with
// `mfsadm resolve --take newest`). Against a model of what each side did:
//   - a name only one side changed ends as that side left it: no update is lost, nothing removed comes back;
//   - a name both sides changed differently is reported (a split-brain line naming it), and ends as one side left it;
//   - the copies end identical.
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace UnixVfs.Mirror.Tests;

/// <summary>One change while apart: on X or on Y, write a new text to a name or (Text null) remove it.</summary>
public sealed record ApartChange(bool OnY, string Name, string? Text)
{
    public override string ToString() => $"{(OnY ? "Y" : "X")}: {(Text is null ? "rm " + Name : $"write {Name} \"{Text}\"")}";
}

/// <summary>A history: how the copies go apart, what each side changes, and the policy that brings them together.</summary>
public sealed record ApartHistory(string Way, ApartChange[] Changes, string Policy)
{
    public override string ToString() => $"{Way}, {Policy}: {string.Join("; ", Changes.Select(c => c.ToString()))}";
}

public static class ApartHistories
{
    public static readonly string[] Names = ["a", "b", "c", "d/a", "d/b", "d/c"];
    public static readonly string[] Initial = ["a", "b", "d/a", "d/b"];

    public static Arbitrary<ApartHistory> Histories()
    {
        var change = from y in Gen.Elements(false, true)
                     from n in Gen.Elements(Names)
                     from remove in Gen.Frequency((2, Gen.Constant(false)), (1, Gen.Constant(true)))
                     select (y, n, remove);
        var gen = from way in Gen.Elements("umount", "offline-crash", "offline-online")
                  from policy in Gen.Elements("refuse", "newest", "prefer=x", "prefer=y", "fewest-changes")
                  from cs in change.ArrayOf()
                  select new ApartHistory(way, cs.Take(10).Select((c, i) => new ApartChange(c.y, c.n, c.remove ? null : $"{(c.y ? "Y" : "X")}{i}")).ToArray(), policy);
        return Arb.From(gen, h => h.Changes.Length == 0 ? [] : Enumerable.Range(0, h.Changes.Length).Select(i => h with { Changes = h.Changes.Where((_, j) => j != i).ToArray() }));
    }
}

public partial class SplitBrainTests
{
    [Property(Arbitrary = [typeof(ApartHistories)], MaxTest = 40, Replay = "(1313,2027)", QuietOnSuccess = true)]
    public bool Split_brain_is_always_reported_and_no_update_is_lost_or_undone_silently_over_tmpfs(ApartHistory h) => RunApart(h, "tmpfs");

    [Property(Arbitrary = [typeof(ApartHistories)], MaxTest = 12, Replay = "(4242,77)", QuietOnSuccess = true)]
    public bool Split_brain_is_always_reported_and_no_update_is_lost_or_undone_silently_over_UFS(ApartHistory h) => RunApart(h, "ufs");

    private bool RunApart(ApartHistory h, string fstype)
    {
        using var f = Fixture(fstype);
        string options = h.Policy == "refuse" ? "" : h.Policy.StartsWith("prefer") ? h.Policy : "splitbrain=" + h.Policy;
        var mi = f.Mount(options);
        MirrorFixture.Ok(f.P.Mkdir("/A/b/d", 0x1ED));
        foreach (var n in ApartHistories.Initial)
            f.WriteFile("/A/b/" + n, "init " + n);
        Tick();

        var x = ApartHistories.Names.ToDictionary(n => n, n => ApartHistories.Initial.Contains(n) ? "init " + n : null);
        var y = new Dictionary<string, string?>(x);
        var initial = new Dictionary<string, string?>(x);
        var changedX = new HashSet<string>();
        var changedY = new HashSet<string>();
        if (h.Way == "umount")
            MirrorFixture.Ok(f.P.Umount("/X/y"));
        else
            MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        Tick();
        foreach (var c in h.Changes.Where(c => !c.OnY))
            Change(f, "/A/b/", c, x, changedX);
        if (h.Way == "offline-crash")
            MirrorFixture.Ok(f.P.Umount("/X/y", UnmountFlags.MS_FORCE));
        Tick();
        Vnode? yRoot = null;
        if (h.Way == "offline-online")
        {
            yRoot = mi.Copies[1].Root;
            yRoot.Hold();
        }
        try
        {
            foreach (var c in h.Changes.Where(c => c.OnY))
                if (yRoot is null)
                    Change(f, "/X/y/", c, y, changedY);
                else
                    ChangeLower(yRoot, c, y, changedY);
        }
        finally
        {
            yRoot?.Rele();
        }
        Tick();

        if (h.Way != "offline-online")
            mi = f.Mount(options);
        if (mi.Copies[1].State == CopyState.Unavailable && !mi.Vfs.IsReadOnly)
        {
            var err = MfsAdm.Online(f.P, "/A/b", "y", out var error, out _);
            Assert.True(err == Errno.OK || (err == Errno.EBUSY && h.Policy == "refuse"), $"online: {err} {error}");
        }
        MirrorFixture.Ok(MfsAdm.Status(f.P, "/A/b", out var st));
        foreach (var p in st!.SplitBrain)
            MirrorFixture.Ok(MfsAdm.Resolve(f.P, "/A/b" + p, "newest", out var error, out _), error);
        Assert.Equal(CopyState.Available, mi.Copies[1].State);

        foreach (var n in ApartHistories.Names)
        {
            string? now = f.Lower(0, n);
            bool reported = f.K.Messages.Any(m => m.Contains($"split brain: /{n}:"));
            bool cx = changedX.Contains(n), cy = changedY.Contains(n);
            if (!cx && !cy)
                Assert.True(now == initial[n], $"{n}: changed by neither, now \"{now}\"");
            else if (cx && !cy)
                Assert.True(now == x[n], $"{n}: changed by X alone to \"{x[n]}\", now \"{now}\"");
            else if (!cx && cy)
                Assert.True(now == y[n], $"{n}: changed by Y alone to \"{y[n]}\", now \"{now}\"");
            else if (x[n] == y[n])
                Assert.True(now == x[n], $"{n}: both made it \"{x[n]}\", now \"{now}\"");
            else
            {
                Assert.True(reported, $"{n}: changed in both copies (X \"{x[n]}\", Y \"{y[n]}\") and not reported");
                Assert.True(now == x[n] || now == y[n], $"{n}: now \"{now}\", neither side's");
            }
        }
        var v = f.Verify();
        Assert.True(v.Identical, string.Join("; ", v.Differences));
        return true;
    }

    private static void Change(MirrorFixture f, string top, ApartChange c, Dictionary<string, string?> side, HashSet<string> changed)
    {
        if (c.Text is null)
        {
            if (side[c.Name] is null)
                return;
            MirrorFixture.Ok(f.P.Unlink(top + c.Name), "rm " + top + c.Name);
        }
        else
            f.WriteFile(top + c.Name, c.Text);
        side[c.Name] = c.Text;
        changed.Add(c.Name);
    }

    private static void ChangeLower(Vnode root, ApartChange c, Dictionary<string, string?> side, HashSet<string> changed)
    {
        int slash = c.Name.LastIndexOf('/');
        Vnode dir = root;
        if (slash > 0)
            MirrorFixture.Ok(Vop.Lookup(root, c.Name[..slash], out dir!, LookupFlags.None, null, Cred.Kcred));
        else
            dir.Hold();
        try
        {
            string name = c.Name[(slash + 1)..];
            if (c.Text is null)
            {
                if (side[c.Name] is null)
                    return;
                MirrorFixture.Ok(Vop.Remove(dir, name, Cred.Kcred));
            }
            else
                WriteLower(dir, name, c.Text);
        }
        finally
        {
            dir.Rele();
        }
        side[c.Name] = c.Text;
        changed.Add(c.Name);
    }
}
