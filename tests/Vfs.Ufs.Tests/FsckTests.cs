// Tests of Vfs.Ufs fsck: each kind of damage, made by editing the bytes of an image, is reported by
// fsck -n (which changes nothing), repaired by fsck -y, and gone for a second fsck -n; the repaired
// image mounts and shows what survived.
using System.Buffers.Binary;
using UnixVfs.Core;
using static UnixVfs.Ufs.Tests.Kit;

namespace UnixVfs.Ufs.Tests;

/// <summary>Reads and changes the structures of an image held in memory.</summary>
internal sealed class ImageEditor
{
    public readonly byte[] Bytes;
    public readonly Fs Fs;

    public ImageEditor(string path)
    {
        Bytes = File.ReadAllBytes(path);
        Fs = Fs.Read(Bytes.AsSpan(Fs.SblockUfs2, Fs.SblockSize));
    }

    public void Save(string path) => File.WriteAllBytes(path, Bytes);

    public int InodeOffset(uint ino) => (int)(Fs.FsbToByte(Fs.InoToFsba(ino)) + Fs.InoToFsbo(ino) * Dinode.Size);

    public Dinode Inode(uint ino)
    {
        var d = new Dinode();
        d.Read(Bytes.AsSpan(InodeOffset(ino)));
        return d;
    }

    public void Put(uint ino, Dinode d) => d.Write(Bytes.AsSpan(InodeOffset(ino)));

    /// <summary>The byte offset in the image of the record naming <paramref name="name"/> in directory <paramref name="dir"/>'s first block.</summary>
    public int Entry(uint dir, string name)
    {
        var d = Inode(dir);
        int start = (int)Fs.FsbToByte(d.Db[0]);
        int len = (int)Math.Min(d.DiSize, Fs.Bsize);
        var want = System.Text.Encoding.UTF8.GetBytes(name);
        for (int p = start; p < start + len;)
        {
            var e = Bytes.AsSpan(p);
            if (UfsDir.Ino(e) != 0 && UfsDir.Name(e).SequenceEqual(want))
                return p;
            int reclen = UfsDir.Reclen(e);
            if (reclen == 0)
                break;
            p += reclen;
        }
        throw new InvalidOperationException($"{name} not found in directory {dir}");
    }

    public int CgOffset(int c) => (int)Fs.FsbToByte(Fs.Cgtod(c));
}

public class FsckTests
{
    private sealed class Damage : IDisposable
    {
        public readonly Scratch S = new();
        public readonly string Image;
        public readonly Dictionary<string, ulong> Ino = new();

        public Damage()
        {
            Image = NewImage(S, 16L << 20);
            var h = new Host();
            Ok(h.Mount(Image));
            Ok(h.P.Mkdir("/mnt/dir", 0x1ED));
            Ok(h.P.Mkdir("/mnt/dir/sub", 0x1ED));
            WriteFile(h.P, "/mnt/dir/a", Bytes(70_000, 1));
            WriteFile(h.P, "/mnt/dir/b", Bytes(3_000, 2));
            WriteFile(h.P, "/mnt/c", Bytes(200_000, 3));
            WriteFile(h.P, "/mnt/dir/sub/d", Bytes(10, 4));
            foreach (var p in new[] { "/mnt/dir", "/mnt/dir/sub", "/mnt/dir/a", "/mnt/dir/b", "/mnt/c", "/mnt/dir/sub/d" })
            {
                Ok(h.P.Stat(p, out var st));
                Ino[p] = st!.Ino;
            }
            Ok(h.Umount());
            AssertClean(Kit.Fsck(Image));
        }

        public uint I(string path) => (uint)Ino[path];

        public ImageEditor Edit() => new(Image);

        /// <summary>fsck -n reports <paramref name="expect"/> and changes nothing; -y repairs all; -n is then clean.</summary>
        public FsckReport CheckAndRepair(string expect)
        {
            var before = File.ReadAllBytes(Image);
            var check = Kit.Fsck(Image);
            Assert.False(check.Clean, "fsck -n found nothing");
            Assert.Contains(check.Problems, p => p.Contains(expect));
            Assert.False(check.Modified);
            Assert.Equal(before, File.ReadAllBytes(Image));
            var repair = Kit.Fsck(Image, repair: true);
            Assert.True(repair.Unfixed == 0, "left unrepaired:\n" + string.Join("\n", repair.Lines));
            Assert.True(repair.Modified);
            AssertClean(Kit.Fsck(Image));
            return repair;
        }

