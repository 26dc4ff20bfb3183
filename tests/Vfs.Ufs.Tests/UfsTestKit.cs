// Tests of Vfs.Ufs: what every test needs -- a scratch directory, images made by newfs, a kernel with
// ufs installed and a process to make system calls, whole-file reads and writes, and fsck.
using System.IO.Compression;
using System.Text;
using UnixVfs.Core;

namespace UnixVfs.Ufs.Tests;

/// <summary>A scratch directory that disappears with the test.</summary>
public sealed class Scratch : IDisposable
{
    public Scratch()
    {
        Dir = Path.Combine(Path.GetTempPath(), "vfs-ufs-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Dir);
    }

    public string Dir { get; }

    public string File(string name) => Path.Combine(Dir, name);

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); }
        catch (IOException) { }
    }
}

/// <summary>
/// A host with ufs installed, a process, and a mount point /mnt. Disposing it checks what a test must leave behind
/// when /mnt is still mounted: no hold on any vnode of the file system (Holds.AssertBalanced), and an unmount that
/// succeeds without force (UFS refuses one with EBUSY while an inode is held).
/// </summary>
public sealed class Host : IDisposable
{
    public Host(string name = "ufs-test", TimeProvider? clock = null)
    {
        Kernel = new Kernel(name, clock);
        Assert.Equal(Errno.OK, Kernel.Vfssw.Install(UfsVfsops.Def));
        P = Kernel.CreateProcess();
        Assert.Equal(Errno.OK, P.Mkdir("/mnt", 0x1ED));
    }

    public Kernel Kernel { get; }
    public Process P { get; }

    public Errno Mount(string image, string options = "", MountFlags flags = MountFlags.None, IBlockDevice? dev = null) =>
        P.Mount(image, "/mnt", "ufs", flags, options, dev);

    public Errno Umount() => P.Umount("/mnt");

    public void Dispose()
    {
        P.Exit();
        if (!Kernel.Mounts.Any(v => v.MntPt == "/mnt"))
            return;
        UnixVfs.Testing.Holds.AssertBalanced(Kernel, "/mnt");
        Kit.Ok(Umount(), "umount /mnt");
    }

    /// <summary>Why the last mount failed (the kernel's log), for assertion messages.</summary>
    public string Log => string.Join(" | ", Kernel.Messages);
}

/// <summary>Helpers.</summary>
public static class Kit
{
    public static void Ok(Errno e, string? what = null) =>
        Assert.True(e == Errno.OK, $"{what ?? "call"} returned {e}");

    /// <summary>Makes an image file of <paramref name="bytes"/> with newfs.</summary>
    public static string NewImage(Scratch s, long bytes, string name = "ufs.img", int bsize = 32768, int fsize = 4096, int density = 0)
    {
        var path = s.File(name);
        Ok(FileBlockDevice.Create(path, bytes, out var dev), "create image");
        try
        {
            var err = Newfs.Make(dev!, new NewfsOptions { Bsize = bsize, Fsize = fsize, Density = density, Id = 0x1234 },
                new Timespec(1_700_000_000, 123_456_789), out _, out var why);
            Assert.True(err == Errno.OK, $"newfs: {err} {why}");
        }
        finally
        {
            dev!.Dispose();
        }
        return path;
    }

    /// <summary>A memory device with a fresh file system.</summary>
    public static MemoryBlockDevice NewMemoryImage(long bytes, int bsize = 32768, int fsize = 4096, int density = 0)
    {
        var dev = new MemoryBlockDevice(bytes);
        var err = Newfs.Make(dev, new NewfsOptions { Bsize = bsize, Fsize = fsize, Density = density, Id = 0x4321 },
            new Timespec(1_700_000_000, 0), out _, out var why);
        Assert.True(err == Errno.OK, $"newfs: {err} {why}");
        return dev;
    }

    /// <summary>Runs fsck (-n or -y) on an image file.</summary>
    public static FsckReport Fsck(string image, bool repair = false)
    {
        Ok(FileBlockDevice.Open(image, !repair, out var dev), "open image");
        try
        {
            Ok(UnixVfs.Ufs.Fsck.Run(dev!, repair, out var report), "fsck");
            return report;
        }
        finally
        {
            dev!.Dispose();
        }
    }

