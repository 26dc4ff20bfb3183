// Vfs.Sim conformance: the fixed cases, in the manner of Go's testing/fstest.TestFS -- each builds a small tree on
// a fresh instance through system calls, then checks one family of rules on all of it: every name readdir gives
// looks up to the inode it named (whatever the readdir buffer), stat/lstat/fstat agree, a file reads the same at
// every offset and in chunks of every size, holes and truncations read as zeros, rename keeps its rules, link
// counts follow links, unlinks and subdirectories, and names and link texts keep every byte up to their limits.
//
// A check throws a ConformanceException at the first disagreement; Conformance.Run turns it into the report.
using System.Text;
using UnixVfs.Sim.Model;

namespace UnixVfs.Sim.Conformance;

/// <summary>A rule the file system broke (a fixed check's failure).</summary>
public sealed class ConformanceException(string message) : Exception(message);

/// <summary>The fixed checks. Each gets a process of a fresh instance, with /m empty.</summary>
internal static class FixedChecks
{
    private const string M = FsModel.Mnt;

    // ---- the tree the checks share ----

    /// <summary>Names that stress directories: short, a space, two-byte UTF-8, and the longest a name may be.</summary>
    private static readonly string[] Names = ["a", "b c", "é", new string('n', Limits.NameMax)];

    /// <summary>/m with files, a subdirectory tree, a hard link and symbolic links (one dangling).</summary>
    private static void MakeTree(Process p)
    {
        Need(p.Mkdir(M + "/d", 0x1ED), "mkdir d");
        Need(p.Mkdir(M + "/d/e", 0x1C0), "mkdir d/e");
        foreach (var n in Names)
            WriteFile(p, M + "/" + n, Pattern(n.Length * 3, 1));
        for (int i = 0; i < 40; i++)
            WriteFile(p, $"{M}/d/f{i:D2}", Pattern(i * 100, i));
        Need(p.Link(M + "/a", M + "/d/e/hard"), "link a d/e/hard");
        Need(p.Symlink("a", M + "/sym"), "symlink");
        Need(p.Symlink("/m/nowhere", M + "/d/dangling"), "symlink dangling");
    }

    // ---- readdir and lookup ----

    /// <summary>
    /// Every directory lists each name once, "." and ".." included, the same with a buffer of one entry as with a big
    /// one; every name looks up, and its d_ino and d_type are what lstat says; "." is the directory, ".." its parent.
    /// </summary>
    public static void ReaddirLookup(Process p)
    {
        MakeTree(p);
        foreach (var dir in Directories(p, M))
        {
            var big = ReadDir(p, dir, 1 << 16);
            var small = ReadDir(p, dir, Dirent64.RecLen(Limits.NameMax));
            Check(big.Select(d => d.Name).SequenceEqual(small.Select(d => d.Name)),
                $"{dir}: readdir with a one-entry buffer gives [{Join(small)}], with a big one [{Join(big)}]");
            Check(big.Select(d => d.Name).Distinct().Count() == big.Count, $"{dir}: a name listed twice: [{Join(big)}]");
            Check(big.Any(d => d.Name == ".") && big.Any(d => d.Name == ".."), $"{dir}: no . or ..: [{Join(big)}]");
            Need(p.Lstat(dir, out var self), "lstat " + dir);
            Need(p.Lstat(dir + "/..", out var parent), "lstat " + dir + "/..");
            foreach (var d in big)
            {
                string path = dir + "/" + d.Name;
                Need(p.Lstat(path, out var st), "lstat " + path);
                ulong want = d.Name switch { "." => self!.Ino, ".." => parent!.Ino, _ => st!.Ino };
                Check(d.Ino == want, $"{path}: readdir says inode {d.Ino}, lstat {want}");
                Check(d.Type == VType.VNON || d.Type == st!.Type, $"{path}: readdir says {d.Type}, lstat {st!.Type}");
            }
            Check(p.Lstat(dir + "/not-there", out _) == Errno.ENOENT, $"{dir}/not-there: lstat is not ENOENT");
        }
        var top = ReadDir(p, M, 1 << 16).Select(d => d.Name).Where(n => n is not ("." or "..") && !Hidden(n)).Order(StringComparer.Ordinal);
        var made = Names.Concat(["d", "sym"]).Order(StringComparer.Ordinal);
        Check(top.SequenceEqual(made), $"{M} lists [{string.Join(' ', top)}], made [{string.Join(' ', made)}]");
    }

