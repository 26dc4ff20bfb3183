// Tests of UFS2 extended attributes (UfsExtattr.cs): FreeBSD's own image reads back through the extattr system
// calls, an area we write is byte for byte what FreeBSD wrote, the area grows from a fragment to two blocks and
// back with fsck clean and nothing leaked, FreeBSD's permission rules hold for a non-owner and a non-root
// caller, and random set/delete sequences agree with a dictionary across remounts.
using System.Buffers.Binary;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using UnixVfs.Core;
using Xunit.Abstractions;
using static UnixVfs.Ufs.Tests.Kit;

namespace UnixVfs.Ufs.Tests;

public class ExtattrTests
{
    private readonly ITestOutputHelper _out;

    public ExtattrTests(ITestOutputHelper output) => _out = output;

    private const ExtattrNamespace User = ExtattrNamespace.User, System = ExtattrNamespace.System;

    private static byte[] Get(Process p, string path, string name, ExtattrNamespace ns = User)
    {
        Ok(p.ExtattrGetFile(path, ns, name, null, out int size), $"size of {name}");
        var buf = new byte[size];
        Ok(p.ExtattrGetFile(path, ns, name, buf, out int n), $"get {name}");
        Assert.Equal(size, n);
        return buf;
    }

    private static List<string> Names(Process p, string path, ExtattrNamespace ns = User)
    {
        Ok(p.ExtattrListFile(path, ns, null, out int size), "list size");
        var buf = new byte[size];
        Ok(p.ExtattrListFile(path, ns, buf, out int n), "list");
        Assert.Equal(size, n);
        return Extattr.DecodeList(buf);
    }

    private static void Set(Process p, string path, string name, byte[] value, ExtattrNamespace ns = User) =>
        Ok(p.ExtattrSetFile(path, ns, name, value), $"set {name}");

    /// <summary>The external area of inode <paramref name="ino"/> as the device holds it, read straight from the image's bytes.</summary>
    private static byte[] RawArea(byte[] image, uint ino)
    {
        var sb = image.AsSpan(Fs.SblockUfs2);
        int bsize = BinaryPrimitives.ReadInt32LittleEndian(sb[48..]), fsize = BinaryPrimitives.ReadInt32LittleEndian(sb[52..]);
        int iblkno = BinaryPrimitives.ReadInt32LittleEndian(sb[16..]);
        uint ipg = BinaryPrimitives.ReadUInt32LittleEndian(sb[184..]);
        int fpg = BinaryPrimitives.ReadInt32LittleEndian(sb[188..]);
        long at = ((ino / ipg) * (long)fpg + iblkno) * fsize + ino % ipg * 256L;
        var din = image.AsSpan((int)at, 256);
        int extsize = BinaryPrimitives.ReadInt32LittleEndian(din[92..]);
        var area = new byte[extsize];
        for (int i = 0; i * bsize < extsize; i++)
        {
            long b = BinaryPrimitives.ReadInt64LittleEndian(din[(96 + 8 * i)..]);
            image.AsSpan((int)(b * fsize), Math.Min(bsize, extsize - i * bsize)).CopyTo(area.AsSpan(i * bsize));
        }
        return area;
    }

    [Fact]
    public void The_FreeBSD_image_attributes_read_back()
    {
        using var s = new Scratch();
        var image = UnpackFreeBsdImage(s, _out);
        if (image is null)
            return;
        using var h = new Host();
        Ok(h.Mount(image, "ro"), h.Log);
        var p = h.P;
        Assert.Equal(["test"], Names(p, "/mnt/xattrs"));
        Assert.Equal("testvalue", Encoding.ASCII.GetString(Get(p, "/mnt/xattrs", "test")));
        var names = Names(p, "/mnt/xattrs2");
        Assert.Equal(Enumerable.Range(1, 2297).Select(i => $"attr{i}"), names);
        foreach (int i in new[] { 1, 2, 1000, 2297 })
            Assert.Equal($"value{i}", Encoding.ASCII.GetString(Get(p, "/mnt/xattrs2", $"attr{i}")));
        var big = Get(p, "/mnt/xattrs3", "big");
        Assert.Equal(63_999, big.Length); // the README's 64,000 bytes less the last newline, as stored
        var lines = string.Concat(Enumerable.Range(0, 4000).Select(i => i.ToString("x15") + "\n"));
        Assert.Equal(lines[..63_999], Encoding.ASCII.GetString(big));
        Assert.Empty(Names(p, "/mnt/xattrs", System));
        Assert.Empty(Names(p, "/mnt/file1"));
        Assert.Equal(Errno.ENODATA, p.ExtattrGetFile("/mnt/xattrs", User, "nope", null, out _));
        Assert.Equal(Errno.ENODATA, p.ExtattrGetFile("/mnt/xattrs", System, "test", null, out _));
        Assert.Equal(Errno.EROFS, p.ExtattrSetFile("/mnt/xattrs", User, "x", new byte[1]));
        Assert.Equal(Errno.EROFS, p.ExtattrDeleteFile("/mnt/xattrs", User, "test"));
        var shortBuf = new byte[4];
        Ok(p.ExtattrGetFile("/mnt/xattrs", User, "test", shortBuf, out int n));
        Assert.Equal(4, n); // FreeBSD copies what fits
        Assert.Equal("test", Encoding.ASCII.GetString(shortBuf));
        Ok(h.Umount());
    }

