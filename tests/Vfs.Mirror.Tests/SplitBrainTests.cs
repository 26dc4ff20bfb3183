// Tests of Vfs.Mirror: split brain (MirrorHistory.cs, MirrorSplitBrain.cs) -- copies changed independently are found
// from their shared history, never merged silently: refused with the list, or decided by a policy and reported.
// The first three are the reproductions of issue 13; each failed before the split-brain code (the timestamp merge, or
// the log replay, settled them without a word). The host's clock is virtual and moves 1 ms between steps, so "changed
// since the copies last agreed" never depends on how fast the machine runs.
using System.Diagnostics.Metrics;

namespace UnixVfs.Mirror.Tests;

public partial class SplitBrainTests
{
    private readonly VirtualClock _clock = new();

    private MirrorFixture Fixture(string fstype = "tmpfs", int copies = 2) => new(copies: copies, fstype: fstype, clock: _clock);

    private void Tick() => _clock.Advance(TimeSpan.FromMilliseconds(1));

    /// <summary>Y taken offline, X written through the mirror, the host goes down, Y's directory written directly.</summary>
    private void ChangeBothWhileApart(MirrorFixture f)
    {
        f.Mount();
        Tick();
        f.WriteFile("/A/b/f", "v1");
        f.WriteFile("/A/b/other", "same");
        Tick();
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        Tick();
        f.WriteFile("/A/b/f", "from X while Y was away");
        Tick();
        MirrorFixture.Ok(f.P.Umount("/X/y", UnmountFlags.MS_FORCE), "crash");
        Tick();
        f.WriteFile("/X/y/f", "written in Y directly");
        Tick();
    }

    [Fact]
    public void Issue_13_a_split_brain_is_not_settled_by_timestamp_it_is_refused_with_the_list_and_resolve_settles_it()
    {
        using var f = Fixture();
        ChangeBothWhileApart(f);
        using var discarded = new DiscardCounter();
        var data = new MfsMountData();
        var mi = f.Mount(data: data);

        Assert.True(mi.Vfs.IsReadOnly);
        Assert.Equal(CopyState.Unavailable, mi.Copies[1].State);
        Assert.StartsWith("split brain: 1 names", mi.Copies[1].Reason);
        Assert.Contains(data.Merge!.Conflicts, l => l.StartsWith("/f: changed in X and in Y while apart") && l.Contains("not settled"));
        Assert.Contains(f.K.Messages, m => m.Contains("split brain: /f: changed in X and in Y"));
        Assert.Equal("from X while Y was away", f.ReadFile("/A/b/f"));
        Assert.Equal("written in Y directly", f.Lower(1, "f")); // nothing was changed while it waits
        Assert.Equal(Errno.EROFS, f.P.Unlink("/A/b/other"));
        MirrorFixture.Ok(MfsAdm.Status(f.P, "/A/b", out var st));
        Assert.Equal(["/f"], st!.SplitBrain);

        MirrorFixture.Ok(MfsAdm.Resolve(f.P, "/A/b/f", "y", out var error, out var lines), error);
        Assert.Contains(lines, l => l.StartsWith("/f: resolved by taking Y's version") && l.Contains("X's version is discarded"));
        Assert.Contains(f.K.Messages, m => m.Contains("X's version is discarded"));
        Assert.Equal(1, discarded.Count("X"));
        Assert.Equal(CopyState.Available, mi.Copies[1].State);
        Assert.False(mi.Vfs.IsReadOnly);
        Assert.Equal("written in Y directly", f.ReadFile("/A/b/f"));
        Assert.Equal("written in Y directly", f.Lower(0, "f"));
        Assert.True(f.Verify().Identical);
        f.WriteFile("/A/b/other", "writable again");
        Assert.Equal("writable again", f.Lower(1, "other"));
    }

    [Fact]
    public void Issue_13_a_name_removed_from_one_copy_while_unmounted_does_not_come_back()
    {
        using var f = Fixture();
        f.Mount();
        Tick();
        MirrorFixture.Ok(f.P.Mkdir("/A/b/d", 0x1ED));
        f.WriteFile("/A/b/d/f1", "one");
        f.WriteFile("/A/b/d/f2", "two");
        Tick();
        MirrorFixture.Ok(f.P.Umount("/X/y"));
        Tick();
        MirrorFixture.Ok(f.P.Unlink("/X/y/d/f1"));
        Tick();

        var data = new MfsMountData();
        var mi = f.Mount(data: data);
        Assert.False(mi.Vfs.IsReadOnly);
        Assert.Empty(data.Merge!.Conflicts);
        Assert.Equal(Errno.ENOENT, f.P.Stat("/A/b/d/f1", out _));
        Assert.Null(f.Lower(0, "d/f1"));
        Assert.Equal("two", f.ReadFile("/A/b/d/f2"));
        Assert.True(f.Verify().Identical);
    }

