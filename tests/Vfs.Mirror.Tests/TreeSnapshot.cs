// Tests of Vfs.Mirror: a comparable picture of a directory tree, taken through VOP_* calls from any vnode
// (a mirror's root, one copy's directory, a reference tmpfs).
using System.Security.Cryptography;
using System.Text;

namespace UnixVfs.Mirror.Tests;

internal static class TreeSnapshot
{
    /// <summary>One line per name under <paramref name="root"/> (a copy's .mfs at the top left out): path, type, mode, links, size, and a hash of the contents or the link target.</summary>
    public static List<string> Take(Vnode root)
    {
        var lines = new List<string>();
        Walk(root, "", lines);
        return lines;
    }

    private static void Walk(Vnode dir, string path, List<string> lines)
    {
        var buf = new byte[1 << 16];
        var uio = new Uio(buf, 0, UioRw.UIO_READ);
        Assert.Equal(Errno.OK, Vop.Readdir(dir, uio, Cred.Kcred, out _));
        var names = Dirent64.Parse(buf.AsSpan(0, (int)(buf.Length - uio.Resid))).Select(d => d.Name)
            .Where(n => n is not ("." or "..") && !(path == "" && n == MirrorMeta.DirName)).OrderBy(n => n, StringComparer.Ordinal);
        foreach (var name in names)
        {
            Assert.Equal(Errno.OK, Vop.Lookup(dir, name, out var vp, LookupFlags.None, null, Cred.Kcred));
            try
            {
                var va = new Vattr(AttrMask.AT_ALL);
                Assert.Equal(Errno.OK, Vop.Getattr(vp!, va, AttrFlags.None, Cred.Kcred));
                string p = path + "/" + name;
                string what = va.Type switch
                {
                    VType.VREG => Hash(vp!),
                    VType.VLNK => Link(vp!),
                    _ => "",
                };
                lines.Add($"{p} {va.Type} {Convert.ToString(va.Mode, 8)} n={va.Nlink} s={(va.Type == VType.VDIR ? 0 : va.Size)} {what}");
                if (va.Type == VType.VDIR)
                    Walk(vp!, p, lines);
            }
            finally
            {
                vp!.Rele();
            }
        }
    }

    private static string Hash(Vnode vp)
    {
        var buf = new byte[1 << 20];
        var uio = new Uio(buf, 0, UioRw.UIO_READ);
        Assert.Equal(Errno.OK, Vop.Read(vp, uio, FileFlags.None, Cred.Kcred));
        return Convert.ToHexString(SHA256.HashData(buf.AsSpan(0, (int)(buf.Length - uio.Resid))))[..12];
    }

    private static string Link(Vnode vp)
    {
        var buf = new byte[4096];
        var uio = new Uio(buf, 0, UioRw.UIO_READ);
        Assert.Equal(Errno.OK, Vop.Readlink(vp, uio, Cred.Kcred));
        return "-> " + Encoding.UTF8.GetString(buf, 0, (int)(buf.Length - uio.Resid));
    }
}
