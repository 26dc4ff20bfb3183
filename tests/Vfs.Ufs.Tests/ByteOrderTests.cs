// Tests of big-endian UFS2 images (ByteOrder.cs, ByteSwappedDevice.cs): a random tree written here and byte-swapped
// mounts read-only with its one line and reads back exactly like the little-endian original (names, types, modes,
// contents, holes, links, extended attributes), fsck -n finds it clean, and swapping it back gives the original
// bytes; The Sleuth Kit lists and extracts a byte-swapped image as it does the little-endian one, and reads
// what newfs --endian big makes.
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using UnixVfs.Core;
using Xunit.Abstractions;
using static UnixVfs.Ufs.Tests.Kit;

namespace UnixVfs.Ufs.Tests;

public class ByteOrderTests
{
    private readonly ITestOutputHelper _out;

    public ByteOrderTests(ITestOutputHelper output) => _out = output;

    /// <summary>One thing to make: a file of some size (a hole before its data when Hole), a directory, a symbolic link
    /// (short or long), or an extended attribute on the last file.</summary>
    public sealed record Item(int Kind, int Dir, int Size, bool Hole, int Seed)
    {
        public override string ToString() => Kind switch
        {
            0 => $"file(d{Dir}, {Size}{(Hole ? ", hole" : "")})",
            1 => $"mkdir(d{Dir})",
            2 => $"symlink(d{Dir}, {Size % 300})",
            _ => $"extattr({Size % 3000})",
        };
    }

    private static Arbitrary<Item[]> Trees =>
        Arb.From((from kind in Gen.Frequency((5, Gen.Constant(0)), (2, Gen.Constant(1)), (2, Gen.Constant(2)), (2, Gen.Constant(3)))
                  from dir in Gen.Choose(0, 3)
                  from size in Gen.Frequency((5, Gen.Choose(0, 5000)), (2, Gen.Choose(5000, 500_000)), (1, Gen.Choose(500_000, 1_500_000)))
                  from hole in Gen.Elements(false, true)
                  from seed in Gen.Choose(0, 1000)
                  select new Item(kind, dir, size, hole, seed)).ListOf().Select(l => l.ToArray()).Where(a => a.Length is > 0 and <= 40));

    private static void Make(Process p, Item[] items)
    {
        string? last = null;
        for (int i = 0; i < items.Length; i++)
        {
            var it = items[i];
            string dir = it.Dir == 0 ? "/mnt" : $"/mnt/d{it.Dir}";
            p.Mkdir(dir, 0x1ED);
            switch (it.Kind)
            {
                case 0:
                    last = $"{dir}/f{i}";
                    Ok(p.Open(last, OFlags.O_CREAT | OFlags.O_WRONLY, 0x1A4, out int fd));
                    Ok(p.Pwrite(fd, Bytes(it.Size, it.Seed), it.Hole ? 5L << 20 : 0, out _));
                    Ok(p.Close(fd));
                    break;
                case 1:
                    p.Mkdir($"{dir}/sub{i}", 0x1C0 + (uint)(it.Seed % 64));
                    break;
                case 2:
                    Ok(p.Symlink(new string('t', 1 + it.Size % 300), $"{dir}/l{i}"));
                    break;
                default:
                    if (last is not null)
                        Ok(p.ExtattrSetFile(last, (it.Seed & 1) == 0 ? ExtattrNamespace.User : ExtattrNamespace.System, $"a{i}", Bytes(it.Size % 3000, it.Seed)));
                    break;
            }
        }
    }

