// Tests of the NFSv3 server at the protocol level, procedure by procedure (RFC 1813), over a
// tmpfs export on the simulated network: results, error statuses, weak cache consistency data,
// write stability and verifiers, exclusive create, readdir cookies and verifiers.
using System.Text;
using UnixVfs.Core;
using UnixVfs.Nfs.Protocol;
using UnixVfs.Nfs.Rpc;
using UnixVfs.Nfs.Server;
using UnixVfs.Nfs.Xdr;

namespace UnixVfs.Nfs.Tests;

public class ServerProtocolTests : IDisposable
{
    private readonly TestBed _bed;
    private readonly RawNfs _nfs;
    private readonly byte[] _root;

    public ServerProtocolTests()
    {
        _bed = new TestBed(export: new ExportOptions { Path = "/export", RootSquash = false });
        _nfs = new RawNfs(_bed.ClientNet, "server", _bed.Server.NfsPort, _bed.Server.MountPort);
        var (st, fh) = _nfs.Mnt("/export");
        Assert.Equal(MountStat3.MNT3_OK, st);
        _root = fh;
    }

    public void Dispose()
    {
        _nfs.Close();
        _bed.Dispose();
    }

    private static Vattr? SkipPostOp(ref XdrReader r) => Nfs3Attr.ReadPostOp(ref r);

    /// <summary>A DUMP reply: the (client, directory) pairs.</summary>
    private static List<(string Client, string Dir)> Dump(byte[] reply)
    {
        var r = new XdrReader(reply);
        var list = new List<(string, string)>();
        while (r.ReadBool())
            list.Add((r.ReadString(Mount3.NameLen), r.ReadString(Mount3.PathLen)));
        Assert.True(r.AtEnd);
        return list;
    }

    [Fact]
    public void Mount_dump_lists_mounts_umnt_and_umntall_forget_them_and_export_lists_exports_with_their_clients()
    {
        Assert.Equal(Errno.OK, _bed.ServerProc.Mkdir("/export/sub", 0x1ED));
        Assert.NotEqual(MountStat3.MNT3_OK, _nfs.Mnt("/elsewhere").Status);   // under no export
        Assert.Equal(Errno.OK, _bed.Server.Share(new ExportOptions { Path = "/export/sub", Clients = ["client", "10.0.0.0/8"], ReadOnly = true }));
        Assert.Equal(MountStat3.MNT3_OK, _nfs.Mnt("/export/sub").Status);

        var mounts = Dump(_nfs.MountCall(Mount3.DUMP, _ => { }));
        Assert.Equal(["/export", "/export/sub"], mounts.Select(m => m.Dir).Order(StringComparer.Ordinal));
        Assert.All(mounts, m => Assert.Equal(mounts[0].Client, m.Client));

        Assert.Empty(_nfs.MountCall(Mount3.UMNT, w => w.WriteString("/export")));
        Assert.Equal(["/export/sub"], Dump(_nfs.MountCall(Mount3.DUMP, _ => { })).Select(m => m.Dir));
        Assert.Empty(_nfs.MountCall(Mount3.UMNTALL, _ => { }));
        Assert.Empty(Dump(_nfs.MountCall(Mount3.DUMP, _ => { })));

        var r = new XdrReader(_nfs.MountCall(Mount3.EXPORT, _ => { }));
        var exports = new List<(string Dir, List<string> Groups)>();
        while (r.ReadBool())
        {
            var dir = r.ReadString(Mount3.PathLen);
            var groups = new List<string>();
            while (r.ReadBool())
                groups.Add(r.ReadString(Mount3.NameLen));
            exports.Add((dir, groups));
        }
        Assert.True(r.AtEnd);
        Assert.Equal(["/export", "/export/sub"], exports.Select(e => e.Dir));
        Assert.Equal(["*"], exports[0].Groups);
        Assert.Equal(["client", "10.0.0.0/8"], exports[1].Groups);
    }

    [Fact]
    public void Null_and_getattr_of_the_root()
    {
        Assert.Equal(NfsStat3.NFS3_OK, _nfs.Call(Nfs3.NULL, _ => { }).Nfs);
        var (st, va) = _nfs.Getattr(_root);
        Assert.Equal(NfsStat3.NFS3_OK, st);
        Assert.Equal(VType.VDIR, va!.Type);
        Assert.Equal(0x1FFu, va.Mode);
    }

