// Tests of Vfs.Core: the tracing table -- every op through Vop.* recorded in call order with its layer,
// result and nesting depth, nothing recorded once tracing is off, and a bounded event log.
using static UnixVfs.Core.Tests.TestHost;

namespace UnixVfs.Core.Tests.Dispatch;

public class TraceTests
{
    [Fact]
    public void A_write_through_the_system_calls_records_rwlock_write_rwunlock_with_results()
    {
        var h = new TestHost();
        Ok(h.Root.Open("/m/f", OFlags.O_CREAT | OFlags.O_WRONLY, Mode666, out int fd));
        var tracer = new VopTracer();
        h.Kernel.Trace(tracer);
        Ok(h.Root.Write(fd, "hello"u8.ToArray(), out _));
        h.Kernel.Trace(null);
        Ok(h.Root.Write(fd, "more"u8.ToArray(), out _));
        Ok(h.Root.Close(fd));
        var ev = tracer.Events;
        Assert.Equal(["rwlock", "write", "rwunlock"], ev.Select(e => e.Op));
        Assert.All(ev, e => Assert.Equal(0, e.Depth));
        Assert.All(ev, e => Assert.Equal("tmpfs", e.Layer));
        Assert.All(ev, e => Assert.Equal(Errno.OK, e.Result));
        Assert.All(ev, e => Assert.True(e.Duration >= TimeSpan.Zero));
        Assert.Equal("off=0 len=5", ev[1].Detail);
        Assert.Equal("/m/f", ev[1].Vnode);
        Assert.Contains("tmpfs.write(/m/f, off=0 len=5) = OK", ev[1].ToString());
    }

    [Fact]
    public void A_failing_lookup_is_recorded_with_its_errno_and_the_name()
    {
        var h = new TestHost();
        var tracer = new VopTracer();
        h.Kernel.Trace(tracer);
        Assert.Equal(Errno.ENOENT, h.Root.Stat("/m/nope", out _));
        h.Kernel.Trace(null);
        var miss = tracer.Events.Single(e => e.Op == VopName.Lookup && e.Detail == "\"nope\"");
        Assert.Equal(Errno.ENOENT, miss.Result);
        Assert.Equal("tmpfs-dir", miss.Layer);
    }

    [Fact]
    public void What_if_one_layer_calls_another_the_inner_calls_nest_one_level_deeper_in_order()
    {
        var h = new TestHost();
        WriteFile(h.Root, "/m/lower", "data");
        Ok(h.Root.Lookupname("/m/lower", false, out var lower));
        // An upper layer whose read is "getattr, then read" on the lower vnode, as a stacked file system's would be.
        Errno UpperRead(Vnode vp, Uio uio, FileFlags ioflag, Cred cr, CallerContext? ct)
        {
            var lvp = (Vnode)vp.Data!;
            var err = Vop.Getattr(lvp, new Vattr(AttrMask.AT_SIZE), 0, cr, ct);
            return err != Errno.OK ? err : Vop.Read(lvp, uio, ioflag, cr, ct);
        }
        var upperOps = VnodeOps.MakeOrPanic("upper", [new(VopName.Read, (VopRead)UpperRead)]);
        var upper = Vnode.Alloc(upperOps, h.Tmp, VType.VREG, lower);
        var tracer = new VopTracer();
        h.Kernel.Trace(tracer);
        var buf = new byte[4];
        Ok(Vop.Read(upper, new Uio(buf, 0, UioRw.UIO_READ), 0, Cred.Kcred));
        h.Kernel.Trace(null);
        Assert.Equal("data", System.Text.Encoding.ASCII.GetString(buf));
        Assert.Equal(
            ["0 upper.read", "1 tmpfs.getattr", "1 tmpfs.read"],
            tracer.Events.Select(e => $"{e.Depth} {e.Layer}.{e.Op}"));
        Assert.True(tracer.Events[0].Duration >= tracer.Events[2].Duration);
        lower!.Rele();
    }