    [Fact]
    public void An_area_we_write_is_byte_for_byte_what_FreeBSD_wrote()
    {
        using var s = new Scratch();
        var image = UnpackFreeBsdImage(s, _out);
        if (image is null)
            return;
        var before = File.ReadAllBytes(image);
        using var h = new Host();
        Ok(h.Mount(image), h.Log);
        var p = h.P;
        // Rewriting each attribute with its own value re-encodes the whole area: FreeBSD's records must come out unchanged.
        Set(p, "/mnt/xattrs", "test", Encoding.ASCII.GetBytes("testvalue"));
        Set(p, "/mnt/xattrs2", "attr7", Encoding.ASCII.GetBytes("value7"));
        Set(p, "/mnt/xattrs3", "big", Get(p, "/mnt/xattrs3", "big"));
        Ok(h.Umount());
        var after = File.ReadAllBytes(image);
        foreach (uint ino in new uint[] { 11, 12, 13 })
            Assert.Equal(RawArea(before, ino), RawArea(after, ino));
        AssertClean(Kit.Fsck(image));
    }

    [Fact]
    public void The_area_grows_to_two_blocks_and_shrinks_back_with_nothing_leaked()
    {
        using var s = new Scratch();
        var image = NewImage(s, 64 << 20);
        using var h = new Host();
        Ok(h.Mount(image));
        var p = h.P;
        WriteFile(p, "/mnt/f", Bytes(100, 1));
        Ok(p.Statvfs("/mnt", out var sv0));
        Ok(p.Stat("/mnt/f", out var st0));
        var ctime0 = st0!.Ctime;
        Set(p, "/mnt/f", "small", Bytes(10, 2));
        Ok(p.Stat("/mnt/f", out var st1));
        Assert.Equal(st0.Blocks + 8, st1!.Blocks); // one 4 KiB fragment
        Assert.True(st1.Ctime.CompareTo(ctime0) >= 0);
        Set(p, "/mnt/f", "a", Bytes(30_000, 3));
        Set(p, "/mnt/f", "b", Bytes(30_000, 4));
        Ok(p.Stat("/mnt/f", out var st2));
        Assert.Equal(st0.Blocks + 64 + 56, st2!.Blocks); // a block and a run of 7 fragments
        Assert.Equal(Errno.ENOSPC, p.ExtattrSetFile("/mnt/f", User, "c", Bytes(10_000, 5)));
        Set(p, "/mnt/f", "sys", Bytes(20, 6), System);
        Ok(h.Umount());
        AssertClean(Kit.Fsck(image));
        Ok(h.Mount(image));
        Assert.Equal(["small", "a", "b"], Names(p, "/mnt/f"));
        Assert.Equal(["sys"], Names(p, "/mnt/f", System));
        Assert.Equal(Bytes(30_000, 4), Get(p, "/mnt/f", "b"));
        Assert.Equal(Bytes(20, 6), Get(p, "/mnt/f", "sys", System));
        Ok(p.ExtattrDeleteFile("/mnt/f", User, "a"));
        Assert.Equal(Errno.ENODATA, p.ExtattrDeleteFile("/mnt/f", User, "a"));
        Ok(p.ExtattrDeleteFile("/mnt/f", User, "b"));
        Ok(p.ExtattrDeleteFile("/mnt/f", User, "small"));
        Ok(p.ExtattrDeleteFile("/mnt/f", System, "sys"));
        Ok(p.Stat("/mnt/f", out var st3));
        Assert.Equal(st0.Blocks, st3!.Blocks);
        Set(p, "/mnt/f", "again", Bytes(40_000, 7));
        Ok(p.Unlink("/mnt/f"));
        WriteFile(p, "/mnt/f", Bytes(100, 1));
        Ok(p.Statvfs("/mnt", out var sv1));
        Assert.Equal(sv0!.Bfree, sv1!.Bfree);
        Ok(h.Umount());
        AssertClean(Kit.Fsck(image));
    }

