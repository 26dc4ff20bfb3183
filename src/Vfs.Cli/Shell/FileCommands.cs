// Vfs.Cli / shell: file commands -- ls, cat, echo, write, cp, mkdir, rm, rmdir, mv, ln, stat, df, cd, pwd,
// chmod, touch, open, close -- each a thin wrapper over the system calls of the current host's process.
using System.Text;
using UnixVfs.Core;

namespace UnixVfs.Cli.Shell;

internal static class FileCommands
{
    public static void Register(Shell sh)
    {
        sh.Register("ls", "ls [-l] [-a] [PATH...]", "list directories", Ls);
        sh.Register("cat", "cat FILE...", "print files", Cat);
        sh.Register("echo", "echo WORDS... [> FILE]", "print words (into a file with >)", (c, a) => c.Out.WriteLine(string.Join(' ', a)));
        sh.Register("write", "write FILE BYTES [SEED]", "write a file of BYTES pseudo-random bytes", Write);
        sh.Register("cp", "cp SRC DST", "copy a file", Cp);
        sh.Register("mkdir", "mkdir [-p] DIR...", "make directories", Mkdir);
        sh.Register("rm", "rm [-rf] PATH...", "remove files (and directories with -r; -f: a missing one is no error)", Rm);
        sh.Register("rmdir", "rmdir DIR...", "remove empty directories", (c, a) => Each(c, a, p => c.P.Rmdir(p)));
        sh.Register("mv", "mv SRC DST", "rename", (c, a) => Two(c, a, (s, d) => c.P.Rename(s, d)));
        sh.Register("ln", "ln [-s] TARGET NAME", "make a hard link (symbolic with -s)", Ln);
        sh.Register("stat", "stat PATH...", "show a file's attributes", Stat);
        sh.Register("df", "df [PATH]", "show file system usage", Df);
        sh.Register("cd", "cd DIR", "change directory", (c, a) => Each(c, a.Length == 0 ? ["/"] : a, p => c.P.Chdir(p)));
        sh.Register("pwd", "pwd", "print the current directory", Pwd);
        sh.Register("chmod", "chmod OCTAL PATH...", "change permissions", Chmod);
        sh.Register("touch", "touch FILE...", "create files, or set their times to now", Touch);
        sh.Register("sync", "sync", "write everything dirty to stable storage", (c, a) => ShellContext.Check(c.K.Sync(), "sync"));
        sh.Register("open", "open [-w] FILE", "open a file and keep it open (its descriptor holds the vnode)", Open);
        sh.Register("close", "close FD...", "close descriptors made by open", Close);
    }

    /// <summary>
    /// Takes the leading "-x" options off <paramref name="a"/>; an option not in <paramref name="known"/> is refused,
    /// since ignoring it would do something other than what was asked.
    /// </summary>
    private static (HashSet<char> Flags, string[] Operands) Flags(string[] a, string known)
    {
        var flags = new HashSet<char>();
        int i = 0;
        for (; i < a.Length && a[i].Length > 1 && a[i][0] == '-'; i++)
            foreach (var f in a[i][1..])
                flags.Add(known.Contains(f) ? f : throw new ShellError($"-{f}: unknown option (it takes {string.Join(", ", known.Select(k => "-" + k))})"));
        return (flags, a[i..]);
    }

    private static void Each(ShellContext c, string[] paths, Func<string, Errno> op)
    {
        if (paths.Length == 0)
            throw new ShellError("missing operand");
        foreach (var p in paths)
            ShellContext.Check(op(p), p);
    }

    private static void Two(ShellContext c, string[] a, Func<string, string, Errno> op)
    {
        if (a.Length != 2)
            throw new ShellError("expected two operands");
        ShellContext.Check(op(a[0], a[1]), $"{a[0]} -> {a[1]}");
    }

    private static void Ls(ShellContext c, string[] args)
    {
        var (flags, paths) = Flags(args, "la");
        if (paths.Length == 0)
            paths = ["."];
        foreach (var path in paths)
        {
            ShellContext.Check(c.P.Lstat(path, out var st), path);
            if (st!.Type != VType.VDIR)
            {
                c.Out.WriteLine(flags.Contains('l') ? Long(c, path, path, st) : path);
                continue;
            }
            if (paths.Length > 1)
                c.Out.WriteLine(path + ":");
            foreach (var name in ReadNames(c, path).Where(n => flags.Contains('a') || !n.StartsWith('.')))
            {
                string full = path.EndsWith('/') ? path + name : path + "/" + name;
                if (!flags.Contains('l'))
                    c.Out.WriteLine(name);
                else if (c.P.Lstat(full, out var est) == Errno.OK)
                    c.Out.WriteLine(Long(c, full, name, est!));
            }
        }
    }

