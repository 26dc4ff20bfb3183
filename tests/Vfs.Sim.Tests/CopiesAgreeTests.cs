// Tests of Vfs.Sim's invariant 6 (readers never see the copies disagree after a write returns) and of the histories'
// chown and utimes: the model's rules for owners and non-owners agree with the kernel's, and a copy whose owner or
// mtime differs from the model's is caught.
using UnixVfs.Sim.History;
using UnixVfs.Sim.Model;

namespace UnixVfs.Sim.Tests;

/// <summary>After every write, changes the bytes it just wrote in copy Y, behind the mirror's back.</summary>
public sealed class CorruptCopyY : Invariant
{
    public override string Name => "(corrupts copy Y after each write)";

    public override string? AfterCall(SimContext c)
    {
        if (c.Call?.Op is not PwriteOp { Length: > 0 } w || c.Outcome!.Got != Errno.OK
            || !c.Model.Fds.TryGetValue(OpGen.Fd(c.Model, w.Slot), out var of) || c.Model.PathOf(of.Node) is not { } path)
            return null;
        var vp = c.World.Mirror!.Mfs.Copies[1].Root;
        vp.Hold();
        foreach (var part in path[FsModel.Mnt.Length..].Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.Equal(Errno.OK, Vop.Lookup(vp, part, out var next, LookupFlags.None, null, Cred.Kcred));
            vp.Rele();
            vp = next!;
        }
        var junk = new byte[1];
        junk[0] = (byte)(w.Fill ^ 0xFF);
        Vop.Write(vp, new Uio(junk, w.Offset, UioRw.UIO_WRITE), FileFlags.None, Cred.Kcred);
        vp.Rele();
        return null;
    }
}

public class CopiesAgreeTests
{
    [Fact]
    public void A_copy_that_lost_a_write_is_caught_right_after_the_write()
    {
        var inv = new Invariant[] { new Invariants.ModelResults(), new CorruptCopyY(), new Invariants.CopiesAgreeAfterWrite() };
        var o = Exploration.Run(["fig5"], 20265300, 10, 150, FaultKinds.None, inv);
        Assert.NotNull(o.Failure);
        Assert.Contains("readers never see the copies disagree after a write returns: copy Y", o.Failure!.Failure);
        Assert.Contains("pwrite", o.Failure.Transcript[^1]);
    }

    [Theory]
    [InlineData("tmpfs")]
    [InlineData("ufs")]
    [InlineData("mirror-tmpfs")]
    public void Owners_and_non_owners_get_the_models_answers_to_chown_utimes_and_chmod(string world)
    {
        // Three processes, the third a user (uid 1003, groups 100 and 101) that makes attribute calls only.
        var text = Figures.Text(world)!.Replace("procs h 2", "procs h 3 guests 1");
        int eperm = 0, calls = 0;
        for (int seed = 1; seed <= 6; seed++)
        {
            Assert.Equal(Errno.OK, World.Build(text, seed, out var w, out var why));
            using (w)
            {
                var m = w!.NewModel();
                foreach (var call in OpGen.Generate(seed, 150, 3, guests: 1).Calls)
                {
                    m.Use(call.Pid);
                    var outcome = CallRunner.Step(w.Processes[call.Pid], m, call.Op);
                    Assert.True(outcome.Problem is null, $"{world} seed {seed}: {call}: {outcome.Problem}");
                    if (call.Pid == 3 && outcome.Got == Errno.EPERM)
                        eperm++;
                    calls++;
                }
                Assert.Equal(Errno.OK, w.ProcessHost.Admin.Lookupname("/m", true, out var top));
                var diff = ModelTree.Compare(top!, m);
                top!.Rele();
                Assert.True(diff is null, $"{world} seed {seed}: {diff}");
            }
        }
        Assert.True(eperm > 10, $"only {eperm} EPERMs for the user in {calls} calls");
    }

    [Fact]
    public void A_copy_whose_owner_or_mtime_differs_from_the_model_is_caught()
    {
        Assert.Equal(Errno.OK, World.Build(Figures.Text("mirror-tmpfs")!, 1, out var w, out var why));
        using (w)
        {
            var m = w!.NewModel();
            var p = w.Processes[1];
            foreach (var op in new Op[] { new OpenOp("/m/a", OFlags.O_WRONLY | OFlags.O_CREAT), new CloseOp(0), new ChownOp("/m/a", 1000, 100), new UtimesOp("/m/a", 1_700_000_000) })
                Assert.Null(CallRunner.Step(p, m, op).Problem);
            var copy = w.Mirror!.Mfs.Copies[1];
            Assert.Null(ModelTree.Compare(copy.Root, m));
            Assert.Equal(Errno.OK, Vop.Lookup(copy.Root, "a", out var vp, LookupFlags.None, null, Cred.Kcred));
            Assert.Equal(Errno.OK, Vop.Setattr(vp!, new Vattr(AttrMask.AT_MTIME) { Mtime = new Timespec(1_700_000_001, 0) }, AttrFlags.None, Cred.Kcred));
            Assert.Contains("mtime", ModelTree.Compare(copy.Root, m));
            Assert.Equal(Errno.OK, Vop.Setattr(vp!, new Vattr(AttrMask.AT_UID) { Uid = 7 }, AttrFlags.None, Cred.Kcred));
            Assert.Contains("owner 7:100", ModelTree.Compare(copy.Root, m));
            vp!.Rele();
            // A write makes the model forget the mtime utimes set: the copy's own is then not compared.
            Assert.Null(CallRunner.Step(p, m, new OpenOp("/m/a", OFlags.O_WRONLY)).Problem);
            Assert.Null(CallRunner.Step(p, m, new WriteOp(0, 1, 0x41)).Problem);
            Assert.Null(m.Root.Entries["a"].Mtime);
        }
    }
}