    // ---- stat ----

    /// <summary>stat, lstat, fstat and the names of one file agree on everything but the times; modes are kept; a directory's links count its subdirectories.</summary>
    public static void StatAgreement(Process p, int hiddenTopDirectories)
    {
        MakeTree(p);
        Need(p.Chmod(M + "/a", 0x1A0), "chmod a 0640");
        foreach (var path in AllPaths(p, M))
        {
            Need(p.Lstat(path, out var l), "lstat " + path);
            var err = p.Stat(path, out var s);
            if (l!.Type == VType.VLNK)
            {
                Need(p.Readlink(path, out string target), "readlink " + path);
                Check(l.Size == FsName.ByteCount(target), $"{path}: lstat size {l.Size}, the link's text is {FsName.ByteCount(target)} bytes");
                if (err == Errno.OK)
                    Check(s!.Type != VType.VLNK && s.Ino != l.Ino, $"{path}: stat did not follow the link");
                else
                    Check(err == Errno.ENOENT, $"{path}: stat of a dangling link returned {err}");
                continue;
            }
            Need(err, "stat " + path);
            Same(path, "stat", s!, "lstat", l);
            Need(p.Open(path, l.Type == VType.VDIR ? OFlags.O_RDONLY | OFlags.O_DIRECTORY : OFlags.O_RDONLY, 0, out int fd), "open " + path);
            try
            {
                Need(p.Fstat(fd, out var f), "fstat " + path);
                Same(path, "fstat", f!, "lstat", l);
            }
            finally
            {
                p.Close(fd);
            }
            if (l.Type == VType.VDIR)
            {
                int subdirs = ReadDir(p, path, 1 << 16).Count(d => d.Name is not ("." or "..")
                    && p.Lstat(path + "/" + d.Name, out var c) == Errno.OK && c!.Type == VType.VDIR);
                if (path == M)
                    subdirs += hiddenTopDirectories;
                Check(l.Nlink == 2 + subdirs, $"{path}: nlink {l.Nlink}, but it has {subdirs} subdirectories");
            }
        }
        Need(p.Stat(M + "/a", out var a), "stat a");
        Check(a!.Perm == 0x1A0, $"a: mode {Convert.ToString(a.Perm, 8)} after chmod 0640");
        Check(a.Size == 3 && a.Nlink == 2, $"a: size {a.Size} nlink {a.Nlink}, expected 3 and 2");
        Need(p.Stat(M + "/d/e", out var e), "stat d/e");
        Check(e!.Perm == 0x1C0, $"d/e: mode {Convert.ToString(e.Perm, 8)}, made 0700");
        Need(p.Stat(M + "/d/e/hard", out var h), "stat d/e/hard");
        Check(h!.Ino == a.Ino, "d/e/hard and a are not one inode");
    }

    private static void Same(string path, string what, Stat x, string other, Stat y) =>
        Check(x.Ino == y.Ino && x.Type == y.Type && x.Mode == y.Mode && x.Nlink == y.Nlink && x.Uid == y.Uid && x.Gid == y.Gid
              && (x.Type == VType.VDIR || x.Size == y.Size),
            $"{path}: {what} says ino={x.Ino} {x.Type} mode={Convert.ToString(x.Mode, 8)} nlink={x.Nlink} {x.Uid}:{x.Gid} size={x.Size}, " +
            $"{other} ino={y.Ino} {y.Type} mode={Convert.ToString(y.Mode, 8)} nlink={y.Nlink} {y.Uid}:{y.Gid} size={y.Size}");

    // ---- reading ----

