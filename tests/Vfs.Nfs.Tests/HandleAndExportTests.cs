// Tests of file handles and exports: a client can neither forge a handle nor use one to leave its
// export; handles survive a restart with the same key; access control, read-only exports and root
// squash apply the file system's own permission checks to the right credential.
using UnixVfs.Core;
using UnixVfs.Nfs.Net;
using UnixVfs.Nfs.Protocol;
using UnixVfs.Nfs.Rpc;
using UnixVfs.Nfs.Server;

namespace UnixVfs.Nfs.Tests;

public class HandleAndExportTests
{
    private static RawNfs Raw(TestBed bed, uint uid = 1000, string host = "client") =>
        new(host == "client" ? bed.ClientNet : bed.Sim!.Host(host) ?? bed.Sim.AddHost(host), "server", bed.Server.NfsPort, bed.Server.MountPort,
            new AuthSys(0, host, uid, uid, []));

    [Fact]
    public void A_forged_or_malformed_handle_is_badhandle_and_a_handle_over_64_bytes_is_garbage()
    {
        using var bed = new TestBed();
        var nfs = Raw(bed);
        var (_, root) = nfs.Mnt("/export");
        var (_, fh) = nfs.Create(root, "f");
        var forged = fh.ToArray();
        forged[^1] ^= 1;
        Assert.Equal(NfsStat3.NFS3ERR_BADHANDLE, nfs.Getattr(forged).Status);
        var otherFile = fh.ToArray();
        otherFile[8] ^= 1;   // change the inode number but keep the MAC: the MAC no longer matches
        Assert.Equal(NfsStat3.NFS3ERR_BADHANDLE, nfs.Getattr(otherFile).Status);
        Assert.Equal(NfsStat3.NFS3ERR_BADHANDLE, nfs.Getattr([1, 2, 3, 4, 5]).Status);
        Assert.Equal(NfsStat3.NFS3ERR_BADHANDLE, nfs.Getattr(fh[..^1]).Status);
        Assert.Equal(NfsStat3.NFS3ERR_BADHANDLE, nfs.Getattr([]).Status);
        var c = new RpcClient(bed.ClientNet, "server", bed.Server.NfsPort, Nfs3.Program, Nfs3.Version, new RpcClientOptions());
        var w = c.NewCall(Nfs3.GETATTR, new AuthSys(0, "x", 1, 1, []).ToOpaqueAuth());
        w.WriteOpaque(new byte[65]);
        Assert.Equal(Errno.EPROTO, c.Call(w, out _));   // GARBAGE_ARGS
        c.Close();
        nfs.Close();
    }

    [Fact]
    public void Handles_of_removed_files_and_unshared_exports_are_stale()
    {
        using var bed = new TestBed();
        var nfs = Raw(bed);
        var (_, root) = nfs.Mnt("/export");
        var (_, fh) = nfs.Create(root, "f");
        Assert.Equal(NfsStat3.NFS3_OK, nfs.Call(Nfs3.REMOVE, w => { w.WriteOpaque(root); w.WriteString("f"); }).Nfs);
        Assert.Equal(NfsStat3.NFS3ERR_STALE, nfs.Getattr(fh).Status);
        TestBed.Check(bed.Server.Unshare("/export"));
        Assert.Equal(NfsStat3.NFS3ERR_STALE, nfs.Getattr(root).Status);
        nfs.Close();
    }

    [Fact]
    public void Handles_survive_a_restart_with_the_same_key_and_not_with_another()
    {
        using var bed = new TestBed();
        var nfs = Raw(bed);
        var (_, root) = nfs.Mnt("/export");
        var (_, fh) = nfs.Create(root, "keep");
        bed.Server.Crash();
        var again = new NfsServer(bed.ServerKernel, bed.Sim!.Host("server")!, new NfsServerOptions
        {
            Address = "server", NfsPort = bed.Server.NfsPort, MountPort = bed.Server.MountPort, HandleKey = bed.Server.HandleKey,
        });
        TestBed.Check(again.Share(new ExportOptions { Path = "/export" }));
        TestBed.Check(again.Start());
        Assert.Equal(NfsStat3.NFS3_OK, nfs.Getattr(fh).Status);
        again.Crash();
        again.Unshare("/export");
        var rekeyed = new NfsServer(bed.ServerKernel, bed.Sim!.Host("server")!, new NfsServerOptions
        {
            Address = "server", NfsPort = bed.Server.NfsPort, MountPort = bed.Server.MountPort,
        });
        TestBed.Check(rekeyed.Share(new ExportOptions { Path = "/export" }));
        TestBed.Check(rekeyed.Start());
        Assert.Equal(NfsStat3.NFS3ERR_BADHANDLE, nfs.Getattr(fh).Status);
        rekeyed.Crash();
        rekeyed.Unshare("/export");
        nfs.Close();
    }

