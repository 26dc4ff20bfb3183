// Tests of every project, and the NFS benchmark harness: 127.0.0.1's port 111 is one per machine, and test
// assemblies run side by side (ganesha's rpcbind in Vfs.Nfs.Tests, `vfs serve --portmap-port 111` in Vfs.Cli.Tests).
// Whoever uses the port holds this lock for as long as it does, so the other waits for it instead of failing with
// EADDRINUSE or registering with the wrong portmapper. The lock is flock(2) on a file in /tmp, which .NET takes for
// FileShare.None on Unix; the kernel lets go of it when its process ends, however that ends. Linked into the
// projects that use it (<Compile Include="../Shared/PortmapPortLock.cs" />).
namespace UnixVfs.Testing;

public sealed class PortmapPortLock : IDisposable
{
    private readonly FileStream _file;

    private PortmapPortLock(FileStream file) => _file = file;

    /// <summary>Waits (up to 15 minutes, then throws) until no other process of ours uses port 111, and takes it.</summary>
    public static PortmapPortLock Take()
    {
        string path = Path.Combine(Path.GetTempPath(), "vfs-tests-port-111.lock");
        for (int waited = 0; ; waited++)
        {
            try
            {
                return new PortmapPortLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (waited < 9_000)
            {
                Thread.Sleep(100);
            }
        }
    }

    public void Dispose() => _file.Dispose();
}