    /// <summary>A file of a page and a bit reads right at every offset (one byte, and a page that crosses the end), and in chunks of every size.</summary>
    public static void ReadAtEveryOffset(Process p)
    {
        var data = Pattern(4096 + 1000, 7);
        WriteFile(p, M + "/f", data);
        Need(p.Open(M + "/f", OFlags.O_RDONLY, 0, out int fd), "open f");
        try
        {
            var one = new byte[1];
            var page = new byte[4096];
            for (int off = 0; off <= data.Length + 1; off++)
            {
                Need(p.Pread(fd, one, off, out int n), $"pread 1 at {off}");
                Check(off < data.Length ? n == 1 && one[0] == data[off] : n == 0, $"pread(1, {off}) gave {n} bytes ({(n > 0 ? one[0] : 0)}), the file has {(off < data.Length ? data[off] : "none")}");
                if (off % 61 != 0 && off < data.Length - 64)
                    continue;
                Need(p.Pread(fd, page, off, out n), $"pread 4096 at {off}");
                int want = Math.Max(0, Math.Min(page.Length, data.Length - off));
                Check(n == want && page.AsSpan(0, n).SequenceEqual(data.AsSpan(Math.Min(off, data.Length), want)), $"pread(4096, {off}) gave {n} bytes that differ from the file's {want}");
            }
            foreach (int chunk in new[] { 3, 512, 4095, 4096, 4097, 20000 })
            {
                Need(p.Lseek(fd, 0, Whence.SEEK_SET, out _), "lseek 0");
                var got = new List<byte>();
                var buf = new byte[chunk];
                while (true)
                {
                    Need(p.Read(fd, buf, out int n), $"read {chunk}");
                    if (n == 0)
                        break;
                    got.AddRange(buf.AsSpan(0, n).ToArray());
                }
                Check(got.Count == data.Length && got.SequenceEqual(data), $"reading in chunks of {chunk} gave {got.Count} bytes that differ from the file's {data.Length}");
            }
            Need(p.Lseek(fd, -10, Whence.SEEK_END, out long at), "lseek -10 from the end");
            Check(at == data.Length - 10, $"lseek(-10, SEEK_END) = {at}, the file has {data.Length} bytes");
        }
        finally
        {
            p.Close(fd);
        }
    }

    /// <summary>Writes far beyond the end leave holes that read as zeros; truncations down then up never bring old bytes back.</summary>
    public static void Holes(Process p)
    {
        const long mb = 1 << 20;
        var expect = new byte[5 * mb + 4096];
        Need(p.Open(M + "/h", OFlags.O_RDWR | OFlags.O_CREAT, 0x1A4, out int fd), "open h");
        try
        {
            void Put(long off, byte[] bytes)
            {
                Need(p.Pwrite(fd, bytes, off, out int n), $"pwrite at {off}");
                Check(n == bytes.Length, $"pwrite at {off} wrote {n} of {bytes.Length}");
                bytes.CopyTo(expect.AsSpan((int)off));
            }
            void Expect(long size, string when)
            {
                Need(p.Fstat(fd, out var st), "fstat h");
                Check(st!.Size == size, $"{when}: size {st.Size}, expected {size}");
                var buf = new byte[size + 10];
                Need(p.Pread(fd, buf, 0, out int n), "pread h");
                Check(n == size, $"{when}: read {n} bytes of {size}");
                for (int i = 0; i < n; i++)
                    Check(buf[i] == expect[i], $"{when}: byte {i} is {buf[i]}, expected {expect[i]}");
            }
            Put(0, [0x41]);
            Put(mb + 100, Pattern(4096, 3));
            Put(5 * mb, Pattern(4096, 9));
            Expect(5 * mb + 4096, "after writes at 0, 1 MiB + 100 and 5 MiB");
            Need(p.Ftruncate(fd, mb + 150), "ftruncate 1 MiB + 150");
            expect.AsSpan((int)(mb + 150)).Clear();
            Expect(mb + 150, "after ftruncate to 1 MiB + 150");
            Need(p.Ftruncate(fd, 2 * mb), "ftruncate 2 MiB");
            Expect(2 * mb, "after ftruncate up to 2 MiB (no old bytes may come back)");
            Need(p.Truncate(M + "/h", 10), "truncate 10");
            expect.AsSpan(10).Clear();
            Need(p.Truncate(M + "/h", 8192), "truncate 8192");
            Expect(8192, "after truncate to 10 and up to 8192");
            Need(p.Ftruncate(fd, 0), "ftruncate 0");
            Expect(0, "after ftruncate to 0");
        }
        finally
        {
            p.Close(fd);
        }
    }