    [Fact]
    public void Lookup_finds_names_and_dotdot_of_the_export_root_is_the_root()
    {
        var (st, fh) = _nfs.Create(_root, "f");
        Assert.Equal(NfsStat3.NFS3_OK, st);
        Assert.Equal(fh, _nfs.Lookup(_root, "f").Fh);
        Assert.Equal(NfsStat3.NFS3ERR_NOENT, _nfs.Lookup(_root, "nope").Status);
        Assert.Equal(_root, _nfs.Lookup(_root, "..").Fh);
        Assert.Equal(NfsStat3.NFS3ERR_NOTDIR, _nfs.Lookup(fh, "x").Status);
        Assert.Equal(NfsStat3.NFS3ERR_NAMETOOLONG, _nfs.Lookup(_root, new string('n', 256)).Status);
        // A name that is not UTF-8 is a name like any other (FsName); one with a '/' is no name.
        var rep = _nfs.Call(Nfs3.LOOKUP, w => { w.WriteOpaque(_root); w.WriteOpaque([0xff, 0xfe]); });
        Assert.Equal(NfsStat3.NFS3ERR_NOENT, rep.Nfs);
        rep = _nfs.Call(Nfs3.LOOKUP, w => { w.WriteOpaque(_root); w.WriteOpaque("a/b"u8); });
        Assert.Equal(NfsStat3.NFS3ERR_INVAL, rep.Nfs);
    }

    [Fact]
    public void Setattr_changes_mode_size_and_times_and_a_stale_guard_is_not_sync()
    {
        var (_, fh) = _nfs.Create(_root, "f");
        var before = _nfs.Getattr(fh).Attr!;
        var rep = _nfs.Call(Nfs3.SETATTR, w =>
        {
            w.WriteOpaque(fh);
            Nfs3Attr.WriteSattr(w, new Vattr(AttrMask.AT_MODE | AttrMask.AT_SIZE | AttrMask.AT_MTIME) { Mode = 0x1C0, Size = 5000, Mtime = new Timespec(1000, 7) });
            w.WriteBool(true);
            Nfs3Attr.WriteTime(w, before.Ctime);
        });
        Assert.Equal(NfsStat3.NFS3_OK, rep.Nfs);
        var r = rep.Reader();
        var pre = Nfs3Attr.ReadPreOp(ref r);
        var post = Nfs3Attr.ReadPostOp(ref r);
        Assert.Equal(0, pre!.Size);
        Assert.Equal((0x1C0u, 5000L, new Timespec(1000, 7)), (post!.Mode, post.Size, post.Mtime));
        rep = _nfs.Call(Nfs3.SETATTR, w =>
        {
            w.WriteOpaque(fh);
            Nfs3Attr.WriteSattr(w, new Vattr(AttrMask.AT_MODE) { Mode = 0x1FF });
            w.WriteBool(true);
            Nfs3Attr.WriteTime(w, before.Ctime);
        });
        Assert.Equal(NfsStat3.NFS3ERR_NOT_SYNC, rep.Nfs);
    }

    [Fact]
    public void Each_call_acts_with_its_own_credential_when_one_connection_changes_it()
    {
        // What if a client alternates credentials on one connection? The server keeps the last credential it decoded
        // on each thread (RpcServer.DecodeAuthSys); a call must never act with the one before it.
        AuthSys[] creds =
        [
            new(0, "raw", 1000, 1000, []),
            new(0, "raw", 2000, 2001, [7]),
            new(0, "raw", 2000, 2001, [8]),
            new(0, "other", 1000, 1000, []),
            new(1, "raw", 3000, 1000, []),
            new(0, "raw", 1000, 1000, []),
        ];
        for (int i = 0; i < creds.Length; i++)
        {
            _nfs.Cred = creds[i].ToOpaqueAuth();
            var (st, fh) = _nfs.Create(_root, $"by{i}");
            Assert.Equal(NfsStat3.NFS3_OK, st);
            var (_, va) = _nfs.Getattr(fh);
            Assert.Equal((creds[i].Uid, creds[i].Gid), (va!.Uid, va.Gid));
        }
        // And a group the caller is in counts only while the caller says so: 0070 group 7 is writable with [7] alone.
        _nfs.Cred = creds[1].ToOpaqueAuth();
        var (_, f) = _nfs.Create(_root, "group7", mode: 0x38);
        var chgrp = _nfs.Call(Nfs3.SETATTR, w =>
        {
            w.WriteOpaque(f);
            Nfs3Attr.WriteSattr(w, new Vattr(AttrMask.AT_GID) { Gid = 7 });
            w.WriteBool(false);
        });
        Assert.Equal(NfsStat3.NFS3_OK, chgrp.Nfs);
        uint Granted(AuthSys who)
        {
            _nfs.Cred = who.ToOpaqueAuth();
            var rep = _nfs.Call(Nfs3.ACCESS, w => { w.WriteOpaque(f); w.WriteUInt32(Nfs3.ACCESS3_MODIFY); });
            var r = rep.Reader();
            SkipPostOp(ref r);
            return r.ReadUInt32();
        }
        var stranger = new AuthSys(0, "raw", 4000, 4000, [7]);
        Assert.Equal(Nfs3.ACCESS3_MODIFY, Granted(stranger));
        Assert.Equal(0u, Granted(stranger with { Gids = [8] }));
        Assert.Equal(Nfs3.ACCESS3_MODIFY, Granted(stranger));
    }

