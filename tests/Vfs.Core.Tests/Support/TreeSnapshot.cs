// Tests of Vfs.Core: a description of a whole tree, to prove that a failed call changed nothing. (The hold check
// that proves a scenario left no vnode reference behind is tests/Shared/Holds.cs, linked into every test project.)
using System.Security.Cryptography;
using System.Text;

namespace UnixVfs.Core.Tests;

public static class TreeSnapshot
{
    /// <summary>
    /// One line per name under <paramref name="root"/>: path, type and mode, owner, link count, size, mtime,
    /// ctime, and the contents' hash (file) or target (link). Access times are left out: reading the tree to
    /// describe it sets them. Taken as a fresh root process, so permissions never hide anything.
    /// </summary>
    public static string Take(Kernel k, string root = "/")
    {
        var p = k.CreateProcess();
        try
        {
            var sb = new StringBuilder();
            Describe(p, root, sb);
            return sb.ToString();
        }
        finally
        {
            p.Exit();
        }
    }

    private static void Describe(Process p, string path, StringBuilder sb)
    {
        Assert.Equal(Errno.OK, p.Lstat(path, out var st));
        sb.Append($"{path} {ModeBits.ToLsString(st!.Type, st.Perm)} {st.Uid}:{st.Gid} nlink={st.Nlink} size={st.Size} mtime={st.Mtime} ctime={st.Ctime}");
        switch (st.Type)
        {
            case VType.VREG:
                // The first MiB stands for the contents: a sparse file may be terabytes long.
                Assert.Equal(Errno.OK, p.Open(path, OFlags.O_RDONLY, 0, out int fd));
                var data = new byte[(int)Math.Min(st.Size, 1 << 20)];
                Assert.Equal(Errno.OK, p.Pread(fd, data, 0, out int n));
                Assert.Equal(Errno.OK, p.Close(fd));
                sb.Append(" sha=").Append(Convert.ToHexString(SHA256.HashData(data.AsSpan(0, n)))[..16]);
                break;
            case VType.VLNK:
                Assert.Equal(Errno.OK, p.Readlink(path, out string target));
                sb.Append(" -> ").Append(target);
                break;
        }
        sb.Append('\n');
        if (st.Type != VType.VDIR)
            return;
        var names = new FileSystemFacade(p).EnumerateEntries(path).Select(d => d.Name).Order(StringComparer.Ordinal).ToList();
        foreach (var n in names)
            Describe(p, path.EndsWith('/') ? path + n : path + "/" + n, sb);
    }

    /// <summary>Every path under <paramref name="root"/>, root first (lstat's view: links are not followed).</summary>
    public static List<string> Paths(Kernel k, string root)
    {
        var p = k.CreateProcess();
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
        p.Exit();
        return list;
    }
}
