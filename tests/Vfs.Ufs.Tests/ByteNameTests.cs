// Tests of Vfs.Ufs: names are bytes on disk (docs/ufs.md, "Names"). A file of any byte name is written to a UFS2 image
// through the system calls; The Sleuth Kit's fls, which reads the image with its own code, must list exactly those
// bytes, and a fresh mount lists, finds and removes the file by the name readdir gives. What if a name is not UTF-8?
// Before names were bytes, "g\x81" went to disk as "g\xef\xbf\xbd" (U+FFFD), and a FreeBSD file named "g\x81"
// could not be reached at all.
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using UnixVfs.Core;
using UnixVfs.Testing;
using static UnixVfs.Ufs.Tests.Kit;

namespace UnixVfs.Ufs.Tests;

public class ByteNameTests
{
    /// <summary>
    /// Byte names without control characters, which fls prints as '^' (The Sleuth Kit's own choice, so the test
    /// could not tell its bytes): up to 8 distinct names at a time.
    /// </summary>
    private static Arbitrary<byte[][]> NameSets() => Arb.From(
        ByteNames.Names.Where(n => !n.Any(b => b < 0x20 || b == 0x7F)).ArrayOf()
            .Select(a => a.Take(8).DistinctBy(Convert.ToHexString).Where(n => !n.AsSpan().SequenceEqual("lost+found"u8)).ToArray())
            .Where(a => a.Length > 0));

    [Property(MaxTest = 10, Replay = "(20261202,7)")]
    public Property The_Sleuth_Kit_lists_the_bytes_of_every_name_and_a_remount_reaches_each() =>
        Prop.ForAll(NameSets(), names =>
        {
            Assert.True(HostTool.Exists("fls"), "fls not installed (./test.sh installs sleuthkit)");
            using var s = new Scratch();
            var image = NewImage(s, 16L << 20);
            var ino = new Dictionary<string, ulong>();
            using (var h = new Host())
            {
                Ok(h.Mount(image));
                foreach (var name in names)
                {
                    WriteFile(h.P, "/mnt/" + FsName.Decode(name), name);
                    Ok(h.P.Lstat("/mnt/" + FsName.Decode(name), out var st));
                    ino[Convert.ToHexString(name)] = st!.Ino;
                }
                Ok(h.Umount());
            }
            AssertClean(Fsck(image));

            var (code, output, err) = HostTool.Run("fls", "-f", "ufs2", image);
            Assert.True(code == 0, err);
            foreach (var name in names)
            {
                byte[] line = [.. System.Text.Encoding.ASCII.GetBytes($"r/r {ino[Convert.ToHexString(name)]}:\t"), .. name, (byte)'\n'];
                Assert.True(output.AsSpan().IndexOf(line) >= 0, $"fls does not list {ByteNames.Hex(name)}");
            }

            using (var h = new Host())
            {
                Ok(h.Mount(image));
                var listed = List(h.P, "/mnt").Select(d => d.Name).Where(n => n is not ("." or ".." or "lost+found")).ToList();
                Assert.Equal(names.Select(Convert.ToHexString).Order(), listed.Select(n => Convert.ToHexString(FsName.Encode(n)!)).Order());
                foreach (var n in listed)
                {
                    Assert.Equal(FsName.Encode(n), ReadFile(h.P, "/mnt/" + n));
                    Ok(h.P.Unlink("/mnt/" + n));
                }
                Ok(h.Umount());
            }
            AssertClean(Fsck(image));
        });
}
