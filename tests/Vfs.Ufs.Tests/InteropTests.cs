// Tests of Vfs.Ufs against programs nobody here wrote: an image built through the system calls is read
// by The Sleuth Kit (fsstat, fls, icat, istat) and GRUB (grub-fstest ls/cmp), which must see exactly
// our names and bytes; then the image is mounted here again and compared too.
using Diag = System.Diagnostics;
using System.Text;
using UnixVfs.Core;
using Xunit.Abstractions;
using static UnixVfs.Ufs.Tests.Kit;

namespace UnixVfs.Ufs.Tests;

/// <summary>Runs a host program and captures its output.</summary>
internal static class HostTool
{
    public static bool Exists(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, tool)));

    /// <summary>Runs <paramref name="tool"/>; returns its exit code and stdout bytes (stderr is folded into the message on failure).</summary>
    public static (int Code, byte[] Out, string Err) Run(string tool, params string[] args)
    {
        var psi = new Diag.ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Diag.Process.Start(psi)!;
        var stdout = new MemoryStream();
        var copy = p.StandardOutput.BaseStream.CopyToAsync(stdout);
        var err = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} {string.Join(' ', args)} did not finish");
        }
        copy.Wait();
        return (p.ExitCode, stdout.ToArray(), err.Result);
    }

    public static string Text(string tool, params string[] args)
    {
        var (code, output, err) = Run(tool, args);
        Assert.True(code == 0, $"{tool} {string.Join(' ', args)} exited {code}: {err}");
        return Encoding.UTF8.GetString(output);
    }
}

public class InteropTests
{
    private readonly ITestOutputHelper _out;

    public InteropTests(ITestOutputHelper output) => _out = output;

    private bool ToolsPresent()
    {
        var missing = new[] { "fsstat", "fls", "icat", "istat", "grub-fstest" }.Where(t => !HostTool.Exists(t)).ToList();
        if (missing.Count == 0)
            return true;
        _out.WriteLine($"CANNOT RUN: {string.Join(", ", missing)} not installed (./test.sh installs sleuthkit and grub-common as root).");
        return false;
    }

    /// <summary>What the tree holds: every path with its kind and (for files) bytes or (for links) target.</summary>
    private sealed record Entry(string Path, VType Type, byte[]? Data, string? Target);

    private static List<Entry> BuildTree(Process p)
    {
        var tree = new List<Entry>();
        void Dir(string path)
        {
            Ok(p.Mkdir("/mnt/" + path, 0x1ED));
            tree.Add(new Entry(path, VType.VDIR, null, null));
        }
        void File(string path, byte[] data)
        {
            WriteFile(p, "/mnt/" + path, data);
            tree.Add(new Entry(path, VType.VREG, data, null));
        }
        Dir("a");
        Dir("a/b");
        Dir("a/b/c");
        Dir("a/b/c/d");
        File("a/b/c/d/deep.txt", "deep\n"u8.ToArray());
        File("empty", []);
        File("a/few", "a few bytes\n"u8.ToArray());
        File("a/b/mebibytes", Bytes(3 * 1024 * 1024 + 333, 42)); // past the 12 direct blocks
        var sparse = new byte[7_000_000];
        "start"u8.CopyTo(sparse);
        "middle"u8.CopyTo(sparse.AsSpan(2_500_000));
        "end"u8.CopyTo(sparse.AsSpan(sparse.Length - 3));
        Ok(p.Open("/mnt/sparse", OFlags.O_CREAT | OFlags.O_WRONLY, 0x1A4, out int fd));
        Ok(p.Pwrite(fd, "start"u8.ToArray(), 0, out _));
        Ok(p.Pwrite(fd, "middle"u8.ToArray(), 2_500_000, out _));
        Ok(p.Pwrite(fd, "end"u8.ToArray(), sparse.Length - 3, out _));
        Ok(p.Close(fd));
        tree.Add(new Entry("sparse", VType.VREG, sparse, null));
        Ok(p.Symlink("a/few", "/mnt/short-link"));
        tree.Add(new Entry("short-link", VType.VLNK, null, "a/few"));
        var longTarget = string.Concat(Enumerable.Repeat("a/../", 60)) + "a/few";
        Ok(p.Symlink(longTarget, "/mnt/long-link"));
        tree.Add(new Entry("long-link", VType.VLNK, null, longTarget));
        Ok(p.Link("/mnt/a/few", "/mnt/hard-link"));
        tree.Add(new Entry("hard-link", VType.VREG, "a few bytes\n"u8.ToArray(), null));
        File(new string('N', 255), "longest name\n"u8.ToArray());
        File(new string('é', 127) + "x", "utf-8 name\n"u8.ToArray());
        Dir("many");
        for (int i = 0; i < 5000; i++)
        {
            var name = $"many/f{i:D4}";
            WriteFile(p, "/mnt/" + name, i % 500 == 0 ? Encoding.ASCII.GetBytes($"file {i}\n") : []);
            tree.Add(new Entry(name, VType.VREG, i % 500 == 0 ? Encoding.ASCII.GetBytes($"file {i}\n") : [], null));
        }
        return tree;
    }

