// Vfs.Benchmarks: the hot paths of Vfs.Core, through the system-call layer as embedding code calls them.
//
//   Pread4K     pread(2) of 4 KiB from a tmpfs file whose pages are all in memory: Getf, VOP_RWLOCK,
//               VOP_READ (tmpfs page copy through the Uio), VOP_RWUNLOCK. Target: median <= 1 us, no allocation.
//   Lookup10    lookuppn of a 10-component path whose names are all in the DNLC ("/m/1/2/.../9"),
//               releasing the vnode found. Target: median <= 2 us.
// Run: dotnet run -c Release --project benchmarks/Vfs.Benchmarks -- --filter '*Core*'
using BenchmarkDotNet.Attributes;
using UnixVfs.Core;

namespace UnixVfs.Benchmarks;

[MemoryDiagnoser]
[MedianColumn]
public class CoreBenchmarks
{
    private const string DeepPath = "/m/1/2/3/4/5/6/7/8/9";

    private Kernel _kernel = null!;
    private Process _proc = null!;
    private int _fd;
    private readonly byte[] _buf = new byte[4096];

    [GlobalSetup]
    public void Setup()
    {
        _kernel = new Kernel("bench");
        _proc = _kernel.CreateProcess();
        Check(_proc.Mkdir("/m", 0x1FF));
        Check(_proc.Mount("swap", "/m", "tmpfs"));
        Check(_proc.Open("/m/file", OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out _fd));
        var data = new byte[64 * 1024];
        new Random(1).NextBytes(data);
        Check(_proc.Write(_fd, data, out _));
        string dir = "/m";
        for (int i = 1; i <= 9; i++)
        {
            dir += "/" + i;
            Check(_proc.Mkdir(dir, 0x1ED));
        }
        Pread4K();
        Lookup10();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Check(_proc.Close(_fd));
        _proc.Exit();
    }

    [Benchmark]
    public int Pread4K()
    {
        Check(_proc.Pread(_fd, _buf, 8192, out int n));
        return n;
    }

    [Benchmark]
    public Vnode Lookup10()
    {
        Check(_proc.Lookupname(DeepPath, true, out var vp));
        vp!.Rele();
        return vp;
    }

    private static void Check(Errno e)
    {
        if (e != Errno.OK)
            throw new InvalidOperationException("benchmark setup failed: " + e);
    }
}
