// Tests of Vfs.Core: the .NET edge -- VfsErrors' errno-to-exception map, VfsFileStream as a Stream,
// and FileSystemFacade behaving as System.IO's File and Directory do.
using System.Text;
using static UnixVfs.Core.Tests.TestHost;

namespace UnixVfs.Core.Tests.Facade;

public class VfsErrorsTests
{
    public static TheoryData<Errno, bool, Type> Map => new()
    {
        { Errno.ENOENT, false, typeof(FileNotFoundException) },
        { Errno.ENOENT, true, typeof(DirectoryNotFoundException) },
        { Errno.EACCES, false, typeof(UnauthorizedAccessException) },
        { Errno.EPERM, false, typeof(UnauthorizedAccessException) },
        { Errno.EBADF, false, typeof(UnauthorizedAccessException) },
        { Errno.EISDIR, false, typeof(UnauthorizedAccessException) },
        { Errno.ENAMETOOLONG, false, typeof(PathTooLongException) },
        { Errno.EINVAL, false, typeof(ArgumentException) },
        { Errno.ECANCELED, false, typeof(OperationCanceledException) },
        { Errno.EFBIG, false, typeof(ArgumentOutOfRangeException) },
        { Errno.EEXIST, false, typeof(IOException) },
        { Errno.ENOSPC, false, typeof(IOException) },
        { Errno.EAGAIN, false, typeof(IOException) },
        { Errno.ENOTEMPTY, false, typeof(IOException) },
        { Errno.ENOTDIR, false, typeof(IOException) },
        { Errno.ELOOP, false, typeof(IOException) },
        { Errno.EIO, false, typeof(IOException) },
        { Errno.ESTALE, false, typeof(IOException) },
    };

    [Theory]
    [MemberData(nameof(Map))]
    public void Each_errno_becomes_the_exception_System_IO_throws_for_it(Errno e, bool isDirectory, Type expected)
    {
        var ex = VfsErrors.ToException(e, "/some/path", isDirectory);
        Assert.IsType(expected, ex);
        Assert.Equal(e, VfsErrors.ErrnoOf(ex));
        if (ex is FileNotFoundException fnf)
            Assert.Equal("/some/path", fnf.FileName);
        if (expected == typeof(IOException))
        {
            Assert.Equal((int)e, ex.HResult);
            Assert.Contains("/some/path", ex.Message);
        }
        if (ex is UnauthorizedAccessException)
            Assert.Equal((int)e, ex.InnerException!.HResult);
        var thrown = Assert.ThrowsAny<Exception>(() => VfsErrors.Check(e, "/some/path", isDirectory));
        Assert.IsType(expected, thrown);
    }

    [Fact]
    public void Messages_name_the_path_when_there_is_one_and_read_well_without()
    {
        Assert.Equal("The file '/a' already exists.", VfsErrors.ToException(Errno.EEXIST, "/a").Message);
        Assert.Equal("File exists", VfsErrors.ToException(Errno.EEXIST).Message);
        Assert.Equal("No space left on device : '/a'", VfsErrors.ToException(Errno.ENOSPC, "/a").Message);
        Assert.Equal("Could not find file '/a'.", VfsErrors.ToException(Errno.ENOENT, "/a").Message);
        Assert.Equal("Access to the path '/a' is denied.", VfsErrors.ToException(Errno.EACCES, "/a").Message);
    }

    [Fact]
    public void OK_is_not_an_error()
    {
        VfsErrors.Check(Errno.OK, "/a");
        Assert.Throws<ArgumentOutOfRangeException>(() => VfsErrors.ToException(Errno.OK));
        Assert.Null(VfsErrors.ErrnoOf(new IOException("not ours")));
    }

    [Fact]
    public void Every_errno_has_an_exception_and_a_message()
    {
        foreach (var e in Enum.GetValues<Errno>().Where(e => e != Errno.OK))
        {
            var ex = VfsErrors.ToException(e, "/p");
            Assert.Equal(e, VfsErrors.ErrnoOf(ex));
            Assert.False(string.IsNullOrWhiteSpace(ex.Message));
        }
    }
}

public class VfsFileStreamTests
{
    private readonly TestHost _h = new();
    private Process P => _h.Root;