    // ---- names ----

    /// <summary>rename(2): what replaces what, the errnos of the forbidden cases (nothing changed), and a moved directory's "..".</summary>
    public static void RenameRules(Process p)
    {
        MakeTree(p);
        Need(p.Mkdir(M + "/empty", 0x1ED), "mkdir empty");
        Need(p.Mkdir(M + "/full", 0x1ED), "mkdir full");
        WriteFile(p, M + "/full/x", [1]);
        Errno Rename(string a, string b) => p.Rename(M + "/" + a, M + "/" + b);
        Check(Rename("d", "d/e/inside") == Errno.EINVAL, "a directory renamed into itself is not EINVAL");
        Check(Rename("d", "full") is Errno.ENOTEMPTY or Errno.EEXIST, "a directory renamed over a non-empty one is not ENOTEMPTY");
        Check(Rename("d", "b c") == Errno.ENOTDIR, "a directory renamed over a file is not ENOTDIR");
        Check(Rename("b c", "empty") == Errno.EISDIR, "a file renamed over a directory is not EISDIR");
        Check(Rename("nothing", "z") == Errno.ENOENT, "renaming what does not exist is not ENOENT");
        Check(Rename("a", "nodir/a") == Errno.ENOENT, "renaming into a missing directory is not ENOENT");
        Check(Rename("a", "b c/a") == Errno.ENOTDIR, "renaming under a file is not ENOTDIR");
        Check(Rename("d/.", "x") is Errno.EINVAL or Errno.EBUSY, "renaming \".\" is allowed");
        foreach (var n in new[] { "a", "b c", "d", "empty", "full/x", "d/e/hard" })
            Check(p.Lstat(M + "/" + n, out _) == Errno.OK, $"a refused rename lost {n}");

        Need(Rename("a", "d/e/hard"), "rename a onto its own hard link");
        Check(p.Lstat(M + "/a", out var a) == Errno.OK && a!.Nlink == 2, "rename onto the same file's other name changed something");
        Need(p.Stat(M + "/é", out var before), "stat é");
        Need(Rename("é", "b c"), "rename a file over another");
        Need(p.Stat(M + "/b c", out var after), "stat b c");
        Check(after!.Ino == before!.Ino && p.Lstat(M + "/é", out _) == Errno.ENOENT, "the renamed file did not replace the target");
        Need(p.Stat(M + "/d", out var d), "stat d");
        Need(p.Stat(M, out var top), "stat /m");
        Need(Rename("d", "empty"), "rename a directory over an empty one");
        Need(p.Stat(M + "/empty", out var moved), "stat empty");
        Check(moved!.Ino == d!.Ino, "the renamed directory did not replace the empty one");
        Need(Rename("empty/e", "full/e"), "rename a directory to another parent");
        Need(p.Stat(M + "/full/e/..", out var dotdot), "stat full/e/..");
        Need(p.Stat(M + "/full", out var full), "stat full");
        Check(dotdot!.Ino == full!.Ino, "a moved directory's .. still names its old parent");
        Need(p.Stat(M + "/empty", out var oldParent), "stat empty");
        Check(oldParent!.Nlink == 2 && full.Nlink == 3, $"after moving a subdirectory: old parent nlink {oldParent.Nlink} (want 2), new parent {full.Nlink} (want 3)");
        Need(p.Stat(M, out var top2), "stat /m");
        Check(top2!.Nlink == top!.Nlink - 1, $"/m nlink {top2.Nlink} after renaming a directory over another, was {top.Nlink}");
        Check(p.Stat(M + "/full/e/hard", out var hard) == Errno.OK && hard!.Ino == a!.Ino, "a moved directory lost its file");
    }