    [Fact]
    public void FreeBSD_permission_rules_hold_for_a_non_owner_and_a_non_root_caller()
    {
        using var s = new Scratch();
        var image = NewImage(s, 32 << 20);
        using var h = new Host();
        Ok(h.Mount(image));
        var root = h.P;
        var alice = h.Kernel.CreateProcess(new Cred(1000, 100));
        var mallory = h.Kernel.CreateProcess(new Cred(2000, 200));
        Ok(root.Chmod("/mnt", 0x1FF));
        WriteFile(alice, "/mnt/mine", Bytes(10, 1), 0x1A4); // rw-r--r--
        Set(alice, "/mnt/mine", "u", Bytes(5, 2));
        Assert.Equal(Bytes(5, 2), Get(mallory, "/mnt/mine", "u")); // others may read: the file is readable
        Assert.Equal(Errno.EACCES, mallory.ExtattrSetFile("/mnt/mine", User, "u", Bytes(5, 3)));
        Assert.Equal(Errno.EACCES, mallory.ExtattrDeleteFile("/mnt/mine", User, "u"));
        Assert.Equal(Errno.EPERM, alice.ExtattrSetFile("/mnt/mine", System, "s", Bytes(5, 4)));
        Assert.Equal(Errno.EPERM, alice.ExtattrListFile("/mnt/mine", System, null, out _));
        Set(root, "/mnt/mine", "s", Bytes(5, 4), System);
        Assert.Equal(Errno.EPERM, alice.ExtattrGetFile("/mnt/mine", System, "s", null, out _));
        Ok(alice.Chmod("/mnt/mine", 0x180)); // rw-------
        Assert.Equal(Errno.EACCES, mallory.ExtattrGetFile("/mnt/mine", User, "u", null, out _));
        Assert.Equal(Errno.EACCES, mallory.ExtattrListFile("/mnt/mine", User, null, out _));
        Assert.Equal(Bytes(5, 2), Get(alice, "/mnt/mine", "u"));
        Assert.Equal(Errno.EINVAL, alice.ExtattrSetFile("/mnt/mine", ExtattrNamespace.Empty, "u", Bytes(1, 1)));
        Assert.Equal(Errno.EINVAL, alice.ExtattrSetFile("/mnt/mine", User, "", Bytes(1, 1)));
        Assert.Equal(Errno.ENAMETOOLONG, alice.ExtattrSetFile("/mnt/mine", User, new string('n', 256), Bytes(1, 1)));
        Assert.Equal(Errno.EINVAL, alice.ExtattrSetFile("/mnt/mine", User, "big", new byte[Extattr.MaxValueLen + 1]));
        Ok(h.Umount());
        AssertClean(Kit.Fsck(image));
    }