    /// <summary>Runs fsck on a device.</summary>
    public static FsckReport Fsck(IBlockDevice dev, bool repair = false)
    {
        Ok(UnixVfs.Ufs.Fsck.Run(dev, repair, out var report), "fsck");
        return report;
    }

    /// <summary>Asserts that fsck -n finds nothing.</summary>
    public static void AssertClean(FsckReport r) =>
        Assert.True(r.Clean, "fsck found:\n" + string.Join("\n", r.Problems));

    public static void WriteFile(Process p, string path, ReadOnlySpan<byte> data, uint mode = 0x1A4)
    {
        Ok(p.Open(path, OFlags.O_CREAT | OFlags.O_WRONLY | OFlags.O_TRUNC, mode, out int fd), $"open {path}");
        int done = 0;
        var mem = data.ToArray();
        while (done < mem.Length)
        {
            Ok(p.Write(fd, mem.AsMemory(done, Math.Min(1 << 20, mem.Length - done)), out int n), $"write {path}");
            done += n;
        }
        Ok(p.Close(fd));
    }

    public static byte[] ReadFile(Process p, string path)
    {
        Ok(p.Open(path, OFlags.O_RDONLY, 0, out int fd), $"open {path}");
        Ok(p.Fstat(fd, out var st));
        var buf = new byte[st!.Size];
        int done = 0;
        while (done < buf.Length)
        {
            Ok(p.Read(fd, buf.AsMemory(done, Math.Min(1 << 20, buf.Length - done)), out int n), $"read {path}");
            if (n == 0)
                break;
            done += n;
        }
        Ok(p.Close(fd));
        Assert.Equal(buf.Length, done);
        return buf;
    }

    public static string ReadText(Process p, string path) => Encoding.UTF8.GetString(ReadFile(p, path));

    /// <summary>Every name in a directory (without "." and ".."), read with getdents in small buffers.</summary>
    public static List<Dirent> List(Process p, string dir, int bufSize = 4096)
    {
        Ok(p.Open(dir, OFlags.O_RDONLY | OFlags.O_DIRECTORY, 0, out int fd), $"open {dir}");
        var all = new List<Dirent>();
        var buf = new byte[bufSize];
        while (true)
        {
            Ok(p.Getdents(fd, buf, out int n), $"getdents {dir}");
            if (n == 0)
                break;
            all.AddRange(Dirent64.Parse(buf.AsSpan(0, n)));
        }
        Ok(p.Close(fd));
        return all.Where(d => d.Name is not ("." or "..")).ToList();
    }

    /// <summary>Deterministic bytes.</summary>
    public static byte[] Bytes(int n, int seed)
    {
        var b = new byte[n];
        new Random(seed).NextBytes(b);
        return b;
    }

    /// <summary>The repository root (the directory holding Vfs.sln).</summary>
    public static string RepoRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d is not null && !File.Exists(Path.Combine(d.FullName, "Vfs.sln")))
            d = d.Parent;
        return d?.FullName ?? throw new InvalidOperationException("Vfs.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The FreeBSD test image's compressed file (../shared/data/ufs/ufs-little.img.gz), or null when absent.</summary>
    public static string? FreeBsdImageGz()
    {
        var path = Path.GetFullPath(Path.Combine(RepoRoot(), "..", "shared", "data", "ufs", "ufs-little.img.gz"));
        return File.Exists(path) ? path : null;
    }

    /// <summary>Unpacks the FreeBSD image into <paramref name="s"/>; null (and a message) when the data is absent.</summary>
    public static string? UnpackFreeBsdImage(Scratch s, Xunit.Abstractions.ITestOutputHelper output)
    {
        var gz = FreeBsdImageGz();
        if (gz is null)
        {
            output.WriteLine("DATA ABSENT: ../shared/data/ufs/ufs-little.img.gz was not found; the FreeBSD image checks did not run.");
            return null;
        }
        var path = s.File("ufs-little.img");
        using (var src = new GZipStream(File.OpenRead(gz), CompressionMode.Decompress))
        using (var dst = File.Create(path))
            src.CopyTo(dst);
        return path;
    }
}