    /// <summary>Link counts: link, unlink, mkdir, rmdir, symlink; a directory cannot be linked.</summary>
    public static void LinkCounts(Process p)
    {
        WriteFile(p, M + "/f", Pattern(100, 2));
        uint Links(string n) => p.Lstat(M + "/" + n, out var st) == Errno.OK ? st!.Nlink : 0;
        Check(Links("f") == 1, $"a new file has {Links("f")} links");
        Need(p.Link(M + "/f", M + "/g"), "link f g");
        Need(p.Mkdir(M + "/d", 0x1ED), "mkdir d");
        Need(p.Link(M + "/f", M + "/d/h"), "link f d/h");
        Check(Links("f") == 3 && Links("g") == 3 && Links("d/h") == 3, $"three names: nlink {Links("f")}");
        Check(p.Link(M + "/f", M + "/g") == Errno.EEXIST, "link over an existing name is not EEXIST");
        Check(p.Link(M + "/d", M + "/d2") == Errno.EPERM, "a directory can be hard-linked");
        Need(p.Unlink(M + "/g"), "unlink g");
        Check(Links("f") == 2, $"after an unlink: nlink {Links("f")}, want 2");
        Check(Links("d") == 2, $"a directory without subdirectories has {Links("d")} links");
        Need(p.Mkdir(M + "/d/s1", 0x1ED), "mkdir d/s1");
        Need(p.Mkdir(M + "/d/s2", 0x1ED), "mkdir d/s2");
        Check(Links("d") == 4, $"with two subdirectories: nlink {Links("d")}, want 4");
        Need(p.Rmdir(M + "/d/s1"), "rmdir d/s1");
        Check(Links("d") == 3, $"after an rmdir: nlink {Links("d")}, want 3");
        Need(p.Symlink("f", M + "/l"), "symlink");
        Check(Links("l") == 1 && Links("f") == 2, "a symlink changed the link count of its target, or has more than one");
    }

    /// <summary>An open file whose every name is removed lives on: nlink 0, and it reads and writes its own bytes.</summary>
    public static void OpenUnlinked(Process p)
    {
        WriteFile(p, M + "/f", Pattern(100, 2));
        Need(p.Link(M + "/f", M + "/h"), "link f h");
        Need(p.Open(M + "/f", OFlags.O_RDWR, 0, out int fd), "open f");
        try
        {
            Need(p.Unlink(M + "/f"), "unlink f");
            Need(p.Unlink(M + "/h"), "unlink h");
            Need(p.Fstat(fd, out var st), "fstat of an unlinked file");
            Check(st!.Nlink == 0, $"an open file with no names left has nlink {st.Nlink}");
            Need(p.Pwrite(fd, new byte[] { 9, 9 }, 100, out _), "pwrite to an unlinked file");
            var buf = new byte[200];
            Need(p.Pread(fd, buf, 0, out int n), "pread of an unlinked file");
            Check(n == 102 && buf[0] == Pattern(100, 2)[0] && buf[101] == 9, $"an unlinked open file reads {n} bytes, not its own 102");
        }
        finally
        {
            p.Close(fd);
        }
    }

