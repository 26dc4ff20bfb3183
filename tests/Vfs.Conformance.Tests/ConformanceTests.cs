// Tests of conformance: every check of the suite (src/Vfs.Sim/Conformance) on every file system of Targets.cs, one
// test case per check, one class per file system (so xunit runs the file systems side by side). The histories replay
// ConformanceOptions' fixed seed, so a run's verdict never changes; the slower file systems run fewer of them.
using UnixVfs.Sim.Conformance;

namespace UnixVfs.Conformance.Tests;

public abstract class ConformanceTests(FsUnderTest fs, ConformanceOptions options)
{
    public static TheoryData<string> Checks()
    {
        var data = new TheoryData<string>();
        foreach (var check in ConformanceSuite.Checks)
            data.Add(check);
        return data;
    }

    [Theory]
    [MemberData(nameof(Checks))]
    public void The_file_system_conforms(string check)
    {
        var problem = ConformanceSuite.Run(fs, check, options);
        Assert.True(problem is null, problem);
    }
}

public sealed class TmpfsConformance() : ConformanceTests(Targets.Tmpfs, new ConformanceOptions(Histories: 100, DataHistories: 8));

public sealed class UfsConformance() : ConformanceTests(Targets.Ufs, new ConformanceOptions(Histories: 40, DataHistories: 5));

public sealed class NfsSimConformance() : ConformanceTests(Targets.NfsSim, new ConformanceOptions(Histories: 30, DataHistories: 6));

public sealed class NfsTcpConformance() : ConformanceTests(Targets.NfsTcp, new ConformanceOptions(Histories: 20, DataHistories: 6));

public sealed class MirrorTmpfsConformance() : ConformanceTests(Targets.MirrorTmpfs, new ConformanceOptions(Histories: 25, DataHistories: 4));

public sealed class MirrorUfsConformance() : ConformanceTests(Targets.MirrorUfs, new ConformanceOptions(Histories: 20, DataHistories: 3));