    [Fact]
    public void A_stream_reads_writes_seeks_and_sets_its_length_through_the_descriptor()
    {
        using (var s = VfsFileStream.Open(P, "/m/f", OFlags.O_CREAT | OFlags.O_RDWR))
        {
            Assert.True(s.CanRead && s.CanWrite && s.CanSeek);
            s.Write("hello world"u8);
            Assert.Equal(11L, s.Length);
            Assert.Equal(11L, s.Position);
            s.Position = 6;
            var buf = new byte[5];
            Assert.Equal(5, s.Read(buf, 0, 5));
            Assert.Equal("world", Encoding.ASCII.GetString(buf));
            Assert.Equal(0, s.Read(buf));
            Assert.Equal(2L, s.Seek(-9, SeekOrigin.End));
            Assert.Equal((int)'l', s.ReadByte());
            Assert.Equal(4L, s.Seek(1, SeekOrigin.Current));
            s.WriteByte((byte)'O');
            s.SetLength(5);
            Assert.Equal(5L, s.Length);
            s.Flush();
            Ok(P.Lseek(s.Fd, 0, Whence.SEEK_CUR, out long off));
            Assert.Equal(5L, off); // the stream's position is the descriptor's offset
        }
        Assert.Equal("hellO", _h.ReadFile("/m/f"));
        Assert.Empty(P.OpenDescriptors);
    }

    [Fact]
    public async Task Span_and_async_overloads_move_the_same_bytes()
    {
        using var s = VfsFileStream.Open(P, "/m/f", OFlags.O_CREAT | OFlags.O_RDWR);
        s.Write(new ReadOnlySpan<byte>([1, 2, 3]));
        await s.WriteAsync(new byte[] { 4, 5 }.AsMemory());
        await s.WriteAsync(new byte[] { 6 }, 0, 1);
        s.Position = 0;
        var two = new byte[2];
        Assert.Equal(2, s.Read(two.AsSpan()));
        Assert.Equal(new byte[] { 1, 2 }, two);
        var mem = new byte[10];
        Assert.Equal(4, await s.ReadAsync(mem.AsMemory()));
        Assert.Equal(new byte[] { 3, 4, 5, 6 }, mem[..4]);
        Assert.Equal(-1, s.ReadByte());
        Assert.True(s.ReadAsync(mem.AsMemory(), new CancellationToken(true)).IsCanceled);
        await s.FlushAsync();
    }

    [Fact]
    public void CopyTo_and_StreamReader_work_over_it()
    {
        WriteFile(P, "/m/f", "line one\nline two\n");
        using var s = VfsFileStream.Open(P, "/m/f", OFlags.O_RDONLY);
        using var r = new StreamReader(s);
        Assert.Equal("line one", r.ReadLine());
        Assert.Equal("line two", r.ReadLine());
        Assert.Null(r.ReadLine());
    }

    [Fact]
    public void A_read_only_stream_refuses_writes_and_a_write_only_one_reads()
    {
        WriteFile(P, "/m/f", "x");
        using var r = VfsFileStream.Open(P, "/m/f", OFlags.O_RDONLY);
        Assert.False(r.CanWrite);
        Assert.Throws<NotSupportedException>(() => r.Write([1], 0, 1));
        Assert.Throws<NotSupportedException>(() => r.SetLength(0));
        using var w = VfsFileStream.Open(P, "/m/f", OFlags.O_WRONLY);
        Assert.False(w.CanRead);
        Assert.Throws<NotSupportedException>(() => w.ReadByte());
        Assert.Equal("x", _h.ReadFile("/m/f"));
    }

    [Fact]
    public void A_directory_stream_cannot_seek_and_reading_it_is_UnauthorizedAccess()
    {
        Ok(P.Mkdir("/m/d", Dir755));
        using var s = VfsFileStream.Open(P, "/m/d", OFlags.O_RDONLY);
        Assert.False(s.CanSeek);
        Assert.Throws<NotSupportedException>(() => s.Length);
        Assert.Throws<NotSupportedException>(() => s.Position);
        Assert.Throws<NotSupportedException>(() => s.Seek(0, SeekOrigin.Begin));
        var e = Assert.Throws<UnauthorizedAccessException>(() => s.ReadByte());
        Assert.Equal(Errno.EISDIR, VfsErrors.ErrnoOf(e));
    }