    /// <summary>The names in a directory, sorted.</summary>
    public static List<string> ReadNames(ShellContext c, string path)
    {
        ShellContext.Check(c.P.Open(path, OFlags.O_RDONLY | OFlags.O_DIRECTORY, 0, out int fd), path);
        var names = new List<string>();
        try
        {
            var buf = new byte[16384];
            while (true)
            {
                ShellContext.Check(c.P.Getdents(fd, buf, out int n), path);
                if (n == 0)
                    break;
                names.AddRange(Dirent64.Parse(buf.AsSpan(0, n)).Select(d => d.Name));
            }
        }
        finally
        {
            c.P.Close(fd);
        }
        return names.Where(n => n is not ("." or "..")).OrderBy(n => n, StringComparer.Ordinal).ToList();
    }

    private static string Long(ShellContext c, string full, string name, Stat st)
    {
        string line = $"{ModeBits.ToLsString(st.Type, st.Perm)} {st.Nlink,3} {st.Uid,5} {st.Gid,5} {st.Size,10} {st.Mtime.ToDateTimeOffset():yyyy-MM-dd HH:mm} {name}";
        if (st.Type == VType.VLNK && c.P.Readlink(full, out var target) == Errno.OK)
            line += " -> " + target;
        return line;
    }

    private static void Cat(ShellContext c, string[] paths)
    {
        Each(c, paths, p =>
        {
            var data = ReadAll(c, p, out var err);
            if (err == Errno.OK)
                c.Out.Write(Encoding.UTF8.GetString(data));
            return err;
        });
    }

    /// <summary>Reads a whole file of the current host.</summary>
    public static byte[] ReadAll(ShellContext c, string path, out Errno err)
    {
        err = c.P.Open(path, OFlags.O_RDONLY, 0, out int fd);
        if (err != Errno.OK)
            return [];
        var ms = new MemoryStream();
        var buf = new byte[1 << 16];
        try
        {
            while ((err = c.P.Read(fd, buf, out int n)) == Errno.OK && n > 0)
                ms.Write(buf, 0, n);
        }
        finally
        {
            c.P.Close(fd);
        }
        return ms.ToArray();
    }

    private static void Write(ShellContext c, string[] a)
    {
        if (a.Length is < 2 or > 3)
            throw new ShellError("usage: write FILE BYTES [SEED]");
        long size = Ufs.Newfs.TryParseSize(a[1], out long s) ? s : throw new ShellError($"{a[1]}: not a size");
        var rng = new Random(a.Length == 3 ? int.Parse(a[2]) : 1);
        ShellContext.Check(c.P.Open(a[0], OFlags.O_CREAT | OFlags.O_WRONLY | OFlags.O_TRUNC, 0x1A4, out int fd), a[0]);
        try
        {
            var buf = new byte[1 << 20];
            for (long done = 0; done < size;)
            {
                int n = (int)Math.Min(buf.Length, size - done);
                rng.NextBytes(buf.AsSpan(0, n));
                ShellContext.Check(c.P.Write(fd, buf.AsMemory(0, n), out int w), a[0]);
                done += w;
            }
        }
        finally
        {
            c.P.Close(fd);
        }
    }

    private static void Cp(ShellContext c, string[] a)
    {
        if (a.Length != 2)
            throw new ShellError("usage: cp SRC DST");
        var data = ReadAll(c, a[0], out var err);
        ShellContext.Check(err, a[0]);
        ShellContext.Check(c.P.Open(a[1], OFlags.O_CREAT | OFlags.O_WRONLY | OFlags.O_TRUNC, 0x1A4, out int fd), a[1]);
        try
        {
            ShellContext.Check(c.P.Write(fd, data, out _), a[1]);
        }
        finally
        {
            c.P.Close(fd);
        }
    }

    private static void Mkdir(ShellContext c, string[] args)
    {
        var (flags, paths) = Flags(args, "p");
        Each(c, paths, p =>
        {
            if (!flags.Contains('p'))
                return c.P.Mkdir(p, 0x1ED);
            string sofar = p.StartsWith('/') ? "" : ".";
            foreach (var part in p.Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                sofar += "/" + part;
                var err = c.P.Mkdir(sofar, 0x1ED);
                if (err is not (Errno.OK or Errno.EEXIST))
                    return err;
            }
            return Errno.OK;
        });
    }

