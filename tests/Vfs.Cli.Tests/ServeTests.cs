// Tests of `vfs serve`: the command serves a tmpfs or a UFS image to libnfs's own tools until it is
// told to stop, keeps what was written in the image, and refuses bad arguments with one line.
using System.Diagnostics;
using UnixVfs.Core;
using UnixVfs.Ufs;

namespace UnixVfs.Cli.Tests;

public class ServeTests
{
    private static string? Which(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);

    /// <summary>Starts `vfs serve ARGS` and returns it with the URL it printed.</summary>
    private static (System.Diagnostics.Process Proc, string Url) Serve(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "vfs.dll"));
        psi.ArgumentList.Add("serve");
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        var p = System.Diagnostics.Process.Start(psi)!;
        string? line;
        var seen = new List<string>();
        while ((line = p.StandardOutput.ReadLine()) is not null && !line.StartsWith("nfs://", StringComparison.Ordinal))
            seen.Add(line);
        if (line is null)
            Assert.Fail("vfs serve printed no URL: " + string.Join('\n', seen) + p.StandardError.ReadToEnd());
        return (p, line!);
    }

    private static (int Exit, string Out) Run(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(Which(program) ?? program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit(60_000);
        return (p.ExitCode, o);
    }

    /// <summary>SIGTERM, as an init system stops a server; returns the exit code and the rest of stdout.</summary>
    private static (int Exit, string Out) Stop(System.Diagnostics.Process p)
    {
        Run("kill", "-TERM", p.Id.ToString());
        var rest = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(30_000), "vfs serve did not stop on SIGTERM");
        return (p.ExitCode, rest);
    }

    private static string FileUrl(string url, string name) => url.Replace("/export?", $"/export/{name}?");

    [Fact]
    public void Serve_tmpfs_to_nfs_cp_and_nfs_ls_until_sigterm()
    {
        if (Which("nfs-cp") is null)
            Assert.Fail("test cannot run: libnfs-utils is not installed (./test.sh installs it when run as root)");
        var (p, url) = Serve("--tmpfs", "--nfs-port", "0", "--mount-port", "0", "--portmap-port", "-1");
        var src = Path.GetTempFileName();
        File.WriteAllBytes(src, Enumerable.Range(0, 300_000).Select(i => (byte)i).ToArray());
        string listing;
        try
        {
            Assert.Equal(0, Run("nfs-cp", src, FileUrl(url, "hello.bin")).Exit);
            (var code, listing) = Run("nfs-ls", url);
            Assert.Equal(0, code);
        }
        catch
        {
            Stop(p);
            throw;
        }
        Assert.Contains("300000 hello.bin", listing);
        var (exit, rest) = Stop(p);
        Assert.Equal(0, exit);
        Assert.Contains("stopped", rest);
        File.Delete(src);
    }

    /// <summary>A 64 MiB UFS2 image made by newfs, at <paramref name="path"/>.</summary>
    private static string NewImage(string path)
    {
        Assert.Equal(Errno.OK, FileBlockDevice.Create(path, 64L << 20, out var dev));
        Assert.Equal(Errno.OK, Newfs.Make(dev!, new NewfsOptions { Size = 64L << 20 }, new Timespec(1_700_000_000, 0), out _, out _));
        dev!.Dispose();
        return path;
    }

    /// <summary>
    /// Serves <paramref name="what"/> to nfs-cp, which copies 5 MB of <paramref name="seed"/>'s bytes to
    /// <paramref name="name"/> there and reads them back, one 1 MiB READ outstanding; stops the server and returns the
    /// bytes and what it said on stopping.
    /// </summary>
    private static (byte[] Data, string Stopped) CopyThereAndBack(string dir, string name, int seed, params string[] what)
    {
        var (p, url) = Serve([.. what, "--no-root-squash", "--nfs-port", "0", "--mount-port", "0", "--portmap-port", "-1"]);
        var src = Path.Combine(dir, "in.bin");
        var data = new byte[5_000_000];
        new Random(seed).NextBytes(data);
        File.WriteAllBytes(src, data);
        string stopped;
        try
        {
            var (code, said) = Run("nfs-cp", src, FileUrl(url, name));
            Assert.True(code == 0, said);
            var readBack = Path.Combine(dir, "back.bin");
            (code, said) = Run("nfs-cp", FileUrl(url, name), readBack);
            Assert.True(code == 0, said);
            Assert.True(File.ReadAllBytes(readBack).AsSpan().SequenceEqual(data), "the copy read back differs");
        }
        finally
        {
            var (exit, rest) = Stop(p);
            Assert.Equal(0, exit);
            stopped = rest;
        }
        return (data, stopped);
    }

    /// <summary>Mounts <paramref name="image"/> read-only in a kernel of its own and asserts that /<paramref name="name"/> holds <paramref name="data"/>.</summary>
    private static void AssertImageHolds(string image, string name, byte[] data)
    {
        var k = new Kernel("check");
        Assert.Equal(Errno.OK, k.Vfssw.Install(UfsVfsops.Def));
        var proc = k.CreateProcess();
        Assert.Equal(Errno.OK, proc.Mkdir("/m", 0x1ED));
        Assert.Equal(Errno.OK, proc.Mount(image, "/m", "ufs", MountFlags.MS_RDONLY, "ro"));
        Assert.Equal(Errno.OK, proc.Open("/m/" + name, OFlags.O_RDONLY, 0, out int fd));
        var back = new byte[data.Length];
        Assert.Equal(Errno.OK, proc.Pread(fd, back, 0, out int n));
        Assert.Equal(data.Length, n);
        Assert.True(back.AsSpan().SequenceEqual(data), image + " differs");
        proc.Close(fd);
        Assert.Equal(Errno.OK, proc.Umount("/m"));
    }

    [Fact]
    public void Serve_an_image_and_what_nfs_cp_wrote_is_in_the_image_afterwards()
    {
        if (Which("nfs-cp") is null)
            Assert.Fail("test cannot run: libnfs-utils is not installed (./test.sh installs it when run as root)");
        var dir = Directory.CreateTempSubdirectory("vfs-serve-").FullName;
        var image = NewImage(Path.Combine(dir, "fs.img"));
        var (data, stopped) = CopyThereAndBack(dir, "copied.bin", 9, "--image", image);
        // nfs-cp read with one 1 MiB READ outstanding: the third to the fifth were read ahead by the server.
        Assert.True(stopped.Contains("ranges read ahead 3, used 3)"), stopped);
        Assert.True(File.Exists(image + ".nfskey"), "the handle key was not kept next to the image");
        AssertImageHolds(image, "copied.bin", data);
        Directory.Delete(dir, true);
    }

    [Fact]
    public void Serve_a_mirror_of_two_images_to_nfs_cp_which_reads_back_what_it_wrote_read_ahead_and_both_images_hold_it()
    {
        if (Which("nfs-cp") is null)
            Assert.Fail("test cannot run: libnfs-utils is not installed (./test.sh installs it when run as root)");
        var dir = Directory.CreateTempSubdirectory("vfs-serve-mirror-").FullName;
        var images = new[] { NewImage(Path.Combine(dir, "a.img")), NewImage(Path.Combine(dir, "b.img")) };
        var (data, stopped) = CopyThereAndBack(dir, "m.bin", 10, "--mirror", string.Join(',', images));
        // The mirror gives a new vnode for the file at every READ (its mnode goes with the last hold): the read-ahead
        // knows the file by its attributes, and the mirror's change count is its primary copy's.
        Assert.True(stopped.Contains("ranges read ahead 3, used 3)"), stopped);
        foreach (var image in images)
            AssertImageHolds(image, "m.bin", data);
        Directory.Delete(dir, true);
    }

    [Fact]
    public void Bad_arguments_get_one_line_and_a_nonzero_exit()
    {
        var (code, _, err) = VfsCommand.Run("serve", "--tmpfs", "--image", "/nonexistent");
        Assert.Equal(1, code);
        Assert.Equal("vfs serve: give exactly one of --image FILE, --tmpfs, --world FILE --path PATH and --mirror A.img,B.img[,C.img]", err.Trim());
    }
}