        public Host Mount()
        {
            var h = new Host();
            Ok(h.Mount(Image), "mount after repair");
            return h;
        }

        public void Dispose() => S.Dispose();
    }

    [Fact]
    public void A_wrong_link_count_is_adjusted()
    {
        using var d = new Damage();
        var e = d.Edit();
        var din = e.Inode(d.I("/mnt/c"));
        din.Nlink = 5;
        e.Put(d.I("/mnt/c"), din);
        e.Save(d.Image);
        d.CheckAndRepair($"LINK COUNT FILE I={d.I("/mnt/c")} COUNT 5 SHOULD BE 1");
        var h = d.Mount();
        Ok(h.P.Stat("/mnt/c", out var st));
        Assert.Equal(1u, st!.Nlink);
        Ok(h.Umount());
    }

    [Fact]
    public void A_file_that_lost_its_name_is_reconnected_to_lost_found()
    {
        using var d = new Damage();
        var e = d.Edit();
        int at = e.Entry(d.I("/mnt/dir"), "a");
        BinaryPrimitives.WriteUInt32LittleEndian(e.Bytes.AsSpan(at), 0); // the record stays, unnamed
        e.Save(d.Image);
        d.CheckAndRepair($"UNREF FILE I={d.I("/mnt/dir/a")}");
        var h = d.Mount();
        Assert.Equal(Bytes(70_000, 1), ReadFile(h.P, $"/mnt/lost+found/#{d.I("/mnt/dir/a")}"));
        Assert.Equal(Errno.ENOENT, h.P.Stat("/mnt/dir/a", out _));
        Ok(h.Umount());
    }

    [Fact]
    public void A_used_block_marked_free_is_put_back_in_the_map()
    {
        using var d = new Damage();
        var e = d.Edit();
        var din = e.Inode(d.I("/mnt/c"));
        long frag = din.Db[1];
        var fs = e.Fs;
        int c = fs.Dtog(frag);
        var cg = new Cg(e.Bytes.AsSpan(e.CgOffset(c), fs.Bsize).ToArray());
        Cg.SetBlock(fs, cg.Blksfree(fs), fs.Fragstoblks(fs.Dtogd(frag)));
        cg.Data.CopyTo(e.Bytes, e.CgOffset(c));
        e.Save(d.Image);
        d.CheckAndRepair($"CYLINDER GROUP {c}: FRAGMENT MAP WRONG");
        var h = d.Mount();
        WriteFile(h.P, "/mnt/new", Bytes(1 << 20, 9)); // would overwrite c if the block were still "free"
        Assert.Equal(Bytes(200_000, 3), ReadFile(h.P, "/mnt/c"));
        Ok(h.Umount());
    }

    [Fact]
    public void Blocks_claimed_by_two_files_clear_both()
    {
        using var d = new Damage();
        var e = d.Edit();
        var a = e.Inode(d.I("/mnt/dir/a"));
        var c = e.Inode(d.I("/mnt/c"));
        c.Db[0] = a.Db[0];
        e.Put(d.I("/mnt/c"), c);
        e.Save(d.Image);
        d.CheckAndRepair("DUP BLOCK(S)");
        var h = d.Mount();
        Assert.Equal(Errno.ENOENT, h.P.Stat("/mnt/c", out _));
        Assert.Equal(Errno.ENOENT, h.P.Stat("/mnt/dir/a", out _));
        Assert.Equal(Bytes(3_000, 2), ReadFile(h.P, "/mnt/dir/b"));
        Ok(h.Umount());
    }