    [Fact]
    public void Seeking_before_the_start_is_an_IOException_and_a_negative_position_an_argument_error()
    {
        using var s = VfsFileStream.Open(P, "/m/f", OFlags.O_CREAT | OFlags.O_RDWR);
        Assert.Throws<IOException>(() => s.Seek(-1, SeekOrigin.Begin));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Position = -1);
        Assert.Throws<ArgumentOutOfRangeException>(() => s.SetLength(-1));
        Assert.Equal(0L, s.Position);
    }

    [Fact]
    public void A_disposed_stream_has_closed_its_descriptor_and_refuses_everything()
    {
        var s = VfsFileStream.Open(P, "/m/f", OFlags.O_CREAT | OFlags.O_RDWR);
        int fd = s.Fd;
        s.Dispose();
        Assert.Equal(-1, s.Fd);
        Assert.Equal(Errno.EBADF, P.Getf(fd, out _));
        Assert.False(s.CanRead || s.CanWrite || s.CanSeek);
        Assert.Throws<ObjectDisposedException>(() => s.ReadByte());
        Assert.Throws<ObjectDisposedException>(() => s.Write([1], 0, 1));
        Assert.Throws<ObjectDisposedException>(() => s.Flush());
        s.Dispose(); // twice is fine
        Holds.AssertBalanced(_h.Kernel, "/m");
    }

    [Fact]
    public void Wrapping_a_descriptor_that_is_not_open_is_UnauthorizedAccess_as_EBADF()
    {
        var e = Assert.Throws<UnauthorizedAccessException>(() => new VfsFileStream(P, 12));
        Assert.Equal(Errno.EBADF, VfsErrors.ErrnoOf(e));
    }

    [Fact]
    public void A_full_file_system_surfaces_as_an_IOException_with_ENOSPC()
    {
        var h = new TestHost(options: "size=4k");
        using var s = VfsFileStream.Open(h.Root, "/m/f", OFlags.O_CREAT | OFlags.O_WRONLY);
        var e = Assert.Throws<IOException>(() => s.Write(new byte[8192]));
        Assert.Equal((int)Errno.ENOSPC, e.HResult);
        Assert.Equal(4096L, h.StatOf("/m/f").Size);
    }

    [Fact]
    public void Open_failures_blame_the_file_or_the_directory_as_System_IO_does()
    {
        Assert.Throws<FileNotFoundException>(() => VfsFileStream.Open(P, "/m/nope", OFlags.O_RDONLY));
        Assert.Throws<DirectoryNotFoundException>(() => VfsFileStream.Open(P, "/m/nodir/f", OFlags.O_RDONLY));
        Assert.Throws<DirectoryNotFoundException>(() => VfsFileStream.Open(P, "/m/nodir/f", OFlags.O_CREAT | OFlags.O_WRONLY));
        WriteFile(P, "/m/f", "");
        Assert.Throws<IOException>(() => VfsFileStream.Open(P, "/m/f", OFlags.O_CREAT | OFlags.O_EXCL | OFlags.O_WRONLY));
        Assert.Throws<PathTooLongException>(() => VfsFileStream.Open(P, "/m/" + new string('n', 256), OFlags.O_RDONLY));
        Assert.Throws<ArgumentException>(() => VfsFileStream.Open(P, "/m/a\0b", OFlags.O_RDONLY));
        Assert.Empty(P.OpenDescriptors);
    }
}

public class FileSystemFacadeTests
{
    private readonly TestHost _h = new();
    private readonly FileSystemFacade _fs;

    public FileSystemFacadeTests() => _fs = new FileSystemFacade(_h.Root);

    [Fact]
    public void The_README_example_does_what_it_says()
    {
        var kernel = new Kernel("host-a");
        var p = kernel.CreateProcess();
        Ok(p.Mkdir("/tmp", 0x1FF));
        Ok(p.Mount("swap", "/tmp", "tmpfs"));
        var fs = new FileSystemFacade(p);
        fs.CreateDirectory("/tmp/a/b");
        fs.WriteAllText("/tmp/a/b/notes.txt", "hi");
        using (var s = fs.Open("/tmp/a/b/notes.txt", FileMode.Append, FileAccess.Write))
            s.Write("!"u8);
        Assert.Equal("hi!", fs.ReadAllText("/tmp/a/b/notes.txt"));
        Assert.Throws<FileNotFoundException>(() => fs.ReadAllText("/tmp/a/b/missing.txt"));
    }