    [Fact]
    public void Issue_13_equal_size_and_mtime_with_other_bytes_is_a_split_brain_and_newest_reports_what_it_discards()
    {
        using var f = Fixture();
        f.Mount();
        Tick();
        f.WriteFile("/A/b/f", "0000");
        Tick();
        MirrorFixture.Ok(f.P.Umount("/X/y"));
        Tick();
        f.WriteFile("/A/b/f", "AAAA");
        f.WriteFile("/X/y/f", "BBBB");
        var t = new Timespec(1_000_000_100, 0);
        MirrorFixture.Ok(f.P.Utimens("/A/b/f", [t, t]));
        MirrorFixture.Ok(f.P.Utimens("/X/y/f", [t, t]));
        Tick();

        var data = new MfsMountData();
        var mi = f.Mount(data: data);
        Assert.True(mi.Vfs.IsReadOnly);
        Assert.Contains(data.Merge!.Conflicts, l => l.StartsWith("/f: changed in X and in Y while apart (contents differ)"));
        MirrorFixture.Ok(f.P.Umount("/X/y"));
        Tick();

        using var discarded = new DiscardCounter();
        data = new MfsMountData();
        mi = f.Mount("splitbrain=newest", data: data);
        Assert.False(mi.Vfs.IsReadOnly);
        Assert.Contains(data.Merge!.Conflicts, l => l.StartsWith("/f: changed in X and in Y while apart; splitbrain=newest keeps X's; Y's version is discarded"));
        Assert.Equal(1, discarded.Count("Y"));
        Assert.Equal("AAAA", f.Lower(1, "f"));
        Assert.True(f.Verify().Identical);
    }

    [Fact]
    public void Newest_keeps_the_later_write_and_names_changed_on_one_side_only_reach_the_other()
    {
        using var f = Fixture();
        ChangeBothWhileApart(f);
        f.WriteFile("/X/y/only-in-y", "new in Y");
        MirrorFixture.Ok(f.P.Unlink("/X/y/other"));
        Tick();
        var data = new MfsMountData();
        f.Mount("splitbrain=newest", data: data);
        Assert.Equal("written in Y directly", f.ReadFile("/A/b/f"));
        Assert.Equal("new in Y", f.Lower(0, "only-in-y"));
        Assert.Null(f.Lower(0, "other"));
        Assert.Single(data.Merge!.Conflicts);
        Assert.Contains("X's version is discarded", data.Merge.Conflicts[0]);
        Assert.True(f.Verify().Identical);
    }

    [Fact]
    public void Prefer_and_fewest_changes_pick_the_copy_they_name()
    {
        using var f = Fixture();
        ChangeBothWhileApart(f);
        var data = new MfsMountData();
        f.Mount("prefer=x", data: data);
        Assert.Equal("from X while Y was away", f.Lower(1, "f"));
        Assert.Contains(data.Merge!.Conflicts, l => l.Contains("prefer=x keeps X's; Y's version is discarded"));
        MirrorFixture.Ok(f.P.Umount("/X/y"));

        using var g = Fixture();
        ChangeBothWhileApart(g);
        g.WriteFile("/X/y/y1", "1");
        g.WriteFile("/X/y/y2", "2");
        Tick();
        data = new MfsMountData();
        g.Mount("splitbrain=fewest-changes", data: data);
        Assert.Equal("written in Y directly", g.Lower(0, "f")); // Y changed three names, X one
        Assert.Equal("1", g.Lower(0, "y1"));
        Assert.Contains(data.Merge!.Conflicts, l => l.Contains("splitbrain=fewest-changes keeps Y's; X's version is discarded"));
        Assert.True(g.Verify().Identical);
    }

