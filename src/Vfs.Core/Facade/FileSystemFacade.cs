// Vfs.Core / the .NET edge: System.IO's File and Directory helpers, as one Process of a Kernel.
//
// Embedding code (a research tool, a teaching notebook, a test) often wants "read this file",
// "make this directory tree", "list that directory" without an Errno after every step. Each method
// here is a few system calls of the process it was made for, with the same permissions, cwd and
// umask, and throws what System.IO would throw for the same failure on Linux (VfsErrors). It adds no
// state and no caching: whatever the model can do, the system calls already do; this only converts.
using System.Text;

namespace UnixVfs.Core;

/// <summary>File and directory helpers in the manner of System.IO.File/Directory, over a <see cref="Process"/>.</summary>
public sealed class FileSystemFacade
{
    private const int DirBufferSize = 8192;

    public FileSystemFacade(Process process) => Process = process ?? throw new ArgumentNullException(nameof(process));

    /// <summary>The process every call is made as.</summary>
    public Process Process { get; }

    /// <summary>The whole contents of a file.</summary>
    public byte[] ReadAllBytes(string path)
    {
        using var s = OpenRead(path);
        var result = new MemoryStream();
        s.CopyTo(result);
        return result.ToArray();
    }

    /// <summary>The whole contents of a file as text (UTF-8 unless <paramref name="encoding"/> says otherwise; a BOM is honoured).</summary>
    public string ReadAllText(string path, Encoding? encoding = null)
    {
        using var s = OpenRead(path);
        using var r = new StreamReader(s, encoding ?? Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return r.ReadToEnd();
    }

    /// <summary>Creates the file, or truncates it, and writes <paramref name="bytes"/>.</summary>
    public void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        using var s = Create(path);
        s.Write(bytes);
    }

    /// <summary>Creates the file, or truncates it, and writes <paramref name="contents"/> (UTF-8 without a BOM unless told otherwise).</summary>
    public void WriteAllText(string path, string contents, Encoding? encoding = null) =>
        WriteAllBytes(path, (encoding ?? new UTF8Encoding(false)).GetBytes(contents));

    /// <summary>An existing file, for reading.</summary>
    public VfsFileStream OpenRead(string path) => VfsFileStream.Open(Process, path, OFlags.O_RDONLY);

    /// <summary>The file for writing, created if missing, not truncated (File.OpenWrite).</summary>
    public VfsFileStream OpenWrite(string path) => VfsFileStream.Open(Process, path, OFlags.O_WRONLY | OFlags.O_CREAT);

    /// <summary>The file for reading and writing, created or truncated (File.Create).</summary>
    public VfsFileStream Create(string path) => VfsFileStream.Open(Process, path, OFlags.O_RDWR | OFlags.O_CREAT | OFlags.O_TRUNC);

    /// <summary>File.Open: <paramref name="mode"/> and <paramref name="access"/> become open(2) flags (Append is O_APPEND).</summary>
    public VfsFileStream Open(string path, FileMode mode, FileAccess access = FileAccess.ReadWrite)
    {
        var flags = access switch
        {
            FileAccess.Read => OFlags.O_RDONLY,
            FileAccess.Write => OFlags.O_WRONLY,
            FileAccess.ReadWrite => OFlags.O_RDWR,
            _ => throw new ArgumentOutOfRangeException(nameof(access)),
        };
        if (access == FileAccess.Read && mode is FileMode.CreateNew or FileMode.Create or FileMode.Truncate or FileMode.Append)
            throw new ArgumentException($"Combining FileMode: {mode} with FileAccess: {access} is invalid.", nameof(access));
        if (mode == FileMode.Append && access != FileAccess.Write)
            throw new ArgumentException("Append access can be requested only in write-only mode.", nameof(access));
        flags |= mode switch
        {
            FileMode.CreateNew => OFlags.O_CREAT | OFlags.O_EXCL,
            FileMode.Create => OFlags.O_CREAT | OFlags.O_TRUNC,
            FileMode.Open => 0,
            FileMode.OpenOrCreate => OFlags.O_CREAT,
            FileMode.Truncate => OFlags.O_TRUNC,
            FileMode.Append => OFlags.O_CREAT | OFlags.O_APPEND,
            _ => throw new ArgumentOutOfRangeException(nameof(mode)),
        };
        return VfsFileStream.Open(Process, path, flags);
    }

    /// <summary>
    /// Makes <paramref name="path"/> and every missing directory above it (mkdir -p), with <paramref name="mode"/>
    /// less the umask. A directory that exists already is fine; a file in the way is an IOException.
    /// </summary>
    public void CreateDirectory(string path, uint mode = 0x1FF)
    {
        var err = Process.Mkdir(path, mode);
        if (err == Errno.OK || (err == Errno.EEXIST && IsDirectory(path)))
            return;
        if (err == Errno.ENOENT)
        {
            string parent = ParentOf(path);
            if (parent.Length > 0 && parent != path)
            {
                CreateDirectory(parent, mode);
                err = Process.Mkdir(path, mode);
                if (err == Errno.OK || (err == Errno.EEXIST && IsDirectory(path)))
                    return;
            }
        }
        VfsErrors.Check(err, path, isDirectory: true);
    }

    /// <summary>The entries of a directory ("." and ".." left out), read with getdents(2) as the caller enumerates.</summary>
    public IEnumerable<Dirent> EnumerateEntries(string path)
    {
        var err = Process.Open(path, OFlags.O_RDONLY | OFlags.O_DIRECTORY, 0, out int fd);
        VfsErrors.Check(err, path, isDirectory: true);
        return Entries(path, fd);
    }