    private static void Rm(ShellContext c, string[] args)
    {
        var (flags, paths) = Flags(args, "rf");
        if (paths.Length == 0)
            throw new ShellError("missing operand");
        foreach (var p in paths)
        {
            var err = flags.Contains('r') ? RemoveTree(c, p) : c.P.Unlink(p);
            if (err == Errno.ENOENT && flags.Contains('f'))
                continue;
            if (err == Errno.EISDIR)
                throw new ShellError($"{p}: {err.Message()} ({err}): rm -r {p} removes it and everything in it");
            ShellContext.Check(err, p);
        }
    }

    private static Errno RemoveTree(ShellContext c, string path)
    {
        var err = c.P.Lstat(path, out var st);
        if (err != Errno.OK)
            return err;
        if (st!.Type != VType.VDIR)
            return c.P.Unlink(path);
        foreach (var name in ReadNames(c, path))
            if ((err = RemoveTree(c, path + "/" + name)) != Errno.OK)
                return err;
        return c.P.Rmdir(path);
    }

    private static void Ln(ShellContext c, string[] args)
    {
        var (flags, rest) = Flags(args, "s");
        Two(c, rest, (t, n) => flags.Contains('s') ? c.P.Symlink(t, n) : c.P.Link(t, n));
    }

    private static void Stat(ShellContext c, string[] paths)
    {
        Each(c, paths, p =>
        {
            var err = c.P.Lstat(p, out var st);
            if (err != Errno.OK)
                return err;
            c.Out.WriteLine($"  File: {p}");
            c.Out.WriteLine($"  Type: {st!.Type}  Mode: {ModeBits.ToLsString(st.Type, st.Perm)} ({Convert.ToString(st.Perm, 8)})  Links: {st.Nlink}");
            c.Out.WriteLine($"  Size: {st.Size}  Blocks: {st.Blocks}  Device: {st.Dev:x}  Inode: {st.Ino}  Uid: {st.Uid}  Gid: {st.Gid}");
            c.Out.WriteLine($"Access: {st.Atime.ToDateTimeOffset():O}");
            c.Out.WriteLine($"Modify: {st.Mtime.ToDateTimeOffset():O}");
            c.Out.WriteLine($"Change: {st.Ctime.ToDateTimeOffset():O}");
            return Errno.OK;
        });
    }

    private static void Df(ShellContext c, string[] a)
    {
        c.Out.WriteLine($"{"Filesystem",-28} {"Type",-6} {"1K-blocks",10} {"Used",10} {"Avail",10} Mounted on");
        var mounts = a.Length == 0 ? c.K.Mounts.Select(v => v.MntPt).ToArray() : a;
        foreach (var path in mounts)
        {
            ShellContext.Check(c.P.Statvfs(path, out var sv), path);
            ulong k = sv!.Frsize / 1024 == 0 ? 1 : sv.Frsize / 1024;
            var v = c.K.Mounts.FirstOrDefault(m => m.MntPt == path);
            string res = v?.Resource ?? path;
            c.Out.WriteLine($"{(res.Length > 28 ? res[..25] + "..." : res),-28} {sv.Basetype,-6} {sv.Blocks * k,10} {(sv.Blocks - sv.Bfree) * k,10} {sv.Bavail * k,10} {v?.MntPt ?? path}");
        }
    }

    private static void Pwd(ShellContext c, string[] a)
    {
        ShellContext.Check(c.P.Getcwd(out var cwd), "getcwd");
        c.Out.WriteLine(cwd);
    }

    private static void Chmod(ShellContext c, string[] a)
    {
        if (a.Length < 2)
            throw new ShellError("usage: chmod OCTAL PATH...");
        uint mode = Convert.ToUInt32(a[0], 8);
        Each(c, a[1..], p => c.P.Chmod(p, mode));
    }

    private static void Touch(ShellContext c, string[] paths)
    {
        Each(c, paths, p =>
        {
            var err = c.P.Open(p, OFlags.O_CREAT | OFlags.O_WRONLY, 0x1A4, out int fd);
            if (err != Errno.OK)
                return err;
            c.P.Close(fd);
            return c.P.Utimens(p, null);
        });
    }

    private static void Open(ShellContext c, string[] args)
    {
        var (flags, paths) = Flags(args, "w");
        if (paths.Length != 1)
            throw new ShellError("usage: open [-w] FILE");
        var how = flags.Contains('w') ? OFlags.O_CREAT | OFlags.O_WRONLY : OFlags.O_RDONLY;
        ShellContext.Check(c.P.Open(paths[0], how, 0x1A4, out int fd), paths[0]);
        c.Out.WriteLine($"{paths[0]}: fd {fd} (close {fd} lets go of it)");
    }

    private static void Close(ShellContext c, string[] fds)
    {
        Each(c, fds, s => int.TryParse(s, out int fd) ? c.P.Close(fd) : throw new ShellError($"{s}: not a descriptor (open prints one)"));
    }
}
