// The attack suite of `vfs serve` (issue 12): each test does what an untrusted local user or a hostile
// client did to the server, against `vfs serve` in a process of its own, with hand-made RPC records
// (RawRpc, RawNfs). Permissions: a non-owner truncating, a user making devices, one connection's
// reply given to another, CREATE and REMOVE corner cases. Resources: a client that never reads, a
// half-close, a reply larger than a record. The tests whose server needs options of its own (key
// file, portmapper, access lists, limits) are in ServeLimitTests.
using System.Buffers.Binary;
using UnixVfs.Core;
using UnixVfs.Nfs.Net;
using UnixVfs.Nfs.Protocol;
using UnixVfs.Nfs.Rpc;
using UnixVfs.Nfs.Tests;
using UnixVfs.Nfs.Xdr;

namespace UnixVfs.Cli.Tests;

/// <summary>One `vfs serve --tmpfs` (root squashed) shared by the attacks below; each uses names of its own.</summary>
public sealed class SharedServe : IDisposable
{
    internal ServeProcess S { get; } = ServeProcess.Start(["--tmpfs", "--nfs-port", "0", "--mount-port", "0", "--portmap-port", "-1"]);

    public void Dispose() => S.Dispose();
}

public class ServeAttackTests(SharedServe shared) : IClassFixture<SharedServe>
{
    private readonly ServeProcess _s = shared.S;

    internal static RawNfs As(ServeProcess s, uint uid, uint gid = 100) =>
        new(TcpNetwork.Default, "127.0.0.1", s.NfsPort, s.MountPort, new AuthSys(uid, "attacker", uid, gid, []));

    internal static OpaqueAuth Cred(uint uid, uint gid = 100) => new AuthSys(uid, "attacker", uid, gid, []).ToOpaqueAuth();

    private (RawNfs Nfs, byte[] Root) Mount(uint uid, uint gid = 100)
    {
        var nfs = As(_s, uid, gid);
        var (st, root) = nfs.Mnt("/export");
        Assert.Equal(MountStat3.MNT3_OK, st);
        return (nfs, root);
    }

    private static NfsStat3 Setattr(RawNfs nfs, byte[] fh, Vattr va) =>
        nfs.Call(Nfs3.SETATTR, w => { w.WriteOpaque(fh); Nfs3Attr.WriteSattr(w, va); w.WriteBool(false); }).Nfs;

    internal static void WriteArgs(XdrWriter w, byte[] fh, long offset, ReadOnlySpan<byte> data)
    {
        w.WriteOpaque(fh);
        w.WriteUInt64((ulong)offset);
        w.WriteUInt32((uint)data.Length);
        w.WriteUInt32((uint)StableHow.FILE_SYNC);
        w.WriteOpaque(data);
    }

    private static NfsStat3 Write(RawNfs nfs, byte[] fh, ReadOnlySpan<byte> data)
    {
        var copy = data.ToArray();
        return nfs.Call(Nfs3.WRITE, w => WriteArgs(w, fh, 0, copy)).Nfs;
    }

    private static void CreateArgs(XdrWriter w, byte[] dir, string name, Vattr va, CreateMode3 how = CreateMode3.GUARDED)
    {
        w.WriteOpaque(dir);
        w.WriteString(name);
        w.WriteUInt32((uint)how);
        Nfs3Attr.WriteSattr(w, va);
    }

    /// <summary>CREATE with the attributes <paramref name="va"/>: the status and the new handle.</summary>
    private static (NfsStat3 Status, byte[] Fh) Create(RawNfs nfs, byte[] dir, string name, Vattr va)
    {
        var rep = nfs.Call(Nfs3.CREATE, w => CreateArgs(w, dir, name, va));
        if (rep.Nfs != NfsStat3.NFS3_OK)
            return (rep.Nfs, []);
        var r = rep.Reader();
        Assert.True(r.ReadBool());
        return (rep.Nfs, r.ReadOpaque().ToArray());
    }

    /// <summary>The status word of a reply record (the first word after the RPC reply header).</summary>
    private static NfsStat3 StatusOf(byte[] reply)
    {
        Assert.True(RpcReplyHeader.TryDecode(reply, out var h) && h.Success, "the call was not accepted");
        return (NfsStat3)BinaryPrimitives.ReadUInt32BigEndian(reply.AsSpan(h.ResultsOffset));
    }

