// Vfs.Cli / demo: one host of a scenario -- a Kernel with ufs, nfs and mfs installed, a root process, and an
// NFS server on the scenario's network -- with the few file helpers the figures use.
using System.Text;
using UnixVfs.Core;
using UnixVfs.Mirror;
using UnixVfs.Nfs.Client;
using UnixVfs.Nfs.Net;
using UnixVfs.Nfs.Server;
using UnixVfs.Ufs;

namespace UnixVfs.Cli.Demo;

/// <summary>A host of a demo scenario.</summary>
public sealed class DemoHost
{
    internal DemoHost(string name, IRpcNetwork net, NfsServerOptions serverOptions)
    {
        Name = name;
        Net = net;
        Kernel = new Kernel(name);
        Kernel.Vfssw.Install(UfsVfsops.Def);
        Kernel.Vfssw.Install(MirrorVfsops.Def);
        NfsClient.Install(Kernel, net);
        P = Kernel.CreateProcess();
        Server = new NfsServer(Kernel, net, serverOptions);
    }

    public string Name { get; }
    public Kernel Kernel { get; }

    /// <summary>A root process on the host: every step runs through its system calls.</summary>
    public Process P { get; }

    /// <summary>The network the host's NFS client and server use.</summary>
    public IRpcNetwork Net { get; }

    public NfsServer Server { get; }

    /// <summary>mkdir -p: makes <paramref name="path"/> and every missing parent. Returns OK or the first failure.</summary>
    public Errno MkdirP(string path)
    {
        string sofar = "";
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            sofar += "/" + part;
            var err = P.Mkdir(sofar, 0x1ED);
            if (err is not (Errno.OK or Errno.EEXIST))
                return err;
        }
        return Errno.OK;
    }

    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/> (created or truncated) and fsyncs it.</summary>
    public Errno Write(string path, string text)
    {
        var err = P.Open(path, OFlags.O_CREAT | OFlags.O_WRONLY | OFlags.O_TRUNC, 0x1A4, out int fd);
        if (err != Errno.OK)
            return err;
        try
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            err = P.Write(fd, bytes, out int n);
            if (err == Errno.OK && n != bytes.Length)
                err = Errno.EIO;
            return err != Errno.OK ? err : P.Fsync(fd);
        }
        finally
        {
            P.Close(fd);
        }
    }

    /// <summary>The contents of <paramref name="path"/>, or null (with the errno) when it cannot be read.</summary>
    public string? Read(string path, out Errno err)
    {
        err = P.Open(path, OFlags.O_RDONLY, 0, out int fd);
        if (err != Errno.OK)
            return null;
        try
        {
            var ms = new MemoryStream();
            var buf = new byte[1 << 16];
            while ((err = P.Read(fd, buf, out int n)) == Errno.OK && n > 0)
                ms.Write(buf, 0, n);
            return err == Errno.OK ? Encoding.UTF8.GetString(ms.ToArray()) : null;
        }
        finally
        {
            P.Close(fd);
        }
    }

    public override string ToString() => Name;
}
