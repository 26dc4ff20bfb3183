// Tests of Vfs.Sim: invariants as a public API -- the example of docs/verification.md compiles and runs, an
// invariant that does not hold fails the run with a report that replays it, and the model check has teeth.
namespace UnixVfs.Sim.Tests;

/// <summary>The example of docs/verification.md, as written there.</summary>
public sealed class NoHugeFiles : Invariant
{
    public override string Name => "no file over 1 MiB";

    public override string? AfterCall(SimContext c)
    {
        foreach (var copy in c.World.Mirror?.Mfs.Copies ?? [])
            if (ModelTree.Names(copy.Root, out var names) == Errno.OK)
                foreach (var n in names)
                    if (Vop.Lookup(copy.Root, n, out var vp, LookupFlags.None, null, Cred.Kcred) == Errno.OK)
                    {
                        var va = new Vattr(AttrMask.AT_SIZE);
                        Vop.Getattr(vp!, va, AttrFlags.None, Cred.Kcred);
                        vp!.Rele();
                        if (va.Size > 1 << 20)
                            return $"{copy.Name}:/{n} is {va.Size} bytes";
                    }
        return null;
    }
}

/// <summary>An invariant that cannot hold once a directory exists: shows what a failure looks like.</summary>
public sealed class NoDirectories : Invariant
{
    public override string Name => "no directories";
    public override string? AfterCall(SimContext c) =>
        c.Model.Root.Entries.Values.Any(n => n is Model.MDir) ? "a directory exists" : null;
}

public class InvariantApiTests
{
    [Fact]
    public void A_researchers_invariant_is_checked_after_every_call()
    {
        var o = Simulator.Run(new SimCase("fig5", 7, 150, FaultKinds.Copy), [.. Invariants.Default(), new NoHugeFiles()]);
        Assert.True(o.Failure is null, Simulator.Report(o));
        Assert.Equal(o.Calls, o.Checks["no file over 1 MiB"]);
    }

