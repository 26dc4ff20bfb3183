// Tests of Vfs.Core: read, write, pread, pwrite, lseek, truncate, ftruncate and fsync on tmpfs.
using System.Text;
using static UnixVfs.Core.OFlags;
using static UnixVfs.Core.Tests.TestHost;

namespace UnixVfs.Core.Tests.Syscalls;

public class ReadWriteTests
{
    private readonly TestHost _h = new();
    private Process P => _h.Root;

    private int OpenRw(string path = "/m/f")
    {
        Ok(P.Open(path, O_CREAT | O_RDWR, Mode666, out int fd));
        return fd;
    }

    [Fact]
    public void Read_and_write_move_the_offset_and_read_returns_0_at_the_end()
    {
        int fd = OpenRw();
        Ok(P.Write(fd, "hello world"u8.ToArray(), out int n));
        Assert.Equal(11, n);
        Ok(P.Lseek(fd, 0, Whence.SEEK_SET, out _));
        var buf = new byte[5];
        Ok(P.Read(fd, buf, out n));
        Assert.Equal("hello", Encoding.ASCII.GetString(buf, 0, n));
        Ok(P.Read(fd, buf, out n));
        Assert.Equal(" worl", Encoding.ASCII.GetString(buf, 0, n));
        Ok(P.Read(fd, buf, out n));
        Assert.Equal("d", Encoding.ASCII.GetString(buf, 0, n));
        Ok(P.Read(fd, buf, out n));
        Assert.Equal(0, n);
        Ok(P.Close(fd));
    }

    [Fact]
    public void A_page_freed_by_one_file_and_given_to_another_reads_as_zeros_where_the_new_file_did_not_write()
    {
        // tmpfs hands a freed page out again (TmpPages): the old file's bytes must never show through.
        int fd = OpenRw("/m/old");
        var full = new byte[64 * 1024];
        Array.Fill(full, (byte)0xEE);
        Ok(P.Write(fd, full, out _));
        Ok(P.Ftruncate(fd, 5000));
        Ok(P.Pwrite(fd, "x"u8.ToArray(), 9000, out _));
        var tail = new byte[4000];
        Ok(P.Pread(fd, tail, 5000, out int n));
        Assert.Equal(4000, n);
        Assert.All(tail, b => Assert.Equal(0, b));
        Ok(P.Close(fd));
        Ok(P.Unlink("/m/old"));

        fd = OpenRw("/m/new");
        for (int page = 0; page < 16; page++)
            Ok(P.Pwrite(fd, "ab"u8.ToArray(), page * 4096 + 100, out _));
        var back = new byte[16 * 4096];
        Ok(P.Pread(fd, back, 0, out n));
        Assert.Equal(15 * 4096 + 102, n);
        for (int i = 0; i < n; i++)
            Assert.Equal(i % 4096 == 100 ? (byte)'a' : i % 4096 == 101 ? (byte)'b' : (byte)0, back[i]);
        Ok(P.Close(fd));
    }

    [Fact]
    public void A_read_of_zero_bytes_and_a_write_of_zero_bytes_are_OK_and_change_nothing()
    {
        int fd = OpenRw();
        Ok(P.Write(fd, ReadOnlyMemory<byte>.Empty, out int n));
        Assert.Equal(0, n);
        Ok(P.Read(fd, Memory<byte>.Empty, out n));
        Assert.Equal(0, n);
        Assert.Equal(0L, _h.StatOf("/m/f").Size);
        Ok(P.Close(fd));
    }

    [Fact]
    public void Pread_and_pwrite_leave_the_offset_alone()
    {
        int fd = OpenRw();
        Ok(P.Pwrite(fd, "0123456789"u8.ToArray(), 0, out _));
        Ok(P.Pwrite(fd, "AB"u8.ToArray(), 4, out int n));
        Assert.Equal(2, n);
        var buf = new byte[4];
        Ok(P.Pread(fd, buf, 3, out n));
        Assert.Equal("3AB6", Encoding.ASCII.GetString(buf, 0, n));
        Ok(P.Lseek(fd, 0, Whence.SEEK_CUR, out long off));
        Assert.Equal(0L, off);
        Ok(P.Pread(fd, buf, 100, out n));
        Assert.Equal(0, n);
        Ok(P.Close(fd));
    }

    [Fact]
    public void Pread_and_pwrite_at_a_negative_offset_are_EINVAL()
    {
        int fd = OpenRw();
        Assert.Equal(Errno.EINVAL, P.Pread(fd, new byte[1], -1, out _));
        Assert.Equal(Errno.EINVAL, P.Pwrite(fd, new byte[1], -1, out _));
        Assert.Equal(0L, _h.StatOf("/m/f").Size);
        Ok(P.Close(fd));
    }

    [Fact]
    public void Pwrite_on_an_O_APPEND_descriptor_writes_where_it_is_told()
    {
        _h.WriteFile("/m/f", "abcdef");
        Ok(P.Open("/m/f", O_WRONLY | O_APPEND, 0, out int fd));
        Ok(P.Pwrite(fd, "X"u8.ToArray(), 1, out _));
        Ok(P.Close(fd));
        Assert.Equal("aXcdef", _h.ReadFile("/m/f"));
    }