    [Fact]
    public void Files_are_written_and_read_whole()
    {
        _fs.WriteAllText("/m/t.txt", "grüße\n");
        Assert.Equal("grüße\n", _fs.ReadAllText("/m/t.txt"));
        Assert.Equal(Encoding.UTF8.GetBytes("grüße\n"), _fs.ReadAllBytes("/m/t.txt"));
        var big = new byte[100_000];
        new Random(3).NextBytes(big);
        _fs.WriteAllBytes("/m/big", big);
        Assert.Equal(big, _fs.ReadAllBytes("/m/big"));
        _fs.WriteAllBytes("/m/big", [1]);
        Assert.Equal(new byte[] { 1 }, _fs.ReadAllBytes("/m/big"));
        Assert.Empty(_h.Root.OpenDescriptors);
    }

    [Fact]
    public void Open_modes_follow_FileMode_and_FileAccess()
    {
        using (var s = _fs.Open("/m/f", FileMode.CreateNew, FileAccess.Write))
            s.Write("abc"u8);
        Assert.Throws<IOException>(() => _fs.Open("/m/f", FileMode.CreateNew));
        using (var s = _fs.Open("/m/f", FileMode.Append, FileAccess.Write))
            s.Write("def"u8);
        Assert.Equal("abcdef", _fs.ReadAllText("/m/f"));
        using (var s = _fs.Open("/m/f", FileMode.Truncate, FileAccess.Write)) { }
        Assert.Equal("", _fs.ReadAllText("/m/f"));
        Assert.Throws<FileNotFoundException>(() => _fs.Open("/m/g", FileMode.Open));
        using (var s = _fs.Open("/m/g", FileMode.OpenOrCreate)) { }
        Assert.True(_fs.FileExists("/m/g"));
        Assert.Throws<ArgumentException>(() => _fs.Open("/m/g", FileMode.Create, FileAccess.Read));
        Assert.Throws<ArgumentException>(() => _fs.Open("/m/g", FileMode.Append, FileAccess.ReadWrite));
        using (var s = _fs.OpenWrite("/m/g"))
            s.Write("xyz"u8);
        using (var s = _fs.OpenWrite("/m/g"))
            s.Write("X"u8);
        Assert.Equal("Xyz", _fs.ReadAllText("/m/g"));
    }

    [Fact]
    public void CreateDirectory_makes_every_missing_level_and_tolerates_existing_ones()
    {
        _fs.CreateDirectory("/m/a/b/c");
        _fs.CreateDirectory("/m/a/b/c");
        _fs.CreateDirectory("/m/a/b/c/");
        Assert.True(_fs.DirectoryExists("/m/a/b/c"));
        _h.Root.Chdir("/m/a");
        _fs.CreateDirectory("x/y");
        Assert.True(_fs.DirectoryExists("/m/a/x/y"));
        _fs.WriteAllText("/m/file", "");
        var e = Assert.Throws<IOException>(() => _fs.CreateDirectory("/m/file"));
        Assert.Equal(Errno.EEXIST, VfsErrors.ErrnoOf(e));
        Assert.Throws<IOException>(() => _fs.CreateDirectory("/m/file/sub"));
    }

    [Fact]
    public void EnumerateEntries_lists_names_with_types_and_closes_its_descriptor()
    {
        _fs.CreateDirectory("/m/d/sub");
        _fs.WriteAllText("/m/d/f", "");
        _fs.CreateSymbolicLink("/m/d/l", "f");
        var ents = _fs.EnumerateEntries("/m/d").OrderBy(d => d.Name, StringComparer.Ordinal).ToList();
        Assert.Equal(["f", "l", "sub"], ents.Select(d => d.Name));
        Assert.Equal([VType.VREG, VType.VLNK, VType.VDIR], ents.Select(d => d.Type));
        Assert.Empty(_h.Root.OpenDescriptors);
        _ = _fs.EnumerateEntries("/m/d").First(); // an abandoned enumeration closes too
        Assert.Empty(_h.Root.OpenDescriptors);
        Assert.Throws<DirectoryNotFoundException>(() => _fs.EnumerateEntries("/m/nope"));
        Assert.Throws<IOException>(() => _fs.EnumerateEntries("/m/d/f"));
    }

    [Fact]
    public void Exists_checks_follow_links()
    {
        _fs.CreateDirectory("/m/d");
        _fs.WriteAllText("/m/f", "");
        _fs.CreateSymbolicLink("/m/lf", "f");
        _fs.CreateSymbolicLink("/m/dangling", "nowhere");
        Assert.True(_fs.Exists("/m/d") && _fs.Exists("/m/f") && _fs.Exists("/m/lf"));
        Assert.False(_fs.Exists("/m/dangling"));
        Assert.True(_fs.FileExists("/m/lf"));
        Assert.False(_fs.FileExists("/m/d"));
        Assert.True(_fs.DirectoryExists("/m/d"));
        Assert.False(_fs.DirectoryExists("/m/f"));
        Assert.False(_fs.Exists("/m/a\0b"));
        Assert.Equal("nowhere", _fs.ReadLink("/m/dangling"));
    }

