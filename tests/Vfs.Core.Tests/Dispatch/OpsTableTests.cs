// Tests of Vfs.Core: building ops tables from templates (vn_make_ops / fs_build_vector) -- defaults for
// missing entries, the FsDefault and FsError placeholders, EINVAL for bad templates -- the typed stubs
// of FsSubr, per-vfs statistics, and the rule that nothing but Vop/VfsOp calls a table directly.
namespace UnixVfs.Core.Tests.Dispatch;

public class OpsTableTests
{
    private static Errno MyRead(Vnode vp, Uio uio, FileFlags ioflag, Cred cr, CallerContext? ct) => Errno.EIO;

    [Fact]
    public void A_template_entry_fills_its_slot_and_every_other_slot_gets_the_default()
    {
        Assert.Equal(Errno.OK, VnodeOps.Make("t", [new(VopName.Read, (VopRead)MyRead)], out var ops));
        Assert.Equal("t", ops!.Name);
        Assert.Equal((VopRead)MyRead, ops.Read);
        Assert.False(ops.IsDefault(VopName.Read));
        Assert.True(ops.IsDefault(VopName.Write));
        Assert.All(ops.Slots, s => Assert.NotNull(s.Func));
        Assert.Equal(typeof(VopName).GetFields().Length, ops.Slots.Count()); // one slot per op of VnodeIf.cs
    }

    [Fact]
    public void Missing_ops_are_ENOSYS_except_those_with_a_generic_default()
    {
        var h = new TestHost();
        TestHost.WriteFile(h.Root, "/m/f", "x");
        Assert.Equal(Errno.OK, h.Root.Lookupname("/m/f", false, out var real));
        Assert.Equal(Errno.OK, VnodeOps.Make("empty", [], out var ops));
        var vp = Vnode.Alloc(ops!, real!.Vfs, VType.VREG, null);
        var uio = new Uio(new byte[4], 0, UioRw.UIO_READ);
        Assert.Equal(Errno.ENOSYS, Vop.Read(vp, uio, 0, Cred.Kcred));
        Assert.Equal(Errno.ENOSYS, Vop.Getattr(vp, new Vattr(AttrMask.AT_ALL), 0, Cred.Kcred));
        Assert.Equal(Errno.ENOSYS, Vop.Lookup(vp, "x", out var found, 0, null, Cred.Kcred));
        Assert.Null(found);
        Assert.Equal(Errno.ENOTTY, Vop.Ioctl(vp, 1, null, 0, Cred.Kcred, out int rval));
        Assert.Equal(0, rval);
        Assert.Equal(Errno.OK, Vop.Setfl(vp, 0, FileFlags.FAPPEND, Cred.Kcred));
        Assert.True(Vop.Cmp(vp, vp));
        Assert.False(Vop.Cmp(vp, real));
        long off = 10;
        Assert.Equal(Errno.OK, Vop.Seek(vp, 0, ref off));
        off = -1;
        Assert.Equal(Errno.EINVAL, Vop.Seek(vp, 0, ref off));
        Assert.Equal(Errno.OK, Vop.Pathconf(vp, PathconfName._PC_NAME_MAX, out long nameMax, Cred.Kcred));
        Assert.Equal(255L, nameMax);
        Assert.Equal(Errno.EINVAL, Vop.Pathconf(vp, (PathconfName)999, out _, Cred.Kcred));
        Assert.Equal(Errno.OK, Vop.Rwlock(vp, RwLockType.Writer));
        Assert.True(vp.RwLock.WriteHeld);
        Vop.Rwunlock(vp, RwLockType.Writer);
        vp.Rele(); // the default inactive drops the hold
        Assert.Equal(0, vp.Count);
        real.Rele();
    }

    [Fact]
    public void FsDefault_names_the_default_and_FsError_the_error_function()
    {
        Assert.Equal(Errno.OK, VnodeOps.Make("p",
        [
            new(VopName.Seek, FsOperationDef.FsError),
            new(VopName.Ioctl, FsOperationDef.FsDefault),
        ], out var ops));
        Assert.True(ops!.IsDefault(VopName.Ioctl));
        Assert.False(ops.IsDefault(VopName.Seek));
        long off = 5;
        var vfsp = new TestHost(mountTmpfs: false).Kernel.RootVfs;
        var vp = Vnode.Alloc(ops, vfsp, VType.VREG, null);
        Assert.Equal(Errno.ENOSYS, Vop.Seek(vp, 0, ref off));
        Assert.Equal(Errno.ENOTTY, Vop.Ioctl(vp, 0, null, 0, Cred.Kcred, out _));
    }