    /// <summary>Everything a reader sees of the tree under <paramref name="dir"/>, as text lines.</summary>
    private static List<string> Describe(Process p, string dir)
    {
        var lines = new List<string>();
        foreach (var d in List(p, dir).Where(d => d.Name is not ("." or "..")).OrderBy(d => d.Name, StringComparer.Ordinal))
        {
            string path = $"{dir}/{d.Name}";
            Ok(p.Lstat(path, out var st));
            lines.Add($"{path} {st!.Type} {Convert.ToString(st.Mode, 8)} {st.Size} {st.Nlink} {st.Mtime}");
            if (st.Type == VType.VREG)
                lines.Add(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(ReadFile(p, path))));
            else if (st.Type == VType.VLNK)
            {
                Ok(p.Readlink(path, out var target));
                lines.Add(target!);
            }
            foreach (var ns in new[] { ExtattrNamespace.User, ExtattrNamespace.System })
            {
                Ok(p.ExtattrListLink(path, ns, null, out int size));
                var list = new byte[size];
                Ok(p.ExtattrListLink(path, ns, list, out _));
                foreach (var name in Extattr.DecodeList(list))
                {
                    Ok(p.ExtattrGetLink(path, ns, name, null, out int len));
                    var value = new byte[len];
                    Ok(p.ExtattrGetLink(path, ns, name, value, out _));
                    lines.Add($"  {ns}.{name} {Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(value))}");
                }
            }
            if (st.Type == VType.VDIR)
                lines.AddRange(Describe(p, path));
        }
        return lines;
    }

    private static MemoryBlockDevice Copy(IBlockDevice from)
    {
        var to = new MemoryBlockDevice(from.Size);
        var buf = new byte[1 << 20];
        for (long off = 0; off < from.Size; off += buf.Length)
        {
            var chunk = buf.AsSpan(0, (int)Math.Min(buf.Length, from.Size - off));
            Ok(from.Read(off, chunk));
            Ok(to.Write(off, chunk));
        }
        return to;
    }

    private static bool SameBytes(IBlockDevice a, IBlockDevice b)
    {
        var x = new byte[1 << 20];
        var y = new byte[1 << 20];
        for (long off = 0; off < a.Size; off += x.Length)
        {
            int n = (int)Math.Min(x.Length, a.Size - off);
            Ok(a.Read(off, x.AsSpan(0, n)));
            Ok(b.Read(off, y.AsSpan(0, n)));
            if (!x.AsSpan(0, n).SequenceEqual(y.AsSpan(0, n)))
                return false;
        }
        return true;
    }

    [Property(MaxTest = 4, QuietOnSuccess = true)]
    public Property A_tree_reads_back_the_same_from_its_big_endian_twin() =>
        Prop.ForAll(Trees, items =>
        {
            var little = NewMemoryImage(32 << 20);
            using var h = new Host();
            Ok(h.Mount("little", "", MountFlags.None, little));
            Make(h.P, items);
            var expected = Describe(h.P, "/mnt");
            Ok(h.Umount());

            var big = Copy(little);
            Ok(ByteOrder.Convert(big, big: false, out var why), why);
            Assert.True(ByteOrder.IsSwapped(big));
            Assert.False(ByteOrder.IsSwapped(little));
            Ok(h.Mount("big", "", MountFlags.None, big), h.Log); // asked read-write: mounted read-only, with its line
            Assert.Contains(ByteOrder.MountedReadOnly, h.Log);
            Assert.Equal(expected, Describe(h.P, "/mnt"));
            Assert.Equal(Errno.EROFS, h.P.Mkdir("/mnt/new", 0x1ED));
            Assert.Equal(Errno.EROFS, h.P.ExtattrSetFile("/mnt", ExtattrNamespace.User, "x", new byte[1]));
            Ok(h.Umount());

            var r = Kit.Fsck(big);
            AssertClean(r);
            Assert.Equal(Errno.EROFS, UnixVfs.Ufs.Fsck.Run(big, true, out var ry));
            Assert.Contains("big-endian", ry.Summary);

            Ok(ByteOrder.Convert(big, big: true, out why), why);
            Assert.True(SameBytes(little, big), "swapping twice must give back the original image");
        });

    [Fact]
    public void The_Sleuth_Kit_reads_a_big_endian_image_from_vfs_newfs_as_it_reads_the_little_endian_one()
    {
        if (!HostTool.Exists("fls") || !HostTool.Exists("icat"))
        {
            _out.WriteLine("CANNOT RUN: fls/icat not installed (./test.sh installs sleuthkit as root).");
            return;
        }
        using var s = new Scratch();
        var image = NewImage(s, 64 << 20);
        using var h = new Host();
        Ok(h.Mount(image));
        var content = Bytes(3_000_000, 9); // 92 blocks: through the single indirect block
        Ok(h.P.Mkdir("/mnt/dir", 0x1ED));
        WriteFile(h.P, "/mnt/dir/big", content);
        for (int i = 0; i < 300; i++)
            WriteFile(h.P, $"/mnt/dir/n{i:D3}", Encoding.ASCII.GetBytes($"file {i}\n"));
        Ok(h.P.Symlink(new string('x', 200), "/mnt/long-link"));
        Ok(h.P.Symlink("dir/big", "/mnt/short-link"));
        Ok(h.P.ExtattrSetFile("/mnt/dir/big", ExtattrNamespace.User, "k", Bytes(100, 1)));
        Ok(h.P.Stat("/mnt/dir/big", out var st));
        Ok(h.Umount());
        var bigImage = s.File("big.img");
        File.Copy(image, bigImage);
        Ok(FileBlockDevice.Open(bigImage, false, out var dev));
        using (dev)
            Ok(ByteOrder.Convert(dev!, big: false, out var why), why);

        string listLittle = HostTool.Text("fls", "-r", "-p", image), listBig = HostTool.Text("fls", "-r", "-p", bigImage);
        Assert.Contains("dir/n299", listBig);
        Assert.Equal(listLittle, listBig);
        Assert.Equal(content, HostTool.Run("icat", bigImage, st!.Ino.ToString()).Out);
        // fsstat agrees on every group and count; only the superblock's "Last Written" differs, because The Sleuth Kit
        // reads 4 bytes of the 8-byte fs_time (the low half in little-endian order, the high half in big-endian).
        static string[] Facts(string image) =>
            HostTool.Text("fsstat", image).Split('\n').Where(l => !l.StartsWith("Last Written", StringComparison.Ordinal)).ToArray();
        Assert.Equal(Facts(image), Facts(bigImage));

        // newfs --endian big: an empty file system The Sleuth Kit and our mount both read.
        var made = s.File("made-big.img");
        Ok(FileBlockDevice.Create(made, 32 << 20, out var mdev));
        using (mdev)
            Ok(Newfs.Make(mdev!, new NewfsOptions { Size = 32 << 20, BigEndian = true }, new Timespec(1_700_000_000, 0), out _, out var mwhy), mwhy);
        Assert.Contains("lost+found", HostTool.Text("fls", "-p", made));
        using var h2 = new Host();
        Ok(h2.Mount(made));
        Assert.Contains(ByteOrder.MountedReadOnly, h2.Log);
        Assert.Equal(["lost+found"], List(h2.P, "/mnt").Select(d => d.Name).Where(n => n is not ("." or "..")));
        Ok(h2.Umount());
    }
}