    /// <summary>The file handle in a CREATE reply record (post_op_fh3 after the status).</summary>
    private static byte[] FhOf(byte[] reply)
    {
        RpcReplyHeader.TryDecode(reply, out var h);
        var r = new XdrReader(reply.AsSpan(h.ResultsOffset + 4));
        Assert.True(r.ReadBool());
        return r.ReadOpaque().ToArray();
    }

    [Fact]
    public void Setattr_of_size_by_a_user_who_may_not_write_the_file_is_ACCES_and_leaves_it_whole()
    {
        var (alice, root) = Mount(1000);
        var (mallory, _) = Mount(2000, 200);
        var (st, victim) = Create(alice, root, "victim", new Vattr(AttrMask.AT_MODE) { Mode = 0x1A4 });
        Assert.Equal(NfsStat3.NFS3_OK, st);
        Assert.Equal(NfsStat3.NFS3_OK, Write(alice, victim, new byte[100]));

        Assert.Equal(NfsStat3.NFS3ERR_ACCES, Setattr(mallory, victim, new Vattr(AttrMask.AT_SIZE) { Size = 0 }));
        Assert.Equal(NfsStat3.NFS3ERR_ACCES, Setattr(mallory, victim, new Vattr(AttrMask.AT_SIZE) { Size = 8L << 40 }));
        Assert.Equal(100, alice.Getattr(victim).Attr!.Size);
        Assert.Equal(NfsStat3.NFS3_OK, Setattr(alice, victim, new Vattr(AttrMask.AT_SIZE) { Size = 10 }));
        Assert.Equal(10, alice.Getattr(victim).Attr!.Size);
        alice.Close();
        mallory.Close();
    }

    [Fact]
    public void Mknod_of_a_device_is_PERM_for_a_user_and_for_squashed_root_but_a_fifo_is_made()
    {
        var (user, root) = Mount(1000);
        var (squashed, _) = Mount(0, 0);
        Action<XdrWriter> Mknod(string name, Ftype3 type) => w =>
        {
            w.WriteOpaque(root);
            w.WriteString(name);
            w.WriteUInt32((uint)type);
            Nfs3Attr.WriteSattr(w, new Vattr(AttrMask.AT_MODE) { Mode = 0x1B6 });
            if (type is Ftype3.NF3BLK or Ftype3.NF3CHR)
            {
                w.WriteUInt32(8);
                w.WriteUInt32(0);
            }
        };
        Assert.Equal(NfsStat3.NFS3ERR_PERM, user.Call(Nfs3.MKNOD, Mknod("sda-user", Ftype3.NF3BLK)).Nfs);
        Assert.Equal(NfsStat3.NFS3ERR_PERM, user.Call(Nfs3.MKNOD, Mknod("mem-user", Ftype3.NF3CHR)).Nfs);
        Assert.Equal(NfsStat3.NFS3ERR_PERM, squashed.Call(Nfs3.MKNOD, Mknod("sda-root", Ftype3.NF3BLK)).Nfs);
        Assert.Equal(NfsStat3.NFS3ERR_NOENT, user.Lookup(root, "sda-user").Status);
        Assert.Equal(NfsStat3.NFS3ERR_NOENT, user.Lookup(root, "sda-root").Status);
        Assert.Equal(NfsStat3.NFS3_OK, user.Call(Nfs3.MKNOD, Mknod("fifo-user", Ftype3.NF3FIFO)).Nfs);
        user.Close();
        squashed.Close();
    }

    [Fact]
    public void The_duplicate_request_cache_answers_a_retransmission_but_never_another_connection_or_other_arguments()
    {
        var (alice, root) = Mount(1000);
        const uint xid = 0x5eed0001;
        using var a = new RawRpc(_s.NfsPort);
        using var m = new RawRpc(_s.NfsPort);
        var callA = RawRpc.Call(xid, Nfs3.Program, 3, Nfs3.CREATE, w => CreateArgs(w, root, "drc-alice", new Vattr(AttrMask.AT_MODE) { Mode = 0x1A4 }), Cred(1000));
        var callM = RawRpc.Call(xid, Nfs3.Program, 3, Nfs3.CREATE, w => CreateArgs(w, root, "drc-mallory", new Vattr(AttrMask.AT_MODE) { Mode = 0x1A4 }), Cred(2000, 200));
        a.Roundtrip(callA, out var repA);
        Assert.Equal(NfsStat3.NFS3_OK, StatusOf(repA));

        // The same xid from another connection, another user, other arguments: a call of its own.
        m.Roundtrip(callM, out var repM);
        Assert.Equal(NfsStat3.NFS3_OK, StatusOf(repM));
        Assert.NotEqual(FhOf(repA), FhOf(repM));
        var made = alice.Getattr(alice.Lookup(root, "drc-mallory").Fh).Attr!;
        Assert.Equal(2000u, made.Uid);

        // A true retransmission (same connection, same bytes) gets the first reply: GUARDED is not run twice.
        a.Roundtrip(callA, out var again);
        Assert.Equal(repA, again);

        // Same connection and xid, other arguments: runs (and fails on its own terms).
        var other = RawRpc.Call(xid, Nfs3.Program, 3, Nfs3.REMOVE, w => { w.WriteOpaque(root); w.WriteString("drc-nothing"); }, Cred(1000));
        a.Roundtrip(other, out var repR);
        Assert.Equal(NfsStat3.NFS3ERR_NOENT, StatusOf(repR));
        alice.Close();
    }

