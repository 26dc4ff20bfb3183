// Tests of Vfs.Core: the DNLC -- what it caches, its holds, and that it never answers with a vnode
// a name no longer leads to (after remove, rename, rmdir, rename over a victim, unmount).
using static UnixVfs.Core.OFlags;
using static UnixVfs.Core.Tests.TestHost;

namespace UnixVfs.Core.Tests.KernelTests;

public class DnlcTests
{
    private readonly TestHost _h = new();
    private Process P => _h.Root;
    private Dnlc Dnlc => _h.Kernel.Dnlc;

    private Vnode Look(string path)
    {
        Ok(P.Lookupname(path, false, out var vp));
        return vp!;
    }

    /// <summary>The DNLC's answer for <paramref name="name"/> in directory <paramref name="dir"/>, released at once.</summary>
    private Vnode? Cached(string dir, string name)
    {
        var dvp = Look(dir);
        var vp = Dnlc.Lookup(dvp, name);
        dvp.Rele();
        vp?.Rele();
        return vp;
    }

    [Fact]
    public void A_lookup_enters_the_name_and_the_next_one_is_a_hit()
    {
        _h.WriteFile("/m/f", "");
        Dnlc.Purge();
        var f = Look("/m/f");
        Assert.Same(f, Cached("/m", "f"));
        long hits = Dnlc.Hits;
        Look("/m/f").Rele();
        Assert.True(Dnlc.Hits > hits);
        f.Rele();
    }

    [Fact]
    public void A_cached_name_holds_its_vnode_and_purging_releases_it()
    {
        _h.WriteFile("/m/f", "");
        Dnlc.Purge();
        var f = Look("/m/f");
        Assert.Equal(2, f.Count); // ours and the DNLC's
        Dnlc.Purge();
        Assert.Equal(1, f.Count);
        f.Rele();
    }

    [Fact]
    public void Dot_and_dotdot_are_never_cached()
    {
        Ok(P.Mkdir("/m/d", Dir755));
        Look("/m/d/./..").Rele();
        Assert.Null(Cached("/m/d", "."));
        Assert.Null(Cached("/m/d", ".."));
    }

    [Fact]
    public void Unlink_removes_the_name_from_the_cache()
    {
        _h.WriteFile("/m/f", "");
        Look("/m/f").Rele();
        Assert.NotNull(Cached("/m", "f"));
        Ok(P.Unlink("/m/f"));
        Assert.Null(Cached("/m", "f"));
        Assert.Equal(Errno.ENOENT, P.Stat("/m/f", out _));
    }

    [Fact]
    public void Rename_removes_both_names_and_later_lookups_see_the_new_files()
    {
        _h.WriteFile("/m/a", "A");
        _h.WriteFile("/m/b", "B");
        var a = Look("/m/a");
        Look("/m/b").Rele();
        Ok(P.Rename("/m/a", "/m/b"));
        Assert.Null(Cached("/m", "a"));
        Assert.Null(Cached("/m", "b"));
        Assert.Same(a, Look("/m/b"));
        Assert.Equal("A", _h.ReadFile("/m/b"));
        Assert.Equal(Errno.ENOENT, P.Stat("/m/a", out _));
        a.Rele();
        a.Rele();
    }

    [Fact]
    public void Rmdir_purges_every_name_inside_the_directory()
    {
        Ok(P.Mkdir("/m/d", Dir755));
        _h.WriteFile("/m/d/f", "");
        Look("/m/d/f").Rele();
        var d = Look("/m/d");
        Ok(P.Unlink("/m/d/f"));
        Ok(P.Rmdir("/m/d"));
        Assert.Null(Dnlc.Lookup(d, "f"));
        Assert.Null(Cached("/m", "d"));
        d.Rele();
    }

    [Fact]
    public void Renaming_a_directory_over_an_empty_one_purges_the_victim()
    {
        Ok(P.Mkdir("/m/src", Dir755));
        Ok(P.Mkdir("/m/dst", Dir755));
        Ok(P.Mkdir("/m/dst/x", Dir755));
        Ok(P.Rmdir("/m/dst/x")); // leaves dst empty, with a DNLC history
        var victim = Look("/m/dst");
        Ok(P.Rename("/m/src", "/m/dst"));
        Assert.NotSame(victim, Look("/m/dst"));
        Assert.Equal(Errno.ENOENT, P.Stat("/m/src", out _));
        victim.Rele();
    }

    [Fact]
    public void What_if_a_name_is_removed_and_made_again_many_times_while_it_is_cached()
    {
        for (int i = 0; i < 50; i++)
        {
            _h.WriteFile("/m/f", $"gen {i}");
            Assert.Equal($"gen {i}", _h.ReadFile("/m/f"));
            var vp = Look("/m/f");
            Assert.Equal(1u, _h.StatOf("/m/f").Nlink);
            vp.Rele();
            if (i % 2 == 0)
                Ok(P.Unlink("/m/f"));
            else
                Ok(P.Rename("/m/f", "/m/g"));
            Assert.Equal(Errno.ENOENT, P.Stat("/m/f", out _));
        }
        Holds.AssertBalanced(_h.Kernel, "/m");
    }

