// benchmarks/Vfs.NfsBench: one server's export as the harness's load generator sees it -- its root handle (MNT)
// and our Nfs3Client over one RpcClient, the same code against our servers and against ganesha, so that
// what differs between two sides of a ratio is the server.
using UnixVfs.Core;
using UnixVfs.Nfs.Client;
using UnixVfs.Nfs.Net;
using UnixVfs.Nfs.Protocol;
using UnixVfs.Nfs.Rpc;

namespace UnixVfs.NfsBench;

internal sealed class NfsExport : IDisposable
{
    public static readonly OpaqueAuth Root = new AuthSys(0, "nfsbench", 0, 0, []).ToOpaqueAuth();

    public NfsExport(int nfsPort, int mountPort, string path)
    {
        (NfsPort, MountPort, Path) = (nfsPort, mountPort, path);
        var m = new RpcClient(TcpNetwork.Default, "127.0.0.1", mountPort, Mount3.Program, Mount3.Version, new RpcClientOptions());
        var w = m.NewCall(Mount3.MNT, Root);
        w.WriteString(path);
        Check(m.Call(w, out var res));
        var r = res.Reader();
        if (r.ReadUInt32() != 0)
            throw new InvalidOperationException($"MNT {path} refused");
        RootFh = r.ReadOpaque().ToArray();
        res.Release();
        m.Close();
        Nfs = new Nfs3Client(NewRpc(), _ => Root);
    }

    public int NfsPort { get; }
    public int MountPort { get; }
    public string Path { get; }
    public byte[] RootFh { get; }
    public Nfs3Client Nfs { get; }

    /// <summary>A new connection to the NFS program, as one more client.</summary>
    public RpcClient NewRpc() => new(TcpNetwork.Default, "127.0.0.1", NfsPort, Nfs3.Program, Nfs3.Version,
        new RpcClientOptions { Timeout = TimeSpan.FromSeconds(30), Retrans = 1 });

    /// <summary>The URL libnfs's nfs-cp takes for a file in the export.</summary>
    public string Url(string file) => $"nfs://127.0.0.1{Path}/{file}?nfsport={NfsPort}&mountport={MountPort}&version=3";

    public byte[] Lookup(string name)
    {
        Check(Nfs.Lookup(Cred.Kcred, RootFh, name, out var fh, out _, out _));
        return fh!;
    }

    public void Remove(string name) => Check(Nfs.Remove(Cred.Kcred, RootFh, name, out _));

    public byte[] Mkdir(string name)
    {
        Check(Nfs.Mkdir(Cred.Kcred, RootFh, name, new Vattr(AttrMask.AT_MODE) { Mode = 0x1ED }, out var fh, out _, out _));
        return fh!;
    }

    /// <summary>CREATE (UNCHECKED, mode 0644) in directory <paramref name="dir"/>.</summary>
    public byte[] Create(byte[] dir, string name)
    {
        Check(Nfs.Create(Cred.Kcred, dir, name, CreateMode3.UNCHECKED, new Vattr(AttrMask.AT_MODE) { Mode = 0x1A4 }, 0, out var fh, out _, out _));
        return fh!;
    }

    /// <summary>One WRITE, waited for.</summary>
    public void Write(byte[] fh, long offset, ReadOnlySpan<byte> data, StableHow stable)
    {
        Check(Nfs.EndWrite(Nfs.BeginWrite(Cred.Kcred, fh, offset, data, stable), out int n, out _, out _, out _, out _));
        if (n != data.Length)
            throw new InvalidOperationException($"short WRITE: {n} of {data.Length}");
    }

    public void Commit(byte[] fh) => Check(Nfs.EndCommit(Nfs.BeginCommit(Cred.Kcred, fh), out _, out _));

    /// <summary>Makes file <paramref name="name"/> hold <paramref name="data"/>: 1 MiB UNSTABLE WRITEs and a COMMIT.</summary>
    public void Put(string name, byte[] data)
    {
        var fh = Create(RootFh, name);
        for (int off = 0; off < data.Length; off += 1 << 20)
            Write(fh, off, data.AsSpan(off, Math.Min(1 << 20, data.Length - off)), StableHow.UNSTABLE);
        Commit(fh);
    }

    public void Dispose() => Nfs.Rpc.Close();

    public static void Check(Errno e)
    {
        if (e != Errno.OK)
            throw new InvalidOperationException($"nfsbench: {e.Message()} ({e})");
    }
}