    [Fact]
    public void The_Sleuth_Kit_and_GRUB_read_exactly_our_names_and_bytes()
    {
        if (!ToolsPresent())
            return;
        using var s = new Scratch();
        var image = NewImage(s, 64L << 20);
        var h = new Host();
        Ok(h.Mount(image));
        var tree = BuildTree(h.P);
        var inodes = new Dictionary<string, ulong>();
        foreach (var e in tree)
        {
            Ok(h.P.Lstat("/mnt/" + e.Path, out var st));
            inodes[e.Path] = st!.Ino;
        }
        Ok(h.Umount());
        AssertClean(Kit.Fsck(image));

        // fsstat: a UFS2 file system.
        Assert.Contains("File System Type: UFS 2", HostTool.Text("fsstat", image));

        // fls -r -p: exactly our names, with their types and inode numbers.
        var fls = HostTool.Text("fls", "-r", "-p", image).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !l.StartsWith("V/V", StringComparison.Ordinal)).ToList();
        var expected = tree.Select(e => $"{TypeLetter(e.Type)}/{TypeLetter(e.Type)} {inodes[e.Path]}:\t{e.Path}")
            .Append("d/d 3:\tlost+found").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, fls.Order(StringComparer.Ordinal).ToList());

        // icat: exactly our bytes (holes as zeros); istat: the link targets.
        foreach (var e in tree)
        {
            if (e.Type == VType.VREG && (e.Data!.Length > 0 || !e.Path.StartsWith("many/", StringComparison.Ordinal)))
            {
                var (code, bytes, err) = HostTool.Run("icat", image, inodes[e.Path].ToString());
                Assert.True(code == 0, $"icat {e.Path}: {err}");
                Assert.True(e.Data.AsSpan().SequenceEqual(bytes), $"icat {e.Path}: {bytes.Length} bytes differ from our {e.Data.Length}");
            }
            if (e.Type == VType.VLNK)
                Assert.Contains($"symbolic link to: {e.Target}", HostTool.Text("istat", image, inodes[e.Path].ToString()));
        }

        // grub-fstest: ls lists each directory; cmp compares each file with our bytes.
        foreach (var dir in tree.Where(e => e.Type == VType.VDIR).Select(e => e.Path).Prepend(""))
        {
            var want = tree.Where(e => Parent(e.Path) == dir && !e.Path.Contains(' '))
                .Select(e => Leaf(e.Path) + (e.Type == VType.VDIR ? "/" : "")).ToList();
            if (dir == "")
                want.Add("lost+found/");
            var got = HostTool.Text("grub-fstest", image, "ls", "/" + dir).Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(want.Order(StringComparer.Ordinal), got.Order(StringComparer.Ordinal));
        }
        foreach (var e in tree.Where(e => e.Type == VType.VREG && (e.Data!.Length > 0 || e.Path == "empty")))
        {
            var local = s.File("cmp.bin");
            File.WriteAllBytes(local, e.Data!);
            var (code, _, err) = HostTool.Run("grub-fstest", image, "cmp", "/" + e.Path, local);
            Assert.True(code == 0 && !err.Contains("error", StringComparison.OrdinalIgnoreCase), $"grub-fstest cmp /{e.Path}: {err}");
        }

        // And mounted here again, everything is as written.
        Ok(h.Mount(image, "ro"));
        foreach (var e in tree)
        {
            Ok(h.P.Lstat("/mnt/" + e.Path, out var st));
            Assert.Equal(e.Type, st!.Type);
            if (e.Type == VType.VREG)
                Assert.Equal(e.Data, ReadFile(h.P, "/mnt/" + e.Path));
            if (e.Type == VType.VLNK)
            {
                Ok(h.P.Readlink("/mnt/" + e.Path, out var target));
                Assert.Equal(e.Target, target);
            }
        }
        Ok(h.Umount());
    }

    [Fact]
    public void The_Sleuth_Kit_reads_a_file_that_needs_double_indirect_blocks()
    {
        if (!ToolsPresent())
            return;
        using var s = new Scratch();
        var image = NewImage(s, 32L << 20, bsize: 4096, fsize: 512);
        var h = new Host();
        Ok(h.Mount(image));
        var data = Bytes(5 << 20, 77); // 4 KiB blocks: past 2 MiB needs the double indirect block
        WriteFile(h.P, "/mnt/double", data);
        Ok(h.P.Stat("/mnt/double", out var st));
        Ok(h.Umount());
        var (code, bytes, err) = HostTool.Run("icat", image, st!.Ino.ToString());
        Assert.True(code == 0, err);
        Assert.True(data.AsSpan().SequenceEqual(bytes), "icat differs");
        var local = s.File("double.bin");
        File.WriteAllBytes(local, data);
        var g = HostTool.Run("grub-fstest", image, "cmp", "/double", local);
        Assert.True(g.Code == 0 && !g.Err.Contains("error", StringComparison.OrdinalIgnoreCase), g.Err);
    }

    private static char TypeLetter(VType t) => t switch { VType.VDIR => 'd', VType.VLNK => 'l', _ => 'r' };
    private static string Parent(string path) => path.Contains('/') ? path[..path.LastIndexOf('/')] : "";
    private static string Leaf(string path) => path[(path.LastIndexOf('/') + 1)..];
}
