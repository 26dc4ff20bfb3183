// What if `vfs serve` serves a mirror of two UFS images, or a path of a world file, to libnfs's tools?
// Files copied in over NFS land in both copies; SIGTERM leaves both images clean and alike.
using System.Diagnostics;

namespace UnixVfs.Fuse.Tests;

public class ServeWorldTests
{
    private static (Process Proc, string Url) Serve(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])[HostTools.VfsDll, "serve", "--nfs-port", "0", "--mount-port", "0", "--portmap-port", "-1", "--no-root-squash", .. args])
            psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        var seen = new List<string>();
        while (true)
        {
            var line = p.StandardOutput.ReadLineAsync();
            if (!line.Wait(HostTools.HangGuard) || line.Result is null)
            {
                if (!p.HasExited)
                    p.Kill();
                Assert.Fail("vfs serve printed no URL: " + string.Join('\n', seen) + p.StandardError.ReadToEnd());
            }
            if (line.Result!.StartsWith("nfs://", StringComparison.Ordinal))
                return (p, line.Result);
            seen.Add(line.Result);
        }
    }

    private static void Stop(Process p)
    {
        HostTools.Run("kill", "-TERM", p.Id.ToString());
        var rest = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(HostTools.HangGuard), "vfs serve did not stop");
        Assert.True(p.ExitCode == 0, rest + p.StandardError.ReadToEnd());
        Assert.Contains("stopped", rest);
    }

    [Fact]
    public void Serve_a_mirror_and_a_world_path_to_nfs_cp()
    {
        var dir = HostTools.TempDir("serve");
        var a = HostTools.NewImage(dir, "a.img", 32);
        var b = HostTools.NewImage(dir, "b.img", 32);
        var src = Path.Combine(dir, "payload");
        File.WriteAllBytes(src, Enumerable.Range(0, 200_000).Select(i => (byte)(i * 7)).ToArray());

        var (p, url) = Serve("--mirror", $"{a},{b}");
        var cp = HostTools.Run("nfs-cp", src, url.Replace("/export?", "/export/payload?"));
        Stop(p);
        Assert.True(cp.Exit == 0, cp.ToString());
        Assert.True(HostTools.Fsck(a).Clean && HostTools.Fsck(b).Clean);
        var tree = ImageTree.Read(a);
        Assert.Equal(tree, ImageTree.Read(b));
        Assert.Contains(tree, l => l.StartsWith("/payload VREG", StringComparison.Ordinal) && l.Contains(" 200000 ", StringComparison.Ordinal));

        // The same images again, through a world file that mirrors them and serves the mirror by its path.
        var world = Path.Combine(dir, "setup.vfs");
        File.WriteAllLines(world, ["mkdir -p /A /B", $"mount -F ufs {a} /A", $"mount -F ufs {b} /B", "mount -F mfs /A /B"]);
        (p, url) = Serve("--world", world, "--path", "/B");
        Assert.Contains("/B?", url);
        var ls = HostTools.Run("nfs-ls", url);
        Stop(p);
        Assert.True(ls.Exit == 0, ls.ToString());
        Assert.Contains("200000 payload", ls.Out);
        Assert.True(HostTools.Fsck(a).Clean && HostTools.Fsck(b).Clean);
        Directory.Delete(dir, recursive: true);
    }
}
