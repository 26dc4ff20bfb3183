// Vfs.Cli / shell: one simulated host of the shell -- a Kernel with every file system type installed, the
// shell's process on it, its attachment to the shell's simulated network, and its NFS server.
using UnixVfs.Core;
using UnixVfs.Mirror;
using UnixVfs.Nfs.Client;
using UnixVfs.Nfs.Net;
using UnixVfs.Nfs.Server;
using UnixVfs.Ufs;

namespace UnixVfs.Cli.Shell;

/// <summary>A host of the shell.</summary>
internal sealed class ShellHost
{
    public ShellHost(string name, SimNetwork sim)
    {
        Name = name;
        Kernel = new Kernel(name);
        Kernel.Vfssw.Install(UfsVfsops.Def);
        Kernel.Vfssw.Install(MirrorVfsops.Def);
        Net = sim.AddHost(name);
        NfsClient.Install(Kernel, Net);
        Process = Kernel.CreateProcess();
        Server = new NfsServer(Kernel, Net, new NfsServerOptions { Address = name, NfsPort = 2049, MountPort = 635, PortmapPort = 111 });
    }

    public string Name { get; }
    public Kernel Kernel { get; }
    public Process Process { get; }

    /// <summary>This host's attachment to the shell's simulated network.</summary>
    public SimHost Net { get; }

    /// <summary>This host's NFS server; it starts with the first share.</summary>
    public NfsServer Server { get; }

    /// <summary>False between `host stop` and `host start`: the host is down, its server silent.</summary>
    public bool Up => Net.IsUp;

    /// <summary>The host loses power: its connections drop and its server stops answering.</summary>
    public void Stop()
    {
        if (Server.IsRunning)
            Server.Crash();
        Net.Crash();
    }

    /// <summary>The host boots again: its disks kept their contents; its server comes back with the same exports.</summary>
    public Errno Start()
    {
        Net.Restart();
        return Server.Exports.Count > 0 ? Server.Start() : Errno.OK;
    }
}