    [Fact]
    public void Create_sets_the_size_given_drops_uid_and_gid_of_a_non_root_caller_and_leaves_nothing_when_it_fails()
    {
        var (alice, root) = Mount(1000);
        var (squashed, _) = Mount(0, 0);
        var (st, fh) = Create(alice, root, "sized", new Vattr(AttrMask.AT_MODE | AttrMask.AT_SIZE) { Mode = 0x1A4, Size = 12345 });
        Assert.Equal(NfsStat3.NFS3_OK, st);
        Assert.Equal(12345, alice.Getattr(fh).Attr!.Size);

        // Past the file system's largest size: FBIG, and the name it made is gone again.
        (st, _) = Create(alice, root, "too-big", new Vattr(AttrMask.AT_MODE | AttrMask.AT_SIZE) { Mode = 0x1A4, Size = 1L << 50 });
        Assert.Equal(NfsStat3.NFS3ERR_FBIG, st);
        Assert.Equal(NfsStat3.NFS3ERR_NOENT, alice.Lookup(root, "too-big").Status);

        // uid/gid attributes of a caller other than root are dropped, as Linux's nfsd does: the file is the caller's.
        (st, fh) = Create(alice, root, "given-away", new Vattr(AttrMask.AT_MODE | AttrMask.AT_UID | AttrMask.AT_GID) { Mode = 0x1A4, Uid = 2000, Gid = 200 });
        Assert.Equal(NfsStat3.NFS3_OK, st);
        Assert.Equal((1000u, 100u), (alice.Getattr(fh).Attr!.Uid, alice.Getattr(fh).Attr!.Gid));
        (st, fh) = Create(squashed, root, "root-squashed", new Vattr(AttrMask.AT_MODE | AttrMask.AT_UID | AttrMask.AT_GID) { Mode = 0x1A4, Uid = 0, Gid = 0 });
        Assert.Equal(NfsStat3.NFS3_OK, st);
        Assert.Equal((65534u, 65534u), (alice.Getattr(fh).Attr!.Uid, alice.Getattr(fh).Attr!.Gid));
        alice.Close();
        squashed.Close();
    }

    [Fact]
    public void Remove_of_a_missing_name_in_a_directory_the_caller_cannot_write_is_NOENT_and_of_a_present_one_ACCES()
    {
        var (alice, root) = Mount(1000);
        var (mallory, _) = Mount(2000, 200);
        var rep = alice.Call(Nfs3.MKDIR, w => { w.WriteOpaque(root); w.WriteString("ro-dir"); Nfs3Attr.WriteSattr(w, new Vattr(AttrMask.AT_MODE) { Mode = 0x1ED }); });
        Assert.Equal(NfsStat3.NFS3_OK, rep.Nfs);
        var dir = alice.Lookup(root, "ro-dir").Fh;
        Assert.Equal(NfsStat3.NFS3_OK, Create(alice, dir, "present", new Vattr(AttrMask.AT_MODE) { Mode = 0x1A4 }).Status);
        NfsStat3 Remove(string name) => mallory.Call(Nfs3.REMOVE, w => { w.WriteOpaque(dir); w.WriteString(name); }).Nfs;
        Assert.Equal(NfsStat3.NFS3ERR_NOENT, Remove("missing"));
        Assert.Equal(NfsStat3.NFS3ERR_ACCES, Remove("present"));
        alice.Close();
        mallory.Close();
    }

