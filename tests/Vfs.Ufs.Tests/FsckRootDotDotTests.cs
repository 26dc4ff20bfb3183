// Tests of Vfs.Ufs fsck on damage to the root directory's ".." record (issue 14, item 1): its d_namlen byte
// (offset 19 of the root's first block) or its name's terminating NUL flipped. One fsck -y repairs it -- ".."
// back in its place after ".", every other name of the damaged chunk kept where it was -- a second fsck -n
// is clean, and the file system mounts read-write. On our images and on FreeBSD's.
using UnixVfs.Core;
using Xunit.Abstractions;
using static UnixVfs.Ufs.Tests.Kit;

namespace UnixVfs.Ufs.Tests;

public class FsckRootDotDotTests
{
    private readonly ITestOutputHelper _out;

    public FsckRootDotDotTests(ITestOutputHelper output) => _out = output;

    /// <summary>Offset 19: d_namlen of ".."; offset 22: the NUL after its name.</summary>
    public static IEnumerable<object[]> Bytes => [[19], [22]];

    [Theory]
    [MemberData(nameof(Bytes))]
    public void Fsck_y_repairs_the_roots_dotdot_on_our_image(int at)
    {
        using var s = new Scratch();
        var image = NewImage(s, 16L << 20);
        var h = new Host();
        Ok(h.Mount(image));
        Ok(h.P.Mkdir("/mnt/dir", 0x1ED));
        WriteFile(h.P, "/mnt/dir/inner", Kit.Bytes(5000, 1));
        for (int i = 0; i < 8; i++)
            WriteFile(h.P, $"/mnt/file{i}", Kit.Bytes(100 + i, i));
        Ok(h.Umount());
        DamageAndRepair(image, at, "/mnt/file3");
    }

    [Theory]
    [MemberData(nameof(Bytes))]
    public void Fsck_y_repairs_the_roots_dotdot_on_the_FreeBSD_image(int at)
    {
        using var s = new Scratch();
        var image = UnpackFreeBsdImage(s, _out);
        if (image is null)
            return;
        DamageAndRepair(image, at, "/mnt/file1");
    }

    private static void DamageAndRepair(string image, int at, string file)
    {
        var h = new Host();
        Ok(h.Mount(image, "ro"));
        var names = List(h.P, "/mnt").Select(d => (d.Name, d.Ino)).ToList();
        var data = ReadFile(h.P, file);
        Ok(h.Umount());

        var ed = new ImageEditor(image);
        long root = ed.Fs.FsbToByte(ed.Inode(Fs.RootIno).Db[0]);
        ed.Bytes[root + at] ^= 0xFF;
        ed.Save(image);

        Assert.False(Kit.Fsck(image).Clean, "fsck -n must see the damage");
        var repair = Kit.Fsck(image, repair: true);
        Assert.True(repair.Unfixed == 0, "fsck -y left:\n" + string.Join("\n", repair.Lines));
        Assert.DoesNotContain(repair.Lines, l => l.Contains("lost+found") && l.Contains("RECONNECT"));
        var again = Kit.Fsck(image);
        Assert.True(again.Clean, "after fsck -y, fsck -n finds:\n" + string.Join("\n", again.Problems) + "\nfirst run:\n" + string.Join("\n", repair.Lines));

        var after = new Host();
        Ok(after.Mount(image), after.Log);
        Assert.Equal(names, List(after.P, "/mnt").Select(d => (d.Name, d.Ino)).ToList());
        Ok(after.P.Stat("/mnt/..", out var dotdot));
        Assert.Equal((ulong)Fs.RootIno, dotdot!.Ino);
        Assert.Equal(data, ReadFile(after.P, file));
        Ok(after.P.Mkdir("/mnt/new-after-repair", 0x1ED));
        Ok(after.Umount());
        AssertClean(Kit.Fsck(image));
    }
}
