// Test support: what a UFS image holds, read through the library -- one line per name, with its type,
// mode, owner, size, link count, modification time and a digest of its bytes (or its link's target), so
// that two copies of a mirror can be compared name by name.
using System.Security.Cryptography;
using UnixVfs.Core;
using UnixVfs.Mirror;
using UnixVfs.Ufs;

namespace UnixVfs.Fuse.Tests;

public static class ImageTree
{
    /// <summary>
    /// Every name in <paramref name="image"/> but lost+found and the mirror's own top-level /.mfs (each copy's
    /// identity and logs, different by design; docs/mirror.md), sorted, as "path type mode uid:gid size nlink mtime digest".
    /// </summary>
    public static List<string> Read(string image)
    {
        var k = new Kernel("reader");
        k.Vfssw.Install(UfsVfsops.Def);
        var p = k.CreateProcess();
        Assert.Equal(Errno.OK, p.Mkdir("/i", 0x1ED));
        Assert.Equal(Errno.OK, p.Mount(image, "/i", "ufs", MountFlags.MS_RDONLY));
        var fs = new FileSystemFacade(p);
        var lines = new List<string>();
        Walk(fs, "/i", "", lines);
        Assert.Equal(Errno.OK, k.UnmountAll());
        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    private static void Walk(FileSystemFacade fs, string dir, string rel, List<string> lines)
    {
        foreach (var d in fs.EnumerateEntries(dir))
        {
            if (d.Name is "." or ".." || (rel == "" && d.Name is "lost+found" or ".mfs"))
                continue;
            string path = dir + "/" + d.Name, name = rel + "/" + d.Name;
            var st = fs.GetStat(path, followLinks: false);
            string what = st.Type switch
            {
                VType.VREG => Convert.ToHexString(SHA256.HashData(fs.ReadAllBytes(path)))[..16],
                VType.VLNK => "-> " + fs.ReadLink(path),
                _ => "",
            };
            long size = st.Type == VType.VDIR ? 0 : st.Size; // directory sizes depend on the order entries came and went
            lines.Add($"{name} {st.Type} {Convert.ToString(st.Mode & 0xFFF, 8)} {st.Uid}:{st.Gid} {size} {st.Nlink} {st.Mtime.Sec} {what}");
            if (st.Type == VType.VDIR)
                Walk(fs, path, name, lines);
        }
    }

    /// <summary>`mfsadm verify` of a mirror of the images, mounted without the mount-time merge (which would repair).</summary>
    public static VerifyReport Verify(params string[] images)
    {
        var k = new Kernel("verifier");
        k.Vfssw.Install(UfsVfsops.Def);
        k.Vfssw.Install(MirrorVfsops.Def);
        var p = k.CreateProcess();
        var dirs = new List<string>();
        for (int i = 0; i < images.Length; i++)
        {
            Assert.Equal(Errno.OK, p.Mkdir($"/c{i}", 0x1ED));
            Assert.Equal(Errno.OK, p.Mount(images[i], $"/c{i}", "ufs"));
            dirs.Add($"/c{i}");
        }
        Assert.Equal(Errno.OK, p.Mount(string.Join(',', dirs.Skip(1)), dirs[0], "mfs", MountFlags.None, "nomerge", new MfsMountData()));
        Assert.Equal(Errno.OK, MfsAdm.Verify(p, dirs[0], out var report));
        Assert.Equal(Errno.OK, k.UnmountAll());
        return report!;
    }
}
