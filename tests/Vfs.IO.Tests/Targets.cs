// Tests of Vfs.IO: the file systems one System.IO usage runs on -- the real disk (TestableIO's FileSystem in a
// temporary directory) and a VfsFileSystem over tmpfs, over UFS2 on a memory block device, and over a mirror
// of two UFS2 file systems. Each target hands out a fresh, empty working directory for each run.
using UnixVfs.IO;
using UnixVfs.Mirror;
using UnixVfs.Ufs;

namespace UnixVfs.IO.Tests;

/// <summary>One file system to run a usage on, with a fresh empty directory per run.</summary>
public sealed class Target : IDisposable
{
    private readonly string _base;
    private int _runs;

    private Target(string name, IFileSystem fs, string basePath, Kernel? kernel)
    {
        Name = name;
        Fs = fs;
        _base = basePath;
        Kernel = kernel;
    }

    public string Name { get; }
    public IFileSystem Fs { get; }
    public Kernel? Kernel { get; }

    /// <summary>A new empty directory on this target (absolute path).</summary>
    public string NewRoot()
    {
        string root = Fs.Path.Combine(_base, $"run{++_runs}");
        Fs.Directory.CreateDirectory(root);
        return root;
    }

    /// <summary>Removes a run's directory and everything in it.</summary>
    public void Clean(string root) => Fs.Directory.Delete(root, recursive: true);

    public static readonly string[] ModelNames = ["tmpfs", "ufs", "mirror"];

    public static Target Disk() =>
        new("disk", new FileSystem(), Directory.CreateTempSubdirectory("vfs-io-").FullName, null);

    /// <summary>A VfsFileSystem on a fresh host: "tmpfs", "ufs" (UFS2 on a 32 MiB memory device) or "mirror" (of two such UFS).</summary>
    public static Target Model(string name)
    {
        var k = new Kernel("io-" + name);
        k.Vfssw.Install(UfsVfsops.Def);
        k.Vfssw.Install(MirrorVfsops.Def);
        var p = k.CreateProcess();
        string basePath = name switch
        {
            "tmpfs" => MountTmpfs(p, "/w"),
            "ufs" => MountUfs(k, p, "/w"),
            "mirror" => MountMirror(k, p),
            _ => throw new ArgumentException(name),
        };
        return new Target(name, new VfsFileSystem(p), basePath, k);
    }

    private static string MountTmpfs(Process p, string dir)
    {
        Ok(p.Mkdir(dir, 0x1ED));
        Ok(p.Mount("swap", dir, "tmpfs"));
        return dir;
    }

    private static string MountUfs(Kernel k, Process p, string dir)
    {
        var dev = new MemoryBlockDevice(32L << 20);
        Ok(Newfs.Make(dev, new NewfsOptions { Size = 32L << 20 }, k.Now(), out _, out _));
        Ok(p.Mkdir(dir, 0x1ED));
        Ok(p.Mount("disk" + dir, dir, "ufs", MountFlags.None, "", dev));
        return dir;
    }

    private static string MountMirror(Kernel k, Process p)
    {
        MountUfs(k, p, "/A");
        MountUfs(k, p, "/X");
        Ok(p.Mkdir("/A/b", 0x1ED));
        Ok(p.Mkdir("/X/y", 0x1ED));
        Ok(p.Mount("/A/b", "/X/y", "mfs"));
        return "/A/b";
    }

    private static void Ok(Errno e)
    {
        if (e != Errno.OK)
            throw new InvalidOperationException($"setting up the target failed: {e}");
    }

    public void Dispose()
    {
        if (Kernel is null)
            Directory.Delete(_base, recursive: true);
    }

    public override string ToString() => Name;
}
