// Tests of conformance: every check of the suite (src/Vfs.Sim/Conformance) on every file system of Targets.cs, one
// test case each. The histories replay ConformanceOptions' fixed seed, so a run's verdict never changes.
using UnixVfs.Sim.Conformance;

namespace UnixVfs.Conformance.Tests;

public class ConformanceTests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var fs in Targets.All)
            foreach (var check in ConformanceSuite.Checks)
                data.Add(fs.Name, check);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_file_system_conforms(string fs, string check)
    {
        var target = Targets.All.Single(t => t.Name == fs);
        var problem = ConformanceSuite.Run(target, check);
        Assert.True(problem is null, problem);
    }
}
