// Tests of the NFS server: what a reply acknowledges survives the server's power going out (RFC 1813 §1.6: CREATE,
// MKDIR, SYMLINK, MKNOD, REMOVE, RMDIR, RENAME and LINK are synchronous; SETATTR too, as Linux's nfsd makes it). The
// export is a UFS on a FaultyBlockDevice. A seeded history of name and mode changes goes through our NFS client, each
// call answered; then the server's disk loses power -- every write not flushed is lost, or a random subset of them
// reaches the disk, one torn -- fsck -y repairs what it must, a second fsck finds nothing, and the tree read back from
// the disk is the one the client was told it made. Before the server committed these procedures, a created name
// lived only in the buffer cache until the next FILE_SYNC WRITE or COMMIT, and the power cut took it away.
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using UnixVfs.Core;
using UnixVfs.Ufs;

namespace UnixVfs.Nfs.Tests;

public class StableReplyTests
{
    /// <summary>What the model holds at a path: its type, permission bits, a symlink's target, and for all but a directory its inode (links share it).</summary>
    private sealed record Entry(VType Type, uint Perm, string Target = "", int Inode = 0);

    [Property(MaxTest = 16, Replay = "(20261203,7)", QuietOnSuccess = true)]
    public Property Every_answered_name_and_mode_change_survives_a_power_cut_of_the_servers_disk() =>
        Prop.ForAll(Arb.From(Gen.Choose(1, 1_000_000)), Arb.From(Gen.Choose(1, 40)), Arb.From(Gen.Elements(CrashMode.LoseAll, CrashMode.Reorder)),
            (seed, steps, mode) =>
            {
                var mem = new MemoryBlockDevice(16L << 20);
                Assert.Equal(Errno.OK, Newfs.Make(mem, new NewfsOptions { Bsize = 8192, Fsize = 1024, Id = 0x5eed }, new Timespec(1_700_000_000, 0), out _, out var why));
                var dev = new FaultyBlockDevice(mem);
                var model = new SortedDictionary<string, Entry>(StringComparer.Ordinal);
                var history = new List<string>();
                using (var bed = new TestBed(seed: seed, mountExport: (k, p) =>
                       {
                           k.Vfssw.Install(UfsVfsops.Def);
                           var err = p.Mount("disk", "/export", "ufs", MountFlags.None, "", dev);
                           return err == Errno.OK ? p.Chmod("/export", 0x1FF) : err;
                       }))
                {
                    TestBed.Check(bed.Mount());
                    var rng = new Random(seed);
                    for (int i = 0; i < steps; i++)
                        history.Add(Step(bed.Client, rng, model));
                    dev.Crash(mode, new Random(seed));
                }
                string context = $"seed {seed}, {mode}, history:\n  {string.Join("\n  ", history)}";
                Assert.Equal(Errno.OK, Fsck.Run(mem, repair: true, out var repaired));
                Assert.True(repaired.Unfixed == 0, $"fsck -y left problems ({context}):\n{string.Join("\n", repaired.Lines)}");
                Assert.Equal(Errno.OK, Fsck.Run(mem, repair: false, out var again));
                Assert.True(again.Clean, $"after fsck -y, fsck -n finds ({context}):\n{string.Join("\n", again.Problems)}");
                var after = new Kernel("after");
                after.Vfssw.Install(UfsVfsops.Def);
                var q = after.CreateProcess();
                TestBed.Check(q.Mkdir("/disk", 0x1ED));
                TestBed.Check(q.Mount("disk", "/disk", "ufs", MountFlags.MS_RDONLY, "", mem));
                Assert.True(Tree(model) == Tree(Read(q, "/disk")), $"{context}\nexpected:\n{Tree(model)}\nfound on the disk:\n{Tree(Read(q, "/disk"))}");
            });

