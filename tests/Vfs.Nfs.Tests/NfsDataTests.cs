// Property test: reads, writes and truncations of one file give the same results through an NFS mount as on a local
// tmpfs, over the simulated network and over loopback TCP (NfsDataTestsOverTcp). The conformance suite
// (tests/Vfs.Conformance.Tests) checks the NFS client against the model too, data histories included; this property
// adds the comparison with a local tmpfs, call by call, on the system clock.
using FsCheck.Xunit;
using UnixVfs.Core;
using UnixVfs.Nfs.Server;

namespace UnixVfs.Nfs.Tests;

public class NfsDataTests : IDisposable
{
    private readonly TestBed _bed;
    private int _case;

    public NfsDataTests() : this(tcp: false) { }

    protected NfsDataTests(bool tcp)
    {
        _bed = new TestBed(tcp, export: new ExportOptions { Path = "/export", RootSquash = false });
        var p = _bed.Client;
        TestBed.Check(_bed.Mount());
        TestBed.Check(p.Mkdir("/local", 0x1ED));
        TestBed.Check(p.Mount("swap", "/local", "tmpfs"));
    }

    public void Dispose() => _bed.Dispose();

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

    [Property(MaxTest = 150, Replay = "(20261202,37)")]
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

/// <summary>The same property with the client and server talking over loopback TCP.</summary>
public sealed class NfsDataTestsOverTcp() : NfsDataTests(tcp: true);
