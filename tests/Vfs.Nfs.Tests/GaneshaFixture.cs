// Test helper: the nfs-ganesha of the interop collection, started on first use (GaneshaServer.cs)
// and stopped when the collection is done. A test that needs it and cannot have it fails saying why.
namespace UnixVfs.Nfs.Tests;

[CollectionDefinition("interop")]
public sealed class InteropCollection : ICollectionFixture<GaneshaFixture>;

public sealed class GaneshaFixture : IDisposable
{
    private readonly object _lock = new();
    private GaneshaServer? _server;

    /// <summary>The running server, started now if need be.</summary>
    public GaneshaServer Server
    {
        get
        {
            lock (_lock)
            {
                if (_server is not null)
                    return _server;
                if (GaneshaServer.CannotRun() is { } why)
                    Assert.Fail("interop test cannot run: " + why);
                try
                {
                    return _server = GaneshaServer.Start();
                }
                catch (InvalidOperationException e)
                {
                    Assert.Fail(e.Message);
                    throw;
                }
            }
        }
    }

    public void Dispose() => _server?.Dispose();
}