    [Fact]
    public void A_subdirectory_export_cannot_be_left_by_dotdot_and_a_directory_moved_out_goes_stale()
    {
        using var bed = new TestBed();
        var sp = bed.ServerProc;
        TestBed.Check(sp.Mkdir("/export/pub", 0x1FF));
        TestBed.Check(sp.Mkdir("/export/pub/inner", 0x1FF));
        TestBed.Check(sp.Mkdir("/export/secret", 0x1FF));
        TestBed.Check(bed.Server.Share(new ExportOptions { Path = "/export/pub" }));
        var nfs = Raw(bed);
        var (st, pub) = nfs.Mnt("/export/pub");
        Assert.Equal(MountStat3.MNT3_OK, st);
        Assert.Equal(pub, nfs.Lookup(pub, "..").Fh);
        var (_, inner) = nfs.Lookup(pub, "inner");
        Assert.Equal(pub, nfs.Lookup(inner, "..").Fh);
        Assert.Equal(NfsStat3.NFS3_OK, nfs.Getattr(inner).Status);
        TestBed.Check(sp.Rename("/export/pub/inner", "/export/secret/inner"));
        Assert.Equal(NfsStat3.NFS3ERR_STALE, nfs.Getattr(inner).Status);
        Assert.Equal(MountStat3.MNT3ERR_INVAL, nfs.Mnt("/export/pub/../secret").Status);
        nfs.Close();
    }

    [Fact]
    public void A_client_not_in_the_export_list_gets_acces_from_mount_and_for_handles()
    {
        using var bed = new TestBed(export: new ExportOptions { Path = "/export", Clients = ["client", "10.0.0.0/8"] });
        var good = Raw(bed);
        var (st, root) = good.Mnt("/export");
        Assert.Equal(MountStat3.MNT3_OK, st);
        var intruder = Raw(bed, host: "intruder");
        Assert.Equal(MountStat3.MNT3ERR_ACCES, intruder.Mnt("/export").Status);
        Assert.Equal(NfsStat3.NFS3ERR_ACCES, intruder.Getattr(root).Status);
        Assert.Equal(MountStat3.MNT3ERR_NOENT, good.Mnt("/elsewhere").Status);
        good.Close();
        intruder.Close();
    }

    [Fact]
    public void Export_client_lists_match_addresses_ranges_and_names()
    {
        var e = new ExportOptions { Path = "/x", Clients = ["127.0.0.0/8", "10.1.2.3", "hostname"] };
        Assert.True(e.Allows("127.4.5.6"));
        Assert.True(e.Allows("10.1.2.3"));
        Assert.True(e.Allows("hostname"));
        Assert.False(e.Allows("10.1.2.4"));
        Assert.False(e.Allows("128.0.0.1"));
        Assert.False(e.Allows("other"));
    }

    [Fact]
    public void A_read_only_export_refuses_every_change_with_rofs()
    {
        using var bed = new TestBed(export: new ExportOptions { Path = "/export", ReadOnly = true });
        TestBed.Check(bed.ServerProc.Mkdir("/export/d", 0x1FF));
        var nfs = Raw(bed);
        var (_, root) = nfs.Mnt("/export");
        Assert.Equal(NfsStat3.NFS3ERR_ROFS, nfs.Create(root, "f").Status);
        Assert.Equal(NfsStat3.NFS3ERR_ROFS, nfs.Call(Nfs3.RMDIR, w => { w.WriteOpaque(root); w.WriteString("d"); }).Nfs);
        Assert.Equal(NfsStat3.NFS3ERR_ROFS, nfs.Call(Nfs3.SETATTR, w => { w.WriteOpaque(root); Nfs3Attr.WriteSattr(w, new Vattr(AttrMask.AT_MODE) { Mode = 0 }); w.WriteBool(false); }).Nfs);
        var rep = nfs.Call(Nfs3.ACCESS, w => { w.WriteOpaque(root); w.WriteUInt32(0x3F); });
        var r = rep.Reader();
        Nfs3Attr.ReadPostOp(ref r);
        Assert.Equal(0u, r.ReadUInt32() & (Nfs3.ACCESS3_MODIFY | Nfs3.ACCESS3_EXTEND | Nfs3.ACCESS3_DELETE));
        Assert.Equal(Errno.OK, bed.ServerProc.Stat("/export/d", out _));
        nfs.Close();
    }

    [Theory]
    [InlineData(true, 65534u)]
    [InlineData(false, 0u)]
    public void Root_is_squashed_to_the_anonymous_uid_unless_the_export_says_otherwise(bool squash, uint owner)
    {
        using var bed = new TestBed(export: new ExportOptions { Path = "/export", RootSquash = squash });
        var nfs = Raw(bed, uid: 0);
        var (_, root) = nfs.Mnt("/export");
        var (st, fh) = nfs.Create(root, "mine");
        Assert.Equal(NfsStat3.NFS3_OK, st);
        Assert.Equal(owner, nfs.Getattr(fh).Attr!.Uid);
        TestBed.Check(bed.ServerProc.Stat("/export/mine", out var s));
        Assert.Equal(owner, s!.Uid);
        nfs.Close();
    }

    [Fact]
    public void The_file_systems_permission_checks_apply_to_the_mapped_credential()
    {
        using var bed = new TestBed();
        TestBed.Check(bed.ServerProc.Mkdir("/export/private", 0x1C0));   // 0700, owned by root
        var nfs = Raw(bed, uid: 1000);
        var (_, root) = nfs.Mnt("/export");
        var (_, priv) = nfs.Lookup(root, "private");
        Assert.Equal(NfsStat3.NFS3ERR_ACCES, nfs.Lookup(priv, "x").Status);
        Assert.Equal(NfsStat3.NFS3ERR_ACCES, nfs.Create(priv, "x").Status);
        nfs.Close();
    }
}