    [Fact]
    public void Access_grants_what_the_mode_allows_the_caller()
    {
        _nfs.Cred = new AuthSys(0, "raw", 0, 0, []).ToOpaqueAuth();
        var (_, fh) = _nfs.Create(_root, "ro", mode: 0x124); // r--r--r--
        _nfs.Cred = new AuthSys(0, "raw", 1000, 1000, []).ToOpaqueAuth();
        var rep = _nfs.Call(Nfs3.ACCESS, w => { w.WriteOpaque(fh); w.WriteUInt32(0x3F); });
        Assert.Equal(NfsStat3.NFS3_OK, rep.Nfs);
        var r = rep.Reader();
        SkipPostOp(ref r);
        Assert.Equal(Nfs3.ACCESS3_READ, r.ReadUInt32());
        rep = _nfs.Call(Nfs3.ACCESS, w => { w.WriteOpaque(_root); w.WriteUInt32(0x3F); });
        r = rep.Reader();
        SkipPostOp(ref r);
        Assert.Equal(Nfs3.ACCESS3_READ | Nfs3.ACCESS3_LOOKUP | Nfs3.ACCESS3_MODIFY | Nfs3.ACCESS3_EXTEND | Nfs3.ACCESS3_DELETE, r.ReadUInt32());
    }

    [Fact]
    public void Symlink_and_readlink()
    {
        var rep = _nfs.Call(Nfs3.SYMLINK, w =>
        {
            w.WriteOpaque(_root); w.WriteString("l");
            Nfs3Attr.WriteSattr(w, new Vattr());
            w.WriteString("target/path");
        });
        Assert.Equal(NfsStat3.NFS3_OK, rep.Nfs);
        var (_, lfh) = _nfs.Lookup(_root, "l");
        rep = _nfs.Call(Nfs3.READLINK, w => w.WriteOpaque(lfh));
        var r = rep.Reader();
        Assert.Equal(VType.VLNK, SkipPostOp(ref r)!.Type);
        Assert.Equal("target/path", r.ReadString());
        Assert.Equal(NfsStat3.NFS3ERR_INVAL, _nfs.Call(Nfs3.READLINK, w => w.WriteOpaque(_root)).Nfs);
    }

    private NfsStat3 Write(byte[] fh, long off, byte[] data, StableHow how, out StableHow committed, out ulong verf, out Vattr? pre, out Vattr? post)
    {
        var rep = _nfs.Call(Nfs3.WRITE, w =>
        {
            w.WriteOpaque(fh); w.WriteUInt64((ulong)off); w.WriteUInt32((uint)data.Length); w.WriteUInt32((uint)how); w.WriteOpaque(data);
        });
        var r = rep.Reader();
        post = Nfs3Attr.ReadWcc(ref r, out pre);
        committed = default;
        verf = 0;
        if (rep.Nfs == NfsStat3.NFS3_OK)
        {
            Assert.Equal((uint)data.Length, r.ReadUInt32());
            committed = (StableHow)r.ReadUInt32();
            verf = r.ReadUInt64();
        }
        return rep.Nfs;
    }

