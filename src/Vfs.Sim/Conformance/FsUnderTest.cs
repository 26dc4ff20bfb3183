// Vfs.Sim conformance: what the suite needs to know about a file system -- how to make a fresh instance of it,
// mounted on /m of a kernel (FsModel.Mnt), and the few things some file systems add: copies that must equal the
// model too (a mirror's), disturbances a history may interleave (a copy taken offline, brought back), a way to
// mount the same instance again (what survives an unmount), and a check of what stays behind (fsck of an image).
//
// A plain file system needs one line: FsUnderTest.Local("myfs", p => p.Mount("none", "/m", "myfs")).
using UnixVfs.Sim.Model;

namespace UnixVfs.Sim.Conformance;

/// <summary>A fresh instance of the file system under test, mounted on /m of <see cref="Kernel"/>.</summary>
public sealed class FsInstance : IDisposable
{
    public required Kernel Kernel { get; init; }

    /// <summary>
    /// The roots of the trees that must equal the model besides /m itself, each held for the suite (which releases it):
    /// a mirror's available copies, or the same file system reached by another name.
    /// </summary>
    public Func<IEnumerable<Vnode>> Copies { get; init; } = () => [];

    /// <summary>What a history's DisturbOp k does (k modulo the count): a mirror's copy taken offline, or online.</summary>
    public IReadOnlyList<Func<Errno>> Disturbances { get; init; } = [];

    /// <summary>Undoes every disturbance at the end of a history (every copy back online and resynced); null or the problem.</summary>
    public Func<string?>? Repair { get; init; }

    /// <summary>Mounts the same instance on /m again after the suite unmounted it (null: the file system cannot).</summary>
    public Func<Process, Errno>? Remount { get; init; }

    /// <summary>Checks what stays behind once /m is unmounted (fsck -n of an image); null when clean.</summary>
    public Func<string?>? AfterUnmount { get; init; }

    /// <summary>Takes down everything the instance made besides /m (servers, networks, other kernels).</summary>
    public Action? TearDown { get; init; }

    public void Dispose() => TearDown?.Invoke();
}

/// <summary>A file system the conformance suite runs over: a name, a way to make instances, and its exclusions.</summary>
/// <param name="Name">A name for reports ("ufs", "nfs-tcp").</param>
/// <param name="Create">Makes a fresh instance, mounted on /m. Called once per history and per fixed check.</param>
public sealed record FsUnderTest(string Name, Func<FsInstance> Create)
{
    /// <summary>
    /// Never remove the last name of a file some process has open: for file systems that cannot keep such a file (an
    /// NFS client without silly rename, docs/nfs.md). Histories draw another call instead.
    /// </summary>
    public bool KeepOpenFilesLinked { get; init; }

    /// <summary>How many kinds of disturbance the instances have (FsInstance.Disturbances); the histories interleave them.</summary>
    public int DisturbanceKinds { get; init; }

    /// <summary>
    /// Whether the suite compares the inodes in use (statvfs) with the nodes the model keeps alive at the end of a
    /// history. False for a file system that keeps files of its own (a mirror's .mfs records).
    /// </summary>
    public bool CountsInodes { get; init; } = true;

    /// <summary>
    /// Directories the file system keeps at its top for itself and hides from readdir and lookup (a mirror's .mfs): the
    /// top's link count includes them.
    /// </summary>
    public int HiddenTopDirectories { get; init; }

    /// <summary>Checks not run on this file system, each with the reason written beside it.</summary>
    public IReadOnlyDictionary<string, string> Excluded { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// The usual case: a kernel of its own (virtual time), /m made, and <paramref name="mount"/> mounting a fresh
    /// instance there (install the file system's VfsDef in p.Kernel.Vfssw first).
    /// </summary>
    public static FsUnderTest Local(string name, Func<Process, Errno> mount) => new(name, () =>
    {
        var k = new Kernel(name, new VirtualClock());
        var p = k.CreateProcess();
        Need(p.Mkdir(FsModel.Mnt, 0x1ED), "mkdir " + FsModel.Mnt);
        Need(mount(p), $"mount {name} on {FsModel.Mnt}");
        p.Exit();
        return new FsInstance { Kernel = k };
    });

    /// <summary>Throws when a setup step fails: a target that cannot be built is a broken test, not a finding.</summary>
    public static void Need(Errno e, string what)
    {
        if (e != Errno.OK)
            throw new InvalidOperationException($"conformance setup: {what} returned {e}");
    }

    public override string ToString() => Name;
}
