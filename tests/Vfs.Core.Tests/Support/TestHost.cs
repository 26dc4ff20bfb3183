// Tests of Vfs.Core: the fixture most tests start from -- a Kernel with a stepping clock, a tmpfs
// mounted on /m, a root process -- and small helpers for writing files and reading them back.
using System.Text;

namespace UnixVfs.Core.Tests;

/// <summary>A clock that moves one second forward every time it is read, so that every change of a timestamp shows.</summary>
public sealed class StepClock : TimeProvider
{
    private long _reads;
    private readonly DateTimeOffset _start = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _start.AddSeconds(Interlocked.Increment(ref _reads));
}

/// <summary>A host with a tmpfs on /m and a root process in it.</summary>
public sealed class TestHost
{
    public const uint Dir755 = 0x1ED, File644 = 0x1A4, Mode777 = 0x1FF, Mode666 = 0x1B6;

    public TestHost(string options = "", bool mountTmpfs = true)
    {
        Kernel = new Kernel("test", new StepClock());
        Root = Kernel.CreateProcess();
        Root.Umask = 0;
        if (mountTmpfs)
        {
            Ok(Root.Mkdir("/m", Mode777));
            Ok(Root.Mount("swap", "/m", "tmpfs", options: options));
        }
    }

    public Kernel Kernel { get; }

    /// <summary>A process with root credentials and umask 0.</summary>
    public Process Root { get; }

    /// <summary>A process running as <paramref name="uid"/>/<paramref name="gid"/>, umask 0.</summary>
    public Process User(uint uid, uint gid, params uint[] groups)
    {
        var p = Kernel.CreateProcess(new Cred(uid, gid, groups));
        p.Umask = 0;
        return p;
    }

    /// <summary>The tmpfs mounted on /m.</summary>
    public Vfs Tmp => Kernel.Mounts.Single(v => v.MntPt == "/m");

    public static void Ok(Errno e) => Assert.Equal(Errno.OK, e);

    /// <summary>Creates (or truncates) <paramref name="path"/> as <paramref name="p"/> and writes <paramref name="text"/>.</summary>
    public static void WriteFile(Process p, string path, string text, uint mode = File644)
    {
        Ok(p.Open(path, OFlags.O_CREAT | OFlags.O_WRONLY | OFlags.O_TRUNC, mode, out int fd));
        var bytes = Encoding.UTF8.GetBytes(text);
        Ok(p.Write(fd, bytes, out int n));
        Assert.Equal(bytes.Length, n);
        Ok(p.Close(fd));
    }

    public void WriteFile(string path, string text, uint mode = File644) => WriteFile(Root, path, text, mode);

    /// <summary>The whole contents of <paramref name="path"/> read as <paramref name="p"/>.</summary>
    public static string ReadFile(Process p, string path)
    {
        Ok(p.Open(path, OFlags.O_RDONLY, 0, out int fd));
        try
        {
            return Encoding.UTF8.GetString(ReadAll(p, fd));
        }
        finally
        {
            Ok(p.Close(fd));
        }
    }

    public string ReadFile(string path) => ReadFile(Root, path);

    /// <summary>Reads descriptor <paramref name="fd"/> from its offset to the end.</summary>
    public static byte[] ReadAll(Process p, int fd)
    {
        var all = new MemoryStream();
        var buf = new byte[4096];
        while (true)
        {
            Ok(p.Read(fd, buf, out int n));
            if (n == 0)
                return all.ToArray();
            all.Write(buf, 0, n);
        }
    }

    public Stat StatOf(string path)
    {
        Ok(Root.Stat(path, out var st));
        return st!;
    }

    public Stat LstatOf(string path)
    {
        Ok(Root.Lstat(path, out var st));
        return st!;
    }

    /// <summary>The names in directory <paramref name="path"/>, "." and ".." left out, sorted.</summary>
    public List<string> Names(string path) =>
        new FileSystemFacade(Root).EnumerateEntries(path).Select(d => d.Name).Order(StringComparer.Ordinal).ToList();
}
