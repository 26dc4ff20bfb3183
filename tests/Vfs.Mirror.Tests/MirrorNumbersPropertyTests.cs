// Tests of Vfs.Mirror: MirrorNumbers, the record of the numbers copies gave files (Fixed 98), against a naive model
// over random histories of a few files, copies and numbers: copies numbering files (with the fids of the copies whose
// vnodes the mnode knew, the numbering copy's own among them or not), numbers let go of, and files made again in a copy
// (a new fid). The record must answer as the model does, and never name one number for two files.
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace UnixVfs.Mirror.Tests;

public class MirrorNumbersPropertyTests
{
    private const int Copies = 3, Files = 4;

    /// <summary>
    /// Copy By numbered File Number, with its fids in the copies of Known (By's own among them: the giver's fid known);
    /// Forget: By let go of Number; Remake: File made again in copy By.
    /// </summary>
    public sealed record Step(string Kind, int File, int By, ulong Number, int Known)
    {
        public override string ToString() => Kind switch
        {
            "numbered" => $"{MfsOptions.CopyName(By)} numbers f{File} {Number} (fids of {Known:b3})",
            "forget" => $"{MfsOptions.CopyName(By)} lets go of {Number}",
            _ => $"f{File} made again in {MfsOptions.CopyName(By)}",
        };
    }

    public static class Histories
    {
        public static Arbitrary<Step[]> Steps()
        {
            var step = from kind in Gen.Frequency((6, Gen.Constant("numbered")), (1, Gen.Constant("forget")), (1, Gen.Constant("remake")))
                       from file in Gen.Choose(0, Files - 1)
                       from giver in Gen.Choose(0, Copies - 1)
                       from number in Gen.Choose(1, 4)
                       from known in Gen.Choose(0, (1 << Copies) - 1)
                       select new Step(kind, file, giver, (ulong)number, known);
            return Arb.From(from n in Gen.Choose(1, 40) from steps in step.ArrayOf(n) select steps);
        }
    }

    /// <summary>
    /// The model: for each key (copy, file, the file's generation there), the number it is recorded with; for each number,
    /// the file (and its generation) in the copy that gave it, when known.
    /// </summary>
    private sealed class Model
    {
        public readonly Dictionary<(int Copy, int File, int Gen), (int By, ulong Number)> Keys = new();
        public readonly Dictionary<(int By, ulong Number), (int File, int Gen)?> Givers = new();
        public readonly int[,] Gen = new int[Files, Copies];

        public void Apply(Step s)
        {
            var number = (s.By, s.Number);
            switch (s.Kind)
            {
                case "numbered":
                    (int, int)? giver = (s.Known & (1 << s.By)) != 0 ? (s.File, Gen[s.File, s.By]) : null;
                    bool same = giver is not null && Keys.ContainsValue(number) && Givers[number] == giver;
                    if (!same)
                        Drop(number);   // the number's record for another file, or one not known to be this one, goes
                    var keys = Enumerable.Range(0, Copies).Where(c => c != s.By && (s.Known & (1 << c)) != 0).ToList();
                    if (!same && keys.Count > 0)
                        Givers[number] = giver;
                    foreach (int c in keys)
                        Keys[(c, s.File, Gen[s.File, c])] = number;
                    break;
                case "forget":
                    Drop(number);
                    break;
                default:
                    Gen[s.File, s.By]++;
                    break;
            }
        }

        private void Drop((int, ulong) number)
        {
            foreach (var k in Keys.Where(k => k.Value == number).Select(k => k.Key).ToList())
                Keys.Remove(k);
            Givers.Remove(number);
        }
    }

    private static Fid FidOf(int file, int copy, int gen) => new([(byte)file, (byte)copy, (byte)gen]);

    private static void Run(MirrorNumbers record, Model model, Step s)
    {
        switch (s.Kind)
        {
            case "numbered":
                var keys = new List<(int Copy, Fid Fid)>();
                for (int c = 0; c < Copies; c++)
                    if (c != s.By && (s.Known & (1 << c)) != 0)
                        keys.Add((c, FidOf(s.File, c, model.Gen[s.File, c])));
                var giver = (s.Known & (1 << s.By)) != 0 ? FidOf(s.File, s.By, model.Gen[s.File, s.By]) : null;
                record.Record(s.By, s.Number, giver, keys);
                break;
            case "forget":
                record.Forget(s.By, s.Number);
                break;
        }
        model.Apply(s);
    }

    /// <summary>What the record answers for each file's fid now in each copy, and the model's answer.</summary>
    private static IEnumerable<(int File, int Copy, (int, ulong)? Got, (int, ulong)? Want)> Answers(MirrorNumbers record, Model model)
    {
        for (int f = 0; f < Files; f++)
            for (int c = 0; c < Copies; c++)
            {
                (int, ulong)? got = record.Lookup(c, FidOf(f, c, model.Gen[f, c]), out int by, out ulong n) ? (by, n) : null;
                (int, ulong)? want = model.Keys.TryGetValue((c, f, model.Gen[f, c]), out var w) ? w : null;
                yield return (f, c, got, want);
            }
    }

    /// <summary>No number is recorded for two files.</summary>
    private static bool OneFileANumber(IEnumerable<(int File, int Copy, (int, ulong)? Got, (int, ulong)? Want)> answers) =>
        answers.Where(a => a.Got is not null).GroupBy(a => a.Got).All(g => g.Select(a => a.File).Distinct().Count() == 1);

    [Property(Arbitrary = [typeof(Histories)], MaxTest = 300, Replay = "(2026,1207)", QuietOnSuccess = true)]
    public Property The_record_answers_as_the_model_and_names_no_number_for_two_files(Step[] steps)
    {
        var record = new MirrorNumbers(Copies);
        var model = new Model();
        foreach (var s in steps)
        {
            Run(record, model, s);
            var answers = Answers(record, model).ToList();
            foreach (var a in answers.Where(a => !Equals(a.Got, a.Want)))
                return false.Label($"after {s}: f{a.File} in {MfsOptions.CopyName(a.Copy)}: the record says {a.Got?.ToString() ?? "none"}, the model {a.Want?.ToString() ?? "none"}");
            if (!OneFileANumber(answers))
                return false.Label($"after {s}: one number for two files");
            for (int c = 0; c < Copies; c++)
                if (record.Keyed(c) != model.Keys.Keys.Any(k => k.Copy == c))
                    return false.Label($"after {s}: {MfsOptions.CopyName(c)} counted as keyed {record.Keyed(c)}");
        }
        return true.ToProperty();
    }

    /// <summary>Bounded to two records, the record forgets the oldest, and what it still answers is the model's.</summary>
    [Property(Arbitrary = [typeof(Histories)], MaxTest = 300, Replay = "(1205,2027)", QuietOnSuccess = true)]
    public Property Bounded_the_record_forgets_the_oldest_and_answers_nothing_else(Step[] steps)
    {
        var record = new MirrorNumbers(Copies, limit: 2);
        var model = new Model();
        foreach (var s in steps)
        {
            Run(record, model, s);
            var answers = Answers(record, model).ToList();
            if (answers.Any(a => a.Got is not null && !Equals(a.Got, a.Want)))
                return false.Label($"after {s}: an answer the model does not give");
            if (answers.Where(a => a.Got is not null).Select(a => a.Got).Distinct().Count() > 2)
                return false.Label($"after {s}: more than two numbers kept");
            if (!OneFileANumber(answers))
                return false.Label($"after {s}: one number for two files");
        }
        return true.ToProperty();
    }
}