    [Fact]
    public void Writing_past_the_end_leaves_a_hole_that_reads_as_zeros_and_takes_no_pages()
    {
        int fd = OpenRw();
        Ok(P.Pwrite(fd, "x"u8.ToArray(), 3 * 4096 + 10, out _));
        var st = _h.StatOf("/m/f");
        Assert.Equal(3 * 4096 + 11L, st.Size);
        Assert.Equal(4096 / 512, st.Blocks); // one page: the hole costs nothing
        var buf = new byte[3 * 4096 + 11];
        Ok(P.Pread(fd, buf, 0, out int n));
        Assert.Equal(buf.Length, n);
        Assert.All(buf[..^1], b => Assert.Equal(0, b));
        Assert.Equal((byte)'x', buf[^1]);
        Ok(P.Close(fd));
    }

    [Fact]
    public void A_write_that_spans_pages_reads_back_exactly()
    {
        var data = new byte[3 * 4096 + 123];
        new Random(7).NextBytes(data);
        int fd = OpenRw();
        Ok(P.Pwrite(fd, data, 4000, out int n));
        Assert.Equal(data.Length, n);
        var back = new byte[data.Length];
        Ok(P.Pread(fd, back, 4000, out n));
        Assert.Equal(data, back);
        Ok(P.Close(fd));
    }

    [Fact]
    public void Truncate_that_extends_reads_zeros_even_where_old_data_was()
    {
        _h.WriteFile("/m/f", "abcdefgh");
        Ok(P.Truncate("/m/f", 3));
        Ok(P.Truncate("/m/f", 10));
        Assert.Equal("abc\0\0\0\0\0\0\0", _h.ReadFile("/m/f"));
    }

    [Fact]
    public void Ftruncate_shrinks_and_extends_through_page_boundaries()
    {
        int fd = OpenRw();
        var data = Enumerable.Repeat((byte)0xAB, 3 * 4096).ToArray();
        Ok(P.Write(fd, data, out _));
        Ok(P.Ftruncate(fd, 4096 + 5));
        Assert.Equal(4096 + 5L, _h.StatOf("/m/f").Size);
        Assert.Equal(2 * 4096 / 512, _h.StatOf("/m/f").Blocks);
        Ok(P.Ftruncate(fd, 3 * 4096));
        var back = new byte[3 * 4096];
        Ok(P.Pread(fd, back, 0, out int n));
        Assert.Equal(back.Length, n);
        Assert.All(back[..(4096 + 5)], b => Assert.Equal(0xAB, b));
        Assert.All(back[(4096 + 5)..], b => Assert.Equal(0, b));
        Ok(P.Close(fd));
    }

    [Fact]
    public void Truncate_errnos()
    {
        Ok(P.Mkdir("/m/d", Dir755));
        Assert.Equal(Errno.EISDIR, P.Truncate("/m/d", 0));
        Assert.Equal(Errno.ENOENT, P.Truncate("/m/nope", 0));
        _h.WriteFile("/m/f", "abc");
        Assert.Equal(Errno.EINVAL, P.Truncate("/m/f", -1));
        Assert.Equal(3L, _h.StatOf("/m/f").Size);
    }

    [Fact]
    public void Truncate_follows_a_symbolic_link()
    {
        _h.WriteFile("/m/f", "abcdef");
        Ok(P.Symlink("f", "/m/l"));
        Ok(P.Truncate("/m/l", 2));
        Assert.Equal("ab", _h.ReadFile("/m/f"));
    }

    [Fact]
    public void Ftruncate_errnos()
    {
        _h.WriteFile("/m/f", "abc");
        Ok(P.Open("/m/f", O_RDONLY, 0, out int r));
        Assert.Equal(Errno.EINVAL, P.Ftruncate(r, 0)); // not open for writing
        Ok(P.Open("/m/f", O_WRONLY, 0, out int w));
        Assert.Equal(Errno.EINVAL, P.Ftruncate(w, -1));
        Assert.Equal(Errno.EBADF, P.Ftruncate(99, 0));
        Assert.Equal(3L, _h.StatOf("/m/f").Size);
        Ok(P.Close(r));
        Ok(P.Close(w));
    }

    [Fact]
    public void Lseek_whence_and_errnos()
    {
        int fd = OpenRw();
        Ok(P.Write(fd, "0123456789"u8.ToArray(), out _));
        Ok(P.Lseek(fd, 2, Whence.SEEK_SET, out long off));
        Assert.Equal(2L, off);
        Ok(P.Lseek(fd, 3, Whence.SEEK_CUR, out off));
        Assert.Equal(5L, off);
        Ok(P.Lseek(fd, -1, Whence.SEEK_END, out off));
        Assert.Equal(9L, off);
        Ok(P.Lseek(fd, 100, Whence.SEEK_END, out off)); // past the end is fine
        Assert.Equal(110L, off);
        Assert.Equal(Errno.EINVAL, P.Lseek(fd, -200, Whence.SEEK_END, out off));
        Assert.Equal(-1L, off);
        Assert.Equal(Errno.EINVAL, P.Lseek(fd, 0, (Whence)7, out _));
        Assert.Equal(Errno.EOVERFLOW, P.Lseek(fd, long.MaxValue, Whence.SEEK_CUR, out _));
        Assert.Equal(Errno.EBADF, P.Lseek(42, 0, Whence.SEEK_SET, out _));
        Ok(P.Lseek(fd, 0, Whence.SEEK_CUR, out off));
        Assert.Equal(110L, off); // failed seeks moved nothing
        Ok(P.Close(fd));
    }

