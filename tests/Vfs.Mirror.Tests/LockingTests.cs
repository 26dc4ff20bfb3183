// Tests of Vfs.Mirror: write coherency (patent B.6) -- both copies' rwlocks held while a write reaches
// both, release-and-back-off when the second is taken, no deadlock for writers that cross, and readers
// that never see the copies disagree once a write has returned.
namespace UnixVfs.Mirror.Tests;

public class LockingTests
{
    /// <summary>
    /// What if two mirrors share the same two files in opposite order, and each is written by many threads?
    /// Without the patent's release-and-back-off, a writer holding a and waiting for b meets one holding b and
    /// waiting for a, forever.
    /// </summary>
    [Fact]
    public async Task Writers_that_cross_on_two_mirrors_of_the_same_files_do_not_deadlock()
    {
        var k = new Kernel("crossing");
        k.Vfssw.Install(MirrorVfsops.Def);
        var p = k.CreateProcess();
        foreach (var d in new[] { "/a", "/b", "/m1", "/m2" })
            MirrorFixture.Ok(p.Mkdir(d, 0x1ED));
        MirrorFixture.Ok(p.Mount("swap", "/a", "tmpfs"));
        MirrorFixture.Ok(p.Mount("swap", "/b", "tmpfs"));
        MirrorFixture.Ok(p.Mkdir("/a/d", 0x1ED));
        MirrorFixture.Ok(p.Mkdir("/b/d", 0x1ED));
        // Two mirrors over the same directories: m1 = (a, b), m2 = (b, a). Mount them with hide, so /a and /b stay plain.
        MirrorFixture.Ok(p.Mount("/a/d,/b/d", "/m1", "mfs", MountFlags.None, "hide"));
        MirrorFixture.Ok(p.Mount("/b/d,/a/d", "/m2", "mfs", MountFlags.None, "hide"));
        var mirrors = k.Mounts.Where(v => v.FstypeName == "mfs").Select(v => (MfsVfs)v.Data!).ToArray();
        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(() =>
        {
            var q = k.CreateProcess();
            string path = w % 2 == 0 ? "/m1/shared" : "/m2/shared";
            var buf = new byte[512];
            for (int i = 0; i < 300; i++)
            {
                MirrorFixture.Ok(q.Open(path, OFlags.O_CREAT | OFlags.O_WRONLY, 0x1A4, out int fd));
                Array.Fill(buf, (byte)('a' + w));
                MirrorFixture.Ok(q.Pwrite(fd, buf, (i % 8) * 512, out _));
                MirrorFixture.Ok(q.Close(fd));
            }
        })).ToArray();
        var all = Task.WhenAll(writers);
        Assert.Same(all, await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(120))));
        await all;
        // Each write held both files' locks, so the two files are byte-identical.
        MirrorFixture.Ok(MfsAdm.Verify(p, "/m1", out var r1));
        Assert.True(r1!.Identical, string.Join("\n", r1.Differences));
    }

    /// <summary>
    /// What if a writer holds file a's lock and wants b's, while someone else holds b and then asks for a? The patent's
    /// rule makes the writer let go of a and back off, so the other can take a and finish: no deadlock.
    /// </summary>
    [Fact]
    public void A_writer_that_cannot_get_the_second_lock_releases_the_first_and_backs_off()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        f.WriteFile("/A/b/f", "0");
        var x = f.LowerVnode(0, "f")!;
        var y = f.LowerVnode(1, "f")!;
        Exception? failed = null;
        var writer = new Thread(() =>
        {
            try { f.WriteFile("/A/b/f", "1", OFlags.O_RDONLY); }
            catch (Exception e) { failed = e; }
        });
        // Each lock is let go by the thread that took it, as the lock-order checker (Witness) expects: a thread that
        // ended holding x left nothing for it to find when this one let x go, once a collection had taken that thread's
        // list (a clean-clone run: "releasing a lock no thread holds", then the fixture's close under y's lock).
        using var xTaken = new ManualResetEventSlim();
        using var letXGo = new ManualResetEventSlim();
        var takeX = new Thread(() =>
        {
            Vop.Rwlock(x, RwLockType.Writer);
            xTaken.Set();
            letXGo.Wait();
            Vop.Rwunlock(x, RwLockType.Writer);
        });
        Vop.Rwlock(y, RwLockType.Writer);
        try
        {
            writer.Start();
            SpinWait.SpinUntil(() => mi.Backoffs != 0);
            // The writer holds nothing now, between tries: x can be taken while y is held.
            takeX.Start();
            Assert.True(xTaken.Wait(TimeSpan.FromSeconds(30)));
            GC.Collect(); // the collection that, in the old form, took the ended thread's list: now it finds nothing to take
            GC.WaitForPendingFinalizers();
            Assert.True(writer.IsAlive, $"the writer finished while y's lock was held: {failed}");
        }
        finally
        {
            letXGo.Set();
            if (takeX.IsAlive || xTaken.IsSet)
                Assert.True(takeX.Join(TimeSpan.FromSeconds(30)));
            Vop.Rwunlock(y, RwLockType.Writer);
            Assert.True(writer.Join(TimeSpan.FromSeconds(30)));
            x.Rele();
            y.Rele();
        }
        Assert.Null(failed);
        Assert.Equal("1", f.ReadFile("/X/y/f"));
        Assert.True(f.Verify().Identical);
    }

    /// <summary>
    /// What if a truncate crosses a write? It must reach the copies in the write's order, so it takes both copies'
    /// rwlocks as a write does: while a write holds Y's, the truncate backs off and changes neither copy. (Without
    /// them it cut X and Y under the write's feet, and the write's second copy could end longer than the first.)
    /// </summary>
    [Fact]
    public void A_truncate_waits_for_both_copies_rwlocks_as_a_write_does()
    {
        using var f = new MirrorFixture();
        var mi = f.Mount();
        f.WriteFile("/A/b/f", new string('w', 8192));
        var y = f.LowerVnode(1, "f")!;
        Errno truncated = Errno.EINVAL;
        var truncater = new Thread(() => truncated = f.P.Truncate("/A/b/f", 0));
        Vop.Rwlock(y, RwLockType.Writer);   // a write of the mirror's, between its two copies
        try
        {
            truncater.Start();
            SpinWait.SpinUntil(() => mi.Backoffs != 0 || !truncater.IsAlive);
            Assert.True(truncater.IsAlive, $"the truncate finished ({truncated}) while Y's rwlock was held");
            Assert.Equal(8192, ChecksumTests.LowerBytes(f, 0, "f").Length);
        }
        finally
        {
            Vop.Rwunlock(y, RwLockType.Writer);
            Assert.True(truncater.Join(TimeSpan.FromSeconds(30)));
            y.Rele();
        }
        MirrorFixture.Ok(truncated);
        Assert.Empty(ChecksumTests.LowerBytes(f, 1, "f"));
        Assert.True(f.Verify().Identical);
    }

    /// <summary>What if readers read while writers write: can a reader ever see copy X and copy Y disagree?</summary>
    [Fact]
    public async Task After_a_write_returns_both_copies_hold_it_whichever_copy_serves_the_read()
    {
        using var f = new MirrorFixture();
        f.Mount("read=balance");
        f.WriteFile("/A/b/counter", "0000000000");
        using var stop = new CancellationTokenSource();
        int mismatches = 0;
        var writer = Task.Run(() =>
        {
            var q = f.K.CreateProcess();
            MirrorFixture.Ok(q.Open("/A/b/counter", OFlags.O_WRONLY, 0, out int fd));
            for (int i = 1; i <= 2000; i++)
            {
                MirrorFixture.Ok(q.Pwrite(fd, System.Text.Encoding.ASCII.GetBytes(i.ToString("D10")), 0, out _));
                // The write returned: from now on every read, from either copy, must see at least i.
                var r = f.K.CreateProcess();
                MirrorFixture.Ok(r.Open("/X/y/counter", OFlags.O_RDONLY, 0, out int rfd));
                var buf = new byte[10];
                for (int k = 0; k < 2; k++)
                {
                    MirrorFixture.Ok(r.Pread(rfd, buf, 0, out _));
                    if (long.Parse(System.Text.Encoding.ASCII.GetString(buf)) < i)
                        Interlocked.Increment(ref mismatches);
                }
                MirrorFixture.Ok(r.Close(rfd));
                r.Exit();
            }
            MirrorFixture.Ok(q.Close(fd));
            stop.Cancel();
        });
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            var q = f.K.CreateProcess();
            var buf = new byte[10];
            while (!stop.IsCancellationRequested)
            {
                MirrorFixture.Ok(q.Open("/A/b/counter", OFlags.O_RDONLY, 0, out int fd));
                MirrorFixture.Ok(q.Pread(fd, buf, 0, out int n));
                Assert.Equal(10, n);
                MirrorFixture.Ok(q.Close(fd));
            }
        })).ToArray();
        await writer;
        await Task.WhenAll(readers);
        Assert.Equal(0, mismatches);
        Assert.True(f.Verify().Identical);
    }

    /// <summary>
    /// Threads writing and reading their own parts of one mirrored file (one block of every copy) and files of their
    /// own, all at once: each reads back what it wrote, and afterwards every copy holds every thread's last bytes.
    /// </summary>
    [Theory]
    [InlineData("tmpfs")]
    [InlineData("ufs")]
    [InlineData("nfs")]
    public void Threads_writing_their_own_parts_of_mirrored_files_read_back_what_they_wrote_and_the_copies_agree(string fstype)
    {
        using var f = new MirrorFixture(fstype: fstype);
        f.Mount("read=balance");
        const int part = 16 * 1024, threads = 4;
        MirrorFixture.Ok(f.P.Open("/A/b/shared", OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int shared));
        MirrorFixture.Ok(f.P.Pwrite(shared, new byte[threads * part], 0, out _));
        var expected = new byte[threads][];
        var own = new byte[threads][];
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            var rng = new Random(t);
            var mine = expected[t] = new byte[part];
            var back = new byte[part];
            if (f.P.Open($"/A/b/own{t}", OFlags.O_CREAT | OFlags.O_RDWR, 0x1A4, out int fd) != Errno.OK)
            {
                failures.Enqueue($"thread {t}: open failed");
                return;
            }
            for (int i = 0; i < 60 && failures.IsEmpty; i++)
            {
                int off = rng.Next(part), len = rng.Next(1, Math.Min(part - off, 3000) + 1);
                var data = new byte[len];
                rng.NextBytes(data);
                if (f.P.Pwrite(shared, data, (long)t * part + off, out int n) != Errno.OK || n != len
                    || f.P.Pwrite(fd, data, off, out n) != Errno.OK || n != len)
                {
                    failures.Enqueue($"thread {t} write {i} failed");
                    return;
                }
                data.CopyTo(mine, off);
                if (f.P.Pread(shared, back, (long)t * part, out n) != Errno.OK || n != part || !back.AsSpan().SequenceEqual(mine))
                    failures.Enqueue($"thread {t} read {i} of its part of the shared file: not what it wrote");
                if (f.P.Pread(fd, back, 0, out n) != Errno.OK || n < off + len || !back.AsSpan(0, n).SequenceEqual(mine.AsSpan(0, n)))
                    failures.Enqueue($"thread {t} read {i} of its own file: not what it wrote");
            }
            if (f.P.Fstat(fd, out var st) == Errno.OK)
                own[t] = mine.AsSpan(0, (int)st!.Size).ToArray();
            else
                failures.Enqueue($"thread {t}: fstat failed");
            f.P.Close(fd);
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        Assert.True(failures.IsEmpty, string.Join("; ", failures));
        MirrorFixture.Ok(f.P.Close(shared));
        MirrorFixture.Ok(f.P.Umount("/X/y"));
        var all = expected.SelectMany(e => e).ToArray();
        foreach (var dir in new[] { "/A/b", "/X/y" })
        {
            Assert.Equal(all, ReadAll(f.P, dir + "/shared"));
            for (int t = 0; t < threads; t++)
                Assert.Equal(own[t], ReadAll(f.P, $"{dir}/own{t}"));
        }
    }

    /// <summary>Names removed through the mirror while another thread lists and looks them up are gone afterwards, in every copy.</summary>
    [Theory]
    [InlineData("tmpfs")]
    [InlineData("nfs")]
    public void Names_removed_while_another_thread_lists_and_looks_them_up_are_gone_afterwards(string fstype)
    {
        using var f = new MirrorFixture(fstype: fstype);
        f.Mount("read=y"); // the lister reads the second copy: with "nfs", the import
        var stop = false;
        var lister = new Thread(() =>
        {
            var buf = new byte[8192];
            while (!Volatile.Read(ref stop))
            {
                if (f.P.Open("/A/b", OFlags.O_RDONLY | OFlags.O_DIRECTORY, 0, out int dfd) != Errno.OK)
                    continue;
                while (f.P.Getdents(dfd, buf, out int n) == Errno.OK && n > 0) { }
                f.P.Close(dfd);
                for (int i = 0; i < 50; i++)
                    f.P.Stat($"/A/b/f{i}", out _);
            }
        });
        lister.Start();
        for (int i = 0; i < 50; i++)
        {
            MirrorFixture.Ok(f.P.Open($"/A/b/f{i}", OFlags.O_CREAT | OFlags.O_WRONLY, 0x1A4, out int fd));
            MirrorFixture.Ok(f.P.Close(fd));
            MirrorFixture.Ok(f.P.Unlink($"/A/b/f{i}"));
        }
        Volatile.Write(ref stop, true);
        lister.Join();
        var back = Enumerable.Range(0, 50).Where(i => f.P.Stat($"/A/b/f{i}", out _) != Errno.ENOENT).ToList();
        Assert.True(back.Count == 0, $"removed names still found through the mirror: {string.Join(", ", back)}");
        MirrorFixture.Ok(f.P.Umount("/X/y"));
        foreach (var dir in new[] { "/A/b", "/X/y" })
            Assert.All(Enumerable.Range(0, 50), i => Assert.Equal(Errno.ENOENT, f.P.Stat($"{dir}/f{i}", out _)));
    }

    private static byte[] ReadAll(Process p, string path)
    {
        MirrorFixture.Ok(p.Stat(path, out var st), "stat " + path);
        var buf = new byte[st!.Size];
        MirrorFixture.Ok(p.Open(path, OFlags.O_RDONLY, 0, out int fd), "open " + path);
        MirrorFixture.Ok(p.Pread(fd, buf, 0, out int n), "read " + path);
        MirrorFixture.Ok(p.Close(fd));
        Assert.Equal(buf.Length, n);
        return buf;
    }

    [Fact]
    public void A_write_holds_both_copies_locks_while_it_runs()
    {
        using var f = new MirrorFixture();
        f.Mount();
        f.WriteFile("/A/b/f", "x");
        var held = new List<(bool X, bool Y)>();
        var x = f.LowerVnode(0, "f")!;
        var y = f.LowerVnode(1, "f")!;
        var probe = new VopFaults();
        f.Mfs.Copies[1].Vfs.Faults = probe;
        probe.Fail(VopName.Write, Errno.OK, match: vp =>
        {
            held.Add((x.RwLock.WriteHeld, y.RwLock.WriteHeld));
            return false;
        });
        f.WriteFile("/A/b/f", "yy");
        x.Rele();
        y.Rele();
        Assert.NotEmpty(held);
        Assert.All(held, h => Assert.True(h.X && h.Y));
    }
}