    private IEnumerable<Dirent> Entries(string path, int fd)
    {
        try
        {
            var buf = new byte[DirBufferSize];
            while (true)
            {
                VfsErrors.Check(Process.Getdents(fd, buf, out int n), path, isDirectory: true);
                if (n == 0)
                    yield break;
                foreach (var d in Dirent64.Parse(buf.AsSpan(0, n)))
                    if (d.Name is not ("." or ".."))
                        yield return d;
            }
        }
        finally
        {
            Process.Close(fd);
        }
    }

    /// <summary>True when <paramref name="path"/> names anything the process can reach (following symbolic links).</summary>
    public bool Exists(string path) => Process.Stat(path, out _) == Errno.OK;

    /// <summary>True when <paramref name="path"/> names a file that is not a directory (File.Exists).</summary>
    public bool FileExists(string path) => Process.Stat(path, out var st) == Errno.OK && st!.Type != VType.VDIR;

    /// <summary>True when <paramref name="path"/> names a directory (Directory.Exists).</summary>
    public bool DirectoryExists(string path) => IsDirectory(path);

    /// <summary>Removes a file (File.Delete): a missing file is fine, a missing directory above it is not.</summary>
    public void Delete(string path)
    {
        var err = Process.Unlink(path);
        if (err == Errno.ENOENT && IsDirectory(ParentOf(path)))
            return;
        VfsErrors.Check(err, path, isDirectory: err == Errno.ENOENT);
    }

    /// <summary>Removes a directory (Directory.Delete); with <paramref name="recursive"/>, everything in it first.</summary>
    public void DeleteDirectory(string path, bool recursive = false)
    {
        if (recursive)
        {
            foreach (var d in EnumerateEntries(path).ToList())
            {
                string child = Join(path, d.Name);
                if (d.Type == VType.VDIR)
                    DeleteDirectory(child, recursive: true);
                else
                    VfsErrors.Check(Process.Unlink(child), child);
            }
        }
        VfsErrors.Check(Process.Rmdir(path), path, isDirectory: true);
    }

    /// <summary>
    /// rename(2) <paramref name="from"/> to <paramref name="to"/>. Without <paramref name="overwrite"/> an existing
    /// <paramref name="to"/> is an IOException (File.Move), as rename(2) itself would silently replace it.
    /// </summary>
    public void Move(string from, string to, bool overwrite = false)
    {
        if (!overwrite && Process.Lstat(to, out _) == Errno.OK)
        {
            VfsErrors.Check(Process.Lstat(from, out _), from);
            throw VfsErrors.ToException(Errno.EEXIST, to);
        }
        var err = Process.Rename(from, to);
        if (err == Errno.ENOENT && Process.Lstat(from, out _) == Errno.OK)
            VfsErrors.Check(err, to, isDirectory: true); // the source is there: the target's directory is not
        VfsErrors.Check(err, from);
    }

    /// <summary>Makes <paramref name="path"/> a symbolic link to <paramref name="target"/> (File.CreateSymbolicLink).</summary>
    public void CreateSymbolicLink(string path, string target) => VfsErrors.Check(Process.Symlink(target, path), path);

    /// <summary>The target of symbolic link <paramref name="path"/>.</summary>
    public string ReadLink(string path)
    {
        VfsErrors.Check(Process.Readlink(path, out string target), path);
        return target;
    }

    /// <summary>stat(2) (lstat(2) when <paramref name="followLinks"/> is false).</summary>
    public Stat GetStat(string path, bool followLinks = true)
    {
        var err = followLinks ? Process.Stat(path, out var st) : Process.Lstat(path, out st);
        VfsErrors.Check(err, path);
        return st!;
    }

    /// <summary>
    /// File.GetAttributes as .NET reports it on Unix: Directory, ReparsePoint (a symbolic link, not followed),
    /// ReadOnly (no write bit for anyone), Hidden (a name starting with '.'), else Normal.
    /// </summary>
    public FileAttributes GetAttributes(string path)
    {
        var st = GetStat(path, followLinks: false);
        FileAttributes a = 0;
        if (st.Type == VType.VDIR)
            a |= FileAttributes.Directory;
        if (st.Type == VType.VLNK)
            a |= FileAttributes.ReparsePoint;
        if ((st.Perm & 0x92) == 0) // no w for owner, group or other (0222)
            a |= FileAttributes.ReadOnly;
        string name = path.TrimEnd('/');
        name = name[(name.LastIndexOf('/') + 1)..];
        if (name.StartsWith('.') && name is not ("." or ".."))
            a |= FileAttributes.Hidden;
        return a == 0 ? FileAttributes.Normal : a;
    }

    /// <summary>
    /// The exception for a failed open(2), blaming the directory rather than the file for ENOENT when the
    /// file was to be created or its directory is missing (as System.IO's SafeFileHandle.Open does).
    /// </summary>
    internal static Exception OpenException(Process p, Errno err, string path, OFlags flags)
    {
        bool blameDirectory = err == Errno.ENOENT &&
            ((flags & OFlags.O_CREAT) != 0 || p.Stat(ParentOf(path), out var st) != Errno.OK || st!.Type != VType.VDIR);
        return VfsErrors.ToException(err, path, blameDirectory);
    }

    private bool IsDirectory(string path) => Process.Stat(path, out var st) == Errno.OK && st!.Type == VType.VDIR;

    /// <summary>The directory part of a path: "/a/b" -> "/a", "/a" -> "/", "b" -> ".".</summary>
    private static string ParentOf(string path)
    {
        string p = path.TrimEnd('/');
        if (p.Length == 0)
            return "/";
        int i = p.LastIndexOf('/');
        if (i < 0)
            return ".";
        string parent = p[..i].TrimEnd('/');
        return parent.Length == 0 ? "/" : parent;
    }

    private static string Join(string dir, string name) => dir.EndsWith('/') ? dir + name : dir + "/" + name;
}