    [Fact]
    public void Delete_is_quiet_for_a_missing_file_but_not_for_a_missing_directory()
    {
        _fs.WriteAllText("/m/f", "");
        _fs.Delete("/m/f");
        Assert.False(_fs.Exists("/m/f"));
        _fs.Delete("/m/f");
        Assert.Throws<DirectoryNotFoundException>(() => _fs.Delete("/m/nodir/f"));
        _fs.CreateDirectory("/m/d");
        Assert.Throws<UnauthorizedAccessException>(() => _fs.Delete("/m/d"));
    }

    [Fact]
    public void DeleteDirectory_removes_an_empty_one_or_with_recursive_a_whole_tree()
    {
        _fs.CreateDirectory("/m/d/a/b");
        _fs.WriteAllText("/m/d/a/b/f", "");
        _fs.WriteAllText("/m/d/g", "");
        _fs.CreateSymbolicLink("/m/d/l", "/m");
        var e = Assert.Throws<IOException>(() => _fs.DeleteDirectory("/m/d"));
        Assert.Equal(Errno.ENOTEMPTY, VfsErrors.ErrnoOf(e));
        _fs.DeleteDirectory("/m/d", recursive: true);
        Assert.False(_fs.Exists("/m/d"));
        Assert.True(_fs.DirectoryExists("/m")); // the link was removed, not followed
        Assert.Throws<DirectoryNotFoundException>(() => _fs.DeleteDirectory("/m/d"));
    }

    [Fact]
    public void Move_renames_and_refuses_to_replace_unless_told()
    {
        _fs.WriteAllText("/m/a", "A");
        _fs.WriteAllText("/m/b", "B");
        var e = Assert.Throws<IOException>(() => _fs.Move("/m/a", "/m/b"));
        Assert.Equal(Errno.EEXIST, VfsErrors.ErrnoOf(e));
        Assert.Equal("B", _fs.ReadAllText("/m/b"));
        _fs.Move("/m/a", "/m/b", overwrite: true);
        Assert.Equal("A", _fs.ReadAllText("/m/b"));
        _fs.Move("/m/b", "/m/c");
        Assert.False(_fs.Exists("/m/b"));
        Assert.Throws<FileNotFoundException>(() => _fs.Move("/m/nope", "/m/x"));
        Assert.Throws<FileNotFoundException>(() => _fs.Move("/m/nope", "/m/c"));
        Assert.Throws<DirectoryNotFoundException>(() => _fs.Move("/m/c", "/m/nodir/x"));
    }

    [Fact]
    public void GetStat_and_GetAttributes_describe_what_is_there()
    {
        _fs.CreateDirectory("/m/d");
        _fs.WriteAllText("/m/f", "12");
        _fs.WriteAllText("/m/.hidden", "");
        _fs.CreateSymbolicLink("/m/l", "f");
        _h.Root.Chmod("/m/f", 0x124);
        Assert.Equal(2L, _fs.GetStat("/m/l").Size);
        Assert.Equal(VType.VLNK, _fs.GetStat("/m/l", followLinks: false).Type);
        Assert.Equal(FileAttributes.Directory, _fs.GetAttributes("/m/d"));
        Assert.Equal(FileAttributes.ReadOnly, _fs.GetAttributes("/m/f"));
        Assert.Equal(FileAttributes.ReparsePoint, _fs.GetAttributes("/m/l"));
        Assert.Equal(FileAttributes.Hidden, _fs.GetAttributes("/m/.hidden"));
        Assert.Throws<FileNotFoundException>(() => _fs.GetStat("/m/nope"));
    }

    [Fact]
    public void A_non_owner_gets_UnauthorizedAccess()
    {
        _fs.WriteAllText("/m/secret", "s");
        _h.Root.Chmod("/m/secret", 0x180);
        var bob = new FileSystemFacade(_h.User(1001, 100));
        Assert.Throws<UnauthorizedAccessException>(() => bob.ReadAllText("/m/secret"));
        Assert.Throws<UnauthorizedAccessException>(() => bob.WriteAllText("/m/secret", "x"));
        Assert.Equal("s", _fs.ReadAllText("/m/secret"));
    }
}
