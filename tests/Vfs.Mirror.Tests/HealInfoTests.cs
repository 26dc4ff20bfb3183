// Tests of Vfs.Mirror: mfsadm heal-info (MirrorHealInfo.cs) -- what each copy is owed, names and byte ranges -- and the
// progress of a resync (MirrorProgress.cs): bytes done and owed, rate and ETA on the host's (virtual) clock.
using System.Diagnostics.Metrics;

namespace UnixVfs.Mirror.Tests;

public class HealInfoTests
{
    [Fact]
    public void Heal_info_lists_each_copys_pending_names_ranges_and_attributes_and_is_healthy_after_the_resync()
    {
        using var f = new MirrorFixture();
        f.Mount();
        f.WriteFile("/A/b/f", new string('a', 16384));
        f.WriteFile("/A/b/h", "h");
        MirrorFixture.Ok(MfsAdm.HealInfo(f.P, "/A/b", out var info));
        Assert.True(info!.Healthy);

        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        MirrorFixture.Ok(f.P.Open("/A/b/f", OFlags.O_WRONLY, 0, out int fd));
        MirrorFixture.Ok(f.P.Pwrite(fd, new byte[4096], 8192, out _));
        MirrorFixture.Ok(f.P.Close(fd));
        f.WriteFile("/A/b/g", "new");
        MirrorFixture.Ok(f.P.Chmod("/A/b/h", 0x180));

        MirrorFixture.Ok(MfsAdm.HealInfo(f.P, "/A/b", out info));
        Assert.False(info!.Healthy);
        var x = info.Copies[0];
        var y = info.Copies[1];
        Assert.Equal(CopyState.Available, x.State);
        Assert.Empty(x.Entries);
        Assert.Equal(CopyState.Unavailable, y.State);
        Assert.False(y.FullResync);
        var lines = y.Entries.Select(e => e.ToString()).ToArray();
        Assert.Contains("/f  data: 8192-12288", lines);
        Assert.Contains("/  names: g", lines);
        Assert.Contains(lines, l => l.StartsWith("/g  data: 0-3"));
        Assert.Contains(lines, l => l.StartsWith("/h  ") && l.Contains("attributes"));

        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out _), error);
        MirrorFixture.Ok(MfsAdm.HealInfo(f.P, "/A/b", out info));
        Assert.True(info!.Healthy);
    }

    /// <summary>
    /// An op on names that every copy refused changed nothing, and neither does a rename onto itself, so the copy away is
    /// owed nothing: a name in its log makes a
    /// handle of a file under it unable to name the copy by its path (Fig. 9, seed 20264218: a rename that failed with
    /// ENOENT cost a file its handle). A refused op is still written ahead to the intent log on the copies.
    /// </summary>
    [Fact]
    public void Ops_on_names_that_every_copy_refuses_leave_nothing_pending_for_the_copy_away()
    {
        using var f = new MirrorFixture();
        f.Mount();
        MirrorFixture.Ok(f.P.Mkdir("/A/b/d", 0x1ED));
        f.WriteFile("/A/b/d/f", "f");
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        Assert.Equal(Errno.ENOENT, f.P.Rename("/A/b/d/nothing", "/A/b/e"));
        Assert.Equal(Errno.EEXIST, f.P.Mkdir("/A/b/d", 0x1ED));
        Assert.Equal(Errno.EINVAL, f.P.Rename("/A/b/d", "/A/b/d/x"));
        Assert.Equal(Errno.ENOTEMPTY, f.P.Rmdir("/A/b/d"));
        MirrorFixture.Ok(f.P.Rename("/A/b/d", "/A/b/d")); // rename(2) onto itself does nothing (Fig. 9, seed 20264232)
        MirrorFixture.Ok(MfsAdm.HealInfo(f.P, "/A/b", out var info));
        Assert.Empty(info!.Copies[1].Entries);

        Assert.Equal(Errno.ENOENT, f.P.Unlink("/A/b/d/nothing"));
        MirrorFixture.Ok(f.P.Rename("/A/b/d/f", "/A/b/d/g")); // done: owed
        MirrorFixture.Ok(MfsAdm.HealInfo(f.P, "/A/b", out info));
        Assert.Contains("/d  names: f, g", info!.Copies[1].Entries.Select(e => e.ToString()));
    }

    [Fact]
    public void A_resync_reports_bytes_done_of_total_with_a_rate_and_an_eta_on_the_hosts_clock()
    {
        var clock = new VirtualClock();
        using var f = new MirrorFixture(clock: clock);
        f.Mount();
        for (int i = 0; i < 260; i++)
            f.WriteFile($"/A/b/f{i:D3}", "");
        MirrorFixture.Ok(MfsAdm.Offline(f.P, "/A/b", "y", out _));
        for (int i = 0; i < 260; i++)
            f.WriteFile($"/A/b/f{i:D3}", new string('x', 4096), (OFlags)0); // 260 files' data: 256 in the first batch
        long total = 260 * 4096;

        var seen = new List<ResyncProgress>();
        using var gauges = new GaugeWatcher("mfs.resync.done");
        MirrorFixture.Ok(MfsAdm.Online(f.P, "/A/b", "y", out var error, out var report, progress: p =>
        {
            seen.Add(p);
            clock.Advance(TimeSpan.FromSeconds(1)); // each batch takes a second of the host's time
        }), error);

        Assert.Equal(0, seen[0].BytesDone);
        Assert.All(seen, p => Assert.Equal(total, p.BytesTotal));
        Assert.Equal(total, seen[^1].BytesDone);
        var mid = seen.First(p => p.BytesDone > 0 && p.BytesDone < total);
        Assert.Equal(256 * 4096, mid.BytesDone); // one batch of 256 log entries
        Assert.Equal(256 * 4096, mid.BytesPerSecond);
        Assert.Equal(4.0 / 256, mid.Eta!.Value.TotalSeconds, 3);
        Assert.Equal("resync Y: 1.0 of 1.0 MiB (98%), 1.0 MiB/s, ETA 0 s", mid.ToString());
        Assert.Equal(total, gauges.Last);
        Assert.Null(f.Mfs.Copies[1].Progress);
        Assert.Equal(total, report!.Stats.BytesCopied);
    }
}

/// <summary>
/// The last value recorded on a long gauge of the mirror's meter, by the thread that made the watcher, while it lives:
/// the meter is process-wide, and tests running at once on other threads record the same gauge for their own mirrors.
/// </summary>
internal sealed class GaugeWatcher : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly int _thread = Environment.CurrentManagedThreadId;
    private long _last = -1;

    public GaugeWatcher(string name)
    {
        _listener.InstrumentPublished = (i, l) =>
        {
            if (i.Meter.Name == "UnixVfs.Mirror" && i.Name == name)
                l.EnableMeasurementEvents(i);
        };
        _listener.SetMeasurementEventCallback<long>((_, v, _, _) =>
        {
            if (Environment.CurrentManagedThreadId == _thread)
                Interlocked.Exchange(ref _last, v);
        });
        _listener.Start();
    }

    public long Last => Interlocked.Read(ref _last);

    public void Dispose() => _listener.Dispose();
}