    /// <summary>A name of NAME_MAX bytes works, one more is ENAMETOOLONG; link texts of every interesting length read back whole.</summary>
    public static void LongNames(Process p)
    {
        foreach (var name in new[] { new string('x', Limits.NameMax), new string('é', Limits.NameMax / 2) })
        {
            WriteFile(p, M + "/" + name, [1, 2, 3]);
            Need(p.Stat(M + "/" + name, out var st), $"stat a {FsName.ByteCount(name)}-byte name");
            Check(st!.Size == 3, "a long name's file lost its bytes");
            Need(p.Rename(M + "/" + name, M + "/" + name[..^1] + "z"), "rename a long name");
            Need(p.Unlink(M + "/" + name[..^1] + "z"), "unlink a long name");
        }
        string tooLong = new('y', Limits.NameMax + 1);
        Check(p.Open(M + "/" + tooLong, OFlags.O_CREAT | OFlags.O_WRONLY, 0x1A4, out _) == Errno.ENAMETOOLONG, "a 256-byte name is not ENAMETOOLONG");
        Check(p.Mkdir(M + "/" + tooLong, 0x1ED) == Errno.ENAMETOOLONG, "mkdir of a 256-byte name is not ENAMETOOLONG");
        // UFS keeps texts up to 119 bytes in the inode and longer ones in a block: both sides of that line, and long ones.
        foreach (int len in new[] { 1, 59, 60, 119, 120, 121, 200, 1000, 1023 })
        {
            string target = string.Concat(Enumerable.Range(0, len).Select(i => (char)('a' + i % 26)));
            string link = $"{M}/l{len}";
            Need(p.Symlink(target, link), $"symlink of {len} bytes");
            Need(p.Readlink(link, out string got), $"readlink of {len} bytes");
            Check(got == target, $"a {len}-byte link text reads back as {FsName.ByteCount(got)} bytes");
            Need(p.Lstat(link, out var st), "lstat " + link);
            Check(st!.Size == len, $"a {len}-byte link has size {st.Size}");
        }
    }

    // ---- helpers ----

    /// <summary>Names a file system keeps at the top for itself: UFS's lost+found, a mirror copy's .mfs.</summary>
    private static bool Hidden(string name) => name is "lost+found" or ".mfs";

    private static List<Dirent> ReadDir(Process p, string dir, int bufSize)
    {
        Need(p.Open(dir, OFlags.O_RDONLY | OFlags.O_DIRECTORY, 0, out int fd), "open " + dir);
        try
        {
            var list = new List<Dirent>();
            var buf = new byte[bufSize];
            while (true)
            {
                Need(p.Getdents(fd, buf, out int n), $"getdents {dir} ({bufSize}-byte buffer)");
                if (n == 0)
                    return list;
                list.AddRange(Dirent64.Parse(buf.AsSpan(0, n)));
                Check(list.Count < 10_000, $"{dir}: readdir does not end");
            }
        }
        finally
        {
            p.Close(fd);
        }
    }

    private static List<string> AllPaths(Process p, string dir)
    {
        var list = new List<string> { dir };
        foreach (var d in ReadDir(p, dir, 1 << 16).Where(d => d.Name is not ("." or "..") && !(dir == M && Hidden(d.Name))))
        {
            string path = dir + "/" + d.Name;
            Need(p.Lstat(path, out var st), "lstat " + path);
            if (st!.Type == VType.VDIR)
                list.AddRange(AllPaths(p, path));
            else
                list.Add(path);
        }
        return list;
    }

    private static IEnumerable<string> Directories(Process p, string dir) =>
        AllPaths(p, dir).Where(path => p.Lstat(path, out var st) == Errno.OK && st!.Type == VType.VDIR).ToList();

    private static string Join(List<Dirent> list) => string.Join(' ', list.Select(d => d.Name));

    private static byte[] Pattern(int n, int seed)
    {
        var b = new byte[n];
        for (int i = 0; i < n; i++)
            b[i] = (byte)(i * 7 + i / 251 + seed * 13 + 1);
        return b;
    }

    private static void WriteFile(Process p, string path, byte[] data)
    {
        Need(p.Open(path, OFlags.O_CREAT | OFlags.O_WRONLY | OFlags.O_TRUNC, 0x1A4, out int fd), "create " + path);
        try
        {
            Need(p.Write(fd, data, out int n), "write " + path);
            Check(n == data.Length, $"write {path}: {n} of {data.Length} bytes");
        }
        finally
        {
            p.Close(fd);
        }
    }

    private static void Need(Errno e, string what)
    {
        if (e != Errno.OK)
            throw new ConformanceException($"{what} returned {e}");
    }

    private static void Check(bool ok, string problem)
    {
        if (!ok)
            throw new ConformanceException(problem);
    }
}