    [Fact]
    public void Reading_a_directory_descriptor_is_EISDIR()
    {
        Ok(P.Mkdir("/m/d", Dir755));
        Ok(P.Open("/m/d", O_RDONLY, 0, out int fd));
        Assert.Equal(Errno.EISDIR, P.Read(fd, new byte[16], out _));
        Assert.Equal(Errno.EISDIR, P.Pread(fd, new byte[16], 0, out _));
        Ok(P.Close(fd));
    }

    [Fact]
    public void Reading_sets_atime_and_writing_sets_mtime_and_ctime()
    {
        int fd = OpenRw();
        var t0 = _h.StatOf("/m/f");
        Ok(P.Write(fd, "x"u8.ToArray(), out _));
        var t1 = _h.StatOf("/m/f");
        Assert.True(t1.Mtime > t0.Mtime);
        Assert.True(t1.Ctime > t0.Ctime);
        Assert.Equal(t0.Atime, t1.Atime);
        Ok(P.Pread(fd, new byte[1], 0, out _));
        var t2 = _h.StatOf("/m/f");
        Assert.True(t2.Atime > t1.Atime);
        Assert.Equal(t1.Mtime, t2.Mtime);
        Ok(P.Close(fd));
    }

    [Fact]
    public void Fsync_and_fdatasync_succeed_on_open_files_and_fail_with_EBADF_otherwise()
    {
        int fd = OpenRw();
        Ok(P.Fsync(fd));
        Ok(P.Fdatasync(fd));
        Ok(P.Close(fd));
        Assert.Equal(Errno.EBADF, P.Fsync(fd));
        Assert.Equal(Errno.EBADF, P.Fdatasync(-3));
    }

    [Fact]
    public void A_full_tmpfs_is_ENOSPC_and_a_write_that_fits_partly_returns_the_short_count()
    {
        var h = new TestHost(options: "size=8k");
        Ok(h.Root.Open("/m/f", O_CREAT | O_RDWR, Mode666, out int fd));
        var data = new byte[3 * 4096];
        Ok(h.Root.Write(fd, data, out int n));
        Assert.Equal(2 * 4096, n);
        Assert.Equal(Errno.ENOSPC, h.Root.Write(fd, data, out n));
        Assert.Equal(0, n);
        Assert.Equal(2 * 4096L, h.StatOf("/m/f").Size);
        Ok(h.Root.Ftruncate(fd, 0)); // frees the pages
        Ok(h.Root.Pwrite(fd, data.AsMemory(0, 8192), 0, out n));
        Assert.Equal(8192, n);
        Ok(h.Root.Close(fd));
    }

    [Fact]
    public void A_write_beyond_the_largest_file_is_EFBIG_and_changes_nothing()
    {
        int fd = OpenRw();
        Assert.Equal(Errno.EFBIG, P.Pwrite(fd, "x"u8.ToArray(), long.MaxValue - 1, out int n));
        Assert.Equal(0, n);
        Assert.Equal(Errno.EFBIG, P.Ftruncate(fd, long.MaxValue));
        Assert.Equal(0L, _h.StatOf("/m/f").Size);
        Ok(P.Close(fd));
    }

    [Fact]
    public void A_far_sparse_write_costs_one_page()
    {
        int fd = OpenRw();
        const long far = 1L << 40; // 1 TiB
        Ok(P.Pwrite(fd, "z"u8.ToArray(), far, out int n));
        Assert.Equal(1, n);
        var st = _h.StatOf("/m/f");
        Assert.Equal(far + 1, st.Size);
        Assert.Equal(8L, st.Blocks);
        var buf = new byte[2];
        Ok(P.Pread(fd, buf, far - 1, out n));
        Assert.Equal(new byte[] { 0, (byte)'z' }, buf);
        Ok(P.Ftruncate(fd, 0));
        Assert.Equal(0L, _h.StatOf("/m/f").Blocks);
        Ok(P.Close(fd));
    }

    [Fact]
    public void Writes_of_two_descriptors_on_one_file_see_each_other_at_once()
    {
        int a = OpenRw();
        Ok(P.Open("/m/f", O_RDONLY, 0, out int b));
        Ok(P.Write(a, "shared"u8.ToArray(), out _));
        var buf = new byte[6];
        Ok(P.Read(b, buf, out int n));
        Assert.Equal("shared", Encoding.ASCII.GetString(buf, 0, n));
        Ok(P.Close(a));
        Ok(P.Close(b));
    }
}