    [Fact]
    public void Write_each_stability_then_read_and_commit_with_one_verifier_and_wcc_data()
    {
        var (_, fh) = _nfs.Create(_root, "w");
        var ulongs = new List<ulong>();
        long off = 0;
        foreach (var how in new[] { StableHow.UNSTABLE, StableHow.DATA_SYNC, StableHow.FILE_SYNC })
        {
            var data = Encoding.ASCII.GetBytes($"<{how}>");
            Assert.Equal(NfsStat3.NFS3_OK, Write(fh, off, data, how, out var committed, out var verf, out var pre, out var post));
            Assert.Equal(how, committed);
            Assert.Equal(off, pre!.Size);
            Assert.Equal(off + data.Length, post!.Size);
            ulongs.Add(verf);
            off += data.Length;
        }
        Assert.Single(ulongs.Distinct());
        Assert.Equal(_bed.Server.WriteVerifier, ulongs[0]);

        var rep = _nfs.Call(Nfs3.READ, w => { w.WriteOpaque(fh); w.WriteUInt64(0); w.WriteUInt32(1000); });
        var r = rep.Reader();
        SkipPostOp(ref r);
        Assert.Equal((uint)off, r.ReadUInt32());
        Assert.True(r.ReadBool());
        Assert.Equal("<UNSTABLE><DATA_SYNC><FILE_SYNC>", Encoding.ASCII.GetString(r.ReadOpaque()));

        rep = _nfs.Call(Nfs3.READ, w => { w.WriteOpaque(fh); w.WriteUInt64(2); w.WriteUInt32(3); });
        r = rep.Reader();
        SkipPostOp(ref r);
        Assert.Equal(3u, r.ReadUInt32());
        Assert.False(r.ReadBool());

        rep = _nfs.Call(Nfs3.COMMIT, w => { w.WriteOpaque(fh); w.WriteUInt64(0); w.WriteUInt32(0); });
        Assert.Equal(NfsStat3.NFS3_OK, rep.Nfs);
        r = rep.Reader();
        Nfs3Attr.ReadWcc(ref r, out _);
        Assert.Equal(ulongs[0], r.ReadUInt64());
        Assert.Equal(NfsStat3.NFS3ERR_ISDIR, Write(_root, 0, [1], StableHow.UNSTABLE, out _, out _, out _, out _));
    }

    [Fact]
    public void The_write_verifier_changes_when_the_server_restarts()
    {
        var v1 = _bed.Server.WriteVerifier;
        _bed.Server.Crash();
        TestBed.Check(_bed.Server.Start());
        Assert.NotEqual(v1, _bed.Server.WriteVerifier);
    }

    [Fact]
    public void Create_unchecked_guarded_and_exclusive_with_a_retransmitted_verifier()
    {
        Assert.Equal(NfsStat3.NFS3_OK, _nfs.Create(_root, "g").Status);
        Assert.Equal(NfsStat3.NFS3ERR_EXIST, _nfs.Create(_root, "g").Status);
        Assert.Equal(NfsStat3.NFS3_OK, _nfs.Create(_root, "g", CreateMode3.UNCHECKED).Status);
        var (st, fh) = _nfs.Create(_root, "x", CreateMode3.EXCLUSIVE, verf: 0x1122334455667788);
        Assert.Equal(NfsStat3.NFS3_OK, st);
        var again = _nfs.Create(_root, "x", CreateMode3.EXCLUSIVE, verf: 0x1122334455667788);
        Assert.Equal(NfsStat3.NFS3_OK, again.Status);
        Assert.Equal(fh, again.Fh);
        Assert.Equal(NfsStat3.NFS3ERR_EXIST, _nfs.Create(_root, "x", CreateMode3.EXCLUSIVE, verf: 99).Status);
    }