    [Fact]
    public void The_fd_and_link_forms_reach_the_same_attributes()
    {
        using var s = new Scratch();
        var image = NewImage(s, 32 << 20);
        using var h = new Host();
        Ok(h.Mount(image));
        var p = h.P;
        WriteFile(p, "/mnt/f", Bytes(10, 1));
        Ok(p.Symlink("f", "/mnt/l"));
        Ok(p.ExtattrSetLink("/mnt/l", User, "on-link", Bytes(3, 1)));
        Set(p, "/mnt/l", "on-file", Bytes(4, 2)); // follows the link
        Assert.Equal(["on-link"], Extattr.DecodeList(ListLink(p, "/mnt/l")));
        Ok(p.Open("/mnt/f", OFlags.O_RDONLY, 0, out int fd));
        Ok(p.ExtattrGetFd(fd, User, "on-file", new byte[4], out int n));
        Assert.Equal(4, n);
        Ok(p.ExtattrSetFd(fd, User, "by-fd", Bytes(2, 3)));
        Ok(p.ExtattrListFd(fd, User, null, out int size));
        Assert.Equal(1 + 7 + 1 + 5, size);
        Ok(p.ExtattrDeleteFd(fd, User, "by-fd"));
        Ok(p.Close(fd));
        Assert.Equal(Errno.EBADF, p.ExtattrDeleteFd(fd, User, "by-fd"));
        Ok(p.Readlink("/mnt/l", out var target)); // a short link whose attributes hold a block stays short
        Assert.Equal("f", target);
        Ok(p.Unlink("/mnt/l")); // and its attribute block, not its text, is freed with it
        Ok(h.Umount());
        AssertClean(Kit.Fsck(image));
    }

    private static byte[] ListLink(Process p, string path)
    {
        var buf = new byte[256];
        Ok(p.ExtattrListLink(path, User, buf, out int n));
        return buf[..n];
    }

    public sealed record XOp(bool Delete, bool SystemNs, int Name, int Length, int Seed, bool Remount)
    {
        public override string ToString() =>
            (Delete ? $"delete({(SystemNs ? "system" : "user")}:n{Name})" : $"set({(SystemNs ? "system" : "user")}:n{Name}, {Length})")
            + (Remount ? " remount" : "");
    }

    private static Arbitrary<XOp[]> XPrograms =>
        Arb.From((from d in Gen.Frequency((3, Gen.Constant(false)), (1, Gen.Constant(true)))
                  from sys in Gen.Frequency((4, Gen.Constant(false)), (1, Gen.Constant(true)))
                  from name in Gen.Choose(0, 12)
                  from len in Gen.Frequency((6, Gen.Choose(0, 300)), (2, Gen.Choose(300, 9000)), (1, Gen.Choose(9000, 40_000)))
                  from seed in Gen.Choose(0, 1000)
                  from remount in Gen.Frequency((12, Gen.Constant(false)), (1, Gen.Constant(true)))
                  select new XOp(d, sys, name, len, seed, remount)).ListOf().Select(l => l.ToArray()).Where(a => a.Length is > 0 and <= 60));

    /// <summary>Random sets and deletes against a dictionary: the same errnos (ENOSPC only when the area is full), the
    /// same names after every step and the same values at the end, across remounts, and fsck clean.</summary>
    [Property(MaxTest = 25, QuietOnSuccess = true)]
    public Property Random_sets_and_deletes_agree_with_a_model_across_remounts() =>
        Prop.ForAll(XPrograms, ops =>
        {
            var dev = NewMemoryImage(32 << 20);
            using var h = new Host();
            Ok(h.Mount("mem", "", MountFlags.None, dev));
            var p = h.P;
            WriteFile(p, "/mnt/f", Bytes(10, 1));
            var model = new Dictionary<(bool, string), byte[]>();
            foreach (var op in ops)
            {
                var ns = op.SystemNs ? System : User;
                string name = $"n{op.Name}";
                if (op.Delete)
                    Assert.Equal(model.Remove((op.SystemNs, name)) ? Errno.OK : Errno.ENODATA, p.ExtattrDeleteFile("/mnt/f", ns, name));
                else
                {
                    var value = Bytes(op.Length, op.Seed);
                    var err = p.ExtattrSetFile("/mnt/f", ns, name, value);
                    if (err == Errno.OK)
                        model[(op.SystemNs, name)] = value;
                    else
                        Assert.Equal(Errno.ENOSPC, err);
                }
                if (op.Remount)
                {
                    Ok(h.Umount());
                    Ok(h.Mount("mem", "", MountFlags.None, dev));
                }
                foreach (var sys in new[] { false, true })
                    Assert.Equal(model.Keys.Where(k => k.Item1 == sys).Select(k => k.Item2).Order(StringComparer.Ordinal),
                        Names(p, "/mnt/f", sys ? System : User).Order(StringComparer.Ordinal));
            }
            foreach (var ((sys, name), value) in model)
                Assert.Equal(value, Get(p, "/mnt/f", name, sys ? System : User));
            Ok(h.Umount());
            AssertClean(Kit.Fsck(dev));
        });
}
