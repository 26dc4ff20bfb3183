// Vfs.Core: the one exception the layers throw themselves: a broken invariant (panic/KASSERT).
//
// An expected outcome (a missing file, a full disk, a dead server) is an Errno, never an
// exception. This one means the model itself is wrong, and a test that sees it has found a bug.
namespace UnixVfs.Core;

/// <summary>A broken kernel invariant ("filesystem goof"): the equivalent of panic().</summary>
public sealed class VfsPanicException : Exception
{
    public VfsPanicException(string message) : base("panic: " + message) { }
}