    [Fact]
    public void A_READDIRPLUS_of_4_MiB_on_a_7000_entry_directory_gets_a_reply_clamped_to_what_a_record_holds()
    {
        var (alice, root) = Mount(1000);
        var rep = alice.Call(Nfs3.MKDIR, w => { w.WriteOpaque(root); w.WriteString("big-dir"); Nfs3Attr.WriteSattr(w, new Vattr(AttrMask.AT_MODE) { Mode = 0x1ED }); });
        Assert.Equal(NfsStat3.NFS3_OK, rep.Nfs);
        var dir = alice.Lookup(root, "big-dir").Fh;
        using var raw = new RawRpc(_s.NfsPort);
        var pad = new string('n', 200);
        const int files = 7000, batch = 100;
        for (int i = 0; i < files; i += batch)
        {
            for (int j = i; j < i + batch; j++)
                raw.Send(RawRpc.Call((uint)j + 1, Nfs3.Program, 3, Nfs3.CREATE, w => CreateArgs(w, dir, $"{pad}{j:D5}", new Vattr(AttrMask.AT_MODE) { Mode = 0x1A4 }, CreateMode3.UNCHECKED), Cred(1000)));
            for (int j = i; j < i + batch; j++)
                Assert.Equal(NfsStat3.NFS3_OK, StatusOf(raw.Receive() ?? throw new InvalidOperationException("no CREATE reply")));
        }
        var call = RawRpc.Call(99_999, Nfs3.Program, 3, Nfs3.READDIRPLUS, w =>
        {
            w.WriteOpaque(dir);
            w.WriteUInt64(0);
            w.WriteUInt64(0);
            w.WriteUInt32(4u << 20);
            w.WriteUInt32(4u << 20);
        }, Cred(1000));
        raw.Send(call);
        var reply = raw.Receive();
        Assert.NotNull(reply);
        Assert.Equal(NfsStat3.NFS3_OK, StatusOf(reply!));
        Assert.InRange(reply!.Length, 512 * 1024, RecordMarking.DefaultMaxRecord);
        alice.Close();
    }

    [Fact]
    public void A_client_that_half_closes_after_40_pipelined_calls_gets_all_40_replies()
    {
        var (alice, root) = Mount(1000);
        var (_, fh) = Create(alice, root, "half-close", new Vattr(AttrMask.AT_MODE) { Mode = 0x1A4 });
        using var raw = new RawRpc(_s.NfsPort);
        var data = new byte[64 * 1024];
        for (uint x = 1; x <= 40; x++)
            raw.Send(RawRpc.Call(x, Nfs3.Program, 3, Nfs3.WRITE, w => WriteArgs(w, fh, x * data.Length, data), Cred(1000)));
        raw.ShutdownSend();
        var xids = new HashSet<uint>();
        while (raw.Receive() is { } reply)
        {
            Assert.Equal(NfsStat3.NFS3_OK, StatusOf(reply));
            Assert.True(RpcReplyHeader.TryPeekXid(reply, out uint xid));
            xids.Add(xid);
        }
        Assert.Equal(40, xids.Count);
        alice.Close();
    }

    [Fact]
    public void A_client_that_never_reads_its_1_MiB_READ_replies_does_not_stall_a_pipelining_client()
    {
        var (alice, root) = Mount(1000);
        var (_, fh) = Create(alice, root, "one-mib", new Vattr(AttrMask.AT_MODE) { Mode = 0x1A4 });
        var mib = new byte[1 << 20];
        Assert.Equal(NfsStat3.NFS3_OK, alice.Call(Nfs3.WRITE, w => WriteArgs(w, fh, 0, mib)).Nfs);

        var sloths = new List<RawRpc>();
        try
        {
            for (int c = 0; c < 3; c++)
            {
                var sloth = new RawRpc(_s.NfsPort);
                sloths.Add(sloth);
                for (uint x = 1; x <= 32; x++)
                    sloth.Send(RawRpc.Call(x, Nfs3.Program, 3, Nfs3.READ, w => { w.WriteOpaque(fh); w.WriteUInt64(0); w.WriteUInt32(1 << 20); }, Cred(1000)));
            }
            // Another client pipelines GETATTRs (so they go to the service threads) and must be answered.
            using var busy = new RawRpc(_s.NfsPort);
            for (int round = 0; round < 5; round++)
            {
                for (uint x = 1; x <= 8; x++)
                    busy.Send(RawRpc.Call((uint)round * 100 + x, Nfs3.Program, 3, Nfs3.GETATTR, w => w.WriteOpaque(fh), Cred(1000)));
                for (int x = 0; x < 8; x++)
                    Assert.Equal(NfsStat3.NFS3_OK, StatusOf(busy.Receive() ?? throw new InvalidOperationException("a pipelining client got no reply while another did not read")));
            }
        }
        finally
        {
            foreach (var s in sloths)
                s.Dispose();
        }
        alice.Close();
    }
}
