// Tests of every project: the hold check -- proof that a scenario left no vnode reference behind. Linked into each
// test project (<Compile Include="../Shared/Holds.cs" />), so that every fixture checks holds the same way.
namespace UnixVfs.Testing;

using UnixVfs.Core;
using Assert = Xunit.Assert;

public static class Holds
{
    /// <summary>
    /// Asserts that nothing but the mount itself holds a vnode of the file system mounted on <paramref name="mnt"/>:
    /// after the DNLC lets go of its names, every file's vnode has exactly the one hold this check takes, and the
    /// root one more (the mount's). Callers close their descriptors (and leave the directory) first.
    /// </summary>
    public static void AssertBalanced(Kernel k, string mnt)
    {
        var p = k.CreateProcess();
        try
        {
            foreach (var path in Paths(p, mnt))
            {
                Assert.Equal(Errno.OK, p.Lookupname(path, false, out var vp));
                k.Dnlc.Purge(); // the lookup itself cached names
                int expected = vp!.IsRoot ? 2 : 1;
                int count = vp.Count;
                vp.Rele();
                Assert.True(count == expected, $"{path}: {count} holds, expected {expected}");
            }
        }
        finally
        {
            p.Exit();
        }
    }

    /// <summary>Every path under <paramref name="root"/>, root first (lstat's view: links are not followed).</summary>
    public static List<string> Paths(Process p, string root)
    {
        var list = new List<string>();
        void Walk(string path)
        {
            list.Add(path);
            Assert.Equal(Errno.OK, p.Lstat(path, out var st));
            if (st!.Type != VType.VDIR)
                return;
            foreach (var d in new FileSystemFacade(p).EnumerateEntries(path).ToList())
                Walk(path.EndsWith('/') ? path + d.Name : path + "/" + d.Name);
        }
        Walk(root);
        return list;
    }
}
