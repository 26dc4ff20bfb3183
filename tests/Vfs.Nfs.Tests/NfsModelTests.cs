// Property test: random sequences of system calls give the same results through an NFS mount as on
// a local tmpfs (the reference file system) -- the same errno for every call, and the same tree,
// types, sizes and bytes at the end. The server exports a tmpfs of its own over the simulated
// network, so the calls cross the client's caches, RPC and the server's VOP calls on the way; the
// same properties run again over loopback TCP (NfsModelTestsOverTcp), where the server's threads
// answer the calls a client has in flight in whatever order they finish.
using FsCheck.Xunit;
using UnixVfs.Core;
using UnixVfs.Nfs.Server;

namespace UnixVfs.Nfs.Tests;

public class NfsModelTests : IDisposable
{
    private static readonly string[] Paths = ["f", "g", "d", "d/f"];
    private readonly TestBed _bed;
    private int _case;

    public NfsModelTests() : this(tcp: false) { }

    protected NfsModelTests(bool tcp)
    {
        _bed = new TestBed(tcp, export: new ExportOptions { Path = "/export", RootSquash = false });
        var p = _bed.Client;
        TestBed.Check(_bed.Mount());
        TestBed.Check(p.Mkdir("/local", 0x1ED));
        TestBed.Check(p.Mount("swap", "/local", "tmpfs"));
    }

    public void Dispose() => _bed.Dispose();

    /// <summary>Applies the call numbered <paramref name="code"/> under <paramref name="root"/>; returns what it returned (and read).</summary>
    private static string Apply(Process p, string root, int code)
    {
        // FsCheck's integers are small; mixing spreads them over every field below (call, paths, sizes, offsets).
        uint u = (uint)code * 2654435761u;
        u ^= u >> 15;
        u *= 2246822519u;
        u ^= u >> 13;
        string P(int shift) => $"{root}/{Paths[(u >> shift) % (uint)Paths.Length]}";
        string path = P(3), other = P(9);
        switch (u % 8)
        {
            case 0: return p.Mkdir(path, 0x1ED).ToString();
            case 1:
            {
                var err = p.Open(path, OFlags.O_CREAT | OFlags.O_WRONLY, 0x1A4, out int fd);
                if (err != Errno.OK)
                    return err.ToString();
                var data = new byte[(u >> 15) % 9000];
                new Random(code).NextBytes(data);
                err = p.Pwrite(fd, data, (u >> 20) % 5000, out int n);
                var cerr = p.Close(fd);
                return $"{err} {n} {cerr}";
            }
            case 2: return p.Unlink(path).ToString();
            case 3: return p.Rmdir(path).ToString();
            case 4: return p.Rename(path, other).ToString();
            case 5: return p.Truncate(path, (u >> 15) % 6000).ToString();
            case 6: return p.Link(path, other).ToString();
            default:
            {
                var err = p.Open(path, OFlags.O_RDONLY, 0, out int fd);
                if (err != Errno.OK)
                    return err.ToString();
                var buf = new byte[20000];
                err = p.Pread(fd, buf, (u >> 15) % 3000, out int n);
                p.Close(fd);
                return $"{err} {n} {Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(buf.AsSpan(0, n)))[..16]}";
            }
        }
    }