    [Fact]
    public void Online_of_a_copy_changed_behind_the_mirrors_back_finds_the_split_brain_and_resolve_newest_rejoins_it()
    {
        using var f = Fixture();
        var mi = f.Mount();
        Tick();
        f.WriteFile("/A/b/f", "v1");
        f.WriteFile("/A/b/g", "g1");
        Tick();
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        Tick();
        f.WriteFile("/A/b/f", "X while Y was offline");
        var y = mi.Copies[1].Root; // Y's directory, written under the mirror as an administrator would on the server
        Tick();
        WriteLower(y, "f", "Y directly, later");
        WriteLower(y, "h", "only Y");
        Tick();

        var err = MfsAdm.Online(f.P, "/A/b", "y", out var error, out _);
        Assert.Equal(Errno.EBUSY, err);
        Assert.Contains("split brain: 1 names changed in more than one copy: /f", error);
        Assert.Equal(CopyState.Unavailable, mi.Copies[1].State);
        f.WriteFile("/A/b/g", "g2, written while the split brain waits");

        MirrorFixture.Ok(MfsAdm.Resolve(f.P, "/A/b/f", "newest", out error, out var lines), error);
        Assert.Contains(lines, l => l.StartsWith("/f: resolved by taking Y's version (newest); X's version is discarded"));
        Assert.Equal(CopyState.Available, mi.Copies[1].State);
        Assert.Equal("Y directly, later", f.ReadFile("/A/b/f"));
        Assert.Equal("only Y", f.ReadFile("/A/b/h"));
        Assert.Equal("g2, written while the split brain waits", f.Lower(1, "g"));
        Assert.True(f.Verify().Identical);
    }

    [Fact]
    public void Resolve_repairs_one_file_from_the_copy_named_and_says_what_it_replaced()
    {
        using var f = Fixture();
        var mi = f.Mount();
        f.WriteFile("/A/b/f", "good");
        WriteLower(mi.Copies[1].Root, "f", "rot!");
        Assert.False(f.Verify().Identical);
        MirrorFixture.Ok(MfsAdm.Resolve(f.P, "/A/b/f", "x", out var error, out var lines), error);
        Assert.Contains(lines, l => l.Contains("Y's version is discarded (contents differ)"));
        Assert.True(f.Verify().Identical);
        MirrorFixture.Ok(MfsAdm.Resolve(f.P, "/A/b/f", "x", out error, out lines), error);
        Assert.Equal(["/f: the copies agree; nothing to resolve"], lines);
        Assert.Equal(Errno.EINVAL, MfsAdm.Resolve(f.P, "/A/b/f", "q", out error, out _));
        Assert.Contains("--take q: expected x, y or newest", error);
    }

    [Theory]
    [InlineData("splitbrain=bogus", "splitbrain=bogus: expected refuse, newest, prefer or fewest-changes")]
    [InlineData("splitbrain=prefer", "splitbrain=prefer needs prefer=x|y: the copy to keep")]
    [InlineData("prefer=q", "prefer=q: expected x, y")]
    [InlineData("prefer=y,splitbrain=newest", "prefer= goes with splitbrain=prefer only")]
    [InlineData("autoresync=-1", "autoresync= must be 0..86400 seconds")]
    public void Bad_split_brain_options_are_refused_with_a_reason(string options, string reason)
    {
        using var f = Fixture();
        var data = new MfsMountData();
        Assert.Equal(Errno.EINVAL, f.P.Mount("/A/b", "/X/y", "mfs", MountFlags.None, options, data));
        Assert.Equal(reason, data.Error);
    }

    internal static void WriteLower(Vnode dir, string name, string text)
    {
        var va = new Vattr(AttrMask.AT_TYPE | AttrMask.AT_MODE | AttrMask.AT_SIZE) { Type = VType.VREG, Mode = 0x1A4, Size = 0 };
        MirrorFixture.Ok(Vop.Create(dir, name, va, VcExcl.NONEXCL, AccessMode.VWRITE, out var vp, Cred.Kcred, FileFlags.FWRITE));
        var uio = new Uio(System.Text.Encoding.UTF8.GetBytes(text), 0, UioRw.UIO_WRITE);
        MirrorFixture.Ok(Vop.Write(vp!, uio, FileFlags.None, Cred.Kcred));
        vp!.Rele();
    }
}

/// <summary>Counts mfs.splitbrain.discarded by copy while it lives (the metric every discard must reach).</summary>
internal sealed class DiscardCounter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Dictionary<string, long> _counts = new();

    public DiscardCounter()
    {
        _listener.InstrumentPublished = (i, l) =>
        {
            if (i.Meter.Name == "UnixVfs.Mirror" && i.Name == "mfs.splitbrain.discarded")
                l.EnableMeasurementEvents(i);
        };
        _listener.SetMeasurementEventCallback<long>((_, v, tags, _) =>
        {
            foreach (var t in tags)
                if (t.Key == "copy")
                    lock (_counts)
                        _counts[(string)t.Value!] = _counts.GetValueOrDefault((string)t.Value!) + v;
        });
        _listener.Start();
    }

    public long Count(string copy)
    {
        lock (_counts)
            return _counts.GetValueOrDefault(copy);
    }

    public void Dispose() => _listener.Dispose();
}
