// Vfs.Cli: the `vfs` command. Each subcommand lives in its own file; this one only wires them up.
//
//   vfs demo      the patent's configurations, end to end (the README's main command)
//   vfs newfs     make a UFS2 file system in an image file
//   vfs fsck      check (and with -y repair) a UFS2 image
//   vfs serve     serve a file system over NFSv3
//   vfs shell     an interactive shell over simulated hosts
<<<<<<< HEAD
//   vfs sim       random histories with faults on a simulated world, every invariant checked
=======
//   vfs mount-host  a path of simulated hosts on a real directory, through FUSE
>>>>>>> main
//
// Every failure prints one line on stderr and exits non-zero; no stack traces reach the user.
using System.CommandLine;
using UnixVfs.Cli;

var root = new RootCommand("vfs: the Unix VFS/vnode framework, UFS2, NFSv3 and the Mirror File System, modelled in C#");
root.Subcommands.Add(DemoCommand.Build());
root.Subcommands.Add(NewfsCommand.Build());
root.Subcommands.Add(FsckCommand.Build());
root.Subcommands.Add(ServeCommand.Build());
root.Subcommands.Add(ShellCommand.Build());
<<<<<<< HEAD
root.Subcommands.Add(SimCommand.Build());
=======
root.Subcommands.Add(MountHostCommand.Build());
>>>>>>> main
try
{
    return root.Parse(args).Invoke();
}
catch (Exception e)
{
    Console.Error.WriteLine($"vfs: {e.Message}");
    return 1;
}
