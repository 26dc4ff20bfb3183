// The bridge's extended attributes (FuseXattrOps.cs) driven by the real setfattr/getfattr (Debian's attr) on a
// FUSE mount of a UFS2 file system: user.* attributes set on the host land in the inode's external area, where
// the model's extattr_get_file finds them; ones set in the model are listed on the host; create/replace flags,
// removal, a value too long for a buffer (ERANGE) and the namespaces Linux has and the model lacks behave as
// Linux expects; and the image is fsck-clean afterwards.
using UnixVfs.Core;
using UnixVfs.Ufs;

namespace UnixVfs.Fuse.Tests;

public class XattrTests
{
    [Fact]
    public void Setfattr_and_getfattr_reach_the_UFS2_external_area()
    {
        if (HostTools.Run("sh", "-c", "command -v setfattr").Exit != 0)
            Assert.Fail("setfattr is missing: install Debian's attr (./test.sh does)");
        var k = new Kernel("xattr");
        k.Vfssw.Install(UfsVfsops.Def);
        var p = k.CreateProcess();
        var dev = new MemoryBlockDevice(64L << 20);
        Assert.Equal(Errno.OK, Newfs.Make(dev, new NewfsOptions { Size = 64L << 20 }, k.Now(), out _, out _));
        Assert.Equal(Errno.OK, p.Mkdir("/data", 0x1ED));
        Assert.Equal(Errno.OK, p.Mount("disk", "/data", "ufs", MountFlags.None, "", dev));
        Assert.Equal(Errno.OK, p.Chmod("/data", 0x1FF));
        Assert.Equal(Errno.OK, p.Lookupname("/data", true, out var root));
        var mnt = HostTools.TempDir("xattr");
        Assert.Equal(Errno.OK, FuseBridge.Mount(root!, mnt, new FuseOptions { EntryTimeout = TimeSpan.Zero, AttrTimeout = TimeSpan.Zero }, out var bridge, out _));
        bridge!.Start();
        try
        {
            HostTools.Bash(mnt, "echo data > f && setfattr -n user.color -v blue f && setfattr -n user.big -v 0x" + new string('a', 2 * 5000) + " f");
            var buf = new byte[16];
            Assert.Equal(Errno.OK, p.ExtattrGetFile("/data/f", ExtattrNamespace.User, "color", buf, out int n));
            Assert.Equal("blue", System.Text.Encoding.ASCII.GetString(buf, 0, n));
            Assert.Equal(Errno.OK, p.ExtattrGetFile("/data/f", ExtattrNamespace.User, "big", null, out n));
            Assert.Equal(5000, n);
            Assert.Equal(Errno.OK, p.ExtattrSetFile("/data/f", ExtattrNamespace.User, "from-model", "m"u8.ToArray()));
            Assert.Equal(Errno.OK, p.ExtattrSetFile("/data/f", ExtattrNamespace.System, "hidden", "s"u8.ToArray()));

            var dump = HostTools.Bash(mnt, "getfattr --absolute-names -d f");
            Assert.Contains("user.color=\"blue\"", dump);
            Assert.Contains("user.from-model=\"m\"", dump);
            Assert.DoesNotContain("hidden", dump);
            Assert.Equal("blue", HostTools.Bash(mnt, "getfattr --only-values -n user.color f").Trim());

            // XATTR_CREATE on an existing name, XATTR_REPLACE on a missing one, a buffer too small, a missing name,
            // and the namespaces the model has no room for -- each with the errno Linux gives.
            var errnos = HostTools.Run("python3", "-c", string.Join("\n",
                "import os",
                $"f = '{mnt}/f'",
                "def e(fn):",
                "  try: fn(); print('ok')",
                "  except OSError as x: print(x.errno)",
                "e(lambda: os.setxattr(f, 'user.color', b'red', os.XATTR_CREATE))",
                "e(lambda: os.setxattr(f, 'user.nope', b'red', os.XATTR_REPLACE))",
                "e(lambda: os.setxattr(f, 'user.color', b'red', os.XATTR_REPLACE))",
                "e(lambda: os.getxattr(f, 'user.nope'))",
                "e(lambda: os.getxattr(f, 'security.capability'))",
                "e(lambda: os.setxattr(f, 'trusted.x', b'1'))",
                "import ctypes; libc = ctypes.CDLL(None, use_errno=True)",
                "b = ctypes.create_string_buffer(4)",
                "r = libc.getxattr(f.encode(), b'user.big', b, 4); print(ctypes.get_errno() if r < 0 else r)",
                "print(len(os.getxattr(f, 'user.big')))"));
            Assert.Equal(["17", "61", "ok", "61", "61", "95", "34", "5000"], errnos.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal(Errno.OK, p.ExtattrGetFile("/data/f", ExtattrNamespace.User, "color", buf, out n));
            Assert.Equal("red", System.Text.Encoding.ASCII.GetString(buf, 0, n));

            HostTools.Bash(mnt, "setfattr -x user.color f && setfattr -x user.big f");
            Assert.Equal(Errno.ENODATA, p.ExtattrGetFile("/data/f", ExtattrNamespace.User, "color", null, out _));
            Assert.Equal("user.from-model", HostTools.Bash(mnt, "getfattr --absolute-names -d f | grep user. | cut -d= -f1").Trim());
        }
        finally
        {
            bridge.Unmount();
            Assert.True(bridge.Wait(HostTools.HangGuard));
            bridge.Close();
        }
        root!.Rele();
        Assert.Equal(Errno.OK, k.UnmountAll());
        Assert.Equal(Errno.OK, Fsck.Run(dev, false, out var report));
        Assert.True(report.Clean, string.Join("\n", report.Problems));
    }
}