    [Fact]
    public void Mkdir_mknod_link_rename_remove_rmdir()
    {
        var rep = _nfs.Call(Nfs3.MKDIR, w => { w.WriteOpaque(_root); w.WriteString("d"); Nfs3Attr.WriteSattr(w, new Vattr(AttrMask.AT_MODE) { Mode = 0x1C0 }); });
        Assert.Equal(NfsStat3.NFS3_OK, rep.Nfs);
        var (_, d) = _nfs.Lookup(_root, "d");
        Assert.Equal(0x1C0u, _nfs.Getattr(d).Attr!.Mode);

        rep = _nfs.Call(Nfs3.MKNOD, w => { w.WriteOpaque(d); w.WriteString("fifo"); w.WriteUInt32((uint)Ftype3.NF3FIFO); Nfs3Attr.WriteSattr(w, new Vattr()); });
        Assert.Equal(NfsStat3.NFS3_OK, rep.Nfs);
        Action<XdrWriter> chrArgs(byte[] dir) => w =>
        {
            w.WriteOpaque(dir); w.WriteString("chr"); w.WriteUInt32((uint)Ftype3.NF3CHR); Nfs3Attr.WriteSattr(w, new Vattr());
            w.WriteUInt32(4); w.WriteUInt32(64);
        };
        // A device node is root's to make (uid 1000 here); root, not squashed, makes one.
        Assert.Equal(NfsStat3.NFS3ERR_PERM, _nfs.Call(Nfs3.MKNOD, chrArgs(d)).Nfs);
        Assert.Equal(NfsStat3.NFS3ERR_NOENT, _nfs.Lookup(d, "chr").Status);
        using (var rootBed = new TestBed(export: new ExportOptions { Path = "/export", RootSquash = false }))
        {
            var root = new RawNfs(rootBed.ClientNet, "server", rootBed.Server.NfsPort, rootBed.Server.MountPort, new AuthSys(0, "raw", 0, 0, []));
            var (_, top) = root.Mnt("/export");
            Assert.Equal(NfsStat3.NFS3_OK, root.Call(Nfs3.MKNOD, chrArgs(top)).Nfs);
            var chr = root.Getattr(root.Lookup(top, "chr").Fh).Attr!;
            Assert.Equal((VType.VCHR, (4u, 64u)), (chr.Type, Nfs3Attr.SplitDev(chr.Rdev)));
            root.Close();
        }
        Assert.Equal(NfsStat3.NFS3ERR_BADTYPE, _nfs.Call(Nfs3.MKNOD, w => { w.WriteOpaque(d); w.WriteString("r"); w.WriteUInt32((uint)Ftype3.NF3REG); }).Nfs);

        var (_, f) = _nfs.Create(d, "f");
        rep = _nfs.Call(Nfs3.LINK, w => { w.WriteOpaque(f); w.WriteOpaque(_root); w.WriteString("hard"); });
        Assert.Equal(NfsStat3.NFS3_OK, rep.Nfs);
        var r = rep.Reader();
        Assert.Equal(2u, SkipPostOp(ref r)!.Nlink);

        rep = _nfs.Call(Nfs3.RENAME, w => { w.WriteOpaque(_root); w.WriteString("hard"); w.WriteOpaque(d); w.WriteString("moved"); });
        Assert.Equal(NfsStat3.NFS3_OK, rep.Nfs);
        Assert.Equal(f, _nfs.Lookup(d, "moved").Fh);
        Assert.Equal(NfsStat3.NFS3ERR_NOENT, _nfs.Lookup(_root, "hard").Status);

        Assert.Equal(NfsStat3.NFS3ERR_NOTEMPTY, _nfs.Call(Nfs3.RMDIR, w => { w.WriteOpaque(_root); w.WriteString("d"); }).Nfs);
        foreach (var n in new[] { "f", "moved", "fifo" })
            Assert.Equal(NfsStat3.NFS3_OK, _nfs.Call(Nfs3.REMOVE, w => { w.WriteOpaque(d); w.WriteString(n); }).Nfs);
        Assert.Equal(NfsStat3.NFS3ERR_NOENT, _nfs.Call(Nfs3.REMOVE, w => { w.WriteOpaque(d); w.WriteString("f"); }).Nfs);
        rep = _nfs.Call(Nfs3.RMDIR, w => { w.WriteOpaque(_root); w.WriteString("d"); });
        Assert.Equal(NfsStat3.NFS3_OK, rep.Nfs);
        r = rep.Reader();
        var pre = Nfs3Attr.ReadPreOp(ref r);
        var post = Nfs3Attr.ReadPostOp(ref r);
        Assert.True(pre is not null && post is not null && post.Mtime >= pre.Mtime);
        Assert.Equal(NfsStat3.NFS3ERR_STALE, _nfs.Getattr(d).Status);
    }