    public static TheoryData<string, FsOperationDef[]> BadTemplates => new()
    {
        { "a null entry", [new(VopName.Read, null)] },
        { "an unknown name", [new("frobnicate", (VopRead)MyRead)] },
        { "a wrong-typed delegate", [new(VopName.Write, (VopRead)MyRead)] },
        { "an untyped lambda", [new(VopName.Read, new Func<int>(() => 0))] },
        { "a name given twice", [new(VopName.Read, (VopRead)MyRead), new(VopName.Read, (VopRead)MyRead)] },
    };

    [Theory]
    [MemberData(nameof(BadTemplates))]
    public void A_bad_vnode_template_is_EINVAL_and_MakeOrPanic_panics(string why, FsOperationDef[] template)
    {
        Assert.Equal(Errno.EINVAL, VnodeOps.Make(why, template, out var ops));
        Assert.Null(ops);
        var e = Assert.Throws<VfsPanicException>(() => VnodeOps.MakeOrPanic("bad", template));
        Assert.Contains("vn_make_ops(bad)", e.Message);
    }

    [Fact]
    public void A_bad_vfs_template_is_EINVAL_and_a_good_one_gets_defaults()
    {
        Assert.Equal(Errno.EINVAL, VfsOps.Make("bad", [new(VfsopName.Root, null)], out var none));
        Assert.Null(none);
        Assert.Equal(Errno.EINVAL, VfsOps.Make("bad", [new("nosuch", (VfsSyncFn)((v, f, c) => Errno.OK))], out _));
        Assert.Equal(Errno.EINVAL, VfsOps.Make("bad", [new(VfsopName.Sync, (VopRead)MyRead)], out _));
        Assert.Throws<VfsPanicException>(() => VfsOps.MakeOrPanic("bad", [new(VfsopName.Root, null)]));

        Assert.Equal(Errno.OK, VfsOps.Make("good", [], out var ops));
        var vfsp = new TestHost(mountTmpfs: false).Kernel.RootVfs;
        Assert.Equal(Errno.ENOSYS, ops!.Root(vfsp, out var root));
        Assert.Null(root);
        Assert.Equal(Errno.OK, ops.Sync(vfsp, SyncFlags.SYNC_ALL, Cred.Kcred)); // generic: nothing to write
        ops.Freevfs(vfsp);
        Assert.Equal(typeof(VfsopName).GetFields().Length, ops.Slots.Count()); // one slot per op of VfsIf.cs
    }

    [Fact]
    public void Typed_stubs_return_their_errno_and_clear_out_parameters()
    {
        var lookup = FsSubr.Enotdir<VopLookup>();
        var vfsp = new TestHost(mountTmpfs: false).Kernel.RootVfs;
        var vp = Vnode.Alloc(VnodeOps.MakeOrPanic("x", []), vfsp, VType.VREG, null);
        Assert.Equal(Errno.ENOTDIR, lookup(vp, "n", out var found, 0, null, Cred.Kcred, null));
        Assert.Null(found);
        Assert.Equal(Errno.EISDIR, FsSubr.Eisdir<VopRead>()(vp, new Uio(new byte[1], 0, UioRw.UIO_READ), 0, Cred.Kcred, null));
        Assert.Equal(Errno.EINVAL, FsSubr.Einval<VopReadlink>()(vp, new Uio(new byte[1], 0, UioRw.UIO_READ), Cred.Kcred, null));
        Assert.Equal(Errno.EROFS, FsSubr.Erofs<VopRemove>()(vp, "n", Cred.Kcred, null));
        Assert.Equal(Errno.ENOSYS, FsSubr.Nosys<VopFid>()(vp, Fid.MaxFidSize, out var fid, null));
        Assert.Null(fid);
        Assert.Equal(Errno.EIO, FsSubr.Returning<VopPathconf>(Errno.EIO)(vp, PathconfName._PC_LINK_MAX, out long val, Cred.Kcred, null));
        Assert.Equal(0L, val);
        Assert.False(FsSubr.Returning<VopCmp>(Errno.OK)(vp, vp, null)); // a bool slot answers false
        var panic = FsSubr.Panic<VopWrite>();
        var e = Assert.Throws<VfsPanicException>(() => panic(vp, new Uio(new byte[1], 0, UioRw.UIO_WRITE), 0, Cred.Kcred, null));
        Assert.Contains("filesystem goof", e.Message);
    }