    [Fact]
    public void A_directory_record_with_a_bad_length_is_salvaged()
    {
        using var d = new Damage();
        var e = d.Edit();
        int at = e.Entry(d.I("/mnt/dir"), "b");
        BinaryPrimitives.WriteUInt16LittleEndian(e.Bytes.AsSpan(at + 4), 3); // not a multiple of 4, too short
        e.Save(d.Image);
        d.CheckAndRepair($"DIRECTORY CORRUPTED I={d.I("/mnt/dir")}");
        var h = d.Mount();
        Assert.Equal(Bytes(70_000, 1), ReadFile(h.P, "/mnt/dir/a")); // the records before it survive
        Assert.Equal(Bytes(3_000, 2), ReadFile(h.P, $"/mnt/lost+found/#{d.I("/mnt/dir/b")}"));
        Ok(h.Umount());
    }

    [Fact]
    public void A_directory_loop_cut_off_from_the_root_is_broken_and_reconnected()
    {
        using var d = new Damage();
        var e = d.Edit();
        // Take "dir" out of the root and give "dir/sub" an entry naming "dir": dir -> sub -> dir.
        int inRoot = e.Entry(Fs.RootIno, "dir");
        BinaryPrimitives.WriteUInt32LittleEndian(e.Bytes.AsSpan(inRoot), 0);
        int inSub = e.Entry(d.I("/mnt/dir/sub"), "d");
        BinaryPrimitives.WriteUInt32LittleEndian(e.Bytes.AsSpan(inSub), d.I("/mnt/dir"));
        e.Bytes[inSub + 6] = Dinode.ToDt(Dinode.IFDIR);
        e.Save(d.Image);
        d.CheckAndRepair("DIRECTORY LOOP");
        var h = d.Mount();
        var lf = List(h.P, "/mnt/lost+found").Select(x => x.Name).ToList();
        Assert.Contains($"#{d.I("/mnt/dir")}", lf);
        Assert.Equal(Bytes(70_000, 1), ReadFile(h.P, $"/mnt/lost+found/#{d.I("/mnt/dir")}/a"));
        Ok(h.P.Stat($"/mnt/lost+found/#{d.I("/mnt/dir")}/..", out var up));
        Assert.Equal(3UL, up!.Ino);
        Ok(h.Umount());
    }

    [Fact]
    public void A_zeroed_superblock_is_replaced_by_a_copy_from_a_cylinder_group()
    {
        using var d = new Damage();
        var e = d.Edit();
        Array.Clear(e.Bytes, Fs.SblockUfs2, Fs.SblockSize);
        e.Save(d.Image);
        var h = new Host();
        Assert.Equal(Errno.EINVAL, h.Mount(d.Image));
        var r = d.CheckAndRepair("bad magic");
        Assert.Contains(r.Lines, l => l.Contains("ALTERNATE SUPERBLOCK"));
        h = d.Mount();
        Assert.Equal(Bytes(200_000, 3), ReadFile(h.P, "/mnt/c"));
        Ok(h.Umount());
    }

    [Fact]
    public void An_inode_with_a_block_outside_the_file_system_is_cleared_and_its_name_removed()
    {
        using var d = new Damage();
        var e = d.Edit();
        var din = e.Inode(d.I("/mnt/dir/b"));
        din.Db[0] = 1L << 40;
        e.Put(d.I("/mnt/dir/b"), din);
        e.Save(d.Image);
        var h = new Host();
        Ok(h.Mount(d.Image, "ro"));
        Ok(h.P.Open("/mnt/dir/b", OFlags.O_RDONLY, 0, out int fd));
        Assert.Equal(Errno.EIO, h.P.Read(fd, new byte[100], out _));
        Assert.Contains(h.Kernel.Messages, m => m.Contains("bad block"));
        Ok(h.P.Close(fd));
        Ok(h.Umount());
        d.CheckAndRepair($"1 BAD BLOCK POINTER(S) I={d.I("/mnt/dir/b")}");
        h = d.Mount();
        Assert.Equal(Errno.ENOENT, h.P.Stat("/mnt/dir/b", out _));
        Ok(h.Umount());
    }

    /// <summary>Sets FS_SUJ and fs_sujfree in the image's superblock, as a FreeBSD kernel journaling the file system would.</summary>
    private static void ClaimJournal(Damage d)
    {
        var e = d.Edit();
        e.Fs.Flags |= Fs.FS_SUJ;
        e.Fs.Sujfree = 7;
        e.Fs.Write(e.Bytes.AsSpan(Fs.SblockUfs2, Fs.SblockSize));
        e.Save(d.Image);
    }