    /// <summary>The tree under <paramref name="dir"/>: every name with its type, size and a hash of its bytes.</summary>
    private static List<string> Tree(Process p, string dir, string rel = "")
    {
        var list = new List<string>();
        TestBed.Check(p.Open(dir, OFlags.O_RDONLY | OFlags.O_DIRECTORY, 0, out int fd));
        var names = new List<string>();
        var buf = new byte[1024];
        while (p.Getdents(fd, buf, out int nb) == Errno.OK && nb > 0)
            names.AddRange(Dirent64.Parse(buf.AsSpan(0, nb)).Select(d => d.Name).Where(n => n is not ("." or "..")));
        p.Close(fd);
        foreach (var n in names.Order(StringComparer.Ordinal))
        {
            TestBed.Check(p.Lstat($"{dir}/{n}", out var st));
            var entry = $"{rel}/{n} {st!.Type} {st.Size} nlink={st.Nlink}";
            if (st.Type == VType.VREG)
            {
                TestBed.Check(p.Open($"{dir}/{n}", OFlags.O_RDONLY, 0, out int f));
                var data = new byte[st.Size];
                TestBed.Check(p.Pread(f, data, 0, out _));
                p.Close(f);
                entry += " " + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(data))[..16];
            }
            list.Add(entry);
            if (st.Type == VType.VDIR)
                list.AddRange(Tree(p, $"{dir}/{n}", $"{rel}/{n}"));
        }
        return list;
    }

    [Property(MaxTest = 100)]
    public bool Every_call_returns_what_tmpfs_returns_and_the_trees_end_up_equal(int[] program)
    {
        var p = _bed.Client;
        int c = Interlocked.Increment(ref _case);
        string nfs = $"/mnt/c{c}", local = $"/local/c{c}";
        TestBed.Check(p.Mkdir(nfs, 0x1ED));
        TestBed.Check(p.Mkdir(local, 0x1ED));
        foreach (var code in program.Take(40))
        {
            var expected = Apply(p, local, code);
            var actual = Apply(p, nfs, code);
            if (expected != actual)
                throw new Xunit.Sdk.XunitException($"call {code}: tmpfs says {expected}, nfs says {actual}");
        }
        var want = Tree(p, local);
        var got = Tree(p, nfs);
        if (!want.SequenceEqual(got))
            throw new Xunit.Sdk.XunitException("trees differ:\ntmpfs:\n" + string.Join('\n', want) + "\nnfs:\n" + string.Join('\n', got));
        return true;
    }

    /// <summary>One data call on an open file: pwrite, pread, ftruncate, fsync, or close and reopen (plain or synchronous).</summary>
    private static string ApplyData(Process p, string path, ref int fd, int code)
    {
        uint u = (uint)code * 2654435761u;
        u ^= u >> 15;
        u *= 2246822519u;
        u ^= u >> 13;
        // Half the calls land near the 1 MiB block boundaries and are short, so that reads, read-aheads and writes
        // meet in the same blocks; the rest are anywhere in 3 MB and up to 2.2 MB long.
        bool near = (u & 0x100000) == 0;
        long off = near ? ((u >> 4) % 4 << 20) + (long)((u >> 8) % 5) * 4096 - 4096 + 1 : (u >> 4) % 3_000_000;
        int len = near ? (int)((u >> 12) % 16 + 1) * 1024 : (int)((u >> 24) * 9000 % 2_200_000);
        switch (u % 5)
        {
            case 0:
            {
                var data = new byte[len];
                new Random(code).NextBytes(data);
                var err = p.Pwrite(fd, data, off, out int n);
                return $"write {err} {n}";
            }
            case 1:
            {
                var buf = new byte[len];
                var err = p.Pread(fd, buf, off, out int n);
                return $"read {err} {n} {Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(buf.AsSpan(0, n)))[..16]}";
            }
            case 2: return $"truncate {p.Ftruncate(fd, off)}";
            case 3: return $"fsync {p.Fsync(fd)}";
            default:
            {
                // Reopened plain, O_DSYNC or O_SYNC: the synchronous writes that follow go out as stable WRITEs.
                var sync = ((u >> 8) % 3) switch { 0 => OFlags.O_DSYNC, 1 => OFlags.O_SYNC, _ => (OFlags)0 };
                var err = p.Close(fd);
                var oerr = p.Open(path, OFlags.O_RDWR | sync, 0, out fd);
                return $"reopen {err} {oerr}";
            }
        }
    }

    [Property(MaxTest = 150)]
    public bool Reads_writes_and_truncations_of_one_file_see_what_tmpfs_sees(int[] program)
    {
        var p = _bed.Client;
        int c = Interlocked.Increment(ref _case);
        string nfs = $"/mnt/data{c}", local = $"/local/data{c}";
        TestBed.Check(p.Open(nfs, OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int nfd));
        TestBed.Check(p.Open(local, OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int lfd));
        try
        {
            foreach (var code in program.Take(40))
            {
                var expected = ApplyData(p, local, ref lfd, code);
                var actual = ApplyData(p, nfs, ref nfd, code);
                if (expected != actual)
                    throw new Xunit.Sdk.XunitException($"call {code}: tmpfs says {expected}, nfs says {actual}");
            }
        }
        finally
        {
            p.Close(nfd);
            p.Close(lfd);
        }
        TestBed.Check(p.Stat(nfs, out var ns));
        TestBed.Check(p.Stat(local, out var ls));
        return ns!.Size == ls!.Size;
    }
}

/// <summary>The same properties with the client and server talking over loopback TCP.</summary>
public sealed class NfsModelTestsOverTcp() : NfsModelTests(tcp: true);