    [Fact]
    public void CheckName_refuses_what_no_system_call_could_reach()
    {
        Assert.Equal(Errno.OK, FsSubr.CheckName("ok"));
        Assert.Equal(Errno.OK, FsSubr.CheckName(new string('a', 255)));
        Assert.Equal(Errno.OK, FsSubr.CheckName("..."));
        foreach (var bad in new[] { "", ".", "..", "a/b", "a\0b", "\uD800", "x\uDC00" })
            Assert.Equal(Errno.EINVAL, FsSubr.CheckName(bad));
        Assert.Equal(Errno.OK, FsSubr.CheckName("\U0001F600"));
        Assert.Equal(Errno.ENAMETOOLONG, FsSubr.CheckName(new string('a', 256)));
        Assert.Equal(Errno.ENAMETOOLONG, FsSubr.CheckName(new string('€', 86))); // 258 bytes
    }

    [Fact]
    public void SetOps_interposes_and_MatchOps_tells_tables_apart()
    {
        var vfsp = new TestHost(mountTmpfs: false).Kernel.RootVfs;
        var a = VnodeOps.MakeOrPanic("a", []);
        var b = VnodeOps.MakeOrPanic("b", [new(VopName.Read, (VopRead)MyRead)]);
        var vp = Vnode.Alloc(a, vfsp, VType.VREG, null);
        Assert.True(vp.MatchOps(a));
        vp.SetOps(b);
        Assert.True(vp.MatchOps(b));
        Assert.Same(b, vp.RealOps);
        Assert.Equal(Errno.EIO, Vop.Read(vp, new Uio(new byte[1], 0, UioRw.UIO_READ), 0, Cred.Kcred));
    }

    [Fact]
    public void Every_dispatched_call_is_counted_in_its_vfs_statistics()
    {
        var h = new TestHost();
        var st = h.Tmp.Stats;
        long reads = st.Calls(VopName.Read), bytes = st.ReadBytes, errors = st.Errors(VopName.Lookup);
        TestHost.WriteFile(h.Root, "/m/f", "12345");
        Assert.Equal("12345", h.ReadFile("/m/f"));
        Assert.Equal(Errno.ENOENT, h.Root.Stat("/m/nope", out _));
        Assert.Equal(reads + 2, st.Calls(VopName.Read)); // the data, then end of file
        Assert.Equal(bytes + 5, st.ReadBytes);
        Assert.Equal(5L, st.WriteBytes);
        Assert.Equal(errors + 2, st.Errors(VopName.Lookup)); // open(O_CREAT) looked "f" up first; then "nope"
        Assert.Contains(st.NonZero, t => t.Op == VopName.Create);
        Assert.Throws<ArgumentException>(() => st.Calls("nosuch"));
    }

    [Fact]
    public void Nothing_outside_the_dispatchers_calls_an_ops_table_directly()
    {
        var root = RepoRoot();
        var offenders = new List<string>();
        // A call of a slot (an op of VnodeOps or VfsOps) through a vnode's or a vfs's table: "vp.Ops.Read(".
        var slots = typeof(VnodeOps).GetProperties().Concat(typeof(VfsOps).GetProperties())
            .Where(p => p.PropertyType.IsSubclassOf(typeof(Delegate))).Select(p => p.Name).Distinct();
        var slotCall = new System.Text.RegularExpressions.Regex(@"\.(Ops|RealOps|Op)\.(" + string.Join("|", slots) + @")\s*\(");
        foreach (var file in Directory.EnumerateFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories))
        {
            if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
                continue;
            if (file.EndsWith(Path.Combine("Vfs.Core", "Vop.cs")) || file.EndsWith(Path.Combine("Vfs.Core", "VfsOp.cs")))
                continue;
            var lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
                if (slotCall.IsMatch(lines[i]))
                    offenders.Add($"{Path.GetRelativePath(root, file)}:{i + 1}: {lines[i].Trim()}");
        }
        Assert.True(offenders.Count == 0, "direct table calls (use Vop.*/VfsOp.*):\n" + string.Join('\n', offenders));
    }

    private static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Vfs.sln")))
                return d.FullName;
        throw new InvalidOperationException("Vfs.sln not found above " + AppContext.BaseDirectory);
    }
}