    [Fact]
    public void A_journal_flag_without_a_journal_is_cleared_so_the_file_system_mounts_read_write()
    {
        using var d = new Damage();
        ClaimJournal(d);
        var h = new Host();
        Assert.Equal(Errno.EPERM, h.Mount(d.Image));
        Assert.Contains("soft-updates journal", h.Log);
        d.CheckAndRepair("JOURNAL FLAG SET, BUT NO .sujournal");
        var fs = d.Edit().Fs;
        Assert.Equal(0, fs.Flags & Fs.FS_SUJ);
        Assert.Equal(0, fs.Sujfree);
        h = d.Mount();
        WriteFile(h.P, "/mnt/after", Bytes(5_000, 9));
        Assert.Equal(Bytes(200_000, 3), ReadFile(h.P, "/mnt/c"));
        Ok(h.Umount());
        AssertClean(Kit.Fsck(d.Image));
    }

    [Fact]
    public void A_journal_that_is_there_is_left_alone_and_keeps_the_file_system_read_only()
    {
        using var d = new Damage();
        var h = new Host();
        Ok(h.Mount(d.Image));
        WriteFile(h.P, "/mnt/.sujournal", Bytes(8_192, 5));
        Ok(h.Umount());
        ClaimJournal(d);
        AssertClean(Kit.Fsck(d.Image));
        var repair = Kit.Fsck(d.Image, repair: true);
        Assert.True(repair.Clean, string.Join("\n", repair.Lines));
        Assert.NotEqual(0, d.Edit().Fs.Flags & Fs.FS_SUJ);
        h = new Host();
        Assert.Equal(Errno.EPERM, h.Mount(d.Image));
        Ok(h.Mount(d.Image, "ro"));
        Assert.Equal(Bytes(200_000, 3), ReadFile(h.P, "/mnt/c"));
        Ok(h.Umount());
    }

    [Fact]
    public void Rotors_out_of_range_are_ignored_by_the_kernel_and_reset_by_fsck()
    {
        using var d = new Damage();
        var e = d.Edit();
        int cg = e.CgOffset(0);
        BinaryPrimitives.WriteInt32LittleEndian(e.Bytes.AsSpan(cg + 40), int.MaxValue); // cg_rotor
        BinaryPrimitives.WriteInt32LittleEndian(e.Bytes.AsSpan(cg + 44), -8);           // cg_frotor
        BinaryPrimitives.WriteInt32LittleEndian(e.Bytes.AsSpan(cg + 48), -5);           // cg_irotor
        e.Save(d.Image);
        Assert.Contains(Kit.Fsck(d.Image).Problems, p => p.Contains("ROTORS OUT OF RANGE"));
        var h = d.Mount(); // the rotors are hints: the allocator starts from the group's start instead
        WriteFile(h.P, "/mnt/new", Bytes(40_000, 7));
        WriteFile(h.P, "/mnt/dir/frag", Bytes(1_500, 8));
        Ok(h.P.Mkdir("/mnt/newdir", 0x1ED));
        Assert.Equal(Bytes(40_000, 7), ReadFile(h.P, "/mnt/new"));
        Ok(h.Umount());
        var repair = Kit.Fsck(d.Image, repair: true);
        Assert.Equal(0, repair.Unfixed);
        AssertClean(Kit.Fsck(d.Image));
    }

    [Fact]
    public void Fsck_n_on_a_read_only_device_works_and_fsck_y_is_EROFS()
    {
        using var d = new Damage();
        Ok(FileBlockDevice.Open(d.Image, readOnly: true, out var dev));
        Ok(UnixVfs.Ufs.Fsck.Run(dev!, repair: false, out var r));
        Assert.True(r.Clean);
        Assert.Equal(Errno.EROFS, UnixVfs.Ufs.Fsck.Run(dev!, repair: true, out _));
        dev!.Dispose();
    }

    [Fact]
    public void Zeros_have_no_superblock_to_check()
    {
        var err = UnixVfs.Ufs.Fsck.Run(new MemoryBlockDevice(1 << 20), repair: true, out var r);
        Assert.Equal(Errno.EINVAL, err);
        Assert.Contains("superblock", r.Summary);
    }
}