    /// <summary>One change made through the client at random, applied to the model once answered OK. Returns what it was.</summary>
    private static string Step(Process c, Random rng, SortedDictionary<string, Entry> model)
    {
        var dirs = model.Where(e => e.Value.Type == VType.VDIR).Select(e => e.Key).Prepend("").ToList();
        string Fresh() => $"{dirs[rng.Next(dirs.Count)]}/n{rng.Next(1_000_000)}";
        var files = model.Where(e => e.Value.Type == VType.VREG).Select(e => e.Key).ToList();
        var others = model.Where(e => e.Value.Type is not VType.VDIR).Select(e => e.Key).ToList();
        var empty = model.Where(e => e.Value.Type == VType.VDIR && !model.Keys.Any(k => k.StartsWith(e.Key + "/", StringComparison.Ordinal))).Select(e => e.Key).ToList();
        uint perm = rng.Next(4) switch { 0 => 0x1A4u, 1 => 0x180u, 2 => 0x1EDu, _ => 0x124u };
        string p, q;
        switch (rng.Next(9))
        {
            case 0 or 1:
                p = Fresh();
                TestBed.Check(c.Open("/mnt" + p, OFlags.O_CREAT | OFlags.O_EXCL | OFlags.O_WRONLY, perm, out int fd));
                TestBed.Check(c.Close(fd));
                model[p] = new Entry(VType.VREG, perm, Inode: rng.Next());
                return $"create {p} {Octal(perm)}";
            case 2:
                p = Fresh();
                TestBed.Check(c.Mkdir("/mnt" + p, 0x1ED));
                model[p] = new Entry(VType.VDIR, 0x1ED);
                return $"mkdir {p}";
            case 3:
                p = Fresh();
                TestBed.Check(c.Symlink("t" + p, "/mnt" + p));
                model[p] = new Entry(VType.VLNK, 0x1FF, "t" + p, rng.Next());
                return $"symlink {p}";
            case 4:
                p = Fresh();
                TestBed.Check(c.Mknod("/mnt" + p, ModeBits.S_IFIFO | 0x1A4, 0));
                model[p] = new Entry(VType.VFIFO, 0x1A4, Inode: rng.Next());
                return $"mknod fifo {p}";
            case 5 when others.Count > 0:
                p = others[rng.Next(others.Count)];
                TestBed.Check(c.Unlink("/mnt" + p));
                model.Remove(p);
                return $"unlink {p}";
            case 6 when empty.Count > 0:
                p = empty[rng.Next(empty.Count)];
                TestBed.Check(c.Rmdir("/mnt" + p));
                model.Remove(p);
                return $"rmdir {p}";
            case 7 when others.Count > 0:
                p = others[rng.Next(others.Count)];
                q = rng.Next(3) == 0 && others.Count > 1 ? others[rng.Next(others.Count)] : Fresh();
                TestBed.Check(c.Rename("/mnt" + p, "/mnt" + q));
                if (!(model.TryGetValue(q, out var over) && over.Inode == model[p].Inode)) // a rename between two links of one file does nothing
                {
                    model[q] = model[p];
                    model.Remove(p);
                }
                return $"rename {p} {q}";
            case 8 when files.Count > 0:
                p = files[rng.Next(files.Count)];
                if (rng.Next(2) == 0)
                {
                    q = Fresh();
                    TestBed.Check(c.Link("/mnt" + p, "/mnt" + q));
                    model[q] = model[p];
                    return $"link {p} {q}";
                }
                TestBed.Check(c.Chmod("/mnt" + p, perm));
                foreach (var k in model.Where(e => e.Value.Inode == model[p].Inode).Select(e => e.Key).ToList())
                    model[k] = model[k] with { Perm = perm };
                return $"chmod {p} {Octal(perm)}";
            default:
                return "(nothing)";
        }
    }

    /// <summary>The tree under <paramref name="root"/> as the model's entries (a file's inode: its inode number there).</summary>
    private static SortedDictionary<string, Entry> Read(Process p, string root)
    {
        var tree = new SortedDictionary<string, Entry>(StringComparer.Ordinal);
        void Walk(string rel)
        {
            TestBed.Check(p.Open(root + rel, OFlags.O_RDONLY | OFlags.O_DIRECTORY, 0, out int fd));
            var names = new List<string>();
            var buf = new byte[4096];
            while (p.Getdents(fd, buf, out int n) == Errno.OK && n > 0)
                names.AddRange(Dirent64.Parse(buf.AsSpan(0, n)).Select(d => d.Name).Where(x => x is not ("." or "..")));
            TestBed.Check(p.Close(fd));
            foreach (var name in names)
            {
                string path = $"{rel}/{name}";
                if (path == "/lost+found")
                    continue;
                TestBed.Check(p.Lstat(root + path, out var st));
                string target = "";
                if (st!.Type == VType.VLNK)
                    TestBed.Check(p.Readlink(root + path, out target));
                tree[path] = new Entry(st.Type, st.Perm, target, st.Type == VType.VDIR ? 0 : (int)st.Ino);
                if (st.Type == VType.VDIR)
                    Walk(path);
            }
        }
        Walk("");
        return tree;
    }

    /// <summary>
    /// The tree as text, one path a line: type, permissions, target, and for all but a directory the first path of its
    /// inode, so that the model's made-up inode numbers compare with the disk's.
    /// </summary>
    private static string Tree(SortedDictionary<string, Entry> tree)
    {
        var first = new Dictionary<int, string>();
        foreach (var (path, e) in tree)
            if (e.Type != VType.VDIR)
                first.TryAdd(e.Inode, path);
        return string.Join("\n", tree.Select(kv => $"{kv.Key} {kv.Value.Type} {Octal(kv.Value.Perm)} {kv.Value.Target}" +
                                                   (kv.Value.Type == VType.VDIR ? "" : $" inode of {first[kv.Value.Inode]}")));
    }

    private static string Octal(uint perm) => Convert.ToString(perm, 8);
}