    [Fact]
    public void A_failure_in_a_world_file_gives_a_test_named_after_the_file_that_carries_the_world_and_needs_no_file()
    {
        var file = Path.Combine(Path.GetTempPath(), $"vfs-sim-{Environment.ProcessId}", "two-tmpfs.world");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, Figures.Text("mirror-tmpfs"));
        var o = Simulator.Shrink(Simulator.Run(new SimCase(file, 3, 120, FaultKinds.None), [new NoDirectories()]), [new NoDirectories()]);
        Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        var test = Simulator.XunitTest(o.Case);
        Assert.Contains("public void Sim_two_tmpfs_seed_3_holds()", test);
        Assert.Contains("new UnixVfs.Sim.SimCase(\"two-tmpfs\", 3, 120,", test);
        var carried = Figures.Text("mirror-tmpfs")!.TrimEnd().Split('\n').Select(l => "            " + l);
        Assert.Contains("WorldText: \"\"\"\n" + string.Join('\n', carried) + "\n            \"\"\"));", test);
        // What the test runs: the world from its text, the file gone; it fails as the original did.
        var again = Simulator.Run(o.Case with { WorldName = "two-tmpfs", WorldText = Figures.Text("mirror-tmpfs") }, [new NoDirectories()]);
        Assert.Equal(o.Failure, again.Failure);
        Assert.Equal(o.TraceHash, again.TraceHash);
    }

    [Fact]
    public void A_failing_invariant_gives_a_shrunk_history_a_replay_command_and_a_test()
    {
        var c = new SimCase("mirror-tmpfs", 3, 120, FaultKinds.Copy);
        var o = Simulator.Run(c, [new NoDirectories()]);
        Assert.NotNull(o.Failure);
        var shrunk = Simulator.Shrink(o, [new NoDirectories()]);
        Assert.Single(shrunk.Transcript);
        Assert.Contains("mkdir", shrunk.Transcript[0]);
        var report = Simulator.Report(shrunk);
        Assert.Contains($"vfs sim --world mirror-tmpfs --seed 3 --steps 120 --faults copy --keep ", report);
        Assert.Contains("[Fact]", report);
        // The replay of the shrunk case fails the same way, and so does the regression test's, which carries the plan.
        Assert.StartsWith(shrunk.Failure!, Simulator.Run(shrunk.Case, [new NoDirectories()]).Failure);
        Assert.NotEmpty(shrunk.Plan.Faults);
        Assert.Contains($"--plan '{shrunk.Plan.OneLine()}' --keep ", report);
        Assert.Contains($"FaultPlan.FromText(\"{shrunk.Plan.OneLine()}\")", report);
        Assert.StartsWith(shrunk.Failure!, Simulator.Run(shrunk.Case with { Plan = shrunk.Plan }, [new NoDirectories()]).Failure);
    }

    /// <summary>
    /// A world whose histories keep open files linked (the NFS worlds: no silly rename) is never shrunk to a history that
    /// removes an open file's last name: Finding 8's first shrink of fig6 20264330 dropped the close between
    /// `open("/m/b")` and `unlink("/m/b")`, and replayed an ESTALE the world's histories cannot make.
    /// </summary>
    [Fact]
    public void A_shrink_keeps_a_worlds_open_files_linked()
    {
        var open = new History.Call(2, new History.OpenOp("/m/b", OFlags.O_WRONLY | OFlags.O_CREAT));
        var unlink = new History.Call(1, new History.UnlinkOp("/m/b"));
        Assert.False(History.OpGen.KeepsOpenFilesLinked(new History.Script(new[] { open, unlink }), 2));
        Assert.True(History.OpGen.KeepsOpenFilesLinked(new History.Script(new[] { open, new History.Call(2, new History.CloseOp(0)), unlink }), 2));

        var o = Simulator.Run(new SimCase("fig6", 20264330, 130, FaultKinds.None, [19, 97]));
        Assert.False(o.Keepable([19, 97, 113]));
        Assert.True(o.Keepable(Enumerable.Range(0, 130).ToList()));
        Assert.True(Simulator.Run(new SimCase("mirror-tmpfs", 3, 120, FaultKinds.None, [0])).Keepable([19, 97, 113]));
    }

    [Fact]
    public void A_file_system_that_differs_from_the_model_is_caught()
    {
        // Change one copy of the mirror behind its back: the next check of the copies must see it.
        var err = World.Build(Figures.Text("mirror-tmpfs")!, 1, out var w, out var why);
        Assert.True(err == Errno.OK, why);
        using (w)
        {
            var model = new Model.FsModel();
            var copy = w!.Mirror!.Mfs.Copies[1];
            Assert.Null(ModelTree.Compare(copy.Root, model));
            Assert.Equal(Errno.OK, Vop.Mkdir(copy.Root, "stray", new Vattr(AttrMask.AT_TYPE | AttrMask.AT_MODE) { Type = VType.VDIR, Mode = 0x1FF }, out var vp, Cred.Kcred));
            vp!.Rele();
            Assert.Contains("stray", ModelTree.Compare(copy.Root, model));
        }
    }

    [Fact]
    public void The_partial_comparison_sees_a_difference_in_a_listed_directory_however_deep_and_only_there()
    {
        // a/b on a copy and in the model; then a file the model has not, in a/b: only a comparison of a/b shows it.
        var err = World.Build(Figures.Text("mirror-tmpfs")!, 1, out var w, out var why);
        Assert.True(err == Errno.OK, why);
        using (w)
        {
            var model = new Model.FsModel();
            var copy = w!.Mirror!.Mfs.Copies[1];
            var dir = copy.Root;
            dir.Hold();
            foreach (var name in new[] { "a", "b" })
            {
                Assert.Equal(Errno.OK, Vop.Mkdir(dir, name, new Vattr(AttrMask.AT_TYPE | AttrMask.AT_MODE) { Type = VType.VDIR, Mode = Model.FsModel.DirMode }, out var sub, Cred.Kcred));
                dir.Rele();
                dir = sub!;
            }
            Assert.Equal(Errno.OK, model.Mkdir("/m/a"));
            Assert.Equal(Errno.OK, model.Mkdir("/m/a/b"));
            Assert.Null(ModelTree.CompareDirectories(copy.Root, ["", "a", "a/b", "c"], model));
            Assert.Equal(Errno.OK, Vop.Create(dir, "stray", new Vattr(AttrMask.AT_TYPE | AttrMask.AT_MODE) { Type = VType.VREG, Mode = Model.FsModel.FileMode },
                VcExcl.NONEXCL, AccessMode.VWRITE, out var file, Cred.Kcred, FileFlags.FWRITE));
            file!.Rele();
            dir.Rele();
            Assert.Contains("/a/b/ holds [stray]", ModelTree.CompareDirectories(copy.Root, ["a/b"], model));
            Assert.Contains("stray", ModelTree.CompareDirectories(copy.Root, ["c", "", "a/b", "a"], model));
            Assert.Null(ModelTree.CompareDirectories(copy.Root, ["", "a"], model));
            Assert.Contains("stray", ModelTree.Compare(copy.Root, model));
        }
    }
}
