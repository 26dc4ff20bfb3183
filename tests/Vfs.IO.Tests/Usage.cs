// Tests of Vfs.IO: ordinary System.IO usage -- File, Directory, FileInfo, DirectoryInfo, Path and FileStream, the
// successes and the usual failures -- written once against IFileSystem, so that it runs on the real disk and on
// the model alike and the two records can be compared.
using System.Text;

[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // Unix file modes: the model, and these tests, are Linux's

namespace UnixVfs.IO.Tests;

public static class Usage
{
    private static readonly DateTime Stamp = new(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc);

    public static Outcomes Run(IFileSystem fs, string root)
    {
        var o = new Outcomes(root);
        string P(string rel) => fs.Path.Combine(root, rel);
        Files(fs, o, P);
        Directories(fs, o, P);
        Infos(fs, o, P);
        Streams(fs, o, P);
        Paths(fs, o, P);
        return o;
    }

    private static void Files(IFileSystem fs, Outcomes o, Func<string, string> P)
    {
        var f = fs.File;
        o.Do("write a.txt", () => f.WriteAllText(P("a.txt"), "hello"));
        o.Do("read a.txt", () => f.ReadAllText(P("a.txt")));
        o.Do("append a.txt", () => f.AppendAllText(P("a.txt"), "\nworld\n"));
        o.Do("lines a.txt", () => f.ReadAllLines(P("a.txt")).ToList().Count);
        o.Do("readlines a.txt", () => string.Join("|", f.ReadLines(P("a.txt"))));
        o.Do("bytes a.txt", () => f.ReadAllBytes(P("a.txt")));
        o.Do("write bytes b.bin", () => f.WriteAllBytes(P("b.bin"), [1, 2, 3, 0, 255]));
        o.Do("read bytes b.bin", () => f.ReadAllBytes(P("b.bin")));
        o.Do("append bytes b.bin", () => f.AppendAllBytes(P("b.bin"), [9]));
        o.Do("write lines c.txt", () => f.WriteAllLines(P("c.txt"), ["x", "y", "z"]));
        o.Do("read c.txt", () => f.ReadAllText(P("c.txt")));
        o.Do("write utf16", () => f.WriteAllText(P("u.txt"), "ünï", Encoding.Unicode));
        o.Do("read utf16", () => f.ReadAllText(P("u.txt")));
        o.Do("exists a.txt", () => f.Exists(P("a.txt")));
        o.Do("exists missing", () => f.Exists(P("missing")));
        o.Do("exists root (a directory)", () => f.Exists(P("")));
        o.Do("exists null", () => f.Exists(null));
        o.Do("read missing", () => f.ReadAllText(P("missing")));
        o.Do("read in missing dir", () => f.ReadAllText(P("nodir/x")));
        o.Do("write in missing dir", () => f.WriteAllText(P("nodir/x"), "x"));
        o.Do("read under a file", () => f.ReadAllText(P("a.txt/x")));
        o.Do("write under a file", () => f.WriteAllText(P("a.txt/x"), "x"));
        o.Do("exists under a file", () => f.Exists(P("a.txt/x")));
        o.Do("mkdir d", () => fs.Directory.CreateDirectory(P("d")));
        o.Do("read a directory", () => f.ReadAllText(P("d")));
        o.Do("write a directory", () => f.WriteAllText(P("d"), "x"));
        o.Do("read empty path", () => f.ReadAllText(""));
        o.Do("copy a b", () => f.Copy(P("a.txt"), P("b.txt")));
        o.Do("copy a b again", () => f.Copy(P("a.txt"), P("b.txt")));
        o.Do("copy a b overwrite", () => f.Copy(P("c.txt"), P("b.txt"), overwrite: true));
        o.Do("read b", () => f.ReadAllText(P("b.txt")));
        o.Do("copy missing", () => f.Copy(P("missing"), P("x.txt")));
        o.Do("copy into missing dir", () => f.Copy(P("a.txt"), P("nodir/x.txt")));
        o.Do("move b e", () => f.Move(P("b.txt"), P("e.txt")));
        o.Do("exists b after move", () => f.Exists(P("b.txt")));
        o.Do("move e a (exists)", () => f.Move(P("e.txt"), P("a.txt")));
        o.Do("move e a overwrite", () => f.Move(P("e.txt"), P("a.txt"), overwrite: true));
        o.Do("read a after move", () => f.ReadAllText(P("a.txt")));
        o.Do("move missing", () => f.Move(P("missing"), P("y.txt")));
        o.Do("move a directory as a file", () => f.Move(P("d"), P("d2")));
        o.Do("move into missing dir", () => f.Move(P("a.txt"), P("nodir/a.txt")));
        o.Do("delete c", () => f.Delete(P("c.txt")));
        o.Do("delete c again", () => f.Delete(P("c.txt")));
        o.Do("delete in missing dir", () => f.Delete(P("nodir/c.txt")));
        o.Do("delete a directory", () => f.Delete(P("d")));
        o.Do("attributes a", () => f.GetAttributes(P("a.txt")));
        o.Do("attributes d", () => f.GetAttributes(P("d")));
        o.Do("attributes missing", () => f.GetAttributes(P("missing")));
        o.Do("write .hidden", () => f.WriteAllText(P(".hidden"), "h"));
        o.Do("attributes .hidden", () => f.GetAttributes(P(".hidden")));
        o.Do("set readonly", () => f.SetAttributes(P("a.txt"), FileAttributes.ReadOnly));
        o.Do("attributes readonly", () => f.GetAttributes(P("a.txt")));
        o.Do("mode readonly", () => f.GetUnixFileMode(P("a.txt")));
        o.Do("clear readonly", () => f.SetAttributes(P("a.txt"), FileAttributes.Normal));
        o.Do("set mode 0640", () => f.SetUnixFileMode(P("a.txt"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead));
        o.Do("mode 0640", () => f.GetUnixFileMode(P("a.txt")));
        o.Do("mode missing", () => f.GetUnixFileMode(P("missing")));
        o.Do("set mtime", () => f.SetLastWriteTimeUtc(P("a.txt"), Stamp));
        o.Do("mtime", () => f.GetLastWriteTimeUtc(P("a.txt")));
        o.Do("set atime", () => f.SetLastAccessTimeUtc(P("a.txt"), Stamp.AddDays(1)));
        o.Do("atime", () => f.GetLastAccessTimeUtc(P("a.txt")));
        o.Do("mtime after atime", () => f.GetLastWriteTimeUtc(P("a.txt")));
        o.Do("mtime missing", () => f.GetLastWriteTimeUtc(P("missing")));
        o.Do("set mtime missing", () => f.SetLastWriteTimeUtc(P("missing"), Stamp));
        o.Do("symlink l -> a.txt", () => f.CreateSymbolicLink(P("l"), P("a.txt")));
        o.Do("exists l", () => f.Exists(P("l")));
        o.Do("read through l", () => f.ReadAllText(P("l")));
        o.Do("attributes l", () => f.GetAttributes(P("l")));
        o.Do("resolve l", () => f.ResolveLinkTarget(P("l"), returnFinalTarget: false));
        o.Do("resolve a.txt (no link)", () => f.ResolveLinkTarget(P("a.txt"), returnFinalTarget: true));
        o.Do("symlink l again", () => f.CreateSymbolicLink(P("l"), P("a.txt")));
        o.Do("write r1", () => f.WriteAllText(P("r1"), "new"));
        o.Do("replace a.txt by r1", () => f.Replace(P("r1"), P("a.txt"), P("a.bak")));
        o.Do("read a after replace", () => f.ReadAllText(P("a.txt")));
        o.Do("read backup", () => f.ReadAllText(P("a.bak")));
        o.Do("replace missing", () => f.Replace(P("r1"), P("a.txt"), null));
        o.Do("open text", () =>
        {
            using var r = f.OpenText(P("a.txt"));
            return r.ReadToEnd();
        });
        o.Do("create text + append text", () =>
        {
            using (var w = f.CreateText(P("t.txt")))
                w.Write("one");
            using (var w = f.AppendText(P("t.txt")))
                w.Write("two");
            return f.ReadAllText(P("t.txt"));
        });
    }

    private static void Directories(IFileSystem fs, Outcomes o, Func<string, string> P)
    {
        var d = fs.Directory;
        o.Do("mkdir -p x/y/z", () => d.CreateDirectory(P("x/y/z")));
        o.Do("mkdir existing", () => d.CreateDirectory(P("x/y")));
        o.Do("mkdir over a file", () => d.CreateDirectory(P("a.txt")));
        o.Do("mkdir under a file", () => d.CreateDirectory(P("a.txt/q")));
        o.Do("exists x/y", () => d.Exists(P("x/y")));
        o.Do("exists a.txt as dir", () => d.Exists(P("a.txt")));
        o.Do("write x/1.txt", () => fs.File.WriteAllText(P("x/1.txt"), "1"));
        o.Do("write x/y/2.txt", () => fs.File.WriteAllText(P("x/y/2.txt"), "2"));
        o.Do("write x/y/z/3.dat", () => fs.File.WriteAllText(P("x/y/z/3.dat"), "3"));
        o.Do("write x/.4.txt", () => fs.File.WriteAllText(P("x/.4.txt"), "4"));
        o.Do("files root", () => d.GetFiles(P("")));
        o.Do("dirs root", () => d.GetDirectories(P("")));
        o.Do("files *.txt", () => d.GetFiles(P(""), "*.txt"));
        o.Do("files x *.txt all", () => d.GetFiles(P("x"), "*.txt", SearchOption.AllDirectories));
        o.Do("files x * all", () => d.GetFiles(P("x"), "*", SearchOption.AllDirectories));
        o.Do("files x ?.txt", () => d.GetFiles(P("x"), "?.txt"));
        o.Do("files x *.* all", () => d.GetFiles(P("x"), "*.*", SearchOption.AllDirectories));
        o.Do("entries x default options", () => d.EnumerateFileSystemEntries(P("x"), "*", new EnumerationOptions { RecurseSubdirectories = true }));
        o.Do("entries x depth 1", () => d.EnumerateFileSystemEntries(P("x"), "*", new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 1 }));
        o.Do("dirs x all", () => d.GetDirectories(P("x"), "*", SearchOption.AllDirectories));
        o.Do("files y/*.txt pattern with a directory", () => d.GetFiles(P("x"), "y/*.txt"));
        o.Do("files missing dir", () => d.GetFiles(P("nodir")));
        o.Do("files of a file", () => d.GetFiles(P("a.txt")));
        o.Do("files under a file", () => d.GetFiles(P("a.txt/q")));
        o.Do("rmdir non-empty", () => d.Delete(P("x")));
        o.Do("rmdir a file", () => d.Delete(P("a.txt")));
        o.Do("rmdir missing", () => d.Delete(P("nodir")));
        o.Do("move x w", () => d.Move(P("x"), P("w")));
        o.Do("move w d (exists)", () => d.Move(P("w"), P("d")));
        o.Do("move missing", () => d.Move(P("nodir"), P("v")));
        o.Do("move w w", () => d.Move(P("w"), P("w")));
        o.Do("move a file", () => d.Move(P("t.txt"), P("t2.txt")));
        o.Do("files w all after move", () => d.GetFiles(P("w"), "*", SearchOption.AllDirectories));
        o.Do("parent of w/y", () => d.GetParent(P("w/y")));
        o.Do("set dir mtime", () => d.SetLastWriteTimeUtc(P("w"), Stamp));
        o.Do("dir mtime", () => d.GetLastWriteTimeUtc(P("w")));
        o.Do("symlink dl -> w", () => d.CreateSymbolicLink(P("dl"), P("w")));
        o.Do("exists dl", () => d.Exists(P("dl")));
        o.Do("files through dl", () => d.GetFiles(P("dl")).Length);
        o.Do("dirs root with dl", () => d.GetDirectories(P("")));
        o.Do("rm -r w", () => d.Delete(P("w"), recursive: true));
        o.Do("exists w", () => d.Exists(P("w")));
        o.Do("entries root", () => d.EnumerateFileSystemEntries(P("")));
    }

    private static void Infos(IFileSystem fs, Outcomes o, Func<string, string> P)
    {
        var fi = fs.FileInfo.New(P("info.txt"));
        o.Do("fi exists before", () => fi.Exists);
        o.Do("fi length missing", () => fi.Length);
        o.Do("fi name/ext/dir", () => $"{fi.Name} {fi.Extension} {fi.DirectoryName}");
        o.Do("fi create", () => fi.Create().Dispose());
        o.Do("fi exists (cached)", () => fi.Exists);
        o.Do("fi refresh exists", () =>
        {
            fi.Refresh();
            return fi.Exists;
        });
        o.Do("fi write", () => fs.File.WriteAllText(fi.FullName, "12345"));
        o.Do("fi length", () =>
        {
            fi.Refresh();
            return fi.Length;
        });
        o.Do("fi readonly", () =>
        {
            fi.IsReadOnly = true;
            fi.Refresh();
            bool ro = fi.IsReadOnly;
            fi.IsReadOnly = false;
            return ro;
        });
        o.Do("fi copyto", () => fi.CopyTo(P("info2.txt")));
        o.Do("fi copyto again", () => fi.CopyTo(P("info2.txt")));
        o.Do("fi moveto", () =>
        {
            fi.MoveTo(P("info3.txt"));
            return fi.FullName;
        });
        o.Do("fi directory", () => fi.Directory);
        o.Do("fi delete", () => fi.Delete());
        o.Do("fi exists after delete", () =>
        {
            fi.Refresh();
            return fi.Exists;
        });
        o.Do("fi of a directory: exists", () => fs.FileInfo.New(P("d")).Exists);
        o.Do("fi of a directory: length", () => fs.FileInfo.New(P("d")).Length);

        var di = fs.DirectoryInfo.New(P("dd"));
        o.Do("di exists before", () => di.Exists);
        o.Do("di create", () => di.Create());
        o.Do("di refresh exists", () =>
        {
            di.Refresh();
            return di.Exists;
        });
        o.Do("di name/parent", () => $"{di.Name} {di.Parent?.Name}");
        o.Do("di subdir", () => di.CreateSubdirectory("s/t"));
        o.Do("di file", () => fs.File.WriteAllText(fs.Path.Combine(di.FullName, "f.txt"), "f"));
        o.Do("di files", () => di.GetFiles().Select(f => f.Name));
        o.Do("di files all", () => di.GetFiles("*", SearchOption.AllDirectories).Select(f => f.Name));
        o.Do("di dirs", () => di.EnumerateDirectories().Select(x => x.Name));
        o.Do("di infos", () => di.GetFileSystemInfos());
        o.Do("di moveto", () =>
        {
            di.MoveTo(P("de"));
            return di.FullName;
        });
        o.Do("di delete non-empty", () => di.Delete());
        o.Do("di delete recursive", () => di.Delete(recursive: true));
        o.Do("di exists after", () =>
        {
            di.Refresh();
            return di.Exists;
        });
        o.Do("di of missing: files", () => fs.DirectoryInfo.New(P("nodir")).GetFiles());
        o.Do("di of a file: exists", () => fs.DirectoryInfo.New(P("a.txt")).Exists);
        o.Do("di trailing slash name", () => fs.DirectoryInfo.New(P("d") + "/").Name);
    }

    private static void Streams(IFileSystem fs, Outcomes o, Func<string, string> P)
    {
        o.Do("stream create/write/seek/read", () =>
        {
            using var s = fs.FileStream.New(P("s.bin"), FileMode.Create);
            s.Write([1, 2, 3, 4, 5, 6, 7, 8]);
            long afterWrite = s.Position;
            s.Seek(2, SeekOrigin.Begin);
            var buf = new byte[3];
            int n = s.Read(buf);
            s.Seek(-1, SeekOrigin.End);
            int last = s.ReadByte();
            int eof = s.ReadByte();
            s.SetLength(4);
            return $"{afterWrite} {n} {Convert.ToHexString(buf)} {last} {eof} {s.Length} {s.Position} {s.CanRead}{s.CanWrite}{s.CanSeek}";
        });
        o.Do("stream name", () =>
        {
            using var s = fs.FileStream.New(P("s.bin"), FileMode.Open, FileAccess.Read);
            return s.Name;
        });
        o.Do("stream createnew existing", () => fs.FileStream.New(P("s.bin"), FileMode.CreateNew).Dispose());
        o.Do("stream truncate missing", () => fs.FileStream.New(P("nothere"), FileMode.Truncate).Dispose());
        o.Do("stream open missing", () => fs.FileStream.New(P("nothere"), FileMode.Open).Dispose());
        o.Do("stream append read", () => fs.FileStream.New(P("s.bin"), FileMode.Append, FileAccess.ReadWrite).Dispose());
        o.Do("stream read on write-only", () =>
        {
            using var s = fs.File.OpenWrite(P("s.bin"));
            return s.ReadByte();
        });
        o.Do("stream write on read-only", () =>
        {
            using var s = fs.File.OpenRead(P("s.bin"));
            s.WriteByte(1);
        });
        o.Do("stream seek before start", () =>
        {
            using var s = fs.File.OpenRead(P("s.bin"));
            return s.Seek(-1, SeekOrigin.Begin);
        });
        o.Do("stream append", () =>
        {
            using (var s = fs.File.Open(P("s.bin"), FileMode.Append))
                s.Write([9, 9]);
            return fs.File.ReadAllBytes(P("s.bin"));
        });
        o.Do("stream truncate", () =>
        {
            using (var s = fs.File.Open(P("s.bin"), FileMode.Truncate, FileAccess.Write))
                s.WriteByte(7);
            return fs.File.ReadAllBytes(P("s.bin"));
        });
        o.Do("stream openorcreate keeps", () =>
        {
            using (var s = fs.File.Open(P("s.bin"), FileMode.OpenOrCreate))
                s.WriteByte(8);
            return fs.File.ReadAllBytes(P("s.bin"));
        });
        o.Do("stream read after dispose", () =>
        {
            var s = fs.File.OpenRead(P("s.bin"));
            s.Dispose();
            return s.ReadByte();
        });
        o.Do("stream options", () =>
        {
            using var s = fs.FileStream.New(P("opt.bin"), new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.ReadWrite });
            s.Write([4, 2]);
            return s.Length;
        });
        o.Do("stream async", () =>
        {
            using var s = fs.File.Open(P("async.bin"), FileMode.Create);
            s.WriteAsync(new byte[] { 5, 6 }).AsTask().GetAwaiter().GetResult();
            s.Position = 0;
            var buf = new byte[4];
            return s.ReadAsync(buf).AsTask().GetAwaiter().GetResult();
        });
        o.Do("text async", () =>
        {
            fs.File.WriteAllTextAsync(P("async.txt"), "abc").GetAwaiter().GetResult();
            return fs.File.ReadAllTextAsync(P("async.txt")).GetAwaiter().GetResult();
        });
    }

    private static void Paths(IFileSystem fs, Outcomes o, Func<string, string> P)
    {
        var p = fs.Path;
        o.Do("path combine", () => p.Combine("a", "b", "c.txt"));
        o.Do("path parts", () => $"{p.GetFileName("/x/y.tar.gz")} {p.GetExtension("/x/y.tar.gz")} {p.GetFileNameWithoutExtension("/x/y.tar.gz")} {p.GetDirectoryName("/x/y.tar.gz")}");
        o.Do("path change extension", () => p.ChangeExtension("/x/y.txt", ".md"));
        o.Do("path rooted", () => $"{p.IsPathRooted("/x")} {p.IsPathRooted("x")} {p.IsPathFullyQualified("/x")}");
        o.Do("path full of absolute", () => p.GetFullPath(P("x/../a.txt")));
        o.Do("path exists", () => $"{p.Exists(P("a.txt"))} {p.Exists(P("d"))} {p.Exists(P("missing"))}");
        o.Do("path separators", () => $"{p.DirectorySeparatorChar}{p.AltDirectorySeparatorChar}{p.PathSeparator}{p.VolumeSeparatorChar}");
        o.Do("path join", () => p.Join("a/", "/b"));
    }
}
