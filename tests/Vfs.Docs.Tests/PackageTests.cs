// Tests of the packages: `dotnet pack` of the solution (the build this test belongs to, not rebuilt) fills a local
// feed with every src project and the vfs tool; a fresh console project outside the repository takes Vfs.* from
// that feed alone (its own NuGet config and packages folder; other packages from the machine's usual sources)
// and runs the README's embedding examples; and `dotnet tool install` puts vfs in a tool path, where it runs a
// figure of the demo. Nothing here is timed: the verdict is the exit codes and the output.
using System.Xml.Linq;

namespace UnixVfs.Docs.Tests;

public sealed class PackageTests : IDisposable
{
    private static readonly string[] Libraries = ["Vfs.Core", "Vfs.Ufs", "Vfs.Nfs", "Vfs.Mirror", "Vfs.Fuse", "Vfs.Sim", "Vfs.IO"];
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("vfs-pack-");

    public void Dispose() => _work.Delete(recursive: true);

    private string Dir(string name) => Directory.CreateDirectory(Path.Combine(_work.FullName, name)).FullName;

    /// <summary>
    /// A NuGet config of its own: the local feed for Vfs.* and vfs, the machine's configured sources (as
    /// `dotnet nuget list source` prints them) for everything else, and a packages folder of its own.
    /// </summary>
    private string NugetConfig(string feed)
    {
        var sources = Repo.Ok(Repo.Run("dotnet", "nuget list source --format short", _work.FullName))
            .Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("E ", StringComparison.Ordinal)).Select(l => l[2..].Trim()).ToList();
        var packageSources = new XElement("packageSources", new XElement("clear"), new XElement("add", new XAttribute("key", "local"), new XAttribute("value", feed)));
        var mapping = new XElement("packageSourceMapping",
            new XElement("packageSource", new XAttribute("key", "local"),
                new XElement("package", new XAttribute("pattern", "Vfs.*")), new XElement("package", new XAttribute("pattern", "vfs"))));
        for (int i = 0; i < sources.Count; i++)
        {
            packageSources.Add(new XElement("add", new XAttribute("key", $"usual{i}"), new XAttribute("value", sources[i])));
            mapping.Add(new XElement("packageSource", new XAttribute("key", $"usual{i}"), new XElement("package", new XAttribute("pattern", "*"))));
        }
        var config = new XElement("configuration",
            new XElement("config", new XElement("add", new XAttribute("key", "globalPackagesFolder"), new XAttribute("value", Dir("packages")))),
            packageSources, mapping);
        string path = Path.Combine(_work.FullName, "nuget.config");
        config.Save(path);
        return path;
    }

    [Fact]
    public void The_packages_from_a_local_feed_run_the_readme_examples_and_vfs_installs_as_a_tool()
    {
        string feed = Dir("feed");
        Repo.Ok(Repo.Run("dotnet", $"pack \"{Path.Combine(Repo.Root, "Vfs.sln")}\" --no-build -c {Repo.Configuration} -o \"{feed}\" -nologo -v quiet", Repo.Root));
        foreach (var id in Libraries.Append("vfs"))
        {
            Assert.True(File.Exists(Path.Combine(feed, $"{id}.0.1.0.nupkg")), $"{id} was not packed");
            Assert.True(File.Exists(Path.Combine(feed, $"{id}.0.1.0.snupkg")), $"{id} has no symbol package");
        }
        string config = NugetConfig(feed);

        // A console project outside the repository (no Directory.Build.props reaches it) with the README's examples.
        string app = Dir("app");
        new XElement("Project", new XAttribute("Sdk", "Microsoft.NET.Sdk"),
            new XElement("PropertyGroup",
                new XElement("OutputType", "Exe"), new XElement("TargetFramework", "net10.0"),
                new XElement("ImplicitUsings", "enable"), new XElement("Nullable", "enable")),
            new XElement("ItemGroup", Libraries.Where(l => l is not ("Vfs.Fuse" or "Vfs.Sim"))
                .Select(l => new XElement("PackageReference", new XAttribute("Include", l), new XAttribute("Version", "0.1.0")))))
            .Save(Path.Combine(app, "app.csproj"));
        File.WriteAllText(Path.Combine(app, "Program.cs"), DocBlocks.Program(Path.Combine(Repo.Root, "README.md")));
        var env = new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(_work.FullName, "packages") };
        Repo.Ok(Repo.Run("dotnet", $"restore --configfile \"{config}\" -nologo -v quiet", app, env));
        string output = Repo.Ok(Repo.Run("dotnet", "run --no-restore -nologo -v quiet", app, env));
        Assert.Contains("hi!", output);
        Assert.True(Directory.Exists(Path.Combine(_work.FullName, "packages", "vfs.core", "0.1.0")), "Vfs.Core came from the local feed into the project's own packages folder");

        // The tool: installed from the feed into a tool path, then run.
        string tools = Dir("tools");
        Repo.Ok(Repo.Run("dotnet", $"tool install vfs --version 0.1.0 --tool-path \"{tools}\" --configfile \"{config}\"", _work.FullName, env)); // the config maps vfs to the feed
        string demo = Repo.Ok(Repo.Run(Path.Combine(tools, "vfs"), "demo --figure 5", _work.FullName));
        Assert.Contains("Fig. 5", demo);
    }
}