    [Fact]
    public void Unmount_purges_the_names_of_the_file_system()
    {
        _h.WriteFile("/m/f", "");
        Look("/m/f").Rele();
        int before = Dnlc.Count;
        Ok(P.Umount("/m"));
        Assert.True(Dnlc.Count < before);
        Assert.Equal(Errno.ENOENT, P.Stat("/m/f", out _));
    }

    [Fact]
    public void A_full_cache_evicts_the_oldest_name_and_releases_its_hold()
    {
        var dnlc = new Dnlc(capacity: 2);
        _h.WriteFile("/m/a", "");
        _h.WriteFile("/m/b", "");
        _h.WriteFile("/m/c", "");
        var m = Look("/m");
        var a = Look("/m/a");
        var b = Look("/m/b");
        var c = Look("/m/c");
        Dnlc.Purge();
        dnlc.Enter(m, "a", a);
        dnlc.Enter(m, "b", b);
        dnlc.Enter(m, "c", c);
        Assert.Equal(2, dnlc.Count);
        Assert.Equal(1, a.Count);
        Assert.Null(dnlc.Lookup(m, "a"));
        var got = dnlc.Lookup(m, "c");
        Assert.Same(c, got);
        got!.Rele();
        dnlc.Enter(m, "b", c); // a name already cached is replaced, and the old vnode let go
        Assert.Equal(1, b.Count);
        Assert.Equal(3, c.Count);
        Assert.Equal(2, dnlc.Purge());
        foreach (var vp in new[] { m, a, b, c })
            vp.Rele();
    }

    [Fact]
    public void A_VNOCACHE_directory_caches_nothing()
    {
        var dnlc = new Dnlc();
        _h.WriteFile("/m/f", "");
        var m = Look("/m");
        var f = Look("/m/f");
        m.Flag |= VnodeFlags.VNOCACHE;
        dnlc.Enter(m, "f", f);
        Assert.Equal(0, dnlc.Count);
        m.Flag &= ~VnodeFlags.VNOCACHE;
        m.Rele();
        f.Rele();
    }

    [Fact]
    public async Task What_if_lookups_race_with_renames_and_removes_the_cache_still_agrees_with_the_directory()
    {
        // Two threads rename, unlink, link and create over four names while a third looks them up (filling
        // the DNLC as the names change). Afterwards every name must lead where the directory says it does:
        // a stale cache entry would show as a lookup that finds a file readdir does not list, or another one.
        string[] names = ["a", "b", "c", "d"];
        for (int round = 0; round < 5; round++)
        {
            foreach (var n in names)
                WriteFile(P, "/m/" + n, n);
            var tasks = new List<Task>();
            for (int t = 0; t < 2; t++)
            {
                int seed = round * 10 + t;
                tasks.Add(Task.Run(() =>
                {
                    var w = _h.Kernel.CreateProcess();
                    var rng = new Random(seed);
                    for (int i = 0; i < 3000; i++)
                    {
                        string x = "/m/" + names[rng.Next(4)], y = "/m/" + names[rng.Next(4)];
                        switch (rng.Next(4))
                        {
                            case 0: w.Rename(x, y); break;
                            case 1: w.Unlink(x); break;
                            case 2: w.Link(x, y); break;
                            default:
                                if (w.Open(x, O_CREAT | O_WRONLY, Mode666, out int fd) == Errno.OK)
                                    Ok(w.Close(fd));
                                break;
                        }
                    }
                    w.Exit();
                }));
            }
            var reader = _h.Kernel.CreateProcess();
            while (!tasks.All(t => t.IsCompleted))
                foreach (var n in names)
                    reader.Stat("/m/" + n, out _);
            await Task.WhenAll(tasks);
            reader.Exit();

            var listed = new FileSystemFacade(P).EnumerateEntries("/m").ToDictionary(d => d.Name, d => d.Ino);
            foreach (var n in names)
            {
                var err = P.Lstat("/m/" + n, out var st);
                if (listed.TryGetValue(n, out ulong ino))
                {
                    Ok(err);
                    Assert.Equal(ino, st!.Ino);
                }
                else
                    Assert.Equal(Errno.ENOENT, err);
            }
            var byIno = listed.GroupBy(kv => kv.Value).ToList();
            foreach (var g in byIno)
                Assert.Equal((uint)g.Count(), _h.LstatOf("/m/" + g.First().Key).Nlink);
            foreach (var n in listed.Keys)
                Ok(P.Unlink("/m/" + n));
        }
        Holds.AssertBalanced(_h.Kernel, "/m");
        Ok(P.Statvfs("/m", out var sv));
        Assert.Equal(sv!.Files - 1, sv.Ffree); // every file freed, only the root left
    }
}
