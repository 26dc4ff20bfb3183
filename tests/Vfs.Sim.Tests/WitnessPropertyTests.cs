// Tests of the mirror's witness over seeded random histories (FsCheck) on the "fig7-witness" world: the two masters
// write through their own mirrors while the network between them, and the witness, go away and come back. Against a
// model of what each write was told:
//   - during one partition between the masters, never do both sides acknowledge a write;
//   - after the heal (every copy of both mirrors brought back), the copies are identical, and every file holds its last
//     acknowledged text, or what a write tried after it left (a write refused may have reached the copy kept, as a write
//     cut by a crash does: its O_TRUNC alone, or all of it).
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using UnixVfs.Mirror;

namespace UnixVfs.Sim.Tests;

/// <summary>One step of a history: a write through one master's mirror, or a change of the network.</summary>
public sealed record WitnessStep(string What, bool OnY = false, string Name = "")
{
    public override string ToString() => What == "write" ? $"{(OnY ? "y" : "x")} writes {Name}" : What;
}

public static class WitnessHistories
{
    public static readonly string[] Names = ["a", "b", "c"];

    public static Arbitrary<WitnessStep[]> Histories()
    {
        var write = from y in Gen.Elements(false, true)
                    from n in Gen.Elements(Names)
                    select new WitnessStep("write", y, n);
        var step = Gen.Frequency(
            (6, write),
            (2, Gen.Constant(new WitnessStep("cut x|y"))),
            (1, Gen.Constant(new WitnessStep("cut witness"))),
            (1, Gen.Constant(new WitnessStep("witness back"))),
            (2, Gen.Constant(new WitnessStep("heal"))));
        var gen = step.ArrayOf().Select(s => s.Take(14).ToArray());
        return Arb.From(gen, h => Enumerable.Range(0, h.Length).Select(i => h.Where((_, j) => j != i).ToArray()));
    }
}

public class WitnessPropertyTests
{
    [Property(Arbitrary = [typeof(WitnessHistories)], MaxTest = 10, Replay = "(2026,1203)", QuietOnSuccess = true)]
    public bool Never_both_masters_acknowledge_in_one_partition_and_no_acknowledged_write_is_lost(WitnessStep[] history) => Run(history);

    /// <summary>
    /// Shrunk from the property's first failure, a fault of the property's model, not of the mirror: with the witness out
    /// of reach, both sides were refused; y's refused write had truncated c on y's disk (its O_TRUNC) before x's disk
    /// timed out, and the rejoin took y's disk's version. Nothing acknowledged was lost -- "y0" was overwritten by a write
    /// tried after it -- but the model allowed only whole texts.
    /// </summary>
    [Fact]
    public void A_refused_write_may_leave_its_truncate_on_the_copy_kept() => Run(
    [
        new("write", OnY: true, Name: "c"), new("cut witness"), new("cut x|y"), new("write", Name: "a"), new("write", OnY: true, Name: "c"),
    ]);

    private static bool Run(WitnessStep[] history)
    {
        using var p = new WitnessTests.Pair(seed: 11);
        var acked = WitnessHistories.Names.ToDictionary(n => n, _ => (string?)null);
        var tried = WitnessHistories.Names.ToDictionary(n => n, _ => new List<string>()); // texts tried since the last acknowledged
        var ackedApart = new HashSet<bool>(); // the sides (OnY) that had a write acknowledged during this partition
        bool apart = false;
        int n = 0;
        foreach (var s in history)
        {
            switch (s.What)
            {
                case "write":
                    string text = $"{(s.OnY ? "y" : "x")}{n++}";
                    var err = p.Write(s.OnY ? p.Y : p.X, s.Name, text);
                    Assert.True(err is Errno.OK or Errno.EROFS, $"{s}: {err}");
                    if (err == Errno.OK)
                    {
                        acked[s.Name] = text;
                        tried[s.Name].Clear();
                        if (apart)
                            ackedApart.Add(s.OnY);
                    }
                    else
                        tried[s.Name].Add(text);
                    Assert.True(ackedApart.Count < 2, $"both masters acknowledged writes while apart: {string.Join("; ", history)}");
                    break;
                case "cut x|y":
                    p.CutXFromY();
                    apart = true;
                    break;
                case "cut witness":
                    p.CutWitness();
                    break;
                case "witness back":
                    p.Heal();
                    if (apart)
                        p.CutXFromY();
                    break;
                case "heal":
                    Heal(p);
                    apart = false;
                    ackedApart.Clear();
                    break;
            }
        }
        Heal(p);
        foreach (var name in WitnessHistories.Names)
        {
            string? onX = WitnessTests.Pair.ReadDisk(p.X, name), onY = WitnessTests.Pair.ReadDisk(p.Y, name);
            Assert.True(onX == onY, $"{name}: x's disk \"{onX}\", y's \"{onY}\" after the heal: {string.Join("; ", history)}");
            Assert.True(onX == acked[name] || tried[name].Contains(onX!) || (onX == "" && tried[name].Count > 0),
                $"{name}: \"{onX}\", the last acknowledged \"{acked[name]}\" lost: {string.Join("; ", history)}");
        }
        Assert.Equal(Errno.OK, MfsAdm.Verify(p.X.Admin, p.AtX, out var v));
        Assert.True(v!.Identical, string.Join("; ", v.Differences));
        return true;
    }

    /// <summary>Heals the network and brings every copy of both mirrors back: each ends with both copies in use, writable.</summary>
    private static void Heal(WitnessTests.Pair p)
    {
        p.Heal();
        p.Rejoin();
        foreach (var mi in new[] { p.OnX, p.OnY })
        {
            Assert.All(mi.Copies, c => Assert.True(c.State == CopyState.Available, c.ToString()));
            Assert.False(mi.Vfs.IsReadOnly);
        }
    }
}