    [Fact]
    public void Depth_unwinds_when_an_op_throws()
    {
        var h = new TestHost();
        var panicky = VnodeOps.MakeOrPanic("panicky", [new(VopName.Read, FsSubr.Panic<VopRead>())]);
        var vp = Vnode.Alloc(panicky, h.Tmp, VType.VREG, null);
        var tracer = new VopTracer();
        h.Kernel.Trace(tracer);
        Assert.Throws<VfsPanicException>(() => Vop.Read(vp, new Uio(new byte[1], 0, UioRw.UIO_READ), 0, Cred.Kcred));
        Ok(h.Root.Stat("/m", out _));
        h.Kernel.Trace(null);
        Assert.All(tracer.Events, e => Assert.Equal(0, e.Depth));
    }

    [Fact]
    public void A_vfs_mounted_while_tracing_is_traced_too_and_the_live_callback_sees_each_event()
    {
        var h = new TestHost(mountTmpfs: false);
        var live = new List<string>();
        var tracer = new VopTracer(live: e => live.Add(e.Op));
        h.Kernel.Trace(tracer);
        Ok(h.Root.Mkdir("/n", Dir755));
        Ok(h.Root.Mount("swap", "/n", "tmpfs"));
        tracer.Clear();
        live.Clear();
        Ok(h.Root.Mkdir("/n/d", Dir755));
        h.Kernel.Trace(null);
        Assert.Contains(VopName.Mkdir, live);
        Assert.Equal(tracer.Events.Select(e => e.Op), live);
        Assert.Null(h.Kernel.Tracer);
    }

    [Fact]
    public void The_log_keeps_only_the_newest_events_up_to_its_capacity()
    {
        var h = new TestHost();
        var tracer = new VopTracer(capacity: 3);
        h.Kernel.Trace(tracer);
        for (int i = 0; i < 10; i++)
            h.Root.Stat("/m/x" + i, out _);
        h.Kernel.Trace(null);
        Assert.Equal(3, tracer.Events.Count);
        Assert.Equal("\"x9\"", tracer.Events.Last(e => e.Op == VopName.Lookup).Detail);
    }

    [Fact]
    public void Tracing_wraps_each_table_once_and_the_wrapper_keeps_the_name()
    {
        var tracer = new VopTracer();
        var t = VnodeOps.MakeOrPanic("t", []);
        Assert.Same(tracer.Wrap(t), tracer.Wrap(t));
        Assert.Equal("t", tracer.Wrap(t).Name);
        Assert.NotSame(t, tracer.Wrap(t));
    }

    [Fact]
    public void A_call_made_while_the_tracer_is_not_recording_leaves_no_event_and_adds_no_depth()
    {
        var h = new TestHost();
        WriteFile(h.Root, "/m/lower", "data");
        Ok(h.Root.Lookupname("/m/lower", false, out var lower));
        bool recording = false;
        // The upper read starts unrecorded and turns recording on before its own calls to the layer below.
        Errno UpperRead(Vnode vp, Uio uio, FileFlags ioflag, Cred cr, CallerContext? ct)
        {
            recording = true;
            var lvp = (Vnode)vp.Data!;
            var err = Vop.Getattr(lvp, new Vattr(AttrMask.AT_SIZE), 0, cr, ct);
            return err != Errno.OK ? err : Vop.Read(lvp, uio, ioflag, cr, ct);
        }
        var upper = Vnode.Alloc(VnodeOps.MakeOrPanic("upper", [new(VopName.Read, (VopRead)UpperRead)]), h.Tmp, VType.VREG, lower);
        var tracer = new VopTracer { Recording = () => recording };
        h.Kernel.Trace(tracer);
        Ok(h.Root.Stat("/m/lower", out _));
        Assert.Empty(tracer.Events);
        Ok(Vop.Read(upper, new Uio(new byte[4], 0, UioRw.UIO_READ), 0, Cred.Kcred));
        Ok(h.Root.Stat("/m", out _));
        h.Kernel.Trace(null);
        Assert.Equal(["0 tmpfs.getattr", "0 tmpfs.read"], tracer.Events.Where(e => e.Layer == "tmpfs").Take(2).Select(e => $"{e.Depth} {e.Layer}.{e.Op}"));
        Assert.DoesNotContain(tracer.Events, e => e.Layer == "upper");
        Assert.All(tracer.Events, e => Assert.Equal(0, e.Depth));
        lower!.Rele();
    }
}