    private (List<(string Name, ulong Cookie)> Entries, bool Eof, ulong Verf, NfsStat3 Status) Readdir(byte[] dir, ulong cookie, ulong verf, uint count, bool plus)
    {
        var rep = _nfs.Call(plus ? Nfs3.READDIRPLUS : Nfs3.READDIR, w =>
        {
            w.WriteOpaque(dir); w.WriteUInt64(cookie); w.WriteUInt64(verf); w.WriteUInt32(count);
            if (plus) w.WriteUInt32(count);
        });
        var list = new List<(string, ulong)>();
        if (rep.Nfs != NfsStat3.NFS3_OK)
            return (list, false, 0, rep.Nfs);
        var r = rep.Reader();
        SkipPostOp(ref r);
        ulong v = r.ReadUInt64();
        while (r.ReadBool())
        {
            ulong ino = r.ReadUInt64();
            var name = r.ReadString();
            ulong ck = r.ReadUInt64();
            if (plus)
            {
                var a = SkipPostOp(ref r);
                Assert.Equal(ino, a!.NodeId);
                Assert.True(r.ReadBool());
                r.ReadOpaque();
            }
            list.Add((name, ck));
        }
        bool eof = r.ReadBool();
        Assert.True(r.AtEnd);
        return (list, eof, v, rep.Nfs);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Readdir_pages_through_a_directory_by_cookie_and_checks_the_verifier(bool plus)
    {
        var names = Enumerable.Range(0, 60).Select(i => $"file-{i:D3}").ToList();
        foreach (var n in names)
            _nfs.Create(_root, n);
        var seen = new List<string>();
        ulong cookie = 0, verf = 0;
        int pages = 0;
        while (true)
        {
            var (entries, eof, v, st) = Readdir(_root, cookie, verf, plus ? 1500u : 600u, plus);
            Assert.Equal(NfsStat3.NFS3_OK, st);
            seen.AddRange(entries.Select(e => e.Name));
            verf = v;
            pages++;
            if (eof)
                break;
            cookie = entries[^1].Cookie;
            if (pages == 2)
                _nfs.Create(_root, "zz-added-while-listing");
        }
        Assert.True(pages > 3);
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Superset(names.Concat([".", ".."]).ToHashSet(), seen.ToHashSet());
        Assert.Contains("zz-added-while-listing", seen);
        Assert.Equal(NfsStat3.NFS3ERR_BAD_COOKIE, Readdir(_root, 5, verf ^ 1, 4096, plus).Status);
        Assert.Equal(NfsStat3.NFS3ERR_TOOSMALL, Readdir(_root, 0, 0, 100, plus).Status);
    }

    [Fact]
    public void Fsstat_fsinfo_and_pathconf()
    {
        var rep = _nfs.Call(Nfs3.FSSTAT, w => w.WriteOpaque(_root));
        var r = rep.Reader();
        SkipPostOp(ref r);
        ulong tbytes = r.ReadUInt64(), fbytes = r.ReadUInt64();
        Assert.True(tbytes >= fbytes && tbytes > 0);

        rep = _nfs.Call(Nfs3.FSINFO, w => w.WriteOpaque(_root));
        r = rep.Reader();
        SkipPostOp(ref r);
        uint rtmax = r.ReadUInt32(); r.ReadUInt32(); r.ReadUInt32();
        uint wtmax = r.ReadUInt32();
        Assert.True(rtmax >= 1 << 20 && wtmax >= 1 << 20);

        rep = _nfs.Call(Nfs3.PATHCONF, w => w.WriteOpaque(_root));
        r = rep.Reader();
        SkipPostOp(ref r);
        r.ReadUInt32();
        Assert.Equal(255u, r.ReadUInt32());
    }

    [Fact]
    public void Calls_without_auth_sys_are_too_weak_except_null()
    {
        _nfs.Cred = OpaqueAuth.None;
        Assert.Equal(NfsStat3.NFS3_OK, _nfs.Call(Nfs3.NULL, _ => { }).Nfs);
        var c = new RpcClient(_bed.ClientNet, "server", _bed.Server.NfsPort, Nfs3.Program, Nfs3.Version, new RpcClientOptions());
        var w = c.NewCall(Nfs3.GETATTR, OpaqueAuth.None);
        w.WriteOpaque(_root);
        Assert.Equal(Errno.EACCES, c.Call(w, out _));
        c.Close();
    }
}
